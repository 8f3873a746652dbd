from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("connections/", views.connection_list, name="connection_list"),
    path("connections/new/", views.connection_create, name="connection_create"),
    path("connections/<int:pk>/", views.connection_edit, name="connection_edit"),
    path("connections/<int:pk>/test/", views.connection_test_view, name="connection_test"),
    path("connections/<int:pk>/calls/", views.connection_calls, name="connection_calls"),
]
