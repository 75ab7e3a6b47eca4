"""Every review page a user opens, through the Django test client: status, Chinese content, errors in place."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from archives.models import Material, Page
from audit.models import AuditEvent
from reviews import services
from reviews.models import CaseStatus

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def case(crafted, reviewer, org):
    archive = crafted()
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    league.stated_birth_date = D(1974, 3, 15)
    league.save()
    return services.case_open(
        archive=archive,
        proposed_post="青山市人民政府副秘书长",
        post_to_remove="青山市财政局局长",
        requesting_unit=org.city_bureau,
        reviewer=reviewer,
        by=reviewer,
    )


def test_case_list_and_filters(client, reviewer, case):
    client.force_login(reviewer)
    r = client.get(reverse("reviews:case-list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert case.cadre.name in body and "干部任前档案审核" in body
    r = client.get(reverse("reviews:case-list"), {"status": "ready"})
    assert case.cadre.name not in r.content.decode()
    r = client.get(reverse("reviews:case-list"), {"flagged": "1", "q": "zqb"})
    assert case.cadre.name in r.content.decode()


def test_case_list_forbidden_for_clerk(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("reviews:case-list")).status_code == 403


def test_create_flow(client, reviewer, crafted, org):
    archive = crafted(name="李候选")
    client.force_login(reviewer)
    r = client.get(reverse("reviews:case-create"), {"q": "李候选"})
    assert r.status_code == 200 and archive.archive_no in r.content.decode()
    r = client.get(reverse("reviews:case-create"), {"archive": archive.pk})
    assert r.status_code == 200 and "登记任前审核事项" in r.content.decode()
    r = client.post(
        reverse("reviews:case-create"),
        {
            "archive": archive.pk,
            "proposed_post": "",
            "requesting_unit": org.city_bureau.pk,
            "reviewer": reviewer.pk,
            "reference_date": "2026-11-23",
        },
    )
    assert r.status_code == 200 and "该字段是必填项" in r.content.decode()
    r = client.post(
        reverse("reviews:case-create"),
        {
            "archive": archive.pk,
            "proposed_post": "青山市财政局党组书记",
            "requesting_unit": org.city_bureau.pk,
            "reviewer": reviewer.pk,
            "reference_date": "2026-11-23",
        },
    )
    assert r.status_code == 302
    r = client.get(r["Location"])
    assert "青山市财政局党组书记" in r.content.decode()


def test_case_detail_shows_flags_reasons_and_audits(client, reviewer, case):
    client.force_login(reviewer)
    r = client.get(reverse("reviews:case-detail", args=[case.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "BIRTHDATE_NOT_EARLIEST" in body and "暂不能提交部务会" in body
    assert "凡提四必未完成" in body and "未核准前一律暂缓" in body
    assert 'data-testid="mark-ready" disabled' in body
    assert "1975.03（" in body
    assert AuditEvent.objects.filter(action="review.case_view", actor=reviewer).exists()


def test_case_detail_404_outside_authority(client, org, make_user, case):
    other = make_user("county_rev", roles=["审批人"], unit=org.county_org)
    client.force_login(other)
    assert client.get(reverse("reviews:case-detail", args=[case.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=other).exists()


def test_pass_with_open_flags_is_refused_in_the_page(client, reviewer, case):
    client.force_login(reviewer)
    r = client.post(
        reverse("reviews:case-action", args=[case.pk, "archive-review"]), {"result": "pass", "remarks": ""}
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "只能选择“暂缓”或“不通过”" in body
    r = client.post(
        reverse("reviews:case-action", args=[case.pk, "archive-review"]),
        {"result": "postpone", "remarks": ""},
    )
    assert r.status_code == 400 and "必须填写审核意见" in r.content.decode()
    r = client.post(
        reverse("reviews:case-action", args=[case.pk, "archive-review"]),
        {"result": "postpone", "remarks": "出生日期待核实"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.archive_review_result == "postpone"


def test_mark_ready_refused_with_reason(client, reviewer, case):
    client.force_login(reviewer)
    r = client.post(reverse("reviews:case-action", args=[case.pk, "mark-ready"]))
    assert r.status_code == 400
    assert "凡提四必未完成" in r.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_four_checks_and_resolve_through_pages(client, reviewer, case):
    client.force_login(reviewer)
    url = lambda action: reverse("reviews:case-action", args=[case.pk, action])  # noqa: E731
    assert client.post(url("personal-matters"), {"result": "consistent", "note": ""}).status_code == 302
    r = client.post(url("discipline"), {"opinion": "", "received_on": ""})
    assert r.status_code == 400
    assert (
        client.post(
            url("discipline"), {"opinion": "未发现问题", "received_on": timezone.localdate().isoformat()}
        ).status_code
        == 302
    )
    assert client.post(url("complaints"), {"result": "none", "note": ""}).status_code == 302
    for flag in case.flags.all():
        r = client.post(reverse("reviews:flag-resolve", args=[case.pk, flag.pk]), {f"flag{flag.pk}-note": ""})
        assert r.status_code == 400 and "请填写核查处理情况" in r.content.decode()
        r = client.post(
            reverse("reviews:flag-resolve", args=[case.pk, flag.pk]), {f"flag{flag.pk}-note": "已核实为笔误"}
        )
        assert r.status_code == 302
    assert client.post(url("archive-review"), {"result": "pass", "remarks": ""}).status_code == 302
    assert client.post(url("mark-ready")).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.READY
    r = client.get(reverse("reviews:case-detail", args=[case.pk]))
    assert "可提交部务会研究" in r.content.decode()


def test_material_viewer_uses_watermarked_pages(client, reviewer, case):
    from django.core.files.base import ContentFile

    material = Material.objects.get(archive=case.archive, kind__code="league_admission")
    page = Page(
        material=material,
        number=1,
        sha256="0" * 64,
        width=10,
        height=10,
        dpi=300,
        color_mode="RGB",
        image_format="JPEG",
        size_bytes=10,
    )
    page.image.save("p.jpg", ContentFile(b"x"), save=False)
    page.save()
    client.force_login(reviewer)
    r = client.get(reverse("reviews:material", args=[case.pk, material.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert reverse("pages:image", args=[page.pk]) in body
    assert "1974.03.15" in body
    assert AuditEvent.objects.filter(action="review.material_view", actor=reviewer).exists()


def test_material_viewer_refuses_without_grant(client, reviewer, case):
    services.case_close(case=case, outcome="withdrawn", note="动议撤销", by=reviewer)
    material = Material.objects.get(archive=case.archive, kind__code="league_admission")
    client.force_login(reviewer)
    assert client.get(reverse("reviews:material", args=[case.pk, material.pk])).status_code == 404


def test_pdfs(client, reviewer, case):
    client.force_login(reviewer)
    for name in ("reviews:review-pdf", "reviews:appointment-pdf"):
        r = client.get(reverse(name, args=[case.pk]))
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="review.appointment_pdf").exists()


def test_lrmx_export_page(client, reviewer, case):
    client.force_login(reviewer)
    r = client.get(reverse("reviews:lrmx-export", args=[case.pk]))
    assert r.status_code == 200 and b"<NiRenZhiWu>" in r.content


def test_determination_pages(client, reviewer, reviewer2, case):
    client.force_login(reviewer)
    flag = case.flags.get(code="BIRTHDATE_NOT_EARLIEST")
    r = client.get(reverse("reviews:determination-create", args=[case.pk]), {"flag": flag.pk})
    assert r.status_code == 200 and "提出三龄两历一身份认定" in r.content.decode()
    league = Material.objects.get(archive=case.archive, kind__code="league_admission")
    r = client.post(
        reverse("reviews:determination-create", args=[case.pk]),
        {
            "subject": "birth_date",
            "value_date": "1974-03-15",
            "basis": "",
            "determining_organ": "中共青山市委组织部",
            "determined_on": "2026-11-20",
            "basis_materials": [str(league.pk)],
        },
    )
    assert r.status_code == 200 and "认定依据" in r.content.decode()
    r = client.post(
        reverse("reviews:determination-create", args=[case.pk]),
        {
            "subject": "birth_date",
            "value_date": "1974-03-15",
            "basis": "以最早形成的入团志愿书为准",
            "determining_organ": "中共青山市委组织部",
            "determined_on": "2026-11-20",
            "basis_materials": [str(league.pk)],
        },
    )
    assert r.status_code == 302
    d = case.cadre.determinations.get()
    r = client.get(reverse("reviews:determination-detail", args=[d.pk]))
    assert "由您提出" in r.content.decode()
    client.force_login(reviewer2)
    r = client.get(reverse("reviews:determination-list"))
    assert case.cadre.name in r.content.decode()
    r = client.post(reverse("reviews:determination-detail", args=[d.pk]), {"decision": "approve", "note": ""})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "approved"
    case.cadre.refresh_from_db()
    assert case.cadre.birth_date == D(1974, 3, 15)


def test_statistics_page_and_xlsx(client, reviewer, case):
    client.force_login(reviewer)
    r = client.get(reverse("reviews:statistics"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "年龄结构" in body and "/static/vendor/chartjs/chart.umd.min.js" in body
    assert not re.search(r'(src|href)="(https?:)?//', body)  # vendored assets only, no CDN
    r = client.get(reverse("reviews:statistics-xlsx"))
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_lrmx_import_page_for_clerk(client, clerk, case):
    client.force_login(clerk)
    r = client.get(reverse("reviews:lrmx-import"))
    assert r.status_code == 200 and "任免审批表（LRMX）导入" in r.content.decode()


def test_home_panel(client, reviewer, case):
    client.force_login(reviewer)
    r = client.get("/")
    body = r.content.decode()
    assert "任前审核" in body and 'data-testid="review-panel"' in body
