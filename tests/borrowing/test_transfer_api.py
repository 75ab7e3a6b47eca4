"""/api/transfers/ and /api/intakes/: the same rules as the pages (codes in the 400 body), the whole flow over HTTP,
and 404 for what the caller may not see."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from archives.models import Archive, ArchiveStatus
from borrowing.models import Transfer

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(tkit, **overrides) -> dict:
    data = {
        "archive_no": tkit.archive.archive_no,
        "basis_kind": "transfer_notice",
        "basis_doc_no": "测组干〔2026〕20号",
        "basis_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "reason": "调出",
        "to_unit_name": "中共外省某市委组织部",
        "channel": "collection",
        "collectors": ["取档人甲", "取档人乙"],
        "main_volumes": 1,
        "duplicate_volumes": 1,
        "loose_items": 0,
    }
    data.update(overrides)
    return data


def test_rules_answer_with_their_codes(tkit):
    c = api(tkit.clerk)
    r = c.post("/api/transfers/", body(tkit, channel="post"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "TRANSFER_CHANNEL_INVALID"
    assert "不得通过普通邮寄" in r.json()["message"]
    r = c.post("/api/transfers/", body(tkit, basis_doc_no=""), format="json")
    assert r.status_code == 400 and r.json() == {
        "code": "TRANSFER_REASON_INSUFFICIENT",
        "message": "转递理由不充分：请填写依据文件的文号。",
        "field": "basis_doc_no",
    }
    r = c.post("/api/transfers/", body(tkit, duplicate_volumes=0), format="json")
    assert r.json()["code"] == "PARTIAL_TRANSFER"
    created = c.post("/api/transfers/", body(tkit), format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    r = c.post(f"/api/transfers/{pk}/submit/")
    assert r.status_code == 400 and r.json()["code"] == "NO_TRANSFER_NOTICE"


def test_whole_flow_over_the_api(tkit):
    c = api(tkit.clerk)
    pk = c.post("/api/transfers/", body(tkit), format="json").json()["id"]
    r = c.patch(f"/api/transfers/{pk}/", {"to_phone": "0795-7654321"}, format="json")
    assert r.status_code == 200 and r.json()["to_phone"] == "0795-7654321"
    notice = c.post(f"/api/transfers/{pk}/notice/").json()["notice_number"]
    assert notice.endswith("号") and "字第" in notice
    pdf = c.get(f"/api/transfers/{pk}/notice-pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert c.post(f"/api/transfers/{pk}/submit/").json()["status"] == "submitted"
    assert c.post(f"/api/transfers/{pk}/approve/").status_code == 403  # a clerk does not approve
    reviewer = api(tkit.reviewer)
    assert [t["id"] for t in reviewer.get("/api/transfers/?inbox=1").json()["results"]] == [pk]
    assert (
        reviewer.post(f"/api/transfers/{pk}/approve/", {"opinion": "同意"}, format="json").json()["status"]
        == "approved"
    )
    r = c.post(f"/api/transfers/{pk}/send/", {"collectors": ["取档人甲"]}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "COLLECTORS_LT_2"
    assert c.post(f"/api/transfers/{pk}/send/", {}, format="json").json()["status"] == "sent"
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.TRANSFERRING
    chase = c.post(
        f"/api/transfers/{pk}/chase/",
        {"chased_on": timezone.localdate().isoformat(), "method": "phone"},
        format="json",
    )
    assert chase.status_code == 201 and chase.json()["method_display"] == "电话"
    scan = SimpleUploadedFile("r.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    r = c.post(
        f"/api/transfers/{pk}/record-receipt/",
        {"recipient": "接收人丙", "receipt_on": timezone.localdate().isoformat(), "scan": scan},
        format="multipart",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "received" and r.json()["has_receipt_scan"] is True
    assert Archive.objects.get(pk=tkit.archive.pk).status == ArchiveStatus.TRANSFERRED_OUT


def test_return_and_cancel_over_the_api(tkit):
    t = tkit.sent()
    c = api(tkit.clerk)
    r = c.post(f"/api/transfers/{t.pk}/return/", {"reasons": ""}, format="json")
    assert r.json()["code"] == "RETURN_REASON_REQUIRED"
    assert (
        c.post(f"/api/transfers/{t.pk}/return/", {"reasons": "缺页"}, format="json").json()["status"]
        == "returned"
    )
    other = tkit.draft()
    assert (
        c.post(f"/api/transfers/{other.pk}/cancel/", {"reason": "取消"}, format="json").json()["status"]
        == "cancelled"
    )


def test_other_units_see_nothing(tkit):
    t = tkit.draft()
    c = api(tkit.county_clerk)
    assert c.get(f"/api/transfers/{t.pk}/").status_code == 404
    assert c.get("/api/transfers/").json()["count"] == 0
    assert (
        c.post("/api/transfers/", body(tkit), format="json").status_code == 400
    )  # not one of their archives
    assert (
        c.post("/api/transfers/", {**body(tkit), "archive": tkit.archive.pk}, format="json").status_code
        == 404
    )
    assert Transfer.objects.count() == 1


def test_intakes_over_the_api(tkit):
    c = api(tkit.clerk)
    data = {
        "sending_unit_name": "外省某县委组织部",
        "channel": "delivery",
        "courier": "送档人",
        "received_on": timezone.localdate().isoformat(),
        "stated_main": 1,
        "stated_duplicate": 0,
        "stated_loose": 3,
        "received_main": 1,
        "received_duplicate": 0,
        "received_loose": 2,
        "seal_intact": True,
        "name": "周接收",
        "sex": "2",
        "birth_date": "1990-01-02",
    }
    created = c.post("/api/intakes/", data, format="json")
    assert created.status_code == 201, created.json()
    intake = created.json()
    assert intake["discrepancies"][0]["code"] == "INTAKE_COUNTS_MISMATCH"
    r = c.post(f"/api/intakes/{intake['id']}/accept/", {"archive_no": "QS40001"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "INTAKE_COUNTS_MISMATCH"
    r = c.post(f"/api/intakes/{intake['id']}/return/", {}, format="json")
    assert r.json()["status"] == "returned" and "实收2份" in r.json()["return_reasons"]
    good = c.post("/api/intakes/", {**data, "received_loose": 3, "seal_intact": False}, format="json").json()
    assert c.post(f"/api/intakes/{good['id']}/accept/", {"archive_no": "QS40001"}, format="json").json()[
        "code"
    ] == ("INTAKE_SEAL_BROKEN")
    c.patch(f"/api/intakes/{good['id']}/", {"seal_intact": True}, format="json")
    accepted = c.post(
        f"/api/intakes/{good['id']}/accept/",
        {"archive_no": "QS40001", "cadre_unit": tkit.org.city_bureau.pk, "management_level": "county"},
        format="json",
    ).json()
    assert accepted["status"] == "accepted" and accepted["archive_no"] == "QS40001"
    assert c.get(f"/api/intakes/{good['id']}/receipt-pdf/").content.startswith(b"%PDF")
    alt = c.post(
        f"/api/intakes/{good['id']}/alterations/",
        {"material_label": "1-1 干部履历表", "field_name": "参加工作时间", "description": "月份涂改"},
        format="json",
    )
    assert alt.status_code == 201
    assert (
        c.post(f"/api/intakes/{good['id']}/submit-review/", {}, format="json").json()["review_status"]
        == "awaiting"
    )
    r = api(tkit.reviewer).post(f"/api/intakes/{good['id']}/confirm/", {"opinion": "属实"}, format="json")
    assert r.json()["review_status"] == "confirmed"
    filed = c.post(f"/api/intakes/{good['id']}/file-record/").json()
    assert filed["review_status"] == "filed" and filed["record_material"].startswith("5-")
    assert api(tkit.county_clerk).get(f"/api/intakes/{good['id']}/").status_code == 404
