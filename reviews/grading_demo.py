"""Demo gradings of new cadre archives for `manage.py seed_demo`: this year's gradings of archives submitted by the
three county organization departments and two city bureaus, in every state and grade (优秀, 合格, a late
submission, a veto at a high score, a low score returned to its unit), one waiting for 复核 (guandang2), one for
复审 (shenpi), one still 初审中. 初审 guandang, 复核 guandang2, 复审 shenpi. Idempotent: an archive that already
has a grading is skipped.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from archives.models import Archive
from reviews import grading_services as services
from reviews.models import ArchiveGrading

# archive number, submitting unit, post, days from appointment to submission, deductions, vetoes, final state
PLAN = [
    (
        "QS00024",
        "DH-ZZB",
        "东湖县人民政府副县长",
        35,
        {9: ("0.5", "2019年党校中青班结业登记表缺"), 17: ("1", "2014、2016年工资变动审批表缺")},
        {},
        "final",
    ),
    (
        "QS00026",
        "DH-ZZB",
        "东湖县委常委、组织部部长",
        40,
        {8: ("3", "缺学士学位授予材料、学习成绩表"), 4: ("3", "2016年提任副县级考察材料缺")},
        {},
        "final",
    ),
    (
        "QS00027",
        "NL-ZZB",
        "南岭县人民政府副县长",
        110,
        {21: ("2", "目录第三类页码与材料不符两处")},
        {},
        "final",
    ),
    (
        "QS00028",
        "NL-ZZB",
        "南岭县委常委、宣传部部长",
        50,
        {9: ("1", "培训材料缺两份")},
        {1: "干部履历表出生日期栏有涂改，未经认定"},
        "returned",
    ),
    (
        "QS00030",
        "XX-ZZB",
        "西溪县人民政府副县长",
        45,
        {
            8: ("6", "研究生学历缺报考登记表、成绩表和学位授予材料"),
            18: ("4", "1996年任副处级缺任免呈报表"),
            7: ("2", "2009、2011年度考核登记表缺"),
        },
        {},
        "returned",
    ),
    (
        "QS00031",
        "XX-ZZB",
        "西溪县委常委、政法委书记",
        30,
        {20: ("1", "第九类材料排列顺序有误"), 22: ("1.5", "两份材料字迹模糊")},
        {},
        "second",
    ),
    ("QS00032", "QS-FGW", "青山市发展和改革委员会副主任", 25, {10: ("1", "中级职称审批表缺")}, {}, "check"),
    ("QS00033", "QS-JY", "青山市教育局副局长", 20, {6: ("2", "2018年离任经济责任审计结果缺")}, {}, "draft"),
]


def seed(ctx: dict) -> str:
    users, units = ctx["users"], ctx["units"]
    clerk, clerk2, reviewer = users["guandang"], users["guandang2"], users["shenpi"]
    today = timezone.localdate()
    start_of_year = datetime.date(today.year, 1, 1)
    made = 0
    with transaction.atomic():
        for index, (number, unit_code, post, days, deductions, vetoes, state) in enumerate(PLAN):
            archive = Archive.objects.filter(archive_no=number, holding_unit=units["QS-ZZB"]).first()
            if archive is None or ArchiveGrading.objects.filter(archive=archive).exists():
                continue
            submitted = max(start_of_year, today - datetime.timedelta(days=150 - index * 15))
            submitted = min(submitted, today)
            grading = services.grading_create(
                archive=archive,
                by=clerk,
                data={
                    "submitting_unit": units[unit_code],
                    "post": post,
                    "appointed_on": submitted - datetime.timedelta(days=days),
                    "submitted_on": submitted,
                    "year": today.year,
                },
            )
            grading = services.grading_score(
                grading=grading,
                by=clerk,
                lines={n: {"deduction": d, "problems": p} for n, (d, p) in deductions.items()},
                vetoes={n: {"found": True, "note": note} for n, note in vetoes.items()},
            )
            if state != "draft":
                grading = services.grading_sign(grading=grading, by=clerk, stage="initial")
            if state in ("second", "final", "returned"):
                grading = services.grading_sign(grading=grading, by=clerk2, stage="check")
            if state in ("final", "returned"):
                grading = services.grading_sign(grading=grading, by=reviewer, stage="second")
            if state == "returned":
                services.grading_return_to_unit(
                    grading=grading,
                    by=clerk,
                    reason="评定为不合格，退回补充材料、更正后重新报送",
                    returned_on=min(today, submitted + datetime.timedelta(days=7)),
                )
            made += 1
    final = ArchiveGrading.objects.filter(year=today.year, status="final")
    return (
        f"档案评分演示数据：新增{made}份；{today.year}年已定级{final.count()}份"
        f"（优秀{final.filter(grade='excellent').count()}、合格{final.filter(grade='qualified').count()}、"
        f"不合格{final.filter(grade='unqualified').count()}）"
    )
