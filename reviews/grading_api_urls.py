"""DRF routes of new cadre archive grading, included under /api/ by config/urls.py."""

from rest_framework.routers import SimpleRouter

from reviews.grading_api import ArchiveGradingViewSet

router = SimpleRouter()
router.register("archive-gradings", ArchiveGradingViewSet, basename="archive-grading")

urlpatterns = router.urls
