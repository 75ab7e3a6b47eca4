"""The archives API: policy-filtered lists, the rule codes as HTTP 400, never a 500 on bad input."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from archives.models import Material, Page
from audit.models import AuditEvent
from core.idcard import make_id_number
from tests import factories
from tests.archives.conftest import scan_bytes, upload


@pytest.fixture
def api(client, clerk):
    client.force_login(clerk)
    return client


def formed_recently():
    d = timezone.localdate() - datetime.timedelta(days=7)
    return {"formed_year": d.year, "formed_month": d.month, "formed_day": d.day}


def new_material(api, archive, **kw):
    body = {
        "archive": archive.pk,
        "category": "3",
        "title": "年度考核登记表",
        "page_count": 2,
        **formed_recently(),
        **kw,
    }
    return api.post("/api/materials/", body, content_type="application/json")


def test_cadre_list_search_and_create(api, org, clerk):
    factories.archive(holding_unit=org.city_org, name="张三", archive_no="QS1")
    factories.archive(holding_unit=org.county_org, name="张山", archive_no="XX1")
    body = api.get("/api/cadres/", {"q": "zs"}).json()
    assert [c["name"] for c in body["results"]] == ["张三"]
    assert body["count"] == 1
    assert AuditEvent.objects.filter(action="archive.search", actor=clerk).count() == 1
    birth = datetime.date(1985, 4, 5)
    payload = {
        "name": "解放",
        "sex": "2",
        "birth_date": "1985-04-05",
        "id_number": make_id_number("360702", birth, 3, "1"),
        "unit": org.city_bureau.pk,
        "archive_no": "qs777",
        "holding_unit": org.city_org.pk,
    }
    response = api.post("/api/cadres/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["archive_no"] == "QS777" and data["name_pinyin"] == "xiefang"
    assert [w["code"] for w in data["warnings"]] == ["ID_SEX_MISMATCH"]
    response = api.post(
        "/api/cadres/",
        {**payload, "archive_no": "QS778", "id_number": payload["id_number"][:17] + "Z"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "ID_DIGITS"
    response = api.post("/api/cadres/", {**payload, "archive_no": ""}, content_type="application/json")
    assert response.status_code == 400


def test_cadre_determined_dates(api, archive):
    response = api.patch(
        f"/api/cadres/{archive.cadre_id}/", {"birth_date": "1980-01-01"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "DETERMINATION_REQUIRED",
        "message": "出生日期、入党时间、参加工作时间须经认定程序变更。",
        "field": "birth_date",
    }
    response = api.patch(
        f"/api/cadres/{archive.cadre_id}/", {"current_post": "局长"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["current_post"] == "局长"


def test_reviewer_reads_but_cannot_write(client, reviewer, archive):
    client.force_login(reviewer)
    assert client.get("/api/archives/").json()["count"] == 1
    response = client.patch(f"/api/archives/{archive.pk}/", {"room": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "PERMISSION_DENIED"
    assert client.get("/api/materials/").status_code == 200


def test_archive_list_filters_retrieve_and_update(api, org, clerk, archive):
    factories.archive(holding_unit=org.city_org, name="李四", archive_no="QS2")
    assert api.get("/api/archives/", {"q": "ls"}).json()["count"] == 1
    assert api.get("/api/archives/", {"status": "in_store", "page_size": 1}).json()["count"] == 2
    assert len(api.get("/api/archives/", {"page_size": 1}).json()["results"]) == 1
    assert api.get("/api/archives/", {"cadre_unit": org.county.pk}).json()["count"] == 0
    response = api.get(f"/api/archives/{archive.pk}/")
    assert response.status_code == 200 and response.json()["location"] == "未登记"
    assert AuditEvent.objects.filter(action="archive.directory_view", archive_id=archive.pk).count() == 1
    response = api.patch(
        f"/api/archives/{archive.pk}/", {"room": "一号库房", "cabinet": "3"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["location"] == "一号库房3柜"
    response = api.patch(
        f"/api/archives/{archive.pk}/", {"status": "transferred_out"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "STATUS_BY_WORKFLOW"


def test_outsider_gets_404(client, org, make_user, archive):
    outsider = make_user(roles=["管档员"], unit=org.county_org)
    client.force_login(outsider)
    assert client.get(f"/api/archives/{archive.pk}/").status_code == 404
    assert client.get(f"/api/archives/{archive.pk}/directory/").status_code == 404
    response = new_material(client, archive)
    assert response.status_code in (400, 404)
    assert not Material.objects.exists()


def test_directory_lists_every_category_and_is_audited_once(api, archive, clerk):
    factories.material(archive, code="92", title="干部任免审批表", seq=1)
    response = api.get(f"/api/archives/{archive.pk}/directory/")
    assert response.status_code == 200
    cats = response.json()["categories"]
    assert [c["code"] for c in cats] == [
        "1",
        "2",
        "3",
        "4",
        "4-1",
        "4-2",
        "4-3",
        "4-4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "9-1",
        "9-2",
        "9-3",
        "9-4",
        "10",
    ]
    nine_two = next(c for c in cats if c["code"] == "9-2")
    assert nine_two["materials"][0]["seq_label"] == "9-2-1"
    assert next(c for c in cats if c["code"] == "4")["is_header_only"] is True
    assert AuditEvent.objects.filter(action="archive.directory_view", archive_id=archive.pk).count() == 1


def test_material_life_cycle(api, archive, approver):
    response = new_material(api, archive, category="4")
    assert response.status_code == 400 and response.json()["code"] == "BAD_CATEGORY"
    response = new_material(api, archive, category="3-1")
    assert response.status_code == 400 and response.json()["code"] == "BAD_CATEGORY"
    response = new_material(
        api, archive, category="4-1", kind="edu_diploma_copy", is_copy=True, title="学位证书复印件"
    )
    assert response.status_code == 201
    copy = response.json()
    assert [w["code"] for w in copy["warnings"]] == ["COPY_WITHOUT_SEAL"]
    response = api.post(f"/api/materials/{copy['id']}/identify/")
    assert response.status_code == 400 and response.json()["code"] == "COPY_WITHOUT_SEAL"
    response = new_material(api, archive)
    m = response.json()
    assert m["status"] == "received" and m["seq_label"] == ""
    assert api.post(f"/api/materials/{m['id']}/file/").json()["code"] == "INVALID_STATUS"
    assert api.post(f"/api/materials/{m['id']}/identify/").json()["status"] == "identified"
    filed = api.post(f"/api/materials/{m['id']}/file/").json()
    assert filed["status"] == "filed" and filed["seq_label"] == "3-1"
    response = api.patch(
        f"/api/materials/{m['id']}/", {"title": "2025年度考核登记表"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "CHANGE_REASON_REQUIRED"
    response = api.patch(
        f"/api/materials/{m['id']}/",
        {"title": "2025年度考核登记表", "reason": "名称"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    response = api.delete(f"/api/materials/{m['id']}/")
    assert response.status_code == 400 and response.json()["code"] == "MATERIAL_NOT_DELETABLE"
    response = api.post(
        f"/api/materials/{m['id']}/withdraw/", {"reason": "重复"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "WITHDRAWAL_NOT_APPROVED"
    response = api.post(
        f"/api/materials/{m['id']}/withdraw/",
        {"reason": "重复", "approver": approver.pk},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert Material.objects.filter(pk=m["id"]).exists()
    retrieve = api.get(f"/api/materials/{m['id']}/")
    assert retrieve.status_code == 200
    assert AuditEvent.objects.filter(action="material.view", target_id=str(m["id"])).count() == 1


def test_return_and_move(api, archive):
    a = new_material(api, archive, title="甲").json()
    b = new_material(api, archive, title="乙").json()
    assert (
        api.post(f"/api/materials/{a['id']}/return/", {}, content_type="application/json").json()["code"]
        == "RETURN_REASON_REQUIRED"
    )
    for m in (a, b):
        api.post(f"/api/materials/{m['id']}/identify/")
        api.post(f"/api/materials/{m['id']}/file/")
    response = api.post(
        f"/api/materials/{b['id']}/move/", {"direction": "up"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["seq"] == 1
    response = api.post(
        f"/api/materials/{b['id']}/move/", {"direction": "up"}, content_type="application/json"
    )
    assert response.json()["code"] == "CANNOT_MOVE"
    response = api.post(
        f"/api/materials/{b['id']}/move/", {"direction": "sideways"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "INVALID"


def test_pages_api(api, archive):
    m = new_material(api, archive).json()
    response = api.post(f"/api/materials/{m['id']}/pages/", {"files": [upload("bad.jpg", b"text")]})
    assert response.status_code == 400 and response.json()["code"] == "SCAN_FORMAT"
    response = api.post(f"/api/materials/{m['id']}/pages/", {})
    assert response.status_code == 400 and response.json()["code"] == "SCAN_NO_FILES"
    response = api.post(
        f"/api/materials/{m['id']}/pages/",
        {"files": [upload("a.jpg", scan_bytes()), upload("b.jpg", scan_bytes())]},
    )
    assert response.status_code == 201
    assert [p["number"] for p in response.json()] == [1, 2]
    listing = api.get(f"/api/materials/{m['id']}/pages/").json()
    assert [p["dpi"] for p in listing] == [300, 300] and listing[0]["image_url"].endswith("/image/")
    response = api.post(
        f"/api/materials/{m['id']}/pages/", {"files": [upload("c.jpg", scan_bytes())], "first_number": "x"}
    )
    assert response.status_code == 400
    assert Page.objects.count() == 2


@pytest.mark.parametrize(
    "method,url,body",
    [
        ("get", "/api/archives/abc/", None),
        ("get", "/api/materials/abc/", None),
        ("get", "/api/archives/", {"status": "nonsense"}),
        ("get", "/api/materials/", {"archive": "x"}),
        ("post", "/api/materials/", "{not json"),
        (
            "post",
            "/api/materials/",
            {"archive": 999999, "category": "3", "title": "x", "page_count": 1, "formed_year": 2020},
        ),
        (
            "post",
            "/api/materials/",
            {
                "archive": "ARCH",
                "category": ["3"],
                "title": None,
                "page_count": "many",
                "formed_year": "二〇二〇",
            },
        ),
        ("post", "/api/cadres/", {"name": "x" * 500, "birth_date": "1999-02-30", "unit": "u"}),
        ("patch", "/api/cadres/1/", {"id_number": 123}),
    ],
)
def test_bad_input_never_500(api, archive, method, url, body):
    if isinstance(body, str):
        response = getattr(api, method)(url, body, content_type="application/json")
    elif method == "get":
        response = api.get(url, body or {})
    else:
        response = getattr(api, method)(url, body, content_type="application/json")
    assert response.status_code in (400, 404), response.content[:300]
    assert set(response.json()) >= {"code", "message", "field"}


def test_formed_date_and_category_codes_in_api(api, archive):
    response = new_material(api, archive, formed_year=2020, formed_month=2, formed_day=30)
    assert response.status_code == 400 and response.json()["code"] == "FORMED_DATE_INVALID"
    response = new_material(api, archive, category="11")
    assert response.json()["code"] == "BAD_CATEGORY"
    response = new_material(api, archive, category="四-2", kind="annual_appraisal")
    assert response.json()["code"] == "KIND_MISMATCH"


def test_late_handover_flag_and_filter(api, archive):
    old = timezone.localdate() - datetime.timedelta(days=120)
    response = new_material(api, archive, formed_year=old.year, formed_month=old.month, formed_day=old.day)
    assert response.status_code == 201
    assert (
        response.json()["late_handover"] is True and response.json()["warnings"][0]["code"] == "LATE_HANDOVER"
    )
    assert api.get("/api/materials/", {"late_handover": "true"}).json()["count"] == 1
    assert api.get("/api/materials/", {"category": "3"}).json()["count"] == 1
    assert api.get("/api/materials/", {"category": "9-2"}).json()["count"] == 0


def test_schema_documents_the_endpoints(api):
    schema = api.get("/api/schema/").content.decode()
    for path in [
        "/api/cadres/",
        "/api/archives/{id}/directory/",
        "/api/materials/",
        "/api/materials/{id}/pages/",
        "/api/materials/{id}/withdraw/",
    ]:
        assert path in schema, path
    assert "BAD_CATEGORY" in schema and "DETERMINATION_REQUIRED" in schema
