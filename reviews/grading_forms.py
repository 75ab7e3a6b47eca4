"""Forms of the grading pages: parse and present only (the rules are in reviews/grading.py, enforced by
reviews/grading_services.py)."""

from __future__ import annotations

from django import forms

from accounts.models import Unit
from archives.forms import BootstrapMixin, date_input


class _Form(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class GradingForm(_Form):
    submitting_unit = forms.ModelChoiceField(label="报送单位", queryset=Unit.objects.none())
    post = forms.CharField(label="新任职务", max_length=200)
    appointed_on = forms.DateField(label="任职时间", widget=date_input())
    submitted_on = forms.DateField(label="档案报送时间", widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submitting_unit"].queryset = Unit.objects.filter(is_active=True).order_by("path")


class ReasonForm(_Form):
    reason = forms.CharField(label="意见", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(_Form):
    returned_on = forms.DateField(label="退回日期", widget=date_input())
    reason = forms.CharField(label="退回原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
