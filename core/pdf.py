"""PDF building blocks (ReportLab) shared by every printable form: the CJK font and paragraph styles.

The font is the project's own TrueType CJK font (settings.CJK_FONT_PATH), embedded as a subset, so a PDF prints
the same on any machine without system fonts.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "CJK"


# Full-width punctuation that must not start a line (禁则). ReportLab's CJK wrapping knows the Japanese list,
# which lacks the Chinese full-width comma, semicolon, colon, question and exclamation marks.
NO_LINE_START = "，；：？！、。）》」』】”’"


@lru_cache(maxsize=1)
def register_font() -> str:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    pdfmetrics.registerFont(TTFont(FONT, settings.CJK_FONT_PATH, subfontIndex=0))
    for module in (textsplit, paragraph):  # single-fragment and multi-fragment paragraphs
        missing = "".join(ch for ch in NO_LINE_START if ch not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START = module.ALL_CANNOT_START + missing
    return FONT


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=12.5),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=12, leading=18, alignment=TA_CENTER, spaceAfter=6
        ),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=18, spaceBefore=6, spaceAfter=4
        ),
    }


GRID = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
]
