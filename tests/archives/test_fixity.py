"""Fixity: changed and vanished page files, page-count mismatches, orphan files; findings shown and resolved."""

from __future__ import annotations

import datetime
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from archives import fixity
from archives.models import FixityFinding, FixityKind, FixityState
from audit.models import AuditEvent
from tests import factories
from tests.archives.completeness_helpers import add, make_archive, store_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def scanned(org):
    a = make_archive(org, archive_no="FX0001")
    m = add(a, "resume_1999", 2001, page_count=3)
    pages = [store_page(m, n) for n in (1, 2, 3)]
    return a, m, pages


def age(key: str, hours: int = 2) -> None:
    path = default_storage.path(key)
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def open_findings(kind=None):
    qs = FixityFinding.objects.filter(resolved_at__isnull=True)
    return list(qs.filter(kind=kind) if kind else qs)


def test_all_files_intact_gives_no_finding(scanned):
    stats = fixity.verify_next_batch(batch_size=10)
    assert stats["checked"] == 3 and stats["ok"] == 3 and stats["cycle_finished"]
    assert open_findings() == []


def test_a_changed_page_file_is_caught_and_reported_once(scanned):
    a, m, pages = scanned
    with default_storage.open(pages[1].image.name, "wb") as handle:  # someone edits the scan in place
        handle.write(b"tampered bytes")
    stats = fixity.verify_next_batch(batch_size=10)
    assert stats["changed"] == 1
    (finding,) = open_findings(FixityKind.HASH_MISMATCH)
    assert finding.page_id == pages[1].pk and finding.archive_id == a.pk and finding.material_id == m.pk
    assert finding.expected_sha256 == pages[1].sha256 and finding.actual_sha256 != pages[1].sha256
    assert "SHA-256" in finding.message and finding.details["page_number"] == 2

    first_seen = finding.first_seen_at
    fixity.verify_next_batch(batch_size=10)  # the next cycle sees it again: refreshed, not duplicated
    (again,) = open_findings(FixityKind.HASH_MISMATCH)
    assert again.pk == finding.pk and again.first_seen_at == first_seen and again.last_seen_at >= first_seen

    with default_storage.open(pages[1].image.name, "wb") as handle:  # restored from backup
        handle.write(f"page {m.pk}-2".encode() * 50)
    fixity.verify_next_batch(batch_size=10)
    finding.refresh_from_db()
    assert finding.resolved_at is not None and finding.resolution_note == fixity.AUTO_NOTE


def test_a_vanished_page_file_is_a_row_without_a_file(scanned):
    _, _, pages = scanned
    default_storage.delete(pages[0].image.name)
    stats = fixity.verify_next_batch(batch_size=10)
    assert stats["missing"] == 1
    (finding,) = open_findings(FixityKind.FILE_MISSING)
    assert finding.page_id == pages[0].pk and "不存在" in finding.message


def test_batches_walk_the_pages_with_a_cursor_and_wrap_round(scanned, org):
    a2 = make_archive(org, archive_no="FX0002")
    m2 = add(a2, "resume_1999", 2002, page_count=2)
    store_page(m2, 1)
    store_page(m2, 2)
    seen = []
    for _ in range(3):
        stats = fixity.verify_next_batch(batch_size=2)
        seen.append((stats["checked"], stats["cycle_finished"]))
    assert seen == [(2, False), (2, False), (1, True)]
    state = FixityState.objects.get()
    assert state.cursor == 0 and state.cycles_completed == 1 and state.pages_checked == 0
    assert fixity.verify_next_batch(batch_size=2)["checked"] == 2  # the next cycle starts again


def test_page_count_mismatch_lists_missing_and_extra_pages(scanned, org):
    a, m, pages = scanned
    other = add(a, "autobiography", 2003, page_count=4)
    store_page(other, 1)
    store_page(other, 2)
    store_page(other, 5)
    unscanned = add(a, "annual_appraisal", 2004, page_count=2)  # not digitised yet: not reported
    result = fixity.check_page_counts()
    assert result["mismatched"] == 1
    (finding,) = open_findings(FixityKind.PAGE_COUNT_MISMATCH)
    assert finding.material_id == other.pk and finding.archive_id == a.pk
    assert finding.details["missing"] == [3, 4] and finding.details["extra"] == [5]
    assert "缺第" in finding.message and "多出第" in finding.message
    assert not FixityFinding.objects.filter(material=unscanned).exists()

    # Fixed: the images are completed and the extra one removed -> closed automatically.
    store_page(other, 3)
    store_page(other, 4)
    other.pages.filter(number=5).delete()
    fixity.check_page_counts()
    assert open_findings(FixityKind.PAGE_COUNT_MISMATCH) == []


def test_orphan_files_are_reported_and_unrelated_files_ignored(scanned):
    a, m, pages = scanned
    orphan = default_storage.save(f"{a.archive_no}/1/m{m.pk}/009.jpg", ContentFile(b"no row for me"))
    fresh = default_storage.save(f"{a.archive_no}/1/m{m.pk}/010.jpg", ContentFile(b"upload in progress"))
    photo = default_storage.save("photos/someone.jpg", ContentFile(b"a cadre photo"))
    for key in (orphan, photo, *[p.image.name for p in pages]):
        age(key)
    result = fixity.scan_orphans()
    assert result["orphans"] == 1
    (finding,) = open_findings(FixityKind.ORPHAN_FILE)
    assert finding.storage_key == orphan and finding.archive_id == a.pk and finding.material_id == m.pk
    assert not FixityFinding.objects.filter(storage_key__in=[fresh, photo]).exists()

    default_storage.delete(orphan)
    fixity.scan_orphans()
    assert open_findings(FixityKind.ORPHAN_FILE) == []


def test_fixity_tasks_run_in_eager_mode(scanned):
    from archives.tasks_completeness import fixity_structure, fixity_verify_pages

    _, _, pages = scanned
    with default_storage.open(pages[2].image.name, "wb") as handle:
        handle.write(b"x")
    assert fixity_verify_pages.delay(100).get(timeout=10)["changed"] == 1
    result = fixity_structure.delay().get(timeout=10)
    assert set(result) == {"page_counts", "orphans"}
    assert FixityState.objects.get().last_structure_check_at is not None


# --- findings page and resolution --------------------------------------------------------------------------


@pytest.fixture
def finding(scanned):
    _, _, pages = scanned
    default_storage.delete(pages[0].image.name)
    fixity.verify_next_batch(batch_size=10)
    return FixityFinding.objects.get()


def test_clerk_sees_and_resolves_findings_of_the_holdings(client, clerk, finding):
    client.force_login(clerk)
    page = client.get(reverse("completeness:fixity"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-kind="FILE_MISSING"' in html and "干部履历表" in html
    response = client.post(reverse("completeness:resolve", args=[finding.pk]), {"note": ""}, follow=True)
    assert "请填写处理说明" in response.content.decode()
    client.post(reverse("completeness:resolve", args=[finding.pk]), {"note": "已从备份恢复"})
    finding.refresh_from_db()
    assert finding.resolved_by == clerk and finding.resolution_note == "已从备份恢复"
    assert AuditEvent.objects.filter(action="fixity.resolve", archive_id=finding.archive_id).exists()
    assert "没有待处理" in client.get(reverse("completeness:fixity")).content.decode()


def test_system_admin_sees_all_findings_without_material_titles(client, org, finding):
    admin = factories.user("sys", roles=["系统管理员"], unit=org.city_org, is_staff=True)
    client.force_login(admin)
    html = client.get(reverse("completeness:fixity")).content.decode()
    assert (
        'data-kind="FILE_MISSING"' in html
        and f"材料 #{finding.material_id}" in html
        and "干部履历表" not in html
    )
    home = client.get("/").content.decode()
    assert "文件完整性核对" in home


def test_clerk_of_another_unit_neither_sees_nor_resolves(client, org, finding):
    other = factories.user("clerk9", roles=["管档员"], unit=org.county_org)
    client.force_login(other)
    assert 'data-testid="fixity-row"' not in client.get(reverse("completeness:fixity")).content.decode()
    assert client.post(reverse("completeness:resolve", args=[finding.pk]), {"note": "x"}).status_code == 404
    finding.refresh_from_db()
    assert finding.resolved_at is None


def test_findings_api(client, clerk, finding):
    client.force_login(clerk)
    data = client.get("/api/completeness/findings/").json()
    assert data["count"] == 1 and data["results"][0]["kind"] == "FILE_MISSING"
    response = client.post(
        f"/api/completeness/findings/{finding.pk}/resolve/", {}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "FIXITY_NOTE_REQUIRED"
    response = client.post(
        f"/api/completeness/findings/{finding.pk}/resolve/",
        {"note": "已重新扫描"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["resolved_at"]
    response = client.post(
        f"/api/completeness/findings/{finding.pk}/resolve/",
        {"note": "again"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "FIXITY_ALREADY_RESOLVED"


def test_viewer_cannot_list_findings(client, org):
    viewer = factories.user("viewer", roles=["查阅人"], unit=org.city_discipline)
    client.force_login(viewer)
    assert client.get(reverse("completeness:fixity")).status_code == 403
    assert client.get("/api/completeness/findings/").status_code == 403


def test_sha256_of_missing_name_is_none():
    assert fixity.sha256_of("") is None
    assert fixity.sha256_of("nope/none.jpg") is None
    assert isinstance(datetime.date.today(), datetime.date)


def test_management_command_checks_everything(scanned):
    from io import StringIO

    from django.core.management import call_command

    _, _, pages = scanned
    default_storage.delete(pages[2].image.name)
    out = StringIO()
    call_command("fixity_check", "--all", "--batch", "2", stdout=out)
    assert "已核对 3 页" in out.getvalue() and "文件缺失 1 页" in out.getvalue()
    assert "孤立文件 0 个" in out.getvalue()
