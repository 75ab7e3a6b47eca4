"""Transfer and intake in a real browser (Chromium through Playwright), with the demo accounts:

a clerk (guandang) prepares a transfer, numbers its notice and submits it; a reviewer (shenpi) approves it; the
clerk downloads the three-part notice PDF, sends the archive and records the receipt; the archive leaves the
active roster. Then the intake desk, the grading sheet and the year-end report, looked at as a clerk would.
"""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from accounts.models import ManagementLevel
from archives.models import Archive, ArchiveStatus, SortingStatus
from borrowing.models import Transfer, TransferStatus
from borrowing.transfers import intake as intake_services
from borrowing.transfers import services as transfer_services
from reviews import grading_services
from tests import factories
from tests.borrowing.test_intake_services import intake_data
from tests.borrowing.transfer_kit import filed

pytestmark = pytest.mark.browser
PDF_DIR = Path(settings.TEST_ARTIFACTS_DIR) / "pdf"


@pytest.fixture
def subject(demo):
    units = demo["units"]
    archive = factories.archive(
        holding_unit=units["QS-ZZB"],
        unit=units["QS-CZ"],
        level=ManagementLevel.MUNICIPAL,
        name="欧阳振华",
        archive_no="QS01999",
        current_post="青山市财政局副局长",
        birth=datetime.date(1980, 6, 18),
        work_start_date=datetime.date(2003, 7, 1),
        party_join_date=datetime.date(2002, 6, 1),
    )
    archive.sorting_status = SortingStatus.SORTED
    archive.duplicate_volumes = 1
    archive.save()
    filed(archive, "resume_1999", year=2003)
    filed(archive, "civil_servant_registration", year=2006)
    filed(archive, "party_admission", year=2002)
    filed(archive, "annual_appraisal", year=2024)
    return archive


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=home-title]")


def sign_out(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")


@pytest.fixture
def shot(page, screenshot):
    def take(name):
        page.evaluate("window.scrollTo(0, 0)")
        return screenshot(name)

    return take


def render(pdf: bytes, name: str) -> None:
    PDF_DIR.mkdir(parents=True, exist_ok=True)
    path = PDF_DIR / f"{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "100", "-png", str(path), str(PDF_DIR / name)], check=True, timeout=60
        )


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_clerk_prepares_reviewer_approves_notice_downloads_receipt_recorded(
    page, live_server, demo, subject, shot
):
    password = demo["password"]

    # 1. The clerk prepares the transfer: the archive, the basis document, the receiving unit, the channel.
    sign_in(page, live_server, "guandang", password)
    page.click("nav >> text=转递台")
    page.wait_for_selector("[data-testid=transfers]")
    page.click("[data-testid=new-transfer]")
    page.fill("[data-testid=pick-q]", "QS01999")
    page.press("[data-testid=pick-q]", "Enter")
    page.click("[data-testid=pick-archive]")
    page.wait_for_selector("[data-testid=transfer-form]")
    # First without the basis document: refused next to the field (转递理由不充分).
    page.fill("#id_reason", "调出（调任江州市）")
    page.fill("#id_to_unit_name", "中共江州市委组织部")
    page.fill("#id_to_phone", "0791-8888123")
    page.select_option("#id_channel", value="confidential")
    page.fill("#id_tracking_no", "JY2026-1108")
    page.click("[data-testid=transfer-save]")
    page.wait_for_selector("[data-testid=error-basis_kind]")
    assert "转递理由不充分" in page.inner_text("[data-testid=error-basis_kind]")
    shot("transfer-01-form-refused")
    page.select_option("#id_basis_kind", value="transfer_notice")
    page.fill("#id_basis_doc_no", "青组干〔2026〕41号")
    page.fill("#id_basis_issuer", "中共青山市委组织部")
    page.fill("#id_basis_date", (timezone.localdate() - datetime.timedelta(days=3)).isoformat())
    shot("transfer-02-form")
    page.click("[data-testid=transfer-save]")
    page.wait_for_selector("[data-testid=four-rules]")
    assert page.get_attribute("[data-testid=rule-NO_TRANSFER_NOTICE]", "data-ok") == "0"
    assert page.get_attribute("[data-testid=rule-FILE_DISORDERED]", "data-ok") == "1"
    shot("transfer-03-draft")
    page.click("[data-testid=generate-notice]")
    page.wait_for_selector("[data-testid=notice-number]")
    notice = page.inner_text("[data-testid=notice-number]")
    assert notice.startswith("青组档字第") and notice.endswith("号")
    page.click("[data-testid=submit-transfer]")
    page.wait_for_selector("text=已提交审批")
    assert "待审批" in page.inner_text("[data-testid=transfer-status]")
    shot("transfer-04-submitted")
    sign_out(page)

    # 2. The reviewer sees it on the home page and approves it.
    sign_in(page, live_server, "shenpi", password)
    assert page.inner_text("[data-testid=panel-transfer-count]") == "1"
    shot("transfer-05-reviewer-home")
    page.click("nav >> text=转递审批")
    page.wait_for_selector("[data-testid=awaiting-approval]")
    page.click("[data-testid=open-transfer]")
    page.wait_for_selector("[data-testid=decide]")
    shot("transfer-06-review")
    page.click("[data-testid=approve-transfer]")
    page.wait_for_selector("text=已批准转递")
    assert "已批准待转出" in page.inner_text("[data-testid=transfer-status]")
    sign_out(page)

    # 3. The clerk prints the notice (stub, notice, receipt), sends the archive and records the receipt.
    sign_in(page, live_server, "guandang", password)
    transfer = Transfer.objects.get(archive=subject)
    page.goto(f"{live_server.url}/borrowing/transfers/{transfer.pk}/")
    with page.expect_download() as download:
        page.click("[data-testid=notice-pdf]")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = (
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")
    )
    assert (
        text.count(notice) >= 3 and "（存根）" in text and "（回执）" in text and "中共江州市委组织部" in text
    )
    render(pdf, "e2e-transfer-notice")
    page.click("[data-testid=send-transfer]")
    page.wait_for_selector("[data-testid=receipt-form]")
    assert "已转出待回执" in page.inner_text("[data-testid=transfer-status]")
    assert Archive.objects.get(pk=subject.pk).status == ArchiveStatus.TRANSFERRING
    shot("transfer-07-sent")
    page.fill("#id_recipient", "江州市委组织部 周敏")
    page.set_input_files(
        "#id_scan", files=[{"name": "回执.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.click("[data-testid=record-receipt]")
    page.wait_for_selector("[data-testid=receipt-info]")
    assert "已收回执" in page.inner_text("[data-testid=transfer-status]")
    shot("transfer-08-received")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED and transfer.receipt_scan

    # 4. The archive has left the active roster; it is found as 已转出 and in the transfer-out register.
    page.click("nav >> text=干部档案")
    page.wait_for_load_state("networkidle")
    assert "QS01999" not in page.inner_text("main")
    page.goto(f"{live_server.url}/archives/?status=transferred_out")
    assert "QS01999" in page.inner_text("main")
    shot("transfer-09-roster-transferred-out")
    page.click("nav >> text=转出登记")
    page.wait_for_selector("[data-testid=register]")
    assert notice in page.inner_text("[data-testid=register]")
    shot("transfer-10-register")


def test_clerk_pages_intake_grading_and_report(page, live_server, demo, subject, shot):
    """The intake desk with a delivery that does not match its notice, the intake review, the grading sheet with a
    refused deduction, and the year-end report: what a clerk sees, captured for review."""
    users, units = demo["users"], demo["units"]
    clerk, reviewer = users["guandang"], users["shenpi"]
    city = units["QS-ZZB"]
    bad = intake_services.intake_register(
        by=clerk, holding_unit=city, data=intake_data(name="熊文彬", received_duplicate=0, id_number="")
    )
    good = intake_services.intake_register(by=clerk, holding_unit=city, data=intake_data(name="程立远"))
    good = intake_services.intake_accept(
        intake=good, by=clerk, archive_no="QS09101", cadre_unit=units["QS-FGW"], management_level="municipal"
    )
    intake_services.alteration_add(
        intake=good,
        by=clerk,
        data={
            "material_label": "1-1 干部履历表（1999年版）",
            "field_name": "出生日期",
            "before_text": "1985.04",
            "after_text": "1984.04",
            "description": "年份有刮擦改写痕迹",
        },
    )
    sent = transfer_services.transfer_create(
        archive=subject,
        by=clerk,
        data={
            "basis_kind": "appointment",
            "basis_doc_no": "青任〔2026〕9号",
            "basis_date": timezone.localdate(),
            "reason": "交流任职",
            "to_unit": units["NL-ZZB"],
            "channel": "collection",
            "collectors": ["何立新", "孔祥瑞"],
            "main_volumes": 1,
            "duplicate_volumes": 1,
        },
    )
    transfer_services.transfer_generate_notice(transfer=sent, by=clerk)
    transfer_services.transfer_submit(transfer=sent, by=clerk)
    transfer_services.transfer_approve(transfer=sent, by=reviewer)
    transfer_services.transfer_send(transfer=sent, by=clerk)
    today = timezone.localdate()
    grading = grading_services.grading_create(
        archive=Archive.objects.get(archive_no="QS09101"),
        by=clerk,
        data={
            "submitting_unit": units["DH-ZZB"],
            "post": "青山市发展和改革委员会副主任",
            "appointed_on": today - datetime.timedelta(days=30),
            "submitted_on": today,
        },
    )

    sign_in(page, live_server, "guandang", demo["password"])
    page.goto(f"{live_server.url}/borrowing/intakes/{bad.pk}/")
    page.wait_for_selector("[data-testid=intake-problems]")
    assert "副本数量与转递通知单不符" in page.inner_text("[data-testid=intake-problems]")
    assert page.locator("[data-testid=accept-intake]").count() == 0
    shot("intake-01-mismatch")
    page.click("[data-testid=return-intake]")
    page.wait_for_selector("[data-testid=intake-return-pdf]")
    shot("intake-02-returned")
    page.goto(f"{live_server.url}/borrowing/intakes/{good.pk}/")
    page.wait_for_selector("[data-testid=alteration-form]")
    shot("intake-03-review")
    page.click("nav >> text=档案接收")
    page.wait_for_selector("[data-testid=intakes]")
    shot("intake-04-desk")

    page.goto(f"{live_server.url}/reviews/gradings/{grading.pk}/")
    page.wait_for_selector("[data-testid=grading-sheet]")
    page.fill("input[name=d-9]", "3")
    page.fill("input[name=p-9]", "缺两份培训材料")
    page.fill("input[name=d-8]", "2")
    page.fill("input[name=p-8]", "缺学士学位授予材料")
    page.click("[data-testid=save-grading]")
    page.wait_for_selector("[data-testid=line-error-9]")
    assert "不得超过该项分值" in page.inner_text("[data-testid=line-error-9]")
    shot("grading-01-refused")
    page.fill("input[name=d-9]", "1")
    page.click("[data-testid=sign-initial]")
    page.wait_for_selector("text=已初审签字")
    assert page.inner_text("[data-testid=score]") == "97.0"
    shot("grading-02-signed")
    page.click("nav >> text=评分年终通报")
    page.wait_for_selector("[data-testid=report]")
    shot("grading-03-report")
    page.goto(f"{live_server.url}/")
    shot("clerk-home")
