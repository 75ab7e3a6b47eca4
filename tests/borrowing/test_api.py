"""/api/access-requests/: the whole flow over the API, with the same rules and the error format."""

import datetime

from django.utils import timezone
from rest_framework.test import APIClient

from archives.models import ArchiveStatus
from borrowing.models import RequestStatus, ReturnIncident

API = "/api/access-requests/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(kit, **override):
    start = timezone.now() - datetime.timedelta(minutes=1)
    data = {
        "mode": "onsite",
        "requesting_unit": kit.org.city_discipline.pk,
        "unit_opinion": "同意查阅。",
        "unit_signer": "纪委负责人",
        "unit_signed_on": timezone.localdate().isoformat(),
        "purpose": "inspection",
        "purpose_detail": "审查调查",
        "start_at": start.isoformat(),
        "end_at": (start + datetime.timedelta(hours=6)).isoformat(),
        "viewers": [{"user": kit.v1.username}, {"user": kit.v2.username}],
        "subjects": [{"archive_no": kit.archive.archive_no, "scope_all": True}],
    }
    data.update(override)
    return data


def test_create_submit_approve_checkout_return_over_the_api(kit):
    clerk = api(kit.clerk)
    response = clerk.post(API, payload(kit, mode="loan", end_at=None), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    pk = body["id"]
    assert body["status"] == "draft" and [v["name"] for v in body["viewers"]] == ["查阅人郑", "查阅人冯"]
    assert clerk.post(f"{API}{pk}/submit/").json()["status"] == "submitted"
    first = api(kit.reviewer).post(f"{API}{pk}/approve/", {"opinion": "同意", "level": 1}, format="json")
    assert first.json()["status"] == "first_approved"
    stale = api(kit.reviewer2).post(f"{API}{pk}/approve/", {"level": 1}, format="json")
    assert stale.status_code == 400 and stale.json()["code"] == "STALE_STATE"
    second = api(kit.reviewer2).post(f"{API}{pk}/approve/", {"level": 2}, format="json")
    assert second.json()["status"] == "approved"
    out = clerk.post(f"{API}{pk}/checkout/", {"signatures": ["查阅人郑", "查阅人冯"]}, format="json")
    assert out.status_code == 200 and out.json()[0]["kind"] == "loan"
    kit.archive.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.ON_LOAN
    items = [{"material": m.pk, "present": True, "pages": m.page_count} for m in kit.materials]
    items[0]["pages"] -= 1
    back = clerk.post(f"{API}{pk}/return/", {"items": items, "signatures": ["查阅人郑"]}, format="json")
    assert back.status_code == 200 and back.json()["matched"] is False
    assert "目录4页、清点3页" in back.json()["incident"]["summary"]
    assert ReturnIncident.objects.filter(status="open").count() == 1
    items[0]["pages"] += 1
    back = clerk.post(f"{API}{pk}/return/", {"items": items, "signatures": ["查阅人郑"]}, format="json")
    assert back.json()["matched"] is True
    detail = clerk.get(f"{API}{pk}/").json()
    assert detail["status"] == "returned" and len(detail["approvals"]) == 2


def test_rule_violations_answer_400_with_code_and_field(kit):
    clerk = api(kit.clerk)
    pk = clerk.post(
        API, payload(kit, viewers=[{"user": kit.v1.username}, {"user": kit.masses.username}]), format="json"
    ).json()["id"]
    response = clerk.post(f"{API}{pk}/submit/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VIEWER_NOT_PARTY_MEMBER" and body["field"] == "viewers.1.political_status"
    assert "非中共党员不予查阅" in body["message"]


def test_purpose_not_permitted_over_the_api(kit):
    clerk = api(kit.clerk)
    pk = clerk.post(API, payload(kit, purpose="private"), format="json").json()["id"]
    response = clerk.post(f"{API}{pk}/submit/")
    assert response.json()["code"] == "PURPOSE_NOT_PERMITTED"


def test_missing_fields_are_listed(kit):
    clerk = api(kit.clerk)
    pk = clerk.post(API, payload(kit, unit_opinion="", unit_signer=""), format="json").json()["id"]
    body = clerk.post(f"{API}{pk}/submit/").json()
    assert body["code"] == "FORM_IRREGULAR"
    fields = {v["field"] for v in body["violations"]}
    assert {"unit_opinion", "unit_signer"} <= fields


def test_unknown_archive_number(kit):
    response = api(kit.clerk).post(API, payload(kit, subjects=[{"archive_no": "NOPE"}]), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "SUBJECT_NOT_FOUND" and response.json()["field"] == "subjects.0.archive"


def test_reviewer_outside_authority_gets_404_and_cannot_approve(kit):
    req = kit.submitted()
    response = api(kit.county_reviewer).post(f"{API}{req.pk}/approve/", {}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED


def test_reject_and_withdraw_over_the_api(kit):
    a = kit.submitted()
    response = api(kit.reviewer).post(f"{API}{a.pk}/reject/", {"reason": ""}, format="json")
    assert response.json()["code"] == "REASON_REQUIRED"
    assert (
        api(kit.reviewer)
        .post(f"{API}{a.pk}/reject/", {"reason": "事由不充分"}, format="json")
        .json()["status"]
        == "rejected"
    )
    b = kit.submitted()
    assert api(kit.v1).post(f"{API}{b.pk}/withdraw/").json()["code"] == "NOT_APPLICANT"
    assert api(kit.clerk).post(f"{API}{b.pk}/withdraw/").json()["status"] == "withdrawn"


def test_digital_request_by_a_viewer_for_themselves_and_finish(kit):
    viewer = api(kit.v1)
    body = viewer.post(
        API,
        payload(
            kit,
            mode="digital",
            requesting_unit=None,
            requesting_unit_name="",
            viewers=[{"user": kit.v1.username}, {"user": kit.v2.username}],
        ),
        format="json",
    ).json()
    assert body["requesting_unit_display"] == kit.org.city_discipline.name
    pk = body["id"]
    assert viewer.post(f"{API}{pk}/submit/").json()["status"] == "submitted"
    assert api(kit.reviewer).post(f"{API}{pk}/approve/", {}, format="json").json()["status"] == "approved"
    assert viewer.post(f"{API}{pk}/finish/").json()["effective_status"] == "returned"


def test_copies_over_the_api(kit):
    appointment = kit.materials[2]
    req = kit.approved(
        copies_requested=True, subjects=[{"archive": kit.archive, "copy_materials": [appointment]}]
    )
    clerk = api(kit.clerk)
    refused = clerk.post(
        f"{API}{req.pk}/copies/",
        {"material": kit.materials[0].pk, "pages": "1", "recipient": "查阅人郑"},
        format="json",
    )
    assert refused.json()["code"] == "COPY_NOT_APPROVED"
    made = clerk.post(
        f"{API}{req.pk}/copies/",
        {"material": appointment.pk, "pages": "1-2", "recipient": "查阅人郑"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["page_count"] == 2


def test_list_filters_and_visibility(kit):
    mine = kit.submitted()
    loan = kit.submitted(mode="loan")
    rows = api(kit.reviewer).get(f"{API}?inbox=1&mode=loan").json()["results"]
    assert [r["number"] for r in rows] == [loan.number]
    rows = api(kit.v1).get(API).json()["results"]
    assert {r["number"] for r in rows} == {mine.number, loan.number}
    assert api(kit.county_reviewer).get(API).json()["count"] == 0


def test_the_api_is_documented(client, kit):
    client.force_login(kit.clerk)
    schema = client.get("/api/schema/").content.decode()
    for path in ("submit", "approve", "reject", "withdraw", "checkout", "return"):
        assert f"/api/access-requests/{{id}}/{path}/" in schema
    assert "查借阅" in schema
