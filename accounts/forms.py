from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts import services
from accounts.roles import ALL_ROLES
from accounts.rules import check_roles
from core.errors import DomainError


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            try:
                self.user_cache = services.authenticate_with_lockout(self.request, username, password)
            except DomainError as exc:
                raise forms.ValidationError(exc.message, code=exc.code)
        return self.cleaned_data


class RolesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[(r, r) for r in ALL_ROLES], widget=forms.CheckboxSelectMultiple, required=False, **kwargs
        )


class UserRolesForm(forms.Form):
    roles = RolesField(label="角色")

    def clean_roles(self):
        roles = self.cleaned_data["roles"]
        errors = [v.message for v in check_roles(roles)]
        if errors:
            raise forms.ValidationError(errors)
        return roles


class GroupsSeparationMixin:
    """Admin user forms: refuse the three-role separation with the same rule the service uses."""

    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        if groups is not None:
            for violation in check_roles([g.name for g in groups]):
                if violation.code == "ROLE_SEPARATION":
                    self.add_error("groups", violation.message)
        return cleaned
