"""Visible watermarks stamped on every page image a viewer receives (requirement 9, domain.md 7.2).

A corner block names the viewer, their unit, the date and time, the archive number and the page number; a
diagonal text repeats across the page at low opacity. Optionally a "复印件" stamp for printed copies. The
original scan is never served: the stamp goes onto the display rendition (or a rendition derived on the fly).
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont, ImageOps

from core.config import setting

CORNER_RGBA = (150, 20, 20, 235)
DIAGONAL_RGBA = (170, 30, 30, 56)  # about 22 % opacity
COPY_RGBA = (200, 0, 0, 170)
DIAGONAL_ANGLE = 30  # degrees, counter-clockwise


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(settings.CJK_FONT_PATH, size)


def _open_display(page) -> Image.Image:
    """The display rendition if it exists, else one derived from the original (never the original itself)."""
    source = page.display if page.display else page.image
    with source.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    side = setting("DISPLAY_MAX_SIDE")
    if max(image.size) > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return image.convert("RGB")


@lru_cache(maxsize=32)
def _diagonal_unit(text: str, size: int) -> tuple[Image.Image, int]:
    """The diagonal text once, rotated by DIAGONAL_ANGLE, as a grey-level mask; and the text's length.

    Cached: every page a viewer opens within the same minute shares it.
    """
    face = font(size)
    length = int(face.getlength(text)) + size * 3  # the gap before the next repetition
    left, top, right, bottom = face.getbbox(text)
    unit = Image.new("L", (right + size, bottom + size // 2), 0)
    ImageDraw.Draw(unit).text((size // 2, 0), text, font=face, fill=255)
    return unit.rotate(DIAGONAL_ANGLE, resample=Image.Resampling.BICUBIC, expand=True), length


def _diagonal_mask(size: tuple[int, int], text: str) -> Image.Image:
    """The repeated diagonal text over a whole page, as a mask already scaled to the watermark's opacity.

    Built by pasting one small rotated copy along rows of the text's own direction (a few dozen pastes),
    instead of drawing and rotating a page-sized layer.
    """
    width, height = size
    font_size = max(14, width // 28)
    unit, length = _diagonal_unit(text, font_size)
    unit_w, unit_h = unit.size
    angle = math.radians(DIAGONAL_ANGLE)
    along = (length * math.cos(angle), -length * math.sin(angle))
    spacing = font_size * 5
    across = (spacing * math.sin(angle), spacing * math.cos(angle))
    reach = math.hypot(width, height)
    n_along = int(reach / length) + 2
    n_across = int(reach / spacing) + 2
    mask = Image.new("L", size, 0)
    for j in range(-n_across, n_across + 1):
        shift = 0.5 if j % 2 else 0.0
        for i in range(-n_along, n_along + 1):
            cx = width / 2 + (i + shift) * along[0] + j * across[0]
            cy = height / 2 + (i + shift) * along[1] + j * across[1]
            x, y = int(cx - unit_w / 2), int(cy - unit_h / 2)
            if x >= width or y >= height or x + unit_w <= 0 or y + unit_h <= 0:
                continue
            mask.paste(unit, (x, y), unit)
    opacity = DIAGONAL_RGBA[3]
    return mask.point([v * opacity // 255 for v in range(256)])


def _overlay(base: Image.Image, box: tuple[int, int, int, int], draw_on) -> None:
    """Draw with RGBA colours on one region of an RGB image (only that region goes through RGBA)."""
    region = base.crop(box).convert("RGBA")
    layer = Image.new("RGBA", region.size, (0, 0, 0, 0))
    draw_on(ImageDraw.Draw(layer))
    base.paste(Image.alpha_composite(region, layer).convert("RGB"), box[:2])


def stamp(
    image: Image.Image, *, corner_lines: list[str], diagonal: str, copy_stamp: bool = False
) -> Image.Image:
    """The image with the watermark burnt in: the repeated diagonal text and the corner block (and "复印件")."""
    base = image.convert("RGB") if image.mode != "RGB" else image.copy()
    width, height = base.size

    # Diagonal text repeated over the whole page, about 22 % opacity.
    colour = Image.new("RGB", base.size, DIAGONAL_RGBA[:3])
    base.paste(colour, (0, 0), _diagonal_mask(base.size, f"{diagonal}"))

    # Corner block, bottom right, on a light plate so it stays legible on any page.
    corner_size = max(12, width // 45)
    corner_font = font(corner_size)
    line_height = int(corner_size * 1.35)
    block_width = max(int(corner_font.getlength(line)) for line in corner_lines) + corner_size
    block_height = line_height * len(corner_lines) + corner_size // 2
    x0 = max(0, width - block_width - corner_size // 2)
    y0 = max(0, height - block_height - corner_size // 2)
    box = (x0, y0, min(width, x0 + block_width + 1), min(height, y0 + block_height + 1))

    def corner(draw: ImageDraw.ImageDraw) -> None:
        draw.rectangle((0, 0, block_width, block_height), fill=(255, 255, 255, 200), outline=CORNER_RGBA)
        for i, line in enumerate(corner_lines):
            draw.text(
                (corner_size // 2, corner_size // 4 + i * line_height),
                line,
                font=corner_font,
                fill=CORNER_RGBA,
            )

    _overlay(base, box, corner)

    if copy_stamp:
        copy_font = font(max(24, width // 10))
        label = "复印件"
        label_width = int(copy_font.getlength(label))
        left, top = (width - label_width) // 2, int(height * 0.08)
        label_box = (
            max(0, left),
            top,
            min(width, left + label_width + 1),
            min(height, top + int(width // 10 * 1.4)),
        )
        _overlay(
            base, label_box, lambda d: d.text((left - label_box[0], 0), label, font=copy_font, fill=COPY_RGBA)
        )

    return base


def viewer_lines(user, page, when=None) -> tuple[list[str], str]:
    when = timezone.localtime(when or timezone.now())
    unit = user.unit.name if user.unit_id else "—"
    archive_no = page.material.archive.archive_no
    lines = [
        f"查阅人：{user.get_full_name()}（{unit}）",
        f"时间：{when:%Y-%m-%d %H:%M:%S}",
        f"档号：{archive_no}  第 {page.material.seq_label or '—'} 号材料 第 {page.number} 页",
    ]
    diagonal = f"{user.get_full_name()} {when:%Y-%m-%d %H:%M} 仅供查阅 严禁复制"
    return lines, diagonal


def render_for_viewer(page, user, *, copy_stamp: bool = False, thumbnail: bool = False) -> bytes:
    """JPEG bytes of the watermarked display rendition (or thumbnail) of a page for this viewer."""
    if thumbnail:
        source = page.thumbnail if page.thumbnail else None
        if source:
            with source.open("rb") as handle:
                image = Image.open(handle)
                image.load()
            image = image.convert("RGB")
        else:
            image = _open_display(page)
            side = setting("THUMB_MAX_SIDE")
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
        lines, diagonal = viewer_lines(user, page)
        image = stamp(image, corner_lines=[f"{user.get_full_name()} {lines[1][3:13]}"], diagonal=diagonal)
    else:
        image = _open_display(page)
        lines, diagonal = viewer_lines(user, page)
        image = stamp(image, corner_lines=lines, diagonal=diagonal, copy_stamp=copy_stamp)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def placeholder(page, user, *, thumbnail: bool = False) -> bytes:
    """A stamped grey page saying the scan cannot be read (missing or damaged file), at display size."""
    side = setting("THUMB_MAX_SIDE") if thumbnail else setting("DISPLAY_MAX_SIDE")
    width, height = int(side * 0.707), side
    image = Image.new("RGB", (width, height), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    size = max(12, width // 18)
    lines = ["该页扫描件无法读取", "请联系管档员核查"] if not thumbnail else ["无法读取"]
    for i, line in enumerate(lines):
        text_width = font(size).getlength(line)
        draw.text(
            ((width - text_width) / 2, height * 0.4 + i * size * 1.6),
            line,
            font=font(size),
            fill=(90, 90, 90),
        )
    corner, diagonal = viewer_lines(user, page)
    image = stamp(image, corner_lines=corner if not thumbnail else [corner[1]], diagonal=diagonal)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
