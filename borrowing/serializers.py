"""Serializers of /api/access-requests/. They parse and present; the rules are enforced by borrowing.services
(a broken rule answers HTTP 400 {"code", "message", "field"} with the code of docs/domain.md section 11)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Unit, UnitKind, User
from archives.models import MaterialCategory
from borrowing.models import (
    AccessMode,
    AccessRequest,
    AccessRequestSubject,
    AccessRequestViewer,
    Approval,
    Checkout,
    CopyKind,
    CopyRecord,
)
from core.choices import PoliticalStatus


class ViewerInSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="查阅人的系统账号（用户名）。数字查阅必填；关联后姓名、单位、政治面貌等以账号信息为准。",
    )
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text="姓名")
    unit_name = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="工作单位")
    post = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="职务")
    political_status = serializers.ChoiceField(
        choices=PoliticalStatus.choices,
        required=False,
        allow_blank=True,
        help_text="政治面貌（GB/T 4762 代码）",
    )
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, help_text="身份证号")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text="联系电话")


class SubjectInSerializer(serializers.Serializer):
    archive_no = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="档号")
    id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="或干部身份证号（未填档号时）"
    )
    scope_all = serializers.BooleanField(required=False, default=True, help_text="查阅全部材料")
    categories = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MaterialCategory.objects.all(),
        many=True,
        required=False,
        help_text='限定查阅的类别代码，如 ["3", "92"]',
    )
    materials = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="限定查阅的材料 id（须为该档案已归档材料）",
    )
    copy_materials = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="批准后可摘录、复制的材料 id"
    )


class AccessRequestWriteSerializer(serializers.Serializer):
    """The approval form. Every field may be left out of a draft; submitting checks completeness (FORM_IRREGULAR)."""

    mode = serializers.ChoiceField(choices=AccessMode.choices, required=False, help_text="查阅方式")
    requesting_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True, help_text="申请单位 id"
    )
    requesting_unit_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="申请单位不在单位表中时：名称"
    )
    requesting_unit_kind = serializers.ChoiceField(
        choices=UnitKind.choices, required=False, allow_blank=True, help_text="申请单位不在单位表中时：类别"
    )
    unit_opinion = serializers.CharField(required=False, allow_blank=True, help_text="申请单位意见")
    unit_signer = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="单位负责人签字"
    )
    unit_signed_on = serializers.DateField(required=False, allow_null=True, help_text="单位签署日期")
    has_intro_letter = serializers.BooleanField(required=False, help_text="持有介绍信")
    purpose = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="查阅事由类别：political / cadre_work / talent / inspection / history / management / other",
    )
    purpose_detail = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="事由说明"
    )
    start_at = serializers.DateTimeField(required=False, allow_null=True, help_text="起始时间")
    end_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="截止时间（借阅为应还时间；不填时按默认借阅期限）"
    )
    copies_requested = serializers.BooleanField(required=False, help_text="需要摘录或复制")
    copy_note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="摘录复制说明"
    )
    viewers = ViewerInSerializer(many=True, required=False)
    subjects = SubjectInSerializer(many=True, required=False)


class ViewerOutSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    political_status_label = serializers.CharField(source="get_political_status_display", read_only=True)

    class Meta:
        model = AccessRequestViewer
        fields = [
            "user",
            "name",
            "unit_name",
            "post",
            "political_status",
            "political_status_label",
            "id_number",
            "phone",
        ]


class SubjectOutSerializer(serializers.ModelSerializer):
    archive_id = serializers.IntegerField(read_only=True)
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)
    cadre_name = serializers.CharField(source="archive.cadre.name", read_only=True)
    archive_status = serializers.CharField(source="archive.status", read_only=True)
    categories = serializers.SlugRelatedField(
        source="scope_categories", slug_field="code", many=True, read_only=True
    )
    materials = serializers.PrimaryKeyRelatedField(source="scope_materials", many=True, read_only=True)
    copy_materials = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AccessRequestSubject
        fields = [
            "id",
            "archive_id",
            "archive_no",
            "cadre_name",
            "archive_status",
            "scope_all",
            "categories",
            "materials",
            "copy_materials",
        ]


class ApprovalSerializer(serializers.ModelSerializer):
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Approval
        fields = [
            "level",
            "decision",
            "reviewer",
            "reviewer_name",
            "reviewer_post",
            "reviewer_unit",
            "opinion",
            "decided_at",
        ]


class CheckoutSerializer(serializers.ModelSerializer):
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)

    class Meta:
        model = Checkout
        fields = [
            "id",
            "archive",
            "archive_no",
            "kind",
            "status",
            "out_at",
            "out_signatures",
            "due_at",
            "material_count",
            "page_count",
            "returned_at",
            "in_signatures",
        ]


class CopySerializer(serializers.ModelSerializer):
    class Meta:
        model = CopyRecord
        fields = ["id", "material", "kind", "pages", "page_count", "recipient", "note", "made_at"]


class AccessRequestSerializer(serializers.ModelSerializer):
    effective_status = serializers.CharField(
        read_only=True, help_text="按当前时间计算的状态（期限届满即为 expired）"
    )
    effective_status_label = serializers.CharField(read_only=True)
    requesting_unit_display = serializers.CharField(source="unit_display", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    viewers = ViewerOutSerializer(many=True, read_only=True)
    subjects = SubjectOutSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    checkouts = CheckoutSerializer(many=True, read_only=True)
    copies = CopySerializer(many=True, read_only=True)

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "number",
            "status",
            "effective_status",
            "effective_status_label",
            "mode",
            "requesting_unit",
            "requesting_unit_display",
            "requesting_unit_kind",
            "unit_opinion",
            "unit_signer",
            "unit_signed_on",
            "has_intro_letter",
            "purpose",
            "purpose_detail",
            "start_at",
            "end_at",
            "copies_requested",
            "copy_note",
            "required_levels",
            "warnings",
            "reject_reason",
            "created_by",
            "created_at",
            "submitted_at",
            "approved_at",
            "closed_at",
            "viewers",
            "subjects",
            "approvals",
            "checkouts",
            "copies",
        ]


class AccessRequestListSerializer(serializers.ModelSerializer):
    effective_status = serializers.CharField(read_only=True)
    requesting_unit_display = serializers.CharField(source="unit_display", read_only=True)
    subjects = SubjectOutSerializer(many=True, read_only=True)
    viewers = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "number",
            "status",
            "effective_status",
            "mode",
            "requesting_unit_display",
            "purpose",
            "start_at",
            "end_at",
            "submitted_at",
            "created_at",
            "viewers",
            "subjects",
        ]

    def get_viewers(self, obj) -> list[str]:
        return [v.name for v in obj.viewers.all()]


class ApproveSerializer(serializers.Serializer):
    opinion = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="审批意见")
    level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2,
        help_text="审阅时看到的审批级次；他人已先行审批时返回 STALE_STATE，而不会变成下一级签署",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="理由")


class CheckoutInSerializer(serializers.Serializer):
    archives = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="出库的档案 id（默认全部查阅对象）"
    )
    signatures = serializers.ListField(
        child=serializers.CharField(max_length=50), help_text="到场签名的查阅人姓名（至少两名经批准的查阅人）"
    )


class ReturnItemSerializer(serializers.Serializer):
    material = serializers.IntegerField(help_text="材料 id（档案目录中的已归档材料）")
    present = serializers.BooleanField(help_text="已归还")
    pages = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text="清点页数")


class ReturnInSerializer(serializers.Serializer):
    checkout = serializers.IntegerField(
        required=False, help_text="出库登记 id（申请只有一份在外档案时可省略）"
    )
    items = ReturnItemSerializer(many=True, help_text="逐件核对结果；目录中未列出的材料视为未归还")
    signatures = serializers.ListField(child=serializers.CharField(max_length=50), help_text="归还人签名")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ReturnOutSerializer(serializers.Serializer):
    matched = serializers.BooleanField(help_text="逐件核对一致")
    checkout = CheckoutSerializer()
    incident = serializers.DictField(allow_null=True, help_text="不一致时登记的归还异常")


class CopyInSerializer(serializers.Serializer):
    material = serializers.IntegerField(help_text="材料 id（须为批准摘录、复制的材料）")
    pages = serializers.CharField(max_length=100, help_text="页码，如 1-3,5")
    kind = serializers.ChoiceField(choices=CopyKind.choices, required=False, default=CopyKind.COPY)
    recipient = serializers.CharField(max_length=50, help_text="领取人（经批准的查阅人）")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
