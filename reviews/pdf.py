"""The printable forms of the pre-appointment review, drawn with ReportLab and the project's CJK font (core.pdf).

appointment_form_pdf(form)            干部任免审批表: the two-page 中组部 layout of domain.md 6.1
review_form_pdf(case, ...)            干部任前审查表 of one case: 三龄两历一身份, red flags, 凡提四必, conclusion
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.pdf import FONT, register_font
from reviews.appointment import AppointmentForm, ym

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 14 * mm
BODY_W = PAGE_W - 2 * MARGIN_X
GAP = "\u00a0"  # a space ReportLab keeps (the blanks where people sign and date)
DATE_BLANK = f"年{GAP * 6}月{GAP * 6}日{GAP * 2}"


def _style(name: str, size: float, *, leading: float | None = None, align=TA_CENTER, **kw) -> ParagraphStyle:
    register_font()
    return ParagraphStyle(
        name,
        fontName=FONT,
        fontSize=size,
        leading=leading or size * 1.3,
        alignment=align,
        wordWrap="CJK",
        **kw,
    )


LABEL = _style("label", 11, leading=14)
VALUE = _style("value", 11, leading=14)
VALUE_LEFT = _style("value_left", 11, leading=15, align=TA_LEFT)
SMALL = _style("small", 9, leading=11.5)
SMALL_LEFT = _style("small_left", 9.5, leading=13, align=TA_LEFT)
RIGHT = _style("right", 11, leading=16, align=TA_RIGHT)


def _p(text: str, style: ParagraphStyle = VALUE) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _fit(text: str, width: float, lines: int, *, left: bool = False) -> Paragraph:
    """A value shrunk (down to 7pt) until it fits the cell in the given number of lines, like the editor does."""
    base = VALUE_LEFT if left else VALUE
    for size in (11, 10, 9, 8, 7):
        style = ParagraphStyle(f"fit{size}{left}", parent=base, fontSize=size, leading=size * 1.25)
        para = _p(text, style)
        _w, h = para.wrap(width - 4, 10_000)
        if h <= lines * size * 1.25 + 0.5:
            return para
    return para


class Title(Flowable):
    """The form's title: large, letter-spaced and emboldened (fill + stroke), like 方正小标宋 on the real form."""

    def __init__(self, text: str, size: float = 22, space: float = 6):
        super().__init__()
        self.text, self.size, self.space = text, size, space
        self.height = size * 1.6

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height

    def draw(self):
        register_font()
        c = self.canv
        text = " ".join(self.text) if self.space else self.text
        width = c.stringWidth(text, FONT, self.size)
        t = c.beginText((self.width - width) / 2, self.size * 0.45)
        t.setFont(FONT, self.size)
        t.setTextRenderMode(2)
        c.setLineWidth(0.35)
        t.textOut(text)
        c.drawText(t)


def _grid(extra=()) -> TableStyle:
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
            ("INNERGRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            *extra,
        ]
    )


def _vertical(text: str) -> Paragraph:
    """A label written top to bottom (简历, 家庭主要成员...), as on the printed form."""
    return _p("\n".join(text), LABEL)


def _photo(form: AppointmentForm, width: float, height: float):
    if not form.photo:
        return _p("（照片）", _style("photo", 10, textColor=colors.grey))
    try:
        image = Image(io.BytesIO(form.photo))
    except Exception:
        return _p("（照片）", _style("photo", 10, textColor=colors.grey))
    ratio = min(width / image.imageWidth, height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * ratio, image.imageHeight * ratio
    return image


def _on_appointment_page(canvas, doc):
    register_font()
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.setFillColor(colors.grey)
    canvas.drawRightString(PAGE_W - MARGIN_X, 8 * mm, f"第 {doc.page} 页 共 2 页")
    canvas.restoreState()


def appointment_form_pdf(form: AppointmentForm) -> bytes:
    """干部任免审批表 (domain.md 6.1): page 1 the person, education, posts and résumé; page 2 rewards, appraisal,
    reason, family (ages computed at the reference date), the three opinion blocks and the filler."""
    register_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"干部任免审批表（{form.name}）",
        author="干部人事档案管理系统",
    )
    story = [Title("干部任免审批表"), Spacer(1, 3 * mm)]

    # --- page 1 ---------------------------------------------------------------------------------------
    cw = [21 * mm, 25 * mm, 21 * mm, 25 * mm, 22 * mm, 23 * mm, 33 * mm]  # 170 mm
    row_h = 14 * mm
    photo_w, photo_h = cw[6] - 4, row_h * 4 - 4
    rows = [
        [
            _p("姓　名", LABEL),
            _fit(form.name, cw[1], 2),
            _p("性　别", LABEL),
            _p(form.sex),
            _p("出生年月\n（　岁）", LABEL),
            _fit(form.birth_display.replace("（", "\n（"), cw[5], 2),
            _photo(form, photo_w, photo_h),
        ],
        [
            _p("民　族", LABEL),
            _fit(form.ethnicity, cw[1], 2),
            _p("籍　贯", LABEL),
            _fit(form.native_place, cw[3], 2),
            _p("出 生 地", LABEL),
            _fit(form.birthplace, cw[5], 2),
            "",
        ],
        [
            _p("入　党\n时　间", LABEL),
            _fit(form.party_display, cw[1], 2),
            _p("参加工\n作时间", LABEL),
            _fit(ym(form.work_start_date), cw[3], 2),
            _p("健康状况", LABEL),
            _fit(form.health, cw[5], 2),
            "",
        ],
        [
            _p("专业技\n术职务", LABEL),
            _fit(form.professional_title, cw[1] + cw[2], 2),
            "",
            _p("熟悉专业\n有何专长", LABEL),
            _fit(form.specialties, cw[4] + cw[5], 2),
            "",
            "",
        ],
        [
            _p("学　历\n学　位", LABEL),
            _p("全日制\n教　育", LABEL),
            _fit(form.fulltime_display, cw[2] + cw[3], 2),
            "",
            _p("毕业院校\n系及专业", LABEL),
            _fit(form.fulltime_school, cw[5] + cw[6], 2, left=True),
            "",
        ],
        [
            "",
            _p("在　职\n教　育", LABEL),
            _fit(form.inservice_display, cw[2] + cw[3], 2),
            "",
            _p("毕业院校\n系及专业", LABEL),
            _fit(form.inservice_school, cw[5] + cw[6], 2, left=True),
            "",
        ],
        [_p("现 任 职 务", LABEL), _fit(form.current_post, sum(cw[1:]), 2, left=True), "", "", "", "", ""],
        [_p("拟 任 职 务", LABEL), _fit(form.proposed_post, sum(cw[1:]), 2, left=True), "", "", "", "", ""],
        [_p("拟 免 职 务", LABEL), _fit(form.post_to_remove, sum(cw[1:]), 2, left=True), "", "", "", "", ""],
    ]
    # The résumé fills the rest of page 1 (frame padding 6pt top and bottom, the title and its spacer above).
    used = MARGIN_TOP + MARGIN_BOTTOM + 12 + 22 * 1.6 + 3 * mm + 6 * row_h + 3 * 12 * mm
    resume_h = PAGE_H - used - 1 * mm
    rows.append(
        [_vertical("简历"), _fit_resume(form.resume, sum(cw[1:]) - 12, resume_h - 10), "", "", "", "", ""]
    )
    heights = [row_h] * 6 + [12 * mm] * 3 + [resume_h]
    table = Table(rows, colWidths=cw, rowHeights=heights)
    table.setStyle(
        _grid(
            [
                ("SPAN", (6, 0), (6, 3)),
                ("SPAN", (1, 3), (2, 3)),
                ("SPAN", (4, 3), (6, 3)),
                ("SPAN", (0, 4), (0, 5)),
                ("SPAN", (2, 4), (3, 4)),
                ("SPAN", (5, 4), (6, 4)),
                ("SPAN", (2, 5), (3, 5)),
                ("SPAN", (5, 5), (6, 5)),
                ("SPAN", (1, 6), (6, 6)),
                ("SPAN", (1, 7), (6, 7)),
                ("SPAN", (1, 8), (6, 8)),
                ("SPAN", (1, 9), (6, 9)),
                ("VALIGN", (1, 9), (6, 9), "TOP"),
                ("LEFTPADDING", (1, 9), (6, 9), 6),
                ("RIGHTPADDING", (1, 9), (6, 9), 6),
                ("TOPPADDING", (1, 9), (6, 9), 5),
            ]
        )
    )
    story += [table, PageBreak()]

    # --- page 2 ---------------------------------------------------------------------------------------
    cw2 = [21 * mm, 17 * mm, 20 * mm, 13 * mm, 22 * mm, 77 * mm]  # 170 mm
    inner = sum(cw2[1:])
    family = list(form.family)
    family_rows = max(7, len(family))
    rows2 = [
        [_vertical("奖惩情况"), _fit(form.rewards_punishments, inner - 8, 4, left=True), "", "", "", ""],
        [
            _p("年　度\n考　核\n结　果", LABEL),
            _fit(form.appraisal_results, inner - 8, 3, left=True),
            "",
            "",
            "",
            "",
        ],
        [_p("任　免\n理　由", LABEL), _fit(form.reason, inner - 8, 4, left=True), "", "", "", ""],
        [
            _p("家庭\n主要\n成员\n及\n重要\n社会\n关系", LABEL),
            _p("称　谓", LABEL),
            _p("姓　名", LABEL),
            _p("年龄", LABEL),
            _p("政　治\n面　貌", LABEL),
            _p("工　作　单　位　及　职　务", LABEL),
        ],
    ]
    for index in range(family_rows):
        member = family[index] if index < len(family) else None
        if member is None:
            rows2.append(["", "", "", "", "", ""])
            continue
        age = member.age(form.reference_date)
        rows2.append(
            [
                "",
                _fit(member.relation, cw2[1], 1),
                _fit(member.name, cw2[2], 1),
                _p("" if age is None else str(age)),
                _fit(member.political_status, cw2[4], 2),
                _fit(member.work_unit_post, cw2[5], 2, left=True),
            ]
        )
    sign_row = len(rows2)
    rows2.append(
        [
            _p("呈　报\n单　位", LABEL),
            [
                _fit(form.submitting_unit, inner - 8, 2, left=True),
                Spacer(1, 10 * mm),
                _p("（盖章）\n" + DATE_BLANK, RIGHT),
            ],
            "",
            "",
            "",
            "",
        ]
    )
    approve_row = len(rows2)
    rows2.append(
        [
            _p("审批机\n关意见", LABEL),
            _approval_cell(form),
            "",
            "",
            _p("行政机\n关任免\n意　见", LABEL),
            [Spacer(1, 18 * mm), _p("（盖章）\n" + DATE_BLANK, RIGHT)],
        ]
    )
    heights2 = [40 * mm, 22 * mm, 30 * mm, 12 * mm] + [9 * mm] * family_rows + [32 * mm, 42 * mm]
    table2 = Table(rows2, colWidths=cw2, rowHeights=heights2)
    table2.setStyle(
        _grid(
            [
                ("SPAN", (1, 0), (5, 0)),
                ("SPAN", (1, 1), (5, 1)),
                ("SPAN", (1, 2), (5, 2)),
                ("SPAN", (0, 3), (0, 3 + family_rows)),
                ("SPAN", (1, sign_row), (5, sign_row)),
                ("SPAN", (1, approve_row), (3, approve_row)),
                ("VALIGN", (1, 0), (5, 2), "MIDDLE"),
                ("LEFTPADDING", (1, 0), (5, 2), 6),
                ("VALIGN", (1, sign_row), (3, approve_row), "TOP"),
                ("VALIGN", (5, approve_row), (5, approve_row), "TOP"),
                ("LEFTPADDING", (1, sign_row), (5, sign_row), 6),
                ("RIGHTPADDING", (1, sign_row), (5, approve_row), 8),
            ]
        )
    )
    footer = Table(
        [
            [
                _p(f"填表人：{form.filled_by}", _style("f1", 10.5, align=TA_LEFT)),
                _p(
                    f"计算年龄时间：{form.reference_date:%Y年%m月%d日}　　填表时间：{form.filled_on:%Y年%m月%d日}",
                    _style("f2", 10.5, align=TA_RIGHT),
                ),
            ]
        ],
        colWidths=[60 * mm, 110 * mm],
    )
    footer.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story += [table2, Spacer(1, 2 * mm), footer]
    doc.build(story, onFirstPage=_on_appointment_page, onLaterPages=_on_appointment_page)
    return buf.getvalue()


RESUME_DATES = re.compile(
    r"^\s*(\d{4}\s*[.．]\s*\d{1,2}\s*(?:-{1,2}|—{1,2}|–|～|~|至)\s*(?:\d{4}\s*[.．]\s*\d{1,2}|至今)?)\s*(.*)$"
)


def _approval_cell(form: AppointmentForm) -> list:
    """The approving organ's block: blank on a proposal, filled in on a filed form (requirement 47)."""
    if not form.approving_organ:
        return [Spacer(1, 18 * mm), _p("（盖章）\n" + DATE_BLANK, RIGHT)]
    return [
        _p(f"同意。（{form.document_no}）", VALUE_LEFT),
        Spacer(1, 6 * mm),
        _p(f"{form.approving_organ}\n{form.approved_on:%Y年%m月%d日}", RIGHT),
    ]


def _fit_resume(text: str, width: float, height: float):
    """The résumé as on the form: the period in a fixed column, the text beside it with its continuation lines
    aligned under it, "其间" items indented to the text column; the font shrinks (to 7pt) until it fits."""
    entries: list[tuple[str, str]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = RESUME_DATES.match(line)
        if match:
            entries.append((match.group(1).replace(" ", ""), match.group(2).strip()))
        elif entries and not line.strip().startswith(("（", "(")):
            dates, body = entries[-1]
            entries[-1] = (dates, body + line.strip())
        else:
            entries.append(("", line.strip()))
    table = None
    for size in (11, 10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7):
        style = ParagraphStyle(
            f"resume{size}",
            fontName=FONT,
            fontSize=size,
            leading=size * 1.45,
            alignment=TA_LEFT,
            wordWrap="CJK",
        )
        date_w = pdfmetrics.stringWidth("0000.00--0000.00", FONT, size) + size * 1.2
        rows = [[Paragraph(escape(d), style), Paragraph(escape(b), style)] for d, b in entries] or [["", ""]]
        table = Table(rows, colWidths=[date_w, width - date_w])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        _w, h = table.wrap(width, 100_000)
        if h <= height:
            return table
    return table


# --- 干部任前审查表 ------------------------------------------------------------------------------------------


def _on_review_page(title: str):
    def draw(canvas, doc):
        register_font()
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN_X, 8 * mm, title)
        canvas.drawRightString(PAGE_W - MARGIN_X, 8 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    return draw


def review_form_pdf(
    *,
    case,
    form: AppointmentForm,
    subjects: list,
    flags: list,
    reasons: list,
    printed_by: str,
) -> bytes:
    """干部任前审查表 for one case (domain.md 5.6): the candidate, 三龄两历一身份, the red flags with their
    handling, the four checks of 凡提四必 and the conclusion with the reasons it cannot go to the meeting."""
    register_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM + 4 * mm,
        title=f"干部任前审查表（{case.cadre.name}）",
        author="干部人事档案管理系统",
    )
    cell = _style("cell", 10, leading=13)
    cell_left = _style("cell_left", 10, leading=13.5, align=TA_LEFT)
    head = _style("head", 10.5, leading=14)
    section = _style("section", 11, leading=15)
    unit = case.reviewer.unit.name if case.reviewer.unit_id else ""
    story = [
        Title("干部任前审查表", size=20),
        Spacer(1, 1 * mm),
        _p("（干部人事档案任前审核）", _style("sub", 11)),
        Spacer(1, 3 * mm),
        Table(
            [
                [
                    _p(f"审核单位：{unit}", _style("m1", 10, align=TA_LEFT)),
                    _p(f"编号：RQ{case.created_at:%Y}-{case.pk:05d}", _style("m2", 10, align=TA_RIGHT)),
                ]
            ],
            colWidths=[BODY_W * 0.65, BODY_W * 0.35],
            style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]),
        ),
        Spacer(1, 1.5 * mm),
    ]
    w = BODY_W
    cw = [24 * mm, 34 * mm, 18 * mm, 22 * mm, 24 * mm, w - 122 * mm]
    basic = [
        [
            _p("姓　名", head),
            _p(form.name, cell),
            _p("性　别", head),
            _p(form.sex, cell),
            _p("出生年月", head),
            _p(form.birth_display, cell),
        ],
        [
            _p("入党时间", head),
            _p(form.party_display, cell),
            _p("参加工\n作时间", head),
            _p(ym(form.work_start_date), cell),
            _p("身份证号", head),
            _p(form.id_number, cell),
        ],
        [_p("现任职务", head), _p(form.current_post, cell_left), "", "", "", ""],
        [_p("拟任职务", head), _p(case.proposed_post, cell_left), "", "", "", ""],
        [_p("拟免职务", head), _p(case.post_to_remove or "无", cell_left), "", "", "", ""],
        [
            _p("提名（呈报）\n单位", head),
            _p(case.requesting_unit.name, cell_left),
            "",
            "",
            _p("档　号", head),
            _p(case.archive.archive_no, cell),
        ],
    ]
    t = Table(basic, colWidths=cw, rowHeights=[10 * mm] * 6)
    t.setStyle(
        _grid(
            [
                ("SPAN", (1, 2), (5, 2)),
                ("SPAN", (1, 3), (5, 3)),
                ("SPAN", (1, 4), (5, 4)),
                ("SPAN", (1, 5), (3, 5)),
            ]
        )
    )
    story += [t, Spacer(1, 3 * mm)]

    # 三龄两历一身份
    rows = [
        [_p("三龄两历一身份审核情况", section), "", "", ""],
        [_p("事　项", head), _p("档案现记载", head), _p("认定情况", head), _p("发现问题", head)],
    ]
    flag_count: dict[str, int] = {}
    for flag in flags:
        if flag.status != "cleared" and flag.subject:
            key = "education" if flag.subject == "education" else flag.subject
            flag_count[key] = flag_count.get(key, 0) + 1
    for row in subjects:
        current = row.current
        determined = (
            f"{current.value_display}\n（{current.determining_organ}，{current.determined_on:%Y.%m.%d}认定）"
            if current
            else ("认定待审批" if row.pending else "未经认定")
        )
        key = "education" if row.key.startswith("education") else row.key
        count = flag_count.get(key, 0)
        value = row.value + (f"\n{row.extra}" if row.extra else "")
        rows.append(
            [
                _p(row.label, cell),
                _p(value, cell_left),
                _p(determined, cell_left),
                _p(f"{count}项" if count else "无", cell),
            ]
        )
    t = Table(rows, colWidths=[38 * mm, 56 * mm, 56 * mm, w - 150 * mm], repeatRows=2)
    t.setStyle(
        _grid([("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#f2f2f2"))])
    )
    story += [t, Spacer(1, 3 * mm)]

    # red flags
    rows = [
        [_p("档案问题（红旗）及核查处理情况", section), "", "", ""],
        [_p("序号", head), _p("问　题", head), _p("状态", head), _p("核查处理情况", head)],
    ]
    shown = [f for f in flags if f.status != "cleared"]
    for index, flag in enumerate(shown, start=1):
        handled = flag.resolution_note or ""
        if flag.determination_id:
            d = flag.determination
            handled = f"{handled}\n依据：{d.get_subject_display()}认定（{d.determining_organ}，{d.determined_on:%Y.%m.%d}）"
        if flag.resolved_by_id:
            handled += (
                f"\n（{flag.resolved_by.get_full_name()}，{timezone.localtime(flag.resolved_at):%Y.%m.%d}）"
            )
        rows.append(
            [
                _p(str(index), cell),
                _p(flag.message, cell_left),
                _p(flag.get_status_display(), cell),
                _p(handled.strip() or "—", cell_left),
            ]
        )
    if not shown:
        rows.append([_p("经逐项核对档案材料，未发现三龄两历一身份等方面的问题。", cell_left), "", "", ""])
    t = Table(rows, colWidths=[12 * mm, 88 * mm, 20 * mm, w - 120 * mm], repeatRows=2)
    extra = [("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#f2f2f2"))]
    if not shown:
        extra.append(("SPAN", (0, 2), (-1, 2)))
    t.setStyle(_grid(extra))
    story += [t, Spacer(1, 3 * mm)]

    # 凡提四必
    def who(user, at):
        if not user:
            return "未登记"
        return f"{user.get_full_name()}\n{timezone.localtime(at):%Y.%m.%d}" if at else user.get_full_name()

    review_text = "未作结论"
    if case.archive_review_result:
        review_text = case.get_archive_review_result_display()
        if case.archive_review_remarks:
            review_text += f"。{case.archive_review_remarks}"
    matters = case.get_personal_matters_result_display() if case.personal_matters_result else "未核实"
    if case.personal_matters_note:
        matters += f"。{case.personal_matters_note}"
    discipline = "未收到"
    if case.discipline_recorded:
        discipline = f"{case.discipline_received_on:%Y.%m.%d}回复：{case.discipline_opinion}"
    complaints = case.get_complaints_result_display() if case.complaints_result else "未查核"
    if case.complaints_note:
        complaints += f"。{case.complaints_note}"
    rows = [
        [_p("凡提四必落实情况", section), "", ""],
        [_p("事　项", head), _p("结果及说明", head), _p("登记人及时间", head)],
        [
            _p("干部档案\n凡提必审", cell),
            _p(review_text, cell_left),
            _p(who(case.archive_review_by, case.archive_review_at), cell),
        ],
        [
            _p("个人有关事项报告\n凡提必核", cell),
            _p(matters, cell_left),
            _p(who(case.personal_matters_by, case.personal_matters_at), cell),
        ],
        [
            _p("纪检监察机关意见\n凡提必听", cell),
            _p(discipline, cell_left),
            _p(who(case.discipline_by, case.discipline_at), cell),
        ],
        [
            _p("线索具体的信访举报\n凡提必查", cell),
            _p(complaints, cell_left),
            _p(who(case.complaints_by, case.complaints_at), cell),
        ],
    ]
    t = Table(rows, colWidths=[38 * mm, w - 72 * mm, 34 * mm], repeatRows=2)
    t.setStyle(
        _grid([("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#f2f2f2"))])
    )
    story += [t, Spacer(1, 3 * mm)]

    # conclusion and signatures
    if case.status == "ready" or (case.status == "closed" and case.close_outcome == "submitted"):
        conclusion = "凡提四必已全部落实，干部档案审核通过，可提交部务会研究。"
    elif reasons:
        conclusion = "暂不能提交部务会：" + "".join(r.message for r in reasons)
    else:
        conclusion = "凡提四必已全部落实，尚未确认可提交部务会。"
    if case.status == "closed":
        conclusion += f"（已办结：{case.get_close_outcome_display()}{('，' + case.close_note) if case.close_note else ''}）"
    rows = [
        [_p("审核结论", head), _p(conclusion, cell_left)],
        [
            _p("审核人意见", head),
            [
                Spacer(1, 9 * mm),
                _p(f"审核人（签字）：{case.reviewer.get_full_name()}{GAP * 8}" + DATE_BLANK, RIGHT),
            ],
        ],
        [
            _p("部门负责人\n意　　见", head),
            [Spacer(1, 9 * mm), _p("签字：" + GAP * 24 + DATE_BLANK, RIGHT)],
        ],
    ]
    t = Table(rows, colWidths=[30 * mm, w - 30 * mm], rowHeights=[None, 20 * mm, 20 * mm])
    t.setStyle(
        _grid(
            [
                ("VALIGN", (1, 1), (1, 2), "TOP"),
                ("RIGHTPADDING", (1, 0), (1, -1), 8),
                ("LEFTPADDING", (1, 0), (1, 0), 6),
            ]
        )
    )
    story += [KeepTogether([t])]
    footer = f"打印：{printed_by}　{timezone.localtime():%Y-%m-%d %H:%M}　档号：{case.archive.archive_no}"
    doc.build(story, onFirstPage=_on_review_page(footer), onLaterPages=_on_review_page(footer))
    return buf.getvalue()
