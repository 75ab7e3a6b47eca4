import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from audit.models import AuditEvent
from tests.factories import PASSWORD


def post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "干部人事档案管理系统" in html and "用户名" in html and "密码" in html


def test_successful_login_is_audited(client, clerk):
    response = post_login(client, "clerk", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor=clerk).count() == 1


def test_lockout_after_five_failures_for_fifteen_minutes(client, clerk):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        for attempt in range(4):
            response = post_login(client, "clerk", "wrong-password")
            assert "用户名或密码错误" in response.content.decode(), attempt
        response = post_login(client, "clerk", "wrong-password")
        assert "已被锁定" in response.content.decode()
        # Even the right password is refused while locked.
        response = post_login(client, "clerk", PASSWORD)
        assert response.status_code == 200
        assert "已被锁定" in response.content.decode()
        clock.shift(datetime.timedelta(minutes=14))
        assert "已被锁定" in post_login(client, "clerk", PASSWORD).content.decode()
        clock.shift(datetime.timedelta(minutes=2))
        response = post_login(client, "clerk", PASSWORD)
        assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username="clerk").count() >= 5
    assert AuditEvent.objects.filter(action="auth.login_locked", actor_username="clerk").count() == 1


@override_settings(LOGIN_LOCKOUT_THRESHOLD=3)
def test_lockout_threshold_is_configurable(client, clerk):
    for _ in range(3):
        response = post_login(client, "clerk", "nope")
    assert "已被锁定" in response.content.decode()


def test_api_token_login_shares_the_lockout(client, clerk):
    for _ in range(5):
        response = client.post(
            "/api/auth/token/", {"username": "clerk", "password": "bad"}, content_type="application/json"
        )
    assert response.status_code == 400
    assert response.json()["code"] == "LOGIN_LOCKED"


def test_idle_session_expires_after_thirty_minutes(client, clerk):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        assert post_login(client, "clerk", PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity resets the idle clock
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        follow = client.get(response["Location"])
        assert "自动退出" in follow.content.decode()
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=clerk).count() == 1


@override_settings(SESSION_IDLE_TIMEOUT=datetime.timedelta(minutes=5))
def test_idle_timeout_is_configurable(client, clerk):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        post_login(client, "clerk", PASSWORD)
        clock.shift(datetime.timedelta(minutes=6))
        assert client.get("/").status_code == 302


def test_logout_is_audited(client, clerk):
    post_login(client, "clerk", PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=clerk).exists()


@pytest.mark.parametrize("weak", ["123", "12345678", "password", "qwertyuiop"])
def test_password_validators_are_on(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_api_user_creation_refuses_weak_password(client, org, make_user):
    admin = make_user(roles=["系统管理员"], unit=org.city_org)
    client.force_login(admin)
    response = client.post(
        "/api/users/",
        {"username": "newbie", "password": "12345678", "full_name": "新人"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "WEAK_PASSWORD"
