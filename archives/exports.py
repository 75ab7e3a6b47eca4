"""The archive directory (卷内目录) as XLSX (openpyxl) and PDF (ReportLab), requirement 19.

Columns: 序号, 材料名称, 材料形成时间 (年 / 月 / 日 in separate cells), 页数, 备注. Every category gets its header
row even when empty, 4 and 9 with their sub-categories 4-1..4-4 and 9-1..9-4, and DIRECTORY_BLANK_ROWS blank rows
follow each category that takes materials, for later additions. Every text cell goes through
core.spreadsheet.neutralise (formula injection).
"""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from archives.models import Archive, Material
from archives.selectors import DirectoryRow
from core.config import setting
from core.spreadsheet import neutralise, xlsx_text

TITLE = "干部人事档案目录"
HEADERS = ["序号", "材料名称", "年", "月", "日", "页数", "备注"]
CHINESE = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def category_heading(category) -> str:
    if category.sub_number:
        return f"{CHINESE[category.number]}-{category.sub_number}  {category.name}"
    return f"{CHINESE[category.number]}、{category.name}"


def remarks(material: Material) -> str:
    parts = []
    if material.is_copy:
        sealed = f"，{material.copy_sealed_by}盖章" if material.copy_sealed_by else ""
        date = f"{material.copy_date:%Y.%m.%d}" if material.copy_date else ""
        parts.append(f"复印件（{date}复制{sealed}）" if date or sealed else "复印件")
    if material.remarks:
        parts.append(material.remarks)
    return "；".join(parts)


def directory_lines(rows: list[DirectoryRow]):
    """("category", heading) / ("material", [cells]) / ("blank", None) lines in directory order."""
    blank = max(0, int(setting("DIRECTORY_BLANK_ROWS")))
    for row in rows:
        yield "category", category_heading(row.category), row.category
        if row.is_header_only:
            continue
        for m in row.materials:
            yield (
                "material",
                [
                    m.seq_label,
                    m.title,
                    m.formed_year,
                    m.formed_month or "",
                    m.formed_day or "",
                    m.page_count,
                    remarks(m),
                ],
                m,
            )
        for _ in range(blank):
            yield "blank", None, None


def subtitle(archive: Archive) -> str:
    cadre = archive.cadre
    return (
        f"姓名：{cadre.name}    档号：{archive.archive_no}    保管单位：{archive.holding_unit.name}"
        f"    导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"
    )


def filename(archive: Archive, ext: str) -> str:
    return f"{archive.archive_no}_{archive.cadre.name}_档案目录.{ext}"


# --- XLSX ---------------------------------------------------------------------------------------------------


def directory_xlsx(archive: Archive, rows: list[DirectoryRow]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "档案目录"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    bold = Font(name="宋体", bold=True, size=11)
    normal = Font(name="宋体", size=10.5)
    category_fill = PatternFill("solid", fgColor="F2F2F2")
    widths = [10, 46, 7, 5, 5, 6, 28]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    ws.merge_cells("A1:G1")
    ws["A1"] = TITLE
    ws["A1"].font = Font(name="黑体", bold=True, size=16)
    ws["A1"].alignment = center
    ws.row_dimensions[1].height = 30
    ws.merge_cells("A2:G2")
    ws["A2"] = xlsx_text(subtitle(archive))
    ws["A2"].font = normal
    ws["A2"].alignment = left

    # Two header rows: 材料形成时间 spans 年/月/日.
    for col, text in ((1, "序号"), (2, "材料名称"), (6, "页数"), (7, "备注")):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        ws.cell(row=3, column=col, value=text)
    ws.merge_cells(start_row=3, start_column=3, end_row=3, end_column=5)
    ws.cell(row=3, column=3, value="材料形成时间")
    for col, text in ((3, "年"), (4, "月"), (5, "日")):
        ws.cell(row=4, column=col, value=text)
    for r in (3, 4):
        for c in range(1, 8):
            cell = ws.cell(row=r, column=c)
            cell.font = bold
            cell.alignment = center
            cell.border = border

    r = 5
    for kind, value, _obj in directory_lines(rows):
        if kind == "category":
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
            cell = ws.cell(row=r, column=1, value=xlsx_text(value))
            cell.font = bold
            cell.alignment = left
            for c in range(1, 8):
                ws.cell(row=r, column=c).border = border
                ws.cell(row=r, column=c).fill = category_fill
        else:
            cells = value if kind == "material" else [""] * 7
            for c, v in enumerate(cells, start=1):
                cell = ws.cell(row=r, column=c, value=xlsx_text(v) if v != "" else None)
                cell.font = normal
                cell.border = border
                cell.alignment = left if c in (2, 7) else center
        r += 1

    ws.freeze_panes = "A5"
    ws.print_title_rows = "3:4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------------------


def directory_pdf(archive: Archive, rows: list[DirectoryRow]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from core.pdf import GRID, register_font, styles

    font = register_font()
    st = styles()
    out = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{archive.archive_no}  第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=22 * mm,  # binding margin on the left (N2012)
        rightMargin=14 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{archive.archive_no} {archive.cadre.name} 档案目录",
        author="干部人事档案管理系统",
    )
    data = [
        ["序号", "材料名称", "材料形成时间", "", "", "页数", "备注"],
        ["", "", "年", "月", "日", "", ""],
    ]
    style = [
        *GRID,
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (1, 0), (1, 1)),
        ("SPAN", (2, 0), (4, 0)),
        ("SPAN", (5, 0), (5, 1)),
        ("SPAN", (6, 0), (6, 1)),
        ("ALIGN", (0, 0), (-1, 1), "CENTER"),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#EEEEEE")),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
        ("ALIGN", (2, 2), (5, -1), "CENTER"),
    ]
    for kind, value, _obj in directory_lines(rows):
        row_index = len(data)
        if kind == "category":
            data.append([Paragraph(neutralise(value), st["cell"]), "", "", "", "", "", ""])
            style += [
                ("SPAN", (0, row_index), (-1, row_index)),
                ("BACKGROUND", (0, row_index), (-1, row_index), colors.HexColor("#F5F5F5")),
            ]
        elif kind == "material":
            cells = list(value)
            cells[1] = Paragraph(str(neutralise(cells[1])), st["cell"])
            cells[6] = Paragraph(str(neutralise(cells[6])), st["small"]) if cells[6] else ""
            data.append(cells)
        else:
            data.append([""] * 7)
    widths = [16 * mm, 76 * mm, 12 * mm, 9 * mm, 9 * mm, 11 * mm, 41 * mm]
    table = Table(data, colWidths=widths, repeatRows=2, rowHeights=None)
    table.setStyle(TableStyle(style))
    story = [
        Paragraph(TITLE, st["title"]),
        Paragraph(subtitle(archive), st["small"]),
        Spacer(1, 4 * mm),
        table,
    ]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
