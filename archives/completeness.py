"""Completeness of an archive against the rule set (requirement 21, domain.md 1.3): the engine.

Three layers, so that the one-archive check and the set-based nightly sweep (archives/sweep.py) give exactly the
same reports:

1. `RuleSet` / `RuleSpec`: a snapshot of the active rules (data edited by the 系统管理员) and their version.
2. `ArchiveFacts`: what the rules need to know about one archive: the cadre's political status, type, work start
   and Party joining dates, promotions, education records, excused years, the years (buckets) in which each rule
   has a filed material, and counts of filed materials per promotion / education record. `gather()` collects them
   for one archive with a few ORM queries (reading its materials one by one); the sweep collects them for
   thousands of archives at once with aggregate SQL. Both map materials to rules with the same helpers
   (`mark_plain`/`mark_plain_codes`, `count_promotions`), so the test that compares them checks the data paths.
3. `evaluate(ruleset, facts)`: a pure function from facts to the report (missing items, missing years, veto,
   score). Both paths call it.

Matching method: a material counts for a rule when it is filed (已归档) and its kind (材料种类, chosen at intake) is
one of the rule's kinds. Yearly rules bucket materials by formation year (optionally counting materials formed in
the first months of the next year for the year before); promotion rules count materials formed in a window
around the promotion's start date; education rules count the materials linked to the education record.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.utils import timezone

from archives.models import (
    Archive,
    CadrePost,
    CompletenessExcusal,
    CompletenessReport,
    CompletenessRule,
    EducationLevel,
    EducationRecord,
    ExcuseReason,
    Material,
    MaterialStatus,
    RuleAppliesTo,
    RuleCountMode,
)
from core.choices import PoliticalStatus
from core.config import setting
from core.errors import Violation

PARTY_STATUSES = frozenset({PoliticalStatus.CPC_MEMBER.value, PoliticalStatus.CPC_PROBATIONARY.value})
FULL_SCORE = Decimal(100)
# Plain strings (not enum members): evaluate() runs for every archive of the city in the nightly sweep.
ONE, PER_YEAR, PER_PROMOTION, PER_EDUCATION = (m.value for m in RuleCountMode)
PARTY, CIVIL_SERVANT, CS_MANAGED = (
    RuleAppliesTo.PARTY.value,
    RuleAppliesTo.CIVIL_SERVANT.value,
    RuleAppliesTo.CS_MANAGED.value,
)


# --- 1. rules ------------------------------------------------------------------------------------------------


RULE_FIELDS = (
    "id",
    "code",
    "name",
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
)


@dataclass(frozen=True)
class RuleSpec:
    id: int
    code: str
    name: str
    category: str  # "9-2" style label
    applies_to: str
    count_mode: str
    kind_ids: frozenset[int]
    since_year: int | None
    until_year: int | None
    prior_year_months: int
    education_level: str
    degree_only: bool
    foreign_only: bool
    min_rank: str
    window_before_days: int
    window_after_days: int
    worked_before_year: int | None
    party_joined_before_year: int | None
    is_veto: bool
    weight: Decimal
    deduction: Decimal
    window_before: datetime.timedelta = datetime.timedelta(0)
    window_after: datetime.timedelta = datetime.timedelta(0)

    @classmethod
    def of_values(cls, v: dict) -> RuleSpec:
        number, sub = v["category__number"], v["category__sub_number"]
        return cls(
            id=v["id"],
            code=v["code"],
            name=v["name"],
            category=f"{number}-{sub}" if sub else str(number),
            applies_to=str(v["applies_to"]),
            count_mode=str(v["count_mode"]),
            kind_ids=frozenset(v["kind_ids"]),
            since_year=v["since_year"],
            until_year=v["until_year"],
            prior_year_months=v["prior_year_months"] or 0,
            education_level=str(v["education_level"]),
            degree_only=v["degree_only"],
            foreign_only=v["foreign_only"],
            min_rank=str(v["min_rank"]),
            window_before_days=v["window_before_days"],
            window_after_days=v["window_after_days"],
            worked_before_year=v["worked_before_year"],
            party_joined_before_year=v["party_joined_before_year"],
            is_veto=v["is_veto"],
            weight=Decimal(v["weight"]),
            deduction=Decimal(v["deduction"]),
            window_before=datetime.timedelta(days=v["window_before_days"]),
            window_after=datetime.timedelta(days=v["window_after_days"]),
        )

    # Material-side predicates, shared by gather() and mirrored by the sweep's SQL.
    def year_bucket(self, formed_year: int, formed_month: int | None) -> int | None:
        """The bucket a material falls in: 0 for 'one' rules (None when outside the year range), else a year."""
        if self.count_mode == ONE:
            if self.since_year is not None and formed_year < self.since_year:
                return None
            if self.until_year is not None and formed_year > self.until_year:
                return None
            return 0
        if formed_month is not None and formed_month <= self.prior_year_months:
            return formed_year - 1
        return formed_year

    def in_window(self, formed_on: datetime.date, start: datetime.date) -> bool:
        return start - self.window_before <= formed_on <= start + self.window_after

    def takes_post(self, post: Promotion) -> bool:
        """A promotion this rule expects a material for (rank and year range)."""
        if self.min_rank and not (post.rank and int(post.rank) >= int(self.min_rank)):
            return False
        year = post.start_date.year
        if self.since_year is not None and year < self.since_year:
            return False
        return self.until_year is None or year <= self.until_year


@dataclass(frozen=True, eq=False)
class RuleSet:
    rules: tuple[RuleSpec, ...]
    default_start_year: int
    today: datetime.date
    version: str

    @property
    def last_year(self) -> int:
        return self.today.year - 1

    def by_mode(self, *modes: str) -> list[RuleSpec]:
        return [r for r in self.rules if r.count_mode in modes]

    def kind_index(self, *modes: str) -> dict[int, list[RuleSpec]]:
        index: dict[int, list[RuleSpec]] = defaultdict(list)
        for rule in self.by_mode(*modes):
            for kind_id in sorted(rule.kind_ids):
                index[kind_id].append(rule)
        return dict(index)

    @cached_property
    def plain_index(self) -> dict[int, list[RuleSpec]]:
        return self.kind_index(ONE, PER_YEAR)

    @cached_property
    def promotion_index(self) -> dict[int, list[RuleSpec]]:
        return self.kind_index(PER_PROMOTION)

    @cached_property
    def education_index(self) -> dict[int, list[RuleSpec]]:
        return self.kind_index(PER_EDUCATION)

    @cached_property
    def has_yearly(self) -> bool:
        return any(r.count_mode == PER_YEAR for r in self.rules)


def load_rules(today: datetime.date | None = None) -> RuleSet:
    """The active rules as an immutable snapshot, with a version that changes when a rule or setting does."""
    today = today or timezone.localdate()
    # One query: the active rules with their category and kinds (a row per rule and kind).
    rows = (
        CompletenessRule.objects.filter(is_active=True)
        .order_by("sort_order", "id", "kinds__id")
        .values(*RULE_FIELDS, "category__number", "category__sub_number", "kinds__id")
    )
    specs: dict[int, dict] = {}
    for row in rows:
        spec = specs.get(row["id"])
        if spec is None:
            spec = specs[row["id"]] = {**row, "kind_ids": set()}
        if row["kinds__id"] is not None:
            spec["kind_ids"].add(row["kinds__id"])
    rules = tuple(RuleSpec.of_values(v) for v in specs.values())
    default_start = int(setting("APPRAISAL_START_YEAR"))
    text = repr((rules, default_start, today.year))
    version = hashlib.sha1(text.encode()).hexdigest()[:16]
    return RuleSet(rules=rules, default_start_year=default_start, today=today, version=version)


# --- 2. facts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    id: int
    rank: str
    start_date: datetime.date
    title: str


@dataclass(frozen=True)
class Education:
    id: int
    level: str
    degree: str
    is_foreign: bool
    completed: datetime.date | None
    school: str


@dataclass
class ArchiveFacts:
    archive_id: int
    political_status: str = ""
    cadre_type: str = ""
    work_start_date: datetime.date | None = None
    party_join_date: datetime.date | None = None
    promotions: list[Promotion] = field(default_factory=list)
    educations: list[Education] = field(default_factory=list)
    # rule_id -> buckets holding at least one filed material: {0} for a satisfied 'one' rule, years for yearly.
    present: dict[int, set[int]] = field(default_factory=dict)
    # (rule_id, post_id) -> filed materials in the rule's window around the promotion.
    promotion_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    # (rule_id, education_id) -> filed materials linked to the education record.
    education_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    # (rule_id, year) -> reason code.
    excused: dict[tuple[int, int], str] = field(default_factory=dict)


def as_date(value) -> datetime.date | None:
    """Dates from raw SQL: a date on PostgreSQL, possibly an ISO string on SQLite."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def completed_on(graduation_date, degree_date) -> datetime.date | None:
    return as_date(graduation_date) or as_date(degree_date)


def mark_plain(present: dict, index: dict, kind_id: int, year: int, month: int | None) -> None:
    """A filed material of a kind formed in year/month: mark its bucket for the 'one' and yearly rules."""
    for rule in index.get(kind_id, ()):
        bucket = rule.year_bucket(year, month)
        if bucket is not None:
            present.setdefault(rule.id, set()).add(bucket)


def mark_plain_codes(present: dict, index: dict, kind_id: int, codes) -> None:
    """The same for the distinct year*100+month codes of one archive and kind (the sweep's aggregate)."""
    for rule in index.get(kind_id, ()):
        if rule.count_mode == PER_YEAR and not rule.prior_year_months:
            present.setdefault(rule.id, set()).update(code // 100 for code in codes)
            continue
        for code in codes:
            bucket = rule.year_bucket(code // 100, (code % 100) or None)
            if bucket is not None:
                present.setdefault(rule.id, set()).add(bucket)


def count_promotions(
    counts: dict, index: dict, promotions: list, kind_id: int, formed_on: datetime.date, n: int = 1
) -> None:
    """Add n filed materials of a kind formed on a date to every promotion (that the rule expects a material
    for) whose window holds the date."""
    for rule in index.get(kind_id, ()):
        for post in promotions:
            if rule.in_window(formed_on, post.start_date) and rule.takes_post(post):
                key = (rule.id, post.id)
                counts[key] = counts.get(key, 0) + n


def gather(archive_id: int, ruleset: RuleSet) -> ArchiveFacts | None:
    """The facts of one archive, read with the ORM (a handful of small queries, no per-material query)."""
    cadre = (
        Archive.objects.filter(pk=archive_id)
        .values(
            "cadre_id",
            "cadre__political_status",
            "cadre__cadre_type",
            "cadre__work_start_date",
            "cadre__party_join_date",
        )
        .first()
    )
    if cadre is None:
        return None
    facts = ArchiveFacts(
        archive_id=archive_id,
        political_status=cadre["cadre__political_status"] or "",
        cadre_type=cadre["cadre__cadre_type"] or "",
        work_start_date=cadre["cadre__work_start_date"],
        party_join_date=cadre["cadre__party_join_date"],
    )
    cadre_id = cadre["cadre_id"]
    if ruleset.by_mode(RuleCountMode.PER_PROMOTION):
        facts.promotions = [
            Promotion(pk, rank or "", start, title or "")
            for pk, rank, start, title in CadrePost.objects.filter(cadre_id=cadre_id, is_promotion=True)
            .order_by("start_date", "id")
            .values_list("id", "rank", "start_date", "title")
        ]
    if ruleset.by_mode(RuleCountMode.PER_EDUCATION):
        facts.educations = [
            Education(pk, level, degree or "", is_foreign, completed_on(grad, deg), school or "")
            for pk, level, degree, is_foreign, grad, deg, school in EducationRecord.objects.filter(
                cadre_id=cadre_id
            )
            .order_by("graduation_date", "id")
            .values_list("id", "level", "degree", "is_foreign", "graduation_date", "degree_date", "school")
        ]

    plain = ruleset.plain_index
    promo = ruleset.promotion_index
    kind_ids = set(plain) | (set(promo) if facts.promotions else set())
    if kind_ids:
        rows = Material.objects.filter(
            archive_id=archive_id, status=MaterialStatus.FILED, kind_id__in=kind_ids
        ).values_list("kind_id", "formed_year", "formed_month", "formed_on")
        for kind_id, year, month, formed_on in rows:
            mark_plain(facts.present, plain, kind_id, year, month)
            if facts.promotions:
                count_promotions(facts.promotion_counts, promo, facts.promotions, kind_id, formed_on)

    edu_index = ruleset.education_index
    if facts.educations and edu_index:
        education_counts: dict[tuple[int, int], int] = defaultdict(int)
        # The archive's own filed materials linked to the cadre's education records.
        links = EducationRecord.materials.through.objects.filter(
            educationrecord__cadre_id=cadre_id,
            material__archive_id=archive_id,
            material__status=MaterialStatus.FILED,
            material__kind_id__in=set(edu_index),
        ).values_list("educationrecord_id", "material__kind_id")
        for education_id, kind_id in links:
            for rule in edu_index.get(kind_id, ()):
                education_counts[(rule.id, education_id)] += 1
        facts.education_counts = dict(education_counts)

    if ruleset.by_mode(RuleCountMode.PER_YEAR):
        facts.excused = {
            (rule_id, year): reason
            for rule_id, year, reason in CompletenessExcusal.objects.filter(
                archive_id=archive_id, revoked_at__isnull=True
            ).values_list("rule_id", "year", "reason")
        }
    return facts


# --- 3. evaluation -------------------------------------------------------------------------------------------


def applies(rule: RuleSpec, facts: ArchiveFacts) -> bool:
    applies_to = rule.applies_to
    if applies_to == PARTY:
        if facts.political_status not in PARTY_STATUSES:
            return False
    elif applies_to in (CIVIL_SERVANT, CS_MANAGED) and facts.cadre_type != applies_to:
        return False
    if rule.worked_before_year is not None and not (
        facts.work_start_date and facts.work_start_date.year < rule.worked_before_year
    ):
        return False
    return rule.party_joined_before_year is None or bool(
        facts.party_join_date and facts.party_join_date.year < rule.party_joined_before_year
    )


def first_full_year(work_start: datetime.date | None) -> int | None:
    """The first full calendar year of service."""
    if work_start is None:
        return None
    return work_start.year if (work_start.month, work_start.day) == (1, 1) else work_start.year + 1


def expected_years(rule: RuleSpec, facts: ArchiveFacts, ruleset: RuleSet) -> range:
    start = rule.since_year if rule.since_year is not None else ruleset.default_start_year
    first = first_full_year(facts.work_start_date)
    if first is not None:
        start = max(start, first)
    end = ruleset.last_year if rule.until_year is None else min(rule.until_year, ruleset.last_year)
    return range(start, end + 1)


def _in_years(rule: RuleSpec, year: int | None) -> bool:
    if year is None:
        return True  # an undated education or promotion is still expected to have its material
    if rule.since_year is not None and year < rule.since_year:
        return False
    return rule.until_year is None or year <= rule.until_year


def qualifying_promotions(rule: RuleSpec, facts: ArchiveFacts) -> list[Promotion]:
    return [post for post in facts.promotions if rule.takes_post(post)]


def qualifying_educations(rule: RuleSpec, facts: ArchiveFacts) -> list[Education]:
    found = []
    for edu in facts.educations:
        if rule.education_level and edu.level != rule.education_level:
            continue
        if rule.degree_only and not edu.degree:
            continue
        if rule.foreign_only and not edu.is_foreign:
            continue
        if _in_years(rule, edu.completed.year if edu.completed else None):
            found.append(edu)
    return found


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1")))


LEVEL_LABELS = dict(EducationLevel.choices)
REASON_LABELS = dict(ExcuseReason.choices)
ZERO = Decimal(0)
TENTH = Decimal("0.1")


def _education_label(e: Education) -> str:
    parts = (f"{e.completed:%Y.%m}" if e.completed else "", e.school, LEVEL_LABELS.get(e.level, e.level))
    return " ".join(x for x in parts if x)


def evaluate(ruleset: RuleSet, facts: ArchiveFacts) -> dict:
    """The report of one archive: the missing items per rule, veto, score. Pure: facts in, dict out.

    Runs for every archive in the nightly sweep: plain loops and dict lookups only."""
    items = []
    expected_total = 0
    total_deduction = ZERO
    present = facts.present
    has_promotions, has_educations = bool(facts.promotions), bool(facts.educations)
    for rule in ruleset.rules:
        mode = rule.count_mode
        if (mode == PER_EDUCATION and not has_educations) or (mode == PER_PROMOTION and not has_promotions):
            continue  # nothing expected: no education record / no promotion
        if not applies(rule, facts):
            continue
        rule_id = rule.id
        item: dict = {}
        if mode == ONE:
            expected, found = 1, (1 if 0 in present.get(rule_id, ()) else 0)
        elif mode == PER_YEAR:
            excused_map = facts.excused
            years_present = present.get(rule_id, ())
            missing_years, excused = [], []
            wanted = 0
            for y in expected_years(rule, facts, ruleset):
                if excused_map and (rule_id, y) in excused_map:
                    excused.append([y, REASON_LABELS.get(excused_map[(rule_id, y)], "")])
                    continue
                wanted += 1
                if y not in years_present:
                    missing_years.append(y)
            expected, found = wanted, wanted - len(missing_years)
            if missing_years:
                item = {"years": missing_years, "excused": excused}
        elif mode == PER_PROMOTION:
            posts = qualifying_promotions(rule, facts)
            lacking = [p for p in posts if not facts.promotion_counts.get((rule_id, p.id))]
            expected, found = len(posts), len(posts) - len(lacking)
            if lacking:
                item = {
                    "instances": [
                        {
                            "id": p.id,
                            "date": p.start_date.isoformat(),
                            "label": f"{p.start_date:%Y.%m} {p.title}".strip(),
                        }
                        for p in lacking
                    ]
                }
        else:  # per education
            educations = qualifying_educations(rule, facts)
            lacking = [e for e in educations if not facts.education_counts.get((rule_id, e.id))]
            expected, found = len(educations), len(educations) - len(lacking)
            if lacking:
                item = {
                    "instances": [
                        {
                            "id": e.id,
                            "date": e.completed.isoformat() if e.completed else "",
                            "label": _education_label(e),
                        }
                        for e in lacking
                    ]
                }
        expected_total += expected
        missing = expected - found
        if missing <= 0:
            continue
        deduction = min(rule.weight, rule.deduction * missing)
        total_deduction += deduction
        items.append(
            {
                "rule": rule.code,
                "rule_id": rule_id,
                "name": rule.name,
                "category": rule.category,
                "mode": mode,
                "veto": rule.is_veto,
                "expected": expected,
                "found": found,
                "missing": missing,
                "deduction": _money(deduction),
                **item,
            }
        )
    score = max(ZERO, FULL_SCORE - total_deduction)
    missing_count = sum(i["missing"] for i in items)
    veto_count = sum(i["missing"] for i in items if i["veto"])
    result = {
        "archive_id": facts.archive_id,
        "is_complete": missing_count == 0,
        "has_veto": veto_count > 0,
        "score": score.quantize(TENTH),
        "expected_count": expected_total,
        "missing_count": missing_count,
        "veto_count": veto_count,
        "items": items,
        "rules_version": ruleset.version,
    }
    result["digest"] = digest(result)
    return result


def digest(result: dict) -> str:
    """A short fingerprint of a report's content: the sweep rewrites only reports whose fingerprint changed.
    (repr of plain lists, dicts, ints, floats and strings built in a fixed order is deterministic.)"""
    text = repr((result["items"], str(result["score"]), result["expected_count"], result["rules_version"]))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def excusal_violations(
    *, count_mode: str, year, reason: str, note: str, expected: range | None, duplicate: bool
) -> list[Violation]:
    """Rules for recording an excused year (免查年度) under a yearly rule."""
    from archives.models import ExcuseReason

    violations = []
    if count_mode != RuleCountMode.PER_YEAR:
        violations.append(
            Violation("EXCUSE_RULE_NOT_YEARLY", "只有启用中的“每年一份”规则可以登记免查年度。", "rule")
        )
    if reason not in ExcuseReason.values:
        violations.append(Violation("EXCUSE_REASON_INVALID", "请选择免查原因。", "reason"))
    elif reason == ExcuseReason.OTHER and not (note or "").strip():
        violations.append(Violation("EXCUSE_NOTE_REQUIRED", "原因为“其他”时须填写说明。", "note"))
    if not isinstance(year, int):
        violations.append(Violation("EXCUSE_YEAR_OUT_OF_RANGE", "请填写正确的年度。", "year"))
    elif expected is not None and year not in expected:
        if len(expected) == 0:
            text = "该档案目前没有需要核查的年度。"
        else:
            text = f"{year}年度不在核查范围（{expected.start}—{expected.stop - 1}年）内。"
        violations.append(Violation("EXCUSE_YEAR_OUT_OF_RANGE", text, "year"))
    if duplicate:
        violations.append(Violation("EXCUSE_DUPLICATE", f"{year}年度已登记免查原因。", "year"))
    return violations


# --- storing reports -----------------------------------------------------------------------------------------

REPORT_COLUMNS = (
    "archive_id",
    "computed_at",
    "is_complete",
    "has_veto",
    "score",
    "expected_count",
    "missing_count",
    "veto_count",
    "items",
    "rules_version",
    "digest",
    "source",
)


def upsert_reports(results: list[dict], *, computed_at: datetime.datetime, source: str) -> None:
    """Insert or replace reports in one statement per batch, never overwriting a newer report.

    `computed_at` is when the facts were read: a check that read the data later (a material filed while the
    sweep was busy with this chunk) has a later time and is kept.
    """
    if not results:
        return
    table = connection.ops.quote_name(CompletenessReport._meta.db_table)
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    row_sql = "(" + ", ".join(f"%s{json_cast}" if c == "items" else "%s" for c in REPORT_COLUMNS) + ")"
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in REPORT_COLUMNS if c != "archive_id")
    batch = 400
    at = connection.ops.adapt_datetimefield_value(computed_at)
    with connection.cursor() as cursor:
        for start in range(0, len(results), batch):
            part = results[start : start + batch]
            params: list = []
            for r in part:
                params.extend(
                    (
                        r["archive_id"],
                        at,
                        r["is_complete"],
                        r["has_veto"],
                        connection.ops.adapt_decimalfield_value(r["score"], 5, 1),
                        r["expected_count"],
                        r["missing_count"],
                        r["veto_count"],
                        json.dumps(r["items"], ensure_ascii=False),
                        r["rules_version"],
                        r["digest"],
                        source,
                    )
                )
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(REPORT_COLUMNS)}) VALUES "
                + ", ".join([row_sql] * len(part))
                + f" ON CONFLICT (archive_id) DO UPDATE SET {updates}"
                + f" WHERE {table}.computed_at <= EXCLUDED.computed_at",
                params,
            )


def check_archive(archive_id: int, *, ruleset: RuleSet | None = None, source: str = "check") -> dict | None:
    """Compute and store the report of one archive. Returns the result dict, or None if there is no archive."""
    computed_at = timezone.now()
    ruleset = ruleset or load_rules()
    facts = gather(archive_id, ruleset)
    if facts is None:
        return None
    result = evaluate(ruleset, facts)
    upsert_reports([result], computed_at=computed_at, source=source)  # one statement: atomic by itself
    return result


def missing_veto_items(archive: Archive | int) -> list[dict]:
    """The veto items (单项否决) an archive lacks now, checked afresh (for FILE_INCOMPLETE on transfer, req. 28)."""
    result = check_archive(archive if isinstance(archive, int) else archive.pk)
    return [item for item in (result or {}).get("items", []) if item["veto"]]


def report_for(archive: Archive | int) -> CompletenessReport | None:
    archive_id = archive if isinstance(archive, int) else archive.pk
    return CompletenessReport.objects.filter(archive_id=archive_id).first()


def report_or_check(archive: Archive | int) -> CompletenessReport | None:
    """The stored report, computing it first when the archive has never been checked."""
    report = report_for(archive)
    if report is None:
        check_archive(archive if isinstance(archive, int) else archive.pk)
        report = report_for(archive)
    return report


def year_ranges(years) -> str:
    """[1998, 1999, 2000, 2005] -> '1998—2000、2005'."""
    years = sorted(years)
    parts, start, prev = [], None, None
    for y in years:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(str(start) if start == prev else f"{start}—{prev}")
            start = prev = y
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}—{prev}")
    return "、".join(parts)
