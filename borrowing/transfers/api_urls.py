"""DRF routes of transfers and intakes, included under /api/ by config/urls.py."""

from rest_framework.routers import SimpleRouter

from borrowing.transfers.api import IntakeViewSet, TransferViewSet

router = SimpleRouter()
router.register("transfers", TransferViewSet, basename="transfer")
router.register("intakes", IntakeViewSet, basename="intake")

urlpatterns = router.urls
