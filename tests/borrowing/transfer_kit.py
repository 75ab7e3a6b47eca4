"""Builders for the transfer and intake tests (imported by tests/borrowing/test_transfer*.py and test_intake*.py).

A small city (tests.factories.Org): the city organization department holds a municipally managed cadre's archive
that may be transferred (sorted, every material filed and numbered, no veto item missing); its clerk, two
reviewers of the city, a county reviewer without authority over municipal cadres, and the county clerk who
receives archives sent to the county.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import ManagementLevel
from archives.models import Material, MaterialKind, MaterialStatus, SortingStatus
from borrowing.transfers import services
from tests import factories


def filed(archive, kind_code: str, *, year=2015, seq=None, pages=2, title=None) -> Material:
    kind = MaterialKind.objects.select_related("category").get(code=kind_code)
    category = kind.category if kind.category.is_leaf else kind.category.children.first()
    if seq is None:
        seq = (Material.objects.filter(archive=archive, category=category).count() or 0) + 1
    m = Material(
        archive=archive,
        category=category,
        kind=kind,
        title=title or kind.name,
        formed_year=year,
        formed_month=6,
        formed_day=1,
        page_count=pages,
        status=MaterialStatus.FILED,
        seq=seq,
        filed_date=datetime.date(year, 7, 1),
    )
    m.save()
    return m


def ready_archive(org, *, name="转递对象", archive_no=None, **kw):
    """An archive that passes 四不转递 (apart from the notice): sorted, filed, numbered, complete enough."""
    archive = factories.archive(
        holding_unit=org.city_org,
        unit=org.city_bureau,
        level=ManagementLevel.MUNICIPAL,
        name=name,
        archive_no=archive_no,
        current_post="副局长",
        work_start_date=datetime.date(2012, 7, 1),
        party_join_date=datetime.date(2011, 6, 1),
        birth=datetime.date(1988, 3, 15),
        **kw,
    )
    archive.sorting_status = SortingStatus.SORTED
    archive.main_volumes = 1
    archive.duplicate_volumes = 1
    archive.save()
    filed(archive, "resume_1999", year=2012)
    filed(archive, "civil_servant_registration", year=2012)
    filed(archive, "party_admission", year=2011)
    for year in range(2013, timezone.localdate().year):
        filed(archive, "annual_appraisal", year=year)
    return archive


@dataclass
class Kit:
    org: object
    clerk: object
    clerk2: object
    reviewer: object
    reviewer2: object
    county_reviewer: object
    county_clerk: object
    archive: object

    def data(self, **overrides) -> dict:
        data = {
            "basis_kind": "transfer_notice",
            "basis_doc_no": "测组干〔2026〕15号",
            "basis_issuer": "中共测试市委组织部",
            "basis_date": timezone.localdate() - datetime.timedelta(days=3),
            "reason": "调出",
            "to_unit": self.org.county_org,
            "channel": "confidential",
            "tracking_no": "JY20260001",
            "main_volumes": 1,
            "duplicate_volumes": 1,
            "loose_items": 0,
        }
        data.update(overrides)
        return data

    def draft(self, archive=None, **overrides):
        return services.transfer_create(
            archive=archive or self.archive, by=self.clerk, data=self.data(**overrides)
        )

    def noticed(self, archive=None, **overrides):
        t = self.draft(archive, **overrides)
        return services.transfer_generate_notice(transfer=t, by=self.clerk)

    def submitted(self, archive=None, **overrides):
        return services.transfer_submit(transfer=self.noticed(archive, **overrides), by=self.clerk)

    def approved(self, archive=None, **overrides):
        return services.transfer_approve(transfer=self.submitted(archive, **overrides), by=self.reviewer)

    def sent(self, archive=None, **overrides):
        return services.transfer_send(transfer=self.approved(archive, **overrides), by=self.clerk)


def build_kit(org) -> Kit:
    user = factories.user
    return Kit(
        org=org,
        clerk=user("t_clerk", roles=["管档员"], unit=org.city_org, full_name="管档员王"),
        clerk2=user("t_clerk2", roles=["管档员"], unit=org.city_org, full_name="管档员陈"),
        reviewer=user("t_rev", roles=["审批人"], unit=org.city_org, full_name="审批人李", post="副部长"),
        reviewer2=user("t_rev2", roles=["审批人"], unit=org.city_org, full_name="审批人赵", post="科长"),
        county_reviewer=user("t_rev3", roles=["审批人"], unit=org.county_org, full_name="县审批人"),
        county_clerk=user("t_cclerk", roles=["管档员"], unit=org.county_org, full_name="县管档员刘"),
        archive=ready_archive(org),
    )
