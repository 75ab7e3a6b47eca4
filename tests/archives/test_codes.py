"""The remaining reason codes of the services, scans and roster import, each provoked once; the cadre photo."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from archives import imports, rules, scans, services
from core.errors import DomainError
from tests import factories
from tests.archives.conftest import cat, material_data, scan_bytes, upload


def code_of(func, **kwargs):
    with pytest.raises(DomainError) as exc:
        func(**kwargs)
    return exc.value.code


def test_cadre_codes(archive, clerk, org):
    assert rules.check_cadre_name(" ")[0].code == "NAME_REQUIRED"
    assert (
        code_of(services.family_member_save, cadre=archive.cadre, by=clerk, data={"relation": "妻子"})
        == "NAME_REQUIRED"
    )
    assert (
        code_of(services.cadre_update, cadre=archive.cadre, by=clerk, changes={"unit": None})
        == "UNIT_REQUIRED"
    )
    other = factories.archive(holding_unit=org.city_org, name="李四")
    m = factories.material(other, code="92", seq=1)
    assert (
        code_of(
            services.cadre_post_save,
            cadre=archive.cadre,
            by=clerk,
            data={"start_date": datetime.date(2015, 1, 1), "title": "科长", "appointment_material": m},
        )
        == "BAD_MATERIAL"
    )
    assert (
        code_of(
            services.education_save,
            cadre=archive.cadre,
            by=clerk,
            data={"level": "bachelor", "school": "某大学"},
            materials=[m],
        )
        == "BAD_MATERIAL"
    )


def test_archive_codes(archive, clerk):
    assert (
        code_of(services.archive_update, archive=archive, by=clerk, changes={"main_volumes": 0})
        == "VOLUMES_INVALID"
    )
    assert (
        code_of(services.archive_update, archive=archive, by=clerk, changes={"duplicate_volumes": -1})
        == "VOLUMES_INVALID"
    )
    assert (
        code_of(
            services.archive_change_status,
            archive=archive,
            by=clerk,
            status="lost",
            reason="x",
            workflow="借阅",
        )
        == "BAD_STATUS"
    )


def test_material_and_batch_codes(archive, clerk):
    assert (
        code_of(services.material_receive, by=clerk, archive=archive, data=material_data(is_altered=True))
        == "ALTERATION_NOTE_REQUIRED"
    )
    today = datetime.date.today()
    kw = {"by": clerk, "holding_unit": archive.holding_unit, "received_date": today}
    assert (
        code_of(
            services.batch_create, producing_unit=" ", items=[{"archive": archive, **material_data()}], **kw
        )
        == "PRODUCING_UNIT_REQUIRED"
    )
    assert code_of(services.batch_create, producing_unit="某局", items=[], **kw) == "ITEMS_REQUIRED"
    assert (
        code_of(services.batch_create, producing_unit="某局", items=[material_data()], **kw)
        == "ARCHIVE_REQUIRED"
    )
    kw["received_date"] = today + datetime.timedelta(days=2)
    assert (
        code_of(
            services.batch_create,
            producing_unit="某局",
            items=[{"archive": archive, **material_data()}],
            **kw,
        )
        == "DATE_IN_FUTURE"
    )
    m, _ = services.material_receive(
        by=clerk, archive=archive, data=material_data(category=cat("2"), kind=None)
    )
    services.material_identify(material=m, by=clerk)
    assert (
        code_of(services.material_file, material=m, by=clerk, filed_date=today - datetime.timedelta(days=400))
        == "DATE_ORDER"
    )


def test_scan_codes_empty_multipage_and_none():
    empty = upload("empty.jpg", b"")
    assert scans.check_file(empty)[1] == "SCAN_EMPTY"
    frames = [Image.new("RGB", (300, 400), c) for c in ("white", "gray")]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    assert scans.check_file(upload("two.tif", buf.getvalue()))[1] == "SCAN_MULTIPAGE"
    with pytest.raises(DomainError) as exc:
        scans.check_uploads([])
    assert exc.value.code == "SCAN_NO_FILES"
    assert scans.check_file(upload("ok.png", scan_bytes(fmt="PNG", dpi=(300, 300))))[0].dpi == 300


def test_roster_too_large(org, clerk, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([c.title for c in imports.COLUMNS])
    for n in range(4):
        ws.append([f"X{n}"] * len(imports.COLUMNS))
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(DomainError) as exc:
        imports.import_roster(
            upload=SimpleUploadedFile("r.xlsx", buf.getvalue()), holding_unit=org.city_org, by=clerk
        )
    assert exc.value.code == "ROSTER_TOO_LARGE"


def test_cadre_photo_upload_and_view(client, clerk, reviewer, archive, org, make_user):
    client.force_login(clerk)
    photo = Image.new("RGB", (900, 1200), (200, 180, 160))
    buf = io.BytesIO()
    photo.save(buf, format="PNG")
    assert (
        code_of(services.cadre_set_photo, cadre=archive.cadre, by=clerk, upload=upload("p.jpg", b"nope"))
        == "PHOTO_INVALID"
    )
    services.cadre_set_photo(
        cadre=archive.cadre, by=clerk, upload=upload("p.png", buf.getvalue(), "image/png")
    )
    archive.cadre.refresh_from_db()
    assert archive.cadre.photo.name == f"photos/c{archive.cadre.pk}.jpg"
    response = client.get(reverse("archives:photo", args=[archive.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(response.content)).size) == 600
    assert (
        'data-testid="cadre-photo"'
        in client.get(reverse("archives:detail", args=[archive.pk])).content.decode()
    )
    client.force_login(reviewer)
    assert client.get(reverse("archives:photo", args=[archive.pk])).status_code == 200
    client.force_login(make_user(roles=["管档员"], unit=org.county_org))
    assert client.get(reverse("archives:photo", args=[archive.pk])).status_code == 404


def test_system_admin_maintains_material_kinds_but_sees_no_archive(client, org, make_user, archive):
    from archives.models import MaterialKind
    from audit.models import AuditEvent

    admin_user = make_user("sysadm", roles=["系统管理员"], unit=org.city_org, is_staff=True)
    client.force_login(admin_user)
    kind = MaterialKind.objects.get(code="thought_report")
    url = reverse("admin:archives_materialkind_change", args=[kind.pk])
    assert client.get(reverse("admin:archives_materialkind_changelist")).status_code == 200
    response = client.post(
        url, {"name": "思想汇报材料", "category": kind.category_id, "is_active": "on", "sort_order": 5}
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.name == "思想汇报材料"
    assert AuditEvent.objects.filter(action="catalog.kind_changed", actor=admin_user).exists()
    assert client.get("/admin/archives/archive/").status_code == 404
    assert client.get("/admin/archives/material/").status_code == 404
    assert client.get(reverse("archives:detail", args=[archive.pk])).status_code == 404


def test_next_parameter_cannot_leave_the_site(client, clerk, archive):
    m, _ = services.material_receive(by=clerk, archive=archive, data=material_data())
    client.force_login(clerk)
    for evil in ["https://evil.example/", "//evil.example/", "/\\evil.example/"]:
        response = client.post(reverse("archives:material-identify", args=[m.pk]), {"next": evil})
        assert response.status_code == 302 and response["Location"] == reverse(
            "archives:material", args=[m.pk]
        )


def test_scan_formats_setting_may_be_text(settings):
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "SCAN_FORMATS": "PNG，TIFF"}
    assert scans.check_file(upload("a.jpg", scan_bytes()))[1] == "SCAN_FORMAT"
    assert scans.check_file(upload("a.png", scan_bytes(fmt="PNG")))[0] is not None
