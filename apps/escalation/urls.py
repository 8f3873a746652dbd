from django.urls import path

from . import views

app_name = "escalation"
urlpatterns = [
    path("handoffs/", views.handoff_list_view, name="handoff_list"),
    path("handoffs/<int:handoff_id>/", views.handoff_list_view, name="handoff_detail"),
    path("handoffs/<int:handoff_id>/claim/", views.handoff_claim_view, name="handoff_claim"),
    path("handoffs/<int:handoff_id>/resolve/", views.handoff_resolve_view, name="handoff_resolve"),
    path("handoffs/<int:handoff_id>/reassign/", views.handoff_reassign_view, name="handoff_reassign"),
]
