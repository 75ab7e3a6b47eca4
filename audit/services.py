"""Writing the audit log. Every service that changes data, and every read path, calls `record`."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit import chain
from audit.models import AuditEvent, Outcome
from core import context


def _archive_ref(archive) -> tuple[int | None, str]:
    if archive is None:
        return None, ""
    if isinstance(archive, int):
        if not -(2**63) <= archive < 2**63:
            return (
                None,
                "",
            )  # no archive has such an id (a probe): the column is a bigint, nothing to point at
        # An id only (a refused attempt on an archive the user may not see): name it for the auditor.
        from django.apps import apps

        number = (
            apps.get_model("archives", "Archive")
            .objects.filter(pk=archive)
            .values_list("archive_no", flat=True)
            .first()
        )
        return archive, number or ""
    return archive.pk, getattr(archive, "archive_no", "") or ""


def _target_ref(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:255]
    if isinstance(target, tuple):
        kind, pk, text = (list(target) + ["", "", ""])[:3]
        return str(kind), str(pk), str(text)[:255]
    return "", "", str(target)[:255]


def record(
    actor,
    action: str,
    *,
    archive=None,
    target=None,
    outcome: str = Outcome.SUCCESS,
    username: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction so the event commits with the change.

    `actor` is a User or None (anonymous); `archive` an Archive, an archive id or None; `target` a model
    instance, a (type, id, text) tuple, or None. The actor's name, unit and roles are copied into the row.
    """
    info = context.current()
    archive_id, archive_no = _archive_ref(archive)
    target_type, target_id, target_repr = _target_ref(target)
    fields: dict[str, Any] = {
        "action": action,
        "outcome": outcome,
        "archive_id": archive_id,
        "archive_no": archive_no,
        "target_type": target_type,
        "target_id": target_id,
        "target_repr": target_repr,
        "ip": info.ip,
        "user_agent": info.user_agent,
        "request_id": info.request_id,
        "details": _jsonable(details or {}),
        "actor_username": username[:150],
    }
    if actor is not None and getattr(actor, "is_authenticated", False):
        from accounts.roles import roles_of

        unit = actor.unit if actor.unit_id else None
        fields.update(
            actor=actor,
            actor_username=actor.get_username(),
            actor_name=actor.get_full_name()[:50],
            actor_unit_id=actor.unit_id,
            actor_unit_name=unit.name if unit else "",
            actor_roles=",".join(sorted(roles_of(actor)))[:100],
        )
    for name in ("actor_username", "target_repr", "target_id", "user_agent", "request_id"):
        fields[name] = _clean(fields[name])
    event = AuditEvent.objects.create(**fields)
    chain.schedule_seal()
    return event


def _clean(text: str) -> str:
    """PostgreSQL refuses NUL in text: a crafted user name or header must not make the audit write fail."""
    return text.replace("\x00", "\ufffd") if isinstance(text, str) and "\x00" in text else text


def _jsonable(value):
    """Details must survive a JSON round trip unchanged, or the hash chain would not verify."""
    import datetime
    import decimal
    import uuid

    if isinstance(value, dict):
        return {_clean(str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, str):
        return _clean(value)
    return value
