"""/api/transfers/ and /api/intakes/: the same services and selectors as the pages, so every rule (四不转递,
the approver's authority, counts and seal) holds on this path too. Errors: HTTP 400 {"code", "message", "field"};
objects the caller may not see: 404 (audited)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Unit
from accounts.roles import CLERK, roles_of
from archives import access
from archives.access import Action
from archives.models import Archive
from audit.services import record
from borrowing.models import IntakeAlteration, Transfer
from borrowing.transfers import intake as intake_services
from borrowing.transfers import pdf, selectors, services
from borrowing.transfers.serializers import (
    IntakeAcceptSerializer,
    IntakeAlterationInSerializer,
    IntakeAlterationSerializer,
    IntakeNoteSerializer,
    IntakeSerializer,
    IntakeWriteSerializer,
    TransferChaseInSerializer,
    TransferChaseSerializer,
    TransferOpinionSerializer,
    TransferReasonSerializer,
    TransferReceiptSerializer,
    TransferReturnSerializer,
    TransferSendSerializer,
    TransferSerializer,
    TransferWriteSerializer,
)
from core.errors import DomainError

ERROR = OpenApiResponse(description="业务规则不允许：{code, message, field}，code 见 docs/domain.md 第11节")
TAG = ["档案转递"]
INTAKE_TAG = ["档案接收"]


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="档案转递列表",
        parameters=[
            OpenApiParameter("status", str, description="状态；open 在办，overdue 回执逾期"),
            OpenApiParameter("q", str, description="姓名、档号、登记号开头，或接收单位"),
            OpenApiParameter("inbox", bool, description="审批人：只看待我审批的"),
        ],
    ),
    retrieve=extend_schema(tags=TAG, summary="档案转递详情（含催问记录）"),
)
class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """干部人事档案转递：草稿 → 开具通知单 → 提交 → 审批 → 转出（转递中）→ 回执（已转出）/ 退回（在库）。

    四不转递（TRANSFER_REASON_INSUFFICIENT、NO_TRANSFER_NOTICE、FILE_DISORDERED、FILE_INCOMPLETE）在提交、审批、转出时
    检查；转递方式只有机要交通和专人送取。"""

    serializer_class = TransferSerializer
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        params = self.request.query_params
        if params.get("inbox") in ("1", "true", "True"):
            return selectors.awaiting_approval(self.request.user)
        f = selectors.TransferFilters(status=params.get("status", ""), q=params.get("q", ""))
        return selectors.transfer_list(self.request.user, f)

    def get_object(self):
        return selectors.get_transfer(self.request.user, self.kwargs["pk"])

    def _detail(self, transfer, code=status.HTTP_200_OK):
        return Response(
            TransferSerializer(selectors.get_transfer(self.request.user, transfer.pk)).data, status=code
        )

    def _archive(self, data: dict) -> Archive:
        if data.get("archive"):
            return access.get_archive(self.request.user, Action.MANAGE, data["archive"])
        number = (data.get("archive_no") or "").strip().upper()
        found = access.archives_for(self.request.user, Action.MANAGE).filter(archive_no=number).first()
        if found is None:
            raise DomainError(
                "ARCHIVE_REQUIRED", "请指定本单位保管的档案（archive 或 archive_no）。", "archive"
            )
        return found

    @extend_schema(
        tags=TAG,
        summary="登记转递（草稿，须有依据文件）",
        request=TransferWriteSerializer,
        responses={201: TransferSerializer, 400: ERROR},
    )
    def create(self, request):
        data = TransferWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k not in ("archive", "archive_no")}
        transfer = services.transfer_create(
            archive=self._archive(data.validated_data), by=request.user, data=values
        )
        return self._detail(transfer, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="修改草稿（只改所提交的字段）",
        request=TransferWriteSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    def partial_update(self, request, pk=None):
        transfer = self.get_object()
        data = TransferWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k not in ("archive", "archive_no")}
        services.transfer_update(transfer=transfer, by=request.user, data=values)
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="开具转递通知单（唯一编号 ××字第N号）",
        request=None,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        transfer = services.transfer_generate_notice(transfer=self.get_object(), by=request.user)
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="下载转递通知单 PDF（存根、通知单、回执）",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="notice-pdf")
    def notice_pdf(self, request, pk=None):
        transfer = self.get_object()
        if not transfer.notice_number:
            raise DomainError("NO_TRANSFER_NOTICE", "尚未开具转递通知单。", "notice")
        record(
            request.user,
            "transfer.print",
            archive=transfer.archive,
            target=transfer,
            details={"notice": transfer.notice_number},
        )
        return _pdf(pdf.transfer_notice(transfer), f"转递通知单-{transfer.notice_number}.pdf")

    @extend_schema(
        tags=TAG,
        summary="提交审批（检查四不转递）",
        request=None,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._detail(services.transfer_submit(transfer=self.get_object(), by=request.user))

    @extend_schema(
        tags=TAG,
        summary="撤回审批（回到草稿）",
        request=None,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._detail(services.transfer_withdraw(transfer=self.get_object(), by=request.user))

    @extend_schema(
        tags=TAG,
        summary="审批同意（审批权限同查借阅；再次检查四不转递）",
        request=TransferOpinionSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = TransferOpinionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_approve(
            transfer=self.get_object(), by=request.user, opinion=data.validated_data["opinion"]
        )
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="退回修改（须填写意见）",
        request=TransferReasonSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = TransferReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_reject(
            transfer=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="转出（再次检查四不转递；档案转递中）",
        request=TransferSendSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        data = TransferSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        transfer = services.transfer_send(
            transfer=self.get_object(),
            by=request.user,
            sent_on=v.get("sent_on"),
            tracking_no=v.get("tracking_no"),
            collectors=v.get("collectors"),
        )
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="登记回执（档案已转出，只读，注销名册）",
        request=TransferReceiptSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="record-receipt")
    def record_receipt(self, request, pk=None):
        data = TransferReceiptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        transfer = services.transfer_record_receipt(
            transfer=self.get_object(),
            by=request.user,
            recipient=v["recipient"],
            receipt_on=v.get("receipt_on"),
            scan=v.get("scan"),
        )
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="登记接收单位退回（须填写原因；档案重新入库）",
        request=TransferReturnSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = TransferReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        transfer = services.transfer_return(
            transfer=self.get_object(),
            by=request.user,
            reasons=v["reasons"],
            returned_on=v.get("returned_on"),
        )
        return self._detail(transfer)

    @extend_schema(
        tags=TAG,
        summary="登记回执催问",
        request=TransferChaseInSerializer,
        responses={201: TransferChaseSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def chase(self, request, pk=None):
        data = TransferChaseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        chase = services.transfer_chase(transfer=self.get_object(), by=request.user, **data.validated_data)
        return Response(TransferChaseSerializer(chase).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="撤销（转出前，须填写原因）",
        request=TransferReasonSerializer,
        responses={200: TransferSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = TransferReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_cancel(
            transfer=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return self._detail(transfer)


@extend_schema_view(
    list=extend_schema(
        tags=INTAKE_TAG,
        summary="档案接收列表",
        parameters=[
            OpenApiParameter(
                "status", str, description="registered / accepted / returned；review 接收审核未完成"
            ),
            OpenApiParameter("q", str, description="姓名、登记号开头，或来件单位"),
        ],
    ),
    retrieve=extend_schema(tags=INTAKE_TAG, summary="档案接收详情（含数量核对结果、涂改登记）"),
)
class IntakeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """档案接收：登记来件（通知单数量、实收数量、封口）→ 验收接收（数量不符或封口不完好不予接收）或退回 →
    接收审核（逐处登记涂改，组织确认，登记表归入档案第五类）。"""

    serializer_class = IntakeSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        return selectors.intake_list(
            self.request.user, status=params.get("status", ""), q=params.get("q", "").strip()
        )

    def get_object(self):
        return selectors.get_intake(self.request.user, self.kwargs["pk"])

    def _detail(self, intake, code=status.HTTP_200_OK):
        return Response(
            IntakeSerializer(selectors.get_intake(self.request.user, intake.pk)).data, status=code
        )

    @extend_schema(
        tags=INTAKE_TAG,
        summary="登记来件",
        request=IntakeWriteSerializer,
        responses={201: IntakeSerializer, 400: ERROR},
    )
    def create(self, request):
        data = IntakeWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        transfer_pk = values.pop("transfer", None)
        served = access.served_unit_ids(request.user) if CLERK in roles_of(request.user) else []
        transfer = None
        if transfer_pk:
            transfer = Transfer.objects.filter(pk=transfer_pk, to_unit_id__in=served).first()
            if transfer is None:
                raise access.deny(
                    request.user, "view_transfer", reason="intake from a transfer not addressed to us"
                )
        holding_unit = (
            transfer.to_unit if transfer else Unit.objects.filter(pk__in=served).order_by("path").first()
        )
        intake = intake_services.intake_register(
            by=request.user, holding_unit=holding_unit, data=values, transfer=transfer
        )
        return self._detail(intake, status.HTTP_201_CREATED)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="修改登记（验收前）",
        request=IntakeWriteSerializer,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    def partial_update(self, request, pk=None):
        intake = self.get_object()
        data = IntakeWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "transfer"}
        intake_services.intake_update(intake=intake, by=request.user, data=values)
        return self._detail(intake)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="验收接收（数量不符 INTAKE_COUNTS_MISMATCH，封口不完好 INTAKE_SEAL_BROKEN）",
        request=IntakeAcceptSerializer,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = IntakeAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = intake_services.intake_accept(
            intake=self.get_object(), by=request.user, **data.validated_data
        )
        return self._detail(intake)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="退回（不符情况自动列为原因，另可填写其他原因）",
        request=IntakeNoteSerializer,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = IntakeNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = intake_services.intake_return(
            intake=self.get_object(), by=request.user, note=data.validated_data["note"]
        )
        return self._detail(intake)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="登记一处涂改（材料、涂改项目、涂改情况）",
        request=IntakeAlterationInSerializer,
        responses={201: IntakeAlterationSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def alterations(self, request, pk=None):
        data = IntakeAlterationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alteration = intake_services.alteration_add(
            intake=self.get_object(), by=request.user, data=dict(data.validated_data)
        )
        return Response(IntakeAlterationSerializer(alteration).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="删除一条涂改登记（提交确认前）",
        request=None,
        responses={204: None, 400: ERROR},
    )
    @action(detail=True, methods=["delete"], url_path=r"alterations/(?P<alteration_pk>\d+)")
    def alteration_remove(self, request, pk=None, alteration_pk=None):
        intake = self.get_object()
        alteration = IntakeAlteration.objects.filter(pk=alteration_pk, intake=intake).first()
        if alteration is None:
            raise DomainError("NOT_FOUND", "未找到该涂改登记。", status=404)
        intake_services.alteration_remove(alteration=alteration, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="提交组织确认（无涂改则审核完毕）",
        request=IntakeNoteSerializer,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="submit-review")
    def submit_review(self, request, pk=None):
        data = IntakeNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = intake_services.review_submit(
            intake=self.get_object(), by=request.user, note=data.validated_data["note"]
        )
        return self._detail(intake)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="组织确认涂改情况登记（审批人）",
        request=TransferOpinionSerializer,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = TransferOpinionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = intake_services.review_confirm(
            intake=self.get_object(), by=request.user, opinion=data.validated_data["opinion"]
        )
        return self._detail(intake)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="退回补充涂改登记（审批人）",
        request=TransferReasonSerializer,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        data = TransferReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = intake_services.review_send_back(
            intake=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return self._detail(intake)

    @extend_schema(
        tags=INTAKE_TAG,
        summary="涂改情况登记表归档（第五类材料）",
        request=None,
        responses={200: IntakeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="file-record")
    def file_record(self, request, pk=None):
        return self._detail(intake_services.review_file(intake=self.get_object(), by=request.user))

    @extend_schema(
        tags=INTAKE_TAG,
        summary="下载档案回执 PDF（已接收）",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="receipt-pdf")
    def receipt_pdf(self, request, pk=None):
        intake = self.get_object()
        if intake.status != "accepted":
            raise DomainError("INVALID_STATE", "接收后才能打印回执。", "status")
        record(
            request.user,
            "intake.print",
            archive=intake.archive,
            target=intake,
            details={"document": "档案回执"},
        )
        return _pdf(pdf.intake_receipt(intake), f"档案回执-{intake.number}.pdf")
