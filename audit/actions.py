"""Audit action codes and their Chinese labels. Apps add theirs with `register()` from AppConfig.ready."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.login_locked": "账号锁定",
    "auth.logout": "退出登录",
    "auth.session_expired": "超时退出",
    "accounts.roles_changed": "角色变更",
    "accounts.user_created": "新建用户",
    "accounts.user_changed": "修改用户",
    "accounts.unit_changed": "修改单位",
    "access.denied": "越权访问被拒绝",
    "audit.search": "查询审计日志",
    "audit.export": "导出审计日志",
    "audit.verify": "校验审计日志",
}


def register(labels: dict[str, str]) -> None:
    LABELS.update(labels)


def label(action: str) -> str:
    return LABELS.get(action, action)


def choices() -> list[tuple[str, str]]:
    return sorted(LABELS.items(), key=lambda item: item[0])
