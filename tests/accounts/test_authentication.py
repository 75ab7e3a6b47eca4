"""The request's user is loaded with their unit (session and token), so headers and audit events need no extra
query; inactive users and unknown tokens are refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from accounts.authentication import TokenAuthentication, UserBackend
from audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    org = factories.Org()
    return factories.user("auth_clerk", roles=["管档员"], unit=org.city_org, full_name="管档员甲")


def test_session_backend_loads_the_unit_in_the_same_query(clerk):
    with CaptureQueriesContext(connection) as ctx:
        user = UserBackend().get_user(clerk.pk)
        assert user.unit.name == "中共测试市委组织部"
    assert len(ctx.captured_queries) == 1


def test_token_authentication_loads_the_unit_in_the_same_query(clerk):
    token = Token.objects.create(user=clerk)
    with CaptureQueriesContext(connection) as ctx:
        user, _ = TokenAuthentication().authenticate_credentials(token.key)
        assert user.unit.name == "中共测试市委组织部"
    assert len(ctx.captured_queries) == 1


def test_unknown_token_and_inactive_user_are_refused(clerk):
    with pytest.raises(exceptions.AuthenticationFailed):
        TokenAuthentication().authenticate_credentials("0" * 40)
    token = Token.objects.create(user=clerk)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    with pytest.raises(exceptions.AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(token.key)
    assert UserBackend().get_user(clerk.pk) is None


def test_an_api_request_by_token_audits_the_unit_name(client, clerk):
    token = Token.objects.create(user=clerk)
    response = client.get("/api/archives/?q=none", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=clerk).latest("id")
    assert event.actor_unit_name == "中共测试市委组织部"
