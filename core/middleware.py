from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from core import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9\-_.]{8,64}$")


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the peer. Behind the project's nginx (docker-compose) the proxy sets X-Real-IP.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        real = request.META.get("HTTP_X_REAL_IP")
        if real:
            return real.strip()[:45]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give every request an id (or keep a well-formed X-Request-ID) and expose it to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(
            context.RequestInfo(
                request_id=request_id,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                path=request.path[:300],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class IdleSessionTimeoutMiddleware:
    """Log a user out after SESSION_IDLE_TIMEOUT without a request (default 30 minutes)."""

    KEY = "last_activity"
    WRITE_EVERY_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(self.KEY)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            if last is not None and now - float(last) > idle:
                from accounts.services import session_expired

                session_expired(user=user)
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "code": "SESSION_EXPIRED",
                            "message": "长时间未操作，登录已失效，请重新登录。",
                            "field": None,
                        },
                        status=401,
                    )
                messages.info(request, f"您已超过 {int(idle // 60)} 分钟未操作，系统已自动退出，请重新登录。")
                target = reverse(settings.LOGIN_URL)
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
            if last is None or now - float(last) > self.WRITE_EVERY_SECONDS:
                request.session[self.KEY] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django 5.2 does not set itself: a Content-Security-Policy (every asset is local)."""

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RejectNulMiddleware:
    """A NUL character in the path, the query string or a submitted form is refused with a clear 400: PostgreSQL
    text cannot hold one, so letting it reach a lookup, a search, a saved reason or the audit log's copy of the
    path would end in a 500. (JSON bodies are the API serializers' business: DRF refuses NUL in text fields.)"""

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    MESSAGE = "请求中含有不允许的控制字符（NUL），请检查后重试。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._nul_field(request)
        if field is not False:
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "INVALID_CHARACTERS", "message": self.MESSAGE, "field": field}, status=400
                )
            return render(request, "400.html", {"message": self.MESSAGE}, status=400)
        return self.get_response(request)

    @staticmethod
    def _nul_field(request):
        """False when clean; otherwise the offending parameter's or form field's name (None for the path)."""
        if "\x00" in request.path:
            return None
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            for key, values in request.GET.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return key.replace("\x00", "")[:100] or None
        if request.method == "POST" and request.content_type in RejectNulMiddleware.FORM_TYPES:
            # Parsed here rather than in the view (Django keeps the result; DRF reuses it). A malformed body
            # raises as it would in the view, and Django answers 400.
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return key.replace("\x00", "")[:100] or None
        return False
