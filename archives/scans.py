"""Checking scanned page images before anything is stored (requirement 49, architecture.md section 5).

Pillow decides what a file really is (never the extension or the browser's content type). Every file of an
upload is checked; if any fails, nothing is stored and the message names every bad file with its reason.
The checks, in order: not empty; size <= SCAN_MAX_BYTES; a real image of a format in SCAN_FORMATS; one page;
pixels <= SCAN_MAX_PIXELS (a decompression bomb is refused before decoding); a full decode (truncated or
corrupt files are refused: LOAD_TRUNCATED_IMAGES is never set); dpi recorded and >= SCAN_MIN_DPI.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from core.config import setting
from core.errors import DomainError, Violation

SCAN_EMPTY = "SCAN_EMPTY"
SCAN_TOO_LARGE = "SCAN_TOO_LARGE"
SCAN_FORMAT = "SCAN_FORMAT"
SCAN_MULTIPAGE = "SCAN_MULTIPAGE"
SCAN_TOO_MANY_PIXELS = "SCAN_TOO_MANY_PIXELS"
SCAN_CORRUPT = "SCAN_CORRUPT"
SCAN_NO_DPI = "SCAN_NO_DPI"
SCAN_LOW_DPI = "SCAN_LOW_DPI"
SCAN_NO_FILES = "SCAN_NO_FILES"

# Pillow reports some camera JPEGs as MPO (JPEG with an extra preview frame).
FORMAT_ALIASES = {"MPO": "JPEG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "TIFF": "tif"}
FORMAT_LABELS = {"JPEG": "JPEG", "PNG": "PNG", "TIFF": "TIFF"}


@dataclass
class CheckedScan:
    """A file that passed every check, with the facts recorded on its Page row."""

    name: str
    file: Any  # the uploaded file object (re-read when stored)
    image_format: str
    extension: str
    width: int
    height: int
    dpi: int
    color_mode: str
    size_bytes: int
    sha256: str


def _size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return int(size)


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, size // 1024)} KB"


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        values = [float(v) for v in (dpi if isinstance(dpi, tuple | list) else (dpi, dpi))]
    except (TypeError, ValueError):
        return None
    if not values or min(values) <= 0:
        return None
    return round(min(values))


def check_file(upload) -> tuple[CheckedScan | None, str | None, str | None]:
    """(CheckedScan, None, None) for a good file, else (None, code, Chinese reason)."""
    formats = setting("SCAN_FORMATS")
    if isinstance(formats, str):  # an override typed by the system admin: "JPEG,PNG,TIFF"
        formats = formats.replace("，", ",").replace("、", ",").split(",")
    allowed = tuple(f.strip().upper() for f in formats if f.strip())
    max_bytes = setting("SCAN_MAX_BYTES")
    max_pixels = setting("SCAN_MAX_PIXELS")
    min_dpi = setting("SCAN_MIN_DPI")
    size = _size_of(upload)
    if size == 0:
        return None, SCAN_EMPTY, "文件为空"
    if size > max_bytes:
        return None, SCAN_TOO_LARGE, f"文件大小 {_human(size)}，超过上限 {_human(max_bytes)}"
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # A DecompressionBombWarning is a refusal, like the error Pillow raises above twice the limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                real = FORMAT_ALIASES.get(image.format or "", image.format or "")
                if real not in allowed:
                    names = "、".join(FORMAT_LABELS.get(f, f) for f in allowed)
                    return None, SCAN_FORMAT, f"实际格式为 {real or '未知'}，只接受 {names} 格式的扫描图像"
                width, height = image.size
                if width * height > max_pixels:
                    return (
                        None,
                        SCAN_TOO_MANY_PIXELS,
                        f"图像尺寸 {width}×{height} 像素，超过上限 {max_pixels:,} 像素（疑似解压炸弹）",
                    )
                if getattr(image, "n_frames", 1) > 1:
                    return None, SCAN_MULTIPAGE, "是多页图像，请拆分为单页后上传"
                image.load()  # full decode: truncated or corrupt data raise here
                mode = image.mode
                dpi = _dpi(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, SCAN_TOO_MANY_PIXELS, f"图像像素数超过上限 {max_pixels:,} 像素（疑似解压炸弹）"
    except UnidentifiedImageError:
        return None, SCAN_FORMAT, "不是有效的图像文件（无法识别文件内容，可能是改了扩展名的其他文件）"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        detail = "图像数据不完整（文件被截断）" if "truncated" in str(exc) else "图像数据损坏，无法完整解码"
        return None, SCAN_CORRUPT, f"文件已损坏：{detail}"
    finally:
        upload.seek(0)
    if dpi is None:
        return None, SCAN_NO_DPI, f"图像未记录分辨率（dpi），无法确认达到 {min_dpi} dpi"
    if dpi < min_dpi:
        return None, SCAN_LOW_DPI, f"分辨率为 {dpi} dpi，低于最低要求 {min_dpi} dpi"
    return (
        CheckedScan(
            name=getattr(upload, "name", "") or "未命名文件",
            file=upload,
            image_format=real,
            extension=EXTENSIONS.get(real, real.lower()),
            width=width,
            height=height,
            dpi=dpi,
            color_mode=mode,
            size_bytes=size,
            sha256=_sha256(upload),
        ),
        None,
        None,
    )


def check_uploads(uploads) -> list[CheckedScan]:
    """Check every file; raise one DomainError naming every bad file (nothing may be stored then)."""
    uploads = list(uploads or [])
    if not uploads:
        raise DomainError(SCAN_NO_FILES, "请选择要上传的扫描图像文件。", "files")
    good: list[CheckedScan] = []
    bad: list[Violation] = []
    for upload in uploads:
        scan, code, reason = check_file(upload)
        if scan is None:
            name = getattr(upload, "name", "") or "未命名文件"
            bad.append(
                Violation(code, f"文件“{name}”{'' if reason.startswith('是') else '：'}{reason}", "files")
            )
        else:
            good.append(scan)
    if bad:
        if len(uploads) > 1:
            head = f"共 {len(uploads)} 个文件，其中 {len(bad)} 个未通过检查，本次未保存任何文件。"
        else:
            head = "文件未通过检查，未保存。"
        message = head + "；".join(v.message for v in bad) + "。"
        raise DomainError(bad[0].code, message, "files", violations=bad)
    return good
