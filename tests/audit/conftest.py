"""Fixtures of the audit tests: users of each role and a small, known audit history."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from tests import factories


def event(action="page.view", *, at=None, user=None, outcome="success", archive=None, **fields) -> AuditEvent:
    """An audit event written through the service (so the copied actor fields are real), dated `at`."""
    from audit.services import record

    details = fields.pop("details", {})
    if at is None:
        return record(user, action, archive=archive, outcome=outcome, details=details, **fields)
    with time_machine.travel(at, tick=False):
        return record(user, action, archive=archive, outcome=outcome, details=details, **fields)


@pytest.fixture
def history(org, make_user, auditor):
    """Events over three days by a city clerk, a county clerk and an anonymous failed login."""
    city_clerk = make_user("city_clerk", roles=["管档员"], unit=org.city_org, full_name="王市档")
    county_clerk = make_user("county_clerk", roles=["管档员"], unit=org.county_org, full_name="刘县档")
    viewer = make_user("viewer_h", roles=["查阅人"], unit=org.city_discipline, full_name="郑查阅")
    archive = factories.archive(holding_unit=org.city_org, archive_no="QS0001", name="张三")
    other = factories.archive(holding_unit=org.county_org, archive_no="DH0001", name="李四")
    # Ten days ago at 09:00 local time: clear of anything the test itself writes now.
    day = timezone.localdate() - datetime.timedelta(days=10)
    base = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    events = {
        "login": event("auth.login", at=base, user=city_clerk),
        "view1": event("page.view", at=base + datetime.timedelta(hours=1), user=city_clerk, archive=archive),
        "view2": event("page.view", at=base + datetime.timedelta(days=1), user=county_clerk, archive=other),
        "denied": event(
            "access.denied",
            at=base + datetime.timedelta(days=1, hours=2),
            user=viewer,
            outcome="denied",
            archive=archive.pk,
            details={"action": "view_content", "reason": "archive not visible"},
        ),
        "failed": event(
            "auth.login_failed",
            at=base + datetime.timedelta(days=2),
            username="=cmd|' /C calc'!A0",
            outcome="failed",
        ),
        "formula": event(
            "material.view",
            at=base + datetime.timedelta(days=2, hours=1),
            user=city_clerk,
            archive=archive,
            target=("archives.material", 7, "+SUM(A1:A9)"),
            details={"note": "@import"},
        ),
    }
    return {
        "events": events,
        "city_clerk": city_clerk,
        "county_clerk": county_clerk,
        "viewer": viewer,
        "auditor": auditor,
        "archive": archive,
        "other": other,
        "base": base,
    }
