"""Per-request context (request id, client address, user agent) for the audit log.

Set by core.middleware.RequestContextMiddleware; read by audit.services.record so that services need not pass
the request down. Outside a request (tasks, commands) the values are empty.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    path: str = ""


_EMPTY = RequestInfo()
_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("request_info", default=None)


def current() -> RequestInfo:
    return _current.get() or _EMPTY


def set_current(info: RequestInfo):
    return _current.set(info)


def reset(token) -> None:
    _current.reset(token)
