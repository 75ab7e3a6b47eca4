"""Forms of the transfer and intake desks. They parse and present input only: every rule is enforced by
borrowing/transfers/services.py and intake.py, whose DomainError is shown next to the field it names."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from accounts.models import ManagementLevel, Unit
from archives.forms import BootstrapMixin, date_input
from archives.models import Material, MaterialStatus
from borrowing.models import (
    ChaseMethod,
    IntakeChannel,
    IntakeQuality,
    TransferBasis,
    TransferChannel,
)
from core.choices import PoliticalStatus, Sex

REASON_SUGGESTIONS = ("调出", "提拔任职", "交流任职", "干部管理权限变更", "退休", "去世", "其他")


class _Form(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def holding_units():
    return Unit.objects.filter(is_active=True, holds_archives=True).order_by("path")


class TransferForm(_Form):
    basis_kind = forms.ChoiceField(
        label="依据文件类别", choices=[("", "请选择")] + TransferBasis.choices, required=False
    )
    basis_doc_no = forms.CharField(label="依据文件文号", max_length=60, required=False)
    basis_issuer = forms.CharField(label="发文机关", max_length=100, required=False)
    basis_date = forms.DateField(label="依据文件日期", required=False, widget=date_input())
    reason = forms.CharField(label="转递原因", max_length=100, required=False)
    to_unit = forms.ModelChoiceField(
        label="接收单位（本系统）",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="（系统外单位，在右侧填写名称）",
    )
    to_unit_name = forms.CharField(label="系统外接收单位名称", max_length=100, required=False)
    to_phone = forms.CharField(label="接收单位电话", max_length=30, required=False)
    channel = forms.ChoiceField(
        label="转递方式",
        choices=[("", "请选择")] + TransferChannel.choices,
        required=False,
        help_text="不得通过普通邮寄转递，不得由干部本人携带。",
    )
    tracking_no = forms.CharField(
        label="机要号", max_length=40, required=False, help_text="机要交通转出前须填写。"
    )
    collectors = forms.CharField(
        label="取档人员",
        max_length=200,
        required=False,
        help_text="专人送取须两人以上，姓名以顿号或逗号分隔。",
    )
    main_volumes = forms.IntegerField(label="正本（卷）", min_value=0, max_value=99)
    duplicate_volumes = forms.IntegerField(label="副本（卷）", min_value=0, max_value=99)
    loose_items = forms.IntegerField(label="材料（份）", min_value=0, max_value=999, initial=0)
    has_digital = forms.BooleanField(label="随转数字档案", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = holding_units()
        self.fields["reason"].widget.attrs["list"] = "reason-suggestions"

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["collectors"] = data.get("collectors") or ""
        return data


class ApproveForm(_Form):
    opinion = forms.CharField(label="审批意见", max_length=300, required=False, initial="同意转递。")


class ReasonForm(_Form):
    reason = forms.CharField(label="意见", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class SendForm(_Form):
    sent_on = forms.DateField(label="转出日期", widget=date_input())
    tracking_no = forms.CharField(label="机要号", max_length=40, required=False)
    collectors = forms.CharField(label="取档人员（两人以上）", max_length=200, required=False)


class ReceiptForm(_Form):
    recipient = forms.CharField(label="回执签收人", max_length=50)
    receipt_on = forms.DateField(label="签收日期", widget=date_input())
    scan = forms.FileField(label="回执扫描件（PDF、JPEG、PNG，可不传）", required=False)


class ReturnForm(_Form):
    returned_on = forms.DateField(label="退回日期", widget=date_input())
    reasons = forms.CharField(
        label="接收单位退回的原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ChaseForm(_Form):
    chased_on = forms.DateField(label="催问日期", widget=date_input())
    method = forms.ChoiceField(label="催问方式", choices=ChaseMethod.choices)
    contact = forms.CharField(label="对方联系人", max_length=50, required=False)
    note = forms.CharField(label="催问情况", max_length=300, required=False)


def today_initial() -> dict:
    today = timezone.localdate()
    return {"sent_on": today, "receipt_on": today, "returned_on": today, "chased_on": today}


# --- intake ---------------------------------------------------------------------------------------------------------


class IntakeForm(_Form):
    sending_unit_name = forms.CharField(label="来件单位", max_length=100, required=False)
    channel = forms.ChoiceField(
        label="来件方式", choices=[("", "请选择")] + IntakeChannel.choices, required=False
    )
    confidential_no = forms.CharField(label="机要号", max_length=40, required=False)
    courier = forms.CharField(label="来件人员", max_length=100, required=False)
    notice_number = forms.CharField(label="转递通知单字号", max_length=40, required=False)
    received_on = forms.DateField(label="收件日期", required=False, widget=date_input())
    stated_main = forms.IntegerField(label="通知单正本（卷）", min_value=0, max_value=99, required=False)
    stated_duplicate = forms.IntegerField(label="通知单副本（卷）", min_value=0, max_value=99, required=False)
    stated_loose = forms.IntegerField(label="通知单材料（份）", min_value=0, max_value=999, required=False)
    received_main = forms.IntegerField(label="实收正本（卷）", min_value=0, max_value=99, required=False)
    received_duplicate = forms.IntegerField(label="实收副本（卷）", min_value=0, max_value=99, required=False)
    received_loose = forms.IntegerField(label="实收材料（份）", min_value=0, max_value=999, required=False)
    seal_intact = forms.TypedChoiceField(
        label="档案袋封口",
        choices=[("1", "完好"), ("0", "不完好（已启封或破损）")],
        coerce=lambda v: v == "1",
        initial="1",
    )
    has_digital = forms.BooleanField(label="随转数字档案", required=False)
    quality = forms.ChoiceField(label="案卷质量", choices=[("", "—")] + IntakeQuality.choices, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    sex = forms.ChoiceField(label="性别", choices=[("", "—")] + Sex.choices, required=False)
    birth_date = forms.DateField(label="出生日期", required=False, widget=date_input())
    ethnicity = forms.CharField(label="民族", max_length=20, required=False, initial="汉族")
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    unit_post = forms.CharField(label="现工作单位及职务", max_length=200, required=False)
    political_status = forms.ChoiceField(
        label="政治面貌", choices=[("", "—")] + PoliticalStatus.choices, required=False
    )
    work_start_date = forms.DateField(label="参加工作时间", required=False, widget=date_input())
    party_join_date = forms.DateField(label="入党时间", required=False, widget=date_input())

    def __init__(self, *args, from_transfer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if from_transfer:
            # The sender's notice states these: shown, not typed again.
            for name in (
                "stated_main",
                "stated_duplicate",
                "stated_loose",
                "sending_unit_name",
                "notice_number",
            ):
                self.fields[name].disabled = True

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in self._disabled()}

    def _disabled(self) -> set[str]:
        return {name for name, field in self.fields.items() if field.disabled}


class AcceptForm(_Form):
    archive_no = forms.CharField(label="档号（新建档案）", max_length=40, required=False)
    cadre_unit = forms.ModelChoiceField(label="干部所在单位", queryset=Unit.objects.none(), required=False)
    management_level = forms.ChoiceField(
        label="管理层级", choices=[("", "—")] + ManagementLevel.choices, required=False
    )
    current_post = forms.CharField(label="现任职务", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre_unit"].queryset = Unit.objects.filter(is_active=True).order_by("path")


class IntakeReturnForm(_Form):
    note = forms.CharField(
        label="其他退回原因",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="数量不符、封口不完好会自动列为退回原因；材料涉嫌造假、认定有误等请在此写明。",
    )


class AlterationForm(_Form):
    material = forms.ModelChoiceField(
        label="材料（已登记的）",
        queryset=Material.objects.none(),
        required=False,
        empty_label="（未登记，在右侧填写）",
    )
    material_label = forms.CharField(label="材料（序号、名称）", max_length=200, required=False)
    field_name = forms.CharField(label="涂改项目", max_length=50, required=False)
    before_text = forms.CharField(label="涂改前内容", max_length=200, required=False)
    after_text = forms.CharField(label="涂改后内容", max_length=200, required=False)
    description = forms.CharField(label="涂改情况", max_length=300, required=False)

    def __init__(self, *args, archive=None, **kwargs):
        super().__init__(*args, **kwargs)
        if archive is not None:
            self.fields["material"].queryset = (
                Material.objects.filter(archive=archive)
                .exclude(status=MaterialStatus.WITHDRAWN)
                .select_related("category")
                .order_by("category__sort_order", "seq", "id")
            )
        self.fields["material"].label_from_instance = lambda m: f"{m.seq_label or m.category.label} {m.title}"
        self.fields["field_name"].widget.attrs["list"] = "alteration-fields"


class ReviewNoteForm(_Form):
    note = forms.CharField(label="审核说明", max_length=300, required=False)


class ConfirmForm(_Form):
    opinion = forms.CharField(
        label="确认意见", max_length=300, required=False, initial="经核实，涂改情况登记属实。"
    )
