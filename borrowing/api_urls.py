"""DRF routes of the borrowing app, included under /api/ by config/urls.py."""

from rest_framework.routers import SimpleRouter

from borrowing.api import AccessRequestViewSet

router = SimpleRouter()
router.register("access-requests", AccessRequestViewSet, basename="access-request")

urlpatterns = router.urls
