"""The review API: the same services, errors as HTTP 400 {code, message, field}, 404 outside authority."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from archives.models import Material

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def flagged(crafted):
    archive = crafted()
    Material.objects.filter(archive=archive, kind__code="league_admission").update(
        stated_birth_date=D(1974, 3, 15)
    )
    return archive


def create(api, archive, org, **kw):
    return api.post(
        "/api/reviews/",
        {
            "archive": archive.pk,
            "proposed_post": "青山市人民政府副秘书长",
            "requesting_unit": org.city_bureau.pk,
            **kw,
        },
        format="json",
    )


def test_full_flow_through_the_api(api, reviewer, reviewer2, flagged, org):
    api.force_authenticate(reviewer)
    r = create(api, flagged, org)
    assert r.status_code == 201, r.content
    case = r.json()
    assert {f["code"] for f in case["flags"]} == {"BIRTHDATE_INCONSISTENT", "BIRTHDATE_NOT_EARLIEST"}
    assert [x["code"] for x in case["ready_reasons"]] == ["FOUR_MUSTS_INCOMPLETE", "RED_FLAGS_OPEN"]
    base = f"/api/reviews/{case['id']}"

    r = api.post(f"{base}/archive-review/", {"result": "pass"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "RED_FLAGS_OPEN" and r.json()["field"] == "result"
    r = api.post(f"{base}/archive-review/", {"result": "postpone"}, format="json")
    assert r.json()["code"] == "REMARKS_REQUIRED" and r.json()["field"] == "remarks"
    r = api.post(
        f"{base}/archive-review/", {"result": "postpone", "remarks": "出生日期待核实"}, format="json"
    )
    assert r.status_code == 200 and r.json()["archive_review_result"] == "postpone"

    r = api.post(f"{base}/mark-ready/")
    body = r.json()
    assert r.status_code == 400 and body["code"] == "FOUR_MUSTS_INCOMPLETE"
    assert [v["code"] for v in body["violations"]] == ["FOUR_MUSTS_INCOMPLETE", "RED_FLAGS_OPEN"]

    assert api.post(f"{base}/personal-matters/", {"result": "consistent"}, format="json").status_code == 200
    assert (
        api.post(
            f"{base}/discipline/",
            {"opinion": "无问题", "received_on": timezone.localdate().isoformat()},
            format="json",
        ).status_code
        == 200
    )
    assert api.post(f"{base}/complaints/", {"result": "none"}, format="json").status_code == 200

    # Determine the birth date (propose by one reviewer, approve by another), then resolve.
    league = Material.objects.get(archive=flagged, kind__code="league_admission")
    r = api.post(
        "/api/determinations/",
        {
            "case": case["id"],
            "subject": "birth_date",
            "value_date": "1974-03-15",
            "basis": "以入团志愿书为准",
            "basis_materials": [league.pk],
            "determining_organ": "中共测试市委组织部",
            "determined_on": "2026-11-20",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    did = r.json()["id"]
    assert api.post(f"/api/determinations/{did}/approve/").json()["code"] == "DETERMINATION_SELF_APPROVAL"
    api.force_authenticate(reviewer2)
    assert api.get("/api/determinations/", {"pending": "1"}).json()["count"] == 1
    r = api.post(f"/api/determinations/{did}/approve/", {"note": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    api.force_authenticate(reviewer)
    r = api.post(f"{base}/run-checks/")
    assert r.status_code == 200
    flags = api.get(f"{base}/").json()["flags"]
    for flag in [f for f in flags if f["status"] == "open"]:
        r = api.post(
            f"{base}/resolve-flag/",
            {"flag": flag["id"], "determination": did, "note": "已认定"},
            format="json",
        )
        assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = api.post(f"{base}/archive-review/", {"result": "pass"}, format="json")
    assert r.status_code == 200
    r = api.post(f"{base}/mark-ready/")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    r = api.post(f"{base}/close/", {"outcome": "submitted"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = api.get("/api/determinations/", {"cadre": flagged.cadre_id})
    assert r.json()["count"] == 1 and r.json()["results"][0]["value"] == "1974.03.15"


def test_list_and_filters(api, reviewer, flagged, org):
    api.force_authenticate(reviewer)
    create(api, flagged, org)
    assert api.get("/api/reviews/").json()["count"] == 1
    assert api.get("/api/reviews/", {"flagged": "1"}).json()["count"] == 1
    assert api.get("/api/reviews/", {"status": "ready"}).json()["count"] == 0


def test_outside_authority_is_404(api, reviewer, flagged, org, make_user):
    api.force_authenticate(reviewer)
    case_id = create(api, flagged, org).json()["id"]
    other = make_user("county_rev", roles=["审批人"], unit=org.county_org)
    api.force_authenticate(other)
    r = api.get(f"/api/reviews/{case_id}/")
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    assert api.post(f"/api/reviews/{case_id}/mark-ready/").status_code == 404
    assert create(api, flagged, org).status_code == 404


def test_roles(api, clerk, auditor, flagged, org):
    for user in (clerk, auditor):
        api.force_authenticate(user)
        assert api.get("/api/reviews/").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/reviews/").status_code == 401


def test_validation_error_format(api, reviewer, flagged, org):
    api.force_authenticate(reviewer)
    r = api.post("/api/reviews/", {"archive": flagged.pk}, format="json")
    assert (
        r.status_code == 400
        and r.json()["code"] == "INVALID"
        and r.json()["field"] in ("proposed_post", "requesting_unit")
    )


def test_lrmx_api_export_and_import(api, reviewer, clerk, flagged, org):
    api.force_authenticate(reviewer)
    r = api.get(f"/api/cadres/{flagged.cadre_id}/lrmx/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/xml")
    data = r.content
    case_id = create(api, flagged, org).json()["id"]
    r = api.get(f"/api/cadres/{flagged.cadre_id}/lrmx/", {"case": case_id})
    assert "<NiRenZhiWu>青山市人民政府副秘书长</NiRenZhiWu>".encode() in r.content
    # A reviewer may not import (no MANAGE right): 404.
    assert (
        api.post(f"/api/cadres/{flagged.cadre_id}/lrmx/", data, content_type="application/xml").status_code
        == 404
    )
    api.force_authenticate(clerk)
    r = api.post(f"/api/cadres/{flagged.cadre_id}/lrmx/", data, content_type="application/xml")
    assert r.status_code == 200 and r.json()["created"] is False and r.json()["changes"] == {}
    bad = data.replace(
        b"<ChuShengNianYue>197503</ChuShengNianYue>", b"<ChuShengNianYue>1975-13</ChuShengNianYue>"
    )
    r = api.post(f"/api/cadres/{flagged.cadre_id}/lrmx/", bad, content_type="application/xml")
    body = r.json()
    assert r.status_code == 400 and body["code"] == "LRMX_INVALID" and body["field"] == "ChuShengNianYue"
    from django.core.files.uploadedfile import SimpleUploadedFile

    evil = b'<?xml version="1.0"?><!DOCTYPE Person [<!ENTITY x SYSTEM "file:///etc/passwd">]><Person><XingMing>&x;</XingMing></Person>'
    r = api.post(
        f"/api/cadres/{flagged.cadre_id}/lrmx/",
        {"file": SimpleUploadedFile("a.lrmx", evil)},
        format="multipart",
    )
    body = r.json()
    assert r.status_code == 400 and body["code"] == "LRMX_INVALID" and body["field"] == "Person"
    assert "安全原因" in body["message"]
    assert api.get("/api/cadres/999999/lrmx/").status_code == 404


def test_lrmx_api_register(api, clerk, flagged, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.idcard import make_id_number

    api.force_authenticate(clerk)
    data = api.get(f"/api/cadres/{flagged.cadre_id}/lrmx/").content
    data = data.replace(
        flagged.cadre.id_number.encode(), make_id_number("361102", D(1975, 3, 15), 77, "1").encode()
    )
    r = api.post(
        "/api/lrmx/",
        {
            "file": SimpleUploadedFile("n.lrmx", data),
            "archive_no": "T-API-1",
            "holding_unit": org.city_org.pk,
            "unit": org.city_bureau.pk,
            "management_level": "municipal",
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert r.json()["created"] is True


def test_statistics_api(api, reviewer, flagged, org):
    api.force_authenticate(reviewer)
    r = api.get("/api/reviews/statistics/")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and [t["key"] for t in body["tables"]][:2] == ["age", "sex"]
    assert api.get("/api/reviews/statistics/", {"unit": 999999}).status_code == 400
    assert api.get("/api/reviews/statistics/", {"at": "nope"}).json()["code"] == "INVALID"


def test_schema_documents_the_review_api(api, reviewer):
    api.force_authenticate(reviewer)
    r = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"] if r["Content-Type"].startswith("application/json") else None
    text = r.content.decode()
    for path in (
        "/api/reviews/{id}/mark-ready/",
        "/api/cadres/{id}/lrmx/",
        "/api/determinations/{id}/approve/",
    ):
        assert path in (paths or text)
