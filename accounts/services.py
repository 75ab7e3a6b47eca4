"""Account use cases: roles (with the three-role separation), users, login security."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import LoginThrottle, User
from accounts.rules import check_roles
from audit.services import record
from core.errors import DomainError, raise_for

LOGIN_FAILED = "LOGIN_FAILED"
LOGIN_LOCKED = "LOGIN_LOCKED"
LOGIN_INACTIVE = "LOGIN_INACTIVE"
WEAK_PASSWORD = "WEAK_PASSWORD"
DUPLICATE_USER = "DUPLICATE_USER"


# --- roles -------------------------------------------------------------------------------------------------


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[str], by: User | None) -> User:
    """Replace a user's roles. Refuses ROLE_SEPARATION (三员分立) and unknown roles."""
    roles = sorted(set(roles))
    raise_for(check_roles(roles))
    user = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(user.groups.values_list("name", flat=True))
    groups = list(Group.objects.filter(name__in=roles))
    user.groups.clear()
    user.groups.add(*groups)
    user._role_cache = None
    record(by, "accounts.roles_changed", target=user, details={"before": before, "after": roles})
    return user


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    password: str,
    full_name: str,
    roles: Iterable[str] = (),
    **fields,
) -> User:
    roles = sorted(set(roles))
    raise_for(check_roles(roles))
    user = User(username=username, full_name=full_name, **fields)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(WEAK_PASSWORD, "密码不符合要求：" + "；".join(exc.messages), "password")
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError(DUPLICATE_USER, "用户名或身份证号已被其他账号使用。", "username")
    if roles:
        user.groups.add(*Group.objects.filter(name__in=roles))
    record(by, "accounts.user_created", target=user, details={"roles": roles})
    return user


# --- login security ----------------------------------------------------------------------------------------


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def lock_remaining(username: str) -> timedelta | None:
    """Time left on a lock for this user name, or None when not locked."""
    row = LoginThrottle.objects.filter(username=_key(username)).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until - timezone.now()
    return None


def _locked_message(remaining: timedelta) -> str:
    minutes = max(1, int(remaining.total_seconds() + 59) // 60)
    return f"该账号因连续 {settings.LOGIN_LOCKOUT_THRESHOLD} 次登录失败已被锁定，请 {minutes} 分钟后再试。"


@transaction.atomic
def _register_failure(username: str) -> timedelta | None:
    now = timezone.now()
    key = _key(username)
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    window = settings.LOGIN_LOCKOUT_DURATION
    if row.first_failure_at is None or now - row.first_failure_at > window:
        row.failures = 0
        row.first_failure_at = now
    row.failures += 1
    locked = None
    if row.failures >= settings.LOGIN_LOCKOUT_THRESHOLD:
        row.locked_until = now + window
        row.failures = 0
        row.first_failure_at = None
        locked = window
    row.save()
    return locked


def _clear_failures(username: str) -> None:
    LoginThrottle.objects.filter(username=_key(username)).delete()


def authenticate_with_lockout(request, username: str, password: str) -> User:
    """Authenticate, enforcing the lockout. Raises DomainError with a Chinese message on every refusal."""
    remaining = lock_remaining(username)
    if remaining:
        record(None, "auth.login_failed", username=username, outcome="denied", details={"reason": "locked"})
        raise DomainError(LOGIN_LOCKED, _locked_message(remaining), "username")
    user = authenticate(request, username=username, password=password)
    if user is None:
        inactive = User.objects.filter(username=username, is_active=False).exists()
        locked = _register_failure(username)
        record(
            None, "auth.login_failed", username=username, outcome="failed", details={"locked": bool(locked)}
        )
        if locked:
            record(None, "auth.login_locked", username=username, outcome="denied")
            raise DomainError(LOGIN_LOCKED, _locked_message(locked), "username")
        if inactive:
            raise DomainError(LOGIN_INACTIVE, "该账号已停用，请联系系统管理员。", "username")
        raise DomainError(LOGIN_FAILED, "用户名或密码错误。连续失败多次后账号将被临时锁定。", "password")
    _clear_failures(username)
    return user


def session_expired(*, user: User) -> None:
    record(user, "auth.session_expired")
