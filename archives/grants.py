"""Per-archive grants: create, withdraw and clean up the guardian direct-FK rows the access policy reads.

    grant_create(*, user, archive, permission, valid_from, valid_until, scope_all, categories, materials,
                 reason, by, access_request=None) -> ArchiveUserObjectPermission
    grant_withdraw(*, grant, reason, by) -> None          (grant_revoke is the same function)
    grants_purge_expired(*, now=None, batch=1000) -> int  (the periodic clean-up; archives.tasks_grants)

Who may grant:
- 安全保密管理员 (security admin): any grant, standing or time-boxed (the 档案授权 pages);
- 审批人 (reviewer): time-boxed 查看目录 / 查阅内容 grants on archives within their cadre-management authority
  (the borrowing approval and the pre-appointment review call grant_create with the approving reviewer as `by`).
Nobody else. A grant never goes to one of the three separated roles (三员分立) and never opens the grantee's
own or a relative's archive (SELF_OR_RELATIVE); the granting user must not be the cadre or a relative either.

A grant row lives only while it matters: withdrawing deletes it at once, and the periodic task deletes rows
whose window has closed. Its history stays in the audit log ("grant.create", "grant.withdraw", "grant.purge",
each with the full description of the grant) and in the access request that created it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from accounts.roles import REVIEWER, SECURITY_ADMIN, SEPARATED_ROLES, roles_of
from archives import access
from archives.models import (
    Archive,
    ArchiveGroupObjectPermission,
    ArchiveUserObjectPermission,
    Material,
    MaterialCategory,
)
from audit.services import record
from core.errors import DomainError, Violation, raise_for

GRANTEE_ROLE_SEPARATED = "GRANTEE_ROLE_SEPARATED"
GRANTEE_INACTIVE = "GRANTEE_INACTIVE"
GRANT_NOT_AUTHORISED = "GRANT_NOT_AUTHORISED"
GRANT_PERMISSION_INVALID = "GRANT_PERMISSION_INVALID"
GRANT_WINDOW_INVALID = "GRANT_WINDOW_INVALID"
GRANT_SCOPE_EMPTY = "GRANT_SCOPE_EMPTY"
GRANT_SCOPE_INVALID = "GRANT_SCOPE_INVALID"
GRANT_REASON_REQUIRED = "GRANT_REASON_REQUIRED"
GRANT_DUPLICATE = "GRANT_DUPLICATE"
GRANT_NOT_FOUND = "GRANT_NOT_FOUND"
SELF_OR_RELATIVE = access.SELF_OR_RELATIVE

AUDIT_LABELS = {
    "grant.create": "授予档案权限",
    "grant.withdraw": "收回档案权限",
    "grant.purge": "清理过期授权",
}


# --- rules (pure: facts in, violations out) ---------------------------------------------------------------


def check_grantee(*, roles: Iterable[str], is_active: bool) -> list[Violation]:
    violations = []
    separated = sorted(set(roles) & set(SEPARATED_ROLES))
    if separated:
        violations.append(
            Violation(
                GRANTEE_ROLE_SEPARATED,
                f"三员分立：{'、'.join(separated)}不得查看档案，不能被授予档案权限。",
                "user",
            )
        )
    if not is_active:
        violations.append(Violation(GRANTEE_INACTIVE, "该账号已停用，不能授予档案权限。", "user"))
    return violations


def check_window(
    *, valid_from: datetime.datetime | None, valid_until: datetime.datetime | None, now: datetime.datetime
) -> list[Violation]:
    if valid_until is None:
        return []
    if valid_from is not None and valid_until <= valid_from:
        return [Violation(GRANT_WINDOW_INVALID, "失效时间必须晚于生效时间。", "valid_until")]
    if valid_until <= now:
        return [Violation(GRANT_WINDOW_INVALID, "失效时间已过，授权不会生效。", "valid_until")]
    return []


def check_scope(
    *, scope_all: bool, categories: int, materials: int, foreign_materials: int
) -> list[Violation]:
    if scope_all:
        return []
    if not categories and not materials:
        return [
            Violation(
                GRANT_SCOPE_EMPTY, "未选择“全部材料”时，至少要选择一个材料类别或一份材料。", "categories"
            )
        ]
    if foreign_materials:
        return [Violation(GRANT_SCOPE_INVALID, "所选材料不属于该档案。", "materials")]
    return []


def check_reason(reason: str) -> list[Violation]:
    if not (reason or "").strip():
        return [Violation(GRANT_REASON_REQUIRED, "请填写授权依据（如审批文号或事由）。", "reason")]
    return []


# --- helpers ------------------------------------------------------------------------------------------------


def _permission(permission) -> Permission:
    codename = (
        permission.codename if isinstance(permission, Permission) else str(permission).rpartition(".")[2]
    )
    if codename not in access.PERMISSION_LABELS:
        raise DomainError(
            GRANT_PERMISSION_INVALID, "授权类型无效：只能是查看目录、查阅内容或管理。", "permission"
        )
    return Permission.objects.get(content_type__app_label="archives", codename=codename)


def reviewer_covers(user, archive: Archive) -> bool:
    """The reviewer's standing authority (jurisdiction and management level) covers this archive's cadre."""
    if REVIEWER not in roles_of(user) or not user.unit_id:
        return False
    q = access._standing_q(user, frozenset({REVIEWER}), access.Action.VIEW_DIRECTORY)
    return Archive.objects.filter(q, pk=archive.pk).exists()


def _check_granting_user(by, archive: Archive, codename: str, valid_until) -> None:
    if by is None or not by.is_authenticated or not by.is_active:
        raise DomainError(GRANT_NOT_AUTHORISED, "授权须由安全保密管理员或有审批权限的审批人办理。", "by")
    if access.is_self_or_relative(by, archive):
        raise DomainError(SELF_OR_RELATIVE, "授权人与该档案的干部为本人或亲属关系，应当回避。", "archive")
    roles = roles_of(by)
    if SECURITY_ADMIN in roles:
        return
    if REVIEWER in roles and reviewer_covers(by, archive):
        if codename == access.MANAGE_PERM:
            raise DomainError(
                GRANT_NOT_AUTHORISED, "审批人只能授予查看目录或查阅内容的限时权限。", "permission"
            )
        if valid_until is None:
            raise DomainError(GRANT_NOT_AUTHORISED, "审批人授予的权限必须有失效时间。", "valid_until")
        return
    raise DomainError(
        GRANT_NOT_AUTHORISED, "您无权授予该档案的权限：须由安全保密管理员或有审批权限的审批人办理。", "by"
    )


def describe(grant: ArchiveUserObjectPermission) -> dict:
    """What the audit log keeps of a grant (so its history survives the row); the readable keys first."""
    return {
        "user_name": grant.user.get_full_name(),
        "permission_label": access.PERMISSION_LABELS.get(
            grant.permission.codename, grant.permission.codename
        ),
        "valid_from": grant.valid_from,
        "valid_until": grant.valid_until,
        "reason": grant.reason,
        "scope_all": grant.scope_all,
        "categories": [c.label for c in grant.scope_categories.all()],
        "materials": [m.pk for m in grant.scope_materials.all()],
        "access_request": grant.access_request_id,
        "granted_by": grant.granted_by.get_username() if grant.granted_by_id else "",
        "grant_id": grant.pk,
        "user": grant.user.get_username(),
        "permission": grant.permission.codename,
    }


def _target(grant: ArchiveUserObjectPermission) -> tuple[str, int, str]:
    label = access.PERMISSION_LABELS.get(grant.permission.codename, grant.permission.codename)
    return (
        "archives.archiveuserobjectpermission",
        grant.pk,
        f"{grant.user.get_full_name()}（{grant.user.get_username()}）{label}权限",
    )


# --- services -----------------------------------------------------------------------------------------------


@transaction.atomic
def grant_create(
    *,
    user,
    archive: Archive,
    permission,
    valid_from: datetime.datetime | None = None,
    valid_until: datetime.datetime | None = None,
    scope_all: bool = True,
    categories: Iterable[MaterialCategory] = (),
    materials: Iterable[Material] = (),
    reason: str,
    by,
    access_request=None,
) -> ArchiveUserObjectPermission:
    """Grant `user` a permission on one archive, optionally time-boxed and limited to categories or materials.

    `permission` is a Permission or a codename ("view_archive_directory", "view_archive_content",
    "manage_archive"). The material scope applies to content grants; directory and manage grants cover the
    whole archive. `access_request` (an object or id) links the grant to the request that created it.
    """
    perm = _permission(permission)
    _check_granting_user(by, archive, perm.codename, valid_until)
    now = timezone.now()
    categories = list(categories)
    materials = list(materials)
    if perm.codename != access.VIEW_CONTENT_PERM:
        scope_all, categories, materials = True, [], []
    foreign = [m for m in materials if m.archive_id != archive.pk]
    raise_for(
        [
            *check_grantee(roles=roles_of(user), is_active=user.is_active),
            *check_window(valid_from=valid_from, valid_until=valid_until, now=now),
            *check_scope(
                scope_all=scope_all,
                categories=len(categories),
                materials=len(materials),
                foreign_materials=len(foreign),
            ),
            *check_reason(reason),
        ]
    )
    if access.is_self_or_relative(user, archive):
        raise DomainError(
            SELF_OR_RELATIVE, "被授权人是该档案的干部本人或其亲属，不得授予该档案的权限。", "user"
        )
    # Serialise grants on one archive so two identical standing grants cannot race past the duplicate check.
    Archive.objects.select_for_update().filter(pk=archive.pk).first()
    if (
        valid_until is None
        and scope_all
        and ArchiveUserObjectPermission.objects.filter(
            user=user, content_object=archive, permission=perm, valid_until__isnull=True, scope_all=True
        ).exists()
    ):
        raise DomainError(GRANT_DUPLICATE, "该用户已持有这项常设权限，无需重复授权。", "user")
    grant = ArchiveUserObjectPermission.objects.create(
        user=user,
        content_object=archive,
        permission=perm,
        valid_from=valid_from,
        valid_until=valid_until,
        scope_all=scope_all,
        granted_by=by,
        reason=reason.strip()[:200],
        access_request_id=getattr(access_request, "pk", access_request),
    )
    if not scope_all:
        grant.scope_categories.set(categories)
        grant.scope_materials.set(materials)
    record(by, "grant.create", archive=archive, target=_target(grant), details=describe(grant))
    return grant


@transaction.atomic
def grant_withdraw(*, grant: ArchiveUserObjectPermission, reason: str, by) -> None:
    """Withdraw (收回) a grant now: the row is deleted, its description stays in the audit log."""
    raise_for(check_reason(reason))
    row = (
        ArchiveUserObjectPermission.objects.select_for_update(of=("self",))
        .select_related("user", "permission", "content_object", "granted_by")
        .filter(pk=grant.pk)
        .first()
    )
    if row is None:
        raise DomainError(GRANT_NOT_FOUND, "该授权已被收回或已过期清理。")
    allowed = by is not None and by.is_authenticated and by.is_active
    if allowed and SECURITY_ADMIN not in roles_of(by):
        allowed = row.granted_by_id == by.pk or (
            row.valid_until is not None and reviewer_covers(by, row.content_object)
        )
    if not allowed:
        raise DomainError(GRANT_NOT_AUTHORISED, "您无权收回该授权：须由安全保密管理员或原授权人办理。")
    details = {"withdraw_reason": reason.strip()[:200], **describe(row)}
    archive = row.content_object
    target = _target(row)
    row.delete()
    record(by, "grant.withdraw", archive=archive, target=target, details=details)


grant_revoke = grant_withdraw  # the name the pre-appointment review uses


def grants_purge_expired(*, now: datetime.datetime | None = None, batch: int = 1000) -> int:
    """Delete grant rows whose window has closed (the policy already ignores them). Idempotent.

    One "grant.purge" audit event per batch lists the grants removed, so that the audit log shows when each
    row left the table; the grant itself was described in full by its "grant.create" event.
    """
    now = now or timezone.now()
    total = 0
    for model, holder in (
        (ArchiveUserObjectPermission, "user_id"),
        (ArchiveGroupObjectPermission, "group_id"),
    ):
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update(skip_locked=True)
                    .filter(valid_until__lte=now)
                    .order_by("valid_until", "pk")
                    .values_list("pk", "content_object_id", holder, "valid_until")[:batch]
                )
                if rows:
                    model.objects.filter(pk__in=[row[0] for row in rows]).delete()
                    record(
                        None,
                        "grant.purge",
                        username="system",
                        details={
                            "count": len(rows),
                            "table": model._meta.verbose_name,
                            "grants": [
                                {"grant_id": pk, "archive_id": a, holder: h, "valid_until": until}
                                for pk, a, h, until in rows
                            ],
                        },
                    )
                    total += len(rows)
            if len(rows) < batch:
                break
    return total
