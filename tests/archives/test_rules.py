"""Every rule of archives/rules.py provoked directly (pure functions, no database)."""

import datetime

import pytest

from archives import rules
from core.errors import WARNING


def codes(violations):
    return [v.code for v in violations]


@pytest.mark.parametrize(
    "number,sub,ok",
    [
        (1, None, True),
        (3, None, True),
        (10, None, True),
        (4, 1, True),
        (9, 4, True),
        (4, None, False),  # 4 needs a sub-category
        (9, None, False),
        (4, 5, False),  # 4-5 does not exist
        (9, 0, False),
        (3, 2, False),  # 3 has no sub-categories
        (11, None, False),
        (0, None, False),
        ("x", None, False),
        (4, "a", False),
    ],
)
def test_bad_category(number, sub, ok):
    found = rules.check_category(number, sub)
    assert (found == []) is ok
    if not ok:
        assert codes(found) == ["BAD_CATEGORY"]
        assert found[0].message


def test_bad_category_message_names_the_sub_categories():
    (v,) = rules.check_category(4, None)
    assert "4-1" in v.message and "4-4" in v.message


@pytest.mark.parametrize(
    "text,expected",
    [
        ("4-1", (4, 1)),
        ("41", (4, 1)),
        ("94", (9, 4)),
        ("四-2", (4, 2)),
        ("10", (10, None)),
        ("3", (3, None)),
        ("", (None, None)),
        ("abc", (None, None)),
        ("4-x", (4, -1)),
        (9, (9, None)),
    ],
)
def test_parse_category_label(text, expected):
    assert rules.parse_category_label(text) == expected


def test_copy_without_seal():
    assert rules.check_copy(False, None, "") == []
    assert rules.check_copy(True, datetime.date(2020, 1, 1), "某单位") == []
    (v,) = rules.check_copy(True, None, "某单位")
    assert v.code == "COPY_WITHOUT_SEAL" and "复制时间" in v.message and v.is_error
    (v,) = rules.check_copy(True, datetime.date(2020, 1, 1), "  ")
    assert "盖章单位" in v.message
    (v,) = rules.check_copy(True, None, "", severity=WARNING)
    assert not v.is_error and "复制时间、盖章单位" in v.message


def test_late_handover_is_a_warning_after_the_limit():
    formed = (2024, 3, 1)
    assert rules.late_handover(datetime.date(2024, 3, 31), *formed, limit_days=31) == []
    assert rules.late_handover(datetime.date(2024, 4, 1), *formed, limit_days=31) == []
    (v,) = rules.late_handover(datetime.date(2024, 4, 2), *formed, limit_days=31)
    assert v.code == "LATE_HANDOVER" and not v.is_error
    assert "32 天" in v.message


def test_late_handover_uses_the_last_day_of_a_partial_date():
    # Formed "2024-03" (no day): the limit counts from 31 March.
    assert rules.late_handover(datetime.date(2024, 5, 1), 2024, 3, None, limit_days=31) == []
    assert codes(rules.late_handover(datetime.date(2024, 5, 2), 2024, 3, None, limit_days=31)) == [
        "LATE_HANDOVER"
    ]
    # Formed "2023": from 31 December.
    assert rules.late_handover(datetime.date(2024, 1, 20), 2023, None, None, limit_days=31) == []
    assert rules.late_handover(None, 2023, limit_days=31) == []


def test_formation_date_rules():
    today = datetime.date(2026, 6, 1)
    assert rules.check_formed_date(2020, 2, 29, today=today) == []
    assert codes(rules.check_formed_date(2021, 2, 29, today=today)) == ["FORMED_DATE_INVALID"]
    assert codes(rules.check_formed_date(2020, 13, None, today=today)) == ["FORMED_DATE_INVALID"]
    assert codes(rules.check_formed_date(2020, None, 5, today=today)) == ["FORMED_DATE_INVALID"]
    assert codes(rules.check_formed_date(1800, today=today)) == ["FORMED_DATE_INVALID"]
    assert codes(rules.check_formed_date(2026, 7, today=today)) == ["DATE_IN_FUTURE"]
    assert codes(rules.check_formed_date(2027, today=today)) == ["FORMED_DATE_INVALID"]
    assert codes(rules.check_formed_date("abc", today=today)) == ["FORMED_DATE_INVALID"]


def test_received_before_formed():
    today = datetime.date(2026, 6, 1)
    assert codes(rules.check_received_date(datetime.date(2020, 1, 5), 2020, 2, 1, today=today)) == [
        "RECEIVED_BEFORE_FORMED"
    ]
    assert rules.check_received_date(datetime.date(2020, 6, 5), 2020, None, None, today=today) == []
    assert codes(rules.check_received_date(datetime.date(2026, 7, 1), 2020, today=today)) == [
        "DATE_IN_FUTURE"
    ]


def test_material_fields():
    found = rules.check_material_fields(title=" ", page_count=0, formed_year=2020)
    assert codes(found) == ["TITLE_REQUIRED", "PAGE_COUNT_INVALID"]
    assert rules.check_material_fields(title="自传", page_count=3, formed_year=2020, formed_month=5) == []


def test_page_count_mismatch_lists_missing_and_extra_pages():
    assert rules.page_count_mismatch(3, [1, 2, 3]) == []
    assert rules.page_count_mismatch(3, []) == []  # not digitised yet
    (v,) = rules.page_count_mismatch(3, [], only_if_scanned=False)
    assert "缺第 1-3 页" in v.message
    (v,) = rules.page_count_mismatch(6, [1, 2, 5])
    assert v.code == "PAGE_COUNT_MISMATCH"
    assert "缺第 3-4、6 页" in v.message
    (v,) = rules.page_count_mismatch(2, [1, 2, 3, 4])
    assert "多出第 3-4 页" in v.message
    assert rules.page_number_gaps(4, [1, 3, 7]) == ([2, 4], [7])


def test_insertion_keeps_manual_order():
    d = datetime.date
    # Manual order: 2019 was moved before 2018 by a clerk.
    ordered = [d(2017, 1, 1), d(2019, 1, 1), d(2018, 1, 1), d(2021, 1, 1)]
    assert rules.insertion_index(ordered, d(2020, 6, 1)) == 3
    assert rules.insertion_index(ordered, d(2016, 1, 1)) == 0
    assert rules.insertion_index(ordered, d(2022, 1, 1)) == 4
    # Same date: after the ones already there.
    assert rules.insertion_index([d(2020, 1, 1), d(2020, 1, 1)], d(2020, 1, 1)) == 2


def test_renumber_reports_only_changes():
    assert rules.renumber([10, 11, 12], {10: 1, 11: 2, 12: 3}) == []
    assert rules.renumber([10, 13, 11], {10: 1, 11: 2, 13: None}) == [(13, None, 2), (11, 2, 3)]
    assert rules.seq_label(9, 2, 3) == "9-2-3" and rules.seq_label(3, None, 5) == "3-5"


@pytest.mark.parametrize(
    "status,action,ok",
    [
        ("received", "identify", True),
        ("identified", "identify", False),
        ("identified", "file", True),
        ("received", "file", False),
        ("filed", "withdraw", True),
        ("identified", "withdraw", False),
        ("filed", "return", False),
        ("withdrawn", "update", False),
        ("returned", "upload", False),
    ],
)
def test_status_transitions(status, action, ok):
    found = rules.check_transition(status, action)
    assert (found == []) is ok
    if not ok:
        assert codes(found) == ["INVALID_STATUS"]


def test_return_needs_a_reason():
    assert codes(rules.check_return("  ")) == ["RETURN_REASON_REQUIRED"]
    assert rules.check_return("非本人材料") == []


def test_withdrawal_needs_reason_and_another_reviewer():
    ok = {"reason": "重复归档", "approver_id": 2, "actor_id": 1, "approver_is_reviewer": True}
    assert rules.check_withdrawal(**ok) == []
    assert codes(rules.check_withdrawal(**{**ok, "reason": ""})) == ["WITHDRAWAL_REASON_REQUIRED"]
    assert codes(rules.check_withdrawal(**{**ok, "approver_id": None})) == ["WITHDRAWAL_NOT_APPROVED"]
    assert codes(rules.check_withdrawal(**{**ok, "approver_id": 1})) == ["WITHDRAWAL_NOT_APPROVED"]
    assert codes(rules.check_withdrawal(**{**ok, "approver_is_reviewer": False})) == [
        "WITHDRAWAL_NOT_APPROVED"
    ]


def test_change_reason_only_for_filed():
    assert rules.check_change_reason("received", "") == []
    assert codes(rules.check_change_reason("filed", "")) == ["CHANGE_REASON_REQUIRED"]


def test_material_not_deletable():
    (v,) = rules.material_not_deletable("filed")
    assert v.code == "MATERIAL_NOT_DELETABLE" and "撤出" in v.message


def test_transferred_out_archive_is_read_only():
    assert rules.check_archive_writable("in_store") == []
    assert codes(rules.check_archive_writable("transferred_out")) == ["ARCHIVE_READ_ONLY"]


def test_determined_fields_need_a_determination():
    old = {"birth_date": datetime.date(1970, 1, 1), "party_join_date": None, "work_start_date": None}
    assert rules.check_determined_fields(old, {"birth_date": datetime.date(1970, 1, 1)}) == []
    (v,) = rules.check_determined_fields(old, {"birth_date": datetime.date(1971, 1, 1)})
    assert v.code == "DETERMINATION_REQUIRED"
    assert v.message == "出生日期、入党时间、参加工作时间须经认定程序变更。"
    assert v.field == "birth_date"
    (v,) = rules.check_determined_fields(old, {"work_start_date": datetime.date(1990, 7, 1)})
    assert v.field == "work_start_date"


def test_cadre_dates():
    d = datetime.date
    assert rules.check_cadre_dates(birth_date=d(1980, 1, 1), work_start_date=d(2002, 7, 1)) == []
    assert codes(rules.check_cadre_dates(birth_date=d(1980, 1, 1), work_start_date=d(1979, 1, 1))) == [
        "DATE_ORDER"
    ]
    assert codes(rules.check_cadre_dates(birth_date=d(2100, 1, 1), today=d(2026, 1, 1))) == ["DATE_IN_FUTURE"]


@pytest.mark.parametrize(
    "raw,code",
    [
        ("1101051949123100", "ID_LENGTH"),
        ("11010519491231002", "ID_LENGTH"),
        ("1101051949A231002X", "ID_DIGITS"),
        ("11010519491331002X", "ID_DATE"),
        ("110105194912310021", "ID_CHECKSUM"),
    ],
)
def test_id_errors(raw, code):
    found = rules.check_id_number(raw, sex=None, birth_date=None)
    assert codes(found) == [code] and found[0].is_error


def test_id_warnings_never_block():
    # 11010519491231002X: born 1949-12-31, female (sequence digit 2 is even).
    found = rules.check_id_number("11010519491231002x", sex="1", birth_date=datetime.date(1949, 12, 30))
    assert codes(found) == ["ID_SEX_MISMATCH", "ID_BIRTHDATE_MISMATCH"]
    assert not any(v.is_error for v in found)
    assert rules.check_id_number("", sex="1", birth_date=None) == []


def test_archive_no_and_manual_status():
    assert rules.normalise_archive_no(" qs001 ") == "QS001"
    assert codes(rules.check_archive_no("")) == ["ARCHIVE_NO_INVALID"]
    assert codes(rules.check_archive_no("QS 1")) == ["ARCHIVE_NO_INVALID"]
    assert rules.check_manual_status("in_store", "review_hold") == []
    assert codes(rules.check_manual_status("in_store", "transferred_out")) == ["STATUS_BY_WORKFLOW"]
    assert codes(rules.check_manual_status("on_loan", "in_store")) == ["STATUS_BY_WORKFLOW"]


def test_versioned_changes():
    old = {"title": "自传", "page_count": 3, "copy_date": None}
    new = {"title": "自传（入党时）", "page_count": 3, "copy_date": datetime.date(2020, 1, 2)}
    assert rules.versioned_changes(old, new) == {
        "title": ["自传", "自传（入党时）"],
        "copy_date": [None, "2020-01-02"],
    }
