"""PostgreSQL: the trigger refuses UPDATE and DELETE on the audit tables; a row altered behind the trigger's back
(trigger disabled by someone with table-owner rights) is named by `verify_audit_chain`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import chain
from audit.models import AuditSeal
from audit.services import record

pytestmark = pytest.mark.postgres

EVENTS = "audit_auditevent"
SEALS = "audit_auditseal"


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _events(n: int) -> list:
    return [
        record(None, "auth.login_failed", username=f"user{i}", outcome="failed", details={"i": i})
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {EVENTS} SET action = 'auth.login' WHERE id = %s",
        f"DELETE FROM {EVENTS} WHERE id = %s",
        f"UPDATE {SEALS} SET hash = repeat('0', 64) WHERE event_id = %s",
        f"DELETE FROM {SEALS} WHERE event_id = %s",
    ],
)
def test_trigger_refuses_update_and_delete(db, statement):
    event = _events(1)[0]
    chain.seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql(statement, [event.pk])
    # Nothing changed.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT action FROM {EVENTS} WHERE id = %s", [event.pk])
        assert cursor.fetchone() == ("auth.login_failed",)
    assert chain.verify().ok


def test_the_trigger_exists_on_both_tables(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'audit_%%'"
        )
        found = set(cursor.fetchall())
    assert {(EVENTS, "audit_event_append_only"), (SEALS, "audit_seal_append_only")} <= found


def test_verify_names_exactly_the_altered_link(db):
    events = _events(6)
    chain.seal()
    victim = events[3]
    _sql(f"ALTER TABLE {EVENTS} DISABLE TRIGGER audit_event_append_only")
    _sql(f"UPDATE {EVENTS} SET details = '{{\"i\": 99}}'::jsonb WHERE id = %s", [victim.pk])
    _sql(f"ALTER TABLE {EVENTS} ENABLE TRIGGER audit_event_append_only")
    seal = AuditSeal.objects.get(event_id=victim.pk)
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit_chain", stdout=io.StringIO())
    message = str(exc.value)
    assert f"第 {seal.seq} 个封存环节（事件 ID {victim.pk}）" in message
    assert "记录被篡改" in message
    assert "此前 3 个环节校验通过" in message
    # The failed verification is itself on record.
    result = chain.verify()
    assert result.broken["event_id"] == victim.pk


def test_verify_names_a_deleted_row(db):
    events = _events(4)
    chain.seal()
    victim = events[1]
    _sql(f"ALTER TABLE {EVENTS} DISABLE TRIGGER audit_event_append_only")
    _sql(f"DELETE FROM {EVENTS} WHERE id = %s", [victim.pk])
    _sql(f"ALTER TABLE {EVENTS} ENABLE TRIGGER audit_event_append_only")
    result = chain.verify()
    assert result.broken["event_id"] == victim.pk and result.broken["reason"] == "事件记录已被删除"


def test_verify_names_a_removed_seal(db):
    events = _events(4)
    chain.seal()
    victim = AuditSeal.objects.get(event_id=events[1].pk)
    _sql(f"ALTER TABLE {SEALS} DISABLE TRIGGER audit_seal_append_only")
    _sql(f"DELETE FROM {SEALS} WHERE seq = %s", [victim.seq])
    _sql(f"ALTER TABLE {SEALS} ENABLE TRIGGER audit_seal_append_only")
    result = chain.verify()
    assert result.broken["seq"] == victim.seq + 1
    assert "不衔接" in result.broken["reason"]


def test_concurrent_sealers_do_not_fork_the_chain(transactional_db):
    """Two sealers at once (beat twice, or beat and a manual run): the advisory lock keeps one chain."""
    import threading

    _events(50)
    errors = []

    def run():
        try:
            chain.seal(batch=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = chain.verify()
    assert result.ok and result.checked == 50
