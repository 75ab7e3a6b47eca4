"""Pages of viewing and borrowing. Thin: they parse input, call borrowing.services, and read through
borrowing.selectors (already filtered by archives.access). Rule messages go next to the fields they concern.

- the request form (new / edit a draft) and the per-archive scope editor (materials to view and to copy);
- the request, shown as the paper approval form, with the actions open to the user (submit, withdraw, approve,
  reject, check out, register a copy) and the approval trail; its printable PDF;
- the reviewer's inbox, the request list, the clerk's loan desk and the item-by-item return check;
- the viewer's 我的查阅 and the watermarked material viewer.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER, VIEWER, roles_of
from archives import access
from archives.access import Action
from archives.models import Material, MaterialCategory, Page
from audit.services import record
from borrowing import forms, pdf, selectors, services
from borrowing.models import (
    LIVE_STATUSES,
    PENDING_STATUSES,
    WITHDRAWABLE_STATUSES,
    AccessMode,
    AccessRequest,
    AccessRequestSubject,
    CheckoutStatus,
    CopyRecord,
    RequestStatus,
)
from core.config import setting
from core.errors import DomainError

PAGE_SIZE = 20

# Where a rule's field lands on the header form.
HEADER_FIELD_ALIASES = {"copies": "copies_requested", "requesting_unit_kind": "requesting_unit_kind"}


# --- helpers -----------------------------------------------------------------------------------------------------


def _paginate(request, qs):
    from django.core.paginator import Paginator

    paginator = Paginator(qs, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _filters(request, default_status: str = "") -> selectors.Filters:
    def day(name):
        try:
            return datetime.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return selectors.Filters(
        status=request.GET.get("status", default_status),
        mode=request.GET.get("mode", ""),
        unit=request.GET.get("unit", "").strip(),
        date_from=day("date_from"),
        date_to=day("date_to"),
        q=request.GET.get("q", "").strip(),
    )


def _filter_context(request, f: selectors.Filters) -> dict:
    return {
        "f": f,
        "status_choices": [("pending", "待审批（含二级）"), *RequestStatus.choices],
        "mode_choices": AccessMode.choices,
        "query_string": _query_string(request),
    }


def _show_domain_error(request, exc: DomainError) -> None:
    for violation in exc.violations:
        messages.error(request, violation.message)


def place_violations(violations, form, viewer_fs, subject_fs, viewer_rows, subject_rows) -> list[str]:
    """Put each rule message next to its field; return those that belong to no field (shown at the top)."""
    loose = []
    for v in violations:
        parts = (v.field or "").split(".")
        placed = False
        if parts[0] == "viewers" and viewer_fs is not None:
            if len(parts) >= 2 and parts[1].isdecimal() and int(parts[1]) < len(viewer_rows):
                target = viewer_fs.forms[viewer_rows[int(parts[1])]]
                attr = parts[2] if len(parts) > 2 else None
                target.add_error(attr if attr in target.fields else None, v.message)
                placed = True
            elif len(parts) == 1:
                viewer_fs._non_form_errors = viewer_fs.non_form_errors() + [v.message]
                placed = True
        elif parts[0] == "subjects" and subject_fs is not None:
            if len(parts) >= 2 and parts[1].isdecimal() and int(parts[1]) < len(subject_rows):
                target = subject_fs.forms[subject_rows[int(parts[1])]]
                attr = {"archive": "archive_no", "scope": "categories", "copies": None}.get(
                    parts[2] if len(parts) > 2 else ""
                )
                target.add_error(attr, v.message)
                placed = True
            elif len(parts) == 1:
                subject_fs._non_form_errors = subject_fs.non_form_errors() + [v.message]
                placed = True
        elif form is not None:
            name = HEADER_FIELD_ALIASES.get(v.field or "", v.field)
            if name in form.fields:
                form.add_error(name, v.message)
                placed = True
        if not placed:
            loose.append(v.message)
    return loose


def _initial_start() -> datetime.datetime:
    now = timezone.localtime()
    return now.replace(second=0, microsecond=0)


def _form_context(request, form, viewer_fs, subject_fs, req=None, loose=()) -> dict:
    return {
        "form": form,
        "viewer_fs": viewer_fs,
        "subject_fs": subject_fs,
        "req": req,
        "loose_errors": list(loose),
        "accounts": forms.viewer_accounts(),
        "is_clerk": CLERK in roles_of(request.user),
        "loan_default_days": setting("LOAN_DEFAULT_DAYS"),
        "loan_max_days": setting("LOAN_MAX_DAYS"),
        "view_max_days": setting("VIEW_MAX_DAYS"),
    }


def _bind(request, req=None):
    form = forms.AccessRequestForm(request.POST)
    viewer_fs = forms.ViewerFormSet(request.POST, prefix="viewers")
    subject_fs = forms.SubjectFormSet(request.POST, prefix="subjects")
    return form, viewer_fs, subject_fs


def _collect(request, form, viewer_fs, subject_fs, req=None):
    """Turn valid forms into the service's data; resolve subject archives. Returns (data, viewer_rows,
    subject_rows) or None when some input could not even be read (errors are on the forms)."""
    ok = form.is_valid() & viewer_fs.is_valid() & subject_fs.is_valid()
    if not ok:
        return None
    data = dict(form.cleaned_data)
    if data.get("requesting_unit") is None:
        data["requesting_unit"] = None
    viewer_rows, viewers = [], []
    for index, vf in enumerate(viewer_fs.forms):
        if vf.is_blank:
            continue
        viewer_rows.append(index)
        viewers.append({k: vf.cleaned_data.get(k) for k in ("user", *services.VIEWER_FIELDS)})
    subject_rows, subjects, failed = [], [], False
    existing = {}
    if req is not None:
        existing = {
            s.archive_id: s for s in req.subjects.prefetch_related("scope_categories", "scope_materials")
        }
    for index, sf in enumerate(subject_fs.forms):
        if sf.is_blank:
            continue
        try:
            archive = services.find_subject_archive(
                by=request.user,
                archive_no=sf.cleaned_data.get("archive_no", ""),
                id_number=sf.cleaned_data.get("id_number", ""),
                index=len(subjects),
            )
        except DomainError as exc:
            sf.add_error("archive_no", exc.message)
            failed = True
            continue
        categories = list(sf.cleaned_data.get("categories") or [])
        # The form offers the ten categories; sub-categories and single materials come from the scope editor
        # and are kept.
        old = existing.get(archive.pk)
        if old is not None:
            categories += [c for c in old.scope_categories.all() if c.parent_id is not None]
        has_materials = old is not None and bool(old.scope_materials.all())
        subject_rows.append(index)
        subjects.append(
            {
                "archive": archive,
                "scope_all": bool(sf.cleaned_data.get("scope_all")) or not (categories or has_materials),
                "categories": categories,
            }
        )
    if failed:
        return None
    data["viewers"] = viewers
    data["subjects"] = subjects
    return data, viewer_rows, subject_rows


def _save_and_maybe_submit(request, req, form, viewer_fs, subject_fs):
    collected = _collect(request, form, viewer_fs, subject_fs, req)
    if collected is None:
        return render(
            request, "borrowing/request_form.html", _form_context(request, form, viewer_fs, subject_fs, req)
        )
    data, viewer_rows, subject_rows = collected
    try:
        if req is None:
            req = services.access_request_create(by=request.user, data=data)
        else:
            req = services.access_request_update(request=req, by=request.user, data=data)
    except DomainError as exc:
        loose = place_violations(exc.violations, form, viewer_fs, subject_fs, viewer_rows, subject_rows)
        return render(
            request,
            "borrowing/request_form.html",
            _form_context(request, form, viewer_fs, subject_fs, req, loose),
        )
    if request.POST.get("action") != "submit":
        messages.success(request, f"草稿已保存（编号 {req.number}）。")
        return redirect("borrowing:request-detail", req.pk)
    try:
        services.access_request_submit(request=req, by=request.user)
    except DomainError:
        # The draft is saved: show it as saved (viewers filled in from their accounts) with each rule message
        # next to its field.
        messages.warning(
            request, f"草稿已保存（编号 {req.number}），但尚不能提交审批：请按字段旁的提示修改。"
        )
        return redirect(reverse("borrowing:request-edit", args=[req.pk]) + "?check=1")
    messages.success(request, f"申请 {req.number} 已提交审批。")
    return redirect("borrowing:request-detail", req.pk)


# --- the request form ---------------------------------------------------------------------------------------------


@role_required(CLERK, VIEWER)
def request_new(request):
    if request.method == "POST":
        form, viewer_fs, subject_fs = _bind(request)
        return _save_and_maybe_submit(request, None, form, viewer_fs, subject_fs)
    user = request.user
    start = _initial_start()
    initial = {"start_at": start, "end_at": start + datetime.timedelta(days=1), "mode": AccessMode.ONSITE}
    viewers = [{}, {}]
    if CLERK not in roles_of(user):
        initial["requesting_unit"] = user.unit_id
        viewers[0] = {"user": user.username}
    form = forms.AccessRequestForm(initial=initial)
    viewer_fs = forms.ViewerFormSet(prefix="viewers", initial=viewers)
    subject_fs = forms.SubjectFormSet(prefix="subjects", initial=[{"scope_all": True}])
    return render(request, "borrowing/request_form.html", _form_context(request, form, viewer_fs, subject_fs))


def _scope_note(subject: AccessRequestSubject) -> str:
    parts = []
    subs = [c for c in subject.scope_categories.all() if c.parent_id is not None]
    if subs and not subject.scope_all:
        parts.append("子类" + "、".join(c.chinese_label for c in subs))
    materials = list(subject.scope_materials.all())
    if materials and not subject.scope_all:
        parts.append(f"具体材料{len(materials)}份")
    copies = list(subject.copy_materials.all())
    if copies:
        parts.append(f"复制材料{len(copies)}份")
    return "已在“选择材料”中指定：" + "，".join(parts) if parts else ""


def _initial_from(req: AccessRequest):
    header = {
        "requesting_unit": req.requesting_unit_id,
        "requesting_unit_name": "" if req.requesting_unit_id else req.requesting_unit_name,
        "requesting_unit_kind": "" if req.requesting_unit_id else req.requesting_unit_kind,
        "unit_opinion": req.unit_opinion,
        "unit_signer": req.unit_signer,
        "unit_signed_on": req.unit_signed_on,
        "has_intro_letter": req.has_intro_letter,
        "purpose": req.purpose,
        "purpose_detail": req.purpose_detail,
        "mode": req.mode,
        "start_at": timezone.localtime(req.start_at) if req.start_at else None,
        "end_at": timezone.localtime(req.end_at) if req.end_at else None,
        "copies_requested": req.copies_requested,
        "copy_note": req.copy_note,
    }
    viewers = [
        {
            "user": v.user.username if v.user_id else "",
            **{k: getattr(v, k) for k in services.VIEWER_FIELDS},
        }
        for v in req.viewers.select_related("user")
    ]
    while len(viewers) < 2:
        viewers.append({})
    subjects = [
        {
            "archive_no": s.archive.archive_no,
            "scope_all": s.scope_all,
            "categories": [c.pk for c in s.scope_categories.all() if c.parent_id is None],
            "note": _scope_note(s),
        }
        for s in req.subjects.select_related("archive").prefetch_related(
            "scope_categories", "scope_materials", "copy_materials"
        )
    ] or [{"scope_all": True}]
    return header, viewers, subjects


@login_required
def request_edit(request, pk):
    req = selectors.get_request(request.user, pk)
    if req.created_by_id != request.user.pk or req.status != RequestStatus.DRAFT:
        messages.error(request, "只有填表人可以修改草稿状态的申请。")
        return redirect("borrowing:request-detail", req.pk)
    if request.method == "POST":
        form, viewer_fs, subject_fs = _bind(request, req)
        return _save_and_maybe_submit(request, req, form, viewer_fs, subject_fs)
    header, viewers, subjects = _initial_from(req)
    form = forms.AccessRequestForm(initial=header)
    viewer_fs = forms.ViewerFormSet(prefix="viewers", initial=viewers)
    subject_fs = forms.SubjectFormSet(prefix="subjects", initial=subjects)
    loose = []
    if request.GET.get("check"):
        # After a refused submission: the current rule results next to the fields.
        for f in (form, *viewer_fs.forms, *subject_fs.forms):
            f.cleaned_data = {}
        saved_viewers = req.viewers.count()
        saved_subjects = req.subjects.count()
        errors = [v for v in services.check_request(req) if v.is_error]
        loose = place_violations(
            errors, form, viewer_fs, subject_fs, list(range(saved_viewers)), list(range(saved_subjects))
        )
    return render(
        request,
        "borrowing/request_form.html",
        _form_context(request, form, viewer_fs, subject_fs, req, loose),
    )


@login_required
def subject_scope(request, pk, subject_pk):
    """The clerk chooses, from the archive's directory, the materials to view and those to copy (draft only)."""
    req = selectors.get_request(request.user, pk)
    subject = get_object_or_404(
        AccessRequestSubject.objects.select_related("archive__cadre").prefetch_related(
            "scope_categories", "scope_materials", "copy_materials"
        ),
        pk=subject_pk,
        request=req,
    )
    if req.created_by_id != request.user.pk or req.status != RequestStatus.DRAFT:
        messages.error(request, "只有填表人可以修改草稿状态的申请。")
        return redirect("borrowing:request-detail", req.pk)
    if not access.can(request.user, Action.VIEW_DIRECTORY, subject.archive):
        raise access.deny(request.user, Action.VIEW_DIRECTORY, archive=subject.archive, reason="scope editor")
    directory = list(selectors.directory_for_return(subject.archive))
    record(
        request.user,
        "archive.directory_view",
        archive=subject.archive,
        details={"via": "access_request_scope"},
    )
    categories = list(MaterialCategory.objects.order_by("sort_order"))
    if request.method == "POST":
        chosen = [int(x) for x in request.POST.getlist("materials") if x.isdecimal()]
        copies = [int(x) for x in request.POST.getlist("copies") if x.isdecimal()]
        cats = [c for c in categories if str(c.pk) in request.POST.getlist("categories")]
        scope_all = request.POST.get("scope_all") == "1"
        try:
            services.subject_scope_set(
                subject=subject,
                by=request.user,
                scope_all=scope_all,
                categories=cats,
                materials=chosen,
                copy_materials=copies,
            )
        except DomainError as exc:
            _show_domain_error(request, exc)
        else:
            messages.success(request, f"已更新档案 {subject.archive.archive_no} 的查阅范围与复制材料。")
            return redirect("borrowing:request-detail", req.pk)
    return render(
        request,
        "borrowing/subject_scope.html",
        {
            "req": req,
            "subject": subject,
            "directory": directory,
            "categories": categories,
            "scope_category_ids": {c.pk for c in subject.scope_categories.all()},
            "scope_material_ids": {m.pk for m in subject.scope_materials.all()},
            "copy_material_ids": {m.pk for m in subject.copy_materials.all()},
        },
    )


# --- the request as the paper form -----------------------------------------------------------------------------------


def _actions(request, req: AccessRequest) -> dict:
    user = request.user
    roles = roles_of(user)
    subjects = list(req.subjects.all())
    is_applicant = req.created_by_id == user.pk
    clerk_archives = {
        s.archive_id for s in subjects if CLERK in roles and access.can(user, Action.MANAGE, s.archive)
    }
    is_clerk = bool(clerk_archives)
    effective = req.effective_status
    ctx = {
        "is_applicant": is_applicant,
        "is_clerk": is_clerk,
        "is_reviewer": REVIEWER in roles,
        "can_edit": is_applicant and req.status == RequestStatus.DRAFT,
        "can_submit": is_applicant and req.status == RequestStatus.DRAFT,
        "can_withdraw": is_applicant and req.status in WITHDRAWABLE_STATUSES,
        "is_viewer": any(v.user_id == user.pk for v in req.viewers.all()),
    }
    # Reviewer: decide if the request waits for a level they may still sign.
    signed = any(a.reviewer_id == user.pk for a in req.approvals.all())
    can_decide = REVIEWER in roles and req.status in PENDING_STATUSES and not is_applicant and not signed
    ctx["can_decide"] = can_decide
    ctx["signed"] = signed
    if req.status in PENDING_STATUSES:
        ctx["level"] = 1 if req.status == RequestStatus.SUBMITTED else 2
    if can_decide:
        ctx["approver_problems"] = [v for v in services.check_approval(req, user) if v.is_error]
        ctx["approve_form"] = forms.ApproveForm(initial={"level": ctx["level"], "opinion": "同意。"})
        ctx["reject_form"] = forms.RejectForm()
    if req.status in (RequestStatus.DRAFT, *PENDING_STATUSES) and (is_applicant or can_decide or is_clerk):
        ctx["rule_results"] = services.check_request(req)
    # Clerk: paper out, copies.
    live = req.status in LIVE_STATUSES and effective != RequestStatus.EXPIRED
    out_ids = {c.archive_id for c in req.checkouts.all()}
    if is_clerk and live and req.mode != AccessMode.DIGITAL:
        ctx["checkout_subjects"] = [
            s for s in subjects if s.archive_id in clerk_archives and s.archive_id not in out_ids
        ]
    if is_clerk:
        ctx["open_checkouts"] = [c for c in req.checkouts.all() if c.status != CheckoutStatus.RETURNED]
    if is_clerk and live and req.copies_requested:
        materials = [m for s in subjects if s.archive_id in clerk_archives for m in s.copy_materials.all()]
        if materials:
            ctx["copy_form"] = forms.CopyForm(
                materials=materials, viewers=[v.name for v in req.viewers.all()]
            )
    ctx["can_finish"] = req.mode == AccessMode.DIGITAL and live and (ctx["is_viewer"] or is_applicant)
    return ctx


@login_required
def request_detail(request, pk):
    req = selectors.request_detail(request.user, pk)
    subjects = list(req.subjects.all())
    ctx = _actions(request, req)
    show_completeness = ctx["is_clerk"] or ctx["is_reviewer"]
    rows = [
        {
            "subject": s,
            "scope": selectors.scope_text(s),
            "copies": selectors.copy_text(s),
            "can_scope": ctx["can_edit"] and CLERK in roles_of(request.user),
        }
        for s in subjects
    ]
    record(request.user, "access_request.view", target=req, details={"request": req.number})
    return render(
        request,
        "borrowing/request_detail.html",
        {
            "req": req,
            "rows": rows,
            "show_completeness": show_completeness,
            "approvals": list(req.approvals.all()),
            "checkouts": list(req.checkouts.all()),
            "copies": list(req.copies.all()),
            "grants": list(services.request_grants(req).select_related("user", "content_object"))
            if req.mode == AccessMode.DIGITAL
            and (ctx["is_clerk"] or ctx["is_reviewer"] or ctx["is_applicant"])
            else [],
            "now": timezone.now(),
            **ctx,
        },
    )


@login_required
def request_pdf(request, pk):
    req = selectors.request_detail(request.user, pk)
    data = pdf.approval_form(req)
    record(request.user, "access_request.print", target=req, details={"request": req.number})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="access-request-{req.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- actions (POST) ---------------------------------------------------------------------------------------------------


def _act(request, pk, fn, success: str, **kwargs):
    req = selectors.get_request(request.user, pk)
    try:
        fn(request=req, by=request.user, **kwargs)
    except DomainError as exc:
        _show_domain_error(request, exc)
    else:
        messages.success(request, success)
    return redirect("borrowing:request-detail", req.pk)


@login_required
@require_POST
def request_submit(request, pk):
    req = selectors.get_request(request.user, pk)
    try:
        services.access_request_submit(request=req, by=request.user)
    except DomainError as exc:
        if req.created_by_id == request.user.pk and req.status == RequestStatus.DRAFT:
            messages.warning(request, f"申请 {req.number} 尚不能提交审批：请按字段旁的提示修改。")
            return redirect(reverse("borrowing:request-edit", args=[req.pk]) + "?check=1")
        _show_domain_error(request, exc)
        return redirect("borrowing:request-detail", req.pk)
    messages.success(request, f"申请 {req.number} 已提交审批。")
    return redirect("borrowing:request-detail", req.pk)


@login_required
@require_POST
def request_withdraw(request, pk):
    form = forms.WithdrawForm(request.POST)
    form.is_valid()
    return _act(
        request,
        pk,
        services.access_request_withdraw,
        "申请已撤回。",
        reason=form.cleaned_data.get("reason", ""),
    )


@role_required(REVIEWER)
@require_POST
def request_approve(request, pk):
    form = forms.ApproveForm(request.POST)
    level = int(request.POST.get("level")) if (request.POST.get("level") or "").isdecimal() else None
    opinion = form.data.get("opinion", "")
    req = selectors.get_request(request.user, pk)
    try:
        req = services.access_request_approve(request=req, by=request.user, opinion=opinion, level=level)
    except DomainError as exc:
        _show_domain_error(request, exc)
    else:
        if req.status == RequestStatus.FIRST_APPROVED:
            messages.success(request, f"已签署第一级审批意见，申请 {req.number} 转第二级审批。")
        else:
            messages.success(request, f"已批准申请 {req.number}。")
    return redirect("borrowing:request-detail", req.pk)


@role_required(REVIEWER)
@require_POST
def request_reject(request, pk):
    return _act(
        request,
        pk,
        services.access_request_reject,
        "已作出不予批准的决定。",
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_POST
def request_finish(request, pk):
    return _act(request, pk, services.access_request_finish, "本次数字查阅已结束，授权已终止。")


@role_required(CLERK)
@require_POST
def request_checkout(request, pk):
    req = selectors.get_request(request.user, pk)
    wanted = {int(x) for x in request.POST.getlist("archives") if x.isdecimal()}
    archives = [s.archive for s in req.subjects.select_related("archive") if s.archive_id in wanted] or None
    try:
        made = services.access_request_checkout(
            request=req, by=request.user, signatures=request.POST.getlist("signatures"), archives=archives
        )
    except DomainError as exc:
        _show_domain_error(request, exc)
    else:
        label = "借出" if req.mode == AccessMode.LOAN else "出库至阅档室"
        numbers = "、".join(c.archive.archive_no for c in made)
        messages.success(request, f"档案 {numbers} 已{label}。")
    return redirect("borrowing:request-detail", req.pk)


@role_required(CLERK)
@require_POST
def copy_new(request, pk):
    req = selectors.get_request(request.user, pk)
    try:
        material = Material.objects.get(pk=int(request.POST.get("material", "0") or 0))
    except (Material.DoesNotExist, ValueError):
        messages.error(request, "请选择要复制的材料。")
        return redirect("borrowing:request-detail", req.pk)
    try:
        copy = services.copy_register(
            request=req,
            material=material,
            pages=request.POST.get("pages", ""),
            by=request.user,
            recipient=request.POST.get("recipient", ""),
            kind=request.POST.get("kind", "copy"),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        _show_domain_error(request, exc)
    else:
        messages.success(
            request,
            f"已登记{copy.get_kind_display()}：{material.title} 第{copy.pages}页，共{copy.page_count}页。",
        )
    return redirect("borrowing:request-detail", req.pk)


@role_required(CLERK)
def copy_pdf(request, pk):
    """The registered copy as printable pages stamped 复印件 (only the scanned pages of the registered range)."""
    copy = get_object_or_404(CopyRecord.objects.select_related("material__archive", "request"), pk=pk)
    if not access.can(request.user, Action.MANAGE, copy.material.archive):
        raise access.deny(request.user, Action.MANAGE, archive=copy.material.archive, reason="copy pdf")
    numbers = services.parse_pages(copy.pages, copy.material.page_count)
    pages = list(Page.objects.filter(material=copy.material, number__in=numbers).order_by("number"))
    data = pdf.copy_pages(copy, pages, request.user)
    record(
        request.user,
        "copy.print",
        archive=copy.material.archive,
        target=copy,
        details={"request": copy.request.number, "pages": copy.pages, "scanned": len(pages)},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="copy-{copy.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- lists -------------------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
def inbox(request):
    f = _filters(request, default_status="pending")
    page = _paginate(request, selectors.inbox(request.user, f))
    return render(
        request,
        "borrowing/request_list.html",
        {"page_obj": page, "title": "查借阅审批", "is_inbox": True, **_filter_context(request, f)},
    )


@login_required
def request_list(request):
    f = _filters(request)
    page = _paginate(request, selectors.request_list(request.user, f))
    return render(
        request,
        "borrowing/request_list.html",
        {
            "page_obj": page,
            "title": "查借阅申请",
            "can_create": bool(roles_of(request.user) & {CLERK, VIEWER}),
            **_filter_context(request, f),
        },
    )


@role_required(CLERK)
def desk(request):
    user = request.user
    outs = list(selectors.open_checkouts(user))
    only_overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    if only_overdue:
        outs = [c for c in outs if c.status == CheckoutStatus.OUT and c.due_at < now]
    return render(
        request,
        "borrowing/desk.html",
        {
            "awaiting": list(selectors.awaiting_checkout(user)[:50]),
            "outs": outs,
            "incidents": list(selectors.open_incidents(user)[:50]),
            "counts": selectors.counts_for_clerk(user),
            "only_overdue": only_overdue,
            "now": now,
        },
    )


@role_required(CLERK)
def checkout_return(request, pk):
    checkout = selectors.checkout_for(request.user, pk)
    req = AccessRequest.objects.prefetch_related("viewers").get(pk=checkout.request_id)
    directory = list(selectors.directory_for_return(checkout.archive))
    posted = {}
    if request.method == "POST":
        items = {}
        for m in directory:
            present = request.POST.get(f"present_{m.pk}") == "1"
            pages = request.POST.get(f"pages_{m.pk}", "")
            items[m.pk] = {"present": present, "pages": pages}
            posted[m.pk] = (present, pages)
        try:
            outcome = services.checkout_return(
                checkout=checkout,
                by=request.user,
                items=items,
                signatures=request.POST.getlist("signatures"),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            _show_domain_error(request, exc)
        else:
            if outcome.matched:
                messages.success(request, f"档案 {checkout.archive.archive_no} 逐件核对一致，已归还入库。")
                return redirect("borrowing:desk")
            messages.warning(
                request,
                f"档案 {checkout.archive.archive_no} 归还核对不一致，已登记归还异常：{outcome.incident.summary}",
            )
            return redirect("borrowing:checkout-return", checkout.pk)
    rows = [
        {"m": m, "present": posted.get(m.pk, (False, ""))[0], "pages": posted.get(m.pk, (False, ""))[1]}
        for m in directory
    ]
    last = checkout.checks.prefetch_related("items").first()
    return render(
        request,
        "borrowing/return_check.html",
        {
            "checkout": checkout,
            "req": req,
            "rows": rows,
            "last_check": last,
            "incident": checkout.incidents.filter(status="open").first(),
            "total_pages": sum(m.page_count for m in directory),
        },
    )


# --- the viewer ----------------------------------------------------------------------------------------------------------


@login_required
def my_access(request):
    user = request.user
    grants = selectors.my_grants(user)
    cards = []
    for g in grants:
        materials = (
            list(access.materials_for(user, g.archive).select_related("category")) if g.is_open else []
        )
        cards.append({"g": g, "materials": materials})
    return render(
        request,
        "borrowing/my_access.html",
        {
            "cards": cards,
            "paper": list(selectors.my_paper_requests(user)[:20]),
            "notices": list(selectors.notices_for_user(user)[:20]),
            "now": timezone.now(),
        },
    )


@login_required
def my_material(request, pk, archive_pk, material_pk):
    """The watermarked viewer of one approved material: audited once per material view (material.view)."""
    user = request.user
    req, archive = selectors.my_request_for_archive(user, pk, archive_pk)
    material = access.materials_for(user, archive).select_related("category").filter(pk=material_pk).first()
    if material is None:
        raise access.deny(
            user,
            Action.VIEW_CONTENT,
            archive=archive,
            target=("archives.material", material_pk, ""),
            reason="material outside the approved scope or window",
        )
    services.access_request_start_viewing(request=req, by=user)
    record(
        user,
        "material.view",
        archive=archive,
        target=material,
        details={"request": req.number, "via": "my_access"},
    )
    pages = list(Page.objects.filter(material=material).order_by("number"))
    in_scope = list(access.materials_for(user, archive).select_related("category"))
    ends_at = access.content_grant_ends_at(user, archive)
    return render(
        request,
        "borrowing/my_material.html",
        {
            "req": req,
            "archive": archive,
            "material": material,
            "pages": pages,
            "in_scope": in_scope,
            "ends_at": ends_at,
            "now": timezone.now(),
        },
    )
