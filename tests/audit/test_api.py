"""/api/audit-events/: auditors only, filters, cursor pages, export; no write endpoint (405 in the error format)."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.audit.conftest import event


def api_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(history):
    return api_for(history["auditor"])


@pytest.mark.parametrize("role", ["管档员", "审批人", "查阅人", "安全保密管理员", "系统管理员"])
def test_only_auditors(history, make_user, org, role):
    client = api_for(make_user(roles=[role], unit=org.city_org))
    for url in ("/api/audit-events/", "/api/audit-events/export/?format=csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "PERMISSION_DENIED"
    e = history["events"]["view1"]
    assert client.get(f"/api/audit-events/{e.pk}/").status_code == 403


def test_anonymous_gets_401(db):
    response = APIClient().get("/api/audit-events/")
    assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED"


def test_list_filters_and_fields(api, history):
    e = history["events"]
    data = api.get("/api/audit-events/", {"action": "access.denied"}).json()
    assert [row["id"] for row in data["results"]] == [e["denied"].pk]
    row = data["results"][0]
    assert (
        row["action_label"] == "越权访问被拒绝"
        and row["outcome"] == "denied"
        and row["outcome_label"] == "拒绝"
    )
    assert row["actor_username"] == "viewer_h" and row["actor_roles"] == ["查阅人"]
    assert row["details"] == {"action": "view_content", "reason": "archive not visible"}
    assert data["next"] is None
    by_archive = api.get("/api/audit-events/", {"archive_no": "QS0001"}).json()["results"]
    assert {r["id"] for r in by_archive} == {e["view1"].pk, e["denied"].pk, e["formula"].pk}
    assert AuditEvent.objects.filter(action="audit.search", details__via="api").count() == 2


def test_bad_filter_is_a_400_in_the_error_format(api, history):
    response = api.get("/api/audit-events/", {"start": "not-a-date"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "FILTER_INVALID",
        "message": response.json()["message"],
        "field": "start",
    }
    assert "格式不正确" in response.json()["message"]
    response = api.get("/api/audit-events/", {"cursor": "!!"})
    assert response.status_code == 400 and response.json()["code"] == "CURSOR_INVALID"


def test_cursor_pagination_walks_every_event_once(api, history):
    base = history["base"] + datetime.timedelta(hours=5)
    made = {
        event("page.view", at=base, user=history["county_clerk"]).pk for _ in range(25)
    }  # all one instant
    seen = []
    url = "/api/audit-events/?actor=county_clerk&page_size=10"
    while url:
        data = api.get(url).json()
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
    assert len(seen) == len(set(seen)) == 26
    assert set(seen) == made | {history["events"]["view2"].pk}
    assert seen == sorted(seen, key=lambda pk: (AuditEvent.objects.get(pk=pk).created_at, pk), reverse=True)


def test_retrieve(api, history):
    e = history["events"]["formula"]
    data = api.get(f"/api/audit-events/{e.pk}/").json()
    assert data["id"] == e.pk and data["target_repr"] == "+SUM(A1:A9)"
    missing = api.get("/api/audit-events/999999/")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_write_on_an_event(api, history, method):
    e = history["events"]["view1"]
    response = getattr(api, method)(f"/api/audit-events/{e.pk}/", {"action": "auth.login"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED" and response.json()["field"] is None
    assert AuditEvent.objects.get(pk=e.pk).action == "page.view"


def test_no_create(api, history):
    response = api.post("/api/audit-events/", {"action": "auth.login"}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "METHOD_NOT_ALLOWED"
    response = api.post("/api/audit-events/export/?format=csv")
    assert response.status_code == 405


def test_export_csv_and_xlsx(api, history):
    e = history["events"]
    response = api.get("/api/audit-events/export/", {"format": "csv", "actor": "city_clerk"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    data = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert [int(r[0]) for r in rows[1:]] == [e["formula"].pk, e["view1"].pk, e["login"].pk]
    response = api.get("/api/audit-events/export/", {"format": "xlsx", "actor": "city_clerk"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert [r[0] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        e["formula"].pk,
        e["view1"].pk,
        e["login"].pk,
    ]
    exports = AuditEvent.objects.filter(action="audit.export").order_by("id")
    assert [x.details["format"] for x in exports] == ["csv", "xlsx"]
    assert exports[0].details["filter"] == {"actor": "city_clerk"}


def test_export_format_must_be_csv_or_xlsx(api, history):
    for query in ("", "?format=pdf", "?format=json"):
        response = api.get(f"/api/audit-events/export/{query}")
        assert response.status_code == 400, query
        assert response.json()["code"] == "EXPORT_FORMAT_INVALID" and response.json()["field"] == "format"


def test_schema_documents_the_endpoints(api, history):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/audit-events/" in text and "/api/audit-events/export/" in text
