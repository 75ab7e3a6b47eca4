"""The demo directories: realistic, complete enough, consistent, scanned, idempotent."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db.models import Count

from accounts import demo as accounts_demo
from archives import demo as archives_demo
from archives import demo_materials
from archives.models import CadrePost, EducationRecord, Material, Page, ReceiptBatch


@pytest.fixture
def seeded(db):
    units = accounts_demo.seed_units()
    users = accounts_demo.seed_users(units)
    archives = archives_demo.seed(units, users)
    wanted = {"QS00001", "QS00002", "QS00003", "QS00007", "QS00010", "DH00001", "DH00013", "XX00030"}
    subset = [a for a in archives if a.archive_no in wanted]
    ctx = {"units": units, "users": users, "archives": subset}
    summary = demo_materials.seed(ctx)
    return ctx, subset, summary


@pytest.mark.slow
def test_demo_directories(seeded):
    """One seeding (it takes a while), several checks."""
    ctx, archives, summary = seeded
    assert "已归档材料" in summary
    for archive in archives:
        filed = Material.objects.filter(archive=archive, status="filed")
        assert filed.count() >= 60, archive.archive_no
        numbers = set(filed.values_list("category__number", flat=True))
        assert numbers >= {1, 2, 3, 4, 5, 9, 10}, (archive.archive_no, numbers)
        # Sequence numbers run 1..n in every category.
        for row in filed.values("category").annotate(n=Count("id")):
            seqs = sorted(filed.filter(category=row["category"]).values_list("seq", flat=True))
            assert seqs == list(range(1, row["n"] + 1))
        assert not filed.filter(category__number__in=(4, 9), category__sub_number__isnull=True).exists()
        # Kinds are set, copies carry their seal, education and posts are linked.
        assert not filed.filter(kind__isnull=True).exists()
        assert not filed.filter(is_copy=True).filter(copy_sealed_by="").exists()
        assert filed.filter(is_copy=True).exists()
        cadre = archive.cadre
        assert EducationRecord.objects.filter(cadre=cadre, materials__isnull=False).exists()
        promotions = CadrePost.objects.filter(cadre=cadre, is_promotion=True)
        assert promotions.exists()
        for post in promotions:
            assert post.document_no and post.appointment_material.category.code == "92"
        work = cadre.work_start_date
        years = set(filed.filter(kind__code="annual_appraisal").values_list("formed_year", flat=True))
        expected = set(range(max(1997, work.year + 1), demo_materials.LAST_YEAR + 1))
        assert len(expected - years) <= 2 and years <= expected | {work.year}

    check_stated_dates(archives)
    check_scans_intake_and_idempotence(ctx)


def check_stated_dates(archives):
    for archive in archives:
        stated = set(
            Material.objects.filter(archive=archive, stated_birth_date__isnull=False).values_list(
                "stated_birth_date", flat=True
            )
        )
        if archive.archive_no in demo_materials.INCONSISTENT:
            assert len(stated) == 2, archive.archive_no
        else:
            assert stated == {archive.cadre.birth_date}, archive.archive_no
    assert Material.objects.filter(archive__archive_no="QS00007", is_altered=True).exists()


def check_scans_intake_and_idempotence(ctx):
    pages = Page.objects.filter(material__archive__archive_no__in=["QS00001", "QS00002", "DH00001"])
    assert pages.exists()
    for page in pages[:10]:
        assert page.dpi in (200, 300) and page.rendition_status == "ready"
        assert default_storage.exists(page.image.name) and default_storage.exists(page.thumbnail.name)
    resume = Material.objects.get(archive__archive_no="QS00002", kind__code="resume_1999")
    assert resume.pages.count() == resume.page_count - 1  # the demo's PAGE_COUNT_MISMATCH
    assert ReceiptBatch.objects.filter(status="open").exists()
    assert Material.objects.filter(status="identified").exists()
    counts = (
        Material.objects.count(),
        Page.objects.count(),
        CadrePost.objects.count(),
        ReceiptBatch.objects.count(),
    )
    demo_materials.seed(ctx)
    assert (
        Material.objects.count(),
        Page.objects.count(),
        CadrePost.objects.count(),
        ReceiptBatch.objects.count(),
    ) == counts
