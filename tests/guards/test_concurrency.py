"""Twenty threads, one object: approving the same access request, returning the same loan, sending the same
transfer, on PostgreSQL with twenty real connections released together behind a barrier.

Exactly one call succeeds; the nineteen others get a DomainError with the state code (never an IntegrityError,
a deadlock or a hang), and nothing is lost or doubled: one approval, one set of grants, one return check, one
archive history entry, one audit success, the right archive status.

The rule check inside each transaction is slowed down (the real function, then a sleep) so that without the
row lock every thread would read the same state and write: the counts below would catch the second write.
"""

from __future__ import annotations

import time

import pytest

from archives.models import Archive, ArchiveEvent, ArchiveStatus, ArchiveUserObjectPermission
from audit.models import AuditEvent
from borrowing import services as borrowing
from borrowing.models import (
    AccessRequest,
    Approval,
    Checkout,
    CheckoutStatus,
    RequestStatus,
    ReturnCheck,
    Transfer,
    TransferStatus,
)
from borrowing.transfers import services as transfers
from tests.borrowing.conftest import build_kit
from tests.borrowing.transfer_kit import build_kit as build_transfer_kit
from tests.guards.h2_support import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture
def kit(org):
    """Viewing and borrowing (tests/borrowing/conftest.py): a city, its clerk, two reviewers, two viewers."""
    return build_kit(org)


@pytest.fixture
def tkit(org):
    """Transfers (tests/borrowing/transfer_kit.py): an archive ready to be sent, two clerks, reviewers."""
    return build_transfer_kit(org)


def slowed(monkeypatch, owner, name: str, seconds: float = 0.15) -> None:
    real = getattr(owner, name)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(owner, name, slow)


def outcomes(results) -> tuple[list, list, list]:
    ok = [r for r in results if r[0] == "ok"]
    refused = [r[1] for r in results if r[0] == "refused"]
    errors = [r for r in results if r[0] == "error"]
    return ok, refused, errors


def test_twenty_reviewers_approving_one_request_approve_it_once(kit, monkeypatch):
    req = kit.submitted(mode="digital")  # one level: the first approval decides
    slowed(monkeypatch, borrowing, "check_request")
    reviewers = [kit.reviewer, kit.reviewer2]
    results = race(
        [
            lambda by=reviewers[i % 2]: borrowing.access_request_approve(request=req, by=by).status
            for i in range(THREADS)
        ]
    )
    ok, refused, errors = outcomes(results)
    assert not errors, errors
    assert ok == [("ok", RequestStatus.APPROVED)], results
    assert refused == [borrowing.INVALID_STATE] * (THREADS - 1), results

    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.approved_at is not None
    assert Approval.objects.filter(request=req).count() == 1
    # One time-boxed grant per approved viewer (two), not forty.
    assert ArchiveUserObjectPermission.objects.filter(access_request_id=req.pk).count() == 2
    assert AuditEvent.objects.filter(action="access_request.approve", outcome="success").count() == 1
    denied = AuditEvent.objects.filter(action="access_request.approve", outcome="denied")
    assert denied.count() == THREADS - 1
    assert {e.details["code"] for e in denied} == {borrowing.INVALID_STATE}
    assert Archive.objects.get(pk=kit.archive.pk).status == ArchiveStatus.IN_STORE


def test_twenty_clerks_returning_one_loan_check_it_in_once(kit, monkeypatch):
    req = kit.approved(mode="loan")
    (checkout,) = borrowing.access_request_checkout(
        request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    assert Archive.objects.get(pk=kit.archive.pk).status == ArchiveStatus.ON_LOAN
    items = {m.pk: {"present": True, "pages": m.page_count} for m in kit.materials}
    slowed(monkeypatch, borrowing.rules, "compare_return")
    results = race(
        [
            lambda: (
                borrowing.checkout_return(
                    checkout=checkout, by=kit.clerk, items=items, signatures=["查阅人郑"]
                ).matched
            )
            for _ in range(THREADS)
        ]
    )
    ok, refused, errors = outcomes(results)
    assert not errors, errors
    assert ok == [("ok", True)], results
    assert refused == [borrowing.INVALID_STATE] * (THREADS - 1), results

    checkout = Checkout.objects.get(pk=checkout.pk)
    assert checkout.status == CheckoutStatus.RETURNED and checkout.returned_at is not None
    assert ReturnCheck.objects.filter(checkout=checkout).count() == 1
    assert AccessRequest.objects.get(pk=req.pk).status == RequestStatus.RETURNED
    assert Archive.objects.get(pk=kit.archive.pk).status == ArchiveStatus.IN_STORE
    assert ArchiveEvent.objects.filter(archive=kit.archive, kind="归还").count() == 1
    assert ArchiveEvent.objects.filter(archive=kit.archive, kind="归还异常").count() == 0
    assert AuditEvent.objects.filter(action="access_request.return", outcome="success").count() == 1
    assert not AuditEvent.objects.filter(action="access_request.return_anomaly").exists()


def test_twenty_clerks_sending_one_transfer_send_it_once(tkit, monkeypatch):
    transfer = tkit.approved()
    slowed(monkeypatch, transfers, "transfer_facts")
    clerks = [tkit.clerk, tkit.clerk2]
    results = race(
        [
            lambda by=clerks[i % 2]: transfers.transfer_send(transfer=transfer, by=by).status
            for i in range(THREADS)
        ]
    )
    ok, refused, errors = outcomes(results)
    assert not errors, errors
    assert ok == [("ok", TransferStatus.SENT)], results
    assert refused == ["INVALID_STATE"] * (THREADS - 1), results

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    assert Transfer.objects.filter(archive=tkit.archive).count() == 1
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.TRANSFERRING
    assert ArchiveEvent.objects.filter(archive=tkit.archive, kind="转出").count() == 1
    assert AuditEvent.objects.filter(action="transfer.send", outcome="success").count() == 1
    assert AuditEvent.objects.filter(action="transfer.send", outcome="denied").count() == THREADS - 1
