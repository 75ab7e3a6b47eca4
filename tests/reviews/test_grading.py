"""Grading new cadre archives: the pure rules (score, grade, edge cases 89.5 / 90 / 96.9 / 97 and a veto at 100),
and the services (the sheet copied as data, deductions capped by weight, three signatures, late submission,
send-back, return to the submitting unit, who may sign)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from archives.models import ArchiveEvent
from audit.models import AuditEvent
from core.errors import DomainError
from reviews import grading as rules
from reviews import grading_services as services
from reviews.models import GradingItem, GradingLine, GradingStatus, GradingVetoItem
from tests import factories

D = Decimal


def line(weight, deduction, n=1):
    return rules.Line(number=n, weight=D(str(weight)), deduction=D(str(deduction)))


# --- pure rules ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "veto", "expected"),
    [
        ("89.5", False, "unqualified"),
        ("90", False, "qualified"),
        ("90.0", False, "qualified"),
        ("96.9", False, "qualified"),
        ("97", False, "excellent"),
        ("100", False, "excellent"),
        ("100", True, "unqualified"),
        ("0", False, "unqualified"),
    ],
)
def test_grade_thresholds(value, veto, expected):
    assert rules.grade(D(value), veto=veto, pass_threshold=90.0, excellent_threshold=97.0) == expected


def test_thresholds_are_parameters():
    assert rules.grade(D("86"), veto=False, pass_threshold=85, excellent_threshold=95) == "qualified"
    assert rules.grade(D("95"), veto=False, pass_threshold=85, excellent_threshold=95) == "excellent"


def test_score_caps_each_item_at_its_weight():
    assert rules.score([line(2, 5, 1), line(10, "0.5", 2)]) == D("97.5")
    assert rules.score([]) == D("100.0")
    assert rules.score([line(100, 150)]) == D("0.0")


@pytest.mark.parametrize(
    ("deduction", "problems", "code"),
    [
        ("2.5", "缺", "GRADE_DEDUCTION_EXCEEDS_WEIGHT"),
        ("-1", "缺", "GRADE_DEDUCTION_INVALID"),
        ("0.25", "缺", "GRADE_DEDUCTION_INVALID"),
        ("abc", "缺", "GRADE_DEDUCTION_INVALID"),
        ("1", "  ", "GRADE_PROBLEM_REQUIRED"),
    ],
)
def test_line_checks(deduction, problems, code):
    [v] = rules.check_line(number=9, weight=D(2), deduction=deduction, problems=problems)
    assert v.code == code and v.field == "lines.9"


def test_a_deduction_equal_to_the_weight_is_allowed():
    assert rules.check_line(number=9, weight=D(2), deduction="2", problems="缺两份培训材料") == []


def test_late_is_counted_in_months():
    appointed = datetime.date(2026, 1, 31)
    assert not rules.is_late(appointed, datetime.date(2026, 3, 31), 2)
    assert rules.is_late(appointed, datetime.date(2026, 4, 1), 2)


# --- services ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shipped_sheet_totals_100_with_four_vetoes():
    assert sum(GradingItem.objects.filter(is_active=True).values_list("weight", flat=True)) == D(100)
    assert GradingVetoItem.objects.filter(is_active=True).count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("deductions", "vetoes", "score", "grade"),
    [
        ({8: 10, 9: "0.5"}, {}, "89.5", "unqualified"),
        ({8: 10}, {}, "90.0", "qualified"),
        ({9: "1.5", 17: "1.6"}, {}, "96.9", "qualified"),
        ({6: 3}, {}, "97.0", "excellent"),
        ({}, {1: {"found": True, "note": "出生日期有涂改痕迹"}}, "100.0", "unqualified"),
    ],
)
def test_grading_edge_cases_end_to_end(gkit, deductions, vetoes, score, grade):
    g = gkit.final(deductions, vetoes)
    assert g.status == GradingStatus.FINAL
    assert g.score == D(score) and g.grade == grade
    assert (g.pass_threshold, g.excellent_threshold) == (D("90.0"), D("97.0"))


@pytest.mark.django_db
def test_thresholds_come_from_the_settings(gkit, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "GRADE_PASS_THRESHOLD": 85.0}
    g = gkit.final({8: 10, 9: 2})
    assert g.score == D("88.0") and g.grade == "qualified" and g.pass_threshold == D("85.0")


@pytest.mark.django_db
def test_deduction_above_the_weight_is_refused_and_nothing_is_saved(gkit):
    g = gkit.create()
    with pytest.raises(DomainError) as info:
        services.grading_score(
            grading=g,
            by=gkit.clerk,
            lines={
                8: {"deduction": "3", "problems": "缺成绩表"},
                9: {"deduction": "2.5", "problems": "缺培训材料"},
            },
        )
    assert info.value.code == "GRADE_DEDUCTION_EXCEEDS_WEIGHT"
    assert "第9项" in info.value.message and "不得超过该项分值" in info.value.message
    assert not GradingLine.objects.filter(grading=g, deduction__gt=0).exists()
    # The database refuses it too, whatever path writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        GradingLine.objects.filter(grading=g, number=9).update(deduction=D("2.5"))


@pytest.mark.django_db
def test_the_sheet_is_copied_so_later_edits_do_not_change_a_grading(gkit):
    g = gkit.create()
    GradingItem.objects.filter(number=8).update(weight=D(12), standard="改过的标准")
    line8 = g.lines.get(number=8)
    assert line8.weight == D(10) and "大专以上学历学位材料齐全" in line8.standard


@pytest.mark.django_db
def test_late_submission_loses_the_on_time_item(gkit):
    today = datetime.date.today()
    g = gkit.create(
        appointed_on=today - datetime.timedelta(days=100), submitted_on=today - datetime.timedelta(days=1)
    )
    assert g.is_late
    line1 = g.lines.get(item__code="submit_on_time")
    assert line1.deduction == line1.weight == D(3) and "逾期报送" in line1.problems
    assert g.score == D("97.0")
    g = services.grading_update(
        grading=g, by=gkit.clerk, data={"submitted_on": today - datetime.timedelta(days=80)}
    )
    assert not g.is_late and g.lines.get(item__code="submit_on_time").deduction == 0


@pytest.mark.django_db
def test_a_veto_needs_its_note(gkit):
    g = gkit.create()
    with pytest.raises(DomainError) as info:
        services.grading_score(grading=g, by=gkit.clerk, lines={}, vetoes={2: {"found": True, "note": ""}})
    assert info.value.code == "GRADE_VETO_NOTE_REQUIRED"


@pytest.mark.django_db
def test_final_only_with_three_different_signatures(gkit):
    g = gkit.scored({8: 2})
    assert g.grade == "" and g.status == GradingStatus.DRAFT
    with pytest.raises(DomainError) as info:
        services.grading_sign(grading=g, by=gkit.clerk, stage="check")
    assert info.value.code == "INVALID_STATE"
    g = services.grading_sign(grading=g, by=gkit.clerk, stage="initial")
    assert g.status == GradingStatus.CHECKING and g.grade == ""
    with pytest.raises(DomainError) as info:
        services.grading_sign(grading=g, by=gkit.clerk, stage="check")
    assert info.value.code == "GRADE_SIGNER_DUPLICATE"
    # A reviewer with authority may check; then the same reviewer may not also sign the second review.
    g = services.grading_sign(grading=g, by=gkit.reviewer2, stage="check")
    assert g.status == GradingStatus.SECOND and g.grade == ""
    with pytest.raises(DomainError) as info:
        services.grading_sign(grading=g, by=gkit.reviewer2, stage="second")
    assert info.value.code == "GRADE_SIGNER_DUPLICATE"
    with pytest.raises(DomainError) as info:
        services.grading_sign(grading=g, by=gkit.clerk2, stage="second")
    assert info.value.status == 403  # the second review is a reviewer's
    g = services.grading_sign(grading=g, by=gkit.reviewer, stage="second")
    assert g.status == GradingStatus.FINAL and g.grade == "excellent" and g.score == D("98.0")
    assert (g.initial_by, g.check_by, g.second_by) == (gkit.clerk, gkit.reviewer2, gkit.reviewer)
    assert ArchiveEvent.objects.filter(
        archive=gkit.archive, kind="档案评分", description__contains="定级"
    ).exists()
    # A final result does not change.
    with pytest.raises(DomainError) as info:
        services.grading_score(grading=g, by=gkit.clerk, lines={8: {"deduction": 0, "problems": ""}})
    assert info.value.code == "GRADE_NOT_EDITABLE"


@pytest.mark.django_db
def test_send_back_clears_the_signatures(gkit):
    g = gkit.scored({8: 2})
    g = services.grading_sign(grading=g, by=gkit.clerk, stage="initial")
    with pytest.raises(DomainError):
        services.grading_send_back(grading=g, by=gkit.clerk2, reason="")
    g = services.grading_send_back(grading=g, by=gkit.clerk2, reason="第8项扣分依据不足")
    assert (
        g.status == GradingStatus.DRAFT and g.initial_by is None and "第8项扣分依据不足" in g.sent_back_reason
    )
    assert services.grading_score(
        grading=g, by=gkit.clerk, lines={8: {"deduction": 1, "problems": "缺成绩表"}}
    ).score == D(99)


@pytest.mark.django_db
def test_who_may_grade(gkit):
    with pytest.raises(Http404):
        services.grading_create(archive=gkit.archive, by=gkit.county_clerk, data=gkit.data())
    with pytest.raises(DomainError) as info:
        services.grading_create(archive=gkit.archive, by=gkit.reviewer, data=gkit.data())
    assert info.value.status == 403
    gkit.create()
    with pytest.raises(DomainError) as info:
        gkit.create()
    assert info.value.code == "GRADING_ALREADY_OPEN"
    assert AuditEvent.objects.filter(action="grading.create", outcome="denied").exists()


@pytest.mark.django_db
def test_return_to_the_submitting_unit_only_after_grading(gkit):
    g = gkit.create()
    with pytest.raises(DomainError) as info:
        services.grading_return_to_unit(grading=g, by=gkit.clerk, reason="材料不全")
    assert info.value.code == "GRADE_NOT_FINAL"
    other = factories.archive(holding_unit=gkit.org.city_org, unit=gkit.org.county, name="新任乙")
    g = gkit.final({8: 10, 9: 2}, archive=other)
    assert g.grade == "unqualified"
    g = services.grading_return_to_unit(grading=g, by=gkit.clerk, reason="学历材料不全，退回补充")
    assert g.returned_on and g.return_reason.startswith("学历材料")
    with pytest.raises(DomainError):
        services.grading_return_to_unit(grading=g, by=gkit.clerk, reason="再退一次")
    # After its return the archive may be graded again when it comes back.
    assert gkit.create(archive=other).status == GradingStatus.DRAFT
