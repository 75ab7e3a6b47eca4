"""Error pages and the API's error format, in Chinese."""

import pytest
from django.urls import reverse


def test_404_page_is_chinese(client, clerk):
    client.force_login(clerk)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_403_page_is_chinese_and_audited(client, clerk):
    from audit.models import AuditEvent

    client.force_login(clerk)
    response = client.get("/admin/accounts/user/")  # admin requires is_staff: redirects to admin login
    assert response.status_code in (302, 403)
    from django.core.exceptions import PermissionDenied

    from core.views import permission_denied

    request = client.get("/").wsgi_request
    request.user = clerk
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert AuditEvent.objects.filter(action="access.denied", actor=clerk).exists()


def test_500_page_is_static_chinese(rf):
    from core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "系统内部错误" in response.content.decode()


def test_api_404_uses_the_error_format(client, clerk):
    client.force_login(clerk)
    response = client.get("/api/users/999999/")
    assert response.status_code in (403, 404)
    body = response.json()
    assert set(body) >= {"code", "message", "field"}


def test_api_unauthenticated_is_401_with_code(client):
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"
    assert "登录" in response.json()["message"]


def test_api_validation_error_format(client, org, make_user):
    admin = make_user("sysadmin", roles=["系统管理员"], unit=org.city_org)
    client.force_login(admin)
    response = client.post("/api/users/", {"username": "x"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID"
    assert body["field"] in ("password", "full_name")
    assert body["message"]


def test_schema_and_docs_are_served_with_local_assets(client, clerk):
    client.force_login(clerk)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_base_layout_uses_only_vendored_assets(client, clerk):
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "role,title",
    [
        ("管档员", "管档员工作台"),
        ("审批人", "审批人工作台"),
        ("审计员", "审计员工作台"),
        ("安全保密管理员", "安全保密管理员工作台"),
        ("系统管理员", "系统管理员工作台"),
        ("查阅人", "查阅人工作台"),
    ],
)
def test_each_role_lands_on_its_home_page(client, org, make_user, role, title):
    user = make_user(roles=[role], unit=org.city_org)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert title in response.content.decode()


def test_home_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
