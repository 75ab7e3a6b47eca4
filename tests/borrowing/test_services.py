"""The flow of a request through borrowing/services.py on the real database: rules at submit and approval,
approvals, grants, check-out, item-by-item returns, copies, withdrawal, audit events."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from archives import access
from archives.models import ArchiveEvent, ArchiveStatus, ArchiveUserObjectPermission
from audit.models import AuditEvent
from borrowing import rules, services
from borrowing.models import (
    Approval,
    Checkout,
    CheckoutStatus,
    CopyRecord,
    IncidentStatus,
    RequestStatus,
    ReturnIncident,
)
from core.errors import DomainError
from tests import factories


def refused(code, fn, **kw):
    with pytest.raises(DomainError) as info:
        fn(**kw)
    assert info.value.code == code, info.value.violations
    return info.value


# --- create and submit --------------------------------------------------------------------------------------------


def test_a_clerk_files_a_complete_request_and_submits_it(kit):
    req = kit.draft()
    assert req.status == RequestStatus.DRAFT
    assert req.number.startswith("CY")
    names = list(req.viewers.values_list("name", flat=True))
    assert names == ["查阅人郑", "查阅人冯"]  # snapshots from the linked accounts
    req = services.access_request_submit(request=req, by=kit.clerk)
    assert req.status == RequestStatus.SUBMITTED and req.required_levels == 1
    assert AuditEvent.objects.filter(action="access_request.submit", archive_id=kit.archive.pk).count() == 1


@pytest.mark.parametrize(
    "change,code",
    [
        ({"viewers": "one"}, rules.VIEWERS_LT_2),
        ({"viewers": "masses"}, rules.VIEWER_NOT_PARTY_MEMBER),
        ({"unit_opinion": ""}, rules.FORM_IRREGULAR),
        ({"purpose": "personal"}, rules.PURPOSE_NOT_PERMITTED),
        ({"viewers": "subject"}, rules.SELF_OR_RELATIVE),
        ({"mode": "loan", "requesting_unit": "bureau"}, rules.LOAN_UNIT_NOT_PERMITTED),
        ({"mode": "loan", "days": 16}, rules.LOAN_PERIOD_EXCEEDED),
        ({"mode": "digital", "viewers": "typed"}, rules.DIGITAL_VIEWER_NOT_REGISTERED),
    ],
)
def test_submit_refuses_each_rule_and_changes_nothing(kit, change, code):
    change = dict(change)
    viewers = change.pop("viewers", None)
    if viewers == "one":
        change["viewers"] = [{"user": kit.v1}]
    elif viewers == "masses":
        change["viewers"] = [{"user": kit.v1}, {"user": kit.masses}]
    elif viewers == "subject":
        cadre = kit.archive.cadre
        change["viewers"] = [
            {"user": kit.v1},
            kit.typed_viewer(cadre.name, id_number=cadre.id_number),
        ]
    elif viewers == "typed":
        change["viewers"] = [{"user": kit.v1}, kit.typed_viewer("外单位人员")]
    if change.pop("requesting_unit", None) == "bureau":
        change["requesting_unit"] = kit.org.city_bureau
    days = change.pop("days", None)
    req = kit.draft(**change)
    if days:
        req.end_at = req.start_at + datetime.timedelta(days=days)
        req.save()
    error = refused(code, services.access_request_submit, request=req, by=kit.clerk)
    assert error.message
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT
    assert not AuditEvent.objects.filter(action="access_request.submit").exists()


def test_a_relative_in_the_family_list_is_refused_at_submit(kit):
    relative_id = factories.make_id_number("110105", datetime.date(1980, 2, 2), 61, "2")
    factories.relative(kit.archive.cadre, name="配偶丁", id_number=relative_id, relation="妻子")
    req = kit.draft(viewers=[{"user": kit.v1}, kit.typed_viewer("配偶丁", id_number=relative_id)])
    error = refused(rules.SELF_OR_RELATIVE, services.access_request_submit, request=req, by=kit.clerk)
    assert error.field == "viewers.1.name"


def test_a_declared_relative_account_is_refused_at_submit(kit):
    kit.v2.declared_relatives.create(
        name=kit.archive.cadre.name, relation="表兄", id_number=kit.archive.cadre.id_number
    )
    req = kit.draft()
    refused(rules.SELF_OR_RELATIVE, services.access_request_submit, request=req, by=kit.clerk)


def test_party_rule_as_warning_lets_the_request_through_with_the_warning_kept(kit, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "PARTY_MEMBER_RULE_IS_WARNING": True}
    req = kit.submitted(viewers=[{"user": kit.v1}, {"user": kit.masses}])
    assert req.status == RequestStatus.SUBMITTED
    assert [w["code"] for w in req.warnings] == [rules.VIEWER_NOT_PARTY_MEMBER]


def test_the_same_person_twice_counts_once_at_submit(kit):
    req = kit.draft(viewers=[{"user": kit.v1}, kit.typed_viewer("查阅人郑", id_number=kit.v1.id_number)])
    refused(rules.VIEWERS_LT_2, services.access_request_submit, request=req, by=kit.clerk)


def test_a_viewer_files_for_themselves_by_exact_archive_number(kit):
    archive = services.find_subject_archive(by=kit.v1, archive_no=kit.archive.archive_no)
    assert archive == kit.archive
    with pytest.raises(DomainError) as info:
        services.find_subject_archive(by=kit.v1, archive_no="NOPE")
    assert info.value.code == services.SUBJECT_NOT_FOUND
    req = services.access_request_create(by=kit.v1, data=kit.data(mode="digital"))
    services.access_request_submit(request=req, by=kit.v1)
    # ...but must be one of the viewers.
    with pytest.raises(DomainError) as info:
        services.access_request_create(
            by=kit.v1, data=kit.data(viewers=[{"user": kit.v2}, {"user": kit.masses}])
        )
    assert info.value.code == rules.FORM_IRREGULAR


def test_a_clerk_only_files_for_archives_of_the_holdings_served(kit, org):
    other = factories.archive(holding_unit=org.county_org, unit=org.county_bureau)
    with pytest.raises(DomainError) as info:
        services.find_subject_archive(by=kit.clerk, archive_no=other.archive_no)
    assert info.value.code == services.SUBJECT_NOT_FOUND


def test_only_the_applicant_edits_a_draft(kit):
    req = kit.draft()
    refused(services.NOT_APPLICANT, services.access_request_update, request=req, by=kit.v1, data={})
    services.access_request_update(request=req, by=kit.clerk, data={"purpose_detail": "补充说明"})
    req.refresh_from_db()
    assert req.purpose_detail == "补充说明"
    services.access_request_submit(request=req, by=kit.clerk)
    refused(services.INVALID_STATE, services.access_request_update, request=req, by=kit.clerk, data={})


# --- approval ----------------------------------------------------------------------------------------------------


def test_viewing_needs_one_approval_and_the_trail_is_kept(kit):
    req = kit.submitted()
    req = services.access_request_approve(request=req, by=kit.reviewer, opinion="同意查阅。")
    assert req.status == RequestStatus.APPROVED
    approval = Approval.objects.get(request=req)
    assert (approval.level, approval.reviewer_name, approval.opinion) == (1, "审批人李", "同意查阅。")
    assert AuditEvent.objects.filter(action="access_request.approve", archive_id=kit.archive.pk).count() == 1


def test_rules_are_checked_again_at_approval(kit):
    req = kit.submitted()
    # A viewer's status changed between submission and approval (e.g. edited through the admin).
    req.viewers.filter(user=kit.v2).update(political_status="13")
    refused(rules.VIEWER_NOT_PARTY_MEMBER, services.access_request_approve, request=req, by=kit.reviewer)
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED
    assert not Approval.objects.exists()
    denied = AuditEvent.objects.get(action="access_request.approve", outcome="denied")
    assert denied.details["code"] == rules.VIEWER_NOT_PARTY_MEMBER


def test_an_archive_lent_meanwhile_cannot_be_approved_for_loan(kit):
    req = kit.submitted(mode="loan")
    kit.archive.status = ArchiveStatus.ON_LOAN
    kit.archive.save()
    refused(rules.ARCHIVE_ON_LOAN, services.access_request_approve, request=req, by=kit.reviewer)


@pytest.mark.parametrize("who", ["county", "clerk", "sysadmin", "applicant"])
def test_approver_not_authorised(kit, org, make_user, who):
    if who == "county":
        approver = kit.county_reviewer
    elif who == "clerk":
        approver = kit.clerk
    elif who == "sysadmin":
        approver = make_user(roles=["系统管理员"], unit=org.city_org)
    else:
        approver = make_user(roles=["管档员", "审批人"], unit=org.city_org)
    req = kit.submitted(by=approver if who == "applicant" else None)
    refused(rules.APPROVER_NOT_AUTHORISED, services.access_request_approve, request=req, by=approver)
    refused(
        rules.APPROVER_NOT_AUTHORISED,
        services.access_request_reject,
        request=req,
        by=approver,
        reason="不同意",
    )


def test_loan_needs_two_different_reviewers(kit):
    req = kit.submitted(mode="loan")
    assert req.required_levels == 2
    req = services.access_request_approve(request=req, by=kit.reviewer, level=1)
    assert req.status == RequestStatus.FIRST_APPROVED
    error = refused(
        rules.APPROVER_NOT_AUTHORISED, services.access_request_approve, request=req, by=kit.reviewer
    )
    assert "两名不同的审批人" in error.message
    req = services.access_request_approve(request=req, by=kit.reviewer2, level=2)
    assert req.status == RequestStatus.APPROVED
    assert list(req.approvals.values_list("level", "reviewer__username")) == [(1, "b_rev1"), (2, "b_rev2")]


def test_a_stale_level_is_refused_rather_than_signing_the_next_level(kit):
    req = kit.submitted(mode="loan")
    services.access_request_approve(request=req, by=kit.reviewer, level=1)
    refused(services.STALE_STATE, services.access_request_approve, request=req, by=kit.reviewer2, level=1)


def test_reject_needs_a_reason_and_closes_the_request(kit):
    req = kit.submitted()
    refused(
        services.REASON_REQUIRED, services.access_request_reject, request=req, by=kit.reviewer, reason=" "
    )
    req = services.access_request_reject(request=req, by=kit.reviewer, reason="查阅事由不充分")
    assert req.status == RequestStatus.REJECTED and req.reject_reason == "查阅事由不充分"
    refused(services.INVALID_STATE, services.access_request_approve, request=req, by=kit.reviewer2)


def test_withdraw_only_by_the_applicant_and_only_before_approval(kit):
    req = kit.submitted()
    refused(services.NOT_APPLICANT, services.access_request_withdraw, request=req, by=kit.v1)
    req = services.access_request_withdraw(request=req, by=kit.clerk)
    assert req.status == RequestStatus.WITHDRAWN
    refused(services.INVALID_STATE, services.access_request_approve, request=req, by=kit.reviewer)
    approved = kit.approved()
    refused(services.INVALID_STATE, services.access_request_withdraw, request=approved, by=kit.clerk)


# --- digital viewing: the time-boxed grant --------------------------------------------------------------------------


def test_digital_approval_grants_exactly_the_viewers_scope_and_window(kit, make_user):
    appraisal, appointment = kit.materials[1], kit.materials[2]
    req = kit.approved(
        mode="digital",
        subjects=[
            {
                "archive": kit.archive,
                "scope_all": False,
                "categories": [factories.category("3")],
                "materials": [appointment],
            }
        ],
    )
    grants = ArchiveUserObjectPermission.objects.filter(access_request_id=req.pk)
    assert {g.user_id for g in grants} == {kit.v1.pk, kit.v2.pk}
    assert all(g.valid_from == req.start_at and g.valid_until == req.end_at for g in grants)
    opened = set(access.materials_for(kit.v1, kit.archive).values_list("pk", flat=True))
    assert opened == {appraisal.pk, appointment.pk}  # not the résumé (category 1)
    assert not access.can_open_material(kit.v1, kit.materials[0])
    # Someone not on the form gets nothing.
    stranger = make_user(roles=["查阅人"], unit=kit.org.city_discipline)
    assert access.materials_for(stranger, kit.archive).count() == 0
    # After the window: nothing, without any task having run.
    with time_machine.travel(req.end_at + datetime.timedelta(seconds=1), tick=False):
        assert access.materials_for(kit.v1, kit.archive).count() == 0
        req.refresh_from_db()
        assert req.effective_status == RequestStatus.EXPIRED
    # Before the window: nothing either.
    with time_machine.travel(req.start_at - datetime.timedelta(seconds=1), tick=False):
        assert access.materials_for(kit.v1, kit.archive).count() == 0


def test_finishing_a_digital_viewing_early_ends_the_grants(kit):
    req = kit.approved(mode="digital")
    assert access.materials_for(kit.v1, kit.archive).count() == 3
    services.access_request_finish(request=req, by=kit.v1)
    req.refresh_from_db()
    assert req.status == RequestStatus.RETURNED and req.effective_status_label == "已结束"
    assert access.materials_for(kit.v1, kit.archive).count() == 0
    assert AuditEvent.objects.filter(action="access_request.view_end").count() == 1


# --- on-site viewing and loans -----------------------------------------------------------------------------------


def test_onsite_checkout_needs_two_signatures_and_sets_viewing(kit):
    req = kit.approved()
    refused(
        rules.VIEWERS_LT_2,
        services.access_request_checkout,
        request=req,
        by=kit.clerk,
        signatures=["查阅人郑"],
    )
    (checkout,) = services.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    kit.archive.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.VIEWING
    assert (checkout.material_count, checkout.page_count) == (3, 9)
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_USE
    assert ArchiveEvent.objects.filter(archive=kit.archive, kind="出库查阅").exists()


def test_only_the_clerk_of_the_holdings_checks_out(kit, org, make_user):
    req = kit.approved()
    other = make_user(roles=["管档员"], unit=org.county_org)
    from django.http import Http404

    with pytest.raises(Http404):
        services.access_request_checkout(request=req, by=other, signatures=["查阅人郑", "查阅人冯"])
    assert AuditEvent.objects.filter(action="access.denied", actor=other).exists()


def test_a_loan_sets_on_loan_with_the_due_date_and_blocks_another_loan(kit):
    req = kit.approved(mode="loan")
    (checkout,) = services.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    kit.archive.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.ON_LOAN
    assert checkout.due_at == req.end_at
    assert services.archive_is_out(kit.archive)
    second = kit.draft(mode="loan")
    refused(rules.ARCHIVE_ON_LOAN, services.access_request_submit, request=second, by=kit.clerk)


def test_two_approved_loans_of_one_archive_cannot_both_go_out(kit):
    first = kit.approved(mode="loan")
    second = kit.approved(mode="loan")
    services.access_request_checkout(request=first, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"])
    refused(
        rules.ARCHIVE_ON_LOAN,
        services.access_request_checkout,
        request=second,
        by=kit.clerk,
        signatures=["查阅人郑", "查阅人冯"],
    )


def all_back(kit, **override):
    items = {m.pk: {"present": True, "pages": m.page_count} for m in kit.materials}
    items.update(override)
    return items


def test_a_complete_return_closes_the_loan(kit):
    req = kit.approved(mode="loan")
    (checkout,) = services.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    outcome = services.checkout_return(
        checkout=checkout, by=kit.clerk, items=all_back(kit), signatures=["查阅人郑"]
    )
    assert outcome.matched and outcome.incident is None
    kit.archive.refresh_from_db()
    req.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.IN_STORE
    assert req.status == RequestStatus.RETURNED
    assert outcome.check.items.filter(matched=True).count() == 3


def test_a_return_with_one_page_missing_opens_an_incident(kit):
    req = kit.approved(mode="loan")
    (checkout,) = services.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    resume = kit.materials[0]
    outcome = services.checkout_return(
        checkout=checkout,
        by=kit.clerk,
        items=all_back(kit, **{str(resume.pk): {"present": True, "pages": resume.page_count - 1}}),
        signatures=["查阅人郑"],
    )
    assert not outcome.matched
    incident = ReturnIncident.objects.get()
    assert incident.status == IncidentStatus.OPEN and "目录4页、清点3页" in incident.summary
    kit.archive.refresh_from_db()
    req.refresh_from_db()
    checkout.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.RETURN_ANOMALY
    assert checkout.status == CheckoutStatus.ANOMALY
    assert req.status == RequestStatus.IN_USE  # the loan is not closed
    assert (
        AuditEvent.objects.filter(action="access_request.return_anomaly", archive_id=kit.archive.pk).count()
        == 1
    )
    # The page comes back: a second check matches, the incident is resolved and the loan closes.
    outcome = services.checkout_return(
        checkout=checkout, by=kit.clerk, items=all_back(kit), signatures=["查阅人郑"]
    )
    assert outcome.matched
    incident.refresh_from_db()
    kit.archive.refresh_from_db()
    req.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert kit.archive.status == ArchiveStatus.IN_STORE
    assert req.status == RequestStatus.RETURNED


def test_a_material_left_unchecked_is_not_back(kit):
    req = kit.approved()
    (checkout,) = services.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    items = all_back(kit)
    items.pop(kit.materials[2].pk)
    outcome = services.checkout_return(checkout=checkout, by=kit.clerk, items=items, signatures=["查阅人郑"])
    assert not outcome.matched and "未归还" in outcome.incident.summary


def test_return_needs_a_signature(kit):
    req = kit.approved()
    (checkout,) = services.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    refused(
        rules.FORM_IRREGULAR,
        services.checkout_return,
        checkout=checkout,
        by=kit.clerk,
        items=all_back(kit),
        signatures=[],
    )


# --- copies ------------------------------------------------------------------------------------------------------


def test_copies_only_of_approved_materials_and_registered(kit):
    appointment = kit.materials[2]
    req = kit.approved(
        copies_requested=True,
        subjects=[{"archive": kit.archive, "scope_all": True, "copy_materials": [appointment]}],
    )
    refused(
        rules.COPY_NOT_APPROVED,
        services.copy_register,
        request=req,
        material=kit.materials[0],
        pages="1",
        by=kit.clerk,
        recipient="查阅人郑",
    )
    refused(
        rules.FORM_IRREGULAR,
        services.copy_register,
        request=req,
        material=appointment,
        pages="2-9",
        by=kit.clerk,
        recipient="查阅人郑",
    )
    refused(
        rules.FORM_IRREGULAR,
        services.copy_register,
        request=req,
        material=appointment,
        pages="1",
        by=kit.clerk,
        recipient="路人",
    )
    copy = services.copy_register(
        request=req, material=appointment, pages="1-2，3", by=kit.clerk, recipient="查阅人郑"
    )
    assert (copy.pages, copy.page_count, copy.made_by) == ("1-3", 3, kit.clerk)
    assert AuditEvent.objects.filter(action="copy.make", archive_id=kit.archive.pk).count() == 1
    assert CopyRecord.objects.count() == 1


def test_copy_materials_outside_the_scope_are_refused_at_submit(kit):
    req = kit.draft(
        copies_requested=True,
        subjects=[
            {
                "archive": kit.archive,
                "scope_all": False,
                "categories": [factories.category("3")],
                "copy_materials": [kit.materials[0]],
            }
        ],
    )
    refused(rules.COPY_NOT_APPROVED, services.access_request_submit, request=req, by=kit.clerk)


# --- expiry --------------------------------------------------------------------------------------------------------


def test_expiry_task_marks_ended_windows_and_unused_approvals(kit):
    digital = kit.approved(mode="digital")
    onsite = kit.approved()
    with time_machine.travel(digital.end_at + datetime.timedelta(minutes=1), tick=False):
        assert services.expire_requests() == 2
        assert services.expire_requests() == 0  # idempotent
    digital.refresh_from_db()
    onsite.refresh_from_db()
    assert digital.status == onsite.status == RequestStatus.EXPIRED
    assert AuditEvent.objects.filter(action="access_request.expire").count() == 2


def test_an_expired_approval_cannot_be_checked_out(kit):
    req = kit.approved()
    with time_machine.travel(req.end_at + datetime.timedelta(minutes=1), tick=False):
        refused(
            services.INVALID_STATE,
            services.access_request_checkout,
            request=req,
            by=kit.clerk,
            signatures=["查阅人郑", "查阅人冯"],
        )
    assert not Checkout.objects.exists()


def test_timestamps_are_aware(kit):
    req = kit.approved()
    assert timezone.is_aware(req.approved_at)
