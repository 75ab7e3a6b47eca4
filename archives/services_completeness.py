"""State changes of the completeness and fixity features: excused years, re-checks, sweeps, resolving findings.

One function per use case, keyword arguments, atomic, audited in the same transaction. The check itself runs
after commit (archives.signals_completeness); these services only record what people decide.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import SYSTEM_ADMIN, has_role
from archives import access
from archives.access import Action
from archives.completeness import excusal_violations, expected_years, gather, load_rules
from archives.models import (
    Archive,
    CompletenessExcusal,
    CompletenessRule,
    ExcuseReason,
    FixityFinding,
    RuleCountMode,
)
from archives.signals_completeness import schedule_check, schedule_sweep
from audit.services import record
from core.errors import DomainError, raise_for


def _require_manage(user, archive: Archive) -> None:
    if not access.can(user, Action.MANAGE, archive):
        raise access.deny(
            user, Action.MANAGE, archive=archive, reason="completeness: not the archive's clerk"
        )


@transaction.atomic
def excuse_year(
    *, archive: Archive, rule: CompletenessRule, year: int, reason: str, note: str = "", by
) -> CompletenessExcusal:
    """Record that a year needs no material under a yearly rule (试用期, 不定等次, 病休...)."""
    _require_manage(by, archive)
    archive = Archive.objects.select_for_update().get(pk=archive.pk)
    ruleset = load_rules()
    spec = next((r for r in ruleset.rules if r.id == rule.pk), None)
    facts = gather(archive.pk, ruleset)
    years = (
        expected_years(spec, facts, ruleset) if spec and spec.count_mode == RuleCountMode.PER_YEAR else None
    )
    existing = CompletenessExcusal.objects.filter(
        archive=archive, rule=rule, year=year, revoked_at__isnull=True
    ).exists()
    raise_for(
        excusal_violations(
            count_mode=rule.count_mode if rule.is_active else "",
            year=year,
            reason=reason,
            note=note,
            expected=years,
            duplicate=existing,
        )
    )
    try:
        with transaction.atomic():
            excusal = CompletenessExcusal.objects.create(
                archive=archive, rule=rule, year=year, reason=reason, note=note.strip(), recorded_by=by
            )
    except IntegrityError:
        raise DomainError("EXCUSE_DUPLICATE", f"{year}年度已登记免查原因。", "year")
    record(
        by,
        "completeness.excuse_year",
        archive=archive,
        target=excusal,
        details={"rule": rule.code, "year": year, "reason": ExcuseReason(reason).label, "note": note.strip()},
    )
    schedule_check(archive.pk)
    return excusal


@transaction.atomic
def revoke_excusal(*, excusal: CompletenessExcusal, reason: str, by) -> CompletenessExcusal:
    _require_manage(by, excusal.archive)
    excusal = CompletenessExcusal.objects.select_for_update().get(pk=excusal.pk)
    if excusal.revoked_at is not None:
        raise DomainError("EXCUSE_ALREADY_REVOKED", "该免查年度已撤销。")
    if not (reason or "").strip():
        raise DomainError("EXCUSE_REVOKE_REASON_REQUIRED", "请填写撤销原因。", "reason")
    excusal.revoked_at = timezone.now()
    excusal.revoked_by = by
    excusal.revoke_reason = reason.strip()[:200]
    excusal.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record(
        by,
        "completeness.excuse_revoke",
        archive=excusal.archive_id,
        target=excusal,
        details={"rule": excusal.rule.code, "year": excusal.year, "reason": excusal.revoke_reason},
    )
    schedule_check(excusal.archive_id)
    return excusal


@transaction.atomic
def request_recheck(*, archive: Archive, by) -> None:
    """A clerk asks for a fresh check now (after commit: in the worker, or at once in eager mode)."""
    _require_manage(by, archive)
    record(by, "completeness.recheck", archive=archive)
    schedule_check(archive.pk)


@transaction.atomic
def start_sweep(*, by) -> None:
    """The system admin starts a full sweep now (e.g. after editing rules); it runs after commit."""
    if not (has_role(by, SYSTEM_ADMIN) or by.is_superuser):
        raise DomainError("PERMISSION_DENIED", "只有系统管理员可以启动全量核查。", status=403)
    record(by, "completeness.sweep", details={"trigger": "manual"})
    schedule_sweep()


def can_resolve(user, finding: FixityFinding) -> bool:
    if has_role(user, SYSTEM_ADMIN) or user.is_superuser:
        return True
    return finding.archive_id is not None and access.can(user, Action.MANAGE, finding.archive)


@transaction.atomic
def resolve_finding(*, finding: FixityFinding, note: str, by) -> FixityFinding:
    if not can_resolve(by, finding):
        raise access.deny(
            by, Action.MANAGE, archive=finding.archive_id, target=finding, reason="fixity finding"
        )
    finding = FixityFinding.objects.select_for_update().get(pk=finding.pk)
    if finding.resolved_at is not None:
        raise DomainError("FIXITY_ALREADY_RESOLVED", "该问题已处理。")
    note = (note or "").strip()
    if not note:
        raise DomainError(
            "FIXITY_NOTE_REQUIRED", "请填写处理说明（如：已从备份恢复文件、已重新扫描）。", "note"
        )
    finding.resolved_at = timezone.now()
    finding.resolved_by = by
    finding.resolution_note = note[:300]
    finding.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    record(
        by,
        "fixity.resolve",
        archive=finding.archive_id,
        target=finding,
        details={"kind": finding.kind, "key": finding.storage_key, "note": finding.resolution_note},
    )
    return finding
