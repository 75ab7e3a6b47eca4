"""Menu entries, home-page panels and action labels of the audit log (registered from AuditConfig.ready).

The security admin's grant pages (archives.views_grants) register their menu entry and labels here too, until
archives' own AppConfig takes them over.
"""

from __future__ import annotations

from accounts.roles import AUDITOR
from audit import actions
from core.navigation import MenuItem, Panel, register_menu, register_panel


def denied_panel(request):
    from audit import selectors

    return Panel(
        title="近期越权访问",
        template="audit/panels/denied.html",
        context={"events": selectors.recent_denied()},
        order=10,
        width=6,
    )


def failed_login_panel(request):
    from audit import selectors

    count, events = selectors.failed_logins()
    return Panel(
        title="24 小时内登录失败",
        template="audit/panels/failed_logins.html",
        context={"count": count, "events": events},
        order=20,
        width=6,
    )


def chain_panel(request):
    from audit import chain, selectors
    from audit.presentation import detail_lines

    last = selectors.last_verification()
    head = chain.head()
    return Panel(
        title="审计日志完整性",
        template="audit/panels/chain.html",
        context={
            "head": head,
            "unsealed": chain.unsealed_count(),
            "last": last,
            "last_lines": detail_lines(last.details) if last else [],
        },
        order=30,
        width=8,
    )


def register() -> None:
    from archives import grants, views_grants

    actions.register(grants.AUDIT_LABELS)
    views_grants.register_navigation()
    register_menu(
        MenuItem("审计日志", "audit:events", (AUDITOR,), order=700, group="安全审计"),
        MenuItem("日志完整性校验", "audit:verify", (AUDITOR,), order=710, group="安全审计"),
    )
    register_panel(AUDITOR, denied_panel, order=10)
    register_panel(AUDITOR, failed_login_panel, order=20)
    register_panel(AUDITOR, chain_panel, order=30)
