"""Helpers of the guards owned by H2 (tests/guards/test_url_walk.py, test_concurrency.py, test_faults.py).

- race(): N calls in N threads released together behind a barrier, each on its own database connection.
- Processes of our own: a throw-away redis-server on a free port, the application served by a real server
  process, and a real Celery worker process, all pointed at the test database. Each is stopped by its own pid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from core.errors import DomainError

ROOT = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent


# --- races ---------------------------------------------------------------------------------------------------


def race(calls: list[Callable[[], object]], *, timeout: float = 120) -> list[tuple[str, object]]:
    """Run the calls in threads released together by a barrier.

    Returns one ("ok", value) | ("refused", DomainError code) | ("error", repr) per call, in call order.
    Every thread closes its own database connection when done.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, fn: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", fn())
        except DomainError as exc:
            results[index] = ("refused", exc.code)
        except Exception as exc:  # an IntegrityError or a deadlock here means a lock did not hold
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn), daemon=True) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    hung = [i for i, t in enumerate(threads) if t.is_alive()]
    assert not hung, f"threads {hung} still running after {timeout} s (a lock wait that never ends?)"
    return results


# --- processes of our own --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 20, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop one process we started, by its pid (SIGKILL if it does not go in time)."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class OwnRedis:
    """A redis-server of our own on one port (never the shared one): started, stopped and started again."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def service_env(redis_url: str, **extra: str) -> dict[str, str]:
    """Environment of a server or worker process on the TEST database (pytest-django's test_<name>).

    PYTEST_VERSION stays set, so config/settings.py takes its test branch (throw-away key, plain HTTP, the test
    password hasher): the process reads what the test wrote."""
    db = dict(connection.settings_dict)
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    env.update(extra)
    return env


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def app_server(redis_url: str, log_dir: Path, **extra: str) -> Iterator[Server]:
    """The application under gunicorn (one sync worker), as in production, on the test database."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=service_env(redis_url, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=40, proc=proc)
        yield Server(proc, port, log)
    finally:
        stop(proc)


@contextlib.contextmanager
def celery_worker_process(redis_url: str, log_dir: Path, **extra: str) -> Iterator[subprocess.Popen]:
    """A real worker (`celery -A config worker -Q fast,slow --pool solo`) on the test database."""
    log = log_dir / f"worker-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "fast,slow",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
                "-n",
                f"h2-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=service_env(redis_url, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.log = log  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        stop(proc, timeout=20)


def wait_until(
    predicate: Callable[[], object], *, timeout: float, every: float = 0.1, what: str = ""
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"not true after {timeout} s: {what}")
