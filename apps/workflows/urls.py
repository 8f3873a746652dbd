from django.urls import path

from . import views
from .views import workflows as studio

app_name = "workflows"
urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:draft_id>/", views.review_queue, name="draft_detail"),
    path("review/<int:draft_id>/approve/", views.draft_approve_view, name="draft_approve"),
    path("review/<int:draft_id>/edit/", views.draft_edit_view, name="draft_edit"),
    path("review/<int:draft_id>/reject/", views.draft_reject_view, name="draft_reject"),
    path("review/<int:draft_id>/category/", views.draft_category_view, name="draft_category"),
    # workflow studio (apps/workflows/views/workflows*.py)
    path("", studio.workflow_list, name="workflow_list"),
    path("calibration/", studio.workflow_calibration, name="workflow_calibration"),
    path("<int:category_id>/", studio.workflow_detail, name="workflow_detail"),
    path("<int:category_id>/rollout/", studio.workflow_rollout, name="workflow_rollout"),
    path("<int:category_id>/backtest/", studio.workflow_backtest, name="workflow_backtest"),
]
