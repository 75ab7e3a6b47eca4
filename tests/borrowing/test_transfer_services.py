"""Outgoing transfers through borrowing.transfers.services: 四不转递 (each code provoked through the service, at
creation, approval and sending), the authority of the approver, the flow and what it does to the archive, the
receipt, the return, the chase and the daily receipt-overdue sweep."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from archives import services as archive_services
from archives.models import (
    Archive,
    ArchiveEvent,
    ArchiveStatus,
    CadreStatus,
    Material,
    MaterialStatus,
    SortingStatus,
)
from archives.selectors import ArchiveFilters, archive_list
from audit.models import AuditEvent
from borrowing import services as borrowing_services
from borrowing.models import Transfer, TransferChase, TransferStatus
from borrowing.transfers import selectors, services
from core.errors import DomainError
from reviews import services as review_services
from reviews.models import ReviewFlag
from tests import factories
from tests.borrowing.conftest import build_kit as build_borrowing_kit
from tests.borrowing.transfer_kit import Kit, filed, ready_archive

pytestmark = pytest.mark.django_db


def code_of(fn, **kwargs) -> str:
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    return info.value.code


def codes_of(fn, **kwargs) -> set[str]:
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    return {v.code for v in info.value.violations}


# --- TRANSFER_REASON_INSUFFICIENT -------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [{"basis_kind": ""}, {"basis_doc_no": "  "}, {"basis_date": None}])
def test_no_basis_document_refuses_creation(tkit, missing):
    assert (
        code_of(services.transfer_create, archive=tkit.archive, by=tkit.clerk, data=tkit.data(**missing))
        == "TRANSFER_REASON_INSUFFICIENT"
    )
    assert not Transfer.objects.exists()
    refused = AuditEvent.objects.get(action="transfer.create", outcome="denied")
    assert refused.details["code"] == "TRANSFER_REASON_INSUFFICIENT"


def test_basis_dated_in_the_future_is_insufficient(tkit):
    future = timezone.localdate() + datetime.timedelta(days=1)
    assert (
        code_of(
            services.transfer_create, archive=tkit.archive, by=tkit.clerk, data=tkit.data(basis_date=future)
        )
        == "TRANSFER_REASON_INSUFFICIENT"
    )


def test_basis_removed_behind_the_services_back_blocks_approval_and_sending(tkit):
    """The admin or a script could blank the basis after submission: approval and sending check again."""
    t = tkit.submitted()
    Transfer.objects.filter(pk=t.pk).update(basis_doc_no="")
    assert code_of(services.transfer_approve, transfer=t, by=tkit.reviewer) == "TRANSFER_REASON_INSUFFICIENT"
    Transfer.objects.filter(pk=t.pk).update(basis_doc_no="测组干〔2026〕15号")
    t = services.transfer_approve(transfer=t, by=tkit.reviewer)
    Transfer.objects.filter(pk=t.pk).update(basis_kind="")
    assert code_of(services.transfer_send, transfer=t, by=tkit.clerk) == "TRANSFER_REASON_INSUFFICIENT"
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.IN_STORE


# --- NO_TRANSFER_NOTICE -------------------------------------------------------------------------------------------


def test_no_notice_blocks_submission_approval_and_sending(tkit):
    t = tkit.draft()
    assert code_of(services.transfer_submit, transfer=t, by=tkit.clerk) == "NO_TRANSFER_NOTICE"
    t = tkit.approved(archive=ready_archive(tkit.org, name="另一人"))
    Transfer.objects.filter(pk=t.pk).update(notice_seq=None)
    assert code_of(services.transfer_send, transfer=t, by=tkit.clerk) == "NO_TRANSFER_NOTICE"


def test_notice_numbers_are_unique_and_follow_the_prefix(tkit, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "TRANSFER_NOTICE_PREFIX": "测组档"}
    a = tkit.noticed()
    b = tkit.noticed(archive=ready_archive(tkit.org, name="乙"))
    assert a.notice_number == "测组档字第1号"
    assert b.notice_number == "测组档字第2号"
    again = services.transfer_generate_notice(transfer=a, by=tkit.clerk)
    assert again.notice_number == "测组档字第1号"  # generating twice keeps the number
    services.transfer_cancel(transfer=b, by=tkit.clerk, reason="调动取消")
    c = tkit.noticed(archive=ready_archive(tkit.org, name="丙"))
    assert c.notice_number == "测组档字第3号"  # a voided number is never reused


# --- FILE_DISORDERED ----------------------------------------------------------------------------------------------


def test_unfiled_loose_material_disorders_the_file(tkit):
    t = tkit.noticed()
    factories.material(tkit.archive, code="7", title="嘉奖令", status=MaterialStatus.RECEIVED)
    with pytest.raises(DomainError) as info:
        services.transfer_submit(transfer=t, by=tkit.clerk)
    assert info.value.code == "FILE_DISORDERED"
    assert "零散材料尚未归档" in info.value.message and "嘉奖令" in info.value.message


def test_unnumbered_filed_material_disorders_the_file(tkit):
    t = tkit.noticed()
    factories.material(tkit.archive, code="7", title="记功审批表", status=MaterialStatus.FILED, seq=None)
    assert code_of(services.transfer_submit, transfer=t, by=tkit.clerk) == "FILE_DISORDERED"


def test_sorting_status_not_sorted_disorders_the_file_at_approval(tkit):
    t = tkit.submitted()
    Archive.objects.filter(pk=tkit.archive.pk).update(sorting_status=SortingStatus.SORTING)
    with pytest.raises(DomainError) as info:
        services.transfer_approve(transfer=t, by=tkit.reviewer)
    assert info.value.code == "FILE_DISORDERED"
    assert "整理中" in info.value.message
    assert Transfer.objects.get(pk=t.pk).status == TransferStatus.SUBMITTED


# --- FILE_INCOMPLETE ----------------------------------------------------------------------------------------------


def test_missing_veto_item_makes_the_file_incomplete(tkit):
    t = tkit.noticed()
    Material.objects.filter(archive=tkit.archive, kind__code="civil_servant_registration").update(
        status=MaterialStatus.WITHDRAWN
    )
    with pytest.raises(DomainError) as info:
        services.transfer_submit(transfer=t, by=tkit.clerk)
    assert info.value.code == "FILE_INCOMPLETE"
    assert "公务员登记表" in info.value.message


def test_transfer_of_an_archive_on_loan_is_refused(org):
    """borrowing's own loan puts the archive out; the approval and the sending refuse it (FILE_INCOMPLETE)."""
    bkit = build_borrowing_kit(org)
    archive = bkit.archive
    archive.sorting_status = SortingStatus.SORTED
    archive.duplicate_volumes = 1
    archive.save()
    filed(archive, "civil_servant_registration", year=2012)
    tk = Kit(org, bkit.clerk, None, bkit.reviewer, bkit.reviewer2, bkit.county_reviewer, None, archive)
    transfer = tk.submitted(archive)
    loan = bkit.approved(mode="loan")
    borrowing_services.access_request_checkout(
        request=loan, by=bkit.clerk, signatures=[bkit.v1.get_full_name(), bkit.v2.get_full_name()]
    )
    assert Archive.objects.get(pk=archive.pk).status == ArchiveStatus.ON_LOAN
    with pytest.raises(DomainError) as info:
        services.transfer_approve(transfer=transfer, by=bkit.reviewer)
    assert info.value.code == "FILE_INCOMPLETE"
    assert "借出" in info.value.message and "不得分批转出" in info.value.message


def test_archive_out_for_viewing_or_back_with_an_anomaly_blocks_sending(tkit):
    t = tkit.approved()
    for status in (ArchiveStatus.VIEWING, ArchiveStatus.RETURN_ANOMALY, ArchiveStatus.REVIEW_HOLD):
        Archive.objects.filter(pk=tkit.archive.pk).update(status=status)
        assert code_of(services.transfer_send, transfer=t, by=tkit.clerk) == "FILE_INCOMPLETE"
    assert Transfer.objects.get(pk=t.pk).status == TransferStatus.APPROVED


def test_unresolved_suspected_falsification_blocks_the_transfer_until_resolved(tkit):
    case = review_services.case_open(
        archive=tkit.archive,
        proposed_post="局长",
        requesting_unit=tkit.org.city_bureau,
        reviewer=tkit.reviewer2,
        by=tkit.reviewer2,
    )
    resume = Material.objects.get(archive=tkit.archive, kind__code="resume_1999")
    flag = review_services.flag_suspect_falsification(
        case=case, by=tkit.reviewer2, note="履历表出生日期处笔迹与他处不一致", materials=[resume]
    )
    t = tkit.noticed()
    with pytest.raises(DomainError) as info:
        services.transfer_submit(transfer=t, by=tkit.clerk)
    assert info.value.code == "FILE_INCOMPLETE"
    assert "涉嫌造假" in info.value.message and "笔迹" in info.value.message
    # Re-running the checks does not clear a reviewer's mark; only 核查处理 does.
    review_services.case_run_checks(case=case, by=tkit.reviewer2)
    assert ReviewFlag.objects.get(pk=flag.pk).status == "open"
    review_services.flag_resolve(
        flag=flag, by=tkit.reviewer2, note="经调查核实，系填表时笔误更正，已由组织认定。"
    )
    assert services.transfer_submit(transfer=t, by=tkit.clerk).status == TransferStatus.SUBMITTED


def test_all_four_reasons_are_reported_together(tkit):
    archive = ready_archive(tkit.org, name="四项")
    t = services.transfer_create(archive=archive, by=tkit.clerk, data=tkit.data())
    Transfer.objects.filter(pk=t.pk).update(basis_doc_no="")
    Archive.objects.filter(pk=archive.pk).update(
        sorting_status=SortingStatus.UNSORTED, status=ArchiveStatus.VIEWING
    )
    assert codes_of(services.transfer_submit, transfer=t, by=tkit.clerk) == {
        "TRANSFER_REASON_INSUFFICIENT",
        "NO_TRANSFER_NOTICE",
        "FILE_DISORDERED",
        "FILE_INCOMPLETE",
    }


# --- the form: channel, counts, receiving unit ---------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["post", "邮寄", "self_carry", ""])
def test_only_courier_or_collection_exist(tkit, channel):
    assert (
        code_of(
            services.transfer_create, archive=tkit.archive, by=tkit.clerk, data=tkit.data(channel=channel)
        )
        == "TRANSFER_CHANNEL_INVALID"
    )


def test_courier_needs_its_tracking_number_and_collection_two_named_staff(tkit):
    t = tkit.approved(tracking_no="")
    assert code_of(services.transfer_send, transfer=t, by=tkit.clerk) == "TRACKING_NO_REQUIRED"
    other = tkit.approved(archive=ready_archive(tkit.org, name="丁某"), channel="collection", tracking_no="")
    assert (
        code_of(services.transfer_send, transfer=other, by=tkit.clerk, collectors=["张三", "张三"])
        == "COLLECTORS_LT_2"
    )
    assert (
        code_of(services.transfer_send, transfer=other, by=tkit.clerk, collectors=["张三", "丁某"])
        == "TRANSFER_CHANNEL_INVALID"
    )  # the cadre may not carry their own archive
    sent = services.transfer_send(transfer=other, by=tkit.clerk, collectors="张三，李四")
    assert sent.collectors == ["张三", "李四"]


def test_a_whole_archive_moves(tkit):
    assert (
        code_of(
            services.transfer_create, archive=tkit.archive, by=tkit.clerk, data=tkit.data(duplicate_volumes=0)
        )
        == "PARTIAL_TRANSFER"
    )


def test_receiving_unit_is_required_and_not_the_sender(tkit):
    assert (
        code_of(
            services.transfer_create,
            archive=tkit.archive,
            by=tkit.clerk,
            data=tkit.data(to_unit=None, to_unit_name=""),
        )
        == "RECEIVING_UNIT_INVALID"
    )
    assert (
        code_of(
            services.transfer_create,
            archive=tkit.archive,
            by=tkit.clerk,
            data=tkit.data(to_unit=tkit.org.city_org),
        )
        == "RECEIVING_UNIT_INVALID"
    )


def test_one_open_transfer_per_archive(tkit):
    tkit.draft()
    assert (
        code_of(services.transfer_create, archive=tkit.archive, by=tkit.clerk, data=tkit.data())
        == "TRANSFER_ALREADY_OPEN"
    )


# --- who may act ---------------------------------------------------------------------------------------------------


def test_a_clerk_of_another_unit_gets_a_404_and_an_audit_line(tkit):
    with pytest.raises(Http404):
        services.transfer_create(archive=tkit.archive, by=tkit.county_clerk, data=tkit.data())
    assert AuditEvent.objects.filter(
        action="access.denied", actor=tkit.county_clerk, archive_id=tkit.archive.pk
    ).exists()


def test_approver_authority_is_the_access_request_authority(tkit):
    t = tkit.submitted()
    with pytest.raises(Http404):  # a county reviewer does not even see a municipal cadre's archive
        services.transfer_approve(transfer=t, by=tkit.county_reviewer)
    with pytest.raises(DomainError) as info:
        services.transfer_approve(transfer=t, by=tkit.clerk)
    assert info.value.status == 403
    # A reviewer who is also the clerk who prepared it may not approve it.
    both = factories.user("t_both", roles=["管档员", "审批人"], unit=tkit.org.city_org)
    archive = ready_archive(tkit.org, name="戊")
    mine = services.transfer_create(archive=archive, by=both, data=tkit.data())
    services.transfer_generate_notice(transfer=mine, by=both)
    services.transfer_submit(transfer=mine, by=both)
    with pytest.raises(DomainError) as info:
        services.transfer_approve(transfer=mine, by=both)
    assert info.value.code == "APPROVER_NOT_AUTHORISED"
    assert "转递" in info.value.message and "查阅" not in info.value.message


def test_reviewer_may_not_approve_a_relatives_transfer(tkit):
    from archives.models import FamilyMember
    from borrowing.rules import birth_from_id

    # A relative named in the cadre's family list without an ID number: the approval rule finds them by name
    # and birth date (borrowing.rules.same_person) and refuses.
    FamilyMember.objects.create(
        cadre=tkit.archive.cadre,
        relation="配偶",
        name=tkit.reviewer.full_name,
        birth_date=birth_from_id(tkit.reviewer.id_number),
    )
    t = tkit.submitted()
    with pytest.raises(DomainError) as info:
        services.transfer_approve(transfer=t, by=tkit.reviewer)
    assert info.value.code == "APPROVER_NOT_AUTHORISED"
    assert "回避" in info.value.message
    # With the ID number in the family list the access policy hides the archive from them altogether.
    factories.relative(tkit.archive.cadre, name="某某", id_number=tkit.reviewer2.id_number, relation="子女")
    with pytest.raises(Http404):
        services.transfer_approve(transfer=t, by=tkit.reviewer2)


# --- the flow ------------------------------------------------------------------------------------------------------


def test_flow_to_receipt_takes_the_archive_off_the_active_roster(tkit):
    t = tkit.approved()
    assert t.approved_by == tkit.reviewer
    t = services.transfer_send(transfer=t, by=tkit.clerk)
    archive = Archive.objects.get(pk=tkit.archive.pk)
    assert archive.status == ArchiveStatus.TRANSFERRING
    scan = SimpleUploadedFile("回执.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    t = services.transfer_record_receipt(
        transfer=t, by=tkit.clerk, recipient="县管档员刘", receipt_on=timezone.localdate(), scan=scan
    )
    assert t.status == TransferStatus.RECEIVED and t.receipt_scan.name.endswith(".pdf")
    archive = Archive.objects.get(pk=tkit.archive.pk)
    assert archive.status == ArchiveStatus.TRANSFERRED_OUT and archive.is_read_only
    assert archive.cadre.status == CadreStatus.TRANSFERRED
    # Off the active roster, still found when asked for 已转出, and in the transfer-out register.
    assert archive not in archive_list(tkit.clerk, ArchiveFilters())
    assert archive in archive_list(tkit.clerk, ArchiveFilters(status="transferred_out"))
    assert t in selectors.register_out(tkit.clerk, timezone.localdate().year)
    # Read-only: nothing can be added to it.
    with pytest.raises(DomainError) as info:
        archive_services.material_receive(
            by=tkit.clerk,
            archive=archive,
            data={"category": factories.category("7"), "title": "嘉奖", "formed_year": 2020, "page_count": 1},
        )
    assert info.value.code == "ARCHIVE_READ_ONLY"
    # Every step is in the archive's history and the audit log.
    kinds = list(ArchiveEvent.objects.filter(archive=archive).values_list("kind", flat=True))
    for kind in ("转递登记", "开具转递通知单", "转递审批", "转出", "回执"):
        assert kind in kinds
    actions = set(AuditEvent.objects.filter(archive_id=archive.pk).values_list("action", flat=True))
    assert {
        "transfer.create",
        "transfer.notice",
        "transfer.submit",
        "transfer.approve",
        "transfer.send",
        "transfer.receipt",
    } <= actions


def test_receipt_needs_a_signer_and_a_sensible_date_and_a_real_scan(tkit):
    t = tkit.sent()
    today = timezone.localdate()
    assert (
        code_of(services.transfer_record_receipt, transfer=t, by=tkit.clerk, recipient="", receipt_on=today)
        == "RECEIPT_INVALID"
    )
    assert (
        code_of(
            services.transfer_record_receipt,
            transfer=t,
            by=tkit.clerk,
            recipient="刘",
            receipt_on=today + datetime.timedelta(days=1),
        )
        == "RECEIPT_INVALID"
    )
    fake = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert (
        code_of(
            services.transfer_record_receipt,
            transfer=t,
            by=tkit.clerk,
            recipient="刘",
            receipt_on=today,
            scan=fake,
        )
        == "RECEIPT_INVALID"
    )
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.TRANSFERRING


def test_return_by_the_receiver_puts_the_archive_back_with_the_reasons(tkit):
    t = tkit.sent()
    assert (
        code_of(services.transfer_return, transfer=t, by=tkit.clerk, reasons=" ") == "RETURN_REASON_REQUIRED"
    )
    t = services.transfer_return(transfer=t, by=tkit.clerk, reasons="缺少2019年度考核登记表；目录页码有误")
    assert t.status == TransferStatus.RETURNED
    archive = Archive.objects.get(pk=tkit.archive.pk)
    assert archive.status == ArchiveStatus.IN_STORE
    event = ArchiveEvent.objects.filter(archive=archive, kind="转递退回").get()
    assert "目录页码有误" in event.description
    # The archive may be transferred again once the reasons are dealt with.
    assert (
        services.transfer_create(archive=archive, by=tkit.clerk, data=tkit.data()).status
        == TransferStatus.DRAFT
    )


def test_reject_sends_it_back_to_the_clerk_and_cancel_voids_it(tkit):
    t = tkit.submitted()
    assert (
        code_of(services.transfer_reject, transfer=t, by=tkit.reviewer, reason="") == "RETURN_REASON_REQUIRED"
    )
    t = services.transfer_reject(transfer=t, by=tkit.reviewer, reason="依据文件文号有误")
    assert t.status == TransferStatus.DRAFT and t.reject_reason == "依据文件文号有误"
    t = services.transfer_update(transfer=t, by=tkit.clerk, data={"basis_doc_no": "测组干〔2026〕16号"})
    assert t.basis_doc_no == "测组干〔2026〕16号"
    t = services.transfer_cancel(transfer=t, by=tkit.clerk, reason="调动取消")
    assert t.status == TransferStatus.CANCELLED
    assert code_of(services.transfer_submit, transfer=t, by=tkit.clerk) == "INVALID_STATE"


def test_state_machine_refuses_out_of_order_steps(tkit):
    t = tkit.noticed()
    assert code_of(services.transfer_send, transfer=t, by=tkit.clerk) == "INVALID_STATE"
    assert (
        code_of(
            services.transfer_record_receipt,
            transfer=t,
            by=tkit.clerk,
            recipient="刘",
            receipt_on=timezone.localdate(),
        )
        == "INVALID_STATE"
    )
    t = tkit.sent(archive=ready_archive(tkit.org, name="己"))
    assert (
        code_of(services.transfer_update, transfer=t, by=tkit.clerk, data={"reason": "x"}) == "INVALID_STATE"
    )
    assert code_of(services.transfer_cancel, transfer=t, by=tkit.clerk, reason="x") == "INVALID_STATE"


# --- receipt chasing -------------------------------------------------------------------------------------------------


def test_daily_sweep_marks_overdue_receipts_once_and_chasing_is_recorded(tkit, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "RECEIPT_CHASE_DAYS": 30}
    t = tkit.sent()
    today = timezone.localdate()
    Transfer.objects.filter(pk=t.pk).update(sent_on=today - datetime.timedelta(days=30))
    assert services.receipt_overdue_sweep(today=today) == 0  # 30 days: still within the period
    Transfer.objects.filter(pk=t.pk).update(sent_on=today - datetime.timedelta(days=31))
    assert services.receipt_overdue_sweep(today=today) == 1
    assert services.receipt_overdue_sweep(today=today) == 0  # idempotent
    assert list(selectors.overdue_receipts(tkit.clerk)) == [Transfer.objects.get(pk=t.pk)]
    assert (
        AuditEvent.objects.filter(action="transfer.receipt_overdue", archive_id=tkit.archive.pk).count() == 1
    )
    with pytest.raises(DomainError):
        services.transfer_chase(transfer=t, by=tkit.clerk, chased_on=today, method="carrier pigeon")
    chase = services.transfer_chase(
        transfer=t,
        by=tkit.clerk,
        chased_on=today,
        method="phone",
        contact="县委组织部刘科长",
        note="答复三日内寄回",
    )
    assert TransferChase.objects.get(pk=chase.pk).get_method_display() == "电话"
    assert ArchiveEvent.objects.filter(archive=tkit.archive, kind="回执催问").exists()
    # Once the receipt is in, it is no longer overdue.
    services.transfer_record_receipt(transfer=t, by=tkit.clerk, recipient="刘", receipt_on=today)
    assert not selectors.overdue_receipts(tkit.clerk).exists()
