"""The set-based nightly sweep: same reports as the one-archive check, chunked, idempotent, resumable."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from archives import sweep
from archives.completeness import check_archive, evaluate, gather, load_rules
from archives.models import Archive, CompletenessReport, SweepRun
from tests.archives.completeness_helpers import add, make_archive, only_rules, random_archives

pytestmark = pytest.mark.django_db

REPORT_FIELDS = (
    "is_complete",
    "has_veto",
    "score",
    "expected_count",
    "missing_count",
    "veto_count",
    "items",
    "rules_version",
    "digest",
)


def stored() -> dict[int, dict]:
    rows = CompletenessReport.objects.values("archive_id", *REPORT_FIELDS)
    return {row.pop("archive_id"): row for row in rows}


def one_by_one() -> dict[int, dict]:
    """The one-archive check (ORM path) for every archive, not stored."""
    ruleset = load_rules()
    return {
        pk: {k: v for k, v in evaluate(ruleset, gather(pk, ruleset)).items() if k in REPORT_FIELDS}
        for pk in Archive.objects.values_list("pk", flat=True)
    }


@pytest.fixture(autouse=True)
def _free_lock():
    cache.delete(sweep.LOCK_KEY)
    yield
    cache.delete(sweep.LOCK_KEY)
    sweep.after_chunk_write = None


def test_sweep_gives_exactly_the_one_archive_result_for_every_archive(org):
    archives = random_archives(org, 40)
    run = sweep.run_sweep(trigger="test", chunk_size=7)
    assert run.status == SweepRun.Status.DONE
    assert run.archives_checked == len(archives) and run.chunks_done == 6
    swept = stored()
    expected = one_by_one()
    assert set(swept) == set(expected)
    for pk, report in expected.items():
        assert swept[pk] == report, f"archive {pk} differs"
    # The data really exercises every rule kind (not 40 trivially complete archives).
    modes = {item["mode"] for r in swept.values() for item in r["items"]}
    assert modes == {"one", "per_year", "per_promotion", "per_education"}
    assert any(r["has_veto"] for r in swept.values())
    # And the stored one-archive check (check_archive) writes the same thing.
    for pk in list(expected)[:10]:
        check_archive(pk)
    assert {pk: r for pk, r in stored().items() if pk in list(expected)[:10]} == {
        pk: expected[pk] for pk in list(expected)[:10]
    }


def test_sweep_is_idempotent_and_only_rewrites_changed_reports(org):
    only_rules("resume_1999", "annual_appraisal")
    archives = [make_archive(org) for _ in range(5)]
    first = sweep.run_sweep(trigger="test", chunk_size=2)
    assert first.reports_changed == 5
    before = stored()
    second = sweep.run_sweep(trigger="test", chunk_size=2)
    assert second.pk != first.pk and second.reports_changed == 0 and second.archives_checked == 5
    assert stored() == before
    times = dict(CompletenessReport.objects.values_list("archive_id", "computed_at"))
    assert all(t >= second.started_at for t in times.values())  # checked again, just not rewritten

    add(archives[2], "resume_1999", 2010)
    third = sweep.run_sweep(trigger="test", chunk_size=2)
    assert third.reports_changed == 1
    assert stored()[archives[2].pk]["items"] != before[archives[2].pk]["items"]


class Crash(Exception):
    pass


def test_a_sweep_killed_half_way_and_run_again_gives_the_same_reports(org):
    archives = random_archives(org, 25, seed=5)
    ids = sorted(a.pk for a in archives)

    def crash_in_chunk_3(chunk_number):
        if chunk_number == 3:
            raise Crash("worker killed")

    sweep.after_chunk_write = crash_in_chunk_3
    with pytest.raises(Crash):
        sweep.run_sweep(trigger="test", chunk_size=4)
    run = SweepRun.objects.get()
    assert run.status == SweepRun.Status.FAILED and run.chunks_done == 2 and run.chunks_total == 7
    assert list(run.chunks.filter(done_at__isnull=False).values_list("seq", flat=True)) == [1, 2]
    assert "第 3 批" in run.error
    # Chunks 1 and 2 are stored whole; chunk 3 was rolled back: no half-written report.
    assert sorted(stored()) == ids[:8]

    sweep.after_chunk_write = None
    resumed = sweep.run_sweep(trigger="test", chunk_size=4)
    assert resumed.pk == run.pk  # the interrupted run continues where it stopped
    assert resumed.status == SweepRun.Status.DONE and resumed.archives_checked == 25
    assert resumed.chunks_done == 7
    assert stored() == one_by_one()

    # And a fresh, uninterrupted sweep agrees with the resumed one.
    CompletenessReport.objects.all().delete()
    sweep.run_sweep(trigger="test", chunk_size=10)
    assert stored() == one_by_one()


def test_check_many_reads_nearby_archives_together_and_matches_the_one_archive_check(org):
    archives = random_archives(org, 12, seed=9)
    chosen = [a.pk for a in archives[::2]]
    assert sweep.check_many(chosen, chunk_size=2) == 6
    assert set(stored()) == set(chosen)
    expected = one_by_one()
    assert all(stored()[pk] == expected[pk] for pk in chosen)
    assert sweep._segments([1, 2, 3, 50, 51, 400], 2) == [[1, 2], [3], [50, 51], [400]]


def test_an_old_interrupted_run_is_abandoned_not_resumed(org):
    only_rules("resume_1999")
    make_archive(org)
    old = SweepRun.objects.create(trigger="test", chunk_size=10, rules_version=load_rules().version)
    SweepRun.objects.filter(pk=old.pk).update(
        status=SweepRun.Status.FAILED,
        started_at=old.started_at - datetime.timedelta(days=2),
    )
    run = sweep.run_sweep(trigger="test")
    assert run.pk != old.pk and run.archives_checked == 1
    assert SweepRun.objects.get(pk=old.pk).status == SweepRun.Status.ABANDONED


def test_a_second_sweep_while_one_runs_is_refused(org):
    cache.add(sweep.LOCK_KEY, "other", 60)
    with pytest.raises(sweep.SweepBusy):
        sweep.run_sweep(trigger="test")
    cache.delete(sweep.LOCK_KEY)
    # A run whose chunks are being checked by workers (recent progress) is not started twice either.
    make_archive(org)
    run = sweep.run_sweep(trigger="test", dispatch=lambda run_id, seq: None)  # chunks handed out, not done
    assert run.status == SweepRun.Status.RUNNING and run.chunks_total == 1
    with pytest.raises(sweep.SweepBusy):
        sweep.run_sweep(trigger="test")
    # Without progress for STALE_SECONDS it is taken over and finished.
    SweepRun.objects.filter(pk=run.pk).update(
        heartbeat_at=run.heartbeat_at - datetime.timedelta(seconds=sweep.STALE_SECONDS + 1)
    )
    again = sweep.run_sweep(trigger="test")
    assert again.pk == run.pk and again.status == SweepRun.Status.DONE


def test_a_chunk_already_done_is_skipped_and_an_empty_sweep_finishes(org):
    run = sweep.run_sweep(trigger="test")
    assert run.status == SweepRun.Status.DONE and run.chunks_total == 0
    make_archive(org)
    run = sweep.run_sweep(trigger="test")
    assert sweep.run_chunk(run.pk, 1) is None  # done already: a redelivered task changes nothing
    assert SweepRun.objects.get(pk=run.pk).archives_checked == 1


def test_sweep_task_runs_in_process_in_eager_mode(org):
    from archives.tasks_completeness import sweep_completeness

    only_rules("resume_1999")
    a = make_archive(org)
    result = sweep_completeness.delay("test").get(timeout=10)
    assert result["archives"] == 1
    assert not CompletenessReport.objects.get(archive=a).is_complete


def test_beat_schedules_the_nightly_sweep_and_fixity():
    from config.celery import app

    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "archives.tasks.sweep_completeness",
        "archives.tasks.fixity_verify_pages",
        "archives.tasks.fixity_structure",
    } <= schedule
    routes = app.conf.task_routes or {}
    assert any(k == "archives.tasks.sweep_*" for k in routes)


def test_sweep_sql_reads_a_fixed_number_of_queries_per_chunk(org, django_assert_max_num_queries):
    random_archives(org, 12, seed=3)
    ruleset = load_rules()
    ids = sorted(Archive.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(7):
        facts = sweep.gather_chunk(ids[0], ids[-1], ruleset)
    assert len(facts) == 12


@pytest.mark.postgres
def test_sweep_on_postgresql_matches_the_one_archive_check(org):
    random_archives(org, 60, seed=23)
    run = sweep.run_sweep(trigger="test", chunk_size=16)
    assert run.archives_checked == 60
    assert stored() == one_by_one()


def test_management_command_runs_the_sweep(org):
    from io import StringIO

    from django.core.management import call_command

    only_rules("resume_1999")
    make_archive(org)
    out = StringIO()
    call_command("completeness_sweep", "--chunk-size", "5", stdout=out)
    assert "全量核查完成：1 份档案" in out.getvalue()
    assert SweepRun.objects.get().trigger == "command"
