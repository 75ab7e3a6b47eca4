"""Grading new cadre archives (新任干部档案评分, docs/domain.md 1.3 and 4.7, requirement 22) as pure functions.

    score(lines)                       100 minus the deductions, each item's deduction capped at its weight
    grade(score, veto, thresholds)     不合格 with any veto or below the pass line; 合格 up to the excellent line
                                       (exclusive); 优秀 from it; thresholds from the settings (90 / 97)
    check_line(...)                    GRADE_DEDUCTION_EXCEEDS_WEIGHT, GRADE_DEDUCTION_INVALID, GRADE_PROBLEM_REQUIRED
    check_signers(...)                 three different people sign: 初审, 复核, 复审 (GRADE_SIGNER_DUPLICATE)
    is_late(appointed_on, submitted_on, months)   submitted later than the allowed months after appointment

No database, no clock, no settings: the services pass what is needed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import Violation

FULL = Decimal(100)
TENTH = Decimal("0.1")

GRADE_DEDUCTION_EXCEEDS_WEIGHT = "GRADE_DEDUCTION_EXCEEDS_WEIGHT"
GRADE_DEDUCTION_INVALID = "GRADE_DEDUCTION_INVALID"
GRADE_PROBLEM_REQUIRED = "GRADE_PROBLEM_REQUIRED"
GRADE_VETO_NOTE_REQUIRED = "GRADE_VETO_NOTE_REQUIRED"
GRADE_SIGNER_DUPLICATE = "GRADE_SIGNER_DUPLICATE"
GRADE_SIGNER_NOT_AUTHORISED = "GRADE_SIGNER_NOT_AUTHORISED"
GRADE_NOT_EDITABLE = "GRADE_NOT_EDITABLE"
GRADE_NOT_FINAL = "GRADE_NOT_FINAL"
GRADE_FORM_INCOMPLETE = "GRADE_FORM_INCOMPLETE"
GRADING_ALREADY_OPEN = "GRADING_ALREADY_OPEN"

EXCELLENT, QUALIFIED, UNQUALIFIED = "excellent", "qualified", "unqualified"
GRADE_LABELS = {EXCELLENT: "优秀", QUALIFIED: "合格", UNQUALIFIED: "不合格"}
STAGES = ("initial", "check", "second")
STAGE_LABELS = {"initial": "初审", "check": "复核", "second": "复审"}


@dataclass(frozen=True)
class Line:
    number: int
    weight: Decimal
    deduction: Decimal
    problems: str = ""


def to_decimal(value) -> Decimal | None:
    """A deduction as typed ("1.5", 2, "") in tenths of a point; None when it is not a number."""
    if value in (None, ""):
        return Decimal(0)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return number


def points(value: Decimal) -> str:
    """2.0 -> "2", 0.50 -> "0.5"."""
    text = format(Decimal(value).normalize(), "f")
    return text


def check_line(*, number: int, weight: Decimal, deduction, problems: str) -> list[Violation]:
    """One item: a deduction between 0 and the item's weight, in tenths at most, with the problem written down."""
    field = f"lines.{number}"
    value = to_decimal(deduction)
    if value is None or value < 0:
        return [Violation(GRADE_DEDUCTION_INVALID, f"第{number}项：扣分须为不小于0的数。", field)]
    if value != value.quantize(TENTH):
        return [Violation(GRADE_DEDUCTION_INVALID, f"第{number}项：扣分最多保留一位小数。", field)]
    if value > weight:
        return [
            Violation(
                GRADE_DEDUCTION_EXCEEDS_WEIGHT,
                f"第{number}项：扣分{points(value)}超过该项分值{points(weight)}，单项扣分不得超过该项分值。",
                field,
            )
        ]
    if value > 0 and not (problems or "").strip():
        return [Violation(GRADE_PROBLEM_REQUIRED, f"第{number}项：扣分须写明存在问题。", field)]
    return []


def check_veto(*, number: int, name: str, found: bool, note: str) -> list[Violation]:
    if found and not (note or "").strip():
        return [
            Violation(GRADE_VETO_NOTE_REQUIRED, f"单项否决“{name}”：请写明具体情况。", f"vetoes.{number}")
        ]
    return []


def score(lines: Iterable[Line]) -> Decimal:
    """100 minus the deductions; an item never loses more than its weight (requirement 22)."""
    total = sum((min(max(line.deduction, Decimal(0)), line.weight) for line in lines), Decimal(0))
    return max(Decimal(0), FULL - total).quantize(TENTH, rounding=ROUND_HALF_UP)


def grade(value: Decimal, *, veto: bool, pass_threshold, excellent_threshold) -> str:
    """不合格: any veto, or below the pass line. 合格: pass line up to (not including) the excellent line. 优秀."""
    pass_line = Decimal(str(pass_threshold))
    excellent_line = Decimal(str(excellent_threshold))
    if veto or value < pass_line:
        return UNQUALIFIED
    if value < excellent_line:
        return QUALIFIED
    return EXCELLENT


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def is_late(appointed_on: datetime.date, submitted_on: datetime.date, months: int) -> bool:
    """Submitted later than `months` after appointment (新任干部任职后两个月内报送档案)."""
    return submitted_on > add_months(appointed_on, months)


def check_dates(*, appointed_on, submitted_on, today: datetime.date) -> list[Violation]:
    violations = []
    if appointed_on is None:
        violations.append(Violation(GRADE_FORM_INCOMPLETE, "请填写任职时间。", "appointed_on"))
    elif appointed_on > today:
        violations.append(Violation(GRADE_FORM_INCOMPLETE, "任职时间不能晚于今天。", "appointed_on"))
    if submitted_on is None:
        violations.append(Violation(GRADE_FORM_INCOMPLETE, "请填写档案报送时间。", "submitted_on"))
    elif submitted_on > today:
        violations.append(Violation(GRADE_FORM_INCOMPLETE, "报送时间不能晚于今天。", "submitted_on"))
    return violations


def check_signers(*, stage: str, signer_id: int, earlier: dict[str, int | None]) -> list[Violation]:
    """初审, 复核 and 复审 are signed by three different people."""
    for other_stage, other_id in earlier.items():
        if other_id and other_id == signer_id and other_stage != stage:
            return [
                Violation(
                    GRADE_SIGNER_DUPLICATE,
                    f"{STAGE_LABELS[stage]}人不能与{STAGE_LABELS[other_stage]}人为同一人：评分须经初审、复核、复审三人签字。",
                    "signature",
                )
            ]
    return []
