"""Serializers of /api/archive-gradings/: parse and present; the rules are enforced by reviews.grading_services."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Unit
from reviews.models import ArchiveGrading, GradingLine, GradingVetoLine


class GradingLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradingLine
        fields = ["number", "standard", "method", "weight", "deduction", "problems"]


class GradingVetoLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradingVetoLine
        fields = ["number", "name", "found", "note"]


class GradingSerializer(serializers.ModelSerializer):
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)
    cadre_name = serializers.CharField(source="archive.cadre.name", read_only=True)
    submitting_unit_name = serializers.CharField(source="submitting_unit.name", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="draft 初审中 / checking 待复核 / second 待复审 / final 已定级"
    )
    grade = serializers.CharField(
        read_only=True, help_text="excellent 优秀 / qualified 合格 / unqualified 不合格"
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    initial_by = serializers.SerializerMethodField()
    check_by = serializers.SerializerMethodField()
    second_by = serializers.SerializerMethodField()
    lines = GradingLineSerializer(many=True, read_only=True)
    vetoes = GradingVetoLineSerializer(many=True, read_only=True)

    class Meta:
        model = ArchiveGrading
        fields = [
            "id",
            "number",
            "archive",
            "archive_no",
            "cadre_name",
            "submitting_unit",
            "submitting_unit_name",
            "post",
            "appointed_on",
            "submitted_on",
            "year",
            "is_late",
            "status",
            "status_display",
            "score",
            "grade",
            "grade_display",
            "pass_threshold",
            "excellent_threshold",
            "initial_by",
            "initial_at",
            "check_by",
            "check_at",
            "second_by",
            "second_at",
            "sent_back_reason",
            "returned_on",
            "return_reason",
            "lines",
            "vetoes",
        ]

    def _name(self, user) -> str:
        return user.get_full_name() if user else ""

    def get_initial_by(self, obj) -> str:
        return self._name(obj.initial_by)

    def get_check_by(self, obj) -> str:
        return self._name(obj.check_by)

    def get_second_by(self, obj) -> str:
        return self._name(obj.second_by)


class GradingListSerializer(GradingSerializer):
    class Meta(GradingSerializer.Meta):
        fields = [f for f in GradingSerializer.Meta.fields if f not in ("lines", "vetoes")]


class GradingWriteSerializer(serializers.Serializer):
    archive = serializers.IntegerField(required=False, help_text="档案 id（新建时）")
    submitting_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False
    )
    post = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="新任职务")
    appointed_on = serializers.DateField(required=False, allow_null=True, help_text="任职时间")
    submitted_on = serializers.DateField(required=False, allow_null=True, help_text="档案报送时间")


class GradingScoreLineSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="评分表序号")
    deduction = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="0", help_text="扣分（最多一位小数）"
    )
    problems = serializers.CharField(required=False, allow_blank=True, default="", help_text="存在问题")


class GradingScoreVetoSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="单项否决序号")
    found = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class GradingScoreSerializer(serializers.Serializer):
    lines = GradingScoreLineSerializer(many=True, required=False, default=list)
    vetoes = GradingScoreVetoSerializer(many=True, required=False, default=list)


class GradingSignSerializer(serializers.Serializer):
    stage = serializers.CharField(max_length=10, help_text="initial 初审 / check 复核 / second 复审")


class GradingReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    returned_on = serializers.DateField(required=False, allow_null=True)


class GradingReportRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()
    total = serializers.IntegerField()
    final = serializers.IntegerField()
    excellent = serializers.IntegerField()
    qualified = serializers.IntegerField()
    unqualified = serializers.IntegerField()
    pending = serializers.IntegerField()
    late = serializers.IntegerField()
    returned = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
