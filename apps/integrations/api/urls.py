from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("connections", views.ConnectionViewSet, basename="api-connection")

urlpatterns = [
    *router.urls,
    path("lookups/<str:name>/", views.LookupView.as_view(), name="api-lookup"),
    path("webhooks/", include("apps.integrations.webhooks.urls")),
]
