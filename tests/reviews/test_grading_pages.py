"""Grading pages, the year-end report (page and XLSX), the printed sheet, the admin of the sheet, and
/api/archive-gradings/."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from audit.models import AuditEvent
from reviews import grading_services as services
from reviews.models import ArchiveGrading, GradingItem, GradingStatus
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_clerk_creates_scores_and_signs_on_the_pages(client, gkit):
    c = login(client, gkit.clerk)
    assert c.get(reverse("reviews:grading-list")).status_code == 200
    pick = c.get(reverse("reviews:grading-new"), {"q": gkit.archive.archive_no}).content.decode()
    assert gkit.archive.archive_no in pick
    assert c.get(reverse("reviews:grading-new"), {"archive": gkit.archive.pk}).status_code == 200
    today = timezone.localdate()
    response = c.post(
        reverse("reviews:grading-new"),
        {
            "archive": gkit.archive.pk,
            "submitting_unit": gkit.org.county_org.pk,
            "post": "测试县副县长",
            "appointed_on": (today - datetime.timedelta(days=30)).isoformat(),
            "submitted_on": today.isoformat(),
        },
    )
    grading = ArchiveGrading.objects.get()
    assert response.status_code == 302
    page = c.get(reverse("reviews:grading-detail", args=[grading.pk])).content.decode()
    assert "大专以上学历学位材料齐全" in page and "单项否决" in page and "拟定：优秀" in page
    # A deduction above the weight is shown on its row; nothing is saved.
    bad = c.post(
        reverse("reviews:grading-action", args=[grading.pk, "score"]),
        {"d-9": "3", "p-9": "缺培训材料", "d-8": "2", "p-8": ""},
    )
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "第9项：扣分3超过该项分值2" in text and "第8项：扣分须写明存在问题" in text
    assert 'value="3"' in text  # the typed value stays in the form
    assert not grading.lines.filter(deduction__gt=0).exists()
    c.post(
        reverse("reviews:grading-action", args=[grading.pk, "score"]),
        {"d-8": "2", "p-8": "缺硕士学位授予材料", "vn-1": "", "then": "initial"},
    )
    grading.refresh_from_db()
    assert grading.status == GradingStatus.CHECKING and grading.score == Decimal("98.0")
    c.logout()
    c = login(client, gkit.clerk2)
    assert "复核签字" in c.get(reverse("reviews:grading-detail", args=[grading.pk])).content.decode()
    c.post(reverse("reviews:grading-action", args=[grading.pk, "check"]))
    c.logout()
    r = login(client, gkit.reviewer)
    assert "复审签字（定级）" in r.get(reverse("reviews:grading-detail", args=[grading.pk])).content.decode()
    r.post(reverse("reviews:grading-action", args=[grading.pk, "second"]))
    grading.refresh_from_db()
    assert grading.status == GradingStatus.FINAL and grading.grade == "excellent"
    pdf = r.get(reverse("reviews:grading-pdf", args=[grading.pk]))
    text = (
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        .replace(" ", "")
        .replace("\n", "")
    )
    assert (
        "新任干部档案审核验收评分表" in text
        and "等次：优秀" in text
        and "复审人" in text
        and gkit.reviewer.full_name in text
    )


def test_report_counts_grades_late_and_returned_per_unit(client, gkit):
    today = timezone.localdate()
    a2 = factories.archive(holding_unit=gkit.org.city_org, unit=gkit.org.county, name="新任乙")
    a3 = factories.archive(holding_unit=gkit.org.city_org, unit=gkit.org.city_bureau, name="新任丙")
    a4 = factories.archive(holding_unit=gkit.org.city_org, unit=gkit.org.city_bureau, name="新任丁")
    gkit.final({6: 3})  # 97 excellent, county
    late = gkit.final(
        {8: 10, 9: 1}, archive=a2, appointed_on=today - datetime.timedelta(days=120)
    )  # 86 -> late, 不合格
    services.grading_return_to_unit(grading=late, by=gkit.clerk, reason="学历材料不全")
    gkit.final({8: 5}, archive=a3, submitting_unit=gkit.org.city_hr)  # 95 qualified
    gkit.create(archive=a4, submitting_unit=gkit.org.city_hr)  # pending
    c = login(client, gkit.reviewer)
    page = c.get(reverse("reviews:grading-report"), {"year": today.year})
    text = page.content.decode()
    assert page.status_code == 200 and gkit.org.county_org.name in text and "学历材料不全" in text
    xlsx = c.get(reverse("reviews:grading-report"), {"year": today.year, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(xlsx.content))
    rows = {r[0]: r for r in wb["分单位统计"].iter_rows(min_row=3, values_only=True)}
    county = rows[gkit.org.county_org.name]
    assert county[1:9] == (
        2,
        2,
        1,
        0,
        1,
        0,
        1,
        1,
    )  # total, final, excellent, qualified, unqualified, pending, late, returned
    hr = rows[gkit.org.city_hr.name]
    assert hr[1:9] == (2, 1, 0, 1, 0, 1, 0, 0)
    assert rows["合计"][1] == 4
    details = [r[0] for r in wb["明细"].iter_rows(min_row=2, values_only=True)]
    assert details.count("逾期报送") == 1 and details.count("退回") == 1 and details.count("不合格") == 1
    assert AuditEvent.objects.filter(action="grading.report_export").exists()


def test_other_units_and_roles(client, gkit):
    g = gkit.create()
    c = login(client, gkit.county_clerk)
    assert c.get(reverse("reviews:grading-detail", args=[g.pk])).status_code == 404
    c.logout()
    auditor = factories.user("g_aud", roles=["审计员"], unit=gkit.org.city_org)
    c = login(client, auditor)
    assert c.get(reverse("reviews:grading-list")).status_code == 403


def test_system_admin_edits_the_sheet_in_the_admin_and_cannot_delete(client, org):
    admin = factories.user("g_sys", roles=["系统管理员"], unit=org.city_org, is_staff=True)
    c = login(client, admin)
    listing = c.get("/admin/reviews/gradingitem/")
    assert listing.status_code == 200 and "大专以上学历学位材料齐全" in listing.content.decode()
    item = GradingItem.objects.get(code="training")
    response = c.post(
        f"/admin/reviews/gradingitem/{item.pk}/change/",
        {
            "number": item.number,
            "standard": item.standard,
            "method": "每缺一份扣1分",
            "weight": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.weight == Decimal(3) and item.method == "每缺一份扣1分"
    warned = c.get("/admin/reviews/gradingitem/").content.decode()
    assert "不是100分" in warned
    assert c.post(f"/admin/reviews/gradingitem/{item.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(action="grading.sheet_changed").exists()


def test_api(gkit):
    c = APIClient()
    c.force_authenticate(gkit.clerk)
    today = timezone.localdate()
    created = c.post(
        "/api/archive-gradings/",
        {
            "archive": gkit.archive.pk,
            "submitting_unit": gkit.org.county_org.pk,
            "post": "副县长",
            "appointed_on": (today - datetime.timedelta(days=20)).isoformat(),
            "submitted_on": today.isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert len(created.json()["lines"]) == 22
    r = c.post(
        f"/api/archive-gradings/{pk}/score/",
        {"lines": [{"number": 7, "deduction": "2.5", "problems": "缺"}]},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "GRADE_DEDUCTION_EXCEEDS_WEIGHT"
    r = c.post(
        f"/api/archive-gradings/{pk}/score/",
        {
            "lines": [
                {"number": 8, "deduction": "10", "problems": "学历材料缺失"},
                {"number": 9, "deduction": "0.5", "problems": "缺培训材料"},
            ]
        },
        format="json",
    )
    assert r.json()["score"] == "89.5"
    assert (
        c.post(f"/api/archive-gradings/{pk}/sign/", {"stage": "initial"}, format="json").json()["status"]
        == "checking"
    )
    r = c.post(f"/api/archive-gradings/{pk}/sign/", {"stage": "check"}, format="json")
    assert r.json()["code"] == "GRADE_SIGNER_DUPLICATE"
    c2 = APIClient()
    c2.force_authenticate(gkit.clerk2)
    assert (
        c2.post(f"/api/archive-gradings/{pk}/sign/", {"stage": "check"}, format="json").json()["status"]
        == "second"
    )
    rev = APIClient()
    rev.force_authenticate(gkit.reviewer)
    final = rev.post(f"/api/archive-gradings/{pk}/sign/", {"stage": "second"}, format="json").json()
    assert final["status"] == "final" and final["grade"] == "unqualified" and final["score"] == "89.5"
    report = rev.get("/api/archive-gradings/report/").json()
    assert report["total"]["unqualified"] == 1 and report["units"][0]["unit"] == gkit.org.county_org.name
    assert rev.get(f"/api/archive-gradings/{pk}/sheet-pdf/").content.startswith(b"%PDF")
    other = APIClient()
    other.force_authenticate(gkit.county_clerk)
    assert other.get(f"/api/archive-gradings/{pk}/").status_code == 404
