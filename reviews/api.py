"""The review API (/api/reviews/, /api/determinations/, /api/cadres/{id}/lrmx/): thin DRF on the same services.

Every domain refusal is HTTP 400 {"code", "message", "field"} (and "violations" when there are several, e.g. the
per-field errors of an LRMX file or the reasons a case cannot go to the department meeting).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import fields, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import CLERK, REVIEWER
from archives import access, determinations
from archives.access import Action
from archives.models import Archive, CadreType, DeterminationSubject, EducationRecord
from core.config import setting
from core.errors import DomainError
from reviews import selectors, serializers, services, statistics
from reviews.models import ReviewFlag

TAG = ["任前审核"]


def _case_payload(case):
    case.ready_reasons = services.ready_reasons(case) if case.status == "open" else []
    return serializers.CaseDetailSerializer(case).data


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="审核事项列表",
        parameters=[
            OpenApiParameter("q", str, description="姓名、拼音、档号或拟任职务"),
            OpenApiParameter("status", str, enum=["open", "ready", "closed"]),
            OpenApiParameter("mine", bool, description="只看本人承办的"),
            OpenApiParameter("flagged", bool, description="只看有待核查问题的"),
        ],
    ),
    retrieve=extend_schema(tags=TAG, summary="审核事项详情（含问题清单和不能提交部务会的原因）"),
)
class ReviewCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pre-appointment review cases within the reviewer's cadre-management authority."""

    permission_classes = [HasRole(REVIEWER)]
    serializer_class = serializers.CaseSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        return selectors.case_list(
            self.request.user,
            selectors.CaseFilters(
                q=params.get("q", ""),
                status=params.get("status", ""),
                mine=params.get("mine") in ("1", "true"),
                flagged=params.get("flagged") in ("1", "true"),
            ),
        )

    def get_object(self):
        return selectors.get_case(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(_case_payload(self.get_object()))

    def _done(self, case, code=status.HTTP_200_OK):
        return Response(_case_payload(selectors.get_case(self.request.user, case.pk)), status=code)

    @extend_schema(
        tags=TAG,
        summary="登记审核事项（自动检查档案并开通审核人限时阅档授权）",
        request=serializers.CaseCreateSerializer,
        responses={201: serializers.CaseDetailSerializer},
    )
    def create(self, request):
        data = serializers.CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = services.case_open(
            archive=v["archive"],
            proposed_post=v["proposed_post"],
            post_to_remove=v["post_to_remove"],
            requesting_unit=v["requesting_unit"],
            reviewer=v.get("reviewer") or request.user,
            reason=v["reason"],
            reference_date=v.get("reference_date"),
            by=request.user,
        )
        return self._done(case, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG, summary="重新检查档案（红旗）", request=None, responses=serializers.ChecksResultSerializer
    )
    @action(detail=True, methods=["post"], url_path="run-checks")
    def run_checks(self, request, pk=None):
        counts = services.case_run_checks(case=self.get_object(), by=request.user)
        return Response(counts)

    @extend_schema(
        tags=TAG,
        summary="凡提必审：登记档案审核结论（通过/不通过/暂缓）",
        request=serializers.ArchiveReviewSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="archive-review")
    def archive_review(self, request, pk=None):
        data = serializers.ArchiveReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_record_archive_review(
            case=self.get_object(), by=request.user, **data.validated_data
        )
        return self._done(case)

    @extend_schema(
        tags=TAG,
        summary="凡提必核：登记个人有关事项报告核实结果",
        request=serializers.PersonalMattersSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="personal-matters")
    def personal_matters(self, request, pk=None):
        data = serializers.PersonalMattersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_record_personal_matters(
            case=self.get_object(), by=request.user, **data.validated_data
        )
        return self._done(case)

    @extend_schema(
        tags=TAG,
        summary="凡提必听：登记纪检监察机关意见",
        request=serializers.DisciplineSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def discipline(self, request, pk=None):
        data = serializers.DisciplineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_record_discipline(case=self.get_object(), by=request.user, **data.validated_data)
        return self._done(case)

    @extend_schema(
        tags=TAG,
        summary="凡提必查：登记信访举报查核情况（已查核/无）",
        request=serializers.ComplaintsSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def complaints(self, request, pk=None):
        data = serializers.ComplaintsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_record_complaints(case=self.get_object(), by=request.user, **data.validated_data)
        return self._done(case)

    @extend_schema(
        tags=TAG,
        summary="确认可提交部务会",
        description="凡提四必未全部落实或档案审核结论不是“通过”时返回 FOUR_MUSTS_INCOMPLETE；"
        "尚有未核查处理的档案问题时返回 RED_FLAGS_OPEN；violations 列出全部原因。",
        request=None,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="mark-ready")
    def mark_ready(self, request, pk=None):
        return self._done(services.case_mark_ready(case=self.get_object(), by=request.user))

    @extend_schema(
        tags=TAG,
        summary="撤回可提交部务会",
        request=serializers.UnmarkSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="unmark-ready")
    def unmark_ready(self, request, pk=None):
        data = serializers.UnmarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.case_unmark_ready(case=self.get_object(), by=request.user, **data.validated_data)
        )

    @extend_schema(
        tags=TAG,
        summary="变更承办人",
        request=serializers.ReassignSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        data = serializers.ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.case_reassign(case=self.get_object(), by=request.user, **data.validated_data)
        )

    @extend_schema(
        tags=TAG,
        summary="办结（结束阅档授权）",
        request=serializers.CloseSerializer,
        responses=serializers.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = serializers.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.case_close(case=self.get_object(), by=request.user, **data.validated_data))

    @extend_schema(
        tags=TAG,
        summary="核查处理一个档案问题（核查说明或已批准的认定）",
        request=serializers.ResolveSerializer,
        responses=serializers.FlagSerializer,
    )
    @action(detail=True, methods=["post"], url_path="resolve-flag")
    def resolve_flag(self, request, pk=None):
        case = self.get_object()
        data = serializers.ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        flag = get_object_or_404(ReviewFlag, pk=v["flag"], case=case)
        determination = (
            selectors.get_determination(request.user, v["determination"]) if v.get("determination") else None
        )
        flag = services.flag_resolve(flag=flag, by=request.user, note=v["note"], determination=determination)
        return Response(serializers.FlagSerializer(flag).data)

    @extend_schema(
        tags=TAG,
        summary="标记涉嫌造假（核查处理前档案审核不得通过、档案不得转递）",
        request=serializers.FalsificationSerializer,
        responses={201: serializers.FlagSerializer},
    )
    @action(detail=True, methods=["post"], url_path="suspect-falsification")
    def suspect_falsification(self, request, pk=None):
        data = serializers.FalsificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = services.flag_suspect_falsification(
            case=self.get_object(), by=request.user, **data.validated_data
        )
        return Response(serializers.FlagSerializer(flag).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="导出本事项的干部任免审批表（LRMX）",
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def lrmx(self, request, pk=None):
        case = self.get_object()
        return _xml_response(
            services.lrmx_export(archive=case.archive, by=request.user, case=case), case.cadre.name
        )


def _xml_response(data: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.lrmx"
    return response


@extend_schema_view(
    list=extend_schema(
        tags=["认定"],
        summary="认定列表（干部的全部认定，或待本人审批的认定）",
        parameters=[
            OpenApiParameter("cadre", int, description="干部ID：列出该干部的全部认定（含已变更的）"),
            OpenApiParameter("pending", bool, description="只列出待本人审批的认定"),
        ],
    ),
    retrieve=extend_schema(tags=["认定"], summary="认定详情"),
)
class DeterminationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Determinations (认定) of 三龄两历一身份: propose, approve (immutable from then on) or reject."""

    permission_classes = [HasRole(REVIEWER, CLERK)]
    serializer_class = serializers.DeterminationSerializer
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        params = self.request.query_params
        if params.get("pending") in ("1", "true"):
            return selectors.determinations_to_approve(user)
        visible = access.archives_for(user, Action.VIEW_DIRECTORY).values("cadre_id")
        qs = determinations.Determination.objects.filter(cadre_id__in=visible).select_related(
            "proposed_by", "decided_by"
        )
        if params.get("cadre"):
            try:
                cadre_id = int(params["cadre"])
            except ValueError:
                raise DomainError("INVALID", "干部编号（cadre）应为整数。", "cadre") from None
            qs = qs.filter(cadre_id=cadre_id)
        return qs.prefetch_related("basis_materials").order_by("-proposed_at", "-id")

    def get_object(self):
        return selectors.get_determination(self.request.user, self.kwargs["pk"])

    @extend_schema(
        tags=["认定"],
        summary="提出认定",
        request=serializers.DeterminationCreateSerializer,
        responses={201: serializers.DeterminationSerializer},
    )
    def create(self, request):
        data = serializers.DeterminationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = None
        if v.get("case"):
            case = selectors.get_case(request.user, v["case"])
            cadre = case.cadre
        elif v.get("cadre"):
            archive = Archive.objects.filter(cadre_id=v["cadre"]).first()
            if archive is None:
                raise DomainError("NOT_FOUND", "未找到该干部的档案。", "cadre", status=404)
            cadre = access.get_archive(request.user, Action.VIEW_DIRECTORY, archive.pk).cadre
        else:
            raise DomainError("INVALID", "请指定审核事项（case）或干部（cadre）。", "cadre")
        education = None
        if v.get("education"):
            education = EducationRecord.objects.filter(pk=v["education"], cadre=cadre).first()
            if education is None:
                raise DomainError("DETERMINATION_VALUE_INVALID", "所选学历学位不属于该干部。", "education")
        value_text = v["value_text"]
        if v["subject"] == DeterminationSubject.CADRE_STATUS and v.get("cadre_type") in CadreType.values:
            value_text = v["cadre_type"]
        determination = determinations.determination_propose(
            cadre=cadre,
            subject=v["subject"],
            by=request.user,
            value_date=v.get("value_date"),
            full_member_date=v.get("full_member_date"),
            value_text=value_text,
            education=education,
            basis=v["basis"],
            basis_materials=v["basis_materials"],
            determining_organ=v["determining_organ"],
            determined_on=v["determined_on"],
            review_case_id=case.pk if case is not None else None,
        )
        return Response(
            serializers.DeterminationSerializer(determination).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=["认定"],
        summary="批准认定（批准后不可修改，并更新干部信息）",
        request=serializers.DecisionSerializer,
        responses=serializers.DeterminationSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = serializers.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = determinations.determination_approve(
            determination=self.get_object(), by=request.user, **data.validated_data
        )
        return Response(serializers.DeterminationSerializer(d).data)

    @extend_schema(
        tags=["认定"],
        summary="退回认定（须填写理由）",
        request=serializers.DecisionSerializer,
        responses=serializers.DeterminationSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = serializers.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = determinations.determination_reject(
            determination=self.get_object(), by=request.user, **data.validated_data
        )
        return Response(serializers.DeterminationSerializer(d).data)


class RawXmlParser(BaseParser):
    """An .lrmx file posted as the request body."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"__raw__": stream.read(setting("LRMX_MAX_BYTES") + 1)}


class TextXmlParser(RawXmlParser):
    media_type = "text/xml"


class OctetParser(RawXmlParser):
    media_type = "application/octet-stream"


def _upload(request) -> bytes:
    raw = request.data.get("__raw__") if hasattr(request.data, "get") else None
    if raw is not None:
        return raw
    upload = request.data.get("file")
    if upload is None:
        raise DomainError(
            "LRMX_REQUIRED", "请上传 .lrmx 文件（multipart 字段 file，或 application/xml 请求体）。", "file"
        )
    if upload.size > setting("LRMX_MAX_BYTES"):
        raise DomainError("LRMX_TOO_LARGE", "文件过大，不是有效的任免审批表文件。", "file")
    return upload.read()


class CadreLrmxView(APIView):
    """GET: the cadre's 干部任免审批表 as .lrmx. POST: import an .lrmx file into this cadre (clerk)."""

    parser_classes = [MultiPartParser, FormParser, RawXmlParser, TextXmlParser, OctetParser, JSONParser]

    def _archive(self, pk) -> Archive:
        archive = Archive.objects.filter(cadre_id=pk).first()
        if archive is None:
            raise access.deny(
                self.request.user,
                Action.VIEW_DIRECTORY,
                target=("archives.cadre", pk, ""),
                reason="no archive",
            )
        return archive

    @extend_schema(
        tags=["任免审批表"],
        summary="导出干部任免审批表（LRMX）",
        parameters=[OpenApiParameter("case", int, description="附带该审核事项的拟任、拟免职务和任免理由")],
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        archive = self._archive(pk)
        case = None
        if request.query_params.get("case"):
            case = selectors.get_case(request.user, request.query_params["case"])
            if case.archive_id != archive.pk:
                raise DomainError("INVALID", "该审核事项不属于此干部。", "case")
        data = services.lrmx_export(archive=archive, by=request.user, case=case)
        return _xml_response(data, archive.cadre.name)

    @extend_schema(
        tags=["任免审批表"],
        summary="导入LRMX更新干部信息（管档员）",
        operation_id="cadre_lrmx_import",
        description="出生日期、入党时间、参加工作时间与档案不一致的拒绝导入（须经认定）。文件有错误时返回 400 "
        "LRMX_INVALID，violations 列出每个字段的问题；DTD、实体声明和外部引用一律拒绝。",
        request={
            "multipart/form-data": serializers.LrmxUpdateSerializer,
            "application/xml": OpenApiTypes.BINARY,
        },
        responses={
            200: serializers.LrmxResultSerializer,
            400: OpenApiResponse(description="{code, message, field, violations}"),
        },
    )
    def post(self, request, pk):
        archive = self._archive(pk)
        result = services.lrmx_import(data=_upload(request), by=request.user, archive=archive)
        return Response(serializers.LrmxResultSerializer(result).data)


class LrmxCreateView(APIView):
    """POST: register a new cadre and archive from an .lrmx file (clerk of the holding unit)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["任免审批表"],
        summary="通过LRMX登记新干部并建档（管档员）",
        operation_id="cadre_lrmx_register",
        request={"multipart/form-data": serializers.LrmxCreateSerializer},
        responses={
            201: serializers.LrmxResultSerializer,
            400: OpenApiResponse(description="{code, message, field, violations}"),
        },
    )
    def post(self, request):
        data = serializers.LrmxCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        content = _upload(request)
        result = services.lrmx_import(
            data=content,
            by=request.user,
            holding_unit=v["holding_unit"],
            archive_no=v["archive_no"],
            unit=v["unit"],
            management_level=v["management_level"],
        )
        return Response(serializers.LrmxResultSerializer(result).data, status=status.HTTP_201_CREATED)


class StatisticsView(APIView):
    permission_classes = [HasRole(REVIEWER)]

    @extend_schema(
        tags=TAG,
        summary="干部队伍结构统计",
        parameters=[
            OpenApiParameter("unit", int, description="统计范围（单位ID，含下级），默认为本人管辖范围"),
            OpenApiParameter("at", OpenApiTypes.DATE, description="统计时点，默认今天"),
            OpenApiParameter("include_retired", bool),
        ],
        responses=inline_serializer(
            "Statistics",
            {
                "unit": fields.IntegerField(),
                "unit_name": fields.CharField(),
                "at": fields.DateField(),
                "total": fields.IntegerField(),
                "tables": serializers.StatTableSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        units = statistics.units_for(request.user)
        if not units:
            raise DomainError("NO_UNIT", "您的账号未关联单位，无法统计。")
        unit = units[0]
        if request.query_params.get("unit"):
            unit = next((u for u in units if str(u.pk) == request.query_params["unit"]), None)
            if unit is None:
                raise DomainError("UNIT_NOT_IN_AUTHORITY", "所选单位不在您的干部管理权限范围内。", "unit")
        at = timezone.localdate()
        if request.query_params.get("at"):
            from datetime import date

            try:
                at = date.fromisoformat(request.query_params["at"])
            except ValueError:
                raise DomainError("INVALID", "统计时点格式应为 YYYY-MM-DD。", "at")
        qs = statistics.cadres_in_scope(
            request.user, unit, include_retired=request.query_params.get("include_retired") in ("1", "true")
        )
        tables = statistics.compute(qs, at)
        from audit.services import record

        record(request.user, "review.statistics", details={"unit": unit.name, "at": at, "via": "api"})
        return Response(
            {
                "unit": unit.pk,
                "unit_name": unit.name,
                "at": at,
                "total": qs.count(),
                "tables": serializers.StatTableSerializer(tables, many=True).data,
            }
        )
