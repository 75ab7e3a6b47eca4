"""The default 100-point sheet for grading new cadre archives (docs/domain.md 1.3 and 4.7) and its veto items.

Loaded by the data migration reviews/0003 and, after a test flush of the tables, again on post_migrate
(`ensure_sheet`). Weights follow the public scoring table the domain notes describe; the row on how the 1999 résumé
form is filled in carries 3 points here so that the sheet totals 100. A locality edits the sheet in the admin.
"""

from decimal import Decimal

ITEMS = [
    ("submit_on_time", "新任干部任职后两个月内报送干部人事档案", "逾期报送的扣3分", "3"),
    ("resume_forms", "有1988年版、1999年版《干部履历表》", "缺1999年版的扣5分，缺1988年版的扣3分", "5"),
    (
        "resume_quality",
        "《干部履历表》所填信息真实准确，1999年版有照片、本人签名、填表时间和组织印章",
        "每项不符合要求扣0.5分；受过处分而本人未填写的扣2分",
        "3",
    ),
    (
        "inspection_promotion",
        "1991年以来提拔担任副局级以上职务的，有任前考察（或表现情况）材料",
        "1997年以来提拔任职的每缺一份扣3分，其他每缺一份扣1分",
        "8",
    ),
    (
        "inspection_signed",
        "1997年以来的考察材料写明形成材料的单位（或考察人）和时间",
        "每份不符合要求扣1分",
        "3",
    ),
    ("audit", "进行过经济责任审计的，有任期经济责任审计结果材料", "每缺一份扣2分", "4"),
    ("appraisal", "1997年以来的《年度考核登记表》收集齐全，或在档案中有相应记载", "每缺一份扣1分", "2"),
    (
        "education",
        "大专以上学历学位材料齐全：本、专科有学习成绩表、毕业生登记表和学位授予材料；研究生有报考登记表、成绩表、"
        "毕业登记表和学位授予材料；党校学历有成绩表、论文答辩情况表和毕业登记表（或学历证明）；国（境）外学历学位有"
        "证书，2000年以后取得的有教育部留学服务中心认证材料",
        "每缺一份扣1分",
        "10",
    ),
    ("training", "1997年以来参加两个月以上培训的，有相应培训材料", "每缺一份扣0.5分", "2"),
    (
        "titles",
        "评聘、晋升中级以上专业技术职务（职称）的，有申报表、审批表等材料",
        "缺正高级材料扣4分，缺副高级材料扣3分，缺中级材料扣1分",
        "7",
    ),
    (
        "qualification",
        "通过全国统一考试取得职（执）业资格的，有资格考试申报（登记）表和证书复印件",
        "每缺一份扣1分",
        "2",
    ),
    (
        "birth_date",
        "更改出生日期的，有上级批复及相关调查、证明材料",
        "缺上级批复扣4分，其他材料每缺一份扣1分",
        "6",
    ),
    ("work_start", "更改参加工作时间的，有上级批复或确认参加工作时间的材料", "缺少的扣4分", "4"),
    (
        "party",
        "中共党员有《中国共产党入党志愿书》和1985年、1990年《中国共产党党员登记表》，恢复党籍的有审批材料；"
        "民主党派成员有加入民主党派的材料",
        "缺入党志愿书或加入民主党派材料的扣8分，其他材料每缺一份扣2分",
        "8",
    ),
    ("awards", "获得上级以上表彰奖励的，有相应奖励材料", "每缺一份扣1分", "3"),
    (
        "punishments",
        "任副处级以上职务后受过处分的，有处分决定（含免予处分决定）；解除处分的，有解除处分决定",
        "每缺一份扣3分",
        "6",
    ),
    (
        "wages",
        "1993年以来的工资材料齐全，或在《工资变动登记表》中有相应记载",
        "缺材料又无记载的每缺一份扣0.5分",
        "4",
    ),
    (
        "appointment_early",
        "1997年以前任副处级以上职务的，有干部任免呈报表或审批表；2008年3月以后调任机关或参照公务员法管理机关的，"
        "有公务员调任审批（备案）表",
        "每缺一份扣2分",
        "8",
    ),
    (
        "appointment_filled",
        "1997年以来的《干部任免审批表》逐项填写，注明批准机关、批准时间和文号，加盖组织印章",
        "每份填写不规范或缺批准信息、印章的扣1分",
        "4",
    ),
    ("classification", "材料分类准确，排列有序", "每项不符合要求扣1分", "2"),
    ("directory", "目录清楚，无粘贴涂改，类号、顺序号和页码填写准确", "每项不符合要求扣1分", "3"),
    ("legible", "材料无乱字、无缺页、无损坏文字", "每项不符合要求扣1分", "3"),
]

VETOES = [
    ("altered", "档案材料有涂改、造假"),
    ("misfiled", "档案中装有他人材料（装错材料）"),
    ("appointment_missing", "1997年以来担任副科级以上职务缺少《干部任免审批表》"),
    ("registration_missing", "缺少《公务员登记表》或《参照公务员法管理人员登记表》"),
]


def load(item_model, veto_model, using: str = "default") -> None:
    for number, (code, standard, method, weight) in enumerate(ITEMS, start=1):
        item_model.objects.using(using).get_or_create(
            code=code,
            defaults={"number": number, "standard": standard, "method": method, "weight": Decimal(weight)},
        )
    for number, (code, name) in enumerate(VETOES, start=1):
        veto_model.objects.using(using).get_or_create(code=code, defaults={"number": number, "name": name})


def ensure_sheet(sender=None, using="default", **kwargs) -> None:
    """post_migrate: the sheet exists (a flush of the tables in tests removes it). One count query when present."""
    from reviews.models import GradingItem, GradingVetoItem

    try:
        if GradingItem.objects.using(using).exists() or GradingVetoItem.objects.using(using).exists():
            return
    except Exception:  # tables not created yet (partial migrate)
        return
    load(GradingItem, GradingVetoItem, using)
