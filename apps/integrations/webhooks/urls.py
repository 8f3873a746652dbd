from django.urls import path

from . import views

urlpatterns = [
    path("<slug:provider>/", views.webhook_receive, name="webhook-receive"),
]
