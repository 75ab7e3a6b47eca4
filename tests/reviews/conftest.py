"""Builders for crafted archives: a clean candidate, and helpers to plant exactly one problem at a time."""

from __future__ import annotations

import datetime

import pytest

from archives.models import CadrePost, EducationRecord, Material, MaterialKind, MaterialStatus
from tests import factories

D = datetime.date
BIRTH = D(1975, 3, 15)
CLEAN_RESUME = (
    "1993.09--1997.07  南昌大学行政管理专业学习\n"
    "1997.07--2008.03  青山市财政局科员、副科长、科长\n"
    "（其间：2003.09--2006.07在中央党校函授学院经济管理专业在职大学学习）\n"
    "2008.03--2016.05  青山市财政局副局长\n"
    "2016.05--          青山市财政局局长"
)


def add_material(archive, kind_code: str, *, title=None, year=2000, month=1, day=1, **kw) -> Material:
    kind = MaterialKind.objects.select_related("category").get(code=kind_code)
    m = Material(
        archive=archive,
        category=kind.category,
        kind=kind,
        title=title or kind.name,
        formed_year=year,
        formed_month=month,
        formed_day=day,
        page_count=kw.pop("pages", 2),
        status=kw.pop("status", MaterialStatus.FILED),
        **kw,
    )
    m.save()
    return m


def clean_archive(holding_unit, *, name="张清白", birth=BIRTH, **cadre_kw):
    """A candidate whose archive passes every red-flag check: consistent dates, admission form, a complete
    education set, a continuous résumé and every post with its approved appointment form."""
    cadre_kw.setdefault("work_start_date", D(1997, 7, 1))
    cadre_kw.setdefault("party_join_date", D(1996, 6, 1))
    cadre_kw.setdefault("resume", CLEAN_RESUME)
    archive = factories.archive(holding_unit=holding_unit, name=name, birth=birth, **cadre_kw)
    cadre = archive.cadre
    add_material(archive, "league_admission", year=1990, month=5, day=4, stated_birth_date=birth)
    add_material(archive, "edu_highschool", year=1993, month=6, day=30, stated_birth_date=birth)
    add_material(
        archive,
        "party_admission",
        year=1996,
        month=6,
        day=1,
        stated_birth_date=birth,
        stated_party_join_date=cadre.party_join_date,
    )
    edu = EducationRecord.objects.create(
        cadre=cadre,
        level="bachelor",
        degree="法学学士",
        school="南昌大学",
        major="行政管理专业",
        entry_date=D(1993, 9, 1),
        graduation_date=D(1997, 7, 1),
        degree_date=D(1997, 7, 1),
    )
    edu.materials.set(
        [
            add_material(archive, "edu_entry", year=1993, month=9, day=1),
            add_material(archive, "edu_transcript", year=1997, month=6, day=20),
            add_material(archive, "edu_graduation", year=1997, month=6, day=25, stated_birth_date=birth),
            add_material(archive, "edu_degree", year=1997, month=7, day=1),
        ]
    )
    add_material(
        archive,
        "recruitment",
        year=1997,
        month=7,
        day=1,
        stated_birth_date=birth,
        stated_work_start_date=cadre.work_start_date,
    )
    add_material(archive, "civil_servant_registration", year=2006, month=6, day=1, stated_birth_date=birth)
    for start, end, title in (
        (D(2008, 3, 1), D(2016, 5, 1), "青山市财政局副局长"),
        (D(2016, 5, 1), None, "青山市财政局局长"),
    ):
        form = add_material(
            archive,
            "appointment_form",
            title=f"干部任免审批表（{title}）",
            year=start.year,
            month=start.month,
            day=1,
            stated_birth_date=birth,
        )
        CadrePost.objects.create(
            cadre=cadre,
            start_date=start,
            end_date=end,
            title=title,
            approving_organ="中共青山市委",
            document_no=f"青任字〔{start.year}〕{start.month}号",
            approved_on=start,
            appointment_material=form,
        )
    return archive


@pytest.fixture
def crafted(org):
    """crafted() -> a clean archive held by the city organization department (a municipal cadre)."""

    def make(**kw):
        kw.setdefault("unit", org.city_bureau)
        return clean_archive(org.city_org, **kw)

    return make


@pytest.fixture
def reviewer2(org):
    return factories.user("reviewer2", roles=["审批人"], unit=org.city_org, full_name="审批人乙")


@pytest.fixture
def gkit(org):
    """Grading new cadre archives (issue 6): see tests/reviews/grading_kit.py."""
    from tests.reviews.grading_kit import build

    return build(org)
