"""Menu entries, home-page panels and audit labels of viewing and borrowing (registered from BorrowingConfig.ready)."""

from __future__ import annotations

from accounts.roles import CLERK, REVIEWER, VIEWER
from audit import actions
from core.navigation import MenuItem, Panel, register_menu, register_panel

AUDIT_LABELS = {
    "access_request.create": "填写查借阅申请",
    "access_request.update": "修改查借阅申请",
    "access_request.submit": "提交查借阅申请",
    "access_request.withdraw": "撤回查借阅申请",
    "access_request.approve": "审批同意查借阅申请",
    "access_request.reject": "审批不同意查借阅申请",
    "access_request.view": "查看查借阅申请",
    "access_request.print": "打印查借阅审批表",
    "access_request.checkout": "档案出库（查阅、借出）",
    "access_request.return": "档案归还入库",
    "access_request.return_anomaly": "归还核对异常",
    "access_request.incident_resolved": "归还异常已处理",
    "access_request.view_start": "开始数字查阅",
    "access_request.view_end": "结束数字查阅",
    "access_request.expire": "查借阅期限届满",
    "copy.make": "登记摘录、复制",
    "copy.print": "打印复印件",
    "overdue.remind": "逾期提醒",
    "overdue.escalate": "逾期报告审批人",
    "material.view": "查看材料",
}
GROUP = "查阅借阅"


def clerk_panel(request):
    from borrowing import selectors

    user = request.user
    return Panel(
        title="借阅台",
        template="borrowing/panels/clerk.html",
        context={
            "counts": selectors.counts_for_clerk(user),
            "overdue": list(selectors.overdue_checkouts(user)[:5]),
        },
        order=30,
    )


def reviewer_panel(request):
    from borrowing import selectors

    user = request.user
    pending = selectors.awaiting_my_decision(user)
    return Panel(
        title="待审批的查借阅申请",
        template="borrowing/panels/reviewer.html",
        context={
            "count": pending.count(),
            "items": list(pending[:6]),
            "escalations": list(selectors.escalations_for_reviewer(user)[:6]),
        },
        order=20,
    )


def viewer_panel(request):
    from borrowing import selectors

    user = request.user
    grants = selectors.my_grants(user)
    return Panel(
        title="我的查阅",
        template="borrowing/panels/viewer.html",
        context={
            "grants": grants[:6],
            "paper": list(selectors.my_paper_requests(user)[:4]),
            "notices": list(selectors.notices_for_user(user)[:4]),
        },
        order=20,
    )


def register():
    actions.register(AUDIT_LABELS)
    register_menu(
        MenuItem("查借阅申请", "borrowing:request-list", (CLERK, VIEWER), order=300, group=GROUP),
        MenuItem("填写查阅申请", "borrowing:request-new", (CLERK, VIEWER), order=301, group=GROUP),
        MenuItem("借阅台", "borrowing:desk", (CLERK,), order=302, group=GROUP),
        MenuItem("查借阅审批", "borrowing:inbox", (REVIEWER,), order=303, group=GROUP),
        MenuItem("我的查阅", "borrowing:my-access", (VIEWER,), order=304, group=GROUP),
    )
    register_panel(CLERK, clerk_panel, order=30)
    register_panel(REVIEWER, reviewer_panel, order=20)
    register_panel(VIEWER, viewer_panel, order=20)
