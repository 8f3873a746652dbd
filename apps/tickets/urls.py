from django.urls import path

from . import email_views

app_name = "tickets"
urlpatterns: list = [
    path("email/inbound/", email_views.email_inbound, name="email_inbound"),
]
