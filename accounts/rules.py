"""Account rules as pure functions: input in, list of Violation out."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.roles import ALL_ROLES, SEPARATED_ROLES
from core.errors import Violation

ROLE_SEPARATION = "ROLE_SEPARATION"
UNKNOWN_ROLE = "UNKNOWN_ROLE"


def check_roles(roles: Iterable[str]) -> list[Violation]:
    roles = set(roles)
    violations = []
    unknown = sorted(roles - set(ALL_ROLES))
    if unknown:
        violations.append(Violation(UNKNOWN_ROLE, f"不存在的角色：{'、'.join(unknown)}。", "roles"))
    separated = [role for role in SEPARATED_ROLES if role in roles]
    if len(separated) > 1:
        violations.append(
            Violation(
                ROLE_SEPARATION,
                f"三员分立：同一账号不得同时担任{'、'.join(separated)}，"
                "审计员、安全保密管理员、系统管理员三者只能任选其一。",
                "roles",
            )
        )
    return violations
