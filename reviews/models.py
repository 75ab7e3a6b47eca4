"""Pre-appointment review (任前审核): the case with the four checks of 凡提四必 and its red flags.

Tables, constraints and choices only: the regulations are in reviews/rules.py, every state change in
reviews/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Unit
from archives.models import Archive, Cadre, Determination, Material


class CaseStatus(models.TextChoices):
    OPEN = "open", "审核中"
    READY = "ready", "可提交部务会"
    CLOSED = "closed", "已办结"


class ArchiveReviewResult(models.TextChoices):
    PASS = "pass", "通过"
    FAIL = "fail", "不通过"
    POSTPONE = "postpone", "暂缓"


class PersonalMattersResult(models.TextChoices):
    CONSISTENT = "consistent", "经核实，报告如实"
    ISSUES = "issues", "经核实，存在漏报、瞒报等问题"


class ComplaintsResult(models.TextChoices):
    NONE = "none", "无线索具体的信访举报"
    CHECKED = "checked", "已查核"


class CloseOutcome(models.TextChoices):
    SUBMITTED = "submitted", "已提交部务会"
    NOT_PROPOSED = "not_proposed", "不予提交"
    WITHDRAWN = "withdrawn", "动议撤销"


class ReviewCase(models.Model):
    """One candidate proposed for a post: 干部任前审核事项."""

    cadre = models.ForeignKey(
        Cadre, verbose_name="干部", on_delete=models.PROTECT, related_name="review_cases"
    )
    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="review_cases"
    )
    proposed_post = models.CharField("拟任职务", max_length=200)
    post_to_remove = models.CharField("拟免职务", max_length=200, blank=True)
    requesting_unit = models.ForeignKey(
        Unit, verbose_name="提名（呈报）单位", on_delete=models.PROTECT, related_name="review_cases"
    )
    reason = models.TextField("任免理由", blank=True)
    reference_date = models.DateField("计算年龄时间")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        related_name="review_cases",
    )
    status = models.CharField(
        "状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )

    # 1. 干部档案凡提必审
    archive_review_result = models.CharField(
        "档案审核结论", max_length=10, choices=ArchiveReviewResult.choices, blank=True
    )
    archive_review_remarks = models.TextField("档案审核意见", blank=True)
    archive_review_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="档案审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    archive_review_at = models.DateTimeField("档案审核时间", null=True, blank=True)
    # 2. 个人有关事项报告凡提必核
    personal_matters_result = models.CharField(
        "个人有关事项核查结果", max_length=12, choices=PersonalMattersResult.choices, blank=True
    )
    personal_matters_note = models.TextField("个人有关事项核查说明", blank=True)
    personal_matters_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    personal_matters_at = models.DateTimeField("核查登记时间", null=True, blank=True)
    # 3. 纪检监察机关意见凡提必听
    discipline_opinion = models.TextField("纪检监察机关意见", blank=True)
    discipline_received_on = models.DateField("意见回复日期", null=True, blank=True)
    discipline_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="意见登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    discipline_at = models.DateTimeField("意见登记时间", null=True, blank=True)
    # 4. 线索具体的信访举报凡提必查
    complaints_result = models.CharField(
        "信访举报查核情况", max_length=10, choices=ComplaintsResult.choices, blank=True
    )
    complaints_note = models.TextField("信访举报查核说明", blank=True)
    complaints_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="查核登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    complaints_at = models.DateTimeField("查核登记时间", null=True, blank=True)

    checks_run_at = models.DateTimeField("最近一次档案检查时间", null=True, blank=True)
    ready_at = models.DateTimeField("确认可提交部务会时间", null=True, blank=True)
    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_outcome = models.CharField("办结情况", max_length=14, choices=CloseOutcome.choices, blank=True)
    close_note = models.CharField("办结说明", max_length=300, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The time-boxed content grant (archives.grants) that lets the reviewer open the candidate's materials.
    grant_id = models.BigIntegerField("阅档授权", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "任前审核事项"
        verbose_name_plural = "任前审核事项"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="review_case_reviewer_idx"),
            models.Index(fields=["archive", "status"], name="review_case_archive_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.name} 拟任{self.proposed_post}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def personal_matters_recorded(self) -> bool:
        return bool(self.personal_matters_result)

    @property
    def discipline_recorded(self) -> bool:
        return bool(self.discipline_received_on and self.discipline_opinion.strip())

    @property
    def complaints_recorded(self) -> bool:
        return bool(self.complaints_result)


class FlagStatus(models.TextChoices):
    OPEN = "open", "待核查"
    RESOLVED = "resolved", "已核查处理"
    CLEARED = "cleared", "已消除"


class ResolutionKind(models.TextChoices):
    NOTE = "note", "核查说明"
    DETERMINATION = "determination", "认定"


class ReviewFlag(models.Model):
    """A red flag found in the candidate's archive (requirements 37-41, 47, 54 and the completeness vetoes)."""

    case = models.ForeignKey(
        ReviewCase, verbose_name="审核事项", on_delete=models.CASCADE, related_name="flags"
    )
    code = models.CharField("问题代码", max_length=40, db_index=True)
    key = models.CharField("问题标识", max_length=120)
    message = models.TextField("问题说明")
    severity = models.CharField("级别", max_length=10, default="error")
    subject = models.CharField("可认定事项", max_length=20, blank=True)
    materials = models.ManyToManyField(
        Material, verbose_name="相关材料", blank=True, related_name="review_flags"
    )
    status = models.CharField(
        "状态", max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True
    )
    detected_at = models.DateTimeField("发现时间", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近检出时间")
    resolution_kind = models.CharField("处理方式", max_length=14, choices=ResolutionKind.choices, blank=True)
    resolution_note = models.TextField("核查处理情况", blank=True)
    determination = models.ForeignKey(
        Determination,
        verbose_name="认定",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_flags",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "档案问题（红旗）"
        verbose_name_plural = "档案问题（红旗）"
        ordering = ["case", "status", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="review_flag_case_key")]

    def __str__(self) -> str:
        return f"{self.code} {self.message[:40]}"


# --- Grading new cadre archives (新任干部档案评分, docs/domain.md 1.3 and 4.7; issue 6). The sheet is data the
# system admin keeps in the admin; each grading copies the sheet as it stands, so later edits never change a
# graded archive. Rules in reviews/grading.py, state changes in reviews/grading_services.py.


class GradingItem(models.Model):
    """One row of the 100-point sheet: the standard, how deductions are made, and its weight (分值)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    number = models.PositiveSmallIntegerField("序号")
    standard = models.TextField("评分标准")
    method = models.CharField("扣分方法", max_length=300)
    weight = models.DecimalField("分值", max_digits=4, decimal_places=1)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "档案评分标准"
        verbose_name_plural = "档案评分标准"
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"{self.number}. {self.standard[:30]}（{self.weight}分）"


class GradingVetoItem(models.Model):
    """A veto item (单项否决): any one found makes the archive 不合格 whatever its score."""

    code = models.SlugField("代码", max_length=40, unique=True)
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("否决事项", max_length=200)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "档案评分单项否决事项"
        verbose_name_plural = "档案评分单项否决事项"
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return self.name


class GradingStatus(models.TextChoices):
    DRAFT = "draft", "初审中"
    CHECKING = "checking", "待复核"
    SECOND = "second", "待复审"
    FINAL = "final", "已定级"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    UNQUALIFIED = "unqualified", "不合格"


class ArchiveGrading(models.Model):
    """新任干部档案审核验收评分表: one new cadre's archive scored out of 100 with three signatures."""

    number = models.CharField("编号", max_length=20, unique=True, null=True, blank=True)
    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="gradings"
    )
    submitting_unit = models.ForeignKey(
        Unit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="archive_gradings"
    )
    post = models.CharField("新任职务", max_length=200)
    appointed_on = models.DateField("任职时间")
    submitted_on = models.DateField("报送时间")
    year = models.PositiveSmallIntegerField("评分年度", db_index=True)
    is_late = models.BooleanField("逾期报送", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=GradingStatus.choices, default=GradingStatus.DRAFT, db_index=True
    )
    score = models.DecimalField("得分", max_digits=4, decimal_places=1, null=True, blank=True)
    grade = models.CharField("等次", max_length=12, choices=Grade.choices, blank=True)
    pass_threshold = models.DecimalField("合格线", max_digits=4, decimal_places=1, null=True, blank=True)
    excellent_threshold = models.DecimalField("优秀线", max_digits=4, decimal_places=1, null=True, blank=True)
    initial_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="初审人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    initial_at = models.DateTimeField("初审时间", null=True, blank=True)
    check_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    check_at = models.DateTimeField("复核时间", null=True, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复审人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_at = models.DateTimeField("复审时间", null=True, blank=True)
    sent_back_reason = models.CharField("退回修改意见", max_length=300, blank=True)
    returned_on = models.DateField("退回报送单位日期", null=True, blank=True)
    return_reason = models.CharField("退回报送单位原因", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "新任干部档案评分"
        verbose_name_plural = "新任干部档案评分"
        ordering = ["-year", "-submitted_on", "-id"]
        indexes = [models.Index(fields=["year", "submitting_unit", "status"], name="grading_report_idx")]
        constraints = [
            # One grading in progress per archive; a graded (final) archive may be graded again after its return.
            models.UniqueConstraint(
                fields=["archive"], condition=~models.Q(status="final"), name="grading_one_open_per_archive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number or '评分'} {self.archive_id}"

    @property
    def is_final(self) -> bool:
        return self.status == GradingStatus.FINAL


class GradingLine(models.Model):
    """One item of a grading: the sheet row as it stood when the grading began, the deduction and the problems."""

    grading = models.ForeignKey(
        ArchiveGrading, verbose_name="评分", on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(GradingItem, verbose_name="评分标准", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField("序号")
    standard = models.TextField("评分标准")
    method = models.CharField("扣分方法", max_length=300)
    weight = models.DecimalField("分值", max_digits=4, decimal_places=1)
    deduction = models.DecimalField("扣分", max_digits=4, decimal_places=1, default=0)
    problems = models.TextField("存在问题", blank=True)

    class Meta:
        verbose_name = "评分明细"
        verbose_name_plural = "评分明细"
        ordering = ["grading", "number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grading", "item"], name="grading_line_unique"),
            models.CheckConstraint(
                condition=models.Q(deduction__gte=0) & models.Q(deduction__lte=models.F("weight")),
                name="grading_deduction_within_weight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} -{self.deduction}"


class GradingVetoLine(models.Model):
    grading = models.ForeignKey(
        ArchiveGrading, verbose_name="评分", on_delete=models.CASCADE, related_name="vetoes"
    )
    veto = models.ForeignKey(
        GradingVetoItem, verbose_name="否决事项", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("否决事项", max_length=200)
    found = models.BooleanField("存在", default=False)
    note = models.CharField("情况说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "单项否决核查"
        verbose_name_plural = "单项否决核查"
        ordering = ["grading", "number", "id"]
        constraints = [models.UniqueConstraint(fields=["grading", "veto"], name="grading_veto_unique")]

    def __str__(self) -> str:
        return f"{self.name} {'是' if self.found else '否'}"
