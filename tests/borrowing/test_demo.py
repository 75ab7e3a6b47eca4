"""borrowing/demo.py: requests in every state on the demo accounts; a second run adds nothing."""

from accounts import demo as accounts_demo
from accounts.models import ManagementLevel
from archives.models import ArchiveStatus
from borrowing import demo
from borrowing.models import AccessRequest, OverdueNotice, RequestStatus, ReturnIncident
from tests import factories


def test_demo_requests_cover_every_state_and_are_idempotent(db):
    units = accounts_demo.seed_units()
    users = accounts_demo.seed_users(units)
    archives = []
    for n in range(1, 13):
        archive = factories.archive(
            holding_unit=units["QS-ZZB"],
            unit=units["QS-CZ"],
            level=ManagementLevel.MUNICIPAL,
            archive_no=f"QS{n:05d}",
            name=f"演示干部{n}",
        )
        factories.material(archive, code="1", title="干部履历表", pages=3, seq=1)
        factories.material(archive, code="3", title="年度考核登记表", pages=2, seq=1)
        factories.material(archive, code="92", title="干部任免审批表", pages=2, seq=1)
        archives.append(archive)
    ctx = {"units": units, "users": users, "archives": archives}
    summary = demo.seed(ctx)
    assert "新增 13 件" in summary
    statuses = set(AccessRequest.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in RequestStatus}
    assert OverdueNotice.objects.filter(stage="escalated").exists()
    assert ReturnIncident.objects.filter(status="open").count() == 1
    archives[8].refresh_from_db()
    assert archives[8].status == ArchiveStatus.RETURN_ANOMALY
    before = AccessRequest.objects.count(), OverdueNotice.objects.count()
    assert "新增 0 件" in demo.seed(ctx)
    assert (AccessRequest.objects.count(), OverdueNotice.objects.count()) == before
