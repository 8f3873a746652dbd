from rest_framework.routers import SimpleRouter

from . import views
from .workflows import WorkflowVersionViewSet

router = SimpleRouter()
router.register("drafts", views.DraftViewSet, basename="api-draft")
router.register("workflow-versions", WorkflowVersionViewSet, basename="api-workflow-version")

urlpatterns = router.urls
