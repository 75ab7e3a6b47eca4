"""Celery task of transfers. Thin and idempotent: it calls borrowing.transfers.services.

`borrowing.transfers.tasks.receipt_overdue_sweep` runs every morning (beat, config/celery.py): a transfer sent more
than RECEIPT_CHASE_DAYS ago without a receipt is reported once as 回执逾期，应催问 (clerk's home panel, the
archive's history, the audit log). Running it again reports nothing twice.
"""

from celery import shared_task

from borrowing.transfers import services


@shared_task(name="borrowing.transfers.tasks.receipt_overdue_sweep", acks_late=True)
def receipt_overdue_sweep() -> int:
    return services.receipt_overdue_sweep()
