from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("drafts", views.DraftViewSet, basename="api-draft")

urlpatterns = router.urls
