"""Every page the clerk opens, through the test client: status, content, audit events, errors next to fields."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from archives import services
from archives.models import Archive, Material, MaterialStatus, Page, ReceiptBatch
from audit.models import AuditEvent
from core.idcard import make_id_number
from tests import factories
from tests.archives.conftest import cat, kind, material_data, scan_bytes, upload


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def filed(archive, clerk, n=1, code="3", **kw):
    out = []
    for i in range(n):
        data = material_data(
            category=cat(code),
            kind=None,
            title=kw.get("title", f"材料{i}"),
            formed_year=2000 + i % 25,
            formed_month=1 + i % 12,
            formed_day=1,
        )
        m, _ = services.material_receive(by=clerk, archive=archive, data=data)
        services.material_identify(material=m, by=clerk)
        out.append(services.material_file(material=m, by=clerk))
    return out


def test_archive_list_search_by_initials_and_audit(clerk_client, org, clerk):
    factories.archive(holding_unit=org.city_org, name="张三", archive_no="QS00001")
    factories.archive(holding_unit=org.city_org, name="曾小明", archive_no="QS00002")
    factories.archive(holding_unit=org.city_org, name="李四", archive_no="QS00003")
    factories.archive(
        holding_unit=org.county_org, name="张山", archive_no="XX00001"
    )  # not the clerk's holdings
    response = clerk_client.get(reverse("archives:list"), {"q": "zs"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "张三" in html and "李四" not in html and "张山" not in html
    assert "曾小明" in clerk_client.get(reverse("archives:list"), {"q": "zxm"}).content.decode()
    assert "曾小明" in clerk_client.get(reverse("archives:list"), {"q": "zengx"}).content.decode()
    assert "李四" in clerk_client.get(reverse("archives:list"), {"q": "qs00003"}).content.decode()
    assert "张三" in clerk_client.get(reverse("archives:list"), {"q": "张"}).content.decode()
    events = AuditEvent.objects.filter(action="archive.search", actor=clerk)
    assert events.count() == 5
    assert events.order_by("id").first().details["q"] == "zs"


def test_archive_list_search_by_id_number_and_filters(clerk_client, org):
    a = factories.archive(holding_unit=org.city_org, name="王五", archive_no="QS00010")
    factories.archive(holding_unit=org.city_org, name="赵六", archive_no="QS00011")
    Archive.objects.filter(pk=a.pk).update(status="review_hold")
    html = clerk_client.get(reverse("archives:list"), {"q": a.cadre.id_number[:10]}).content.decode()
    assert "王五" in html
    html = clerk_client.get(reverse("archives:list"), {"status": "review_hold"}).content.decode()
    assert "王五" in html and "赵六" not in html
    html = clerk_client.get(reverse("archives:list"), {"holding_group": "retired"}).content.decode()
    assert "王五" not in html
    html = clerk_client.get(reverse("archives:list"), {"cadre_unit": org.city.pk}).content.decode()
    assert "王五" in html and "赵六" in html


def test_archive_list_paginates_without_per_row_queries(clerk_client, org):
    for i in range(45):
        factories.archive(holding_unit=org.city_org, name=f"张{i}", archive_no=f"QS{i:05d}")
    url = reverse("archives:list")
    with CaptureQueriesContext(connection) as ctx:
        response = clerk_client.get(url)
    first = len(ctx.captured_queries)
    assert "共 45 条" in response.content.decode()
    with CaptureQueriesContext(connection) as ctx:
        clerk_client.get(url, {"page": 3})
    assert len(ctx.captured_queries) == first


def test_reviewer_sees_directory_but_not_content(client, org, clerk, reviewer, archive):
    m = filed(archive, clerk)[0]
    client.force_login(reviewer)
    response = client.get(reverse("archives:detail", args=[archive.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert m.title in html
    assert reverse("archives:material", args=[m.pk]) not in html  # no link to the content
    assert client.get(reverse("archives:material", args=[m.pk])).status_code == 404
    assert "登记接收材料" not in html


def test_archive_page_shows_ten_categories_and_is_audited_once(clerk_client, clerk, archive):
    filed(archive, clerk, 2, code="92", title="干部任免审批表")
    response = clerk_client.get(reverse("archives:detail", args=[archive.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for heading in [
        "一、履历类材料",
        "四、学历学位",
        "四-1 学历学位材料",
        "四-4 教育培训材料",
        "九-2 任免材料",
        "九-4 会议代表材料",
        "十、其他可供组织参考的材料",
    ]:
        assert heading in html, heading
    assert "9-2-1" in html and "9-2-2" in html
    assert html.count("（暂无材料）") == 15  # 16 leaf categories, one of them has materials
    assert AuditEvent.objects.filter(action="archive.directory_view", archive_id=archive.pk).count() == 1
    assert 'data-testid="completeness-card"' in html


def test_archive_page_query_count_is_constant(clerk_client, clerk, org):
    small = factories.archive(holding_unit=org.city_org, name="甲", archive_no="QS1")
    big = factories.archive(holding_unit=org.city_org, name="乙", archive_no="QS2")

    def bulk(archive, n):
        cats = [cat(c) for c in ["1", "2", "3", "41", "42", "5", "6", "7", "91", "92", "10"]]
        Material.objects.bulk_create(
            [
                Material(
                    archive=archive,
                    category=cats[i % len(cats)],
                    title=f"材料{i}",
                    formed_year=2000 + i % 25,
                    formed_month=1,
                    formed_day=1,
                    formed_on=datetime.date(2000 + i % 25, 1, 1),
                    page_count=2,
                    status=MaterialStatus.FILED,
                    seq=i // len(cats) + 1,
                )
                for i in range(n)
            ]
        )
        intake = [
            Material(
                archive=archive,
                category=cats[0],
                title=f"待处理{i}",
                formed_year=2024,
                formed_on=datetime.date(2024, 1, 1),
                page_count=1,
                status=MaterialStatus.RECEIVED,
            )
            for i in range(n // 10)
        ]
        Material.objects.bulk_create(intake)
        for m in Material.objects.filter(archive=archive)[:: max(1, n // 5)]:
            Page.objects.bulk_create(
                [
                    Page(
                        material=m,
                        number=k,
                        image=f"x/{m.pk}/{k}.jpg",
                        sha256="0" * 64,
                        width=10,
                        height=10,
                        dpi=300,
                        color_mode="RGB",
                        image_format="JPEG",
                        size_bytes=1,
                    )
                    for k in (1, 2)
                ]
            )
        services.family_member_save(cadre=archive.cadre, by=clerk, data={"relation": "妻子", "name": "某"})
        for i in range(n // 30 + 1):
            services.cadre_post_save(
                cadre=archive.cadre,
                by=clerk,
                data={"start_date": datetime.date(2000 + i, 1, 1), "title": f"职务{i}"},
            )
            services.archive_update(archive=archive, by=clerk, changes={"room": f"库房{i}"})

    bulk(small, 10)
    bulk(big, 300)
    counts = []
    for archive in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            response = clerk_client.get(reverse("archives:detail", args=[archive.pk]))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert Material.objects.filter(archive=big).count() == 330
    assert counts[0] == counts[1], counts


def test_outsider_gets_404_on_archive_and_material(client, org, clerk, make_user, archive):
    m = filed(archive, clerk)[0]
    outsider = make_user(roles=["管档员"], unit=org.county_org)
    client.force_login(outsider)
    assert client.get(reverse("archives:detail", args=[archive.pk])).status_code == 404
    assert client.get(reverse("archives:material", args=[m.pk])).status_code == 404
    assert client.post(reverse("archives:material-withdraw", args=[m.pk])).status_code == 404
    assert client.get(reverse("archives:directory-xlsx", args=[archive.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).count() == 4


def test_register_archive_page_and_field_errors(clerk_client, org):
    url = reverse("archives:create")
    assert clerk_client.get(url).status_code == 200
    birth = datetime.date(1980, 2, 3)
    post = {
        "c-name": "单明",
        "c-sex": "1",
        "c-ethnicity": "汉族",
        "c-birth_date": "1980-02-03",
        "c-id_number": make_id_number("360702", birth, 5, "1")[:17] + "0",
        "c-political_status": "01",
        "c-management_level": "municipal",
        "c-cadre_type": "civil_servant",
        "c-unit": org.city_bureau.pk,
        "c-status": "serving",
        "a-archive_no": "QS55555",
        "a-holding_unit": org.city_org.pk,
        "a-main_volumes": 1,
        "a-duplicate_volumes": 0,
        "a-holding_group": "serving",
        "a-sorting_status": "unsorted",
    }
    good_id = make_id_number("360702", birth, 5, "1")
    if post["c-id_number"] == good_id:
        post["c-id_number"] = good_id[:17] + "1"
    response = clerk_client.post(url, post)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-id_number"' in html and "校验位" in html
    post["c-id_number"] = good_id
    post["c-sex"] = "2"
    response = clerk_client.post(url, post, follow=True)
    html = response.content.decode()
    archive = Archive.objects.get(archive_no="QS55555")
    assert response.redirect_chain[-1][0] == reverse("archives:detail", args=[archive.pk])
    assert "身份证号码提示" in html and "性别" in html
    assert 'data-testid="id-warning"' in html
    assert archive.cadre.name_pinyin == "shanming"


def test_cadre_edit_refuses_nothing_but_keeps_dates_locked(clerk_client, archive):
    url = reverse("archives:cadre-edit", args=[archive.pk])
    response = clerk_client.get(url)
    assert response.status_code == 200
    assert "须经认定程序变更" in response.content.decode()
    cadre = archive.cadre
    data = {
        f"c-{k}": v
        for k, v in {
            "name": cadre.name,
            "sex": cadre.sex,
            "ethnicity": "回族",
            "id_number": cadre.id_number,
            "political_status": "01",
            "management_level": cadre.management_level,
            "cadre_type": cadre.cadre_type,
            "unit": cadre.unit_id,
            "status": "serving",
            "birth_date": "1999-01-01",  # disabled field: ignored
        }.items()
    }
    response = clerk_client.post(url, data)
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.ethnicity == "回族" and cadre.birth_date == datetime.date(1975, 3, 15)


def test_archive_edit_page(clerk_client, archive):
    url = reverse("archives:edit", args=[archive.pk])
    assert clerk_client.get(url).status_code == 200
    response = clerk_client.post(
        url,
        {
            "room": "二号库房",
            "cabinet": "12",
            "shelf": "3",
            "position": "4",
            "main_volumes": 1,
            "duplicate_volumes": 0,
            "status": "in_store",
            "sorting_status": "sorted",
            "holding_group": "serving",
            "custodian": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    archive.refresh_from_db()
    assert archive.location == "二号库房12柜3层4格"
    html = clerk_client.get(reverse("archives:detail", args=[archive.pk])).content.decode()
    assert "位置变更" in html and "二号库房12柜3层4格" in html


@pytest.mark.parametrize("section", ["family", "posts", "education"])
def test_cadre_sections(clerk_client, archive, section):
    url = reverse("archives:cadre-section", args=[archive.pk, section])
    assert clerk_client.get(url).status_code == 200
    data = {
        "family": {"relation": "妻子", "name": "王芳", "political_status": "01", "sort_order": 1},
        "posts": {
            "start_date": "2015-03-01",
            "title": "测试市财政局副局长",
            "rank": "40",
            "document_no": "测组〔2015〕3号",
        },
        "education": {"mode": "full_time", "level": "bachelor", "school": "南昌大学", "major": "行政管理"},
    }[section]
    response = clerk_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    html = clerk_client.get(url).content.decode()
    assert list(data.values())[1] in html


def test_material_create_edit_and_history(clerk_client, clerk, archive):
    url = reverse("archives:material-create", args=[archive.pk])
    assert clerk_client.get(url).status_code == 200
    formed = timezone.localdate() - datetime.timedelta(days=5)
    base = {
        "kind": kind("autobiography").pk,
        "category": cat("2").pk,
        "title": "自传",
        "formed_year": formed.year,
        "formed_month": formed.month,
        "formed_day": formed.day,
        "page_count": 4,
        "received_date": timezone.localdate().isoformat(),
    }
    response = clerk_client.post(url, {**base, "category": cat("4").pk})
    assert response.status_code == 200  # category 4 is not offered (not a leaf): form error
    response = clerk_client.post(url, {**base, "kind": kind("annual_appraisal").pk})
    assert "材料种类" in response.content.decode() and 'data-testid="error-kind"' in response.content.decode()
    response = clerk_client.post(url, base)
    assert response.status_code == 302
    m = Material.objects.get(title="自传")
    services.material_identify(material=m, by=clerk)
    services.material_file(material=m, by=clerk)
    edit = reverse("archives:material-edit", args=[m.pk])
    response = clerk_client.post(edit, {**base, "title": "自传（入党时所写）"})
    assert 'data-testid="error-reason"' in response.content.decode()
    response = clerk_client.post(edit, {**base, "title": "自传（入党时所写）", "reason": "名称不准确"})
    assert response.status_code == 302
    html = clerk_client.get(reverse("archives:material", args=[m.pk])).content.decode()
    assert "修改记录" in html and "名称不准确" in html and "材料名称" in html


def test_material_page_viewer_and_audit(clerk_client, clerk, archive):
    m = filed(archive, clerk)[0]
    services.pages_upload(
        material=m, by=clerk, files=[upload("p1.jpg", scan_bytes()), upload("p2.jpg", scan_bytes())]
    )
    response = clerk_client.get(reverse("archives:material", args=[m.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    pages = list(m.pages.order_by("number"))
    assert reverse("pages:image", args=[pages[1].pk]) in html
    assert reverse("pages:thumb", args=[pages[0].pk]) in html
    assert AuditEvent.objects.filter(action="material.view", target_id=str(m.pk)).count() == 1
    directory = clerk_client.get(reverse("archives:detail", args=[archive.pk])).content.decode()
    assert reverse("pages:thumb", args=[pages[0].pk]) in directory
    assert 'data-testid="page-mismatch"' not in directory


def test_material_actions_through_pages(clerk_client, clerk, approver, archive):
    m, _ = services.material_receive(by=clerk, archive=archive, data=material_data())
    assert clerk_client.post(reverse("archives:material-identify", args=[m.pk])).status_code == 302
    assert clerk_client.post(reverse("archives:material-file", args=[m.pk])).status_code == 302
    m.refresh_from_db()
    assert m.status == "filed" and m.seq == 1
    url = reverse("archives:material-withdraw", args=[m.pk])
    assert clerk_client.get(url).status_code == 200
    response = clerk_client.post(url, {"approver": approver.pk, "reason": ""})
    assert 'data-testid="error-reason"' in response.content.decode()
    response = clerk_client.post(url, {"approver": approver.pk, "reason": "重复归档"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == "withdrawn"
    # An error is shown as a message, never a 500.
    response = clerk_client.post(reverse("archives:material-file", args=[m.pk]), follow=True)
    assert "不能归档" in response.content.decode()


def test_move_buttons(clerk_client, clerk, archive):
    a, b = filed(archive, clerk, 2)
    response = clerk_client.post(reverse("archives:material-move", args=[b.pk]), {"direction": "up"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.seq == 1


def test_intake_pages(clerk_client, clerk, archive):
    assert clerk_client.get(reverse("archives:intake")).status_code == 200
    url = reverse("archives:batch-create")
    assert clerk_client.get(url).status_code == 200
    formed = timezone.localdate() - datetime.timedelta(days=3)
    item = {
        "archive_no": "qs00001",
        "kind": kind("annual_appraisal").pk,
        "category": cat("3").pk,
        "title": "年度考核登记表",
        "formed_year": formed.year,
        "formed_month": formed.month,
        "formed_day": formed.day,
        "page_count": 2,
    }
    post = {
        "producing_unit": "测试市财政局",
        "delivered_by": "小刘",
        "received_date": timezone.localdate().isoformat(),
        "holding_unit": archive.holding_unit_id,
        "notes": "",
        "items-TOTAL_FORMS": 2,
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 1,
        "items-MAX_NUM_FORMS": 200,
    }
    for i, values in enumerate([item, {**item, "archive_no": "NOPE", "title": "自传"}]):
        post.update({f"items-{i}-{k}": v for k, v in values.items()})
    response = clerk_client.post(url, post)
    assert response.status_code == 200
    assert "找不到您保管的档号" in response.content.decode()
    assert not ReceiptBatch.objects.exists()
    post["items-1-archive_no"] = "QS00001"
    post["items-1-category"] = cat("9").pk  # not offered: a form error
    response = clerk_client.post(url, post)
    assert response.status_code == 200 and not ReceiptBatch.objects.exists()
    post["items-1-category"] = cat("2").pk
    post["items-1-kind"] = ""
    response = clerk_client.post(url, post)
    assert response.status_code == 302
    batch = ReceiptBatch.objects.get()
    detail = reverse("archives:batch", args=[batch.pk])
    html = clerk_client.get(detail).content.decode()
    assert "鉴别通过" in html and "测试市财政局送交材料" in html
    clerk_client.post(reverse("archives:batch-identify-all", args=[batch.pk]))
    clerk_client.post(reverse("archives:batch-file-all", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done"
    assert set(Material.objects.values_list("status", flat=True)) == {"filed"}


def test_lookup_pending_and_late_pages(clerk_client, clerk, archive):
    html = clerk_client.get(reverse("archives:lookup"), {"q": "zs"}).content.decode()
    assert 'value="QS00001"' in html
    today = timezone.localdate()
    old = today - datetime.timedelta(days=100)
    m, _ = services.material_receive(
        by=clerk,
        archive=archive,
        data=material_data(
            received_date=today - datetime.timedelta(days=40),
            formed_year=old.year,
            formed_month=old.month,
            formed_day=old.day,
        ),
    )
    services.material_identify(material=m, by=clerk)
    html = clerk_client.get(reverse("archives:pending")).content.decode()
    assert m.title in html and "40 天" in html
    html = clerk_client.get(reverse("archives:late-handover")).content.decode()
    assert "测试市财政局" in html
    html = clerk_client.get(reverse("archives:late-handover"), {"unit": "测试市财政局"}).content.decode()
    assert "逾期移交的材料" in html and m.title in html
    home = clerk_client.get("/").content.decode()
    assert "待归档材料" in home and "零散材料接收" in home


def test_menu_entries(client, clerk, reviewer):
    client.force_login(clerk)
    html = client.get("/").content.decode()
    for label in ["干部档案", "零散材料接收", "待归档材料", "名册导入"]:
        assert label in html
    client.force_login(reviewer)
    html = client.get("/").content.decode()
    assert "干部档案" in html and "零散材料接收" not in html


def test_reviewer_cannot_open_clerk_pages(client, reviewer, archive):
    client.force_login(reviewer)
    for name in ["archives:intake", "archives:pending", "archives:import", "archives:create"]:
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("archives:edit", args=[archive.pk])).status_code == 403


def test_search_falls_back_to_subqueries_past_the_cap(clerk, org, monkeypatch):
    from archives import selectors

    for i, name in enumerate(["张三", "张山", "章杉", "李四"]):
        factories.archive(holding_unit=org.city_org, name=name, archive_no=f"QS9{i:04d}")
    expected = {"张三", "张山", "章杉"}
    found = {a.cadre.name for a in selectors.archive_list(clerk, selectors.ArchiveFilters(q="zs"))}
    assert found == expected
    monkeypatch.setattr(selectors, "SEARCH_CAP", 1)
    found = {a.cadre.name for a in selectors.archive_list(clerk, selectors.ArchiveFilters(q="zs"))}
    assert found == expected
    found = {a.cadre.name for a in selectors.archive_list(clerk, selectors.ArchiveFilters(q="QS9"))}
    assert found == expected | {"李四"}
    # A name search lists by pinyin, then archive number.
    names = [a.cadre.name for a in selectors.archive_list(clerk, selectors.ArchiveFilters(q="zhang"))]
    assert names == ["张三", "张山", "章杉"]
