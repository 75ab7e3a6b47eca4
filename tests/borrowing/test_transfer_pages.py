"""The transfer and intake pages through Django's test client: every page opens for the role it is for, the
actions go through the services, rule messages appear on the page, and other people's objects answer 404."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from archives.models import Archive, ArchiveStatus
from audit.models import AuditEvent
from borrowing.models import Intake, IntakeReviewStatus, IntakeStatus, Transfer, TransferStatus
from borrowing.transfers import intake as intake_services
from borrowing.transfers import services
from tests.borrowing.test_intake_services import intake_data

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


def form_data(tkit, **overrides) -> dict:
    data = {
        "basis_kind": "appointment",
        "basis_doc_no": "测组任〔2026〕8号",
        "basis_issuer": "中共测试市委",
        "basis_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "reason": "提拔任职",
        "to_unit": str(tkit.org.county_org.pk),
        "to_unit_name": "",
        "channel": "confidential",
        "tracking_no": "JY-0001",
        "main_volumes": "1",
        "duplicate_volumes": "1",
        "loose_items": "0",
    }
    data.update(overrides)
    return data


def test_clerk_prepares_a_transfer_through_the_pages(client, tkit):
    c = client_for(client, tkit.clerk)
    assert c.get(reverse("transfers:desk")).status_code == 200
    found = c.get(reverse("transfers:pick"), {"q": tkit.archive.archive_no})
    assert found.status_code == 200 and tkit.archive.archive_no in found.content.decode()
    url = reverse("transfers:new", args=[tkit.archive.pk])
    assert c.get(url).status_code == 200
    # No basis document: the message is shown next to the field, nothing is saved.
    page = c.post(url, form_data(tkit, basis_doc_no=""))
    assert page.status_code == 400
    assert "转递理由不充分：请填写依据文件的文号。" in page.content.decode()
    assert not Transfer.objects.exists()
    page = c.post(url, form_data(tkit, channel="", to_unit=""))
    text = page.content.decode()
    assert "请选择转递方式" in text and "请填写接收单位" in text
    response = c.post(url, form_data(tkit))
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "transfers:detail", args=[transfer.pk]
    )
    detail = c.get(response["Location"]).content.decode()
    assert "四不转递核查" in detail and "未开具转递通知单" in detail
    c.post(reverse("transfers:action", args=[transfer.pk, "notice"]))
    c.post(reverse("transfers:action", args=[transfer.pk, "submit"]))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SUBMITTED and transfer.notice_number
    # The edit page of a submitted transfer is refused with the state message.
    edit = c.post(reverse("transfers:edit", args=[transfer.pk]), form_data(tkit))
    assert "不能修改" in edit.content.decode()
    pdf = c.get(reverse("transfers:notice-pdf", args=[transfer.pk]))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    assert AuditEvent.objects.filter(action="transfer.print", archive_id=tkit.archive.pk).exists()


def test_reviewer_approves_and_clerk_sends_and_records_the_receipt(client, tkit):
    transfer = tkit.submitted()
    r = client_for(client, tkit.reviewer)
    inbox = r.get(reverse("transfers:inbox")).content.decode()
    assert transfer.cadre_name in inbox
    page = r.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "同意转递" in page and "登记回执" not in page
    r.post(reverse("transfers:action", args=[transfer.pk, "approve"]), {"opinion": "同意。"})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.APPROVED and transfer.approval_opinion == "同意。"
    r.logout()
    c = client_for(client, tkit.clerk)
    page = c.post(
        reverse("transfers:action", args=[transfer.pk, "send"]),
        {"sent_on": timezone.localdate().isoformat(), "tracking_no": ""},
    )
    assert page.status_code == 400 and "机要交通转递须填写机要号。" in page.content.decode()
    c.post(
        reverse("transfers:action", args=[transfer.pk, "send"]),
        {"sent_on": timezone.localdate().isoformat(), "tracking_no": "JY-0099"},
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT and transfer.tracking_no == "JY-0099"
    scan = SimpleUploadedFile("receipt.png", b"\x89PNG\r\n\x1a\nrest", content_type="image/png")
    c.post(
        reverse("transfers:action", args=[transfer.pk, "receipt"]),
        {"recipient": "县管档员刘", "receipt_on": timezone.localdate().isoformat(), "scan": scan},
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.TRANSFERRED_OUT
    assert c.get(reverse("transfers:receipt-scan", args=[transfer.pk])).status_code == 200
    # Off the roster page, in the register and its spreadsheet.
    roster = c.get(reverse("archives:list")).content.decode()
    assert tkit.archive.archive_no not in roster
    assert tkit.archive.archive_no in c.get(reverse("archives:list"), {"status": "all"}).content.decode()
    assert transfer.notice_number in c.get(reverse("transfers:register")).content.decode()
    xlsx = c.get(reverse("transfers:register"), {"format": "xlsx"})
    sheet = load_workbook(__import__("io").BytesIO(xlsx.content)).active
    assert sheet["B3"].value == transfer.notice_number and sheet["D3"].value == transfer.cadre_name


def test_overdue_receipt_panel_on_the_clerks_home_page(client, tkit):
    t = tkit.sent()
    Transfer.objects.filter(pk=t.pk).update(sent_on=timezone.localdate() - datetime.timedelta(days=40))
    c = client_for(client, tkit.clerk)
    assert "回执逾期，应催问" not in c.get("/").content.decode()  # the daily task has not reported it yet
    services.receipt_overdue_sweep()
    home = c.get("/").content.decode()
    assert "回执逾期，应催问" in home and t.notice_number in home
    page = c.post(
        reverse("transfers:action", args=[t.pk, "chase"]),
        {"chased_on": timezone.localdate().isoformat(), "method": "letter", "note": "去函催问"},
    )
    assert page.status_code == 302
    assert "已催问1次" in c.get("/").content.decode()


def test_other_units_and_other_roles_get_404_or_403(client, tkit):
    t = tkit.submitted()
    c = client_for(client, tkit.county_clerk)
    assert c.get(reverse("transfers:detail", args=[t.pk])).status_code == 404
    assert (
        c.post(reverse("transfers:action", args=[t.pk, "cancel"]), {"cancel-reason": "x"}).status_code == 404
    )
    assert c.get(reverse("transfers:notice-pdf", args=[t.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=tkit.county_clerk).exists()
    c.logout()
    c = client_for(client, tkit.reviewer)
    assert c.get(reverse("transfers:desk")).status_code == 403
    c.logout()
    c = client_for(client, tkit.clerk)
    assert c.get(reverse("transfers:inbox")).status_code == 403


def test_intake_pages_register_refuse_return_accept_and_review(client, tkit):
    c = client_for(client, tkit.clerk)
    assert c.get(reverse("transfers:intake-desk")).status_code == 200
    assert c.get(reverse("transfers:intake-new")).status_code == 200
    data = {
        k: ("1" if v is True else "0" if v is False else v) for k, v in intake_data(received_main=0).items()
    }
    data["birth_date"] = "1985-04-02"
    data["received_on"] = timezone.localdate().isoformat()
    response = c.post(reverse("transfers:intake-new"), data)
    intake = Intake.objects.get()
    page = c.get(response["Location"]).content.decode()
    assert "不能接收，应退回" in page and "正本数量与转递通知单不符" in page and "验收接收" not in page
    page = c.post(reverse("transfers:intake-action", args=[intake.pk, "accept"]), {"archive_no": "QS30001"})
    assert page.status_code == 400 and "正本数量与转递通知单不符" in page.content.decode()
    c.post(reverse("transfers:intake-action", args=[intake.pk, "return"]), {"note": ""})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.RETURNED
    letter = c.get(reverse("transfers:intake-pdf", args=[intake.pk, "return"]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    # A second, matching delivery is accepted into a new archive and reviewed.
    data["received_main"] = "1"
    c.post(reverse("transfers:intake-new"), data)
    intake = Intake.objects.exclude(status=IntakeStatus.RETURNED).get()
    page = c.post(
        reverse("transfers:intake-action", args=[intake.pk, "accept"]),
        {"archive_no": "", "cadre_unit": str(tkit.org.city_bureau.pk), "management_level": "municipal"},
    )
    assert page.status_code == 400 and "请填写档号。" in page.content.decode()
    c.post(
        reverse("transfers:intake-action", args=[intake.pk, "accept"]),
        {
            "archive_no": "QS30001",
            "cadre_unit": str(tkit.org.city_bureau.pk),
            "management_level": "municipal",
        },
    )
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.ACCEPTED and intake.archive.archive_no == "QS30001"
    assert c.get(reverse("transfers:intake-pdf", args=[intake.pk, "receipt"])).status_code == 200
    page = c.post(
        reverse("transfers:intake-action", args=[intake.pk, "alteration"]), {"material_label": "1-1 履历表"}
    )
    assert page.status_code == 400 and "请填写涂改项目" in page.content.decode()
    c.post(
        reverse("transfers:intake-action", args=[intake.pk, "alteration"]),
        {"material_label": "1-1 干部履历表", "field_name": "出生日期", "description": "年份有改动"},
    )
    c.post(reverse("transfers:intake-action", args=[intake.pk, "submit-review"]), {"note": ""})
    c.logout()
    r = client_for(client, tkit.reviewer)
    assert intake.name in r.get(reverse("transfers:intake-confirm-list")).content.decode()
    r.post(reverse("transfers:intake-action", args=[intake.pk, "confirm"]), {"opinion": "属实"})
    r.logout()
    c = client_for(client, tkit.clerk)
    assert c.get(reverse("transfers:intake-pdf", args=[intake.pk, "alterations"])).status_code == 200
    c.post(reverse("transfers:intake-action", args=[intake.pk, "file"]))
    intake.refresh_from_db()
    assert intake.review_status == IntakeReviewStatus.FILED and intake.record_material.category.code == "5"


def test_incoming_transfer_of_this_system_on_the_receivers_desk(client, tkit):
    t = tkit.sent()
    c = client_for(client, tkit.county_clerk)
    desk = c.get(reverse("transfers:intake-desk")).content.decode()
    assert t.notice_number in desk
    form = c.get(reverse("transfers:intake-new"), {"transfer": t.pk}).content.decode()
    assert tkit.org.city_org.name in form
    response = c.post(
        reverse("transfers:intake-new") + f"?transfer={t.pk}",
        {
            "transfer": str(t.pk),
            "channel": "confidential",
            "confidential_no": t.tracking_no,
            "received_on": timezone.localdate().isoformat(),
            "received_main": "1",
            "received_duplicate": "1",
            "received_loose": "0",
            "seal_intact": "1",
            "name": t.cadre_name,
        },
    )
    intake = Intake.objects.get()
    assert response.status_code == 302 and intake.transfer == t and intake.stated_counts == (1, 1, 0)
    c.post(reverse("transfers:intake-action", args=[intake.pk, "accept"]))
    t.refresh_from_db()
    assert t.status == TransferStatus.RECEIVED
    # A clerk of another unit cannot take someone else's incoming transfer.
    c.logout()
    other = client_for(client, tkit.clerk2)
    assert other.get(reverse("transfers:intake-new"), {"transfer": t.pk}).status_code == 404


def test_intake_of_another_unit_is_hidden(client, tkit):
    intake = intake_services.intake_register(
        by=tkit.clerk, holding_unit=tkit.org.city_org, data=intake_data()
    )
    c = client_for(client, tkit.county_clerk)
    assert c.get(reverse("transfers:intake-detail", args=[intake.pk])).status_code == 404


def test_the_archive_page_leads_to_its_transfer(client, tkit):
    c = client_for(client, tkit.clerk)
    page = c.get(reverse("archives:detail", args=[tkit.archive.pk])).content.decode()
    assert reverse("transfers:new", args=[tkit.archive.pk]) in page
    t = tkit.draft()
    response = c.get(reverse("transfers:new", args=[tkit.archive.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("transfers:detail", args=[t.pk])
