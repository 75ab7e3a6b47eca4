"""DRF routes of the archives app, included under /api/ by config/urls.py."""

from rest_framework.routers import SimpleRouter

from archives import api

router = SimpleRouter()
router.register("cadres", api.CadreViewSet, basename="cadre")
router.register("archives", api.ArchiveViewSet, basename="archive")
router.register("materials", api.MaterialViewSet, basename="material")

urlpatterns = router.urls

# Completeness and fixity (archives/api_completeness.py).
from archives.api_completeness import urlpatterns as completeness_urlpatterns  # noqa: E402

urlpatterns += completeness_urlpatterns
