"""/api/archive-gradings/: new cadre archive grading over HTTP, on the same services and selectors as the pages.
Errors: HTTP 400 {"code", "message", "field"}; what the caller may not see: 404 (audited)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from archives import access
from archives.access import Action
from audit.services import record
from core.errors import DomainError
from reviews import grading_pdf
from reviews import grading_selectors as selectors
from reviews import grading_services as services
from reviews.grading_serializers import (
    GradingListSerializer,
    GradingReasonSerializer,
    GradingReportRowSerializer,
    GradingScoreSerializer,
    GradingSerializer,
    GradingSignSerializer,
    GradingWriteSerializer,
)

ERROR = OpenApiResponse(description="业务规则不允许：{code, message, field}")
TAG = ["新任干部档案评分"]


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="档案评分列表",
        parameters=[
            OpenApiParameter("year", int, description="评分年度"),
            OpenApiParameter(
                "status",
                str,
                description="draft/checking/second/final；open 未定级；excellent/qualified/unqualified",
            ),
            OpenApiParameter("q", str, description="姓名、档号、编号开头"),
        ],
    ),
    retrieve=extend_schema(tags=TAG, summary="档案评分详情（评分表、单项否决、签字）"),
)
class ArchiveGradingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """新任干部档案审核验收评分：满分100分，单项扣分不超过分值，单项否决即不合格；90/97分（系统参数）分出
    不合格、合格、优秀；经初审、复核、复审三人签字后定级。"""

    serializer_class = GradingSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        year = params.get("year", "")
        return selectors.grading_list(
            self.request.user,
            year=int(year) if year.isdecimal() else None,
            status=params.get("status", ""),
            q=params.get("q", ""),
        )

    def get_serializer_class(self):
        return GradingListSerializer if self.action == "list" else GradingSerializer

    def get_object(self):
        return selectors.get_grading(self.request.user, self.kwargs["pk"])

    def _detail(self, grading, code=status.HTTP_200_OK):
        return Response(
            GradingSerializer(selectors.get_grading(self.request.user, grading.pk)).data, status=code
        )

    @extend_schema(
        tags=TAG,
        summary="登记评分（按现行评分标准生成评分表）",
        request=GradingWriteSerializer,
        responses={201: GradingSerializer, 400: ERROR},
    )
    def create(self, request):
        data = GradingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        archive_pk = values.pop("archive", None)
        if not archive_pk:
            raise DomainError("ARCHIVE_REQUIRED", "请指定档案。", "archive")
        archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, archive_pk)
        return self._detail(
            services.grading_create(archive=archive, by=request.user, data=values), status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=TAG,
        summary="修改报送单位、职务、时间（初审中）",
        request=GradingWriteSerializer,
        responses={200: GradingSerializer, 400: ERROR},
    )
    def partial_update(self, request, pk=None):
        data = GradingWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "archive"}
        return self._detail(services.grading_update(grading=self.get_object(), by=request.user, data=values))

    @extend_schema(
        tags=TAG,
        summary="逐项扣分与单项否决（初审中；扣分超过分值 GRADE_DEDUCTION_EXCEEDS_WEIGHT）",
        request=GradingScoreSerializer,
        responses={200: GradingSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        data = GradingScoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = {
            row["number"]: {"deduction": row["deduction"], "problems": row["problems"]}
            for row in data.validated_data["lines"]
        }
        vetoes = {
            row["number"]: {"found": row["found"], "note": row["note"]}
            for row in data.validated_data["vetoes"]
        }
        return self._detail(
            services.grading_score(grading=self.get_object(), by=request.user, lines=lines, vetoes=vetoes)
        )

    @extend_schema(
        tags=TAG,
        summary="签字：initial 初审 → check 复核 → second 复审（三人不同，复审后定级）",
        request=GradingSignSerializer,
        responses={200: GradingSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        data = GradingSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._detail(
            services.grading_sign(
                grading=self.get_object(), by=request.user, stage=data.validated_data["stage"]
            )
        )

    @extend_schema(
        tags=TAG,
        summary="复核、复审退回初审修改",
        request=GradingReasonSerializer,
        responses={200: GradingSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        data = GradingReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._detail(
            services.grading_send_back(
                grading=self.get_object(), by=request.user, reason=data.validated_data["reason"]
            )
        )

    @extend_schema(
        tags=TAG,
        summary="定级后退回报送单位",
        request=GradingReasonSerializer,
        responses={200: GradingSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="return-to-unit")
    def return_to_unit(self, request, pk=None):
        data = GradingReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return self._detail(
            services.grading_return_to_unit(
                grading=self.get_object(),
                by=request.user,
                reason=v["reason"],
                returned_on=v.get("returned_on"),
            )
        )

    @extend_schema(
        tags=TAG, summary="下载评分表 PDF", responses={(200, "application/pdf"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"], url_path="sheet-pdf")
    def sheet_pdf(self, request, pk=None):
        grading = self.get_object()
        record(request.user, "grading.print", archive=grading.archive, target=grading)
        response = HttpResponse(grading_pdf.grading_sheet(grading), content_type="application/pdf")
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(f'档案评分表-{grading.number}.pdf')}"
        )
        return response

    @extend_schema(
        tags=TAG,
        summary="年终通报：按报送单位统计各等次、逾期报送、退回",
        parameters=[OpenApiParameter("year", int, description="年度（默认今年）")],
        responses={
            200: inline_serializer(
                "GradingReport",
                {
                    "year": serializers.IntegerField(),
                    "units": GradingReportRowSerializer(many=True),
                    "total": GradingReportRowSerializer(),
                },
            )
        },
    )
    @action(detail=False, methods=["get"])
    def report(self, request):
        year = request.query_params.get("year", "")
        year = int(year) if year.isdecimal() else timezone.localdate().year
        rows, total = selectors.year_report(request.user, year)
        record(request.user, "grading.report", details={"year": year, "via": "api"})
        return Response(
            {
                "year": year,
                "units": GradingReportRowSerializer(rows, many=True).data,
                "total": GradingReportRowSerializer(total).data,
            }
        )
