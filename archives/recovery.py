"""Re-enqueue background work that a broker outage lost.

Two kinds of task are enqueued after a commit for one object and have no periodic task of their own behind
them: the completeness check of an archive (archives/signals_completeness.py) and the renditions of freshly
uploaded scan pages (archives.services.pages_upload). When Redis is down, or restarted without persistence
before a worker took the message, the change is committed but its task is gone. Each leaves a trace in the
database, so nothing needs to be remembered outside it:

- a completeness report whose `requested_at` is later than its `computed_at` (enqueue sets it before
  publishing), or an archive with no report at all;
- a page whose `rendition_status` is still 待生成.

`requeue_lost_work` (beat task `archives.tasks.requeue_lost_work`, every five minutes) enqueues those that have
waited longer than settings.TASK_RECOVERY_MINUTES. The tasks are idempotent, so a task that was only slow and
runs twice does no harm. Everything else the workers do is periodic (beat) and catches up by itself: the audit
seal, the nightly sweep, fixity, overdue loans and receipts, grant clean-up.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from archives.models import Archive, CompletenessReport, Page

log = logging.getLogger(__name__)

PAGES_PER_TASK = 50


def _cutoff(older_than_minutes: float | None) -> datetime.datetime:
    minutes = settings.TASK_RECOVERY_MINUTES if older_than_minutes is None else older_than_minutes
    return timezone.now() - datetime.timedelta(minutes=float(minutes))


def lost_completeness_checks(*, older_than_minutes: float | None = None, limit: int = 5000) -> list[int]:
    """Archives whose check was requested before the cutoff and not computed since, then archives registered
    before the cutoff that were never checked (oldest first, at most `limit`)."""
    cutoff = _cutoff(older_than_minutes)
    requested = list(
        CompletenessReport.objects.filter(requested_at__lte=cutoff, requested_at__gt=F("computed_at"))
        .order_by("requested_at")
        .values_list("archive_id", flat=True)[:limit]
    )
    never = list(
        Archive.objects.filter(completeness__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[: max(0, limit - len(requested))]
    )
    return requested + never


def lost_renditions(*, older_than_minutes: float | None = None, limit: int = 5000) -> list[int]:
    """Pages uploaded before the cutoff whose renditions are still pending."""
    cutoff = _cutoff(older_than_minutes)
    return list(
        Page.objects.filter(rendition_status=Page.RenditionStatus.PENDING, uploaded_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def requeue_lost_work(*, older_than_minutes: float | None = None) -> dict[str, int]:
    """Enqueue again the completeness checks and renditions that have waited too long. -> counts."""
    from archives.signals_completeness import enqueue
    from archives.tasks import render_page_renditions

    archive_ids = lost_completeness_checks(older_than_minutes=older_than_minutes)
    if archive_ids:
        enqueue(set(archive_ids))  # marks requested_at = now again: the next round waits another period
    page_ids = lost_renditions(older_than_minutes=older_than_minutes)
    for start in range(0, len(page_ids), PAGES_PER_TASK):
        render_page_renditions.delay(page_ids[start : start + PAGES_PER_TASK])
    if archive_ids or page_ids:
        log.warning(
            "re-enqueued %s completeness checks and the renditions of %s pages",
            len(archive_ids),
            len(page_ids),
        )
    return {"archives": len(archive_ids), "pages": len(page_ids)}
