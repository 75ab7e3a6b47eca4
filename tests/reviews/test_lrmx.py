"""LRMX (requirements 44-45): export, import, round trip, per-field errors, and malicious XML refused."""

from __future__ import annotations

import base64
import datetime
import io
import re

import pytest
from PIL import Image

from archives.models import Cadre, FamilyMember
from audit.models import AuditEvent
from core.errors import DomainError
from core.idcard import make_id_number
from reviews import appointment, lrmx, services

D = datetime.date
pytestmark = pytest.mark.django_db


def jpeg(size=(376, 460), color=(180, 190, 210)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def full_archive(crafted):
    archive = crafted(
        ethnicity="畲族",
        native_place="江西青山",
        birthplace="江西东湖",
        professional_title="高级经济师",
        specialties="财政预算管理",
        fulltime_education="大学本科",
        fulltime_degree="法学学士",
        fulltime_school="南昌大学行政管理专业",
        inservice_education="中央党校研究生",
        inservice_school="中央党校经济学专业",
        current_post="青山市财政局党组书记、局长",
        rewards_punishments="",
        appraisal_results="2023年度称职；2024年度优秀；2025年度称职",
    )
    cadre = archive.cadre
    from django.core.files.base import ContentFile

    cadre.photo.save("p.jpg", ContentFile(jpeg()), save=True)
    for order, (relation, name, birth, status, post) in enumerate(
        [
            ("妻子", "李芳", D(1977, 5, 2), "01", "青山市第一中学教师"),
            ("儿子", "张晨", D(2003, 9, 1), "03", "南昌大学学生"),
            ("父亲", "张建国", D(1948, 1, 1), "01", "已退休"),
        ],
        start=1,
    ):
        FamilyMember.objects.create(
            cadre=cadre,
            relation=relation,
            name=name,
            birth_date=birth,
            political_status=status,
            work_unit_post=post,
            sort_order=order,
        )
    return archive


def values_of(data: bytes) -> dict:
    parsed, errors = lrmx.parse(data)
    assert errors == [], errors
    return {
        # Who filled the form in and when are about the export, not the cadre.
        "values": {k: v for k, v in parsed.values.items() if k not in ("TianBiaoShiJian", "TianBiaoRen")},
        "family": [
            (f.relation, f.name, f.birth.value if f.birth else None, f.political_status, f.work_unit_post)
            for f in parsed.family
        ],
        "photo": parsed.photo,
        "id": parsed.id_number,
    }


def test_export_format(full_archive, reviewer):
    data = services.lrmx_export(archive=full_archive, by=reviewer)
    text = data.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<ChuShengNianYue>197503</ChuShengNianYue>" in text
    assert "<RuDangShiJian>199606</RuDangShiJian>" in text
    assert "<CanJiaGongZuoShiJian>199707</CanJiaGongZuoShiJian>" in text
    assert re.search(r"<JiSuanNianLingShiJian>\d{8}</JiSuanNianLingShiJian>", text)
    assert re.search(r"<TianBiaoShiJian>\d{8}</TianBiaoShiJian>", text)
    assert "<JiangChengQingKuang>(无)</JiangChengQingKuang>" in text
    assert "<Version>3.2.1.6</Version>" in text
    assert "<ChuShengRiQi>197705</ChuShengRiQi>" in text
    # Template order of the elements.
    order = [
        "XingMing",
        "XingBie",
        "ChuShengNianYue",
        "MinZu",
        "JianLi",
        "JiaTingChengYuan",
        "ShenFenZheng",
        "ZhaoPian",
        "Version",
    ]
    positions = [text.index(f"<{tag}>") for tag in order]
    assert positions == sorted(positions)
    assert AuditEvent.objects.filter(action="lrmx.export").exists()


def test_empty_text_is_a_setting(full_archive, reviewer, settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "LRMX_EMPTY_TEXT": "无"}
    text = services.lrmx_export(archive=full_archive, by=reviewer).decode()
    assert "<JiangChengQingKuang>无</JiangChengQingKuang>" in text


def test_round_trip_into_the_same_cadre_changes_nothing(full_archive, reviewer, clerk):
    cadre = full_archive.cadre
    before = {
        f.name: getattr(cadre, f.name) for f in Cadre._meta.concrete_fields if f.name not in ("updated_at",)
    }
    data = services.lrmx_export(archive=full_archive, by=reviewer)
    result = services.lrmx_import(data=data, by=clerk, archive=full_archive)
    assert result.changes == {} and not result.family_added and not result.family_updated
    cadre.refresh_from_db()
    after = {
        f.name: getattr(cadre, f.name) for f in Cadre._meta.concrete_fields if f.name not in ("updated_at",)
    }
    assert after == before
    assert values_of(services.lrmx_export(archive=full_archive, by=reviewer)) == values_of(data)


def test_round_trip_through_a_new_cadre(full_archive, reviewer, clerk, org):
    data = services.lrmx_export(archive=full_archive, by=reviewer)
    # A different person file: change name and ID so the new registration does not collide.
    new_id = make_id_number("361102", D(1975, 3, 15), 55, "1")
    data2 = data.replace(full_archive.cadre.id_number.encode(), new_id.encode()).replace(
        "张清白".encode(), "张复制".encode()
    )
    result = services.lrmx_import(
        data=data2,
        by=clerk,
        holding_unit=org.city_org,
        archive_no="T-LRMX-1",
        unit=org.city_bureau,
        management_level="municipal",
    )
    assert result.created
    new = result.archive.cadre
    assert new.birth_date == D(1975, 3, 15)  # the day comes from the ID number
    assert new.party_join_date == D(1996, 6, 1) and new.work_start_date == D(1997, 7, 1)
    assert new.family.count() == 3 and new.photo
    exported = values_of(services.lrmx_export(archive=result.archive, by=clerk))
    original = values_of(data2)
    assert exported == original


def test_determined_dates_refused_unless_equal(full_archive, clerk, reviewer):
    data = services.lrmx_export(archive=full_archive, by=reviewer)
    bad = data.replace(
        b"<ChuShengNianYue>197503</ChuShengNianYue>", b"<ChuShengNianYue>197603</ChuShengNianYue>"
    )
    bad = bad.replace(
        b"<CanJiaGongZuoShiJian>199707</CanJiaGongZuoShiJian>",
        b"<CanJiaGongZuoShiJian>19970801</CanJiaGongZuoShiJian>",
    )
    with pytest.raises(DomainError) as exc:
        services.lrmx_import(data=bad, by=clerk, archive=full_archive)
    fields = {v.field: v.code for v in exc.value.violations}
    assert fields == {
        "ChuShengNianYue": "DETERMINATION_REQUIRED",
        "CanJiaGongZuoShiJian": "DETERMINATION_REQUIRED",
    }
    full_archive.cadre.refresh_from_db()
    assert full_archive.cadre.birth_date == D(1975, 3, 15)
    # An 8-digit date equal to the stored one is fine.
    same = data.replace(
        b"<ChuShengNianYue>197503</ChuShengNianYue>", b"<ChuShengNianYue>19750315</ChuShengNianYue>"
    )
    services.lrmx_import(data=same, by=clerk, archive=full_archive)
    assert AuditEvent.objects.filter(action="lrmx.import", outcome="denied").exists()


def test_import_updates_plain_fields_and_family(full_archive, clerk, reviewer):
    data = services.lrmx_export(archive=full_archive, by=reviewer).decode()
    data = data.replace(
        "<XianRenZhiWu>青山市财政局党组书记、局长</XianRenZhiWu>",
        "<XianRenZhiWu>青山市财政局局长</XianRenZhiWu>",
    )
    data = data.replace(
        "<GongZuoDanWeiJiZhiWu>南昌大学学生</GongZuoDanWeiJiZhiWu>",
        "<GongZuoDanWeiJiZhiWu>青山市某公司职员</GongZuoDanWeiJiZhiWu>",
    )
    data = data.replace(
        "</JiaTingChengYuan>",
        "<Item><ChengWei>母亲</ChengWei><XingMing>王秀英</XingMing><ChuShengRiQi>195002</ChuShengRiQi>"
        "<ZhengZhiMianMao>群众</ZhengZhiMianMao><GongZuoDanWeiJiZhiWu>已退休</GongZuoDanWeiJiZhiWu></Item></JiaTingChengYuan>",
    )
    result = services.lrmx_import(data=data.encode(), by=clerk, archive=full_archive)
    assert result.changes == {"现任职务": ["青山市财政局党组书记、局长", "青山市财政局局长"]}
    assert result.family_added == ["母亲 王秀英"] and result.family_updated == ["儿子 张晨"]
    mother = FamilyMember.objects.get(cadre=full_archive.cadre, name="王秀英")
    assert mother.birth_date == D(1950, 2, 1) and mother.political_status == "13"


def test_bad_file_gives_per_field_errors(full_archive, clerk, reviewer):
    data = services.lrmx_export(archive=full_archive, by=reviewer).decode()
    data = data.replace(
        "<ChuShengNianYue>197503</ChuShengNianYue>", "<ChuShengNianYue>1975年13月</ChuShengNianYue>"
    )
    data = data.replace(
        "<CanJiaGongZuoShiJian>199707</CanJiaGongZuoShiJian>",
        "<CanJiaGongZuoShiJian>97-07</CanJiaGongZuoShiJian>",
    )
    data = data.replace("<XingBie>男</XingBie>", "<XingBie>M</XingBie>")
    data = re.sub(
        r"<ShenFenZheng>(\d{17})(.)</ShenFenZheng>",
        lambda m: f"<ShenFenZheng>{m.group(1)}{'0' if m.group(2) != '0' else '1'}</ShenFenZheng>",
        data,
    )
    data = re.sub(r"<ZhaoPian>[^<]*</ZhaoPian>", "<ZhaoPian>not*base64!!</ZhaoPian>", data)
    data = data.replace("<ChuShengRiQi>197705</ChuShengRiQi>", "<ChuShengRiQi>1977</ChuShengRiQi>")
    with pytest.raises(DomainError) as exc:
        services.lrmx_import(data=data.encode(), by=clerk, archive=full_archive)
    assert exc.value.code == "LRMX_INVALID"
    by_field = {v.field: v for v in exc.value.violations}
    assert set(by_field) == {
        "ChuShengNianYue",
        "CanJiaGongZuoShiJian",
        "XingBie",
        "ShenFenZheng",
        "ZhaoPian",
        "JiaTingChengYuan/Item[1]/ChuShengRiQi",
    }
    assert by_field["ShenFenZheng"].code == "ID_CHECKSUM"
    assert (
        by_field["ChuShengNianYue"].code == "LRMX_BAD_DATE"
        and "出生年月" in by_field["ChuShengNianYue"].message
    )
    assert "家庭成员第1行" in by_field["JiaTingChengYuan/Item[1]/ChuShengRiQi"].message


@pytest.mark.parametrize(
    "photo,expected",
    [
        (base64.b64encode(b"GIF89a not really").decode(), "不是有效的JPEG或PNG"),
        (base64.b64encode(b"\xff\xd8\xff\xe0 truncated jpeg").decode(), "不是有效的JPEG或PNG"),
    ],
)
def test_bad_photo(photo, expected):
    data = f'<?xml version="1.0" encoding="UTF-8"?><Person><XingMing>甲</XingMing><XingBie>男</XingBie><ChuShengNianYue>197001</ChuShengNianYue><ZhaoPian>{photo}</ZhaoPian></Person>'
    parsed, errors = lrmx.parse(data.encode())
    assert parsed is None and errors[0].field == "ZhaoPian" and expected in errors[0].message


def test_decompression_bomb_photo_refused():
    out = io.BytesIO()
    Image.new("L", (12000, 12000)).save(out, "PNG")  # 144 Mpx of zeros: small file, huge image
    data = f'<?xml version="1.0" encoding="UTF-8"?><Person><XingMing>甲</XingMing><XingBie>男</XingBie><ChuShengNianYue>197001</ChuShengNianYue><ZhaoPian>{base64.b64encode(out.getvalue()).decode()}</ZhaoPian></Person>'
    parsed, errors = lrmx.parse(data.encode())
    assert parsed is None and errors[0].code == "LRMX_BAD_PHOTO"


def test_png_photo_accepted_and_stored_as_jpeg(full_archive, clerk, reviewer):
    out = io.BytesIO()
    Image.new("RGB", (300, 375), (10, 200, 10)).save(out, "PNG")
    data = services.lrmx_export(archive=full_archive, by=reviewer).decode()
    data = re.sub(
        r"<ZhaoPian>[^<]*</ZhaoPian>",
        f"<ZhaoPian>{base64.b64encode(out.getvalue()).decode()}</ZhaoPian>",
        data,
    )
    result = services.lrmx_import(data=data.encode(), by=clerk, archive=full_archive)
    assert "照片" in result.changes
    full_archive.cadre.refresh_from_db()
    with full_archive.cadre.photo.open("rb") as f:
        assert Image.open(f).format == "JPEG"


BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Person [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Person><XingMing>&lol9;</XingMing><XingBie>男</XingBie><ChuShengNianYue>197001</ChuShengNianYue></Person>""".encode()

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Person [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Person><XingMing>&xxe;</XingMing><XingBie>男</XingBie><ChuShengNianYue>197001</ChuShengNianYue></Person>""".encode()

EXTERNAL_DTD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Person SYSTEM "http://127.0.0.1:9/evil.dtd">
<Person><XingMing>x</XingMing><XingBie>男</XingBie><ChuShengNianYue>197001</ChuShengNianYue></Person>""".encode()


@pytest.mark.parametrize(
    "payload", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "external-dtd"]
)
def test_malicious_xml_refused(payload, full_archive, clerk):
    parsed, errors = lrmx.parse(payload)
    assert parsed is None and [e.code for e in errors] == ["LRMX_UNSAFE"]
    with pytest.raises(DomainError) as exc:
        services.lrmx_import(data=payload, by=clerk, archive=full_archive)
    assert exc.value.code == "LRMX_INVALID" and exc.value.violations[0].code == "LRMX_UNSAFE"
    full_archive.cadre.refresh_from_db()
    assert full_archive.cadre.name == "张清白"


@pytest.mark.parametrize(
    "payload,code",
    [
        (b"", "LRMX_MALFORMED"),
        (b'"x","y"@z#', "LRMX_MALFORMED"),  # legacy .lrm text
        (b"<Person><XingMing>x</Person>", "LRMX_MALFORMED"),
        (b"<Root><XingMing>x</XingMing></Root>", "LRMX_MALFORMED"),
        (
            "<?xml version='1.0' encoding='GB2312'?><Person><XingMing>甲</XingMing></Person>".encode(
                "gb2312"
            ),
            None,
        ),
    ],
)
def test_malformed_files(payload, code):
    parsed, errors = lrmx.parse(payload)
    assert parsed is None and errors
    if code:
        assert errors[0].code == code


def test_too_large_refused(settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "LRMX_MAX_BYTES": 100}
    parsed, errors = lrmx.parse(b"<Person>" + b" " * 200 + b"</Person>")
    assert errors[0].code == "LRMX_TOO_LARGE"


def test_six_and_eight_digit_dates():
    assert lrmx.parse_date("197503", "ChuShengNianYue")[0] == lrmx.ParsedDate(D(1975, 3, 1), False)
    assert lrmx.parse_date("19750315", "ChuShengNianYue")[0] == lrmx.ParsedDate(D(1975, 3, 15), True)
    assert lrmx.parse_date("1975.03", "ChuShengNianYue")[0].value == D(1975, 3, 1)
    for bad in ("1975", "19751301", "19750230", "abcdef", "1975031"):
        value, error = lrmx.parse_date(bad, "ChuShengNianYue")
        assert value is None and error.code == "LRMX_BAD_DATE", bad


def test_non_cpc_party_text(crafted, reviewer, clerk):
    archive = crafted(political_status="05", party_join_date=None)
    data = services.lrmx_export(archive=archive, by=reviewer).decode()
    assert "<RuDangShiJian>民盟盟员</RuDangShiJian>" in data
    result = services.lrmx_import(data=data.encode(), by=clerk, archive=archive)
    assert result.changes == {}


def test_appointment_form_data_ages():
    form = appointment.AppointmentForm(
        name="甲",
        sex="男",
        birth_date=D(1975, 3, 15),
        reference_date=D(2026, 3, 14),
        family=[appointment.FamilyRow("妻子", "乙", D(1977, 5, 2), "中共党员", "教师")],
    )
    assert form.birth_display == "1975.03（50岁）"
    assert form.family[0].age(form.reference_date) == 48
    form.reference_date = D(2026, 3, 15)
    assert form.birth_display == "1975.03（51岁）"


def test_import_requires_manage(full_archive, reviewer):
    from django.http import Http404

    data = services.lrmx_export(archive=full_archive, by=reviewer)
    with pytest.raises(Http404):
        services.lrmx_import(data=data, by=reviewer, archive=full_archive)
    assert AuditEvent.objects.filter(action="access.denied", actor=reviewer).exists()


def test_create_requires_clerk(reviewer, org):
    data = b'<?xml version="1.0" encoding="UTF-8"?><Person><XingMing>x</XingMing></Person>'
    with pytest.raises(DomainError) as exc:
        services.lrmx_import(
            data=data, by=reviewer, holding_unit=org.city_org, archive_no="X1", unit=org.city_bureau
        )
    assert exc.value.status == 403
