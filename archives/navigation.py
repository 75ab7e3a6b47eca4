"""Menu entries, home-page panels and audit labels of the archives app (registered from ArchivesConfig.ready)."""

from __future__ import annotations

from accounts.roles import CLERK, REVIEWER
from audit import actions
from core.navigation import MenuItem, Panel, register_menu, register_panel

AUDIT_LABELS = {
    "archive.search": "检索档案",
    "archive.directory_view": "查看档案目录",
    "archive.export_directory": "导出档案目录",
    "material.view": "查看材料",
    "cadre.create": "登记干部",
    "cadre.update": "修改干部信息",
    "archive.create": "建立档案",
    "archive.update": "修改档案信息",
    "batch.create": "登记零散材料接收批次",
    "material.receive": "接收材料",
    "material.identify": "鉴别材料",
    "material.return": "退回材料",
    "material.file": "材料归档",
    "material.update": "修改材料信息",
    "material.withdraw": "撤出材料",
    "material.destroy": "销毁材料",
    "material.renumber": "调整材料顺序号",
    "page.upload": "上传扫描件",
    "page.view": "查看扫描页",
    "roster.import": "导入干部名册",
    "catalog.kind_changed": "修改材料种类",
}


def pending_panel(request):
    from archives import selectors

    user = request.user
    counts = selectors.intake_counts(user)
    items = list(selectors.pending_filing(user)[:6])
    return Panel(
        title="待归档材料",
        template="archives/panels/pending.html",
        context={"counts": counts, "items": items},
        order=20,
        width=6,
    )


def intake_panel(request):
    from archives import selectors

    batches = list(selectors.batches_for(request.user, status="open")[:5])
    return Panel(
        title="零散材料接收",
        template="archives/panels/intake.html",
        context={"batches": batches},
        order=25,
        width=6,
    )


def register():
    actions.register(AUDIT_LABELS)
    register_menu(
        MenuItem("干部档案", "archives:list", (CLERK, REVIEWER), order=100, group="档案管理"),
        MenuItem("零散材料接收", "archives:intake", (CLERK,), order=110, group="档案管理"),
        MenuItem("待归档材料", "archives:pending", (CLERK,), order=120, group="档案管理"),
        MenuItem("名册导入", "archives:import", (CLERK,), order=130, group="档案管理"),
    )
    register_panel(CLERK, pending_panel, order=20)
    register_panel(CLERK, intake_panel, order=25)
