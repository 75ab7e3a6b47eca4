"""Reads of cadres, archives, materials and the intake queue, already filtered by archives.access, no N+1."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import CLERK, roles_of
from archives import access, rules
from archives.access import Action
from archives.models import (
    Archive,
    ArchiveEvent,
    Cadre,
    Material,
    MaterialCategory,
    MaterialStatus,
    Page,
    ReceiptBatch,
)
from core.config import setting
from core.errors import Violation

CJK = re.compile(r"[\u3400-\u9fff]")
ASCII_LETTERS = re.compile(r"^[a-z]+$")
ID_LIKE = re.compile(r"^[0-9]+[xX]?$")

ARCHIVE_LIST_RELATED = ("cadre", "cadre__unit", "holding_unit", "custodian")


# --- search -------------------------------------------------------------------------------------------------


SEARCH_CAP = 1_000  # matches resolved up front; a broader prefix (one or two letters) stays a subquery


def _match(branches: list[QuerySet]) -> Q:
    """Archive ids matching any branch, each branch one index-driven query (a prefix on one indexed column).

    Resolving the few matching ids first keeps PostgreSQL from walking every archive in display order when an
    OR of subqueries defeats its row estimates. A prefix matching more than SEARCH_CAP rows (a single letter)
    falls back to the equivalent subquery filter, which then selects a large share of the table anyway.
    """
    cadre_ids: set[int] = set()
    ids: set[int] = set()
    for branch in branches:
        found = list(branch.values_list("pk", flat=True)[: SEARCH_CAP + 1])
        if len(found) > SEARCH_CAP:
            return _fallback(branches)
        (cadre_ids if branch.model is Cadre else ids).update(found)
    if cadre_ids:
        # archive.cadre_id is unique: one indexed lookup per matching cadre.
        ids.update(Archive.objects.filter(cadre_id__in=sorted(cadre_ids)).values_list("pk", flat=True))
    if len(ids) > SEARCH_CAP:
        return _fallback(branches)
    return Q(pk__in=sorted(ids))


def _fallback(branches: list[QuerySet]) -> Q:
    q = Q(pk__in=[])
    for branch in branches:
        if branch.model is Cadre:
            q |= Q(cadre_id__in=branch.values("pk"))
        else:
            q |= Q(pk__in=branch.values("pk"))
    return q


def search_q(query: str) -> Q | None:
    """The index-backed filter for one search box (prefix matches only, never a substring scan).

    - Chinese characters: the name (姓名) prefix;
    - letters: the full pinyin or the initials prefix (`zs` finds 张三, 曾 reads zeng), or an archive number;
    - digits (with a final X): the ID number or the archive number prefix;
    - anything else: the archive number prefix.
    """
    text = (query or "").strip()
    if not text:
        return None
    lowered = text.lower().replace(" ", "")
    upper = text.upper().replace(" ", "")
    archives, cadres = Archive.objects.all(), Cadre.objects.all()
    if CJK.search(text):
        return _match([cadres.filter(name__startswith=text.replace(" ", ""))])
    if ASCII_LETTERS.match(lowered):
        return _match(
            [
                cadres.filter(name_pinyin__startswith=lowered),
                cadres.filter(name_initials__startswith=lowered),
                archives.filter(archive_no__startswith=upper),
            ]
        )
    if ID_LIKE.match(text):
        return _match(
            [cadres.filter(id_number__startswith=upper), archives.filter(archive_no__startswith=upper)]
        )
    return Q(archive_no__startswith=upper)


@dataclass
class ArchiveFilters:
    q: str = ""
    holding_unit: int | None = None
    status: str = ""
    holding_group: str = ""
    cadre_unit: int | None = None
    management_level: str = ""
    sort: str = ""


SORTS = {
    "": ("archive_no",),
    "archive_no": ("archive_no",),
    "name": ("cadre__name_pinyin", "archive_no"),
    "-updated": ("-updated_at", "archive_no"),
}


def archive_list(user, filters: ArchiveFilters) -> QuerySet:
    """Archives the user may see (directory level), searched and filtered, ready for pagination."""
    qs = access.archives_for(user, Action.VIEW_DIRECTORY).select_related(*ARCHIVE_LIST_RELATED)
    q = search_q(filters.q)
    if q is not None:
        qs = qs.filter(q)
    if filters.holding_unit:
        qs = qs.filter(holding_unit_id=filters.holding_unit)
    if filters.status == "all":
        pass
    elif filters.status:
        qs = qs.filter(status=filters.status)
    else:
        # The active roster: an archive transferred out (已转出) has left it; its history stays on its page.
        qs = qs.exclude(status="transferred_out")
    if filters.holding_group:
        qs = qs.filter(holding_group=filters.holding_group)
    if filters.cadre_unit:
        unit = Unit.objects.filter(pk=filters.cadre_unit).only("path").first()
        qs = qs.filter(cadre__unit__path__startswith=unit.path) if unit else qs.none()
    if filters.management_level:
        qs = qs.filter(cadre__management_level=filters.management_level)
    sort = filters.sort
    if not sort and filters.q and (CJK.search(filters.q) or ASCII_LETTERS.match(filters.q.strip().lower())):
        # A name search lists by name. It also lets PostgreSQL start from the few matching cadres (name and
        # pinyin indexes) instead of walking every archive in archive-number order to fill the first page.
        sort = "name"
    return qs.order_by(*SORTS.get(sort, SORTS[""]))


def holding_units_for(user) -> QuerySet:
    """Holding units shown in the list filter: the ones the clerk serves, else every holding unit."""
    if CLERK in roles_of(user):
        return Unit.objects.filter(pk__in=access.served_unit_ids(user)).order_by("path")
    return Unit.objects.filter(holds_archives=True).order_by("path")


def cadre_units_for(user) -> QuerySet:
    return Unit.objects.filter(is_active=True).order_by("path")


# --- the archive page ---------------------------------------------------------------------------------------


@dataclass
class DirectoryRow:
    category: MaterialCategory
    materials: list[Material] = field(default_factory=list)
    is_header_only: bool = False  # categories 4 and 9: a header row above their sub-categories


def categories() -> list[MaterialCategory]:
    return list(MaterialCategory.objects.order_by("sort_order"))


def directory_rows(cats: list[MaterialCategory], filed: list[Material]) -> list[DirectoryRow]:
    """The ten categories in order, 4 and 9 followed by their four sub-categories, each with its materials."""
    by_category: dict[int, list[Material]] = {}
    for m in filed:
        by_category.setdefault(m.category_id, []).append(m)
    rows = []
    for cat in cats:
        items = sorted(by_category.get(cat.pk, []), key=lambda m: (m.seq or 0, m.formed_on, m.pk))
        rows.append(DirectoryRow(category=cat, materials=items, is_header_only=not cat.is_leaf))
    return rows


@dataclass
class ArchivePage:
    archive: Archive
    rows: list[DirectoryRow]
    intake: list[Material]
    events: list[ArchiveEvent]
    content_ids: set[int]
    can_manage: bool
    filed_count: int
    page_total: int
    scanned_pages: int
    warnings: list[Violation]
    mismatches: dict[int, list[Violation]]
    age: int
    urls: dict
    family: list
    posts: list
    educations: list


def archive_page(user, archive: Archive, *, events_limit: int = 30) -> ArchivePage:
    """Everything the archive page shows, in a fixed number of queries whatever the archive's size."""
    can_manage = access.can(user, Action.MANAGE, archive)
    content = access.materials_for(user, archive, include_unfiled=can_manage)
    content_ids = set(content.values_list("pk", flat=True))
    pages = Prefetch("pages", queryset=Page.objects.only("id", "material_id", "number").order_by("number"))
    materials = list(
        Material.objects.filter(archive=archive)
        .exclude(status__in=[MaterialStatus.WITHDRAWN, MaterialStatus.RETURNED, MaterialStatus.DESTROYED])
        .select_related("category", "kind")
        .prefetch_related(pages)
        .order_by("category__sort_order", "seq", "formed_on", "id")
    )
    filed = [m for m in materials if m.status == MaterialStatus.FILED]
    intake = [m for m in materials if m.status != MaterialStatus.FILED] if can_manage else []
    mismatches = {}
    for m in materials:
        m.page_mismatch = []
        if m.pk in content_ids:
            found = rules.page_count_mismatch(m.page_count, [p.number for p in m.pages.all()])
            if found:
                mismatches[m.pk] = m.page_mismatch = found
    cadre = archive.cadre
    from archives.services import cadre_warnings

    return ArchivePage(
        archive=archive,
        rows=directory_rows(categories(), filed),
        intake=intake,
        events=list(archive.events.select_related("actor").order_by("-at", "-id")[:events_limit]),
        content_ids=content_ids,
        can_manage=can_manage,
        filed_count=len(filed),
        page_total=sum(m.page_count for m in filed),
        scanned_pages=sum(len(m.pages.all()) for m in filed),
        warnings=cadre_warnings(cadre),
        mismatches=mismatches,
        age=cadre.age_on(timezone.localdate()),
        # URL prefixes, so that the directory does not reverse a URL per row (300 materials, thousands of tags).
        urls={
            "material": reverse("archives:material", args=[0]).removesuffix("0/"),
            "page": reverse("pages:thumb", args=[0]).removesuffix("0/thumb/"),
        },
        family=list(cadre.family.all()),
        posts=list(cadre.posts.select_related("appointment_material__category")),
        educations=list(cadre.educations.prefetch_related("materials__category")),
    )


def directory(archive: Archive) -> list[DirectoryRow]:
    """The directory (filed materials) of one archive, for the API and the exports: two queries."""
    filed = list(
        Material.objects.filter(archive=archive, status=MaterialStatus.FILED)
        .select_related("category", "kind")
        .order_by("category__sort_order", "seq", "id")
    )
    return directory_rows(categories(), filed)


def material_detail(user, pk) -> tuple[Material, bool]:
    """A material whose content the user may open, with its pages and history; (material, can_manage)."""
    material = (
        Material.objects.select_related(
            "archive",
            "archive__cadre",
            "archive__holding_unit",
            "category",
            "kind",
            "batch",
            "identified_by",
            "withdrawn_by",
            "withdrawal_approver",
            "destroyed_by",
            "destruction_approver",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if material is None:
        raise access.deny(
            user, Action.VIEW_CONTENT, target=("archives.material", pk, ""), reason="no material"
        )
    archive = material.archive
    can_manage = access.can(user, Action.MANAGE, archive)
    # The clerk of the holdings sees every material, withdrawn and returned ones included (their history);
    # anyone else only what the policy lets them open.
    if not can_manage and not access.materials_for(user, archive).filter(pk=material.pk).exists():
        raise access.deny(
            user, Action.VIEW_CONTENT, archive=archive, target=material, reason="material not visible"
        )
    return material, can_manage


def material_pages(material: Material) -> list[Page]:
    return list(material.pages.order_by("number"))


def material_versions(material: Material):
    return list(material.versions.select_related("changed_by").order_by("-version"))


def neighbours(material: Material) -> tuple[Material | None, Material | None]:
    """The previous and next filed materials in the directory (for the viewer's navigation)."""
    if material.status != MaterialStatus.FILED or material.seq is None:
        return None, None
    base = Material.objects.filter(
        archive_id=material.archive_id, category_id=material.category_id, status=MaterialStatus.FILED
    ).select_related("category")
    prev = base.filter(seq__lt=material.seq).order_by("-seq").first()
    nxt = base.filter(seq__gt=material.seq).order_by("seq").first()
    return prev, nxt


# --- intake ---------------------------------------------------------------------------------------------------


def batches_for(user, *, status: str = "") -> QuerySet:
    """Receipt batches of the units the clerk serves, with counts per status (one query)."""
    units = access.served_unit_ids(user) if not user.is_superuser else Unit.objects.values("pk")
    qs = ReceiptBatch.objects.filter(holding_unit_id__in=units).select_related("holding_unit", "received_by")
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        n_items=Count("materials"),
        n_received=Count("materials", filter=Q(materials__status=MaterialStatus.RECEIVED)),
        n_identified=Count("materials", filter=Q(materials__status=MaterialStatus.IDENTIFIED)),
        n_filed=Count("materials", filter=Q(materials__status=MaterialStatus.FILED)),
        n_returned=Count("materials", filter=Q(materials__status=MaterialStatus.RETURNED)),
        n_destroyed=Count("materials", filter=Q(materials__status=MaterialStatus.DESTROYED)),
        n_late=Count("materials", filter=Q(materials__late_handover=True)),
    ).order_by("status", "-received_date", "-id")


def batch_detail(user, pk) -> tuple[ReceiptBatch, list[Material]]:
    batch = batches_for(user).filter(pk=pk).first()
    if batch is None:
        raise access.deny(user, Action.MANAGE, target=("archives.receiptbatch", pk, ""), reason="batch")
    manageable = access.archives_for(user, Action.MANAGE).values("pk")
    items = list(
        batch.materials.filter(archive_id__in=manageable)
        .select_related(
            "archive", "archive__cadre", "category", "kind", "identified_by", "destruction_approver"
        )
        .annotate(n_pages=Count("pages"))
        .order_by("id")
    )
    return batch, items


def pending_filing(user, *, overdue_only: bool = True) -> QuerySet:
    """Accepted (identified) but unfiled materials, past PENDING_FILING_DAYS since receipt (requirement 20)."""
    qs = Material.objects.filter(
        status=MaterialStatus.IDENTIFIED, archive__in=access.archives_for(user, Action.MANAGE).values("pk")
    )
    if overdue_only:
        limit = timezone.localdate() - datetime.timedelta(days=setting("PENDING_FILING_DAYS"))
        qs = qs.filter(received_date__lt=limit)
    return qs.select_related("archive", "archive__cadre", "category", "batch").order_by("received_date", "id")


def intake_counts(user) -> dict[str, int]:
    manageable = access.archives_for(user, Action.MANAGE).values("pk")
    limit = timezone.localdate() - datetime.timedelta(days=setting("PENDING_FILING_DAYS"))
    return Material.objects.filter(archive__in=manageable).aggregate(
        received=Count("pk", filter=Q(status=MaterialStatus.RECEIVED)),
        identified=Count("pk", filter=Q(status=MaterialStatus.IDENTIFIED)),
        overdue=Count("pk", filter=Q(status=MaterialStatus.IDENTIFIED, received_date__lt=limit)),
    )


def late_handover_report(user, *, year: int | None = None) -> list[dict]:
    """LATE_HANDOVER per producing unit: how many materials came late, of how many, the worst delay."""
    manageable = access.archives_for(user, Action.MANAGE).values("pk")
    qs = Material.objects.filter(archive__in=manageable, received_date__isnull=False)
    if year:
        qs = qs.filter(received_date__year=year)
    rows = (
        qs.values("producing_unit")
        .annotate(
            total=Count("pk"),
            late=Count("pk", filter=Q(late_handover=True)),
            first=Min("received_date"),
            last=Max("received_date"),
        )
        .order_by("-late", "producing_unit")
    )
    out = []
    for row in rows:
        row["producing_unit"] = row["producing_unit"] or "（未填写）"
        row["rate"] = round(100 * row["late"] / row["total"], 1) if row["total"] else 0
        out.append(row)
    return out


def late_materials(user, producing_unit: str) -> QuerySet:
    manageable = access.archives_for(user, Action.MANAGE).values("pk")
    unit = "" if producing_unit == "（未填写）" else producing_unit
    return (
        Material.objects.filter(archive__in=manageable, late_handover=True, producing_unit=unit)
        .select_related("archive", "archive__cadre", "category")
        .order_by("-received_date", "id")
    )


def archive_choices(user, query: str, limit: int = 12) -> list[Archive]:
    """Archives the clerk may manage matching a search (for pickers in the intake form)."""
    qs = access.archives_for(user, Action.MANAGE).select_related("cadre", "cadre__unit")
    q = search_q(query)
    if q is None:
        return []
    return list(qs.filter(q).exclude(status="transferred_out").order_by("archive_no")[:limit])


def reviewers_for(user) -> QuerySet:
    """Approvers offered for a withdrawal: active 审批人 of the clerk's served units and their parents."""
    from accounts.models import User
    from accounts.roles import REVIEWER

    return (
        User.objects.filter(groups__name=REVIEWER, is_active=True)
        .exclude(pk=user.pk)
        .select_related("unit")
        .order_by("unit__path", "full_name")
    )


def clerks_for(archive: Archive) -> QuerySet:
    """Clerks who may be custodian of an archive: the clerks serving its holding unit."""
    from accounts.models import User

    return (
        User.objects.filter(groups__name=CLERK, is_active=True)
        .filter(
            Q(served_units=archive.holding_unit_id)
            | Q(served_units__isnull=True, unit=archive.holding_unit_id)
        )
        .distinct()
        .order_by("full_name")
    )
