from django.urls import path

from . import views

app_name = "workflows"
urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:draft_id>/", views.review_queue, name="draft_detail"),
    path("review/<int:draft_id>/approve/", views.draft_approve_view, name="draft_approve"),
    path("review/<int:draft_id>/edit/", views.draft_edit_view, name="draft_edit"),
    path("review/<int:draft_id>/reject/", views.draft_reject_view, name="draft_reject"),
    path("review/<int:draft_id>/category/", views.draft_category_view, name="draft_category"),
]
