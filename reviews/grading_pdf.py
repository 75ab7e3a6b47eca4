"""新任干部档案审核验收评分表 as a PDF (ReportLab, the project's CJK font): every item with its weight, deduction
and problems, the veto items, the score and grade, and the three signatures (初审, 复核, 复审)."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import pdf as core_pdf
from reviews import grading as rules
from reviews import grading_services as services


def _num(value) -> str:
    return f"{value.normalize():f}" if value else ""


def _signed(user, at) -> str:
    if not user:
        return ""
    return f"{user.get_full_name()}　{timezone.localtime(at):%Y年%m月%d日}"


def grading_sheet(grading) -> bytes:
    core_pdf.register_font()
    st = core_pdf.styles()
    cell = st["cell"]
    small = ParagraphStyle("gsmall", parent=st["small"], fontSize=8.5, leading=11)
    cc = ParagraphStyle("gcc", parent=cell, alignment=TA_CENTER)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"新任干部档案审核验收评分表 {grading.number}",
        author="干部人事档案管理系统",
    )
    width = doc.width
    cadre = grading.archive.cadre
    head = Table(
        [
            [
                Paragraph(x, cc)
                for x in (
                    "姓名",
                    cadre.name,
                    "档号",
                    grading.archive.archive_no,
                    "报送单位",
                    grading.submitting_unit.name,
                )
            ],
            [
                Paragraph(x, cc)
                for x in (
                    "新任职务",
                    grading.post,
                    "任职时间",
                    f"{grading.appointed_on:%Y-%m-%d}",
                    "报送时间",
                    f"{grading.submitted_on:%Y-%m-%d}{'（逾期）' if grading.is_late else ''}",
                )
            ],
        ],
        colWidths=[w * width for w in (0.1, 0.2, 0.1, 0.17, 0.12, 0.31)],
    )
    head.setStyle(TableStyle(core_pdf.GRID))
    rows = [[Paragraph(h, cc) for h in ("序号", "评分标准", "扣分方法", "分值", "扣分", "存在问题")]]
    for line in grading.lines.all():
        rows.append(
            [
                Paragraph(str(line.number), cc),
                Paragraph(line.standard, small),
                Paragraph(line.method, small),
                Paragraph(_num(line.weight), cc),
                Paragraph(_num(line.deduction), cc),
                Paragraph(line.problems, small),
            ]
        )
    table = Table(rows, colWidths=[w * width for w in (0.06, 0.38, 0.2, 0.07, 0.07, 0.22)], repeatRows=1)
    table.setStyle(TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
    vetoes = [
        [
            Paragraph("单项否决", cc),
            Paragraph("（存在下列情形之一的，为不合格档案）", small),
            Paragraph("有无", cc),
            Paragraph("情况说明", cc),
        ]
    ]
    for veto in grading.vetoes.all():
        vetoes.append(
            [
                Paragraph(str(veto.number), cc),
                Paragraph(veto.name, small),
                Paragraph("有" if veto.found else "无", cc),
                Paragraph(veto.note, small),
            ]
        )
    veto_table = Table(vetoes, colWidths=[w * width for w in (0.1, 0.5, 0.08, 0.32)])
    veto_table.setStyle(
        TableStyle([*core_pdf.GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))])
    )
    value, proposed = services.provisional(grading)
    if grading.is_final:
        result = f"得分：{grading.score}分　　等次：{grading.get_grade_display()}"
    else:
        result = (
            f"得分：{value}分　　拟定等次：{rules.GRADE_LABELS[proposed]}（经初审、复核、复审三人签字后定级）"
        )
    signatures = Table(
        [
            [Paragraph("初审人", cc), Paragraph(_signed(grading.initial_by, grading.initial_at), cell)],
            [Paragraph("复核人", cc), Paragraph(_signed(grading.check_by, grading.check_at), cell)],
            [Paragraph("复审人", cc), Paragraph(_signed(grading.second_by, grading.second_at), cell)],
        ],
        colWidths=[0.15 * width, 0.85 * width],
        rowHeights=[9 * mm] * 3,
    )
    signatures.setStyle(TableStyle(core_pdf.GRID))
    story = [
        Paragraph("新任干部档案审核验收评分表", st["title"]),
        Paragraph(f"编号：{grading.number}　　评分年度：{grading.year}", st["subtitle"]),
        head,
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        veto_table,
        Spacer(1, 3 * mm),
        Paragraph(result, st["heading"]),
        Paragraph(
            f"说明：满分100分，单项扣分不超过该项分值；{services.thresholds()[0]}分以下或有单项否决的为不合格，"
            f"{services.thresholds()[1]}分以上为优秀，其余为合格。",
            small,
        ),
        Spacer(1, 2 * mm),
        signatures,
    ]
    if grading.returned_on:
        story.append(
            Paragraph(
                f"{grading.returned_on:%Y年%m月%d日}退回{grading.submitting_unit.name}：{grading.return_reason}",
                small,
            )
        )
    doc.build(story)
    return buf.getvalue()
