from accounts.roles import SECURITY_ADMIN, SYSTEM_ADMIN
from core.navigation import MenuItem, register_menu


def register():
    register_menu(
        MenuItem("用户角色", "accounts:user-roles", (SECURITY_ADMIN,), order=800, group="系统与安全"),
        MenuItem("系统管理", "admin:index", (SYSTEM_ADMIN,), order=810, group="系统与安全"),
    )
