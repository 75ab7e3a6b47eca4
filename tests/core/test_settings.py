"""Settings modes: the same settings module in development, test and production, driven by environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "x9$k2!prod-like-secret-key-with-plenty-of-entropy-7f3a9c1e5b8d2f4a6c0e",
    "ALLOWED_HOSTS": "dangan.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/prod-like.sqlite3",
    "SECURE_SSL_REDIRECT": "True",
    "SECURE_HSTS_SECONDS": "31536000",
    "SESSION_COOKIE_SECURE": "True",
    "CSRF_COOKIE_SECURE": "True",
}
PROBE = (
    "import django,json;django.setup();from django.conf import settings as s;"
    "print(json.dumps({'engine':s.DATABASES['default']['ENGINE'],'eager':s.CELERY_TASK_ALWAYS_EAGER,"
    "'broker':s.CELERY_BROKER_URL,'debug':s.DEBUG,'lang':s.LANGUAGE_CODE,'tz':s.TIME_ZONE,"
    "'media':str(s.MEDIA_ROOT),'static':str(s.STATIC_ROOT)}))"
)


def run(env_overrides, *args):
    drop = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings"}, **env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def probe(env_overrides):
    import json

    result = run(env_overrides, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_defaults_sqlite_and_eager_tasks():
    data = probe({"DEBUG": "True"})
    assert data["engine"] == "django.db.backends.sqlite3"
    assert data["eager"] is True
    assert data["lang"] == "zh-hans" and data["tz"] == "Asia/Shanghai"


def test_redis_url_sends_tasks_to_the_broker_and_database_url_chooses_postgres():
    data = probe(
        {
            "DEBUG": "True",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "DATABASE_URL": "postgres://u:p@db.example:5432/cadre",
            "MEDIA_ROOT": "/srv/media",
            "STATIC_ROOT": "/srv/static",
        }
    )
    assert data["eager"] is False
    assert data["broker"] == "redis://127.0.0.1:6379/3"
    assert data["engine"] == "django.db.backends.postgresql"
    assert data["media"] == "/srv/media" and data["static"] == "/srv/static"


def test_secret_key_required_when_debug_is_off():
    """The web application (gunicorn, runserver) and the Celery worker refuse to start without the key."""
    result = run({"DEBUG": "False"}, "-c", "import config.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY 未设置" in result.stderr
    worker = run(
        {"DEBUG": "False"},
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "-Q",
        "secret-key-probe",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    )
    assert worker.returncode != 0
    assert "SECRET_KEY 未设置" in worker.stdout + worker.stderr


def test_commands_that_sign_nothing_run_without_the_key():
    """makemigrations --check works on a production-like environment without the key; check --deploy names it."""
    result = run({"DEBUG": "False"}, "manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    deploy = run({**PROD_ENV, "SECRET_KEY": ""}, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert deploy.returncode != 0
    assert "security.W009" in deploy.stdout + deploy.stderr


def test_check_deploy_reports_nothing_with_production_values():
    result = run(PROD_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("flag", ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"])
def test_check_deploy_notices_a_weakened_production_setting(flag):
    result = run({**PROD_ENV, flag: "False"}, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
