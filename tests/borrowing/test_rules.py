"""borrowing/rules.py: every rule code provoked by plain facts (no database)."""

import datetime

import pytest

from borrowing import rules
from borrowing.rules import ApproverFacts, Person, RequestFacts, Settings, SubjectFacts, ViewerFacts
from core.idcard import make_id_number

NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
S = Settings()


def vid(n, birth=datetime.date(1980, 1, 1)):
    return make_id_number("110105", birth, n, "1")


def viewer(n=1, **kw):
    base = {
        "name": f"查阅人{n}",
        "unit_name": "纪委",
        "post": "主任",
        "political_status": "01",
        "id_number": vid(n),
        "user_id": 100 + n,
    }
    base.update(kw)
    return ViewerFacts(**base)


SUBJECT = SubjectFacts(
    archive_id=1,
    archive_no="A001",
    cadre_name="对象甲",
    cadre_id_number=make_id_number("360702", datetime.date(1975, 3, 15), 3, "1"),
    cadre_birth_date=datetime.date(1975, 3, 15),
    cadre_unit_path="/1/5/",
    management_level="municipal",
)


def request(**kw):
    base = {
        "mode": "onsite",
        "purpose": "inspection",
        "purpose_detail": "审查调查",
        "requesting_unit_name": "市纪委",
        "requesting_unit_kind": "discipline",
        "unit_opinion": "同意",
        "unit_signer": "负责人",
        "unit_signed_on": datetime.date(2026, 11, 24),
        "start_at": NOW,
        "end_at": NOW + datetime.timedelta(days=1),
        "created_by_id": 1,
        "viewers": (viewer(1), viewer(2)),
        "subjects": (SUBJECT,),
    }
    base.update(kw)
    return RequestFacts(**base)


def codes(violations, *, errors_only=True):
    return sorted({v.code for v in violations if v.is_error or not errors_only})


def test_a_complete_request_passes_every_rule():
    assert rules.request_violations(request(), S, now=NOW) == []


# --- VIEWERS_LT_2 ------------------------------------------------------------------------------------------------


def test_one_viewer_is_refused():
    found = rules.check_viewers(request(viewers=(viewer(1),)), S)
    assert codes(found) == [rules.VIEWERS_LT_2]
    assert found[0].message.startswith("查阅者非两人以上")


def test_the_same_person_twice_counts_once():
    same = viewer(1)
    twice = viewer(1, name="查阅人1", user_id=None)  # typed in again, same ID number
    found = rules.check_viewers(request(viewers=(same, twice)), S)
    assert codes(found) == [rules.VIEWERS_LT_2]
    assert "重复" in found[0].message


def test_id_numbers_differing_only_in_case_are_one_person():
    number = vid(9)
    if not number.endswith("X"):
        number = number[:-1] + "X"
    a = viewer(1, id_number=number, user_id=None)
    b = viewer(2, id_number=number.lower(), user_id=None)
    assert codes(rules.check_viewers(request(viewers=(a, b)), S)) == [rules.VIEWERS_LT_2]


def test_empty_rows_do_not_count_as_viewers():
    empty = ViewerFacts()
    assert codes(rules.check_viewers(request(viewers=(viewer(1), empty)), S)) == [rules.VIEWERS_LT_2]


# --- VIEWER_NOT_PARTY_MEMBER ---------------------------------------------------------------------------------


def test_a_non_party_member_viewer_is_refused():
    found = rules.check_viewers(request(viewers=(viewer(1), viewer(2, political_status="13"))), S)
    assert codes(found) == [rules.VIEWER_NOT_PARTY_MEMBER]
    assert found[0].field == "viewers.1.political_status"
    assert "非中共党员不予查阅" in found[0].message and "群众" in found[0].message


def test_probationary_members_count_by_default_and_not_when_the_setting_says_so():
    req = request(viewers=(viewer(1), viewer(2, political_status="02")))
    assert rules.check_viewers(req, S) == []
    strict = Settings(probationary_members_count=False)
    assert codes(rules.check_viewers(req, strict)) == [rules.VIEWER_NOT_PARTY_MEMBER]


def test_the_party_member_rule_can_be_downgraded_to_a_warning():
    req = request(viewers=(viewer(1), viewer(2, political_status="03")))
    found = rules.check_viewers(req, Settings(party_rule_is_warning=True))
    assert [v.code for v in found] == [rules.VIEWER_NOT_PARTY_MEMBER]
    assert not found[0].is_error


# --- FORM_IRREGULAR ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"requesting_unit_name": ""}, "requesting_unit", "申请单位"),
        ({"unit_opinion": " "}, "unit_opinion", "申请单位意见"),
        ({"unit_signer": ""}, "unit_signer", "单位负责人签字"),
        ({"unit_signed_on": None}, "unit_signed_on", "单位签署日期"),
        ({"purpose": ""}, "purpose", "查阅事由类别"),
        ({"purpose": "other", "purpose_detail": ""}, "purpose_detail", "查阅事由说明"),
        ({"subjects": ()}, "subjects", "查阅对象"),
        ({"start_at": None}, "start_at", "起始时间"),
        ({"end_at": None}, "end_at", "截止时间"),
    ],
)
def test_a_missing_required_field_is_named(change, field, words):
    found = rules.check_form(request(**change))
    assert [v.code for v in found] == [rules.FORM_IRREGULAR]
    assert found[0].field == field
    assert found[0].message.startswith("审批表不规范，不予查阅")
    assert words in found[0].message


@pytest.mark.parametrize(
    "attr,label",
    [
        ("name", "姓名"),
        ("unit_name", "工作单位"),
        ("post", "职务"),
        ("political_status", "政治面貌"),
        ("id_number", "身份证号"),
    ],
)
def test_each_missing_viewer_field_is_named(attr, label):
    found = rules.check_form(request(viewers=(viewer(1), viewer(2, **{attr: ""}))))
    assert [(v.code, v.field) for v in found] == [(rules.FORM_IRREGULAR, f"viewers.1.{attr}")]
    assert f"查阅人2的{label}" in found[0].message


def test_scope_must_name_categories_or_materials_unless_whole_archive():
    narrow = SubjectFacts(**{**SUBJECT.__dict__, "scope_all": False})
    found = rules.check_form(request(subjects=(narrow,)))
    assert [(v.code, v.field) for v in found] == [(rules.FORM_IRREGULAR, "subjects.0.scope")]
    ok = SubjectFacts(**{**SUBJECT.__dict__, "scope_all": False, "scope_category_count": 1})
    assert rules.check_form(request(subjects=(ok,))) == []


def test_copies_requested_must_list_the_materials():
    found = rules.check_form(request(copies_requested=True))
    assert [(v.code, v.field) for v in found] == [(rules.FORM_IRREGULAR, "copies")]


def test_end_before_start_is_irregular():
    found = rules.check_form(request(end_at=NOW - datetime.timedelta(hours=1)))
    assert [(v.code, v.field) for v in found] == [(rules.FORM_IRREGULAR, "end_at")]


# --- PURPOSE_NOT_PERMITTED -----------------------------------------------------------------------------------


def test_a_purpose_outside_article_31_is_refused():
    found = rules.check_purpose(request(purpose="private_matter"))
    assert codes(found) == [rules.PURPOSE_NOT_PERMITTED]
    assert rules.check_purpose(request(purpose="history")) == []


# --- SELF_OR_RELATIVE ------------------------------------------------------------------------------------------


def test_the_subject_as_viewer_is_refused():
    me = viewer(2, name="对象甲", id_number=SUBJECT.cadre_id_number)
    found = rules.check_self_or_relative(request(viewers=(viewer(1), me)))
    assert codes(found) == [rules.SELF_OR_RELATIVE]
    assert found[0].field == "viewers.1.name"
    assert "本人" in found[0].message


def test_a_family_member_matched_by_id_number_is_refused():
    spouse_id = vid(44, datetime.date(1977, 7, 7))
    subject = SubjectFacts(**{**SUBJECT.__dict__, "family": (Person("配偶乙", spouse_id, None, "妻子"),)})
    found = rules.check_self_or_relative(
        request(viewers=(viewer(1), viewer(2, name="别名", id_number=spouse_id)), subjects=(subject,))
    )
    assert codes(found) == [rules.SELF_OR_RELATIVE]
    assert "妻子" in found[0].message


def test_a_family_member_without_id_matched_by_name_and_birth_date():
    birth = datetime.date(1999, 9, 9)
    subject = SubjectFacts(**{**SUBJECT.__dict__, "family": (Person("儿子丙", "", birth, "儿子"),)})
    son = viewer(2, name="儿子丙", id_number=vid(55, birth))
    assert codes(rules.check_self_or_relative(request(viewers=(viewer(1), son), subjects=(subject,)))) == [
        rules.SELF_OR_RELATIVE
    ]
    # Same name, another birth date: a different person.
    namesake = viewer(2, name="儿子丙", id_number=vid(55, datetime.date(1990, 1, 1)))
    assert rules.check_self_or_relative(request(viewers=(viewer(1), namesake), subjects=(subject,))) == []


def test_a_declared_relative_is_refused():
    declared = (Person("对象甲", SUBJECT.cadre_id_number, None, "舅舅"),)
    v = viewer(2, declared_relatives=declared)
    found = rules.check_self_or_relative(request(viewers=(viewer(1), v)))
    assert codes(found) == [rules.SELF_OR_RELATIVE]
    assert "舅舅" in found[0].message


# --- borrowing ---------------------------------------------------------------------------------------------------


def test_borrowing_only_for_organization_personnel_and_discipline_units():
    for kind in ("organization", "personnel", "discipline"):
        assert rules.check_mode(request(mode="loan", requesting_unit_kind=kind), S, now=NOW) == []
    found = rules.check_mode(request(mode="loan", requesting_unit_kind="party_gov"), S, now=NOW)
    assert codes(found) == [rules.LOAN_UNIT_NOT_PERMITTED]
    # On-site viewing stays open to them.
    assert rules.check_mode(request(mode="onsite", requesting_unit_kind="party_gov"), S, now=NOW) == []


def test_loan_period_at_most_the_maximum():
    ok = request(mode="loan", end_at=NOW + datetime.timedelta(days=15))
    assert rules.check_mode(ok, S, now=NOW) == []
    long = request(mode="loan", end_at=NOW + datetime.timedelta(days=16))
    found = rules.check_mode(long, S, now=NOW)
    assert codes(found) == [rules.LOAN_PERIOD_EXCEEDED] and "15天" in found[0].message
    assert codes(rules.check_mode(ok, Settings(loan_max_days=7), now=NOW)) == [rules.LOAN_PERIOD_EXCEEDED]


def test_viewing_window_at_most_view_max_days():
    long = request(mode="digital", end_at=NOW + datetime.timedelta(days=16))
    assert codes(rules.check_mode(long, S, now=NOW)) == [rules.VIEW_PERIOD_EXCEEDED]


def test_a_window_already_ended_cannot_be_submitted_or_approved():
    req = request(start_at=NOW - datetime.timedelta(days=2), end_at=NOW - datetime.timedelta(days=1))
    assert codes(rules.check_mode(req, S, now=NOW)) == [rules.WINDOW_CLOSED]


def test_digital_viewing_needs_registered_viewers():
    req = request(mode="digital", viewers=(viewer(1), viewer(2, user_id=None)))
    found = rules.check_mode(req, S, now=NOW)
    assert codes(found) == [rules.DIGITAL_VIEWER_NOT_REGISTERED]
    assert found[0].field == "viewers.1.user"


def test_the_three_separated_roles_are_never_viewers():
    req = request(viewers=(viewer(1), viewer(2, user_roles=frozenset({"系统管理员"}))))
    assert codes(rules.check_mode(req, S, now=NOW)) == [rules.VIEWER_ROLE_SEPARATED]


@pytest.mark.parametrize(
    "mode,expected", [("loan", [rules.ARCHIVE_ON_LOAN]), ("onsite", [rules.ARCHIVE_ON_LOAN]), ("digital", [])]
)
def test_an_archive_on_loan_cannot_be_lent_again(mode, expected):
    out = SubjectFacts(**{**SUBJECT.__dict__, "archive_status": "on_loan"})
    assert codes(rules.check_availability(request(mode=mode, subjects=(out,)))) == expected


def test_a_transferred_archive_is_not_available():
    gone = SubjectFacts(**{**SUBJECT.__dict__, "archive_status": "transferred_out"})
    assert codes(rules.check_availability(request(mode="digital", subjects=(gone,)))) == [
        rules.ARCHIVE_NOT_AVAILABLE
    ]


def test_copies_only_of_materials_in_scope():
    outside = SubjectFacts(**{**SUBJECT.__dict__, "copy_material_count": 1, "copies_outside_scope": ("8-1",)})
    found = rules.check_copies(request(copies_requested=True, subjects=(outside,)))
    assert codes(found) == [rules.COPY_NOT_APPROVED] and "8-1" in found[0].message
    unticked = SubjectFacts(**{**SUBJECT.__dict__, "copy_material_count": 1})
    assert codes(rules.check_copies(request(copies_requested=False, subjects=(unticked,)))) == [
        rules.COPY_NOT_APPROVED
    ]


# --- APPROVER_NOT_AUTHORISED -----------------------------------------------------------------------------------


def approver(**kw):
    base = {
        "user_id": 7,
        "name": "审批人",
        "roles": frozenset({"审批人"}),
        "id_number": vid(70, datetime.date(1970, 1, 1)),
        "jurisdiction_path": "/1/",
        "approvable_levels": frozenset({"municipal", "county", "other"}),
    }
    base.update(kw)
    return ApproverFacts(**base)


def test_an_authorised_approver_passes():
    assert rules.check_approver(request(), approver()) == []


@pytest.mark.parametrize(
    "kw,words",
    [
        ({"approvable_levels": frozenset({"county", "other"})}, "干部管理权限"),
        ({"jurisdiction_path": "/1/9/"}, "干部管理权限"),
        ({"roles": frozenset({"管档员"})}, "只有审批人"),
        ({"roles": frozenset({"审批人", "系统管理员"})}, "三员分立"),
        ({"user_id": 1}, "本人填报"),
        ({"user_id": 101}, "查阅人"),
        ({"id_number": SUBJECT.cadre_id_number, "name": "对象甲"}, "回避"),
    ],
)
def test_unauthorised_approvers_are_refused(kw, words):
    found = rules.check_approver(request(), approver(**kw))
    assert codes(found) == [rules.APPROVER_NOT_AUTHORISED]
    assert any(words in v.message for v in found)


def test_a_county_approver_cannot_approve_a_municipally_managed_cadre():
    county = approver(jurisdiction_path="/1/9/", approvable_levels=frozenset({"county", "other"}))
    assert codes(rules.check_approver(request(), county)) == [rules.APPROVER_NOT_AUTHORISED]
    county_cadre = SubjectFacts(
        **{**SUBJECT.__dict__, "cadre_unit_path": "/1/9/12/", "management_level": "county"}
    )
    assert rules.check_approver(request(subjects=(county_cadre,)), county) == []


def test_the_second_level_needs_another_person():
    found = rules.check_approver(request(mode="loan"), approver(), earlier_approver_ids=[7])
    assert codes(found) == [rules.APPROVER_NOT_AUTHORISED]
    assert "两名不同的审批人" in found[0].message


# --- checkout, return, overdue -----------------------------------------------------------------------------------


def checkout(**kw):
    base = {
        "mode": "onsite",
        "approved_viewer_names": ["甲", "乙"],
        "signatures": ["甲", "乙"],
        "start_at": NOW,
        "end_at": NOW + datetime.timedelta(days=1),
        "now": NOW,
        "today": NOW.date(),
        "start_day": NOW.date(),
    }
    base.update(kw)
    return rules.check_checkout(**base)


def test_checkout_needs_two_approved_viewers_signing_within_the_window():
    assert checkout() == []
    assert codes(checkout(signatures=["甲"])) == [rules.VIEWERS_LT_2]
    assert codes(checkout(signatures=["甲", "丙"])) == [rules.FORM_IRREGULAR, rules.VIEWERS_LT_2]
    assert codes(checkout(now=NOW + datetime.timedelta(days=2))) == [rules.WINDOW_CLOSED]
    assert codes(checkout(today=NOW.date() - datetime.timedelta(days=1))) == [rules.WINDOW_CLOSED]


def test_compare_return_item_by_item():
    directory = [rules.DirectoryItem(1, "1-1", 4), rules.DirectoryItem(2, "3-1", 2)]
    ok = rules.compare_return(directory, {1: rules.ReturnedItem(True, 4), 2: rules.ReturnedItem(True, 2)})
    assert ok.matched and ok.mismatches == []
    short = rules.compare_return(directory, {1: rules.ReturnedItem(True, 3), 2: rules.ReturnedItem(True, 2)})
    assert not short.matched and short.mismatches == ["1-1目录4页、清点3页"]
    assert rules.return_violation(short).code == rules.RETURN_MISMATCH
    omitted = rules.compare_return(directory, {1: rules.ReturnedItem(True, 4)})
    assert not omitted.matched and omitted.mismatches == ["3-1未归还"]


def test_overdue_stages_follow_the_calendar():
    due = datetime.date(2026, 12, 1)

    def at(day):
        return rules.overdue_stages(due_day=due, today=day, remind_again_days=3, escalate_days=7)

    assert at(datetime.date(2026, 11, 30)) == []
    assert at(due) == ["due"]
    assert at(datetime.date(2026, 12, 3)) == ["due"]
    assert at(datetime.date(2026, 12, 4)) == ["due", "again"]
    assert at(datetime.date(2026, 12, 8)) == ["due", "again", "escalated"]
