from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-auth-token"),
    path("auth/me/", views.MeView.as_view(), name="api-auth-me"),
]
