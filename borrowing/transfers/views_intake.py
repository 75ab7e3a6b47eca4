"""Pages of incoming archives: the clerk's intake desk, the registration form (also from a transfer of this system),
the intake page with the counts checked against the notice, acceptance or return, the intake review, and the PDFs
(receipt, return letter, alteration record). Thin: parse, call borrowing.transfers.intake, show errors in place."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Unit
from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.forms import apply_error
from archives.models import Archive
from audit.services import record
from borrowing.models import (
    IntakeAlteration,
    IntakeReviewStatus,
    IntakeStatus,
    Transfer,
    TransferStatus,
)
from borrowing.rules_transfer import COUNT_LABELS
from borrowing.transfers import forms, pdf, selectors
from borrowing.transfers import intake as services
from core.errors import DomainError

ALTERATION_FIELDS = (
    "出生日期",
    "参加工作时间",
    "入党时间",
    "学历学位",
    "姓名",
    "民族",
    "籍贯",
    "职务",
    "考核等次",
    "其他",
)


def _login(request):
    return redirect(f"{reverse('login')}?next={request.path}")


def _to_detail(intake, anchor: str = ""):
    return redirect(reverse("transfers:intake-detail", args=[intake.pk]) + (f"#{anchor}" if anchor else ""))


@role_required(CLERK)
def intake_desk(request):
    user = request.user
    served = access.served_unit_ids(user)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.intake_list(user, status=status, q=q), 20).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "borrowing/transfers/intake_desk.html",
        {
            "incoming": services.incoming_transfers(served),
            "counts": selectors.desk_counts(user),
            "page_obj": page,
            "status": status,
            "q": q,
            "status_choices": [("review", "接收审核未完成"), *IntakeStatus.choices],
            "query_string": params.urlencode(),
        },
    )


def _receiving_unit(request):
    served = access.served_unit_ids(request.user)
    return Unit.objects.filter(pk__in=served).order_by("path").first()


@role_required(CLERK)
def intake_new(request):
    transfer = None
    transfer_pk = request.GET.get("transfer") or request.POST.get("transfer")
    if transfer_pk:
        served = access.served_unit_ids(request.user)
        transfer = (
            Transfer.objects.filter(
                pk=transfer_pk if str(transfer_pk).isdecimal() else 0, to_unit_id__in=served
            )
            .filter(status=TransferStatus.SENT)
            .select_related("from_unit", "archive__cadre")
            .first()
        )
        if transfer is None:
            raise access.deny(
                request.user, "view_transfer", reason="intake from a transfer not addressed to us"
            )
    holding_unit = transfer.to_unit if transfer else _receiving_unit(request)
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, from_transfer=transfer is not None, initial=_initial(transfer))
        if form.is_valid():
            try:
                intake = services.intake_register(
                    by=request.user,
                    holding_unit=holding_unit,
                    data=form.data_for_service(),
                    transfer=transfer,
                )
            except DomainError as exc:
                apply_error(form, exc)
                for v in exc.violations:
                    if not v.field or v.field not in form.fields:
                        messages.error(request, v.message)
            else:
                problems = services.discrepancies(intake)
                if problems:
                    messages.warning(
                        request, "已登记来件，但与转递通知单不符或封口不完好：不能接收，应退回。"
                    )
                else:
                    messages.success(
                        request, f"已登记来件{intake.number}，数量相符、封口完好，可以验收接收。"
                    )
                return _to_detail(intake)
    else:
        form = forms.IntakeForm(from_transfer=transfer is not None, initial=_initial(transfer))
    return render(
        request,
        "borrowing/transfers/intake_form.html",
        {"form": form, "transfer": transfer, "holding_unit": holding_unit, "intake": None},
        status=400 if request.method == "POST" else 200,
    )


def _initial(transfer) -> dict:
    initial = {"received_on": timezone.localdate(), "seal_intact": "1", "ethnicity": "汉族"}
    initial.update({"stated_duplicate": 0, "stated_loose": 0, "received_duplicate": 0, "received_loose": 0})
    if transfer is not None:
        initial.update(services._from_transfer(transfer, transfer.to_unit))
        initial["received_main"] = transfer.main_volumes
        initial["received_duplicate"] = transfer.duplicate_volumes
        initial["received_loose"] = transfer.loose_items
    return initial


@role_required(CLERK)
def intake_edit(request, pk):
    intake = selectors.get_intake(request.user, pk)
    initial = {name: getattr(intake, name) for name in services.REGISTER_FIELDS}
    initial["seal_intact"] = "1" if intake.seal_intact else "0"
    from_transfer = intake.transfer_id is not None
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, from_transfer=from_transfer, initial=initial)
        if form.is_valid():
            try:
                services.intake_update(intake=intake, by=request.user, data=form.data_for_service())
            except DomainError as exc:
                apply_error(form, exc)
                for v in exc.violations:
                    if not v.field or v.field not in form.fields:
                        messages.error(request, v.message)
            else:
                messages.success(request, "已保存。")
                return _to_detail(intake)
    else:
        form = forms.IntakeForm(from_transfer=from_transfer, initial=initial)
    return render(
        request,
        "borrowing/transfers/intake_form.html",
        {"form": form, "transfer": intake.transfer, "holding_unit": intake.holding_unit, "intake": intake},
    )


def _count_rows(intake) -> list[dict]:
    rows = []
    for (key, label, unit), stated, received in zip(
        COUNT_LABELS, intake.stated_counts, intake.received_counts, strict=True
    ):
        rows.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "stated": stated,
                "received": received,
                "ok": stated == received,
            }
        )
    return rows


def _detail_context(request, intake, **extra) -> dict:
    user = request.user
    roles = roles_of(user)
    clerk = CLERK in roles and (user.is_superuser or intake.holding_unit_id in access.served_unit_ids(user))
    reviewer = REVIEWER in roles and intake.review_submitted_by_id != user.pk
    new_archive = (
        intake.status == IntakeStatus.REGISTERED
        and intake.transfer_id is None
        and not (intake.id_number and Archive.objects.filter(cadre__id_number=intake.id_number).exists())
    )
    ctx = {
        "intake": intake,
        "count_rows": _count_rows(intake),
        "problems": [v.message for v in services.discrepancies(intake)]
        if intake.status == IntakeStatus.REGISTERED
        else [],
        "is_clerk": clerk,
        "is_reviewer": reviewer,
        "new_archive": new_archive,
        "accept_form": forms.AcceptForm(initial={"current_post": intake.unit_post}),
        "return_form": forms.IntakeReturnForm(),
        "alteration_form": forms.AlterationForm(archive=intake.archive),
        "review_form": forms.ReviewNoteForm(),
        "confirm_form": forms.ConfirmForm(),
        "send_back_form": forms.ReasonForm(prefix="back"),
        "alteration_fields": ALTERATION_FIELDS,
        "alterations": list(intake.alterations.all()),
    }
    ctx.update(extra)
    return ctx


def intake_detail(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    intake = selectors.get_intake(request.user, pk)
    record(request.user, "intake.view", archive=intake.archive, target=intake)
    return render(request, "borrowing/transfers/intake_detail.html", _detail_context(request, intake))


def _rerender(request, intake, key, form, exc: DomainError):
    intake = selectors.get_intake(request.user, intake.pk)
    apply_error(form, exc)
    for v in exc.violations:
        if not v.field or v.field not in form.fields:
            messages.error(request, v.message)
    return render(
        request,
        "borrowing/transfers/intake_detail.html",
        _detail_context(request, intake, **{key: form, "open_form": key}),
        status=400,
    )


@require_POST
def intake_action(request, pk, action):
    if not request.user.is_authenticated:
        return _login(request)
    intake = selectors.get_intake(request.user, pk)
    user = request.user
    try:
        if action == "accept":
            form = forms.AcceptForm(request.POST)
            form.is_valid()
            try:
                services.intake_accept(intake=intake, by=user, **form.cleaned_data)
            except DomainError as exc:
                return _rerender(request, intake, "accept_form", form, exc)
            messages.success(request, "已验收接收，档案已入库。请打印回执寄回来件单位，并进行接收审核。")
            return _to_detail(intake, "review")
        if action == "return":
            form = forms.IntakeReturnForm(request.POST)
            form.is_valid()
            try:
                services.intake_return(intake=intake, by=user, note=form.cleaned_data.get("note", ""))
            except DomainError as exc:
                return _rerender(request, intake, "return_form", form, exc)
            messages.success(request, "已登记退回。请打印退回函，随档案退回来件单位。")
            return _to_detail(intake)
        if action == "alteration":
            form = forms.AlterationForm(request.POST, archive=intake.archive)
            form.is_valid()
            try:
                services.alteration_add(intake=intake, by=user, data=form.cleaned_data)
            except DomainError as exc:
                return _rerender(request, intake, "alteration_form", form, exc)
            messages.success(request, "已登记一处涂改。")
            return _to_detail(intake, "review")
        if action == "submit-review":
            form = forms.ReviewNoteForm(request.POST)
            form.is_valid()
            done = services.review_submit(intake=intake, by=user, note=form.cleaned_data.get("note", ""))
            if done.review_status == IntakeReviewStatus.CLEAN:
                messages.success(request, "接收审核完毕：未发现涂改。")
            else:
                messages.success(request, "已提交组织确认涂改情况登记。")
            return _to_detail(intake, "review")
        if action == "confirm":
            form = forms.ConfirmForm(request.POST)
            form.is_valid()
            services.review_confirm(intake=intake, by=user, opinion=form.cleaned_data.get("opinion", ""))
            messages.success(request, "已确认涂改情况登记。管档员将其归入档案。")
            return _to_detail(intake, "review")
        if action == "send-back":
            form = forms.ReasonForm(request.POST, prefix="back")
            if not form.is_valid():
                raise DomainError("RETURN_REASON_REQUIRED", "退回补充须填写意见。", "reason")
            services.review_send_back(intake=intake, by=user, reason=form.cleaned_data["reason"])
            messages.success(request, "已退回管档员补充。")
            return _to_detail(intake, "review")
        if action == "file":
            done = services.review_file(intake=intake, by=user)
            messages.success(request, f"涂改情况登记表已归档，顺序号{done.record_material.seq_label}。")
            return _to_detail(intake, "review")
    except DomainError as exc:
        for v in exc.violations:
            messages.error(request, v.message)
        return _to_detail(intake, "review")
    raise Http404("未知操作")


@require_POST
def alteration_remove(request, pk, alteration_pk):
    if not request.user.is_authenticated:
        return _login(request)
    intake = selectors.get_intake(request.user, pk)
    alteration = IntakeAlteration.objects.filter(pk=alteration_pk, intake=intake).first()
    if alteration is None:
        raise Http404("未找到该涂改登记。")
    try:
        services.alteration_remove(alteration=alteration, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除该条涂改登记。")
    return _to_detail(intake, "review")


PDFS = {
    "receipt": (pdf.intake_receipt, "档案回执", lambda i: i.status == IntakeStatus.ACCEPTED),
    "return": (pdf.intake_return_letter, "档案退回函", lambda i: i.status == IntakeStatus.RETURNED),
    "alterations": (
        pdf.alteration_record,
        "档案涂改情况登记表",
        lambda i: i.status == IntakeStatus.ACCEPTED and i.alterations.exists(),
    ),
}


def intake_pdf(request, pk, kind):
    if not request.user.is_authenticated:
        return _login(request)
    intake = selectors.get_intake(request.user, pk)
    if kind not in PDFS:
        raise Http404("未知文书")
    build, title, available = PDFS[kind]
    if not available(intake):
        messages.error(request, f"当前状态不能打印{title}。")
        return _to_detail(intake)
    data = build(intake)
    record(request.user, "intake.print", archive=intake.archive, target=intake, details={"document": title})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{title}-{intake.number}.pdf')}"
    response["Cache-Control"] = "no-store"
    return response


@role_required(REVIEWER)
def confirm_list(request):
    """The reviewer's list of alteration records waiting for the organization's confirmation."""
    return render(
        request,
        "borrowing/transfers/confirm_list.html",
        {"items": list(selectors.awaiting_confirmation(request.user))},
    )
