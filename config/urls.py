from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import views as core_views

APPS = ["core", "tickets", "workflows", "knowledge", "escalation", "integrations", "analytics", "audit"]

api_v1 = [path("", include(f"apps.{app}.api.urls")) for app in APPS]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("integrations/", core_views.integrations_home, name="integrations_home"),  # README link → connections
    path("favicon.ico", core_views.favicon, name="favicon"),
    *[path(f"{'' if app == 'core' else app + '/'}", include(f"apps.{app}.urls")) for app in APPS],
]

# Unknown addresses and crashes under /api/ answer with the API's JSON error body (apps/core/api/errors.py).
handler403 = "apps.core.views.permission_denied"  # names the roles the page is for (templates/403.html)
handler404 = "apps.core.api.errors.not_found"
handler500 = "apps.core.api.errors.server_error"
