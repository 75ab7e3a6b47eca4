"""gunicorn on a free loopback port with the bench database, a keep-alive HTTP client, and wrk."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from bench import env as bench_env

LUA = Path(__file__).resolve().parent / "wrk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc = proc
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(x) for x in text.split()]


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM: the peak resident set size of a process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextmanager
def gunicorn(*, workers: int = 5, app: str = "config.wsgi:application", redis_url: str | None = None):
    """Start gunicorn (sync workers) on a free port and wait until /healthz answers; stop it afterwards."""
    port = free_port()
    env = bench_env.process_env(redis_url=redis_url)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "300",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--backlog",
        "256",
    ]
    log_path = bench_env.RESULTS / f"gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(cmd, env=env, cwd=bench_env.ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    server = Server(proc, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {log_path}")
            try:
                status, _ = Client(port).get("/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer on port {port}: see {log_path}")
            time.sleep(0.2)
        # Warm every worker (imports, connections) before anything is measured.
        warm = Client(port)
        for _ in range(workers * 4):
            warm.get("/healthz")
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with suppress(OSError):
            log_path.unlink()


class Client:
    """One keep-alive HTTP/1.1 connection; returns (status, body bytes)."""

    def __init__(self, port: int, *, cookie: str = "", token: str = ""):
        self.port = port
        self.headers = {"Host": "127.0.0.1", "User-Agent": "cadre-bench"}
        if cookie:
            self.headers["Cookie"] = f"sessionid={cookie}"
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str):
        return self.request("GET", path)

    def stream(self, path: str, chunk: int = 1 << 16):
        """GET and read the body in chunks without keeping it; -> (status, bytes, newlines)."""
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        total = lines = 0
        while True:
            data = response.read(chunk)
            if not data:
                break
            total += len(data)
            lines += data.count(b"\n")
        return response.status, total, lines


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    server: Server,
    script: str,
    *,
    connections: int = 20,
    seconds: int = 15,
    threads: int = 2,
    variables: dict | None = None,
) -> dict:
    """Run wrk with one of bench/wrk/*.lua; the script's done() prints one JSON line with the summary."""
    env = {
        **os.environ,
        "BENCH_LUA_DIR": str(LUA),
        "BENCH_THREADS": str(threads),
        **{f"BENCH_{k.upper()}": str(v) for k, v in (variables or {}).items()},
    }
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA / script),
        server.base,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(f"wrk gave no summary: {out.stdout}\n{out.stderr}")


@contextmanager
def celery_worker(redis_url: str, *, concurrency: int = 2):
    """A real Celery worker (prefork, `concurrency` processes, both queues) on the bench database and the given
    Redis database, as `make worker` runs it; yields a Celery client app bound to the same broker."""
    from celery import Celery
    from django.conf import settings

    env = bench_env.process_env(redis_url=redis_url)
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        "fast,slow",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--prefetch-multiplier",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "warning",
    ]
    log_path = bench_env.RESULTS / "celery-worker.log"
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(cmd, env=env, cwd=bench_env.ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    client = Celery("bench-client", broker=redis_url, backend=redis_url)
    client.conf.task_routes = settings.CELERY_TASK_ROUTES
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited: see {log_path}")
            replies = client.control.ping(timeout=1.0)
            if replies:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not answer: see {log_path}")
        yield client
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        client.close()
