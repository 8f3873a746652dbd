from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("handoffs", views.HandoffViewSet, basename="api-handoff")

urlpatterns = router.urls
