"""The audit log itself: what a row keeps, append-only in the ORM, the hash chain and its verification."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from audit import chain
from audit.models import AppendOnlyError, AuditEvent, AuditSeal
from audit.services import record
from core import context
from tests.audit.conftest import event


def test_a_row_keeps_the_actor_as_they_were(org, make_user):
    clerk = make_user("keeper", roles=["管档员"], unit=org.city_org, full_name="王丽华")
    token = context.set_current(
        context.RequestInfo(request_id="req-12345678", ip="10.1.2.3", user_agent="UA/1")
    )
    try:
        e = record(clerk, "page.view", target=("archives.page", 5, "第5页"), details={"page": 5})
    finally:
        context.reset(token)
    clerk.full_name = "改名以后"
    clerk.unit = org.county_org
    clerk.save()
    e.refresh_from_db()
    assert (e.actor_username, e.actor_name, e.actor_unit_name, e.actor_roles) == (
        "keeper",
        "王丽华",
        "中共测试市委组织部",
        "管档员",
    )
    assert (e.ip, e.user_agent, e.request_id) == ("10.1.2.3", "UA/1", "req-12345678")
    assert (e.target_type, e.target_id, e.target_repr) == ("archives.page", "5", "第5页")


def test_nul_characters_cannot_break_the_write(db):
    e = record(None, "auth.login_failed", username="ad\x00min", details={"k\x00": "v\x00"}, outcome="failed")
    e.refresh_from_db()
    assert "\x00" not in e.actor_username and e.actor_username.startswith("ad")
    assert all("\x00" not in k and "\x00" not in v for k, v in e.details.items())


def test_the_orm_refuses_update_and_delete(db):
    e = record(None, "auth.login_failed", username="x", outcome="failed")
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=e.pk).update(action="auth.login")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=e.pk).delete()
    chain.seal()
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.all().delete()


def test_seal_then_verify(db):
    for n in range(7):
        record(None, "auth.login_failed", username=f"u{n}", outcome="failed", details={"n": n, "f": 1.5})
    assert chain.seal() == 7
    assert chain.seal() == 0  # idempotent
    result = chain.verify()
    assert result.ok and result.checked == 7 and result.unsealed == 0
    links = list(AuditSeal.objects.order_by("seq"))
    assert links[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(links, links[1:], strict=False))


def _tamper(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="on PostgreSQL the trigger test covers this")
def test_verify_names_the_altered_row_sqlite(db):
    events = [record(None, "auth.login_failed", username=f"u{n}", outcome="failed") for n in range(5)]
    chain.seal()
    victim = events[2]
    _tamper("UPDATE audit_auditevent SET actor_username = %s WHERE id = %s", ["someone-else", victim.pk])
    result = chain.verify()
    seal = AuditSeal.objects.get(event_id=victim.pk)
    assert result.broken == {
        "seq": seal.seq,
        "event_id": victim.pk,
        "reason": "事件内容与封存哈希不符（记录被篡改）",
    }
    assert result.checked == 2
    with pytest.raises(CommandError, match=rf"第 {seal.seq} 个封存环节（事件 ID {victim.pk}）"):
        call_command("verify_audit_chain", stdout=io.StringIO())


def test_verify_command_reports_success_and_the_head(db):
    record(None, "auth.login_failed", username="a", outcome="failed")
    out = io.StringIO()
    call_command("verify_audit_chain", "--seal", stdout=out)
    text = out.getvalue()
    head = chain.head()
    assert "已封存 1 条新事件" in text and "审计链完整：1 个环节" in text
    assert f"{head.seq}:{head.hash}" in text
    verify_event = AuditEvent.objects.filter(action="audit.verify").get()
    assert verify_event.outcome == "success" and verify_event.details["checked"] == 1


def test_an_anchor_catches_a_chain_rebuilt_from_scratch(db):
    record(None, "auth.login_failed", username="a", outcome="failed")
    chain.seal()
    head = chain.head()
    call_command("verify_audit_chain", "--anchor", f"{head.seq}:{head.hash}", stdout=io.StringIO())
    wrong = "0" * 64
    with pytest.raises(CommandError, match="锚点"):
        call_command("verify_audit_chain", "--anchor", f"{head.seq}:{wrong}", stdout=io.StringIO())
    with pytest.raises(CommandError, match="锚点格式"):
        call_command("verify_audit_chain", "--anchor", "abc", stdout=io.StringIO())


def test_unsealed_old_events_are_reported(db):
    import datetime

    from django.utils import timezone

    event(
        "auth.login_failed", at=timezone.now() - datetime.timedelta(hours=2), username="old", outcome="failed"
    )
    result = chain.verify()
    assert result.ok and result.unsealed == 1
    assert "尚未封存" in result.problems[0]


def test_seal_command(db):
    record(None, "auth.login_failed", username="a", outcome="failed")
    out = io.StringIO()
    call_command("seal_audit_chain", "--full", stdout=out)
    assert "已封存 1 条事件" in out.getvalue()


@override_settings(AUDIT_SEAL_ON_COMMIT=True)
def test_without_a_beat_each_commit_seals_once(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(3):
            record(None, "auth.login_failed", username=f"u{n}", outcome="failed")
    assert len([c for c in callbacks if c is chain._seal_after_commit]) == 1  # one seal per transaction
    assert AuditSeal.objects.count() == 3
    assert chain.verify().ok


@override_settings(AUDIT_SEAL_ON_COMMIT=False)
def test_with_a_beat_no_seal_on_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(None, "auth.login_failed", username="u", outcome="failed")
    assert callbacks == [] and AuditSeal.objects.count() == 0


def test_default_is_seal_on_commit_only_without_redis(settings):
    settings.AUDIT_SEAL_ON_COMMIT = None  # unset: decided by the environment
    settings.TESTING = False
    settings.REDIS_URL = ""
    assert chain.seal_on_commit_enabled()
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert not chain.seal_on_commit_enabled()


def test_seal_task_is_idempotent(db):
    from audit.tasks import seal_audit_chain

    record(None, "auth.login_failed", username="a", outcome="failed")
    assert seal_audit_chain.delay().get() == 1
    assert seal_audit_chain.delay().get() == 0


def test_login_logout_and_failed_login_are_recorded(client, org, make_user):
    from tests.factories import PASSWORD

    make_user("logme", roles=["管档员"], unit=org.city_org)
    client.post("/accounts/login/", {"username": "logme", "password": "wrong"})
    client.post("/accounts/login/", {"username": "logme", "password": PASSWORD})
    client.post("/accounts/logout/")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_username", "outcome"))
    assert actions == [
        ("auth.login_failed", "logme", "failed"),
        ("auth.login", "logme", "success"),
        ("auth.logout", "logme", "success"),
    ]


def test_the_admin_offers_no_way_to_edit_the_log(client, make_user):
    admin = make_user("root_t", is_superuser=True, is_staff=True)
    record(None, "auth.login_failed", username="x", outcome="failed")
    client.force_login(admin)
    for url in ("/admin/audit/auditevent/", "/admin/audit/auditevent/1/change/", "/admin/audit/auditseal/"):
        assert client.get(url).status_code == 404, url
    assert "/admin/audit/" not in client.get("/admin/").content.decode()
