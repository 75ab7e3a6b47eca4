"""标记涉嫌造假 on the review case page (reviews.services.flag_suspect_falsification). Thin: parse, call, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import REVIEWER
from core.errors import DomainError
from reviews import selectors, services


@role_required(REVIEWER)
@require_POST
def suspect_falsification(request, pk):
    case = selectors.get_case(request.user, pk)
    ids = [v for v in request.POST.getlist("materials") if v.isdecimal()]
    try:
        services.flag_suspect_falsification(
            case=case, by=request.user, note=request.POST.get("note", ""), materials=[int(v) for v in ids]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标记涉嫌造假：核查处理前，档案审核不得通过，档案不得转递。")
    return redirect(reverse("reviews:case-detail", args=[case.pk]) + "#flags")
