"""WSGI entry point for the audit-overhead measurement only: the same application with audit writes skipped.

`audit.services.record` (and every module-level alias of it) is replaced by a stub that builds the event
without saving it, so that a request is timed with and without the one INSERT it adds. Never used outside
`python -m bench`.
"""

from __future__ import annotations

import sys

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()


def _patch() -> int:
    from django.urls import get_resolver

    import audit.services
    from audit.models import AuditEvent

    get_resolver().url_patterns  # noqa: B018  (imports every view module, so their aliases exist)
    real = audit.services.record

    def record(actor, action, **kwargs):
        return AuditEvent(action=action)

    patched = 0
    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "record", None) is real:
            module.record = record
            patched += 1
    return patched


PATCHED = _patch()
