"""API of the completeness and fixity features (routes appended to archives/api_urls.py). Thin: same selectors
and services as the pages; errors in the project's {code, message, field} format.

GET  /api/archives/{id}/completeness/                the stored report (computed now if never checked)
POST /api/archives/{id}/completeness/                check again now (clerk of the holdings)
GET  /api/archives/{id}/completeness/excusals/       excused years of the archive (clerk)
POST /api/archives/{id}/completeness/excusals/       record an excused year (clerk)
POST /api/completeness/excusals/{id}/revoke/         revoke it, with a reason (clerk)
GET  /api/completeness/rules/                        the active rule set
GET  /api/completeness/findings/                     fixity findings (clerk: holdings; system admin: all)
POST /api/completeness/findings/{id}/resolve/        resolve a finding with a note
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import CLERK, SYSTEM_ADMIN
from archives import access
from archives import selectors_completeness as selectors
from archives import services_completeness as services
from archives.access import Action
from archives.completeness import report_or_check
from archives.models import (
    CompletenessExcusal,
    CompletenessReport,
    CompletenessRule,
    ExcuseReason,
    FixityFinding,
)
from audit.services import record
from core.errors import DomainError


class ReportSerializer(serializers.ModelSerializer):
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)
    pending = serializers.SerializerMethodField(help_text="材料已变动、新的检查结果尚未生成")

    class Meta:
        model = CompletenessReport
        fields = [
            "archive",
            "archive_no",
            "computed_at",
            "requested_at",
            "pending",
            "is_complete",
            "has_veto",
            "score",
            "expected_count",
            "missing_count",
            "veto_count",
            "items",
            "source",
            "rules_version",
        ]

    def get_pending(self, obj) -> bool:
        return bool(obj.requested_at and obj.requested_at > obj.computed_at)


class ExcusalSerializer(serializers.ModelSerializer):
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.get_full_name", read_only=True)

    class Meta:
        model = CompletenessExcusal
        fields = [
            "id",
            "rule",
            "rule_code",
            "rule_name",
            "year",
            "reason",
            "reason_display",
            "note",
            "recorded_by_name",
            "recorded_at",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = ["recorded_at", "revoked_at", "revoke_reason"]


class ExcusalCreateSerializer(serializers.Serializer):
    rule = serializers.SlugRelatedField(
        slug_field="code", queryset=CompletenessRule.objects.all(), help_text="规则代码，如 annual_appraisal"
    )
    year = serializers.IntegerField(min_value=1949, max_value=2100)
    reason = serializers.ChoiceField(choices=ExcuseReason.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RuleSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="category.label", read_only=True)
    kinds = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = CompletenessRule
        fields = [
            "code",
            "name",
            "description",
            "category_label",
            "kinds",
            "applies_to",
            "count_mode",
            "since_year",
            "until_year",
            "prior_year_months",
            "education_level",
            "degree_only",
            "foreign_only",
            "min_rank",
            "window_before_days",
            "window_after_days",
            "worked_before_year",
            "party_joined_before_year",
            "is_veto",
            "weight",
            "deduction",
        ]


class FindingSerializer(serializers.ModelSerializer):
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True, default=None)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FixityFinding
        fields = [
            "id",
            "kind",
            "kind_display",
            "archive",
            "archive_no",
            "material",
            "page",
            "storage_key",
            "expected_sha256",
            "actual_sha256",
            "message",
            "details",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
            "resolution_note",
        ]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ArchiveCompletenessView(APIView):
    @extend_schema(summary="档案完整性报告", responses=ReportSerializer)
    def get(self, request, pk):
        archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, pk)
        report = report_or_check(archive)
        record(request.user, "completeness.report_view", archive=archive, details={"via": "api"})
        return Response(ReportSerializer(report).data)

    @extend_schema(summary="重新检查档案完整性", request=None, responses=ReportSerializer)
    def post(self, request, pk):
        archive = access.get_archive(request.user, Action.MANAGE, pk)
        services.request_recheck(archive=archive, by=request.user)
        # Never checked and the check is queued: answer what GET answers (checked now) rather than an empty report.
        report = report_or_check(archive)
        pending = bool(report and report.requested_at and report.requested_at > report.computed_at)
        return Response(
            ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED if pending else status.HTTP_200_OK
        )


class ArchiveExcusalsView(APIView):
    @extend_schema(summary="档案的免查年度", responses=ExcusalSerializer(many=True))
    def get(self, request, pk):
        archive = access.get_archive(request.user, Action.MANAGE, pk)
        return Response(ExcusalSerializer(selectors.excusals_for(archive), many=True).data)

    @extend_schema(summary="登记免查年度", request=ExcusalCreateSerializer, responses=ExcusalSerializer)
    def post(self, request, pk):
        archive = access.get_archive(request.user, Action.MANAGE, pk)
        data = _validated(ExcusalCreateSerializer, request.data)
        excusal = services.excuse_year(archive=archive, by=request.user, **data)
        return Response(ExcusalSerializer(excusal).data, status=status.HTTP_201_CREATED)


class RevokeExcusalView(APIView):
    @extend_schema(summary="撤销免查年度", request=RevokeSerializer, responses=ExcusalSerializer)
    def post(self, request, pk):
        excusal = CompletenessExcusal.objects.select_related("archive", "rule").filter(pk=pk).first()
        if excusal is None:
            raise access.deny(request.user, Action.MANAGE, target=("archives.completenessexcusal", pk, ""))
        access.get_archive(request.user, Action.MANAGE, excusal.archive_id)
        data = _validated(RevokeSerializer, request.data)
        excusal = services.revoke_excusal(excusal=excusal, reason=data["reason"], by=request.user)
        return Response(ExcusalSerializer(excusal).data)


class RuleListView(ListAPIView):
    serializer_class = RuleSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(summary="启用中的档案完整性规则")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return (
            CompletenessRule.objects.filter(is_active=True)
            .select_related("category")
            .prefetch_related("kinds")
        )


class FindingListView(ListAPIView):
    serializer_class = FindingSerializer
    permission_classes = [HasRole(CLERK, SYSTEM_ADMIN)]
    filter_backends: list = []

    @extend_schema(summary="文件完整性问题（status=open|resolved|all，kind=问题类型）")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.findings_for(
            self.request.user, status=params.get("status", "open"), kind=params.get("kind", "")
        )


class ResolveFindingView(APIView):
    permission_classes = [HasRole(CLERK, SYSTEM_ADMIN)]

    @extend_schema(summary="处理文件完整性问题", request=NoteSerializer, responses=FindingSerializer)
    def post(self, request, pk):
        finding = selectors.findings_for(request.user, status="all").filter(pk=pk).first()
        if finding is None:
            raise access.deny(request.user, Action.MANAGE, target=("archives.fixityfinding", pk, ""))
        note = request.data.get("note", "") if hasattr(request.data, "get") else ""
        if not str(note).strip():
            raise DomainError(
                "FIXITY_NOTE_REQUIRED", "请填写处理说明（如：已从备份恢复文件、已重新扫描）。", "note"
            )
        finding = services.resolve_finding(finding=finding, note=str(note), by=request.user)
        return Response(FindingSerializer(finding).data)


urlpatterns = [
    path("archives/<int:pk>/completeness/", ArchiveCompletenessView.as_view(), name="archive-completeness"),
    path(
        "archives/<int:pk>/completeness/excusals/",
        ArchiveExcusalsView.as_view(),
        name="archive-completeness-excusals",
    ),
    path(
        "completeness/excusals/<int:pk>/revoke/",
        RevokeExcusalView.as_view(),
        name="completeness-excusal-revoke",
    ),
    path("completeness/rules/", RuleListView.as_view(), name="completeness-rules"),
    path("completeness/findings/", FindingListView.as_view(), name="fixity-findings"),
    path(
        "completeness/findings/<int:pk>/resolve/",
        ResolveFindingView.as_view(),
        name="fixity-finding-resolve",
    ),
]
