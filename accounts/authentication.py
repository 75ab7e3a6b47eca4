"""How a request's user is loaded: with their unit in the same query.

Every page shows the user's unit in its header and every audit event copies the unit's name, so the session
backend and the API token authentication fetch the user joined with the unit instead of one more query later.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from rest_framework import authentication, exceptions


class UserBackend(ModelBackend):
    """Django's ModelBackend (passwords, is_active), loading the session's user with their unit."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token <key>`, loading the user with their unit."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user", "user__unit").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("无效的令牌。")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用或已被删除。")
        return (token.user, token)
