"""Fixtures of the archives tests: an archive in the clerk's holdings, scan files, material data."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from archives.models import MaterialCategory, MaterialKind
from tests import factories


def scan_bytes(*, size=(620, 877), dpi=(300, 300), fmt="JPEG", mode="RGB", color="white") -> bytes:
    image = Image.new(mode, size, color)
    buf = io.BytesIO()
    kwargs = {"dpi": dpi} if dpi else {}
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def cat(code: str) -> MaterialCategory:
    return MaterialCategory.objects.get(code=code)


def kind(code: str) -> MaterialKind:
    return MaterialKind.objects.get(code=code)


def material_data(**overrides) -> dict:
    """A material formed ten days ago (so not a late hand-over unless a test says so)."""
    formed = datetime.date.today() - datetime.timedelta(days=10)
    data = {
        "category": cat("3"),
        "kind": kind("annual_appraisal"),
        "title": "2023年度公务员年度考核登记表",
        "formed_year": formed.year,
        "formed_month": formed.month,
        "formed_day": formed.day,
        "page_count": 2,
        "producing_unit": "测试市财政局",
        "received_date": None,
    }
    data.update(overrides)
    if data["received_date"] is None:
        data.pop("received_date")
    return data


@pytest.fixture
def archive(org):
    return factories.archive(holding_unit=org.city_org, name="张三", archive_no="QS00001")


@pytest.fixture
def approver(org):
    return factories.user("approver", roles=["审批人"], unit=org.city_org, full_name="审批人乙")
