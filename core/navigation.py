"""Navigation menu and home-page panels per role. Apps register theirs from AppConfig.ready.

Menu entries and panels are data so that each app owns its own entries and no template lists roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from accounts.roles import roles_of


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    order: int = 100
    group: str = ""

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


@dataclass
class Panel:
    """A block on a role's home page: a title, a template to include and its context."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    width: int = 6  # Bootstrap columns out of 12


MENU: list[MenuItem] = []
PANELS: dict[str, list[tuple[int, Callable]]] = {}


def register_menu(*items: MenuItem) -> None:
    for item in items:
        if item not in MENU:
            MENU.append(item)
    MENU.sort(key=lambda i: (i.order, i.label))


def register_panel(role: str, builder: Callable, order: int = 100) -> None:
    """builder(request) -> Panel | None; None hides the panel for this request."""
    entries = PANELS.setdefault(role, [])
    if all(existing is not builder for _, existing in entries):
        entries.append((order, builder))
        entries.sort(key=lambda pair: pair[0])


def menu_for(user) -> list[dict]:
    held = roles_of(user)
    items = []
    for item in MENU:
        if held.intersection(item.roles):
            url = item.url()
            if url:
                items.append({"label": item.label, "url": url, "group": item.group})
    return items


def panels_for(request, role: str) -> list[Panel]:
    panels = []
    for _, builder in PANELS.get(role, []):
        panel = builder(request)
        if panel is not None:
            panels.append(panel)
    return panels
