"""Printable documents of viewing and borrowing (ReportLab, the project's CJK font from core/pdf.py):

- the approval form 查阅（借阅）干部人事档案审批表 with the approval trail and the archive office's registration;
- a registered copy: the scanned pages of the registered range, watermarked and stamped 复印件.
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archives import watermark
from core import pdf as core_pdf


def _fmt(value, pattern="%Y-%m-%d %H:%M") -> str:
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return value.strftime(pattern)


def _date(value) -> str:
    return value.strftime("%Y年%m月%d日") if value else "    年  月  日"


def _opinion(approval) -> str:
    """ "同意。" and the opinion, without saying 同意 twice."""
    label = approval.get_decision_display()
    opinion = (approval.opinion or "").strip()
    if opinion.rstrip("。.") in ("", label):
        return f"{label}。"
    return f"{label}。{opinion}"


def approval_form(req) -> bytes:
    """The request as the paper form, A4, with the approval trail and the check-out/return registration."""
    core_pdf.register_font()
    st = core_pdf.styles()
    cell, small = st["cell"], st["small"]

    def p(text, style=cell):
        return Paragraph(str(text or "").replace("\n", "<br/>"), style)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"查阅（借阅）干部人事档案审批表 {req.number}",
        author="干部人事档案管理系统",
    )
    width = doc.width
    story = [
        Paragraph("查阅（借阅）干部人事档案审批表", st["title"]),
        Paragraph(f"编号：{req.number}　　状态：{req.effective_status_label}", st["subtitle"]),
    ]

    # 1. Requesting unit and mode.
    head = [
        [p("申请单位"), p(req.unit_display), p("查阅方式"), p(req.get_mode_display())],
        [
            p("查阅（借阅）时间"),
            p(f"{_fmt(req.start_at)} 至 {_fmt(req.end_at)}" + ("（应还）" if req.is_loan else "")),
            p("介绍信"),
            p("有" if req.has_intro_letter else "无"),
        ],
        [
            p("查阅事由"),
            p(f"{req.purpose_label}\n{req.purpose_detail}"),
            p("摘录复制"),
            p("需要" if req.copies_requested else "不需要"),
        ],
    ]
    t = Table(head, colWidths=[width * 0.19, width * 0.45, width * 0.13, width * 0.23])
    t.setStyle(
        TableStyle(
            [
                *core_pdf.GRID,
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f3f3f3")),
            ]
        )
    )
    story += [t, Spacer(1, 4 * mm)]

    # 2. Viewers.
    story.append(Paragraph("查阅人", st["heading"]))
    rows = [[p("序号"), p("姓名"), p("工作单位"), p("职务"), p("政治面貌"), p("身份证号"), p("联系电话")]]
    for i, v in enumerate(req.viewers.all(), start=1):
        rows.append(
            [
                p(i),
                p(v.name),
                p(v.unit_name),
                p(v.post),
                p(v.get_political_status_display()),
                p(v.id_number),
                p(v.phone),
            ]
        )
    t = Table(rows, colWidths=[w * width for w in (0.05, 0.10, 0.18, 0.13, 0.11, 0.25, 0.18)], repeatRows=1)
    t.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))]))
    story += [t, Spacer(1, 4 * mm)]

    # 3. Subjects and scope.
    from borrowing.selectors import copy_text, scope_text

    story.append(Paragraph("查阅对象及内容", st["heading"]))
    rows = [[p("姓名"), p("单位及职务"), p("档号"), p("查阅内容"), p("摘录、复制材料")]]
    for s in req.subjects.all():
        cadre = s.archive.cadre
        rows.append(
            [
                p(cadre.name),
                p(f"{cadre.unit.name if cadre.unit_id else ''} {cadre.current_post}"),
                p(s.archive.archive_no),
                p(scope_text(s)),
                p(copy_text(s) or "—"),
            ]
        )
    t = Table(rows, colWidths=[w * width for w in (0.11, 0.25, 0.13, 0.30, 0.21)], repeatRows=1)
    t.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))]))
    story += [t, Spacer(1, 4 * mm)]

    # 4. Opinions: requesting unit, then each approval level.
    story.append(Paragraph("意见", st["heading"]))
    rows = [
        [
            p("申请单位意见"),
            p(
                f"{req.unit_opinion}\n负责人（签字）：{req.unit_signer}　　{_date(req.unit_signed_on)}（盖章）"
            ),
        ]
    ]
    approvals = list(req.approvals.all())
    for a in approvals:
        title = f"{'二' if a.level == 2 else '一'}级审批意见" if req.required_levels == 2 else "审批意见"
        rows.append(
            [
                p(title),
                p(
                    f"{_opinion(a)}\n审批人：{a.reviewer_name}（{a.reviewer_unit} {a.reviewer_post}）"
                    f"　　{_fmt(a.decided_at)}"
                ),
            ]
        )
    for level in range(len(approvals) + 1, req.required_levels + 1):
        title = f"{'二' if level == 2 else '一'}级审批意见" if req.required_levels == 2 else "审批意见"
        rows.append([p(title), p("\n审批人（签字）：　　　　　　　　年　月　日")])
    t = Table(rows, colWidths=[width * 0.18, width * 0.82])
    t.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3"))]))
    story += [t, Spacer(1, 4 * mm)]

    # 5. Archive office registration: check-outs, returns, copies.
    story.append(Paragraph("档案室登记", st["heading"]))
    rows = [
        [
            p("档号"),
            p("出库（借出）时间"),
            p("领取人签名"),
            p("应还时间"),
            p("归还时间"),
            p("归还人签名"),
            p("核对"),
        ]
    ]
    checkouts = list(req.checkouts.all())
    for c in checkouts:
        rows.append(
            [
                p(c.archive.archive_no),
                p(_fmt(c.out_at)),
                p("、".join(c.out_signatures)),
                p(_fmt(c.due_at)),
                p(_fmt(c.returned_at)),
                p("、".join(c.in_signatures)),
                p(c.get_status_display()),
            ]
        )
    if not checkouts:
        rows.append([p("—")] + [p("")] * 6)
    incidents = [i for c in checkouts for i in c.incidents.all()]
    t = Table(rows, colWidths=[w * width for w in (0.13, 0.16, 0.15, 0.15, 0.15, 0.14, 0.12)], repeatRows=1)
    t.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))]))
    story.append(t)
    for incident in incidents:
        resolved = f"；{incident.get_status_display()}：{incident.resolution}" if incident.resolution else ""
        story.append(
            Paragraph(
                f"归还异常（{_fmt(incident.opened_at)}，{incident.opened_by.get_full_name()}）："
                f"{incident.summary}{resolved}",
                small,
            )
        )
    copies = list(req.copies.all())
    if copies:
        story.append(Spacer(1, 3 * mm))
        rows = [[p("材料"), p("类别"), p("页码"), p("页数"), p("领取人"), p("经办人"), p("时间")]]
        for c in copies:
            rows.append(
                [
                    p(f"{c.material.seq_label} {c.material.title}"),
                    p(c.get_kind_display()),
                    p(c.pages),
                    p(c.page_count),
                    p(c.recipient),
                    p(c.made_by.get_full_name()),
                    p(_fmt(c.made_at)),
                ]
            )
        t = Table(
            rows, colWidths=[w * width for w in (0.30, 0.08, 0.12, 0.08, 0.12, 0.12, 0.18)], repeatRows=1
        )
        t.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))]))
        story.append(t)
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            f"填表人：{req.created_by.get_full_name()}　　填表时间：{_fmt(req.created_at)}　　"
            f"经办人：{req.handled_by.get_full_name() if req.handled_by_id else ''}　　打印时间：{_fmt(timezone.now())}",
            small,
        ),
        Paragraph(
            "注：查阅档案须两人以上且为中共党员；不得查阅本人及亲属档案；未经批准不得摘录、复制。", small
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def copy_pages(copy, pages, user) -> bytes:
    """One A4 page per scanned page of a registered copy, watermarked for the clerk and stamped 复印件."""
    core_pdf.register_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"复印件 {copy.material.title}")
    page_w, page_h = A4
    margin = 10 * mm
    footer = (
        f"复印件　申请 {copy.request.number}　档号 {copy.material.archive.archive_no}　材料 {copy.material.seq_label} "
        f"{copy.material.title}　第{copy.pages}页　经办人 {copy.made_by.get_full_name()}　"
        f"{_fmt(copy.made_at)}　领取人 {copy.recipient}"
    )
    if not pages:
        c.setFont(core_pdf.FONT, 12)
        c.drawString(
            margin, page_h - 30 * mm, "该材料的所登记页码尚无扫描件，请使用纸质复印件并加盖“复印件”章。"
        )
        c.setFont(core_pdf.FONT, 8)
        c.drawString(margin, margin, footer[:120])
        c.showPage()
    for page in pages:
        data = watermark.render_for_viewer(page, user, copy_stamp=True)
        image = ImageReader(io.BytesIO(data))
        iw, ih = image.getSize()
        scale = min((page_w - 2 * margin) / iw, (page_h - 2 * margin - 8 * mm) / ih)
        w, h = iw * scale, ih * scale
        c.drawImage(image, (page_w - w) / 2, page_h - margin - h, w, h)
        c.setFont(core_pdf.FONT, 8)
        c.drawString(margin, margin, footer[:120])
        c.showPage()
    c.save()
    return buf.getvalue()
