"""Bad input guard: each hostile or broken input gets a clear error (a Chinese message on the page, a 400 with
{code, message, field} from the API) or a neutralised value, never a 500, and never half-written data.

What the app's own tests already prove is not repeated here (see the report of issue 9): the scan checks at the
service level (tests/archives/test_scans.py), LRMX parsing (tests/reviews/test_lrmx.py), roster validation at the
service level (tests/archives/test_exports.py) and the audit export's neutralising of = and +
(tests/audit/test_auditor_page.py). This module drives the same inputs through the pages and the API, adds the
cases those tests do not have, and proves the end-to-end properties: nothing stored, nothing leaked.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from PIL import Image
from rest_framework.test import APIClient

from archives.models import Archive, Cadre, Page
from audit.models import AuditEvent
from core.idcard import make_id_number
from tests import factories
from tests.archives.conftest import scan_bytes
from tests.archives.test_scans import bomb_png, truncated_jpeg

pytestmark = pytest.mark.django_db


def stored_files() -> list[str]:
    out = []
    for folder, _, files in os.walk(default_storage.location):
        out += [os.path.join(folder, f) for f in files]
    return out


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- scans of pages ------------------------------------------------------------------------------------------

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# The start of a Windows executable (DOS header, "This program cannot be run in DOS mode", PE signature).
FAKE_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 7
    + b"PE\x00\x00"
    + b"\x00" * 2000
)

BAD_SCANS = {
    # name: (file name, bytes factory, code, words of the message)
    "truncated": ("p1.jpg", truncated_jpeg, "SCAN_CORRUPT", "截断"),
    "pdf-as-jpg": ("p1.jpg", lambda: MINIMAL_PDF, "SCAN_FORMAT", "不是有效的图像文件"),
    "exe-as-jpg": ("setup.jpg", lambda: FAKE_EXE, "SCAN_FORMAT", "不是有效的图像文件"),
    "bomb-30000x30000": ("bomb.png", lambda: bomb_png(30000, 30000), "SCAN_TOO_MANY_PIXELS", "解压炸弹"),
    "empty": ("blank.jpg", lambda: b"", "SCAN_EMPTY", "文件为空"),
}


@pytest.fixture
def scan_target(org, clerk):
    archive = factories.archive(holding_unit=org.city_org, archive_no="QSB0001", name="扫描对象")
    return factories.material(archive, pages=2, seq=1)


def _nothing_stored(material):
    assert not Page.objects.filter(material=material).exists()
    assert stored_files() == []
    assert not AuditEvent.objects.filter(action="page.upload", outcome="success").exists()


@pytest.mark.parametrize("case", list(BAD_SCANS))
def test_bad_scan_through_the_page_form(client, clerk, scan_target, case):
    name, make, code, words = BAD_SCANS[case]
    data = make()
    if case.startswith("bomb"):
        assert len(data) < 10_000  # 900 million pixels in a few kilobytes
    client.force_login(clerk)
    url = reverse("archives:pages-upload", args=[scan_target.pk])
    response = client.post(url, {"files": [SimpleUploadedFile(name, data, "image/jpeg")]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "文件未通过检查，未保存" in html and name in html and words in html
    _nothing_stored(scan_target)


@pytest.mark.parametrize("case", list(BAD_SCANS))
def test_bad_scan_through_the_upload_xhr(client, clerk, scan_target, case):
    name, make, code, words = BAD_SCANS[case]
    client.force_login(clerk)
    url = reverse("archives:pages-upload", args=[scan_target.pk])
    response = client.post(
        url,
        {"files": [SimpleUploadedFile(name, make(), "image/jpeg")]},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["field"] == "files" and words in body["message"]
    assert [v["code"] for v in body["violations"]] == [code]
    _nothing_stored(scan_target)


@pytest.mark.parametrize("case", list(BAD_SCANS))
def test_bad_scan_through_the_api(clerk, scan_target, case):
    name, make, code, words = BAD_SCANS[case]
    response = api_as(clerk).post(
        f"/api/materials/{scan_target.pk}/pages/",
        {"files": [SimpleUploadedFile(name, make(), "image/png")]},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["field"] == "files" and name in body["message"]
    assert words in body["message"]
    _nothing_stored(scan_target)


def test_a_good_scan_with_bad_ones_stores_nothing_through_the_api(clerk, scan_target):
    files = [
        SimpleUploadedFile("ok.jpg", scan_bytes(), "image/jpeg"),
        SimpleUploadedFile("setup.jpg", FAKE_EXE, "image/jpeg"),
        SimpleUploadedFile("bomb.png", bomb_png(30000, 30000), "image/png"),
    ]
    response = api_as(clerk).post(
        f"/api/materials/{scan_target.pk}/pages/", {"files": files}, format="multipart"
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert "共 3 个文件，其中 2 个未通过检查，本次未保存任何文件" in message
    assert "setup.jpg" in message and "bomb.png" in message
    _nothing_stored(scan_target)


def test_a_scan_over_the_default_size_limit_is_refused_from_disk(clerk, scan_target, settings):
    """31 MB (the default limit is 30 MB): Django spools it to a temporary file; the size check comes first."""
    limit = settings.ARCHIVE_SETTINGS["SCAN_MAX_BYTES"]
    big = scan_bytes() + b"\x00" * (limit + 1024 * 1024)
    response = api_as(clerk).post(
        f"/api/materials/{scan_target.pk}/pages/",
        {"files": [SimpleUploadedFile("huge.jpg", big, "image/jpeg")]},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "SCAN_TOO_LARGE" and "超过上限 30.0 MB" in body["message"]
    _nothing_stored(scan_target)


def test_a_scan_over_a_lowered_size_limit_is_refused_on_the_page(client, clerk, scan_target, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "SCAN_MAX_BYTES": 100_000}
    noisy = io.BytesIO()
    Image.effect_noise((900, 1200), 90).convert("RGB").save(noisy, "JPEG", dpi=(300, 300), quality=95)
    assert len(noisy.getvalue()) > 100_000
    client.force_login(clerk)
    url = reverse("archives:pages-upload", args=[scan_target.pk])
    response = client.post(url, {"files": [SimpleUploadedFile("big.jpg", noisy.getvalue())]}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "big.jpg" in html and "超过上限 97 KB" in html
    _nothing_stored(scan_target)


# --- LRMX (任免审批表) import --------------------------------------------------------------------------------

PASSWD_MARKER = "root:x:0:0"  # the first line of /etc/passwd on every Debian machine
GOOD_PERSON = (
    "<XingMing>{name}</XingMing><XingBie>男</XingBie><ChuShengNianYue>198001</ChuShengNianYue>"
    "<ShenFenZheng>{id_number}</ShenFenZheng>"
)
LOL = "".join(
    f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' if i else ' <!ENTITY lol0 "lol">\n' for i in range(10)
)
BAD_LRMX = {
    # name: (bytes, words of the message)
    "malformed": (b'<?xml version="1.0" encoding="UTF-8"?><Person><XingMing>x</Person>', "XML格式错误"),
    "wrong-root": (
        '<?xml version="1.0" encoding="UTF-8"?><Root><XingMing>甲</XingMing></Root>'.encode(),
        "根元素应为Person",
    ),
    "not-xml": (b"%PDF-1.4\n%%EOF\n", "文件不是XML格式"),
    "billion-laughs": (
        f'<?xml version="1.0"?>\n<!DOCTYPE Person [\n{LOL}]>\n<Person><XingMing>&lol9;</XingMing></Person>'.encode(),
        "安全原因",
    ),
    "xxe-passwd": (
        b'<?xml version="1.0"?><!DOCTYPE Person [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Person><XingMing>&x;</XingMing><XingBie>&x;</XingBie></Person>",
        "安全原因",
    ),
    "xxe-parameter-entity": (
        b'<?xml version="1.0"?><!DOCTYPE Person [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
        b"<Person><XingMing>x</XingMing></Person>",
        "安全原因",
    ),
    "xinclude-passwd": (
        b'<?xml version="1.0"?><Person xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<XingMing><xi:include href="file:///etc/passwd" parse="text"/></XingMing></Person>',
        "姓名（XingMing）：不能为空",  # XInclude is never processed: the name is simply empty
    ),
    "gbk-declared-utf8": (
        '<?xml version="1.0" encoding="UTF-8"?><Person><XingMing>张三</XingMing></Person>'.encode("gbk"),
        "XML格式错误",
    ),
    "unknown-encoding": (
        b'<?xml version="1.0" encoding="x-no-such-encoding"?><Person><XingMing>x</XingMing></Person>',
        "字符编码无法识别",
    ),
    "utf16": (
        '<?xml version="1.0" encoding="UTF-16"?><Person><XingMing>张三</XingMing></Person>'.encode("utf-16"),
        "文件不是XML格式",
    ),
}


def leaked(marker: str) -> list[str]:
    """Every table (PostgreSQL) with a row whose text contains `marker`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT 1 FROM {quoted} t WHERE position(%s in row_to_json(t)::text) > 0 LIMIT 1", [marker]
            )
            if cursor.fetchone():
                found.append(table)
    return found


@pytest.fixture
def lrmx_world(org, clerk):
    archive = factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, archive_no="QSL0001", name="任免甲"
    )
    return {"archive": archive, "org": org, "clerk": clerk}


def _register(client, org, payload: bytes, name="a.lrmx"):
    return client.post(
        "/api/lrmx/",
        {
            "file": SimpleUploadedFile(name, payload, "application/xml"),
            "archive_no": "QSL9001",
            "holding_unit": org.city_org.pk,
            "unit": org.city_bureau.pk,
            "management_level": "municipal",
        },
        format="multipart",
    )


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(BAD_LRMX))
def test_bad_lrmx_through_the_api_and_the_page(client, lrmx_world, case):
    payload, words = BAD_LRMX[case]
    org, clerk, archive = lrmx_world["org"], lrmx_world["clerk"], lrmx_world["archive"]
    cadres = Cadre.objects.count()
    api = api_as(clerk)
    responses = [
        _register(api, org, payload),  # register a new cadre from the file
        api.post(  # update a cadre, the file as multipart
            f"/api/cadres/{archive.cadre_id}/lrmx/",
            {"file": SimpleUploadedFile("b.lrmx", payload)},
            format="multipart",
        ),
        api.generic(  # update a cadre, the file as the request body
            "POST", f"/api/cadres/{archive.cadre_id}/lrmx/", payload, content_type="application/xml"
        ),
    ]
    for response in responses:
        assert response.status_code == 400, (case, response.content[:300])
        body = response.json()
        assert body["code"] == "LRMX_INVALID" and body["field"], (case, body)
        assert body["message"].startswith("任免审批表文件不能导入") and words in body["message"], (case, body)
        assert PASSWD_MARKER not in response.content.decode()
    client.force_login(clerk)
    page = client.post(
        reverse("reviews:lrmx-import"),
        {"file": SimpleUploadedFile("c.lrmx", payload), "mode": "update", "archive_no": "QSL0001"},
    )
    html = page.content.decode()
    assert page.status_code == 400 and words in html and PASSWD_MARKER not in html
    assert Cadre.objects.count() == cadres
    archive.cadre.refresh_from_db()
    assert archive.cadre.name == "任免甲"
    assert leaked(PASSWD_MARKER) == []
    assert AuditEvent.objects.filter(action="lrmx.import", outcome="denied").count() == 4


@pytest.mark.parametrize("how", ["multipart", "body", "page"])
def test_lrmx_over_the_size_limit(client, lrmx_world, settings, how):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "LRMX_MAX_BYTES": 50_000}
    person = GOOD_PERSON.format(
        name="大文件", id_number=make_id_number("360702", datetime.date(1980, 1, 1), 5, "1")
    )
    payload = f'<?xml version="1.0" encoding="UTF-8"?><Person>{person}<JianLi>{"很长的简历" * 20000}</JianLi></Person>'
    payload = payload.encode()
    assert len(payload) > 50_000
    archive, clerk = lrmx_world["archive"], lrmx_world["clerk"]
    if how == "page":
        client.force_login(clerk)
        response = client.post(
            reverse("reviews:lrmx-import"),
            {"file": SimpleUploadedFile("big.lrmx", payload), "mode": "update", "archive_no": "QSL0001"},
        )
        assert response.status_code == 400 and "文件过大" in response.content.decode()
    else:
        api = api_as(clerk)
        url = f"/api/cadres/{archive.cadre_id}/lrmx/"
        if how == "multipart":
            response = api.post(url, {"file": SimpleUploadedFile("big.lrmx", payload)}, format="multipart")
        else:
            response = api.generic("POST", url, payload, content_type="application/xml")
        body = response.json()
        assert response.status_code == 400 and "文件过大" in body["message"], body
        assert body["code"] in ("LRMX_TOO_LARGE", "LRMX_INVALID") and body["field"] in ("file", "Person")
    archive.cadre.refresh_from_db()
    assert archive.cadre.name == "任免甲"


# --- Excel roster import (名册导入) ----------------------------------------------------------------------------


def roster_bytes(rows, header=None, *, formulas=()) -> bytes:
    from archives import imports

    wb = Workbook()
    ws = wb.active
    ws.append(header or [c.title + ("*" if c.required else "") for c in imports.COLUMNS])
    for row in rows:
        ws.append(row)
    for ref, text in formulas:  # a real formula cell, as Excel writes it
        ws[ref] = text
        assert ws[ref].data_type == "f"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def roster_row(org, n, **overrides):
    from archives import imports

    birth = datetime.date(1981, 2, n)
    values = {
        "archive_no": f"RG{n:04d}",
        "name": f"名册{n}",
        "sex": "男",
        "birth_date": birth.isoformat(),
        "id_number": make_id_number("360702", birth, n, "1"),
        "unit": org.city_bureau.name,
        "political_status": "中共党员",
        "work_start_date": "2003-07-01",
        "management_level": "市管",
    }
    values.update(overrides)
    return [values.get(c.key) for c in imports.COLUMNS]


def zip_bomb_xlsx(unpacked_mb: int) -> bytes:
    """A valid roster whose worksheet XML carries `unpacked_mb` MB of blanks: a few hundred KB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(roster_bytes([]))) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (unpacked_mb * 1024 * 1024))
            zout.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _zip_of(files: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _empty_workbook() -> bytes:
    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


def post_roster(client, org, data: bytes, name="名册.xlsx", dry_run=False):
    payload = {"file": SimpleUploadedFile(name, data), "holding_unit": org.city_org.pk}
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(reverse("archives:import"), payload)


@pytest.fixture
def roster_client(client, clerk):
    client.force_login(clerk)
    return client


def test_roster_with_bad_dates_and_formula_cells_lists_every_row_and_imports_nothing(roster_client, org):
    rows = [
        roster_row(org, 1),
        roster_row(org, 2, birth_date="1981-02-30"),
        roster_row(org, 3, birth_date="昨天"),
        roster_row(org, 4, work_start_date="2003/13/01"),
        roster_row(org, 5, party_join_date=19810205),
        roster_row(org, 6),  # name becomes a formula cell below
        roster_row(org, 7),  # birth date becomes a formula cell below
        roster_row(org, 8, current_post="+cmd|' /C calc'!A0"),  # text, not a formula: kept as text
        roster_row(org, 9),
    ]
    formulas = [("B7", "=cmd|' /C calc'!A0"), ("E8", "=DATE(1981,2,7)")]
    before = Archive.objects.count()
    response = post_roster(roster_client, org, roster_bytes(rows, formulas=formulas))
    html = response.content.decode()
    assert response.status_code == 200
    assert "名册共 9 行，其中 6 行有错误" in html and "未导入任何数据" in html
    for expected in (
        "第3行“出生日期”",
        "第4行“出生日期”：“昨天”不是有效日期",
        "第5行“参加工作时间”",
        "第6行“入党时间”",
        "第7行“姓名”：不允许使用公式",
        "第8行“出生日期”：不允许使用公式",
    ):
        assert expected in html, expected
    assert "第2行" not in html and "第9行" not in html and "第10行" not in html
    assert Archive.objects.count() == before
    assert not Cadre.objects.filter(name__startswith="名册").exists()
    assert not AuditEvent.objects.filter(action="roster.import").exists()


def test_roster_with_wrong_columns(roster_client, org):
    header = ["编号", "名字", "性别", "生日", "单位"]
    response = post_roster(
        roster_client, org, roster_bytes([["X1", "甲", "男", "1980-01-01", "某单位"]], header)
    )
    html = response.content.decode()
    assert "名册缺少必填列：档号、姓名、出生日期、所在单位" in html
    assert not Cadre.objects.filter(name="甲").exists()


@pytest.mark.parametrize(
    "case,data,words",
    [
        ("pdf", MINIMAL_PDF, "无法读取该文件"),
        ("exe", FAKE_EXE, "无法读取该文件"),
        ("xls-ole2", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096, "无法读取该文件"),
        ("csv", "档号,姓名\nQS1,张三\n".encode("gbk"), "无法读取该文件"),
        ("zip-not-xlsx", _zip_of({"readme.txt": b"hello"}), "无法读取该文件"),
        (
            "zip-bad-sheet",
            _zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x"}),
            "无法读取",
        ),
        ("empty-file", b"", "提交的是空文件"),
        ("empty-workbook", _empty_workbook(), "名册为空"),
        ("header-only", roster_bytes([]), "名册中没有数据行"),
    ],
)
def test_roster_file_that_is_not_a_roster(roster_client, org, case, data, words):
    before = Archive.objects.count()
    response = post_roster(roster_client, org, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html, case
    assert Archive.objects.count() == before


def test_roster_zip_bomb_is_refused_before_it_is_unpacked(roster_client, org):
    import time

    data = zip_bomb_xlsx(200)
    assert len(data) < 1024 * 1024  # 200 MB of XML in well under a megabyte
    started = time.monotonic()
    response = post_roster(roster_client, org, data, dry_run=True)
    assert time.monotonic() - started < 5
    assert "名册文件解压后超过 64 MB" in response.content.decode()


# --- CSV / XLSX exports: values that could start a formula are neutralised -------------------------------------

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ["=1+2", "+1+2", "-1+2", "@SUM(1,2)", "\t=1+2", "\r=1+2", "\x07=1+2"]


def xlsx_cells(content: bytes) -> list:
    """Every cell of every sheet; fails on any formula cell or any text that would start one."""
    workbook = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGEROUS_STARTS), (
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )
                cells.append(cell.value)
    return cells


def csv_cells(content: bytes) -> list:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    cells = [value for row in rows for value in row]
    for value in cells:
        assert not value.startswith(DANGEROUS_STARTS), value
    return cells


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def contains(cells, text) -> bool:
    return any(isinstance(c, str) and text in c for c in cells)


def test_audit_export_neutralises_what_users_typed(client, org, auditor):
    """Failed logins with hostile user names (typed into the login page) and objects with hostile titles, then
    the auditor's CSV (PostgreSQL COPY or the csv module) and XLSX exports, through the page and the API."""
    from audit import exports, selectors
    from audit.services import record

    for name in HOSTILE:
        client.post("/accounts/login/", {"username": f"{name}用户", "password": "x"})
    archive = factories.archive(holding_unit=org.city_org, archive_no="QSX0001", name="导出甲")
    for title in HOSTILE:
        record(None, "material.view", archive=archive, target=("archives.material", 1, f"{title}材料"))
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == len(HOSTILE)

    client.force_login(auditor)
    api = api_as(auditor)
    outputs = {
        "csv-page": csv_cells(body_of(client.get("/audit/export/?format=csv"))),
        "csv-api": csv_cells(body_of(api.get("/api/audit-events/export/?format=csv"))),
        "csv-python": csv_cells(
            b"".join(exports.csv_stream(selectors.events(selectors.AuditFilter()), using_copy=False))
        ),
        "xlsx-page": xlsx_cells(body_of(client.get("/audit/export/?format=xlsx"))),
        "xlsx-api": xlsx_cells(body_of(api.get("/api/audit-events/export/?format=xlsx"))),
    }
    for label, cells in outputs.items():
        for prefix in ("=", "+", "-", "@"):
            assert contains(cells, f"'{prefix}1+2用户") or contains(cells, f"'{prefix}SUM(1,2)用户"), (
                label,
                prefix,
            )
            assert contains(cells, f"'{prefix}1+2材料") or contains(cells, f"'{prefix}SUM(1,2)材料"), (
                label,
                prefix,
            )


def test_directory_export_neutralises_titles_and_survives_control_characters(client, clerk, org):
    archive = factories.archive(holding_unit=org.city_org, archive_no="QSX0002", name="目录甲")
    for seq, title in enumerate(HOSTILE, start=1):
        factories.material(archive, code="3", title=f"{title}考核", year=2000 + seq, seq=seq, pages=1)
    client.force_login(clerk)
    response = client.get(reverse("archives:directory-xlsx", args=[archive.pk]))
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert contains(cells, "'=1+2考核") and contains(cells, "'+1+2考核") and contains(cells, "'@SUM(1,2)考核")
    pdf = client.get(reverse("archives:directory-pdf", args=[archive.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_transfer_register_export_neutralises(client, org):
    from tests.borrowing.transfer_kit import build_kit, ready_archive

    tkit = build_kit(org)
    for n, reason in enumerate(HOSTILE):
        tkit.sent(ready_archive(org, name=f"转出{n}"), reason=f"{reason}调出", tracking_no=f"@JY{n}")
    client.force_login(tkit.clerk)
    year = datetime.date.today().year
    response = client.get(reverse("transfers:register") + f"?year={year}&format=xlsx")
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert contains(cells, "'=1+2调出") and contains(cells, "'-1+2调出") and contains(cells, "'@SUM(1,2)调出")


def test_grading_report_export_neutralises(client, org):
    from reviews import grading_services
    from tests.reviews.grading_kit import build

    gkit = build(org)
    for n, post in enumerate(HOSTILE):
        archive = factories.archive(holding_unit=org.city_org, unit=org.county, name=f"新任{n}")
        grading = gkit.final(archive=archive, post=f"{post}副县长")
        grading_services.grading_return_to_unit(grading=grading, by=gkit.clerk, reason=f"{post}材料不全")
    client.force_login(gkit.reviewer)
    year = datetime.date.today().year
    response = client.get(reverse("reviews:grading-report") + f"?year={year}&format=xlsx")
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert contains(cells, "'=1+2副县长") and contains(cells, "'@SUM(1,2)材料不全")


def test_statistics_export_survives_a_control_character_in_a_unit_name(client, org, reviewer):
    org.city.name = "\x07=1+2市"
    org.city.save()
    factories.archive(holding_unit=org.city_org, unit=org.city_bureau, name="统计甲")
    client.force_login(reviewer)
    response = client.get(reverse("reviews:statistics-xlsx") + f"?unit={org.city.pk}")
    assert response.status_code == 200
    assert contains(xlsx_cells(response.content), "'=1+2市干部队伍结构统计")


# --- NUL characters in forms (PostgreSQL text cannot hold them) --------------------------------------------------


def test_nul_in_a_submitted_form_is_a_400_and_nothing_is_saved(client, world):
    from archives.models import CompletenessExcusal, FixityFinding
    from borrowing.models import AccessRequest, RequestStatus

    excusal = CompletenessExcusal.objects.get()
    finding = FixityFinding.objects.get()
    waiting = AccessRequest.objects.filter(status=RequestStatus.SUBMITTED).first()
    case = world.objects["case"]
    posts = [
        (
            world.objects["tkit"].clerk,
            f"/archives/completeness/excusals/{excusal.pk}/revoke/",
            {"reason": "a\x00"},
        ),
        (world.users["管档员"], f"/archives/completeness/fixity/{finding.pk}/resolve/", {"note": "a\x00"}),
        (world.users["审批人"], f"/borrowing/requests/{waiting.pk}/reject/", {"reason": "a\x00"}),
        (world.users["审批人"], f"/reviews/{case.pk}/suspect-falsification/", {"note": "a\x00"}),
    ]
    for user, url, data in posts:
        client.force_login(user)
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert "请求无效" in response.content.decode()
    excusal.refresh_from_db()
    finding.refresh_from_db()
    waiting.refresh_from_db()
    assert excusal.revoked_at is None and finding.resolved_at is None
    assert waiting.status == RequestStatus.SUBMITTED
    # The API answers in its own format, with the field.
    api = api_as(world.users["管档员"])
    response = api.post(
        f"/api/completeness/findings/{finding.pk}/resolve/", {"note": "a\x00"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_CHARACTERS",
        "message": "请求中含有不允许的控制字符（NUL），请检查后重试。",
        "field": "note",
    }
