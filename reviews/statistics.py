"""Cadre structure statistics for reviewers (干部队伍结构分析): one set-based query per table, restricted to the
archives within the reviewer's authority (archives.access), charts drawn in the browser with Chart.js and the
same tables as XLSX (cells neutralised against formula injection)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from accounts.models import ManagementLevel, Unit
from archives import access
from archives.access import Action
from archives.models import Cadre, CadreStatus
from core.choices import PoliticalStatus, Sex
from core.spreadsheet import xlsx_text


@dataclass
class StatTable:
    key: str
    title: str
    chart: str  # Chart.js type: bar / doughnut
    rows: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(count for _label, count in self.rows)

    def with_percent(self) -> list[tuple[str, int, str]]:
        total = self.total or 1
        return [(label, count, f"{count * 100 / total:.1f}%") for label, count in self.rows]

    def chart_data(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "type": self.chart,
            "labels": [label for label, _c in self.rows],
            "values": [count for _l, count in self.rows],
        }


def _years_ago(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


AGE_BANDS = [
    ("30岁及以下", None, 30),
    ("31—35岁", 31, 35),
    ("36—40岁", 36, 40),
    ("41—45岁", 41, 45),
    ("46—50岁", 46, 50),
    ("51—55岁", 51, 55),
    ("56岁及以上", 56, None),
]
POST_BANDS = [
    ("不满1年", None, 1),
    ("1—3年", 1, 3),
    ("3—5年", 3, 5),
    ("5—10年", 5, 10),
    ("10年及以上", 10, None),
]
EDUCATION_ORDER = ["博士研究生", "硕士研究生", "大学本科", "大学专科", "中专及以下", "未登记"]
PARTY_GROUPS = [
    ("中共党员", [PoliticalStatus.CPC_MEMBER]),
    ("中共预备党员", [PoliticalStatus.CPC_PROBATIONARY]),
    ("民主党派", sorted(PoliticalStatus.democratic_parties())),
    ("无党派人士", [PoliticalStatus.NON_PARTY]),
    ("共青团员", [PoliticalStatus.CYL_MEMBER]),
    ("群众", [PoliticalStatus.MASSES]),
]


def _age_q(low: int | None, high: int | None, at: datetime.date) -> Q:
    """age >= low and age <= high at `at`, as conditions on the birth date."""
    q = Q()
    if low is not None:
        q &= Q(birth_date__lte=_years_ago(at, low))
    if high is not None:
        q &= Q(birth_date__gt=_years_ago(at, high + 1))
    return q


def _served_q(low: int | None, high: int | None, at: datetime.date) -> Q:
    """low <= years in post < high."""
    q = Q(post_start_date__isnull=False)
    if low is not None:
        q &= Q(post_start_date__lte=_years_ago(at, low))
    if high is not None:
        q &= Q(post_start_date__gt=_years_ago(at, high))
    return q


def _education_case():
    def has(*words):
        q = Q()
        for w in words:
            q |= Q(fulltime_education__contains=w) | Q(inservice_education__contains=w)
        return q

    return Case(
        When(has("博士"), then=Value("博士研究生")),
        When(has("硕士", "研究生"), then=Value("硕士研究生")),
        When(has("本科"), then=Value("大学本科")),
        When(has("专科", "大专"), then=Value("大学专科")),
        When(has("大学"), then=Value("大学本科")),  # e.g. 中央党校大学
        When(has("中专", "高中", "中学", "技校"), then=Value("中专及以下")),
        default=Value("未登记"),
        output_field=CharField(),
    )


def cadres_in_scope(user, unit: Unit, *, include_retired: bool = False) -> QuerySet:
    visible = access.archives_for(user, Action.VIEW_DIRECTORY).values("cadre_id")
    qs = Cadre.objects.filter(pk__in=visible, unit__path__startswith=unit.path)
    if not include_retired:
        qs = qs.filter(status=CadreStatus.SERVING)
    return qs


def compute(qs: QuerySet, at: datetime.date) -> list[StatTable]:
    age = qs.aggregate(
        **{f"b{i}": Count("pk", filter=_age_q(lo, hi, at)) for i, (_l, lo, hi) in enumerate(AGE_BANDS)}
    )
    served = qs.aggregate(
        **{f"p{i}": Count("pk", filter=_served_q(lo, hi, at)) for i, (_l, lo, hi) in enumerate(POST_BANDS)},
        unknown=Count("pk", filter=Q(post_start_date__isnull=True)),
    )
    sex = dict(qs.values_list("sex").annotate(n=Count("pk")).order_by())
    status = dict(qs.values_list("political_status").annotate(n=Count("pk")).order_by())
    levels = dict(qs.values_list("management_level").annotate(n=Count("pk")).order_by())
    education = dict(qs.annotate(edu=_education_case()).values_list("edu").annotate(n=Count("pk")).order_by())
    tables = [
        StatTable(
            "age", "年龄结构", "bar", [(label, age[f"b{i}"]) for i, (label, _lo, _hi) in enumerate(AGE_BANDS)]
        ),
        StatTable("sex", "性别结构", "doughnut", [(s.label, sex.get(s.value, 0)) for s in Sex]),
        StatTable(
            "education", "学历结构（最高学历）", "bar", [(e, education.get(e, 0)) for e in EDUCATION_ORDER]
        ),
        StatTable(
            "party",
            "政治面貌",
            "doughnut",
            [(label, sum(status.get(str(c), 0) for c in codes)) for label, codes in PARTY_GROUPS],
        ),
        StatTable("level", "管理层级", "bar", [(m.label, levels.get(m.value, 0)) for m in ManagementLevel]),
        StatTable(
            "post_years",
            "任现职年限",
            "bar",
            [(label, served[f"p{i}"]) for i, (label, _lo, _hi) in enumerate(POST_BANDS)]
            + [("未登记", served["unknown"])],
        ),
    ]
    return tables


def units_for(user) -> list[Unit]:
    """The units a reviewer may analyse: the subtree of their jurisdiction, with a depth for indentation."""
    area = access.jurisdiction(user.unit) if user.unit_id else None
    if area is None:
        return []
    base = area.path.count("/")
    units = list(
        Unit.objects.filter(path__startswith=area.path, is_active=True).order_by("path", "sort_order")
    )
    for u in units:
        u.depth = u.path.count("/") - base
    return units


def to_xlsx(tables: list[StatTable], *, unit: Unit, at: datetime.date, user, total: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "干部结构统计"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([xlsx_text(f"{unit.name}干部队伍结构统计")])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([xlsx_text(f"统计时点：{at:%Y年%m月%d日}　干部总数：{total}人　制表：{user.get_full_name()}")])
    ws.append([])
    for table in tables:
        ws.append([xlsx_text(table.title)])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
        ws.append(["项目", "人数", "占比"])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
            cell.border = border
        for label, count, pct in table.with_percent():
            ws.append([xlsx_text(label), count, pct])
            for cell in ws[ws.max_row]:
                cell.border = border
        ws.append(["合计", table.total, "100.0%" if table.total else "0.0%"])
        for cell in ws[ws.max_row]:
            cell.border = border
            cell.font = Font(bold=True)
        ws.append([])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 10
    for row in ws.iter_rows(min_col=2, max_col=3):
        for cell in row:
            cell.alignment = Alignment(horizontal="center")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
