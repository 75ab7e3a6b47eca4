"""The pre-appointment review in a real browser (Chromium through Playwright), with the demo reviewer shenpi:

he opens a case from his list, sees the birth-date flag (the League admission form states an earlier birth date
than the appointment form), opens that material in the watermarked viewer, records 暂缓 with a remark, and cannot
mark the case 可提交部务会 (the button is disabled with the reasons shown, and a forced POST is refused). Also the
statistics page draws its charts from the vendored Chart.js.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from archives.models import Material, Page
from reviews import services
from reviews.models import CaseStatus, ReviewCase
from tests.reviews.conftest import clean_archive

pytestmark = pytest.mark.browser
D = datetime.date


def scan(material: Material, number: int) -> Page:
    image = Image.new("RGB", (1240, 1754), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 1140, 1654), outline=(40, 40, 40), width=4)
    draw.rectangle((150, 300, 1090, 380), outline=(40, 40, 40), width=2)
    out = io.BytesIO()
    image.save(out, "JPEG", dpi=(150, 150))
    data = out.getvalue()
    page = Page(
        material=material,
        number=number,
        sha256="0" * 64,
        width=1240,
        height=1754,
        dpi=150,
        color_mode="RGB",
        image_format="JPEG",
        size_bytes=len(data),
    )
    page.image = default_storage.save(page.storage_key("jpg"), ContentFile(data))
    page.save()
    return page


@pytest.fixture
def case(demo):
    units, users = demo["units"], demo["users"]
    archive = clean_archive(
        units["QS-ZZB"], unit=units["QS-CZ"], name="林国栋", current_post="青山市财政局局长"
    )
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    league.stated_birth_date = D(1974, 3, 15)  # one year earlier than every other material
    league.save()
    scan(league, 1)
    scan(league, 2)
    return services.case_open(
        archive=archive,
        proposed_post="青山市人民政府副秘书长（正处级）",
        post_to_remove="青山市财政局局长",
        requesting_unit=units["QS-CZ"],
        reviewer=users["shenpi"],
        by=users["shenpi"],
        reason="工作需要",
    )


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=home-title]")


def test_reviewer_postpones_a_flagged_case_and_cannot_send_it_to_the_meeting(
    page, live_server, demo, case, screenshot
):
    sign_in(page, live_server, "shenpi", demo["password"])
    assert page.locator("[data-testid=review-panel]").is_visible()
    assert page.inner_text("[data-testid=panel-open-flags]") == "2"
    screenshot("review-home")
    page.click("nav >> text=任前审核")
    page.wait_for_selector("[data-testid=case-table]")
    screenshot("review-case-list")
    page.click("[data-testid=case-link]:has-text('林国栋')")
    page.wait_for_selector("[data-testid=case-title]")

    # The birth-date flag, with the materials it comes from.
    flag = page.locator("[data-testid=flag][data-code=BIRTHDATE_NOT_EARLIEST]")
    assert flag.is_visible()
    assert "1974.03.15" in flag.inner_text() and "1975.03.15" in flag.inner_text()
    assert page.locator("[data-testid=ready-reasons]").is_visible()
    screenshot("review-case-flags")

    # Open the League admission form in the watermarked viewer.
    flag.locator("[data-testid=flag-material]:has-text('入团志愿书')").click()
    page.wait_for_selector("[data-testid=viewer]")
    assert "中国共产主义青年团入团志愿书" in page.inner_text("[data-testid=material-title]")
    assert page.inner_text("[data-testid=stated-birth]") == "1974.03.15"
    first = page.locator("[data-testid=page-image]").first
    first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=page-image]'); return i && i.complete && i.naturalWidth > 0; }"
    )
    assert "/archives/pages/" in first.get_attribute("src")
    screenshot("review-material-viewer", full_page=False)
    page.go_back()
    page.wait_for_selector("[data-testid=case-title]")

    # 通过 is refused while the flags are open: the reason is shown next to the form.
    form = page.locator("[data-testid=archive-review-form]")
    form.locator("#result-pass").check()
    form.locator("[data-testid=archive-review-submit]").click()
    page.wait_for_selector("[data-testid=archive-review-error]")
    assert "只能选择“暂缓”或“不通过”" in page.inner_text("[data-testid=archive-review-error]")
    assert ReviewCase.objects.get(pk=case.pk).archive_review_result == ""

    # 暂缓 with a remark.
    form = page.locator("[data-testid=archive-review-form]")
    form.locator("#result-postpone").check()
    form.locator("textarea[name=remarks]").fill(
        "入团志愿书与任免审批表记载的出生日期不一致，待调阅户籍底册核实。"
    )
    form.locator("[data-testid=archive-review-submit]").click()
    page.wait_for_selector("[data-testid=result-postpone]")
    assert "已登记档案审核结论：暂缓" in page.inner_text("#messages")
    assert ReviewCase.objects.get(pk=case.pk).archive_review_result == "postpone"

    # Cannot be marked 可提交部务会: disabled, with the reasons; a forced POST is refused too.
    button = page.locator("[data-testid=mark-ready]")
    assert button.is_disabled()
    reasons = page.inner_text("[data-testid=ready-reasons]")
    assert "凡提四必未完成" in reasons and "暂缓" in reasons and "未核准前一律暂缓" in reasons
    screenshot("review-case-postponed")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = page.request.post(
        f"{live_server.url}/reviews/{case.pk}/mark-ready/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )
    assert response.status == 400 and "凡提四必未完成" in response.text()
    assert ReviewCase.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_statistics_page_draws_charts(page, live_server, demo, case, screenshot):
    sign_in(page, live_server, "shenpi", demo["password"])
    page.goto(f"{live_server.url}/reviews/statistics/")
    page.wait_for_selector("[data-testid=stat-age] canvas")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 6")
    assert page.inner_text("[data-testid=stat-total]") == "1"
    screenshot("review-statistics")


def test_birth_date_determined_and_flag_resolved(page, live_server, demo, case, screenshot):
    """shenpi2 proposes the birth-date determination from the flag, shenpi approves it; the flags are checked
    again and shenpi resolves the remaining one with the approved determination."""
    sign_in(page, live_server, "shenpi2", demo["password"])
    page.goto(f"{live_server.url}/reviews/{case.pk}/")
    flag = page.locator("[data-testid=flag][data-code=BIRTHDATE_NOT_EARLIEST]")
    # shenpi2 is not the case reviewer: no resolve form, but he may propose a determination.
    assert flag.is_visible() and flag.locator("form.resolve-form").count() == 0
    page.goto(
        f"{live_server.url}/reviews/{case.pk}/determinations/new/?flag={case.flags.get(code='BIRTHDATE_NOT_EARLIEST').pk}"
    )
    page.wait_for_selector("[data-testid=determination-form]")
    page.fill("#id_value_date", "1974-03-15")
    page.fill("#id_basis", "以形成最早的《入团志愿书》记载为准，经调阅原始户籍底册核实。")
    screenshot("review-determination-form")
    page.click("[data-testid=determination-submit]")
    page.wait_for_selector("[data-testid=case-title]")
    assert "认定已提出" in page.inner_text("#messages")
    page.click("text=退出")

    sign_in(page, live_server, "shenpi", demo["password"])
    page.goto(f"{live_server.url}/reviews/determinations/")
    page.click("[data-testid=pending-determinations] >> text=审批")
    page.wait_for_selector("[data-testid=decision-form]")
    screenshot("review-determination-approve")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=determination-status]:has-text('已批准')")
    page.goto(f"{live_server.url}/reviews/{case.pk}/")
    # The refresh ran (eagerly here): INCONSISTENT is settled by the determination; NOT_EARLIEST remains.
    assert (
        page.locator("[data-testid=flag][data-code=BIRTHDATE_INCONSISTENT] .badge").first.inner_text()
        == "已消除"
    )
    flag = page.locator("[data-testid=flag][data-code=BIRTHDATE_NOT_EARLIEST]")
    flag.locator("summary").click()
    flag.locator("select").select_option(index=1)
    flag.locator("button[type=submit]").click()
    page.wait_for_selector("#messages:has-text('该问题已核查处理')")
    assert (
        page.locator("[data-testid=flag][data-code=BIRTHDATE_NOT_EARLIEST] .badge").first.inner_text()
        == "已核查处理"
    )
    screenshot("review-case-determined")


def test_lrmx_import_page_shows_field_errors(page, live_server, demo, case, screenshot, tmp_path):
    sign_in(page, live_server, "guandang", demo["password"])
    page.goto(f"{live_server.url}/reviews/lrmx/import/")
    bad = tmp_path / "bad.lrmx"
    bad.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><Person><XingMing>林国栋</XingMing><XingBie>男</XingBie>'
        "<ChuShengNianYue>1975-13</ChuShengNianYue><CanJiaGongZuoShiJian>199707</CanJiaGongZuoShiJian>"
        "<ShenFenZheng>36110219750315001X</ShenFenZheng><JiaTingChengYuan><Item><ChengWei>妻子</ChengWei>"
        "<XingMing>李芳</XingMing><ChuShengRiQi>1977</ChuShengRiQi></Item></JiaTingChengYuan></Person>",
        encoding="utf-8",
    )
    page.set_input_files("#id_file", str(bad))
    page.fill("#id_archive_no", case.archive.archive_no)
    page.click("[data-testid=lrmx-submit]")
    page.wait_for_selector("[data-testid=lrmx-errors]")
    text = page.inner_text("[data-testid=lrmx-errors]")
    assert "ChuShengNianYue" in text and "家庭成员第1行" in text and "ShenFenZheng" in text
    screenshot("review-lrmx-errors")
