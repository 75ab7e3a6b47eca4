"""Reads for the completeness and fixity pages, filtered by archives.access, a fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet

from accounts.models import Unit
from accounts.roles import SYSTEM_ADMIN, has_role
from archives import access
from archives.access import Action
from archives.models import (
    Archive,
    CompletenessExcusal,
    FixityFinding,
    FixityState,
    SweepRun,
)

WORST_FIRST = (
    "-completeness__has_veto",
    "completeness__score",
    "-completeness__missing_count",
    "archive_no",
)


def incomplete_archives(
    user, *, unit_id: int | None = None, veto_only: bool = False, query: str = ""
) -> QuerySet[Archive]:
    """Incomplete archives of the clerk's holdings, worst first (veto items, then lowest score)."""
    qs = access.archives_for(user, Action.MANAGE).filter(completeness__is_complete=False)
    if unit_id:
        qs = qs.filter(holding_unit_id=unit_id)
    if veto_only:
        qs = qs.filter(completeness__has_veto=True)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(archive_no__startswith=query.upper()) | Q(cadre__name__startswith=query))
    return qs.select_related("cadre", "holding_unit", "completeness").order_by(*WORST_FIRST)


def holdings_summary(user) -> dict:
    """Counts for the clerk's panel: incomplete, with veto items, never checked."""
    return access.archives_for(user, Action.MANAGE).aggregate(
        total=Count("pk"),
        incomplete=Count("pk", filter=Q(completeness__is_complete=False)),
        veto=Count("pk", filter=Q(completeness__has_veto=True)),
        unchecked=Count("pk", filter=Q(completeness__isnull=True)),
    )


@dataclass
class UnitRow:
    unit: Unit
    total: int
    complete: int
    incomplete: int
    veto: int
    unchecked: int
    last_checked: object
    oldest_checked: object
    avg_score: float | None

    @property
    def complete_rate(self) -> float:
        checked = self.total - self.unchecked
        return round(100 * self.complete / checked, 1) if checked else 0.0


def dashboard(user) -> list[UnitRow]:
    """Per holding unit: archives complete, incomplete, with veto items, never checked, and when last checked."""
    from django.db.models import Avg

    rows = (
        access.archives_for(user, Action.VIEW_DIRECTORY)
        .values("holding_unit_id")
        .annotate(
            total=Count("pk"),
            complete=Count("pk", filter=Q(completeness__is_complete=True)),
            incomplete=Count("pk", filter=Q(completeness__is_complete=False)),
            veto=Count("pk", filter=Q(completeness__has_veto=True)),
            unchecked=Count("pk", filter=Q(completeness__isnull=True)),
            last_checked=Max("completeness__computed_at"),
            oldest_checked=Min("completeness__computed_at"),
            avg_score=Avg("completeness__score"),
        )
        .order_by("holding_unit_id")
    )
    rows = list(rows)
    units = Unit.objects.in_bulk([r["holding_unit_id"] for r in rows])
    result = [
        UnitRow(
            unit=units[r["holding_unit_id"]],
            total=r["total"],
            complete=r["complete"],
            incomplete=r["incomplete"],
            veto=r["veto"],
            unchecked=r["unchecked"],
            last_checked=r["last_checked"],
            oldest_checked=r["oldest_checked"],
            avg_score=round(float(r["avg_score"]), 1) if r["avg_score"] is not None else None,
        )
        for r in rows
    ]
    result.sort(key=lambda row: (getattr(row.unit, "path", "") or "", row.unit.pk))
    return result


def last_sweep() -> SweepRun | None:
    return SweepRun.objects.order_by("-started_at", "-id").first()


def last_finished_sweep() -> SweepRun | None:
    return SweepRun.objects.filter(status=SweepRun.Status.DONE).order_by("-finished_at", "-id").first()


def excusals_for(archive: Archive, *, include_revoked: bool = True) -> QuerySet[CompletenessExcusal]:
    qs = CompletenessExcusal.objects.filter(archive=archive).select_related(
        "rule", "recorded_by", "revoked_by"
    )
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("rule__sort_order", "year", "-recorded_at")


def sees_all_findings(user) -> bool:
    return has_role(user, SYSTEM_ADMIN) or user.is_superuser


def findings_for(user, *, status: str = "open", kind: str = "") -> QuerySet[FixityFinding]:
    """Fixity findings the user may see: the clerk's holdings; everything for the system admin."""
    qs = FixityFinding.objects.all()
    if not sees_all_findings(user):
        qs = qs.filter(archive__in=access.archives_for(user, Action.MANAGE))
    if status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("archive", "material", "material__category", "resolved_by").order_by(
        "resolved_at", "-last_seen_at", "-id"
    )


def fixity_counts(user) -> dict:
    qs = findings_for(user, status="open")
    by_kind = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {"total": sum(by_kind.values()), "by_kind": by_kind}


def fixity_state() -> FixityState | None:
    return FixityState.objects.filter(name="pages").first()
