"""Forms of the review pages: they only parse and type the input; the rules are in the services."""

from __future__ import annotations

from django import forms

from accounts.models import ManagementLevel, Unit
from archives.models import CadreType, DeterminationSubject
from reviews.models import ArchiveReviewResult, CloseOutcome, ComplaintsResult, PersonalMattersResult

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _text(rows: int = 2, placeholder: str = "") -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "placeholder": placeholder})


class CaseForm(forms.Form):
    proposed_post = forms.CharField(
        label="拟任职务", max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    post_to_remove = forms.CharField(
        label="拟免职务",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    requesting_unit = forms.ModelChoiceField(
        label="提名（呈报）单位",
        queryset=Unit.objects.filter(is_active=True).order_by("path", "sort_order"),
        empty_label="请选择提名（呈报）单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reviewer = forms.ModelChoiceField(
        label="审核人", queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    reference_date = forms.DateField(label="计算年龄时间", widget=DATE_WIDGET)
    reason = forms.CharField(label="任免理由", required=False, widget=_text(2, "如：工作需要"))

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers
        self.fields["reviewer"].label_from_instance = lambda u: u.display_name


class ArchiveReviewForm(forms.Form):
    result = forms.ChoiceField(
        label="档案审核结论", choices=ArchiveReviewResult.choices, widget=forms.RadioSelect
    )
    remarks = forms.CharField(label="审核意见", required=False, widget=_text(2, "不通过、暂缓时必须填写"))


class PersonalMattersForm(forms.Form):
    result = forms.ChoiceField(
        label="核实结果", choices=PersonalMattersResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="核实情况说明", required=False, widget=_text(2))


class DisciplineForm(forms.Form):
    opinion = forms.CharField(
        label="纪检监察机关意见", widget=_text(2, "如：经查，未发现该同志有违纪违法问题。")
    )
    received_on = forms.DateField(label="收到意见日期", widget=DATE_WIDGET)


class ComplaintsForm(forms.Form):
    result = forms.ChoiceField(label="查核情况", choices=ComplaintsResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="查核结论", required=False, widget=_text(2, "已查核的，写明查核结论"))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="办结情况",
        choices=[("", "请选择办结情况"), *CloseOutcome.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label="办结说明", required=False, widget=_text(2, "办结说明（不予提交、动议撤销时必填）")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="撤回原因", widget=_text(2))


class FlagResolveForm(forms.Form):
    note = forms.CharField(label="核查处理情况", required=False, widget=_text(2, "写明核查经过和结论"))

    def __init__(self, *args, determinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["determination"] = forms.ChoiceField(
            label="据以处理的认定",
            required=False,
            choices=[("", "（不依据认定，填写核查说明）")]
            + [
                (str(d.pk), f"{d.get_subject_display()}：{d.value_display}（{d.determining_organ}）")
                for d in determinations
            ],
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        )


class DeterminationForm(forms.Form):
    subject = forms.ChoiceField(
        label="认定事项",
        choices=DeterminationSubject.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    value_date = forms.DateField(label="认定的日期", required=False, widget=DATE_WIDGET)
    full_member_date = forms.DateField(label="转正时间（入党时间认定）", required=False, widget=DATE_WIDGET)
    education = forms.ChoiceField(
        label="所认定的学历学位", required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    cadre_type = forms.ChoiceField(
        label="认定的干部身份",
        required=False,
        choices=[("", "—")] + list(CadreType.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    value_text = forms.CharField(
        label="认定内容", required=False, widget=_text(6, "工作经历：填写认定后的简历全文")
    )
    basis = forms.CharField(
        label="认定依据", widget=_text(3, "如：依据最早形成的《入团志愿书》记载，经调查核实……")
    )
    basis_materials = forms.MultipleChoiceField(
        label="依据材料", required=False, widget=forms.CheckboxSelectMultiple
    )
    determining_organ = forms.CharField(
        label="认定机关", max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    determined_on = forms.DateField(label="认定时间", widget=DATE_WIDGET)

    def __init__(self, *args, educations=(), materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["education"].choices = [("", "—")] + [
            (str(e.pk), f"{e.get_mode_display()} {e.school}{e.major} {e.get_level_display()}")
            for e in educations
        ]
        self.fields["basis_materials"].choices = [
            (str(m.pk), f"{m.seq_label or m.category.label} {m.title}（{m.formed_display}）")
            for m in materials
        ]


class DecisionForm(forms.Form):
    note = forms.CharField(label="审批意见", required=False, widget=_text(2))


class LrmxImportForm(forms.Form):
    MODE_CHOICES = [("update", "更新已有干部"), ("create", "登记新干部并建档")]
    file = forms.FileField(
        label="任免审批表文件（.lrmx）",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".lrmx,.xml"}),
    )
    mode = forms.ChoiceField(
        label="导入方式", choices=MODE_CHOICES, widget=forms.RadioSelect, initial="update"
    )
    archive_no = forms.CharField(
        label="档号", max_length=40, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    holding_unit = forms.ModelChoiceField(
        label="保管单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unit = forms.ModelChoiceField(
        label="干部所在单位",
        queryset=Unit.objects.filter(is_active=True).order_by("path", "sort_order"),
        required=False,
        empty_label="请选择干部所在单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    management_level = forms.ChoiceField(
        label="管理层级",
        choices=ManagementLevel.choices,
        required=False,
        initial=ManagementLevel.OTHER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, holding_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if holding_units is not None:
            self.fields["holding_unit"].queryset = holding_units


class StatisticsForm(forms.Form):
    unit = forms.ChoiceField(
        label="统计范围", required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    reference_date = forms.DateField(label="统计时点", required=False, widget=DATE_WIDGET)
    include_retired = forms.BooleanField(
        label="含离退休干部", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), ("　" * u.depth) + u.name) for u in units]
