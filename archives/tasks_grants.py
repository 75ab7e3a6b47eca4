"""Celery tasks for per-archive grants (listed in config/celery.py imports; scheduled by beat).

The access policy compares every grant with the clock on every request, so an expired grant stops working the
moment its window closes. This task only removes the dead rows afterwards, so the grant tables stay small.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="archives.tasks.purge_expired_grants",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def purge_expired_grants() -> int:
    """Delete grant rows whose valid_until has passed. Idempotent: a second run finds nothing to delete."""
    from archives.grants import grants_purge_expired

    return grants_purge_expired()
