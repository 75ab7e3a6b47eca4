"""Where the benchmark runs: the bench database, its media and static folders, and the environment of every
process the bench starts (itself, migrate, collectstatic, gunicorn). Nothing here touches the shared databases.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # git-ignored
DEFAULT_URL = "postgres://cadre:cadre@127.0.0.1:5432/cadre_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
SECRET = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def database_name(url: str | None = None) -> str:
    return urlsplit(url or database_url()).path.lstrip("/")


def media_root() -> Path:
    return RESULTS / database_name() / "media"


def static_root() -> Path:
    return RESULTS / "static"


def process_env(*, redis_url: str | None = None) -> dict[str, str]:
    """The environment of the bench and of the servers it starts: production settings (DEBUG off, manifest
    static files) over plain HTTP on the loopback, the bench database, no shared Redis database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "PYTEST_VERSION", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        DEBUG="False",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        SECURE_HSTS_SECONDS="0",
        MEDIA_ROOT=str(media_root()),
        STATIC_ROOT=str(static_root()),
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="600",
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def apply_to_this_process() -> None:
    """Before django.setup(): this process uses the bench settings (tasks run eagerly, in-process)."""
    for key in ("REDIS_URL", "PYTEST_VERSION"):
        os.environ.pop(key, None)
    os.environ.update(process_env())
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def ensure_database(log=print) -> None:
    """Create the bench database when absent: as its own role (CREATEDB, as in CI), else as postgres."""
    import psycopg

    url = database_url()
    name = database_name(url)
    parts = urlsplit(url)
    owner = parts.username or "cadre"
    candidates = [urlunsplit(parts._replace(path="/postgres"))]
    admin = parts._replace(netloc=f"postgres@{parts.hostname}:{parts.port or 5432}", path="/postgres")
    candidates.append(urlunsplit(admin))
    last_error: Exception | None = None
    for candidate in candidates:
        try:
            with psycopg.connect(candidate, autocommit=True, connect_timeout=5) as conn:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    return
                conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
                log(f"已创建基准数据库 {name}")
                return
        except psycopg.Error as exc:
            last_error = exc
    raise SystemExit(f"无法连接或创建基准数据库 {name}：{last_error}")


def drop_database(log=print) -> None:
    import psycopg

    url = database_url()
    name = database_name(url)
    parts = urlsplit(url)
    for candidate in (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(
            parts._replace(netloc=f"postgres@{parts.hostname}:{parts.port or 5432}", path="/postgres")
        ),
    ):
        try:
            with psycopg.connect(candidate, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                log(f"已删除基准数据库 {name}")
                return
        except psycopg.Error:
            continue
    raise SystemExit(f"无法删除基准数据库 {name}")
