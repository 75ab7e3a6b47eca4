"""Read-only admin views of viewing and borrowing: every change goes through borrowing.services (so through the
rules and the audit log); the admin can neither approve a request nor edit its status."""

from django.contrib import admin

from borrowing.models import (
    AccessRequest,
    AccessRequestSubject,
    AccessRequestViewer,
    Approval,
    Checkout,
    CopyRecord,
    OverdueNotice,
    ReturnIncident,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewerInline(admin.TabularInline):
    model = AccessRequestViewer
    extra = 0
    can_delete = False
    fields = ["name", "unit_name", "post", "political_status", "id_number", "user"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SubjectInline(admin.TabularInline):
    model = AccessRequestSubject
    extra = 0
    can_delete = False
    fields = ["archive", "scope_all"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    can_delete = False
    fields = ["level", "decision", "reviewer_name", "opinion", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "status",
        "mode",
        "requesting_unit_name",
        "purpose",
        "start_at",
        "end_at",
        "created_at",
    ]
    list_filter = ["status", "mode"]
    search_fields = ["number", "requesting_unit_name"]
    inlines = [ViewerInline, SubjectInline, ApprovalInline]


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ["archive", "kind", "status", "out_at", "due_at", "returned_at"]
    list_filter = ["kind", "status"]


@admin.register(ReturnIncident)
class ReturnIncidentAdmin(ReadOnlyAdmin):
    list_display = ["archive", "status", "summary", "opened_at", "resolved_at"]
    list_filter = ["status"]


@admin.register(CopyRecord)
class CopyRecordAdmin(ReadOnlyAdmin):
    list_display = ["request", "material", "kind", "pages", "page_count", "recipient", "made_at"]


@admin.register(OverdueNotice)
class OverdueNoticeAdmin(ReadOnlyAdmin):
    list_display = ["checkout", "stage", "days_overdue", "created_at"]
    list_filter = ["stage"]
