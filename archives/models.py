"""Cadres, their archives, the ten material categories, materials and scanned pages.

Tables, constraints and choices only: rules live in archives/rules.py, state changes in archives/services.py.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import ManagementLevel, Unit
from core.choices import PoliticalStatus, Sex

CHINESE_NUMERALS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


class CadreStatus(models.TextChoices):
    SERVING = "serving", "在职"
    RETIRED = "retired", "离退休"
    DECEASED = "deceased", "去世"
    TRANSFERRED = "transferred", "调出"


class CadreType(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", "公务员"
    CIVIL_SERVICE_MANAGED = "cs_managed", "参照公务员法管理人员"
    INSTITUTION = "institution", "事业单位人员"
    ENTERPRISE = "enterprise", "国有企业人员"
    OTHER = "other", "其他"


class Cadre(models.Model):
    name = models.CharField("姓名", max_length=50, db_index=True)
    former_names = models.CharField("曾用名", max_length=100, blank=True)
    name_pinyin = models.CharField("姓名全拼", max_length=120, db_index=True, editable=False, default="")
    name_initials = models.CharField("姓名首字母", max_length=30, db_index=True, editable=False, default="")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    native_place = models.CharField("籍贯", max_length=100, blank=True)
    birthplace = models.CharField("出生地", max_length=100, blank=True)
    id_number = models.CharField("身份证号", max_length=18, null=True, blank=True, unique=True)
    id_number_legacy = models.CharField("原15位身份证号", max_length=15, blank=True)
    political_status = models.CharField(
        "政治面貌", max_length=2, choices=PoliticalStatus.choices, default=PoliticalStatus.CPC_MEMBER
    )
    party_join_date = models.DateField("入党时间", null=True, blank=True)
    work_start_date = models.DateField("参加工作时间", null=True, blank=True)
    health = models.CharField("健康状况", max_length=30, blank=True, default="健康")
    # Education: full-time (全日制教育) and in-service (在职教育), as on the appointment form.
    fulltime_education = models.CharField("全日制学历", max_length=30, blank=True)
    fulltime_degree = models.CharField("全日制学位", max_length=30, blank=True)
    fulltime_school = models.CharField("全日制毕业院校系及专业", max_length=150, blank=True)
    inservice_education = models.CharField("在职学历", max_length=30, blank=True)
    inservice_degree = models.CharField("在职学位", max_length=30, blank=True)
    inservice_school = models.CharField("在职毕业院校系及专业", max_length=150, blank=True)
    professional_title = models.CharField("专业技术职务", max_length=60, blank=True)
    specialties = models.CharField("熟悉专业有何专长", max_length=200, blank=True)
    current_post = models.CharField("现任职务", max_length=200, blank=True)
    rank = models.CharField("职级", max_length=40, blank=True)
    management_level = models.CharField(
        "管理层级",
        max_length=16,
        choices=ManagementLevel.choices,
        default=ManagementLevel.OTHER,
        db_index=True,
    )
    cadre_type = models.CharField(
        "人员类别", max_length=16, choices=CadreType.choices, default=CadreType.CIVIL_SERVANT
    )
    unit = models.ForeignKey(Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="cadres")
    status = models.CharField(
        "人员状态", max_length=16, choices=CadreStatus.choices, default=CadreStatus.SERVING
    )
    post_start_date = models.DateField("任现职时间", null=True, blank=True)
    resume = models.TextField("简历", blank=True)
    rewards_punishments = models.TextField("奖惩情况", blank=True)
    appraisal_results = models.TextField("年度考核结果", blank=True)
    photo = models.ImageField("照片", upload_to="photos/", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "干部"
        verbose_name_plural = "干部"
        ordering = ["name_pinyin", "id"]
        indexes = [models.Index(fields=["unit", "status"], name="cadre_unit_status_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from archives.pinyin import name_initials, name_pinyin

        self.name_pinyin = name_pinyin(self.name)
        self.name_initials = name_initials(self.name)
        super().save(*args, **kwargs)

    def age_on(self, day: datetime.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class FamilyMember(models.Model):
    """家庭主要成员及重要社会关系 (A36)."""

    cadre = models.ForeignKey(Cadre, verbose_name="干部", on_delete=models.CASCADE, related_name="family")
    relation = models.CharField("称谓", max_length=20)
    name = models.CharField("姓名", max_length=50)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    political_status = models.CharField("政治面貌", max_length=2, choices=PoliticalStatus.choices, blank=True)
    work_unit_post = models.CharField("工作单位及职务", max_length=200, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    is_social_relation = models.BooleanField("重要社会关系", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "家庭成员及社会关系"
        verbose_name_plural = "家庭成员及社会关系"
        ordering = ["cadre", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.relation} {self.name}"


class PostRank(models.TextChoices):
    """级别 of a post, in ascending order (used for promotions and completeness rules)."""

    CLERK = "10", "科员级"
    DEPUTY_SECTION = "20", "副科级"
    SECTION = "30", "正科级"
    DEPUTY_DIVISION = "40", "副处级"
    DIVISION = "50", "正处级"
    DEPUTY_BUREAU = "60", "副厅级"
    BUREAU = "70", "正厅级"
    DEPUTY_MINISTER = "80", "副部级"
    MINISTER = "90", "正部级"


class CadrePost(models.Model):
    """One period of a cadre's work history (任职经历): the structured counterpart of the résumé."""

    cadre = models.ForeignKey(Cadre, verbose_name="干部", on_delete=models.CASCADE, related_name="posts")
    start_date = models.DateField("任职时间")
    end_date = models.DateField("免职时间", null=True, blank=True)
    title = models.CharField("任职单位及职务", max_length=200)
    rank = models.CharField("级别", max_length=2, choices=PostRank.choices, blank=True)
    is_promotion = models.BooleanField("属于提拔", default=False)
    is_concurrent = models.BooleanField("兼任（其间）", default=False)
    approving_organ = models.CharField("批准机关", max_length=100, blank=True)
    document_no = models.CharField("任职文号", max_length=60, blank=True)
    approved_on = models.DateField("批准时间", null=True, blank=True)
    appointment_material = models.ForeignKey(
        "Material",
        verbose_name="任免审批表",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointed_posts",
    )

    class Meta:
        verbose_name = "任职经历"
        verbose_name_plural = "任职经历"
        ordering = ["cadre", "start_date", "id"]
        indexes = [models.Index(fields=["rank", "start_date"], name="cadre_post_rank_idx")]

    def __str__(self) -> str:
        return f"{self.start_date:%Y.%m} {self.title}"


class EducationLevel(models.TextChoices):
    SECONDARY = "secondary", "中专"
    COLLEGE = "college", "大学专科"
    BACHELOR = "bachelor", "大学本科"
    MASTER = "master", "硕士研究生"
    DOCTOR = "doctor", "博士研究生"
    PARTY_SCHOOL = "party_school", "党校"


class EducationRecord(models.Model):
    """One claimed education (学历学位) with the materials that prove it (requirement 40)."""

    class Mode(models.TextChoices):
        FULL_TIME = "full_time", "全日制教育"
        IN_SERVICE = "in_service", "在职教育"

    cadre = models.ForeignKey(Cadre, verbose_name="干部", on_delete=models.CASCADE, related_name="educations")
    mode = models.CharField("教育类别", max_length=12, choices=Mode.choices, default=Mode.FULL_TIME)
    level = models.CharField("学历层次", max_length=16, choices=EducationLevel.choices)
    degree = models.CharField("学位", max_length=30, blank=True)
    school = models.CharField("毕业院校", max_length=100)
    major = models.CharField("专业", max_length=100, blank=True)
    entry_date = models.DateField("入学时间", null=True, blank=True)
    graduation_date = models.DateField("毕业时间", null=True, blank=True)
    degree_date = models.DateField("学位授予时间", null=True, blank=True)
    is_foreign = models.BooleanField("国（境）外学历学位", default=False)
    materials = models.ManyToManyField(
        "Material", verbose_name="证明材料", blank=True, related_name="educations"
    )

    class Meta:
        verbose_name = "学历学位"
        verbose_name_plural = "学历学位"
        ordering = ["cadre", "graduation_date", "id"]

    def __str__(self) -> str:
        return f"{self.school} {self.get_level_display()}"


class ArchiveStatus(models.TextChoices):
    IN_STORE = "in_store", "在库"
    VIEWING = "viewing", "查阅中"
    ON_LOAN = "on_loan", "借出"
    TRANSFERRING = "transferring", "转递中"
    TRANSFERRED_OUT = "transferred_out", "已转出"
    REVIEW_HOLD = "review_hold", "审核暂存"
    RETURN_ANOMALY = "return_anomaly", "归还异常"


class SortingStatus(models.TextChoices):
    UNSORTED = "unsorted", "未整理"
    SORTING = "sorting", "整理中"
    SORTED = "sorted", "已整理"


class HoldingGroup(models.TextChoices):
    SERVING = "serving", "在职"
    RETIRED = "retired", "离退休"
    DECEASED = "deceased", "去世"


class Archive(models.Model):
    archive_no = models.CharField("档号", max_length=40, unique=True)
    cadre = models.OneToOneField(Cadre, verbose_name="干部", on_delete=models.PROTECT, related_name="archive")
    holding_unit = models.ForeignKey(
        Unit, verbose_name="保管单位", on_delete=models.PROTECT, related_name="held_archives"
    )
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任管档员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="custodied_archives",
    )
    main_volumes = models.PositiveSmallIntegerField("正本卷数", default=1)
    duplicate_volumes = models.PositiveSmallIntegerField("副本卷数", default=0)
    room = models.CharField("库房", max_length=30, blank=True)
    cabinet = models.CharField("柜", max_length=20, blank=True)
    shelf = models.CharField("层", max_length=20, blank=True)
    position = models.CharField("格", max_length=20, blank=True)
    status = models.CharField(
        "档案状态",
        max_length=20,
        choices=ArchiveStatus.choices,
        default=ArchiveStatus.IN_STORE,
        db_index=True,
    )
    sorting_status = models.CharField(
        "整理状态", max_length=16, choices=SortingStatus.choices, default=SortingStatus.UNSORTED
    )
    holding_group = models.CharField(
        "保管类别", max_length=16, choices=HoldingGroup.choices, default=HoldingGroup.SERVING
    )
    has_digital = models.BooleanField("有数字档案", default=False)
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "档案"
        verbose_name_plural = "档案"
        ordering = ["archive_no"]
        indexes = [
            models.Index(fields=["holding_unit", "status"], name="archive_unit_status_idx"),
            models.Index(fields=["holding_unit", "holding_group"], name="archive_unit_group_idx"),
        ]
        permissions = [
            ("view_archive_directory", "查看档案目录"),
            ("view_archive_content", "查阅档案材料内容"),
            ("manage_archive", "管理档案"),
        ]

    def __str__(self) -> str:
        return f"{self.archive_no}（{self.cadre.name}）" if self.cadre_id else self.archive_no

    @property
    def location(self) -> str:
        parts = [
            f"{self.room}" if self.room else "",
            f"{self.cabinet}柜" if self.cabinet else "",
            f"{self.shelf}层" if self.shelf else "",
            f"{self.position}格" if self.position else "",
        ]
        return "".join(parts) or "未登记"

    @property
    def is_read_only(self) -> bool:
        return self.status == ArchiveStatus.TRANSFERRED_OUT


class ArchiveEvent(models.Model):
    """The business history of one archive (建档、状态、位置、归档、借出、转递...), shown on its page."""

    archive = models.ForeignKey(Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    kind = models.CharField("事项", max_length=40)
    description = models.CharField("说明", max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    details = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "档案流水"
        verbose_name_plural = "档案流水"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["archive", "at"], name="archive_event_idx")]

    def __str__(self) -> str:
        return f"{self.archive_id} {self.kind}"


class MaterialCategory(models.Model):
    """The ten categories of R2018 (1..10) and the sub-categories 4-1..4-4 and 9-1..9-4."""

    code = models.CharField("代码", max_length=4, unique=True)  # "1".."10", "41".."44", "91".."94"
    number = models.PositiveSmallIntegerField("类号")
    sub_number = models.PositiveSmallIntegerField("子类号", null=True, blank=True)
    name = models.CharField("类名", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField("排序")

    class Meta:
        verbose_name = "材料类别"
        verbose_name_plural = "材料类别"
        ordering = ["sort_order"]

    def __str__(self) -> str:
        return f"{self.label} {self.name}"

    @property
    def label(self) -> str:
        """'4-1' style code."""
        return f"{self.number}-{self.sub_number}" if self.sub_number else str(self.number)

    @property
    def chinese_label(self) -> str:
        """'四-1' style code used in the paper directory."""
        numeral = CHINESE_NUMERALS[self.number]
        return f"{numeral}-{self.sub_number}" if self.sub_number else numeral

    @property
    def is_leaf(self) -> bool:
        """Materials go into a leaf: categories 4 and 9 only through their sub-categories."""
        return self.sub_number is not None or self.number not in (4, 9)


class MaterialKind(models.Model):
    """材料种类: what a material is (e.g. 年度考核登记表), chosen at intake; completeness rules match on it."""

    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    category = models.ForeignKey(
        MaterialCategory, verbose_name="所属类别", on_delete=models.PROTECT, related_name="kinds"
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "材料种类"
        verbose_name_plural = "材料种类"
        ordering = ["category__sort_order", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class MaterialStatus(models.TextChoices):
    RECEIVED = "received", "已接收"
    IDENTIFIED = "identified", "已鉴别"
    FILED = "filed", "已归档"
    RETURNED = "returned", "退回"
    WITHDRAWN = "withdrawn", "已撤出"
    DESTROYED = "destroyed", "已销毁"


class ReceiptBatch(models.Model):
    """A hand-over of loose materials (零散材料) from a producing unit: the clerk's intake queue."""

    class Status(models.TextChoices):
        OPEN = "open", "鉴别中"
        DONE = "done", "已处理完毕"

    holding_unit = models.ForeignKey(
        Unit, verbose_name="接收单位", on_delete=models.PROTECT, related_name="receipt_batches"
    )
    producing_unit = models.CharField("送交单位", max_length=100)
    delivered_by = models.CharField("送交人", max_length=50, blank=True)
    received_date = models.DateField("接收日期")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "零散材料接收批次"
        verbose_name_plural = "零散材料接收批次"
        ordering = ["-received_date", "-id"]

    def __str__(self) -> str:
        return f"{self.received_date} {self.producing_unit}"


class Material(models.Model):
    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="materials"
    )
    category = models.ForeignKey(
        MaterialCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="materials"
    )
    kind = models.ForeignKey(
        MaterialKind,
        verbose_name="材料种类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
    )
    seq = models.PositiveIntegerField("顺序号", null=True, blank=True)
    title = models.CharField("材料名称", max_length=200)
    # Formation date with its precision: year, year-month or full date (材料形成时间).
    formed_year = models.PositiveSmallIntegerField("形成年")
    formed_month = models.PositiveSmallIntegerField("形成月", null=True, blank=True)
    formed_day = models.PositiveSmallIntegerField("形成日", null=True, blank=True)
    formed_on = models.DateField("形成时间（排序用）", editable=False)
    page_count = models.PositiveIntegerField("页数")
    is_copy = models.BooleanField("复印件", default=False)
    copy_date = models.DateField("复制时间", null=True, blank=True)
    copy_sealed_by = models.CharField("盖章单位", max_length=100, blank=True)
    producing_unit = models.CharField("形成单位", max_length=100, blank=True)
    received_date = models.DateField("接收时间", null=True, blank=True)
    filed_date = models.DateField("归档时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=MaterialStatus.choices, default=MaterialStatus.RECEIVED
    )
    remarks = models.CharField("备注", max_length=200, blank=True)
    batch = models.ForeignKey(
        ReceiptBatch,
        verbose_name="接收批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
    )
    late_handover = models.BooleanField("逾期移交", default=False)
    # Facts the material states, read by the completeness and pre-appointment checks.
    stated_birth_date = models.DateField("材料记载出生日期", null=True, blank=True)
    stated_work_start_date = models.DateField("材料记载参加工作时间", null=True, blank=True)
    stated_party_join_date = models.DateField("材料记载入党时间", null=True, blank=True)
    is_altered = models.BooleanField("有涂改", default=False)
    alteration_note = models.CharField("涂改情况", max_length=300, blank=True)
    # Identification (鉴别), return and withdrawal (撤出).
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="鉴别人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identified_at = models.DateTimeField("鉴别时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    withdrawn_at = models.DateTimeField("撤出时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤出原因", max_length=300, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤出经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤出批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Destruction (销毁) of a material that may not be filed: approved by a 审批人, carried out with two
    # named witnesses (二人监销, requirement 23). The row stays, with its scans: nothing is deleted.
    destroyed_at = models.DateTimeField("销毁登记时间", null=True, blank=True)
    destruction_date = models.DateField("销毁日期", null=True, blank=True)
    destruction_reason = models.CharField("销毁原因", max_length=300, blank=True)
    destruction_witnesses = models.JSONField("监销人", default=list, blank=True)
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销毁经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    destruction_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销毁批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "材料"
        verbose_name_plural = "材料"
        ordering = ["archive", "category__sort_order", "seq", "formed_on", "id"]
        indexes = [
            models.Index(fields=["archive", "category", "seq"], name="material_directory_idx"),
            models.Index(fields=["archive", "status"], name="material_archive_status_idx"),
            # The completeness facts of filed materials (the sweep's per-chunk aggregates, the education links
            # by material id, the one-archive check) read from this index alone (index-only scans): the kind
            # leads, so a chunk reads only the entries of the rules' kinds, not every material of its archives.
            models.Index(
                fields=["kind", "archive", "formed_year", "formed_month", "formed_on", "id"],
                condition=models.Q(status="filed"),
                name="material_filed_facts_idx",
            ),
            models.Index(fields=["status", "received_date"], name="material_pending_idx"),
            models.Index(fields=["kind", "archive"], name="material_kind_idx"),
            models.Index(fields=["batch", "status"], name="material_batch_idx"),
        ]
        constraints = [
            # One sequence number per archive and leaf category (NULL while unnumbered). Renumbering goes
            # through a temporary offset so that the constraint holds after every statement.
            models.UniqueConstraint(fields=["archive", "category", "seq"], name="material_seq_unique"),
            # A destroyed material always names its approver, the date and the reason (the service also checks
            # the two witnesses, requirement 23); a row written around the service cannot lose them.
            models.CheckConstraint(
                condition=~models.Q(status="destroyed")
                | (
                    models.Q(destruction_approver__isnull=False, destruction_date__isnull=False)
                    & ~models.Q(destruction_reason="")
                ),
                name="material_destruction_authorised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq_label or '未编号'} {self.title}"

    def save(self, *args, **kwargs):
        self.formed_on = datetime.date(self.formed_year, self.formed_month or 1, self.formed_day or 1)
        super().save(*args, **kwargs)

    @property
    def seq_label(self) -> str:
        """'3-5' or '9-2-3'; empty while unnumbered."""
        if self.seq is None:
            return ""
        return f"{self.category.label}-{self.seq}"

    @property
    def formed_display(self) -> str:
        text = f"{self.formed_year}"
        if self.formed_month:
            text += f".{self.formed_month:02d}"
            if self.formed_day:
                text += f".{self.formed_day:02d}"
        return text

    @property
    def is_in_directory(self) -> bool:
        return self.status == MaterialStatus.FILED

    @property
    def witnesses_display(self) -> str:
        """The 监销人 names as one line: 张三、李四."""
        return "、".join(str(name) for name in self.destruction_witnesses or [])


class MaterialVersion(models.Model):
    """Earlier values of a filed material's metadata, kept visible (requirement 24)."""

    material = models.ForeignKey(
        Material, verbose_name="材料", on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField("版本")
    changed_at = models.DateTimeField("修改时间", auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField("修改内容")  # {field: [old, new]}
    reason = models.CharField("修改原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "材料修改记录"
        verbose_name_plural = "材料修改记录"
        ordering = ["material", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["material", "version"], name="material_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.material_id} v{self.version}"


class Renumbering(models.Model):
    """One renumbering of a category in an archive (requirement 18): which material moved from which number."""

    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="renumberings"
    )
    category = models.ForeignKey(
        MaterialCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=100)
    changes = models.JSONField("编号变化")  # [[material_id, old_seq, new_seq], ...]

    class Meta:
        verbose_name = "重新编号记录"
        verbose_name_plural = "重新编号记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.archive_id} {self.category_id} {self.at:%Y-%m-%d}"


def page_upload_key(instance: Page, filename: str) -> str:
    return instance.storage_key(filename.rsplit(".", 1)[-1])


class Page(models.Model):
    """One scanned page of a material. Files are private: served only through the watermarking view."""

    class RenditionStatus(models.TextChoices):
        PENDING = "pending", "待生成"
        READY = "ready", "已生成"
        FAILED = "failed", "生成失败"

    material = models.ForeignKey(
        Material, verbose_name="材料", on_delete=models.PROTECT, related_name="pages"
    )
    number = models.PositiveIntegerField("页码")
    image = models.FileField("原始图像", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    width = models.PositiveIntegerField("宽（像素）")
    height = models.PositiveIntegerField("高（像素）")
    dpi = models.PositiveIntegerField("分辨率（dpi）")
    color_mode = models.CharField("色彩模式", max_length=10)
    image_format = models.CharField("格式", max_length=10)
    size_bytes = models.PositiveIntegerField("文件大小")
    display = models.FileField("显示图像", max_length=255, blank=True)
    thumbnail = models.FileField("缩略图", max_length=255, blank=True)
    rendition_status = models.CharField(
        "显示图像状态", max_length=10, choices=RenditionStatus.choices, default=RenditionStatus.PENDING
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "扫描页"
        verbose_name_plural = "扫描页"
        ordering = ["material", "number"]
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="page_number_unique")]

    def __str__(self) -> str:
        return f"{self.material_id} 第{self.number}页"

    def storage_key(self, ext: str, variant: str = "") -> str:
        """Deterministic key: {archive_no}/{category}/m{material_id}/{page:03d}[.variant].{ext}.

        The material id (not its sequence number) names the folder so that renumbering never breaks the link
        between a directory row and its images (requirement 50).
        """
        material = self.material
        suffix = f".{variant}" if variant else ""
        return f"{material.archive.archive_no}/{material.category.code}/m{material.pk}/{self.number:03d}{suffix}.{ext.lower()}"


# --- Per-archive object permissions: django-guardian with direct foreign keys (architecture.md section 3).


class ArchiveUserObjectPermission(UserObjectPermissionBase):
    """A grant of a permission on one archive to one user, optionally time-boxed and limited in scope.

    Standing exceptions have no valid_until. Grants from an approved access request carry the window and the
    approved categories or materials; the access policy compares with the clock on every request.
    """

    content_object = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="user_grants")
    valid_from = models.DateTimeField("生效时间", null=True, blank=True)
    valid_until = models.DateTimeField("失效时间", null=True, blank=True, db_index=True)
    scope_all = models.BooleanField("全部材料", default=True)
    scope_categories = models.ManyToManyField(
        MaterialCategory, verbose_name="授权类别", blank=True, related_name="+"
    )
    scope_materials = models.ManyToManyField(Material, verbose_name="授权材料", blank=True, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("授权依据", max_length=200, blank=True)
    access_request_id = models.BigIntegerField("查借阅申请", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "档案用户授权"
        verbose_name_plural = "档案用户授权"
        # Several grants may coexist for one user and archive (two approved requests, different windows).
        unique_together = ()
        indexes = [
            models.Index(fields=["user", "permission", "content_object"], name="archive_user_perm_idx")
        ]


class ArchiveGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="group_grants")
    valid_from = models.DateTimeField("生效时间", null=True, blank=True)
    valid_until = models.DateTimeField("失效时间", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("授权依据", max_length=200, blank=True)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "档案角色授权"
        verbose_name_plural = "档案角色授权"


# --- Determinations (认定) of 三龄两历一身份 (requirement 42; services in archives/determinations.py).


class DeterminationSubject(models.TextChoices):
    BIRTH_DATE = "birth_date", "出生日期"
    PARTY_JOIN_DATE = "party_join_date", "入党时间"
    WORK_START_DATE = "work_start_date", "参加工作时间"
    EDUCATION = "education", "学历学位"
    WORK_HISTORY = "work_history", "工作经历"
    CADRE_STATUS = "cadre_status", "干部身份"


class DeterminationStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class DeterminationImmutable(Exception):
    """An approved determination is never changed or deleted: a change is a new determination."""

    code = "DETERMINATION_IMMUTABLE"
    message = "已批准的认定不可修改或删除；如需变更，请提出新的认定。"


class DeterminationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(status=DeterminationStatus.APPROVED).exists():
            raise DeterminationImmutable(DeterminationImmutable.message)
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=DeterminationStatus.APPROVED).exists():
            raise DeterminationImmutable(DeterminationImmutable.message)
        return super().delete()


class Determination(models.Model):
    """One determination (认定) of a birth date, Party joining date, work start date, education, work history or
    cadre status, with its basis materials, determining organ, approver and date.

    Approved rows are immutable (ORM guard here; a PostgreSQL trigger in the migration). A change is a new
    determination that `supersedes` the current one; the old one stays visible.
    """

    cadre = models.ForeignKey(
        Cadre, verbose_name="干部", on_delete=models.PROTECT, related_name="determinations"
    )
    subject = models.CharField("认定事项", max_length=20, choices=DeterminationSubject.choices)
    value_date = models.DateField("认定日期值", null=True, blank=True)
    full_member_date = models.DateField(
        "转正时间", null=True, blank=True, help_text="仅入党时间：预备党员转为正式党员之日，党龄自此计算。"
    )
    value_text = models.TextField("认定内容", blank=True)
    education = models.ForeignKey(
        EducationRecord,
        verbose_name="所认定学历",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="determinations",
    )
    previous_value = models.TextField("认定前的值", blank=True)
    basis = models.TextField("认定依据")
    basis_materials = models.ManyToManyField(
        Material, verbose_name="依据材料", blank=True, related_name="determinations"
    )
    determining_organ = models.CharField("认定机关", max_length=100)
    determined_on = models.DateField("认定时间")
    status = models.CharField(
        "状态", max_length=10, choices=DeterminationStatus.choices, default=DeterminationStatus.PROPOSED
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name="变更的原认定",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    review_case_id = models.BigIntegerField("任前审核事项", null=True, blank=True, db_index=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    objects = DeterminationQuerySet.as_manager()

    class Meta:
        verbose_name = "三龄两历一身份认定"
        verbose_name_plural = "三龄两历一身份认定"
        ordering = ["cadre", "subject", "-decided_at", "-id"]
        indexes = [models.Index(fields=["cadre", "subject", "status"], name="determination_current_idx")]
        constraints = [
            # One approved successor per determination: a change supersedes the current one exactly once.
            models.UniqueConstraint(
                fields=["supersedes"],
                condition=models.Q(status="approved"),
                name="determination_one_successor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.get_subject_display()} {self.value_display}"

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk:
            stored = Determination.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == DeterminationStatus.APPROVED:
                raise DeterminationImmutable(DeterminationImmutable.message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Determination.objects.filter(pk=self.pk, status=DeterminationStatus.APPROVED).exists():
            raise DeterminationImmutable(DeterminationImmutable.message)
        return super().delete(*args, **kwargs)

    @property
    def value_display(self) -> str:
        if self.subject in (
            DeterminationSubject.BIRTH_DATE,
            DeterminationSubject.PARTY_JOIN_DATE,
            DeterminationSubject.WORK_START_DATE,
        ):
            return f"{self.value_date:%Y.%m.%d}" if self.value_date else ""
        if self.subject == DeterminationSubject.CADRE_STATUS:
            return (
                CadreType(self.value_text).label if self.value_text in CadreType.values else self.value_text
            )
        return self.value_text


def _guard_determination_materials(sender, instance, action, **kwargs):
    """The basis materials of an approved determination are part of it: they do not change either."""
    if action not in ("pre_add", "pre_remove", "pre_clear") or not isinstance(instance, Determination):
        return
    if (
        instance.pk
        and Determination.objects.filter(pk=instance.pk, status=DeterminationStatus.APPROVED).exists()
    ):
        raise DeterminationImmutable(DeterminationImmutable.message)


models.signals.m2m_changed.connect(
    _guard_determination_materials,
    sender=Determination.basis_materials.through,
    dispatch_uid="archives.determination_materials_guard",
)


# --- Completeness rules and reports, the nightly sweep, fixity (issue 7). Engine in archives/completeness.py,
# set-based sweep in archives/sweep.py, fixity in archives/fixity.py.


class RuleAppliesTo(models.TextChoices):
    ALL = "all", "全体干部"
    PARTY = "party", "中共党员（含预备党员）"
    CIVIL_SERVANT = "civil_servant", "公务员"
    CS_MANAGED = "cs_managed", "参照公务员法管理人员"


class RuleCountMode(models.TextChoices):
    ONE = "one", "应有一份"
    PER_YEAR = "per_year", "每年一份"
    PER_PROMOTION = "per_promotion", "每次提拔一份"
    PER_EDUCATION = "per_education", "每段学历一份"


class CompletenessRule(models.Model):
    """One expected key material (关键原始材料, domain.md 1.3): which kinds count, for whom, how many, veto or not.

    A material counts when it is filed (已归档) and its kind (材料种类, chosen at intake) is one of `kinds`.
    Education rules count the materials linked to the education record (学历学位 -> 证明材料).
    """

    code = models.SlugField("规则代码", max_length=40, unique=True)
    name = models.CharField("应有材料（中文说明）", max_length=100)
    description = models.TextField("说明", blank=True)
    category = models.ForeignKey(
        MaterialCategory, verbose_name="所属类别", on_delete=models.PROTECT, related_name="completeness_rules"
    )
    kinds = models.ManyToManyField(
        MaterialKind,
        verbose_name="认可的材料种类",
        related_name="completeness_rules",
        help_text="已归档且材料种类为其中之一的材料计入本规则（登记材料时选定的种类，不按标题猜测）。",
    )
    applies_to = models.CharField(
        "适用人员", max_length=16, choices=RuleAppliesTo.choices, default=RuleAppliesTo.ALL
    )
    count_mode = models.CharField(
        "应有数量", max_length=16, choices=RuleCountMode.choices, default=RuleCountMode.ONE
    )
    since_year = models.PositiveSmallIntegerField(
        "起始年份",
        null=True,
        blank=True,
        help_text="每年一份：自该年起核查（留空则取系统参数“年度考核表核查起始年份”），参加工作后第一个完整年度更晚时从该年度起；"
        "每次提拔：该年以来的提拔；每段学历：该年以来毕业的学历；应有一份：该年以来形成的材料。",
    )
    until_year = models.PositiveSmallIntegerField(
        "截止年份", null=True, blank=True, help_text="留空表示至今（每年一份核查至上一年度）。"
    )
    prior_year_months = models.PositiveSmallIntegerField(
        "次年计入月数",
        default=0,
        help_text="仅每年一份：次年1月至该月形成的材料计入上一年度（例如填 2，则次年1、2月形成的考核表算上一年度）。0 表示按形成年份。",
    )
    education_level = models.CharField(
        "学历层次",
        max_length=16,
        choices=EducationLevel.choices,
        blank=True,
        help_text="仅每段学历：留空表示各层次。",
    )
    degree_only = models.BooleanField("仅限有学位的学历", default=False)
    foreign_only = models.BooleanField("仅限国（境）外学历学位", default=False)
    min_rank = models.CharField(
        "提拔职级（及以上）",
        max_length=2,
        choices=PostRank.choices,
        blank=True,
        help_text="仅每次提拔：留空表示各职级。",
    )
    window_before_days = models.PositiveSmallIntegerField(
        "提拔前认可天数", default=365, help_text="仅每次提拔：任职时间前多少天内形成的材料计入该次提拔。"
    )
    window_after_days = models.PositiveSmallIntegerField(
        "提拔后认可天数", default=90, help_text="仅每次提拔：任职时间后多少天内形成的材料计入该次提拔。"
    )
    worked_before_year = models.PositiveSmallIntegerField("仅适用于该年以前参加工作者", null=True, blank=True)
    party_joined_before_year = models.PositiveSmallIntegerField(
        "仅适用于该年以前入党者", null=True, blank=True
    )
    is_veto = models.BooleanField("单项否决", default=False, help_text="缺少即判定档案不合格，与得分无关。")
    weight = models.DecimalField("分值（最多扣分）", max_digits=5, decimal_places=1, default=2)
    deduction = models.DecimalField("每缺一项扣分", max_digits=5, decimal_places=1, default=1)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "档案完整性规则"
        verbose_name_plural = "档案完整性规则"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ExcuseReason(models.TextChoices):
    PROBATION = "probation", "试用期"
    NO_RATING = "no_rating", "不定等次"
    SICK_LEAVE = "sick_leave", "病休"
    STUDY = "study", "脱产学习"
    OTHER = "other", "其他"


class CompletenessExcusal(models.Model):
    """A year excused from a yearly rule (免查年度) with its recorded reason; revoked, never deleted."""

    archive = models.ForeignKey(
        Archive, verbose_name="档案", on_delete=models.PROTECT, related_name="completeness_excusals"
    )
    rule = models.ForeignKey(
        CompletenessRule, verbose_name="规则", on_delete=models.PROTECT, related_name="excusals"
    )
    year = models.PositiveSmallIntegerField("年度")
    reason = models.CharField("原因", max_length=16, choices=ExcuseReason.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "免查年度"
        verbose_name_plural = "免查年度"
        ordering = ["archive", "rule", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["archive", "rule", "year"],
                condition=models.Q(revoked_at__isnull=True),
                name="excusal_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.archive_id} {self.rule_id} {self.year} {self.get_reason_display()}"


class CompletenessReport(models.Model):
    """The latest completeness result of one archive (one row per archive, replaced whole on every check)."""

    class Source(models.TextChoices):
        CHECK = "check", "单份检查"
        SWEEP = "sweep", "全量核查"

    archive = models.OneToOneField(
        Archive, verbose_name="档案", primary_key=True, on_delete=models.CASCADE, related_name="completeness"
    )
    computed_at = models.DateTimeField("检查时间", db_index=True)
    requested_at = models.DateTimeField("最近请求检查时间", null=True, blank=True)
    is_complete = models.BooleanField("齐全")
    has_veto = models.BooleanField("缺单项否决材料")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    expected_count = models.PositiveIntegerField("应有项数")
    missing_count = models.PositiveIntegerField("缺少项数")
    veto_count = models.PositiveIntegerField("缺单项否决项数")
    items = models.JSONField("缺少的材料", default=list)
    rules_version = models.CharField("规则版本", max_length=16)
    digest = models.CharField("结果摘要", max_length=16)
    source = models.CharField("来源", max_length=8, choices=Source.choices)

    class Meta:
        verbose_name = "档案完整性报告"
        verbose_name_plural = "档案完整性报告"
        indexes = [
            models.Index(fields=["is_complete", "has_veto", "score"], name="completeness_worst_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.archive_id} {self.score}"


class SweepRun(models.Model):
    """One run of the nightly completeness sweep, planned as chunks of archive ids (SweepChunk) that workers
    check in parallel; a killed run is resumed by checking the chunks not done yet."""

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "中断"
        ABANDONED = "abandoned", "已放弃"

    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField("触发方式", max_length=20, default="beat")
    chunk_size = models.PositiveIntegerField("每批档案数")
    chunks_total = models.PositiveIntegerField("批数", default=0)
    chunks_done = models.PositiveIntegerField("已完成批数", default=0)
    archives_checked = models.PositiveIntegerField("已检查档案数", default=0)
    reports_changed = models.PositiveIntegerField("结果变化档案数", default=0)
    seconds = models.FloatField("用时（秒）", default=0)
    resumed_at = models.DateTimeField("最近开始或继续时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    rules_version = models.CharField("规则版本", max_length=16, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "完整性全量核查"
        verbose_name_plural = "完整性全量核查"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class SweepChunk(models.Model):
    """One chunk of a sweep: archives lo <= id <= hi, checked and stored in one transaction."""

    run = models.ForeignKey(
        SweepRun, verbose_name="全量核查", on_delete=models.CASCADE, related_name="chunks"
    )
    seq = models.PositiveIntegerField("批次")
    lo = models.BigIntegerField("起始档案ID")
    hi = models.BigIntegerField("截止档案ID")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    archives_checked = models.PositiveIntegerField("已检查档案数", default=0)
    reports_changed = models.PositiveIntegerField("结果变化档案数", default=0)
    seconds = models.FloatField("用时（秒）", default=0)

    class Meta:
        verbose_name = "全量核查批次"
        verbose_name_plural = "全量核查批次"
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="sweep_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} {self.lo}-{self.hi}"


class FixityKind(models.TextChoices):
    HASH_MISMATCH = "HASH_MISMATCH", "文件内容已变化（SHA-256 不一致）"
    FILE_MISSING = "FILE_MISSING", "图像文件缺失"
    PAGE_COUNT_MISMATCH = "PAGE_COUNT_MISMATCH", "图像页数与目录页数不符"
    ORPHAN_FILE = "ORPHAN_FILE", "无对应记录的文件"


class FixityFinding(models.Model):
    """A problem found by the fixity checks; stays open until a person resolves it (or a re-check clears it)."""

    kind = models.CharField("问题类型", max_length=20, choices=FixityKind.choices, db_index=True)
    fingerprint = models.CharField("标识", max_length=300)
    archive = models.ForeignKey(
        Archive, verbose_name="档案", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    material = models.ForeignKey(
        Material, verbose_name="材料", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page = models.ForeignKey(
        Page, verbose_name="扫描页", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    storage_key = models.CharField("存储路径", max_length=255, blank=True)
    expected_sha256 = models.CharField("登记的 SHA-256", max_length=64, blank=True)
    actual_sha256 = models.CharField("实际 SHA-256", max_length=64, blank=True)
    message = models.CharField("说明", max_length=300)
    details = models.JSONField("详情", default=dict, blank=True)
    first_seen_at = models.DateTimeField("发现时间", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近确认时间")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_note = models.CharField("处理说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "文件完整性问题"
        verbose_name_plural = "文件完整性问题"
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"], condition=models.Q(resolved_at__isnull=True), name="fixity_one_open"
            )
        ]
        indexes = [models.Index(fields=["archive", "resolved_at"], name="fixity_archive_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.storage_key}"


class FixityState(models.Model):
    """Progress of the rolling re-hash of page files (one row): where the next batch starts."""

    name = models.CharField("名称", max_length=20, unique=True, default="pages")
    cursor = models.BigIntegerField("下一批起点（扫描页ID）", default=0)
    cycle_started_at = models.DateTimeField("本轮开始时间", null=True, blank=True)
    cycles_completed = models.PositiveIntegerField("已完成轮数", default=0)
    last_cycle_finished_at = models.DateTimeField("上轮完成时间", null=True, blank=True)
    pages_checked = models.PositiveBigIntegerField("本轮已核对页数", default=0)
    last_batch_at = models.DateTimeField("最近一批时间", null=True, blank=True)
    last_structure_check_at = models.DateTimeField("最近结构核对时间", null=True, blank=True)

    class Meta:
        verbose_name = "文件完整性核对进度"
        verbose_name_plural = "文件完整性核对进度"

    def __str__(self) -> str:
        return self.name
