"""Menu entries, home-page panels and audit labels of transfer and intake (registered from BorrowingConfig.ready)."""

from __future__ import annotations

from accounts.roles import CLERK, REVIEWER
from audit import actions
from core.navigation import MenuItem, Panel, register_menu, register_panel

AUDIT_LABELS = {
    "transfer.create": "登记档案转递",
    "transfer.update": "修改档案转递",
    "transfer.notice": "开具转递通知单",
    "transfer.submit": "提交转递审批",
    "transfer.withdraw": "撤回转递审批",
    "transfer.approve": "批准档案转递",
    "transfer.reject": "退回转递修改",
    "transfer.send": "档案转出",
    "transfer.receipt": "登记转递回执",
    "transfer.return": "登记转递退回",
    "transfer.chase": "催问转递回执",
    "transfer.cancel": "撤销档案转递",
    "transfer.receipt_overdue": "转递回执逾期",
    "transfer.view": "查看档案转递",
    "transfer.print": "打印转递通知单",
    "transfer.receipt_scan_view": "查看回执扫描件",
    "transfer.register_export": "导出转出登记",
    "intake.register": "登记接收来件",
    "intake.update": "修改接收登记",
    "intake.accept": "验收接收档案",
    "intake.return": "退回来件档案",
    "intake.alteration_add": "登记涂改情况",
    "intake.alteration_remove": "删除涂改登记",
    "intake.review_submit": "提交接收审核",
    "intake.review_confirm": "组织确认涂改情况",
    "intake.review_send_back": "退回涂改登记补充",
    "intake.review_file": "涂改情况登记表归档",
    "intake.view": "查看接收登记",
    "intake.print": "打印接收文书",
}
GROUP = "转递与接收"


def clerk_panel(request):
    from borrowing.transfers import selectors

    user = request.user
    counts = selectors.desk_counts(user)
    overdue = list(selectors.overdue_receipts(user)[:5])
    return Panel(
        title="档案转递与接收",
        template="borrowing/transfers/panels/clerk.html",
        context={"counts": counts, "overdue": overdue},
        order=35,
    )


def reviewer_panel(request):
    from borrowing.transfers import selectors

    user = request.user
    transfers = selectors.awaiting_approval(user)
    confirmations = selectors.awaiting_confirmation(user)
    count, confirm_count = transfers.count(), confirmations.count()
    return Panel(
        title="待审批的档案转递",
        template="borrowing/transfers/panels/reviewer.html",
        context={
            "count": count,
            "items": list(transfers[:5]),
            "confirm_count": confirm_count,
            "confirmations": list(confirmations[:3]),
        },
        order=25,
    )


def register():
    actions.register(AUDIT_LABELS)
    register_menu(
        MenuItem("转递台", "transfers:desk", (CLERK,), order=320, group=GROUP),
        MenuItem("档案接收", "transfers:intake-desk", (CLERK,), order=321, group=GROUP),
        MenuItem("转出登记", "transfers:register", (CLERK,), order=322, group=GROUP),
        MenuItem("转递审批", "transfers:inbox", (REVIEWER,), order=323, group=GROUP),
        MenuItem("涂改登记确认", "transfers:intake-confirm-list", (REVIEWER,), order=324, group=GROUP),
    )
    register_panel(CLERK, clerk_panel, order=35)
    register_panel(REVIEWER, reviewer_panel, order=25)
