"""Menu entries, home panels and audit labels of new cadre archive grading (registered from ReviewsConfig.ready)."""

from __future__ import annotations

from accounts.roles import CLERK, REVIEWER
from audit import actions
from core.navigation import MenuItem, Panel, register_menu, register_panel

AUDIT_LABELS = {
    "grading.create": "登记档案评分",
    "grading.update": "修改档案评分",
    "grading.score": "档案评分（初审）",
    "grading.sign": "档案评分签字",
    "grading.send_back": "档案评分退回修改",
    "grading.return_to_unit": "评分档案退回报送单位",
    "grading.view": "查看档案评分",
    "grading.print": "打印档案评分表",
    "grading.report": "查看评分年终通报",
    "grading.report_export": "导出评分年终通报",
    "grading.sheet_changed": "修改档案评分标准",
}
GROUP = "档案评分"


def panel(request):
    from reviews import grading_selectors as selectors
    from reviews.models import GradingStatus

    user = request.user
    mine = selectors.gradings_for(user)
    check = selectors.awaiting_signature(user, "check")
    second = (
        selectors.awaiting_signature(user, "second")
        if REVIEWER in user.roles
        else selectors.gradings_for(None)
    )
    return Panel(
        title="新任干部档案评分",
        template="reviews/grading/panel.html",
        context={
            "draft": mine.filter(status=GradingStatus.DRAFT).count(),
            "check": check.count(),
            "second": second.count(),
            "items": list((second if REVIEWER in user.roles else check)[:4]),
            "is_reviewer": REVIEWER in user.roles,
        },
        order=40,
        width=6,
    )


def register():
    actions.register(AUDIT_LABELS)
    register_menu(
        MenuItem("新任干部档案评分", "reviews:grading-list", (CLERK, REVIEWER), order=450, group=GROUP),
        MenuItem("评分年终通报", "reviews:grading-report", (CLERK, REVIEWER), order=451, group=GROUP),
    )
    register_panel(CLERK, panel, order=40)
    register_panel(REVIEWER, panel, order=40)
