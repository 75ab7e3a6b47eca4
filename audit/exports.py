"""CSV and XLSX exports of the audit log, in constant memory.

CSV: a generator over `.values_list(...).iterator(chunk_size=...)` (a server-side cursor on PostgreSQL) feeding a
StreamingHttpResponse, UTF-8 with a BOM so that Excel opens the Chinese text correctly. XLSX: an openpyxl
write-only workbook written row by row into a temporary file, which is then streamed and deleted. Every text
cell goes through core.spreadsheet.neutralise (= + - @ at the start cannot start a formula).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from audit import actions
from audit.models import Outcome
from core.spreadsheet import FORMULA_PREFIXES, neutralise, xlsx_text

CHUNK = 2000
COPY_CHUNK_BYTES = 256 * 1024
FLUSH_ROWS = 500
XLSX_SHEET_ROWS = 1_000_000  # Excel's limit is 1,048,576 rows per sheet
FIELDS = (
    "id",
    "created_at",
    "actor_username",
    "actor_name",
    "actor_unit_name",
    "actor_roles",
    "action",
    "outcome",
    "archive_no",
    "archive_id",
    "target_type",
    "target_id",
    "target_repr",
    "ip",
    "user_agent",
    "request_id",
    "details",
)
HEADER = (
    "事件ID",
    "时间",
    "账号",
    "姓名",
    "单位",
    "角色",
    "操作",
    "操作代码",
    "结果",
    "档号",
    "对象类型",
    "对象ID",
    "对象",
    "IP地址",
    "客户端",
    "请求ID",
    "详情",
)
BOM = "\ufeff"


def _jsonb_order(value):
    if isinstance(value, dict):
        return {k: _jsonb_order(value[k]) for k in sorted(value, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(value, list):
        return [_jsonb_order(v) for v in value]
    return value


def jsonb_text(value) -> str:
    """JSON text as PostgreSQL prints a jsonb value (keys by length then bytes, ", " and ": "), so that the
    details column reads the same whichever database produced the export."""
    return json.dumps(_jsonb_order(value), ensure_ascii=False, separators=(", ", ": "))


def rows(qs: QuerySet) -> Iterator[list]:
    """Export rows (lists of cell values, text neutralised) in the queryset's order, read in chunks."""
    tz = ZoneInfo(settings.TIME_ZONE)
    labels = dict(actions.LABELS)
    outcomes = dict(Outcome.choices)
    dumps = jsonb_text
    for (
        pk,
        created_at,
        username,
        name,
        unit,
        roles,
        action,
        outcome,
        archive_no,
        archive_id,
        target_type,
        target_id,
        target_repr,
        ip,
        agent,
        request_id,
        details,
    ) in qs.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        yield [
            pk,
            created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            neutralise(username),
            neutralise(name),
            neutralise(unit),
            neutralise(roles.replace(",", "、")),
            neutralise(labels.get(action, action)),
            neutralise(action),
            outcomes.get(outcome, outcome),
            neutralise(archive_no or (f"#{archive_id}" if archive_id else "")),
            neutralise(target_type),
            neutralise(target_id),
            neutralise(target_repr),
            ip or "",
            neutralise(agent),
            neutralise(request_id),
            neutralise(dumps(details) if details else ""),
        ]


def _header() -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer, lineterminator="\r\n").writerow(HEADER)
    return buffer.getvalue().encode("utf-8")


def csv_stream(qs: QuerySet, *, using_copy: bool | None = None) -> Iterator[bytes]:
    """The CSV file as a stream of byte chunks: BOM and header first, then the rows.

    On PostgreSQL the rows come from `COPY (SELECT ...) TO STDOUT WITH CSV` over the same filtered query, with
    labels, local time and formula neutralisation computed in SQL: the database streams the file at close to
    its own COPY speed and the process holds one chunk at a time. Elsewhere (SQLite) they come from
    `.iterator(chunk_size=CHUNK)` through the csv module. Both give the same cells.
    """
    if using_copy is None:
        using_copy = connection.vendor == "postgresql"
    if using_copy:
        yield _header()
        yield from _pg_copy_chunks(qs)
    else:
        yield from _python_csv_chunks(qs)


def _neutralised_sql(expression: str, first: str | None = None) -> str:
    """core.spreadsheet.neutralise in SQL: a leading apostrophe when the text starts with = + - @ tab CR.

    `first` is a cheaper expression with the same first character (the raw column under a replace()).
    """
    codes = ", ".join(str(ord(c)) for c in FORMULA_PREFIXES)
    return f"(CASE WHEN ascii({first or expression}) IN ({codes}) THEN '''' || {expression} ELSE {expression} END)"


def _pg_copy_chunks(qs: QuerySet) -> Iterator[bytes]:
    labels = json.dumps(actions.LABELS, ensure_ascii=False)
    n = _neutralised_sql
    # In the order of HEADER. Labels come from a JSON object (one keyed lookup per row); the details are a
    # JSON object, whose text always starts with "{", so they need no neutralising.
    select = [
        "e.id",
        "to_char(e.created_at, 'YYYY-MM-DD HH24:MI:SS')",  # in the session time zone set below
        n("e.actor_username"),
        n("e.actor_name"),
        n("e.actor_unit_name"),
        n("replace(e.actor_roles, ',', '、')", "e.actor_roles"),
        "COALESCE(%s::jsonb ->> e.action, e.action)",
        "e.action",  # a code from this program: cannot start a formula
        "(CASE e.outcome " + " ".join("WHEN %s THEN %s" for _ in Outcome.choices) + " ELSE e.outcome END)",
        n(
            "(CASE WHEN e.archive_no <> '' THEN e.archive_no WHEN e.archive_id IS NOT NULL "
            "THEN '#' || e.archive_id::text ELSE '' END)",
            "e.archive_no",
        ),
        "e.target_type",  # an app.model label from this program
        n("e.target_id"),
        n("e.target_repr"),
        "COALESCE(host(e.ip), '')",
        n("e.user_agent"),
        n("e.request_id"),
        "(CASE WHEN e.details IS NULL OR e.details = '{}'::jsonb THEN '' ELSE e.details::text END)",
    ]
    try:
        inner, inner_params = qs.values(*FIELDS).query.sql_with_params()
    except EmptyResultSet:
        return
    params = [labels, *[x for pair in Outcome.choices for x in pair], *inner_params]
    sql = f"COPY (SELECT {', '.join(select)} FROM ({inner}) e) TO STDOUT WITH (FORMAT csv)"
    buffer = bytearray()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        original = cursor.fetchone()[0]
        # One transaction (a savepoint inside a caller's): a consistent snapshot for the whole file, and if the
        # client goes away mid-stream the interrupted COPY is rolled back with it, leaving the connection clean.
        with transaction.atomic():
            # Local time through the session time zone (three times cheaper per row than AT TIME ZONE '...'),
            # set for this transaction only.
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
            with cursor.cursor.copy(sql, params) as copy:
                for data in copy:  # one row per message: hand the web server fewer, larger pieces
                    buffer += data
                    if len(buffer) >= COPY_CHUNK_BYTES:
                        yield bytes(buffer)
                        buffer.clear()
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [original])
    if buffer:
        yield bytes(buffer)


def _python_csv_chunks(qs: QuerySet) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADER)
    pending = 0
    for row in rows(qs):
        writer.writerow(row)
        pending += 1
        if pending >= FLUSH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


COLUMN_WIDTHS = (10, 20, 14, 10, 24, 14, 18, 20, 8, 14, 18, 10, 30, 16, 30, 34, 60)


def xlsx_file(qs: QuerySet, *, title: str = "审计日志") -> IO[bytes]:
    """The XLSX workbook written into an anonymous temporary file (deleted when closed), positioned at 0."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    sheet = None

    def new_sheet(number: int):
        ws = workbook.create_sheet(title if number == 1 else f"{title}（{number}）")
        for column, width in zip("ABCDEFGHIJKLMNOPQ", COLUMN_WIDTHS, strict=True):
            ws.column_dimensions[column].width = width
        ws.freeze_panes = "A2"
        header = []
        for text in HEADER:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        return ws

    for count, row in enumerate(rows(qs)):
        if count % XLSX_SHEET_ROWS == 0:
            sheet = new_sheet(count // XLSX_SHEET_ROWS + 1)
        # Control characters (a crafted user agent, say) are not allowed in the XML of a workbook: dropped, and
        # the cell neutralised again, since a control character before "=" kept it from being neutralised.
        sheet.append([xlsx_text(v) for v in row])
    if sheet is None:
        new_sheet(1)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (the response closes and so deletes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


# --- one entry point for the page and the API ---------------------------------------------------------------

EXPORT_FORMAT_INVALID = "EXPORT_FORMAT_INVALID"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(*, user, audit_filter, fmt: str):
    """Record "audit.export" (with the filter) and answer the file, streamed.

    The export covers the events that exist when it starts (ids up to the current maximum), so the export's
    own audit event, and anything written while the file streams, is not in it.
    """
    from django.db.models import Max
    from django.http import FileResponse, StreamingHttpResponse
    from django.utils import timezone
    from django.utils.http import content_disposition_header

    from audit.models import AuditEvent
    from audit.selectors import events
    from audit.services import record
    from core.errors import DomainError

    fmt = (fmt or "").lower()
    if fmt not in CONTENT_TYPES:
        raise DomainError(EXPORT_FORMAT_INVALID, "导出格式只能是 CSV 或 XLSX。", "format")
    upper = AuditEvent.objects.aggregate(top=Max("id"))["top"] or 0
    qs = events(audit_filter).filter(id__lte=upper)
    record(
        user,
        "audit.export",
        details={"format": fmt, "filter": audit_filter.as_details(), "up_to_event": upper},
    )
    filename = f"审计日志-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(qs), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(
            xlsx_file(qs), as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"]
        )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
