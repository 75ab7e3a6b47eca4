"""Admin pages of the archives app.

Only rule tables live here (三员分立: the system admin maintains them but never sees archive content, so cadres,
archives, materials and pages have no admin page). Material kinds (材料种类) are what intake offers and what the
completeness rules match on: the system admin may rename, reorder or switch them off, never delete them.
"""

from django.contrib import admin

from archives import admin_completeness  # noqa: F401  (completeness rule set, sweep history)
from archives.models import MaterialCategory, MaterialKind
from audit.services import record


@admin.register(MaterialKind)
class MaterialKindAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "category", "is_active", "sort_order")
    list_filter = ("is_active", "category")
    search_fields = ("name", "code")
    ordering = ("category__sort_order", "sort_order", "id")
    list_select_related = ("category",)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            # A kind belongs to a leaf category (4 and 9 only through their sub-categories).
            from django.db.models import Q

            kwargs["queryset"] = MaterialCategory.objects.filter(
                Q(sub_number__isnull=False) | ~Q(number__in=(4, 9))
            ).order_by("sort_order")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "catalog.kind_changed",
            target=obj,
            details={"changed": form.changed_data, "name": obj.name, "active": obj.is_active},
        )
