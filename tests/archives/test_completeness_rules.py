"""Each kind of completeness rule, the matching method, excused years, veto and score (requirement 21)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from archives.completeness import check_archive, evaluate, gather, load_rules, year_ranges
from archives.models import CompletenessReport, CompletenessRule, MaterialStatus
from tests.archives.completeness_helpers import (
    add,
    education,
    items_by_rule,
    make_archive,
    only_rules,
    post,
    rule,
)

TODAY = datetime.date(2025, 6, 1)  # last year = 2024
pytestmark = pytest.mark.django_db


def run(archive, today=TODAY):
    ruleset = load_rules(today)
    return evaluate(ruleset, gather(archive.pk, ruleset))


def test_shipped_rule_set_covers_the_key_materials_of_domain_1_3():
    codes = set(CompletenessRule.objects.values_list("code", flat=True))
    for expected in (
        "resume_1999",
        "annual_appraisal",
        "party_admission",
        "edu_bachelor_transcript",
        "edu_master_entry",
        "edu_foreign_verification",
        "appointment_since_1997",
        "civil_servant_registration",
        "cs_managed_registration",
        "inspection_per_promotion",
        "wage_since_1993",
    ):
        assert expected in codes
    veto = set(CompletenessRule.objects.filter(is_veto=True).values_list("code", flat=True))
    assert veto == {"appointment_since_1997", "civil_servant_registration", "cs_managed_registration"}
    assert rule("appointment_since_1997").min_rank == "20"  # deputy section and above
    assert rule("annual_appraisal").count_mode == "per_year"


# --- one ---------------------------------------------------------------------------------------------------


def test_one_rule_counts_only_filed_materials_of_the_chosen_kind(org):
    only_rules("resume_1999")
    a = make_archive(org)
    assert items_by_rule(run(a))["resume_1999"]["missing"] == 1

    # A material titled like the résumé but recorded with another kind does not count (no title guessing).
    add(a, "other", 2001, title="干部履历表（1999年版）")
    # Received but not filed, or withdrawn: not in the directory, does not count.
    add(a, "resume_1999", 2001, status=MaterialStatus.RECEIVED)
    add(a, "resume_1999", 2001, status=MaterialStatus.WITHDRAWN)
    result = run(a)
    assert "resume_1999" in items_by_rule(result)
    assert result["score"] == Decimal("95.0")  # weight 5

    add(a, "resume_1999", 2001)
    result = run(a)
    assert result["is_complete"] and result["items"] == [] and result["score"] == Decimal("100.0")
    assert result["expected_count"] == 1


def test_one_rule_with_a_since_year_ignores_older_materials(org):
    only_rules("wage_since_1993")
    a = make_archive(org, work_start_date=datetime.date(1985, 7, 1))
    add(a, "wage_change", 1990)
    assert "wage_since_1993" in items_by_rule(run(a))
    add(a, "wage_change", 1993, 10)
    assert run(a)["is_complete"]


def test_worked_before_year_limits_the_1988_resume_to_older_cadres(org):
    only_rules("resume_1988")
    young = make_archive(org, work_start_date=datetime.date(1995, 7, 1))
    old = make_archive(org, work_start_date=datetime.date(1982, 7, 1))
    assert run(young)["expected_count"] == 0
    assert items_by_rule(run(old))["resume_1988"]["missing"] == 1


# --- per year, with an excused year --------------------------------------------------------------------------


def test_per_year_from_the_first_full_year_of_service_with_an_excused_year(org, clerk):
    from archives.models import CompletenessExcusal, ExcuseReason

    only_rules("annual_appraisal")
    a = make_archive(org, work_start_date=datetime.date(2015, 7, 1))  # first full year 2016
    for year in (2016, 2017, 2019, 2021, 2022, 2024):
        add(a, "annual_appraisal", year)
    item = items_by_rule(run(a))["annual_appraisal"]
    assert item["years"] == [2018, 2020, 2023]
    assert item["expected"] == 9 and item["found"] == 6 and item["missing"] == 3
    assert item["deduction"] == 2.0  # one point per year, capped at the weight 2

    CompletenessExcusal.objects.create(
        archive=a, rule=rule("annual_appraisal"), year=2018, reason=ExcuseReason.PROBATION, recorded_by=clerk
    )
    item = items_by_rule(run(a))["annual_appraisal"]
    assert item["years"] == [2020, 2023]
    assert item["expected"] == 8 and item["excused"] == [[2018, "试用期"]]

    # A revoked excusal no longer excuses.
    CompletenessExcusal.objects.filter(archive=a).update(
        revoked_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    assert items_by_rule(run(a))["annual_appraisal"]["years"] == [2018, 2020, 2023]

    for year in (2018, 2020, 2023):
        add(a, "annual_appraisal", year)
    assert run(a)["is_complete"]


def test_per_year_starts_at_the_configured_start_year_for_older_cadres(org, settings):
    only_rules("annual_appraisal")
    a = make_archive(org, work_start_date=datetime.date(1988, 7, 1))
    for year in range(1997, 2025):
        add(a, "annual_appraisal", year)
    assert run(a)["is_complete"]

    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "APPRAISAL_START_YEAR": 1993}
    item = items_by_rule(run(a))["annual_appraisal"]
    assert item["years"] == [1993, 1994, 1995, 1996]


def test_per_year_counts_early_next_year_materials_when_the_rule_says_so(org):
    only_rules("annual_appraisal")
    CompletenessRule.objects.filter(code="annual_appraisal").update(prior_year_months=2)
    a = make_archive(org, work_start_date=datetime.date(2022, 1, 1))  # full years 2022..2024
    add(a, "annual_appraisal", 2023, 1, 10)  # January 2023: the 2022 appraisal
    add(a, "annual_appraisal", 2023, 12, 20)
    add(a, "annual_appraisal", 2024, 3, 1)  # March: counts for 2024 itself
    assert run(a)["is_complete"]
    CompletenessRule.objects.filter(code="annual_appraisal").update(prior_year_months=0)
    assert items_by_rule(run(a))["annual_appraisal"]["years"] == [2022]


# --- per promotion -------------------------------------------------------------------------------------------


def test_per_promotion_since_1997_at_deputy_section_and_above_is_a_veto(org):
    only_rules("appointment_since_1997")
    a = make_archive(org, work_start_date=datetime.date(1990, 7, 1))
    post(a, datetime.date(1995, 3, 1), "20", title="某局副科长")  # before 1997: not this rule
    post(a, datetime.date(2003, 5, 1), "10", title="某局科员")  # below deputy section
    post(a, datetime.date(2004, 5, 1), "20", promotion=False, title="某局副科长（平职交流）")
    p2008 = post(a, datetime.date(2008, 4, 1), "20", title="某局副科长")
    p2015 = post(a, datetime.date(2015, 9, 1), "30", title="某局科长")
    result = run(a)
    item = items_by_rule(result)["appointment_since_1997"]
    assert item["expected"] == 2 and item["missing"] == 2 and item["veto"] is True
    assert result["has_veto"] and result["veto_count"] == 2
    assert [i["id"] for i in item["instances"]] == [p2008.pk, p2015.pk]

    add(a, "appointment_form", 2008, 3, 15)  # in the window before the appointment
    add(a, "appointment_form", 2013, 1, 1)  # too early for the 2015 promotion (window 365 days)
    item = items_by_rule(run(a))["appointment_since_1997"]
    assert [i["id"] for i in item["instances"]] == [p2015.pk]
    assert item["instances"][0]["label"] == "2015.09 某局科长"

    add(a, "appointment_form", 2015, 10, 20)  # within 90 days after
    result = run(a)
    assert result["is_complete"] and not result["has_veto"]


def test_appointments_before_1997_are_expected_from_deputy_division(org):
    only_rules("appointment_before_1997")
    a = make_archive(org, work_start_date=datetime.date(1980, 7, 1))
    post(a, datetime.date(1990, 1, 1), "30")
    post(a, datetime.date(1994, 1, 1), "40", title="某县副县长")
    post(a, datetime.date(1999, 1, 1), "50")
    item = items_by_rule(run(a))["appointment_before_1997"]
    assert item["expected"] == 1 and item["instances"][0]["label"] == "1994.01 某县副县长"


# --- conditional on Party membership -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [("01", 1), ("02", 1), ("03", 0), ("13", 0), ("05", 0)],
)
def test_party_admission_form_only_for_party_members(org, status, expected):
    only_rules("party_admission")
    a = make_archive(org, political_status=status)
    result = run(a)
    assert result["expected_count"] == expected
    assert result["is_complete"] is (expected == 0)


def test_party_registration_forms_only_for_members_who_joined_before_the_year(org):
    only_rules("party_registration_1985", "party_registration_1990")
    a = make_archive(org, party_join_date=datetime.date(1987, 7, 1))
    assert set(items_by_rule(run(a))) == {"party_registration_1990"}
    a.cadre.party_join_date = datetime.date(1980, 7, 1)
    a.cadre.save()
    assert set(items_by_rule(run(a))) == {"party_registration_1985", "party_registration_1990"}


# --- conditional on degree level -----------------------------------------------------------------------------


def test_education_sets_per_level_count_the_linked_materials(org):
    only_rules(*CompletenessRule.objects.filter(code__startswith="edu_").values_list("code", flat=True))
    a = make_archive(org)
    assert run(a)["expected_count"] == 0  # no education record: no education rule applies

    transcript = add(a, "edu_transcript", 2005, 6, 30)
    graduation = add(a, "edu_graduation", 2005, 6, 30)
    add(a, "edu_degree", 2005, 6, 30)  # filed, but not linked to the education record: does not count
    bachelor = education(a, "bachelor", degree="法学学士", linked=[transcript, graduation])
    result = run(a)
    assert set(items_by_rule(result)) == {"edu_bachelor_degree"}
    assert items_by_rule(result)["edu_bachelor_degree"]["instances"][0]["id"] == bachelor.pk

    master = education(a, "master", degree="", graduated=datetime.date(2008, 7, 1))  # no degree
    assert set(items_by_rule(run(a))) == {
        "edu_bachelor_degree",
        "edu_master_entry",
        "edu_master_transcript",
        "edu_master_graduation",
    }  # no degree: the degree piece is not expected for the master's
    master.materials.add(add(a, "edu_entry", 2005, 9, 1), add(a, "edu_transcript", 2008, 6, 1))
    master.materials.add(add(a, "edu_graduation", 2008, 6, 1, status=MaterialStatus.RECEIVED))  # not filed
    assert set(items_by_rule(run(a))) == {"edu_bachelor_degree", "edu_master_graduation"}


def test_college_degrees_before_the_gaokao_years_and_foreign_degrees_after_2000(org):
    only_rules("edu_college_transcript", "edu_foreign_verification")
    a = make_archive(org)
    education(a, "college", graduated=datetime.date(1976, 7, 1))  # before 1980: not expected
    assert run(a)["expected_count"] == 0
    education(a, "master", degree="MBA", graduated=datetime.date(1999, 7, 1), foreign=True)
    assert run(a)["expected_count"] == 0
    foreign = education(a, "master", degree="MSc", graduated=datetime.date(2012, 7, 1), foreign=True)
    item = items_by_rule(run(a))["edu_foreign_verification"]
    assert item["instances"][0]["id"] == foreign.pk


# --- civil servants (veto) -----------------------------------------------------------------------------------


def test_civil_servant_registration_is_a_veto_for_civil_servants_only(org):
    only_rules("civil_servant_registration", "cs_managed_registration")
    cs = make_archive(org, cadre_type="civil_servant")
    managed = make_archive(org, cadre_type="cs_managed")
    inst = make_archive(org, cadre_type="institution")
    assert set(items_by_rule(run(cs))) == {"civil_servant_registration"} and run(cs)["has_veto"]
    assert set(items_by_rule(run(managed))) == {"cs_managed_registration"}
    assert run(inst)["expected_count"] == 0
    from archives.completeness import missing_veto_items

    assert [i["rule"] for i in missing_veto_items(cs)] == ["civil_servant_registration"]
    add(cs, "civil_servant_registration", 2006, 5, 1)
    assert run(cs)["is_complete"] and not run(cs)["has_veto"]
    assert missing_veto_items(cs) == []


# --- score, storage, inactive rules --------------------------------------------------------------------------


def test_score_sums_capped_deductions_and_inactive_rules_are_ignored(org):
    only_rules("resume_1999", "annual_appraisal", "party_admission")
    a = make_archive(org, work_start_date=datetime.date(2018, 1, 1), political_status="01")
    result = run(a)
    # résumé 5 + appraisal min(2, 1 x 7 years) + Party admission 8
    assert result["score"] == Decimal("85.0")
    assert result["missing_count"] == 1 + 7 + 1
    CompletenessRule.objects.filter(code="party_admission").update(is_active=False)
    assert run(a)["score"] == Decimal("93.0")


def test_check_archive_stores_one_report_per_archive_and_replaces_it(org):
    only_rules("resume_1999")
    a = make_archive(org)
    check_archive(a.pk)
    report = CompletenessReport.objects.get(archive=a)
    assert not report.is_complete and report.items[0]["rule"] == "resume_1999" and report.source == "check"
    first = report.computed_at
    add(a, "resume_1999", 2001)
    check_archive(a.pk)
    report = CompletenessReport.objects.get(archive=a)
    assert report.is_complete and report.items == [] and report.computed_at >= first
    assert CompletenessReport.objects.filter(archive=a).count() == 1


def test_an_older_result_never_overwrites_a_newer_one(org):
    from django.utils import timezone

    from archives.completeness import upsert_reports

    only_rules("resume_1999")
    a = make_archive(org)
    ruleset = load_rules()
    stale = evaluate(ruleset, gather(a.pk, ruleset))  # read before the résumé was filed
    add(a, "resume_1999", 2001)
    check_archive(a.pk)
    upsert_reports([stale], computed_at=timezone.now() - datetime.timedelta(seconds=5), source="sweep")
    assert CompletenessReport.objects.get(archive=a).is_complete


def test_check_of_a_missing_archive_returns_none():
    assert check_archive(999999) is None


def test_year_ranges_text():
    assert year_ranges([2005, 1998, 1999, 2000, 2007, 2008]) == "1998—2000、2005、2007—2008"
    assert year_ranges([]) == ""
