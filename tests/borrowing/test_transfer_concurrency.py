"""Races on PostgreSQL with real threads and connections: twenty clerks sending the same approved transfer, two
reviewers approving at once, and clerks numbering notices at the same moment. Each ends in exactly one outcome.

The four-rule check inside the transaction is slowed down (the real function, then a sleep) so that without
select_for_update every thread would read "approved" and send: the assertions would catch the second send.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from archives.models import Archive, ArchiveEvent, ArchiveStatus
from audit.models import AuditEvent
from borrowing.models import Transfer, TransferStatus
from borrowing.transfers import services
from core.errors import DomainError
from tests.borrowing.transfer_kit import ready_archive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, fn):
        try:
            barrier.wait(timeout=20)
            results[index] = ("ok", fn())
        except DomainError as exc:
            results[index] = ("refused", exc.code)
        except Exception as exc:  # an IntegrityError or a deadlock here means the lock did not hold
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def slow_check(monkeypatch):
    real = services.transfer_facts

    def slow(*args, **kwargs):
        facts = real(*args, **kwargs)
        time.sleep(0.15)
        return facts

    monkeypatch.setattr(services, "transfer_facts", slow)


def test_twenty_concurrent_sends_of_one_transfer_give_exactly_one_success(tkit, slow_check):
    transfer = tkit.approved()
    results = race([lambda: services.transfer_send(transfer=transfer, by=tkit.clerk) for _ in range(20)])
    outcomes = [r[0] for r in results]
    assert outcomes.count("ok") == 1, results
    assert outcomes.count("refused") == 19, results
    assert {r[1] for r in results if r[0] == "refused"} == {"INVALID_STATE"}
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.TRANSFERRING
    assert ArchiveEvent.objects.filter(archive=tkit.archive, kind="转出").count() == 1
    assert AuditEvent.objects.filter(action="transfer.send", outcome="success").count() == 1
    assert AuditEvent.objects.filter(action="transfer.send", outcome="denied").count() == 19


def test_two_reviewers_approving_at_once_sign_once(tkit, slow_check):
    transfer = tkit.submitted()
    results = race(
        [
            lambda: services.transfer_approve(transfer=transfer, by=tkit.reviewer),
            lambda: services.transfer_approve(transfer=transfer, by=tkit.reviewer2),
        ]
    )
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert AuditEvent.objects.filter(action="transfer.approve", outcome="success").count() == 1


def test_notices_numbered_at_the_same_moment_get_different_numbers(tkit):
    transfers = [tkit.draft(archive=ready_archive(tkit.org, name=f"并发{i}")) for i in range(6)]
    results = race(
        [lambda t=t: services.transfer_generate_notice(transfer=t, by=tkit.clerk) for t in transfers]
    )
    assert [r[0] for r in results] == ["ok"] * 6, results
    numbers = list(Transfer.objects.values_list("notice_seq", flat=True))
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_a_send_racing_a_loan_check_out_ends_in_one_of_them(tkit, slow_check):
    """The archive row is locked by the send: a concurrent status change waits and then sees 转递中."""
    transfer = tkit.approved()

    def lend():
        from django.db import transaction

        with transaction.atomic():
            archive = Archive.objects.select_for_update().get(pk=tkit.archive.pk)
            if archive.status != ArchiveStatus.IN_STORE:
                raise DomainError("ARCHIVE_NOT_AVAILABLE", "不在库")
            time.sleep(0.2)
            archive.status = ArchiveStatus.ON_LOAN
            archive.save(update_fields=["status"])
            return "lent"

    results = race([lambda: services.transfer_send(transfer=transfer, by=tkit.clerk), lend])
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    status = Archive.objects.get(pk=tkit.archive.pk).status
    sent = Transfer.objects.get(pk=transfer.pk).status == TransferStatus.SENT
    assert (status == ArchiveStatus.TRANSFERRING) == sent
