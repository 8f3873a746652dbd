from django.urls import path

from . import views
from .views import workflows as studio
from .views import workflows_sandbox as sandbox
from .views import workflows_tree as tree
from .views import workflows_versions as versions

app_name = "workflows"
urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/metrics/", views.review_metrics_view, name="review_metrics"),
    path("review/<int:draft_id>/", views.review_queue, name="draft_detail"),
    path("review/<int:draft_id>/approve/", views.draft_approve_view, name="draft_approve"),
    path("review/<int:draft_id>/edit/", views.draft_edit_view, name="draft_edit"),
    path("review/<int:draft_id>/reject/", views.draft_reject_view, name="draft_reject"),
    path("review/<int:draft_id>/category/", views.draft_category_view, name="draft_category"),
    path("review/<int:draft_id>/snooze/", views.draft_snooze_view, name="draft_snooze"),
    path("review/<int:draft_id>/unsnooze/", views.draft_unsnooze_view, name="draft_unsnooze"),
    # workflow studio (apps/workflows/views/workflows*.py)
    path("", studio.workflow_list, name="workflow_list"),
    path("calibration/", studio.workflow_calibration, name="workflow_calibration"),
    path("<int:category_id>/", studio.workflow_detail, name="workflow_detail"),
    path("<int:category_id>/rollout/", studio.workflow_rollout, name="workflow_rollout"),
    path("<int:category_id>/backtest/", studio.workflow_backtest, name="workflow_backtest"),
    path("<int:category_id>/versions/new/", versions.version_create, name="version_create"),
    path("<int:category_id>/versions/<int:number>/", tree.version_detail, name="version_detail"),
    path("<int:category_id>/versions/<int:number>/nodes/add/", tree.node_add, name="node_add"),
    path("<int:category_id>/versions/<int:number>/nodes/edit/", tree.node_edit, name="node_edit"),
    path("<int:category_id>/versions/<int:number>/nodes/remove/", tree.node_remove, name="node_remove"),
    path("<int:category_id>/versions/<int:number>/nodes/move/", tree.node_move, name="node_move"),
    path("<int:category_id>/versions/<int:number>/nodes/ends/", tree.tree_ends, name="tree_ends"),
    path("<int:category_id>/versions/<int:number>/settings/", tree.version_settings, name="version_settings"),
    path("<int:category_id>/versions/<int:number>/preview/", tree.version_preview, name="version_preview"),
    path(
        "<int:category_id>/versions/<int:number>/thresholds/", versions.version_thresholds, name="version_thresholds"
    ),
    path("<int:category_id>/versions/<int:number>/diff/", versions.version_diff, name="version_diff"),
    path("<int:category_id>/versions/<int:number>/publish/", versions.version_publish, name="version_publish"),
    path("<int:category_id>/versions/<int:number>/rollback/", versions.version_rollback, name="version_rollback"),
    path("<int:category_id>/versions/<int:number>/sandbox/", sandbox.version_sandbox, name="version_sandbox"),
    path("<int:category_id>/versions/<int:number>/sandbox/cases/", sandbox.sandbox_case_add, name="sandbox_case_add"),
    path(
        "<int:category_id>/versions/<int:number>/sandbox/cases/<int:case_id>/remove/",
        sandbox.sandbox_case_remove,
        name="sandbox_case_remove",
    ),
]
