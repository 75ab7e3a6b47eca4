"""The regulations of the pre-appointment review as pure functions (docs/domain.md 5, requirements 35-47).

Red-flag checks take a `Facts` snapshot of one cadre's archive (built by reviews.selectors.review_facts) and
return `Finding`s: a code, a Chinese message, a stable key (so a flag keeps its identity across re-runs), the
materials it comes from, and the determination subject that can settle it. Each check is one function:

    BIRTHDATE_INCONSISTENT, BIRTHDATE_NOT_EARLIEST, BIRTHDATE_ALTERED, WORK_AGE_IMPLAUSIBLE,
    PARTY_AGE_IMPLAUSIBLE, POST_BEFORE_WORK, EDU_AGE_IMPLAUSIBLE, PARTY_NO_ADMISSION_FORM, EDU_SET_INCOMPLETE,
    RESUME_GAP, RESUME_OVERLAP, POST_WITHOUT_DOCUMENT, ID_BIRTHDATE_MISMATCH (and ID_* structure errors),
    APPOINTMENT_FORM_UNAPPROVED, and the veto items of the completeness report (passed in as facts).

The case rules (凡提四必 gate, archive-review result while flags are open, remarks) return `Violation`s.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.errors import ERROR, WARNING, Violation
from core.idcard import check_id_number

FOUR_MUSTS_INCOMPLETE = "FOUR_MUSTS_INCOMPLETE"
RED_FLAGS_OPEN = "RED_FLAGS_OPEN"
REMARKS_REQUIRED = "REMARKS_REQUIRED"
APPOINTMENT_FORM_UNAPPROVED = "APPOINTMENT_FORM_UNAPPROVED"
COMPLETENESS_VETO = "COMPLETENESS_VETO"
# Raised by a reviewer (not by a check): 涉嫌造假. While open it blocks 通过 and, through FILE_INCOMPLETE, any transfer
# of the archive (borrowing/rules_transfer.py); re-running the checks never clears it, only 核查处理 does.
SUSPECTED_FALSIFICATION = "SUSPECTED_FALSIFICATION"
MANUAL_FLAG_CODES = frozenset({SUSPECTED_FALSIFICATION})

RESUME_KINDS = ("resume_1999", "resume_1988", "resume_other")
APPOINTMENT_KIND = "appointment_form"
PARTY_ADMISSION_KIND = "party_admission"

# --- facts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialFact:
    id: int
    title: str
    label: str  # "9-2-3" (sequence label) or "" when unnumbered
    kind: str  # MaterialKind code, "" when not classified
    category: str  # category code ("6", "92"...)
    formed_on: datetime.date
    stated_birth_date: datetime.date | None = None
    stated_work_start_date: datetime.date | None = None
    stated_party_join_date: datetime.date | None = None
    is_altered: bool = False
    alteration_note: str = ""
    created_on: datetime.date | None = None

    @property
    def name(self) -> str:
        return f"《{self.title}》（{self.formed_on:%Y.%m.%d}）"


@dataclass(frozen=True)
class PostFact:
    id: int
    title: str
    start: datetime.date
    end: datetime.date | None = None
    is_concurrent: bool = False
    approving_organ: str = ""
    document_no: str = ""
    approved_on: datetime.date | None = None
    appointment_material_id: int | None = None  # None also when the linked material is not filed
    rank: str = ""  # archives.models.PostRank value


@dataclass(frozen=True)
class EducationFact:
    id: int
    level: str  # archives.models.EducationLevel value
    level_label: str
    school: str
    major: str = ""
    degree: str = ""
    entry_date: datetime.date | None = None
    graduation_date: datetime.date | None = None
    degree_date: datetime.date | None = None
    is_foreign: bool = False
    materials: tuple[tuple[int, str], ...] = ()  # (material id, kind code) of linked filed materials

    @property
    def name(self) -> str:
        return f"{self.school}{self.major}{self.level_label}"

    def kinds(self) -> set[str]:
        return {kind for _id, kind in self.materials}


@dataclass(frozen=True)
class DeterminationFact:
    subject: str
    value_date: datetime.date | None
    approved_on: datetime.date
    key: str = ""


@dataclass(frozen=True)
class VetoFact:
    """A veto item (单项否决) of the completeness report."""

    code: str
    message: str
    material_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    min_work_age: int = 16
    min_party_age: int = 18
    resume_gap_months: int = 1
    edu_min_age: dict = field(
        default_factory=lambda: {
            "secondary": 15,
            "college": 18,
            "party_school": 18,
            "bachelor": 19,
            "master": 21,
            "doctor": 24,
        }
    )
    foreign_verification_year: int = 2000


@dataclass(frozen=True)
class Facts:
    cadre_id: int
    name: str
    sex: str
    birth_date: datetime.date
    party_join_date: datetime.date | None
    work_start_date: datetime.date | None
    id_number: str
    is_party_member: bool
    is_serving: bool
    resume: str
    materials: tuple[MaterialFact, ...] = ()
    posts: tuple[PostFact, ...] = ()
    educations: tuple[EducationFact, ...] = ()
    determinations: dict = field(default_factory=dict)  # key -> DeterminationFact (approved, in force)
    vetoes: tuple[VetoFact, ...] = ()
    today: datetime.date = field(default_factory=datetime.date.today)
    thresholds: Thresholds = field(default_factory=Thresholds)

    def material(self, pk: int) -> MaterialFact | None:
        return next((m for m in self.materials if m.id == pk), None)

    def of_kind(self, *kinds: str) -> list[MaterialFact]:
        return [m for m in self.materials if m.kind in kinds]

    def current_appointment_form(self) -> MaterialFact | None:
        forms = self.of_kind(APPOINTMENT_KIND)
        return max(forms, key=lambda m: (m.formed_on, m.id)) if forms else None


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    key: str
    material_ids: tuple[int, ...] = ()
    severity: str = ERROR
    subject: str = ""  # determination subject that can settle it ("birth_date", ...)

    def as_violation(self) -> Violation:
        return Violation(self.code, self.message, None, self.severity)


def _ymd(day: datetime.date | None) -> str:
    return f"{day:%Y.%m.%d}" if day else "—"


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _ids(materials: Iterable[MaterialFact]) -> tuple[int, ...]:
    return tuple(sorted({m.id for m in materials}))


# --- 出生日期 (requirement 37) --------------------------------------------------------------------------------


def birthdate_inconsistent(facts: Facts) -> list[Finding]:
    """Two materials state different birth dates. After an approved determination, only materials registered
    later that disagree with the determined date count (the earlier discrepancy has been determined)."""
    stating = [m for m in facts.materials if m.stated_birth_date]
    determined = facts.determinations.get("birth_date")
    if determined is not None:
        later = [
            m
            for m in stating
            if m.stated_birth_date != determined.value_date
            and (m.created_on is None or m.created_on > determined.approved_on)
        ]
        if not later:
            return []
        return [
            Finding(
                "BIRTHDATE_INCONSISTENT",
                f"认定出生日期为{_ymd(determined.value_date)}后新归档的材料记载了不同的出生日期："
                + "；".join(f"{m.name}记载{_ymd(m.stated_birth_date)}" for m in later),
                "BIRTHDATE_INCONSISTENT",
                _ids(later),
                subject="birth_date",
            )
        ]
    groups: dict[datetime.date, list[MaterialFact]] = {}
    for m in sorted(stating, key=lambda m: (m.formed_on, m.id)):
        groups.setdefault(m.stated_birth_date, []).append(m)
    if len(groups) < 2:
        return []
    parts = []
    sources: list[MaterialFact] = []
    # Smaller groups first: the odd ones out are what the reviewer opens.
    for day, members in sorted(groups.items(), key=lambda item: (len(item[1]), item[1][0].formed_on)):
        names = "、".join(m.name for m in members[:3])
        more = f"等{len(members)}份材料" if len(members) > 3 else ""
        parts.append(f"记载为{_ymd(day)}的有{names}{more}")
        sources.extend(members if len(members) <= 5 else members[:2])
    return [
        Finding(
            "BIRTHDATE_INCONSISTENT",
            "各材料记载的出生日期不一致：" + "；".join(parts) + "。",
            "BIRTHDATE_INCONSISTENT",
            _ids(sources),
            subject="birth_date",
        )
    ]


def birthdate_not_earliest(facts: Facts) -> list[Finding]:
    """The current appointment form's birth date differs from the earliest-formed material's (N2006: the
    earliest record wins), unless an approved determination exists and the form agrees with it."""
    stating = sorted((m for m in facts.materials if m.stated_birth_date), key=lambda m: (m.formed_on, m.id))
    form = facts.current_appointment_form()
    claim_source = form if form and form.stated_birth_date else None
    claim = claim_source.stated_birth_date if claim_source else facts.birth_date
    claim_text = f"现任免审批表{claim_source.name}" if claim_source else "干部信息"
    determined = facts.determinations.get("birth_date")
    if determined is not None:
        if claim == determined.value_date:
            return []
        return [
            Finding(
                "BIRTHDATE_NOT_EARLIEST",
                f"{claim_text}记载的出生日期{_ymd(claim)}与已认定的出生日期{_ymd(determined.value_date)}不一致。",
                "BIRTHDATE_NOT_EARLIEST",
                _ids([claim_source] if claim_source else []),
                subject="birth_date",
            )
        ]
    if not stating:
        return []
    earliest = stating[0]
    if earliest.stated_birth_date == claim:
        return []
    sources = [earliest] + ([claim_source] if claim_source else [])
    return [
        Finding(
            "BIRTHDATE_NOT_EARLIEST",
            f"{claim_text}记载的出生日期{_ymd(claim)}与形成时间最早的材料{earliest.name}记载的"
            f"{_ymd(earliest.stated_birth_date)}不一致；出生日期应以最早记载为准，未经认定不得采用。",
            "BIRTHDATE_NOT_EARLIEST",
            _ids(sources),
            subject="birth_date",
        )
    ]


def birthdate_altered(facts: Facts) -> list[Finding]:
    altered = [m for m in facts.materials if m.is_altered]
    if not altered:
        return []
    return [
        Finding(
            "BIRTHDATE_ALTERED",
            "材料有涂改："
            + "；".join(f"{m.name}{('：' + m.alteration_note) if m.alteration_note else ''}" for m in altered)
            + "。涂改处须调查核实，未核准前一律暂缓。",
            "BIRTHDATE_ALTERED",
            _ids(altered),
            # A determination settles it when an altered material is one that states the birth date.
            subject="birth_date" if any(m.stated_birth_date for m in altered) else "",
        )
    ]


def id_number_checks(facts: Facts) -> list[Finding]:
    """ID number structure (ID_*) and ID_BIRTHDATE_MISMATCH against the archive's birth date (requirement 54)."""
    if not facts.id_number:
        return []
    determined = facts.determinations.get("birth_date")
    birth = determined.value_date if determined else facts.birth_date
    findings = []
    for violation in check_id_number(facts.id_number, sex=None, birth_date=birth, today=facts.today):
        if violation.code == "ID_SEX_MISMATCH":
            continue
        findings.append(
            Finding(
                violation.code,
                violation.message,
                violation.code,
                severity=WARNING if violation.code == "ID_BIRTHDATE_MISMATCH" else ERROR,
                subject="birth_date" if violation.code == "ID_BIRTHDATE_MISMATCH" else "",
            )
        )
    return findings


# --- ages (requirement 38) ------------------------------------------------------------------------------------


def work_age_implausible(facts: Facts) -> list[Finding]:
    minimum = facts.thresholds.min_work_age
    findings = []
    claimed = facts.work_start_date
    if claimed and age_on(facts.birth_date, claimed) < minimum:
        sources = [m for m in facts.materials if m.stated_work_start_date == claimed]
        findings.append(
            Finding(
                "WORK_AGE_IMPLAUSIBLE",
                f"参加工作时间{_ymd(claimed)}按出生日期{_ymd(facts.birth_date)}计算时仅"
                f"{age_on(facts.birth_date, claimed)}岁，低于{minimum}岁。",
                f"WORK_AGE_IMPLAUSIBLE:{claimed:%Y%m%d}",
                _ids(sources),
                subject="work_start_date",
            )
        )
    for m in facts.materials:
        day = m.stated_work_start_date
        if day and day != claimed and age_on(facts.birth_date, day) < minimum:
            findings.append(
                Finding(
                    "WORK_AGE_IMPLAUSIBLE",
                    f"{m.name}记载的参加工作时间{_ymd(day)}按出生日期计算时仅"
                    f"{age_on(facts.birth_date, day)}岁，低于{minimum}岁。",
                    f"WORK_AGE_IMPLAUSIBLE:{day:%Y%m%d}",
                    (m.id,),
                    subject="work_start_date",
                )
            )
    return _dedupe(findings)


def party_age_implausible(facts: Facts) -> list[Finding]:
    minimum = facts.thresholds.min_party_age
    findings = []
    claimed = facts.party_join_date
    if claimed and age_on(facts.birth_date, claimed) < minimum:
        sources = [m for m in facts.materials if m.stated_party_join_date == claimed]
        findings.append(
            Finding(
                "PARTY_AGE_IMPLAUSIBLE",
                f"入党时间{_ymd(claimed)}按出生日期{_ymd(facts.birth_date)}计算时仅"
                f"{age_on(facts.birth_date, claimed)}岁，党章规定年满{minimum}岁方可入党。",
                f"PARTY_AGE_IMPLAUSIBLE:{claimed:%Y%m%d}",
                _ids(sources),
                subject="party_join_date",
            )
        )
    for m in facts.materials:
        day = m.stated_party_join_date
        if day and day != claimed and age_on(facts.birth_date, day) < minimum:
            findings.append(
                Finding(
                    "PARTY_AGE_IMPLAUSIBLE",
                    f"{m.name}记载的入党时间{_ymd(day)}按出生日期计算时仅{age_on(facts.birth_date, day)}岁，"
                    f"低于{minimum}岁。",
                    f"PARTY_AGE_IMPLAUSIBLE:{day:%Y%m%d}",
                    (m.id,),
                    subject="party_join_date",
                )
            )
    return _dedupe(findings)


def post_before_work(facts: Facts) -> list[Finding]:
    if not facts.work_start_date:
        return []
    findings = []
    for post in facts.posts:
        if post.start < facts.work_start_date:
            findings.append(
                Finding(
                    "POST_BEFORE_WORK",
                    f"任职“{post.title}”的时间{_ymd(post.start)}早于参加工作时间{_ymd(facts.work_start_date)}。",
                    f"POST_BEFORE_WORK:{post.id}",
                    (post.appointment_material_id,) if post.appointment_material_id else (),
                    subject="work_start_date",
                )
            )
    return findings


def edu_age_implausible(facts: Facts) -> list[Finding]:
    findings = []
    for edu in facts.educations:
        minimum = facts.thresholds.edu_min_age.get(edu.level)
        if minimum is None:
            continue
        dates = [d for d in (edu.graduation_date, edu.degree_date) if d]
        if not dates:
            continue
        day = min(dates)
        age = age_on(facts.birth_date, day)
        if age < minimum:
            findings.append(
                Finding(
                    "EDU_AGE_IMPLAUSIBLE",
                    f"{edu.name}的毕业（学位授予）时间{_ymd(day)}按出生日期{_ymd(facts.birth_date)}计算时仅"
                    f"{age}岁，低于该学历的合理年龄{minimum}岁。",
                    f"EDU_AGE_IMPLAUSIBLE:{edu.id}",
                    tuple(sorted(pk for pk, _kind in edu.materials)),
                    subject="education",
                )
            )
    return findings


# --- Party and education evidence (requirements 39, 40) -------------------------------------------------------


def party_no_admission_form(facts: Facts) -> list[Finding]:
    if not facts.party_join_date and not facts.is_party_member:
        return []
    if facts.of_kind(PARTY_ADMISSION_KIND):
        return []
    claimed = f"入党时间{_ymd(facts.party_join_date)}" if facts.party_join_date else "中共党员身份"
    sources = [m for m in facts.materials if m.stated_party_join_date]
    return [
        Finding(
            "PARTY_NO_ADMISSION_FORM",
            f"干部信息记载{claimed}，但档案第六类中没有《中国共产党入党志愿书》。",
            "PARTY_NO_ADMISSION_FORM",
            _ids(sources),
            subject="party_join_date",
        )
    ]


EDU_REQUIRED = {
    # level -> list of (label, acceptable kinds)
    "secondary": [("毕业生登记表", ("edu_highschool", "edu_graduation"))],
    "party_school": [
        ("学习成绩单", ("edu_transcript",)),
        ("毕业生登记表或党校学历证书", ("edu_graduation", "edu_diploma_copy")),
    ],
}
EDU_DEFAULT_REQUIRED = [
    ("入学登记表（招生考生登记表）", ("edu_entry",)),
    ("学习成绩单", ("edu_transcript",)),
    ("毕业生登记表", ("edu_graduation",)),
]


def edu_set_incomplete(facts: Facts) -> list[Finding]:
    findings = []
    for edu in facts.educations:
        kinds = edu.kinds()
        missing = [
            label
            for label, accepted in EDU_REQUIRED.get(edu.level, EDU_DEFAULT_REQUIRED)
            if not kinds.intersection(accepted)
        ]
        if edu.degree and "edu_degree" not in kinds:
            missing.append("学位授予材料")
        awarded = edu.degree_date or edu.graduation_date
        if (
            edu.is_foreign
            and awarded
            and awarded.year >= facts.thresholds.foreign_verification_year
            and "edu_verification" not in kinds
        ):
            missing.append("教育部留学服务中心学历学位认证书")
        if missing:
            findings.append(
                Finding(
                    "EDU_SET_INCOMPLETE",
                    f"{edu.name}的学历学位材料不齐全，缺少：{'、'.join(missing)}。",
                    f"EDU_SET_INCOMPLETE:{edu.id}",
                    tuple(sorted(pk for pk, _kind in edu.materials)),
                    subject="education",
                )
            )
    return findings


# --- résumé and posts (requirement 41) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: tuple[int, int]  # (year, month)
    end: tuple[int, int] | None  # None: to date
    text: str
    concurrent: bool
    line_no: int

    @property
    def start_index(self) -> int:
        return self.start[0] * 12 + self.start[1] - 1

    def end_index(self, today: datetime.date) -> int:
        if self.end is None:
            return today.year * 12 + today.month - 1
        return self.end[0] * 12 + self.end[1] - 1

    @property
    def label(self) -> str:
        end = f"{self.end[0]}.{self.end[1]:02d}" if self.end else "至今"
        return f"{self.start[0]}.{self.start[1]:02d}--{end}"


@dataclass(frozen=True)
class ParsedResume:
    periods: tuple[Period, ...]
    unparsed: tuple[str, ...]  # non-empty lines that neither start a period nor continue one


_DATE = r"(\d{4})\s*[.．年/]\s*(\d{1,2})\s*月?"
_DASH = r"(?:-{1,2}|—{1,2}|–|～|~|至)"
PERIOD_RE = re.compile(
    rf"^\s*[（(]?\s*(?P<concurrent>其间\s*[:：，,]?)?\s*{_DATE}\s*{_DASH}\s*(?:{_DATE}|(?P<now>至今|今))?\s*(?P<text>.*)$"
)
CONCURRENT_RE = re.compile(r"^\s*[（(]?\s*其间")


def parse_resume(text: str) -> ParsedResume:
    """Parse résumé lines such as "2004.09--2008.07  XX大学XX专业学习" into periods.

    "其间" lines (usually in parentheses) are concurrent items; a line without a leading date continues the
    previous item. An open end ("2015.03--" or "至今") runs to date.
    """
    periods: list[Period] = []
    unparsed: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = PERIOD_RE.match(line)
        concurrent = bool(CONCURRENT_RE.match(line))
        if match:
            y1, m1, y2, m2 = match.group(2), match.group(3), match.group(4), match.group(5)
            start = (int(y1), int(m1))
            end = (int(y2), int(m2)) if y2 else None
            if not 1 <= start[1] <= 12 or (end and not 1 <= end[1] <= 12):
                unparsed.append(line)
                continue
            periods.append(Period(start, end, match.group("text").strip(" ）)"), concurrent, number))
        elif periods:
            last = periods[-1]
            periods[-1] = Period(last.start, last.end, f"{last.text}{line}", last.concurrent, last.line_no)
        else:
            unparsed.append(line)
    return ParsedResume(tuple(periods), tuple(unparsed))


def _resume_sources(facts: Facts) -> tuple[int, ...]:
    form = facts.current_appointment_form()
    if form:
        return (form.id,)
    resumes = sorted(facts.of_kind(*RESUME_KINDS), key=lambda m: (m.formed_on, m.id))
    return (resumes[-1].id,) if resumes else ()


def _month_text(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year}.{month + 1:02d}"


def resume_gaps(facts: Facts) -> list[Finding]:
    threshold = facts.thresholds.resume_gap_months
    main = sorted(
        (p for p in parse_resume(facts.resume).periods if not p.concurrent), key=lambda p: p.start_index
    )
    findings = []
    sources = _resume_sources(facts)
    reach = None  # furthest month covered so far
    for period in main:
        if reach is not None and period.start_index - reach > threshold:
            findings.append(
                Finding(
                    "RESUME_GAP",
                    f"简历在{_month_text(reach)}至{_month_text(period.start_index)}之间中断"
                    f"{period.start_index - reach}个月（超过{threshold}个月），须说明该期间经历。",
                    f"RESUME_GAP:{_month_text(reach)}:{_month_text(period.start_index)}",
                    sources,
                    subject="work_history",
                )
            )
        end = period.end_index(facts.today)
        reach = end if reach is None else max(reach, end)
    if main and facts.is_serving and reach is not None:
        now = facts.today.year * 12 + facts.today.month - 1
        if now - reach > threshold:
            findings.append(
                Finding(
                    "RESUME_GAP",
                    f"简历记载至{_month_text(reach)}为止，此后至今未接续（超过{threshold}个月）。",
                    f"RESUME_GAP:{_month_text(reach)}:now",
                    sources,
                    subject="work_history",
                )
            )
    return findings


def resume_overlaps(facts: Facts) -> list[Finding]:
    main = sorted(
        (p for p in parse_resume(facts.resume).periods if not p.concurrent), key=lambda p: p.start_index
    )
    findings = []
    sources = _resume_sources(facts)
    previous: Period | None = None
    for period in main:
        if previous is not None and period.start_index < previous.end_index(facts.today):
            findings.append(
                Finding(
                    "RESUME_OVERLAP",
                    f"简历中“{previous.label} {previous.text}”与“{period.label} {period.text}”时间重叠，"
                    "且未以“其间”标明为同期经历。",
                    f"RESUME_OVERLAP:{previous.label}:{period.label}",
                    sources,
                    subject="work_history",
                )
            )
        if previous is None or period.end_index(facts.today) >= previous.end_index(facts.today):
            previous = period
    return findings


ENTRY_DOCUMENT_KINDS = ("recruitment", "probation_grading", "transfer_in", "civil_servant_registration")
ENTRY_RANKS = ("", "10")  # 科员级 or unranked: the post a cadre starts in


def _entry_documents(facts: Facts, post: PostFact) -> list[MaterialFact]:
    """For a post at clerk level the recruitment, probation-grading or transfer-in form is its document."""
    if post.rank not in ENTRY_RANKS:
        return []
    return [m for m in facts.of_kind(*ENTRY_DOCUMENT_KINDS) if abs((m.formed_on - post.start).days) <= 400]


def post_without_document(facts: Facts) -> list[Finding]:
    findings = []
    for post in facts.posts:
        if post.appointment_material_id is None and not _entry_documents(facts, post):
            extra = f"（登记的文号为{post.document_no}）" if post.document_no else ""
            findings.append(
                Finding(
                    "POST_WITHOUT_DOCUMENT",
                    f"任职“{post.title}”（{_ymd(post.start)}起）在档案中没有对应的任免审批表等任职文件{extra}。",
                    f"POST_WITHOUT_DOCUMENT:{post.id}",
                    subject="work_history",
                )
            )
    return findings


def missing_approval(
    *, approving_organ: str, approved_on: datetime.date | None, document_no: str
) -> list[str]:
    return [
        label
        for label, value in (
            ("批准机关", approving_organ),
            ("批准时间", approved_on),
            ("任职文号", document_no),
        )
        if not value
    ]


def appointment_form_violations(
    *, approving_organ: str, approved_on: datetime.date | None, document_no: str
) -> list[Violation]:
    """Requirement 47: a filed appointment form shows the approving organ, the approval date and the document
    number; without them it cannot be printed as filed or filed to 9-2."""
    missing = missing_approval(
        approving_organ=approving_organ, approved_on=approved_on, document_no=document_no
    )
    if not missing:
        return []
    return [
        Violation(
            APPOINTMENT_FORM_UNAPPROVED,
            f"任免审批表缺少{'、'.join(missing)}，不能作为已审批的任免材料打印或归入9-2类。",
            "document_no",
        )
    ]


def appointment_form_unapproved(facts: Facts) -> list[Finding]:
    findings = []
    by_material: dict[int, list[PostFact]] = {}
    for post in facts.posts:
        if post.appointment_material_id:
            by_material.setdefault(post.appointment_material_id, []).append(post)
    for form in facts.of_kind(APPOINTMENT_KIND):
        posts = by_material.get(form.id, [])
        if not posts:
            findings.append(
                Finding(
                    APPOINTMENT_FORM_UNAPPROVED,
                    f"任免审批表{form.name}未登记对应的任职及批准机关、批准时间和文号。",
                    f"{APPOINTMENT_FORM_UNAPPROVED}:{form.id}",
                    (form.id,),
                    subject="work_history",
                )
            )
            continue
        for post in posts:
            missing = missing_approval(
                approving_organ=post.approving_organ,
                approved_on=post.approved_on,
                document_no=post.document_no,
            )
            if missing:
                findings.append(
                    Finding(
                        APPOINTMENT_FORM_UNAPPROVED,
                        f"任免审批表{form.name}（任“{post.title}”）缺少{'、'.join(missing)}，"
                        "不能作为已审批的任免材料。",
                        f"{APPOINTMENT_FORM_UNAPPROVED}:{form.id}:{post.id}",
                        (form.id,),
                        subject="work_history",
                    )
                )
    return findings


def completeness_vetoes(facts: Facts) -> list[Finding]:
    return [
        Finding(
            COMPLETENESS_VETO,
            f"档案完整性单项否决项：{veto.message}。",
            veto.code,
            tuple(veto.material_ids),
        )
        for veto in facts.vetoes
    ]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.key, finding)
    return list(seen.values())


CHECKS: tuple[Callable[[Facts], list[Finding]], ...] = (
    birthdate_inconsistent,
    birthdate_not_earliest,
    birthdate_altered,
    id_number_checks,
    work_age_implausible,
    party_age_implausible,
    post_before_work,
    edu_age_implausible,
    party_no_admission_form,
    edu_set_incomplete,
    resume_gaps,
    resume_overlaps,
    post_without_document,
    appointment_form_unapproved,
    completeness_vetoes,
)

FLAG_LABELS = {
    "BIRTHDATE_INCONSISTENT": "出生日期记载不一致",
    "BIRTHDATE_NOT_EARLIEST": "出生日期未以最早记载为准",
    "BIRTHDATE_ALTERED": "材料有涂改",
    "WORK_AGE_IMPLAUSIBLE": "参加工作年龄不合理",
    "PARTY_AGE_IMPLAUSIBLE": "入党年龄不合理",
    "POST_BEFORE_WORK": "任职早于参加工作",
    "EDU_AGE_IMPLAUSIBLE": "毕业年龄不合理",
    "PARTY_NO_ADMISSION_FORM": "缺少入党志愿书",
    "EDU_SET_INCOMPLETE": "学历学位材料不齐全",
    "RESUME_GAP": "简历断档",
    "RESUME_OVERLAP": "简历时间重叠",
    "POST_WITHOUT_DOCUMENT": "任职无任免文件",
    "ID_BIRTHDATE_MISMATCH": "身份证出生日期不一致",
    "ID_LENGTH": "身份证号码位数错误",
    "ID_DIGITS": "身份证号码含非法字符",
    "ID_DATE": "身份证号码日期无效",
    "ID_CHECKSUM": "身份证号码校验位错误",
    APPOINTMENT_FORM_UNAPPROVED: "任免审批表未注明审批信息",
    COMPLETENESS_VETO: "完整性单项否决",
    SUSPECTED_FALSIFICATION: "涉嫌造假",
}


def run_checks(facts: Facts) -> list[Finding]:
    """Every red-flag check on one archive, in a stable order, one finding per key."""
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(facts))
    return _dedupe(findings)


# --- the case (requirements 35, 36, 43) -------------------------------------------------------------------------


def archive_result_violations(*, result: str, remarks: str, open_flags: int) -> list[Violation]:
    """Requirement 36: 通过/不通过/暂缓; remarks for the last two; while red flags are open, only 暂缓/不通过."""
    if result not in ("pass", "fail", "postpone"):
        return [Violation("INVALID", "请选择档案审核结论：通过、不通过或暂缓。", "result")]
    if result in ("fail", "postpone") and not remarks.strip():
        label = "不通过" if result == "fail" else "暂缓"
        return [Violation(REMARKS_REQUIRED, f"审核结论为“{label}”时必须填写审核意见。", "remarks")]
    if result == "pass" and open_flags:
        return [
            Violation(
                RED_FLAGS_OPEN,
                f"档案尚有{open_flags}个问题未核查处理，未核准前一律暂缓：只能选择“暂缓”或“不通过”。",
                "result",
            )
        ]
    return []


def ready_violations(
    *,
    archive_review_result: str,
    personal_matters_recorded: bool,
    discipline_recorded: bool,
    complaints_recorded: bool,
    open_flags: int,
    serious_flags: Iterable[str] = (),
) -> list[Violation]:
    """Requirements 35 and 43: the reasons a candidate cannot yet be put before the department meeting."""
    reasons: list[Violation] = []
    missing = []
    if not archive_review_result:
        missing.append("干部档案审核（凡提必审）尚未作出结论")
    elif archive_review_result != "pass":
        label = {"fail": "不通过", "postpone": "暂缓"}.get(archive_review_result, archive_review_result)
        missing.append(f"干部档案审核结论为“{label}”，须为“通过”")
    if not personal_matters_recorded:
        missing.append("个人有关事项报告尚未核实（凡提必核）")
    if not discipline_recorded:
        missing.append("尚未收到纪检监察机关意见（凡提必听）")
    if not complaints_recorded:
        missing.append("信访举报尚未查核或登记为“无”（凡提必查）")
    if missing:
        reasons.append(Violation(FOUR_MUSTS_INCOMPLETE, "凡提四必未完成：" + "；".join(missing) + "。"))
    if open_flags:
        serious = sorted(set(serious_flags))
        detail = f"（含{'、'.join(FLAG_LABELS.get(c, c) for c in serious)}）" if serious else ""
        reasons.append(
            Violation(
                RED_FLAGS_OPEN,
                f"档案尚有{open_flags}个问题未核查处理{detail}，未核准前一律暂缓，不得提交部务会。",
            )
        )
    return reasons


def flag_resolution_violations(*, note: str, has_determination: bool) -> list[Violation]:
    if not note.strip() and not has_determination:
        return [Violation("RESOLUTION_REQUIRED", "请填写核查处理情况，或选择据以处理的认定。", "note")]
    return []
