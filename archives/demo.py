"""Demo cadres and archives for `manage.py seed_demo`. Deterministic (seeded RNG) and idempotent."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from accounts.demo import CITY_AREA, COUNTIES
from accounts.models import ManagementLevel, Unit, User
from archives.models import (
    Archive,
    ArchiveEvent,
    Cadre,
    CadreStatus,
    CadreType,
    FamilyMember,
    HoldingGroup,
    SortingStatus,
)
from core.choices import PoliticalStatus
from core.idcard import make_id_number

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解仇"
)
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞斌宇浩凯健俊峰建国志文博立新海波永德荣庆东旭晨昊"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞燕玲婷雪琳颖慧莉萍红梅洁琴云兰凤倩晶雅欣悦佳怡璐彤"
ETHNICITIES = ["汉族"] * 46 + ["回族", "畲族", "壮族", "满族"]
SCHOOLS = [
    ("南昌大学", "行政管理专业"),
    ("江西财经大学", "会计学专业"),
    ("江西师范大学", "汉语言文学专业"),
    ("华东交通大学", "土木工程专业"),
    ("武汉大学", "法学专业"),
    ("中国人民大学", "公共管理专业"),
    ("湖南大学", "经济学专业"),
    ("江西农业大学", "农学专业"),
]
CITY_POSTS = [
    ("局长", "一级调研员", ManagementLevel.MUNICIPAL),
    ("副局长", "二级调研员", ManagementLevel.MUNICIPAL),
    ("党组书记、主任", "一级调研员", ManagementLevel.MUNICIPAL),
    ("副主任", "三级调研员", ManagementLevel.MUNICIPAL),
    ("办公室主任", "一级主任科员", ManagementLevel.OTHER),
]
COUNTY_POSTS = [
    ("局长", "一级主任科员", ManagementLevel.COUNTY),
    ("副局长", "二级主任科员", ManagementLevel.COUNTY),
    ("镇党委书记", "一级主任科员", ManagementLevel.COUNTY),
    ("副镇长", "三级主任科员", ManagementLevel.COUNTY),
    ("股长", "一级科员", ManagementLevel.OTHER),
]
CADRES_PER_HOLDING = 60


def _name(rng: random.Random, sex: str) -> str:
    pool = MALE_GIVEN if sex == "1" else FEMALE_GIVEN
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _date(rng: random.Random, year: int) -> datetime.date:
    return datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _resume(rng, birth, work_start, school, major, unit_name, post, post_start) -> str:
    entry = datetime.date(work_start.year - 4, 9, 1)
    lines = [f"{entry:%Y.%m}--{work_start.year}.07  {school}{major}学习"]
    first_post_end = post_start - datetime.timedelta(days=1) if post_start > work_start else work_start
    lines.append(f"{work_start.year}.07--{first_post_end:%Y.%m}  {unit_name}科员、副科长、科长")
    lines.append(f"{post_start:%Y.%m}--          {unit_name}{post}")
    return "\n".join(lines)


def _family(rng, cadre: Cadre, area: str) -> list[FamilyMember]:
    members = []
    spouse_sex = "2" if cadre.sex == "1" else "1"
    spouse_birth = cadre.birth_date + datetime.timedelta(days=rng.randint(-900, 900))
    members.append(
        FamilyMember(
            cadre=cadre,
            relation="妻子" if spouse_sex == "2" else "丈夫",
            name=_name(rng, spouse_sex),
            birth_date=spouse_birth,
            political_status=rng.choice(["01", "01", "13"]),
            work_unit_post=rng.choice(
                ["青山市第一中学教师", "青山市人民医院医生", "青山市税务局科员", "个体经营"]
            ),
            id_number=make_id_number(area, spouse_birth, rng.randint(0, 99), spouse_sex),
            sort_order=1,
        )
    )
    child_sex = rng.choice("12")
    child_birth = _date(rng, min(cadre.birth_date.year + rng.randint(25, 32), 2018))
    members.append(
        FamilyMember(
            cadre=cadre,
            relation="儿子" if child_sex == "1" else "女儿",
            name=cadre.name[0] + _name(rng, child_sex)[1:],
            birth_date=child_birth,
            political_status="03" if child_birth.year > 1998 else "13",
            work_unit_post="学生" if child_birth.year > 2002 else "青山市某公司职员",
            sort_order=2,
        )
    )
    members.append(
        FamilyMember(
            cadre=cadre,
            relation="父亲",
            name=cadre.name[0] + _name(rng, "1")[1:],
            birth_date=_date(rng, cadre.birth_date.year - rng.randint(24, 32)),
            political_status=rng.choice(["01", "13"]),
            work_unit_post="已退休",
            sort_order=3,
        )
    )
    members.append(
        FamilyMember(
            cadre=cadre,
            relation="母亲",
            name=_name(rng, "2"),
            birth_date=_date(rng, cadre.birth_date.year - rng.randint(22, 30)),
            political_status="13",
            work_unit_post="已退休",
            sort_order=4,
        )
    )
    return members


def _make_cadre(rng, *, seq, area, unit, posts, prefix, holding, clerks) -> Archive | None:
    archive_no = f"{prefix}{seq:05d}"
    existing = Archive.objects.filter(archive_no=archive_no).select_related("cadre").first()
    if existing:
        return existing
    sex = "1" if rng.random() < 0.68 else "2"
    name = _name(rng, sex)
    birth = _date(rng, rng.randint(1964, 1994))
    party = rng.random() < 0.85
    school, major = rng.choice(SCHOOLS)
    work_start = datetime.date(birth.year + rng.randint(21, 23), 7, rng.choice([1, 15, 20]))
    post, rank, level = rng.choice(posts)
    years_served = (datetime.date(2026, 1, 1) - work_start).days // 365
    post_start = datetime.date(2026 - rng.randint(1, max(2, min(8, years_served))), rng.randint(1, 12), 1)
    status = CadreStatus.SERVING
    group = HoldingGroup.SERVING
    if birth.year < 1966 and rng.random() < 0.5:
        status, group = CadreStatus.RETIRED, HoldingGroup.RETIRED
    elif seq % 97 == 0:
        status, group = CadreStatus.DECEASED, HoldingGroup.DECEASED
    cadre = Cadre(
        name=name,
        sex=sex,
        ethnicity=rng.choice(ETHNICITIES),
        birth_date=birth,
        native_place=rng.choice(["江西青山", "江西南昌", "江西吉安", "湖南浏阳", "福建长汀", "浙江衢州"]),
        birthplace=rng.choice(["江西青山", "江西东湖", "江西南岭", "江西西溪"]),
        id_number=make_id_number(area, birth, seq % 100, sex),
        political_status=PoliticalStatus.CPC_MEMBER if party else rng.choice(["03", "05", "13"]),
        party_join_date=_date(rng, max(birth.year + 19, work_start.year + rng.randint(-2, 6)))
        if party
        else None,
        work_start_date=work_start,
        fulltime_education="大学本科",
        fulltime_degree="学士",
        fulltime_school=f"{school}{major}",
        inservice_education=rng.choice(["", "", "研究生", "中央党校研究生"]),
        inservice_degree="",
        professional_title=rng.choice(["", "", "经济师", "高级经济师", "工程师"]),
        current_post=f"{unit.name}{post}",
        rank=rank,
        management_level=level,
        cadre_type=CadreType.CIVIL_SERVANT
        if unit.kind in ("party_gov", "discipline", "personnel")
        else CadreType.INSTITUTION,
        unit=unit,
        status=status,
        post_start_date=post_start,
        rewards_punishments=rng.choice(["", "", "2019年度被评为全市优秀共产党员"]),
        appraisal_results=rng.choice(
            ["2023年度称职；2024年度优秀；2025年度称职", "2023年度优秀；2024年度称职；2025年度称职"]
        ),
    )
    if party and cadre.party_join_date < work_start - datetime.timedelta(days=800):
        cadre.party_join_date = work_start - datetime.timedelta(days=rng.randint(30, 700))
    cadre.resume = _resume(rng, birth, work_start, school, major, unit.name, post, post_start)
    cadre.save()
    FamilyMember.objects.bulk_create(_family(rng, cadre, area))
    archive = Archive.objects.create(
        archive_no=archive_no,
        cadre=cadre,
        holding_unit=holding,
        custodian=clerks[seq % len(clerks)] if clerks else None,
        main_volumes=1 + (seq % 7 == 0),
        duplicate_volumes=seq % 3 == 0,
        room="一号库房" if seq % 2 else "二号库房",
        cabinet=f"{(seq - 1) // 40 + 1:02d}",
        shelf=str((seq - 1) // 8 % 5 + 1),
        position=str((seq - 1) % 8 + 1),
        sorting_status=SortingStatus.SORTED if seq % 11 else SortingStatus.SORTING,
        holding_group=group,
        has_digital=seq % 4 == 0,
    )
    ArchiveEvent.objects.create(archive=archive, kind="建档", description="演示数据：建立档案并入库")
    return archive


@transaction.atomic
def seed(units: dict[str, Unit], users: dict[str, User]) -> list[Archive]:
    rng = random.Random(20181128)
    archives: list[Archive] = []
    city_units = [units[c] for c in units if c.startswith("QS-") and c != "QS-ZZB"]
    clerks = [users["guandang"], users["guandang2"]]
    for seq in range(1, CADRES_PER_HOLDING + 1):
        unit = city_units[seq % len(city_units)]
        archives.append(
            _make_cadre(
                rng,
                seq=seq,
                area=CITY_AREA,
                unit=unit,
                posts=CITY_POSTS,
                prefix="QS",
                holding=units["QS-ZZB"],
                clerks=clerks,
            )
        )
    for prefix, _county, area in COUNTIES:
        county_units = [units[c] for c in units if c.startswith(f"{prefix}-") and c != f"{prefix}-ZZB"]
        clerks = [u for name, u in users.items() if name.startswith(prefix.lower() + "_guandang")]
        for seq in range(1, CADRES_PER_HOLDING + 1):
            unit = county_units[seq % len(county_units)]
            archives.append(
                _make_cadre(
                    rng,
                    seq=seq,
                    area=area,
                    unit=unit,
                    posts=COUNTY_POSTS,
                    prefix=prefix,
                    holding=units[f"{prefix}-ZZB"],
                    clerks=clerks,
                )
            )
    archives.append(_clerk_own_archive(units, users))
    return archives


def _clerk_own_archive(units, users) -> Archive:
    """The clerk 王丽华 has her own archive in the city holdings: she must never open it (SELF_OR_RELATIVE)."""
    clerk = users["guandang"]
    existing = Archive.objects.filter(archive_no="QS09001").first()
    if existing:
        return existing
    cadre = Cadre.objects.create(
        name=clerk.full_name,
        sex="2",
        birth_date=datetime.date(1982, 5, 14),
        id_number=clerk.id_number,
        political_status=PoliticalStatus.CPC_MEMBER,
        party_join_date=datetime.date(2003, 6, 1),
        work_start_date=datetime.date(2004, 7, 1),
        fulltime_education="大学本科",
        fulltime_degree="学士",
        fulltime_school="南昌大学档案学专业",
        current_post="中共青山市委组织部干部档案室主任",
        rank="一级主任科员",
        management_level=ManagementLevel.OTHER,
        unit=units["QS-ZZB"],
        resume="2000.09--2004.07  南昌大学档案学专业学习\n2004.07--          中共青山市委组织部干部档案室科员、主任",
    )
    archive = Archive.objects.create(
        archive_no="QS09001",
        cadre=cadre,
        holding_unit=units["QS-ZZB"],
        custodian=users["guandang2"],  # requirement 14: a different designated custodian
        room="一号库房",
        cabinet="09",
        shelf="1",
        position="1",
        sorting_status=SortingStatus.SORTED,
    )
    ArchiveEvent.objects.create(
        archive=archive, kind="建档", description="演示数据：管档员本人档案，由他人保管"
    )
    return archive
