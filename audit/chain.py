"""Hash chain over the audit log: sealing (periodic task) and verification (management command)."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.models import AuditEvent, AuditSeal

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_name",
    "actor_unit_id",
    "actor_unit_name",
    "actor_roles",
    "action",
    "outcome",
    "archive_id",
    "archive_no",
    "target_type",
    "target_id",
    "target_repr",
    "ip",
    "user_agent",
    "request_id",
    "details",
)
# Events committed later than this after the previous seal run are still found by `seal(full=True)`.
LOOKBACK = timedelta(hours=1)
_LOCK_KEY = 7_300_001  # pg advisory lock id for the sealer


def canonical(row: dict) -> bytes:
    data = {}
    for name in HASHED_FIELDS:
        value = row.get(name)
        if name == "created_at" and value is not None:
            value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(prev_hash: str, row: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + canonical(row)).hexdigest()


def _lock(wait: bool = True) -> bool:
    """Serialise sealers (PostgreSQL advisory lock for this transaction). False: another sealer holds it."""
    if connection.vendor != "postgresql":
        return True  # SQLite serialises writers itself
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def seal(*, batch: int = 5000, full: bool = False, wait: bool = True) -> int:
    """Chain every committed, unsealed event. Returns how many were sealed. Safe to run concurrently.

    wait=False returns at once (sealing nothing) when another sealer is running: that one, or the next run,
    picks the events up.
    """
    total = 0
    while True:
        with transaction.atomic():
            if not _lock(wait):
                return total
            last = AuditSeal.objects.order_by("-seq").first()
            prev_hash = last.hash if last else GENESIS
            pending = AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
            if last and not full:
                pending = pending.filter(created_at__gte=last.sealed_at - LOOKBACK)
            rows = list(pending.order_by("id").values(*HASHED_FIELDS)[:batch])
            if not rows:
                return total
            now = timezone.now()
            seals = []
            for row in rows:
                digest = link(prev_hash, row)
                seals.append(AuditSeal(event_id=row["id"], prev_hash=prev_hash, hash=digest, sealed_at=now))
                prev_hash = digest
            AuditSeal.objects.bulk_create(seals)
            total += len(seals)
        if len(rows) < batch:
            return total


def head() -> AuditSeal | None:
    """The newest link of the chain (its seq and hash are what an auditor writes down as an anchor)."""
    return AuditSeal.objects.order_by("-seq").first()


def unsealed_count() -> int:
    """Events not yet in the chain. Cheap for a page: only events newer than the last seal run (minus the
    look-back) can be unsealed once sealing runs; verify() counts the whole table."""
    unsealed = AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
    top = head()
    if top is not None:
        unsealed = unsealed.filter(created_at__gte=top.sealed_at - LOOKBACK)
    return unsealed.count()


# --- sealing without a beat process ------------------------------------------------------------------------


def seal_on_commit_enabled() -> bool:
    """Seal right after each commit when no periodic beat runs: no broker configured (make run, eager tasks).

    Settings may force it either way with AUDIT_SEAL_ON_COMMIT; tests leave it off unless they turn it on.
    """
    from django.conf import settings

    value = getattr(settings, "AUDIT_SEAL_ON_COMMIT", None)
    if value is not None:
        return bool(value)
    return not getattr(settings, "REDIS_URL", "") and not getattr(settings, "TESTING", False)


def _seal_after_commit() -> None:
    try:
        seal(wait=False)
    except Exception:  # never fail the request that wrote the event; the next commit or run seals it
        logger.warning("audit chain: sealing after commit failed; it will be retried", exc_info=True)


def schedule_seal() -> None:
    """Called by audit.services.record: one seal after the surrounding transaction commits (once per
    transaction, however many events it wrote)."""
    if not seal_on_commit_enabled():
        return
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _seal_after_commit for entry in pending):
        return
    transaction.on_commit(_seal_after_commit)


@dataclass
class VerifyResult:
    checked: int = 0
    broken: dict | None = None
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(
    *,
    chunk: int = 5000,
    grace: timedelta = timedelta(minutes=5),
    anchor: tuple[int, str] | None = None,
) -> VerifyResult:
    """Walk the chain in order; report the first broken link and the count of unsealed events.

    `anchor` = (seq, hash) written down earlier from head(): the link at seq must still carry that hash, which
    catches a chain recomputed from scratch by someone who could rewrite both tables.
    """
    result = VerifyResult()
    prev_hash = GENESIS
    last_seq = 0
    while True:
        seals = list(AuditSeal.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not seals:
            break
        events = {
            row["id"]: row
            for row in AuditEvent.objects.filter(id__in=[s.event_id for s in seals]).values(*HASHED_FIELDS)
        }
        for s in seals:
            reason = None
            row = events.get(s.event_id)
            if s.prev_hash != prev_hash:
                reason = "封存链前后哈希不衔接（封存记录被改动或删除）"
            elif row is None:
                reason = "事件记录已被删除"
            elif link(prev_hash, row) != s.hash:
                reason = "事件内容与封存哈希不符（记录被篡改）"
            if reason:
                result.broken = {"seq": s.seq, "event_id": s.event_id, "reason": reason}
                return result
            prev_hash = s.hash
            result.checked += 1
            last_seq = s.seq
    if anchor is not None:
        seq, expected = anchor
        link_row = AuditSeal.objects.filter(seq=seq).first()
        if link_row is None or link_row.hash != expected:
            result.broken = {
                "seq": seq,
                "event_id": link_row.event_id if link_row else None,
                "reason": "与记录的锚点哈希不符（封存链被整体重算或截断）",
            }
            return result
    cutoff = timezone.now() - grace
    result.unsealed = (
        AuditEvent.objects.filter(created_at__lt=cutoff)
        .filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
        .count()
    )
    if result.unsealed:
        result.problems.append(
            f"{result.unsealed} 条超过 {int(grace.total_seconds() // 60)} 分钟的事件尚未封存"
        )
    return result
