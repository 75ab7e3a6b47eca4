"""Viewing and borrowing (查阅/借阅): the approval form, its approvals, check-outs, returns, copies, overdue notices.

Tables, constraints and choices only. The regulations live in borrowing/rules.py, every state change in
borrowing/services.py. The transfer issue adds its Transfer models to this app too: the models here are named for
access requests and loans.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Unit, UnitKind
from archives.models import Archive, Material, MaterialCategory
from core.choices import PoliticalStatus, Sex


class Purpose(models.TextChoices):
    """查阅事由: the seven purposes of R2018 Art. 31 (docs/domain.md 3.1)."""

    POLITICAL = "political", "政治审查、发展党员、党员教育管理"
    CADRE_WORK = (
        "cadre_work",
        "干部录用、聘用、考核、考察、任免、调配、职级晋升、教育培训、职称评审、表彰奖励、工资待遇、公务员登记备案、退（离）休、社会保险、丧葬",
    )
    TALENT = "talent", "人才引进、培养、评选、推荐"
    INSPECTION = "inspection", "巡视、巡察、选人用人检查、有关组织处理、党纪政务处分、刑事案件查处"
    HISTORY = "history", "经批准的编史修志、撰写大事记、人物传记、举办展览、纪念活动"
    MANAGEMENT = "management", "干部日常管理（了解干部、发现问题、解决问题）"
    OTHER = "other", "其他工作需要"

    @classmethod
    def short_label(cls, value: str) -> str:
        return SHORT_PURPOSE.get(value, "")


SHORT_PURPOSE = {
    Purpose.POLITICAL: "政治审查、党员管理",
    Purpose.CADRE_WORK: "干部人事工作",
    Purpose.TALENT: "人才工作",
    Purpose.INSPECTION: "巡视巡察、审查调查",
    Purpose.HISTORY: "编史修志、人物传记",
    Purpose.MANAGEMENT: "干部日常管理",
    Purpose.OTHER: "其他工作需要",
}


class AccessMode(models.TextChoices):
    ONSITE = "onsite", "现场查阅"
    DIGITAL = "digital", "数字查阅"
    LOAN = "loan", "借阅"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审批"
    FIRST_APPROVED = "first_approved", "待二级审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"
    IN_USE = "in_use", "使用中"
    RETURNED = "returned", "已归还"
    EXPIRED = "expired", "已过期"


# States in which a request waits for a reviewer.
PENDING_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.FIRST_APPROVED)
# States in which the applicant may still withdraw.
WITHDRAWABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.FIRST_APPROVED)
# States of a request whose approval is still running (grant, check-out, loan).
LIVE_STATUSES = (RequestStatus.APPROVED, RequestStatus.IN_USE)
FINAL_STATUSES = (
    RequestStatus.REJECTED,
    RequestStatus.WITHDRAWN,
    RequestStatus.RETURNED,
    RequestStatus.EXPIRED,
)


class AccessRequest(models.Model):
    """查阅（借阅）干部人事档案审批表 (docs/domain.md 3.3)."""

    number = models.CharField("编号", max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT, db_index=True
    )
    mode = models.CharField("查阅方式", max_length=10, choices=AccessMode.choices, default=AccessMode.ONSITE)
    # Requesting unit: a unit of the tree, or an outside unit typed in (name and kind).
    requesting_unit = models.ForeignKey(
        Unit,
        verbose_name="申请单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_requests",
    )
    requesting_unit_name = models.CharField("申请单位名称", max_length=100, blank=True)
    requesting_unit_kind = models.CharField(
        "申请单位类别", max_length=16, choices=UnitKind.choices, blank=True
    )
    unit_opinion = models.TextField("申请单位意见", blank=True)
    unit_signer = models.CharField("单位负责人签字", max_length=50, blank=True)
    unit_signed_on = models.DateField("单位签署日期", null=True, blank=True)
    has_intro_letter = models.BooleanField("有介绍信", default=False)
    purpose = models.CharField("查阅事由类别", max_length=20, blank=True)
    purpose_detail = models.CharField("查阅事由说明", max_length=200, blank=True)
    start_at = models.DateTimeField("查阅（借阅）起始时间", null=True, blank=True)
    end_at = models.DateTimeField("查阅截止（应还）时间", null=True, blank=True, db_index=True)
    copies_requested = models.BooleanField("需要摘录或复制", default=False)
    copy_note = models.CharField("摘录、复制说明", max_length=200, blank=True)
    required_levels = models.PositiveSmallIntegerField("审批级数", default=1)
    warnings = models.JSONField("提醒事项", default=list, blank=True)
    reject_reason = models.CharField("不予批准理由", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填表人", on_delete=models.PROTECT, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("填表时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "查阅（借阅）申请"
        verbose_name_plural = "查阅（借阅）申请"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="accessreq_status_idx"),
            models.Index(fields=["created_by", "status"], name="accessreq_creator_idx"),
            models.Index(fields=["mode", "status", "end_at"], name="accessreq_mode_end_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 {self.pk}"

    @property
    def unit_display(self) -> str:
        return self.requesting_unit.name if self.requesting_unit_id else self.requesting_unit_name

    @property
    def unit_kind(self) -> str:
        return self.requesting_unit.kind if self.requesting_unit_id else self.requesting_unit_kind

    @property
    def unit_kind_label(self) -> str:
        return dict(UnitKind.choices).get(self.unit_kind, "")

    @property
    def purpose_label(self) -> str:
        return dict(Purpose.choices).get(self.purpose, self.purpose or "")

    @property
    def purpose_short(self) -> str:
        return Purpose.short_label(self.purpose) or self.purpose

    @property
    def is_loan(self) -> bool:
        return self.mode == AccessMode.LOAN

    @property
    def window_ended(self) -> bool:
        return bool(self.end_at and timezone.now() >= self.end_at)

    @property
    def effective_status(self) -> str:
        """The status as the clock sees it: expiry never waits for the nightly task.

        A digital viewing whose window has ended is expired; an approved on-site viewing or loan that was never
        checked out is expired once its window ends. Paper that is out stays in use until it is back.
        """
        if (
            self.status in LIVE_STATUSES
            and self.window_ended
            and (self.mode == AccessMode.DIGITAL or self.status == RequestStatus.APPROVED)
        ):
            return RequestStatus.EXPIRED
        return self.status

    @property
    def effective_status_label(self) -> str:
        status = self.effective_status
        if status == RequestStatus.RETURNED and self.mode == AccessMode.DIGITAL:
            return "已结束"
        return RequestStatus(status).label

    @property
    def remaining(self):
        """Time left in the approved window (None outside a live window)."""
        if self.status not in LIVE_STATUSES or not self.end_at:
            return None
        left = self.end_at - timezone.now()
        return left if left.total_seconds() > 0 else None


class AccessRequestViewer(models.Model):
    """A viewer (查阅人) named on the form. A registered user is linked for digital viewing."""

    request = models.ForeignKey(
        AccessRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="viewers"
    )
    seq = models.PositiveSmallIntegerField("序号", default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_requests_as_viewer",
    )
    name = models.CharField("姓名", max_length=50, blank=True)
    unit_name = models.CharField("工作单位", max_length=100, blank=True)
    post = models.CharField("职务", max_length=100, blank=True)
    political_status = models.CharField("政治面貌", max_length=2, choices=PoliticalStatus.choices, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "查阅人"
        verbose_name_plural = "查阅人"
        ordering = ["request", "seq", "id"]

    def __str__(self) -> str:
        return self.name


class AccessRequestSubject(models.Model):
    """A subject cadre's archive on the form, with the approved scope and the materials to copy."""

    request = models.ForeignKey(
        AccessRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="subjects"
    )
    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="access_subjects"
    )
    scope_all = models.BooleanField("查阅全部材料", default=True)
    scope_categories = models.ManyToManyField(
        MaterialCategory, verbose_name="查阅类别", blank=True, related_name="+"
    )
    scope_materials = models.ManyToManyField(Material, verbose_name="查阅材料", blank=True, related_name="+")
    copy_materials = models.ManyToManyField(
        Material, verbose_name="摘录复制材料", blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "查阅对象"
        verbose_name_plural = "查阅对象"
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "archive"], name="accessreq_subject_unique")
        ]

    def __str__(self) -> str:
        return str(self.archive)


class Decision(models.TextChoices):
    APPROVE = "approve", "同意"
    REJECT = "reject", "不同意"


class Approval(models.Model):
    """One signature on the form: level 1 (and level 2 for borrowing), with the reviewer's opinion."""

    request = models.ForeignKey(
        AccessRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="approvals"
    )
    level = models.PositiveSmallIntegerField("审批级次")
    decision = models.CharField("审批结论", max_length=8, choices=Decision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField("审批人姓名", max_length=50)
    reviewer_post = models.CharField("审批人职务", max_length=100, blank=True)
    reviewer_unit = models.CharField("审批人单位", max_length=100, blank=True)
    opinion = models.CharField("审批意见", max_length=300, blank=True)
    decided_at = models.DateTimeField("审批时间", default=timezone.now)

    class Meta:
        verbose_name = "审批记录"
        verbose_name_plural = "审批记录"
        ordering = ["request", "level", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "level"], name="accessreq_one_decision_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.level}级 {self.get_decision_display()}"


class CheckoutKind(models.TextChoices):
    READING_ROOM = "reading_room", "现场查阅"
    LOAN = "loan", "借出"


class CheckoutStatus(models.TextChoices):
    OUT = "out", "未归还"
    RETURNED = "returned", "已归还"
    ANOMALY = "anomaly", "归还异常"


class Checkout(models.Model):
    """The paper archive leaving the store: to the reading room (on-site viewing) or out on loan."""

    request = models.ForeignKey(
        AccessRequest, verbose_name="申请", on_delete=models.PROTECT, related_name="checkouts"
    )
    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="checkouts"
    )
    kind = models.CharField("出库类别", max_length=16, choices=CheckoutKind.choices)
    status = models.CharField(
        "状态", max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OUT, db_index=True
    )
    out_at = models.DateTimeField("出库时间", default=timezone.now)
    out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出库经办人", on_delete=models.PROTECT, related_name="+"
    )
    out_signatures = models.JSONField("领取人签名", default=list)
    due_at = models.DateTimeField("应还时间", db_index=True)
    material_count = models.PositiveIntegerField("出库材料份数", default=0)
    page_count = models.PositiveIntegerField("出库材料页数", default=0)
    returned_at = models.DateTimeField("归还时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="归还经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    in_signatures = models.JSONField("归还人签名", default=list, blank=True)

    class Meta:
        verbose_name = "档案出库登记"
        verbose_name_plural = "档案出库登记"
        ordering = ["-out_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="checkout_status_due_idx")]
        constraints = [
            # One archive is out at most once at a time.
            models.UniqueConstraint(
                fields=["archive"],
                condition=~models.Q(status="returned"),
                name="checkout_one_open_per_archive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.archive} {self.get_kind_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.status == CheckoutStatus.OUT and timezone.now() > self.due_at

    @property
    def days_overdue(self) -> int:
        if self.status != CheckoutStatus.OUT:
            return 0
        local_now = timezone.localdate()
        due = timezone.localtime(self.due_at).date()
        return max(0, (local_now - due).days)


class ReturnCheck(models.Model):
    """One item-by-item check of a returned archive against its directory (当面核对)."""

    checkout = models.ForeignKey(
        Checkout, verbose_name="出库登记", on_delete=models.PROTECT, related_name="checks"
    )
    checked_at = models.DateTimeField("核对时间", default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核对人", on_delete=models.PROTECT, related_name="+"
    )
    returned_by_names = models.JSONField("归还人签名", default=list)
    matched = models.BooleanField("核对一致")
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = "归还核对"
        verbose_name_plural = "归还核对"
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.checkout} {'一致' if self.matched else '不一致'}"


class ReturnCheckItem(models.Model):
    return_check = models.ForeignKey(
        ReturnCheck, verbose_name="核对", on_delete=models.CASCADE, related_name="items"
    )
    material = models.ForeignKey(Material, verbose_name="材料", on_delete=models.PROTECT, related_name="+")
    seq_label = models.CharField("序号", max_length=20, blank=True)
    title = models.CharField("材料名称", max_length=200)
    expected_pages = models.PositiveIntegerField("目录页数")
    present = models.BooleanField("已归还")
    returned_pages = models.PositiveIntegerField("清点页数", null=True, blank=True)
    matched = models.BooleanField("一致")

    class Meta:
        verbose_name = "归还核对明细"
        verbose_name_plural = "归还核对明细"
        ordering = ["return_check", "id"]

    def __str__(self) -> str:
        return f"{self.seq_label} {self.title}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "待处理"
    RESOLVED = "resolved", "已处理"


class ReturnIncident(models.Model):
    """归还异常: a return whose materials or page counts do not match the directory."""

    checkout = models.ForeignKey(
        Checkout, verbose_name="出库登记", on_delete=models.PROTECT, related_name="incidents"
    )
    archive = models.ForeignKey(Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="+")
    return_check = models.ForeignKey(
        ReturnCheck, verbose_name="发现异常的核对", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN, db_index=True
    )
    summary = models.CharField("异常情况", max_length=500)
    opened_at = models.DateTimeField("发现时间", default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发现人", on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.CharField("处理结果", max_length=500, blank=True)

    class Meta:
        verbose_name = "归还异常"
        verbose_name_plural = "归还异常"
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.archive} {self.summary[:30]}"


class CopyKind(models.TextChoices):
    COPY = "copy", "复制"
    EXTRACT = "extract", "摘录"


class CopyRecord(models.Model):
    """摘录、复制登记: each copy made by the archive office for an approved request (requirement 8)."""

    request = models.ForeignKey(
        AccessRequest, verbose_name="申请", on_delete=models.PROTECT, related_name="copies"
    )
    material = models.ForeignKey(Material, verbose_name="材料", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=8, choices=CopyKind.choices, default=CopyKind.COPY)
    pages = models.CharField("页码", max_length=100)
    page_count = models.PositiveIntegerField("页数")
    recipient = models.CharField("领取人", max_length=50)
    note = models.CharField("备注", max_length=200, blank=True)
    made_at = models.DateTimeField("复制时间", default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "摘录复制登记"
        verbose_name_plural = "摘录复制登记"
        ordering = ["request", "made_at", "id"]

    def __str__(self) -> str:
        return f"{self.material} 第{self.pages}页"


class NoticeStage(models.TextChoices):
    DUE = "due", "到期提醒"
    AGAIN = "again", "逾期再次提醒"
    ESCALATED = "escalated", "逾期报告审批人"


class OverdueNotice(models.Model):
    """A reminder or escalation for a checkout that is due or overdue (written once per stage)."""

    checkout = models.ForeignKey(
        Checkout, verbose_name="出库登记", on_delete=models.CASCADE, related_name="notices"
    )
    stage = models.CharField("阶段", max_length=10, choices=NoticeStage.choices)
    created_at = models.DateTimeField("提醒时间", default=timezone.now)
    days_overdue = models.IntegerField("逾期天数", default=0)
    message = models.CharField("提醒内容", max_length=300)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="提醒对象", blank=True, related_name="overdue_notices"
    )

    class Meta:
        verbose_name = "逾期提醒"
        verbose_name_plural = "逾期提醒"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "stage"], name="overdue_notice_once_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.checkout} {self.get_stage_display()}"


# --- Transfer (转递) of whole archives to another unit, and intake (接收) of archives sent to us (issue 6).
# Rules in borrowing/rules_transfer.py, state changes in borrowing/transfers/services.py and intake.py.


class TransferStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审批"
    APPROVED = "approved", "已批准待转出"
    SENT = "sent", "已转出待回执"
    RECEIVED = "received", "已收回执"
    RETURNED = "returned", "被退回"
    CANCELLED = "cancelled", "已撤销"


# A transfer in one of these states holds its archive: no second transfer of the same archive may open.
OPEN_TRANSFER_STATUSES = (
    TransferStatus.DRAFT,
    TransferStatus.SUBMITTED,
    TransferStatus.APPROVED,
    TransferStatus.SENT,
)


class TransferBasis(models.TextChoices):
    """转递依据: the formal document that makes the transfer necessary (docs/domain.md 4.1)."""

    TRANSFER_NOTICE = "transfer_notice", "调动（调配）通知"
    APPOINTMENT = "appointment", "任免通知（文件）"
    AUTHORITY_CHANGE = "authority_change", "干部管理权限变更通知"


class TransferChannel(models.TextChoices):
    """转递方式: only the confidential courier or collection by named staff; never post, never the cadre."""

    CONFIDENTIAL = "confidential", "机要交通"
    COLLECTION = "collection", "专人送取"


class Transfer(models.Model):
    """干部人事档案转递: one cadre's whole archive sent to another unit, with its three-part notice."""

    number = models.CharField("登记号", max_length=20, unique=True, null=True, blank=True)
    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="transfers"
    )
    from_unit = models.ForeignKey(
        Unit, verbose_name="转出单位", on_delete=models.PROTECT, related_name="transfers_out"
    )
    status = models.CharField(
        "状态", max_length=12, choices=TransferStatus.choices, default=TransferStatus.DRAFT, db_index=True
    )
    # Basis (转递依据).
    basis_kind = models.CharField("依据文件类别", max_length=20, choices=TransferBasis.choices, blank=True)
    basis_doc_no = models.CharField("依据文件文号", max_length=60, blank=True)
    basis_issuer = models.CharField("发文机关", max_length=100, blank=True)
    basis_date = models.DateField("依据文件日期", null=True, blank=True)
    reason = models.CharField("转递原因", max_length=100, blank=True)
    # Receiving unit: a unit of the system (then its intake links back), or an outside unit by name.
    to_unit = models.ForeignKey(
        Unit,
        verbose_name="接收单位（本系统）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_unit_name = models.CharField("接收单位", max_length=100, blank=True)
    to_phone = models.CharField("接收单位电话", max_length=30, blank=True)
    # Channel and what moves: the whole archive.
    channel = models.CharField("转递方式", max_length=12, choices=TransferChannel.choices, blank=True)
    tracking_no = models.CharField("机要号", max_length=40, blank=True)
    collectors = models.JSONField("取档人员", default=list, blank=True)
    main_volumes = models.PositiveSmallIntegerField("正本（卷）", default=1)
    duplicate_volumes = models.PositiveSmallIntegerField("副本（卷）", default=0)
    loose_items = models.PositiveSmallIntegerField("材料（份）", default=0)
    has_digital = models.BooleanField("随转数字档案", default=False)
    # What the register keeps about the cadre even after the archive has left.
    archive_no = models.CharField("档号", max_length=40)
    cadre_name = models.CharField("姓名", max_length=50)
    cadre_id_number = models.CharField("身份证号", max_length=18, blank=True)
    cadre_unit_post = models.CharField("单位及职务", max_length=200, blank=True)
    # The notice (转递通知单) and its number "{prefix}字第N号".
    notice_prefix = models.CharField("通知单字号", max_length=20, blank=True)
    notice_seq = models.PositiveIntegerField("通知单编号", null=True, blank=True)
    notice_at = models.DateTimeField("通知单开具时间", null=True, blank=True)
    # Approval.
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    approval_opinion = models.CharField("审批意见", max_length=300, blank=True)
    reject_reason = models.CharField("退回修改意见", max_length=300, blank=True)
    # Sending.
    sent_on = models.DateField("转出日期", null=True, blank=True)
    sent_at = models.DateTimeField("转出登记时间", null=True, blank=True, db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_overdue_at = models.DateTimeField("回执逾期登记时间", null=True, blank=True)
    # Receipt (回执) or return by the receiver.
    receipt_recipient = models.CharField("回执签收人", max_length=50, blank=True)
    receipt_on = models.DateField("回执签收日期", null=True, blank=True)
    receipt_scan = models.FileField("回执扫描件", max_length=255, blank=True)
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回执登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_recorded_at = models.DateTimeField("回执登记时间", null=True, blank=True)
    return_reasons = models.TextField("退回原因", blank=True)
    returned_on = models.DateField("退回日期", null=True, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("填写时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "档案转递"
        verbose_name_plural = "档案转递"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["from_unit", "status"], name="transfer_unit_status_idx"),
            models.Index(fields=["status", "sent_on"], name="transfer_status_sent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notice_prefix", "notice_seq"],
                condition=models.Q(notice_seq__isnull=False),
                name="transfer_notice_number_unique",
            ),
            # A whole archive moves once at a time: one open transfer per archive.
            models.UniqueConstraint(
                fields=["archive"],
                condition=models.Q(status__in=["draft", "submitted", "approved", "sent"]),
                name="transfer_one_open_per_archive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_number or self.number or '转递'} {self.cadre_name}"

    @property
    def notice_number(self) -> str:
        """'青组档字第12号' once the notice has been generated, else ''."""
        if self.notice_seq is None:
            return ""
        return f"{self.notice_prefix}字第{self.notice_seq}号"

    @property
    def to_display(self) -> str:
        return self.to_unit.name if self.to_unit_id else self.to_unit_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRANSFER_STATUSES


class ChaseMethod(models.TextChoices):
    PHONE = "phone", "电话"
    LETTER = "letter", "函件"
    VISIT = "visit", "当面"
    OTHER = "other", "其他"


class TransferChase(models.Model):
    """催问: a chase of a receipt that has not come back in time (docs/domain.md 4.4)."""

    transfer = models.ForeignKey(
        Transfer, verbose_name="转递", on_delete=models.PROTECT, related_name="chases"
    )
    chased_on = models.DateField("催问日期")
    method = models.CharField("催问方式", max_length=10, choices=ChaseMethod.choices)
    contact = models.CharField("对方联系人", max_length=50, blank=True)
    note = models.CharField("催问情况", max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="催问人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "回执催问"
        verbose_name_plural = "回执催问"
        ordering = ["transfer", "-chased_on", "-id"]

    def __str__(self) -> str:
        return f"{self.transfer} {self.chased_on} {self.get_method_display()}"


class IntakeStatus(models.TextChoices):
    REGISTERED = "registered", "待验收"
    ACCEPTED = "accepted", "已接收"
    RETURNED = "returned", "已退回"


class IntakeChannel(models.TextChoices):
    CONFIDENTIAL = "confidential", "机要交通"
    DELIVERY = "delivery", "派人送达"


class IntakeQuality(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class IntakeReviewStatus(models.TextChoices):
    """The intake review (接收审核) of an accepted archive: alterations recorded, confirmed, filed."""

    PENDING = "pending", "待审核"
    AWAITING = "awaiting", "待组织确认"
    CONFIRMED = "confirmed", "已确认待归档"
    FILED = "filed", "涂改登记表已归档"
    CLEAN = "clean", "未发现涂改"


class Intake(models.Model):
    """档案接收: an archive sent to us, checked against its notice before it joins the holdings."""

    number = models.CharField("登记号", max_length=20, unique=True, null=True, blank=True)
    holding_unit = models.ForeignKey(
        Unit, verbose_name="接收单位", on_delete=models.PROTECT, related_name="archive_intakes"
    )
    status = models.CharField(
        "状态", max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.REGISTERED, db_index=True
    )
    # Who sent it, how, when.
    sending_unit_name = models.CharField("来件单位", max_length=100)
    channel = models.CharField("来件方式", max_length=12, choices=IntakeChannel.choices)
    courier = models.CharField("来件人员", max_length=100, blank=True)
    confidential_no = models.CharField("机要号", max_length=40, blank=True)
    notice_number = models.CharField("转递通知单字号", max_length=40, blank=True)
    received_on = models.DateField("收件日期")
    # Counts stated on the notice and counts received.
    stated_main = models.PositiveSmallIntegerField("通知单正本（卷）")
    stated_duplicate = models.PositiveSmallIntegerField("通知单副本（卷）", default=0)
    stated_loose = models.PositiveSmallIntegerField("通知单材料（份）", default=0)
    received_main = models.PositiveSmallIntegerField("实收正本（卷）")
    received_duplicate = models.PositiveSmallIntegerField("实收副本（卷）", default=0)
    received_loose = models.PositiveSmallIntegerField("实收材料（份）", default=0)
    seal_intact = models.BooleanField("封口完好", default=True)
    has_digital = models.BooleanField("随转数字档案", default=False)
    quality = models.CharField("案卷质量", max_length=8, choices=IntakeQuality.choices, blank=True)
    # The person.
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    unit_post = models.CharField("现工作单位及职务", max_length=200, blank=True)
    political_status = models.CharField("政治面貌", max_length=2, choices=PoliticalStatus.choices, blank=True)
    work_start_date = models.DateField("参加工作时间", null=True, blank=True)
    party_join_date = models.DateField("入党时间", null=True, blank=True)
    # Links: the archive in our holdings once accepted; the transfer when the sender works in this system too.
    archive = models.ForeignKey(
        Archive, verbose_name="档案", null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    transfer = models.ForeignKey(
        Transfer,
        verbose_name="本系统转递",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intakes",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField("接收时间", null=True, blank=True)
    return_reasons = models.TextField("退回原因", blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="退回经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    # The intake review (接收审核).
    review_status = models.CharField(
        "接收审核", max_length=10, choices=IntakeReviewStatus.choices, blank=True
    )
    review_note = models.CharField("审核说明", max_length=300, blank=True)
    review_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_submitted_at = models.DateTimeField("提交确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("组织确认时间", null=True, blank=True)
    confirming_organ = models.CharField("确认机关", max_length=100, blank=True)
    confirm_opinion = models.CharField("确认意见", max_length=300, blank=True)
    record_material = models.ForeignKey(
        Material,
        verbose_name="涂改情况登记表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "档案接收"
        verbose_name_plural = "档案接收"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["holding_unit", "status"], name="intake_unit_status_idx")]

    def __str__(self) -> str:
        return f"{self.number or '接收'} {self.name}"

    @property
    def stated_counts(self) -> tuple[int, int, int]:
        return (self.stated_main, self.stated_duplicate, self.stated_loose)

    @property
    def received_counts(self) -> tuple[int, int, int]:
        return (self.received_main, self.received_duplicate, self.received_loose)


class IntakeAlteration(models.Model):
    """One alteration (涂改) found in the intake review: which material, which field, what was changed."""

    intake = models.ForeignKey(
        Intake, verbose_name="档案接收", on_delete=models.CASCADE, related_name="alterations"
    )
    material = models.ForeignKey(
        Material,
        verbose_name="材料（已登记的）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    material_label = models.CharField("材料（序号、名称）", max_length=200)
    field_name = models.CharField("涂改项目", max_length=50)
    before_text = models.CharField("涂改前内容", max_length=200, blank=True)
    after_text = models.CharField("涂改后内容", max_length=200, blank=True)
    description = models.CharField("涂改情况", max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "涂改情况"
        verbose_name_plural = "涂改情况"
        ordering = ["intake", "id"]

    def __str__(self) -> str:
        return f"{self.material_label} {self.field_name}"
