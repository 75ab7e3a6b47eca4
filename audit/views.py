"""审计员's pages: search the log (keyset pages), look at one event, export, verify the hash chain."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Unit
from accounts.permissions import role_required
from accounts.roles import ALL_ROLES, AUDITOR
from audit import actions, chain, exports, selectors
from audit.models import AuditEvent, AuditSeal, Outcome
from audit.presentation import detail_lines
from audit.services import record
from core.errors import DomainError

FILTER_KEYS = ("start", "end", "actor", "role", "action", "unit", "archive_no", "outcome", "ip")


def _filter_context(request, audit_filter, error=None) -> dict:
    params = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value:
            query[key] = value
    return {
        "params": params,
        "filter_query": query.urlencode(),
        "filter_error": error,
        "filter_text": audit_filter.describe() if audit_filter else "",
        "action_groups": selectors.action_groups(),
        "roles": ALL_ROLES,
        "outcomes": Outcome.choices,
        "units": [
            (unit.pk, "\u3000" * (unit.path.count("/") - 2) + unit.name)
            for unit in Unit.objects.filter(is_active=True).order_by("path").only("pk", "name", "path")
        ],
    }


@role_required(AUDITOR)
@require_GET
def event_list(request):
    error = None
    try:
        audit_filter = selectors.AuditFilter.from_params(request.GET)
    except DomainError as exc:
        audit_filter, error = None, exc
    context = _filter_context(request, audit_filter, error)
    page = None
    rows = []
    if audit_filter is not None:
        try:
            page = selectors.keyset_page(
                selectors.events(audit_filter),
                after=request.GET.get("after", ""),
                before=request.GET.get("before", ""),
            )
        except DomainError as exc:
            context["filter_error"] = exc
        else:
            rows = [
                {
                    "e": e,
                    "label": actions.label(e.action),
                    "roles": e.actor_roles.replace(",", "、"),
                    "lines": detail_lines(e.details, limit=4),
                }
                for e in page.rows
            ]
            fresh_search = not request.GET.get("after") and not request.GET.get("before")
            if fresh_search and not audit_filter.is_empty:
                record(request.user, "audit.search", details={"filter": audit_filter.as_details()})
    context.update(rows=rows, page=page)
    return render(request, "audit/events.html", context)


@role_required(AUDITOR)
@require_GET
def event_detail(request, pk: int):
    event = get_object_or_404(AuditEvent, pk=pk)
    seal = AuditSeal.objects.filter(event_id=event.pk).first()
    return render(
        request,
        "audit/event_detail.html",
        {
            "e": event,
            "label": actions.label(event.action),
            "roles": event.actor_roles.replace(",", "、"),
            "lines": detail_lines(event.details),
            "seal": seal,
            "back": request.GET.get("back", ""),
        },
    )


@role_required(AUDITOR)
@require_GET
def export(request):
    try:
        audit_filter = selectors.AuditFilter.from_params(request.GET)
        return exports.export_response(
            user=request.user, audit_filter=audit_filter, fmt=request.GET.get("format", "csv")
        )
    except DomainError as exc:
        messages.error(request, f"导出失败：{exc.message}")
        return redirect("audit:events")


@role_required(AUDITOR)
@require_http_methods(["GET", "POST"])
def verify(request):
    result = None
    sealed = None
    if request.method == "POST":
        anchor = None
        text = request.POST.get("anchor", "").strip()
        if text:
            seq, _, digest = text.partition(":")
            if not seq.isdecimal() or len(digest) != 64:
                messages.error(request, "锚点格式应为“序号:哈希”，例如 1024:3fa5…（64 位十六进制）。")
                return redirect("audit:verify")
            anchor = (int(seq), digest.lower())
        sealed = chain.seal(full=True)
        result = chain.verify(anchor=anchor)
        record(
            request.user,
            "audit.verify",
            outcome="success" if result.ok else "failed",
            details={
                "checked": result.checked,
                "broken": result.broken,
                "unsealed": result.unsealed,
                "sealed_now": sealed,
                "anchor": text,
            },
        )
    last = selectors.last_verification()
    return render(
        request,
        "audit/verify.html",
        {
            "result": result,
            "sealed": sealed,
            "head": chain.head(),
            "unsealed": chain.unsealed_count(),
            "last": last,
            "last_lines": detail_lines(last.details) if last else [],
            "seal_on_commit": chain.seal_on_commit_enabled(),
        },
    )
