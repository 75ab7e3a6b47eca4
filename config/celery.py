"""Celery application.

With REDIS_URL set, tasks go to a Redis broker and run in a worker (`celery -A config worker`); without it
(`make run` on a bare machine) settings make them run eagerly in-process. The beat schedule lives here, in code.
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("cadre_archives")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules beyond each app's tasks.py.
app.conf.imports = ("archives.tasks_completeness", "archives.tasks_grants", "borrowing.transfers.tasks")

app.conf.beat_schedule = {
    # Seal new audit events into the hash chain.
    "audit-seal": {"task": "audit.tasks.seal_audit_chain", "schedule": 60.0},
    # Completeness of every archive, set-based and resumable (archives/sweep.py), every night.
    "completeness-sweep": {
        "task": "archives.tasks.sweep_completeness",
        "schedule": crontab(hour=2, minute=30),
    },
    # Fixity: re-hash the next batch of page files (FIXITY_BATCH_PAGES) every ten minutes, and check page
    # counts and orphan files every night (archives/fixity.py).
    "fixity-pages": {"task": "archives.tasks.fixity_verify_pages", "schedule": crontab(minute="*/10")},
    "fixity-structure": {"task": "archives.tasks.fixity_structure", "schedule": crontab(hour=3, minute=30)},
    # Overdue loans and reading-room check-outs (reminder, second reminder, escalation) and expired windows.
    "borrowing-daily-sweep": {"task": "borrowing.tasks.daily_sweep", "schedule": crontab(hour=7, minute=30)},
    # Transfers sent without a receipt after RECEIPT_CHASE_DAYS: 回执逾期，应催问 on the clerk's home page.
    "transfer-receipt-overdue": {
        "task": "borrowing.transfers.tasks.receipt_overdue_sweep",
        "schedule": crontab(hour=7, minute=40),
    },
    # Completeness checks and scan renditions enqueued on commit but lost to a broker outage: enqueue them again
    # once they have waited TASK_RECOVERY_MINUTES (archives/recovery.py).
    "archives-requeue-lost-work": {
        "task": "archives.tasks.requeue_lost_work",
        "schedule": crontab(minute="*/5"),
    },
    # Delete grant rows whose window has closed (the policy ignores them already; this keeps the table small).
    "grants-purge-expired": {"task": "archives.tasks.purge_expired_grants", "schedule": crontab(minute=17)},
}


@celeryd_init.connect
@beat_init.connect
def _require_secret_key(**kwargs):
    """A worker or beat without SECRET_KEY (DEBUG off) stops at start-up, as the web server does. (Celery logs
    and swallows an exception raised by a signal receiver: SystemExit is what stops the process.)"""
    from django.core.exceptions import ImproperlyConfigured

    from config.secret import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from exc


# Every periodic task of the system, in one place. Times are Asia/Shanghai.
__all__ = ["app", "crontab"]
