"""安全保密管理员's pages for per-archive permissions (档案授权): list, grant, withdraw.

The security admin sees archive numbers and cadre names only, never archive content: the pages read the grant
rows and the archive number and name of the cadre, nothing else. Every change goes through archives.grants.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import SECURITY_ADMIN, SEPARATED_ROLES
from archives import access, grants
from archives.models import Archive, ArchiveUserObjectPermission, MaterialCategory
from core.errors import DomainError
from core.navigation import MenuItem, register_menu

PERMISSION_CHOICES = list(access.PERMISSION_LABELS.items())
STATUS_CHOICES = [("", "全部"), ("active", "有效"), ("pending", "未生效"), ("expired", "已过期（待清理）")]
KIND_CHOICES = [("", "全部"), ("standing", "常设（无失效时间）"), ("timed", "限时")]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


def register_navigation() -> None:
    register_menu(MenuItem("档案授权", "grants:list", (SECURITY_ADMIN,), order=805, group="系统与安全"))


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        unit = obj.unit.name if obj.unit_id else "未设单位"
        return f"{obj.get_full_name()}（{obj.username}）· {unit}"


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} {obj.name}"


class GrantForm(forms.Form):
    user = UserChoiceField(label="被授权人", queryset=User.objects.none(), empty_label="请选择用户")
    archive_no = forms.CharField(label="档号", max_length=40)
    permission = forms.ChoiceField(
        label="权限",
        choices=PERMISSION_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=access.VIEW_CONTENT_PERM,
    )
    valid_from = forms.DateTimeField(
        label="生效时间",
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text="留空即刻生效。",
    )
    valid_until = forms.DateTimeField(
        label="失效时间",
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text="留空为常设权限，直至收回。",
    )
    scope_all = forms.BooleanField(
        label="全部材料",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    categories = CategoryChoiceField(
        label="限定材料类别",
        queryset=MaterialCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label="授权依据",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：青组档批〔2026〕12号，纪检审查需要"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(groups__name__in=SEPARATED_ROLES)
            .select_related("unit")
            .order_by("unit__path", "username")
        )
        self.fields["categories"].queryset = MaterialCategory.objects.order_by("sort_order")

    def clean_archive_no(self):
        number = self.cleaned_data["archive_no"].strip()
        archive = Archive.objects.select_related("cadre").filter(archive_no=number).first()
        if archive is None:
            raise forms.ValidationError(f"未找到档号为“{number}”的档案。")
        self.archive = archive
        return number


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="收回原因", max_length=200, widget=forms.TextInput(attrs={"placeholder": "如：查阅事项已办结"})
    )


def _grant_rows(params):
    now = timezone.now()
    qs = (
        ArchiveUserObjectPermission.objects.select_related(
            "user__unit", "content_object__cadre", "permission", "granted_by"
        )
        .prefetch_related("scope_categories")
        .annotate(material_count=Count("scope_materials"))
        .order_by("-created_at", "-pk")
    )
    q = params.get("q", "").strip()
    if q:
        qs = qs.filter(Q(user__username__startswith=q) | Q(user__full_name__startswith=q))
    archive_no = params.get("archive_no", "").strip()
    if archive_no:
        qs = qs.filter(content_object__archive_no__startswith=archive_no)
    permission = params.get("permission", "")
    if permission in access.PERMISSION_LABELS:
        qs = qs.filter(permission__codename=permission)
    status = params.get("status", "")
    if status == "active":
        qs = qs.filter(access.window_q(now))
    elif status == "pending":
        qs = qs.filter(valid_from__gt=now)
    elif status == "expired":
        qs = qs.filter(valid_until__lte=now)
    kind = params.get("kind", "")
    if kind == "standing":
        qs = qs.filter(valid_until__isnull=True)
    elif kind == "timed":
        qs = qs.filter(valid_until__isnull=False)
    return qs


def _status(grant, now) -> tuple[str, str]:
    if grant.valid_until is not None and grant.valid_until <= now:
        return "已过期", "secondary"
    if grant.valid_from is not None and grant.valid_from > now:
        return "未生效", "warning"
    return "有效", "success"


@role_required(SECURITY_ADMIN)
def grant_list(request):
    params = request.GET
    paginator = Paginator(_grant_rows(params), 30)
    page_obj = paginator.get_page(params.get("page"))
    now = timezone.now()
    rows = []
    for g in page_obj.object_list:
        label, tone = _status(g, now)
        rows.append(
            {
                "grant": g,
                "permission_label": access.PERMISSION_LABELS.get(
                    g.permission.codename, g.permission.codename
                ),
                "status": label,
                "tone": tone,
                "categories": [c.label for c in g.scope_categories.all()],
            }
        )
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "archives/grants/list.html",
        {
            "rows": rows,
            "page_obj": page_obj,
            "query_string": query.urlencode(),
            "filters": {
                "q": params.get("q", ""),
                "archive_no": params.get("archive_no", ""),
                "permission": params.get("permission", ""),
                "status": params.get("status", ""),
                "kind": params.get("kind", ""),
            },
            "permission_choices": PERMISSION_CHOICES,
            "status_choices": STATUS_CHOICES,
            "kind_choices": KIND_CHOICES,
        },
    )


@role_required(SECURITY_ADMIN)
def grant_new(request):
    initial = {"archive_no": request.GET.get("archive_no", "")}
    form = GrantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = grants.grant_create(
                user=data["user"],
                archive=form.archive,
                permission=data["permission"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                scope_all=data["scope_all"],
                categories=data["categories"],
                materials=[],
                reason=data["reason"],
                by=request.user,
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            messages.success(
                request,
                f"已授予 {grant.user.get_full_name()} 对档案 {form.archive.archive_no}"
                f"（{form.archive.cadre.name}）的“{access.PERMISSION_LABELS[grant.permission.codename]}”权限。",
            )
            return redirect("grants:list")
    return render(request, "archives/grants/form.html", {"form": form})


@role_required(SECURITY_ADMIN)
def grant_withdraw(request, pk: int):
    grant = get_object_or_404(
        ArchiveUserObjectPermission.objects.select_related(
            "user__unit", "content_object__cadre", "permission", "granted_by"
        ),
        pk=pk,
    )
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grants.grant_withdraw(grant=grant, reason=form.cleaned_data["reason"], by=request.user)
        except DomainError as exc:
            form.add_error("reason" if exc.field in (None, "reason") else None, exc.message)
        else:
            messages.success(
                request,
                f"已收回 {grant.user.get_full_name()} 对档案 {grant.content_object.archive_no} 的权限。",
            )
            return redirect("grants:list")
    label, tone = _status(grant, timezone.now())
    return render(
        request,
        "archives/grants/withdraw.html",
        {
            "form": form,
            "grant": grant,
            "permission_label": access.PERMISSION_LABELS.get(grant.permission.codename, ""),
            "status": label,
            "tone": tone,
            "categories": [f"{c.label} {c.name}" for c in grant.scope_categories.all()],
            "material_count": grant.scope_materials.count(),
        },
    )


@role_required(SECURITY_ADMIN)
@require_GET
def archive_lookup(request):
    """HTMX: the cadre's name for an archive number (nothing else about the archive)."""
    number = request.GET.get("archive_no", "").strip()
    archive = Archive.objects.select_related("cadre").filter(archive_no=number).first() if number else None
    return render(request, "archives/grants/_lookup.html", {"number": number, "archive": archive})
