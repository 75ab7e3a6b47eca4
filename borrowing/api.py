"""/api/access-requests/: the approval form and its flow over HTTP. Thin: the same services and selectors as the
pages, so every rule holds on this path too. Errors: HTTP 400 {"code", "message", "field"}; objects the caller may
not see: 404 (audited)."""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from archives.models import Archive
from borrowing import selectors, services
from borrowing.models import Checkout, CheckoutStatus
from borrowing.serializers import (
    AccessRequestListSerializer,
    AccessRequestSerializer,
    AccessRequestWriteSerializer,
    ApproveSerializer,
    CheckoutInSerializer,
    CheckoutSerializer,
    CopyInSerializer,
    CopySerializer,
    ReasonSerializer,
    ReturnInSerializer,
    ReturnOutSerializer,
)
from core.errors import DomainError

ERROR = OpenApiResponse(description="业务规则不允许：{code, message, field}，code 见 docs/domain.md 第11节")
TAG = ["查借阅"]
FILTERS = [
    OpenApiParameter(
        "status", str, description="状态；pending 表示待审批（含二级），expired 含按时间已届满者"
    ),
    OpenApiParameter("mode", str, description="查阅方式 onsite / digital / loan"),
    OpenApiParameter("unit", str, description="申请单位名称开头"),
    OpenApiParameter("date_from", datetime.date, description="填表日期起"),
    OpenApiParameter("date_to", datetime.date, description="填表日期止"),
    OpenApiParameter("q", str, description="编号、档号、干部或查阅人姓名开头"),
    OpenApiParameter("inbox", bool, description="审批人：只看本人审批权限内的申请（默认待审批）"),
]


def _service_data(user, validated: dict) -> dict:
    data = {k: v for k, v in validated.items() if k not in ("viewers", "subjects")}
    if "viewers" in validated:
        data["viewers"] = [dict(v) for v in validated["viewers"]]
    if "subjects" in validated:
        subjects = []
        for index, s in enumerate(validated["subjects"]):
            archive = services.find_subject_archive(
                by=user, archive_no=s.get("archive_no", ""), id_number=s.get("id_number", ""), index=index
            )
            row = {"archive": archive, "scope_all": s.get("scope_all", True)}
            for key in ("categories", "materials", "copy_materials"):
                if key in s:
                    row[key] = list(s[key])
            subjects.append(row)
        data["subjects"] = subjects
    return data


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="查借阅申请列表", parameters=FILTERS),
    retrieve=extend_schema(tags=TAG, summary="查借阅申请详情（含审批记录、出库归还与复制登记）"),
)
class AccessRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """查阅（借阅）干部人事档案审批表：填写（草稿）→ 提交 → 审批（借阅两级）→ 出库 / 数字查阅授权 → 归还核对。

    可见范围：填表人、关联的查阅人；保管单位的管档员；干部管理权限覆盖查阅对象的审批人（草稿除外）。
    """

    serializer_class = AccessRequestSerializer
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        params = self.request.query_params

        def day(name):
            try:
                return datetime.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        f = selectors.Filters(
            status=params.get("status", ""),
            mode=params.get("mode", ""),
            unit=params.get("unit", ""),
            date_from=day("date_from"),
            date_to=day("date_to"),
            q=params.get("q", ""),
        )
        if params.get("inbox") in ("1", "true", "True"):
            f.status = f.status or "pending"
            return selectors.inbox(user, f)
        return selectors.request_list(user, f)

    def get_serializer_class(self):
        if self.action == "list":
            return AccessRequestListSerializer
        return AccessRequestSerializer

    def get_object(self):
        return selectors.request_detail(self.request.user, self.kwargs["pk"])

    def _detail(self, req, code=status.HTTP_200_OK):
        fresh = selectors.request_detail(self.request.user, req.pk)
        return Response(AccessRequestSerializer(fresh).data, status=code)

    @extend_schema(
        tags=TAG,
        summary="填写查借阅申请（草稿）",
        request=AccessRequestWriteSerializer,
        responses={201: AccessRequestSerializer, 400: ERROR},
    )
    def create(self, request):
        data = AccessRequestWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.access_request_create(
            by=request.user, data=_service_data(request.user, data.validated_data)
        )
        return self._detail(req, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="修改草稿（只改所提交的字段；viewers / subjects 提交时整体替换）",
        request=AccessRequestWriteSerializer,
        responses={200: AccessRequestSerializer, 400: ERROR},
    )
    def partial_update(self, request, pk=None):
        req = self.get_object()
        data = AccessRequestWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.access_request_update(
            request=req, by=request.user, data=_service_data(request.user, data.validated_data)
        )
        return self._detail(req)

    @extend_schema(
        tags=TAG,
        summary="提交审批（检查三不查阅等全部规则）",
        request=None,
        responses={200: AccessRequestSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        req = self.get_object()
        services.access_request_submit(request=req, by=request.user)
        return self._detail(req)

    @extend_schema(
        tags=TAG,
        summary="审批同意（再次检查全部规则与审批权限；借阅须两名审批人分两级审批）",
        request=ApproveSerializer,
        responses={200: AccessRequestSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        req = self.get_object()
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.access_request_approve(
            request=req,
            by=request.user,
            opinion=data.validated_data.get("opinion", ""),
            level=data.validated_data.get("level"),
        )
        return self._detail(req)

    @extend_schema(
        tags=TAG,
        summary="审批不同意（须填写理由）",
        request=ReasonSerializer,
        responses={200: AccessRequestSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        req = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.access_request_reject(
            request=req, by=request.user, reason=data.validated_data.get("reason", "")
        )
        return self._detail(req)

    @extend_schema(
        tags=TAG,
        summary="撤回（填表人，审批完成前）",
        request=ReasonSerializer,
        responses={200: AccessRequestSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        req = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.access_request_withdraw(
            request=req, by=request.user, reason=data.validated_data.get("reason", "")
        )
        return self._detail(req)

    @extend_schema(
        tags=TAG,
        summary="出库：现场查阅出库至阅档室（查阅中）或借出（借出，按批准期限应还）",
        request=CheckoutInSerializer,
        responses={200: CheckoutSerializer(many=True), 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk=None):
        req = self.get_object()
        data = CheckoutInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data.get("archives") or []
        archives = list(Archive.objects.filter(pk__in=wanted)) if wanted else None
        if wanted and len(archives) != len(set(wanted)):
            raise DomainError("FORM_IRREGULAR", "所选档案不在本申请的查阅对象中。", "archives")
        made = services.access_request_checkout(
            request=req, by=request.user, signatures=data.validated_data["signatures"], archives=archives
        )
        return Response(CheckoutSerializer(made, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="归还核对：逐件核对材料和页数；一致则归还入库，不一致则登记归还异常（档案状态为归还异常）",
        request=ReturnInSerializer,
        responses={200: ReturnOutSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        req = self.get_object()
        data = ReturnInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        open_items = Checkout.objects.filter(request=req).exclude(status=CheckoutStatus.RETURNED)
        checkout_id = data.validated_data.get("checkout")
        if checkout_id:
            checkout = open_items.filter(pk=checkout_id).first()
        else:
            checkout = open_items.first() if open_items.count() == 1 else None
        if checkout is None:
            raise DomainError("FORM_IRREGULAR", "请指定本申请中未归还的出库登记。", "checkout")
        items = {
            i["material"]: {"present": i["present"], "pages": i.get("pages")}
            for i in data.validated_data["items"]
        }
        outcome = services.checkout_return(
            checkout=checkout,
            by=request.user,
            items=items,
            signatures=data.validated_data["signatures"],
            note=data.validated_data.get("note", ""),
        )
        incident = None
        if outcome.incident is not None:
            incident = {
                "id": outcome.incident.pk,
                "summary": outcome.incident.summary,
                "status": outcome.incident.status,
            }
        return Response(
            {
                "matched": outcome.matched,
                "checkout": CheckoutSerializer(outcome.checkout).data,
                "incident": incident,
            }
        )

    @extend_schema(
        tags=TAG,
        summary="登记摘录、复制（仅限批准的材料）",
        request=CopyInSerializer,
        responses={201: CopySerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def copies(self, request, pk=None):
        from archives.models import Material

        req = self.get_object()
        data = CopyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        material = Material.objects.filter(pk=data.validated_data["material"]).first()
        if material is None:
            raise DomainError(
                "COPY_NOT_APPROVED", "该材料不在批准摘录、复制的材料之列，不得摘录、复制。", "material"
            )
        copy = services.copy_register(
            request=req,
            material=material,
            pages=data.validated_data["pages"],
            by=request.user,
            recipient=data.validated_data["recipient"],
            kind=data.validated_data.get("kind", "copy"),
            note=data.validated_data.get("note", ""),
        )
        return Response(CopySerializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="结束数字查阅（授权立即终止）",
        request=None,
        responses={200: AccessRequestSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        req = self.get_object()
        services.access_request_finish(request=req, by=request.user)
        return self._detail(req)
