"""Reads of gradings, filtered by the access policy (the archives the user may see), without N+1; the year-end
report per submitting unit (年终通报)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from archives import access
from archives.access import Action
from reviews.models import ArchiveGrading, Grade, GradingLine, GradingStatus, GradingVetoLine


def gradings_for(user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return ArchiveGrading.objects.none()
    return ArchiveGrading.objects.filter(
        archive__in=access.archives_for(user, Action.VIEW_DIRECTORY).values("pk")
    )


def grading_list(
    user, *, year: int | None = None, status: str = "", q: str = "", unit: int | None = None
) -> QuerySet:
    qs = gradings_for(user).select_related(
        "archive__cadre", "submitting_unit", "initial_by", "check_by", "second_by"
    )
    if year:
        qs = qs.filter(year=year)
    if status == "open":
        qs = qs.exclude(status=GradingStatus.FINAL)
    elif status in GradingStatus.values:
        qs = qs.filter(status=status)
    elif status in Grade.values:
        qs = qs.filter(status=GradingStatus.FINAL, grade=status)
    if unit:
        qs = qs.filter(submitting_unit_id=unit)
    if q:
        text = q.strip()
        qs = qs.filter(
            Q(archive__cadre__name__startswith=text)
            | Q(archive__archive_no__startswith=text.upper())
            | Q(number__startswith=text.upper())
        )
    return qs.order_by("-submitted_on", "-id")


def get_grading(user, pk) -> ArchiveGrading:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise access.deny(user, "view_grading", reason="bad id") from None
    grading = (
        gradings_for(user)
        .select_related(
            "archive__cadre__unit", "submitting_unit", "initial_by", "check_by", "second_by", "created_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=GradingLine.objects.order_by("number", "id")),
            Prefetch("vetoes", queryset=GradingVetoLine.objects.order_by("number", "id")),
        )
        .filter(pk=pk)
        .first()
    )
    if grading is None:
        archive_id = ArchiveGrading.objects.filter(pk=pk).values_list("archive_id", flat=True).first()
        raise access.deny(
            user,
            "view_grading",
            archive=archive_id,
            target=("reviews.archivegrading", pk, ""),
            reason="grading not visible",
        )
    return grading


@dataclass
class ReportRow:
    unit_id: int
    unit: str
    total: int
    final: int
    excellent: int
    qualified: int
    unqualified: int
    pending: int
    late: int
    returned: int
    average: Decimal | None

    @property
    def excellent_rate(self) -> str:
        return f"{self.excellent * 100 / self.final:.0f}%" if self.final else "—"


def year_report(user, year: int) -> tuple[list[ReportRow], ReportRow]:
    """年终通报: per submitting unit, how many archives in each grade, late submissions and returned archives."""
    final = Q(status=GradingStatus.FINAL)
    rows = (
        gradings_for(user)
        .filter(year=year)
        .values("submitting_unit_id", "submitting_unit__name", "submitting_unit__path")
        .annotate(
            total=Count("pk"),
            final=Count("pk", filter=final),
            excellent=Count("pk", filter=final & Q(grade=Grade.EXCELLENT)),
            qualified=Count("pk", filter=final & Q(grade=Grade.QUALIFIED)),
            unqualified=Count("pk", filter=final & Q(grade=Grade.UNQUALIFIED)),
            late=Count("pk", filter=Q(is_late=True)),
            returned=Count("pk", filter=Q(returned_on__isnull=False)),
            average=Avg("score", filter=final),
        )
        .order_by("submitting_unit__path")
    )
    out = []
    for r in rows:
        out.append(
            ReportRow(
                unit_id=r["submitting_unit_id"],
                unit=r["submitting_unit__name"],
                total=r["total"],
                final=r["final"],
                excellent=r["excellent"],
                qualified=r["qualified"],
                unqualified=r["unqualified"],
                pending=r["total"] - r["final"],
                late=r["late"],
                returned=r["returned"],
                average=Decimal(r["average"]).quantize(Decimal("0.1")) if r["average"] is not None else None,
            )
        )
    finals = sum(r.final for r in out)
    weighted = sum((r.average or 0) * r.final for r in out)
    total = ReportRow(
        unit_id=0,
        unit="合计",
        total=sum(r.total for r in out),
        final=finals,
        excellent=sum(r.excellent for r in out),
        qualified=sum(r.qualified for r in out),
        unqualified=sum(r.unqualified for r in out),
        pending=sum(r.pending for r in out),
        late=sum(r.late for r in out),
        returned=sum(r.returned for r in out),
        average=(Decimal(weighted) / finals).quantize(Decimal("0.1")) if finals else None,
    )
    return out, total


def report_details(user, year: int) -> dict[str, list[ArchiveGrading]]:
    """The late submissions, the returned archives and the 不合格 ones, named in the notice."""
    base = (
        gradings_for(user)
        .filter(year=year)
        .select_related("archive__cadre", "submitting_unit")
        .order_by("submitting_unit__path", "submitted_on")
    )
    return {
        "late": list(base.filter(is_late=True)),
        "returned": list(base.filter(returned_on__isnull=False)),
        "unqualified": list(base.filter(status=GradingStatus.FINAL, grade=Grade.UNQUALIFIED)),
    }


def awaiting_signature(user, stage: str) -> QuerySet:
    status = {"check": GradingStatus.CHECKING, "second": GradingStatus.SECOND}[stage]
    return (
        gradings_for(user)
        .filter(status=status)
        .exclude(initial_by=user)
        .exclude(check_by=user)
        .select_related("archive__cadre", "submitting_unit")
        .order_by("initial_at", "id")
    )
