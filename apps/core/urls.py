from django.urls import path

from . import demo_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("demo/", demo_views.demo_page, {"page": "home"}, name="demo"),
    path("demo/pricing/", demo_views.demo_page, {"page": "pricing"}, name="demo_pricing"),
    path("demo/settings/", demo_views.demo_page, {"page": "settings"}, name="demo_settings"),
]
