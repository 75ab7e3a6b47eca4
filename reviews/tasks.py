"""Celery tasks of the pre-appointment review: thin and idempotent, enqueued on commit."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="reviews.refresh_case_flags", queue="fast", acks_late=True)
def refresh_case_flags(case_id: int) -> dict | None:
    """Re-run the red-flag checks of one open case (after a determination was approved, for example).

    Idempotent: running it twice gives the same flags. A closed or missing case is left alone.
    """
    from reviews import services
    from reviews.models import CaseStatus, ReviewCase

    case = ReviewCase.objects.filter(pk=case_id).exclude(status=CaseStatus.CLOSED).first()
    if case is None:
        return None
    return services.case_run_checks(case=case, by=None)


def on_determination_approved(sender, determination, **kwargs) -> None:
    """Signal receiver (sent on commit): refresh the flags of the cadre's open cases in the background."""
    from reviews.services import open_cases_of_cadre

    for case_id in open_cases_of_cadre(determination.cadre_id):
        try:
            refresh_case_flags.delay(case_id)
        except Exception:  # broker outage: the approval is committed; refresh here rather than lose it
            log.warning("could not enqueue the flag refresh of case %s: running it in-process", case_id)
            try:
                refresh_case_flags(case_id)
            except Exception:
                log.exception("flag refresh of case %s failed", case_id)
