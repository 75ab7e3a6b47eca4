"""Celery tasks of the archives app (scan renditions and other archive work). Thin: they call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="archives.tasks.render_page_renditions", acks_late=True)
def render_page_renditions(page_ids: list[int]) -> dict[str, str]:
    """Display rendition (DISPLAY_MAX_SIDE) and thumbnail (THUMB_MAX_SIDE) of freshly uploaded pages.

    Idempotent: a page whose renditions exist is skipped, a half-done page is done again.
    """
    from archives.services import page_make_renditions

    return {str(pk): page_make_renditions(pk) for pk in page_ids}


@shared_task(name="archives.tasks.requeue_lost_work")
def requeue_lost_work(older_than_minutes: float | None = None) -> dict[str, int]:
    """Every five minutes (beat): enqueue again the completeness checks and scan renditions that a broker
    outage lost (archives/recovery.py)."""
    from archives.recovery import requeue_lost_work as requeue

    return requeue(older_than_minutes=older_than_minutes)
