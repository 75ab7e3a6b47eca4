"""The printed forms: the three-part transfer notice (docs/domain.md 4.3), the intake receipt, the return letter and
the alteration record. The text is read back with pypdf; each PDF is also rendered with pdftoppm into
test-artifacts/pdf/ so that a person can look at it."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from borrowing.transfers import intake as intake_services
from borrowing.transfers import pdf, services
from tests.borrowing.test_intake_services import accept_new, intake_data

pytestmark = pytest.mark.django_db
OUT = Path(settings.TEST_ARTIFACTS_DIR) / "pdf"


def text_of(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", ""), len(
        reader.pages
    )


def keep(name: str, data: bytes) -> None:
    """Write the PDF and a 110-dpi PNG of each page (when pdftoppm is installed) for a look by eye."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.pdf"
    path.write_bytes(data)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "110", "-png", str(path), str(OUT / name)], check=True, timeout=60)


def test_transfer_notice_has_stub_notice_and_receipt_on_one_sheet(tkit):
    t = tkit.sent(reason="调出（调任测试县委常委）")
    data = pdf.transfer_notice(t)
    keep("transfer-notice", data)
    text, pages = text_of(data)
    assert pages == 1
    assert data.startswith(b"%PDF")
    # Three parts, each with the same unique number.
    assert "（存根）" in text and "（回执）" in text
    assert text.count(t.notice_number) >= 3
    # Stub: who, from where to where, the table columns, the basis and the channel.
    assert f"由{tkit.org.city_org.name}转至{tkit.org.county_org.name}" in text
    for column in ("姓名", "单位及职务", "转递原因", "正本（卷）", "副本（卷）", "材料（份）"):
        assert column in text
    assert "测组干〔2026〕15号" in text and "机要号：JY20260001" in text
    # Notice: addressed to the receiver, asking to check against the directory and return the receipt.
    assert f"{tkit.org.county_org.name}：" in text
    assert "请按档案目录清点查收，并将回执及时退回" in text
    # Receipt: addressed to the sender, "all received".
    assert "已全部收到" in text and "签收人" in text
    assert "正本1卷、副本1卷、材料0份" in text
    assert "未经批准" not in text


def test_a_notice_printed_before_approval_is_marked_not_to_be_used(tkit):
    t = tkit.noticed()
    text, _ = text_of(pdf.transfer_notice(t))
    assert "未经批准" in text and t.notice_number in text


def test_intake_receipt_return_letter_and_alteration_record(tkit):
    intake = accept_new(
        tkit,
        intake_services.intake_register(by=tkit.clerk, holding_unit=tkit.org.city_org, data=intake_data()),
    )
    data = pdf.intake_receipt(intake)
    keep("intake-receipt", data)
    text, _ = text_of(data)
    assert "干部人事档案回执" in text and "外组档字第88号" in text and "已全部收到" in text
    assert "中共外省某市委组织部：" in text

    returned = intake_services.intake_register(
        by=tkit.clerk,
        holding_unit=tkit.org.city_org,
        data=intake_data(name="孙退回", received_main=0, id_number=""),
    )
    returned = intake_services.intake_return(intake=returned, by=tkit.clerk, note="档案袋未加盖骑缝章")
    data = pdf.intake_return_letter(returned)
    keep("intake-return", data)
    text, _ = text_of(data)
    assert "干部人事档案退回函" in text and "通知单1卷，实收0卷" in text and "骑缝章" in text

    intake_services.alteration_add(
        intake=intake,
        by=tkit.clerk,
        data={
            "material_label": "1-1 干部履历表（1999年版）",
            "field_name": "出生日期",
            "before_text": "1985.04",
            "after_text": "1986.04",
            "description": "“5”改为“6”，有刮擦痕迹",
        },
    )
    intake = intake_services.review_submit(intake=intake, by=tkit.clerk)
    intake = intake_services.review_confirm(intake=intake, by=tkit.reviewer, opinion="经核实，登记属实。")
    data = pdf.alteration_record(intake)
    keep("alteration-record", data)
    text, _ = text_of(data)
    assert "档案涂改情况登记表" in text and "出生日期" in text and "刮擦痕迹" in text
    assert "经核实，登记属实" in text and tkit.reviewer.full_name in text


def test_notice_date_is_the_sending_day(tkit):
    t = tkit.sent()
    text, _ = text_of(pdf.transfer_notice(t))
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in text
    assert services.check_transfer(t) == []
