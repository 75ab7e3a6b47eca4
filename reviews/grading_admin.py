"""Admin pages of the grading sheet (系统管理员): the 100-point items and the veto items.

Rows are rule data, not archive content (三员分立 holds). They are never deleted (gradings keep their own copy of the
sheet as it stood; a row no longer used is switched off), every change is audited, and the page says when the
active items no longer total 100 points.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import Sum

from audit.services import record
from reviews.models import GradingItem, GradingVetoItem


class GradingItemForm(forms.ModelForm):
    class Meta:
        model = GradingItem
        fields = ("number", "code", "standard", "method", "weight", "is_active")

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight <= 0 or weight > 100:
            raise forms.ValidationError("分值须大于0且不超过100。")
        if weight != weight.quantize(Decimal("0.1")):
            raise forms.ValidationError("分值最多保留一位小数。")
        return weight


def _total() -> Decimal:
    return GradingItem.objects.filter(is_active=True).aggregate(total=Sum("weight"))["total"] or Decimal(0)


class GradingItemAdmin(admin.ModelAdmin):
    form = GradingItemForm
    list_display = ("number", "short_standard", "method", "weight", "is_active")
    list_display_links = ("number", "short_standard")
    list_filter = ("is_active",)
    search_fields = ("standard", "code")
    ordering = ("number", "id")

    @admin.display(description="评分标准")
    def short_standard(self, obj):
        return obj.standard if len(obj.standard) <= 40 else obj.standard[:40] + "…"

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        total = _total()
        if total != 100:
            messages.warning(request, f"启用的评分标准分值合计为{total}分，不是100分，请核对。")
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "grading.sheet_changed",
            target=obj,
            details={
                "changed": form.changed_data,
                "number": obj.number,
                "weight": obj.weight,
                "active": obj.is_active,
            },
        )
        total = _total()
        if total != 100:
            messages.warning(request, f"启用的评分标准分值合计为{total}分，不是100分。")


class GradingVetoItemAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "is_active")
    list_filter = ("is_active",)
    ordering = ("number", "id")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "grading.sheet_changed",
            target=obj,
            details={"changed": form.changed_data, "veto": obj.name, "active": obj.is_active},
        )


def register() -> None:
    for model, model_admin in ((GradingItem, GradingItemAdmin), (GradingVetoItem, GradingVetoItemAdmin)):
        if not admin.site.is_registered(model):
            admin.site.register(model, model_admin)
