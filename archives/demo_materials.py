"""Demo directories for `manage.py seed_demo`: every demo archive gets a realistic directory of 60+ materials.

Per cadre, derived from their record (birth, work start, Party joining, education, current post):
résumé forms (1988 and 1999 editions, short résumés at promotions), autobiography and thought reports, one annual
appraisal form per year of service from 1997 (or the first full year) with a few gaps, inspection materials, the
education set (high-school form, entry form, transcript, graduate registration, degree, diploma copy) linked through
EducationRecord, League and Party materials for Party members, commendations, wage forms, the recruitment,
registration, probation and appointment forms (9-2) linked to CadrePost rows with document numbers, travel
approvals, dispatch certificate and health check. Some copies carry copy date and sealing unit, a few materials are
marked altered, and the stated birth / work / Party dates agree with the record except in three archives. About
twenty archives get Pillow-drawn scan pages with Chinese text (200-300 dpi) with their renditions; the clerks'
intake queues get a few open receipt batches. Deterministic (seeded RNG), idempotent (an archive that already has
materials is skipped), and fast (bulk_create).
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import io
import random
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from archives.models import (
    Archive,
    ArchiveEvent,
    CadrePost,
    EducationLevel,
    EducationRecord,
    Material,
    MaterialCategory,
    MaterialKind,
    MaterialStatus,
    Page,
    PostRank,
    ReceiptBatch,
)
from core.choices import PoliticalStatus

TODAY = datetime.date.today()
LAST_YEAR = TODAY.year - 1  # the last full year: appraisal forms run up to it
# Archives whose stated birth dates disagree (and one altered form): the review engineer's red flags.
INCONSISTENT = ("QS00007", "DH00013", "NL00021")
SCANNED_PER_HOLDING = 5  # the first N archives of each holding get scan pages (4 holdings: about 20 archives)
MISMATCH_ARCHIVE = "QS00002"  # one scanned material there misses a page (PAGE_COUNT_MISMATCH)

RANK_OF_POST = {
    "局长": PostRank.DIVISION,
    "副局长": PostRank.DEPUTY_DIVISION,
    "党组书记、主任": PostRank.DIVISION,
    "副主任": PostRank.DEPUTY_DIVISION,
    "办公室主任": PostRank.SECTION,
    "镇党委书记": PostRank.SECTION,
    "副镇长": PostRank.DEPUTY_SECTION,
    "股长": PostRank.CLERK,
}
COUNTY_RANK_OF_POST = {"局长": PostRank.SECTION, "副局长": PostRank.DEPUTY_SECTION}


@dataclass
class Item:
    code: str  # leaf category code
    kind: str | None
    title: str
    date: datetime.date
    precision: str = "day"  # "year", "month" or "day"
    pages: int = 2
    producing_unit: str = ""
    is_copy: bool = False
    copy_date: datetime.date | None = None
    copy_sealed_by: str = ""
    remarks: str = ""
    stated_birth: datetime.date | None = None
    stated_work: datetime.date | None = None
    stated_party: datetime.date | None = None
    altered: str = ""
    key: str = ""  # to link posts and education records
    scan: bool = False


@dataclass
class Plan:
    archive: Archive
    items: list[Item] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    educations: list[dict] = field(default_factory=list)

    def add(self, *args, **kwargs) -> Item:
        item = Item(*args, **kwargs)
        self.items.append(item)
        return item


def _d(rng: random.Random, year: int, month: int | None = None) -> datetime.date:
    month = month or rng.randint(1, 12)
    return datetime.date(year, month, rng.randint(1, min(28, calendar.monthrange(year, month)[1])))


def _clamp(day: datetime.date, low: datetime.date, high: datetime.date = TODAY) -> datetime.date:
    return max(low, min(high, day))


def _org_department(archive: Archive) -> str:
    return archive.holding_unit.name


def _plan(archive: Archive) -> Plan:
    rng = random.Random(archive.archive_no)
    cadre = archive.cadre
    plan = Plan(archive)
    unit = cadre.unit.name
    org = _org_department(archive)
    birth = cadre.birth_date
    work = cadre.work_start_date or datetime.date(birth.year + 22, 7, 1)
    party = cadre.party_join_date
    inconsistent = archive.archive_no in INCONSISTENT
    stated_birth = birth
    early_birth = (
        birth.replace(year=birth.year + 1) if inconsistent else birth
    )  # "younger" on the earliest form
    school_full = cadre.fulltime_school or "南昌大学行政管理专业"
    school = school_full.split("大学")[0] + "大学" if "大学" in school_full else school_full
    entry = datetime.date(work.year - 4, 9, 1)

    # --- 4-1 education: high school, the bachelor set, a diploma copy -------------------------------------------
    plan.add(
        "41",
        "edu_highschool",
        "高中毕业生登记表",
        datetime.date(entry.year, 6, 20),
        pages=2,
        producing_unit="青山市第一中学",
        stated_birth=early_birth,
        key="hs",
        altered="出生年份疑似由原数字涂改" if inconsistent and archive.archive_no == INCONSISTENT[0] else "",
    )
    gap = rng.random()
    edu_keys = []
    plan.add(
        "41",
        "edu_entry",
        "普通高等学校招生考生登记表",
        datetime.date(entry.year, 7, 5),
        pages=2,
        producing_unit=f"{school}招生办公室",
        stated_birth=stated_birth,
        key="edu_entry",
    )
    edu_keys.append("edu_entry")
    if gap > 0.06:  # a few archives miss the transcript: an incomplete education set
        plan.add(
            "41",
            "edu_transcript",
            "大学本科学习成绩单",
            datetime.date(work.year, 6, 25),
            pages=1,
            producing_unit=f"{school}教务处",
            key="edu_transcript",
        )
        edu_keys.append("edu_transcript")
    plan.add(
        "41",
        "edu_graduation",
        "高等学校毕业生登记表",
        datetime.date(work.year, 6, 10),
        pages=4,
        producing_unit=school,
        stated_birth=stated_birth,
        key="edu_graduation",
    )
    edu_keys.append("edu_graduation")
    if gap < 0.94:  # and a few miss the degree material
        plan.add(
            "41",
            "edu_degree",
            "学士学位授予审批材料",
            datetime.date(work.year, 7, 1),
            pages=1,
            producing_unit=f"{school}学位评定委员会",
            key="edu_degree",
        )
        edu_keys.append("edu_degree")
    copy_date = datetime.date(work.year + 1, 3, rng.randint(1, 28))
    plan.add(
        "41",
        "edu_diploma_copy",
        "毕业证书、学位证书复印件",
        datetime.date(work.year, 7, 1),
        pages=2,
        producing_unit=school,
        is_copy=True,
        copy_date=copy_date,
        copy_sealed_by=f"{unit}人事科",
        remarks="复印件",
        key="edu_copy",
    )
    edu_keys.append("edu_copy")
    plan.educations.append(
        {
            "mode": EducationRecord.Mode.FULL_TIME,
            "level": EducationLevel.BACHELOR,
            "degree": cadre.fulltime_degree or "学士",
            "school": school,
            "major": school_full[len(school) :] or "",
            "entry_date": entry,
            "graduation_date": datetime.date(work.year, 7, 1),
            "degree_date": datetime.date(work.year, 7, 1),
            "keys": edu_keys,
        }
    )
    if cadre.inservice_education:
        start = max(work.year + 4, 2003)
        if start + 3 <= LAST_YEAR:
            party_school = "党校" in cadre.inservice_education
            name = "中共江西省委党校" if party_school else "江西财经大学"
            keys = []
            plan.add(
                "41",
                "edu_entry",
                f"{'党校' if party_school else '在职'}研究生入学登记表",
                _d(rng, start, 9),
                pages=2,
                producing_unit=name,
                key="pg_entry",
            )
            keys.append("pg_entry")
            plan.add(
                "41",
                "edu_transcript",
                "研究生课程成绩单",
                _d(rng, start + 3, 5),
                pages=1,
                producing_unit=name,
                key="pg_transcript",
            )
            keys.append("pg_transcript")
            if rng.random() > 0.12:
                plan.add(
                    "41",
                    "edu_graduation",
                    "研究生毕业生登记表",
                    _d(rng, start + 3, 6),
                    pages=3,
                    producing_unit=name,
                    stated_birth=stated_birth,
                    key="pg_graduation",
                )
                keys.append("pg_graduation")
            if not party_school and rng.random() > 0.12:
                plan.add(
                    "41",
                    "edu_degree",
                    "公共管理硕士专业学位授予审批材料",
                    _d(rng, start + 3, 7),
                    pages=1,
                    producing_unit=f"{name}学位评定委员会",
                    key="pg_degree",
                )
                keys.append("pg_degree")
            plan.educations.append(
                {
                    "mode": EducationRecord.Mode.IN_SERVICE,
                    "level": EducationLevel.PARTY_SCHOOL if party_school else EducationLevel.MASTER,
                    "degree": "" if party_school else "公共管理硕士",
                    "school": name,
                    "major": "经济管理" if party_school else "公共管理",
                    "entry_date": datetime.date(start, 9, 1),
                    "graduation_date": datetime.date(start + 3, 7, 1),
                    "degree_date": None if party_school else datetime.date(start + 3, 7, 1),
                    "keys": keys,
                }
            )

    # --- 1 résumé ------------------------------------------------------------------------------------------------
    if work.year < 1999:
        plan.add(
            "1",
            "resume_1988",
            "干部履历表（1988年版）",
            _clamp(_d(rng, max(work.year + 1, 1990)), work),
            pages=8,
            producing_unit=org,
            stated_birth=stated_birth,
            stated_work=work,
            stated_party=party if party and party.year < 1998 else None,
            key="resume88",
        )
    plan.add(
        "1",
        "resume_1999",
        "干部履历表（1999年版）",
        _clamp(_d(rng, max(work.year + 1, 2000)), work),
        pages=8,
        producing_unit=org,
        stated_birth=stated_birth,
        stated_work=work,
        stated_party=party if party and party.year < 2000 else None,
        key="resume99",
        scan=True,
    )

    # --- work history: recruitment, probation, promotions, current post ------------------------------------------
    county = archive.archive_no[:2] != "QS"
    post_name = (cadre.current_post or "").replace(unit, "") or "科员"
    top_rank = (COUNTY_RANK_OF_POST if county else {}).get(post_name) or RANK_OF_POST.get(
        post_name, PostRank.SECTION
    )
    post_start = cadre.post_start_date or datetime.date(LAST_YEAR - 2, 3, 1)
    post_start = max(post_start, work + datetime.timedelta(days=400))
    ladder = [
        r
        for r in (PostRank.DEPUTY_SECTION, PostRank.SECTION, PostRank.DEPUTY_DIVISION)
        if int(r) < int(top_rank)
    ]
    span = (post_start - work).days
    steps = []
    for i, rank in enumerate(ladder, start=1):
        day = work + datetime.timedelta(days=span * i // (len(ladder) + 1))
        steps.append((rank, _d(rng, day.year, day.month)))
    plan.add(
        "92",
        "recruitment",
        "国家公务员录用审批表",
        _clamp(work - datetime.timedelta(days=20), entry),
        pages=2,
        producing_unit="青山市人力资源和社会保障局",
        stated_birth=stated_birth,
        stated_work=work,
        key="recruit",
        scan=True,
    )
    plan.add(
        "5",
        "political_vetting",
        "录用人员政审材料",
        _clamp(work - datetime.timedelta(days=45), entry),
        pages=2,
        producing_unit="青山市公安局",
        key="vetting",
    )
    plan.add(
        "10",
        "health_check",
        "录用体检结论",
        _clamp(work - datetime.timedelta(days=50), entry),
        pages=1,
        producing_unit="青山市第一人民医院",
    )
    plan.add(
        "10",
        "dispatch_certificate",
        "普通高等学校毕业生就业报到证",
        datetime.date(work.year, 7, 1),
        pages=1,
        producing_unit="江西省教育厅",
        is_copy=True,
        copy_date=datetime.date(work.year, 7, 20),
        copy_sealed_by=f"{unit}人事科",
        remarks="复印件",
    )
    probation = datetime.date(work.year + 1, work.month, min(work.day, 28))
    plan.add("3", "term_appraisal", "新录用公务员试用期满考核表", probation, pages=2, producing_unit=unit)
    plan.add(
        "92",
        "probation_grading",
        "转正定级审批表",
        probation,
        pages=1,
        producing_unit=unit,
        stated_birth=stated_birth,
        stated_work=work,
    )
    plan.add(
        "92",
        "civil_servant_registration",
        "公务员登记表",
        _clamp(_d(rng, max(2006, work.year + 1), 9), work),
        pages=4,
        producing_unit=org,
        stated_birth=stated_birth,
        stated_work=work,
        stated_party=party,
    )
    plan.add(
        "44",
        "training",
        "新录用公务员初任培训结业登记表",
        _clamp(_d(rng, work.year, 11), work),
        pages=1,
        producing_unit="中共青山市委党校",
    )
    plan.posts.append(
        {"start_date": work, "title": f"{unit}科员", "rank": PostRank.CLERK, "is_promotion": False}
    )
    doc_seq = rng.randint(3, 60)
    approving = "中共青山市委" if int(top_rank) >= int(PostRank.DEPUTY_DIVISION) and not county else org
    for i, (rank, day) in enumerate([*steps, (top_rank, post_start)]):
        label = dict(PostRank.choices)[rank]
        title = f"{unit}{post_name}" if i == len(steps) else f"{unit}{label}领导职务"
        doc = f"{'青' if not county else archive.archive_no[:2]}组干字〔{day.year}〕{doc_seq + i * 7}号"
        key = f"appoint{i}"
        plan.add(
            "92",
            "appointment_form",
            "干部任免审批表",
            day,
            pages=2,
            producing_unit=org,
            stated_birth=stated_birth,
            stated_work=work,
            stated_party=party,
            key=key,
            remarks=f"{approving}批准，{doc}",
            scan=(i == len(steps)),
        )
        plan.add(
            "3",
            "inspection",
            f"拟任{label}职务考察材料",
            day - datetime.timedelta(days=25),
            pages=3,
            producing_unit=org,
        )
        if day.year >= 2019:
            plan.add(
                "5",
                "pre_appointment_review",
                "干部人事档案任前审核登记表",
                day - datetime.timedelta(days=30),
                pages=1,
                producing_unit=org,
            )
        plan.add(
            "1",
            "resume_other",
            "干部简历表",
            day - datetime.timedelta(days=28),
            pages=1,
            producing_unit=org,
            stated_birth=stated_birth,
            stated_work=work,
        )
        plan.add(
            "44",
            "training",
            f"{label}任职培训结业登记表",
            _clamp(day + datetime.timedelta(days=120), day),
            pages=1,
            producing_unit="中共青山市委党校",
        )
        plan.add(
            "91",
            "wage_change",
            "工资变动审批表（职务晋升）",
            day + datetime.timedelta(days=30),
            pages=1,
            producing_unit="青山市人力资源和社会保障局",
        )
        plan.posts.append(
            {
                "start_date": day,
                "title": title,
                "rank": rank,
                "is_promotion": True,
                "approving_organ": approving,
                "document_no": doc,
                "approved_on": day,
                "key": key,
            }
        )
    for a, b in zip(plan.posts, plan.posts[1:], strict=False):
        a["end_date"] = b["start_date"] - datetime.timedelta(days=1)

    # --- 2 autobiography and thoughts, 6 League and Party -------------------------------------------------------
    league_day = _d(rng, birth.year + rng.randint(14, 16))
    plan.add(
        "6",
        "league_admission",
        "中国共产主义青年团入团志愿书",
        league_day,
        pages=4,
        producing_unit="青山市第一中学团委",
        stated_birth=early_birth,
    )
    if party:
        plan.add(
            "2",
            "autobiography",
            "自传",
            party - datetime.timedelta(days=rng.randint(60, 200)),
            pages=6,
            producing_unit=unit,
            stated_birth=stated_birth,
            key="auto",
        )
        plan.add(
            "6",
            "party_application",
            "入党申请书",
            party - datetime.timedelta(days=rng.randint(400, 800)),
            pages=2,
            producing_unit=unit,
        )
        plan.add(
            "6",
            "party_admission",
            "中国共产党入党志愿书",
            party,
            pages=8,
            producing_unit=unit,
            stated_birth=stated_birth,
            stated_party=party,
            key="party",
            scan=True,
        )
        for q in range(1, 4):
            plan.add(
                "2",
                "thought_report",
                f"预备期第{q}季度思想汇报",
                party + datetime.timedelta(days=90 * q),
                pages=2,
                producing_unit=unit,
            )
        plan.add(
            "6",
            "party_full_member",
            "转正申请书",
            party + datetime.timedelta(days=350),
            pages=2,
            producing_unit=unit,
        )
        if party.year < 1985:
            plan.add(
                "6",
                "party_registration_1985",
                "党员登记表（1985年）",
                datetime.date(1985, 6, 10),
                pages=2,
                producing_unit=unit,
                stated_birth=stated_birth,
                stated_party=party,
            )
        if party.year < 1990:
            plan.add(
                "6",
                "party_registration_1990",
                "党员登记表（1990年）",
                datetime.date(1990, 5, 10),
                pages=2,
                producing_unit=unit,
                stated_birth=stated_birth,
                stated_party=party,
            )
    else:
        plan.add(
            "2",
            "autobiography",
            "自传",
            _clamp(_d(rng, work.year), work),
            pages=5,
            producing_unit=unit,
            stated_birth=stated_birth,
        )
        if cadre.political_status in PoliticalStatus.democratic_parties():
            plan.add(
                "6",
                "democratic_party",
                "加入民主党派审批材料",
                _clamp(_d(rng, work.year + 5), work),
                pages=3,
                producing_unit="中国民主同盟青山市委员会",
            )

    # --- per year: appraisal (with gaps), wage steps, commendations, personal-matters reports --------------------
    first_year = max(1997, work.year + 1 if (work.month, work.day) > (1, 1) else work.year)
    gaps = set()
    if rng.random() < 0.3:
        gaps = set(
            rng.sample(range(first_year, LAST_YEAR + 1), k=min(rng.randint(1, 2), LAST_YEAR + 1 - first_year))
        )
    leader_since = next(
        (p["start_date"].year for p in plan.posts if int(p["rank"]) >= int(PostRank.SECTION)), None
    )
    for year in range(first_year, LAST_YEAR + 1):
        if year not in gaps:
            rating = "优秀" if rng.random() < 0.25 else "称职"
            plan.add(
                "3",
                "annual_appraisal",
                f"{year}年度公务员年度考核登记表",
                datetime.date(year, 12, rng.randint(15, 30)),  # signed at the year-end appraisal
                precision="month" if year < 2005 else "day",
                pages=2,
                producing_unit=unit,
                remarks="",
                scan=year == LAST_YEAR,
            )
            if rating == "优秀" and rng.random() < 0.6:
                plan.add(
                    "7",
                    "award",
                    f"{year}年度嘉奖审批表",
                    datetime.date(year + 1, 2, rng.randint(1, 28)),
                    pages=1,
                    producing_unit=unit,
                )
        if (year - work.year) % 2 == 0:
            plan.add(
                "91",
                "wage_change",
                "工资变动审批表（级别薪级晋升）",
                datetime.date(year, 12, rng.randint(1, 28)),
                precision="month",
                pages=1,
                producing_unit="青山市人力资源和社会保障局",
            )
        if leader_since and year >= max(2013, leader_since) and year > 2012:
            plan.add(
                "2",
                "personal_matters",
                f"领导干部个人有关事项报告表（{year}年）",
                datetime.date(year + 1, 1, 30),
                pages=4,
                producing_unit=unit,
            )
    if work.year <= 2006:
        plan.add(
            "91",
            "wage_change",
            "2006年工资制度改革套改表",
            datetime.date(2006, 9, 30),
            pages=1,
            producing_unit="青山市人力资源和社会保障局",
        )
    if work.year <= 2014:
        plan.add(
            "5",
            "special_review",
            "干部人事档案专项审核认定表",
            datetime.date(2015, 10, rng.randint(1, 28)),
            pages=2,
            producing_unit=org,
            stated_birth=birth,
            stated_work=work,
            stated_party=party,
        )

    # --- other categories: titles, travel, delegates, audits, punishment, transfers --------------------------------
    if cadre.professional_title:
        plan.add(
            "42",
            "title_approval",
            f"{cadre.professional_title}任职资格评审表",
            _clamp(_d(rng, work.year + 6), work),
            pages=3,
            producing_unit="青山市人力资源和社会保障局",
        )
    if rng.random() < 0.5:
        plan.add(
            "42",
            "qualification_cert",
            "法律职业资格证书复印件",
            _clamp(_d(rng, work.year + 3), work),
            pages=1,
            producing_unit="司法部",
            is_copy=True,
            copy_date=_clamp(_d(rng, work.year + 4), work),
            copy_sealed_by=f"{unit}人事科",
            remarks="复印件",
        )
    if rng.random() < 0.35:
        plan.add(
            "93",
            "abroad_approval",
            "因公临时出国（境）审批表",
            _clamp(_d(rng, rng.randint(2012, 2019)), work),
            pages=2,
            producing_unit="青山市人民政府外事办公室",
        )
    if rng.random() < 0.2:
        plan.add(
            "94",
            "delegate",
            "青山市人民代表大会代表登记表",
            _clamp(_d(rng, 2021, 10), work),
            pages=2,
            producing_unit="青山市人大常委会",
        )
    if int(top_rank) >= int(PostRank.DIVISION) and rng.random() < 0.6:
        plan.add(
            "5",
            "audit_report",
            "经济责任审计结果报告",
            _clamp(_d(rng, rng.randint(2018, 2024)), work),
            pages=6,
            producing_unit="青山市审计局",
        )
    if rng.random() < 0.06:
        day = _clamp(_d(rng, rng.randint(2012, 2020)), work)
        plan.add(
            "8", "punishment", "党内警告处分决定", day, pages=2, producing_unit="中共青山市纪律检查委员会"
        )
        plan.add(
            "8",
            "punishment_lifted",
            "处分期满解除处分决定",
            day + datetime.timedelta(days=370),
            pages=1,
            producing_unit="中共青山市纪律检查委员会",
        )
    if rng.random() < 0.15:
        plan.add(
            "3",
            "transfer_appraisal",
            "调动鉴定表",
            _clamp(_d(rng, work.year + 5), work),
            pages=1,
            producing_unit=unit,
        )
        plan.add(
            "92",
            "transfer_in",
            "调任审批表",
            _clamp(_d(rng, work.year + 5), work),
            pages=2,
            producing_unit=org,
            stated_birth=stated_birth,
            stated_work=work,
        )
    # A few altered materials beyond the inconsistent archives.
    if rng.random() < 0.04:
        victim = rng.choice([i for i in plan.items if i.kind == "annual_appraisal"] or plan.items)
        victim.altered = "考核等次栏有涂改痕迹"
    if inconsistent:
        for item in plan.items:
            if item.kind == "resume_1988" or (
                item.kind == "resume_1999" and archive.archive_no != INCONSISTENT[0]
            ):
                item.stated_birth = early_birth
    # Pad to a full directory: training records of two months or longer, which every serving cadre accumulates.
    year = work.year + 2
    while len(plan.items) < 62:
        plan.add(
            "44",
            "training",
            f"{min(year, LAST_YEAR)}年度干部教育培训学时登记表",
            datetime.date(min(year, LAST_YEAR), 12, 20),
            precision="month",
            pages=1,
            producing_unit="中共青山市委组织部干部教育科",
        )
        year += 1
    return plan


# --- scans ----------------------------------------------------------------------------------------------------


def _font(size: int):
    return ImageFont.truetype(settings.CJK_FONT_PATH, size)


def _draw_page(title: str, lines: list[str], number: int, total: int, dpi: int, seal: str) -> Image.Image:
    """An A4 page at `dpi` with a title, ruled form lines and the cadre's data; the last page carries a red seal
    and is scanned in colour, the others in greyscale (the colour mode is recorded per page)."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    colour = number == total
    image = Image.new("RGB" if colour else "L", (width, height), (250, 248, 240) if colour else 248)
    ink = (25, 25, 25) if colour else 25
    blue = (35, 35, 90) if colour else 45
    grey = (170, 170, 170) if colour else 170
    draw = ImageDraw.Draw(image)
    scale = dpi / 200
    title_font, body_font, small = _font(int(46 * scale)), _font(int(28 * scale)), _font(int(22 * scale))
    margin = int(150 * scale)
    tw = draw.textlength(title, font=title_font)
    draw.text(((width - tw) / 2, int(160 * scale)), title, font=title_font, fill=ink)
    y = int(300 * scale)
    row = int(78 * scale)
    for i, text in enumerate(lines):
        draw.rectangle((margin, y, width - margin, y + row), outline=ink, width=max(1, int(2 * scale)))
        draw.text((margin + int(20 * scale), y + int(20 * scale)), text, font=body_font, fill=blue)
        y += row
        if y > height - int(500 * scale) or i > 18:
            break
    for k in range(6):
        yy = y + int(40 * scale) + k * int(60 * scale)
        draw.line((margin, yy, width - margin, yy), fill=grey, width=1)
    if colour:
        cx, cy, r = width - margin - int(230 * scale), height - int(520 * scale), int(150 * scale)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(200, 20, 20), width=int(8 * scale))
        sw = draw.textlength(seal[:12], font=small)
        draw.text((cx - sw / 2, cy - int(12 * scale)), seal[:12], font=small, fill=(200, 20, 20))
        draw.text((cx - int(18 * scale), cy - int(70 * scale)), "★", font=body_font, fill=(200, 20, 20))
    foot = f"第 {number} 页"
    draw.text(
        ((width - draw.textlength(foot, font=small)) / 2, height - int(120 * scale)),
        foot,
        font=small,
        fill=ink,
    )
    return image


def _jpeg(image: Image.Image, dpi: int | None = None, quality: int = 80) -> bytes:
    out = io.BytesIO()
    kwargs = {"dpi": (dpi, dpi)} if dpi else {}
    image.save(out, format="JPEG", quality=quality, **kwargs)
    return out.getvalue()


def _scan_lines(material: Material, cadre) -> list[str]:
    lines = [
        f"姓名：{cadre.name}    性别：{cadre.get_sex_display()}    民族：{cadre.ethnicity}",
        f"出生年月：{(material.stated_birth_date or cadre.birth_date):%Y年%m月}    籍贯：{cadre.native_place}",
        f"参加工作时间：{cadre.work_start_date:%Y年%m月}" if cadre.work_start_date else "参加工作时间：",
        f"政治面貌：{cadre.get_political_status_display()}"
        + (f"    入党时间：{cadre.party_join_date:%Y年%m月}" if cadre.party_join_date else ""),
        f"学历学位：{cadre.fulltime_education} {cadre.fulltime_degree}  {cadre.fulltime_school}",
        f"工作单位及职务：{cadre.current_post}",
        f"材料形成时间：{material.formed_display}    形成单位：{material.producing_unit}",
    ]
    for line in (cadre.resume or "").splitlines()[:6]:
        lines.append(line.strip())
    if material.remarks:
        lines.append(f"备注：{material.remarks}")
    return lines


def _store_pages(material: Material, cadre, rng: random.Random) -> list[Page]:
    """Draw, store and render the pages of one material (renditions made here, as the Celery task would)."""
    pages = []
    total = material.page_count
    dpi = rng.choice([200, 200, 300]) if total <= 2 else 200
    missing_one = material.archive.archive_no == MISMATCH_ARCHIVE and material.kind.code == "resume_1999"
    for number in range(1, (total - 1 if missing_one else total) + 1):
        image = _draw_page(
            material.title, _scan_lines(material, cadre), number, total, dpi, material.producing_unit
        )
        data = _jpeg(image, dpi)
        page = Page(
            material=material,
            number=number,
            sha256=hashlib.sha256(data).hexdigest(),
            width=image.width,
            height=image.height,
            dpi=dpi,
            color_mode=image.mode,
            image_format="JPEG",
            size_bytes=len(data),
            rendition_status=Page.RenditionStatus.READY,
        )
        display = image.reduce(2 if dpi == 200 else 3)  # fast integer reduction, under DISPLAY_MAX_SIDE
        thumb = display.reduce(4)
        thumb.thumbnail((240, 240))
        for name, variant, payload in (
            ("image", "", data),
            ("display", "display", _jpeg(display, quality=82)),
            ("thumbnail", "thumb", _jpeg(thumb)),
        ):
            key = page.storage_key("jpg", variant)
            if default_storage.exists(key):
                default_storage.delete(key)
            setattr(page, name, default_storage.save(key, ContentFile(payload)))
        pages.append(page)
    return pages


# --- seeding ----------------------------------------------------------------------------------------------------


def _fast_insert(model, rows: list[dict], batch: int = 500) -> None:
    """INSERT many rows with one prepared statement (executemany): the ORM's bulk_create spends most of its time
    building SQL for twenty thousand rows. Every concrete column is written: given values, else the field's
    default (auto_now fields: now), adapted for the database by type."""
    from django.db import connection
    from django.utils import timezone

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)

    def adapt(value):
        if isinstance(value, datetime.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return connection.ops.adapt_datefield_value(value)
        return value

    values = [
        [adapt(row[f.attname]) if f.attname in row else defaults[f.attname] for f in fields] for row in rows
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(values), batch):
            cursor.executemany(sql, values[i : i + batch])


TOUR_ARCHIVES = re.compile(r"^QS000[0-2]\d$")


def _intake(archives: list[Archive], users: dict, kinds: dict, categories: dict) -> int:
    """A few open receipt batches per holding: received, identified (some overdue) and late hand-overs."""
    if ReceiptBatch.objects.exists():
        return 0
    created = 0
    by_holding: dict[int, list[Archive]] = {}
    for a in archives:
        by_holding.setdefault(a.holding_unit_id, []).append(a)
    clerk_for = {}
    for username, user in users.items():
        if username.endswith("guandang") and user.unit_id:
            clerk_for.setdefault(user.unit_id, user)
    for holding_id, items in by_holding.items():
        clerk = clerk_for.get(holding_id)
        if clerk is None:
            continue
        # Seeded by the unit's code, not its id: ids differ between databases and test runs.
        rng = random.Random(items[0].holding_unit.code or holding_id)
        for days_ago, unit, overdue in ((3, "青山市财政局", False), (45, "青山市教育局", True)):
            received = TODAY - datetime.timedelta(days=days_ago)
            batch = ReceiptBatch.objects.create(
                holding_unit_id=holding_id,
                producing_unit=unit,
                delivered_by=rng.choice(["张敏", "刘洋", "陈静"]),
                received_date=received,
                received_by=clerk,
                notes="演示数据",
            )
            # Not the first archive of the holding (it stays tidy for the tour), nor the archives the viewing,
            # borrowing and transfer demos use (QS00001-QS00029): a loose material would block their transfer.
            pool = [a for a in items[1:] if not TOUR_ARCHIVES.match(a.archive_no)] or items[1:] or items
            for archive in rng.sample(pool, k=min(3, len(pool))):
                late = rng.random() < 0.4
                formed = received - datetime.timedelta(
                    days=rng.randint(60, 200) if late else rng.randint(5, 25)
                )
                Material.objects.create(
                    archive=archive,
                    batch=batch,
                    category=categories["3"],
                    kind=kinds["annual_appraisal"],
                    title=f"{formed.year - 1 if formed.month < 3 else formed.year}年度公务员年度考核登记表"
                    if not late
                    else "试用期满考核表",
                    formed_year=formed.year,
                    formed_month=formed.month,
                    formed_day=formed.day,
                    page_count=2,
                    producing_unit=unit,
                    received_date=received,
                    late_handover=late,
                    status=MaterialStatus.IDENTIFIED if overdue else MaterialStatus.RECEIVED,
                    identified_by=clerk if overdue else None,
                    created_by=clerk,
                )
                created += 1
    return created


def seed(ctx: dict) -> str:
    archives: list[Archive] = [a for a in ctx["archives"] if a is not None]
    archives = list(
        Archive.objects.filter(pk__in=[a.pk for a in archives])
        .select_related("cadre", "cadre__unit", "holding_unit")
        .order_by("archive_no")
    )
    have = set(Material.objects.filter(archive__in=archives).values_list("archive_id", flat=True).distinct())
    todo = [a for a in archives if a.pk not in have]
    categories = {c.code: c for c in MaterialCategory.objects.all()}
    kinds = {k.code: k for k in MaterialKind.objects.all()}
    n_materials = n_pages = 0
    with transaction.atomic():
        plans = [_plan(a) for a in todo]
        rows: list[Material] = []
        owners: list[tuple[Plan, Item]] = []
        for plan in plans:
            seq: dict[str, int] = {}
            for item in sorted(plan.items, key=lambda i: (i.code, i.date, i.title)):
                seq[item.code] = seq.get(item.code, 0) + 1
                d = min(item.date, TODAY)
                m = {
                    "archive_id": plan.archive.pk,
                    "category_id": categories[item.code].pk,
                    "kind_id": kinds[item.kind].pk if item.kind else None,
                    "seq": seq[item.code],
                    "title": item.title,
                    "formed_year": d.year,
                    "formed_month": None if item.precision == "year" else d.month,
                    "formed_day": d.day if item.precision == "day" else None,
                    "formed_on": datetime.date(
                        d.year,
                        d.month if item.precision != "year" else 1,
                        d.day if item.precision == "day" else 1,
                    ),
                    "page_count": item.pages,
                    "is_copy": item.is_copy,
                    "copy_date": item.copy_date,
                    "copy_sealed_by": item.copy_sealed_by,
                    "producing_unit": item.producing_unit,
                    "received_date": min(TODAY, d + datetime.timedelta(days=12)),
                    "filed_date": min(TODAY, d + datetime.timedelta(days=30)),
                    "status": MaterialStatus.FILED.value,
                    "remarks": item.remarks[:200],
                    "stated_birth_date": item.stated_birth,
                    "stated_work_start_date": item.stated_work,
                    "stated_party_join_date": item.stated_party,
                    "is_altered": bool(item.altered),
                    "alteration_note": item.altered,
                }
                rows.append(m)
                owners.append((plan, item))
        _fast_insert(Material, rows)
        n_materials = len(rows)
        ids = {
            (a, c, q): pk
            for pk, a, c, q in Material.objects.filter(archive__in=todo).values_list(
                "pk", "archive_id", "category_id", "seq"
            )
        }
        by_key: dict[tuple[int, str], Material] = {}
        for m, (plan, item) in zip(rows, owners, strict=True):
            if item.key:
                by_key[(plan.archive.pk, item.key)] = Material(
                    pk=ids[(m["archive_id"], m["category_id"], m["seq"])]
                )
        posts, educations, links = [], [], []
        for plan in plans:
            for p in plan.posts:
                key = p.pop("key", None)
                posts.append(
                    CadrePost(
                        cadre=plan.archive.cadre, appointment_material=by_key.get((plan.archive.pk, key)), **p
                    )
                )
            for e in plan.educations:
                keys = e.pop("keys")
                record = EducationRecord(cadre=plan.archive.cadre, **e)
                educations.append(record)
                links.append([by_key[(plan.archive.pk, k)] for k in keys if (plan.archive.pk, k) in by_key])
        CadrePost.objects.bulk_create(posts, batch_size=2000)
        EducationRecord.objects.bulk_create(educations, batch_size=2000)
        through = EducationRecord.materials.through
        through.objects.bulk_create(
            [
                through(educationrecord_id=e.pk, material_id=m.pk)
                for e, ms in zip(educations, links, strict=True)
                for m in ms
            ],
            batch_size=2000,
        )
        ArchiveEvent.objects.bulk_create(
            [
                ArchiveEvent(
                    archive=p.archive,
                    kind="材料归档",
                    description=f"演示数据：整理归档 {len(p.items)} 份材料",
                )
                for p in plans
            ]
        )
    # Scans: the first archives of each holding (their files are written outside the database transaction).
    scanned_archives = []
    seen: dict[str, int] = {}
    for a in archives:
        prefix = a.archive_no[:2]
        if a.archive_no == "QS09001":
            continue
        if seen.get(prefix, 0) < SCANNED_PER_HOLDING:
            seen[prefix] = seen.get(prefix, 0) + 1
            scanned_archives.append(a)
    already = set(
        Page.objects.filter(material__archive__in=scanned_archives).values_list("material_id", flat=True)
    )
    wanted = (
        Material.objects.filter(archive__in=scanned_archives, status=MaterialStatus.FILED)
        .filter(kind__code__in=["resume_1999", "appointment_form", "annual_appraisal"])
        .select_related("archive", "archive__cadre", "category", "kind")
        .order_by("archive_id", "category__sort_order", "seq")
    )
    pages: list[Page] = []
    latest_appointment: dict[int, Material] = {}
    first_of_holding = {
        a.pk for a in scanned_archives if a.archive_no[2:] == "00001" or a.archive_no == MISMATCH_ARCHIVE
    }
    for m in wanted:
        code = m.kind.code
        if code == "appointment_form":
            latest_appointment[m.archive_id] = m  # ordered by seq: the latest form wins
            continue
        if m.pk in already:
            continue
        if code == "annual_appraisal" and not m.title.startswith(str(LAST_YEAR)):
            continue
        if code == "resume_1999" and m.archive_id not in first_of_holding:
            continue
        pages += _store_pages(m, m.archive.cadre, random.Random(m.pk))
    for m in latest_appointment.values():
        if m.pk not in already:
            pages += _store_pages(m, m.archive.cadre, random.Random(m.pk))
    Page.objects.bulk_create(pages, batch_size=500)
    n_pages = len(pages)
    if scanned_archives:
        Archive.objects.filter(pk__in=[a.pk for a in scanned_archives]).update(has_digital=True)
    n_intake = _intake(archives, ctx["users"], kinds, categories)
    total = Material.objects.filter(archive__in=archives).count()
    return (
        f"档案材料：新增 {n_materials} 份已归档材料（共 {total} 份），扫描页 {n_pages} 页，"
        f"待处理零散材料 {n_intake} 份"
    )
