"""Races on PostgreSQL with real threads and connections: two reviewers approving at once, an approval racing a
withdrawal, two clerks checking the same archive out. Each ends in exactly one outcome.

To make the race real rather than lucky, the rule check inside the transaction is slowed down (a wrapper around
the real function that sleeps after it ran): without select_for_update both threads would read the same state and
both write, which the assertions would catch (a second approval, or an IntegrityError instead of a refusal).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from archives.models import ArchiveStatus, ArchiveUserObjectPermission
from audit.models import AuditEvent
from borrowing import services
from borrowing.models import AccessRequest, Approval, Checkout, RequestStatus
from core.errors import DomainError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls in threads released together; return [("ok", value) | ("refused", code) | ("error", text)]."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", fn())
        except DomainError as exc:
            results[index] = ("refused", exc.code)
        except Exception as exc:  # an IntegrityError here means the lock did not hold
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def slow_rules(monkeypatch):
    """Hold each transaction open for a moment after it has read the request (the race window)."""
    real = services.check_request

    def slow(req, **kw):
        result = real(req, **kw)
        time.sleep(0.4)
        return result

    monkeypatch.setattr(services, "check_request", slow)


def test_two_reviewers_approving_at_once_end_in_one_approval(kit, slow_rules):
    req = kit.submitted(mode="digital")
    results = race(
        lambda: services.access_request_approve(request=req, by=kit.reviewer).status,
        lambda: services.access_request_approve(request=req, by=kit.reviewer2).status,
    )
    assert sorted(results) == [("ok", RequestStatus.APPROVED), ("refused", services.INVALID_STATE)], results
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    assert Approval.objects.filter(request=req).count() == 1
    assert ArchiveUserObjectPermission.objects.filter(access_request_id=req.pk).count() == 2  # one per viewer
    assert AuditEvent.objects.filter(action="access_request.approve", outcome="success").count() == 1


def test_two_first_level_signatures_on_a_loan_do_not_become_two_levels(kit, slow_rules):
    req = kit.submitted(mode="loan")
    results = race(
        lambda: services.access_request_approve(request=req, by=kit.reviewer, level=1).status,
        lambda: services.access_request_approve(request=req, by=kit.reviewer2, level=1).status,
    )
    assert sorted(results) == [("ok", RequestStatus.FIRST_APPROVED), ("refused", services.STALE_STATE)], (
        results
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.FIRST_APPROVED
    assert list(Approval.objects.filter(request=req).values_list("level", flat=True)) == [1]


def test_an_approval_racing_a_withdrawal_ends_in_one_outcome(kit, slow_rules):
    for _ in range(2):
        req = kit.submitted(mode="digital")
        results = race(
            lambda req=req: services.access_request_approve(request=req, by=kit.reviewer).status,
            lambda req=req: services.access_request_withdraw(request=req, by=kit.clerk).status,
        )
        oks = [r for r in results if r[0] == "ok"]
        assert len(oks) == 1 and all(r[0] in ("ok", "refused") for r in results), results
        req.refresh_from_db()
        assert req.status == oks[0][1]
        grants = ArchiveUserObjectPermission.objects.filter(access_request_id=req.pk).count()
        approvals = Approval.objects.filter(request=req).count()
        if req.status == RequestStatus.WITHDRAWN:
            assert (grants, approvals) == (0, 0)
        else:
            assert req.status == RequestStatus.APPROVED and (grants, approvals) == (2, 1)


def test_two_clerks_checking_out_one_archive_for_two_loans(kit, make_user, monkeypatch):
    first = kit.approved(mode="loan")
    second = kit.approved(mode="loan")
    clerk2 = make_user(roles=["管档员"], unit=kit.org.city_org, full_name="管档员陈")
    real = services.rules.check_checkout

    def slow(**kw):
        result = real(**kw)
        time.sleep(0.4)
        return result

    monkeypatch.setattr(services.rules, "check_checkout", slow)
    names = ["查阅人郑", "查阅人冯"]
    results = race(
        lambda: len(services.access_request_checkout(request=first, by=kit.clerk, signatures=names)),
        lambda: len(services.access_request_checkout(request=second, by=clerk2, signatures=names)),
    )
    assert sorted(results) == [("ok", 1), ("refused", "ARCHIVE_ON_LOAN")], results
    assert Checkout.objects.count() == 1
    kit.archive.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.ON_LOAN
    statuses = set(
        AccessRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == {RequestStatus.IN_USE, RequestStatus.APPROVED}
