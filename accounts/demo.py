"""Demo organisation for `manage.py seed_demo`: the fictional 青山市 with three counties, and its users.

Idempotent: every row is keyed (unit code, user name) and created only when missing.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import Unit, UnitKind, UnitLevel, User
from core.choices import PoliticalStatus
from core.idcard import make_id_number

DEMO_PASSWORD = "Dangan@2026"
CITY_AREA = "361102"
COUNTIES = [
    # code prefix, name, area code
    ("DH", "东湖县", "361121"),
    ("NL", "南岭县", "361122"),
    ("XX", "西溪县", "361123"),
]
CITY_UNITS = [
    ("QS-JW", "中共青山市纪律检查委员会", UnitKind.DISCIPLINE),
    ("QS-RS", "青山市人力资源和社会保障局", UnitKind.PERSONNEL),
    ("QS-SWB", "中共青山市委办公室", UnitKind.PARTY_GOVERNMENT),
    ("QS-ZFB", "青山市人民政府办公室", UnitKind.PARTY_GOVERNMENT),
    ("QS-FGW", "青山市发展和改革委员会", UnitKind.PARTY_GOVERNMENT),
    ("QS-CZ", "青山市财政局", UnitKind.PARTY_GOVERNMENT),
    ("QS-JY", "青山市教育局", UnitKind.PARTY_GOVERNMENT),
    ("QS-ZR", "青山市自然资源局", UnitKind.PARTY_GOVERNMENT),
    ("QS-ZJ", "青山市住房和城乡建设局", UnitKind.PARTY_GOVERNMENT),
    ("QS-JT", "青山市交通运输局", UnitKind.PARTY_GOVERNMENT),
    ("QS-WJ", "青山市卫生健康委员会", UnitKind.PARTY_GOVERNMENT),
    ("QS-SJ", "青山市审计局", UnitKind.PARTY_GOVERNMENT),
    ("QS-YY", "青山市第一人民医院", UnitKind.INSTITUTION),
    ("QS-CT", "青山市城市建设投资集团有限公司", UnitKind.ENTERPRISE),
]
COUNTY_UNITS = [
    ("JW", "中共{c}纪律检查委员会", UnitKind.DISCIPLINE, UnitLevel.COUNTY),
    ("RS", "{c}人力资源和社会保障局", UnitKind.PERSONNEL, UnitLevel.COUNTY),
    ("ZFB", "{c}人民政府办公室", UnitKind.PARTY_GOVERNMENT, UnitLevel.COUNTY),
    ("CZ", "{c}财政局", UnitKind.PARTY_GOVERNMENT, UnitLevel.COUNTY),
    ("JY", "{c}教育局", UnitKind.PARTY_GOVERNMENT, UnitLevel.COUNTY),
    ("NY", "{c}农业农村局", UnitKind.PARTY_GOVERNMENT, UnitLevel.COUNTY),
    ("Z1", "{c}城关镇人民政府", UnitKind.PARTY_GOVERNMENT, UnitLevel.TOWNSHIP),
    ("Z2", "{c}白沙镇人民政府", UnitKind.PARTY_GOVERNMENT, UnitLevel.TOWNSHIP),
]

# username, name, sex, birth, unit code, post, political status, roles
USERS = [
    ("guandang", "王丽华", "2", (1982, 5, 14), "QS-ZZB", "干部档案室主任", "01", [roles.CLERK]),
    ("guandang2", "陈晓燕", "2", (1990, 11, 2), "QS-ZZB", "干部档案室科员", "01", [roles.CLERK]),
    ("shenpi", "李建国", "1", (1971, 8, 21), "QS-ZZB", "市委组织部副部长", "01", [roles.REVIEWER]),
    ("shenpi2", "赵志刚", "1", (1979, 2, 9), "QS-ZZB", "干部一科科长", "01", [roles.REVIEWER]),
    ("shenji", "孙雅婷", "2", (1986, 7, 30), "QS-ZZB", "信息中心审计员", "01", [roles.AUDITOR]),
    ("baomi", "周海峰", "1", (1980, 4, 3), "QS-ZZB", "保密员", "01", [roles.SECURITY_ADMIN]),
    ("xitong", "吴俊杰", "1", (1988, 12, 19), "QS-ZZB", "信息中心工程师", "03", [roles.SYSTEM_ADMIN]),
    ("chayue1", "郑文博", "1", (1978, 6, 11), "QS-JW", "第三审查调查室主任", "01", [roles.VIEWER]),
    ("chayue2", "冯立新", "1", (1984, 9, 25), "QS-JW", "第三审查调查室副主任", "01", [roles.VIEWER]),
    ("chayue3", "何静", "2", (1992, 3, 8), "QS-RS", "人事科科员", "13", [roles.VIEWER]),
    ("dh_guandang", "刘春梅", "2", (1985, 1, 17), "DH-ZZB", "干部档案室主任", "01", [roles.CLERK]),
    ("dh_shenpi", "黄德明", "1", (1975, 10, 6), "DH-ZZB", "县委组织部副部长", "01", [roles.REVIEWER]),
    ("nl_guandang", "杨秀英", "2", (1983, 8, 28), "NL-ZZB", "干部档案室主任", "02", [roles.CLERK]),
    ("nl_shenpi", "徐国华", "1", (1973, 5, 1), "NL-ZZB", "县委组织部副部长", "01", [roles.REVIEWER]),
    ("xx_guandang", "马丽", "2", (1987, 2, 14), "XX-ZZB", "干部档案室科员", "01", [roles.CLERK]),
    ("xx_shenpi", "朱永强", "1", (1976, 12, 12), "XX-ZZB", "县委组织部副部长", "01", [roles.REVIEWER]),
]


def _unit(code, name, level, kind, parent, holds=False, order=0) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        unit = Unit(
            code=code,
            name=name,
            level=level,
            kind=kind,
            parent=parent,
            holds_archives=holds,
            sort_order=order,
        )
        unit.save()
    return unit


def seed_units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    city = _unit("QS", "中共青山市委", UnitLevel.CITY, UnitKind.PARTY_GOVERNMENT, None)
    units["QS"] = city
    units["QS-ZZB"] = _unit(
        "QS-ZZB", "中共青山市委组织部", UnitLevel.CITY, UnitKind.ORGANIZATION, city, True, 1
    )
    for order, (code, name, kind) in enumerate(CITY_UNITS, start=2):
        units[code] = _unit(code, name, UnitLevel.CITY, kind, city, False, order)
    for order, (prefix, county_name, _area) in enumerate(COUNTIES, start=50):
        county = _unit(
            prefix, f"中共{county_name}委", UnitLevel.COUNTY, UnitKind.PARTY_GOVERNMENT, city, False, order
        )
        units[prefix] = county
        units[f"{prefix}-ZZB"] = _unit(
            f"{prefix}-ZZB",
            f"中共{county_name}委组织部",
            UnitLevel.COUNTY,
            UnitKind.ORGANIZATION,
            county,
            True,
            1,
        )
        for sub_order, (suffix, pattern, kind, level) in enumerate(COUNTY_UNITS, start=2):
            code = f"{prefix}-{suffix}"
            units[code] = _unit(code, pattern.format(c=county_name), level, kind, county, False, sub_order)
    return units


def seed_users(units: dict[str, Unit]) -> dict[str, User]:
    users: dict[str, User] = {}
    groups = {g.name: g for g in Group.objects.all()}
    for seq, (username, name, sex, birth, unit_code, post, status, role_names) in enumerate(USERS, start=1):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=name,
                unit=units[unit_code],
                post=post,
                political_status=status,
                id_number=make_id_number(CITY_AREA, datetime.date(*birth), 70 + seq, sex),
                phone=f"0795-82{seq:02d}{seq * 37 % 100:02d}{seq % 10}",
                is_staff=roles.SYSTEM_ADMIN in role_names,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(*[groups[r] for r in role_names])
            if roles.CLERK in role_names:
                user.served_units.add(units[unit_code])
        users[username] = user
    return users


def describe() -> list[tuple[str, str, str, str]]:
    """(username, name, unit, roles) for README and the command's summary."""
    unit_names = {
        "QS-ZZB": "中共青山市委组织部",
        "QS-JW": "中共青山市纪律检查委员会",
        "QS-RS": "青山市人力资源和社会保障局",
    }
    for prefix, county, _ in COUNTIES:
        unit_names[f"{prefix}-ZZB"] = f"中共{county}委组织部"
    return [
        (
            u[0],
            u[1],
            unit_names.get(u[4], u[4]),
            "、".join(u[7]) + ("" if u[6] in ("01",) else f"（{PoliticalStatus(u[6]).label}）"),
        )
        for u in USERS
    ]
