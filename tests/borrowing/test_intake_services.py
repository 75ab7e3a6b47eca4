"""Incoming archives (接收) through borrowing.transfers.intake: counts and seal, acceptance into the holdings (new
archive, archive returning, and a transfer made in this system), the return with reasons, and the intake review
(alterations recorded, confirmed by the organization, the record filed as a category-5 material)."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import ManagementLevel
from archives.models import Archive, ArchiveEvent, ArchiveStatus, Material, MaterialStatus
from audit.models import AuditEvent
from borrowing.models import Intake, IntakeReviewStatus, IntakeStatus, TransferStatus
from borrowing.transfers import intake as services
from borrowing.transfers import services as transfer_services
from core.errors import DomainError
from core.idcard import make_id_number
from tests.borrowing.transfer_kit import filed

pytestmark = pytest.mark.django_db


def intake_data(**overrides) -> dict:
    data = {
        "sending_unit_name": "中共外省某市委组织部",
        "channel": "confidential",
        "confidential_no": "JY-2026-0815",
        "courier": "机要员张",
        "notice_number": "外组档字第88号",
        "received_on": timezone.localdate(),
        "stated_main": 1,
        "stated_duplicate": 1,
        "stated_loose": 2,
        "received_main": 1,
        "received_duplicate": 1,
        "received_loose": 2,
        "seal_intact": True,
        "name": "赵新来",
        "sex": "1",
        "birth_date": datetime.date(1985, 4, 2),
        "ethnicity": "汉族",
        "id_number": make_id_number("110105", datetime.date(1985, 4, 2), 31, "1"),
        "unit_post": "某县副县长",
        "political_status": "01",
        "work_start_date": datetime.date(2007, 7, 1),
        "party_join_date": datetime.date(2006, 6, 1),
    }
    data.update(overrides)
    return data


def register(tkit, **overrides) -> Intake:
    return services.intake_register(
        by=tkit.clerk, holding_unit=tkit.org.city_org, data=intake_data(**overrides)
    )


def accept_new(tkit, intake, archive_no="QS20001"):
    return services.intake_accept(
        intake=intake,
        by=tkit.clerk,
        archive_no=archive_no,
        cadre_unit=tkit.org.city_bureau,
        management_level=ManagementLevel.MUNICIPAL,
    )


def code_of(fn, **kwargs) -> str:
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    return info.value.code


# --- counts and seal ------------------------------------------------------------------------------------------------


def test_counts_mismatch_blocks_intake_and_the_return_lists_the_reasons(tkit):
    intake = register(tkit, received_loose=1)
    with pytest.raises(DomainError) as info:
        accept_new(tkit, intake)
    assert info.value.code == "INTAKE_COUNTS_MISMATCH"
    assert "材料数量与转递通知单不符：通知单2份，实收1份" in info.value.message
    assert Intake.objects.get(pk=intake.pk).status == IntakeStatus.REGISTERED
    assert not Archive.objects.filter(archive_no="QS20001").exists()
    returned = services.intake_return(intake=intake, by=tkit.clerk, note="另缺2019年度考核登记表")
    assert returned.status == IntakeStatus.RETURNED
    assert "通知单2份，实收1份" in returned.return_reasons and "2019年度考核登记表" in returned.return_reasons
    assert AuditEvent.objects.filter(action="intake.accept", outcome="denied").exists()


def test_broken_seal_blocks_intake(tkit):
    intake = register(tkit, seal_intact=False)
    assert code_of(accept_new, tkit=tkit, intake=intake) == "INTAKE_SEAL_BROKEN"


def test_a_return_without_any_discrepancy_needs_its_reason(tkit):
    intake = register(tkit)
    assert code_of(services.intake_return, intake=intake, by=tkit.clerk, note="") == "RETURN_REASON_REQUIRED"


def test_registration_needs_sender_channel_number_date_and_name(tkit):
    with pytest.raises(DomainError) as info:
        register(tkit, sending_unit_name="", confidential_no="", name="")
    assert {v.field for v in info.value.violations} == {"sending_unit_name", "confidential_no", "name"}
    assert {v.code for v in info.value.violations} == {"INTAKE_FORM_INCOMPLETE"}
    with pytest.raises(DomainError) as info:
        register(tkit, id_number="110105198504021230")
    assert info.value.code == "ID_CHECKSUM"
    assert code_of(register, tkit=tkit, received_on=timezone.localdate() + datetime.timedelta(days=2)) == (
        "INTAKE_FORM_INCOMPLETE"
    )
    assert code_of(register, tkit=tkit, work_start_date=datetime.date(1980, 1, 1)) == "DATE_ORDER"


def test_only_the_receiving_units_clerk_registers_and_sees_it(tkit):
    with pytest.raises(DomainError) as info:
        services.intake_register(by=tkit.county_clerk, holding_unit=tkit.org.city_org, data=intake_data())
    assert info.value.code == "NOT_HOLDING_UNIT"
    intake = register(tkit)
    with pytest.raises(Http404):
        accept_new(tkit=type(tkit)(**{**tkit.__dict__, "clerk": tkit.county_clerk}), intake=intake)


# --- acceptance -----------------------------------------------------------------------------------------------------


def test_acceptance_opens_a_new_archive_in_the_holdings(tkit):
    intake = accept_new(tkit, register(tkit))
    archive = Archive.objects.select_related("cadre").get(archive_no="QS20001")
    assert intake.archive == archive and intake.status == IntakeStatus.ACCEPTED
    assert intake.review_status == IntakeReviewStatus.PENDING
    assert archive.holding_unit == tkit.org.city_org and archive.status == ArchiveStatus.IN_STORE
    assert (archive.main_volumes, archive.duplicate_volumes) == (1, 1)
    assert archive.cadre.name == "赵新来" and archive.cadre.unit == tkit.org.city_bureau
    assert archive.cadre.work_start_date == datetime.date(2007, 7, 1)
    assert archive.cadre.party_join_date == datetime.date(2006, 6, 1)
    assert ArchiveEvent.objects.filter(archive=archive, kind="接收入库").exists()


def test_a_new_archive_needs_its_number_sex_birth_and_unit(tkit):
    intake = register(tkit, sex="", birth_date=None)
    with pytest.raises(DomainError) as info:
        services.intake_accept(intake=intake, by=tkit.clerk, archive_no="QS20002")
    assert {v.field for v in info.value.violations} == {"sex", "birth_date", "cadre_unit"}
    intake = register(tkit, name="钱某")
    assert code_of(accept_new, tkit=tkit, intake=intake, archive_no="") == "ARCHIVE_NO_INVALID"
    assert (
        code_of(accept_new, tkit=tkit, intake=intake, archive_no=tkit.archive.archive_no)
        == "ARCHIVE_NO_DUPLICATE"
    )


def test_an_archive_held_elsewhere_is_not_registered_twice(tkit):
    intake = register(tkit, id_number=tkit.archive.cadre.id_number, name=tkit.archive.cadre.name)
    assert code_of(accept_new, tkit=tkit, intake=intake) == "ARCHIVE_ALREADY_HELD"


def test_an_archive_that_was_transferred_out_comes_back(tkit):
    t = tkit.sent()
    transfer_services.transfer_record_receipt(
        transfer=t, by=tkit.clerk, recipient="外单位", receipt_on=timezone.localdate()
    )
    cadre = tkit.archive.cadre
    intake = register(tkit, id_number=cadre.id_number, name=cadre.name, received_duplicate=1)
    intake = services.intake_accept(intake=intake, by=tkit.clerk)
    archive = Archive.objects.get(pk=tkit.archive.pk)
    assert intake.archive == archive
    assert archive.status == ArchiveStatus.IN_STORE and archive.cadre.status == "serving"


def test_a_transfer_in_this_system_is_received_by_the_addressee(tkit):
    """The city sends to the county; the county clerk registers it from the sender's notice and accepts it: the
    sender's receipt is recorded and the same archive moves into the county's holdings."""
    t = tkit.sent()
    incoming = services.incoming_transfers([tkit.org.county_org.pk])
    assert [x.pk for x in incoming] == [t.pk]
    intake = services.intake_register(
        by=tkit.county_clerk,
        holding_unit=tkit.org.county_org,
        data={
            "received_on": timezone.localdate(),
            "received_main": 1,
            "received_duplicate": 1,
            "received_loose": 0,
        },
        transfer=t,
    )
    assert intake.notice_number == t.notice_number and intake.stated_counts == (1, 1, 0)
    assert intake.sending_unit_name == tkit.org.city_org.name and intake.confidential_no == t.tracking_no
    intake = services.intake_accept(intake=intake, by=tkit.county_clerk)
    t.refresh_from_db()
    assert t.status == TransferStatus.RECEIVED and t.receipt_recipient == tkit.county_clerk.full_name
    archive = Archive.objects.get(pk=tkit.archive.pk)
    assert archive.holding_unit == tkit.org.county_org and archive.status == ArchiveStatus.IN_STORE
    assert archive.custodian == tkit.county_clerk
    # The sender keeps the transfer in its register; the archive is now the county's.
    from borrowing.transfers import selectors

    assert t in selectors.register_out(tkit.clerk, timezone.localdate().year)
    assert not Archive.objects.filter(pk=archive.pk, holding_unit=tkit.org.city_org).exists()


def test_a_return_of_a_transfer_in_this_system_puts_it_back_in_the_senders_store(tkit):
    t = tkit.sent()
    intake = services.intake_register(
        by=tkit.county_clerk,
        holding_unit=tkit.org.county_org,
        data={
            "received_on": timezone.localdate(),
            "received_main": 1,
            "received_duplicate": 0,
            "received_loose": 0,
        },
        transfer=t,
    )
    assert code_of(services.intake_accept, intake=intake, by=tkit.county_clerk) == "INTAKE_COUNTS_MISMATCH"
    services.intake_return(intake=intake, by=tkit.county_clerk)
    t.refresh_from_db()
    assert t.status == TransferStatus.RETURNED and "副本数量与转递通知单不符" in t.return_reasons
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.IN_STORE
    assert Archive.objects.get(pk=tkit.archive.pk).holding_unit == tkit.org.city_org


# --- the intake review --------------------------------------------------------------------------------------------


def test_alterations_are_recorded_confirmed_and_filed_as_a_category_5_material(tkit):
    intake = accept_new(tkit, register(tkit))
    archive = intake.archive
    resume = filed(archive, "resume_1999", year=2008, title="干部履历表（1999年版）")
    assert (
        code_of(
            services.alteration_add,
            intake=intake,
            by=tkit.clerk,
            data={"material_label": "x", "field_name": ""},
        )
        == "ALTERATION_INCOMPLETE"
    )
    services.alteration_add(
        intake=intake,
        by=tkit.clerk,
        data={
            "material": resume,
            "field_name": "出生日期",
            "before_text": "1985.04",
            "after_text": "1986.04",
            "description": "出生日期“5”改为“6”，有刮擦痕迹",
        },
    )
    services.alteration_add(
        intake=intake,
        by=tkit.clerk,
        data={
            "material_label": "3-2 2010年度考核登记表",
            "field_name": "考核等次",
            "description": "“称职”涂改为“优秀”",
        },
    )
    resume.refresh_from_db()
    assert resume.is_altered and "出生日期" in resume.alteration_note and resume.version == 2
    # The confirmation is the organization's: a reviewer with authority over the cadre, not a clerk.
    assert code_of(services.review_file, intake=intake, by=tkit.clerk) == "INVALID_STATE"
    intake = services.review_submit(intake=intake, by=tkit.clerk)
    assert intake.review_status == IntakeReviewStatus.AWAITING
    with pytest.raises(DomainError) as info:
        services.review_confirm(intake=intake, by=tkit.clerk)
    assert info.value.status == 403
    with pytest.raises(Http404):
        services.review_confirm(intake=intake, by=tkit.county_reviewer)
    intake = services.review_confirm(intake=intake, by=tkit.reviewer, opinion="经核实，登记属实。")
    assert intake.review_status == IntakeReviewStatus.CONFIRMED
    intake = services.review_file(intake=intake, by=tkit.clerk)
    record = intake.record_material
    assert intake.review_status == IntakeReviewStatus.FILED
    assert record.status == MaterialStatus.FILED and record.category.code == "5"
    assert record.kind.code == "alteration_record" and record.seq_label.startswith("5-")
    assert record.title == "档案涂改情况登记表"
    assert Material.objects.filter(archive=archive, kind__code="alteration_record").count() == 1
    actions = set(AuditEvent.objects.filter(target_type="borrowing.intake").values_list("action", flat=True))
    assert {"intake.register", "intake.accept", "intake.alteration_add", "intake.review_submit"} <= actions
    assert {"intake.review_confirm", "intake.review_file"} <= actions


def test_no_alteration_ends_the_review_without_a_record(tkit):
    intake = accept_new(tkit, register(tkit))
    intake = services.review_submit(intake=intake, by=tkit.clerk)
    assert intake.review_status == IntakeReviewStatus.CLEAN
    assert not Material.objects.filter(archive=intake.archive, kind__code="alteration_record").exists()


def test_the_reviewer_can_send_the_record_back(tkit):
    intake = accept_new(tkit, register(tkit))
    services.alteration_add(
        intake=intake,
        by=tkit.clerk,
        data={"material_label": "1-1 履历表", "field_name": "学历", "description": "涂改"},
    )
    services.review_submit(intake=intake, by=tkit.clerk)
    assert (
        code_of(services.review_send_back, intake=intake, by=tkit.reviewer, reason="")
        == "RETURN_REASON_REQUIRED"
    )
    intake = services.review_send_back(intake=intake, by=tkit.reviewer, reason="请写明涂改前内容")
    assert intake.review_status == IntakeReviewStatus.PENDING and "涂改前内容" in intake.review_note
    alteration = intake.alterations.get()
    services.alteration_remove(alteration=alteration, by=tkit.clerk)
    assert not intake.alterations.exists()
