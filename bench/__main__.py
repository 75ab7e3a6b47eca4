"""City-scale benchmarks: `python -m bench` (or `make bench`).

Creates and migrates the bench database (BENCH_DATABASE_URL, default postgres://cadre:cadre@127.0.0.1:5432/
cadre_bench) when absent, generates the data set when absent, takes every measurement as a ratio within the same
run, and writes BENCHMARKS.md (raw figures in bench/results/last.json).

    python -m bench                       # scale 1.0: 20,000 archives, 3,000,000 materials
    python -m bench --scale 0.05          # a quick run on 1,000 archives
    python -m bench --only search,list    # some measurements (names: see MEASUREMENTS)
    python -m bench --regenerate          # drop the bench database and build it again
    python -m bench --skip-generate       # measure whatever the database holds
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import env as bench_env

MEASUREMENTS = ["search", "list", "page", "completeness", "export", "audit", "watermark", "load"]
QUIET_LOAD = 1.5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description="城市规模性能基准")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 20,000 archives (default)")
    parser.add_argument("--skip-generate", action="store_true", help="measure the data already there")
    parser.add_argument(
        "--regenerate", action="store_true", help="drop the bench database and generate again"
    )
    parser.add_argument("--generate-only", action="store_true", help="build the data set and stop")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(MEASUREMENTS)}")
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--output", default=str(bench_env.ROOT / "BENCHMARKS.md"))
    parser.add_argument("--wait-quiet", type=int, default=0, help="wait up to N s for load average < 1.5")
    return parser.parse_args(argv)


def log(text: str) -> None:
    print(text, flush=True)


def machine() -> dict:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared = cursor.fetchone()[0]
    import django

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "postgresql": pg,
        "shared_buffers": shared,
        "python": platform.python_version(),
        "django": django.get_version(),
        "kernel": platform.release(),
    }


def wait_quiet(limit: int) -> None:
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= QUIET_LOAD and time.monotonic() < deadline:
        log(f"等待机器空闲：1 分钟负载 {os.getloadavg()[0]:.2f}")
        time.sleep(15)


def data_counts() -> dict:
    from django.db import connection

    from accounts.models import User
    from archives.models import Archive, ArchiveUserObjectPermission, Material
    from audit.models import AuditEvent

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(Material._meta.db_table)}")
        materials = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(AuditEvent._meta.db_table)}")
        events = cursor.fetchone()[0]
    return {
        "archives": Archive.objects.count(),
        "materials": materials,
        "grants": ArchiveUserObjectPermission.objects.count(),
        "audit_events": events,
        "users": User.objects.count(),
    }


def write_report(
    path: str, *, args, info: dict, counts: dict, generation: dict | None, sections, started, loads
):
    from bench.measure import Row

    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`, see `bench/`). Every figure below was measured in one run on "
        "the machine described here; each comparison is a ratio of two things measured in the same run, "
        "interleaved where possible, so that the machine's noise moves both sides together. Raw figures: "
        "`bench/results/last.json` (not committed).",
        "",
        "## Machine and run",
        "",
        f"- Command: `make bench` (`python -m bench --scale {args.scale:g}"
        + (f" --only {args.only}" if args.only else "")
        + "`)",
        f"- Date: {started:%Y-%m-%d %H:%M} (Asia/Shanghai)",
        f"- CPU: {info['nproc']} cores ({info['cpu']}), memory {info['memory']}",
        f"- PostgreSQL {info['postgresql']} (shared_buffers {info['shared_buffers']}), Python {info['python']}, "
        f"Django {info['django']}, Linux {info['kernel']}",
        "- Servers: gunicorn (sync workers: 5 for the shared server, 1 for the export) on a free loopback port, "
        "DEBUG off, the bench database; load from wrk " + _wrk_version() + " and a keep-alive Python client.",
        f"- 1-minute load average before / after each measurement: {loads}. A quiet machine is below "
        f"{QUIET_LOAD} at the start; the average trails by a minute, so after the first measurements it mostly "
        "shows the bench's own servers, worker and wrk from the measurement before (no other work was running "
        "unless the figure before the first measurement says so).",
        "",
        "## Data set",
        "",
        f"{counts['archives']:,} archives (and cadres), {counts['materials']:,} materials, {counts['grants']:,} "
        f"guardian grant rows (direct foreign-key table, time-boxed), {counts['audit_events']:,} audit events, "
        f"{counts['users']:,} users.",
        "",
    ]
    if generation and not generation.get("skipped"):
        t = generation["timings"]
        c = generation["counts"]
        lines += [
            f"Generated by `bench/generate.py` in **{t['total']:.0f} s** (units, users, cadres and archives "
            "through COPY from Python; the bulk tables server-side with INSERT ... SELECT over generate_series):",
            "",
            "| step | rows | seconds |",
            "|---|---|---|",
        ]
        for key, value in t.items():
            if key not in ("total",):
                lines.append(f"| {key} | {c.get(key, 0):,} | {value:.1f} |")
        lines.append("")
    elif generation is not None:
        lines += ["The data set was already there (generated by an earlier run).", ""]
    lines += ["## Targets", "", "| target | issue | measured | target | met? |", "|---|---|---|---|---|"]
    met = missed = 0
    for s in sections:
        for row in s.rows:
            row: Row
            verdict = "reported" if row.met is None else ("**met**" if row.met else "**NOT MET**")
            met += row.met is True
            missed += row.met is False
            lines.append(f"| {row.target} | {row.source} | {row.figure} | {row.goal} | {verdict} |")
    lines += ["", f"{met} targets met, {missed} not met.", ""]
    for s in sections:
        lines += [f"## {s.title}", "", f"(load average {s.load[0]:.2f} before, {s.load[1]:.2f} after)", ""]
        lines += s.lines
        lines.append("")
    with open(path, "w") as handle:
        handle.write("\n".join(lines).rstrip() + "\n")


def _wrk_version() -> str:
    try:
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=5)
        first = (out.stdout or out.stderr).split()
        return first[1] if len(first) > 1 else "?"
    except (OSError, subprocess.SubprocessError):
        return "(absent)"


def main(argv=None) -> int:
    args = parse_args(argv)
    bench_env.apply_to_this_process()
    bench_env.RESULTS.mkdir(parents=True, exist_ok=True)
    if args.regenerate:
        bench_env.drop_database(log)
    bench_env.ensure_database(log)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import generate

    started_at = datetime.datetime.now()
    log(f"基准数据库：{bench_env.database_name()}")
    call_command("migrate", verbosity=0, interactive=False)
    generation = None
    if not args.skip_generate:
        state = generate.state()
        if state == "partial":
            log("上次生成未完成：重建基准数据库。")
            connection.close()
            bench_env.drop_database(log)
            bench_env.ensure_database(log)
            call_command("migrate", verbosity=0, interactive=False)
            state = "absent"
        if state == "absent":
            generation = generate.generate(generate.Scale.of(args.scale), log=log)
        else:
            generation = {"skipped": True}
            log("数据集已存在，跳过生成（重新生成：--regenerate）。")
    if args.generate_only:
        return 0
    if not server_ready():
        return 1
    log("收集静态文件 ……")
    call_command("collectstatic", interactive=False, verbosity=0)

    from bench import measure

    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    info = machine()
    counts = data_counts()
    wanted = [m for m in (args.only.split(",") if args.only else MEASUREMENTS) if m]
    unknown = set(wanted) - set(MEASUREMENTS)
    if unknown:
        raise SystemExit(f"未知的测量项：{sorted(unknown)}；可选：{MEASUREMENTS}")
    ctx = measure.Context(log)
    ctx.grants = counts["grants"]
    sections = []
    loads = []
    from bench import server

    def run(name, fn, *a, **kw):
        before = os.getloadavg()[0]
        log(f"测量：{name}（负载 {before:.2f}）")
        t0 = time.monotonic()
        section = fn(*a, **kw)
        section.load = (before, os.getloadavg()[0])
        loads.append(f"{name} {section.load[0]:.2f}/{section.load[1]:.2f}")
        sections.append(section)
        for row in section.rows:
            verdict = "—" if row.met is None else ("达标" if row.met else "未达标")
            log(f"  {row.target}: {row.figure} [{row.goal}] {verdict}")
        log(f"  （{time.monotonic() - t0:.0f} 秒）")

    with server.gunicorn(workers=5) as srv:
        if "search" in wanted:
            run("search", measure.measure_search, ctx, srv)
        if "list" in wanted:
            run("list", measure.measure_list, ctx, srv)
        if "page" in wanted:
            run("page", measure.measure_archive_page, ctx, srv)
        if "watermark" in wanted:
            run("watermark", measure.measure_watermark, ctx, srv, seconds=args.seconds)
        if "load" in wanted:
            run("load", measure.measure_load, ctx, srv, seconds=2 * args.seconds)
    if "completeness" in wanted:
        run("completeness", measure.measure_completeness, ctx)
    if "export" in wanted:
        run("export", measure.measure_export, ctx)
    if "audit" in wanted:
        run("audit", measure.measure_audit_overhead, ctx, seconds=args.seconds)

    write_report(
        args.output,
        args=args,
        info=info,
        counts=counts,
        generation=generation,
        sections=sections,
        started=started_at,
        loads=", ".join(loads),
    )
    with open(bench_env.RESULTS / "last.json", "w") as handle:
        json.dump(
            {
                "machine": info,
                "counts": counts,
                "generation": dict(generation or {}),
                "sections": {s.key: {"raw": s.raw, "load": s.load} for s in sections},
            },
            handle,
            ensure_ascii=False,
            indent=1,
            default=str,
        )
    log(f"已写入 {args.output}")
    return 0


def server_ready() -> bool:
    from bench import server

    if not server.wrk_available():
        log("缺少 wrk：apt-get install wrk（并发测量需要）")
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
