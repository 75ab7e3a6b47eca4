"""Directory export (requirement 19) and roster import (every bad row reported, nothing imported)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from archives import imports
from archives.models import Archive, Cadre
from audit.models import AuditEvent
from core.errors import DomainError
from core.idcard import make_id_number
from tests import factories

HEADINGS = [
    "一、",
    "二、",
    "三、",
    "四、",
    "四-1",
    "四-2",
    "四-3",
    "四-4",
    "五、",
    "六、",
    "七、",
    "八、",
    "九、",
    "九-1",
    "九-2",
    "九-3",
    "九-4",
    "十、",
]


@pytest.fixture
def directory_archive(archive):
    factories.material(
        archive, code="1", title="干部履历表（1999年版）", year=2001, month=3, day=None, seq=1, pages=6
    )
    factories.material(
        archive,
        code="92",
        title="干部任免审批表",
        year=2015,
        month=4,
        day=2,
        seq=1,
        pages=2,
        is_copy=True,
        copy_date=datetime.date(2016, 1, 1),
        copy_sealed_by="测试市委组织部",
    )
    factories.material(archive, code="3", title='=HYPERLINK("http://x")', year=2019, month=12, day=30, seq=1)
    return archive


def test_xlsx_directory_has_every_category_columns_and_blank_rows(client, clerk, directory_archive, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "DIRECTORY_BLANK_ROWS": 3}
    client.force_login(clerk)
    response = client.get(reverse("archives:directory-xlsx", args=[directory_archive.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "干部人事档案目录"
    assert rows[2][:3] == ["序号", "材料名称", "材料形成时间"] and rows[2][5:] == ["页数", "备注"]
    assert rows[3][2:5] == ["年", "月", "日"]
    headings = [r[0] for r in rows[4:] if isinstance(r[0], str) and any(r[0].startswith(h) for h in HEADINGS)]
    assert [next(h for h in HEADINGS if text.startswith(h)) for text in headings] == HEADINGS
    resume = next(r for r in rows if r[1] == "干部履历表（1999年版）")
    assert resume[0] == "1-1" and resume[2:6] == [2001, 3, None, 6]
    appointment = next(r for r in rows if r[1] == "干部任免审批表")
    assert appointment[0] == "9-2-1" and "复印件" in appointment[6] and "测试市委组织部" in appointment[6]
    # Formula injection defused.
    assert any(r[1] == '\'=HYPERLINK("http://x")' for r in rows)
    # Blank rows: 3 after each of the 16 leaf categories.
    blank = [r for r in rows[4:] if all(v in (None, "") for v in r)]
    assert len(blank) == 16 * 3
    event = AuditEvent.objects.get(action="archive.export_directory")
    assert event.details["format"] == "xlsx" and event.archive_id == directory_archive.pk


def test_pdf_directory(client, clerk, directory_archive):
    client.force_login(clerk)
    response = client.get(reverse("archives:directory-pdf", args=[directory_archive.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for word in [
        "干部人事档案目录",
        "序号",
        "材料名称",
        "材料形成时间",
        "页数",
        "备注",
        "干部任免审批表",
        "9-2-1",
        "四-4",
        "九-4",
        "十、其他可供组织参考的材料",
    ]:
        assert word in text, word
    assert AuditEvent.objects.filter(action="archive.export_directory", details__format="pdf").count() == 1


def test_reviewer_may_export_a_directory_within_authority(client, reviewer, directory_archive):
    client.force_login(reviewer)
    assert client.get(reverse("archives:directory-xlsx", args=[directory_archive.pk])).status_code == 200


# --- roster import ---------------------------------------------------------------------------------------------


def roster(rows, header=None) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header or [c.title + ("*" if c.required else "") for c in imports.COLUMNS])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名册.xlsx", buf.getvalue())


def row(org, n, **kw):
    birth = kw.pop("birth", datetime.date(1980, 1, 1 + n))
    values = {
        "archive_no": f"IM{n:04d}",
        "name": f"导入{n}",
        "sex": "男",
        "birth_date": birth,
        "id_number": make_id_number("360702", birth, n, "1"),
        "unit": org.city_bureau.name,
        "political_status": "中共党员",
        "work_start_date": "2002-07-01",
        "management_level": "市管",
    }
    values.update(kw)
    return [values.get(c.key) for c in imports.COLUMNS]


def test_template_downloads_and_round_trips(client, clerk, org):
    client.force_login(clerk)
    response = client.get(reverse("archives:import-template"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["档号*", "姓名*", "性别*"]


def test_good_roster_imports_every_row(org, clerk):
    result = imports.import_roster(
        upload=roster([row(org, i) for i in range(1, 6)]), holding_unit=org.city_org, by=clerk
    )
    assert len(result.created) == 5
    assert Archive.objects.filter(archive_no__startswith="IM").count() == 5
    cadre = Cadre.objects.get(name="导入1")
    assert cadre.management_level == "municipal" and cadre.political_status == "01"
    assert cadre.work_start_date == datetime.date(2002, 7, 1)
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    assert AuditEvent.objects.filter(action="cadre.create").count() == 5


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported(org, clerk):
    existing = factories.archive(holding_unit=org.city_org, archive_no="IM0099")
    rows = [
        row(org, 1),
        row(org, 2, id_number="36070219800103001"),  # 17 digits
        row(org, 3, sex="未知"),
        row(org, 4, birth_date="1980-02-30"),
        row(org, 5, unit="不存在的单位"),
        row(org, 6, archive_no="IM0001"),  # same as row 2 (first data row)
        row(org, 7, archive_no="IM0099"),  # already used
        row(org, 8, name=""),
        row(org, 9, work_start_date="1970-01-01"),  # before birth
        row(org, 10, id_number=existing.cadre.id_number),
        row(org, 11, birth_date="=DATE(1980,1,1)"),
    ]
    with pytest.raises(DomainError) as exc:
        imports.import_roster(upload=roster(rows), holding_unit=org.city_org, by=clerk)
    messages = [v.message for v in exc.value.violations]
    assert "未导入任何数据" in exc.value.message and "10 行有错误" in exc.value.message
    expect = {
        3: "身份证号",
        4: "性别",
        5: "出生日期",
        6: "所在单位",
        7: "档号",
        8: "档号",
        9: "姓名",
        10: "参加工作时间",
        11: "身份证号",
        12: "出生日期",
    }
    for line, column in expect.items():
        assert any(m.startswith(f"第{line}行“{column}”") for m in messages), (line, column, messages)
    assert any("公式" in m for m in messages)
    assert not Archive.objects.filter(archive_no__startswith="IM").exclude(pk=existing.pk).exists()
    assert not AuditEvent.objects.filter(action="roster.import").exists()


@pytest.mark.parametrize(
    "content,code",
    [
        (b"this is not an xlsx file", "ROSTER_FILE_INVALID"),
        (b"PK\x03\x04broken zip", "ROSTER_FILE_INVALID"),
    ],
)
def test_malformed_files_are_refused(org, clerk, content, code):
    with pytest.raises(DomainError) as exc:
        imports.import_roster(
            upload=SimpleUploadedFile("x.xlsx", content), holding_unit=org.city_org, by=clerk
        )
    assert exc.value.code == code


def test_missing_columns_and_empty_roster(org, clerk):
    with pytest.raises(DomainError) as exc:
        imports.import_roster(
            upload=roster([["x"]], header=["姓名", "随便"]), holding_unit=org.city_org, by=clerk
        )
    assert exc.value.code == "ROSTER_HEADER" and "档号" in exc.value.message
    with pytest.raises(DomainError) as exc:
        imports.import_roster(upload=roster([]), holding_unit=org.city_org, by=clerk)
    assert exc.value.code == "ROSTER_EMPTY"


def test_dry_run_and_import_page(client, clerk, org):
    client.force_login(clerk)
    url = reverse("archives:import")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"file": roster([row(org, 1), row(org, 2, sex="x")]), "holding_unit": org.city_org.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-errors"' in html and "第3行“性别”" in html
    response = client.post(
        url, {"file": roster([row(org, 1)]), "holding_unit": org.city_org.pk, "dry_run": "on"}
    )
    assert (
        "校验通过" in response.content.decode() and not Archive.objects.filter(archive_no="IM0001").exists()
    )
    response = client.post(url, {"file": roster([row(org, 1)]), "holding_unit": org.city_org.pk})
    assert "已导入 1 名干部" in response.content.decode()
    response = client.post(
        url, {"file": SimpleUploadedFile("a.xlsx", b"garbage"), "holding_unit": org.city_org.pk}
    )
    assert response.status_code == 200 and "无法读取该文件" in response.content.decode()
