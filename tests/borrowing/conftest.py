"""Fixtures for viewing and borrowing: a small city with a clerk, two reviewers, Party-member viewers, a subject
archive with filed materials, and a helper that fills in a complete, valid approval form."""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.models import ManagementLevel
from archives.models import Page
from borrowing import services
from core.idcard import make_id_number
from tests import factories


def make_page(material, number=1, size=(800, 1130)):
    image = Image.new("RGB", size, "white")
    buf = io.BytesIO()
    image.save(buf, format="JPEG", dpi=(300, 300))
    data = buf.getvalue()
    page = Page(
        material=material,
        number=number,
        sha256=hashlib.sha256(data).hexdigest(),
        width=size[0],
        height=size[1],
        dpi=300,
        color_mode="RGB",
        image_format="JPEG",
        size_bytes=len(data),
    )
    page.image.save(page.storage_key("jpg"), ContentFile(data), save=False)
    page.save()
    return page


@dataclass
class Kit:
    org: object
    clerk: object
    reviewer: object
    reviewer2: object
    county_reviewer: object
    v1: object
    v2: object
    masses: object
    archive: object
    materials: list = field(default_factory=list)

    def viewer_row(self, user) -> dict:
        return {"user": user}

    def typed_viewer(
        self, name, *, status="01", id_number=None, birth=None, unit="中共测试市纪委", post="干部"
    ):
        if id_number is None:
            id_number = make_id_number("110105", birth or datetime.date(1985, 5, 5), 7, "1")
        return {
            "name": name,
            "unit_name": unit,
            "post": post,
            "political_status": status,
            "id_number": id_number,
            "phone": "0795-1234567",
        }

    def data(self, *, mode="onsite", viewers=None, subjects=None, **overrides) -> dict:
        start = timezone.now() - datetime.timedelta(minutes=5)
        days = {"loan": 7, "digital": 2, "onsite": 1}[mode]
        data = {
            "mode": mode,
            "requesting_unit": self.org.city_discipline,
            "unit_opinion": "因工作需要，同意查阅。",
            "unit_signer": "纪委负责人",
            "unit_signed_on": timezone.localdate(),
            "purpose": "inspection",
            "purpose_detail": "审查调查工作需要",
            "start_at": start,
            "end_at": start + datetime.timedelta(days=days),
            "viewers": viewers if viewers is not None else [{"user": self.v1}, {"user": self.v2}],
            "subjects": subjects if subjects is not None else [{"archive": self.archive, "scope_all": True}],
        }
        data.update(overrides)
        return data

    def draft(self, by=None, **kw):
        return services.access_request_create(by=by or self.clerk, data=self.data(**kw))

    def submitted(self, by=None, **kw):
        req = self.draft(by=by, **kw)
        return services.access_request_submit(request=req, by=by or self.clerk)

    def approved(self, by=None, **kw):
        req = self.submitted(by=by, **kw)
        req = services.access_request_approve(request=req, by=self.reviewer)
        if req.required_levels == 2:
            req = services.access_request_approve(request=req, by=self.reviewer2)
        return req


def build_kit(org) -> Kit:
    make_user = factories.user
    clerk = make_user("b_clerk", roles=["管档员"], unit=org.city_org, full_name="管档员王")
    reviewer = make_user("b_rev1", roles=["审批人"], unit=org.city_org, full_name="审批人李", post="副部长")
    reviewer2 = make_user("b_rev2", roles=["审批人"], unit=org.city_org, full_name="审批人赵", post="科长")
    county_reviewer = make_user("b_rev3", roles=["审批人"], unit=org.county_org, full_name="县审批人")
    v1 = make_user("b_v1", roles=["查阅人"], unit=org.city_discipline, full_name="查阅人郑", post="主任")
    v2 = make_user("b_v2", roles=["查阅人"], unit=org.city_discipline, full_name="查阅人冯", post="副主任")
    masses = make_user(
        "b_v3", roles=["查阅人"], unit=org.city_hr, full_name="查阅人何", political_status="13", post="科员"
    )
    archive = factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, level=ManagementLevel.MUNICIPAL, name="对象甲"
    )
    materials = [
        factories.material(archive, code="1", title="干部履历表", year=2001, pages=4, seq=1),
        factories.material(archive, code="3", title="2020年度考核登记表", pages=2, seq=1),
        factories.material(archive, code="92", title="干部任免审批表", year=2019, pages=3, seq=1),
    ]
    return Kit(org, clerk, reviewer, reviewer2, county_reviewer, v1, v2, masses, archive, materials)


@pytest.fixture
def kit(org):
    return build_kit(org)


@pytest.fixture
def tkit(org):
    """Transfers and intakes (issue 6): see tests/borrowing/transfer_kit.py."""
    from tests.borrowing.transfer_kit import build_kit as build_transfer_kit

    return build_transfer_kit(org)
