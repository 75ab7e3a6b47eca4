"""An auditor in Chromium: the home panels, filtering the log, downloading the CSV (parsed here), verifying the
chain. Screenshots: test-artifacts/screenshots/auditor-*.png."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from tests import factories
from tests.audit.conftest import event

pytestmark = pytest.mark.browser


@pytest.fixture
def log(transactional_db, org, make_user):
    auditor = make_user("auditor_e2e", roles=["审计员"], unit=org.city_org, full_name="孙雅婷")
    clerk = make_user("clerk_e2e", roles=["管档员"], unit=org.city_org, full_name="王丽华")
    county = make_user("county_e2e", roles=["管档员"], unit=org.county_org, full_name="刘春梅")
    viewer = make_user("viewer_e2e", roles=["查阅人"], unit=org.city_discipline, full_name="郑文博")
    archive = factories.archive(holding_unit=org.city_org, archive_no="QS00007", name="张建华")
    other = factories.archive(holding_unit=org.county_org, archive_no="DH00002", name="李明")
    start = timezone.now() - datetime.timedelta(days=2)
    views = []
    for n in range(6):
        views.append(
            event(
                "page.view",
                at=start + datetime.timedelta(minutes=10 * n),
                user=clerk,
                archive=archive,
                target=("archives.page", 100 + n, f"2020年度考核登记表 第{n + 1}页"),
                details={"material_id": 55, "page": n + 1},
            )
        )
    event("page.view", at=start, user=county, archive=other, details={"page": 1})
    event("archive.directory_view", at=start + datetime.timedelta(hours=2), user=clerk, archive=archive)
    event(
        "access.denied",
        at=start + datetime.timedelta(hours=3),
        user=viewer,
        archive=archive.pk,
        outcome="denied",
        details={"action": "view_content", "reason": "page not visible"},
    )
    for n in range(3):
        event(
            "auth.login_failed",
            at=timezone.now() - datetime.timedelta(hours=1, minutes=n),
            username='=HYPERLINK("http://x")',
            outcome="failed",
        )
    return {"auditor": auditor, "clerk": clerk, "views": views, "archive": archive}


def test_auditor_filters_the_log_and_downloads_a_csv(page, live_server, login, screenshot, log, tmp_path):
    login("auditor_e2e")
    page.wait_for_selector("[data-testid=home-title]")
    assert page.inner_text("[data-testid=home-title]") == "审计员工作台"
    body = page.inner_text("main")
    assert "近期越权访问" in body and "郑文博" in body
    assert "24 小时内登录失败" in body and "审计日志完整性" in body
    screenshot("auditor-home")

    page.click("nav >> text=审计日志")
    page.wait_for_selector("[data-testid=audit-table]")
    screenshot("auditor-log")

    page.select_option("#action", "page.view")
    page.fill("#actor", "clerk_e2e")
    page.click("[data-testid=audit-search]")
    page.wait_for_selector("[data-testid=filter-text]")
    assert "操作 查看扫描页" in page.inner_text("[data-testid=filter-text]")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() == 6
    assert "王丽华" in rows.first.inner_text() and "QS00007" in rows.first.inner_text()
    screenshot("auditor-log-filtered")

    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    target = tmp_path / "log.csv"
    download.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body_rows = table[0], table[1:]
    assert header[:4] == ["事件ID", "时间", "账号", "姓名"]
    assert [int(r[0]) for r in body_rows] == [e.pk for e in reversed(log["views"])]
    by_name = [dict(zip(header, r, strict=True)) for r in body_rows]
    assert {r["操作"] for r in by_name} == {"查看扫描页"}
    assert {r["档号"] for r in by_name} == {"QS00007"} and {r["姓名"] for r in by_name} == {"王丽华"}
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == log["auditor"]
    assert export.details["filter"] == {"actor": "clerk_e2e", "action": "page.view"}

    # The same filter as an Excel workbook.
    with page.expect_download() as info:
        page.click("[data-testid=export-xlsx]")
    book_path = tmp_path / "log.xlsx"
    info.value.save_as(book_path)
    sheet = load_workbook(book_path, read_only=True).worksheets[0]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        e.pk for e in reversed(log["views"])
    ]


def test_auditor_sees_neutralised_failed_logins_and_verifies_the_chain(
    page, live_server, login, screenshot, log, tmp_path
):
    login("auditor_e2e")
    page.goto(f"{live_server.url}/audit/?action=auth.login_failed")
    page.wait_for_selector("[data-testid=audit-table]")
    assert page.locator("[data-testid=audit-table] tbody tr").count() == 3
    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    target = tmp_path / "failed.csv"
    info.value.save_as(target)
    table = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert {r[2] for r in table[1:]} == {'\'=HYPERLINK("http://x")'}

    page.click("text=完整性校验")
    page.wait_for_selector("[data-testid=verify-run]")
    page.click("[data-testid=verify-run]")
    result = page.wait_for_selector("[data-testid=verify-result]")
    assert "校验通过" in result.inner_text()
    assert page.inner_text("[data-testid=head-anchor]").count(":") == 1
    screenshot("auditor-verify")
