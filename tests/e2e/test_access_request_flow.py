"""Viewing in a real browser (Chromium through Playwright), with the demo accounts:

a clerk (guandang) files a request for two Party-member viewers (chayue1, chayue2), a reviewer (shenpi) approves
it, a viewer opens a watermarked page, the window ends and the page is refused. Also: the rule messages next to
the fields (chayue3 is 群众), and the loan desk with an item-by-item return that finds a page missing.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ManagementLevel
from audit.models import AuditEvent
from borrowing import services
from borrowing.models import AccessRequest, RequestStatus, ReturnIncident
from tests import factories
from tests.borrowing.conftest import make_page

pytestmark = pytest.mark.browser


@pytest.fixture
def subject(demo):
    units = demo["units"]
    archive = factories.archive(
        holding_unit=units["QS-ZZB"],
        unit=units["QS-CZ"],
        level=ManagementLevel.MUNICIPAL,
        name="林国栋",
        archive_no="QS01888",
        current_post="青山市财政局局长",
    )
    resume = factories.material(archive, code="1", title="干部履历表", year=2003, pages=2, seq=1)
    appraisal = factories.material(
        archive, code="3", title="2023年度公务员年度考核登记表", year=2023, pages=1, seq=1
    )
    make_page(resume, 1)
    make_page(resume, 2)
    make_page(appraisal, 1)
    return {"archive": archive, "resume": resume, "appraisal": appraisal}


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
    """A full-page screenshot taken from the top (the sticky top bar would otherwise be drawn mid-page)."""

    def take(name):
        page.evaluate("window.scrollTo(0, 0)")
        return screenshot(name)

    return take


def local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def fill_header(page, *, start, end, mode="digital"):
    page.select_option("#id_requesting_unit", label="中共青山市纪律检查委员会")
    page.fill("#id_unit_opinion", "因审查调查工作需要，拟查阅林国栋同志档案，请予审批。")
    page.fill("#id_unit_signer", "陈纪明")
    page.fill("#id_unit_signed_on", timezone.localdate().isoformat())
    page.select_option("#id_purpose", value="inspection")
    page.fill("#id_purpose_detail", "核实有关问题线索")
    page.check(f"input[name=mode][value={mode}]")
    page.fill("#id_start_at", local(start))
    page.fill("#id_end_at", local(end))


def test_clerk_files_reviewer_approves_viewer_reads_until_the_window_ends(
    page, live_server, demo, subject, shot
):
    password = demo["password"]
    start = timezone.now() - datetime.timedelta(minutes=2)
    end = timezone.now() + datetime.timedelta(minutes=20)

    # 1. The clerk fills in the approval form for two Party members of the city discipline commission.
    sign_in(page, live_server, "guandang", password)
    page.click("nav >> text=填写查阅申请")
    page.wait_for_selector("#access-request-form")
    fill_header(page, start=start, end=end)
    page.fill("#id_viewers-0-user", "chayue1")
    page.fill("#id_viewers-1-user", "chayue2")
    page.fill("#id_subjects-0-archive_no", "QS01888")
    page.uncheck("#id_subjects-0-scope_all")
    page.check(f"input[name='subjects-0-categories'][value='{subject['appraisal'].category_id}']")
    shot("access-request-01-form")
    page.click("[data-testid=submit-request]")
    page.wait_for_selector("[data-testid=paper-form]")
    assert page.inner_text("[data-testid=status]") == "待审批"
    number = page.inner_text("[data-testid=request-number]")
    assert "郑文博" in page.inner_text("[data-testid=viewers]") and "冯立新" in page.inner_text(
        "[data-testid=viewers]"
    )
    shot("access-request-02-submitted")
    sign_out(page)

    # 2. The reviewer finds it in the inbox, reads the form and approves.
    sign_in(page, live_server, "shenpi", password)
    assert "待审批的查借阅申请" in page.inner_text("main")
    page.click("nav >> text=查借阅审批")
    page.wait_for_selector("[data-testid=request-table]")
    shot("access-request-03-inbox")
    page.click(f"text={number}")
    page.wait_for_selector("[data-testid=decision]")
    assert page.locator("[data-testid=completeness-card]").count() == 1
    shot("access-request-04-review")
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=approval-1]")
    assert page.inner_text("[data-testid=status]") == "已批准"
    shot("access-request-05-approved")
    sign_out(page)

    # 3. A viewer opens 我的查阅, then the approved material: watermarked page images.
    sign_in(page, live_server, "chayue1", password)
    page.click("nav >> text=我的查阅")
    page.wait_for_selector("[data-testid=granted-archive]")
    assert "QS01888" in page.inner_text("[data-testid=granted-archive]")
    assert "干部履历表" not in page.inner_text(
        "[data-testid=granted-archive]"
    )  # outside the approved categories
    shot("access-request-06-my-access")
    page.click("[data-testid=open-material]")
    image = page.wait_for_selector("[data-testid=page-image]")
    page.wait_for_function("document.querySelector('[data-testid=page-image]').naturalWidth > 0")
    src = image.get_attribute("src")
    response = page.request.get(f"{live_server.url}{src}")
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    assert "no-store" in response.headers["cache-control"]
    shot("access-request-07-viewer")
    viewer_url = page.url
    req = AccessRequest.objects.get(number=number)
    assert req.status == RequestStatus.IN_USE
    assert AuditEvent.objects.filter(action="material.view", actor__username="chayue1").count() == 1
    assert AuditEvent.objects.filter(action="page.view", actor__username="chayue1").count() >= 1

    # A material outside the scope is refused even by its address.
    outside = f"{live_server.url}/borrowing/mine/{req.pk}/archives/{subject['archive'].pk}/materials/{subject['resume'].pk}/"
    assert page.request.get(outside).status == 404

    # 4. The window ends: the same page and image are refused (404), without any task having run.
    with time_machine.travel(end + datetime.timedelta(minutes=1), tick=True):
        page.goto(viewer_url)
        assert "未找到" in page.inner_text("body")
        assert page.request.get(f"{live_server.url}{src}").status == 404
        shot("access-request-08-window-ended")
        page.goto(f"{live_server.url}/borrowing/mine/")
        assert page.locator("[data-testid=no-grants]").count() == 1
    denied = AuditEvent.objects.filter(action="access.denied", actor__username="chayue1").count()
    assert denied >= 3


def test_rule_messages_appear_next_to_the_fields(page, live_server, demo, subject, shot):
    sign_in(page, live_server, "guandang", demo["password"])
    page.goto(f"{live_server.url}/borrowing/requests/new/")
    now = timezone.now()
    fill_header(page, start=now, end=now + datetime.timedelta(hours=3), mode="onsite")
    page.fill("#id_unit_signer", "")
    page.fill("#id_viewers-0-user", "chayue1")
    page.fill("#id_viewers-1-user", "chayue3")
    page.fill("#id_subjects-0-archive_no", "QS01888")
    page.click("[data-testid=submit-request]")
    page.wait_for_selector("[data-testid=viewer-status-error]")
    assert "非中共党员不予查阅" in page.inner_text("[data-testid=viewer-status-error]")
    assert "缺少单位负责人签字" in page.inner_text("[data-testid=error-unit_signer]")
    shot("access-request-09-rule-messages")
    assert AccessRequest.objects.get().status == RequestStatus.DRAFT


def test_loan_desk_checkout_and_return_with_a_missing_page(page, live_server, demo, subject, shot):
    users = demo["users"]
    start = timezone.now() - datetime.timedelta(minutes=5)
    data = {
        "mode": "loan",
        "requesting_unit": demo["units"]["QS-JW"],
        "unit_opinion": "因审查调查工作需要借阅。",
        "unit_signer": "陈纪明",
        "unit_signed_on": timezone.localdate(),
        "purpose": "inspection",
        "start_at": start,
        "end_at": start + datetime.timedelta(days=7),
        "viewers": [{"user": users["chayue1"]}, {"user": users["chayue2"]}],
        "subjects": [{"archive": subject["archive"], "scope_all": True}],
    }
    req = services.access_request_create(by=users["guandang"], data=data)
    services.access_request_submit(request=req, by=users["guandang"])
    services.access_request_approve(request=req, by=users["shenpi"], level=1)
    services.access_request_approve(request=req, by=users["shenpi2"], level=2)

    sign_in(page, live_server, "guandang", demo["password"])
    page.click("nav >> text=借阅台")
    page.wait_for_selector("[data-testid=awaiting]")
    assert req.number in page.inner_text("[data-testid=awaiting]")
    page.click("[data-testid=awaiting] >> text=办理出库")
    page.wait_for_selector("[data-testid=checkout]")
    page.check(f"#co-s-{req.viewers.get(name='郑文博').pk}")
    page.check(f"#co-s-{req.viewers.get(name='冯立新').pk}")
    shot("access-request-10-checkout")
    page.click("[data-testid=do-checkout]")
    page.wait_for_selector("[data-testid=checkouts]")
    assert "借出" in page.inner_text("[data-testid=checkouts]")

    page.click("nav >> text=借阅台")
    page.click("[data-testid=desk-return]")
    page.wait_for_selector("[data-testid=return-items]")
    page.click("#fill-expected")
    page.fill(f"input[name=pages_{subject['resume'].pk}]", "1")  # one page of the résumé is missing
    page.check(f"#sig-{req.viewers.get(name='郑文博').pk}")
    shot("access-request-11-return-check")
    page.click("[data-testid=confirm-return]")
    page.wait_for_selector("[data-testid=incident]")
    assert "目录2页、清点1页" in page.inner_text("[data-testid=incident]")
    shot("access-request-12-return-anomaly")
    assert ReturnIncident.objects.filter(status="open").count() == 1
    page.goto(f"{live_server.url}/borrowing/desk/")
    assert page.inner_text("[data-testid=count-anomaly]") == "1"
    shot("access-request-13-desk")
