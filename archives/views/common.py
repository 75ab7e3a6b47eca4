"""Helpers shared by the archives pages."""

from __future__ import annotations

from django.contrib import messages

from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER

clerk_required = role_required(CLERK)
reader_required = role_required(CLERK, REVIEWER)


def show_warnings(request, warnings, prefix: str = "") -> None:
    for w in warnings:
        messages.warning(request, f"{prefix}{w.message}")


def query_string(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for name in drop:
        params.pop(name, None)
    return params.urlencode()
