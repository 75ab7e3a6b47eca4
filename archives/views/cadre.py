"""干部信息维护: family members and social relations, work history (posts) and education records."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from archives import access, services
from archives.access import Action
from archives.forms import CadrePostForm, EducationForm, FamilyMemberForm, apply_error
from archives.models import CadrePost, EducationRecord, FamilyMember
from archives.views.common import clerk_required
from core.errors import DomainError


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    model: type
    form: type
    columns: tuple[tuple[str, str], ...]
    save: str
    remove: str
    instance_kw: str
    needs_archive: bool = False


SECTIONS = {
    "family": Section(
        "family",
        "家庭主要成员及重要社会关系",
        FamilyMember,
        FamilyMemberForm,
        (
            ("relation", "称谓"),
            ("name", "姓名"),
            ("birth_date", "出生日期"),
            ("get_political_status_display", "政治面貌"),
            ("work_unit_post", "工作单位及职务"),
        ),
        "family_member_save",
        "family_member_remove",
        "member",
    ),
    "posts": Section(
        "posts",
        "任职经历",
        CadrePost,
        CadrePostForm,
        (
            ("start_date", "任职时间"),
            ("end_date", "免职时间"),
            ("title", "任职单位及职务"),
            ("get_rank_display", "级别"),
            ("document_no", "任职文号"),
            ("appointment_material", "任免审批表"),
        ),
        "cadre_post_save",
        "cadre_post_remove",
        "post",
        True,
    ),
    "education": Section(
        "education",
        "学历学位",
        EducationRecord,
        EducationForm,
        (
            ("get_mode_display", "教育类别"),
            ("get_level_display", "学历"),
            ("degree", "学位"),
            ("school", "毕业院校"),
            ("major", "专业"),
            ("graduation_date", "毕业时间"),
        ),
        "education_save",
        "education_remove",
        "record_obj",
        True,
    ),
}


def _cell(obj, name):
    value = getattr(obj, name)
    return value() if callable(value) else value


@clerk_required
@require_http_methods(["GET", "POST"])
def cadre_section(request, pk: int, section: str):
    archive = access.get_archive(request.user, Action.MANAGE, pk)
    spec = SECTIONS.get(section)
    if spec is None:
        raise Http404("未知的栏目。")
    cadre = archive.cadre
    rows = spec.model.objects.filter(cadre=cadre)
    if spec.key == "posts":
        rows = rows.select_related("appointment_material__category")
    if spec.key == "education":
        rows = rows.prefetch_related("materials__category")
    editing = None
    if request.GET.get("edit", "").isdecimal():
        editing = rows.filter(pk=request.GET["edit"]).first()
    if request.method == "POST" and request.POST.get("remove", "").isdecimal():
        target = rows.filter(pk=request.POST["remove"]).first()
        if target is not None:
            try:
                getattr(services, spec.remove)(**{spec.instance_kw: target}, by=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已删除：{target}")
        return redirect("archives:cadre-section", pk=archive.pk, section=section)
    kwargs = {"archive": archive} if spec.needs_archive else {}
    if request.method == "POST":
        if request.POST.get("id", "").isdecimal():
            editing = rows.filter(pk=request.POST["id"]).first()
        form = spec.form(request.POST, instance=editing, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            extra = {}
            if spec.key == "education":
                extra["materials"] = data.pop("materials", [])
            try:
                getattr(services, spec.save)(
                    cadre=cadre, by=request.user, data=data, **{spec.instance_kw: editing}, **extra
                )
            except DomainError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("archives:cadre-section", pk=archive.pk, section=section)
    else:
        form = spec.form(instance=editing, **kwargs)
    table = [(obj, [_cell(obj, name) for name, _ in spec.columns]) for obj in rows]
    return render(
        request,
        "archives/cadre_section.html",
        {
            "archive": archive,
            "spec": spec,
            "sections": SECTIONS.values(),
            "table": table,
            "form": form,
            "editing": editing,
        },
    )
