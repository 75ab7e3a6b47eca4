"""The nightly completeness sweep of all archives: set-based SQL in chunks of archive ids, resumable, parallel.

A run is planned as chunks of consecutive archive ids (SweepChunk rows). For each chunk a fixed handful of
aggregate queries read the facts of all its archives at once (filed materials grouped by archive and kind with
their distinct formation years; promotion materials by archive, kind and date; materials linked to education
records), then `completeness.evaluate` (the same pure function as the one-archive check) turns them into
reports. A chunk commits in one transaction together with its done mark, so a sweep killed half-way leaves every
report whole, and starting it again checks only the chunks not done: the same reports as an uninterrupted run.
Reports whose content did not change only get their `computed_at` refreshed (one UPDATE per chunk).

The Celery task dispatches one task per chunk to the slow queue, so every worker process takes a share (2 on this
machine's docker-compose); without a broker the chunks run one after the other in-process.

The rule parameters come from one RuleSet snapshot per chunk and the kind lists are inlined into the SQL, so the
SQL and the Python side of a chunk always agree.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from archives.completeness import (
    ArchiveFacts,
    Education,
    Promotion,
    RuleSet,
    as_date,
    completed_on,
    count_promotions,
    evaluate,
    load_rules,
    mark_plain_codes,
    upsert_reports,
)
from archives.models import (
    Archive,
    Cadre,
    CadrePost,
    CompletenessExcusal,
    CompletenessReport,
    EducationRecord,
    Material,
    MaterialStatus,
    SweepChunk,
    SweepRun,
)
from core.config import setting

log = logging.getLogger(__name__)

LOCK_KEY = "archives:completeness-sweep"
LOCK_SECONDS = (
    600  # held while a sweep starts (and, without dispatch, runs); a killed one frees it in this time
)
RESUME_HOURS = 20  # an interrupted run younger than this is continued, an older one abandoned
STALE_SECONDS = 900  # a running sweep without progress for this long is taken over by the next start

# Test hook: called inside each chunk's transaction after its reports are written (raise to simulate a crash).
after_chunk_write: Callable[[int], None] | None = None


class SweepBusy(Exception):
    pass


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _ids(values) -> str:
    return ", ".join(str(int(v)) for v in sorted(values)) or "NULL"


def _code_sql(ruleset: RuleSet) -> str:
    """year*100 + month; the month only when a yearly rule counts early next-year materials for the year before."""
    if any(r.prior_year_months for r in ruleset.rules):
        return "m.formed_year * 100 + COALESCE(m.formed_month, 0)"
    return "m.formed_year * 100"


def material_counts_sql(ruleset: RuleSet, *, chunked: bool = True) -> str | None:
    """The aggregate the sweep rests on: filed materials of the rules' kinds grouped by archive and kind, with
    the distinct formation years (year*100+month) of each group. Parameters: [lo, hi, 'filed'] or ['filed']."""
    kinds = ruleset.plain_index
    if not kinds:
        return None
    code = _code_sql(ruleset)
    collect = (
        f"array_agg(DISTINCT {code})"
        if connection.vendor == "postgresql"
        else f"group_concat(DISTINCT {code})"
    )
    where_chunk = "m.archive_id BETWEEN %s AND %s AND " if chunked else ""
    return f"""
        SELECT m.archive_id, m.kind_id, {collect}
        FROM {_t(Material)} m
        WHERE m.kind_id IN ({_ids(kinds)}) AND {where_chunk}m.status = %s
        GROUP BY m.archive_id, m.kind_id
    """


def bare_aggregate_sql(ruleset: RuleSet) -> str | None:
    """For benchmarks: the plain aggregate over the same materials (by archive, kind and year, all archives).
    Parameter: ['filed']."""
    kinds = ruleset.plain_index
    if not kinds:
        return None
    return f"""
        SELECT m.archive_id, m.kind_id, m.formed_year, COUNT(*)
        FROM {_t(Material)} m
        WHERE m.kind_id IN ({_ids(kinds)}) AND m.status = %s
        GROUP BY m.archive_id, m.kind_id, m.formed_year
    """


def _codes(value) -> list[int]:
    if isinstance(value, list):
        return value
    return [int(x) for x in str(value).split(",") if x]


def gather_chunk(lo: int, hi: int, ruleset: RuleSet) -> dict[int, ArchiveFacts]:
    """Facts of every archive with lo <= id <= hi, read with a fixed number of set-based queries."""
    filed = MaterialStatus.FILED.value
    facts: dict[int, ArchiveFacts] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.id, c.political_status, c.cadre_type, c.work_start_date, c.party_join_date
                FROM {_t(Archive)} a JOIN {_t(Cadre)} c ON c.id = a.cadre_id
                WHERE a.id BETWEEN %s AND %s""",
            [lo, hi],
        )
        for archive_id, political, ctype, work_start, party_join in cursor.fetchall():
            facts[archive_id] = ArchiveFacts(
                archive_id=archive_id,
                political_status=political or "",
                cadre_type=ctype or "",
                work_start_date=as_date(work_start),
                party_join_date=as_date(party_join),
            )

        # 'one' and yearly rules: the distinct formation years by archive and kind.
        sql = material_counts_sql(ruleset)
        if sql:
            plain = ruleset.plain_index
            cursor.execute(sql, [lo, hi, filed])
            for archive_id, kind_id, codes in cursor.fetchall():
                f = facts.get(archive_id)
                if f is not None:
                    mark_plain_codes(f.present, plain, kind_id, _codes(codes))

        # Promotion rules: the promotions, then materials of those kinds by archive, kind and date.
        promo = ruleset.promotion_index
        if promo:
            cursor.execute(
                f"""SELECT a.id, p.id, p.rank, p.start_date, p.title
                    FROM {_t(Archive)} a JOIN {_t(CadrePost)} p ON p.cadre_id = a.cadre_id AND p.is_promotion
                    WHERE a.id BETWEEN %s AND %s ORDER BY a.id, p.start_date, p.id""",
                [lo, hi],
            )
            for archive_id, post_id, rank, start, title in cursor.fetchall():
                facts[archive_id].promotions.append(
                    Promotion(post_id, rank or "", as_date(start), title or "")
                )
            cursor.execute(
                f"""SELECT m.archive_id, m.kind_id, m.formed_on, COUNT(*)
                    FROM {_t(Material)} m
                    WHERE m.kind_id IN ({_ids(promo)}) AND m.archive_id BETWEEN %s AND %s AND m.status = %s
                    GROUP BY m.archive_id, m.kind_id, m.formed_on""",
                [lo, hi, filed],
            )
            for archive_id, kind_id, formed_on, n in cursor.fetchall():
                f = facts.get(archive_id)
                if f is not None and f.promotions:
                    count_promotions(f.promotion_counts, promo, f.promotions, kind_id, as_date(formed_on), n)

        # Education rules: the education records, then the archive's filed materials linked to them.
        edu = ruleset.education_index
        if edu:
            cursor.execute(
                f"""SELECT a.id, e.id, e.level, e.degree, e.is_foreign, e.graduation_date, e.degree_date, e.school
                    FROM {_t(Archive)} a JOIN {_t(EducationRecord)} e ON e.cadre_id = a.cadre_id
                    WHERE a.id BETWEEN %s AND %s ORDER BY a.id, e.graduation_date, e.id""",
                [lo, hi],
            )
            owner: dict[int, int] = {}
            for archive_id, edu_id, level, degree, foreign, grad, deg, school in cursor.fetchall():
                facts[archive_id].educations.append(
                    Education(
                        edu_id, level, degree or "", bool(foreign), completed_on(grad, deg), school or ""
                    )
                )
                owner[edu_id] = archive_id
            if owner:
                links = EducationRecord.materials.through
                cursor.execute(
                    f"""SELECT m.archive_id, em.educationrecord_id, m.kind_id, COUNT(*)
                        FROM {_t(Material)} m JOIN {_t(links)} em ON em.material_id = m.id
                        WHERE m.kind_id IN ({_ids(edu)}) AND m.archive_id BETWEEN %s AND %s AND m.status = %s
                        GROUP BY m.archive_id, em.educationrecord_id, m.kind_id""",
                    [lo, hi, filed],
                )
                for archive_id, edu_id, kind_id, n in cursor.fetchall():
                    if owner.get(edu_id) != archive_id:
                        continue  # linked to another cadre's education record: not this archive's evidence
                    counts = facts[archive_id].education_counts
                    for rule in edu.get(kind_id, ()):
                        counts[(rule.id, edu_id)] = counts.get((rule.id, edu_id), 0) + n

        if ruleset.has_yearly:
            cursor.execute(
                f"""SELECT archive_id, rule_id, year, reason FROM {_t(CompletenessExcusal)}
                    WHERE archive_id BETWEEN %s AND %s AND revoked_at IS NULL""",
                [lo, hi],
            )
            for archive_id, rule_id, year, reason in cursor.fetchall():
                if archive_id in facts:
                    facts[archive_id].excused[(rule_id, year)] = reason
    return facts


@dataclass
class ChunkRead:
    lo: int
    hi: int
    computed_at: datetime.datetime
    facts: dict[int, ArchiveFacts]
    stored: dict[int, str]  # archive id -> digest of the stored report


def read_chunk(lo: int, hi: int, ruleset: RuleSet) -> ChunkRead:
    """Everything the chunk needs from the database (reads only: may run ahead in another thread)."""
    computed_at = timezone.now()
    facts = gather_chunk(lo, hi, ruleset)
    stored = dict(
        CompletenessReport.objects.filter(archive_id__gte=lo, archive_id__lte=hi).values_list(
            "archive_id", "digest"
        )
    )
    return ChunkRead(lo, hi, computed_at, facts, stored)


def write_chunk(read: ChunkRead, ruleset: RuleSet) -> tuple[int, int]:
    """Evaluate and store a chunk's reports. Call inside a transaction. -> (checked, changed).

    Reports whose content is unchanged only get the new time of the check (one UPDATE); the others are
    upserted. Neither ever overwrites a report computed after this chunk's facts were read."""
    results = [evaluate(ruleset, f) for f in read.facts.values()]
    stored = read.stored
    changed = [r for r in results if stored.get(r["archive_id"]) != r["digest"]]
    unchanged = [r["archive_id"] for r in results if stored.get(r["archive_id"]) == r["digest"]]
    if unchanged:
        CompletenessReport.objects.filter(archive_id__in=unchanged, computed_at__lte=read.computed_at).update(
            computed_at=read.computed_at, source=CompletenessReport.Source.SWEEP
        )
    upsert_reports(changed, computed_at=read.computed_at, source=CompletenessReport.Source.SWEEP)
    return len(results), len(changed)


def sweep_chunk(lo: int, hi: int, ruleset: RuleSet) -> tuple[int, int]:
    """Check every archive in [lo, hi] and store the reports. Call inside a transaction. -> (checked, changed)."""
    return write_chunk(read_chunk(lo, hi, ruleset), ruleset)


def _segments(ids: list[int], size: int) -> list[list[int]]:
    """Sorted ids cut into runs of at most `size` ids spanning at most 4 x size ids (bounded range reads)."""
    segments: list[list[int]] = []
    for pk in ids:
        if segments and len(segments[-1]) < size and pk - segments[-1][0] < 4 * size:
            segments[-1].append(pk)
        else:
            segments.append([pk])
    return segments


def check_many(archive_ids, *, chunk_size: int = 500) -> int:
    """Check a set of archives with the sweep's set-based reads (after a bulk change touched many of them).

    Nearby ids are read together (one id range per segment); archives in a range but not in the set are left
    alone. Returns the number of archives checked."""
    ruleset = load_rules()
    done = 0
    for part in _segments(sorted({int(a) for a in archive_ids}), chunk_size):
        computed_at = timezone.now()
        facts = gather_chunk(part[0], part[-1], ruleset)
        keep = set(part)
        results = [evaluate(ruleset, f) for pk, f in facts.items() if pk in keep]
        with transaction.atomic():
            upsert_reports(results, computed_at=computed_at, source=CompletenessReport.Source.CHECK)
        done += len(results)
    return done


def _plan(run: SweepRun, size: int) -> int:
    """Cut the archives, in id order, into chunks of `size` ids (stored as SweepChunk rows)."""
    chunks, current = [], []
    for pk in Archive.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10_000):
        current.append(pk)
        if len(current) == size:
            chunks.append((current[0], current[-1]))
            current = []
    if current:
        chunks.append((current[0], current[-1]))
    SweepChunk.objects.bulk_create(
        [SweepChunk(run=run, seq=n, lo=lo, hi=hi) for n, (lo, hi) in enumerate(chunks, start=1)],
        batch_size=1000,
    )
    SweepRun.objects.filter(pk=run.pk).update(chunks_total=len(chunks))
    return len(chunks)


def _start_or_resume(trigger: str, chunk_size: int, ruleset: RuleSet) -> SweepRun:
    now = timezone.now()
    unfinished = SweepRun.objects.filter(status__in=[SweepRun.Status.RUNNING, SweepRun.Status.FAILED])
    resumable = (
        unfinished.filter(
            started_at__gte=now - datetime.timedelta(hours=RESUME_HOURS), rules_version=ruleset.version
        )
        .order_by("-started_at")
        .first()
    )
    if (
        resumable is not None
        and resumable.status == SweepRun.Status.RUNNING
        and resumable.heartbeat_at is not None
        and now - resumable.heartbeat_at < datetime.timedelta(seconds=STALE_SECONDS)
    ):
        raise SweepBusy("全量核查正在进行。")
    stale = unfinished.exclude(pk=resumable.pk) if resumable else unfinished
    stale.update(status=SweepRun.Status.ABANDONED, finished_at=now)
    if resumable is not None:
        SweepRun.objects.filter(pk=resumable.pk).update(
            status=SweepRun.Status.RUNNING, error="", resumed_at=now, heartbeat_at=now
        )
        resumable.refresh_from_db()
        log.info(
            "completeness sweep %s resumes: %s of %s chunks done",
            resumable.pk,
            resumable.chunks_done,
            resumable.chunks_total,
        )
        return resumable
    run = SweepRun.objects.create(
        trigger=trigger,
        chunk_size=chunk_size,
        rules_version=ruleset.version,
        resumed_at=now,
        heartbeat_at=now,
    )
    _plan(run, chunk_size)
    run.refresh_from_db()
    return run


def _finish_if_complete(run_id: int) -> bool:
    if SweepChunk.objects.filter(run_id=run_id, done_at__isnull=True).exists():
        return False
    run = SweepRun.objects.get(pk=run_id)
    if run.status in (SweepRun.Status.DONE, SweepRun.Status.ABANDONED):
        return run.status == SweepRun.Status.DONE
    now = timezone.now()
    seconds = run.seconds + (now - (run.resumed_at or run.started_at)).total_seconds()
    SweepRun.objects.filter(pk=run_id, status__in=[SweepRun.Status.RUNNING, SweepRun.Status.FAILED]).update(
        status=SweepRun.Status.DONE, finished_at=now, seconds=seconds, error=""
    )
    log.info(
        "completeness sweep %s: %s archives, %s changed, %.1f s",
        run_id,
        run.archives_checked,
        run.reports_changed,
        seconds,
    )
    return True


def run_chunk(run_id: int, seq: int, ruleset: RuleSet | None = None) -> tuple[int, int] | None:
    """Check one chunk of a run (a Celery task of its own, so that workers share the sweep). Idempotent: a chunk
    already done is skipped; a chunk interrupted half-way left nothing behind and is simply done again."""
    chunk = SweepChunk.objects.select_related("run").filter(run_id=run_id, seq=seq).first()
    if chunk is None or chunk.done_at is not None:
        return None
    if chunk.run.status not in (SweepRun.Status.RUNNING, SweepRun.Status.FAILED):
        return None  # abandoned or finished meanwhile
    ruleset = ruleset or load_rules()
    started = time.monotonic()
    try:
        with transaction.atomic():
            checked, changed = write_chunk(read_chunk(chunk.lo, chunk.hi, ruleset), ruleset)
            if after_chunk_write is not None:
                after_chunk_write(seq)
            now = timezone.now()
            first_time = SweepChunk.objects.filter(pk=chunk.pk, done_at__isnull=True).update(
                done_at=now,
                archives_checked=checked,
                reports_changed=changed,
                seconds=time.monotonic() - started,
            )
            if first_time:
                SweepRun.objects.filter(pk=run_id).update(
                    chunks_done=F("chunks_done") + 1,
                    archives_checked=F("archives_checked") + checked,
                    reports_changed=F("reports_changed") + changed,
                    heartbeat_at=now,
                )
    except Exception as exc:
        SweepRun.objects.filter(pk=run_id).exclude(status=SweepRun.Status.DONE).update(
            status=SweepRun.Status.FAILED, error=f"第 {seq} 批：{exc!r}"[:2000]
        )
        raise
    _finish_if_complete(run_id)
    return checked, changed


def run_sweep(
    *,
    trigger: str = "beat",
    chunk_size: int | None = None,
    today: datetime.date | None = None,
    dispatch: Callable[[int, int], object] | None = None,
) -> SweepRun:
    """Start (or resume) a sweep of every archive. With `dispatch(run_id, seq)` each chunk not done yet is handed
    to it (the Celery task enqueues one task per chunk, so every worker takes part); without, the chunks are
    checked here one after the other. Refuses to start while another sweep makes progress (SweepBusy)."""
    chunk_size = chunk_size or int(setting("SWEEP_CHUNK_ARCHIVES"))
    token = f"{timezone.now().timestamp()}"
    if not cache.add(LOCK_KEY, token, LOCK_SECONDS):
        raise SweepBusy("另一次全量核查正在启动。")
    try:
        ruleset = load_rules(today)
        run = _start_or_resume(trigger, chunk_size, ruleset)
        pending = list(
            SweepChunk.objects.filter(run=run, done_at__isnull=True)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        for seq in pending:
            if dispatch is not None:
                dispatch(run.pk, seq)
            else:
                run_chunk(run.pk, seq, ruleset)
        if not pending or dispatch is None:
            _finish_if_complete(run.pk)
        run.refresh_from_db()
        return run
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def last_run() -> SweepRun | None:
    return SweepRun.objects.order_by("-started_at", "-id").first()
