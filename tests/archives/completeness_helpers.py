"""Builders for the completeness, sweep and fixity tests (plain functions, imported by those test modules)."""

from __future__ import annotations

import datetime
import hashlib
import random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from archives.models import (
    CadrePost,
    CompletenessRule,
    EducationRecord,
    Material,
    MaterialKind,
    MaterialStatus,
    Page,
)
from tests import factories


def kind(code: str) -> MaterialKind:
    return MaterialKind.objects.select_related("category").get(code=code)


def rule(code: str) -> CompletenessRule:
    return CompletenessRule.objects.get(code=code)


def only_rules(*codes: str) -> None:
    """Deactivate every shipped rule except these (keeps a test about one rule kind readable)."""
    CompletenessRule.objects.exclude(code__in=codes).update(is_active=False)
    CompletenessRule.objects.filter(code__in=codes).update(is_active=True)


def make_archive(org, **cadre_kw):
    cadre_kw.setdefault("work_start_date", datetime.date(2010, 7, 1))
    cadre_kw.setdefault("cadre_type", "institution")
    return factories.archive(holding_unit=org.city_org, **cadre_kw)


def add(
    archive, kind_code: str, year: int, month: int | None = 12, day: int | None = 20, *, status=None, **kw
):
    """A material of the given kind (category from the kind), filed unless told otherwise."""
    k = kind(kind_code)
    m = Material(
        archive=archive,
        category=k.category if k.category.is_leaf else k.category.children.first(),
        kind=k,
        title=kw.pop("title", k.name),
        formed_year=year,
        formed_month=month,
        formed_day=day if month else None,
        page_count=kw.pop("page_count", 2),
        status=status or MaterialStatus.FILED,
        **kw,
    )
    m.save()
    return m


def post(archive, start: datetime.date, rank: str, *, promotion=True, title="副局长"):
    return CadrePost.objects.create(
        cadre=archive.cadre, start_date=start, title=title, rank=rank, is_promotion=promotion
    )


def education(
    archive, level: str, *, degree="", graduated=datetime.date(2005, 7, 1), foreign=False, linked=()
):
    edu = EducationRecord.objects.create(
        cadre=archive.cadre,
        level=level,
        degree=degree,
        school="测试大学",
        graduation_date=graduated,
        degree_date=graduated if degree else None,
        is_foreign=foreign,
    )
    if linked:
        edu.materials.add(*linked)
    return edu


def forget_pending() -> None:
    """Drop the checks queued in the test's (never committed) transaction, as if their enqueueing was lost."""
    from django.db import connection

    connection._completeness_pending = None


def items_by_rule(result) -> dict:
    items = result["items"] if isinstance(result, dict) else result.items
    return {item["rule"]: item for item in items}


def store_page(material, number: int, data: bytes | None = None) -> Page:
    """A stored page file and its row (no image checks: fixity only cares about bytes and keys)."""
    data = data if data is not None else f"page {material.pk}-{number}".encode() * 50
    page = Page(
        material=material,
        number=number,
        sha256=hashlib.sha256(data).hexdigest(),
        width=620,
        height=877,
        dpi=300,
        color_mode="RGB",
        image_format="JPEG",
        size_bytes=len(data),
    )
    key = page.storage_key("jpg")
    page.image.name = default_storage.save(key, ContentFile(data))
    page.save()
    return page


def random_archives(org, n: int, seed: int = 11) -> list:
    """Varied archives for the sweep tests: Party and not, civil servants and not, promotions, educations,
    excused years, materials in all states, kinds that match nothing, formation months that shift years."""
    from archives.models import CompletenessExcusal, ExcuseReason

    rng = random.Random(seed)
    clerk = factories.user(roles=["管档员"], unit=org.city_org)
    archives = []
    yearly = rule("annual_appraisal")
    kinds_pool = [
        "resume_1999",
        "resume_1988",
        "party_admission",
        "party_registration_1985",
        "party_registration_1990",
        "civil_servant_registration",
        "cs_managed_registration",
        "wage_change",
        "recruitment",
        "probation_grading",
        "inspection",
        "appointment_form",
        "autobiography",
        "other",
    ]
    statuses = [MaterialStatus.FILED] * 6 + [MaterialStatus.RECEIVED, MaterialStatus.WITHDRAWN]
    today = datetime.date.today()
    for i in range(n):
        birth = datetime.date(rng.randint(1958, 1995), rng.randint(1, 12), rng.randint(1, 28))
        work = datetime.date(birth.year + rng.randint(18, 25), rng.choice([1, 7, 9]), 1)
        a = factories.archive(
            holding_unit=org.city_org,
            birth=birth,
            name=f"测{i}",
            work_start_date=work,
            party_join_date=datetime.date(birth.year + rng.randint(19, 30), 6, 1)
            if rng.random() < 0.8
            else None,
            political_status=rng.choice(["01", "01", "01", "02", "13", "03"]),
            cadre_type=rng.choice(["civil_servant", "cs_managed", "institution", "enterprise"]),
        )
        for year in range(max(1995, work.year), today.year + 1):
            if rng.random() < 0.85:
                month = rng.choice([1, 2, 6, 12, None])
                add(a, "annual_appraisal", year, month, 15, status=rng.choice(statuses))
        for code in rng.sample(kinds_pool, rng.randint(2, 9)):
            add(
                a,
                code,
                rng.randint(1985, today.year),
                rng.choice([3, 11, None]),
                5,
                status=rng.choice(statuses),
            )
        for _ in range(rng.randint(0, 3)):
            start = datetime.date(rng.randint(1992, today.year - 1), rng.randint(1, 12), 1)
            p = post(a, start, rng.choice(["", "10", "20", "30", "40", "50"]), promotion=rng.random() < 0.8)
            if rng.random() < 0.6:
                formed = p.start_date - datetime.timedelta(days=rng.randint(-120, 400))
                add(a, rng.choice(["appointment_form", "inspection"]), formed.year, formed.month, formed.day)
        for _ in range(rng.randint(0, 2)):
            level = rng.choice(["college", "bachelor", "master", "doctor", "party_school"])
            grad = datetime.date(rng.randint(1978, today.year - 1), 7, 1)
            linked = [
                add(a, code, grad.year, 6, 30, status=rng.choice(statuses))
                for code in rng.sample(
                    ["edu_entry", "edu_transcript", "edu_graduation", "edu_degree", "edu_verification"],
                    rng.randint(0, 5),
                )
            ]
            education(
                a,
                level,
                degree=rng.choice(["", "学士", "硕士"]),
                graduated=grad if rng.random() < 0.9 else None,
                foreign=rng.random() < 0.2,
                linked=linked,
            )
        if rng.random() < 0.3:
            year = (
                rng.randint(max(1997, work.year + 1), today.year - 1)
                if work.year + 1 < today.year - 1
                else None
            )
            if year:
                CompletenessExcusal.objects.create(
                    archive=a, rule=yearly, year=year, reason=ExcuseReason.PROBATION, recorded_by=clerk
                )
        archives.append(a)
    return archives
