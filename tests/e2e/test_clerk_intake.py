"""Intake, registration and roster import in Chromium: the forms a clerk fills in, with their errors."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from archives import imports
from archives.models import Archive, Material, ReceiptBatch
from core.idcard import make_id_number
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def holdings(demo):
    units = demo["units"]
    a = factories.archive(
        holding_unit=units["QS-ZZB"],
        cadre_obj=factories.cadre(unit=units["QS-CZ"], name="单晓东"),
        archive_no="QS30001",
    )
    b = factories.archive(
        holding_unit=units["QS-ZZB"],
        cadre_obj=factories.cadre(
            unit=units["QS-JY"], name="仇红梅", sex="2", birth=datetime.date(1980, 5, 5)
        ),
        archive_no="QS30002",
    )
    return a, b


def test_clerk_registers_a_receipt_batch_and_files_it(page, live_server, login, demo, holdings, screenshot):
    login("guandang", demo["password"])
    page.get_by_role("link", name="零散材料接收", exact=True).click()
    expect(page.get_by_test_id("batch-table")).to_contain_text("暂无接收批次")
    screenshot("clerk-intake-01-empty")
    page.get_by_test_id("new-batch").click()
    page.fill("#id_producing_unit", "青山市财政局")
    page.fill("#id_delivered_by", "刘洋")
    first = page.locator("[data-item]").nth(0)
    first.locator("input[data-field=archive_no]").fill("QS30001")
    first.locator("select[data-field=kind]").select_option(label="年度考核登记表")
    expect(first.locator("select[data-field=category]")).to_have_value(
        str(
            __import__("archives.models", fromlist=["MaterialCategory"])
            .MaterialCategory.objects.get(code="3")
            .pk
        )
    )
    expect(first.locator("input[data-field=title]")).to_have_value("年度考核登记表")
    first.locator("input[data-field=title]").fill("2025年度公务员年度考核登记表")
    first.locator("input[data-field=formed_year]").fill("2025")
    first.locator("input[data-field=formed_month]").fill("12")
    first.locator("input[data-field=formed_day]").fill("28")
    first.locator("input[data-field=page_count]").fill("2")
    page.get_by_test_id("add-item").click()
    second = page.locator("[data-item]").nth(1)
    expect(second).to_contain_text("第 2 份材料")
    second.locator("input[data-field=archive_no]").fill("QS30002")
    second.locator("select[data-field=kind]").select_option(label="毕业证书、学位证书复印件")
    second.locator("input[data-field=formed_year]").fill("2002")
    second.locator("input[data-field=formed_month]").fill("7")
    second.locator("input[data-field=page_count]").fill("1")
    second.locator("input[data-field=is_copy]").check()
    screenshot("clerk-intake-02-form")
    page.get_by_test_id("save").click()
    expect(page.get_by_text("已登记接收批次")).to_be_visible()
    expect(
        page.get_by_text("第2项：材料形成后")
    ).to_be_visible()  # the 2002 copy came years after it was formed
    expect(
        page.get_by_text("第2项：复印件须注明复制时间")
    ).to_be_visible()  # recorded, but cannot be accepted
    items = page.get_by_test_id("batch-item")
    expect(items).to_have_count(2)
    screenshot("clerk-intake-03-batch")
    items.nth(1).locator("input[name=reason]").fill("复印件未加盖公章，退回补盖")
    items.nth(1).get_by_role("button", name="退回").click()
    expect(page.get_by_text("已退回送交单位")).to_be_visible()
    page.get_by_test_id("batch-item").nth(0).get_by_test_id("identify").click()
    page.get_by_test_id("file-all").click()
    expect(page.get_by_text("已归档 1 份材料")).to_be_visible()
    screenshot("clerk-intake-04-done")
    batch = ReceiptBatch.objects.get()
    assert batch.status == "done"
    assert set(Material.objects.values_list("status", flat=True)) == {"filed", "returned"}


def test_registration_form_shows_errors_next_to_fields(page, live_server, login, demo, screenshot):
    login("guandang", demo["password"])
    page.goto(f"{live_server.url}/archives/new/")
    page.fill("#id_c-name", "解晓明")
    page.select_option("#id_c-sex", "1")
    page.fill("#id_c-birth_date", "1983-06-07")
    good = make_id_number("361102", datetime.date(1983, 6, 7), 7, "1")
    page.fill("#id_c-id_number", good[:17] + ("0" if good[17] != "0" else "1"))
    page.select_option("#id_c-unit", label="青山市财政局")
    page.fill("#id_a-archive_no", "QS40001")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-id_number")).to_contain_text("校验位")
    screenshot("clerk-register-01-error")
    page.fill("#id_c-id_number", good)
    page.fill("#id_c-work_start_date", "2005-07-01")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("archive-title")).to_contain_text("解晓明")
    screenshot("clerk-register-02-done")
    assert Archive.objects.get(archive_no="QS40001").cadre.name_pinyin == "xiexiaoming"


def test_roster_import_with_a_bad_row_imports_nothing(page, live_server, login, demo, screenshot, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([c.title + ("*" if c.required else "") for c in imports.COLUMNS])
    for n, sex in ((1, "男"), (2, "不详")):
        birth = datetime.date(1985, 3, n)
        values = {
            "archive_no": f"QS5000{n}",
            "name": f"名册{n}",
            "sex": sex,
            "birth_date": birth,
            "id_number": make_id_number("361102", birth, n, "1"),
            "unit": "青山市财政局",
        }
        ws.append([values.get(c.key) for c in imports.COLUMNS])
    path = tmp_path / "名册.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    login("guandang", demo["password"])
    page.get_by_role("link", name="名册导入", exact=True).click()
    page.set_input_files("[data-testid=import-file]", str(path))
    page.get_by_test_id("import-submit").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("第3行“性别”")
    expect(page.get_by_text("未导入任何数据").first).to_be_visible()
    screenshot("clerk-import-01-bad-row")
    assert not Archive.objects.filter(archive_no__startswith="QS5000").exists()


def test_clerk_side_pages_open(page, live_server, login, demo, holdings, screenshot):
    login("guandang", demo["password"])
    for path, name, text in [
        ("/archives/pending/", "clerk-pending", "待归档材料"),
        ("/archives/late-handover/", "clerk-late-handover", "逾期移交统计"),
        (f"/archives/{holdings[0].pk}/edit/", "clerk-archive-edit", "档案位置、状态与保管"),
        (f"/archives/{holdings[0].pk}/cadre/", "clerk-cadre-edit", "修改干部信息"),
        (f"/archives/{holdings[0].pk}/cadre/family/", "clerk-family", "家庭主要成员及重要社会关系"),
        (f"/archives/{holdings[0].pk}/materials/new/", "clerk-material-new", "登记接收材料"),
        ("/", "clerk-home", "管档员工作台"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1").first).to_contain_text(text)
        screenshot(name)
