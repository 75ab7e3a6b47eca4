"""LRMX (任免审批表 3.x, domain.md 6.2; requirements 44-45): writing and reading the XML.

Reading is defensive: UTF-8 XML parsed with defusedxml with DTDs, entities and external references refused
(billion laughs, XXE), a size limit, 6- or 8-digit dates, the base64 photo decoded and checked with Pillow, the
ID number checked with the GB 11643 checksum, family rows from JiaTingChengYuan/Item. Every problem is reported
per field (`LrmxError`), never as a crash. Applying a parsed file to a cadre is a service (reviews.services).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import re
import warnings
import xml.etree.ElementTree as ET  # writing only; reading goes through defusedxml
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from PIL import Image, UnidentifiedImageError

from core import idcard
from core.config import setting
from core.errors import Violation
from reviews.appointment import AppointmentForm, FamilyRow

VERSION = "3.2.1.6"
PHOTO_MAX_PIXELS = 25_000_000
PHOTO_FORMATS = ("JPEG", "PNG")

# (element, attribute of AppointmentForm, Chinese label) in template order.
TEXT_FIELDS = [
    ("XingMing", "name", "姓名"),
    ("XingBie", "sex", "性别"),
    ("ChuShengNianYue", "birth_date", "出生年月"),
    ("MinZu", "ethnicity", "民族"),
    ("JiGuan", "native_place", "籍贯"),
    ("ChuShengDi", "birthplace", "出生地"),
    ("RuDangShiJian", "party_join_date", "入党时间"),
    ("CanJiaGongZuoShiJian", "work_start_date", "参加工作时间"),
    ("JianKangZhuangKuang", "health", "健康状况"),
    ("ZhuanYeJiShuZhiWu", "professional_title", "专业技术职务"),
    ("ShuXiZhuanYeYouHeZhuanChang", "specialties", "熟悉专业有何专长"),
    ("QuanRiZhiJiaoYu_XueLi", "fulltime_education", "全日制教育学历"),
    ("QuanRiZhiJiaoYu_XueWei", "fulltime_degree", "全日制教育学位"),
    ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "fulltime_school", "全日制教育毕业院校系及专业"),
    ("QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", None, "全日制教育学位授予院校"),
    ("ZaiZhiJiaoYu_XueLi", "inservice_education", "在职教育学历"),
    ("ZaiZhiJiaoYu_XueWei", "inservice_degree", "在职教育学位"),
    ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "inservice_school", "在职教育毕业院校系及专业"),
    ("ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", None, "在职教育学位授予院校"),
    ("XianRenZhiWu", "current_post", "现任职务"),
    ("NiRenZhiWu", "proposed_post", "拟任职务"),
    ("NiMianZhiWu", "post_to_remove", "拟免职务"),
    ("JianLi", "resume", "简历"),
    ("JiangChengQingKuang", "rewards_punishments", "奖惩情况"),
    ("NianDuKaoHeJieGuo", "appraisal_results", "年度考核结果"),
    ("RenMianLiYou", "reason", "任免理由"),
]
TAIL_FIELDS = [
    ("ChengBaoDanWei", "submitting_unit", "呈报单位"),
    ("JiSuanNianLingShiJian", "reference_date", "计算年龄时间"),
    ("TianBiaoShiJian", "filled_on", "填表时间"),
    ("TianBiaoRen", "filled_by", "填表人"),
    ("ShenFenZheng", "id_number", "身份证号"),
    ("ZhaoPian", "photo", "照片"),
    ("Version", None, "版本"),
]
FAMILY_FIELDS = [
    ("ChengWei", "relation", "称谓"),
    ("XingMing", "name", "姓名"),
    ("ChuShengRiQi", "birth_date", "出生日期"),
    ("ZhengZhiMianMao", "political_status", "政治面貌"),
    ("GongZuoDanWeiJiZhiWu", "work_unit_post", "工作单位及职务"),
]
LABELS = {el: label for el, _attr, label in TEXT_FIELDS + TAIL_FIELDS}
LABELS["JiaTingChengYuan"] = "家庭主要成员及重要社会关系"
MONTH_FIELDS = {"ChuShengNianYue", "RuDangShiJian", "CanJiaGongZuoShiJian"}
DAY_FIELDS = {"JiSuanNianLingShiJian", "TianBiaoShiJian"}
EMPTY_FILLED = {"JiangChengQingKuang", "NianDuKaoHeJieGuo"}
OPTIONAL_KNOWN = {"DaoLingNianYue", "GaiGeQianRenZhiNianLingJieXian"}


# --- writing (requirement 45) --------------------------------------------------------------------------------


def _yyyymm(day: datetime.date | None) -> str:
    return f"{day:%Y%m}" if day else ""


def _yyyymmdd(day: datetime.date | None) -> str:
    return f"{day:%Y%m%d}" if day else ""


def export(form: AppointmentForm) -> bytes:
    """The .lrmx bytes of one form: UTF-8 XML, root <Person>, elements in template order."""
    empty = setting("LRMX_EMPTY_TEXT")
    root = ET.Element("Person")

    def add(tag: str, text: str) -> None:
        ET.SubElement(root, tag).text = text or ""

    for element, attr, _label in TEXT_FIELDS:
        if attr is None:
            add(element, "")  # degree institution: empty when the same as the education's
        elif element == "ChuShengNianYue":
            add(element, _yyyymm(form.birth_date))
        elif element == "RuDangShiJian":
            add(element, _yyyymm(form.party_join_date) if form.party_join_date else form.party_text)
        elif element == "CanJiaGongZuoShiJian":
            add(element, _yyyymm(form.work_start_date))
        elif element in EMPTY_FILLED:
            add(element, getattr(form, attr) or empty)
        else:
            add(element, getattr(form, attr))
    family = ET.SubElement(root, "JiaTingChengYuan")
    for row in form.family:
        item = ET.SubElement(family, "Item")
        ET.SubElement(item, "ChengWei").text = row.relation
        ET.SubElement(item, "XingMing").text = row.name
        ET.SubElement(item, "ChuShengRiQi").text = _yyyymm(row.birth_date)
        ET.SubElement(item, "ZhengZhiMianMao").text = row.political_status
        ET.SubElement(item, "GongZuoDanWeiJiZhiWu").text = row.work_unit_post
    add("ChengBaoDanWei", form.submitting_unit)
    add("JiSuanNianLingShiJian", _yyyymmdd(form.reference_date))
    add("TianBiaoShiJian", _yyyymmdd(form.filled_on))
    add("TianBiaoRen", form.filled_by)
    add("ShenFenZheng", form.id_number)
    add("ZhaoPian", base64.b64encode(form.photo).decode("ascii") if form.photo else "")
    add("Version", VERSION)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# --- reading (requirement 44) ---------------------------------------------------------------------------------

LRMX_INVALID = "LRMX_INVALID"
LRMX_UNSAFE = "LRMX_UNSAFE"
LRMX_MALFORMED = "LRMX_MALFORMED"
LRMX_TOO_LARGE = "LRMX_TOO_LARGE"
LRMX_BAD_DATE = "LRMX_BAD_DATE"
LRMX_BAD_PHOTO = "LRMX_BAD_PHOTO"
LRMX_REQUIRED = "LRMX_REQUIRED"


@dataclass
class ParsedDate:
    """A date read from LRMX with its precision (6 digits: month known, day not)."""

    value: datetime.date
    has_day: bool

    def same_as(self, day: datetime.date | None) -> bool:
        if day is None:
            return False
        if self.has_day:
            return day == self.value
        return (day.year, day.month) == (self.value.year, self.value.month)


@dataclass
class ParsedFamily:
    relation: str
    name: str
    birth: ParsedDate | None
    political_status: str
    work_unit_post: str


@dataclass
class ParsedLrmx:
    values: dict[str, str] = field(default_factory=dict)  # element -> text (stripped)
    dates: dict[str, ParsedDate | None] = field(default_factory=dict)
    family: list[ParsedFamily] = field(default_factory=list)
    photo: bytes | None = None
    photo_format: str = ""
    id_number: str = ""
    id_legacy: str = ""
    version: str = ""
    warnings: list[str] = field(default_factory=list)

    def text(self, element: str) -> str:
        return self.values.get(element, "")


def _error(element: str, code: str, message: str) -> Violation:
    label = LABELS.get(element, element)
    return Violation(code, f"{label}（{element}）：{message}", element)


DIGITS_RE = re.compile(r"^\d+$")


def parse_date(
    raw: str, element: str, *, allow_day: bool = True
) -> tuple[ParsedDate | None, Violation | None]:
    """6-digit yyyyMM or 8-digit yyyyMMdd (separators . - / tolerated); anything else is a per-field error."""
    text = (raw or "").strip()
    if not text:
        return None, None
    compact = re.sub(r"[.\-/年月日\s]", "", text)
    if not DIGITS_RE.match(compact) or len(compact) not in (6, 8):
        return None, _error(
            element, LRMX_BAD_DATE, f"“{text}”不是有效日期，应为6位（yyyyMM）或8位（yyyyMMdd）数字。"
        )
    try:
        year, month = int(compact[:4]), int(compact[4:6])
        day = int(compact[6:8]) if len(compact) == 8 else 1
        value = datetime.date(year, month, day)
    except ValueError:
        return None, _error(element, LRMX_BAD_DATE, f"“{text}”不是有效日期。")
    if year < 1900 or value > datetime.date.today() + datetime.timedelta(days=366 * 5):
        return None, _error(element, LRMX_BAD_DATE, f"“{text}”超出合理范围。")
    return ParsedDate(value, len(compact) == 8), None


def check_photo(data: bytes, element: str = "ZhaoPian") -> tuple[str, Violation | None]:
    """Decode-level check of the photo with Pillow: real JPEG or PNG, size and pixel limits."""
    if len(data) > setting("LRMX_PHOTO_MAX_BYTES"):
        return "", _error(element, LRMX_BAD_PHOTO, "照片文件过大。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                probe.verify()
            if width * height > PHOTO_MAX_PIXELS:
                return "", _error(element, LRMX_BAD_PHOTO, "照片像素过大。")
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return "", _error(element, LRMX_BAD_PHOTO, "照片不是有效的JPEG或PNG图像。")
    if fmt not in PHOTO_FORMATS:
        return "", _error(element, LRMX_BAD_PHOTO, f"照片格式为{fmt or '未知'}，只接受JPEG或PNG。")
    return fmt, None


def _text(node) -> str:
    return (node.text or "").strip() if node is not None else ""


def parse(data: bytes) -> tuple[ParsedLrmx | None, list[Violation]]:
    """Parse an .lrmx file. Returns (parsed, errors); with errors, nothing may be applied."""
    errors: list[Violation] = []
    if not data:
        return None, [_error("Person", LRMX_MALFORMED, "文件为空。")]
    if len(data) > setting("LRMX_MAX_BYTES"):
        return None, [_error("Person", LRMX_TOO_LARGE, "文件过大，不是有效的任免审批表文件。")]
    if not data.lstrip().startswith((b"<", b"\xef\xbb\xbf")):
        return None, [
            _error(
                "Person", LRMX_MALFORMED, "文件不是XML格式（旧版.lrm文本格式请先用任免表编辑器另存为.lrmx）。"
            )
        ]
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        return None, [
            _error("Person", LRMX_UNSAFE, "文件含有DTD、实体声明或外部引用，出于安全原因拒绝导入。")
        ]
    except LookupError:  # an encoding declaration Python does not know (encoding="x-unknown")
        return None, [
            _error("Person", LRMX_MALFORMED, "文件声明的字符编码无法识别，请另存为UTF-8编码的.lrmx文件。")
        ]
    except (ET.ParseError, ValueError, UnicodeDecodeError) as exc:
        return None, [_error("Person", LRMX_MALFORMED, f"XML格式错误，无法解析（{str(exc)[:80]}）。")]
    if root.tag != "Person":
        return None, [_error("Person", LRMX_MALFORMED, f"根元素应为Person，实际为{root.tag[:40]}。")]

    parsed = ParsedLrmx()
    known = {el for el, _a, _l in TEXT_FIELDS + TAIL_FIELDS} | {"JiaTingChengYuan"} | OPTIONAL_KNOWN
    for child in root:
        if child.tag not in known:
            parsed.warnings.append(f"忽略了未知的元素{child.tag[:40]}。")
    for element, _attr, _label in TEXT_FIELDS + TAIL_FIELDS:
        node = root.find(element)
        if element in ("ZhaoPian", "Version"):
            continue
        parsed.values[element] = _text(node)
    if not parsed.text("XingMing"):
        errors.append(_error("XingMing", LRMX_REQUIRED, "不能为空。"))
    if parsed.text("XingBie") not in ("男", "女"):
        errors.append(_error("XingBie", LRMX_INVALID, f"应为“男”或“女”，实际为“{parsed.text('XingBie')}”。"))
    for element in sorted(MONTH_FIELDS | DAY_FIELDS):
        raw = parsed.text(element)
        if element == "RuDangShiJian" and raw and not re.match(r"^\d", raw):
            parsed.dates[element] = None  # non-CPC: a party name kept as text
            continue
        value, error = parse_date(raw, element)
        if error:
            errors.append(error)
        parsed.dates[element] = value
    if not parsed.dates.get("ChuShengNianYue") and not any(e.field == "ChuShengNianYue" for e in errors):
        errors.append(_error("ChuShengNianYue", LRMX_REQUIRED, "不能为空。"))
    for element in EMPTY_FILLED:
        if parsed.values.get(element) == setting("LRMX_EMPTY_TEXT"):
            parsed.values[element] = ""
    # ID number (GB 11643)
    raw_id = parsed.text("ShenFenZheng")
    if raw_id:
        result, violations = idcard.parse(raw_id, field="ShenFenZheng")
        if violations:
            errors.extend(_error("ShenFenZheng", v.code, v.message) for v in violations)
        else:
            parsed.id_number, parsed.id_legacy = result.number, result.legacy
            birth = parsed.dates.get("ChuShengNianYue")
            if birth and not birth.same_as(result.birth_date):
                parsed.warnings.append(
                    f"身份证号码中的出生日期（{result.birth_date:%Y.%m.%d}）与出生年月（{birth.value:%Y.%m}）不一致，请核实。"
                )
    # Photo
    photo_text = "".join(_text(root.find("ZhaoPian")).split())
    if photo_text:
        try:
            photo = base64.b64decode(photo_text, validate=True)
        except (binascii.Error, ValueError):
            errors.append(_error("ZhaoPian", LRMX_BAD_PHOTO, "不是有效的Base64编码。"))
        else:
            fmt, error = check_photo(photo)
            if error:
                errors.append(error)
            else:
                parsed.photo, parsed.photo_format = photo, fmt
    parsed.version = _text(root.find("Version"))
    if not parsed.version:
        parsed.warnings.append("文件没有Version元素。")
    # Family
    family = root.find("JiaTingChengYuan")
    if family is not None:
        for index, item in enumerate(family.findall("Item"), start=1):
            relation, name = _text(item.find("ChengWei")), _text(item.find("XingMing"))
            if not relation and not name:
                continue  # the editor writes empty rows
            element = f"JiaTingChengYuan/Item[{index}]"
            if not relation or not name:
                errors.append(
                    Violation(
                        LRMX_REQUIRED, f"家庭成员第{index}行（{element}）：称谓和姓名均须填写。", element
                    )
                )
                continue
            birth, error = parse_date(_text(item.find("ChuShengRiQi")), f"{element}/ChuShengRiQi")
            if error:
                errors.append(
                    Violation(
                        LRMX_BAD_DATE,
                        f"家庭成员第{index}行（{element}/ChuShengRiQi）：{error.message.split('：', 1)[-1]}",
                        f"{element}/ChuShengRiQi",
                    )
                )
            parsed.family.append(
                ParsedFamily(
                    relation=relation,
                    name=name,
                    birth=birth,
                    political_status=_text(item.find("ZhengZhiMianMao")),
                    work_unit_post=_text(item.find("GongZuoDanWeiJiZhiWu")),
                )
            )
    return (None if errors else parsed), errors


def to_form(parsed: ParsedLrmx) -> AppointmentForm:
    """A parsed file as an AppointmentForm (e.g. to print or compare)."""

    def day(element):
        d = parsed.dates.get(element)
        return d.value if d else None

    party = parsed.dates.get("RuDangShiJian")
    return AppointmentForm(
        name=parsed.text("XingMing"),
        sex=parsed.text("XingBie"),
        birth_date=day("ChuShengNianYue"),
        ethnicity=parsed.text("MinZu"),
        native_place=parsed.text("JiGuan"),
        birthplace=parsed.text("ChuShengDi"),
        party_join_date=party.value if party else None,
        party_text="" if party else parsed.text("RuDangShiJian"),
        work_start_date=day("CanJiaGongZuoShiJian"),
        health=parsed.text("JianKangZhuangKuang"),
        professional_title=parsed.text("ZhuanYeJiShuZhiWu"),
        specialties=parsed.text("ShuXiZhuanYeYouHeZhuanChang"),
        fulltime_education=parsed.text("QuanRiZhiJiaoYu_XueLi"),
        fulltime_degree=parsed.text("QuanRiZhiJiaoYu_XueWei"),
        fulltime_school=parsed.text("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi")
        or parsed.text("QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi"),
        inservice_education=parsed.text("ZaiZhiJiaoYu_XueLi"),
        inservice_degree=parsed.text("ZaiZhiJiaoYu_XueWei"),
        inservice_school=parsed.text("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi")
        or parsed.text("ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi"),
        current_post=parsed.text("XianRenZhiWu"),
        proposed_post=parsed.text("NiRenZhiWu"),
        post_to_remove=parsed.text("NiMianZhiWu"),
        resume=parsed.text("JianLi"),
        rewards_punishments=parsed.text("JiangChengQingKuang"),
        appraisal_results=parsed.text("NianDuKaoHeJieGuo"),
        reason=parsed.text("RenMianLiYou"),
        family=[
            FamilyRow(
                f.relation, f.name, f.birth.value if f.birth else None, f.political_status, f.work_unit_post
            )
            for f in parsed.family
        ],
        submitting_unit=parsed.text("ChengBaoDanWei"),
        reference_date=day("JiSuanNianLingShiJian") or datetime.date.today(),
        filled_on=day("TianBiaoShiJian") or datetime.date.today(),
        filled_by=parsed.text("TianBiaoRen"),
        id_number=parsed.id_number,
        photo=parsed.photo,
    )
