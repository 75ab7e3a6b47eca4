"""Reads for viewing and borrowing, already filtered by what the user may see (archives.access), without N+1.

Who sees a request:
- the applicant (填表人) and the viewers linked to it;
- a clerk (管档员) when a subject archive is in the holdings they serve;
- a reviewer (审批人) when a subject cadre is within their authority, once the request has been submitted.
Nobody sees a request about their own archive or a relative's through the clerk or reviewer paths (the access
policy's SELF_OR_RELATIVE exclusion applies to those).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.access import Action
from archives.models import Archive, ArchiveUserObjectPermission, Material
from borrowing.models import (
    LIVE_STATUSES,
    PENDING_STATUSES,
    AccessMode,
    AccessRequest,
    AccessRequestSubject,
    AccessRequestViewer,
    Approval,
    Checkout,
    CheckoutStatus,
    IncidentStatus,
    NoticeStage,
    OverdueNotice,
    RequestStatus,
    ReturnIncident,
)


def _subject_in(archives: QuerySet) -> Exists:
    return Exists(
        AccessRequestSubject.objects.filter(request=OuterRef("pk"), archive__in=archives.values("pk"))
    )


def visibility_q(user) -> Q:
    roles = roles_of(user)
    q = Q(created_by=user) | Exists(AccessRequestViewer.objects.filter(request=OuterRef("pk"), user=user))
    if CLERK in roles:
        q |= _subject_in(access.archives_for(user, Action.MANAGE))
    if REVIEWER in roles:
        q |= Q(~Q(status=RequestStatus.DRAFT), _subject_in(access.archives_for(user, Action.VIEW_DIRECTORY)))
    return q


def _with_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("requesting_unit", "created_by").prefetch_related(
        Prefetch("viewers", queryset=AccessRequestViewer.objects.select_related("user")),
        Prefetch("subjects", queryset=AccessRequestSubject.objects.select_related("archive__cadre")),
    )


def requests_for(user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(visibility_q(user))


def get_request(user, pk, *, queryset: QuerySet | None = None) -> AccessRequest:
    """The request if the user may see it; otherwise the attempt is audited and Http404 raised."""
    base = queryset if queryset is not None else AccessRequest.objects.all()
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise access.deny(user, "view_access_request", reason="bad id") from None
    req = base.filter(visibility_q(user)).filter(pk=pk).first() if user.is_authenticated else None
    if req is None:
        raise access.deny(
            user,
            "view_access_request",
            target=("borrowing.accessrequest", pk, ""),
            reason="request not visible",
        )
    return req


def request_detail(user, pk) -> AccessRequest:
    return get_request(
        user,
        pk,
        queryset=AccessRequest.objects.select_related(
            "requesting_unit", "created_by", "handled_by"
        ).prefetch_related(
            Prefetch("viewers", queryset=AccessRequestViewer.objects.select_related("user")),
            Prefetch(
                "subjects",
                queryset=AccessRequestSubject.objects.select_related(
                    "archive__cadre__unit", "archive__holding_unit"
                ).prefetch_related(
                    "scope_categories", "scope_materials__category", "copy_materials__category"
                ),
            ),
            Prefetch("approvals", queryset=Approval.objects.select_related("reviewer")),
            Prefetch(
                "checkouts",
                queryset=Checkout.objects.select_related("archive", "out_by", "returned_by").prefetch_related(
                    "incidents"
                ),
            ),
            "copies__material__category",
            "copies__made_by",
        ),
    )


@dataclass
class Filters:
    status: str = ""
    mode: str = ""
    unit: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""


def filtered(qs: QuerySet, f: Filters) -> QuerySet:
    if f.status == "pending":
        qs = qs.filter(status__in=PENDING_STATUSES)
    elif f.status == "expired":
        now = timezone.now()
        qs = qs.filter(
            Q(status=RequestStatus.EXPIRED)
            | Q(status__in=LIVE_STATUSES, end_at__lte=now, mode=AccessMode.DIGITAL)
            | Q(status=RequestStatus.APPROVED, end_at__lte=now)
        )
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.mode:
        qs = qs.filter(mode=f.mode)
    if f.unit:
        qs = qs.filter(
            Q(requesting_unit__name__startswith=f.unit) | Q(requesting_unit_name__startswith=f.unit)
        )
    if f.date_from:
        start = timezone.make_aware(datetime.datetime.combine(f.date_from, datetime.time.min))
        qs = qs.filter(created_at__gte=start)
    if f.date_to:
        end = timezone.make_aware(datetime.datetime.combine(f.date_to, datetime.time.max))
        qs = qs.filter(created_at__lte=end)
    if f.q:
        q = f.q.strip()
        qs = qs.filter(
            Q(number__startswith=q.upper())
            | Exists(
                AccessRequestSubject.objects.filter(request=OuterRef("pk")).filter(
                    Q(archive__archive_no__startswith=q) | Q(archive__cadre__name__startswith=q)
                )
            )
            | Exists(AccessRequestViewer.objects.filter(request=OuterRef("pk"), name__startswith=q))
        )
    return qs


def request_list(user, f: Filters) -> QuerySet:
    return _with_related(filtered(requests_for(user), f)).order_by("-created_at", "-id")


def inbox(user, f: Filters | None = None) -> QuerySet:
    """The reviewer's inbox: requests within their authority, pending by default, newest submissions first."""
    f = f or Filters(status="pending")
    qs = AccessRequest.objects.exclude(status=RequestStatus.DRAFT).filter(
        _subject_in(access.archives_for(user, Action.VIEW_DIRECTORY))
    )
    return _with_related(filtered(qs, f)).order_by("-submitted_at", "-id")


def awaiting_my_decision(user) -> QuerySet:
    """Pending requests this reviewer may still decide: not their own, not one they already signed."""
    return (
        inbox(user)
        .exclude(created_by=user)
        .exclude(Exists(Approval.objects.filter(request=OuterRef("pk"), reviewer=user)))
    )


# --- the clerk's loan desk ---------------------------------------------------------------------------------------


def clerk_archives(user) -> QuerySet:
    return access.archives_for(user, Action.MANAGE)


def awaiting_checkout(user) -> QuerySet:
    """Approved paper requests (on-site or loan) on archives the clerk holds, window not yet ended."""
    now = timezone.now()
    return (
        _with_related(
            AccessRequest.objects.filter(
                status__in=LIVE_STATUSES, mode__in=[AccessMode.ONSITE, AccessMode.LOAN], end_at__gt=now
            ).filter(_subject_in(clerk_archives(user)))
        )
        .exclude(Exists(Checkout.objects.filter(request=OuterRef("pk"))))
        .order_by("start_at", "id")
    )


def open_checkouts(user) -> QuerySet:
    return (
        Checkout.objects.filter(archive__in=clerk_archives(user).values("pk"))
        .exclude(status=CheckoutStatus.RETURNED)
        .select_related("archive__cadre", "request", "out_by")
        .prefetch_related("notices")
        .order_by("due_at", "id")
    )


def overdue_checkouts(user) -> QuerySet:
    return open_checkouts(user).filter(status=CheckoutStatus.OUT, due_at__lt=timezone.now())


def open_incidents(user) -> QuerySet:
    return (
        ReturnIncident.objects.filter(
            status=IncidentStatus.OPEN, archive__in=clerk_archives(user).values("pk")
        )
        .select_related("archive__cadre", "checkout__request", "opened_by")
        .order_by("-opened_at")
    )


def checkout_for(user, pk) -> Checkout:
    checkout = (
        Checkout.objects.select_related("archive__cadre", "request", "out_by")
        .filter(pk=pk, archive__in=clerk_archives(user).values("pk"))
        .first()
    )
    if checkout is None:
        raise access.deny(
            user, Action.MANAGE, target=("borrowing.checkout", pk, ""), reason="checkout not visible"
        )
    return checkout


def directory_for_return(archive: Archive) -> QuerySet:
    from archives.models import MaterialStatus

    return (
        Material.objects.filter(archive=archive, status=MaterialStatus.FILED)
        .select_related("category")
        .order_by("category__sort_order", "seq", "formed_on", "id")
    )


# --- notices on the home pages ------------------------------------------------------------------------------------


def escalations_for_reviewer(user) -> QuerySet:
    """Overdue escalations addressed to this reviewer (as an approver), for items still out."""
    return (
        OverdueNotice.objects.filter(stage=NoticeStage.ESCALATED, recipients=user)
        .exclude(checkout__status=CheckoutStatus.RETURNED)
        .select_related("checkout__archive__cadre", "checkout__request")
        .order_by("-created_at")
    )


def notices_for_user(user) -> QuerySet:
    return (
        OverdueNotice.objects.filter(recipients=user)
        .exclude(checkout__status=CheckoutStatus.RETURNED)
        .select_related("checkout__archive__cadre", "checkout__request")
        .order_by("-created_at")
    )


# --- the viewer's 我的查阅 ---------------------------------------------------------------------------------------


@dataclass
class GrantedArchive:
    request: AccessRequest
    archive: Archive
    valid_from: datetime.datetime | None
    valid_until: datetime.datetime | None

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or self.valid_until > now
        )

    @property
    def not_started(self) -> bool:
        return self.valid_from is not None and self.valid_from > timezone.now()

    @property
    def remaining(self) -> datetime.timedelta | None:
        if not self.is_open or self.valid_until is None:
            return None
        return self.valid_until - timezone.now()


def my_grants(user, *, include_ended: bool = False) -> list[GrantedArchive]:
    """The archives this user may read through approved digital requests: open now, or starting later."""
    now = timezone.now()
    rows = ArchiveUserObjectPermission.objects.filter(user=user, access_request_id__isnull=False)
    if not include_ended:
        rows = rows.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    rows = list(rows.select_related("content_object__cadre").order_by("valid_until", "pk"))
    requests = {
        r.pk: r
        for r in AccessRequest.objects.filter(pk__in={g.access_request_id for g in rows}).select_related(
            "requesting_unit"
        )
    }
    out = []
    for g in rows:
        req = requests.get(g.access_request_id)
        if req is None:
            continue
        out.append(GrantedArchive(req, g.content_object, g.valid_from, g.valid_until))
    return out


def my_request_for_archive(user, request_pk, archive_pk) -> tuple[AccessRequest, Archive]:
    """A digital request of this viewer and one of its subject archives (404 + audit otherwise)."""
    req = (
        AccessRequest.objects.filter(
            pk=request_pk, mode=AccessMode.DIGITAL, viewers__user=user, subjects__archive_id=archive_pk
        )
        .select_related("requesting_unit")
        .first()
    )
    if req is None:
        raise access.deny(
            user,
            Action.VIEW_CONTENT,
            archive=int(archive_pk) if str(archive_pk).isdecimal() else None,
            reason="no such request for this viewer",
        )
    archive = Archive.objects.select_related("cadre").get(pk=archive_pk)
    return req, archive


def my_paper_requests(user) -> QuerySet:
    return _with_related(
        AccessRequest.objects.filter(viewers__user=user)
        .exclude(mode=AccessMode.DIGITAL)
        .filter(status__in=[*PENDING_STATUSES, *LIVE_STATUSES])
        .distinct()
    ).order_by("start_at")


def counts_for_clerk(user) -> dict[str, int]:
    outs = open_checkouts(user)
    return {
        "awaiting": awaiting_checkout(user).count(),
        "out": outs.filter(status=CheckoutStatus.OUT).count(),
        "overdue": outs.filter(status=CheckoutStatus.OUT, due_at__lt=timezone.now()).count(),
        "anomaly": open_incidents(user).count(),
    }


# --- wording shared by the pages and the PDF ----------------------------------------------------------------


def scope_text(subject: AccessRequestSubject) -> str:
    if subject.scope_all:
        return "全部材料"
    parts = []
    cats = sorted(subject.scope_categories.all(), key=lambda c: c.sort_order)
    if cats:
        parts.append("类别：" + "、".join(f"{c.chinese_label}（{c.name}）" for c in cats))
    mats = list(subject.scope_materials.all())
    if mats:
        parts.append("材料：" + "、".join(f"{m.seq_label or ''} {m.title}".strip() for m in mats))
    return "；".join(parts) or "未指定"


def copy_text(subject: AccessRequestSubject) -> str:
    mats = list(subject.copy_materials.all())
    return "、".join(f"{m.seq_label or ''} {m.title}".strip() for m in mats)
