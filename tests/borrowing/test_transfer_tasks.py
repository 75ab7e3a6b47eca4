"""The daily receipt sweep as a Celery task: in-process (eager) and through a real worker on Redis; and its entry in
the beat schedule."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from borrowing.models import Transfer
from borrowing.transfers import tasks
from config.celery import app


def _overdue(tkit) -> Transfer:
    t = tkit.sent()
    Transfer.objects.filter(pk=t.pk).update(sent_on=timezone.localdate() - datetime.timedelta(days=45))
    return t


def test_beat_runs_the_receipt_sweep_every_morning():
    entry = app.conf.beat_schedule["transfer-receipt-overdue"]
    assert entry["task"] == tasks.receipt_overdue_sweep.name
    assert entry["schedule"].hour == {7}


@pytest.mark.django_db
def test_task_in_process_marks_once(tkit):
    t = _overdue(tkit)
    assert tasks.receipt_overdue_sweep.delay().get(timeout=10) == 1
    assert tasks.receipt_overdue_sweep.delay().get(timeout=10) == 0
    assert Transfer.objects.get(pk=t.pk).receipt_overdue_at is not None


@pytest.mark.redis
def test_task_through_a_real_worker(celery_worker, org):
    from tests.borrowing.transfer_kit import build_kit

    tkit = build_kit(org)
    t = _overdue(tkit)
    assert tasks.receipt_overdue_sweep.delay().get(timeout=60) == 1
    assert Transfer.objects.get(pk=t.pk).receipt_overdue_at is not None
    assert AuditEvent.objects.filter(action="transfer.receipt_overdue").count() == 1
