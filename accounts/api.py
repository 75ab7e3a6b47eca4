from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.models import Unit, User
from accounts.permissions import HasRole
from accounts.roles import SECURITY_ADMIN, SYSTEM_ADMIN
from accounts.serializers import (
    RolesSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UnitSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from audit.services import record


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class TokenView(APIView):
    """Exchange user name and password for an API token (same lockout as the login page)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, tags=["账号"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.authenticate_with_lockout(
            request, data.validated_data["username"], data.validated_data["password"]
        )
        token, _ = Token.objects.get_or_create(user=user)
        record(user, "auth.login", details={"via": "api-token"})
        return Response({"token": token.key, "user": UserSerializer(user).data})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer, tags=["账号"])
    def get(self, request):
        return Response(UserSerializer(request.user).data)


@extend_schema(tags=["单位"])
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    queryset = Unit.objects.filter(is_active=True).order_by("path")
    filterset_fields = ["level", "kind", "holds_archives", "parent"]
    search_fields = ["name", "code"]


@extend_schema(tags=["用户"])
class UserViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Users: the system admin creates them; the security admin assigns roles (三员分立 enforced)."""

    serializer_class = UserSerializer
    queryset = User.objects.select_related("unit").prefetch_related("groups").order_by("username")
    filterset_fields = ["unit", "is_active", "political_status"]
    permission_classes = [HasRole(SYSTEM_ADMIN, SECURITY_ADMIN)]

    def get_permissions(self):
        if self.action == "create":
            return [HasRole(SYSTEM_ADMIN)()]
        if self.action == "roles":
            return [HasRole(SECURITY_ADMIN)()]
        return super().get_permissions()

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request, *args, **kwargs):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(by=request.user, **data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RolesSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        data = RolesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_set_roles(
            user=self.get_object(), roles=data.validated_data["roles"], by=request.user
        )
        user = self.get_queryset().get(pk=user.pk)
        return Response(UserSerializer(user).data)
