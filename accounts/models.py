from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from core.choices import PoliticalStatus


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"


class UnitKind(models.TextChoices):
    ORGANIZATION = "organization", "组织部门"
    PERSONNEL = "personnel", "人事部门"
    DISCIPLINE = "discipline", "纪检监察机关"
    PARTY_GOVERNMENT = "party_gov", "党政机关"
    INSTITUTION = "institution", "事业单位"
    ENTERPRISE = "enterprise", "国有企业"
    OTHER = "other", "其他"


class ManagementLevel(models.TextChoices):
    """干部管理层级: who manages the cadre, and so who may approve access to the archive."""

    CENTRAL = "central", "中管"
    PROVINCIAL = "provincial", "省管"
    MUNICIPAL = "municipal", "市管"
    COUNTY = "county", "县管"
    OTHER = "other", "其他"


# Which cadre management levels an organization department of a given unit level may approve.
APPROVABLE_LEVELS = {
    UnitLevel.PROVINCE: {
        ManagementLevel.PROVINCIAL,
        ManagementLevel.MUNICIPAL,
        ManagementLevel.COUNTY,
        ManagementLevel.OTHER,
    },
    UnitLevel.CITY: {ManagementLevel.MUNICIPAL, ManagementLevel.COUNTY, ManagementLevel.OTHER},
    UnitLevel.COUNTY: {ManagementLevel.COUNTY, ManagementLevel.OTHER},
    UnitLevel.TOWNSHIP: {ManagementLevel.OTHER},
}


class Unit(models.Model):
    """单位: a node in the tree of organizations (province, city, county, township)."""

    name = models.CharField("单位名称", max_length=100)
    code = models.CharField("单位代码", max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField("层级", max_length=16, choices=UnitLevel.choices)
    kind = models.CharField(
        "单位类别", max_length=16, choices=UnitKind.choices, default=UnitKind.PARTY_GOVERNMENT
    )
    holds_archives = models.BooleanField("管档单位", default=False, help_text="是否保管干部人事档案")
    # Materialised path of primary keys ("/1/4/9/"): a subtree is one indexed prefix match.
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path", "sort_order"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        new_path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if new_path != old_path:
            Unit.objects.filter(pk=self.pk).update(path=new_path)
            if old_path:
                # Moving a unit moves its subtree.
                for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    Unit.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path) :])
            self.path = new_path

    def subtree_q(self, prefix: str = "") -> Q:
        """Q filter for objects whose unit (reached through `prefix`) lies in this unit's subtree."""
        return Q(**{f"{prefix}path__startswith": self.path})

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)

    def ancestors(self):
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Unit.objects.filter(pk__in=ids).order_by("path")

    def is_within(self, other: Unit) -> bool:
        return bool(other and self.path.startswith(other.path))

    @property
    def can_borrow(self) -> bool:
        """Only organization, personnel and discipline-inspection units may borrow paper archives."""
        return self.kind in (UnitKind.ORGANIZATION, UnitKind.PERSONNEL, UnitKind.DISCIPLINE)

    @property
    def approvable_levels(self) -> set[str]:
        return {str(level) for level in APPROVABLE_LEVELS.get(self.level, set())}


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    post = models.CharField("职务", max_length=100, blank=True)
    political_status = models.CharField(
        "政治面貌", max_length=2, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    id_number = models.CharField("身份证号", max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    served_units = models.ManyToManyField(
        Unit,
        verbose_name="服务的管档单位",
        blank=True,
        related_name="clerks",
        help_text="管档员所管理档案的保管单位；为空时为本人所在单位。",
    )

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}"

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        unit = f"（{self.unit.name}）" if self.unit_id else ""
        return f"{self.get_full_name()}{unit}"

    @property
    def roles(self) -> frozenset[str]:
        from accounts.roles import roles_of

        return roles_of(self)


class UserRelative(models.Model):
    """A declared relationship between a user and a cadre (亲属关系申报): the user may never open that archive."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="declared_relatives"
    )
    name = models.CharField("亲属姓名", max_length=50)
    relation = models.CharField("关系", max_length=20)
    id_number = models.CharField("亲属身份证号", max_length=18, blank=True, db_index=True)
    declared_at = models.DateTimeField("申报时间", auto_now_add=True)

    class Meta:
        verbose_name = "亲属关系申报"
        verbose_name_plural = "亲属关系申报"

    def __str__(self) -> str:
        return f"{self.user} 的{self.relation} {self.name}"


class LoginThrottle(models.Model):
    """Failed-login counter per user name; a lock after LOGIN_LOCKOUT_THRESHOLD failures."""

    username = models.CharField("用户名", max_length=150, unique=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    first_failure_at = models.DateTimeField("首次失败时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self) -> str:
        return self.username
