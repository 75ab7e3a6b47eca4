"""Celery tasks for completeness checks, the nightly sweep and fixity (listed in config/celery.py imports).

Thin and idempotent: each calls archives.completeness / archives.sweep / archives.fixity. Task names follow the
routes in settings.CELERY_TASK_ROUTES: sweep_* and fixity_* go to the slow queue, the one-archive check to fast.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="archives.tasks.check_completeness",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def check_completeness(archive_id: int) -> dict | None:
    """Enqueued on commit whenever an archive's materials change: compute and store its report."""
    from archives.completeness import check_archive

    result = check_archive(int(archive_id))
    if result is None:
        return None
    return {
        "archive_id": result["archive_id"],
        "is_complete": result["is_complete"],
        "missing_count": result["missing_count"],
        "score": str(result["score"]),
    }


@shared_task(
    name="archives.tasks.check_completeness_many",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def check_completeness_many(archive_ids: list[int]) -> int:
    """Enqueued instead of many single checks when one transaction touched many archives (imports, seeding)."""
    from archives.sweep import check_many

    return check_many(archive_ids)


@shared_task(name="archives.tasks.sweep_completeness", bind=True, max_retries=12)
def sweep_completeness(self, trigger: str = "beat") -> dict:
    """Nightly (beat) and after a rule change: plan (or resume) a sweep and hand each chunk to a worker."""
    from archives.sweep import SweepBusy, run_sweep

    try:
        run = run_sweep(trigger=trigger, dispatch=_dispatch_chunk)
    except SweepBusy as exc:
        if trigger == "beat":
            return {"status": "busy"}
        raise self.retry(exc=exc, countdown=300)
    return {
        "run": run.pk,
        "status": run.status,
        "chunks": run.chunks_total,
        "archives": run.archives_checked,
        "changed": run.reports_changed,
    }


def _dispatch_chunk(run_id: int, seq: int) -> None:
    sweep_completeness_chunk.delay(run_id, seq)


@shared_task(
    name="archives.tasks.sweep_completeness_chunk",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def sweep_completeness_chunk(run_id: int, seq: int) -> dict | None:
    """One chunk of a sweep (idempotent: a chunk already done is skipped)."""
    from archives.sweep import run_chunk

    done = run_chunk(int(run_id), int(seq))
    return None if done is None else {"run": run_id, "seq": seq, "archives": done[0], "changed": done[1]}


@shared_task(name="archives.tasks.fixity_verify_pages", ignore_result=False)
def fixity_verify_pages(batch_size: int | None = None) -> dict:
    """Periodic: re-hash the next batch of stored page files; at the end of a cycle, look for orphan files."""
    from archives.fixity import verify_next_batch

    return verify_next_batch(batch_size=batch_size)


@shared_task(name="archives.tasks.fixity_structure")
def fixity_structure() -> dict:
    """Nightly: materials whose page images differ from their page count, and orphan files in storage."""
    from archives.fixity import check_structure

    return check_structure()
