"""Page images: policy, audit, visible watermark, no-store; the original is never served."""

import datetime
import hashlib
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageChops

from archives import watermark
from archives.models import ArchiveUserObjectPermission, Page
from audit.models import AuditEvent
from tests import factories


def make_page(material, number=1, size=(1240, 1754)):
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


def test_clerk_gets_a_watermarked_image_with_no_store(client, org, clerk):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    client.force_login(clerk)
    response = client.get(f"/archives/pages/{page.pk}/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    served = Image.open(io.BytesIO(response.content)).convert("RGB")
    plain = watermark._open_display(page)
    assert served.size == plain.size
    diff = ImageChops.difference(served, plain).convert("L")
    w, h = served.size
    # The corner block (bottom right) carries the stamp: many pixels differ there.
    corner = diff.crop((int(w * 0.55), int(h * 0.85), w, h))
    assert sum(corner.histogram()[41:]) > 2000
    # The diagonal text runs across the middle too.
    middle = diff.crop((0, int(h * 0.3), w, int(h * 0.6)))
    assert sum(middle.histogram()[16:]) > 2000
    assert AuditEvent.objects.filter(action="page.view", actor=clerk, target_id=str(page.pk)).count() == 1


def test_outsider_gets_404_and_the_attempt_is_audited(client, org, make_user):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    outsider = make_user(roles=["管档员"], unit=org.county_org)
    client.force_login(outsider)
    response = client.get(f"/archives/pages/{page.pk}/image/")
    assert response.status_code == 404
    assert (
        AuditEvent.objects.filter(action="access.denied", actor=outsider, archive_id=archive.pk).count() == 1
    )
    assert not AuditEvent.objects.filter(action="page.view").exists()


def test_anonymous_is_sent_to_login(client, org):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    response = client.get(f"/archives/pages/{page.pk}/image/")
    assert response.status_code == 302


# --- no viewer-facing option removes the stamp; the original never leaves; thumbnails; grants ---------------


def _stamped_fraction(served: Image.Image, plain: Image.Image) -> tuple[int, int]:
    """(pixels changed in the corner block, pixels changed across the middle) against the plain rendition."""
    diff = ImageChops.difference(served.convert("RGB"), plain).convert("L")
    w, h = served.size
    corner = diff.crop((int(w * 0.55), int(h * 0.85), w, h))
    middle = diff.crop((0, int(h * 0.3), w, int(h * 0.6)))
    return sum(corner.histogram()[41:]), sum(middle.histogram()[16:])


@pytest.mark.parametrize(
    "query",
    [
        "?watermark=0",
        "?nowatermark=1&raw=1",
        "?original=1&download=1",
        "?size=full&quality=100&format=png",
        "?copy=0&stamp=none",
    ],
)
def test_no_query_parameter_removes_the_watermark_or_serves_the_original(client, org, clerk, query):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    original = page.image.open("rb").read()
    client.force_login(clerk)
    response = client.get(f"/archives/pages/{page.pk}/image/{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert response.content != original
    served = Image.open(io.BytesIO(response.content))
    corner, middle = _stamped_fraction(served, watermark._open_display(page))
    assert corner > 2000 and middle > 2000


def test_a_large_original_is_never_sent_at_full_resolution(client, org, clerk):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive), size=(2480, 3508))  # A4 at 300 dpi
    client.force_login(clerk)
    served = Image.open(io.BytesIO(client.get(f"/archives/pages/{page.pk}/image/?size=original").content))
    assert max(served.size) == 1600 and served.size != (2480, 3508)


def test_headers_forbid_caching_and_sniffing(client, org, clerk):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    client.force_login(clerk)
    for url in (f"/archives/pages/{page.pk}/image/", f"/archives/pages/{page.pk}/thumb/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert response["Pragma"] == "no-cache"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "ETag" not in response and "Last-Modified" not in response


def test_thumbnail_is_stamped_and_checked_by_the_policy(client, org, clerk, make_user):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    client.force_login(clerk)
    response = client.get(f"/archives/pages/{page.pk}/thumb/")
    thumb = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert max(thumb.size) <= 240
    plain = watermark._open_display(page)
    plain.thumbnail(thumb.size)
    diff = ImageChops.difference(thumb, plain.resize(thumb.size)).convert("L")
    assert sum(diff.histogram()[30:]) > 200  # the stamp is on the thumbnail too
    outsider = make_user(roles=["管档员"], unit=org.county_org)
    client.force_login(outsider)
    assert client.get(f"/archives/pages/{page.pk}/thumb/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).count() == 1


def test_only_get_is_allowed(client, org, clerk):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    client.force_login(clerk)
    assert client.post(f"/archives/pages/{page.pk}/image/").status_code == 405
    assert client.delete(f"/archives/pages/{page.pk}/image/").status_code == 405


def test_viewer_with_a_time_boxed_scoped_grant(client, org, make_user):
    viewer = make_user(roles=["查阅人"], unit=org.city_discipline, full_name="郑查阅")
    archive = factories.archive(holding_unit=org.city_org)
    in_scope = make_page(factories.material(archive, code="3"))
    out_of_scope = make_page(factories.material(archive, code="8", title="处分决定"))
    start = timezone.now() + datetime.timedelta(hours=1)
    grant = ArchiveUserObjectPermission.objects.create(
        user=viewer,
        content_object=archive,
        permission=Permission.objects.get(codename="view_archive_content"),
        valid_from=start,
        valid_until=start + datetime.timedelta(hours=2),
        scope_all=False,
    )
    grant.scope_categories.set([factories.category("3")])
    client.force_login(viewer)
    url = f"/archives/pages/{in_scope.pk}/image/"
    assert client.get(url).status_code == 404  # before valid_from
    with time_machine.travel(start + datetime.timedelta(minutes=5)):
        client.force_login(viewer)  # a fresh session: the idle timeout would end the old one
        response = client.get(url)
        assert response.status_code == 200
        assert client.get(f"/archives/pages/{out_of_scope.pk}/image/").status_code == 404  # out of scope
    with time_machine.travel(start + datetime.timedelta(hours=2, minutes=1)):
        client.force_login(viewer)
        assert client.get(url).status_code == 404  # after valid_until
    denied = AuditEvent.objects.filter(action="access.denied", actor=viewer)
    assert denied.count() == 3
    assert AuditEvent.objects.filter(action="page.view", actor=viewer).count() == 1


def test_watermark_names_the_viewer_unit_time_archive_and_page(org, make_user):
    viewer = make_user(roles=["查阅人"], unit=org.city_discipline, full_name="郑查阅")
    archive = factories.archive(holding_unit=org.city_org, archive_no="QS0777")
    page = make_page(factories.material(archive, seq=5), number=2)
    when = timezone.make_aware(datetime.datetime(2026, 11, 24, 9, 30, 15))
    lines, diagonal = watermark.viewer_lines(viewer, page, when)
    assert lines == [
        "查阅人：郑查阅（中共测试市纪委）",
        "时间：2026-11-24 09:30:15",
        "档号：QS0777  第 3-5 号材料 第 2 页",
    ]
    assert diagonal.startswith("郑查阅 2026-11-24 09:30")


@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_an_unreadable_scan_answers_a_stamped_notice_not_a_500(client, org, clerk, damage):
    archive = factories.archive(holding_unit=org.city_org)
    page = make_page(factories.material(archive))
    path = page.image.path
    if damage == "missing":
        import os

        os.remove(path)
    else:
        with open(path, "r+b") as handle:
            handle.truncate(200)
    client.force_login(clerk)
    response = client.get(f"/archives/pages/{page.pk}/image/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    notice = Image.open(io.BytesIO(response.content))
    assert max(notice.size) == 1600
    event = AuditEvent.objects.get(action="page.view", actor=clerk)
    assert event.outcome == "failed" and event.details["error"] == "扫描件无法读取"
    assert client.get(f"/archives/pages/{page.pk}/thumb/").status_code == 200
