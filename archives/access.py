"""The access policy: the one place that decides who may do what with an archive, a material or a page.

Views, API, the page-image endpoint, exports and tasks all ask this module; nothing else decides.

    archives_for(user, Action.VIEW_DIRECTORY)      -> QuerySet[Archive] the user may see (one SQL filter)
    can(user, Action.MANAGE, archive)               -> bool
    get_archive(user, Action.VIEW_CONTENT, pk)      -> Archive, or Http404 and an audit event
    materials_for(user, archive)                    -> QuerySet[Material] whose content the user may open
    can_open_material(user, material), can_open_page(user, page), get_page(user, pk)
    content_grant_ends_at(user, archive)            -> when the user's current content grant runs out (or None)
    deny(user, action, archive=..., reason=...)     -> audits a refused attempt, returns the Http404 to raise

Standing rights are rules written as queries (architecture.md section 3):
- 管档员 (clerk): every action on the archives held by the units they serve (User.served_units, else their unit);
- 审批人 (reviewer): the directory (not the content) of archives of cadres within their authority: the cadre's
  unit lies in the reviewer's jurisdiction and the cadre's management level is one the reviewer's unit level may
  approve (accounts.models.APPROVABLE_LEVELS);
- 审计员, 安全保密管理员, 系统管理员: no archive at all (三员分立: they see no content, whatever else they hold, even
  with a grant or the superuser flag).
Exceptions and time-boxed grants are django-guardian object permissions on Archive in direct foreign-key tables
(ArchiveUserObjectPermission / ArchiveGroupObjectPermission) with valid_from / valid_until and a material scope;
the clock is compared on every call (the periodic clean-up in archives.tasks_grants only deletes expired rows).
Nobody opens their own archive or a registered relative's (SELF_OR_RELATIVE), whatever their role. An object the
user may not see answers 404, and the attempt is audited.

Speed: archives_for() costs two statements whatever the data size. The first (_policy_sql) reads, by index,
the few ids the policy needs about this user: the archives granted to them now, the SELF_OR_RELATIVE cadres,
a clerk's served units. The second is the caller's own SELECT with one WHERE clause on indexed columns
(holding unit, primary key, cadre id; a reviewer's unit path prefix and management level). Nothing loops over
objects and nothing calls has_perm per object; with 20,000 archives and 100,000 grant rows a clerk's list and
search cost what a superuser's do (see bench/).

`ObjectPolicyBackend` replaces guardian's backend in AUTHENTICATION_BACKENDS so that `user.has_perm(perm,
archive)` gives this policy's answer (clock, scope, SELF_OR_RELATIVE, 三员分立) instead of guardian's raw rows.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.signals import post_migrate
from django.http import Http404
from django.utils import timezone
from guardian.backends import ObjectPermissionBackend

from accounts.models import User, UserRelative
from accounts.roles import AUDITOR, CLERK, REVIEWER, SECURITY_ADMIN, SYSTEM_ADMIN, roles_of
from archives.models import (
    Archive,
    ArchiveGroupObjectPermission,
    ArchiveUserObjectPermission,
    Cadre,
    FamilyMember,
    Material,
    MaterialStatus,
    Page,
)

SELF_OR_RELATIVE = "SELF_OR_RELATIVE"
SELF_OR_RELATIVE_MESSAGE = "本人及亲属的档案不得查阅、借阅或经办（SELF_OR_RELATIVE）。"


class Action(StrEnum):
    VIEW_DIRECTORY = "view_directory"  # the cadre card, the directory, status, location and history
    VIEW_CONTENT = "view_content"  # the pages of materials (watermarked viewer)
    MANAGE = "manage"  # register, file, edit, upload, lend, transfer (clerk work)


# The guardian permissions on Archive, their Chinese names, and which of them satisfy an action.
VIEW_DIRECTORY_PERM = "view_archive_directory"
VIEW_CONTENT_PERM = "view_archive_content"
MANAGE_PERM = "manage_archive"
PERMISSION_LABELS = {
    VIEW_DIRECTORY_PERM: "查看目录",
    VIEW_CONTENT_PERM: "查阅内容",
    MANAGE_PERM: "管理",
}
GRANT_CODENAMES = {
    Action.VIEW_DIRECTORY: (VIEW_DIRECTORY_PERM, VIEW_CONTENT_PERM, MANAGE_PERM),
    Action.VIEW_CONTENT: (VIEW_CONTENT_PERM, MANAGE_PERM),
    Action.MANAGE: (MANAGE_PERM,),
}
CODENAME_ACTION = {
    VIEW_DIRECTORY_PERM: Action.VIEW_DIRECTORY,
    VIEW_CONTENT_PERM: Action.VIEW_CONTENT,
    MANAGE_PERM: Action.MANAGE,
}
NO_ARCHIVE_ROLES = frozenset({AUDITOR, SECURITY_ADMIN, SYSTEM_ADMIN})


def served_unit_ids(user) -> list[int]:
    """Holding units a clerk serves: User.served_units, or their own unit when none are set."""
    cached = getattr(user, "_served_unit_ids", None)
    if cached is None:
        cached = list(user.served_units.values_list("pk", flat=True))
        if not cached and user.unit_id:
            cached = [user.unit_id]
        user._served_unit_ids = cached
    return cached


def jurisdiction(unit):
    """The subtree a reviewer's authority covers: an organization department acts for its Party committee."""
    if unit is None:
        return None
    if unit.kind == "organization" and unit.parent_id:
        return unit.parent
    return unit


def window_q(now: datetime.datetime | None = None, prefix: str = "") -> Q:
    """Grant rows whose window contains `now` (default: the clock, read on every call)."""
    now = now or timezone.now()
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": now})) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gt": now})
    )


_window = window_q  # older name, kept for callers


_permission_ids: dict[str, int] = {}


def permission_ids(action: Action) -> list[int]:
    """auth_permission ids of the codenames that satisfy `action` (cached; reloaded after migrate/flush)."""
    if len(_permission_ids) < len(CODENAME_ACTION):
        from django.contrib.auth.models import Permission

        rows = Permission.objects.filter(
            content_type__app_label="archives",
            content_type__model="archive",
            codename__in=list(CODENAME_ACTION),
        ).values_list("codename", "pk")
        loaded = dict(rows)
        if len(loaded) < len(CODENAME_ACTION):
            return [loaded[c] for c in GRANT_CODENAMES[action] if c in loaded]
        _permission_ids.update(loaded)
    return [_permission_ids[c] for c in GRANT_CODENAMES[action]]


def _forget_permission_ids(**kwargs) -> None:
    _permission_ids.clear()


post_migrate.connect(_forget_permission_ids, dispatch_uid="archives.access.permission_ids")


def user_grants(user, action: Action) -> QuerySet:
    """The user's direct grant rows valid now for an action."""
    return ArchiveUserObjectPermission.objects.filter(
        window_q(), user=user, permission_id__in=permission_ids(action)
    )


def _group_grants(user, action: Action) -> QuerySet:
    return ArchiveGroupObjectPermission.objects.filter(
        window_q(),
        group_id__in=User.groups.through.objects.filter(user_id=user.pk).values("group_id"),
        permission_id__in=permission_ids(action),
    )


_EXCLUDED, _GRANTED, _SERVED = 0, 1, 2


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _policy_sql(user, action: Action | None, want_served: bool) -> tuple[str, list]:
    """One UNION ALL statement answering every id question the policy has about this user:

    kind 0: cadres whose archives the user may never open (SELF_OR_RELATIVE):
            cadres the user declared as relatives (亲属关系申报); the user's own cadre record (same ID number);
            cadres whose family and social-relations list (A36) names the user; cadres named in the family list
            of the user's own cadre record;
    kind 1: archives granted to the user, directly or through a group, for `action`, valid now;
    kind 2: the holding units a clerk serves.
    Every branch is one index lookup (ID-number indexes, the (user, permission, archive) grant index, the
    user-group and served-unit join tables). Written as SQL because building it through the ORM costs more
    Python time than the database spends answering it.
    """
    cadre, family, relative = _t(Cadre), _t(FamilyMember), _t(UserRelative)
    sql = [
        f"SELECT {_EXCLUDED}, c.id FROM {cadre} c WHERE c.id_number IN "
        f"(SELECT r.id_number FROM {relative} r WHERE r.user_id = %s AND r.id_number <> '')"
    ]
    params: list = [user.pk]
    if user.id_number:
        sql += [
            f"SELECT {_EXCLUDED}, c.id FROM {cadre} c WHERE c.id_number = %s",
            f"SELECT {_EXCLUDED}, f.cadre_id FROM {family} f WHERE f.id_number = %s",
            f"SELECT {_EXCLUDED}, c.id FROM {cadre} c WHERE c.id_number IN (SELECT f.id_number FROM {family} f "
            f"INNER JOIN {cadre} o ON o.id = f.cadre_id WHERE o.id_number = %s AND f.id_number <> '')",
        ]
        params += [user.id_number] * 3
    if action is not None:
        perms = permission_ids(action)
        if perms:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            marks = ", ".join(["%s"] * len(perms))
            window = "(g.valid_from IS NULL OR g.valid_from <= %s) AND (g.valid_until IS NULL OR g.valid_until > %s)"
            user_groups = _t(User.groups.through)
            sql += [
                f"SELECT {_GRANTED}, g.content_object_id FROM {_t(ArchiveUserObjectPermission)} g "
                f"WHERE g.user_id = %s AND g.permission_id IN ({marks}) AND {window}",
                f"SELECT {_GRANTED}, g.content_object_id FROM {_t(ArchiveGroupObjectPermission)} g "
                f"WHERE g.group_id IN (SELECT ug.group_id FROM {user_groups} ug WHERE ug.user_id = %s) "
                f"AND g.permission_id IN ({marks}) AND {window}",
            ]
            params += [user.pk, *perms, now, now, user.pk, *perms, now, now]
        if want_served:
            served = _t(User.served_units.through)
            sql.append(f"SELECT {_SERVED}, s.unit_id FROM {served} s WHERE s.user_id = %s")
            params.append(user.pk)
    return " UNION ALL ".join(sql), params


def _policy_ids(user, action: Action | None) -> tuple[list[int], list[int]]:
    """(excluded cadre ids, archive ids granted now for `action`) in one round trip.

    The ids go into the main query as literal lists, so that PostgreSQL plans the archive list with real row
    estimates (a bitmap OR of the holding-unit index and the primary key, then the usual joins) instead of
    guessing the selectivity of hashed subplans. A clerk's served units ride along (cached on the user object
    for the request).
    """
    want_served = (
        action is not None and CLERK in roles_of(user) and getattr(user, "_served_unit_ids", None) is None
    )
    sql, params = _policy_sql(user, action, want_served)
    found: dict[int, set[int]] = {_EXCLUDED: set(), _GRANTED: set(), _SERVED: set()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, pk in cursor.fetchall():
            found[kind].add(pk)
    if want_served:
        user._served_unit_ids = sorted(found[_SERVED]) or ([user.unit_id] if user.unit_id else [])
    return sorted(found[_EXCLUDED]), sorted(found[_GRANTED])


def excluded_cadres(user) -> set[int]:
    """SELF_OR_RELATIVE: ids of the cadres whose archives the user may never open (see _policy_sql)."""
    return set(_policy_ids(user, None)[0])


def _exclude_cadres(queryset: QuerySet, excluded: list[int]) -> QuerySet:
    return queryset.exclude(cadre_id__in=excluded) if excluded else queryset


def _excluded_q(user) -> Q:
    """SELF_OR_RELATIVE as one Q on Archive (for callers that combine it themselves)."""
    return Q(cadre_id__in=sorted(excluded_cadres(user)))


def _standing_q(user, roles: frozenset[str], action: Action) -> Q:
    q = Q(pk__in=[])
    if CLERK in roles:
        q |= Q(holding_unit_id__in=served_unit_ids(user))
    if REVIEWER in roles and action == Action.VIEW_DIRECTORY and user.unit_id:
        area = jurisdiction(user.unit)
        levels = sorted(user.unit.approvable_levels)
        if area is not None and levels:
            q |= Q(cadre__unit__path__startswith=area.path, cadre__management_level__in=levels)
    return q


def _no_archive(user) -> bool:
    return (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or bool(roles_of(user) & NO_ARCHIVE_ROLES)
    )


def archives_for(user, action: Action = Action.VIEW_DIRECTORY, queryset: QuerySet | None = None) -> QuerySet:
    """Archives the user may act on, as one filtered queryset (no per-object checks)."""
    base = queryset if queryset is not None else Archive.objects.all()
    if _no_archive(user):
        return base.none()
    if user.is_superuser:
        # Break-glass installation account: everything except its own and relatives' archives.
        excluded, _ = _policy_ids(user, None)
        return _exclude_cadres(base, excluded)
    excluded, granted = _policy_ids(user, Action(action))
    q = _standing_q(user, roles_of(user), Action(action)) | Q(pk__in=granted)
    return _exclude_cadres(base.filter(q), excluded)


def is_self_or_relative(user, archive: Archive) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return archive.cadre_id in excluded_cadres(user)


def can(user, action: Action, archive: Archive) -> bool:
    return archives_for(user, action).filter(pk=archive.pk).exists()


def deny(user, action: Action | str, *, archive=None, target=None, reason: str = "") -> Http404:
    """Audit a refused attempt and return the 404 to raise (ids cannot be probed)."""
    from audit.services import record

    record(
        user if user is not None and user.is_authenticated else None,
        "access.denied",
        archive=archive,
        target=target,
        outcome="denied",
        details={"action": str(action), "reason": reason},
    )
    return Http404("未找到该记录，或您无权查看。")


def get_archive(user, action: Action, pk, *, queryset: QuerySet | None = None) -> Archive:
    """The archive if the user may act on it; otherwise audit the attempt and raise Http404."""
    base = (
        queryset
        if queryset is not None
        else Archive.objects.select_related("cadre", "holding_unit", "custodian")
    )
    archive = archives_for(user, action, base).filter(pk=pk).first() if str(pk).isdecimal() else None
    if archive is None:
        raise deny(
            user, action, archive=int(pk) if str(pk).isdecimal() else None, reason="archive not visible"
        )
    return archive


def has_full_content(user, archive: Archive) -> bool:
    """Standing content rights (the clerk of the holdings, or a grant for the whole archive)."""
    if _no_archive(user):
        return False
    if user.is_superuser:
        return not is_self_or_relative(user, archive)
    roles = roles_of(user)
    if CLERK in roles and archive.holding_unit_id in served_unit_ids(user):
        return not is_self_or_relative(user, archive)
    if (
        user_grants(user, Action.MANAGE).filter(content_object=archive).exists()
        or user_grants(user, Action.VIEW_CONTENT).filter(content_object=archive, scope_all=True).exists()
        or _group_grants(user, Action.VIEW_CONTENT).filter(content_object=archive).exists()
    ):
        return not is_self_or_relative(user, archive)
    return False


def materials_for(user, archive: Archive, *, include_unfiled: bool = False) -> QuerySet:
    """Materials of one archive whose content the user may open now, honouring a grant's scope.

    Viewers see filed materials only; the clerk of the holdings (or a manage grant) also sees materials still
    in intake when include_unfiled is set. Withdrawn (撤出) materials are never opened through here.
    """
    materials = Material.objects.filter(archive=archive)
    if _no_archive(user):
        return materials.none()
    if has_full_content(user, archive):
        if include_unfiled and (user.is_superuser or can(user, Action.MANAGE, archive)):
            return materials.exclude(status=MaterialStatus.WITHDRAWN)
        return materials.filter(status=MaterialStatus.FILED)
    if is_self_or_relative(user, archive):
        return materials.none()
    grants = list(
        user_grants(user, Action.VIEW_CONTENT)
        .filter(content_object=archive)
        .prefetch_related("scope_categories", "scope_materials")
    )
    if not grants:
        return materials.none()
    category_ids: set[int] = set()
    material_ids: set[int] = set()
    for grant in grants:
        category_ids.update(c.pk for c in grant.scope_categories.all())
        material_ids.update(m.pk for m in grant.scope_materials.all())
    if not category_ids and not material_ids:
        return materials.none()
    scoped = (
        Q(category_id__in=category_ids) | Q(category__parent_id__in=category_ids) | Q(pk__in=material_ids)
    )
    return materials.filter(status=MaterialStatus.FILED).filter(scoped)


def can_open_material(user, material: Material) -> bool:
    return materials_for(user, material.archive).filter(pk=material.pk).exists()


def can_open_page(user, page: Page) -> bool:
    return can_open_material(user, page.material)


def get_page(user, pk) -> Page:
    """The page if the user may open its material now; otherwise audit the attempt and raise Http404."""
    page = (
        Page.objects.select_related("material__archive", "material__category").filter(pk=pk).first()
        if str(pk).isdecimal()
        else None
    )
    if page is None or not can_open_page(user, page):
        raise deny(
            user,
            Action.VIEW_CONTENT,
            archive=page.material.archive if page else None,
            target=("archives.page", pk, ""),
            reason="page not visible",
        )
    return page


def content_grant_ends_at(user, archive: Archive) -> datetime.datetime | None:
    """When the user's current right to open this archive's content runs out.

    None means no end (a standing right or an open-ended grant) or no right at all; a viewer session uses it
    to end itself when the approved window closes.
    """
    if _no_archive(user) or user.is_superuser:
        return None
    if CLERK in roles_of(user) and archive.holding_unit_id in served_unit_ids(user):
        return None
    ends = []
    for rows in (
        user_grants(user, Action.VIEW_CONTENT).filter(content_object=archive),
        _group_grants(user, Action.VIEW_CONTENT).filter(content_object=archive),
    ):
        agg = rows.aggregate(open=Count("pk", filter=Q(valid_until__isnull=True)), end=Max("valid_until"))
        if agg["open"]:
            return None
        if agg["end"]:
            ends.append(agg["end"])
    return max(ends) if ends else None


class ObjectPolicyBackend(ObjectPermissionBackend):
    """guardian's object-permission backend, answering for Archive through this policy.

    guardian alone would read the grant rows without the clock, the scope, SELF_OR_RELATIVE or 三员分立; with
    this backend `user.has_perm("archives.view_archive_content", archive)` agrees with `can()`. (Django's
    User.has_perm answers True for an active superuser before asking any backend.)
    """

    def has_perm(self, user_obj, perm, obj=None):
        if isinstance(obj, Archive):
            app_label, _, codename = perm.rpartition(".")
            action = CODENAME_ACTION.get(codename)
            if action is None or app_label not in ("", "archives"):
                return False
            return can(user_obj, action, obj)
        return super().has_perm(user_obj, perm, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if isinstance(obj, Archive):
            return {
                f"archives.{codename}"
                for codename, action in CODENAME_ACTION.items()
                if can(user_obj, action, obj)
            }
        return super().get_all_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if isinstance(obj, Archive):
            return set()
        return super().get_group_permissions(user_obj, obj)
