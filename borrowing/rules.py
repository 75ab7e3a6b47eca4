"""The regulations on viewing and borrowing (docs/domain.md section 3, requirements 1-11) as pure functions.

Input: plain facts (dataclasses built by borrowing/services.py from the database); output: a list of
`Violation(code, message, field, severity)`. Nothing here reads the database, the clock or the settings: the
services pass `now` and the locality's settings in. The services check these rules when a request is submitted
and again when it is approved, so no path (page, API, admin) approves a request that breaks them.

Field names in violations follow the form: "requesting_unit", "purpose", "viewers", "viewers.1.political_status",
"subjects.0.scope", "end_at"...; the form view shows each message next to its field.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.choices import PoliticalStatus, is_party_member
from core.errors import WARNING, Violation

VIEWERS_LT_2 = "VIEWERS_LT_2"
VIEWER_NOT_PARTY_MEMBER = "VIEWER_NOT_PARTY_MEMBER"
FORM_IRREGULAR = "FORM_IRREGULAR"
PURPOSE_NOT_PERMITTED = "PURPOSE_NOT_PERMITTED"
SELF_OR_RELATIVE = "SELF_OR_RELATIVE"
APPROVER_NOT_AUTHORISED = "APPROVER_NOT_AUTHORISED"
LOAN_UNIT_NOT_PERMITTED = "LOAN_UNIT_NOT_PERMITTED"
LOAN_PERIOD_EXCEEDED = "LOAN_PERIOD_EXCEEDED"
VIEW_PERIOD_EXCEEDED = "VIEW_PERIOD_EXCEEDED"
ARCHIVE_ON_LOAN = "ARCHIVE_ON_LOAN"
ARCHIVE_NOT_AVAILABLE = "ARCHIVE_NOT_AVAILABLE"
DIGITAL_VIEWER_NOT_REGISTERED = "DIGITAL_VIEWER_NOT_REGISTERED"
VIEWER_ROLE_SEPARATED = "VIEWER_ROLE_SEPARATED"
COPY_NOT_APPROVED = "COPY_NOT_APPROVED"
WINDOW_CLOSED = "WINDOW_CLOSED"
RETURN_MISMATCH = "RETURN_MISMATCH"

# Mirrors borrowing.models (kept as plain strings so this module stays free of Django models).
ONSITE, DIGITAL, LOAN = "onsite", "digital", "loan"
PURPOSES = ("political", "cadre_work", "talent", "inspection", "history", "management", "other")
BORROWING_UNIT_KINDS = ("organization", "personnel", "discipline")
IN_STORE, ON_LOAN, VIEWING = "in_store", "on_loan", "viewing"
TRANSFERRING, TRANSFERRED_OUT = "transferring", "transferred_out"
REVIEWER = "审批人"
SEPARATED_ROLES = frozenset({"审计员", "安全保密管理员", "系统管理员"})

FORM_PREFIX = "审批表不规范，不予查阅"


# --- facts ---------------------------------------------------------------------------------------------------


def birth_from_id(id_number: str) -> datetime.date | None:
    """The birth date embedded in an 18-digit ID number (None when it cannot be read)."""
    number = (id_number or "").strip()
    if len(number) != 18 or not number[:14].isdecimal():
        return None
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def normalise_id(id_number: str) -> str:
    return (id_number or "").strip().upper()


@dataclass(frozen=True)
class Person:
    """Someone a viewer is compared with: the subject cadre, a family member or a declared relative."""

    name: str
    id_number: str = ""
    birth_date: datetime.date | None = None
    relation: str = ""


@dataclass(frozen=True)
class ViewerFacts:
    name: str = ""
    unit_name: str = ""
    post: str = ""
    political_status: str = ""
    id_number: str = ""
    phone: str = ""
    user_id: int | None = None
    user_roles: frozenset[str] = frozenset()
    # Relatives the viewer's account has declared (UserRelative): ID numbers and names.
    declared_relatives: tuple[Person, ...] = ()

    @property
    def key(self) -> str:
        """Identity for counting distinct viewers: the ID number, else the account, else the name."""
        if normalise_id(self.id_number):
            return f"id:{normalise_id(self.id_number)}"
        if self.user_id:
            return f"user:{self.user_id}"
        return f"name:{self.name.strip()}"

    @property
    def birth_date(self) -> datetime.date | None:
        return birth_from_id(self.id_number)


@dataclass(frozen=True)
class SubjectFacts:
    archive_id: int | None = None
    archive_no: str = ""
    cadre_name: str = ""
    cadre_id_number: str = ""
    cadre_birth_date: datetime.date | None = None
    cadre_unit_path: str = ""
    management_level: str = ""
    archive_status: str = IN_STORE
    family: tuple[Person, ...] = ()
    scope_all: bool = True
    scope_category_count: int = 0
    scope_material_count: int = 0
    # Materials to copy that lie outside the approved scope (computed by the service: labels for the message).
    copy_material_count: int = 0
    copies_outside_scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestFacts:
    mode: str = ONSITE
    purpose: str = ""
    purpose_detail: str = ""
    requesting_unit_name: str = ""
    requesting_unit_kind: str = ""
    unit_opinion: str = ""
    unit_signer: str = ""
    unit_signed_on: datetime.date | None = None
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    copies_requested: bool = False
    created_by_id: int | None = None
    viewers: tuple[ViewerFacts, ...] = ()
    subjects: tuple[SubjectFacts, ...] = ()


@dataclass(frozen=True)
class ApproverFacts:
    user_id: int
    name: str = ""
    roles: frozenset[str] = frozenset()
    is_active: bool = True
    id_number: str = ""
    # The subtree path the approver's authority covers (archives.access.jurisdiction) and the management levels
    # their unit's level may approve (Unit.approvable_levels).
    jurisdiction_path: str = ""
    approvable_levels: frozenset[str] = frozenset()
    declared_relatives: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Settings:
    probationary_members_count: bool = True
    party_rule_is_warning: bool = False
    loan_max_days: int = 15
    view_max_days: int = 15


# --- the rules -------------------------------------------------------------------------------------------------


def check_viewers(req: RequestFacts, settings: Settings) -> list[Violation]:
    """VIEWERS_LT_2 (三不查阅 1) and VIEWER_NOT_PARTY_MEMBER (三不查阅 2)."""
    violations: list[Violation] = []
    named = [v for v in req.viewers if v.name.strip() or normalise_id(v.id_number) or v.user_id]
    distinct = {v.key for v in named}
    if len(distinct) < 2:
        extra = "（同一人重复填写只计一人）" if len(named) > len(distinct) else ""
        violations.append(
            Violation(VIEWERS_LT_2, f"查阅者非两人以上，不予查阅{extra}。", "viewers"),
        )
    severity = WARNING if settings.party_rule_is_warning else "error"
    for index, viewer in enumerate(req.viewers):
        if not viewer.political_status:
            continue  # a missing status is FORM_IRREGULAR
        if not is_party_member(
            viewer.political_status, probationary_counts=settings.probationary_members_count
        ):
            label = dict(PoliticalStatus.choices).get(viewer.political_status, viewer.political_status)
            violations.append(
                Violation(
                    VIEWER_NOT_PARTY_MEMBER,
                    f"非中共党员不予查阅：查阅人{viewer.name or index + 1}的政治面貌为{label}。",
                    f"viewers.{index}.political_status",
                    severity,
                )
            )
    return violations


VIEWER_REQUIRED = (
    ("name", "姓名"),
    ("unit_name", "工作单位"),
    ("post", "职务"),
    ("political_status", "政治面貌"),
    ("id_number", "身份证号"),
)


def check_form(req: RequestFacts) -> list[Violation]:
    """FORM_IRREGULAR (三不查阅 3): every required field of the approval form (requirement 3), each named."""
    missing: list[tuple[str, str]] = []
    if not (req.requesting_unit_name or "").strip():
        missing.append(("requesting_unit", "申请单位"))
    elif not req.requesting_unit_kind:
        missing.append(("requesting_unit_kind", "申请单位类别"))
    if not (req.unit_opinion or "").strip():
        missing.append(("unit_opinion", "申请单位意见"))
    if not (req.unit_signer or "").strip():
        missing.append(("unit_signer", "单位负责人签字"))
    if not req.unit_signed_on:
        missing.append(("unit_signed_on", "单位签署日期"))
    for index, viewer in enumerate(req.viewers):
        for attr, label in VIEWER_REQUIRED:
            if not str(getattr(viewer, attr) or "").strip():
                missing.append((f"viewers.{index}.{attr}", f"查阅人{index + 1}的{label}"))
    if not req.subjects:
        missing.append(("subjects", "查阅对象（干部及其档案）"))
    for index, subject in enumerate(req.subjects):
        if not subject.archive_id:
            missing.append((f"subjects.{index}.archive", f"查阅对象{index + 1}的档案"))
        elif not subject.scope_all and not (subject.scope_category_count or subject.scope_material_count):
            missing.append(
                (
                    f"subjects.{index}.scope",
                    f"查阅对象{subject.cadre_name or index + 1}的查阅内容（类别或材料）",
                )
            )
    if not (req.purpose or "").strip():
        missing.append(("purpose", "查阅事由类别"))
    elif req.purpose == "other" and not (req.purpose_detail or "").strip():
        missing.append(("purpose_detail", "查阅事由说明（事由为“其他工作需要”时必填）"))
    if not req.mode:
        missing.append(("mode", "查阅方式"))
    if not req.start_at:
        missing.append(("start_at", "起始时间"))
    if not req.end_at:
        missing.append(("end_at", "截止时间" if req.mode != LOAN else "应还日期"))
    if req.copies_requested and req.subjects and not any(s.copy_material_count for s in req.subjects):
        missing.append(("copies", "需摘录、复制的具体材料"))
    violations = [
        Violation(FORM_IRREGULAR, f"{FORM_PREFIX}：缺少{label}。", field_name)
        for field_name, label in missing
    ]
    if req.start_at and req.end_at and req.end_at <= req.start_at:
        violations.append(
            Violation(FORM_IRREGULAR, f"{FORM_PREFIX}：截止时间须晚于起始时间。", "end_at"),
        )
    return violations


def check_purpose(req: RequestFacts) -> list[Violation]:
    """PURPOSE_NOT_PERMITTED: the purpose must be one of the seven of R2018 Art. 31."""
    if req.purpose and req.purpose not in PURPOSES:
        return [
            Violation(
                PURPOSE_NOT_PERMITTED,
                "查阅事由不属于《干部人事档案工作条例》规定的查阅情形，不予查阅。",
                "purpose",
            )
        ]
    return []


def same_person(viewer: ViewerFacts, person: Person) -> bool:
    """Match by ID number; where either side has no ID number, by name and birth date."""
    vid, pid = normalise_id(viewer.id_number), normalise_id(person.id_number)
    if vid and pid:
        return vid == pid
    birth = viewer.birth_date
    return bool(
        person.name
        and viewer.name.strip() == person.name.strip()
        and birth is not None
        and person.birth_date is not None
        and birth == person.birth_date
    )


def _relation_of(viewer: ViewerFacts, subject: SubjectFacts) -> str | None:
    cadre = Person(subject.cadre_name, subject.cadre_id_number, subject.cadre_birth_date)
    if same_person(viewer, cadre):
        return "本人"
    for member in subject.family:
        if same_person(viewer, member):
            return member.relation or "亲属"
    for relative in viewer.declared_relatives:
        if same_person(ViewerFacts(name=relative.name, id_number=relative.id_number), cadre) or (
            relative.id_number and normalise_id(relative.id_number) == normalise_id(subject.cadre_id_number)
        ):
            return relative.relation or "亲属"
    return None


def check_self_or_relative(req: RequestFacts) -> list[Violation]:
    """SELF_OR_RELATIVE: no viewer is the subject, in the subject's family list (A36), or a declared relative."""
    violations = []
    for vi, viewer in enumerate(req.viewers):
        for subject in req.subjects:
            relation = _relation_of(viewer, subject)
            if relation:
                who = "本人" if relation == "本人" else f"其亲属（{relation}）"
                violations.append(
                    Violation(
                        SELF_OR_RELATIVE,
                        f"查阅人{viewer.name}是查阅对象{subject.cadre_name}{who}，不得查阅本人及亲属的档案。",
                        f"viewers.{vi}.name",
                    )
                )
    return violations


def check_mode(req: RequestFacts, settings: Settings, *, now: datetime.datetime) -> list[Violation]:
    """Borrowing only for organization, personnel and discipline units, within LOAN_MAX_DAYS; viewing windows
    within VIEW_MAX_DAYS; digital viewing only by registered users outside the three separated roles; a window
    that has already ended cannot be approved."""
    violations = []
    if req.mode == LOAN and req.requesting_unit_kind and req.requesting_unit_kind not in BORROWING_UNIT_KINDS:
        violations.append(
            Violation(
                LOAN_UNIT_NOT_PERMITTED,
                "借阅档案仅限组织（人事）部门和纪检监察机关；其他单位请申请现场查阅。",
                "mode",
            )
        )
    if req.start_at and req.end_at and req.end_at > req.start_at:
        days = (req.end_at - req.start_at).total_seconds() / 86400
        if req.mode == LOAN and days > settings.loan_max_days + 1e-9:
            violations.append(
                Violation(
                    LOAN_PERIOD_EXCEEDED,
                    f"借阅期限不得超过{settings.loan_max_days}天。",
                    "end_at",
                )
            )
        if req.mode != LOAN and days > settings.view_max_days + 1e-9:
            violations.append(
                Violation(
                    VIEW_PERIOD_EXCEEDED,
                    f"查阅期限不得超过{settings.view_max_days}天。",
                    "end_at",
                )
            )
    if req.end_at and req.end_at <= now:
        violations.append(
            Violation(WINDOW_CLOSED, "申请的查阅（借阅）截止时间已过，请重新填写时间。", "end_at")
        )
    for index, viewer in enumerate(req.viewers):
        if req.mode == DIGITAL and not viewer.user_id:
            violations.append(
                Violation(
                    DIGITAL_VIEWER_NOT_REGISTERED,
                    f"数字查阅的查阅人须为本系统注册用户：请为查阅人{viewer.name or index + 1}关联系统账号。",
                    f"viewers.{index}.user",
                )
            )
        if viewer.user_roles & SEPARATED_ROLES:
            violations.append(
                Violation(
                    VIEWER_ROLE_SEPARATED,
                    f"查阅人{viewer.name}担任{'、'.join(sorted(viewer.user_roles & SEPARATED_ROLES))}，"
                    "三员不得查阅档案内容。",
                    f"viewers.{index}.user",
                )
            )
    return violations


def check_availability(req: RequestFacts) -> list[Violation]:
    """An archive out on loan cannot be lent again (or fetched for the reading room); a transferred archive is
    no longer ours to show."""
    violations = []
    for index, subject in enumerate(req.subjects):
        if not subject.archive_id:
            continue
        if subject.archive_status == TRANSFERRED_OUT or (
            subject.archive_status == TRANSFERRING and req.mode != DIGITAL
        ):
            violations.append(
                Violation(
                    ARCHIVE_NOT_AVAILABLE,
                    f"档案{subject.archive_no}已转出或正在转递，不能办理查阅、借阅。",
                    f"subjects.{index}.archive",
                )
            )
        elif subject.archive_status == ON_LOAN and req.mode != DIGITAL:
            violations.append(
                Violation(
                    ARCHIVE_ON_LOAN,
                    f"档案{subject.archive_no}已借出，未归还前不得再借或调阅纸质档案。",
                    f"subjects.{index}.archive",
                )
            )
    return violations


def check_copies(req: RequestFacts) -> list[Violation]:
    """Extracts and copies only of approved materials (requirement 8)."""
    violations = []
    for index, subject in enumerate(req.subjects):
        if subject.copy_material_count and not req.copies_requested:
            violations.append(
                Violation(
                    COPY_NOT_APPROVED,
                    "列明了需复制的材料，但未勾选“需要摘录或复制”。",
                    "copies_requested",
                )
            )
            break
        if subject.copies_outside_scope:
            violations.append(
                Violation(
                    COPY_NOT_APPROVED,
                    f"需复制的材料（{'、'.join(subject.copies_outside_scope)}）不在申请查阅的范围内。",
                    f"subjects.{index}.copies",
                )
            )
    return violations


def request_violations(req: RequestFacts, settings: Settings, *, now: datetime.datetime) -> list[Violation]:
    """Every rule a request must satisfy when submitted and again when approved (errors and warnings)."""
    return [
        *check_form(req),
        *check_purpose(req),
        *check_viewers(req, settings),
        *check_self_or_relative(req),
        *check_mode(req, settings, now=now),
        *check_availability(req),
        *check_copies(req),
    ]


def check_approver(
    req: RequestFacts,
    approver: ApproverFacts,
    *,
    earlier_approver_ids: Iterable[int] = (),
) -> list[Violation]:
    """APPROVER_NOT_AUTHORISED: the approver holds 审批人 and none of the three separated roles, is neither the
    applicant nor a viewer nor the subject or a relative, and their authority (jurisdiction and management level)
    covers every subject cadre. Borrowing needs two different approvers."""
    violations = []

    def refuse(message: str) -> None:
        violations.append(Violation(APPROVER_NOT_AUTHORISED, message, "approver"))

    if not approver.is_active or REVIEWER not in approver.roles:
        refuse("只有审批人可以审批查阅（借阅）申请。")
    if approver.roles & SEPARATED_ROLES:
        refuse("系统管理员、安全保密管理员、审计员不得审批查阅（借阅）申请（三员分立）。")
    if req.created_by_id == approver.user_id:
        refuse("不得审批本人填报的申请。")
    as_viewer = ViewerFacts(
        name=approver.name, id_number=approver.id_number, declared_relatives=approver.declared_relatives
    )
    for viewer in req.viewers:
        if (viewer.user_id and viewer.user_id == approver.user_id) or (
            normalise_id(viewer.id_number)
            and normalise_id(viewer.id_number) == normalise_id(approver.id_number)
        ):
            refuse("审批人不得是本申请的查阅人。")
            break
    if approver.user_id in set(earlier_approver_ids):
        refuse("借阅须经两级审批，由两名不同的审批人分别审批。")
    for subject in req.subjects:
        if _relation_of(as_viewer, subject):
            refuse(f"审批人与查阅对象{subject.cadre_name}为本人或亲属关系，应当回避。")
            continue
        within = bool(
            approver.jurisdiction_path
            and subject.cadre_unit_path
            and subject.cadre_unit_path.startswith(approver.jurisdiction_path)
        )
        if not within or subject.management_level not in approver.approvable_levels:
            refuse(
                f"审批人的干部管理权限不涵盖查阅对象{subject.cadre_name}（{subject.archive_no}），"
                "应由有管理权限的组织部门审批。"
            )
    return violations


# --- checking out and returning ---------------------------------------------------------------------------------


def check_checkout(
    *,
    mode: str,
    approved_viewer_names: Iterable[str],
    signatures: Iterable[str],
    start_at: datetime.datetime | None,
    end_at: datetime.datetime | None,
    now: datetime.datetime,
    today: datetime.date,
    start_day: datetime.date | None,
) -> list[Violation]:
    """Paper leaves the store only inside the approved window, to at least two of the approved viewers who sign."""
    violations = []
    approved = {name.strip() for name in approved_viewer_names if name.strip()}
    signed = {name.strip() for name in signatures if name.strip()}
    strangers = sorted(signed - approved)
    if strangers:
        violations.append(
            Violation(
                FORM_IRREGULAR,
                f"签名人{'、'.join(strangers)}不是经批准的查阅人，不得领取档案。",
                "signatures",
            )
        )
    if len(signed & approved) < 2:
        violations.append(
            Violation(
                VIEWERS_LT_2, "查阅者非两人以上，不予查阅：须有两名以上经批准的查阅人到场签名。", "signatures"
            )
        )
    if end_at and now >= end_at:
        violations.append(Violation(WINDOW_CLOSED, "批准的查阅（借阅）期限已过，不能出库。", None))
    elif start_day and today < start_day:
        violations.append(
            Violation(WINDOW_CLOSED, f"批准的查阅（借阅）自{start_day:%Y年%m月%d日}起，尚未开始。", None)
        )
    return violations


@dataclass(frozen=True)
class DirectoryItem:
    material_id: int
    label: str
    expected_pages: int


@dataclass(frozen=True)
class ReturnedItem:
    present: bool
    pages: int | None = None


@dataclass
class ReturnComparison:
    matched: bool
    mismatches: list[str] = field(default_factory=list)
    rows: list[tuple[DirectoryItem, ReturnedItem, bool]] = field(default_factory=list)


def compare_return(directory: Iterable[DirectoryItem], returned: dict[int, ReturnedItem]) -> ReturnComparison:
    """Item by item against the directory: every material present with its page count (requirement 11).

    A material not mentioned in `returned` counts as not confirmed, so nothing passes by omission.
    """
    result = ReturnComparison(matched=True)
    for item in directory:
        got = returned.get(item.material_id, ReturnedItem(present=False))
        ok = got.present and got.pages == item.expected_pages
        if not got.present:
            result.mismatches.append(f"{item.label}未归还")
        elif got.pages != item.expected_pages:
            counted = "未清点页数" if got.pages is None else f"清点{got.pages}页"
            result.mismatches.append(f"{item.label}目录{item.expected_pages}页、{counted}")
        result.rows.append((item, got, ok))
        result.matched = result.matched and ok
    return result


def return_violation(comparison: ReturnComparison) -> Violation | None:
    if comparison.matched:
        return None
    return Violation(
        RETURN_MISMATCH,
        "归还核对不一致："
        + "；".join(comparison.mismatches[:10])
        + ("等" if len(comparison.mismatches) > 10 else ""),
        "items",
        WARNING,
    )


# --- overdue escalation ----------------------------------------------------------------------------------------


def overdue_stages(
    *, due_day: datetime.date, today: datetime.date, remind_again_days: int, escalate_days: int
) -> list[str]:
    """Stages reached by an item due on due_day: the reminder on the due date, again after remind_again_days,
    escalation to the approver after escalate_days (in calendar days, local time)."""
    stages = []
    late = (today - due_day).days
    if late >= 0:
        stages.append("due")
    if late >= remind_again_days:
        stages.append("again")
    if late >= escalate_days:
        stages.append("escalated")
    return stages
