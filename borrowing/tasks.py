"""Celery tasks of viewing and borrowing. Thin and idempotent: they call borrowing.services.

`borrowing.tasks.daily_sweep` runs every morning (beat, config/celery.py): it writes the due-date reminders, the
second reminders and the escalations to the approvers for paper still out, and marks as expired the requests
whose window has ended. Nothing depends on it having run: the access policy and the pages compare with the clock.
"""

from celery import shared_task

from borrowing import services


@shared_task(name="borrowing.tasks.daily_sweep", acks_late=True)
def daily_sweep() -> dict:
    """Overdue reminders and escalation, and expiry of ended windows (idempotent: run it as often as you like)."""
    return services.daily_sweep()
