"""The auditor's pages: search with filters, keyset pages, event detail, CSV/XLSX export, chain verification."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audit import chain
from audit.models import AuditEvent
from audit.services import record
from tests.audit.conftest import event


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content.decode()[:500]
    return [row["e"].pk for row in response.context["rows"]]


@pytest.fixture
def auditor_client(client, history):
    client.force_login(history["auditor"])
    return client


@pytest.mark.parametrize("role", ["管档员", "审批人", "查阅人", "安全保密管理员", "系统管理员"])
def test_only_auditors_open_the_audit_pages(client, org, make_user, role):
    client.force_login(make_user(roles=[role], unit=org.city_org))
    for url in ("/audit/", "/audit/export/?format=csv", "/audit/verify/", "/audit/events/1/"):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, db):
    assert client.get("/audit/").status_code == 302
    assert client.get("/audit/export/?format=csv").status_code == 302


def test_unfiltered_page_lists_newest_first(auditor_client, history):
    e = history["events"]
    got = ids(auditor_client.get("/audit/"))
    assert AuditEvent.objects.get(pk=got[0]).actor == history["auditor"]  # the auditor's own login, now
    assert got[1:7] == [
        e["formula"].pk,
        e["failed"].pk,
        e["denied"].pk,
        e["view2"].pk,
        e["view1"].pk,
        e["login"].pk,
    ]
    text = auditor_client.get("/audit/").content.decode()
    assert "查看扫描页" in text or "page.view" in text
    assert "越权访问被拒绝" in text and "无权访问该档案" in text  # labels and readable details


def test_filters(auditor_client, history, org):
    e = history["events"]
    d0 = history["base"].date()
    d1, d2, d3 = (d0 + datetime.timedelta(days=n) for n in (1, 2, 3))
    get = lambda q: set(ids(auditor_client.get(f"/audit/?{q}")))  # noqa: E731
    old = f"end={d3}"  # leaves out what the auditor does during the test
    assert get(f"start={d1}&end={d1}") == {e["view2"].pk, e["denied"].pk}
    assert get(f"start={d0}T09:30&end={d1}T08:00") == {e["view1"].pk}
    assert get("actor=city_clerk") == {e["login"].pk, e["view1"].pk, e["formula"].pk}
    assert get("actor=刘县档") == {e["view2"].pk}
    assert get("role=查阅人") == {e["denied"].pk}
    assert get("action=page.view") == {e["view1"].pk, e["view2"].pk}
    assert get(f"action=auth.*&{old}") == {e["login"].pk, e["failed"].pk}
    assert get(f"unit={org.county.pk}") == {e["view2"].pk}  # the county and its departments
    assert get(f"unit={org.city_org.pk}&{old}") == {e["login"].pk, e["view1"].pk, e["formula"].pk}
    assert get("archive_no=QS0001") == {e["view1"].pk, e["denied"].pk, e["formula"].pk}
    assert get("outcome=denied") == {e["denied"].pk}
    assert get(f"outcome=failed&start={d2}") == {e["failed"].pk}
    assert get("actor=city_clerk&action=page.view") == {e["view1"].pk}
    assert get("ip=10.9.9.9") == set()


def test_a_search_is_itself_recorded_but_paging_is_not(auditor_client, history):
    auditor_client.get("/audit/")  # opening the page is not a search
    assert not AuditEvent.objects.filter(action="audit.search").exists()
    auditor_client.get("/audit/?action=page.view")
    searches = AuditEvent.objects.filter(action="audit.search")
    assert searches.count() == 1 and searches.get().details["filter"] == {"action": "page.view"}


@pytest.mark.parametrize(
    "query,message",
    [
        ("start=yesterday", "开始时间格式不正确"),
        ("start=2026-11-22&end=2026-11-21", "结束时间必须晚于开始时间"),
        ("role=国王", "不存在的角色"),
        ("outcome=maybe", "结果只能是"),
        ("after=%%%", "分页参数无效"),
    ],
)
def test_bad_filters_are_explained_not_a_500(auditor_client, history, query, message):
    response = auditor_client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()


def test_keyset_pages_walk_forward_and_back_without_offset(auditor_client, history):
    base = timezone.now() - datetime.timedelta(days=1)
    made = [
        event("page.view", at=base + datetime.timedelta(seconds=n // 3), user=history["city_clerk"]).pk
        for n in range(120)  # three events per second: ties on created_at are broken by id
    ]
    expected = sorted(made, key=lambda pk: (AuditEvent.objects.get(pk=pk).created_at, pk), reverse=True)
    seen = []
    url = "/audit/?action=page.view&actor=city_clerk"
    pages = []
    with CaptureQueriesContext(connection) as queries:
        while url:
            response = auditor_client.get(url)
            page_ids = ids(response)
            pages.append((url, page_ids))
            seen += page_ids
            cursor = response.context["page"].next_cursor
            url = f"/audit/?action=page.view&actor=city_clerk&after={cursor}" if cursor else None
    assert seen[:120] == expected
    assert seen[120:] == [history["events"]["view1"].pk]
    assert [len(p) for _, p in pages] == [50, 50, 21]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
    # Back from the last page to the second.
    last = auditor_client.get(pages[-1][0])
    back = auditor_client.get(
        f"/audit/?action=page.view&actor=city_clerk&before={last.context['page'].prev_cursor}"
    )
    assert ids(back) == pages[1][1]
    first = auditor_client.get(
        f"/audit/?action=page.view&actor=city_clerk&before={back.context['page'].prev_cursor}"
    )
    assert ids(first) == pages[0][1] and first.context["page"].is_first


def test_event_detail_shows_everything_and_the_seal(auditor_client, history):
    e = history["events"]["denied"]
    chain.seal()
    response = auditor_client.get(f"/audit/events/{e.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "郑查阅" in text and "越权访问被拒绝" in text and "查阅内容" in text and "无权访问该档案" in text
    assert "环节序号" in text
    assert auditor_client.get("/audit/events/999999/").status_code == 404


def _csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_streams_the_filtered_rows_neutralised_and_is_audited(auditor_client, history):
    e = history["events"]
    day = history["base"].date() + datetime.timedelta(days=2)
    response = auditor_client.get(f"/audit/export/?format=csv&start={day}&end={day}")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["事件ID", "时间", "账号"] and header[-1] == "详情"
    assert [int(r[0]) for r in body] == [e["formula"].pk, e["failed"].pk]
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in body}
    failed = by_id[e["failed"].pk]
    assert failed["账号"] == "'=cmd|' /C calc'!A0"  # neutralised
    assert failed["操作"] == "登录失败" and failed["结果"] == "失败"
    formula = by_id[e["formula"].pk]
    assert formula["对象"] == "'+SUM(A1:A9)" and formula["档号"] == "QS0001"
    assert formula["时间"] == f"{day} 10:00:00"
    assert '"note": "@import"' in formula["详情"]
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == history["auditor"]
    assert export.details["format"] == "csv"
    assert export.details["filter"] == {
        "start": f"{day} 00:00",
        "end": f"{day + datetime.timedelta(days=1)} 00:00",
    }


def test_export_does_not_contain_itself(auditor_client, history):
    rows = _csv_rows(auditor_client.get("/audit/export/?format=csv"))
    exported = {int(r[0]) for r in rows[1:]}
    export_event = AuditEvent.objects.get(action="audit.export")
    assert export_event.pk not in exported
    assert exported == set(AuditEvent.objects.exclude(pk=export_event.pk).values_list("pk", flat=True))


def test_xlsx_export_opens_with_the_same_rows(auditor_client, history):
    e = history["events"]
    response = auditor_client.get("/audit/export/?format=xlsx&archive_no=QS0001")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "事件ID"
    assert [r[0] for r in rows[1:]] == [e["formula"].pk, e["denied"].pk, e["view1"].pk]
    formula = rows[1]
    assert formula[12] == "'+SUM(A1:A9)"
    assert AuditEvent.objects.get(action="audit.export").details["format"] == "xlsx"


def test_xlsx_export_survives_control_characters(auditor_client, history):
    record(None, "auth.login_failed", username="bad\x07name", outcome="failed")
    response = auditor_client.get("/audit/export/?format=xlsx&action=auth.login_failed")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    names = [r[2] for r in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "badname" in names


def test_export_with_a_bad_format_or_filter_explains(auditor_client, history):
    response = auditor_client.get("/audit/export/?format=pdf", follow=True)
    assert "导出格式只能是 CSV 或 XLSX" in response.content.decode()
    response = auditor_client.get("/audit/export/?format=csv&start=bad", follow=True)
    assert "开始时间格式不正确" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_portable_csv_export_reads_in_chunks(history, monkeypatch):
    """The csv-module path reads rows from an iterator over database chunks, never one list of the whole set
    (PostgreSQL uses COPY instead: see test_postgres_copy_export_equals_the_python_export)."""
    from django.db.models.query import QuerySet

    from audit import exports, selectors

    seen = []
    real_iterator = QuerySet.iterator

    def iterator(self, chunk_size=None):
        seen.append(chunk_size)
        return real_iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", iterator)
    monkeypatch.setattr(exports, "FLUSH_ROWS", 2)
    stream = exports.csv_stream(selectors.events(selectors.AuditFilter()), using_copy=False)
    assert seen == []  # nothing is read before the response streams
    chunks = list(stream)
    assert seen == [exports.CHUNK]
    assert len(chunks) >= 3  # flushed as it goes, not built whole


def test_verify_page_seals_verifies_and_records(auditor_client, history):
    page = auditor_client.get("/audit/verify/")
    assert page.status_code == 200 and "尚未校验" in page.content.decode()
    done = auditor_client.post("/audit/verify/")
    text = done.content.decode()
    assert "校验通过" in text
    head = chain.head()
    assert f"{head.seq}:{head.hash}" in text
    event_ = AuditEvent.objects.get(action="audit.verify")
    assert event_.actor == history["auditor"] and event_.outcome == "success"
    wrong = auditor_client.post("/audit/verify/", {"anchor": f"{head.seq}:{'f' * 64}"})
    assert "发现断裂" in wrong.content.decode()
    bad = auditor_client.post("/audit/verify/", {"anchor": "nonsense"}, follow=True)
    assert "锚点格式" in bad.content.decode()


def test_auditor_home_shows_denied_attempts_failed_logins_and_chain_status(auditor_client, history):
    text = auditor_client.get("/").content.decode()
    assert "近期越权访问" in text and "郑查阅" in text
    assert "24 小时内登录失败" in text
    assert "审计日志完整性" in text
    assert "审计日志" in text and "/audit/" in text  # menu


@pytest.mark.postgres
def test_postgres_copy_export_equals_the_python_export(history, org):
    """On PostgreSQL the CSV rows come from COPY with labels and neutralising in SQL; cell for cell they are
    what the portable csv-module path writes."""
    from audit import exports, selectors

    record(None, "auth.login_failed", username="-2+3", details={"b": [1, 2], "aa": {"z": "@x"}, "c": True})
    record(history["viewer"], "access.denied", archive=history["archive"].pk, outcome="denied", details={})
    for query in (
        {},
        {"role": "管档员"},
        {"action": "auth.*"},
        {"archive_no": "QS0001"},
        {"unit": str(org.city.pk)},
    ):
        qs = selectors.events(selectors.AuditFilter.from_params(query))
        via_copy = b"".join(exports.csv_stream(qs, using_copy=True)).decode("utf-8-sig")
        via_python = b"".join(exports.csv_stream(qs, using_copy=False)).decode("utf-8-sig")
        copy_rows = list(csv.reader(io.StringIO(via_copy)))
        python_rows = list(csv.reader(io.StringIO(via_python)))
        assert copy_rows == python_rows, query
        assert len(copy_rows) > 1 or query == {"action": "auth.*"}
    # The session time zone is back to what Django set.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        assert cursor.fetchone()[0] == "UTC"


@pytest.mark.postgres
def test_a_client_that_stops_reading_leaves_the_connection_usable(history):
    from audit import exports, selectors

    for n in range(3000):
        record(None, "auth.login_failed", username=f"user{n}" * 10, outcome="failed")
    stream = exports.csv_stream(selectors.events(selectors.AuditFilter()), using_copy=True)
    next(stream)  # header
    next(stream)  # first chunk of rows
    stream.close()  # the browser went away
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 3001
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        assert cursor.fetchone()[0] == "UTC"
