"""Forms of the clerk's pages. They only parse and present input: every rule is enforced by archives/services.py,
whose DomainError is shown next to the field it names (see `apply_error`)."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q

from accounts.models import ManagementLevel, Unit, User
from accounts.roles import CLERK, REVIEWER
from archives import rules
from archives.models import (
    Archive,
    ArchiveStatus,
    Cadre,
    CadrePost,
    EducationRecord,
    FamilyMember,
    HoldingGroup,
    Material,
    MaterialCategory,
    MaterialKind,
    SortingStatus,
)
from core.errors import DomainError

DATE = {"type": "date"}


def date_input():
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


class BootstrapMixin:
    """Bootstrap classes on every widget, small controls for dense clerk pages."""

    def _style(self):
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
                widget.attrs.setdefault("class", "form-control form-control-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
            if isinstance(widget, forms.Textarea) and str(widget.attrs.get("rows", "10")) == "10":
                widget.attrs["rows"] = 3  # Django's default of 10 rows is too tall for a clerk's form
            widget.attrs.setdefault("data-field", name)


def apply_error(form: forms.BaseForm, exc: DomainError, prefix: str = "") -> None:
    """Show a DomainError next to the field it names (or above the form)."""
    for violation in exc.violations:
        name = (violation.field or "").removeprefix(prefix) if violation.field else None
        if name and name in form.fields:
            form.add_error(name, violation.message)
        else:
            form.add_error(None, violation.message)


def leaf_categories():
    """Material categories a material may go into: 1-3, 4-1..4-4, 5-8, 9-1..9-4, 10."""
    return MaterialCategory.objects.filter(Q(sub_number__isnull=False) | ~Q(number__in=(4, 9))).order_by(
        "sort_order"
    )


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} {obj.name}"


class KindChoiceField(forms.ModelChoiceField):
    """Material kinds grouped by their category (the completeness rules match on the kind)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget = KindSelect()

    def label_from_instance(self, obj):
        return obj.name


class KindSelect(forms.Select):
    """Each option carries data-category so that choosing a kind sets the category (static/js/archives.js)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._categories: dict[str, int] | None = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self._categories is None:
            self._categories = {
                str(k.pk): k.category_id for k in MaterialKind.objects.only("pk", "category_id")
            }
        key = str(getattr(value, "value", value) or "")
        if key in self._categories:
            option["attrs"]["data-category"] = self._categories[key]
        return option


# --- search ---------------------------------------------------------------------------------------------------


class ArchiveSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label="检索", required=False, max_length=40)
    holding_unit = forms.ModelChoiceField(label="保管单位", queryset=Unit.objects.none(), required=False)
    status = forms.ChoiceField(
        label="档案状态",
        choices=[("", "在册（不含已转出）"), ("all", "全部（含已转出）")] + ArchiveStatus.choices,
        required=False,
    )
    holding_group = forms.ChoiceField(
        label="保管类别", choices=[("", "全部")] + HoldingGroup.choices, required=False
    )
    cadre_unit = forms.ModelChoiceField(label="干部所在单位", queryset=Unit.objects.none(), required=False)
    management_level = forms.ChoiceField(
        label="管理层级", choices=[("", "全部")] + ManagementLevel.choices, required=False
    )
    sort = forms.ChoiceField(
        label="排序",
        choices=[("", "按档号"), ("name", "按姓名拼音"), ("-updated", "最近更新")],
        required=False,
    )

    def __init__(self, *args, holding_units=None, cadre_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holding_unit"].queryset = (
            holding_units if holding_units is not None else Unit.objects.none()
        )
        self.fields["holding_unit"].empty_label = "全部"
        self.fields["cadre_unit"].queryset = cadre_units if cadre_units is not None else Unit.objects.none()
        self.fields["cadre_unit"].empty_label = "全部"
        self.fields["q"].widget.attrs.update(
            placeholder="姓名、拼音、首字母、身份证号或档号", autofocus=True, autocomplete="off"
        )
        self._style()


# --- cadre and archive -----------------------------------------------------------------------------------------

CADRE_FORM_FIELDS = [
    "name",
    "former_names",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "native_place",
    "birthplace",
    "political_status",
    "party_join_date",
    "work_start_date",
    "health",
    "fulltime_education",
    "fulltime_degree",
    "fulltime_school",
    "inservice_education",
    "inservice_degree",
    "inservice_school",
    "professional_title",
    "specialties",
    "current_post",
    "rank",
    "post_start_date",
    "management_level",
    "cadre_type",
    "unit",
    "status",
    "resume",
    "rewards_punishments",
    "appraisal_results",
]
CADRE_SECTIONS = [
    (
        "基本信息",
        [
            "name",
            "former_names",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "native_place",
            "birthplace",
            "political_status",
            "party_join_date",
            "work_start_date",
            "health",
        ],
    ),
    (
        "学历学位",
        [
            "fulltime_education",
            "fulltime_degree",
            "fulltime_school",
            "inservice_education",
            "inservice_degree",
            "inservice_school",
        ],
    ),
    (
        "职务与管理",
        [
            "unit",
            "current_post",
            "rank",
            "post_start_date",
            "professional_title",
            "specialties",
            "management_level",
            "cadre_type",
            "status",
        ],
    ),
    ("简历与奖惩", ["resume", "rewards_punishments", "appraisal_results"]),
]


class CadreForm(BootstrapMixin, forms.ModelForm):
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)

    class Meta:
        model = Cadre
        fields = CADRE_FORM_FIELDS
        widgets = {
            "birth_date": date_input(),
            "party_join_date": date_input(),
            "work_start_date": date_input(),
            "post_start_date": date_input(),
            "resume": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["id_number"].help_text = "18位；旧版15位号码自动升位，两者均保存。"
        self.fields["id_number"].widget.attrs.update(autocomplete="off", maxlength=18)
        if editing:
            for name in rules.DETERMINED_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "须经认定程序变更"
        self._style()

    def _post_clean(self):
        # The model's own validation (unique id_number...) is the service's job: it answers with a code.
        pass

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in CADRE_SECTIONS]

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        for name, field in self.fields.items():
            if field.disabled:
                data.pop(name, None)
        return data


class ArchiveRegisterForm(BootstrapMixin, forms.Form):
    archive_no = forms.CharField(label="档号", max_length=40)
    holding_unit = forms.ModelChoiceField(label="保管单位", queryset=Unit.objects.none())
    main_volumes = forms.IntegerField(label="正本卷数", min_value=1, initial=1)
    duplicate_volumes = forms.IntegerField(label="副本卷数", min_value=0, initial=0)
    room = forms.CharField(label="库房", max_length=30, required=False)
    cabinet = forms.CharField(label="柜", max_length=20, required=False)
    shelf = forms.CharField(label="层", max_length=20, required=False)
    position = forms.CharField(label="格", max_length=20, required=False)
    holding_group = forms.ChoiceField(label="保管类别", choices=HoldingGroup.choices)
    sorting_status = forms.ChoiceField(label="整理状态", choices=SortingStatus.choices)

    def __init__(self, *args, holding_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holding_unit"].queryset = (
            holding_units if holding_units is not None else Unit.objects.none()
        )
        if holding_units is not None and holding_units.count() == 1:
            self.fields["holding_unit"].initial = holding_units.first()
        self.fields["archive_no"].widget.attrs.update(autocomplete="off", placeholder="如 QS00123")
        self._style()


class ArchiveEditForm(BootstrapMixin, forms.ModelForm):
    reason = forms.CharField(label="变更说明", max_length=100, required=False)

    class Meta:
        model = Archive
        fields = [
            "room",
            "cabinet",
            "shelf",
            "position",
            "main_volumes",
            "duplicate_volumes",
            "status",
            "sorting_status",
            "holding_group",
            "custodian",
            "notes",
        ]

    def __init__(self, *args, clerks=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.status
        allowed = rules.MANUAL_STATUSES | {current}
        self.fields["status"].choices = [(v, label) for v, label in ArchiveStatus.choices if v in allowed]
        self.fields["status"].help_text = "借出、转递中、已转出等状态由借阅、转递业务自动设置。"
        self.fields["custodian"].queryset = clerks if clerks is not None else User.objects.none()
        self.fields["custodian"].label_from_instance = lambda u: u.get_full_name()
        self.fields["reason"].help_text = "状态变更时请说明原因，记入档案流水。"
        self._style()

    def _post_clean(self):
        pass

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class FamilyMemberForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = [
            "relation",
            "name",
            "birth_date",
            "political_status",
            "work_unit_post",
            "id_number",
            "is_social_relation",
            "sort_order",
        ]
        widgets = {"birth_date": date_input()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].widget.attrs["placeholder"] = "如 妻子、儿子、父亲"
        self._style()

    def _post_clean(self):
        pass


class CadrePostForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = CadrePost
        fields = [
            "start_date",
            "end_date",
            "title",
            "rank",
            "is_promotion",
            "is_concurrent",
            "approving_organ",
            "document_no",
            "approved_on",
            "appointment_material",
        ]
        widgets = {"start_date": date_input(), "end_date": date_input(), "approved_on": date_input()}

    def __init__(self, *args, archive=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Material.objects.none()
        if archive is not None:
            qs = (
                Material.objects.filter(archive=archive, category__code="92", status="filed")
                .select_related("category")
                .order_by("seq")
            )
        self.fields["appointment_material"].queryset = qs
        self.fields["appointment_material"].label_from_instance = lambda m: (
            f"{m.seq_label} {m.title}（{m.formed_display}）"
        )
        self._style()

    def _post_clean(self):
        pass


class EducationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = EducationRecord
        fields = [
            "mode",
            "level",
            "degree",
            "school",
            "major",
            "entry_date",
            "graduation_date",
            "degree_date",
            "is_foreign",
            "materials",
        ]
        widgets = {
            "entry_date": date_input(),
            "graduation_date": date_input(),
            "degree_date": date_input(),
            "materials": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, archive=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Material.objects.none()
        if archive is not None:
            qs = (
                Material.objects.filter(archive=archive, category__code="41", status="filed")
                .select_related("category")
                .order_by("seq")
            )
        self.fields["materials"].queryset = qs
        self.fields["materials"].required = False
        self.fields["materials"].label_from_instance = lambda m: f"{m.seq_label} {m.title}"
        self._style()
        self.fields["materials"].widget.attrs["class"] = "form-check-input"

    def _post_clean(self):
        pass


# --- materials ------------------------------------------------------------------------------------------------

MATERIAL_FORM_FIELDS = [
    "kind",
    "category",
    "title",
    "formed_year",
    "formed_month",
    "formed_day",
    "page_count",
    "producing_unit",
    "received_date",
    "is_copy",
    "copy_date",
    "copy_sealed_by",
    "remarks",
    "stated_birth_date",
    "stated_work_start_date",
    "stated_party_join_date",
    "is_altered",
    "alteration_note",
]


class MaterialForm(BootstrapMixin, forms.ModelForm):
    """One material: receive into intake, or edit (with a reason when it is filed)."""

    category = CategoryChoiceField(label="类别", queryset=MaterialCategory.objects.none())
    kind = KindChoiceField(label="材料种类", queryset=MaterialKind.objects.none(), required=False)
    formed_year = forms.IntegerField(label="形成时间（年）", min_value=1900, max_value=2100)
    formed_month = forms.IntegerField(label="月", min_value=1, max_value=12, required=False)
    formed_day = forms.IntegerField(label="日", min_value=1, max_value=31, required=False)
    page_count = forms.IntegerField(label="页数", min_value=1)
    reason = forms.CharField(label="修改原因", max_length=200, required=False)

    class Meta:
        model = Material
        fields = MATERIAL_FORM_FIELDS
        widgets = {
            "received_date": date_input(),
            "copy_date": date_input(),
            "stated_birth_date": date_input(),
            "stated_work_start_date": date_input(),
            "stated_party_join_date": date_input(),
        }

    def __init__(self, *args, editing_filed: bool = False, with_received: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        self.fields["kind"].queryset = MaterialKind.objects.filter(is_active=True).select_related("category")
        self.fields["kind"].empty_label = "（请选择，选择后自动带出类别）"
        self.fields["category"].empty_label = "（请选择）"
        if not with_received:
            del self.fields["received_date"]
        else:
            self.fields["received_date"].initial = datetime.date.today()
            self.fields["received_date"].required = True
        if editing_filed:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = "已归档材料的修改将保留原值并生成新版本。"
        else:
            del self.fields["reason"]
        self.fields["title"].widget.attrs["placeholder"] = "如：2023年度公务员年度考核登记表"
        self.fields["formed_month"].widget.attrs["placeholder"] = "月"
        self.fields["formed_day"].widget.attrs["placeholder"] = "日"
        self._style()

    def _post_clean(self):
        pass

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class BatchForm(BootstrapMixin, forms.Form):
    producing_unit = forms.CharField(label="送交单位", max_length=100)
    delivered_by = forms.CharField(label="送交人", max_length=50, required=False)
    received_date = forms.DateField(label="接收日期", widget=date_input())
    holding_unit = forms.ModelChoiceField(label="接收单位", queryset=Unit.objects.none())
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, holding_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holding_unit"].queryset = (
            holding_units if holding_units is not None else Unit.objects.none()
        )
        if holding_units is not None and holding_units.count() == 1:
            self.fields["holding_unit"].initial = holding_units.first()
        self.fields["received_date"].initial = datetime.date.today()
        self.fields["producing_unit"].widget.attrs["placeholder"] = "如：青山市财政局"
        self._style()


class BatchItemForm(BootstrapMixin, forms.Form):
    archive_no = forms.CharField(label="档号", max_length=40)
    kind = KindChoiceField(label="材料种类", queryset=MaterialKind.objects.none(), required=False)
    category = CategoryChoiceField(label="类别", queryset=MaterialCategory.objects.none())
    title = forms.CharField(label="材料名称", max_length=200)
    formed_year = forms.IntegerField(label="年", min_value=1900, max_value=2100)
    formed_month = forms.IntegerField(label="月", min_value=1, max_value=12, required=False)
    formed_day = forms.IntegerField(label="日", min_value=1, max_value=31, required=False)
    page_count = forms.IntegerField(label="页数", min_value=1)
    is_copy = forms.BooleanField(label="复印件", required=False)
    copy_date = forms.DateField(label="复制时间", required=False, widget=date_input())
    copy_sealed_by = forms.CharField(label="盖章单位", max_length=100, required=False)
    remarks = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        self.fields["category"].empty_label = "（请选择）"
        self.fields["kind"].queryset = MaterialKind.objects.filter(is_active=True).select_related("category")
        self.fields["kind"].empty_label = "（选择种类自动带出类别）"
        self.fields["archive_no"].widget.attrs.update(
            list="archive-options", autocomplete="off", placeholder="档号或姓名拼音"
        )
        self._style()


BatchItemFormSet = forms.formset_factory(BatchItemForm, extra=1, min_num=1, validate_min=True, max_num=200)


class ReturnForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class WithdrawForm(BootstrapMixin, forms.Form):
    approver = forms.ModelChoiceField(label="批准人（审批人）", queryset=User.objects.none())
    reason = forms.CharField(label="撤出原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, approvers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers if approvers is not None else User.objects.none()
        self.fields["approver"].label_from_instance = lambda u: u.display_name
        self._style()


class _LeftToTheRule:
    """Marked as required on the page, but an empty value reaches the service, whose rule names what is missing
    (销毁登记: one message per missing approval or witness, in one place)."""

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class _RuleCharField(_LeftToTheRule, forms.CharField):
    pass


class _RuleModelChoiceField(_LeftToTheRule, forms.ModelChoiceField):
    pass


class DestroyForm(BootstrapMixin, forms.Form):
    """销毁登记: the 审批人 who approved, the two witnesses (二人监销), the date and the reason."""

    approver = _RuleModelChoiceField(label="批准人（审批人）", queryset=User.objects.none())
    witness_1 = _RuleCharField(label="监销人一", max_length=rules.WITNESS_NAME_MAX)
    witness_2 = _RuleCharField(label="监销人二", max_length=rules.WITNESS_NAME_MAX)
    destruction_date = forms.DateField(
        label="销毁日期",
        widget=date_input(),
        error_messages={"required": "请填写销毁日期（实际监销的日期）。", "invalid": "销毁日期格式不正确。"},
    )
    reason = _RuleCharField(label="销毁原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = {"witnesses.1": "witness_1", "witnesses.2": "witness_2"}

    def __init__(self, *args, approvers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers if approvers is not None else User.objects.none()
        self.fields["approver"].label_from_instance = lambda u: u.display_name
        self.fields["witness_1"].widget.attrs["placeholder"] = "姓名"
        self.fields["witness_2"].widget.attrs["placeholder"] = "姓名"
        self.fields["reason"].widget.attrs["placeholder"] = "如：重复材料、草稿、与本人无关的材料"
        self._style()

    def witnesses(self) -> list[str]:
        return [self.cleaned_data.get("witness_1", ""), self.cleaned_data.get("witness_2", "")]

    def apply_error(self, exc: DomainError) -> None:
        """The rule names witnesses.1 / witnesses.2; show each message next to its field."""
        for violation in exc.violations:
            name = self.FIELDS.get(violation.field or "", violation.field)
            self.add_error(name if name in self.fields else None, violation.message)


class UploadForm(forms.Form):
    first_number = forms.IntegerField(label="起始页码", min_value=1, required=False)


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="名册文件（.xlsx）")
    holding_unit = forms.ModelChoiceField(label="保管单位", queryset=Unit.objects.none())
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)

    def __init__(self, *args, holding_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holding_unit"].queryset = (
            holding_units if holding_units is not None else Unit.objects.none()
        )
        if holding_units is not None and holding_units.count() == 1:
            self.fields["holding_unit"].initial = holding_units.first()
        self.fields["file"].widget.attrs["accept"] = ".xlsx"
        self._style()


def reviewers_queryset(exclude=None):
    qs = User.objects.filter(groups__name=REVIEWER, is_active=True).select_related("unit")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("unit__path", "full_name")


def clerk_queryset():
    return User.objects.filter(groups__name=CLERK, is_active=True)
