import uuid

import pytest

from core.tasks import health_check


def test_health_task_runs_in_process_in_eager_mode(db):
    token = uuid.uuid4().hex
    result = health_check.delay(token)
    assert result.get(timeout=5)["token"] == token


@pytest.mark.redis
def test_health_task_round_trip_through_a_real_worker_on_redis(celery_worker):
    from config.celery import app

    assert app.conf.broker_url.startswith("redis://")
    token = uuid.uuid4().hex
    result = health_check.delay(token)
    value = result.get(timeout=30)
    assert value["token"] == token
    assert value["db"] is True
