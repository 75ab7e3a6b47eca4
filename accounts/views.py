from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.generic import ListView

from accounts import services
from accounts.forms import LoginForm, UserRolesForm
from accounts.models import User
from accounts.permissions import RoleRequiredMixin, role_required
from accounts.roles import ALL_ROLES, SECURITY_ADMIN
from core.errors import DomainError


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            lockout_threshold=settings.LOGIN_LOCKOUT_THRESHOLD,
            lockout_minutes=int(settings.LOGIN_LOCKOUT_DURATION.total_seconds() // 60),
            idle_minutes=int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60),
        )
        return context


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "您已安全退出。")
        return response


class UserRolesListView(RoleRequiredMixin, ListView):
    """安全保密管理员: users and their roles."""

    roles = (SECURITY_ADMIN,)
    template_name = "accounts/user_roles.html"
    paginate_by = 30

    def get_queryset(self):
        qs = User.objects.select_related("unit").prefetch_related("groups").order_by("unit__path", "username")
        q = self.request.GET.get("q", "").strip()
        if q:
            qs = qs.filter(Q(username__startswith=q) | Q(full_name__startswith=q))
        role = self.request.GET.get("role", "")
        if role:
            qs = qs.filter(groups__name=role)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            query_string=params.urlencode(),
            all_roles=ALL_ROLES,
            q=self.request.GET.get("q", ""),
            role=self.request.GET.get("role", ""),
        )
        return context


@role_required(SECURITY_ADMIN)
def user_roles_edit(request, pk):
    target = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    current = sorted(target.groups.values_list("name", flat=True))
    if request.method == "POST":
        form = UserRolesForm(request.POST)
        if form.is_valid():
            try:
                services.user_set_roles(user=target, roles=form.cleaned_data["roles"], by=request.user)
            except DomainError as exc:
                form.add_error("roles", exc.message)
            else:
                messages.success(request, f"已更新 {target.get_full_name()} 的角色。")
                return redirect("accounts:user-roles")
    else:
        form = UserRolesForm(initial={"roles": current})
    return render(
        request, "accounts/user_roles_edit.html", {"target": target, "form": form, "current": current}
    )
