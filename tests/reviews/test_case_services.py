"""The review case: opening (grant), the four checks, the 部务会 gate, red flags, resolution, closing, audit."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from archives import access
from archives.access import Action
from archives.models import ArchiveUserObjectPermission, Material
from audit.models import AuditEvent
from core.errors import DomainError
from reviews import services
from reviews.models import CaseStatus, FlagStatus, ReviewCase
from tests import factories

D = datetime.date
pytestmark = pytest.mark.django_db


def open_case(archive, reviewer, org, **kw):
    return services.case_open(
        archive=archive,
        proposed_post=kw.pop("proposed_post", "青山市人民政府副秘书长"),
        post_to_remove="青山市财政局局长",
        requesting_unit=org.city_bureau,
        reviewer=kw.pop("assignee", reviewer),
        by=reviewer,
        **kw,
    )


def record_three(case, reviewer):
    services.case_record_personal_matters(case=case, result="consistent", note="", by=reviewer)
    services.case_record_discipline(
        case=case, opinion="未发现违纪违法问题。", received_on=timezone.localdate(), by=reviewer
    )
    services.case_record_complaints(case=case, result="none", note="", by=reviewer)


def flagged_archive(crafted):
    archive = crafted()
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    league.stated_birth_date = D(1974, 3, 15)
    league.save()
    return archive, league


def test_open_case_runs_checks_grants_content_and_audits(crafted, reviewer, org):
    archive, league = flagged_archive(crafted)
    assert not access.can_open_material(reviewer, league)  # a reviewer sees directories, not content
    case = open_case(archive, reviewer, org)
    assert case.status == CaseStatus.OPEN
    assert {f.code for f in case.flags.all()} == {"BIRTHDATE_INCONSISTENT", "BIRTHDATE_NOT_EARLIEST"}
    grant = ArchiveUserObjectPermission.objects.get(pk=case.grant_id)
    assert grant.user == reviewer and grant.valid_until > timezone.now() and grant.scope_all
    assert access.can_open_material(reviewer, league)  # now through the watermarked viewer
    assert AuditEvent.objects.filter(action="review.case_open", target_id=str(case.pk)).exists()
    assert AuditEvent.objects.filter(action="grant.create", archive_id=archive.pk).exists()


def test_one_open_case_per_cadre(crafted, reviewer, org):
    archive = crafted()
    open_case(archive, reviewer, org)
    with pytest.raises(DomainError) as exc:
        open_case(archive, reviewer, org)
    assert exc.value.code == "CASE_ALREADY_OPEN"


def test_reviewer_outside_authority_gets_404(crafted, org, make_user):
    archive = crafted()
    county_reviewer = make_user("county_rev", roles=["审批人"], unit=org.county_org)
    from django.http import Http404

    with pytest.raises(Http404):
        open_case(archive, county_reviewer, org)
    assert AuditEvent.objects.filter(action="access.denied", actor=county_reviewer).exists()


def test_assignee_must_have_authority(crafted, reviewer, org, make_user):
    archive = crafted()
    county_reviewer = make_user("county_rev2", roles=["审批人"], unit=org.county_org)
    with pytest.raises(DomainError) as exc:
        open_case(archive, reviewer, org, assignee=county_reviewer)
    assert exc.value.code == "APPROVER_NOT_AUTHORISED"


def test_clerk_cannot_open_a_case(crafted, clerk, org):
    archive = crafted()
    with pytest.raises(DomainError) as exc:
        open_case(archive, clerk, org, assignee=clerk)
    assert exc.value.status == 403


def test_pass_refused_while_flags_open(crafted, reviewer, org):
    archive, _ = flagged_archive(crafted)
    case = open_case(archive, reviewer, org)
    with pytest.raises(DomainError) as exc:
        services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)
    assert exc.value.code == "RED_FLAGS_OPEN"
    case.refresh_from_db()
    assert case.archive_review_result == ""
    denied = AuditEvent.objects.get(action="review.archive_review", outcome="denied")
    assert denied.details["code"] == "RED_FLAGS_OPEN"


@pytest.mark.parametrize("result", ["postpone", "fail"])
def test_postpone_and_fail_need_remarks(crafted, reviewer, org, result):
    archive, _ = flagged_archive(crafted)
    case = open_case(archive, reviewer, org)
    with pytest.raises(DomainError) as exc:
        services.case_record_archive_review(case=case, result=result, remarks="  ", by=reviewer)
    assert exc.value.code == "REMARKS_REQUIRED"
    services.case_record_archive_review(case=case, result=result, remarks="出生日期待核实", by=reviewer)
    case.refresh_from_db()
    assert case.archive_review_result == result
    assert AuditEvent.objects.filter(action="review.archive_review", outcome="success").exists()


def test_gate_four_musts_incomplete_lists_every_missing_check(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    with pytest.raises(DomainError) as exc:
        services.case_mark_ready(case=case, by=reviewer)
    assert exc.value.code == "FOUR_MUSTS_INCOMPLETE"
    message = exc.value.message
    for part in ("干部档案审核", "个人有关事项", "纪检监察机关", "信访举报"):
        assert part in message
    services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)
    services.case_record_personal_matters(case=case, result="consistent", note="", by=reviewer)
    with pytest.raises(DomainError) as exc:
        services.case_mark_ready(case=case, by=reviewer)
    assert "纪检监察机关" in exc.value.message and "干部档案审核" not in exc.value.message
    assert AuditEvent.objects.filter(action="review.mark_ready", outcome="denied").count() == 2


def test_gate_needs_archive_review_pass(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    record_three(case, reviewer)
    services.case_record_archive_review(case=case, result="postpone", remarks="待补充材料", by=reviewer)
    with pytest.raises(DomainError) as exc:
        services.case_mark_ready(case=case, by=reviewer)
    assert exc.value.code == "FOUR_MUSTS_INCOMPLETE" and "暂缓" in exc.value.message


def test_gate_passes_and_locks_the_case(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    record_three(case, reviewer)
    services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)
    case = services.case_mark_ready(case=case, by=reviewer)
    assert case.status == CaseStatus.READY and case.ready_by == reviewer
    with pytest.raises(DomainError) as exc:
        services.case_record_complaints(case=case, result="checked", note="x", by=reviewer)
    assert exc.value.code == "CASE_NOT_OPEN"
    services.case_unmark_ready(case=case, by=reviewer, reason="补充核查信访件")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_new_flag_after_ready_revokes_ready(crafted, reviewer, org):
    archive = crafted()
    case = open_case(archive, reviewer, org)
    record_three(case, reviewer)
    services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)
    services.case_mark_ready(case=case, by=reviewer)
    m = Material.objects.get(archive=archive, kind__code="edu_highschool")
    m.is_altered = True
    m.save()
    result = services.case_run_checks(case=case, by=reviewer)
    assert result["new"] == 1 and result["ready_revoked"]
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert AuditEvent.objects.filter(action="review.ready_revoked").exists()


def test_resolving_flags_opens_the_gate(crafted, reviewer, org):
    archive, _ = flagged_archive(crafted)
    case = open_case(archive, reviewer, org)
    record_three(case, reviewer)
    flags = list(case.flags.all())
    with pytest.raises(DomainError) as exc:
        services.flag_resolve(flag=flags[0], by=reviewer, note="")
    assert exc.value.code == "RESOLUTION_REQUIRED"
    for flag in flags:
        services.flag_resolve(
            flag=flag, by=reviewer, note="经调阅户籍底册，入团志愿书笔误，已由原单位出具说明。"
        )
    assert not case.flags.filter(status=FlagStatus.OPEN).exists()
    services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)
    services.case_mark_ready(case=case, by=reviewer)
    # The resolved flags stay resolved when the checks run again (the materials still disagree).
    services.case_unmark_ready(case=case, by=reviewer, reason="复核")
    counts = services.case_run_checks(case=case, by=reviewer)
    assert counts["new"] == 0 and counts["found"] == 2
    assert case.flags.filter(status=FlagStatus.RESOLVED).count() == 2


def test_fixed_problem_is_cleared_and_comes_back_when_found_again(crafted, reviewer, org):
    archive, league = flagged_archive(crafted)
    case = open_case(archive, reviewer, org)
    Material.objects.filter(pk=league.pk).update(stated_birth_date=D(1975, 3, 15))  # data entry corrected
    counts = services.case_run_checks(case=case, by=reviewer)
    assert counts["cleared"] == 2
    assert set(case.flags.values_list("status", flat=True)) == {FlagStatus.CLEARED}
    Material.objects.filter(pk=league.pk).update(stated_birth_date=D(1974, 3, 15))
    counts = services.case_run_checks(case=case, by=reviewer)
    assert counts["reopened"] == 2
    assert set(case.flags.values_list("status", flat=True)) == {FlagStatus.OPEN}


def test_only_the_assigned_reviewer_records(crafted, reviewer, reviewer2, org):
    case = open_case(crafted(), reviewer, org)
    with pytest.raises(DomainError) as exc:
        services.case_record_complaints(case=case, result="none", note="", by=reviewer2)
    assert exc.value.code == "CASE_NOT_ASSIGNED"


def test_reassign_moves_the_grant(crafted, reviewer, reviewer2, org):
    archive, league = flagged_archive(crafted)
    case = open_case(archive, reviewer, org)
    services.case_reassign(case=case, reviewer=reviewer2, by=reviewer)
    case.refresh_from_db()
    assert case.reviewer == reviewer2
    assert not access.can_open_material(factories.User.objects.get(pk=reviewer.pk), league)
    assert access.can_open_material(factories.User.objects.get(pk=reviewer2.pk), league)


def test_close_ends_the_grant(crafted, reviewer, org):
    archive, league = flagged_archive(crafted)
    case = open_case(archive, reviewer, org)
    with pytest.raises(DomainError) as exc:
        services.case_close(case=case, outcome="submitted", note="", by=reviewer)
    assert exc.value.code == "FOUR_MUSTS_INCOMPLETE"
    with pytest.raises(DomainError) as exc:
        services.case_close(case=case, outcome="not_proposed", note="", by=reviewer)
    assert exc.value.code == "REMARKS_REQUIRED"
    services.case_close(
        case=case, outcome="not_proposed", note="出生日期问题未查清，本次不予提交。", by=reviewer
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert not ArchiveUserObjectPermission.objects.filter(pk=case.grant_id).exists()
    assert not access.can_open_material(factories.User.objects.get(pk=reviewer.pk), league)
    assert AuditEvent.objects.filter(action="grant.withdraw", archive_id=archive.pk).exists()
    with pytest.raises(DomainError):
        services.case_run_checks(case=case, by=reviewer)


def test_submitted_after_ready(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    record_three(case, reviewer)
    services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)
    services.case_mark_ready(case=case, by=reviewer)
    services.case_close(case=case, outcome="submitted", note="", by=reviewer)
    assert ReviewCase.objects.get(pk=case.pk).close_outcome == "submitted"


def test_personal_matters_issues_need_a_note(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    with pytest.raises(DomainError) as exc:
        services.case_record_personal_matters(case=case, result="issues", note="", by=reviewer)
    assert exc.value.code == "REMARKS_REQUIRED"
    with pytest.raises(DomainError) as exc:
        services.case_record_complaints(case=case, result="checked", note="", by=reviewer)
    assert exc.value.code == "REMARKS_REQUIRED"
    with pytest.raises(DomainError) as exc:
        services.case_record_discipline(case=case, opinion="无问题", received_on=D(2999, 1, 1), by=reviewer)
    assert exc.value.code == "DATE_IN_FUTURE"


def test_retired_cadre_cannot_be_reviewed(crafted, reviewer, org):
    archive = crafted(status="retired")
    with pytest.raises(DomainError) as exc:
        open_case(archive, reviewer, org)
    assert exc.value.code == "CADRE_NOT_SERVING"


def test_checks_are_audited(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    services.case_run_checks(case=case, by=reviewer)
    assert AuditEvent.objects.filter(action="review.checks_run", actor=reviewer).exists()


def test_content_grant_denied_for_other_actions(crafted, reviewer, org):
    case = open_case(crafted(), reviewer, org)
    assert not access.can(reviewer, Action.MANAGE, case.archive)
