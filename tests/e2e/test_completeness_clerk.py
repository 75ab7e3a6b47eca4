"""In Chromium: the clerk sees an archive flagged incomplete, files the missing annual appraisal, the flag clears."""

from __future__ import annotations

import datetime

import pytest

from archives.completeness import check_archive
from tests import factories
from tests.archives.completeness_helpers import add, only_rules

pytestmark = pytest.mark.browser
LAST_YEAR = datetime.date.today().year - 1
GAP = LAST_YEAR - 3


@pytest.fixture
def holdings(transactional_db):
    org = factories.Org()
    clerk = factories.user("guandang_e2e", roles=["管档员"], unit=org.city_org, full_name="王丽华")
    only_rules("resume_1999", "annual_appraisal", "party_admission")
    work_start = datetime.date(LAST_YEAR - 8, 7, 1)
    flagged = factories.archive(
        holding_unit=org.city_org, name="李明", archive_no="QS01234", work_start_date=work_start
    )
    complete = factories.archive(
        holding_unit=org.city_org, name="赵红", archive_no="QS01235", work_start_date=work_start
    )
    for a in (flagged, complete):
        add(a, "resume_1999", work_start.year, 8, 1, seq=1)
        add(a, "party_admission", work_start.year - 2, 6, 1, seq=1)
        for n, year in enumerate(range(work_start.year + 1, LAST_YEAR + 1), start=1):
            if not (a is flagged and year == GAP):
                add(a, "annual_appraisal", year, 12, 20, seq=n)
        check_archive(a.pk)
    return clerk, flagged, complete


def test_clerk_files_the_missing_annual_appraisal_and_the_flag_clears(
    page, live_server, login, screenshot, holdings
):
    clerk, flagged, complete = holdings
    login(clerk.username)

    # 1. Home: the incomplete-archives panel lists the archive, not the complete one.
    panel = page.locator("[data-testid=incomplete-panel]")
    assert panel.is_visible()
    rows = page.locator("[data-testid=incomplete-row]")
    assert rows.count() == 1
    assert "QS01234" in rows.first.inner_text() and "年度考核登记表" in rows.first.inner_text()
    assert "QS01235" not in page.content()
    screenshot("completeness-01-home-flagged")

    # 2. The archive page: the card says which year is missing.
    rows.first.locator("a", has_text="QS01234").click()
    page.wait_for_selector("[data-testid=completeness-card]")
    card = page.locator("[data-testid=completeness-card]")
    assert card.get_attribute("data-status") == "incomplete"
    assert f"{GAP}" in card.inner_text() and "年度考核登记表" in card.inner_text()
    screenshot("completeness-02-archive-flagged")

    # 3. Receive the missing form on the archive, identify it, file it.
    page.click("text=登记接收材料")
    page.wait_for_selector("[data-testid=material-form]")
    page.select_option("#id_kind", label="年度考核登记表")
    page.select_option("#id_category", label="3 考核鉴定类材料")
    page.fill("#id_title", f"{GAP}年度公务员年度考核登记表")
    page.fill("#id_formed_year", str(GAP))
    page.fill("#id_formed_month", "12")
    page.fill("#id_formed_day", "28")
    page.fill("#id_page_count", "2")
    page.fill("#id_producing_unit", "测试市财政局")
    screenshot("completeness-03-receive-form")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=intake-row]")
    page.locator("[data-testid=intake-row]", has_text=f"{GAP}年度").locator("[data-testid=identify]").click()
    page.wait_for_selector("[data-testid=intake-row] [data-testid=file]")
    page.locator("[data-testid=intake-row]", has_text=f"{GAP}年度").locator("[data-testid=file]").click()
    page.wait_for_load_state("networkidle")

    # 4. The flag clears at once (eager mode: the check ran when the filing committed).
    card = page.locator("[data-testid=completeness-card]")
    assert card.get_attribute("data-status") == "complete"
    assert page.locator("[data-testid=completeness-score]").inner_text() == "100.0"
    screenshot("completeness-04-archive-complete")

    # 5. Home again: nothing left to chase.
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-testid=incomplete-row]").count() == 0
    assert (
        "所管档案的关键材料均已齐全"
        in page.locator("[data-testid=incomplete-panel]").locator("..").inner_text()
    )
    screenshot("completeness-05-home-clear")


def test_dashboard_and_fixity_pages_render_in_the_browser(page, live_server, login, screenshot, holdings):
    clerk, flagged, complete = holdings
    login(clerk.username)
    page.goto(f"{live_server.url}/archives/completeness/dashboard/")
    row = page.locator("[data-testid=dashboard-row]").first
    assert "中共测试市委组织部" in row.inner_text()
    assert page.locator("#completeness-chart").is_visible()
    screenshot("completeness-06-dashboard")
    page.goto(f"{live_server.url}/archives/completeness/")
    assert page.locator("[data-testid=incomplete-row]").count() == 1
    screenshot("completeness-07-incomplete-list")
    page.goto(f"{live_server.url}/archives/completeness/archive/{flagged.pk}/")
    assert page.locator("[data-testid=excuse-form]").is_visible()
    page.select_option("select[name=reason]", label="不定等次")
    page.fill("input[name=year]", str(GAP))
    page.click("[data-testid=excuse-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=completeness-card]").get_attribute("data-status") == "complete"
    assert "不定等次" in page.locator("[data-testid=excusal-table]").inner_text()
    screenshot("completeness-08-excused-year")
    page.goto(f"{live_server.url}/archives/completeness/fixity/")
    assert "没有待处理的文件完整性问题" in page.content()
    screenshot("completeness-09-fixity")
