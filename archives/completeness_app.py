"""Wiring of the completeness and fixity features, called from ArchivesConfig.ready (one line there)."""

from __future__ import annotations

from accounts.roles import CLERK, REVIEWER, SYSTEM_ADMIN
from core.navigation import MenuItem, register_menu, register_panel

AUDIT_LABELS = {
    "completeness.recheck": "重新检查档案完整性",
    "completeness.excuse_year": "登记免查年度",
    "completeness.excuse_revoke": "撤销免查年度",
    "completeness.sweep": "启动完整性全量核查",
    "completeness.rule_change": "修改档案完整性规则",
    "completeness.report_view": "查看档案完整性报告",
    "fixity.resolve": "处理文件完整性问题",
    "fixity.view": "查看文件完整性问题",
}


def ensure_rules(sender=None, using="default", **kwargs) -> None:
    """post_migrate: the shipped rule set exists (migration 0007 loads it; a test flush empties the table, so it
    comes back here). Only when the table is empty: rules an administrator changed are never touched."""
    from django.apps import apps as global_apps

    from archives import signals_completeness
    from archives.completeness_catalog import load
    from archives.models import CompletenessRule, MaterialKind

    try:
        if CompletenessRule.objects.using(using).exists() or not MaterialKind.objects.using(using).exists():
            return
    except Exception:  # tables not created yet (partial migrate)
        return
    with signals_completeness.paused():
        load(global_apps)


def incomplete_panel(request):
    try:
        from archives import views_completeness
    except ImportError:
        return None
    return views_completeness.incomplete_panel(request)


def fixity_panel(request):
    try:
        from archives import views_completeness
    except ImportError:
        return None
    return views_completeness.fixity_panel(request)


def register_navigation() -> None:
    register_menu(
        MenuItem("档案完整性", "completeness:incomplete", (CLERK,), order=140, group="档案管理"),
        MenuItem("完整性统计", "completeness:dashboard", (CLERK, REVIEWER), order=145, group="档案管理"),
        MenuItem("文件完整性核对", "completeness:fixity", (CLERK, SYSTEM_ADMIN), order=150, group="档案管理"),
        MenuItem(
            "完整性规则",
            "admin:archives_completenessrule_changelist",
            (SYSTEM_ADMIN,),
            order=820,
            group="系统与安全",
        ),
    )
    register_panel(CLERK, incomplete_panel, order=30)
    register_panel(SYSTEM_ADMIN, fixity_panel, order=40)


def ready(app_config) -> None:
    from django.db.models.signals import post_migrate

    from archives import signals_completeness
    from audit import actions

    signals_completeness.connect()
    post_migrate.connect(ensure_rules, sender=app_config, dispatch_uid="archives.completeness.ensure_rules")
    actions.register(AUDIT_LABELS)
    register_navigation()
