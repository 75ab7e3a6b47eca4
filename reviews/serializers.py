"""Serializers of the review API: input parsing and output shapes only (rules live in the services)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Unit, User
from archives.models import Archive, CadreType, Determination, DeterminationSubject, Material
from reviews.models import (
    ArchiveReviewResult,
    CloseOutcome,
    ComplaintsResult,
    PersonalMattersResult,
    ReviewCase,
    ReviewFlag,
)


class FlagMaterialSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="seq_label", read_only=True)
    formed = serializers.CharField(source="formed_display", read_only=True)

    class Meta:
        model = Material
        fields = ["id", "label", "title", "formed"]


class FlagSerializer(serializers.ModelSerializer):
    materials = FlagMaterialSerializer(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReviewFlag
        fields = [
            "id",
            "code",
            "key",
            "message",
            "severity",
            "subject",
            "status",
            "status_label",
            "materials",
            "resolution_kind",
            "resolution_note",
            "determination",
            "resolved_at",
            "detected_at",
        ]


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)
    requesting_unit_name = serializers.CharField(source="requesting_unit.name", read_only=True)
    reviewer_name = serializers.CharField(source="reviewer.get_full_name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    open_flags = serializers.IntegerField(read_only=True)
    # Read-only model fields lose allow_blank: declared so that the schema allows "" (not yet recorded).
    archive_review_result = serializers.ChoiceField(
        ArchiveReviewResult.choices, allow_blank=True, read_only=True
    )
    personal_matters_result = serializers.ChoiceField(
        PersonalMattersResult.choices, allow_blank=True, read_only=True
    )
    complaints_result = serializers.ChoiceField(ComplaintsResult.choices, allow_blank=True, read_only=True)
    close_outcome = serializers.ChoiceField(CloseOutcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ReviewCase
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "archive",
            "archive_no",
            "proposed_post",
            "post_to_remove",
            "requesting_unit",
            "requesting_unit_name",
            "reason",
            "reference_date",
            "reviewer",
            "reviewer_name",
            "status",
            "status_label",
            "open_flags",
            "archive_review_result",
            "archive_review_remarks",
            "archive_review_at",
            "personal_matters_result",
            "personal_matters_note",
            "personal_matters_at",
            "discipline_opinion",
            "discipline_received_on",
            "complaints_result",
            "complaints_note",
            "complaints_at",
            "checks_run_at",
            "ready_at",
            "close_outcome",
            "close_note",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    flags = FlagSerializer(many=True, read_only=True)
    ready_reasons = ReasonSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "flags", "ready_reasons"]
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer):
    archive = serializers.PrimaryKeyRelatedField(queryset=Archive.objects.all(), help_text="候选人的档案ID")
    proposed_post = serializers.CharField(max_length=200)
    post_to_remove = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    requesting_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="承办审核人，默认为本人"
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reference_date = serializers.DateField(required=False, help_text="计算年龄时间，默认为今天")


class ArchiveReviewSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ArchiveReviewResult.choices)
    remarks = serializers.CharField(required=False, allow_blank=True, default="")


class PersonalMattersSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=PersonalMattersResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisciplineSerializer(serializers.Serializer):
    opinion = serializers.CharField(allow_blank=True)
    received_on = serializers.DateField()


class ComplaintsSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ComplaintsResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CloseOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class UnmarkSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    reviewer = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class ResolveSerializer(serializers.Serializer):
    flag = serializers.IntegerField(help_text="问题（红旗）ID")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    determination = serializers.IntegerField(
        required=False, allow_null=True, help_text="据以处理的已批准认定ID"
    )


class FalsificationSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="涉嫌造假情况：哪份材料、何处、有何疑点")
    materials = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="相关材料ID"
    )


class ChecksResultSerializer(serializers.Serializer):
    found = serializers.IntegerField()
    new = serializers.IntegerField()
    reopened = serializers.IntegerField()
    cleared = serializers.IntegerField()
    ready_revoked = serializers.BooleanField()


class DeterminationSerializer(serializers.ModelSerializer):
    subject_label = serializers.CharField(source="get_subject_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    value = serializers.CharField(source="value_display", read_only=True)
    proposed_by_name = serializers.CharField(source="proposed_by.get_full_name", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.get_full_name", read_only=True, default="")

    class Meta:
        model = Determination
        fields = [
            "id",
            "cadre",
            "subject",
            "subject_label",
            "value",
            "value_date",
            "full_member_date",
            "value_text",
            "education",
            "previous_value",
            "basis",
            "basis_materials",
            "determining_organ",
            "determined_on",
            "status",
            "status_label",
            "supersedes",
            "review_case_id",
            "proposed_by",
            "proposed_by_name",
            "proposed_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class DeterminationCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(required=False, help_text="所属任前审核事项ID（与 cadre 二选一）")
    cadre = serializers.IntegerField(required=False, help_text="干部ID")
    subject = serializers.ChoiceField(choices=DeterminationSubject.choices)
    value_date = serializers.DateField(required=False, allow_null=True)
    full_member_date = serializers.DateField(required=False, allow_null=True)
    value_text = serializers.CharField(required=False, allow_blank=True, default="")
    cadre_type = serializers.ChoiceField(choices=CadreType.choices, required=False, help_text="干部身份认定")
    education = serializers.IntegerField(required=False, allow_null=True)
    basis = serializers.CharField(allow_blank=True)
    basis_materials = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    determining_organ = serializers.CharField(allow_blank=True)
    determined_on = serializers.DateField()


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LrmxCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".lrmx 文件")
    archive_no = serializers.CharField()
    holding_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), help_text="干部所在单位")
    management_level = serializers.CharField(required=False, default="other")


class LrmxUpdateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".lrmx 文件（也可直接以 application/xml 请求体提交）")


class LrmxResultSerializer(serializers.Serializer):
    archive = serializers.IntegerField(source="archive.pk")
    cadre = serializers.IntegerField(source="archive.cadre_id")
    created = serializers.BooleanField()
    changes = serializers.DictField()
    family_added = serializers.ListField(child=serializers.CharField())
    family_updated = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    proposal = serializers.DictField()


class StatRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class StatTableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    total = serializers.IntegerField()
    rows = serializers.SerializerMethodField()

    def get_rows(self, table) -> list[dict]:
        return [{"label": label, "count": count} for label, count in table.rows]
