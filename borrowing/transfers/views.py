"""Pages of outgoing transfers: the clerk's transfer desk, the transfer form, the transfer page with its 四不转递
check and the actions open to the user, the reviewer's approval list, the transfer-out register, the notice PDF.

Thin: they parse input, call borrowing.transfers.services, read through selectors (already filtered by who may
see what) and show every DomainError next to the field it names.
"""

from __future__ import annotations

import io
import mimetypes

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.access import Action
from archives.forms import apply_error
from audit.services import record
from borrowing import rules_transfer as rules
from borrowing.models import TransferStatus
from borrowing.transfers import forms, pdf, selectors, services
from core.errors import DomainError
from core.spreadsheet import xlsx_text

PAGE_SIZE = 20
FOUR_RULES = (
    (rules.TRANSFER_REASON_INSUFFICIENT, "转递理由充分", "有调动或任免通知等依据文件（文号、日期）"),
    (rules.NO_TRANSFER_NOTICE, "已开具转递通知单", "通知单有唯一编号（××字第×号）"),
    (rules.FILE_DISORDERED, "案卷材料不凌乱", "无未归档的零散材料、无未编号材料、已整理"),
    (rules.FILE_INCOMPLETE, "案卷材料齐全", "无缺少的单项否决材料、整卷在库、无未核查的涉嫌造假问题"),
)


def _paginate(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _messages(request, exc: DomainError) -> None:
    for violation in exc.violations:
        messages.error(request, violation.message)


def _to_detail(transfer, anchor: str = ""):
    return redirect(reverse("transfers:detail", args=[transfer.pk]) + (f"#{anchor}" if anchor else ""))


# --- the desk -----------------------------------------------------------------------------------------------------


@role_required(CLERK)
def desk(request):
    user = request.user
    f = selectors.TransferFilters(status=request.GET.get("status", ""), q=request.GET.get("q", "").strip())
    page = _paginate(request, selectors.transfer_list(user, f))
    for t in page:
        t.overdue_now = selectors.is_overdue_now(t)
        t.days_out = selectors.days_since_sent(t)
    overdue = list(selectors.overdue_receipts(user)[:20])
    for t in overdue:
        t.days_out = selectors.days_since_sent(t)
    return render(
        request,
        "borrowing/transfers/desk.html",
        {
            "counts": selectors.desk_counts(user),
            "overdue": overdue,
            "page_obj": page,
            "f": f,
            "status_choices": [
                ("open", "在办（草稿、待审批、待转出）"),
                ("overdue", "回执逾期"),
                *TransferStatus.choices,
            ],
            "query_string": _query_string(request),
            "today": timezone.localdate(),
        },
    )


@role_required(CLERK)
def pick_archive(request):
    """Step one of a new transfer: find the archive (name, pinyin, initials, ID or archive number)."""
    q = request.GET.get("q", "").strip()
    archives = list(selectors.archives_to_transfer(request.user, q)[:30]) if q else []
    return render(request, "borrowing/transfers/pick.html", {"q": q, "archives": archives})


def _form_context(request, form, archive, transfer=None, loose=()):
    return {
        "form": form,
        "archive": archive,
        "transfer": transfer,
        "loose_errors": list(loose),
        "reason_suggestions": forms.REASON_SUGGESTIONS,
    }


def _place(form, exc: DomainError) -> list[str]:
    apply_error(form, exc)
    return [v.message for v in exc.violations if not v.field or v.field not in form.fields]


@role_required(CLERK)
def transfer_new(request, archive_pk):
    archive = access.get_archive(request.user, Action.MANAGE, archive_pk)
    existing = selectors.open_transfer_of(archive)
    if existing is not None:
        messages.info(
            request,
            f"该档案已有一件未办结的转递（{existing.get_status_display()}），同一份档案只能整卷转递一次。",
        )
        return _to_detail(existing)
    if request.method == "POST":
        form = forms.TransferForm(request.POST)
        if form.is_valid():
            try:
                transfer = services.transfer_create(
                    archive=archive, by=request.user, data=form.data_for_service()
                )
            except DomainError as exc:
                loose = _place(form, exc)
                return render(
                    request,
                    "borrowing/transfers/form.html",
                    _form_context(request, form, archive, loose=loose),
                    status=400,
                )
            messages.success(
                request, f"已登记转递{transfer.number}（草稿）。下一步：开具转递通知单，提交审批。"
            )
            return _to_detail(transfer)
    else:
        form = forms.TransferForm(
            initial={
                "main_volumes": archive.main_volumes,
                "duplicate_volumes": archive.duplicate_volumes,
                "loose_items": 0,
                "has_digital": archive.has_digital,
                "channel": "confidential",
            }
        )
    return render(request, "borrowing/transfers/form.html", _form_context(request, form, archive))


@role_required(CLERK)
def transfer_edit(request, pk):
    transfer = selectors.get_transfer(request.user, pk)
    if request.method == "POST":
        form = forms.TransferForm(request.POST)
        if form.is_valid():
            try:
                services.transfer_update(transfer=transfer, by=request.user, data=form.data_for_service())
            except DomainError as exc:
                loose = _place(form, exc)
                return render(
                    request,
                    "borrowing/transfers/form.html",
                    _form_context(request, form, transfer.archive, transfer, loose),
                    status=400,
                )
            messages.success(request, "已保存。")
            return _to_detail(transfer)
    else:
        initial = {name: getattr(transfer, name) for name in services.EDITABLE_FIELDS}
        initial["collectors"] = "、".join(transfer.collectors)
        form = forms.TransferForm(initial=initial)
    return render(
        request, "borrowing/transfers/form.html", _form_context(request, form, transfer.archive, transfer)
    )


# --- the transfer page --------------------------------------------------------------------------------------------


def _rule_rows(transfer) -> list[dict]:
    """The four conditions with their state now (only while the transfer is still to be sent)."""
    if transfer.status not in (TransferStatus.DRAFT, TransferStatus.SUBMITTED, TransferStatus.APPROVED):
        return []
    found = services.check_transfer(transfer)
    rows = []
    for code, label, explain in FOUR_RULES:
        problems = [v.message for v in found if v.code == code]
        rows.append(
            {"code": code, "label": label, "explain": explain, "ok": not problems, "problems": problems}
        )
    return rows


def _actions(request, transfer) -> dict:
    user = request.user
    roles = roles_of(user)
    clerk = CLERK in roles and access.can(user, Action.MANAGE, transfer.archive)
    reviewer = REVIEWER in roles and transfer.created_by_id != user.pk
    s = transfer.status
    return {
        "can_edit": clerk and s == TransferStatus.DRAFT,
        "can_notice": clerk
        and s in (TransferStatus.DRAFT, TransferStatus.SUBMITTED)
        and not transfer.notice_number,
        "can_submit": clerk and s == TransferStatus.DRAFT,
        "can_withdraw": clerk and s == TransferStatus.SUBMITTED,
        "can_cancel": clerk
        and s in (TransferStatus.DRAFT, TransferStatus.SUBMITTED, TransferStatus.APPROVED),
        "can_decide": reviewer and s == TransferStatus.SUBMITTED,
        "can_send": clerk and s == TransferStatus.APPROVED,
        "can_receipt": clerk and s == TransferStatus.SENT,
        "is_clerk": clerk,
    }


def _detail_context(request, transfer, **extra) -> dict:
    today = forms.today_initial()
    actions = _actions(request, transfer)
    ctx = {
        "transfer": transfer,
        "archive": transfer.archive,
        "rule_rows": _rule_rows(transfer),
        "overdue_now": selectors.is_overdue_now(transfer),
        "days_out": selectors.days_since_sent(transfer),
        "approve_form": forms.ApproveForm(),
        "reject_form": forms.ReasonForm(prefix="reject"),
        "cancel_form": forms.ReasonForm(prefix="cancel"),
        "send_form": forms.SendForm(
            initial={
                **today,
                "tracking_no": transfer.tracking_no,
                "collectors": "、".join(transfer.collectors),
            }
        ),
        "receipt_form": forms.ReceiptForm(initial=today),
        "return_form": forms.ReturnForm(initial=today),
        "chase_form": forms.ChaseForm(initial=today),
        "scan_name": services.scan_name(transfer),
        **actions,
    }
    ctx.update(extra)
    return ctx


def transfer_detail(request, pk):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    transfer = selectors.get_transfer(request.user, pk)
    record(request.user, "transfer.view", archive=transfer.archive, target=transfer)
    return render(request, "borrowing/transfers/detail.html", _detail_context(request, transfer))


def _rerender(request, transfer, form_key: str, form, exc: DomainError):
    transfer = selectors.get_transfer(request.user, transfer.pk)
    apply_error(form, exc)
    loose = [v.message for v in exc.violations if not v.field or v.field not in form.fields]
    for message in loose:
        messages.error(request, message)
    context = _detail_context(request, transfer, **{form_key: form, "open_form": form_key})
    return render(request, "borrowing/transfers/detail.html", context, status=400)


SIMPLE = {
    "notice": (services.transfer_generate_notice, "已开具转递通知单{notice}。"),
    "submit": (services.transfer_submit, "已提交审批。"),
    "withdraw": (services.transfer_withdraw, "已撤回，可修改后重新提交。"),
}


@require_POST
def transfer_action(request, pk, action):
    if not request.user.is_authenticated:
        return redirect(reverse("login"))
    transfer = selectors.get_transfer(request.user, pk)
    user = request.user
    try:
        if action in SIMPLE:
            fn, text = SIMPLE[action]
            done = fn(transfer=transfer, by=user)
            messages.success(request, text.format(notice=done.notice_number))
            return _to_detail(transfer)
        if action == "approve":
            form = forms.ApproveForm(request.POST)
            form.is_valid()
            services.transfer_approve(
                transfer=transfer, by=user, opinion=form.cleaned_data.get("opinion", "")
            )
            messages.success(request, "已批准转递。")
            return _to_detail(transfer)
        if action in ("reject", "cancel"):
            form = forms.ReasonForm(request.POST, prefix=action)
            if not form.is_valid():
                raise DomainError(rules.RETURN_REASON_REQUIRED, "请填写意见。", "reason")
            if action == "reject":
                services.transfer_reject(transfer=transfer, by=user, reason=form.cleaned_data["reason"])
                messages.success(request, "已退回管档员修改。")
            else:
                services.transfer_cancel(transfer=transfer, by=user, reason=form.cleaned_data["reason"])
                messages.success(request, "已撤销该转递。")
            return _to_detail(transfer)
        if action == "send":
            form = forms.SendForm(request.POST)
            if not form.is_valid():
                return _rerender(
                    request, transfer, "send_form", form, DomainError("INVALID", "请检查转出信息。")
                )
            try:
                services.transfer_send(
                    transfer=transfer,
                    by=user,
                    sent_on=form.cleaned_data["sent_on"],
                    tracking_no=form.cleaned_data["tracking_no"],
                    collectors=form.cleaned_data["collectors"],
                )
            except DomainError as exc:
                return _rerender(request, transfer, "send_form", form, exc)
            messages.success(request, "已登记转出：档案状态为“转递中”，等待回执。")
            return _to_detail(transfer)
        if action == "receipt":
            form = forms.ReceiptForm(request.POST, request.FILES)
            if not form.is_valid():
                return _rerender(
                    request, transfer, "receipt_form", form, DomainError("INVALID", "请检查回执信息。")
                )
            try:
                services.transfer_record_receipt(
                    transfer=transfer,
                    by=user,
                    recipient=form.cleaned_data["recipient"],
                    receipt_on=form.cleaned_data["receipt_on"],
                    scan=form.cleaned_data.get("scan"),
                )
            except DomainError as exc:
                return _rerender(request, transfer, "receipt_form", form, exc)
            messages.success(request, "已登记回执：档案已转出，从在册名册中注销，历史保留在转出登记中。")
            return _to_detail(transfer)
        if action == "return":
            form = forms.ReturnForm(request.POST)
            if not form.is_valid():
                return _rerender(
                    request, transfer, "return_form", form, DomainError("INVALID", "请填写退回原因。")
                )
            try:
                services.transfer_return(
                    transfer=transfer,
                    by=user,
                    reasons=form.cleaned_data["reasons"],
                    returned_on=form.cleaned_data["returned_on"],
                )
            except DomainError as exc:
                return _rerender(request, transfer, "return_form", form, exc)
            messages.success(request, "已登记退回：档案重新入库。")
            return _to_detail(transfer)
        if action == "chase":
            form = forms.ChaseForm(request.POST)
            if not form.is_valid():
                return _rerender(
                    request, transfer, "chase_form", form, DomainError("INVALID", "请检查催问信息。")
                )
            try:
                services.transfer_chase(transfer=transfer, by=user, **form.cleaned_data)
            except DomainError as exc:
                return _rerender(request, transfer, "chase_form", form, exc)
            messages.success(request, "已登记催问。")
            return _to_detail(transfer, "chases")
    except DomainError as exc:
        _messages(request, exc)
        return _to_detail(transfer)
    raise Http404("未知操作")


def transfer_notice_pdf(request, pk):
    if not request.user.is_authenticated:
        return redirect(reverse("login"))
    transfer = selectors.get_transfer(request.user, pk)
    if not transfer.notice_number:
        messages.error(request, "尚未开具转递通知单。")
        return _to_detail(transfer)
    data = pdf.transfer_notice(transfer)
    record(
        request.user,
        "transfer.print",
        archive=transfer.archive,
        target=transfer,
        details={"notice": transfer.notice_number},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{_quote(f'转递通知单-{transfer.notice_number}.pdf')}"
    )
    response["Cache-Control"] = "no-store"
    return response


def transfer_receipt_scan(request, pk):
    if not request.user.is_authenticated:
        return redirect(reverse("login"))
    transfer = selectors.get_transfer(request.user, pk)
    if not transfer.receipt_scan:
        raise Http404("没有回执扫描件。")
    record(request.user, "transfer.receipt_scan_view", archive=transfer.archive, target=transfer)
    name = services.scan_name(transfer)
    response = FileResponse(
        transfer.receipt_scan.open("rb"),
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# --- reviewer and register ------------------------------------------------------------------------------------------


@role_required(REVIEWER)
def inbox(request):
    items = list(selectors.awaiting_approval(request.user))
    f = selectors.TransferFilters(status=request.GET.get("status", ""), q=request.GET.get("q", "").strip())
    page = _paginate(request, selectors.transfer_list(request.user, f))
    return render(
        request,
        "borrowing/transfers/inbox.html",
        {
            "items": items,
            "page_obj": page,
            "f": f,
            "status_choices": TransferStatus.choices,
            "query_string": _query_string(request),
        },
    )


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@role_required(CLERK)
def register(request):
    year = _year(request)
    rows = list(selectors.register_out(request.user, year))
    if request.GET.get("format") == "xlsx":
        return _register_xlsx(request, year, rows)
    years = list(range(timezone.localdate().year, timezone.localdate().year - 6, -1))
    return render(request, "borrowing/transfers/register.html", {"rows": rows, "year": year, "years": years})


REGISTER_COLUMNS = (
    "序号",
    "通知单字号",
    "档号",
    "姓名",
    "单位及职务",
    "转递原因",
    "接收单位",
    "正本（卷）",
    "副本（卷）",
    "材料（份）",
    "转递方式",
    "转出日期",
    "回执",
    "状态",
)


def _register_row(index, t) -> list:
    receipt = (
        f"{t.receipt_recipient} {t.receipt_on:%Y-%m-%d}"
        if t.receipt_on
        else ("退回" if t.returned_on else "未回")
    )
    return [
        index,
        t.notice_number,
        t.archive_no,
        t.cadre_name,
        t.cadre_unit_post,
        t.reason,
        t.to_display,
        t.main_volumes,
        t.duplicate_volumes,
        t.loose_items,
        t.get_channel_display(),
        t.sent_on.isoformat() if t.sent_on else "",
        receipt,
        t.get_status_display(),
    ]


def _register_xlsx(request, year: int, rows) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年转出登记"
    ws.append([f"{year}年度干部人事档案转出登记"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(REGISTER_COLUMNS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, t in enumerate(rows, start=1):
        ws.append([xlsx_text(v) for v in _register_row(index, t)])
    for column, width in zip(
        "ABCDEFGHIJKLMN", (6, 16, 12, 10, 28, 14, 22, 9, 9, 9, 10, 12, 18, 12), strict=True
    ):
        ws.column_dimensions[column].width = width
    buf = io.BytesIO()
    wb.save(buf)
    record(request.user, "transfer.register_export", details={"year": year, "rows": len(rows)})
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'{year}年转出登记.xlsx')}"
    return response
