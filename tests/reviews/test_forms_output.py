"""The printed forms (text read back from the PDFs) and the statistics (counts, authority, XLSX safety)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from archives.models import Cadre, FamilyMember, Material
from reviews import appointment, pdf, selectors, services, statistics
from tests import factories

D = datetime.date
pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def case(crafted, reviewer, org):
    archive = crafted(current_post="青山市财政局局长")
    FamilyMember.objects.create(
        cadre=archive.cadre,
        relation="妻子",
        name="李芳",
        birth_date=D(1977, 5, 2),
        political_status="01",
        work_unit_post="青山市第一中学教师",
    )
    Material.objects.filter(archive=archive, kind__code="league_admission").update(
        stated_birth_date=D(1974, 3, 15)
    )
    return services.case_open(
        archive=archive,
        proposed_post="青山市人民政府副秘书长",
        post_to_remove="青山市财政局局长",
        requesting_unit=org.city_bureau,
        reviewer=reviewer,
        by=reviewer,
        reference_date=D(2026, 3, 15),
        reason="工作需要",
    )


def test_appointment_form_pdf_has_two_pages_with_the_fields(case, reviewer):
    form = appointment.from_cadre(case.cadre, case=case, filled_by="李建国")
    pages = text_of(pdf.appointment_form_pdf(form))
    assert len(pages) == 2
    first, second = (p.replace(" ", "").replace("\n", "") for p in pages)
    assert "干部任免审批表" in first
    assert "1975.03（51岁）" in first  # age at the reference date 2026-03-15
    for text in (
        "张清白",
        "拟任职务",
        "青山市人民政府副秘书长",
        "拟免职务",
        "全日制",
        "简",
        "1993.09--1997.07",
        "南昌大学",
    ):
        assert text in first, text
    for text in (
        "奖惩情况",
        "年度考核结果",
        "任免理由",
        "工作需要",
        "家庭",
        "李芳",
        "48",
        "呈报单位",
        "审批机关意见",
        "行政机关任免意见",
        "填表人：李建国",
    ):
        assert text in second, text


def test_long_resume_still_fits_on_page_one(case):
    form = appointment.from_cadre(case.cadre, case=case)
    form.resume = "\n".join(
        f"{1980 + i}.01--{1980 + i}.12  某某县某某局某某科科员、副科长、科长（负责综合协调工作）"
        for i in range(40)
    )
    assert len(text_of(pdf.appointment_form_pdf(form))) == 2


def test_review_form_pdf(case, reviewer):
    data = pdf.review_form_pdf(
        case=case,
        form=appointment.from_cadre(case.cadre, case=case),
        subjects=selectors.subject_rows(case.cadre),
        flags=selectors.flags_of(case),
        reasons=services.ready_reasons(case),
        printed_by="审批人甲",
    )
    text = "".join(text_of(data)).replace(" ", "").replace("\n", "")
    for part in (
        "干部任前审查表",
        "三龄两历一身份审核情况",
        "出生日期",
        "档案问题（红旗）及核查处理情况",
        "1974.03.15",
        "凡提四必落实情况",
        "干部档案凡提必审",
        "暂不能提交部务会",
        "审核人（签字）",
    ):
        assert part in text, part


def test_statistics_counts_only_what_the_reviewer_may_see(org, reviewer):
    at = D(2026, 6, 30)
    for name, birth, sex, level, edu, status, post_start, unit in [
        (
            "甲",
            D(1996, 6, 30),
            "1",
            "municipal",
            "大学本科",
            "01",
            D(2026, 1, 1),
            org.city_bureau,
        ),  # 30 today
        (
            "乙",
            D(1990, 7, 1),
            "2",
            "municipal",
            "硕士研究生",
            "02",
            D(2023, 1, 1),
            org.city_bureau,
        ),  # 35: 36 tomorrow
        ("丙", D(1970, 6, 30), "1", "county", "大学专科", "05", D(2014, 1, 1), org.county_bureau),  # 56
        ("丁", D(1980, 1, 1), "2", "other", "", "13", None, org.county_bureau),  # 46
    ]:
        factories.archive(
            holding_unit=org.city_org,
            unit=unit,
            name=name,
            birth=birth,
            sex=sex,
            level=level,
            fulltime_education=edu,
            political_status=status,
            post_start_date=post_start,
        )
    factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, name="退", birth=D(1960, 1, 1), status="retired"
    )
    factories.archive(holding_unit=org.city_org, unit=org.city_bureau, name="省", level="provincial")
    city = org.city
    tables = {t.key: dict(t.rows) for t in statistics.compute(statistics.cadres_in_scope(reviewer, city), at)}
    assert sum(tables["sex"].values()) == 4  # not the retired one, not the provincially managed one
    assert tables["age"] == {
        "30岁及以下": 1,
        "31—35岁": 1,
        "36—40岁": 0,
        "41—45岁": 0,
        "46—50岁": 1,
        "51—55岁": 0,
        "56岁及以上": 1,
    }
    assert tables["sex"] == {"男": 2, "女": 2}
    assert tables["education"]["大学本科"] == 1 and tables["education"]["硕士研究生"] == 1
    assert tables["education"]["大学专科"] == 1 and tables["education"]["未登记"] == 1
    assert (
        tables["party"]["中共党员"] == 1
        and tables["party"]["中共预备党员"] == 1
        and tables["party"]["民主党派"] == 1
    )
    assert tables["level"]["市管"] == 2 and tables["level"]["县管"] == 1
    assert tables["post_years"]["不满1年"] == 1 and tables["post_years"]["3—5年"] == 1
    assert tables["post_years"]["10年及以上"] == 1 and tables["post_years"]["未登记"] == 1
    county = statistics.cadres_in_scope(reviewer, org.county)
    assert county.count() == 2
    retired = statistics.cadres_in_scope(reviewer, city, include_retired=True)
    assert retired.count() == 5


def test_statistics_xlsx_is_neutralised(org, reviewer):
    org.city.name = '=HYPERLINK("http://x")'
    org.city.save()
    factories.archive(holding_unit=org.city_org, unit=org.city_bureau, name="甲")
    tables = statistics.compute(statistics.cadres_in_scope(reviewer, org.city), timezone.localdate())
    data = statistics.to_xlsx(tables, unit=org.city, at=timezone.localdate(), user=reviewer, total=1)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value.startswith("'=")
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "年龄结构" in values and "合计" in values


def test_county_reviewer_sees_only_county_cadres(org, make_user):
    county_reviewer = make_user("county_rev", roles=["审批人"], unit=org.county_org)
    factories.archive(holding_unit=org.city_org, unit=org.city_bureau, name="市", level="county")
    factories.archive(holding_unit=org.county_org, unit=org.county_bureau, name="县", level="county")
    units = statistics.units_for(county_reviewer)
    assert units[0] == org.county
    qs = statistics.cadres_in_scope(county_reviewer, units[0])
    assert list(qs.values_list("name", flat=True)) == ["县"]
    assert Cadre.objects.count() == 2


def test_filed_appointment_form_needs_organ_date_and_document_number(client, case, clerk, reviewer):
    from archives.models import CadrePost
    from audit.models import AuditEvent

    post = CadrePost.objects.get(cadre=case.cadre, title="青山市财政局局长")
    client.force_login(reviewer)
    r = client.get(f"/reviews/posts/{post.pk}/appointment-form.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    second = text_of(r.content)[1].replace(" ", "").replace("\n", "")
    assert "同意。" in second and "中共青山市委" in second and post.document_no in second
    CadrePost.objects.filter(pk=post.pk).update(document_no="", approved_on=None)
    client.force_login(clerk)
    r = client.get(f"/reviews/posts/{post.pk}/appointment-form.pdf")
    assert r.status_code == 400
    body = r.content.decode()
    assert "APPOINTMENT_FORM_UNAPPROVED" in body and "批准时间、任职文号" in body
    assert AuditEvent.objects.filter(action="review.post_form_pdf", outcome="denied").exists()


def test_post_form_outside_authority_is_404(client, case, org, make_user):
    from archives.models import CadrePost

    post = CadrePost.objects.filter(cadre=case.cadre).first()
    other = make_user("county_rev", roles=["审批人"], unit=org.county_org)
    client.force_login(other)
    assert client.get(f"/reviews/posts/{post.pk}/appointment-form.pdf").status_code == 404
