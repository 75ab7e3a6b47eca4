"""The background refresh of a case's red flags after a determination is approved (Celery)."""

from __future__ import annotations

import datetime
import time

import pytest

from archives import determinations
from archives.models import Material
from reviews import services, tasks
from reviews.models import FlagStatus

D = datetime.date


def _setup(crafted, reviewer, org):
    archive = crafted()
    Material.objects.filter(archive=archive, kind__code="league_admission").update(
        stated_birth_date=D(1974, 3, 15)
    )
    case = services.case_open(
        archive=archive,
        proposed_post="副秘书长",
        requesting_unit=org.city_bureau,
        reviewer=reviewer,
        by=reviewer,
    )
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    d = determinations.determination_propose(
        cadre=archive.cadre,
        subject="birth_date",
        by=reviewer,
        value_date=D(1974, 3, 15),
        basis="以最早的入团志愿书为准",
        basis_materials=[league],
        determining_organ="中共测试市委组织部",
        determined_on=D(2026, 11, 20),
    )
    return case, d


@pytest.mark.django_db
def test_refresh_task_is_idempotent_and_ignores_closed_cases(crafted, reviewer, org):
    case, _d = _setup(crafted, reviewer, org)
    first = tasks.refresh_case_flags(case.pk)
    second = tasks.refresh_case_flags(case.pk)
    assert first["found"] == second["found"] == 2 and second["new"] == 0
    services.case_close(case=case, outcome="withdrawn", note="动议撤销", by=reviewer)
    assert tasks.refresh_case_flags(case.pk) is None
    assert tasks.refresh_case_flags(999999) is None


@pytest.mark.redis
def test_approval_refreshes_flags_through_a_real_worker(celery_worker, crafted, reviewer, reviewer2, org):
    case, d = _setup(crafted, reviewer, org)
    assert case.flags.get(code="BIRTHDATE_INCONSISTENT").status == FlagStatus.OPEN
    determinations.determination_approve(determination=d, by=reviewer2)  # on commit: the signal enqueues
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if case.flags.get(code="BIRTHDATE_INCONSISTENT").status == FlagStatus.CLEARED:
            break
        time.sleep(0.3)
    assert case.flags.get(code="BIRTHDATE_INCONSISTENT").status == FlagStatus.CLEARED
    assert case.flags.filter(code="ID_BIRTHDATE_MISMATCH", status=FlagStatus.OPEN).exists()
