"""The completeness check and the sweep through a real Celery worker on Redis (not eager mode)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import transaction

from archives import sweep
from archives.models import CompletenessReport, SweepRun
from tests.archives.completeness_helpers import add, make_archive, only_rules

pytestmark = pytest.mark.redis


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("the worker did not produce the expected result in time")


def test_filing_a_material_is_checked_by_the_worker_within_seconds(celery_worker, org):
    from config.celery import app

    assert app.conf.broker_url.startswith("redis://") and not app.conf.task_always_eager
    only_rules("resume_1999", "annual_appraisal")
    with transaction.atomic():
        a = make_archive(org)
    first = wait_for(lambda: CompletenessReport.objects.filter(archive=a).first())
    assert not first.is_complete and first.source == "check"

    started = time.monotonic()
    with transaction.atomic():
        add(a, "resume_1999", 2011)
        for year in range(2011, 2030):
            add(a, "annual_appraisal", year)
    report = wait_for(
        lambda: CompletenessReport.objects.filter(archive=a, computed_at__gt=first.computed_at).first()
    )
    assert report.is_complete
    assert report.requested_at is not None and report.computed_at >= report.requested_at
    assert time.monotonic() - started < 10


def test_many_archives_in_one_transaction_go_as_one_set_based_task(celery_worker, org):
    only_rules("resume_1999")
    with transaction.atomic():
        archives = [make_archive(org) for _ in range(25)]
    wait_for(lambda: CompletenessReport.objects.filter(archive__in=archives).count() == 25)
    assert not CompletenessReport.objects.filter(archive__in=archives, is_complete=True).exists()


def test_the_nightly_sweep_runs_chunk_by_chunk_in_the_worker_and_resumes_after_a_crash(celery_worker, org):
    from archives.completeness import evaluate, gather, load_rules
    from archives.models import SweepChunk
    from archives.signals_completeness import paused
    from archives.tasks_completeness import sweep_completeness
    from tests.archives.completeness_helpers import random_archives

    cache.delete(sweep.LOCK_KEY)
    with paused():  # autocommit here: no check per saved material while building the data
        archives = random_archives(org, 12, seed=17)
    CompletenessReport.objects.all().delete()

    def crash(seq):
        if seq == 2:
            raise RuntimeError("worker killed in chunk 2")

    sweep.after_chunk_write = crash
    try:
        with override_chunk_size(3):
            result = sweep_completeness.apply_async(kwargs={"trigger": "test"}).get(timeout=60)
        assert result["chunks"] == 4
        run_id = result["run"]
        wait_for(lambda: SweepChunk.objects.filter(run_id=run_id, done_at__isnull=False).count() == 3)
        run = wait_for(lambda: SweepRun.objects.filter(pk=run_id, status=SweepRun.Status.FAILED).first())
        assert "第 2 批" in run.error
        assert CompletenessReport.objects.count() == 9  # chunk 2 rolled back whole
    finally:
        sweep.after_chunk_write = None

    again = sweep_completeness.apply_async(kwargs={"trigger": "test"}).get(timeout=60)
    assert again["run"] == run_id  # the same run continues: only chunk 2 is dispatched again
    run = wait_for(lambda: SweepRun.objects.filter(pk=run_id, status=SweepRun.Status.DONE).first())
    assert run.archives_checked == 12 and run.chunks_done == 4
    ruleset = load_rules()
    for a in archives:
        expected = evaluate(ruleset, gather(a.pk, ruleset))
        assert CompletenessReport.objects.get(archive=a).digest == expected["digest"]


class override_chunk_size:
    def __init__(self, size):
        self.size = size

    def __enter__(self):
        from django.conf import settings

        self.saved = settings.ARCHIVE_SETTINGS
        settings.ARCHIVE_SETTINGS = {**self.saved, "SWEEP_CHUNK_ARCHIVES": self.size}

    def __exit__(self, *exc):
        from django.conf import settings

        settings.ARCHIVE_SETTINGS = self.saved
