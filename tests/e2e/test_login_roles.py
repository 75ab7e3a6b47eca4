"""Every demo role logs in through the real login page in Chromium and reaches its home page."""

import pytest

from accounts.demo import USERS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "username,name,roles",
    [
        (u[0], u[1], u[7])
        for u in USERS
        if u[0] in {"guandang", "shenpi", "chayue1", "shenji", "baomi", "xitong"}
    ],
)
def test_demo_role_reaches_home(page, live_server, demo, screenshot, username, name, roles):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("heading", name="干部人事档案管理系统").is_visible()
    page.fill("#id_username", username)
    page.fill("#id_password", demo["password"])
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=home-title]")
    assert page.inner_text("[data-testid=home-title]") == f"{roles[0]}工作台"
    assert name in page.inner_text("[data-testid=current-user]")
    screenshot(f"home-{username}")


def test_wrong_password_shows_chinese_error(page, live_server, demo, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "guandang")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    error = page.wait_for_selector("[data-testid=login-error]")
    assert "用户名或密码错误" in error.inner_text()
    screenshot("login-error")
