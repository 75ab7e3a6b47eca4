"""The completeness rule set shipped with the system: key original materials of docs/domain.md 1.3 (and 5.3).

Loaded by a data migration into CompletenessRule; from then on the rules are data that the 系统管理员 edits in the
admin pages. Kept here so that the migration, tests and documentation read the same table.

Each entry: code, name, category code, kind codes, options. Options not given take the model defaults
(applies_to "all", count_mode "one", weight 2, deduction 1, not a veto).
"""

EDU_SINCE = {"college": 1980, "bachelor": 1982, "master": 1981, "doctor": 1981}

RULES = [
    # 1 résumé
    (
        "resume_1999",
        "干部履历表（1999年版）",
        "1",
        ["resume_1999"],
        {"weight": 5, "deduction": 5, "description": "评分表：缺1999年版干部履历表扣5分。"},
    ),
    (
        "resume_1988",
        "干部履历表（1988年版）",
        "1",
        ["resume_1988"],
        {
            "worked_before_year": 1989,
            "weight": 3,
            "deduction": 3,
            "description": "1989年以前参加工作的干部应有1988年版干部履历表；评分表：缺少扣3分。",
        },
    ),
    # 3 appraisal
    (
        "annual_appraisal",
        "年度考核登记表",
        "3",
        ["annual_appraisal"],
        {
            "count_mode": "per_year",
            "weight": 2,
            "deduction": 1,
            "description": "自核查起始年份（默认1997年，参加工作后第一个完整年度更晚时从该年度起）至上一年度，每年一份；"
            "试用期、不定等次等年度可登记免查原因。评分表：每缺一年扣1分，最多扣2分。",
        },
    ),
    # 9-2 appointments (with their inspection materials)
    (
        "appointment_since_1997",
        "干部任免审批表（1997年以来提拔副科级以上）",
        "92",
        ["appointment_form"],
        {
            "count_mode": "per_promotion",
            "since_year": 1997,
            "min_rank": "20",
            "is_veto": True,
            "weight": 4,
            "deduction": 4,
            "description": "1997年以来每次提拔任副科级以上职务应有干部任免审批表；缺少为单项否决。",
        },
    ),
    (
        "appointment_before_1997",
        "干部任免审批表（1997年以前提拔副处级以上）",
        "92",
        ["appointment_form"],
        {
            "count_mode": "per_promotion",
            "until_year": 1996,
            "min_rank": "40",
            "weight": 8,
            "deduction": 4,
            "description": "1997年以前提拔任副处级以上职务应有任免审批表（评分表8分）。",
        },
    ),
    (
        "inspection_per_promotion",
        "考察材料（1997年以来每次提拔）",
        "92",
        ["inspection"],
        {
            "count_mode": "per_promotion",
            "since_year": 1997,
            "min_rank": "20",
            "weight": 8,
            "deduction": 4,
            "description": "凡提必考察：每次提拔任职应有考察材料，归入9-2任免审批表之后（评分表8分）。",
        },
    ),
    (
        "civil_servant_registration",
        "公务员登记表",
        "92",
        ["civil_servant_registration"],
        {
            "applies_to": "civil_servant",
            "is_veto": True,
            "weight": 8,
            "deduction": 8,
            "description": "公务员应有公务员登记表；缺少为单项否决。",
        },
    ),
    (
        "cs_managed_registration",
        "参照公务员法管理人员登记表",
        "92",
        ["cs_managed_registration"],
        {
            "applies_to": "cs_managed",
            "is_veto": True,
            "weight": 8,
            "deduction": 8,
            "description": "参照公务员法管理人员应有参公登记表；缺少为单项否决。",
        },
    ),
    (
        "cadre_status_evidence",
        "录用（聘用）审批表、调任审批表或转正定级表",
        "92",
        ["recruitment", "transfer_in", "probation_grading"],
        {
            "weight": 4,
            "deduction": 4,
            "description": "干部身份的原始依据（三龄两历一身份）：录用、聘用或调任审批表，或转正定级表，至少一份。",
        },
    ),
    # 9-1 wages
    (
        "wage_since_1993",
        "工资变动审批表（1993年以来）",
        "91",
        ["wage_change"],
        {
            "since_year": 1993,
            "weight": 4,
            "deduction": 4,
            "description": "1993年以来的工资材料（工资变动审批表或套改表），至少一份（评分表4分）。",
        },
    ),
    # 6 Party
    (
        "party_admission",
        "中国共产党入党志愿书",
        "6",
        ["party_admission"],
        {
            "applies_to": "party",
            "weight": 8,
            "deduction": 8,
            "description": "中共党员（含预备党员）应有入党志愿书；评分表：缺少扣8分。",
        },
    ),
    (
        "party_registration_1985",
        "党员登记表（1985年）",
        "6",
        ["party_registration_1985"],
        {
            "applies_to": "party",
            "party_joined_before_year": 1985,
            "weight": 2,
            "deduction": 2,
            "description": "1985年以前入党的党员应有1985年党员登记表。",
        },
    ),
    (
        "party_registration_1990",
        "党员登记表（1990年）",
        "6",
        ["party_registration_1990"],
        {
            "applies_to": "party",
            "party_joined_before_year": 1990,
            "weight": 2,
            "deduction": 2,
            "description": "1990年以前入党的党员应有1990年党员登记表。",
        },
    ),
]

# 4-1 education sets (domain.md 1.3 and 5.3): one rule per level and piece, counted per education record
# through the materials linked to it.
_EDU_LEVEL_NAMES = {
    "college": "大学专科",
    "bachelor": "大学本科",
    "master": "硕士研究生",
    "doctor": "博士研究生",
    "party_school": "党校",
}
_EDU_PIECES = {
    "college": [
        ("transcript", "学习成绩单", ["edu_transcript"], False),
        ("graduation", "毕业生登记表", ["edu_graduation"], False),
    ],
    "bachelor": [
        ("transcript", "学习成绩单", ["edu_transcript"], False),
        ("graduation", "毕业生登记表", ["edu_graduation"], False),
        ("degree", "学位授予材料", ["edu_degree"], True),
    ],
    "master": [
        ("entry", "入学登记表", ["edu_entry"], False),
        ("transcript", "学习成绩单", ["edu_transcript"], False),
        ("graduation", "毕业生登记表", ["edu_graduation"], False),
        ("degree", "学位授予材料", ["edu_degree"], True),
    ],
    "doctor": [
        ("entry", "入学登记表", ["edu_entry"], False),
        ("transcript", "学习成绩单", ["edu_transcript"], False),
        ("graduation", "毕业生登记表", ["edu_graduation"], False),
        ("degree", "学位授予材料", ["edu_degree"], True),
    ],
    "party_school": [
        ("transcript", "学习成绩单", ["edu_transcript"], False),
        ("graduation", "毕业登记表或党校学历证书", ["edu_graduation", "edu_diploma_copy"], False),
    ],
}
for _level, _pieces in _EDU_PIECES.items():
    for _piece, _label, _kinds, _degree_only in _pieces:
        _options = {
            "count_mode": "per_education",
            "education_level": _level,
            "degree_only": _degree_only,
            "weight": 2,
            "deduction": 2,
            "description": f"{_EDU_LEVEL_NAMES[_level]}学历应有完整的学历材料：{_label}"
            + ("（有学位者）" if _degree_only else "")
            + "。按学历学位记录所关联的证明材料核对。",
        }
        if _level in EDU_SINCE:
            _options["since_year"] = EDU_SINCE[_level]
        RULES.append(
            (f"edu_{_level}_{_piece}", f"{_EDU_LEVEL_NAMES[_level]}{_label}", "41", _kinds, _options)
        )
RULES.append(
    (
        "edu_foreign_verification",
        "国（境）外学历学位认证书",
        "41",
        ["edu_verification"],
        {
            "count_mode": "per_education",
            "foreign_only": True,
            "since_year": 2000,
            "weight": 2,
            "deduction": 2,
            "description": "2000年以来取得的国（境）外学历学位应有教育部留学服务中心认证书。",
        },
    )
)

SORT_BASE = {"1": 100, "3": 300, "41": 410, "6": 600, "91": 910, "92": 920}


def load(apps) -> int:
    """Create the shipped rules that do not exist yet (by code). Used by the data migration; idempotent."""
    CompletenessRule = apps.get_model("archives", "CompletenessRule")
    MaterialCategory = apps.get_model("archives", "MaterialCategory")
    MaterialKind = apps.get_model("archives", "MaterialKind")
    categories = {c.code: c for c in MaterialCategory.objects.all()}
    kinds = {k.code: k for k in MaterialKind.objects.all()}
    created = 0
    for index, (code, name, category_code, kind_codes, options) in enumerate(RULES):
        if CompletenessRule.objects.filter(code=code).exists():
            continue
        rule = CompletenessRule.objects.create(
            code=code,
            name=name,
            category=categories[category_code],
            sort_order=SORT_BASE.get(category_code, 1000) + index,
            **options,
        )
        rule.kinds.set([kinds[k] for k in kind_codes])
        created += 1
    return created
