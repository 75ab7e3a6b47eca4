"""Pages of the completeness and fixity features. Thin: selectors to read, services to change.

/archives/completeness/                        incomplete archives of the clerk's holdings, worst first
/archives/completeness/dashboard/              per holding unit: complete / incomplete / veto / last checked
/archives/completeness/archive/<id>/           the full report of one archive, excused years
/archives/completeness/archive/<id>/card/      the card alone (HTMX refresh while a check is running)
/archives/completeness/archive/<id>/recheck/   POST: check again now
/archives/completeness/archive/<id>/excuse/    POST: record an excused year
/archives/completeness/excusals/<id>/revoke/   POST: revoke an excused year
/archives/completeness/fixity/                 fixity findings (clerk: holdings; system admin: all)
/archives/completeness/fixity/<id>/resolve/    POST: resolve a finding with a note
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER, SYSTEM_ADMIN
from archives import access
from archives import selectors_completeness as selectors
from archives import services_completeness as services
from archives.access import Action
from archives.completeness import report_or_check
from archives.models import (
    Archive,
    CompletenessExcusal,
    CompletenessRule,
    ExcuseReason,
    FixityKind,
    RuleCountMode,
)
from audit.services import record
from core.errors import DomainError
from core.navigation import Panel


def archive_url(archive) -> str:
    """The archive page (archives app) when it exists, else the completeness page of the archive."""
    for name in ("archives:detail", "archives:archive-detail", "archives:archive"):
        try:
            return reverse(name, args=[archive.pk])
        except NoReverseMatch:
            continue
    return reverse("completeness:archive", args=[archive.pk])


# --- home-page panels ----------------------------------------------------------------------------------------


def incomplete_panel(request):
    user = request.user
    summary = selectors.holdings_summary(user)
    if not summary["total"]:
        return None
    worst = list(selectors.incomplete_archives(user)[:8])
    for archive in worst:
        archive.url = archive_url(archive)
    return Panel(
        title="不齐全的档案",
        template="archives/completeness/panel_incomplete.html",
        context={"summary": summary, "archives": worst, "sweep": selectors.last_finished_sweep()},
        order=30,
        width=6,
    )


def fixity_panel(request):
    counts = selectors.fixity_counts(request.user)
    return Panel(
        title="文件完整性核对",
        template="archives/completeness/panel_fixity.html",
        context={"counts": counts, "state": selectors.fixity_state(), "kinds": dict(FixityKind.choices)},
        order=40,
        width=6,
    )


# --- lists ---------------------------------------------------------------------------------------------------


@login_required
@role_required(CLERK)
def incomplete_list(request):
    user = request.user
    units = list(
        access.archives_for(user, Action.MANAGE)
        .values_list("holding_unit_id", "holding_unit__name")
        .distinct()
        .order_by("holding_unit_id")
    )
    unit_id = request.GET.get("unit") or ""
    unit_id = int(unit_id) if unit_id.isdecimal() else None
    veto_only = request.GET.get("veto") == "1"
    query = request.GET.get("q", "")
    qs = selectors.incomplete_archives(user, unit_id=unit_id, veto_only=veto_only, query=query)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    for archive in page.object_list:
        archive.url = archive_url(archive)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "archives/completeness/incomplete_list.html",
        {
            "page_obj": page,
            "units": units,
            "unit_id": unit_id,
            "veto_only": veto_only,
            "q": query,
            "query_string": params.urlencode(),
            "summary": selectors.holdings_summary(user),
            "sweep": selectors.last_finished_sweep(),
        },
    )


@login_required
@role_required(CLERK, REVIEWER)
def dashboard(request):
    rows = selectors.dashboard(request.user)
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ("total", "complete", "incomplete", "veto", "unchecked")
    }
    chart = {
        "labels": [r.unit.name for r in rows],
        "complete": [r.complete for r in rows],
        "incomplete": [r.incomplete - r.veto for r in rows],
        "veto": [r.veto for r in rows],
        "unchecked": [r.unchecked for r in rows],
    }
    return render(
        request,
        "archives/completeness/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "chart": chart,
            "sweep": selectors.last_sweep(),
            "finished": selectors.last_finished_sweep(),
            "is_clerk": CLERK in request.user.roles,
        },
    )


# --- one archive ---------------------------------------------------------------------------------------------


class ExcuseForm(forms.Form):
    rule = forms.ModelChoiceField(
        label="规则",
        queryset=CompletenessRule.objects.filter(is_active=True, count_mode=RuleCountMode.PER_YEAR),
        empty_label=None,
    )
    year = forms.IntegerField(label="年度", min_value=1949, max_value=2100)
    reason = forms.ChoiceField(label="原因", choices=ExcuseReason.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)


CARD_TOKEN_SALT = "archives.completeness.card"
CARD_TOKEN_MAX_AGE = 6 * 3600


def card_token(user, archive_id: int) -> str:
    """Proof that a page already showed this user the card of this archive (so it may reload it)."""
    return signing.TimestampSigner(salt=CARD_TOKEN_SALT).sign(f"{user.pk}:{archive_id}")


def _token_allows(request, pk: int) -> bool:
    token = request.GET.get("t", "")
    if not token or not request.user.is_authenticated:
        return False
    try:
        value = signing.TimestampSigner(salt=CARD_TOKEN_SALT).unsign(token, max_age=CARD_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return value == f"{request.user.pk}:{pk}"


def card_url(user, archive_id: int, *, detail_link: bool = True) -> str:
    params = {"t": card_token(user, archive_id)} if user is not None and user.is_authenticated else {}
    if not detail_link:
        params["detail"] = "0"
    return reverse("completeness:card", args=[archive_id]) + ("?" + urlencode(params) if params else "")


def card_context(user, archive, report, *, detail_link: bool = True) -> dict:
    """Context of archives/_completeness_card.html (the template tag and the card view share it)."""
    can_manage = bool(user and user.is_authenticated and access.can(user, Action.MANAGE, archive))
    if detail_link and not can_manage:  # link the full report only for those who may open it
        detail_link = bool(
            user and user.is_authenticated and access.can(user, Action.VIEW_DIRECTORY, archive)
        )
    pending = bool(report and report.requested_at and report.requested_at > report.computed_at)
    return {
        "archive": archive,
        "report": report,
        "lazy": report is None,
        "pending": pending,
        "can_manage": can_manage,
        "detail_url": reverse("completeness:archive", args=[archive.pk]),
        "card_url": card_url(user, archive.pk, detail_link=detail_link),
        "recheck_url": reverse("completeness:recheck", args=[archive.pk]),
        "show_detail_link": detail_link,
    }


def _card_context(request, archive, report) -> dict:
    return card_context(request.user, archive, report)


@login_required
def archive_report(request, pk):
    archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, pk)
    report = report_or_check(archive)
    can_manage = access.can(request.user, Action.MANAGE, archive)
    record(request.user, "completeness.report_view", archive=archive)
    context = _card_context(request, archive, report)
    context.update(
        {
            "show_detail_link": False,
            "archive_url": archive_url(archive),
            "excusals": list(selectors.excusals_for(archive)) if can_manage else [],
            "form": ExcuseForm(initial={"year": timezone.localdate().year - 1}) if can_manage else None,
        }
    )
    return render(request, "archives/completeness/archive.html", context)


@login_required
def card(request, pk):
    """The card alone: HTMX reloads it (first check of a never-checked archive, polling while a check runs).
    Allowed to whoever may see the archive's directory, or holds the token of a page that showed them the card
    (a request or review page may show it to people without standing rights on the archive)."""
    if _token_allows(request, pk):
        archive = Archive.objects.select_related("cadre", "holding_unit").filter(pk=pk).first()
        if archive is None:
            raise Http404
    else:
        archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, pk)
    report = report_or_check(archive)
    context = card_context(request.user, archive, report, detail_link=request.GET.get("detail") != "0")
    return HttpResponse(render_to_string("archives/_completeness_card.html", context, request=request))


@login_required
@require_POST
def recheck(request, pk):
    archive = access.get_archive(request.user, Action.MANAGE, pk)
    services.request_recheck(archive=archive, by=request.user)
    if request.headers.get("HX-Request"):
        return card(request, pk)
    messages.success(request, "已重新检查该档案的完整性。")
    return redirect(request.POST.get("next") or reverse("completeness:archive", args=[pk]))


@login_required
@require_POST
def excuse(request, pk):
    archive = access.get_archive(request.user, Action.MANAGE, pk)
    form = ExcuseForm(request.POST)
    if form.is_valid():
        try:
            services.excuse_year(
                archive=archive,
                rule=form.cleaned_data["rule"],
                year=form.cleaned_data["year"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记{form.cleaned_data['year']}年度免查原因，完整性结果已更新。")
    else:
        errors = "；".join(
            f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items() if f in form.fields
        )
        messages.error(request, errors or "请检查填写的内容。")
    return redirect(reverse("completeness:archive", args=[pk]) + "#excusals")


@login_required
@require_POST
def revoke(request, pk):
    excusal = CompletenessExcusal.objects.select_related("archive").filter(pk=pk).first()
    if excusal is None:
        raise Http404
    access.get_archive(request.user, Action.MANAGE, excusal.archive_id)
    try:
        services.revoke_excusal(excusal=excusal, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销{excusal.year}年度的免查登记。")
    return redirect(reverse("completeness:archive", args=[excusal.archive_id]) + "#excusals")


# --- fixity --------------------------------------------------------------------------------------------------


@login_required
@role_required(CLERK, SYSTEM_ADMIN)
def fixity(request):
    status = request.GET.get("status", "open")
    if status not in ("open", "resolved", "all"):
        status = "open"
    kind = request.GET.get("kind", "")
    if kind not in FixityKind.values:
        kind = ""
    qs = selectors.findings_for(request.user, status=status, kind=kind)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    record(request.user, "fixity.view", details={"status": status, "kind": kind})
    return render(
        request,
        "archives/completeness/fixity.html",
        {
            "page_obj": page,
            "status": status,
            "kind": kind,
            "kinds": FixityKind.choices,
            "counts": selectors.fixity_counts(request.user),
            "state": selectors.fixity_state(),
            "query_string": params.urlencode(),
            # The system admin sees storage facts, never archive content (三员分立): no material titles.
            "show_titles": not selectors.sees_all_findings(request.user),
        },
    )


@login_required
@require_POST
def resolve(request, pk):
    finding = selectors.findings_for(request.user, status="all").filter(pk=pk).first()
    if finding is None:
        raise access.deny(
            request.user, Action.MANAGE, target=("archives.fixityfinding", pk, ""), reason="fixity"
        )
    try:
        services.resolve_finding(finding=finding, note=request.POST.get("note", ""), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录处理结果。")
    return redirect(request.POST.get("next") or reverse("completeness:fixity"))
