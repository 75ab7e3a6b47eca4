"""Directory export (XLSX, PDF) and roster import pages."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from archives import access, exports, imports, selectors
from archives.access import Action
from archives.forms import ImportForm
from archives.views.common import clerk_required
from audit.services import record
from core.errors import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
def directory_export(request, pk: int, fmt: str):
    """导出目录: XLSX or PDF with the columns of requirement 19 (audited as archive.export_directory)."""
    archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, pk)
    rows = selectors.directory(archive)
    if fmt == "xlsx":
        data, content_type = exports.directory_xlsx(archive, rows), XLSX
    else:
        data, content_type = exports.directory_pdf(archive, rows), "application/pdf"
    record(
        request.user,
        "archive.export_directory",
        archive=archive,
        target=archive,
        details={"format": fmt, "materials": sum(len(r.materials) for r in rows)},
    )
    return _download(data, content_type, exports.filename(archive, fmt))


@clerk_required
@require_GET
def roster_template(request):
    return _download(imports.roster_template(), XLSX, "干部名册导入模板.xlsx")


@clerk_required
@require_http_methods(["GET", "POST"])
def roster_import(request):
    """名册导入: every row validated first; any bad row and nothing is imported (each reported)."""
    holding_units = selectors.holding_units_for(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, holding_units=holding_units)
    result = None
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.import_roster(
                upload=form.cleaned_data["file"],
                holding_unit=form.cleaned_data["holding_unit"],
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            problems = (
                [v.message for v in exc.violations]
                if len(exc.violations) > 1 or exc.violations[0].message != exc.message
                else []
            )
        else:
            if result.dry_run:
                messages.success(
                    request, f"校验通过：共 {result.rows} 行，均可导入。取消“仅校验”后再次上传即可导入。"
                )
            else:
                messages.success(request, f"已导入 {len(result.created)} 名干部及其档案。")
            for text in result.warnings[:50]:
                messages.warning(request, text)
    return render(
        request, "archives/roster_import.html", {"form": form, "result": result, "problems": problems}
    )
