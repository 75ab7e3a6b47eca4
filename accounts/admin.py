from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts.forms import GroupsSeparationMixin
from accounts.models import Unit, User, UserRelative

admin.site.site_header = "干部人事档案管理系统 · 系统管理"
admin.site.site_title = "干部人事档案管理系统"
admin.site.index_title = "系统管理"


class SeparatedUserChangeForm(GroupsSeparationMixin, UserChangeForm):
    pass


class SeparatedUserCreationForm(GroupsSeparationMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name")


class UserRelativeInline(admin.TabularInline):
    model = UserRelative
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = SeparatedUserChangeForm
    add_form = SeparatedUserCreationForm
    list_display = ("username", "full_name", "unit", "post", "political_status", "is_active")
    list_filter = ("is_active", "groups", "political_status", "unit__level")
    search_fields = ("username", "full_name", "id_number")
    ordering = ("username",)
    autocomplete_fields = ("unit",)
    filter_horizontal = ("groups", "served_units", "user_permissions")
    inlines = [UserRelativeInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "个人信息",
            {"fields": ("full_name", "unit", "post", "political_status", "id_number", "phone", "email")},
        ),
        ("角色与权限", {"fields": ("is_active", "is_staff", "groups", "served_units")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        # Roles are assigned by the security admin on the role page (三员分立); only a superuser edits them here.
        if not request.user.is_superuser:
            readonly += ["groups", "is_staff"]
        return readonly


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "kind", "holds_archives", "parent", "is_active")
    list_filter = ("level", "kind", "holds_archives", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)

    def has_delete_permission(self, request, obj=None):
        return False
