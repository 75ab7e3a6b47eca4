"""零散材料接收: the queue of receipt batches, a new batch with its items, identification and filing."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import access, rules, selectors, services
from archives.access import Action
from archives.forms import BatchForm, BatchItemFormSet, ReturnForm
from archives.models import Archive, MaterialStatus
from archives.views.common import clerk_required, query_string
from core.config import setting
from core.errors import DomainError


@clerk_required
def intake(request):
    status = request.GET.get("status", "")
    if status not in ("", "open", "done"):
        status = ""
    page_obj = Paginator(selectors.batches_for(request.user, status=status), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "archives/intake.html",
        {
            "page_obj": page_obj,
            "batches": page_obj.object_list,
            "status": status,
            "counts": selectors.intake_counts(request.user),
            "query_string": query_string(request),
            "pending_days": setting("PENDING_FILING_DAYS"),
        },
    )


def _resolve_items(user, formset) -> tuple[list[dict], bool]:
    """Turn the item forms into service input; unknown or foreign archive numbers are form errors."""
    items, ok = [], True
    numbers = {
        rules.normalise_archive_no(f.cleaned_data.get("archive_no"))
        for f in formset.forms
        if f.cleaned_data and f.cleaned_data.get("archive_no")
    }
    found = {
        a.archive_no: a
        for a in access.archives_for(user, Action.MANAGE)
        .filter(archive_no__in=numbers)
        .select_related("cadre", "holding_unit")
    }
    for form in formset.forms:
        if not form.cleaned_data:
            continue
        data = dict(form.cleaned_data)
        number = rules.normalise_archive_no(data.pop("archive_no"))
        archive = found.get(number)
        if archive is None:
            form.add_error("archive_no", f"找不到您保管的档号“{number}”。")
            ok = False
            continue
        items.append({"archive": archive, **data, "_form": form})
    return items, ok


@clerk_required
@require_http_methods(["GET", "POST"])
def batch_create(request):
    """登记接收批次: the producing unit's hand-over and every item in it."""
    holding_units = selectors.holding_units_for(request.user)
    form = BatchForm(request.POST or None, holding_units=holding_units)
    formset = BatchItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items, ok = _resolve_items(request.user, formset)
        if ok:
            forms_by_index = {i: item.pop("_form") for i, item in enumerate(items, start=1)}
            try:
                batch, warnings = services.batch_create(
                    by=request.user,
                    holding_unit=form.cleaned_data["holding_unit"],
                    producing_unit=form.cleaned_data["producing_unit"],
                    delivered_by=form.cleaned_data["delivered_by"],
                    received_date=form.cleaned_data["received_date"],
                    notes=form.cleaned_data["notes"],
                    items=items,
                )
            except DomainError as exc:
                for v in exc.violations:
                    parts = (v.field or "").split(".")
                    if len(parts) == 3 and parts[0] == "items" and parts[1].isdecimal():
                        item_form = forms_by_index.get(int(parts[1]))
                        name = parts[2] if parts[2] in item_form.fields else None
                        if name == "archive":
                            name = "archive_no"
                        item_form.add_error(name, v.message.split("：", 1)[-1])
                    elif v.field in form.fields:
                        form.add_error(v.field, v.message)
                    else:
                        form.add_error(None, v.message)
            else:
                messages.success(
                    request, f"已登记接收批次：{batch.producing_unit}送交 {len(items)} 份材料，请逐份鉴别。"
                )
                for index, w in warnings:
                    messages.warning(request, f"第{index}项：{w.message}")
                return redirect("archives:batch", pk=batch.pk)
    return render(request, "archives/batch_form.html", {"form": form, "formset": formset})


@clerk_required
def batch_detail(request, pk: int):
    batch, items = selectors.batch_detail(request.user, pk)
    return render(
        request,
        "archives/batch_detail.html",
        {
            "batch": batch,
            "items": items,
            "return_form": ReturnForm(),
            "n_identified": sum(1 for m in items if m.status == MaterialStatus.IDENTIFIED),
            "n_received": sum(1 for m in items if m.status == MaterialStatus.RECEIVED),
        },
    )


@clerk_required
@require_POST
def batch_file_all(request, pk: int):
    """File every identified item of a batch, one service call each (each in its own transaction)."""
    batch, items = selectors.batch_detail(request.user, pk)
    done, failed = 0, []
    for material in items:
        if material.status != MaterialStatus.IDENTIFIED:
            continue
        try:
            services.material_file(material=material, by=request.user)
            done += 1
        except DomainError as exc:
            failed.append(f"{material.title}：{exc.message}")
    if done:
        messages.success(request, f"已归档 {done} 份材料。")
    for text in failed:
        messages.error(request, text)
    if not done and not failed:
        messages.info(request, "没有待归档的已鉴别材料。")
    return redirect("archives:batch", pk=batch.pk)


@clerk_required
@require_POST
def batch_identify_all(request, pk: int):
    batch, items = selectors.batch_detail(request.user, pk)
    done, failed = 0, []
    for material in items:
        if material.status != MaterialStatus.RECEIVED:
            continue
        try:
            services.material_identify(material=material, by=request.user)
            done += 1
        except DomainError as exc:
            failed.append(f"{material.title}：{exc.message}")
    if done:
        messages.success(request, f"已鉴别通过 {done} 份材料。")
    for text in failed:
        messages.error(request, text)
    return redirect("archives:batch", pk=batch.pk)


@clerk_required
def pending(request):
    """待归档材料: accepted but not filed for more than PENDING_FILING_DAYS (requirement 20)."""
    show_all = request.GET.get("all") == "1"
    qs = selectors.pending_filing(request.user, overdue_only=not show_all)
    page_obj = Paginator(qs, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for m in page_obj.object_list:
        m.days_waiting = (today - m.received_date).days if m.received_date else None
    return render(
        request,
        "archives/pending.html",
        {
            "page_obj": page_obj,
            "materials": page_obj.object_list,
            "show_all": show_all,
            "days": setting("PENDING_FILING_DAYS"),
            "query_string": query_string(request),
        },
    )


@clerk_required
def late_handover(request):
    """逾期移交统计: materials handed over later than LATE_HANDOVER_DAYS, per producing unit."""
    try:
        year = int(request.GET.get("year", "")) or None
    except ValueError:
        year = None
    unit = request.GET.get("unit", "")
    rows = selectors.late_handover_report(request.user, year=year)
    materials = list(selectors.late_materials(request.user, unit)[:200]) if unit else []
    this_year = datetime.date.today().year
    return render(
        request,
        "archives/late_handover.html",
        {
            "rows": rows,
            "year": year,
            "years": list(range(this_year, this_year - 8, -1)),
            "unit": unit,
            "materials": materials,
            "limit_days": setting("LATE_HANDOVER_DAYS"),
        },
    )


@clerk_required
@require_GET
def archive_lookup(request):
    """<option>s for the archive-number datalist of the intake form (archives the clerk manages)."""
    choices = selectors.archive_choices(request.user, request.GET.get("q", ""))
    return render(request, "archives/_archive_options.html", {"choices": choices})


def archive_for_number(user, number: str) -> Archive | None:
    return (
        access.archives_for(user, Action.MANAGE)
        .filter(archive_no=rules.normalise_archive_no(number))
        .select_related("cadre")
        .first()
    )
