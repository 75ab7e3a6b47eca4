"""Pages of the pre-appointment review. Thin: they parse input, call services and selectors, show DomainErrors."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER
from archives import access, determinations
from archives.access import Action
from archives.models import (
    Archive,
    ArchiveStatus,
    CadrePost,
    CadreStatus,
    Determination,
    DeterminationStatus,
    DeterminationSubject,
    EducationRecord,
    Material,
    Page,
)
from audit.services import record
from core.config import setting
from core.errors import DomainError
from reviews import appointment, forms, pdf, rules, selectors, services, statistics
from reviews.models import CaseStatus, FlagStatus, ReviewFlag

SECTION_FORMS = {
    "archive-review": forms.ArchiveReviewForm,
    "personal-matters": forms.PersonalMattersForm,
    "discipline": forms.DisciplineForm,
    "complaints": forms.ComplaintsForm,
    "close": forms.CloseForm,
    "unmark-ready": forms.ReasonForm,
}


def _reviewers_for(archive: Archive):
    """Reviewers who may take the case: 审批人 whose authority covers the archive."""
    candidates = User.objects.filter(groups__name=REVIEWER, is_active=True).select_related("unit").distinct()
    return [u for u in candidates if access.can(u, Action.VIEW_DIRECTORY, archive)]


def _field_label(form_class, name: str | None) -> str:
    if not name:
        return ""
    field = form_class.base_fields.get(name)
    return str(field.label) if field else ""


# --- list and create ---------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_GET
def case_list(request):
    filters = selectors.CaseFilters(
        q=request.GET.get("q", "").strip(),
        status=request.GET.get("status", ""),
        mine=request.GET.get("mine") == "1",
        flagged=request.GET.get("flagged") == "1",
    )
    page_obj = Paginator(selectors.case_list(request.user, filters), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/case_list.html",
        {
            "page_obj": page_obj,
            "filters": filters,
            "statuses": CaseStatus.choices,
            "query_string": query.urlencode(),
        },
    )


@role_required(REVIEWER)
def case_create(request):
    archive_id = request.GET.get("archive") or request.POST.get("archive")
    if not archive_id:
        q = request.GET.get("q", "").strip()
        results = []
        if q:
            from archives.selectors import search_q

            condition = search_q(q) or Q(archive_no__icontains=q)
            results = list(
                access.archives_for(request.user, Action.VIEW_DIRECTORY)
                .filter(condition, cadre__status=CadreStatus.SERVING)
                .exclude(status=ArchiveStatus.TRANSFERRED_OUT)
                .select_related("cadre", "cadre__unit")[:30]
            )
        return render(request, "reviews/case_pick.html", {"q": q, "results": results})
    archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, archive_id)
    reviewers = User.objects.filter(pk__in=[u.pk for u in _reviewers_for(archive)]).select_related("unit")
    initial = {
        "reviewer": request.user.pk,
        "reference_date": timezone.localdate(),
        "requesting_unit": archive.cadre.unit_id,
    }
    form = forms.CaseForm(request.POST or None, initial=initial, reviewers=reviewers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                archive=archive,
                proposed_post=data["proposed_post"],
                post_to_remove=data["post_to_remove"],
                requesting_unit=data["requesting_unit"],
                reviewer=data["reviewer"],
                reference_date=data["reference_date"],
                reason=data["reason"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, f"已登记{case.cadre.name}的任前审核事项，档案检查发现{case.flags.count()}个问题。"
            )
            return redirect("reviews:case-detail", pk=case.pk)
    return render(request, "reviews/case_form.html", {"form": form, "archive": archive})


# --- the case page ---------------------------------------------------------------------------------------


def _detail_context(request, case, *, errors=None, posted=None):
    errors = errors or {}
    posted = posted or {}
    flags = selectors.flags_of(case)
    openable = selectors.openable_material_ids(request.user, case.archive)
    subjects = selectors.subject_rows(case.cadre, today=case.reference_date)
    approved = [d for row in subjects for d in row.history if d.status == DeterminationStatus.APPROVED]
    mine = case.reviewer_id == request.user.pk
    section_forms = {}
    for key, form_class in SECTION_FORMS.items():
        section_forms[key] = form_class(posted.get(key)) if key in posted else form_class()
    section_forms["archive-review"].initial = {
        "result": case.archive_review_result,
        "remarks": case.archive_review_remarks,
    }
    section_forms["discipline"].initial = {"received_on": timezone.localdate()}
    resolve_forms = {
        f.pk: forms.FlagResolveForm(determinations=approved, prefix=f"flag{f.pk}") for f in flags
    }
    return {
        "case": case,
        "cadre": case.cadre,
        "archive": case.archive,
        "flags": flags,
        "open_flags": [f for f in flags if f.status == FlagStatus.OPEN],
        "openable": openable,
        "subjects": subjects,
        "reasons": services.ready_reasons(case) if case.status == CaseStatus.OPEN else [],
        "mine": mine,
        "can_act": mine and case.status == CaseStatus.OPEN,
        "forms": section_forms,
        "resolve_forms": resolve_forms,
        "errors": errors,
        "flag_labels": rules.FLAG_LABELS,
        "age": case.cadre.age_on(case.reference_date),
        "birth_display": appointment.birth_with_age(case.cadre.birth_date, case.reference_date),
        "reviewers": _reviewers_for(case.archive) if case.status != CaseStatus.CLOSED else [],
        "grant_until": _grant_until(case),
        "posts": _posts(case),
    }


def _posts(case) -> list:
    posts = list(
        CadrePost.objects.filter(cadre=case.cadre)
        .select_related("appointment_material")
        .order_by("-start_date")
    )
    for post in posts:
        post.missing = rules.missing_approval(
            approving_organ=post.approving_organ, approved_on=post.approved_on, document_no=post.document_no
        )
    return posts


def _grant_until(case):
    from archives.models import ArchiveUserObjectPermission

    if not case.grant_id:
        return None
    return (
        ArchiveUserObjectPermission.objects.filter(pk=case.grant_id)
        .values_list("valid_until", flat=True)
        .first()
    )


@role_required(REVIEWER)
@require_GET
def case_detail(request, pk):
    case = selectors.get_case(request.user, pk)
    record(request.user, "review.case_view", archive=case.archive, target=case)
    return render(request, "reviews/case_detail.html", _detail_context(request, case))


def _rerender(request, case, section, exc, posted_form):
    case = selectors.get_case(request.user, case.pk)
    context = _detail_context(request, case, errors={section: exc}, posted={section: request.POST})
    if posted_form is not None and section in context["forms"]:
        context["forms"][section] = posted_form
    messages.error(request, exc.message)
    return render(request, "reviews/case_detail.html", context, status=400)


@role_required(REVIEWER)
@require_POST
def case_action(request, pk, action):
    case = selectors.get_case(request.user, pk)
    form_class = SECTION_FORMS.get(action)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        first_field, first_errors = next(iter(form.errors.items()))
        label = _field_label(form_class, first_field)
        exc = DomainError("INVALID", f"{label}：{first_errors[0]}" if label else first_errors[0], first_field)
        return _rerender(request, case, action, exc, form)
    data = form.cleaned_data if form is not None else {}
    anchor = ""
    try:
        if action == "archive-review":
            services.case_record_archive_review(
                case=case, result=data["result"], remarks=data["remarks"], by=request.user
            )
            message, anchor = (
                f"已登记档案审核结论：{dict(forms.ArchiveReviewForm.base_fields['result'].choices)[data['result']]}。",
                "four-musts",
            )
        elif action == "personal-matters":
            services.case_record_personal_matters(
                case=case, result=data["result"], note=data["note"], by=request.user
            )
            message, anchor = "已登记个人有关事项报告核实结果。", "four-musts"
        elif action == "discipline":
            services.case_record_discipline(
                case=case, opinion=data["opinion"], received_on=data["received_on"], by=request.user
            )
            message, anchor = "已登记纪检监察机关意见。", "four-musts"
        elif action == "complaints":
            services.case_record_complaints(
                case=case, result=data["result"], note=data["note"], by=request.user
            )
            message, anchor = "已登记信访举报查核情况。", "four-musts"
        elif action == "run-checks":
            counts = services.case_run_checks(case=case, by=request.user)
            message = f"档案检查完成：发现{counts['found']}个问题，其中新发现{counts['new']}个，已消除{counts['cleared']}个。"
            if counts["ready_revoked"]:
                message += "因发现新问题，“可提交部务会”确认已撤回。"
            anchor = "flags"
        elif action == "mark-ready":
            services.case_mark_ready(case=case, by=request.user)
            message = "已确认该干部可提交部务会。"
        elif action == "unmark-ready":
            services.case_unmark_ready(case=case, by=request.user, reason=data["reason"])
            message = "已撤回“可提交部务会”确认。"
        elif action == "close":
            services.case_close(case=case, outcome=data["outcome"], note=data["note"], by=request.user)
            message = "审核事项已办结，阅档授权已结束。"
        elif action == "reassign":
            raw = request.POST.get("reviewer", "")
            reviewer = User.objects.filter(pk=int(raw)).first() if raw.isdecimal() else None
            services.case_reassign(case=case, reviewer=reviewer, by=request.user)
            message = f"已改由{reviewer.get_full_name()}承办。"
        else:
            return HttpResponse(status=404)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _rerender(request, case, action, exc, form)
    messages.success(request, message)
    url = reverse("reviews:case-detail", args=[case.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@role_required(REVIEWER)
@require_POST
def flag_resolve(request, pk, flag_id):
    case = selectors.get_case(request.user, pk)
    flag = get_object_or_404(ReviewFlag, pk=flag_id, case=case)
    prefix = f"flag{flag.pk}"
    note = request.POST.get(f"{prefix}-note", "")
    determination = None
    raw = request.POST.get(f"{prefix}-determination", "")
    if raw:
        determination = selectors.get_determination(request.user, raw)
    try:
        services.flag_resolve(flag=flag, by=request.user, note=note, determination=determination)
    except DomainError as exc:
        case = selectors.get_case(request.user, case.pk)
        context = _detail_context(request, case, errors={f"flag{flag.pk}": exc})
        context["resolve_forms"][flag.pk] = forms.FlagResolveForm(
            request.POST,
            determinations=[
                d
                for row in context["subjects"]
                for d in row.history
                if d.status == DeterminationStatus.APPROVED
            ],
            prefix=prefix,
        )
        messages.error(request, exc.message)
        return render(request, "reviews/case_detail.html", context, status=400)
    messages.success(request, "该问题已核查处理。")
    return redirect(f"{reverse('reviews:case-detail', args=[case.pk])}#flag-{flag.pk}")


# --- materials in the watermarked viewer ------------------------------------------------------------------


@role_required(REVIEWER)
@require_GET
def material_view(request, pk, material_id):
    """A flagged material opened from the case: pages only through the watermarking endpoint (pages:image)."""
    case = selectors.get_case(request.user, pk)
    material = (
        Material.objects.select_related("category", "kind", "archive")
        .filter(pk=material_id, archive=case.archive)
        .first()
    )
    if material is None or not access.can_open_material(request.user, material):
        raise access.deny(
            request.user,
            Action.VIEW_CONTENT,
            archive=case.archive,
            target=("archives.material", material_id, ""),
            reason="material not in the review grant",
        )
    pages = list(Page.objects.filter(material=material).order_by("number"))
    flags = [f for f in selectors.flags_of(case) if any(m.pk == material.pk for m in f.materials.all())]
    record(
        request.user,
        "review.material_view",
        archive=case.archive,
        target=material,
        details={"case": case.pk, "pages": len(pages)},
    )
    return render(
        request,
        "reviews/material_view.html",
        {"case": case, "material": material, "pages": pages, "flags": flags},
    )


# --- determinations ----------------------------------------------------------------------------------------


@role_required(REVIEWER)
def determination_create(request, pk):
    case = selectors.get_case(request.user, pk)
    educations = list(EducationRecord.objects.filter(cadre=case.cadre))
    materials = list(selectors.basis_material_choices(case.archive))
    flag = None
    initial = {"determined_on": timezone.localdate(), "determining_organ": _organ_of(request.user)}
    if request.GET.get("flag"):
        flag = (
            ReviewFlag.objects.filter(pk=request.GET["flag"], case=case).prefetch_related("materials").first()
        )
        if flag is not None:
            initial["subject"] = flag.subject or ""
            initial["basis_materials"] = [str(m.pk) for m in flag.materials.all()]
    if request.GET.get("subject"):
        initial["subject"] = request.GET["subject"]
    if request.GET.get("education"):
        initial["education"] = request.GET["education"]
    form = forms.DeterminationForm(
        request.POST or None, initial=initial, educations=educations, materials=materials
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subject = data["subject"]
        education = next((e for e in educations if str(e.pk) == data["education"]), None)
        value_text = data["value_text"]
        if subject == DeterminationSubject.CADRE_STATUS:
            value_text = data["cadre_type"]
        try:
            determinations.determination_propose(
                cadre=case.cadre,
                subject=subject,
                by=request.user,
                value_date=data["value_date"],
                full_member_date=data["full_member_date"],
                value_text=value_text,
                education=education,
                basis=data["basis"],
                basis_materials=[int(x) for x in data["basis_materials"]],
                determining_organ=data["determining_organ"],
                determined_on=data["determined_on"],
                review_case_id=case.pk,
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            for v in exc.violations:
                form.add_error(v.field if v.field in form.fields else None, v.message)
        else:
            messages.success(
                request, "认定已提出，请由另一位具有管理权限的审批人审批；批准后方可据以处理问题。"
            )
            return redirect(f"{reverse('reviews:case-detail', args=[case.pk])}#determinations")
    return render(
        request,
        "reviews/determination_form.html",
        {
            "case": case,
            "form": form,
            "flag": flag,
            "cadre": case.cadre,
            "subject_rows": selectors.subject_rows(case.cadre),
        },
    )


def _organ_of(user) -> str:
    """The determining organ suggested on the form: the reviewer's organization department."""
    return user.unit.name if user.unit_id else ""


@role_required(REVIEWER)
@require_GET
def determination_list(request):
    pending = selectors.determinations_to_approve(request.user)
    page_obj = Paginator(pending, 20).get_page(request.GET.get("page"))
    mine = (
        Determination.objects.filter(proposed_by=request.user)
        .select_related("cadre", "decided_by")
        .order_by("-proposed_at")[:10]
    )
    return render(request, "reviews/determination_list.html", {"page_obj": page_obj, "mine": mine})


@role_required(REVIEWER)
def determination_detail(request, did):
    determination = selectors.get_determination(request.user, did)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                determinations.determination_approve(
                    determination=determination, by=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, "认定已批准，已更新干部信息；相关审核事项将自动重新检查。")
            elif decision == "reject":
                determinations.determination_reject(
                    determination=determination, by=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, "认定已退回。")
            else:
                return HttpResponse(status=400)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            return redirect("reviews:determination-detail", did=determination.pk)
    chain = []
    node = determination.supersedes
    while node is not None:
        chain.append(node)
        node = node.supersedes
    successors = list(determination.successors.select_related("decided_by").order_by("-proposed_at"))
    case = None
    if determination.review_case_id:
        case = selectors.cases_for(request.user).filter(pk=determination.review_case_id).first()
    return render(
        request,
        "reviews/determination_detail.html",
        {
            "d": determination,
            "form": form,
            "chain": chain,
            "successors": successors,
            "materials": determination.basis_materials.select_related("category").order_by(
                "category__sort_order", "seq"
            ),
            "can_decide": determination.status == DeterminationStatus.PROPOSED
            and determination.proposed_by_id != request.user.pk,
            "case": case,
        },
    )


# --- forms: PDFs and LRMX -----------------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


@role_required(REVIEWER)
@require_GET
def case_review_pdf(request, pk):
    case = selectors.get_case(request.user, pk)
    data = pdf.review_form_pdf(
        case=case,
        form=appointment.from_cadre(case.cadre, case=case, filled_by=request.user.get_full_name()),
        subjects=selectors.subject_rows(case.cadre, today=case.reference_date),
        flags=selectors.flags_of(case),
        reasons=services.ready_reasons(case) if case.status == CaseStatus.OPEN else [],
        printed_by=request.user.get_full_name(),
    )
    record(request.user, "review.form_pdf", archive=case.archive, target=case)
    return _pdf_response(data, f"干部任前审查表-{case.cadre.name}.pdf")


@role_required(REVIEWER)
@require_GET
def case_appointment_pdf(request, pk):
    case = selectors.get_case(request.user, pk)
    form = appointment.from_cadre(case.cadre, case=case, filled_by=request.user.get_full_name())
    record(request.user, "review.appointment_pdf", archive=case.archive, target=case)
    return _pdf_response(pdf.appointment_form_pdf(form), f"干部任免审批表-{case.cadre.name}.pdf")


@role_required(REVIEWER, CLERK)
@require_GET
def post_appointment_pdf(request, post_id):
    """The filed 干部任免审批表 of an approved post (9-2); refused without organ, date and document number."""
    post = CadrePost.objects.select_related("cadre").filter(pk=post_id).first()
    if post is None:
        raise access.deny(request.user, Action.VIEW_DIRECTORY, target=("archives.cadrepost", post_id, ""))
    try:
        data = services.post_appointment_form(post=post, by=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render(
            request,
            "reviews/refused.html",
            {
                "title": "不能打印已审批的任免审批表",
                "error": exc,
                "back": request.META.get("HTTP_REFERER", ""),
            },
            status=400,
        )
    return _pdf_response(data, f"干部任免审批表-{post.cadre.name}-{post.document_no}.pdf")


@role_required(REVIEWER)
@require_GET
def case_lrmx(request, pk):
    case = selectors.get_case(request.user, pk)
    data = services.lrmx_export(archive=case.archive, by=request.user, case=case)
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(case.cadre.name)}.lrmx"
    return response


@role_required(CLERK)
def lrmx_import(request):
    from archives.selectors import holding_units_for

    holding_units = holding_units_for(request.user)
    form = forms.LrmxImportForm(request.POST or None, request.FILES or None, holding_units=holding_units)
    result = None
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            if upload.size > setting("LRMX_MAX_BYTES"):
                raise DomainError("LRMX_TOO_LARGE", "文件过大，不是有效的任免审批表文件。", "file")
            content = upload.read()
            if data["mode"] == "update":
                archive_no = (data["archive_no"] or "").strip()
                archive = (
                    access.archives_for(request.user, Action.MANAGE).filter(archive_no=archive_no).first()
                )
                if archive is None:
                    raise DomainError(
                        "NOT_FOUND", f"未找到您保管的档号为“{archive_no}”的档案。", "archive_no"
                    )
                result = services.lrmx_import(data=content, by=request.user, archive=archive)
            else:
                result = services.lrmx_import(
                    data=content,
                    by=request.user,
                    holding_unit=data["holding_unit"],
                    archive_no=data["archive_no"],
                    unit=data["unit"],
                    management_level=data["management_level"],
                )
        except DomainError as exc:
            if exc.status == 404 and exc.code != "NOT_FOUND":
                raise
            errors = exc.violations
            if exc.code not in ("LRMX_INVALID",) and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
                errors = []
    status = 400 if errors or (request.method == "POST" and form.errors) else 200
    return render(
        request,
        "reviews/lrmx_import.html",
        {"form": form, "result": result, "errors": errors},
        status=status,
    )


# --- statistics ----------------------------------------------------------------------------------------------


def _statistics_input(request):
    units = statistics.units_for(request.user)
    unit = units[0] if units else None
    at = timezone.localdate()
    initial = {"reference_date": at, "unit": str(unit.pk) if unit else ""}
    form = forms.StatisticsForm(request.GET or None, units=units, initial=initial)
    include_retired = False
    if form.is_valid():
        chosen = form.cleaned_data.get("unit")
        unit = next((u for u in units if str(u.pk) == chosen), unit)
        at = form.cleaned_data.get("reference_date") or at
        include_retired = form.cleaned_data.get("include_retired", False)
    return form, unit, at, include_retired


@role_required(REVIEWER)
@require_GET
def statistics_view(request):
    form, unit, at, include_retired = _statistics_input(request)
    tables, total = [], 0
    if unit is not None:
        qs = statistics.cadres_in_scope(request.user, unit, include_retired=include_retired)
        total = qs.count()
        tables = statistics.compute(qs, at)
        record(
            request.user,
            "review.statistics",
            details={"unit": unit.name, "at": at, "total": total, "include_retired": include_retired},
        )
    query = request.GET.copy()
    return render(
        request,
        "reviews/statistics.html",
        {
            "form": form,
            "unit": unit,
            "at": at,
            "tables": tables,
            "total": total,
            "charts": [t.chart_data() for t in tables],
            "query_string": query.urlencode(),
        },
    )


@role_required(REVIEWER)
@require_GET
def statistics_xlsx(request):
    form, unit, at, include_retired = _statistics_input(request)
    if unit is None:
        return HttpResponse("无可统计的单位。", status=400)
    qs = statistics.cadres_in_scope(request.user, unit, include_retired=include_retired)
    total = qs.count()
    data = statistics.to_xlsx(statistics.compute(qs, at), unit=unit, at=at, user=request.user, total=total)
    record(
        request.user,
        "review.statistics_export",
        details={"unit": unit.name, "at": at, "total": total, "format": "xlsx"},
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"干部结构统计-{unit.name}-{at:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response
