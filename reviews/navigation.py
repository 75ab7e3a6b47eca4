"""Menu entries, home-page panels and audit labels of the pre-appointment review (registered from ready())."""

from __future__ import annotations

from accounts.roles import CLERK, REVIEWER
from audit import actions
from core.navigation import MenuItem, Panel, register_menu, register_panel

AUDIT_LABELS = {
    "review.case_open": "登记任前审核事项",
    "review.checks_run": "任前审核档案检查",
    "review.archive_review": "登记档案审核结论",
    "review.personal_matters": "登记个人有关事项核实结果",
    "review.discipline": "登记纪检监察机关意见",
    "review.complaints": "登记信访举报查核情况",
    "review.mark_ready": "确认可提交部务会",
    "review.ready_revoked": "撤回可提交部务会",
    "review.reassign": "变更任前审核承办人",
    "review.case_close": "任前审核事项办结",
    "review.flag_resolve": "核查处理档案问题",
    "review.flag_falsification": "标记涉嫌造假",
    "review.case_view": "查看任前审核事项",
    "review.material_view": "任前审核查阅材料",
    "review.form_pdf": "打印任前审查表",
    "review.appointment_pdf": "打印干部任免审批表",
    "review.post_form_pdf": "打印已审批的任免审批表",
    "review.statistics": "查看干部结构统计",
    "review.statistics_export": "导出干部结构统计",
    "lrmx.export": "导出任免审批表（LRMX）",
    "lrmx.import": "导入任免审批表（LRMX）",
    "determination.propose": "提出三龄两历一身份认定",
    "determination.approve": "批准认定",
    "determination.reject": "退回认定",
    "grant.end": "结束阅档授权",
}


def review_panel(request):
    from reviews import selectors

    counts = selectors.home_counts(request.user)
    return Panel(
        title="任前审核",
        template="reviews/panels/reviewer.html",
        context=counts,
        order=20,
        width=6,
    )


def register():
    actions.register(AUDIT_LABELS)
    register_menu(
        MenuItem("任前审核", "reviews:case-list", (REVIEWER,), order=400, group="干部监督"),
        MenuItem("认定审批", "reviews:determination-list", (REVIEWER,), order=405, group="干部监督"),
        MenuItem("干部结构统计", "reviews:statistics", (REVIEWER,), order=410, group="干部监督"),
        MenuItem("任免表导入", "reviews:lrmx-import", (CLERK,), order=135, group="档案管理"),
    )
    register_panel(REVIEWER, review_panel, order=20)
