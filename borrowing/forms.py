"""Forms of the viewing and borrowing pages. They only parse input: the rules (三不查阅, purpose, borrowing limits...)
are checked by borrowing.services when a request is submitted or approved, and their messages are put back next to
the fields by the views (`place_violations`)."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory

from accounts.models import Unit, UnitKind, User
from accounts.roles import VIEWER
from archives.models import MaterialCategory
from borrowing.models import AccessMode, CopyKind, Purpose
from core.choices import PoliticalStatus

DATETIME_INPUT = forms.DateTimeInput(
    attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
)
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _control(widget, extra=""):
    widget.attrs["class"] = (widget.attrs.get("class", "") + " form-control " + extra).strip()
    return widget


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AccessRequestForm(forms.Form):
    """The header of the approval form. Every field may stay empty in a draft; submission checks completeness."""

    requesting_unit = UnitChoiceField(
        label="申请单位",
        queryset=Unit.objects.filter(is_active=True).order_by("path", "sort_order"),
        required=False,
        empty_label="（不在列表中，手工填写）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    requesting_unit_name = forms.CharField(
        label="其他单位名称", max_length=100, required=False, widget=_control(forms.TextInput())
    )
    requesting_unit_kind = forms.ChoiceField(
        label="其他单位类别",
        choices=[("", "请选择")] + list(UnitKind.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unit_opinion = forms.CharField(
        label="申请单位意见", required=False, widget=_control(forms.Textarea(attrs={"rows": 2}))
    )
    unit_signer = forms.CharField(
        label="单位负责人签字", max_length=50, required=False, widget=_control(forms.TextInput())
    )
    unit_signed_on = forms.DateField(label="签署日期", required=False, widget=DATE_INPUT)
    has_intro_letter = forms.BooleanField(
        label="持有介绍信", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    purpose = forms.ChoiceField(
        label="查阅事由类别",
        choices=[("", "请选择")] + list(Purpose.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    purpose_detail = forms.CharField(
        label="事由说明",
        max_length=200,
        required=False,
        widget=_control(forms.Textarea(attrs={"rows": 2, "maxlength": 200})),
    )
    mode = forms.ChoiceField(
        label="查阅方式",
        choices=AccessMode.choices,
        initial=AccessMode.ONSITE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    start_at = forms.DateTimeField(label="起始时间", required=False, widget=DATETIME_INPUT)
    end_at = forms.DateTimeField(label="截止（应还）时间", required=False, widget=DATETIME_INPUT)
    copies_requested = forms.BooleanField(
        label="需要摘录或复制",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    copy_note = forms.CharField(
        label="摘录、复制说明",
        max_length=200,
        required=False,
        widget=_control(forms.TextInput(attrs={"placeholder": "摘录、复制的用途和要求（可选）"})),
    )


class ViewerForm(forms.Form):
    user = forms.CharField(
        label="系统账号",
        max_length=150,
        required=False,
        widget=_control(
            forms.TextInput(attrs={"list": "viewer-accounts", "placeholder": "账号（可选）"}),
            "form-control-sm",
        ),
    )
    name = forms.CharField(
        label="姓名", max_length=50, required=False, widget=_control(forms.TextInput(), "form-control-sm")
    )
    unit_name = forms.CharField(
        label="工作单位",
        max_length=100,
        required=False,
        widget=_control(forms.TextInput(), "form-control-sm"),
    )
    post = forms.CharField(
        label="职务", max_length=100, required=False, widget=_control(forms.TextInput(), "form-control-sm")
    )
    political_status = forms.ChoiceField(
        label="政治面貌",
        choices=[("", "请选择")] + list(PoliticalStatus.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    id_number = forms.CharField(
        label="身份证号", max_length=18, required=False, widget=_control(forms.TextInput(), "form-control-sm")
    )
    phone = forms.CharField(
        label="联系电话", max_length=30, required=False, widget=_control(forms.TextInput(), "form-control-sm")
    )

    def clean_user(self):
        username = (self.cleaned_data.get("user") or "").strip()
        if not username:
            return None
        account = User.objects.select_related("unit").filter(username=username, is_active=True).first()
        if account is None:
            raise forms.ValidationError("未找到该系统账号。")
        return account

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not any(data.get(k) for k in ("user", "name", "unit_name", "post", "id_number", "phone"))


def top_categories():
    return MaterialCategory.objects.filter(parent__isnull=True).order_by("sort_order")


SHORT_CATEGORY_NAMES = {
    1: "履历",
    2: "自传和思想",
    3: "考核鉴定",
    4: "学历学位、职称、培训",
    5: "政审、审计和审核",
    6: "党、团",
    7: "表彰奖励",
    8: "违规违纪违法处理处分",
    9: "工资、任免、出国、会议代表",
    10: "其他",
}


class CategoryField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.chinese_label}、{SHORT_CATEGORY_NAMES.get(obj.number, obj.name)}"


class SubjectForm(forms.Form):
    archive_no = forms.CharField(
        label="档号",
        max_length=40,
        required=False,
        widget=_control(forms.TextInput(attrs={"placeholder": "档号"}), "form-control-sm"),
    )
    id_number = forms.CharField(
        label="或身份证号",
        max_length=18,
        required=False,
        widget=_control(forms.TextInput(attrs={"placeholder": "干部身份证号"}), "form-control-sm"),
    )
    scope_all = forms.BooleanField(
        label="查阅全部材料",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    categories = CategoryField(
        label="查阅类别",
        queryset=MaterialCategory.objects.filter(parent__isnull=True).order_by("sort_order"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not (data.get("archive_no") or data.get("id_number"))


ViewerFormSet = formset_factory(ViewerForm, extra=0, min_num=2, validate_min=False, max_num=20)
SubjectFormSet = formset_factory(SubjectForm, extra=0, min_num=1, validate_min=False, max_num=20)


def viewer_accounts():
    """Registered viewers for the account picker (datalist)."""
    return (
        User.objects.filter(is_active=True, groups__name=VIEWER)
        .select_related("unit")
        .order_by("unit__path", "username")[:500]
    )


class ApproveForm(forms.Form):
    opinion = forms.CharField(
        label="审批意见",
        max_length=300,
        required=False,
        initial="同意。",
        widget=_control(forms.Textarea(attrs={"rows": 2})),
    )
    level = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予批准理由",
        max_length=300,
        required=False,
        widget=_control(forms.Textarea(attrs={"rows": 2})),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="撤回原因", max_length=300, required=False, widget=_control(forms.TextInput())
    )


class CopyForm(forms.Form):
    material = forms.TypedChoiceField(
        label="材料", coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label="类别", choices=CopyKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    pages = forms.CharField(
        label="页码", max_length=100, widget=_control(forms.TextInput(attrs={"placeholder": "如 1-3,5"}))
    )
    recipient = forms.ChoiceField(label="领取人", widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label="备注", max_length=200, required=False, widget=_control(forms.TextInput()))

    def __init__(self, *args, materials=(), viewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [
            (m.pk, f"{m.seq_label or '未编号'} {m.title}（{m.page_count}页）") for m in materials
        ]
        self.fields["recipient"].choices = [(name, name) for name in viewers]
