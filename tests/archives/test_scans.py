"""Scan uploads: every bad file refused with its Chinese message, nothing stored; good files stored and rendered."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from archives import services
from archives.models import Page
from audit.models import AuditEvent
from core.errors import DomainError
from tests import factories
from tests.archives.conftest import scan_bytes, upload


@pytest.fixture
def material(archive):
    return factories.material(archive, pages=3)


def stored_files() -> list[str]:
    root = default_storage.location
    out = []
    for folder, _, files in os.walk(root):
        out += [os.path.join(folder, f) for f in files]
    return out


def bomb_png(width=20000, height=20000) -> bytes:
    """A tiny PNG declaring 400 million pixels (a decompression bomb): header and one compressed empty row."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    phys = struct.pack(">IIB", 11811, 11811, 1)  # 300 dpi
    body = zlib.compress(b"\x00" * (width // 8 + 1) * 10)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"pHYs", phys)
        + chunk(b"IDAT", body)
        + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    image = Image.effect_noise((800, 1100), 60).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="JPEG", dpi=(300, 300), quality=90)
    data = buf.getvalue()
    return data[: len(data) // 2]


BAD_FILES = {
    "truncated": ("truncated.jpg", truncated_jpeg, "SCAN_CORRUPT", "截断"),
    "text": (
        "notes.jpg",
        lambda: "这不是图片，是一份文本文件。\n".encode() * 20,
        "SCAN_FORMAT",
        "不是有效的图像文件",
    ),
    "bomb": ("bomb.png", bomb_png, "SCAN_TOO_MANY_PIXELS", "解压炸弹"),
    "low_dpi": ("low.jpg", lambda: scan_bytes(dpi=(72, 72)), "SCAN_LOW_DPI", "72 dpi"),
    "no_dpi": ("nodpi.png", lambda: scan_bytes(fmt="PNG", dpi=None), "SCAN_NO_DPI", "未记录分辨率"),
    "gif": ("anim.gif", lambda: scan_bytes(fmt="GIF", mode="P", dpi=None), "SCAN_FORMAT", "实际格式为 GIF"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_and_nothing_is_stored(material, clerk, case):
    name, make, code, text = BAD_FILES[case]
    with pytest.raises(DomainError) as exc:
        services.pages_upload(material=material, by=clerk, files=[upload(name, make())])
    assert exc.value.code == code
    assert name in exc.value.message and text in exc.value.message
    assert not Page.objects.exists()
    assert stored_files() == []
    assert not AuditEvent.objects.filter(action="page.upload").exists()


def test_oversized_file_is_refused(material, clerk, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "SCAN_MAX_BYTES": 50_000}
    big = Image.effect_noise((900, 1200), 90).convert("RGB")
    buf = io.BytesIO()
    big.save(buf, format="JPEG", dpi=(300, 300), quality=95)
    assert len(buf.getvalue()) > 50_000
    with pytest.raises(DomainError) as exc:
        services.pages_upload(material=material, by=clerk, files=[upload("big.jpg", buf.getvalue())])
    assert (
        exc.value.code == "SCAN_TOO_LARGE"
        and "big.jpg" in exc.value.message
        and "超过上限" in exc.value.message
    )
    assert not Page.objects.exists() and stored_files() == []


def test_one_bad_file_in_a_batch_stores_nothing_and_names_every_bad_file(material, clerk):
    files = [
        upload("p1.jpg", scan_bytes()),
        upload("p2.jpg", scan_bytes(dpi=(72, 72))),
        upload("p3.jpg", b"not an image at all"),
    ]
    with pytest.raises(DomainError) as exc:
        services.pages_upload(material=material, by=clerk, files=files)
    message = exc.value.message
    assert "共 3 个文件，其中 2 个未通过检查，本次未保存任何文件" in message
    assert "p2.jpg" in message and "p3.jpg" in message and "p1.jpg" not in message
    assert [v.code for v in exc.value.violations] == ["SCAN_LOW_DPI", "SCAN_FORMAT"]
    assert not Page.objects.exists() and stored_files() == []


def test_good_pages_are_stored_with_their_facts_and_renditions(
    material, clerk, django_capture_on_commit_callbacks
):
    jpeg = scan_bytes(size=(1240, 1754), dpi=(300, 300))
    png = scan_bytes(fmt="PNG", mode="L", dpi=(200, 200))
    tiff = scan_bytes(fmt="TIFF", dpi=(600, 600))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pages = services.pages_upload(
            material=material,
            by=clerk,
            files=[upload("a.JPG", jpeg), upload("b.png", png), upload("c.tif", tiff)],
        )
    assert len(callbacks) == 1  # the rendition task is enqueued once, after the commit
    assert [p.number for p in pages] == [1, 2, 3]
    first, second, third = pages
    assert first.image.name == f"{material.archive.archive_no}/3/m{material.pk}/001.jpg"
    assert second.image.name.endswith("/002.png") and third.image.name.endswith("/003.tif")
    assert first.sha256 == hashlib.sha256(jpeg).hexdigest()
    assert (first.width, first.height, first.dpi, first.color_mode, first.image_format) == (
        1240,
        1754,
        300,
        "RGB",
        "JPEG",
    )
    assert (second.color_mode, second.dpi, second.image_format) == ("L", 200, "PNG")
    assert first.size_bytes == len(jpeg)
    # Eager Celery in these tests: the renditions exist once the transaction commits.
    first.refresh_from_db()
    assert first.rendition_status == "ready"
    with first.display.open("rb") as handle:
        display = Image.open(handle)
        assert display.format == "JPEG" and max(display.size) <= 1600
    with first.thumbnail.open("rb") as handle:
        assert max(Image.open(handle).size) <= 240
    event = AuditEvent.objects.get(action="page.upload")
    assert event.details["pages"] == [1, 2, 3]
    material.archive.refresh_from_db()
    assert material.archive.has_digital


def test_renditions_are_idempotent(material, clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (page,) = services.pages_upload(material=material, by=clerk, files=[upload("a.jpg", scan_bytes())])
    page.refresh_from_db()
    names = (page.display.name, page.thumbnail.name)
    assert services.page_make_renditions(page.pk) == "ready"
    default_storage.delete(page.thumbnail.name)  # half-done: one file gone
    assert services.page_make_renditions(page.pk) == "ready"
    page.refresh_from_db()
    assert (page.display.name, page.thumbnail.name) == names
    assert default_storage.exists(page.thumbnail.name)


def test_page_numbers_continue_and_collisions_are_refused(material, clerk):
    services.pages_upload(material=material, by=clerk, files=[upload("a.jpg", scan_bytes())])
    services.pages_upload(material=material, by=clerk, files=[upload("c.jpg", scan_bytes())], first_number=3)
    with pytest.raises(DomainError) as exc:
        services.pages_upload(
            material=material,
            by=clerk,
            files=[upload("x.jpg", scan_bytes()), upload("y.jpg", scan_bytes())],
            first_number=2,
        )
    assert exc.value.code == "PAGE_NUMBER_TAKEN" and "第 3 页" in exc.value.message
    services.pages_upload(material=material, by=clerk, files=[upload("b.jpg", scan_bytes())], first_number=2)
    assert sorted(material.pages.values_list("number", flat=True)) == [1, 2, 3]


def test_files_are_removed_when_the_database_write_fails(material, clerk, monkeypatch):
    from archives import services as module

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(module, "record", broken)
    with pytest.raises(RuntimeError):
        services.pages_upload(
            material=material, by=clerk, files=[upload("a.jpg", scan_bytes()), upload("b.jpg", scan_bytes())]
        )
    assert not Page.objects.exists()
    assert stored_files() == []


def test_withdrawn_material_takes_no_pages(material, clerk, approver):
    material.seq = 1
    material.save()
    services.material_withdraw(material=material, by=clerk, approver=approver, reason="重复")
    material.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.pages_upload(material=material, by=clerk, files=[upload("a.jpg", scan_bytes())])
    assert exc.value.code == "INVALID_STATUS"


def test_upload_page_answers_json_with_every_reason(client, clerk, material):
    client.force_login(clerk)
    url = reverse("archives:pages-upload", args=[material.pk])
    response = client.post(
        url,
        {"files": [upload("ok.jpg", scan_bytes()), upload("bad.jpg", b"plain text")]},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "SCAN_FORMAT" and "bad.jpg" in body["message"]
    assert not Page.objects.exists()
    response = client.post(
        url, {"files": [upload("ok.jpg", scan_bytes())]}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 200 and response.json()["pages"] == [1]
    # Page count 3, one image: the mismatch is listed on the material page.
    html = client.get(reverse("archives:material", args=[material.pk])).content.decode()
    assert "PAGE_COUNT_MISMATCH" in html and "缺第 2-3 页" in html


@pytest.mark.redis
def test_renditions_through_a_real_worker(celery_worker, org, make_user):
    import time

    clerk = make_user("clerk-w", roles=["管档员"], unit=org.city_org)
    archive = factories.archive(holding_unit=org.city_org, archive_no="QSW0001")
    material = factories.material(archive, pages=1)
    (page,) = services.pages_upload(material=material, by=clerk, files=[upload("a.jpg", scan_bytes())])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.refresh_from_db()
        if page.rendition_status != "pending":
            break
        time.sleep(0.2)
    assert page.rendition_status == "ready"
    assert default_storage.exists(page.display.name) and default_storage.exists(page.thumbnail.name)
