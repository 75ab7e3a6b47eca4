from accounts.roles import primary_role, roles_of
from core.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": [], "nav_roles": [], "nav_primary_role": None}
    menu = menu_for(user)
    path = request.path
    best = max(
        (m for m in menu if path.startswith(m["url"]) and m["url"] != "/"),
        key=lambda m: len(m["url"]),
        default=None,
    )
    for m in menu:
        m["active"] = m is best
    return {"nav_menu": menu, "nav_roles": sorted(roles_of(user)), "nav_primary_role": primary_role(user)}
