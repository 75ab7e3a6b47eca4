"""The archives API: cadres, archives and their directory, materials (intake, identification, filing, withdrawal,
destruction, versioned edits) and scanned pages. Thin: every list is filtered by archives.access, every change goes through
archives.services, and every DomainError answers HTTP 400 {"code", "message", "field"} (core.api)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import ManagementLevel
from accounts.permissions import HasRole
from accounts.roles import CLERK
from archives import access, rules, selectors, services
from archives.access import Action
from archives.models import (
    Archive,
    ArchiveStatus,
    Cadre,
    CadreStatus,
    HoldingGroup,
    Material,
    MaterialStatus,
)
from archives.serializers import (
    ArchiveSerializer,
    CadreSerializer,
    CadreUpdateSerializer,
    DestroySerializer,
    DirectorySerializer,
    FileSerializer,
    MaterialSerializer,
    MaterialUpdateSerializer,
    MoveSerializer,
    PageSerializer,
    PageUploadSerializer,
    ReturnSerializer,
    WithdrawSerializer,
)
from audit.services import record
from core.errors import DomainError

ERROR = OpenApiResponse(
    description="业务规则不允许：{code, message, field}（如 BAD_CATEGORY、COPY_WITHOUT_SEAL）"
)
WRITE_ACTIONS = {"create", "update", "partial_update", "destroy"}


class ClerkWritesMixin:
    """Anyone signed in reads what the policy lets them see; only 管档员 write (and the policy checks MANAGE)."""

    clerk_actions: set[str] = WRITE_ACTIONS

    def get_permissions(self):
        if self.action in self.clerk_actions:
            return [IsAuthenticated(), HasRole(CLERK)()]
        return [IsAuthenticated()]


def _search_filter(queryset, prefix: str, value: str):
    q = selectors.search_q(value)
    if q is None:
        return queryset
    if prefix:
        archive_ids = Archive.objects.filter(q).values("pk")
        return queryset.filter(**{f"{prefix}__in": archive_ids})
    return queryset.filter(q)


# --- cadres -------------------------------------------------------------------------------------------------


class CadreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="姓名、拼音、首字母、身份证号或档号前缀")
    unit = django_filters.NumberFilter(field_name="unit_id", label="所在单位")
    status = django_filters.ChoiceFilter(choices=CadreStatus.choices, label="人员状态")
    management_level = django_filters.ChoiceFilter(choices=ManagementLevel.choices, label="管理层级")

    class Meta:
        model = Cadre
        fields = ["q", "unit", "status", "management_level"]

    def search(self, queryset, name, value):
        return _search_filter(queryset, "archive", value)


@extend_schema_view(
    list=extend_schema(summary="干部列表（按权限过滤）", description="审计事件 archive.search。"),
    retrieve=extend_schema(summary="干部详情"),
    create=extend_schema(
        summary="登记干部并建档",
        description="同时建立档案：须提供 archive_no 与 holding_unit。身份证号错误返回 ID_LENGTH、ID_DIGITS、ID_DATE、"
        "ID_CHECKSUM；性别、出生日期不一致只作提示（warnings）。",
        responses={201: CadreSerializer, 400: ERROR},
    ),
    update=extend_schema(summary="修改干部信息", responses={200: CadreSerializer, 400: ERROR}),
    partial_update=extend_schema(
        summary="修改干部信息（部分）",
        description="出生日期、入党时间、参加工作时间只能经认定程序变更（DETERMINATION_REQUIRED）。",
        responses={200: CadreSerializer, 400: ERROR},
    ),
)
class CadreViewSet(
    ClerkWritesMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = CadreSerializer
    filterset_class = CadreFilter
    search_fields: list[str] = []
    ordering_fields = ["name_pinyin", "birth_date", "id"]
    ordering = ["name_pinyin", "id"]

    def get_queryset(self):
        visible = access.archives_for(self.request.user, Action.VIEW_DIRECTORY).values("pk")
        return (
            Cadre.objects.filter(archive__in=visible)
            .select_related("unit", "archive")
            .prefetch_related("family")
            .order_by("name_pinyin", "id")
        )

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return CadreUpdateSerializer
        return CadreSerializer

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record(request.user, "archive.search", details={"api": "cadres", "query": request.GET.dict()})
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        archive_no = (data.pop("archive", None) or {}).get("archive_no")
        holding_unit = data.pop("holding_unit", None)
        if not archive_no:
            raise DomainError(rules.ARCHIVE_NO_INVALID, "请填写档号（登记干部时同时建档）。", "archive_no")
        archive, warnings = services.cadre_register(
            by=request.user, cadre=data, archive={"archive_no": archive_no, "holding_unit": holding_unit}
        )
        out = CadreSerializer(archive.cadre, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        cadre = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(cadre, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in services.CADRE_FIELDS}
        if not partial:
            # A full update that repeats the determined dates is fine; a different value is refused.
            pass
        services.cadre_update(cadre=cadre, by=request.user, changes=changes)
        cadre.refresh_from_db()
        return Response(CadreSerializer(cadre, context=self.get_serializer_context()).data)


# --- archives ------------------------------------------------------------------------------------------------


class ArchiveFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="姓名、拼音、首字母、身份证号或档号前缀")
    holding_unit = django_filters.NumberFilter(field_name="holding_unit_id", label="保管单位")
    status = django_filters.ChoiceFilter(choices=ArchiveStatus.choices, label="档案状态")
    holding_group = django_filters.ChoiceFilter(choices=HoldingGroup.choices, label="保管类别")
    cadre_unit = django_filters.NumberFilter(method="by_cadre_unit", label="干部所在单位（含下级）")
    management_level = django_filters.ChoiceFilter(
        field_name="cadre__management_level", choices=ManagementLevel.choices, label="管理层级"
    )

    class Meta:
        model = Archive
        fields = ["q", "holding_unit", "status", "holding_group", "cadre_unit", "management_level"]

    def search(self, queryset, name, value):
        return _search_filter(queryset, "", value)

    def by_cadre_unit(self, queryset, name, value):
        from accounts.models import Unit

        unit = Unit.objects.filter(pk=value).only("path").first()
        return queryset.filter(cadre__unit__path__startswith=unit.path) if unit else queryset.none()


@extend_schema_view(
    list=extend_schema(
        summary="档案列表（检索、筛选、分页，按权限过滤）", description="审计事件 archive.search。"
    ),
    retrieve=extend_schema(summary="档案详情", description="审计事件 archive.directory_view。"),
    update=extend_schema(
        summary="修改档案位置、状态、保管人", responses={200: ArchiveSerializer, 400: ERROR}
    ),
    partial_update=extend_schema(
        summary="修改档案位置、状态、保管人（部分）",
        description="“借出”“转递中”“已转出”等状态由业务流程设置（STATUS_BY_WORKFLOW）；已转出档案只读（ARCHIVE_READ_ONLY）。",
        responses={200: ArchiveSerializer, 400: ERROR},
    ),
)
class ArchiveViewSet(ClerkWritesMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ArchiveSerializer
    filterset_class = ArchiveFilter
    ordering_fields = ["archive_no", "updated_at"]
    ordering = ["archive_no"]

    def get_queryset(self):
        return access.archives_for(self.request.user, Action.VIEW_DIRECTORY).select_related(
            *selectors.ARCHIVE_LIST_RELATED
        )

    def get_object(self):
        pk = self.kwargs["pk"]
        if not str(pk).isdecimal():
            raise access.deny(self.request.user, Action.VIEW_DIRECTORY, reason="bad archive id")
        return access.get_archive(
            self.request.user,
            Action.VIEW_DIRECTORY,
            pk,
            queryset=Archive.objects.select_related(*selectors.ARCHIVE_LIST_RELATED),
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record(request.user, "archive.search", details={"api": "archives", "query": request.GET.dict()})
        return response

    def retrieve(self, request, *args, **kwargs):
        archive = self.get_object()
        record(
            request.user,
            "archive.directory_view",
            archive=archive,
            target=archive,
            details={"api": "archive"},
        )
        return Response(self.get_serializer(archive).data)

    def update(self, request, *args, **kwargs):
        archive = self.get_object()
        serializer = self.get_serializer(archive, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        archive = services.archive_update(archive=archive, by=request.user, changes=data, reason=reason)
        return Response(self.get_serializer(archive).data)

    @extend_schema(
        summary="档案目录",
        description="按十大类（含4-1至4-4、9-1至9-4）列出已归档材料；空类别也列出。审计事件 archive.directory_view。",
        responses={200: DirectorySerializer},
    )
    @action(detail=True, methods=["get"])
    def directory(self, request, pk=None):
        archive = self.get_object()
        rows = selectors.directory(archive)
        record(
            request.user,
            "archive.directory_view",
            archive=archive,
            target=archive,
            details={"api": "directory", "materials": sum(len(r.materials) for r in rows)},
        )
        data = {
            "archive_id": archive.pk,
            "archive_no": archive.archive_no,
            "cadre_name": archive.cadre.name,
            "categories": rows,
        }
        return Response(DirectorySerializer(data).data)


# --- materials -----------------------------------------------------------------------------------------------


class MaterialFilter(django_filters.FilterSet):
    archive = django_filters.NumberFilter(field_name="archive_id", label="档案")
    status = django_filters.ChoiceFilter(choices=MaterialStatus.choices, label="状态")
    category = django_filters.CharFilter(method="by_category", label="类别（如 3、9-2）")
    kind = django_filters.CharFilter(field_name="kind__code", label="材料种类代码")
    batch = django_filters.NumberFilter(field_name="batch_id", label="接收批次")
    late_handover = django_filters.BooleanFilter(label="逾期移交")

    class Meta:
        model = Material
        fields = ["archive", "status", "category", "kind", "batch", "late_handover"]

    def by_category(self, queryset, name, value):
        number, sub = rules.parse_category_label(value)
        if number is None:
            return queryset.none()
        if sub is None:
            return queryset.filter(category__number=number)
        return queryset.filter(category__number=number, category__sub_number=sub)


@extend_schema_view(
    list=extend_schema(summary="材料列表", description="已归档材料按目录权限；接收中的材料仅对管档员可见。"),
    retrieve=extend_schema(summary="材料详情", description="审计事件 material.view。"),
    create=extend_schema(
        summary="接收材料（登记为已接收）",
        description="类别须为末级类（BAD_CATEGORY）；逾期移交只作提示（LATE_HANDOVER）。",
        responses={201: MaterialSerializer, 400: ERROR},
    ),
    update=extend_schema(
        summary="修改材料信息（已归档材料生成新版本）", responses={200: MaterialSerializer, 400: ERROR}
    ),
    partial_update=extend_schema(
        summary="修改材料信息（部分）",
        description="已归档材料须填写 reason（CHANGE_REASON_REQUIRED），原值保存在修改记录中。",
        responses={200: MaterialSerializer, 400: ERROR},
    ),
    destroy=extend_schema(
        summary="删除材料（不允许）",
        description="档案材料不能删除：返回 400 MATERIAL_NOT_DELETABLE。已归档材料请撤出，不能归档的材料请退回或登记销毁。",
        responses={400: ERROR},
    ),
)
class MaterialViewSet(ClerkWritesMixin, viewsets.ModelViewSet):
    serializer_class = MaterialSerializer
    filterset_class = MaterialFilter
    ordering_fields = ["seq", "formed_on", "received_date", "id"]
    clerk_actions = WRITE_ACTIONS | {
        "identify",
        "return_",
        "file",
        "withdraw",
        "destroy_material",
        "move",
        "pages_upload",
    }

    def get_queryset(self):
        user = self.request.user
        directory = access.archives_for(user, Action.VIEW_DIRECTORY).values("pk")
        managed = access.archives_for(user, Action.MANAGE).values("pk")
        return (
            Material.objects.filter(
                Q(status=MaterialStatus.FILED, archive__in=directory) | Q(archive__in=managed)
            )
            .select_related("archive", "category", "kind")
            .order_by("archive_id", "category__sort_order", "seq", "id")
        )

    def get_permissions(self):
        if self.action == "pages_upload" and self.request.method == "GET":
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return MaterialUpdateSerializer
        return {
            "return_": ReturnSerializer,
            "file": FileSerializer,
            "withdraw": WithdrawSerializer,
            "destroy_material": DestroySerializer,
            "move": MoveSerializer,
            "pages_upload": PageUploadSerializer,
        }.get(self.action, MaterialSerializer)

    def get_object(self):
        pk = self.kwargs["pk"]
        material = self.get_queryset().filter(pk=pk).first() if str(pk).isdecimal() else None
        if material is None:
            raise access.deny(
                self.request.user, Action.VIEW_DIRECTORY, target=("archives.material", pk, ""), reason="api"
            )
        return material

    def _out(self, material, status_code=200, warnings=()):
        material = Material.objects.select_related("archive", "category", "kind").get(pk=material.pk)
        data = MaterialSerializer(material, context=self.get_serializer_context()).data
        if warnings:
            data["warnings"] = [w.as_dict() for w in warnings]
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        material = self.get_object()
        record(
            request.user, "material.view", archive=material.archive, target=material, details={"api": True}
        )
        return self._out(material)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        archive = data.pop("archive")
        data.pop("reason", None)
        material, warnings = services.material_receive(by=request.user, archive=archive, data=data)
        return self._out(material, status.HTTP_201_CREATED, warnings)

    def update(self, request, *args, **kwargs):
        material = self.get_object()
        serializer = self.get_serializer(material, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        material, warnings = services.material_update(
            material=material, by=request.user, changes=data, reason=reason
        )
        return self._out(material, warnings=warnings)

    def destroy(self, request, *args, **kwargs):
        material = self.get_object()
        raise DomainError.from_violations(rules.material_not_deletable(material.status))

    def _body(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(summary="鉴别通过", request=None, responses={200: MaterialSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def identify(self, request, pk=None):
        return self._out(services.material_identify(material=self.get_object(), by=request.user))

    @extend_schema(summary="退回送交单位（须填原因）", responses={200: MaterialSerializer, 400: ERROR})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = self._body(request)
        return self._out(
            services.material_return(material=self.get_object(), by=request.user, reason=data["reason"])
        )

    @extend_schema(summary="归档（按形成时间生成顺序号）", responses={200: MaterialSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        data = self._body(request)
        material = services.material_file(
            material=self.get_object(), by=request.user, filed_date=data.get("filed_date")
        )
        return self._out(material)

    @extend_schema(summary="撤出（须审批人批准并填写原因）", responses={200: MaterialSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self._body(request)
        material = services.material_withdraw(
            material=self.get_object(), by=request.user, approver=data.get("approver"), reason=data["reason"]
        )
        return self._out(material)

    @extend_schema(
        summary="销毁登记（须审批人批准、两名监销人）",
        description="仅限已接收、已鉴别或已撤出的材料（已归档材料须先撤出：INVALID_STATUS）。"
        "无批准人、批准人不是在职审批人或为经办人本人、监销人不足两名或重名：DESTRUCTION_NOT_AUTHORISED；"
        "未填原因：DESTRUCTION_REASON_REQUIRED。材料不删除，状态为已销毁。",
        request=DestroySerializer,
        responses={200: MaterialSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="destroy")
    def destroy_material(self, request, pk=None):
        data = self._body(request)
        material = services.material_destroy(
            material=self.get_object(),
            by=request.user,
            approver=data.get("approver"),
            witnesses=data["witnesses"],
            reason=data["reason"],
            destroyed_on=data.get("destruction_date"),
        )
        return self._out(material)

    @extend_schema(summary="调整顺序（上移/下移）", responses={200: MaterialSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        data = self._body(request)
        return self._out(
            services.material_move(material=self.get_object(), by=request.user, direction=data["direction"])
        )

    @extend_schema(
        summary="扫描页列表",
        responses={200: PageSerializer(many=True)},
        methods=["GET"],
    )
    @extend_schema(
        summary="上传扫描页（multipart，files 可多个）",
        description="每个文件先经 Pillow 校验：真实格式、大小、像素上限（解压炸弹）、完整解码、分辨率≥最低 dpi。"
        "任一文件不合格则一个也不保存，返回的 violations 逐个说明文件与原因。",
        request={"multipart/form-data": PageUploadSerializer},
        responses={201: PageSerializer(many=True), 400: ERROR},
        methods=["POST"],
        parameters=[
            OpenApiParameter("first_number", OpenApiTypes.INT, required=False, description="起始页码")
        ],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="pages",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        pagination_class=None,  # the list of a material's pages is answered whole
    )
    def pages_upload(self, request, pk=None):
        material = self.get_object()
        if request.method == "GET":
            if (
                not access.materials_for(request.user, material.archive, include_unfiled=True)
                .filter(pk=material.pk)
                .exists()
            ):
                raise access.deny(
                    request.user,
                    Action.VIEW_CONTENT,
                    archive=material.archive,
                    target=material,
                    reason="pages",
                )
            return Response(PageSerializer(material.pages.order_by("number"), many=True).data)
        files = request.FILES.getlist("files")
        first = request.data.get("first_number") or None
        if first is not None:
            try:
                first = int(first)
            except (TypeError, ValueError):
                raise ValidationError({"first_number": ["起始页码须为正整数。"]})
        pages = services.pages_upload(material=material, by=request.user, files=files, first_number=first)
        return Response(PageSerializer(pages, many=True).data, status=status.HTTP_201_CREATED)
