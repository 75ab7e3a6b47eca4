"""Reads of transfers and intakes, filtered by who may see them, without N+1.

Who sees a transfer: the clerks of the unit it was sent from (its register stays theirs after the archive has
left), the clerks of the system unit it is addressed to once it is on its way, and the reviewers whose authority
covers the cadre (drafts excepted). Who sees an intake: the clerks of the receiving unit, and the reviewers whose
authority covers the archive once it has been accepted. Anything else answers 404 and the attempt is audited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.access import Action
from archives.models import ArchiveStatus
from archives.selectors import search_q
from borrowing import rules_transfer as rules
from borrowing.models import (
    OPEN_TRANSFER_STATUSES,
    Intake,
    IntakeAlteration,
    IntakeReviewStatus,
    IntakeStatus,
    Transfer,
    TransferChase,
    TransferStatus,
)
from core.config import setting


def _served(user) -> list[int]:
    return access.served_unit_ids(user) if CLERK in roles_of(user) else []


def transfer_visibility_q(user) -> Q:
    roles = roles_of(user)
    q = Q(pk__in=[])
    if user.is_superuser:
        return ~q
    if CLERK in roles:
        served = _served(user)
        q |= Q(from_unit_id__in=served)
        q |= Q(
            to_unit_id__in=served,
            status__in=[TransferStatus.SENT, TransferStatus.RECEIVED, TransferStatus.RETURNED],
        )
    if REVIEWER in roles:
        q |= Q(
            ~Q(status=TransferStatus.DRAFT),
            archive__in=access.archives_for(user, Action.VIEW_DIRECTORY).values("pk"),
        )
    return q


def transfers_for(user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return Transfer.objects.none()
    return Transfer.objects.filter(transfer_visibility_q(user))


def _related(qs: QuerySet) -> QuerySet:
    return qs.select_related("archive__cadre", "from_unit", "to_unit", "created_by", "approved_by").annotate(
        chase_count=Count("chases"), last_chase=Max("chases__chased_on")
    )


def get_transfer(user, pk) -> Transfer:
    """The transfer if the user may see it; otherwise the attempt is audited and Http404 raised."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise access.deny(user, "view_transfer", reason="bad id") from None
    transfer = (
        transfers_for(user)
        .select_related("archive__cadre__unit", "archive__holding_unit", "from_unit", "to_unit", "created_by")
        .select_related("approved_by", "sent_by", "receipt_recorded_by")
        .prefetch_related(Prefetch("chases", queryset=TransferChase.objects.select_related("by")))
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        archive_id = Transfer.objects.filter(pk=pk).values_list("archive_id", flat=True).first()
        raise access.deny(
            user,
            "view_transfer",
            archive=archive_id,
            target=("borrowing.transfer", pk, ""),
            reason="transfer not visible",
        )
    return transfer


@dataclass
class TransferFilters:
    status: str = ""
    q: str = ""
    year: int | None = None


def transfer_list(user, f: TransferFilters) -> QuerySet:
    qs = transfers_for(user)
    if f.status == "open":
        qs = qs.filter(status__in=[TransferStatus.DRAFT, TransferStatus.SUBMITTED, TransferStatus.APPROVED])
    elif f.status == "overdue":
        qs = qs.filter(status=TransferStatus.SENT, receipt_overdue_at__isnull=False)
    elif f.status in TransferStatus.values:
        qs = qs.filter(status=f.status)
    if f.q:
        text = f.q.strip()
        qs = qs.filter(
            Q(archive_no__startswith=text.upper())
            | Q(cadre_name__startswith=text)
            | Q(number__startswith=text.upper())
            | Q(to_unit_name__contains=text)
        )
    if f.year:
        qs = qs.filter(created_at__year=f.year)
    return _related(qs).order_by("-created_at", "-id")


def open_transfer_of(archive) -> Transfer | None:
    return Transfer.objects.filter(archive=archive, status__in=OPEN_TRANSFER_STATUSES).first()


def register_out(user, year: int) -> QuerySet:
    """年度转出登记: the archives this user's units sent in a year (the history stays after they left)."""
    return (
        _related(transfers_for(user).filter(sent_on__year=year, from_unit_id__in=_served(user)))
        .filter(status__in=[TransferStatus.SENT, TransferStatus.RECEIVED, TransferStatus.RETURNED])
        .order_by("sent_on", "id")
    )


def awaiting_approval(user) -> QuerySet:
    """Transfers waiting for this reviewer: within their authority, not prepared by themselves."""
    if REVIEWER not in roles_of(user):
        return Transfer.objects.none()
    return (
        _related(transfers_for(user).filter(status=TransferStatus.SUBMITTED))
        .exclude(created_by=user)
        .order_by("submitted_at", "id")
    )


def overdue_receipts(user) -> QuerySet:
    """回执逾期，应催问: marked by the daily task (receipt_overdue_sweep), still without a receipt."""
    return _related(
        Transfer.objects.filter(
            from_unit_id__in=_served(user), status=TransferStatus.SENT, receipt_overdue_at__isnull=False
        )
    ).order_by("sent_on", "id")


def desk_counts(user) -> dict[str, int]:
    served = _served(user)
    qs = Transfer.objects.filter(from_unit_id__in=served)
    counts = {
        "draft": qs.filter(status=TransferStatus.DRAFT).count(),
        "submitted": qs.filter(status=TransferStatus.SUBMITTED).count(),
        "approved": qs.filter(status=TransferStatus.APPROVED).count(),
        "sent": qs.filter(status=TransferStatus.SENT).count(),
        "overdue": qs.filter(status=TransferStatus.SENT, receipt_overdue_at__isnull=False).count(),
    }
    intakes = Intake.objects.filter(holding_unit_id__in=served)
    counts["intake_registered"] = intakes.filter(status=IntakeStatus.REGISTERED).count()
    counts["intake_review"] = intakes.filter(
        status=IntakeStatus.ACCEPTED,
        review_status__in=[IntakeReviewStatus.PENDING, IntakeReviewStatus.CONFIRMED],
    ).count()
    counts["incoming"] = (
        Transfer.objects.filter(status=TransferStatus.SENT, to_unit_id__in=served)
        .exclude(intakes__status=IntakeStatus.REGISTERED)
        .count()
    )
    return counts


def days_since_sent(transfer: Transfer, today: datetime.date | None = None) -> int | None:
    if not transfer.sent_on:
        return None
    return ((today or timezone.localdate()) - transfer.sent_on).days


def is_overdue_now(transfer: Transfer) -> bool:
    """By the clock (the desk shows it at once; the home panel shows what the daily task reported)."""
    return transfer.status == TransferStatus.SENT and rules.receipt_overdue(
        sent_on=transfer.sent_on, today=timezone.localdate(), chase_days=setting("RECEIPT_CHASE_DAYS")
    )


def archives_to_transfer(user, q: str = "") -> QuerySet:
    """Archives a clerk may start a transfer of: held by their units, not gone, no open transfer."""
    qs = (
        access.archives_for(user, Action.MANAGE)
        .exclude(status=ArchiveStatus.TRANSFERRED_OUT)
        .exclude(
            Exists(Transfer.objects.filter(archive=OuterRef("pk"), status__in=list(OPEN_TRANSFER_STATUSES)))
        )
        .select_related("cadre__unit", "holding_unit")
    )
    if q:
        cond = search_q(q)
        if cond is not None:
            qs = qs.filter(cond)
    return qs.order_by("archive_no")


# --- intakes -------------------------------------------------------------------------------------------------------


def intake_visibility_q(user) -> Q:
    roles = roles_of(user)
    q = Q(pk__in=[])
    if user.is_superuser:
        return ~q
    if CLERK in roles:
        q |= Q(holding_unit_id__in=_served(user))
    if REVIEWER in roles:
        q |= Q(archive__in=access.archives_for(user, Action.VIEW_DIRECTORY).values("pk"))
    return q


def intakes_for(user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return Intake.objects.none()
    return Intake.objects.filter(intake_visibility_q(user))


def get_intake(user, pk) -> Intake:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise access.deny(user, "view_intake", reason="bad id") from None
    intake = (
        intakes_for(user)
        .select_related(
            "holding_unit",
            "archive__cadre",
            "transfer__from_unit",
            "received_by",
            "accepted_by",
            "returned_by",
            "confirmed_by",
            "review_submitted_by",
            "record_material__category",
        )
        .prefetch_related(
            Prefetch(
                "alterations",
                queryset=IntakeAlteration.objects.select_related("material__category", "recorded_by"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if intake is None:
        archive_id = Intake.objects.filter(pk=pk).values_list("archive_id", flat=True).first()
        raise access.deny(
            user,
            "view_intake",
            archive=archive_id,
            target=("borrowing.intake", pk, ""),
            reason="intake not visible",
        )
    return intake


def intake_list(user, *, status: str = "", q: str = "") -> QuerySet:
    qs = (
        intakes_for(user)
        .select_related("holding_unit", "archive", "received_by", "transfer")
        .annotate(alteration_count=Count("alterations"))
    )
    if status == "review":
        qs = qs.filter(
            status=IntakeStatus.ACCEPTED,
            review_status__in=[
                IntakeReviewStatus.PENDING,
                IntakeReviewStatus.AWAITING,
                IntakeReviewStatus.CONFIRMED,
            ],
        )
    elif status in IntakeStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(name__startswith=q) | Q(number__startswith=q.upper()) | Q(sending_unit_name__contains=q)
        )
    return qs.order_by("-received_on", "-id")


def awaiting_confirmation(user) -> QuerySet:
    """Alteration records waiting for the organization's confirmation by this reviewer."""
    if REVIEWER not in roles_of(user):
        return Intake.objects.none()
    return (
        intakes_for(user)
        .filter(status=IntakeStatus.ACCEPTED, review_status=IntakeReviewStatus.AWAITING)
        .exclude(review_submitted_by=user)
        .select_related("archive__cadre", "holding_unit")
        .annotate(alteration_count=Count("alterations"))
        .order_by("review_submitted_at", "id")
    )
