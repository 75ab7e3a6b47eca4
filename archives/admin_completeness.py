"""Admin pages of the completeness rule set (系统管理员, through ROLE_MODEL_PERMISSIONS) and the sweep history.

Rules are data: the system admin adds, edits and switches them off here (never deletes: reports and excused years
refer to them). Every change is audited and schedules a full sweep after commit, so reports follow the rules.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from archives.models import CompletenessRule, RuleCountMode, SweepRun
from audit.services import record


class CompletenessRuleForm(forms.ModelForm):
    class Meta:
        model = CompletenessRule
        fields = [
            "code",
            "name",
            "description",
            "category",
            "kinds",
            "applies_to",
            "count_mode",
            "since_year",
            "until_year",
            "prior_year_months",
            "education_level",
            "degree_only",
            "foreign_only",
            "min_rank",
            "window_before_days",
            "window_after_days",
            "worked_before_year",
            "party_joined_before_year",
            "is_veto",
            "weight",
            "deduction",
            "is_active",
            "sort_order",
        ]

    def clean(self):
        data = super().clean()
        mode = data.get("count_mode")
        errors = {}
        since, until = data.get("since_year"), data.get("until_year")
        if since and until and since > until:
            errors["until_year"] = "截止年份不能早于起始年份。"
        if mode != RuleCountMode.PER_EDUCATION:
            for name in ("education_level", "degree_only", "foreign_only"):
                if data.get(name):
                    errors[name] = "仅“每段学历一份”的规则可设置此项。"
        if mode != RuleCountMode.PER_PROMOTION and data.get("min_rank"):
            errors["min_rank"] = "仅“每次提拔一份”的规则可设置此项。"
        if mode != RuleCountMode.PER_YEAR and data.get("prior_year_months"):
            errors["prior_year_months"] = "仅“每年一份”的规则可设置此项。"
        if data.get("prior_year_months") and data["prior_year_months"] > 11:
            errors["prior_year_months"] = "最多为 11 个月。"
        deduction, weight = data.get("deduction"), data.get("weight")
        if deduction is not None and deduction <= 0:
            errors["deduction"] = "每缺一项扣分须大于 0。"
        if weight is not None and deduction is not None and weight < deduction:
            errors["weight"] = "分值（最多扣分）不能小于每缺一项扣分。"
        if errors:
            raise forms.ValidationError(errors)
        return data


@admin.register(CompletenessRule)
class CompletenessRuleAdmin(admin.ModelAdmin):
    form = CompletenessRuleForm
    list_display = (
        "name",
        "code",
        "category_label",
        "applies_to",
        "count_mode",
        "is_veto",
        "weight",
        "deduction",
        "is_active",
        "sort_order",
    )
    list_display_links = ("name",)
    list_filter = ("is_active", "is_veto", "count_mode", "applies_to", "category")
    search_fields = ("name", "code", "description")
    filter_horizontal = ("kinds",)
    list_select_related = ("category",)
    ordering = ("sort_order", "id")
    actions = ["sweep_now", "activate", "deactivate"]
    fieldsets = (
        (
            "应有材料",
            {"fields": ("code", "name", "description", "category", "kinds", "is_active", "sort_order")},
        ),
        ("适用人员", {"fields": ("applies_to", "worked_before_year", "party_joined_before_year")}),
        (
            "应有数量",
            {
                "fields": (
                    "count_mode",
                    ("since_year", "until_year"),
                    "prior_year_months",
                    ("min_rank", "window_before_days", "window_after_days"),
                    ("education_level", "degree_only", "foreign_only"),
                ),
                "description": "每年一份：核查起始年份至上一年度；每次提拔：按提拔任职时间前后的认可期核对；"
                "每段学历：按“学历学位”记录所关联的证明材料核对。",
            },
        ),
        ("评分与否决", {"fields": ("is_veto", "weight", "deduction")}),
    )

    @admin.display(description="类别", ordering="category__sort_order")
    def category_label(self, obj):
        return obj.category.label

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off instead: reports and excused years refer to it

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "completeness.rule_change",
            target=obj,
            details={"code": obj.code, "created": not change, "fields": sorted(form.changed_data)},
        )

    @admin.action(description="立即对全部档案进行完整性全量核查")
    def sweep_now(self, request, queryset):
        from archives.services_completeness import start_sweep

        start_sweep(by=request.user)
        messages.success(request, "已安排全量核查，完成后各档案的完整性报告将按现行规则更新。")

    def _set_active(self, request, queryset, value: bool):
        for rule in queryset:
            if rule.is_active != value:
                rule.is_active = value
                rule.save(update_fields=["is_active", "updated_at"])
                record(
                    request.user,
                    "completeness.rule_change",
                    target=rule,
                    details={"code": rule.code, "fields": ["is_active"], "is_active": value},
                )

    @admin.action(description="启用所选规则")
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="停用所选规则")
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "status",
        "trigger",
        "archives_checked",
        "reports_changed",
        "chunks_done",
        "seconds",
    )
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in SweepRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
