"""Pages of new cadre archive grading: the list, the new grading, the scoring sheet with its three signatures, the
printable sheet, and the year-end report per submitting unit (page and XLSX). Thin: they parse input, call
reviews.grading_services and read through reviews.grading_selectors."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.access import Action
from archives.completeness import report_or_check
from archives.forms import apply_error
from archives.selectors import search_q
from audit.services import record
from core.errors import DomainError
from core.spreadsheet import xlsx_text
from reviews import grading as rules
from reviews import grading_pdf
from reviews import grading_selectors as selectors
from reviews import grading_services as services
from reviews.grading_forms import GradingForm, ReasonForm, ReturnForm
from reviews.models import Grade, GradingStatus


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


def _years() -> list[int]:
    now = timezone.localdate().year
    return list(range(now, now - 6, -1))


@role_required(CLERK, REVIEWER)
def grading_list(request):
    year = request.GET.get("year", "")
    year_value = int(year) if year.isdecimal() else None
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.grading_list(request.user, year=year_value, status=status, q=q), 20).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "reviews/grading/list.html",
        {
            "page_obj": page,
            "year": year_value,
            "years": _years(),
            "status": status,
            "q": q,
            "status_choices": [("open", "未定级"), *GradingStatus.choices, *Grade.choices],
            "query_string": params.urlencode(),
            "is_clerk": CLERK in roles_of(request.user),
            "check_items": list(selectors.awaiting_signature(request.user, "check")[:10]),
            "second_items": list(selectors.awaiting_signature(request.user, "second")[:10])
            if REVIEWER in roles_of(request.user)
            else [],
        },
    )


@role_required(CLERK)
def grading_new(request):
    q = request.GET.get("q", "").strip()
    archive = None
    pk = request.GET.get("archive") or request.POST.get("archive")
    if pk:
        archive = access.get_archive(request.user, Action.MANAGE, pk)
    if archive is None:
        archives = []
        if q:
            qs = (
                access.archives_for(request.user, Action.MANAGE)
                .select_related("cadre__unit")
                .exclude(status="transferred_out")
            )
            cond = search_q(q)
            archives = list((qs.filter(cond) if cond is not None else qs.none()).order_by("archive_no")[:30])
        return render(request, "reviews/grading/pick.html", {"q": q, "archives": archives})
    if request.method == "POST":
        form = GradingForm(request.POST)
        if form.is_valid():
            try:
                grading = services.grading_create(archive=archive, by=request.user, data=form.cleaned_data)
            except DomainError as exc:
                apply_error(form, exc)
                for v in exc.violations:
                    if not v.field or v.field not in form.fields:
                        messages.error(request, v.message)
            else:
                messages.success(request, f"已登记评分{grading.number}，请逐项评分后初审签字。")
                return redirect("reviews:grading-detail", pk=grading.pk)
    else:
        form = GradingForm(initial={"post": archive.cadre.current_post, "submitted_on": timezone.localdate()})
    return render(request, "reviews/grading/new.html", {"form": form, "archive": archive})


def _completeness_hints(archive) -> list[dict]:
    report = report_or_check(archive)
    return list(report.items) if report else []


def _can(request, grading) -> dict:
    user = request.user
    roles = roles_of(user)
    clerk = CLERK in roles and access.can(user, Action.MANAGE, grading.archive)
    reviewer = REVIEWER in roles
    signed = {grading.initial_by_id, grading.check_by_id}
    s = grading.status
    return {
        "can_edit": clerk and s == GradingStatus.DRAFT,
        "can_initial": clerk and s == GradingStatus.DRAFT,
        "can_check": s == GradingStatus.CHECKING and (clerk or reviewer) and user.pk not in signed,
        "can_second": s == GradingStatus.SECOND and reviewer and user.pk not in signed,
        "can_return": clerk and s == GradingStatus.FINAL and not grading.returned_on,
        "is_clerk": clerk,
    }


def _detail_context(request, grading, *, errors=None, posted=None) -> dict:
    errors = errors or {}
    value, proposed = services.provisional(grading)
    lines = list(grading.lines.all())
    vetoes = list(grading.vetoes.all())
    for line in lines:
        key = f"lines.{line.number}"
        line.error = errors.get(key, "")
        if posted is not None:
            line.deduction_input = posted.get(f"d-{line.number}", "")
            line.problems_input = posted.get(f"p-{line.number}", "")
        else:
            line.deduction_input = "" if not line.deduction else f"{line.deduction.normalize():f}"
            line.problems_input = line.problems
    for veto in vetoes:
        veto.error = errors.get(f"vetoes.{veto.number}", "")
        if posted is not None:
            veto.found_input = posted.get(f"v-{veto.number}") == "1"
            veto.note_input = posted.get(f"vn-{veto.number}", "")
        else:
            veto.found_input, veto.note_input = veto.found, veto.note
    pass_line, excellent_line = services.thresholds()
    return {
        "grading": grading,
        "archive": grading.archive,
        "lines": lines,
        "vetoes": vetoes,
        "value": value,
        "proposed": proposed,
        "proposed_label": rules.GRADE_LABELS[proposed],
        "pass_line": pass_line,
        "excellent_line": excellent_line,
        "deducted": sum((line.deduction for line in lines), start=type(value)(0)),
        "weight_total": sum((line.weight for line in lines), start=type(value)(0)),
        "hints": _completeness_hints(grading.archive) if grading.status != GradingStatus.FINAL else [],
        "reason_form": ReasonForm(),
        "return_form": ReturnForm(initial={"returned_on": timezone.localdate()}),
        **_can(request, grading),
    }


@role_required(CLERK, REVIEWER)
def grading_detail(request, pk):
    grading = selectors.get_grading(request.user, pk)
    record(request.user, "grading.view", archive=grading.archive, target=grading)
    return render(request, "reviews/grading/detail.html", _detail_context(request, grading))


def _parse_sheet(post) -> tuple[dict, dict]:
    lines, vetoes = {}, {}
    for key in post:
        if key.startswith("d-") and key[2:].isdecimal():
            n = int(key[2:])
            lines[n] = {"deduction": post.get(key, "").strip(), "problems": post.get(f"p-{n}", "")}
        if key.startswith("vn-") and key[3:].isdecimal():
            n = int(key[3:])
            vetoes[n] = {"found": post.get(f"v-{n}") == "1", "note": post.get(key, "")}
    return lines, vetoes


@role_required(CLERK, REVIEWER)
@require_POST
def grading_action(request, pk, action):
    grading = selectors.get_grading(request.user, pk)
    user = request.user
    try:
        if action == "score":
            lines, vetoes = _parse_sheet(request.POST)
            try:
                grading = services.grading_score(grading=grading, by=user, lines=lines, vetoes=vetoes)
            except DomainError as exc:
                grading = selectors.get_grading(user, pk)
                errors = {v.field: v.message for v in exc.violations if v.field}
                messages.error(
                    request,
                    exc.message
                    if len(exc.violations) == 1
                    else f"有{len(exc.violations)}处需要更正，见下方标红的项目。",
                )
                context = _detail_context(request, grading, errors=errors, posted=request.POST)
                return render(request, "reviews/grading/detail.html", context, status=400)
            messages.success(request, f"已保存评分：{grading.score}分。")
            if request.POST.get("then") == "initial":
                services.grading_sign(grading=grading, by=user, stage="initial")
                messages.success(request, "已初审签字，等待复核。")
        elif action in ("initial", "check", "second"):
            grading = services.grading_sign(grading=grading, by=user, stage=action)
            if grading.status == GradingStatus.FINAL:
                messages.success(
                    request, f"复审签字完成，评分定级：{grading.score}分，{grading.get_grade_display()}。"
                )
            else:
                messages.success(request, f"已{rules.STAGE_LABELS[action]}签字。")
        elif action == "send-back":
            form = ReasonForm(request.POST)
            reason = form.data.get("reason", "")
            services.grading_send_back(grading=grading, by=user, reason=reason)
            messages.success(request, "已退回初审修改。")
        elif action == "return":
            form = ReturnForm(request.POST)
            form.is_valid()
            services.grading_return_to_unit(
                grading=grading,
                by=user,
                reason=form.cleaned_data.get("reason", ""),
                returned_on=form.cleaned_data.get("returned_on"),
            )
            messages.success(request, f"已登记退回{grading.submitting_unit.name}。")
        else:
            raise Http404("未知操作")
    except DomainError as exc:
        for v in exc.violations:
            messages.error(request, v.message)
    return redirect("reviews:grading-detail", pk=grading.pk)


@role_required(CLERK, REVIEWER)
def grading_sheet_pdf(request, pk):
    grading = selectors.get_grading(request.user, pk)
    record(request.user, "grading.print", archive=grading.archive, target=grading)
    response = HttpResponse(grading_pdf.grading_sheet(grading), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'档案评分表-{grading.number}.pdf')}"
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the year-end report -------------------------------------------------------------------------------------------

REPORT_COLUMNS = (
    "报送单位",
    "评分档案",
    "已定级",
    "优秀",
    "合格",
    "不合格",
    "未定级",
    "逾期报送",
    "退回",
    "平均分",
    "优秀率",
)


def _report_cells(r) -> list:
    return [
        r.unit,
        r.total,
        r.final,
        r.excellent,
        r.qualified,
        r.unqualified,
        r.pending,
        r.late,
        r.returned,
        float(r.average) if r.average is not None else "",
        r.excellent_rate,
    ]


@role_required(CLERK, REVIEWER)
def year_report(request):
    year = _year(request)
    rows, total = selectors.year_report(request.user, year)
    details = selectors.report_details(request.user, year)
    if request.GET.get("format") == "xlsx":
        return _report_xlsx(request, year, rows, total, details)
    record(request.user, "grading.report", details={"year": year})
    return render(
        request,
        "reviews/grading/report.html",
        {"year": year, "years": _years(), "rows": rows, "total": total, **details},
    )


def _report_xlsx(request, year, rows, total, details) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "分单位统计"
    ws.append([f"{year}年度新任干部档案审核验收情况通报"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(REPORT_COLUMNS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for r in [*rows, total]:
        ws.append([xlsx_text(v) for v in _report_cells(r)])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJK", (28, 10, 8, 8, 8, 8, 8, 10, 8, 8, 8), strict=True):
        ws.column_dimensions[column].width = width
    sheet = wb.create_sheet("明细")
    sheet.append(
        ["类别", "报送单位", "档号", "姓名", "新任职务", "任职时间", "报送时间", "得分", "等次", "情况"]
    )
    for label, items in (
        ("逾期报送", details["late"]),
        ("退回", details["returned"]),
        ("不合格", details["unqualified"]),
    ):
        for g in items:
            note = (
                g.return_reason
                if label == "退回"
                else (f"任职后{(g.submitted_on - g.appointed_on).days}天报送" if label == "逾期报送" else "")
            )
            sheet.append(
                [
                    xlsx_text(v)
                    for v in (
                        label,
                        g.submitting_unit.name,
                        g.archive.archive_no,
                        g.archive.cadre.name,
                        g.post,
                        g.appointed_on.isoformat(),
                        g.submitted_on.isoformat(),
                        float(g.score) if g.score is not None else "",
                        g.get_grade_display() if g.grade else g.get_status_display(),
                        note,
                    )
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    record(request.user, "grading.report_export", details={"year": year, "units": len(rows)})
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'{year}年新任干部档案评分通报.xlsx')}"
    )
    return response
