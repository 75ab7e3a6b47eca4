"""DRF routes of the reviews app, included under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from reviews import api

router = SimpleRouter()
router.register("reviews", api.ReviewCaseViewSet, basename="review-case")
router.register("determinations", api.DeterminationViewSet, basename="determination")

urlpatterns = [
    # Before the router: "reviews/statistics/" would otherwise be read as a case id.
    path("reviews/statistics/", api.StatisticsView.as_view(), name="review-statistics"),
    # Not "cadres/lrmx/": the archives router reads that as a cadre id.
    path("lrmx/", api.LrmxCreateView.as_view(), name="cadre-lrmx-create"),
    path("cadres/<int:pk>/lrmx/", api.CadreLrmxView.as_view(), name="cadre-lrmx"),
    *router.urls,
]
