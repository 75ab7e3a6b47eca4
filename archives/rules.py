"""The regulations of collection, filing and the directory as pure functions (requirements 15-20, 24, 48-55).

Each function takes plain values (or unsaved model instances) and returns a list of `Violation`s: errors block the
change in archives/services.py, warnings are shown and stored but never block. No database access here, so the
completeness, fixity and review engineers can reuse them anywhere.
"""

from __future__ import annotations

import calendar
import datetime
import unicodedata
from collections.abc import Iterable, Sequence

from core import idcard
from core.errors import WARNING, Violation

# Reason codes (domain.md section 11 where one exists).
BAD_CATEGORY = "BAD_CATEGORY"
KIND_MISMATCH = "KIND_MISMATCH"
COPY_WITHOUT_SEAL = "COPY_WITHOUT_SEAL"
LATE_HANDOVER = "LATE_HANDOVER"
PAGE_COUNT_MISMATCH = "PAGE_COUNT_MISMATCH"
PAGE_COUNT_INVALID = "PAGE_COUNT_INVALID"
FORMED_DATE_INVALID = "FORMED_DATE_INVALID"
RECEIVED_BEFORE_FORMED = "RECEIVED_BEFORE_FORMED"
DATE_IN_FUTURE = "DATE_IN_FUTURE"
TITLE_REQUIRED = "TITLE_REQUIRED"
INVALID_STATUS = "INVALID_STATUS"
RETURN_REASON_REQUIRED = "RETURN_REASON_REQUIRED"
WITHDRAWAL_REASON_REQUIRED = "WITHDRAWAL_REASON_REQUIRED"
WITHDRAWAL_NOT_APPROVED = "WITHDRAWAL_NOT_APPROVED"
DESTRUCTION_NOT_AUTHORISED = "DESTRUCTION_NOT_AUTHORISED"
DESTRUCTION_REASON_REQUIRED = "DESTRUCTION_REASON_REQUIRED"
CHANGE_REASON_REQUIRED = "CHANGE_REASON_REQUIRED"
MATERIAL_NOT_DELETABLE = "MATERIAL_NOT_DELETABLE"
ARCHIVE_READ_ONLY = "ARCHIVE_READ_ONLY"
DETERMINATION_REQUIRED = "DETERMINATION_REQUIRED"
DATE_ORDER = "DATE_ORDER"
NAME_REQUIRED = "NAME_REQUIRED"
ID_DUPLICATE = "ID_DUPLICATE"
ARCHIVE_NO_INVALID = "ARCHIVE_NO_INVALID"
ARCHIVE_NO_DUPLICATE = "ARCHIVE_NO_DUPLICATE"
CUSTODIAN_INVALID = "CUSTODIAN_INVALID"
STATUS_BY_WORKFLOW = "STATUS_BY_WORKFLOW"
NOT_HOLDING_UNIT = "NOT_HOLDING_UNIT"
CANNOT_MOVE = "CANNOT_MOVE"
PAGE_NUMBER_TAKEN = "PAGE_NUMBER_TAKEN"

CHINESE_NUMERALS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
CATEGORIES_WITH_SUB = (4, 9)

# Cadre fields that change only through a determination (认定, requirement 42).
DETERMINED_FIELDS = {
    "birth_date": "出生日期",
    "party_join_date": "入党时间",
    "work_start_date": "参加工作时间",
}


# --- categories (requirement 17) ---------------------------------------------------------------------------


def check_category(number, sub_number=None, *, field: str = "category") -> list[Violation]:
    """Category 1-10; 4 and 9 need a sub-category 1-4; the others refuse one (BAD_CATEGORY)."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return [Violation(BAD_CATEGORY, "材料类别必须是 1 至 10 的数字。", field)]
    if sub_number in ("", None):
        sub_number = None
    else:
        try:
            sub_number = int(sub_number)
        except (TypeError, ValueError):
            return [Violation(BAD_CATEGORY, "子类必须是 1 至 4 的数字。", field)]
    if not 1 <= number <= 10:
        return [Violation(BAD_CATEGORY, f"材料类别“{number}”不存在：类别只能是第一类至第十类。", field)]
    name = f"第{CHINESE_NUMERALS[number]}类"
    if number in CATEGORIES_WITH_SUB:
        if sub_number is None:
            return [
                Violation(
                    BAD_CATEGORY,
                    f"{name}材料必须归入子类（{number}-1 至 {number}-4），不能直接归入{name}。",
                    field,
                )
            ]
        if not 1 <= sub_number <= 4:
            return [Violation(BAD_CATEGORY, f"{name}的子类只能是 {number}-1 至 {number}-4。", field)]
    elif sub_number is not None:
        return [Violation(BAD_CATEGORY, f"{name}没有子类，不能填写子类“{sub_number}”。", field)]
    return []


def check_category_obj(category, *, field: str = "category") -> list[Violation]:
    """The same rule for a MaterialCategory row (a material goes into a leaf)."""
    if category is None:
        return [Violation(BAD_CATEGORY, "请选择材料类别。", field)]
    return check_category(category.number, category.sub_number, field=field)


def parse_category_label(text) -> tuple[int | None, int | None]:
    """'4-1', '41', '四-1', '9', 9 -> (number, sub_number). Unparsable input gives (None, None); a
    sub-category that is not a number gives -1 so that check_category refuses it."""
    text = str(text if text is not None else "").strip().replace("－", "-").replace("—", "-")
    if not text:
        return None, None
    head, _, tail = text.partition("-")
    head = head.strip()
    tail = tail.strip()
    if head in CHINESE_NUMERALS[1:]:
        number = CHINESE_NUMERALS.index(head)
    elif head.isdecimal():
        if not tail and len(head) == 2 and head[0] in "49":
            return int(head[0]), int(head[1])  # Code A style "41" / "94"
        number = int(head)
    else:
        return None, None
    if not tail:
        return number, None
    return (number, int(tail)) if tail.isdecimal() else (number, -1)


def check_kind(kind, category, *, field: str = "kind") -> list[Violation]:
    """A material kind (材料种类) belongs to one leaf category: the two must agree."""
    if kind is None or category is None:
        return []
    if kind.category_id != category.pk:
        return [
            Violation(
                KIND_MISMATCH,
                f"材料种类“{kind.name}”属于{kind.category.label}类，与所选类别{category.label}不一致。",
                field,
            )
        ]
    return []


# --- formation date, hand-over, copies (requirements 15, 16) ---------------------------------------------


def formed_bounds(year: int, month: int | None, day: int | None) -> tuple[datetime.date, datetime.date]:
    """First and last day the formation date can mean (a year-only date spans the year)."""
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if day is None:
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    date = datetime.date(year, month, day)
    return date, date


def check_formed_date(year, month=None, day=None, *, today: datetime.date | None = None) -> list[Violation]:
    """材料形成时间: year, year-month or full date; a real date, not in the future."""
    today = today or datetime.date.today()
    field = "formed_year"
    try:
        year = int(year)
        month = int(month) if month not in (None, "") else None
        day = int(day) if day not in (None, "") else None
    except (TypeError, ValueError):
        return [Violation(FORMED_DATE_INVALID, "材料形成时间须为数字（年、月、日）。", field)]
    if not 1900 <= year <= today.year:
        return [Violation(FORMED_DATE_INVALID, f"材料形成年份应在 1900 至 {today.year} 之间。", field)]
    if day is not None and month is None:
        return [Violation(FORMED_DATE_INVALID, "填写了日却没有填写月，请补全月份。", "formed_month")]
    if month is not None and not 1 <= month <= 12:
        return [Violation(FORMED_DATE_INVALID, "材料形成月份应在 1 至 12 之间。", "formed_month")]
    try:
        first, _ = formed_bounds(year, month, day)
    except ValueError:
        return [Violation(FORMED_DATE_INVALID, f"{year}年{month}月没有{day}日。", "formed_day")]
    if first > today:
        return [Violation(DATE_IN_FUTURE, "材料形成时间不能晚于今天。", field)]
    return []


def check_received_date(
    received: datetime.date | None, year, month=None, day=None, *, today: datetime.date | None = None
) -> list[Violation]:
    """The delivery date exists, is not in the future and not before the material was formed."""
    today = today or datetime.date.today()
    if received is None:
        return []
    if received > today:
        return [Violation(DATE_IN_FUTURE, "接收日期不能晚于今天。", "received_date")]
    try:
        first, _ = formed_bounds(int(year), month or None, day or None)
    except (TypeError, ValueError):
        return []
    if received < first:
        return [
            Violation(
                RECEIVED_BEFORE_FORMED,
                f"接收日期（{received:%Y-%m-%d}）早于材料形成时间，请核对。",
                "received_date",
            )
        ]
    return []


def late_handover(
    received: datetime.date | None, year, month=None, day=None, *, limit_days: int
) -> list[Violation]:
    """LATE_HANDOVER (warning): delivered more than `limit_days` after the material was formed.

    For a partial formation date the latest day it can mean is used, so a material is never flagged late
    because its date is imprecise.
    """
    if received is None or year in (None, ""):
        return []
    try:
        _, last = formed_bounds(int(year), int(month) if month else None, int(day) if day else None)
    except (TypeError, ValueError):
        return []
    late_by = (received - last).days
    if late_by > limit_days:
        return [
            Violation(
                LATE_HANDOVER,
                f"材料形成后 {late_by} 天才移交（规定 {limit_days} 天内），已标记为逾期移交。",
                "received_date",
                WARNING,
            )
        ]
    return []


def check_copy(is_copy: bool, copy_date, copy_sealed_by: str, *, severity: str = "error") -> list[Violation]:
    """COPY_WITHOUT_SEAL: a copy is accepted only with its copy date and the sealing unit (requirement 16)."""
    if not is_copy:
        return []
    missing = []
    if not copy_date:
        missing.append("复制时间")
    if not (copy_sealed_by or "").strip():
        missing.append("盖章单位")
    if not missing:
        return []
    return [
        Violation(
            COPY_WITHOUT_SEAL,
            f"复印件须注明复制时间并由形成单位或组织人事部门盖章，缺少：{'、'.join(missing)}。",
            "copy_date" if "复制时间" in missing else "copy_sealed_by",
            severity,
        )
    ]


def check_material_fields(
    *,
    title: str,
    page_count,
    formed_year,
    formed_month=None,
    formed_day=None,
    received_date=None,
    today: datetime.date | None = None,
) -> list[Violation]:
    """The fields every material needs, with the date checks (requirement 15)."""
    violations: list[Violation] = []
    if not (title or "").strip():
        violations.append(Violation(TITLE_REQUIRED, "请填写材料名称。", "title"))
    try:
        pages = int(page_count)
    except (TypeError, ValueError):
        pages = 0
    if pages < 1:
        violations.append(Violation(PAGE_COUNT_INVALID, "页数至少为 1。", "page_count"))
    date_violations = check_formed_date(formed_year, formed_month, formed_day, today=today)
    violations += date_violations
    if not date_violations:
        violations += check_received_date(received_date, formed_year, formed_month, formed_day, today=today)
    return violations


# --- page images (requirement 48) -------------------------------------------------------------------------


def page_number_gaps(page_count: int, numbers: Iterable[int]) -> tuple[list[int], list[int]]:
    """(missing, extra) page numbers of a material whose directory says `page_count` pages."""
    present = set(numbers)
    expected = set(range(1, (page_count or 0) + 1))
    return sorted(expected - present), sorted(present - expected)


def _ranges(numbers: Sequence[int]) -> str:
    parts, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return "、".join(parts)


def page_count_mismatch(
    page_count: int, numbers: Iterable[int], *, only_if_scanned: bool = True, severity: str = WARNING
) -> list[Violation]:
    """PAGE_COUNT_MISMATCH: the scanned page images differ from the directory page count.

    Lists the missing and the extra page numbers. A material with no images at all is not digitised yet and is
    not reported unless `only_if_scanned` is False.
    """
    numbers = list(numbers)
    if not numbers and only_if_scanned:
        return []
    missing, extra = page_number_gaps(page_count, numbers)
    if not missing and not extra:
        return []
    parts = [f"目录页数 {page_count} 页，已有扫描图像 {len(set(numbers))} 页"]
    if missing:
        parts.append(f"缺第 {_ranges(missing)} 页")
    if extra:
        parts.append(f"多出第 {_ranges(extra)} 页")
    return [Violation(PAGE_COUNT_MISMATCH, "；".join(parts) + "。", "page_count", severity)]


# --- sequence numbers (requirement 18) ----------------------------------------------------------------------


def insertion_index(ordered_dates: Sequence[datetime.date], formed_on: datetime.date) -> int:
    """Where a newly filed material goes in a category: before the first material formed later.

    `ordered_dates` are the formation dates of the filed materials in their current (possibly manual) order,
    which is kept: only the new material finds its place.
    """
    for index, date in enumerate(ordered_dates):
        if date > formed_on:
            return index
    return len(ordered_dates)


def renumber(ordered_ids: Sequence[int], current: dict[int, int | None]) -> list[tuple[int, int | None, int]]:
    """Sequence numbers 1..n for materials in this order: [(id, old, new)] for those that change."""
    changes = []
    for new, material_id in enumerate(ordered_ids, start=1):
        old = current.get(material_id)
        if old != new:
            changes.append((material_id, old, new))
    return changes


def seq_label(number: int, sub_number: int | None, seq: int | None) -> str:
    """'3-5' or '9-2-3'."""
    if seq is None:
        return ""
    head = f"{number}-{sub_number}" if sub_number else f"{number}"
    return f"{head}-{seq}"


# --- material life cycle (requirement 24) --------------------------------------------------------------------

STATUS_LABELS = {
    "received": "已接收",
    "identified": "已鉴别",
    "filed": "已归档",
    "returned": "退回",
    "withdrawn": "已撤出",
    "destroyed": "已销毁",
}
ALLOWED = {
    "identify": {"received"},
    "return": {"received", "identified"},
    "file": {"identified"},
    "withdraw": {"filed"},
    "update": {"received", "identified", "filed"},
    "upload": {"received", "identified", "filed"},
    "move": {"filed"},
    # A loose material that may not be filed, or one withdrawn from the directory; a returned one is back with
    # its producing unit (not ours to destroy), a filed one must be withdrawn first.
    "destroy": {"received", "identified", "withdrawn"},
}
ACTION_LABELS = {
    "identify": "鉴别",
    "return": "退回",
    "file": "归档",
    "withdraw": "撤出",
    "update": "修改",
    "upload": "上传扫描件",
    "move": "调整顺序",
    "destroy": "销毁",
}


def check_transition(status: str, action: str) -> list[Violation]:
    if status in ALLOWED[action]:
        return []
    allowed = "、".join(STATUS_LABELS[s] for s in sorted(ALLOWED[action]))
    return [
        Violation(
            INVALID_STATUS,
            f"该材料当前状态为“{STATUS_LABELS.get(status, status)}”，不能{ACTION_LABELS[action]}"
            f"（仅限{allowed}的材料）。",
            "status",
        )
    ]


def check_return(reason: str) -> list[Violation]:
    if not (reason or "").strip():
        return [Violation(RETURN_REASON_REQUIRED, "退回材料须填写退回原因。", "reason")]
    return []


def check_withdrawal(
    *, reason: str, approver_id: int | None, actor_id: int | None, approver_is_reviewer: bool
) -> list[Violation]:
    """A filed material is withdrawn (撤出) only with a reason and the approval of a 审批人 other than the clerk."""
    violations = []
    if not (reason or "").strip():
        violations.append(Violation(WITHDRAWAL_REASON_REQUIRED, "撤出材料须填写撤出原因。", "reason"))
    if approver_id is None:
        violations.append(
            Violation(WITHDRAWAL_NOT_APPROVED, "撤出材料须经审批人批准，请选择批准人。", "approver")
        )
    elif approver_id == actor_id:
        violations.append(
            Violation(WITHDRAWAL_NOT_APPROVED, "经办人不能批准自己撤出材料，请选择其他审批人。", "approver")
        )
    elif not approver_is_reviewer:
        violations.append(Violation(WITHDRAWAL_NOT_APPROVED, "批准人须具有审批人角色。", "approver"))
    return violations


WITNESSES_REQUIRED = 2
WITNESS_NAME_MAX = 50
ORDINALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def _ordinal(index: int) -> str:
    return ORDINALS[index] if index < len(ORDINALS) else str(index + 1)


def check_destroyable(status: str) -> list[Violation]:
    """Only a material outside the directory can be destroyed: a filed one is withdrawn (撤出) first."""
    if status == "filed":
        return [
            Violation(
                INVALID_STATUS,
                "已归档材料不能直接销毁：须先经审批人批准撤出，再登记销毁。",
                "status",
            )
        ]
    return check_transition(status, "destroy")


def normalise_witnesses(witnesses) -> list[str]:
    """The 监销人 names as entered, trimmed (None and non-text entries become blank, so the rule names them)."""
    if witnesses is None:
        return []
    if isinstance(witnesses, str):
        witnesses = [witnesses]
    return [name.strip() if isinstance(name, str) else "" for name in witnesses]


def _plausible_name(name: str) -> bool:
    """A person's name: not too long, at least one letter, no control or invisible format characters (a
    zero-width space would make 张三 and 张\u200b三 two people)."""
    return (
        len(name) <= WITNESS_NAME_MAX
        and any(ch.isalpha() for ch in name)
        and not any(unicodedata.category(ch).startswith("C") for ch in name)
    )


def check_destruction(
    *,
    reason: str,
    approver_id: int | None,
    actor_id: int | None,
    approver_is_reviewer: bool,
    witnesses: Sequence[str],
    destruction_date: datetime.date | None,
    today: datetime.date,
    received_date: datetime.date | None = None,
    withdrawn_on: datetime.date | None = None,
) -> list[Violation]:
    """Requirement 23: destroying a material needs the approval of a 审批人 other than the clerk and two named,
    distinct witnesses (二人监销); otherwise DESTRUCTION_NOT_AUTHORISED. The reason and the date are required.

    `witnesses` are the names as entered (see normalise_witnesses); fields name the slot: witnesses.1, witnesses.2.
    """
    violations: list[Violation] = []
    if approver_id is None:
        violations.append(
            Violation(
                DESTRUCTION_NOT_AUTHORISED,
                "销毁材料须经分管领导（审批人）批准：请选择批准人。",
                "approver",
            )
        )
    elif approver_id == actor_id:
        violations.append(
            Violation(
                DESTRUCTION_NOT_AUTHORISED,
                "经办人不能批准自己销毁材料：请选择其他审批人。",
                "approver",
            )
        )
    elif not approver_is_reviewer:
        violations.append(
            Violation(DESTRUCTION_NOT_AUTHORISED, "批准人须是在职的审批人：请重新选择批准人。", "approver")
        )
    names = list(witnesses or [])
    names += [""] * (WITNESSES_REQUIRED - len(names))
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        label = f"监销人{_ordinal(index)}"
        field = f"witnesses.{index + 1}"
        if not name:
            violations.append(
                Violation(
                    DESTRUCTION_NOT_AUTHORISED,
                    f"未填写{label}的姓名：销毁须由两名监销人在场监督（二人监销）。",
                    field,
                )
            )
            continue
        if not _plausible_name(name):
            violations.append(
                Violation(
                    DESTRUCTION_NOT_AUTHORISED,
                    f"{label}的姓名无效：请填写真实姓名（不超过{WITNESS_NAME_MAX}个字）。",
                    field,
                )
            )
            continue
        key = "".join(unicodedata.normalize("NFKC", name).casefold().split())
        if key in seen:
            violations.append(
                Violation(
                    DESTRUCTION_NOT_AUTHORISED,
                    f"{label}与监销人{_ordinal(seen[key])}是同一人（{name}）：须由两名不同的人监销。",
                    field,
                )
            )
            continue
        seen[key] = index
    if not any(not ch.isspace() and not unicodedata.category(ch).startswith("C") for ch in reason or ""):
        violations.append(
            Violation(
                DESTRUCTION_REASON_REQUIRED,
                "销毁材料须填写销毁原因（如重复材料、草稿、与本人无关的材料）。",
                "reason",
            )
        )
    if destruction_date is None:
        violations.append(Violation(DATE_ORDER, "请填写销毁日期（实际监销的日期）。", "destruction_date"))
    elif destruction_date > today:
        violations.append(
            Violation(DATE_IN_FUTURE, "销毁日期不能晚于今天：请在监销完成后登记。", "destruction_date")
        )
    elif received_date and destruction_date < received_date:
        violations.append(Violation(DATE_ORDER, "销毁日期不能早于材料的接收日期。", "destruction_date"))
    elif withdrawn_on and destruction_date < withdrawn_on:
        violations.append(Violation(DATE_ORDER, "销毁日期不能早于材料的撤出日期。", "destruction_date"))
    return violations


def check_change_reason(status: str, reason: str) -> list[Violation]:
    """Editing a filed material keeps a version: say why."""
    if status == "filed" and not (reason or "").strip():
        return [
            Violation(CHANGE_REASON_REQUIRED, "修改已归档材料须填写修改原因（将记入修改记录）。", "reason")
        ]
    return []


def material_not_deletable(status: str) -> list[Violation]:
    if status == "filed":
        message = "已归档材料不能删除，只能经审批后撤出。"
    else:
        message = "档案材料不能删除：未归档的材料请退回送交单位或经批准登记销毁，已归档的材料须经审批撤出。"
    return [Violation(MATERIAL_NOT_DELETABLE, message, None)]


def versioned_changes(old: dict, new: dict) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value changes (dates as ISO strings, for the JSON history)."""

    def plain(value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    return {
        name: [plain(old.get(name)), plain(value)]
        for name, value in new.items()
        if plain(old.get(name)) != plain(value)
    }


# --- archives and cadres ----------------------------------------------------------------------------------


def check_archive_writable(status: str) -> list[Violation]:
    if status == "transferred_out":
        return [Violation(ARCHIVE_READ_ONLY, "该档案已转出，只能查看，不能再修改或增加材料。", None)]
    return []


def check_determined_fields(old: dict, new: dict) -> list[Violation]:
    """DETERMINATION_REQUIRED: birth date, Party joining date and work start date change only by 认定."""
    for name in DETERMINED_FIELDS:
        if name in new and old.get(name) != new[name]:
            return [
                Violation(DETERMINATION_REQUIRED, "出生日期、入党时间、参加工作时间须经认定程序变更。", name)
            ]
    return []


def check_cadre_dates(
    *, birth_date, work_start_date=None, party_join_date=None, today: datetime.date | None = None
) -> list[Violation]:
    today = today or datetime.date.today()
    violations = []
    if birth_date is None:
        return [Violation(DATE_ORDER, "请填写出生日期。", "birth_date")]
    if birth_date > today:
        violations.append(Violation(DATE_IN_FUTURE, "出生日期不能晚于今天。", "birth_date"))
    if birth_date.year < 1900:
        violations.append(Violation(DATE_ORDER, "出生日期不合理（早于1900年）。", "birth_date"))
    if work_start_date:
        if work_start_date > today:
            violations.append(Violation(DATE_IN_FUTURE, "参加工作时间不能晚于今天。", "work_start_date"))
        elif work_start_date <= birth_date:
            violations.append(Violation(DATE_ORDER, "参加工作时间须晚于出生日期。", "work_start_date"))
    if party_join_date:
        if party_join_date > today:
            violations.append(Violation(DATE_IN_FUTURE, "入党时间不能晚于今天。", "party_join_date"))
        elif party_join_date <= birth_date:
            violations.append(Violation(DATE_ORDER, "入党时间须晚于出生日期。", "party_join_date"))
    return violations


def check_cadre_name(name: str) -> list[Violation]:
    if not (name or "").strip():
        return [Violation(NAME_REQUIRED, "请填写姓名。", "name")]
    return []


def check_id_number(raw: str, *, sex: str | None, birth_date, field: str = "id_number") -> list[Violation]:
    """Requirements 54-55: errors ID_LENGTH / ID_DIGITS / ID_DATE / ID_CHECKSUM; warnings ID_SEX_MISMATCH and
    ID_BIRTHDATE_MISMATCH (shown, never blocking, never an automatic correction). Empty is allowed."""
    if not (raw or "").strip():
        return []
    return idcard.check_id_number(raw, sex=sex, birth_date=birth_date, field=field)


def normalise_archive_no(raw: str) -> str:
    return (raw or "").strip().upper()


def check_archive_no(raw: str) -> list[Violation]:
    value = normalise_archive_no(raw)
    if not value:
        return [Violation(ARCHIVE_NO_INVALID, "请填写档号。", "archive_no")]
    if len(value) > 40:
        return [Violation(ARCHIVE_NO_INVALID, "档号不能超过40个字符。", "archive_no")]
    if any(ch.isspace() for ch in value):
        return [Violation(ARCHIVE_NO_INVALID, "档号中不能包含空格。", "archive_no")]
    return []


# Statuses a clerk sets by hand; the others belong to the borrowing and transfer workflows.
MANUAL_STATUSES = {"in_store", "review_hold", "viewing"}


def check_manual_status(old: str, new: str) -> list[Violation]:
    if old == new:
        return []
    if new not in MANUAL_STATUSES:
        return [
            Violation(
                STATUS_BY_WORKFLOW,
                "“借出”“转递中”“已转出”“归还异常”等状态由借阅、转递业务自动设置，不能手工修改。",
                "status",
            )
        ]
    if old in ("on_loan", "transferring", "transferred_out"):
        return [
            Violation(
                STATUS_BY_WORKFLOW,
                "档案处于借出或转递流程中，须在借阅、转递业务中办理归还或撤销后才能改变状态。",
                "status",
            )
        ]
    return []
