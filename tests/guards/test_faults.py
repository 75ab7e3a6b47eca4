"""Faults, with real processes: the application under gunicorn, a Celery worker, a redis-server of our own.

1. Redis stops. Pages still serve; filing a material (which enqueues its completeness check) and uploading a scan
   (which enqueues its renditions) succeed at once, and the login lockout still counts. The tasks published while
   Redis was down are gone (a worker started after Redis is back never sees them); the recovery task
   (archives.tasks.requeue_lost_work, beat every five minutes, archives/recovery.py) enqueues them again and the
   worker computes the report and the renditions.
2. A Celery worker is SIGKILLed in the middle of the completeness sweep: every report is whole or absent (each
   chunk commits with its done mark), the next run completes, and the reports equal the one-archive check.
3. The database connection of a request is terminated (pg_terminate_backend) while its view waits on the
   database: the response is the clean 500 page or JSON, promptly, and the next request works (the server
   reconnects: CONN_HEALTH_CHECKS).

The server and worker processes use the TEST database (pytest-django's test_<name>), so these tests commit
(django_db(transaction=True)) and poll the database for what the other processes did.
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import signal
import subprocess
import threading
import time

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone
from PIL import Image

from accounts.models import ManagementLevel, Unit
from archives import signals_completeness
from archives.completeness import check_archive, evaluate, gather, load_rules
from archives.models import (
    Archive,
    Cadre,
    CompletenessReport,
    Material,
    MaterialKind,
    MaterialStatus,
    Page,
    SweepChunk,
    SweepRun,
)
from archives.sweep import STALE_SECONDS
from tests import factories
from tests.archives.completeness_helpers import add, make_archive, random_archives, store_page
from tests.guards.h2_support import (
    VENV_BIN,
    OwnRedis,
    app_server,
    celery_worker_process,
    service_env,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FAST = 5.0  # seconds: a request that published to a dead broker must answer well within this (was ~20 s)
REPORT_FIELDS = ("is_complete", "has_veto", "score", "expected_count", "missing_count", "veto_count", "items")


def need_redis_server() -> None:
    if not shutil.which("redis-server"):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed")
        pytest.skip("needs redis-server (apt-get install redis-server)")


@pytest.fixture
def own_redis():
    need_redis_server()
    redis = OwnRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def logs(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


def psql():
    """A connection of our own to the test database (for what the test process must do beside Django)."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    )


def celery_call(redis_url: str, task: str, kwargs: str) -> None:
    """Publish a task through the broker with the celery command line (as an operator or beat would)."""
    subprocess.run(
        [str(VENV_BIN / "celery"), "-A", "config", "call", task, "--kwargs", kwargs],
        cwd=settings.BASE_DIR,
        env=service_env(redis_url),
        check=True,
        timeout=60,
        capture_output=True,
    )


def wait_ready(worker, timeout=60) -> None:
    wait_until(
        lambda: b" ready." in worker.log.read_bytes() or worker.poll() is not None,
        timeout=timeout,
        what="worker ready",
    )
    assert worker.poll() is None, worker.log.read_text()[-3000:]


def login(server, username: str, password: str = factories.PASSWORD) -> requests.Response:
    session = requests.Session()
    session.get(f"{server.url}/accounts/login/", timeout=20)
    response = session.post(
        f"{server.url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=20,
        allow_redirects=False,
    )
    response.session = session
    return response


def timed(fn):
    started = time.monotonic()
    response = fn()
    return response, time.monotonic() - started


def fresh(archive_id: int) -> dict:
    result = evaluate(load_rules(), gather(archive_id, load_rules()))
    return {k: result[k] for k in (*REPORT_FIELDS, "digest")}


def stored(report: CompletenessReport) -> dict:
    return {k: getattr(report, k) for k in (*REPORT_FIELDS, "digest")}


def scan_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (620, 877), "white").save(buf, format="JPEG", dpi=(300, 300))
    return buf.getvalue()


# --- 1. Redis stopped --------------------------------------------------------------------------------------


def test_with_redis_stopped_pages_serve_and_enqueued_work_is_recovered(org, own_redis, logs):
    factories.user("f_clerk", roles=["管档员"], unit=org.city_org, full_name="管档员故障")
    factories.user("f_locked", roles=["管档员"], unit=org.city_org)
    archive = make_archive(org, name="故障甲", archive_no="GZ-0001", cadre_type="civil_servant")
    year = timezone.localdate().year - 1
    to_file = add(archive, "annual_appraisal", year, 12, 20, status=MaterialStatus.IDENTIFIED)
    scanned = add(archive, "resume_1999", 2001, 5, 1)
    before = CompletenessReport.objects.get(archive=archive)  # the eager check ran on commit
    assert before.requested_at is None or before.requested_at <= before.computed_at

    with app_server(own_redis.url, logs) as server:
        response = login(server, "f_clerk")
        assert response.status_code == 302, response.text[:500]
        web = response.session
        token = requests.post(
            f"{server.url}/api/auth/token/",
            json={"username": "f_clerk", "password": factories.PASSWORD},
            timeout=20,
        ).json()["token"]
        api = {"Authorization": f"Token {token}"}
        assert web.get(f"{server.url}/", timeout=20).status_code == 200

        own_redis.stop()

        # Pages serve.
        for path in ("/", "/archives/", f"/archives/{archive.pk}/"):
            response, took = timed(lambda path=path: web.get(f"{server.url}{path}", timeout=30))
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            assert took < FAST, (path, took)
        assert "GZ-0001" in web.get(f"{server.url}/archives/{archive.pk}/", timeout=30).text

        # Filing a material: done at once, its check requested (and not computed: no broker).
        response, took = timed(
            lambda: requests.post(
                f"{server.url}/api/materials/{to_file.pk}/file/", json={}, headers=api, timeout=30
            )
        )
        assert response.status_code == 200, response.text[:500]
        assert took < FAST, took
        assert Material.objects.get(pk=to_file.pk).status == MaterialStatus.FILED
        report = CompletenessReport.objects.get(archive=archive)
        assert report.requested_at > report.computed_at == before.computed_at

        # Uploading a scan: stored at once, renditions pending (the enqueue error no longer fails the request).
        response, took = timed(
            lambda: requests.post(
                f"{server.url}/api/materials/{scanned.pk}/pages/",
                files={"files": ("p1.jpg", scan_jpeg(), "image/jpeg")},
                headers=api,
                timeout=30,
            )
        )
        assert response.status_code == 201, response.text[:500]
        assert took < FAST, took
        page = Page.objects.get(material=scanned)
        assert page.rendition_status == Page.RenditionStatus.PENDING

        # The lockout lives in the database: it still counts and locks without Redis (the API's rate
        # throttle, kept in the cache, lets requests through meanwhile: the lockout is the guard).
        for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD):
            assert login(server, "f_locked", "wrong-password").status_code == 200
        refused = login(server, "f_locked")
        assert refused.status_code == 200 and "已被锁定" in refused.text
        response = requests.post(
            f"{server.url}/api/auth/token/",
            json={"username": "f_locked", "password": factories.PASSWORD},
            timeout=20,
        )
        assert response.status_code == 400 and response.json()["code"] == "LOGIN_LOCKED", response.text

        # Redis is back (empty: what was published while it was down is gone) and a worker runs.
        own_redis.start()
        with celery_worker_process(own_redis.url, logs) as worker:
            wait_ready(worker)
            time.sleep(1.0)
            report.refresh_from_db()
            page.refresh_from_db()
            assert report.requested_at > report.computed_at, "the lost check ran without the recovery task?"
            assert page.rendition_status == Page.RenditionStatus.PENDING

            # The recovery task (beat runs it every five minutes for work older than TASK_RECOVERY_MINUTES).
            celery_call(own_redis.url, "archives.tasks.requeue_lost_work", '{"older_than_minutes": 0}')
            wait_until(
                lambda: (
                    CompletenessReport.objects.filter(
                        archive=archive, computed_at__gte=timezone.now() - datetime.timedelta(minutes=5)
                    )
                    .exclude(computed_at=before.computed_at)
                    .exists()
                    and Page.objects.get(pk=page.pk).rendition_status == Page.RenditionStatus.READY
                ),
                timeout=60,
                what="report recomputed and renditions made by the worker",
            )
        # And the pages served afterwards still work with Redis back.
        assert web.get(f"{server.url}/archives/{archive.pk}/", timeout=30).status_code == 200

    report = CompletenessReport.objects.get(archive=archive)
    assert report.computed_at >= report.requested_at
    assert stored(report) == fresh(archive.pk)
    assert report.digest != before.digest  # the filed appraisal counts now
    page.refresh_from_db()
    assert page.display and page.thumbnail


@pytest.mark.django_db
def test_recovery_takes_only_work_that_waited_longer_than_the_period(org, settings):
    """What requeue_lost_work picks: checks requested and not computed since for more than
    TASK_RECOVERY_MINUTES, archives never checked that old, pages whose renditions are pending that long."""
    from archives import recovery

    settings.TASK_RECOVERY_MINUTES = 10
    now = timezone.now()
    old, recent, computed, never, fresh_never = (make_archive(org) for _ in range(5))
    for archive in (old, recent, computed):
        check_archive(archive.pk)
    reports = CompletenessReport.objects
    reports.filter(archive=old).update(
        computed_at=now - datetime.timedelta(hours=2), requested_at=now - datetime.timedelta(minutes=11)
    )
    reports.filter(archive=recent).update(
        computed_at=now - datetime.timedelta(hours=2), requested_at=now - datetime.timedelta(minutes=2)
    )
    reports.filter(archive=computed).update(
        computed_at=now - datetime.timedelta(minutes=20), requested_at=now - datetime.timedelta(minutes=30)
    )
    reports.filter(archive__in=[never, fresh_never]).delete()
    Archive.objects.filter(pk=never.pk).update(created_at=now - datetime.timedelta(minutes=30))
    assert recovery.lost_completeness_checks() == [old.pk, never.pk]
    assert set(recovery.lost_completeness_checks(older_than_minutes=0)) == {
        old.pk,
        recent.pk,
        never.pk,
        fresh_never.pk,
    }

    material = add(old, "resume_1999", 2001)
    pages = [store_page(material, n) for n in (1, 2, 3)]
    Page.objects.filter(pk=pages[0].pk).update(uploaded_at=now - datetime.timedelta(minutes=30))
    Page.objects.filter(pk=pages[1].pk).update(
        uploaded_at=now - datetime.timedelta(minutes=30), rendition_status=Page.RenditionStatus.READY
    )
    assert recovery.lost_renditions() == [pages[0].pk]

    # Run in-process (eager here): the lost check is computed, the pending page rendered.
    assert recovery.requeue_lost_work() == {"archives": 2, "pages": 1}
    report = CompletenessReport.objects.get(archive=old)
    assert report.computed_at > report.requested_at - datetime.timedelta(seconds=1)
    assert CompletenessReport.objects.filter(archive=never).exists()
    assert recovery.lost_completeness_checks() == []


@pytest.mark.django_db
def test_a_determination_approved_while_the_broker_is_down_still_refreshes_the_case_flags(
    org, monkeypatch, django_capture_on_commit_callbacks
):
    """The on-commit refresh of a review case's flags: the broker refuses, the approval stands (no 500) and the
    refresh runs in-process instead of being lost."""
    from kombu.exceptions import OperationalError as BrokerDown

    from archives import determinations
    from reviews import services as reviews
    from reviews import tasks
    from reviews.models import FlagStatus
    from tests.reviews.conftest import clean_archive

    reviewer = factories.user("f_rev", roles=["审批人"], unit=org.city_org)
    reviewer2 = factories.user("f_rev2", roles=["审批人"], unit=org.city_org)
    archive = clean_archive(org.city_org, unit=org.city_bureau)
    birth = datetime.date(1974, 3, 15)
    Material.objects.filter(archive=archive, kind__code="league_admission").update(stated_birth_date=birth)
    case = reviews.case_open(
        archive=archive,
        proposed_post="副秘书长",
        requesting_unit=org.city_bureau,
        reviewer=reviewer,
        by=reviewer,
    )
    assert case.flags.get(code="BIRTHDATE_INCONSISTENT").status == FlagStatus.OPEN
    d = determinations.determination_propose(
        cadre=archive.cadre,
        subject="birth_date",
        by=reviewer,
        value_date=birth,
        basis="以最早的入团志愿书为准",
        basis_materials=[Material.objects.get(archive=archive, kind__code="league_admission")],
        determining_organ="中共测试市委组织部",
        determined_on=datetime.date(2026, 11, 20),
    )

    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.refresh_case_flags, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        determinations.determination_approve(determination=d, by=reviewer2)
    assert callbacks
    assert case.flags.get(code="BIRTHDATE_INCONSISTENT").status == FlagStatus.CLEARED


# --- 2. A worker killed during the sweep ---------------------------------------------------------------------


def plain_archives(org, n: int) -> list[int]:
    """n archives with a few filed appraisals each, written in bulk (no signals, no checks)."""
    kind = MaterialKind.objects.select_related("category").get(code="annual_appraisal")
    unit = Unit.objects.get(pk=org.city_org.pk)
    cadres = Cadre.objects.bulk_create(
        [
            Cadre(
                name=f"批量{i}",
                sex="1",
                birth_date=datetime.date(1970 + i % 20, 1 + i % 12, 1 + i % 28),
                unit=unit,
                management_level=ManagementLevel.MUNICIPAL,
                political_status="01",
                work_start_date=datetime.date(2005 + i % 10, 7, 1),
                party_join_date=datetime.date(2004, 6, 1),
                cadre_type=("civil_servant", "institution", "cs_managed")[i % 3],
            )
            for i in range(n)
        ]
    )
    archives = Archive.objects.bulk_create(
        [Archive(archive_no=f"PL{i:05d}", cadre=c, holding_unit=unit) for i, c in enumerate(cadres)]
    )
    materials = []
    for i, a in enumerate(archives):
        for j, year in enumerate(range(2010 + i % 7, 2024, 1 + i % 3)):
            materials.append(
                Material(
                    archive=a,
                    category=kind.category,
                    kind=kind,
                    title=f"{year}年度考核登记表",
                    formed_year=year,
                    formed_month=12,
                    formed_day=20,
                    formed_on=datetime.date(year, 12, 20),
                    page_count=2,
                    status=MaterialStatus.FILED,
                    seq=j + 1,
                )
            )
    Material.objects.bulk_create(materials, batch_size=2000)
    return [a.pk for a in archives]


def chunk_state(run_id: int):
    return list(SweepChunk.objects.filter(run_id=run_id).order_by("seq").values("lo", "hi", "done_at"))


def test_a_worker_killed_during_the_sweep_leaves_whole_reports_and_the_next_run_completes(org, logs):
    need_redis_server()
    redis = OwnRedis()
    with signals_completeness.paused():
        random_archives(org, 30)
        plain_archives(org, 370)
    CompletenessReport.objects.all().delete()  # start from "never checked": absent or whole, nothing between
    total = Archive.objects.count()
    chunk = 4
    redis.start()
    try:
        with celery_worker_process(redis.url, logs, SWEEP_CHUNK_ARCHIVES=str(chunk)) as worker:
            wait_ready(worker)
            celery_call(redis.url, "archives.tasks.sweep_completeness", '{"trigger": "test"}')
            run = wait_until(lambda: SweepRun.objects.first(), timeout=30, what="sweep planned")
            chunks = -(-total // chunk)
            wait_until(
                lambda: (
                    SweepRun.objects.get(pk=run.pk).chunks_total == chunks
                    and SweepChunk.objects.filter(run=run, done_at__isnull=False).count() >= 8
                ),
                timeout=60,
                every=0.02,
                what="a few chunks done",
            )
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)

        # Killed mid-way: the run is unfinished, and every archive's report is whole (its chunk committed with
        # its done mark) or absent (its chunk rolled back or never started): nothing in between.
        run.refresh_from_db()
        done = [c for c in chunk_state(run.pk) if c["done_at"] is not None]
        assert run.status == SweepRun.Status.RUNNING, run.status
        assert 8 <= len(done) < chunks, (len(done), chunks)
        assert run.chunks_done == len(done)
        reports = {r.archive_id: r for r in CompletenessReport.objects.all()}
        done_ids = set(
            Archive.objects.filter(
                pk__in=[pk for c in done for pk in range(c["lo"], c["hi"] + 1)]
            ).values_list("pk", flat=True)
        )
        assert set(reports) == done_ids
        assert run.archives_checked == len(done_ids)
        for pk in list(done_ids)[:60]:
            assert stored(reports[pk]) == fresh(pk), pk

        # The next run: a restarted worker takes the chunks still queued; the sweep started again (once the dead
        # run's heartbeat is older than STALE_SECONDS, as the next beat would find it) checks what is left.
        with celery_worker_process(redis.url, logs, SWEEP_CHUNK_ARCHIVES=str(chunk)) as worker:
            wait_ready(worker)
            wait_until(
                lambda: SweepRun.objects.get(pk=run.pk).chunks_done >= chunks - 1,
                timeout=90,
                what="queued chunks done by the new worker",
            )
            # The message of the chunk that was running when the worker died stays unacknowledged until the
            # broker's visibility timeout (an hour) gives it back; the next start of the sweep does not wait.
            if SweepRun.objects.get(pk=run.pk).status != SweepRun.Status.DONE:
                SweepRun.objects.filter(pk=run.pk).update(
                    heartbeat_at=timezone.now() - datetime.timedelta(seconds=STALE_SECONDS + 60)
                )
                celery_call(redis.url, "archives.tasks.sweep_completeness", '{"trigger": "beat"}')
                wait_until(
                    lambda: SweepRun.objects.get(pk=run.pk).status == SweepRun.Status.DONE,
                    timeout=90,
                    what="the resumed run finishes",
                )
                assert SweepRun.objects.count() == 1  # resumed, not started afresh
    finally:
        redis.stop()

    run.refresh_from_db()
    assert run.status == SweepRun.Status.DONE
    assert run.chunks_done == chunks and run.archives_checked == total
    reports = {r.archive_id: r for r in CompletenessReport.objects.all()}
    assert len(reports) == total
    ruleset = load_rules()
    for pk, report in reports.items():
        expected = evaluate(ruleset, gather(pk, ruleset))
        assert stored(report) == {k: expected[k] for k in (*REPORT_FIELDS, "digest")}, pk


# --- 3. A database connection dropped mid-request -------------------------------------------------------------


def test_a_database_connection_dropped_mid_request_gives_a_clean_error_and_the_next_request_works(org, logs):
    clerk = factories.user("f_db_clerk", roles=["管档员"], unit=org.city_org)
    archive = factories.archive(holding_unit=org.city_org, archive_no="DB-0001")
    table = Archive._meta.db_table
    with app_server(settings.REDIS_URL, logs) as server:
        response = login(server, clerk.username)
        assert response.status_code == 302
        web = response.session
        token = requests.post(
            f"{server.url}/api/auth/token/",
            json={"username": clerk.username, "password": factories.PASSWORD},
            timeout=20,
        ).json()["token"]
        api = {"Authorization": f"Token {token}"}

        for path, headers, clean in (
            (f"/archives/{archive.pk}/", {}, "系统内部错误"),
            (f"/api/archives/{archive.pk}/", api, '"code":"SERVER_ERROR"'),
        ):
            assert web.get(f"{server.url}{path}", headers=headers, timeout=20).status_code == 200
            with psql() as locker, psql() as admin:
                # Hold the archive table so the view's query waits; then cut that request's connection.
                locker.execute("BEGIN")
                locker.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
                result = {}

                def get(path=path, headers=headers, result=result):
                    started = time.monotonic()
                    result["response"] = web.get(f"{server.url}{path}", headers=headers, timeout=30)
                    result["took"] = time.monotonic() - started

                thread = threading.Thread(target=get)
                thread.start()
                waiting = wait_until(
                    lambda: admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    ).fetchall(),
                    timeout=20,
                    what="the request waiting on the database",
                )
                for (pid,) in waiting:
                    admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                thread.join(timeout=30)
                locker.execute("ROLLBACK")
            response = result["response"]
            assert response.status_code == 500, (path, response.status_code, response.text[:300])
            assert clean in response.text.replace(" ", ""), response.text[:300]
            assert "Traceback" not in response.text and "OperationalError" not in response.text
            assert result["took"] < 20, result["took"]
            # The next request reconnects and works.
            again = web.get(f"{server.url}{path}", headers=headers, timeout=20)
            assert again.status_code == 200, (path, again.status_code, again.text[:300])
        assert web.get(f"{server.url}/healthz", timeout=20).json() == {"status": "ok"}
