"""Refuse to start a process that signs sessions, tokens or links without a SECRET_KEY (DEBUG off).

Called by config/wsgi.py and config/asgi.py (gunicorn, runserver) and by the Celery worker and beat at start-up
(config/celery.py). The settings module itself stays importable without the key (see config/settings.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MESSAGE = "SECRET_KEY 未设置：关闭 DEBUG 时必须提供 SECRET_KEY 环境变量。"


def require_secret_key() -> None:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty key
        key = ""
    if not key:
        raise ImproperlyConfigured(MESSAGE)
