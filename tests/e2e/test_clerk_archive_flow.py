"""The clerk's day in Chromium: find a cadre by pinyin initials, open the archive, file a received material,
upload a scanned page and see it in the directory; and the pages around it."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from archives import services
from archives.models import Material, MaterialCategory, MaterialKind, Page
from tests import factories

pytestmark = pytest.mark.browser


def scan_file(tmp_path, name="page1.jpg", dpi=300, text="年度考核登记表"):
    image = Image.new("RGB", (1240, 1754), (252, 250, 244))
    draw = ImageDraw.Draw(image)
    from archives.watermark import font

    draw.text((420, 150), text, font=font(60), fill=(20, 20, 20))
    for y in range(320, 1400, 90):
        draw.rectangle((120, y, 1120, y + 90), outline=(60, 60, 60), width=2)
    path = tmp_path / name
    image.save(path, format="JPEG", dpi=(dpi, dpi), quality=85)
    return path


@pytest.fixture
def clerk_archive(demo):
    units, users = demo["units"], demo["users"]
    holding = units["QS-ZZB"]
    archive = factories.archive(
        holding_unit=holding,
        cadre_obj=factories.cadre(unit=units["QS-CZ"], name="曾国强", current_post="青山市财政局副局长"),
        archive_no="QS20001",
    )
    factories.archive(
        holding_unit=holding,
        cadre_obj=factories.cadre(unit=units["QS-JY"], name="李国庆"),
        archive_no="QS20002",
    )
    clerk = users["guandang"]
    services.archive_update(
        archive=archive,
        by=clerk,
        changes={"room": "一号库房", "cabinet": "03", "shelf": "2", "position": "5"},
    )
    for year in (2021, 2022, 2023):
        m, _ = services.material_receive(
            by=clerk,
            archive=archive,
            data={
                "category": MaterialCategory.objects.get(code="3"),
                "kind": MaterialKind.objects.get(code="annual_appraisal"),
                "title": f"{year}年度公务员年度考核登记表",
                "formed_year": year,
                "formed_month": 12,
                "formed_day": 20,
                "page_count": 2,
                "received_date": datetime.date(year + 1, 1, 10),
                "producing_unit": "青山市财政局",
            },
        )
        services.material_identify(material=m, by=clerk)
        services.material_file(material=m, by=clerk)
    received, _ = services.material_receive(
        by=clerk,
        archive=archive,
        data={
            "category": MaterialCategory.objects.get(code="3"),
            "kind": MaterialKind.objects.get(code="annual_appraisal"),
            "title": "2024年度公务员年度考核登记表",
            "formed_year": 2024,
            "formed_month": 12,
            "formed_day": 22,
            "page_count": 1,
            "received_date": datetime.date(2025, 1, 8),
            "producing_unit": "青山市财政局",
        },
    )
    return archive, received


def test_clerk_files_a_received_material_and_uploads_a_page(
    page, live_server, login, demo, clerk_archive, screenshot, tmp_path
):
    archive, received = clerk_archive
    login("guandang", demo["password"])
    page.get_by_role("link", name="干部档案", exact=True).click()
    page.fill("input[name=q]", "zgq")
    page.get_by_test_id("search-submit").click()
    rows = page.get_by_test_id("archive-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("曾国强")
    screenshot("clerk-01-search-initials")

    page.get_by_test_id("archive-link").first.click()
    expect(page.get_by_test_id("archive-title")).to_contain_text("曾国强")
    expect(page.get_by_test_id("category-1")).to_contain_text("一、履历类材料")
    expect(page.get_by_test_id("category-94")).to_contain_text("九-4 会议代表材料")
    expect(page.get_by_test_id("archive-location")).to_have_text("一号库房03柜2层5格")
    screenshot("clerk-02-archive-page")

    page.get_by_test_id("tab-intake").click()
    intake_row = page.get_by_test_id("intake-row").filter(has_text="2024年度公务员年度考核登记表")
    intake_row.get_by_test_id("identify").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("鉴别通过，可以归档")).to_be_visible()
    screenshot("clerk-03-identified")
    page.get_by_test_id("intake-row").filter(has_text="2024年度").get_by_test_id("file").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已归档，顺序号 3-4")).to_be_visible()
    row = page.get_by_test_id("material-row").filter(has_text="2024年度公务员年度考核登记表")
    expect(row.get_by_test_id("seq")).to_have_text("3-4")
    expect(row).to_contain_text("未扫描")
    screenshot("clerk-04-filed")

    row.get_by_role("link", name="2024年度公务员年度考核登记表").click()
    expect(page.get_by_test_id("material-seq")).to_have_text("3-4")
    expect(page.get_by_test_id("no-pages")).to_be_visible()
    page.set_input_files("[data-testid=scan-input]", str(scan_file(tmp_path)))
    page.get_by_test_id("upload-submit").click()
    page.wait_for_selector("[data-testid=viewer-image]", timeout=20000)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=viewer-image]'); return i && i.complete && i.naturalWidth > 0; }"
    )
    expect(page.get_by_test_id("viewer-label")).to_contain_text("第 1 页")
    screenshot("clerk-05-uploaded-viewer")
    assert Page.objects.filter(material=received).count() == 1
    assert Page.objects.get(material=received).rendition_status == "ready"

    page.get_by_role("link", name=re.compile("QS20001")).first.click()
    row = page.get_by_test_id("material-row").filter(has_text="2024年度公务员年度考核登记表")
    expect(row.get_by_test_id("scan-toggle")).to_contain_text("1 页")
    row.get_by_test_id("scan-toggle").click()
    thumb = page.locator(f"#thumbs-{received.pk} img[data-testid=thumb]")
    expect(thumb).to_be_visible()
    page.wait_for_function(
        f"() => {{ const i = document.querySelector('#thumbs-{received.pk} img'); return i && i.complete && i.naturalWidth > 0; }}"
    )
    screenshot("clerk-06-directory-with-scan")
    history = page.get_by_test_id("tab-history")
    history.click()
    expect(page.get_by_test_id("history-table")).to_contain_text("材料归档")
    screenshot("clerk-07-history")


def test_bad_uploads_are_refused_in_the_browser(
    page, live_server, login, demo, clerk_archive, screenshot, tmp_path
):
    archive, _ = clerk_archive
    material = Material.objects.filter(archive=archive, status="filed").order_by("seq").first()
    login("guandang", demo["password"])
    page.goto(f"{live_server.url}/archives/materials/{material.pk}/")
    low = scan_file(tmp_path, "low.jpg", dpi=72)
    fake = tmp_path / "fake.jpg"
    fake.write_text("这是一个改了扩展名的文本文件", encoding="utf-8")
    page.set_input_files("[data-testid=scan-input]", [str(low), str(fake)])
    page.get_by_test_id("upload-submit").click()
    error = page.get_by_test_id("upload-error")
    expect(error).to_contain_text("low.jpg")
    expect(error).to_contain_text("72 dpi")
    expect(error).to_contain_text("fake.jpg")
    expect(error).to_contain_text("不是有效的图像文件")
    screenshot("clerk-08-upload-refused")
    assert not Page.objects.filter(material=material).exists()


def test_viewer_pages_through_a_material(page, live_server, login, demo, clerk_archive, screenshot, tmp_path):
    archive, _ = clerk_archive
    material = Material.objects.filter(archive=archive, status="filed").order_by("seq").first()
    clerk = demo["users"]["guandang"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = []
    for n in (1, 2):
        buf = io.BytesIO()
        Image.open(scan_file(tmp_path, f"p{n}.jpg", text=f"第{n}页")).save(buf, format="JPEG", dpi=(300, 300))
        files.append(SimpleUploadedFile(f"p{n}.jpg", buf.getvalue()))
    services.pages_upload(material=material, by=clerk, files=files)
    login("guandang", demo["password"])
    page.goto(f"{live_server.url}/archives/materials/{material.pk}/")
    expect(page.get_by_test_id("viewer-label")).to_contain_text("第 1 页（1 / 2）")
    page.get_by_test_id("viewer-next").click()
    expect(page.get_by_test_id("viewer-label")).to_contain_text("第 2 页（2 / 2）")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=viewer-image]'); return i.complete && i.naturalWidth > 0; }"
    )
    expect(page.get_by_test_id("viewer-next")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("viewer-label")).to_contain_text("第 1 页")
    screenshot("clerk-09-viewer")


def test_clerk_reorders_the_directory(page, live_server, login, demo, clerk_archive, screenshot):
    archive, _ = clerk_archive
    login("guandang", demo["password"])
    page.goto(f"{live_server.url}/archives/{archive.pk}/")
    first = page.get_by_test_id("material-row").filter(has_text="2021年度公务员年度考核登记表")
    expect(first.get_by_test_id("seq")).to_have_text("3-1")
    first.get_by_title("下移").click()
    expect(page.get_by_text("已调整顺序")).to_be_visible()
    moved = page.get_by_test_id("material-row").filter(has_text="2021年度公务员年度考核登记表")
    expect(moved.get_by_test_id("seq")).to_have_text("3-2")
    page.get_by_test_id("tab-history").click()
    expect(page.get_by_test_id("history-table")).to_contain_text("手工调整顺序")
    screenshot("clerk-10-reordered")
