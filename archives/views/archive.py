"""The archive list (search) and the archive page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from archives import access, selectors, services
from archives.access import Action
from archives.forms import (
    ArchiveEditForm,
    ArchiveRegisterForm,
    ArchiveSearchForm,
    CadreForm,
    apply_error,
)
from archives.models import Archive
from archives.views.common import clerk_required, query_string, show_warnings
from audit.services import record
from core.errors import DomainError

PAGE_SIZE = 20


@login_required
def archive_list(request):
    """干部档案: search by name, pinyin, initials, ID number or archive number; filters; pagination."""
    form = ArchiveSearchForm(
        request.GET or None,
        holding_units=selectors.holding_units_for(request.user),
        cadre_units=selectors.cadre_units_for(request.user),
    )
    filters = selectors.ArchiveFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.ArchiveFilters(
            q=data["q"] or "",
            holding_unit=data["holding_unit"].pk if data["holding_unit"] else None,
            status=data["status"] or "",
            holding_group=data["holding_group"] or "",
            cadre_unit=data["cadre_unit"].pk if data["cadre_unit"] else None,
            management_level=data["management_level"] or "",
            sort=data["sort"] or "",
        )
    qs = selectors.archive_list(request.user, filters)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    record(
        request.user,
        "archive.search",
        details={
            "q": filters.q,
            "filters": {k: v for k, v in vars(filters).items() if v and k != "q"},
            "page": page_obj.number,
            "results": page_obj.paginator.count,
        },
    )
    return render(
        request,
        "archives/archive_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "archives": page_obj.object_list,
            "query_string": query_string(request),
            "filters": filters,
            "can_register": bool(selectors.holding_units_for(request.user).exists())
            and "管档员" in request.user.roles,
        },
    )


@login_required
def archive_detail(request, pk: int):
    """The archive page: cadre card, directory by the ten categories, intake, status, location and history."""
    archive = access.get_archive(
        request.user,
        Action.VIEW_DIRECTORY,
        pk,
        queryset=Archive.objects.select_related("cadre", "cadre__unit", "holding_unit", "custodian"),
    )
    data = selectors.archive_page(request.user, archive)
    record(
        request.user,
        "archive.directory_view",
        archive=archive,
        target=archive,
        details={"materials": data.filed_count},
    )
    return render(request, "archives/archive_detail.html", {"archive": archive, "data": data})


@clerk_required
@require_http_methods(["GET", "POST"])
def archive_create(request):
    """登记干部档案: the cadre and the archive in one form."""
    holding_units = selectors.holding_units_for(request.user)
    cadre_form = CadreForm(request.POST or None, prefix="c")
    archive_form = ArchiveRegisterForm(request.POST or None, prefix="a", holding_units=holding_units)
    if request.method == "POST" and cadre_form.is_valid() and archive_form.is_valid():
        try:
            archive, warnings = services.cadre_register(
                by=request.user, cadre=cadre_form.changes(), archive=archive_form.cleaned_data
            )
        except DomainError as exc:
            for v in exc.violations:
                target = archive_form if v.field in archive_form.fields else cadre_form
                apply_error(target, DomainError(v.code, v.message, v.field))
        else:
            messages.success(request, f"已登记干部{archive.cadre.name}，档号 {archive.archive_no}。")
            show_warnings(request, warnings, "身份证号码提示：")
            return redirect("archives:detail", pk=archive.pk)
    return render(
        request,
        "archives/archive_form.html",
        {"cadre_form": cadre_form, "archive_form": archive_form, "title": "登记干部档案"},
    )


@clerk_required
@require_http_methods(["GET", "POST"])
def cadre_edit(request, pk: int):
    """修改干部信息 (出生日期、入党时间、参加工作时间 only through a determination)."""
    archive = access.get_archive(request.user, Action.MANAGE, pk)
    cadre = archive.cadre
    form = CadreForm(request.POST or None, instance=cadre, prefix="c", editing=True)
    photo_error = ""
    if request.method == "POST" and form.is_valid():
        try:
            warnings = services.cadre_update(cadre=cadre, by=request.user, changes=form.changes())
            if request.FILES.get("photo"):
                services.cadre_set_photo(cadre=cadre, by=request.user, upload=request.FILES["photo"])
        except DomainError as exc:
            if exc.field == "photo":
                photo_error = exc.message
            else:
                apply_error(form, exc)
        else:
            messages.success(request, "干部信息已保存。")
            show_warnings(request, warnings, "身份证号码提示：")
            return redirect("archives:detail", pk=archive.pk)
    return render(
        request,
        "archives/cadre_form.html",
        {
            "cadre_form": form,
            "archive": archive,
            "title": f"修改干部信息：{cadre.name}",
            "photo_error": photo_error,
        },
    )


@login_required
def cadre_photo(request, pk: int):
    """The cadre's photo, for whoever may see the archive's directory (no public media URL, never cached)."""
    archive = access.get_archive(request.user, Action.VIEW_DIRECTORY, pk)
    if not archive.cadre.photo:
        raise Http404("没有照片。")
    with archive.cadre.photo.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@clerk_required
@require_http_methods(["GET", "POST"])
def archive_edit(request, pk: int):
    """档案信息: location, volumes, status, sorting, holding group, custodian."""
    archive = access.get_archive(request.user, Action.MANAGE, pk)
    form = ArchiveEditForm(request.POST or None, instance=archive, clerks=selectors.clerks_for(archive))
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_update(
                archive=archive, by=request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "档案信息已保存。")
            return redirect("archives:detail", pk=archive.pk)
    return render(request, "archives/archive_edit.html", {"form": form, "archive": archive})
