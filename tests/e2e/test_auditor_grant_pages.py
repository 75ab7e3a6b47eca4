"""In Chromium: the security admin grants a scoped, time-boxed permission and withdraws it; the auditor then finds
both in the log. Screenshots: test-artifacts/screenshots/grants-*.png and auditor-grants.png."""

import datetime

import pytest
from django.utils import timezone

from archives.models import ArchiveUserObjectPermission
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db, org, make_user):
    baomi = make_user("baomi_e2e", roles=["安全保密管理员"], unit=org.city_org, full_name="周海峰")
    viewer = make_user("viewer_e2e", roles=["查阅人"], unit=org.city_discipline, full_name="郑文博")
    make_user("auditor_e2e", roles=["审计员"], unit=org.city_org, full_name="孙雅婷")
    archive = factories.archive(holding_unit=org.city_org, archive_no="QS00021", name="张建华")
    factories.material(archive, code="8", title="不应出现的处分材料标题")
    return {"baomi": baomi, "viewer": viewer, "archive": archive}


def test_security_admin_grants_and_withdraws_then_the_auditor_sees_it(
    page, live_server, login, screenshot, people
):
    login("baomi_e2e")
    page.click("nav >> text=档案授权")
    page.wait_for_selector("[data-testid=grant-table]")
    page.click("[data-testid=grant-new]")
    page.wait_for_selector("form")
    page.select_option("#id_user", str(people["viewer"].pk))
    page.fill("#id_archive_no", "QS00021")
    page.wait_for_selector("[data-testid=lookup-result]")
    assert "张建华" in page.inner_text("[data-testid=lookup-result]")
    page.check("input[name=permission][value=view_archive_content]")
    until = timezone.localtime() + datetime.timedelta(days=5)
    page.fill("#id_valid_until", until.strftime("%Y-%m-%dT%H:%M"))
    page.uncheck("#id_scope_all")
    page.check("input[name=categories] >> nth=2")  # category 3
    page.fill("#id_reason", "纪检审查调查需要（青纪函〔2026〕15号）")
    screenshot("grants-form")
    page.click("main >> button:has-text('确认授权')")
    page.wait_for_selector("[data-testid=grant-table]")
    table = page.inner_text("[data-testid=grant-table]")
    assert "郑文博" in table and "QS00021" in table and "张建华" in table and "查阅内容" in table
    assert "类别 3" in table and "不应出现的处分材料标题" not in page.content()
    screenshot("grants-list")
    grant = ArchiveUserObjectPermission.objects.get()
    assert grant.scope_all is False and grant.valid_until is not None

    page.click("[data-testid=grant-table] >> a:has-text('收回')")
    page.fill("#id_reason", "审查结束")
    screenshot("grants-withdraw")
    page.click("main >> button:has-text('确认收回')")
    page.wait_for_selector("[data-testid=grant-table]")
    assert "没有符合条件的授权" in page.inner_text("[data-testid=grant-table]")
    assert not ArchiveUserObjectPermission.objects.exists()

    page.click("header >> button:has-text('退出')")
    login("auditor_e2e")
    page.goto(f"{live_server.url}/audit/?action=grant.*")
    page.wait_for_selector("[data-testid=audit-table]")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() == 2
    assert "收回档案权限" in rows.nth(0).inner_text() and "授予档案权限" in rows.nth(1).inner_text()
    assert "周海峰" in rows.nth(1).inner_text() and "QS00021" in rows.nth(1).inner_text()
    screenshot("auditor-grants")
