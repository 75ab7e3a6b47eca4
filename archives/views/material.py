"""One material: the viewer with its pages, identification, filing, editing, withdrawal, destruction, reorder and
upload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from archives import access, rules, selectors, services
from archives.access import Action
from archives.forms import (
    DestroyForm,
    MaterialForm,
    ReturnForm,
    UploadForm,
    WithdrawForm,
    apply_error,
    reviewers_queryset,
)
from archives.models import Material, MaterialStatus
from archives.views.common import clerk_required, show_warnings
from audit.services import record
from core.config import setting
from core.errors import DomainError


def _managed_material(user, pk) -> Material:
    material = Material.objects.select_related("archive", "archive__cadre", "category").filter(pk=pk).first()
    if material is None or not access.can(user, Action.MANAGE, material.archive):
        raise access.deny(
            user,
            Action.MANAGE,
            archive=material.archive if material else None,
            target=("archives.material", pk, ""),
            reason="material not manageable",
        )
    return material


def _label(name: str) -> str:
    try:
        return str(Material._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _safe_next(request) -> str | None:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False):
        return nxt
    return None


def _back(request, material: Material):
    nxt = _safe_next(request)
    return redirect(nxt) if nxt else redirect("archives:material", pk=material.pk)


@login_required
def material_detail(request, pk: int):
    """材料: metadata, history, and the watermarked page viewer (pages:image, prev/next)."""
    material, can_manage = selectors.material_detail(request.user, pk)
    pages = selectors.material_pages(material)
    record(
        request.user,
        "material.view",
        archive=material.archive,
        target=material,
        details={"seq": material.seq_label, "pages": len(pages)},
    )
    prev_material, next_material = selectors.neighbours(material)
    try:
        start = int(request.GET.get("page", "1"))
    except ValueError:
        start = 1
    numbers = [p.number for p in pages]
    versions = selectors.material_versions(material)
    for v in versions:
        v.rows = [(_label(name), pair[0], pair[1]) for name, pair in v.changes.items()]
    return render(
        request,
        "archives/material_detail.html",
        {
            "material": material,
            "archive": material.archive,
            "pages": pages,
            "start_index": next((i for i, n in enumerate(numbers) if n == start), 0),
            "can_manage": can_manage and not material.archive.is_read_only,
            "versions": versions,
            "viewer_pages": [{"n": p.number, "src": reverse("pages:image", args=[p.pk])} for p in pages],
            "min_dpi": setting("SCAN_MIN_DPI"),
            "mismatch": rules.page_count_mismatch(material.page_count, numbers),
            "prev_material": prev_material,
            "next_material": next_material,
            "return_form": ReturnForm(),
            "upload_form": UploadForm(),
            "next_page_number": (max(numbers) + 1) if numbers else 1,
        },
    )


@clerk_required
@require_http_methods(["GET", "POST"])
def material_create(request, pk: int):
    """登记材料 directly on an archive (a single loose material, without a receipt batch)."""
    archive = access.get_archive(request.user, Action.MANAGE, pk)
    form = MaterialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            material, warnings = services.material_receive(
                by=request.user, archive=archive, data=form.changes()
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已接收材料“{material.title}”，请鉴别后归档。")
            show_warnings(request, warnings)
            return redirect(f"{reverse('archives:detail', args=[archive.pk])}#intake")
    return render(
        request, "archives/material_form.html", {"form": form, "archive": archive, "title": "登记接收材料"}
    )


@clerk_required
@require_http_methods(["GET", "POST"])
def material_edit(request, pk: int):
    material = _managed_material(request.user, pk)
    filed = material.status == MaterialStatus.FILED
    form = MaterialForm(request.POST or None, instance=material, editing_filed=filed)
    if request.method == "POST" and form.is_valid():
        try:
            material, warnings = services.material_update(
                material=material,
                by=request.user,
                changes=form.changes(),
                reason=form.cleaned_data.get("reason", ""),
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "材料信息已保存。" + ("原值已存入修改记录。" if filed else ""))
            show_warnings(request, warnings)
            return redirect("archives:material", pk=material.pk)
    return render(
        request,
        "archives/material_form.html",
        {"form": form, "archive": material.archive, "material": material, "title": "修改材料信息"},
    )


def _act(request, material, func, success: str, **kwargs):
    try:
        result = func(material=material, by=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success.format(m=result))
    return result


@clerk_required
@require_POST
def material_identify(request, pk: int):
    material = _managed_material(request.user, pk)
    _act(request, material, services.material_identify, "“{m.title}”鉴别通过，可以归档。")
    return _back(request, material)


@clerk_required
@require_POST
def material_return(request, pk: int):
    material = _managed_material(request.user, pk)
    form = ReturnForm(request.POST)
    reason = form.data.get("reason", "")
    _act(request, material, services.material_return, "“{m.title}”已退回送交单位。", reason=reason)
    return _back(request, material)


@clerk_required
@require_POST
def material_file(request, pk: int):
    material = _managed_material(request.user, pk)
    _act(request, material, services.material_file, "“{m.title}”已归档，顺序号 {m.seq_label}。")
    return _back(request, material)


@clerk_required
@require_POST
def material_move(request, pk: int):
    material = _managed_material(request.user, pk)
    direction = request.POST.get("direction", "")
    _act(
        request,
        material,
        services.material_move,
        "已调整顺序：{m.title} 现为 {m.seq_label}。",
        direction=direction,
    )
    nxt = _safe_next(request)
    if nxt:
        return redirect(nxt)
    return redirect(f"{reverse('archives:detail', args=[material.archive_id])}#cat-{material.category.code}")


@clerk_required
@require_http_methods(["GET", "POST"])
def material_withdraw(request, pk: int):
    """撤出: a filed material leaves the directory with a reason and a reviewer's approval."""
    material = _managed_material(request.user, pk)
    form = WithdrawForm(request.POST or None, approvers=reviewers_queryset(exclude=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.material_withdraw(
                material=material,
                by=request.user,
                approver=form.cleaned_data["approver"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"“{material.title}”已撤出，其后材料顺序号已前移。")
            return redirect("archives:detail", pk=material.archive_id)
    return render(
        request,
        "archives/material_withdraw.html",
        {"form": form, "material": material, "archive": material.archive},
    )


@clerk_required
@require_http_methods(["GET", "POST"])
def material_destroy(request, pk: int):
    """销毁登记: a material that may not be filed is destroyed with a 审批人's approval and two witnesses."""
    material = _managed_material(request.user, pk)
    form = DestroyForm(
        request.POST or None,
        approvers=reviewers_queryset(exclude=request.user),
        initial={"destruction_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.material_destroy(
                material=material,
                by=request.user,
                approver=form.cleaned_data["approver"],
                witnesses=form.witnesses(),
                reason=form.cleaned_data["reason"],
                destroyed_on=form.cleaned_data["destruction_date"],
            )
        except DomainError as exc:
            form.apply_error(exc)
        else:
            messages.success(
                request, f"已登记销毁“{material.title}”，监销人：{'、'.join(form.witnesses())}。"
            )
            return _back(request, material)
    return render(
        request,
        "archives/material_destroy.html",
        {
            "form": form,
            "material": material,
            "archive": material.archive,
            "blocked": rules.check_destroyable(material.status),
            "next": _safe_next(request) or "",
        },
    )


@clerk_required
@require_POST
def pages_upload(request, pk: int):
    """上传扫描件 (XHR with progress, or a plain form post). Answers JSON to XHR, a redirect otherwise."""
    material = _managed_material(request.user, pk)
    wants_json = request.headers.get("x-requested-with") == "XMLHttpRequest" or "json" in request.headers.get(
        "accept", ""
    )
    form = UploadForm(request.POST)
    first = form.cleaned_data.get("first_number") if form.is_valid() else None
    try:
        pages = services.pages_upload(
            material=material, by=request.user, files=request.FILES.getlist("files"), first_number=first
        )
    except DomainError as exc:
        if wants_json:
            return JsonResponse(
                {**exc.as_dict(), "violations": [v.as_dict() for v in exc.violations]}, status=400
            )
        messages.error(request, exc.message)
        return _back(request, material)
    numbers = [p.number for p in pages]
    text = (
        f"已上传 {len(pages)} 页（第 {numbers[0]}-{numbers[-1]} 页）。"
        if len(numbers) > 1
        else f"已上传第 {numbers[0]} 页。"
    )
    if wants_json:
        messages.success(request, text)
        return JsonResponse({"ok": True, "message": text, "pages": numbers})
    messages.success(request, text)
    return _back(request, material)
