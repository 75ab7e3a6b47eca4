from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import views as accounts_views
from core import views as core_views

router = DefaultRouter()
router.register("units", accounts_api.UnitViewSet, basename="unit")
router.register("users", accounts_api.UserViewSet, basename="user")

api_urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    path("", include("archives.api_urls")),
    path("", include("borrowing.api_urls")),
    path("", include("borrowing.transfers.api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("reviews.grading_api_urls")),
    path("", include("audit.api_urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("archives/pages/", include("archives.urls_pages")),
    path("archives/grants/", include("archives.urls_grants")),
    path("archives/completeness/", include("archives.urls_completeness")),
    path("archives/", include("archives.urls")),
    path("borrowing/", include("borrowing.urls")),
    path("borrowing/", include("borrowing.transfers.urls")),
    path("reviews/", include("reviews.urls")),
    path("audit/", include("audit.urls")),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
