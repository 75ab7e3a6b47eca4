"""三员分立: no account holds two of 审计员 / 安全保密管理员 / 系统管理员, on every path."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from accounts import services
from accounts.models import User
from core.errors import DomainError

PAIRS = [("审计员", "安全保密管理员"), ("审计员", "系统管理员"), ("安全保密管理员", "系统管理员")]


@pytest.mark.parametrize("pair", PAIRS)
def test_service_refuses_two_separated_roles(org, make_user, pair):
    admin = make_user(roles=["安全保密管理员"], unit=org.city_org)
    target = make_user(unit=org.city_org)
    with pytest.raises(DomainError) as exc:
        services.user_set_roles(user=target, roles=list(pair), by=admin)
    assert exc.value.code == "ROLE_SEPARATION"
    assert "三员分立" in exc.value.message
    assert not target.groups.exists()


def test_service_allows_a_separated_role_with_ordinary_roles(org, make_user):
    admin = make_user(roles=["安全保密管理员"], unit=org.city_org)
    target = make_user(unit=org.city_org)
    services.user_set_roles(user=target, roles=["审计员", "查阅人"], by=admin)
    assert set(target.groups.values_list("name", flat=True)) == {"审计员", "查阅人"}


def test_direct_group_add_is_refused_by_the_guard(org, make_user):
    user = make_user(roles=["审计员"], unit=org.city_org)
    with pytest.raises(DomainError), transaction.atomic():
        user.groups.add(Group.objects.get(name="系统管理员"))
    with pytest.raises(DomainError), transaction.atomic():
        Group.objects.get(name="安全保密管理员").user_set.add(user)
    assert list(user.groups.values_list("name", flat=True)) == ["审计员"]


def test_api_refuses_with_code_and_chinese_message(client, org, make_user):
    security = make_user(roles=["安全保密管理员"], unit=org.city_org)
    target = make_user(unit=org.city_org)
    client.force_login(security)
    response = client.post(
        f"/api/users/{target.pk}/roles/", {"roles": ["审计员", "系统管理员"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "ROLE_SEPARATION"
    assert "三员分立" in response.json()["message"]
    ok = client.post(f"/api/users/{target.pk}/roles/", {"roles": ["审计员"]}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["roles"] == ["审计员"]


def test_only_the_security_admin_assigns_roles_through_the_api(client, org, make_user):
    sysadmin = make_user(roles=["系统管理员"], unit=org.city_org)
    target = make_user(unit=org.city_org)
    client.force_login(sysadmin)
    response = client.post(
        f"/api/users/{target.pk}/roles/", {"roles": ["管档员"]}, content_type="application/json"
    )
    assert response.status_code == 403


def test_admin_refuses_two_separated_roles(client, org, make_user):
    superuser = User.objects.create_superuser("root", password="Root@Pass2026", full_name="超级用户")
    target = make_user(unit=org.city_org)
    client.force_login(superuser)
    url = f"/admin/accounts/user/{target.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    groups = [Group.objects.get(name=n).pk for n in ("审计员", "系统管理员")]
    data = {
        "username": target.username,
        "full_name": target.full_name,
        "political_status": "01",
        "is_active": "on",
        "groups": groups,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "declared_relatives-TOTAL_FORMS": "0",
        "declared_relatives-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # form redisplayed with the error, nothing saved
    assert "三员分立" in response.content.decode()
    assert not target.groups.exists()


def test_security_admin_role_page_refuses_separation_in_chinese(client, org, make_user):
    security = make_user(roles=["安全保密管理员"], unit=org.city_org)
    target = make_user(unit=org.city_org)
    client.force_login(security)
    assert client.get("/accounts/users/roles/").status_code == 200
    response = client.post(f"/accounts/users/{target.pk}/roles/", {"roles": ["审计员", "系统管理员"]})
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert not target.groups.exists()
    response = client.post(f"/accounts/users/{target.pk}/roles/", {"roles": ["管档员"]})
    assert response.status_code == 302
    assert list(target.groups.values_list("name", flat=True)) == ["管档员"]


def test_role_page_is_closed_to_other_roles(client, org, make_user):
    sysadmin = make_user(roles=["系统管理员"], unit=org.city_org)
    client.force_login(sysadmin)
    assert client.get("/accounts/users/roles/").status_code == 403
