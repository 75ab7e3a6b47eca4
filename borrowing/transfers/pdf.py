"""Printable documents of transfer and intake (ReportLab, the project's CJK font from core/pdf.py):

- 干部人事档案转递通知单: one A4 sheet in three parts cut apart along dashed lines (docs/domain.md 4.3):
  存根 (stub, kept by the sender), 转递单 (the notice sent with the archive), 回执 (the receipt the receiver
  signs, seals and returns);
- 干部人事档案回执 for an accepted intake (sent back to the sender);
- 干部人事档案退回函 for an intake returned with its reasons;
- 档案涂改情况登记表, the intake review's record (filed in the archive as a category-5 material).
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from borrowing.models import TransferStatus
from core import pdf as core_pdf

AUTHOR = "干部人事档案管理系统"


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "    年    月    日"


def _styles() -> dict[str, ParagraphStyle]:
    core_pdf.register_font()
    st = core_pdf.styles()
    base = st["base"]
    return {
        **st,
        "part_title": ParagraphStyle("part_title", parent=base, fontSize=15, leading=20, alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=base, fontSize=10.5, leading=14, alignment=TA_RIGHT),
        "body": ParagraphStyle("body", parent=base, fontSize=11, leading=18, firstLineIndent=22),
        "plain": ParagraphStyle("plain", parent=base, fontSize=11, leading=18),
        "right": ParagraphStyle("right", parent=base, fontSize=11, leading=17, alignment=TA_RIGHT),
        "cellc": ParagraphStyle("cellc", parent=st["cell"], alignment=TA_CENTER),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555")
        ),
    }


def _people_table(transfer, width: float, st) -> Table:
    """姓名 | 单位及职务 | 转递原因 | 正本（卷）| 副本（卷）| 材料（份）"""
    c, cc = st["cell"], st["cellc"]
    head = ["姓名", "单位及职务", "转递原因", "正本（卷）", "副本（卷）", "材料（份）"]
    row = [
        Paragraph(transfer.cadre_name, cc),
        Paragraph(transfer.cadre_unit_post or "", c),
        Paragraph(transfer.reason or "", cc),
        Paragraph(str(transfer.main_volumes), cc),
        Paragraph(str(transfer.duplicate_volumes), cc),
        Paragraph(str(transfer.loose_items), cc),
    ]
    widths = [0.12, 0.40, 0.15, 0.11, 0.11, 0.11]
    table = Table(
        [[Paragraph(h, cc) for h in head], row],
        colWidths=[w * width for w in widths],
        rowHeights=[8 * mm, 11 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                *core_pdf.GRID,
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ]
        )
    )
    return table


def _volumes_text(transfer) -> str:
    return f"正本{transfer.main_volumes}卷、副本{transfer.duplicate_volumes}卷、材料{transfer.loose_items}份"


def _draw(c: canvas.Canvas, flowable, x: float, y_top: float, width: float) -> float:
    """Draw a flowable with its top at y_top; return the y below it."""
    _w, h = flowable.wrapOn(c, width, 200 * mm)
    flowable.drawOn(c, x, y_top - h)
    return y_top - h


def _cut_line(c: canvas.Canvas, y: float, left: float, right: float, number: str) -> None:
    c.saveState()
    c.setDash(3, 3)
    c.setLineWidth(0.6)
    c.setStrokeColor(colors.HexColor("#777777"))
    c.line(left, y, right, y)
    c.setDash()
    c.setFont(core_pdf.FONT, 8)
    c.setFillColor(colors.white)
    text = f"（骑缝 {number}）" if number else "（沿此线裁开）"
    tw = c.stringWidth(text, core_pdf.FONT, 8)
    c.rect((left + right - tw) / 2 - 2 * mm, y - 2 * mm, tw + 4 * mm, 4 * mm, stroke=0, fill=1)
    c.setFillColor(colors.HexColor("#555555"))
    c.drawCentredString((left + right) / 2, y - 1 * mm, text)
    c.restoreState()


def _void_mark(c: canvas.Canvas, text: str) -> None:
    c.saveState()
    c.setFont(core_pdf.FONT, 54)
    c.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.16))
    c.translate(A4[0] / 2, A4[1] / 2)
    c.rotate(35)
    c.drawCentredString(0, 0, text)
    c.restoreState()


def transfer_notice(transfer) -> bytes:
    """干部人事档案转递通知单: stub, notice and receipt on one A4 sheet."""
    st = _styles()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"干部人事档案转递通知单 {transfer.notice_number}")
    c.setAuthor(AUTHOR)
    c.setSubject(f"{transfer.cadre_name} {transfer.archive_no}")
    page_w, page_h = A4
    left, right = 18 * mm, page_w - 18 * mm
    width = right - left
    number = transfer.notice_number or "（通知单尚未编号）"
    day = transfer.sent_on or (timezone.localtime(transfer.notice_at).date() if transfer.notice_at else None)
    from_name = transfer.from_unit.name
    to_name = transfer.to_display
    basis = (
        f"{transfer.get_basis_kind_display()}（{transfer.basis_issuer + ' ' if transfer.basis_issuer else ''}"
        f"{transfer.basis_doc_no}，{_cn_date(transfer.basis_date)}）"
        if transfer.basis_kind
        else ""
    )
    if transfer.channel == "confidential":
        channel = f"机要交通（机要号：{transfer.tracking_no or '＿＿＿＿'}）"
    else:
        names = "、".join(transfer.collectors) or "＿＿＿＿、＿＿＿＿"
        channel = f"专人送取（{names}）"
    part_h = (page_h - 24 * mm) / 3
    tops = [page_h - 14 * mm - i * part_h for i in range(3)]
    c.saveState()
    c.setLineWidth(0.8)
    for index, top in enumerate(tops):
        bottom = top - part_h + 10 * mm
        c.rect(left - 4 * mm, bottom, width + 8 * mm, top + 5 * mm - bottom)
        c.setFont(core_pdf.FONT, 8)
        c.setFillColor(colors.HexColor("#555555"))
        keeper = ("转出单位留存", "随档案转递接收单位", "接收单位签章后退回转出单位")[index]
        c.drawRightString(right + 4 * mm, bottom - 3.5 * mm, keeper)
    c.restoreState()

    # 1. 存根 (stub)
    y = tops[0]
    y = _draw(
        c, Paragraph("干部人事档案转递通知单<font size=11>（存根）</font>", st["part_title"]), left, y, width
    )
    y = _draw(c, Paragraph(number, st["number"]), left, y - 1 * mm, width)
    text = (
        f"{_cn_date(day)}，将{transfer.cadre_name}同志的档案{_volumes_text(transfer)}，"
        f"由{from_name}转至{to_name}。"
    )
    y = _draw(c, Paragraph(text, st["body"]), left, y - 1 * mm, width)
    y = _draw(c, _people_table(transfer, width, st), left, y - 2 * mm, width)
    approver = transfer.approved_by.get_full_name() if transfer.approved_by_id else "＿＿＿＿"
    handler = transfer.sent_by or transfer.created_by
    clerk, phone = handler.get_full_name(), handler.phone or "＿＿＿＿＿＿"
    lines = [
        f"转递依据：{basis}",
        f"转递方式：{channel}　　档号：{transfer.archive_no}",
        f"批准人：{approver}　　经办人：{clerk}　　回执：{'已于' + _cn_date(transfer.receipt_on) + '收回' if transfer.receipt_on else '＿＿＿＿（收回后粘贴于此）'}",
    ]
    for line in lines:
        y = _draw(c, Paragraph(line, st["small"]), left, y - 1.2 * mm, width)
    _cut_line(c, tops[1] + 8.5 * mm, left - 8 * mm, right + 8 * mm, number)

    # 2. 转递单 (the notice)
    y = tops[1]
    y = _draw(c, Paragraph("干部人事档案转递通知单", st["part_title"]), left, y, width)
    y = _draw(c, Paragraph(number, st["number"]), left, y - 1 * mm, width)
    y = _draw(c, Paragraph(f"{to_name}：", st["plain"]), left, y - 1 * mm, width)
    text = (
        f"现将{transfer.cadre_name}同志的档案{_volumes_text(transfer)}转去，请按档案目录清点查收，"
        "并将回执及时退回。"
    )
    y = _draw(c, Paragraph(text, st["body"]), left, y, width)
    y = _draw(c, _people_table(transfer, width, st), left, y - 2 * mm, width)
    sign = Table(
        [
            [Paragraph(f"经办人：{clerk}", st["plain"]), Paragraph(f"{from_name}（盖章）", st["right"])],
            [Paragraph(f"联系电话：{phone}", st["small"]), Paragraph(_cn_date(day), st["right"])],
        ],
        colWidths=[width * 0.45, width * 0.55],
    )
    sign.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), core_pdf.FONT), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    _draw(c, sign, left, y - 3 * mm, width)
    _cut_line(c, tops[2] + 8.5 * mm, left - 8 * mm, right + 8 * mm, number)

    # 3. 回执 (the receipt, returned to the sender)
    y = tops[2]
    y = _draw(
        c, Paragraph("干部人事档案转递通知单<font size=11>（回执）</font>", st["part_title"]), left, y, width
    )
    y = _draw(c, Paragraph(number, st["number"]), left, y - 1 * mm, width)
    y = _draw(c, Paragraph(f"{from_name}：", st["plain"]), left, y - 1 * mm, width)
    text = (
        f"你单位于{_cn_date(day)}以{number}转来{transfer.cadre_name}同志的档案{_volumes_text(transfer)}，"
        "经清点核对，已全部收到。"
    )
    y = _draw(c, Paragraph(text, st["body"]), left, y, width)
    receipt = Table(
        [
            [Paragraph("签收人：＿＿＿＿＿＿", st["plain"]), Paragraph(f"{to_name}（盖章）", st["right"])],
            [Paragraph("", st["plain"]), Paragraph("    年    月    日", st["right"])],
        ],
        colWidths=[width * 0.45, width * 0.55],
    )
    receipt.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), core_pdf.FONT), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    y = _draw(c, receipt, left, y - 6 * mm, width)
    _draw(
        c,
        Paragraph("请接收单位清点核对后，在回执上签名盖章，即日退回转出单位。", st["note"]),
        left,
        y - 3 * mm,
        width,
    )
    if transfer.status in (TransferStatus.DRAFT, TransferStatus.SUBMITTED):
        _void_mark(c, "未经批准　不得转递")
    elif transfer.status == TransferStatus.CANCELLED:
        _void_mark(c, "已撤销　作废")
    c.showPage()
    c.save()
    return buf.getvalue()


def _doc(buf, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=AUTHOR,
    )


def _counts_table(intake, width, st) -> Table:
    cc = st["cellc"]
    head = ["姓名", "现工作单位及职务", "正本（卷）", "副本（卷）", "材料（份）"]
    row = [
        intake.name,
        intake.unit_post,
        str(intake.received_main),
        str(intake.received_duplicate),
        str(intake.received_loose),
    ]
    table = Table(
        [[Paragraph(h, cc) for h in head], [Paragraph(v or "", cc) for v in row]],
        colWidths=[w * width for w in (0.15, 0.43, 0.14, 0.14, 0.14)],
        rowHeights=[8 * mm, 11 * mm],
    )
    table.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
    return table


def _signature(left_text: str, unit: str, day, st, width) -> Table:
    table = Table(
        [
            [Paragraph(left_text, st["plain"]), Paragraph(f"{unit}（盖章）", st["right"])],
            ["", Paragraph(_cn_date(day), st["right"])],
        ],
        colWidths=[width * 0.45, width * 0.55],
    )
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), core_pdf.FONT), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def intake_receipt(intake) -> bytes:
    """干部人事档案回执: what we received, for the sender (signed and sealed on paper)."""
    st = _styles()
    buf = io.BytesIO()
    doc = _doc(buf, f"干部人事档案回执 {intake.number}")
    notice = intake.notice_number or "转递通知单"
    day = timezone.localtime(intake.accepted_at).date() if intake.accepted_at else intake.received_on
    story = [
        Paragraph("干部人事档案回执", st["title"]),
        Paragraph(f"接收登记号：{intake.number}", st["number"]),
        Spacer(1, 4 * mm),
        Paragraph(f"{intake.sending_unit_name}：", st["plain"]),
        Paragraph(
            f"你单位以{notice}转来{intake.name}同志的档案正本{intake.received_main}卷、副本{intake.received_duplicate}卷、"
            f"材料{intake.received_loose}份（{intake.get_channel_display()}"
            + (f"，机要号{intake.confidential_no}" if intake.confidential_no else "")
            + f"），已于{_cn_date(intake.received_on)}收到，经清点核对，数量相符，封口完好，已全部收到。",
            st["body"],
        ),
        Spacer(1, 4 * mm),
        _counts_table(intake, doc.width, st),
        Spacer(1, 10 * mm),
        _signature(
            f"签收人：{intake.accepted_by.get_full_name() if intake.accepted_by_id else ''}",
            intake.holding_unit.name,
            day,
            st,
            doc.width,
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def intake_return_letter(intake) -> bytes:
    """干部人事档案退回函: the reasons an archive sent to us is returned."""
    st = _styles()
    buf = io.BytesIO()
    doc = _doc(buf, f"干部人事档案退回函 {intake.number}")
    notice = intake.notice_number or "转递通知单"
    reasons = [r for r in (intake.return_reasons or "").splitlines() if r.strip()]
    day = timezone.localtime(intake.returned_at).date() if intake.returned_at else None
    story = [
        Paragraph("干部人事档案退回函", st["title"]),
        Paragraph(f"接收登记号：{intake.number}", st["number"]),
        Spacer(1, 4 * mm),
        Paragraph(f"{intake.sending_unit_name}：", st["plain"]),
        Paragraph(
            f"你单位以{notice}转来{intake.name}同志的档案（通知单载明正本{intake.stated_main}卷、副本{intake.stated_duplicate}卷、"
            f"材料{intake.stated_loose}份"
            + (f"，机要号{intake.confidential_no}" if intake.confidential_no else "")
            + f"），我单位于{_cn_date(intake.received_on)}收到。经清点核对，存在以下问题，不予接收，现予退回，"
            "请核实处理后重新转递：",
            st["body"],
        ),
        Spacer(1, 2 * mm),
    ]
    for reason in reasons:
        story.append(Paragraph(reason, ParagraphStyle("reason", parent=st["plain"], leftIndent=22)))
    story += [
        Spacer(1, 10 * mm),
        _signature(
            f"经办人：{intake.returned_by.get_full_name() if intake.returned_by_id else ''}",
            intake.holding_unit.name,
            day,
            st,
            doc.width,
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def alteration_record(intake) -> bytes:
    """档案涂改情况登记表: each alteration found at intake, and the organization's confirmation."""
    st = _styles()
    buf = io.BytesIO()
    doc = _doc(buf, f"档案涂改情况登记表 {intake.number}")
    c, cc = st["cell"], st["cellc"]
    archive = intake.archive
    head = Table(
        [
            [
                Paragraph("姓名", cc),
                Paragraph(intake.name, c),
                Paragraph("档号", cc),
                Paragraph(archive.archive_no if archive else "", c),
            ],
            [
                Paragraph("来件单位", cc),
                Paragraph(intake.sending_unit_name, c),
                Paragraph("通知单字号", cc),
                Paragraph(intake.notice_number or "", c),
            ],
            [
                Paragraph("收件日期", cc),
                Paragraph(_cn_date(intake.received_on), c),
                Paragraph("接收登记号", cc),
                Paragraph(intake.number or "", c),
            ],
        ],
        colWidths=[w * doc.width for w in (0.16, 0.38, 0.16, 0.30)],
        rowHeights=[9 * mm] * 3,
    )
    head.setStyle(TableStyle(core_pdf.GRID))
    rows = [
        [Paragraph(h, cc) for h in ("序号", "材料（序号、名称）", "涂改项目", "涂改前", "涂改后", "涂改情况")]
    ]
    for index, alt in enumerate(intake.alterations.all(), start=1):
        rows.append(
            [
                Paragraph(str(index), cc),
                Paragraph(alt.material_label, c),
                Paragraph(alt.field_name, cc),
                Paragraph(alt.before_text or "—", cc),
                Paragraph(alt.after_text or "—", cc),
                Paragraph(alt.description, c),
            ]
        )
    for _ in range(max(0, 4 - len(rows) + 1)):
        rows.append([""] * 6)
    table = Table(rows, colWidths=[w * doc.width for w in (0.07, 0.27, 0.13, 0.12, 0.12, 0.29)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                *core_pdf.GRID,
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                ("MINROWHEIGHT", (0, 1), (-1, -1), 9 * mm),
            ]
        )
    )
    registered = intake.review_submitted_by.get_full_name() if intake.review_submitted_by_id else ""
    registered_on = (
        timezone.localtime(intake.review_submitted_at).date() if intake.review_submitted_at else None
    )
    confirmed_on = timezone.localtime(intake.confirmed_at).date() if intake.confirmed_at else None
    confirm = Table(
        [
            [Paragraph("登记人", cc), Paragraph(f"{registered}　{_cn_date(registered_on)}", c)],
            [
                Paragraph("组织确认意见", cc),
                Paragraph(
                    (intake.confirm_opinion or "")
                    + "<br/><br/>"
                    + f"确认人：{intake.confirmed_by.get_full_name() if intake.confirmed_by_id else ''}"
                    + f"　　{intake.confirming_organ or ''}（盖章）　　{_cn_date(confirmed_on)}",
                    c,
                ),
            ],
        ],
        colWidths=[0.16 * doc.width, 0.84 * doc.width],
        rowHeights=[10 * mm, 28 * mm],
    )
    confirm.setStyle(TableStyle(core_pdf.GRID))
    story = [
        Paragraph("档案涂改情况登记表", st["title"]),
        Spacer(1, 3 * mm),
        head,
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        confirm,
        Spacer(1, 3 * mm),
        Paragraph("本表经组织确认后归入本人档案第五类（政审、审计和审核类材料）。", st["note"]),
    ]
    doc.build(story)
    return buf.getvalue()
