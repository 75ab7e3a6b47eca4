import socket

from celery import shared_task
from django.db import connection


@shared_task(name="core.tasks.health_check")
def health_check(token: str) -> dict:
    """Proves the round trip: broker -> worker -> database -> result backend."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        db_ok = cursor.fetchone()[0] == 1
    return {"token": token, "db": db_ok, "worker": socket.gethostname()}
