"""Home-page panels every role shares."""

from accounts.roles import ALL_ROLES
from core.navigation import Panel, register_panel


def account_panel(request):
    user = request.user
    return Panel(
        title="我的账号",
        template="core/panels/account.html",
        context={"u": user, "roles": sorted(user.roles)},
        order=900,
        width=4,
    )


def register():
    for role in ALL_ROLES:
        register_panel(role, account_panel, order=900)
