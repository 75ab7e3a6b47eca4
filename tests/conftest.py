"""Shared fixtures: the real database (SQLite or PostgreSQL), Redis with a real Celery worker, Chromium.

Tests that need PostgreSQL, Redis or Chromium are skipped with the reason when those are absent, except under
REQUIRE_SERVICES=1 (CI), where their absence stops the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE = os.environ.get("REQUIRE_SERVICES") == "1"
ARTIFACTS = Path(settings.TEST_ARTIFACTS_DIR)


def _redis_ok() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


def _chromium_ok() -> bool:
    return os.path.exists(CHROMIUM) or bool(shutil.which("chromium"))


def pytest_collection_modifyitems(config, items):
    is_pg = connection.vendor == "postgresql"
    redis_ok = _redis_ok()
    chromium_ok = _chromium_ok()
    if REQUIRE:
        missing = [
            name
            for name, ok in (
                ("PostgreSQL (DATABASE_URL)", is_pg),
                ("Redis (REDIS_URL)", redis_ok),
                ("Chromium", chromium_ok),
            )
            if not ok
        ]
        if missing:
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 but not available: {', '.join(missing)}")
    skips = {
        "postgres": (is_pg, "needs PostgreSQL: set DATABASE_URL=postgres://..."),
        "redis": (redis_ok, "needs Redis and a Celery worker: set REDIS_URL=redis://... with Redis running"),
        "browser": (chromium_ok, f"needs Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"),
    }
    for item in items:
        for marker, (ok, reason) in skips.items():
            if marker in item.keywords and not ok:
                item.add_marker(pytest.mark.skip(reason=reason))


# --- Celery: eager by default, a real worker on Redis on request -------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (thread, solo pool) consuming the Redis broker; the test database is shared."""
    if not _redis_ok():
        pytest.skip("needs Redis: set REDIS_URL")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=20,
            queues=["fast", "slow"],
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


# --- data ------------------------------------------------------------------------------------------------


@pytest.fixture
def org(db):
    return factories.Org()


@pytest.fixture
def make_user(db):
    return factories.user


@pytest.fixture
def make_archive(db):
    return factories.archive


@pytest.fixture
def clerk(org):
    return factories.user("clerk", roles=["管档员"], unit=org.city_org, full_name="管档员甲")


@pytest.fixture
def reviewer(org):
    return factories.user("reviewer", roles=["审批人"], unit=org.city_org, full_name="审批人甲")


@pytest.fixture
def auditor(org):
    return factories.user("auditor", roles=["审计员"], unit=org.city_org, full_name="审计员甲")


@pytest.fixture
def demo(transactional_db):
    """The demo organisation and users of seed_demo (no cadres): for browser tests."""
    from accounts import demo as accounts_demo

    units = accounts_demo.seed_units()
    users = accounts_demo.seed_users(units)
    return {"units": units, "users": users, "password": accounts_demo.DEMO_PASSWORD}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes files into its own temporary media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/x/"},
        },
    }
    from django.core.files.storage import storages

    storages._storages = {}
    yield
    storages._storages = {}


# --- browser (Playwright driving Debian's Chromium) -------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 768},
        "locale": "zh-CN",
        "accept_downloads": True,
    }


@pytest.fixture
def screenshot(page):
    """screenshot("name") saves test-artifacts/screenshots/name.png (git-ignored) and returns the path."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def login(page, live_server):
    def do(username: str, password: str = factories.PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do
