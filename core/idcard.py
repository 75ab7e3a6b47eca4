"""Resident ID numbers (GB 11643-1999, docs/domain.md section 9; requirements 54-55).

`check_id_number` returns Violations: the first structural error found (ID_LENGTH, ID_DIGITS, ID_DATE,
ID_CHECKSUM) or, for a valid number, the cross-check warnings (ID_SEX_MISMATCH, ID_BIRTHDATE_MISMATCH).
A 15-digit legacy number is accepted and upgraded to 18 digits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from core.errors import WARNING, Violation

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

ID_LENGTH = "ID_LENGTH"
ID_DIGITS = "ID_DIGITS"
ID_DATE = "ID_DATE"
ID_CHECKSUM = "ID_CHECKSUM"
ID_SEX_MISMATCH = "ID_SEX_MISMATCH"
ID_BIRTHDATE_MISMATCH = "ID_BIRTHDATE_MISMATCH"


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15(number: str) -> str:
    body = number[:6] + "19" + number[6:15]
    return body + check_char(body)


@dataclass(frozen=True)
class ParsedId:
    number: str  # 18 digits, upper-case X
    legacy: str  # the 15-digit original, or ""
    birth_date: datetime.date
    sex: str  # "1" male, "2" female (core.choices.Sex)


def parse(raw: str, *, field: str = "id_number", today: datetime.date | None = None):
    """Return (ParsedId | None, [Violation]) for an ID number as typed."""
    number = (raw or "").strip().upper()
    today = today or datetime.date.today()
    legacy = ""
    if len(number) == 15:
        if not number.isdecimal():
            return None, [Violation(ID_DIGITS, "15位身份证号码必须全部为数字。", field)]
        legacy = number
        try:
            datetime.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        except ValueError:
            return None, [Violation(ID_DATE, "身份证号码中的出生日期不是有效日期。", field)]
        number = upgrade_15(number)
    if len(number) != 18:
        return None, [
            Violation(ID_LENGTH, f"身份证号码应为18位（或旧版15位），当前为{len(number)}位。", field)
        ]
    if not number[:17].isdecimal():
        return None, [Violation(ID_DIGITS, "身份证号码前17位必须为数字。", field)]
    if not (number[17].isdecimal() or number[17] == "X"):
        return None, [Violation(ID_DIGITS, "身份证号码最后一位只能是数字或X。", field)]
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None, [Violation(ID_DATE, "身份证号码中的出生日期不是有效日期。", field)]
    if birth > today or birth.year < 1900:
        return None, [Violation(ID_DATE, "身份证号码中的出生日期不合理（晚于今天或早于1900年）。", field)]
    if check_char(number[:17]) != number[17]:
        return None, [Violation(ID_CHECKSUM, "身份证号码校验位错误，请核对是否录入有误。", field)]
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return ParsedId(number=number, legacy=legacy, birth_date=birth, sex=sex), []


def check_id_number(
    raw: str,
    *,
    sex: str | None = None,
    birth_date: datetime.date | None = None,
    field: str = "id_number",
    today: datetime.date | None = None,
) -> list[Violation]:
    parsed, violations = parse(raw, field=field, today=today)
    if violations:
        return violations
    warnings = []
    if sex and parsed.sex != sex:
        warnings.append(
            Violation(
                ID_SEX_MISMATCH,
                f"身份证号码显示性别为{'男' if parsed.sex == '1' else '女'}，与登记的性别不一致，请核实。",
                field,
                WARNING,
            )
        )
    if birth_date and parsed.birth_date != birth_date:
        warnings.append(
            Violation(
                ID_BIRTHDATE_MISMATCH,
                f"身份证号码中的出生日期（{parsed.birth_date:%Y-%m-%d}）与档案认定的出生日期"
                f"（{birth_date:%Y-%m-%d}）不一致，请核实；系统不会自动更改。",
                field,
                WARNING,
            )
        )
    return warnings


def make_id_number(area: str, birth: datetime.date, sequence: int, sex: str) -> str:
    """Build a valid number (seed data and tests): sequence 0..99 picks the first two sequence digits."""
    parity_digit = (sequence * 2 + (1 if sex == "1" else 0)) % 10
    if (parity_digit % 2 == 1) != (sex == "1"):
        parity_digit = (parity_digit + 1) % 10
    body = f"{area}{birth:%Y%m%d}{sequence % 100:02d}{parity_digit}"
    return body + check_char(body)
