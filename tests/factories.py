"""Test data builders (plain functions: explicit, no magic). Used through the fixtures in conftest.py."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth.models import Group

from accounts.models import ManagementLevel, Unit, UnitKind, UnitLevel, User
from archives.models import Archive, Cadre, FamilyMember, Material, MaterialCategory, MaterialStatus
from core.idcard import make_id_number

PASSWORD = "Test@Pass2026"
_seq = itertools.count(1)


def unit(
    name, *, code=None, level=UnitLevel.CITY, kind=UnitKind.PARTY_GOVERNMENT, parent=None, holds=False
) -> Unit:
    u = Unit(
        name=name, code=code or f"U{next(_seq)}", level=level, kind=kind, parent=parent, holds_archives=holds
    )
    u.save()
    return u


class Org:
    """A small city: a city Party committee with its organization department (holds archives), a bureau,
    a discipline commission, and one county with its own organization department and bureau."""

    def __init__(self):
        self.city = unit("中共测试市委", code="T-CITY")
        self.city_org = unit(
            "中共测试市委组织部", code="T-ZZB", kind=UnitKind.ORGANIZATION, parent=self.city, holds=True
        )
        self.city_bureau = unit("测试市财政局", code="T-CZ", parent=self.city)
        self.city_discipline = unit("中共测试市纪委", code="T-JW", kind=UnitKind.DISCIPLINE, parent=self.city)
        self.city_hr = unit("测试市人社局", code="T-RS", kind=UnitKind.PERSONNEL, parent=self.city)
        self.city_school = unit("测试市第一中学", code="T-YZ", kind=UnitKind.INSTITUTION, parent=self.city)
        self.county = unit("中共测试县委", code="T-XW", level=UnitLevel.COUNTY, parent=self.city)
        self.county_org = unit(
            "中共测试县委组织部",
            code="T-XZZB",
            level=UnitLevel.COUNTY,
            kind=UnitKind.ORGANIZATION,
            parent=self.county,
            holds=True,
        )
        self.county_bureau = unit("测试县财政局", code="T-XCZ", level=UnitLevel.COUNTY, parent=self.county)


def user(
    username=None,
    *,
    roles=(),
    unit=None,
    political_status="01",
    full_name=None,
    id_number=None,
    birth=None,
    sex="1",
    **kw,
) -> User:
    n = next(_seq)
    username = username or f"user{n}"
    if id_number is None:
        id_number = make_id_number("110105", birth or datetime.date(1980, 1, 1 + n % 28), n % 100, sex)
    u = User(
        username=username,
        full_name=full_name or f"测试{n}",
        unit=unit,
        political_status=political_status,
        id_number=id_number,
        **kw,
    )
    u.set_password(PASSWORD)
    u.save()
    if roles:
        u.groups.add(*Group.objects.filter(name__in=roles))
    if unit is not None and "管档员" in roles:
        u.served_units.add(unit)
    return User.objects.get(pk=u.pk)  # fresh object: no cached roles or permissions


def cadre(
    *,
    unit,
    name="张三",
    sex="1",
    birth=datetime.date(1975, 3, 15),
    level=ManagementLevel.MUNICIPAL,
    id_number=None,
    **kw,
) -> Cadre:
    n = next(_seq)
    if id_number is None:
        id_number = make_id_number("360702", birth, n % 100, sex)
    defaults = {
        "work_start_date": datetime.date(birth.year + 22, 7, 1),
        "party_join_date": datetime.date(birth.year + 21, 6, 1),
        "political_status": "01",
    }
    defaults.update(kw)
    return Cadre.objects.create(
        name=name,
        sex=sex,
        birth_date=birth,
        unit=unit,
        management_level=level,
        id_number=id_number,
        **defaults,
    )


def archive(*, holding_unit, cadre_obj=None, archive_no=None, **cadre_kw) -> Archive:
    n = next(_seq)
    if cadre_obj is None:
        cadre_kw.setdefault("unit", holding_unit)
        cadre_obj = cadre(**cadre_kw)
    return Archive.objects.create(
        archive_no=archive_no or f"T{n:06d}", cadre=cadre_obj, holding_unit=holding_unit
    )


def relative(cadre_obj, *, name, id_number="", relation="妻子") -> FamilyMember:
    return FamilyMember.objects.create(cadre=cadre_obj, name=name, relation=relation, id_number=id_number)


def category(code: str) -> MaterialCategory:
    return MaterialCategory.objects.get(code=code)


def material(
    archive_obj,
    *,
    code="3",
    title="年度考核登记表",
    year=2020,
    month=12,
    day=20,
    pages=2,
    status=MaterialStatus.FILED,
    seq=None,
    **kw,
) -> Material:
    m = Material(
        archive=archive_obj,
        category=category(code),
        title=title,
        formed_year=year,
        formed_month=month,
        formed_day=day,
        page_count=pages,
        status=status,
        seq=seq,
        **kw,
    )
    m.save()
    return m
