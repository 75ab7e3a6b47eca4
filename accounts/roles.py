"""The role groups of architecture.md section 1 and the three-role separation (三员分立)."""

from __future__ import annotations

CLERK = "管档员"
REVIEWER = "审批人"
VIEWER = "查阅人"
AUDITOR = "审计员"
SECURITY_ADMIN = "安全保密管理员"
SYSTEM_ADMIN = "系统管理员"

ALL_ROLES = (CLERK, REVIEWER, VIEWER, AUDITOR, SECURITY_ADMIN, SYSTEM_ADMIN)
# No account may hold two of these.
SEPARATED_ROLES = (AUDITOR, SECURITY_ADMIN, SYSTEM_ADMIN)

# Model permissions each group gets for the Django admin (system admin: users, units, rule tables).
ROLE_MODEL_PERMISSIONS = {
    SYSTEM_ADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_unit",
        "accounts.add_unit",
        "accounts.change_unit",
        # Completeness rule set and sweep history (archives/admin_completeness.py)
        "archives.view_completenessrule",
        "archives.add_completenessrule",
        "archives.change_completenessrule",
        "archives.view_sweeprun",
        # Material kinds offered at intake (archives/admin.py)
        "archives.view_materialkind",
        "archives.add_materialkind",
        "archives.change_materialkind",
        # The 100-point sheet for grading new cadre archives (reviews/grading_admin.py)
        "reviews.view_gradingitem",
        "reviews.add_gradingitem",
        "reviews.change_gradingitem",
        "reviews.view_gradingvetoitem",
        "reviews.add_gradingvetoitem",
        "reviews.change_gradingvetoitem",
    ],
    SECURITY_ADMIN: ["accounts.view_user"],
}

# When a user holds several roles, the first in this order decides the home page.
HOME_ORDER = (CLERK, REVIEWER, AUDITOR, SECURITY_ADMIN, SYSTEM_ADMIN, VIEWER)


def roles_of(user) -> frozenset[str]:
    """Role names of a user, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user).intersection(roles))


def primary_role(user) -> str | None:
    held = roles_of(user)
    for role in HOME_ORDER:
        if role in held:
            return role
    return None


def ensure_role_permissions(sender=None, **kwargs) -> None:
    """post_migrate: make sure every role group exists and carries its admin model permissions."""
    from django.contrib.auth.models import Group, Permission

    # Runs after each app's migrations (permissions of later apps exist only once they have migrated);
    # it is idempotent and cheap.
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = ROLE_MODEL_PERMISSIONS.get(role, [])
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm:
                perms.append(perm)
        if perms:
            group.permissions.add(*perms)
