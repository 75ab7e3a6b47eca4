"""Roster import (干部名册导入) from Excel: validate every row first, import nothing when any row fails.

The template (`roster_template`) has one header row of Chinese column names; required columns carry "*". Every
bad row is reported with its row number, column and reason. Formula cells are refused (a roster holds values),
a malformed or oversized file is a DomainError, never a 500. Rows become cadres and archives through
services.cadre_register, all in one transaction.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import ManagementLevel, Unit
from archives import rules, services
from archives.models import Archive, Cadre, CadreStatus, CadreType, HoldingGroup
from audit.services import record
from core import idcard
from core.choices import PoliticalStatus, Sex
from core.errors import DomainError, Violation
from core.spreadsheet import neutralise

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: a few hundred kilobytes can unpack to gigabytes of XML (a zip bomb) that openpyxl would
# spend minutes reading. A full roster of MAX_ROWS rows unpacks to well under this.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024

ROSTER_FILE_INVALID = "ROSTER_FILE_INVALID"
ROSTER_HEADER = "ROSTER_HEADER"
ROSTER_EMPTY = "ROSTER_EMPTY"
ROSTER_TOO_LARGE = "ROSTER_TOO_LARGE"
ROSTER_INVALID = "ROSTER_INVALID"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool = False
    kind: str = "text"  # text, date, choice, unit
    choices: tuple[tuple[str, str], ...] = ()
    example: str = ""
    width: int = 14


COLUMNS = [
    Column("archive_no", "档号", True, example="QS10001", width=12),
    Column("name", "姓名", True, example="张三", width=10),
    Column("sex", "性别", True, "choice", tuple(Sex.choices), "男", 6),
    Column("ethnicity", "民族", example="汉族", width=8),
    Column("birth_date", "出生日期", True, "date", example="1975-03-15", width=12),
    Column("id_number", "身份证号", example="360702197503150011", width=21),
    Column("native_place", "籍贯", example="江西青山", width=10),
    Column("birthplace", "出生地", example="江西青山", width=10),
    Column(
        "political_status",
        "政治面貌",
        kind="choice",
        choices=tuple(PoliticalStatus.choices),
        example="中共党员",
    ),
    Column("party_join_date", "入党时间", kind="date", example="1996-06-01", width=12),
    Column("work_start_date", "参加工作时间", kind="date", example="1997-07-01", width=12),
    Column("unit", "所在单位", True, "unit", example="青山市财政局", width=22),
    Column("current_post", "现任职务", example="青山市财政局副局长", width=22),
    Column("rank", "职级", example="二级调研员", width=12),
    Column(
        "management_level", "管理层级", kind="choice", choices=tuple(ManagementLevel.choices), example="市管"
    ),
    Column(
        "cadre_type", "人员类别", kind="choice", choices=tuple(CadreType.choices), example="公务员", width=18
    ),
    Column("status", "人员状态", kind="choice", choices=tuple(CadreStatus.choices), example="在职", width=10),
    Column("fulltime_education", "全日制学历", example="大学本科"),
    Column("fulltime_degree", "全日制学位", example="学士"),
    Column("fulltime_school", "全日制毕业院校系及专业", example="南昌大学行政管理专业", width=24),
    Column("inservice_education", "在职学历"),
    Column("inservice_degree", "在职学位"),
    Column("inservice_school", "在职毕业院校系及专业", width=24),
    Column("professional_title", "专业技术职务"),
    Column(
        "holding_group",
        "保管类别",
        kind="choice",
        choices=tuple(HoldingGroup.choices),
        example="在职",
        width=10,
    ),
    Column("room", "库房", example="一号库房", width=10),
    Column("cabinet", "柜", example="01", width=6),
    Column("shelf", "层", example="1", width=6),
    Column("position", "格", example="1", width=6),
]
BY_TITLE = {c.title: c for c in COLUMNS}
ARCHIVE_KEYS = {"archive_no", "holding_group", "room", "cabinet", "shelf", "position"}
DATE_TEXT = re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$")


@dataclass
class RosterResult:
    rows: int = 0
    created: list[Archive] = field(default_factory=list)
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


def roster_template() -> bytes:
    """The template to download: header row with required marks and comments, one example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "干部名册"
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.title + ("*" if col.required else ""))
        cell.font = Font(bold=True, color="9C0006" if col.required else "000000")
        if col.required:
            cell.fill = required_fill
        hint = ""
        if col.kind == "date":
            hint = "日期，如 1975-03-15（也可写 1975.03.15 或设置为日期格式）"
        elif col.kind == "choice":
            hint = "可填：" + "、".join(label for _, label in col.choices)
        elif col.kind == "unit":
            hint = "填写系统中已有的单位全称或单位代码"
        elif col.key == "id_number":
            hint = "18位身份证号；旧版15位自动升位。请将该列设为文本格式"
        if hint:
            cell.comment = Comment(hint, "干部人事档案管理系统")
        ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.cell(row=2, column=i, value=neutralise(col.example))
        if col.kind == "choice":
            dv = DataValidation(type="list", formula1='"' + ",".join(label for _, label in col.choices) + '"')
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}{MAX_ROWS + 1}")
            ws.add_data_validation(dv)
        if col.key == "id_number":
            for r in range(2, 200):
                ws.cell(row=r, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    lines = [
        "干部名册导入说明",
        "1. 第一行为列名，请勿修改；带 * 的列必须填写。第二行为示例，导入前请删除或改为真实数据。",
        "2. 日期可填写为 1975-03-15、1975.03.15、1975/3/15 或设置为 Excel 日期格式。",
        "3. 单元格中不得使用公式；身份证号请设为文本格式，避免被 Excel 改写。",
        "4. 系统先校验全部行：任何一行有错误，都不会导入任何数据，并列出每个错误的行号和原因。",
        "5. 出生日期、入党时间、参加工作时间导入后只能通过认定程序变更，请认真核对。",
    ]
    for r, text in enumerate(lines, start=1):
        notes.cell(row=r, column=1, value=text).font = Font(bold=(r == 1))
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = DATE_TEXT.match(text)
    if not match:
        raise ValueError(text)
    return datetime.date(int(match[1]), int(match[2]), int(match[3]))


def _choice(col: Column, text: str):
    for value, label in col.choices:
        if text in (value, label):
            return value
    if col.key == "political_status":
        found = PoliticalStatus.from_label(text)
        if found:
            return str(found)
    if col.key == "sex" and text in ("男性", "女性"):
        return "1" if text == "男性" else "2"
    return None


def _open(upload):
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(ROSTER_TOO_LARGE, "名册文件超过 10 MB，请拆分后分批导入。", "file")
    try:
        upload.seek(0)
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise DomainError(ROSTER_TOO_LARGE, "名册文件超过 10 MB，请拆分后分批导入。", "file")
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise DomainError(
                ROSTER_TOO_LARGE,
                "名册文件解压后超过 64 MB（疑似压缩炸弹），未导入任何数据。请拆分后分批导入。",
                "file",
            )
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except DomainError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise DomainError(
            ROSTER_FILE_INVALID,
            "无法读取该文件：请上传 Excel 2007 及以上版本的 .xlsx 文件（可先下载模板）。",
            "file",
        ) from exc
    except Exception as exc:  # openpyxl raises assorted errors on malformed packages
        raise DomainError(
            ROSTER_FILE_INVALID, "文件内容损坏或不是有效的 Excel 名册，未导入任何数据。", "file"
        ) from exc


def parse_roster(upload) -> tuple[list[tuple[int, dict]], list[Violation]]:
    """Read and validate every row: ([(row number, values)], [violations naming row and column])."""
    wb = _open(upload)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows()
        try:
            header = next(rows)
        except StopIteration:
            raise DomainError(ROSTER_EMPTY, "名册为空：第一行应为列名。", "file")
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            title = _text(cell.value).rstrip("*＊").strip()
            if title in BY_TITLE:
                positions[BY_TITLE[title].key] = index
        missing = [c.title for c in COLUMNS if c.required and c.key not in positions]
        if missing:
            raise DomainError(
                ROSTER_HEADER,
                f"名册缺少必填列：{'、'.join(missing)}。请使用系统提供的模板（第一行为列名）。",
                "file",
            )
        parsed: list[tuple[int, dict]] = []
        errors: list[Violation] = []
        for row_number, cells in enumerate(rows, start=2):
            if row_number > MAX_ROWS + 1:
                raise DomainError(ROSTER_TOO_LARGE, f"名册超过 {MAX_ROWS} 行，请拆分后分批导入。", "file")
            raw = {key: cells[index] if index < len(cells) else None for key, index in positions.items()}
            if all(c is None or _text(c.value) == "" for c in raw.values()):
                continue
            values, row_errors = _parse_row(row_number, raw)
            errors += row_errors
            parsed.append((row_number, values))
    finally:
        wb.close()
    if not parsed and not errors:
        raise DomainError(ROSTER_EMPTY, "名册中没有数据行。", "file")
    return parsed, errors


def _parse_row(row_number: int, raw: dict) -> tuple[dict, list[Violation]]:
    values: dict = {}
    errors: list[Violation] = []

    def error(col: Column, message: str, code: str = ROSTER_INVALID):
        errors.append(
            Violation(code, f"第{row_number}行“{col.title}”：{message}", f"row{row_number}.{col.key}")
        )

    for col in COLUMNS:
        cell = raw.get(col.key)
        if cell is None:
            values[col.key] = None if col.kind in ("date", "unit") else ""
            continue
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            error(col, "不允许使用公式，请改为直接填写数值。", "ROSTER_FORMULA")
            values[col.key] = None
            continue
        text = _text(cell.value)
        if col.required and not text:
            error(col, "必须填写。")
            values[col.key] = None
            continue
        if col.kind == "date":
            try:
                values[col.key] = _date(cell.value)
            except ValueError:
                error(col, f"“{text}”不是有效日期，应写作 1975-03-15。")
                values[col.key] = None
        elif col.kind == "choice":
            if not text:
                values[col.key] = None
                continue
            chosen = _choice(col, text)
            if chosen is None:
                error(col, f"“{text}”无效，可填：{'、'.join(label for _, label in col.choices)}。")
            values[col.key] = chosen
        elif col.kind == "unit":
            values[col.key] = text
        else:
            values[col.key] = text
    return values, errors


def _check_rows(parsed: list[tuple[int, dict]], errors: list[Violation], holding_unit) -> None:
    """Cross-row and database checks: units exist, ID numbers valid and unique, archive numbers unique."""
    unit_names = {v["unit"] for _, v in parsed if v.get("unit")}
    units = {}
    for unit in Unit.objects.filter(is_active=True).filter(name__in=unit_names):
        units.setdefault(unit.name, unit)
    for unit in Unit.objects.filter(is_active=True, code__in=unit_names):
        units.setdefault(unit.code, unit)
    numbers = [rules.normalise_archive_no(v.get("archive_no")) for _, v in parsed]
    taken_numbers = set(Archive.objects.filter(archive_no__in=numbers).values_list("archive_no", flat=True))
    id_numbers = {}
    for row_number, v in parsed:
        raw = v.get("id_number") or ""
        if raw:
            found, _ = idcard.parse(raw)
            if found:
                id_numbers[row_number] = found.number
    taken_ids = set(
        Cadre.objects.filter(id_number__in=id_numbers.values()).values_list("id_number", flat=True)
    )
    seen_numbers: dict[str, int] = {}
    seen_ids: dict[str, int] = {}

    def error(row_number, title, message, code=ROSTER_INVALID, key=""):
        errors.append(Violation(code, f"第{row_number}行“{title}”：{message}", f"row{row_number}.{key}"))

    for row_number, v in parsed:
        number = rules.normalise_archive_no(v.get("archive_no"))
        if v.get("archive_no"):
            for violation in rules.check_archive_no(number):
                error(row_number, "档号", violation.message, violation.code, "archive_no")
            if number in taken_numbers:
                error(row_number, "档号", f"“{number}”已被使用。", rules.ARCHIVE_NO_DUPLICATE, "archive_no")
            elif number in seen_numbers:
                error(
                    row_number,
                    "档号",
                    f"与第{seen_numbers[number]}行重复。",
                    rules.ARCHIVE_NO_DUPLICATE,
                    "archive_no",
                )
            seen_numbers.setdefault(number, row_number)
        if v.get("unit"):
            unit = units.get(v["unit"])
            if unit is None:
                error(
                    row_number, "所在单位", f"系统中没有单位“{v['unit']}”，请填写单位全称或代码。", key="unit"
                )
            v["unit"] = unit
        raw_id = v.get("id_number") or ""
        if raw_id:
            for violation in rules.check_id_number(raw_id, sex=v.get("sex"), birth_date=v.get("birth_date")):
                if violation.is_error:
                    error(row_number, "身份证号", violation.message, violation.code, "id_number")
                else:
                    v.setdefault("_warnings", []).append(f"第{row_number}行：{violation.message}")
            normalised = id_numbers.get(row_number)
            if normalised:
                if normalised in taken_ids:
                    error(
                        row_number,
                        "身份证号",
                        "该身份证号码已登记在其他干部名下。",
                        rules.ID_DUPLICATE,
                        "id_number",
                    )
                elif normalised in seen_ids:
                    error(
                        row_number,
                        "身份证号",
                        f"与第{seen_ids[normalised]}行重复。",
                        rules.ID_DUPLICATE,
                        "id_number",
                    )
                seen_ids.setdefault(normalised, row_number)
        if v.get("birth_date"):
            for violation in rules.check_cadre_dates(
                birth_date=v["birth_date"],
                work_start_date=v.get("work_start_date"),
                party_join_date=v.get("party_join_date"),
            ):
                title = {
                    "birth_date": "出生日期",
                    "work_start_date": "参加工作时间",
                    "party_join_date": "入党时间",
                }
                error(
                    row_number,
                    title.get(violation.field, "日期"),
                    violation.message,
                    violation.code,
                    violation.field,
                )


def import_roster(*, upload, holding_unit, by, dry_run: bool = False) -> RosterResult:
    """Validate the whole roster; if every row is good (and not a dry run) register every cadre and archive."""
    services._check_holding(by, holding_unit)
    parsed, errors = parse_roster(upload)
    _check_rows(parsed, errors, holding_unit)
    if errors:
        errors.sort(
            key=lambda v: int(v.field.split(".")[0][3:]) if v.field and v.field.startswith("row") else 0
        )
        bad_rows = len({v.field.split(".")[0] for v in errors if v.field})
        raise DomainError(
            ROSTER_INVALID,
            f"名册共 {len(parsed)} 行，其中 {bad_rows} 行有错误（共 {len(errors)} 处），未导入任何数据。"
            "请修改后重新上传。",
            "file",
            violations=errors,
        )
    result = RosterResult(rows=len(parsed), dry_run=dry_run)
    for _, v in parsed:
        result.warnings += v.pop("_warnings", [])
    if dry_run:
        return result
    with transaction.atomic():
        for row_number, v in parsed:
            cadre = {k: val for k, val in v.items() if k not in ARCHIVE_KEYS and val not in (None, "")}
            archive = {k: v[k] for k in ARCHIVE_KEYS if v.get(k) not in (None, "")}
            archive["holding_unit"] = holding_unit
            if "holding_group" not in archive and v.get("status") in ("retired", "deceased"):
                archive["holding_group"] = v["status"]
            try:
                created, _ = services.cadre_register(by=by, cadre=cadre, archive=archive)
            except DomainError as exc:
                raise DomainError(
                    exc.code,
                    f"第{row_number}行：{exc.message}（未导入任何数据）",
                    "file",
                    violations=[Violation(exc.code, f"第{row_number}行：{exc.message}", f"row{row_number}")],
                ) from exc
            result.created.append(created)
        record(
            by,
            "roster.import",
            details={
                "rows": len(parsed),
                "holding_unit": holding_unit.name,
                "archive_nos": [a.archive_no for a in result.created][:500],
            },
        )
    return result
