"""Serializers of /api/transfers/ and /api/intakes/. They parse and present; the rules are enforced by
borrowing.transfers.services and intake (a broken rule answers HTTP 400 {"code", "message", "field"}).

Channel and basis kind are plain strings on input, so that "post" or "self-carry" is answered by the rule
(TRANSFER_CHANNEL_INVALID) rather than by a generic validation error."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import ManagementLevel, Unit
from borrowing.models import Intake, IntakeAlteration, Transfer, TransferChase

HOLDING_UNITS = Unit.objects.filter(is_active=True, holds_archives=True)


class TransferWriteSerializer(serializers.Serializer):
    archive = serializers.IntegerField(required=False, help_text="档案 id（新建时与 archive_no 二选一）")
    archive_no = serializers.CharField(max_length=40, required=False, help_text="档号（新建时）")
    basis_kind = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="依据文件类别：transfer_notice 调动通知 / appointment 任免通知 / authority_change 管理权限变更",
    )
    basis_doc_no = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="依据文件文号"
    )
    basis_issuer = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="发文机关"
    )
    basis_date = serializers.DateField(required=False, allow_null=True, help_text="依据文件日期")
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="转递原因")
    to_unit = serializers.PrimaryKeyRelatedField(
        queryset=HOLDING_UNITS, required=False, allow_null=True, help_text="接收单位 id（本系统的管档单位）"
    )
    to_unit_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="系统外接收单位名称"
    )
    to_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    channel = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="转递方式：confidential 机要交通 / collection 专人送取",
    )
    tracking_no = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="机要号")
    collectors = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="取档人员姓名（专人送取须两人以上）",
    )
    main_volumes = serializers.IntegerField(required=False, min_value=0, max_value=99)
    duplicate_volumes = serializers.IntegerField(required=False, min_value=0, max_value=99)
    loose_items = serializers.IntegerField(required=False, min_value=0, max_value=999)
    has_digital = serializers.BooleanField(required=False)


class TransferChaseSerializer(serializers.ModelSerializer):
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    by = serializers.CharField(source="by.get_full_name", read_only=True)

    class Meta:
        model = TransferChase
        fields = ["id", "chased_on", "method", "method_display", "contact", "note", "by", "recorded_at"]


class TransferSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    notice_number = serializers.CharField(read_only=True)
    from_unit = serializers.CharField(source="from_unit.name", read_only=True)
    to_display = serializers.CharField(read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    basis_kind_display = serializers.CharField(source="get_basis_kind_display", read_only=True)
    approved_by = serializers.SerializerMethodField()
    receipt_overdue = serializers.SerializerMethodField()
    chases = TransferChaseSerializer(many=True, read_only=True)
    has_receipt_scan = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "archive",
            "archive_no",
            "cadre_name",
            "cadre_unit_post",
            "from_unit",
            "to_unit",
            "to_display",
            "to_phone",
            "basis_kind",
            "basis_kind_display",
            "basis_doc_no",
            "basis_issuer",
            "basis_date",
            "reason",
            "channel",
            "channel_display",
            "tracking_no",
            "collectors",
            "main_volumes",
            "duplicate_volumes",
            "loose_items",
            "has_digital",
            "notice_number",
            "notice_at",
            "submitted_at",
            "approved_by",
            "approved_at",
            "approval_opinion",
            "reject_reason",
            "sent_on",
            "receipt_overdue",
            "receipt_overdue_at",
            "receipt_recipient",
            "receipt_on",
            "has_receipt_scan",
            "return_reasons",
            "returned_on",
            "cancelled_at",
            "cancel_reason",
            "chases",
            "created_at",
        ]

    def get_approved_by(self, obj) -> str:
        return obj.approved_by.get_full_name() if obj.approved_by_id else ""

    def get_receipt_overdue(self, obj) -> bool:
        from borrowing.transfers.selectors import is_overdue_now

        return is_overdue_now(obj)

    def get_has_receipt_scan(self, obj) -> bool:
        return bool(obj.receipt_scan)


class TransferOpinionSerializer(serializers.Serializer):
    opinion = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TransferReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TransferSendSerializer(serializers.Serializer):
    sent_on = serializers.DateField(required=False, allow_null=True, help_text="转出日期（默认今天）")
    tracking_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    collectors = serializers.ListField(child=serializers.CharField(max_length=50), required=False)


class TransferReceiptSerializer(serializers.Serializer):
    recipient = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="签收人"
    )
    receipt_on = serializers.DateField(required=False, allow_null=True, help_text="签收日期")
    scan = serializers.FileField(required=False, allow_null=True, help_text="回执扫描件（PDF、JPEG、PNG）")


class TransferReturnSerializer(serializers.Serializer):
    reasons = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    returned_on = serializers.DateField(required=False, allow_null=True)


class TransferChaseInSerializer(serializers.Serializer):
    chased_on = serializers.DateField(default=None, allow_null=True)
    method = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="phone / letter / visit / other",
    )
    contact = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- intakes ----------------------------------------------------------------------------------------------------


class IntakeWriteSerializer(serializers.Serializer):
    transfer = serializers.IntegerField(
        required=False, allow_null=True, help_text="本系统转来的转递 id（有则通知单内容据此填写）"
    )
    sending_unit_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    channel = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="confidential 机要交通 / delivery 派人送达"
    )
    courier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    confidential_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    notice_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    received_on = serializers.DateField(required=False, allow_null=True)
    stated_main = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    stated_duplicate = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    stated_loose = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    received_main = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    received_duplicate = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    received_loose = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    seal_intact = serializers.BooleanField(required=False, default=True)
    has_digital = serializers.BooleanField(required=False)
    quality = serializers.CharField(max_length=8, required=False, allow_blank=True)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    sex = serializers.CharField(max_length=1, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    unit_post = serializers.CharField(max_length=200, required=False, allow_blank=True)
    political_status = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="政治面貌（GB/T 4762 代码）"
    )
    work_start_date = serializers.DateField(required=False, allow_null=True, help_text="参加工作时间")
    party_join_date = serializers.DateField(required=False, allow_null=True, help_text="入党时间")


class IntakeAlterationSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.get_full_name", read_only=True)

    class Meta:
        model = IntakeAlteration
        fields = [
            "id",
            "material",
            "material_label",
            "field_name",
            "before_text",
            "after_text",
            "description",
            "recorded_by",
            "recorded_at",
        ]


class IntakeAlterationInSerializer(serializers.Serializer):
    material = serializers.IntegerField(required=False, allow_null=True, help_text="档案中已登记材料的 id")
    material_label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    field_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    before_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    after_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class IntakeSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    review_status_display = serializers.CharField(source="get_review_status_display", read_only=True)
    holding_unit = serializers.CharField(source="holding_unit.name", read_only=True)
    archive_no = serializers.SerializerMethodField()
    discrepancies = serializers.SerializerMethodField()
    alterations = IntakeAlterationSerializer(many=True, read_only=True)
    record_material = serializers.SerializerMethodField()

    class Meta:
        model = Intake
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "holding_unit",
            "sending_unit_name",
            "channel",
            "courier",
            "confidential_no",
            "notice_number",
            "received_on",
            "stated_main",
            "stated_duplicate",
            "stated_loose",
            "received_main",
            "received_duplicate",
            "received_loose",
            "seal_intact",
            "has_digital",
            "quality",
            "name",
            "sex",
            "birth_date",
            "ethnicity",
            "id_number",
            "unit_post",
            "political_status",
            "work_start_date",
            "party_join_date",
            "transfer",
            "archive",
            "archive_no",
            "discrepancies",
            "accepted_at",
            "return_reasons",
            "returned_at",
            "review_status",
            "review_status_display",
            "review_note",
            "confirmed_at",
            "confirming_organ",
            "confirm_opinion",
            "record_material",
            "alterations",
        ]

    def get_archive_no(self, obj) -> str:
        return obj.archive.archive_no if obj.archive_id else ""

    def get_discrepancies(self, obj) -> list[dict]:
        from borrowing.transfers.intake import discrepancies

        if obj.status != "registered":
            return []
        return [v.as_dict() for v in discrepancies(obj)]

    def get_record_material(self, obj) -> str:
        return obj.record_material.seq_label if obj.record_material_id else ""


class IntakeAcceptSerializer(serializers.Serializer):
    archive_no = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="新建档案的档号"
    )
    cadre_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="干部所在单位 id",
    )
    management_level = serializers.ChoiceField(
        choices=ManagementLevel.choices, required=False, allow_blank=True, default=""
    )
    current_post = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class IntakeNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
