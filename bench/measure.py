"""The measurements. Each one is a ratio taken in the same run (A and B interleaved where they can be), so that
a noisy machine moves both sides together. Every function returns a list of Row for the report and a dict of
raw figures (kept in bench/results/last.json).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import generate, server


@dataclass
class Row:
    target: str  # what is measured, as the issue names it
    source: str  # the issue that set the target
    figure: str  # the measured figure(s)
    goal: str  # the target ("—" when the issue gives none)
    met: bool | None  # None: no target, reported only


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # details for the report (markdown)
    raw: dict = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> float:
    return seconds * 1000


def fmt_ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# --- context: users, sessions, tokens ---------------------------------------------------------------------------


class Context:
    def __init__(self, log):
        from accounts.models import User

        self.log = log
        self.users = {u.username: u for u in User.objects.filter(username__in=self.NAMES)}
        missing = set(self.NAMES) - set(self.users)
        if missing:
            raise SystemExit(f"基准数据集缺少用户：{sorted(missing)}（请用 --regenerate 重新生成）")
        self._cookies: dict[str, str] = {}
        self._tokens: dict[str, str] = {}

    NAMES = ("bench_clerk0", "bench_clerk_all", "bench_admin", "bench_auditor")

    def cookie(self, username: str) -> str:
        if username not in self._cookies:
            client = Client()
            client.force_login(self.users[username])
            self._cookies[username] = client.cookies["sessionid"].value
        return self._cookies[username]

    def token(self, username: str) -> str:
        from rest_framework.authtoken.models import Token

        if username not in self._tokens:
            self._tokens[username] = Token.objects.get_or_create(user=self.users[username])[0].key
        return self._tokens[username]

    def django_client(self, username: str) -> Client:
        client = Client()
        client.force_login(self.users[username])
        return client


def selects_of(client: Client, path: str) -> tuple[list[str], int]:
    """The SELECT statements one request runs (in-process, same code and data), and the total query count."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    statements = [q["sql"] for q in captured.captured_queries]
    reset_queries()
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))], len(statements)


def run_sql(statements: list[str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - started


# --- 1. search over HTTP versus its SQL ---------------------------------------------------------------------


def search_terms() -> dict[str, str]:
    """A name, pinyin initials and an ID number of a cadre held by holding unit 0 (bench_clerk0's holdings)."""
    from archives.models import Archive

    archive = Archive.objects.select_related("cadre").get(archive_no="BA0000120")
    cadre = archive.cadre
    return {
        "name (姓名)": cadre.name,
        "pinyin initials (首字母)": cadre.name_initials,
        "full pinyin (全拼)": cadre.name_pinyin,
        "ID number (身份证号)": cadre.id_number,
        "ID prefix, 10 digits": cadre.id_number[:10],
    }


def measure_search(ctx: Context, srv: server.Server, *, rounds: int = 40) -> Section:
    section = Section(
        "search", "Archive search: HTTP through gunicorn versus the raw SQL of the same request"
    )
    user = "bench_clerk0"
    http = server.Client(srv.port, cookie=ctx.cookie(user))
    dj = ctx.django_client(user)
    section.lines.append(
        f"User `{user}` (clerk of one holding unit, 1,000 of 20,000 archives at scale 1), the list page "
        f"`/archives/?q=…` (first page of 20 and the total count, plus the `archive.search` audit event). "
        f"Raw SQL: the SELECT statements the same request runs (captured in-process), executed directly on the "
        f"same connection settings; {rounds} rounds each, interleaved."
    )
    section.lines.append("")
    section.lines.append("| search | HTTP p50 | HTTP p95 | SQL p50 | SQL p95 | statements | ratio p50 |")
    section.lines.append("|---|---|---|---|---|---|---|")
    worst = 0.0
    for label, term in search_terms().items():
        path = f"/archives/?q={quote(term)}"
        statements, total = selects_of(dj, path)
        for _ in range(3):
            http.get(path)
            run_sql(statements)
        http_times, sql_times = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            status, _ = http.get(path)
            http_times.append(time.perf_counter() - started)
            assert status == 200, (path, status)
            sql_times.append(run_sql(statements))
        h50, h95 = ms(pct(http_times, 50)), ms(pct(http_times, 95))
        s50, s95 = ms(pct(sql_times, 50)), ms(pct(sql_times, 95))
        ratio = h50 / s50 if s50 else float("nan")
        worst = max(worst, h95)
        section.raw[label] = {
            "term": term,
            "http_p50_ms": h50,
            "http_p95_ms": h95,
            "sql_p50_ms": s50,
            "sql_p95_ms": s95,
            "selects": len(statements),
            "queries": total,
        }
        section.lines.append(
            f"| {label} `{term}` | {fmt_ms(h50)} | {fmt_ms(h95)} | {fmt_ms(s50)} | {fmt_ms(s95)} | "
            f"{len(statements)} of {total} | {ratio:.1f}x |"
        )
    section.rows.append(
        Row(
            "Search by name, pinyin initials, ID stays index-backed at 20,000 archives (HTTP p95, worst search)",
            "#3",
            fmt_ms(worst),
            "index-backed (no figure set); reported",
            None,
        )
    )
    return section


# --- 2. a clerk's permission-filtered list versus a superuser's ----------------------------------------------


def measure_list(ctx: Context, srv: server.Server, *, rounds: int = 30) -> Section:
    section = Section("list", "A clerk's permission-filtered list versus a superuser's")
    initials = search_terms()["pinyin initials (首字母)"]
    paths = {
        "list page `/archives/`": "/archives/",
        f"search page `/archives/?q={initials}`": f"/archives/?q={initials}",
        "API `/api/archives/`": "/api/archives/",
        f"API search `/api/archives/?q={initials}`": f"/api/archives/?q={initials}",
    }
    users = ["bench_admin", "bench_clerk0", "bench_clerk_all"]
    clients = {u: server.Client(srv.port, cookie=ctx.cookie(u)) for u in users}
    section.lines.append(
        "`bench_admin` is a superuser (no policy filter). `bench_clerk0` serves one holding unit (sees 1/20 of "
        "the archives); `bench_clerk_all` serves all 20 holding units, so sees exactly what the superuser sees: "
        "the pure cost of the policy (its UNION ALL id query and the filter). The grant table holds "
        f"{ctx.grants:,} rows. HTTP p50 over {rounds} interleaved rounds."
    )
    section.lines.append("")
    section.lines.append(
        "| page | superuser p50 | clerk (1 unit) p50 | ratio | clerk (all units) p50 | ratio |"
    )
    section.lines.append("|---|---|---|---|---|---|")
    worst = 0.0
    for label, path in paths.items():
        times: dict[str, list[float]] = {u: [] for u in users}
        for _ in range(3):
            for u in users:
                clients[u].get(path)
        for _ in range(rounds):
            for u in users:
                started = time.perf_counter()
                status, _ = clients[u].get(path)
                times[u].append(time.perf_counter() - started)
                assert status == 200, (u, path, status)
        p = {u: ms(pct(times[u], 50)) for u in users}
        r1, r2 = p["bench_clerk0"] / p["bench_admin"], p["bench_clerk_all"] / p["bench_admin"]
        worst = max(worst, r1, r2)
        section.raw[label] = {"p50_ms": p, "ratio_clerk0": r1, "ratio_clerk_all": r2}
        section.lines.append(
            f"| {label} | {fmt_ms(p['bench_admin'])} | {fmt_ms(p['bench_clerk0'])} | {r1:.2f}x | "
            f"{fmt_ms(p['bench_clerk_all'])} | {r2:.2f}x |"
        )
    section.rows.append(
        Row(
            "Clerk's permission-filtered list and search versus a superuser's (worst page, p50)",
            "#4",
            f"{worst:.2f}x",
            "≤ 1.2x",
            worst <= 1.2,
        )
    )
    return section


# --- 3. the archive page at 10 and 300 materials --------------------------------------------------------------


def measure_archive_page(ctx: Context, srv: server.Server, *, rounds: int = 30) -> Section:
    from archives.models import Archive, Material, MaterialStatus

    section = Section("page", "The archive page at 10 and at 300 materials")
    user = "bench_clerk0"
    dj = ctx.django_client(user)
    http = server.Client(srv.port, cookie=ctx.cookie(user))
    figures = {}
    for archive_no in (generate.SMALL_NO, generate.LARGE_NO):
        archive = Archive.objects.get(archive_no=archive_no)
        n = Material.objects.filter(archive=archive, status=MaterialStatus.FILED).count()
        path = f"/archives/{archive.pk}/"
        with CaptureQueriesContext(connection) as captured:
            response = dj.get(path)
        assert response.status_code == 200
        figures[archive_no] = {"materials": n, "queries": len(captured.captured_queries), "path": path}
        reset_queries()
    for _ in range(3):
        for f in figures.values():
            http.get(f["path"])
    times: dict[str, list[float]] = {k: [] for k in figures}
    for _ in range(rounds):
        for key, f in figures.items():
            started = time.perf_counter()
            status, body = http.get(f["path"])
            times[key].append(time.perf_counter() - started)
            f["bytes"] = len(body)
            assert status == 200
    for key, f in figures.items():
        f["p50_ms"], f["p95_ms"] = ms(pct(times[key], 50)), ms(pct(times[key], 95))
    small, large = figures[generate.SMALL_NO], figures[generate.LARGE_NO]
    section.raw = figures
    section.lines.append(
        f"User `{user}` (clerk of the holdings), HTTP over {rounds} interleaved rounds; queries counted "
        "in-process for the same request."
    )
    section.lines.append("")
    section.lines.append("| archive | filed materials | SQL queries | HTTP p50 | HTTP p95 | page size |")
    section.lines.append("|---|---|---|---|---|---|")
    for key, f in figures.items():
        section.lines.append(
            f"| {key} | {f['materials']} | {f['queries']} | {fmt_ms(f['p50_ms'])} | {fmt_ms(f['p95_ms'])} | "
            f"{f['bytes'] / 1024:.0f} KiB |"
        )
    section.rows.append(
        Row(
            "Archive page: same number of SQL queries at 10 and 300 materials",
            "#3",
            f"{small['queries']} and {large['queries']} queries",
            "equal",
            small["queries"] == large["queries"],
        )
    )
    section.rows.append(
        Row(
            "Archive page time at 300 materials versus 10 (HTTP p50)",
            "#3",
            f"{fmt_ms(large['p50_ms'])} vs {fmt_ms(small['p50_ms'])} "
            f"({large['p50_ms'] / small['p50_ms']:.2f}x for 30x the materials)",
            "— (reported)",
            None,
        )
    )
    return section


# --- 4. completeness: the full sweep versus its bare aggregate; the one-archive check --------------------------


def measure_completeness(ctx: Context, *, checks: int = 50) -> Section:
    from archives import sweep
    from archives.completeness import check_archive, load_rules
    from archives.models import Archive, CompletenessReport, Material

    section = Section("completeness", "Completeness: the full sweep versus its bare aggregate; one archive")
    ruleset = load_rules()
    bare_sql = sweep.bare_aggregate_sql(ruleset)
    filed = "filed"
    bare_times = []
    rows = 0
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(bare_sql, [filed])
            rows = len(cursor.fetchall())
        bare_times.append(time.perf_counter() - started)
    bare = statistics.median(bare_times)
    archives = Archive.objects.count()
    materials = Material.objects.count()
    had_reports = CompletenessReport.objects.exists()
    runs = []
    for label in ("first" if not had_reports else "repeat", "repeat"):
        started = time.perf_counter()
        run = sweep.run_sweep(trigger="manual")
        seconds = time.perf_counter() - started
        runs.append(
            {
                "label": label,
                "seconds": seconds,
                "checked": run.archives_checked,
                "changed": run.reports_changed,
                "status": run.status,
                "chunks": run.chunks_total,
            }
        )
    parallel = _parallel_sweeps(ctx)
    runs += parallel
    serial_worst = max(r["seconds"] for r in runs if not r["label"].startswith("worker"))
    worst = max(r["seconds"] for r in parallel) if parallel else serial_worst
    ratio = worst / bare
    ids = list(Archive.objects.order_by("?").values_list("pk", flat=True)[:checks])
    for pk in ids[:5]:
        check_archive(pk, ruleset=ruleset)
    check_times = [timed(lambda pk=pk: check_archive(pk)) for pk in ids]
    c50, c95 = ms(pct(check_times, 50)), ms(pct(check_times, 95))
    incomplete = CompletenessReport.objects.filter(is_complete=False).count()
    veto = CompletenessReport.objects.filter(has_veto=True).count()
    section.raw = {
        "bare_seconds": bare_times,
        "bare_rows": rows,
        "runs": runs,
        "check_p50_ms": c50,
        "check_p95_ms": c95,
        "archives": archives,
        "materials": materials,
        "incomplete": incomplete,
        "veto": veto,
    }
    section.lines.append(
        f"{archives:,} archives, {materials:,} materials. Bare aggregate (`archives.sweep.bare_aggregate_sql`: "
        f"filed materials of the rules' kinds grouped by archive, kind and year, {rows:,} groups): median of 3 "
        f"= {bare:.2f} s. The sweep (`archives.sweep.run_sweep`, in this one process, chunk after chunk, no "
        "Celery parallelism) reads every fact the rules need (the aggregate, promotions, education links, "
        "excused years), evaluates each archive and writes its report in the chunk's transaction."
    )
    section.lines.append("")
    section.lines.append(
        "| sweep run | seconds | archives checked | reports written/changed | ratio to bare |"
    )
    section.lines.append("|---|---|---|---|---|")
    for r in runs:
        section.lines.append(
            f"| {r['label']} | {r['seconds']:.1f} | {r['checked']:,} | {r['changed']:,} | "
            f"{r['seconds'] / bare:.2f}x |"
        )
    section.lines.append("")
    section.lines.append(
        f"Reports after the sweep: {incomplete:,} archives incomplete, {veto:,} with a veto item missing."
    )
    section.lines.append("")
    section.lines.append(
        f"One-archive check (`archives.completeness.check_archive`, read, evaluate and store), {len(ids)} random "
        f"archives: p50 {fmt_ms(c50)}, p95 {fmt_ms(c95)}."
    )
    how = "a real Celery worker, 2 processes" if parallel else "one process (no Redis for a worker)"
    if parallel:
        section.lines.append("")
        section.lines.append(
            "`worker` runs: the nightly task `archives.tasks.sweep_completeness` sent to a real Celery worker "
            "(`celery -A config worker -Q fast,slow --concurrency 2`, prefork, on Redis), which plans the chunks "
            "and hands one task per chunk to its two processes, as in production; timed from sending the task to "
            "the run's DONE. The serial runs above (one process, chunk after chunk) are "
            f"{serial_worst / bare:.2f}x the bare aggregate at worst."
        )
    section.rows.append(
        Row(f"Full completeness sweep (slowest run, {how})", "#7", f"{worst:.1f} s", "< 60 s", worst < 60)
    )
    section.rows.append(
        Row(
            f"Full sweep versus its bare aggregate query ({how})",
            "#7",
            f"{ratio:.2f}x ({bare:.2f} s bare)",
            "≤ 2x",
            ratio <= 2,
        )
    )
    section.rows.append(Row("One-archive completeness check (p95)", "#7", fmt_ms(c95), "< 50 ms", c95 < 50))
    return section


def _parallel_sweeps(ctx: Context, *, rounds: int = 2) -> list[dict]:
    """The sweep as production runs it: sent to a real Celery worker with two processes. [] without Redis."""
    from archives.models import SweepRun

    redis_url = _redis_url()
    if not redis_url:
        ctx.log("  （没有 Redis：跳过 Celery worker 的并行全量核查）")
        return []
    _purge(redis_url)
    runs = []
    with server.celery_worker(redis_url, concurrency=2) as client:
        for n in range(rounds):
            before = SweepRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            started = time.perf_counter()
            client.send_task("archives.tasks.sweep_completeness", kwargs={"trigger": "manual"})
            deadline = started + 600
            run = None
            while time.perf_counter() < deadline:
                run = SweepRun.objects.filter(pk__gt=before).order_by("-pk").first()
                if run is not None and run.status in (SweepRun.Status.DONE, SweepRun.Status.FAILED):
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            if run is None or run.status != SweepRun.Status.DONE:
                raise RuntimeError(
                    f"the worker's sweep did not finish: {run and run.status} {run and run.error}"
                )
            runs.append(
                {
                    "label": f"worker {n + 1}",
                    "seconds": seconds,
                    "checked": run.archives_checked,
                    "changed": run.reports_changed,
                    "status": run.status,
                    "chunks": run.chunks_total,
                }
            )
    _purge(redis_url)
    return runs


# --- 5. the audit CSV export versus COPY, with peak memory --------------------------------------------------


def measure_export(ctx: Context) -> Section:
    from django.db.models import Max

    from audit import exports
    from audit.models import AuditEvent
    from audit.selectors import AuditFilter, events

    section = Section("export", "Audit CSV export versus PostgreSQL COPY ... TO STDOUT, with peak memory")
    upper = AuditEvent.objects.aggregate(top=Max("id"))["top"]
    qs = events(AuditFilter()).filter(id__lte=upper)
    inner, params = qs.values(*exports.FIELDS).query.sql_with_params()
    rows = qs.count()
    copy_sql = f"COPY ({inner}) TO STDOUT WITH (FORMAT csv)"
    with server.gunicorn(workers=1) as srv:
        worker = srv.worker_pids()[0]
        http = server.Client(srv.port, token=ctx.token("bench_auditor"))
        http.get("/api/audit-events/?page_size=1")
        before = server.peak_rss_mb(worker)
        copy_times, export_times, sizes = [], [], []
        for _ in range(2):  # interleaved: COPY, export, COPY, export
            started = time.perf_counter()
            size = 0
            with connection.cursor() as cursor, cursor.cursor.copy(copy_sql, params) as copy:
                for data in copy:
                    size += len(data)
            copy_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            status, total, lines = http.stream("/api/audit-events/export/?format=csv")
            export_times.append(time.perf_counter() - started)
            assert status == 200, status
            sizes.append((size, total, lines))
        peak = server.peak_rss_mb(worker)
    copy_s, export_s = min(copy_times), min(export_times)
    copy_rps, export_rps = rows / copy_s, rows / export_s
    ratio = export_rps / copy_rps
    section.raw = {
        "rows": rows,
        "copy_seconds": copy_times,
        "export_seconds": export_times,
        "sizes": sizes,
        "rss_before_mb": before,
        "rss_peak_mb": peak,
    }
    section.lines.append(
        f"{rows:,} events (the whole log, as an auditor exporting without a filter). COPY: "
        "`COPY (<the export's own filtered SELECT>) TO STDOUT WITH (FORMAT csv)` read by this process. Export: "
        "`GET /api/audit-events/export/?format=csv` as `bench_auditor` through gunicorn (one sync worker), the "
        "body read to the end. Best of 2 each, interleaved. Memory: VmHWM (peak resident set) of the gunicorn "
        "worker that served the export."
    )
    section.lines.append("")
    section.lines.append("| | seconds | rows/s | bytes |")
    section.lines.append("|---|---|---|---|")
    section.lines.append(
        f"| COPY ... TO STDOUT | {copy_s:.2f} | {copy_rps:,.0f} | {sizes[0][0] / 1e6:.0f} MB |"
    )
    section.lines.append(
        f"| CSV export (HTTP) | {export_s:.2f} | {export_rps:,.0f} | {sizes[0][1] / 1e6:.0f} MB |"
    )
    section.lines.append("")
    section.lines.append(
        f"Worker peak RSS: {before:.0f} MiB after start-up and one API request, {peak:.0f} MiB after the exports."
    )
    section.rows.append(
        Row(
            "Audit CSV export rows/s versus COPY TO STDOUT",
            "#4",
            f"{ratio:.2f}x ({export_rps:,.0f} rows/s)",
            "≥ 0.5x",
            ratio >= 0.5,
        )
    )
    section.rows.append(
        Row(
            "Peak memory of the exporting process (1,000,000 events)",
            "#4",
            f"{peak:.0f} MiB",
            "< 150 MB",
            peak < 150,
        )
    )
    return section


# --- 6. a request that writes one audit event versus the same request without ---------------------------------


def _redis_url() -> str | None:
    from bench.env import DEFAULT_REDIS

    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return None


def _purge(redis_url: str | None) -> None:
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()


def measure_audit_overhead(ctx: Context, *, seconds: int = 15) -> Section:
    from archives.models import Archive, Material, MaterialStatus

    section = Section("audit", "A request that writes one audit event versus the same request without")
    archives = list(
        Archive.objects.filter(archive_no__startswith="BA", holding_unit__code=f"{generate.BENCH_MARK}-ORG-0")
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    ids = [
        str(pk)
        for pk in Material.objects.filter(
            archive_id__in=archives, status=MaterialStatus.FILED, kind__code="award"
        )
        .order_by("archive_id")
        .values_list("pk", flat=True)
    ]
    redis_url = _redis_url()
    variables = {"ids": ",".join(ids), "prefix": "/api/materials/", "token": ctx.token("bench_clerk0")}
    results: dict[str, list[dict]] = {"with": [], "without": []}
    for _round in range(2):
        for label, app in (("with", "config.wsgi:application"), ("without", "bench.noaudit:application")):
            with server.gunicorn(workers=5, app=app, redis_url=redis_url) as srv:
                # Warm-up: every worker serves a few changes first.
                server.wrk(srv, "patch.lua", connections=20, seconds=3, variables=variables)
                results[label].append(
                    server.wrk(srv, "patch.lua", connections=20, seconds=seconds, variables=variables)
                )
            _purge(redis_url)
    from audit.models import AuditEvent

    written = AuditEvent.objects.filter(action="material.update", actor_username="bench_clerk0").count()

    def summary(rs):
        reqs = sum(r["requests"] for r in rs)
        dur = sum(r["duration_us"] for r in rs) / 1e6
        errors = sum(r["non2xx3xx"] + r["connect_errors"] + r["read_errors"] + r["timeouts"] for r in rs)
        return {
            "rps": reqs / dur,
            "mean_ms": statistics.mean(r["mean_ms"] for r in rs),
            "p50_ms": statistics.mean(r["p50_ms"] for r in rs),
            "p99_ms": statistics.mean(r["p99_ms"] for r in rs),
            "errors": errors,
            "requests": reqs,
        }

    w, wo = summary(results["with"]), summary(results["without"])
    overhead = w["mean_ms"] / wo["mean_ms"] - 1
    throughput_cost = 1 - w["rps"] / wo["rps"]
    section.raw = {
        "with": results["with"],
        "without": results["without"],
        "summary": {"with": w, "without": wo},
    }
    section.lines.append(
        f"`PATCH /api/materials/<id>/` (a filed material's remarks, with a reason: a MaterialVersion row, the "
        f"material row, the completeness re-check enqueued {'on Redis' if redis_url else 'eagerly (no Redis)'}), "
        f"as `bench_clerk0` by token, {len(ids)} materials of different archives; wrk with 20 connections for "
        f"{seconds} s, two rounds each, alternating. Without: the same application with `audit.services.record` "
        "replaced by a stub that does not save (`bench/noaudit.py`). gunicorn with 5 sync workers."
    )
    section.lines.append("")
    section.lines.append("| | requests/s | mean | p50 | p99 | errors |")
    section.lines.append("|---|---|---|---|---|---|")
    for label, s in (("with the audit event", w), ("without", wo)):
        section.lines.append(
            f"| {label} | {s['rps']:.0f} | {fmt_ms(s['mean_ms'])} | {fmt_ms(s['p50_ms'])} | "
            f"{fmt_ms(s['p99_ms'])} | {s['errors']} |"
        )
    section.lines.append("")
    section.lines.append(
        f"Audit events written by the runs with the event: {written:,} `material.update` events in the log."
    )
    section.rows.append(
        Row(
            "Writing the audit event adds to a request that changes one material (20 concurrent clients, mean latency)",
            "#4",
            f"{overhead * 100:+.1f}% (throughput {throughput_cost * 100:+.1f}% lower)",
            "≤ 15%",
            overhead <= 0.15,
        )
    )
    return section


# --- 7. watermarked page rendering -------------------------------------------------------------------------


def measure_watermark(ctx: Context, srv: server.Server, *, seconds: int = 15) -> Section:
    from archives import watermark
    from archives.models import Page

    section = Section("watermark", "Watermarked page rendering")
    pages = list(Page.objects.filter(material__archive__archive_no=generate.SMALL_NO).order_by("number"))
    user = ctx.users["bench_clerk0"]
    for p in pages[:2]:
        watermark.render_for_viewer(p, user)
    inproc = [timed(lambda p=p: watermark.render_for_viewer(p, user)) for p in pages * 2]
    http = server.Client(srv.port, cookie=ctx.cookie("bench_clerk0"))
    single = []
    for p in pages * 2:
        started = time.perf_counter()
        status, body = http.get(f"/archives/pages/{p.pk}/image/")
        single.append(time.perf_counter() - started)
        assert status == 200 and body[:2] == b"\xff\xd8", status
    paths = "|".join(f"/archives/pages/{p.pk}/image/" for p in pages)
    r = server.wrk(
        srv,
        "get.lua",
        connections=20,
        seconds=seconds,
        variables={"paths": paths, "cookie": ctx.cookie("bench_clerk0")},
    )
    pps = r["requests"] / (r["duration_us"] / 1e6)
    errors = r["non2xx3xx"] + r["connect_errors"] + r["read_errors"] + r["timeouts"]
    page = pages[0]
    section.raw = {"inprocess_ms": [ms(x) for x in inproc], "single_ms": [ms(x) for x in single], "wrk": r}
    section.lines.append(
        f"{len(pages)} scanned A4 pages at 200 dpi ({page.width}x{page.height}), display rendition "
        "1600 px; each request asks the policy, stamps the viewer's corner block and the diagonal text, "
        "encodes a JPEG and writes a `page.view` audit event."
    )
    section.lines.append("")
    section.lines.append(f"- in-process render only: p50 {fmt_ms(ms(pct(inproc, 50)))} per page")
    section.lines.append(f"- one client over HTTP: p50 {fmt_ms(ms(pct(single, 50)))} per page")
    section.lines.append(
        f"- 20 clients (wrk, {seconds} s, 5 gunicorn workers on {os.cpu_count()} cores): **{pps:.1f} pages/s**, "
        f"p50 {fmt_ms(r['p50_ms'])}, p99 {fmt_ms(r['p99_ms'])}, {errors} errors"
    )
    section.rows.append(
        Row(
            "Watermarked page rendering, 20 clients",
            "#4",
            f"{pps:.1f} pages/s ({errors} errors)",
            "— (reported)",
            None,
        )
    )
    return section


# --- 8. concurrent load with 20 clients ---------------------------------------------------------------------


def measure_load(ctx: Context, srv: server.Server, *, seconds: int = 30) -> Section:
    from archives.models import Archive, Material

    section = Section("load", "Concurrent load: 20 clients on the clerk's everyday pages")
    terms = search_terms()
    small = Archive.objects.get(archive_no=generate.SMALL_NO)
    large = Archive.objects.get(archive_no=generate.LARGE_NO)
    held = list(
        Archive.objects.filter(holding_unit__code=f"{generate.BENCH_MARK}-ORG-0", archive_no__startswith="BA")
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    material = Material.objects.filter(archive=small).order_by("pk").first()
    paths = [
        "/",
        "/archives/",
        f"/archives/?q={quote(terms['pinyin initials (首字母)'])}",
        f"/archives/?q={quote(terms['name (姓名)'])}",
        f"/archives/?q={terms['ID prefix, 10 digits']}",
        f"/archives/{small.pk}/",
        f"/archives/{large.pk}/",
        f"/archives/materials/{material.pk}/",
        "/api/archives/?q=" + quote(terms["full pinyin (全拼)"]),
        *[f"/archives/{pk}/" for pk in held],
    ]
    r = server.wrk(
        srv,
        "get.lua",
        connections=20,
        seconds=seconds,
        variables={"paths": "|".join(paths), "cookie": ctx.cookie("bench_clerk0")},
    )
    rps = r["requests"] / (r["duration_us"] / 1e6)
    errors = r["non2xx3xx"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    section.raw = {"wrk": r, "paths": paths}
    section.lines.append(
        f"wrk, 20 connections, 2 threads, {seconds} s, as `bench_clerk0` (session cookie), cycling through "
        f"{len(paths)} URLs: home page, list, searches by initials, name and ID prefix, archive pages (10, 300 "
        "and 150 materials), a material page, an API search. gunicorn with 5 sync workers."
    )
    section.lines.append("")
    section.lines.append(
        f"- **{rps:.1f} requests/s**, {r['requests']:,} requests, latency p50 {fmt_ms(r['p50_ms'])}, "
        f"p90 {fmt_ms(r['p90_ms'])}, p99 {fmt_ms(r['p99_ms'])}, max {fmt_ms(r['max_ms'])}"
    )
    section.lines.append(
        f"- errors: {r['non2xx3xx']} non-2xx/3xx, {r['connect_errors']} connect, {r['read_errors']} read, "
        f"{r['write_errors']} write, {r['timeouts']} timeouts"
    )
    section.rows.append(
        Row(
            "Concurrent load, 20 clients: throughput and errors",
            "#9",
            f"{rps:.1f} req/s, {errors} errors",
            "0 errors",
            errors == 0,
        )
    )
    return section
