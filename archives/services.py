"""Every state change of cadres, archives, materials and pages: one function per use case.

Each function runs in one transaction, checks the access policy (archives.access) and the rules
(archives.rules), locks what two clerks could race on, writes its audit event in the same transaction and, where
the archive's business history changes, an ArchiveEvent. Errors a user can cause are raised as DomainError.
"""

from __future__ import annotations

import datetime
import functools
import io
import logging
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageOps

from accounts.roles import REVIEWER, has_role
from archives import access, rules, scans
from archives.access import Action
from archives.models import (
    Archive,
    ArchiveEvent,
    ArchiveStatus,
    Cadre,
    CadrePost,
    EducationRecord,
    FamilyMember,
    Material,
    MaterialCategory,
    MaterialStatus,
    MaterialVersion,
    Page,
    ReceiptBatch,
    Renumbering,
)
from audit.models import Outcome
from audit.services import record
from core import idcard
from core.config import setting
from core.errors import DomainError, Violation, raise_for

log = logging.getLogger(__name__)

SEQ_OFFSET = 1_000_000  # temporary numbers during a renumbering (unique constraint per statement)

CADRE_FIELDS = (
    "name",
    "former_names",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "birthplace",
    "id_number",
    "political_status",
    "party_join_date",
    "work_start_date",
    "health",
    "fulltime_education",
    "fulltime_degree",
    "fulltime_school",
    "inservice_education",
    "inservice_degree",
    "inservice_school",
    "professional_title",
    "specialties",
    "current_post",
    "rank",
    "management_level",
    "cadre_type",
    "unit",
    "status",
    "post_start_date",
    "resume",
    "rewards_punishments",
    "appraisal_results",
)
ARCHIVE_FIELDS = (
    "custodian",
    "main_volumes",
    "duplicate_volumes",
    "room",
    "cabinet",
    "shelf",
    "position",
    "status",
    "sorting_status",
    "holding_group",
    "has_digital",
    "notes",
)
MATERIAL_FIELDS = (
    "category",
    "kind",
    "title",
    "formed_year",
    "formed_month",
    "formed_day",
    "page_count",
    "is_copy",
    "copy_date",
    "copy_sealed_by",
    "producing_unit",
    "received_date",
    "remarks",
    "stated_birth_date",
    "stated_work_start_date",
    "stated_party_join_date",
    "is_altered",
    "alteration_note",
)
FAMILY_FIELDS = (
    "relation",
    "name",
    "birth_date",
    "political_status",
    "work_unit_post",
    "id_number",
    "is_social_relation",
    "sort_order",
)
POST_FIELDS = (
    "start_date",
    "end_date",
    "title",
    "rank",
    "is_promotion",
    "is_concurrent",
    "approving_organ",
    "document_no",
    "approved_on",
    "appointment_material",
)
EDUCATION_FIELDS = (
    "mode",
    "level",
    "degree",
    "school",
    "major",
    "entry_date",
    "graduation_date",
    "degree_date",
    "is_foreign",
)


# --- helpers ---------------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _diff(instance, changes: dict) -> dict[str, list]:
    """{field: [old, new]} for the values that change, printable in the audit log and the history."""
    out = {}
    for name, new in changes.items():
        old = getattr(instance, name)
        if _plain(old) != _plain(new) and not (old in (None, "") and new in (None, "")):
            out[name] = [_plain(old), _plain(new)]
    return out


def _require(user, action: Action, archive: Archive) -> None:
    """The access policy decides; a refusal is audited and answers 404 (ids cannot be probed)."""
    if not access.can(user, action, archive):
        raise access.deny(user, action, archive=archive, reason=f"service needs {action}")


def _archive_of(kwargs) -> Archive | None:
    for name in ("material", "member", "post", "record_obj"):
        obj = kwargs.get(name)
        if obj is not None:
            return obj.archive if name == "material" else getattr(obj.cadre, "archive", None)
    if kwargs.get("archive") is not None:
        return kwargs["archive"]
    cadre = kwargs.get("cadre")
    return getattr(cadre, "archive", None) if cadre is not None else None


def guarded(func):
    """Check MANAGE on the archive a service touches before its transaction starts, so that the audited
    refusal (access.deny) is not rolled back with it; then run the service in one transaction."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        archive = _archive_of(kwargs)
        if archive is not None:
            _require(kwargs["by"], Action.MANAGE, archive)
        return atomic(*args, **kwargs)

    return wrapper


def _lock_archive(archive: Archive) -> Archive:
    return Archive.objects.select_for_update(of=("self",)).select_related("cadre").get(pk=archive.pk)


def _writable(archive: Archive) -> None:
    raise_for(rules.check_archive_writable(archive.status))


def _event(archive: Archive, kind: str, description: str, by, **details) -> ArchiveEvent:
    return ArchiveEvent.objects.create(
        archive=archive, kind=kind, description=description[:300], actor=by, details=details
    )


def _check_holding(by, holding_unit) -> None:
    if holding_unit is None:
        raise DomainError(rules.NOT_HOLDING_UNIT, "请选择保管单位。", "holding_unit")
    if by.is_superuser:
        return
    if holding_unit.pk not in access.served_unit_ids(by):
        raise DomainError(
            rules.NOT_HOLDING_UNIT,
            f"您不是“{holding_unit.name}”的管档员，不能在该单位登记或接收档案。",
            "holding_unit",
        )


# --- cadres ----------------------------------------------------------------------------------------------


def _normalise_id(cadre_like: dict, *, exclude_pk=None) -> tuple[dict, list[Violation]]:
    """Validate the ID number; upgrade a 15-digit one (both kept). Returns (fields to set, warnings)."""
    raw = (cadre_like.get("id_number") or "").strip()
    if not raw:
        return {"id_number": None, "id_number_legacy": ""}, []
    violations = rules.check_id_number(
        raw, sex=cadre_like.get("sex"), birth_date=cadre_like.get("birth_date")
    )
    warnings = raise_for(violations)
    parsed, _ = idcard.parse(raw)
    duplicate = Cadre.objects.filter(id_number=parsed.number)
    if exclude_pk:
        duplicate = duplicate.exclude(pk=exclude_pk)
    if duplicate.exists():
        raise DomainError(rules.ID_DUPLICATE, "该身份证号码已登记在其他干部名下，请核对。", "id_number")
    return {"id_number": parsed.number, "id_number_legacy": parsed.legacy}, warnings


def _check_cadre(data: dict) -> None:
    raise_for(
        rules.check_cadre_name(data.get("name"))
        + rules.check_cadre_dates(
            birth_date=data.get("birth_date"),
            work_start_date=data.get("work_start_date"),
            party_join_date=data.get("party_join_date"),
            today=_today(),
        )
    )
    if data.get("unit") is None:
        raise DomainError("UNIT_REQUIRED", "请选择干部所在单位。", "unit")


@transaction.atomic
def cadre_register(*, by, cadre: dict, archive: dict) -> tuple[Archive, list[Violation]]:
    """Register a cadre and open their archive (建档). Returns the archive and the ID warnings to show."""
    data = {k: v for k, v in cadre.items() if k in CADRE_FIELDS}
    data["name"] = (data.get("name") or "").strip()
    _check_cadre(data)
    id_fields, warnings = _normalise_id(data)
    data.update(id_fields)
    holding_unit = archive.get("holding_unit")
    _check_holding(by, holding_unit)
    if data["id_number"] and by.id_number and data["id_number"] == by.id_number:
        raise DomainError(
            access.SELF_OR_RELATIVE, "管档员不能登记、保管本人的档案，请由其他管档员办理。", "id_number"
        )
    archive_no = rules.normalise_archive_no(archive.get("archive_no"))
    raise_for(rules.check_archive_no(archive_no))
    if Archive.objects.filter(archive_no=archive_no).exists():
        raise DomainError(rules.ARCHIVE_NO_DUPLICATE, f"档号“{archive_no}”已被使用。", "archive_no")
    new_cadre = Cadre(**data)
    new_cadre.save()
    fields = {k: v for k, v in archive.items() if k in ARCHIVE_FIELDS and v is not None}
    fields.setdefault("custodian", by)
    status = fields.get("status", ArchiveStatus.IN_STORE)
    raise_for(rules.check_manual_status(ArchiveStatus.IN_STORE, status))
    try:
        with transaction.atomic():
            new_archive = Archive.objects.create(
                archive_no=archive_no, cadre=new_cadre, holding_unit=holding_unit, **fields
            )
    except IntegrityError:
        raise DomainError(rules.ARCHIVE_NO_DUPLICATE, f"档号“{archive_no}”已被使用。", "archive_no")
    _check_custodian(new_archive, new_archive.custodian)
    _event(new_archive, "建档", f"登记干部{new_cadre.name}并建立档案", by)
    record(by, "cadre.create", archive=new_archive, target=new_cadre, details={"name": new_cadre.name})
    record(
        by,
        "archive.create",
        archive=new_archive,
        target=new_archive,
        details={"archive_no": archive_no, "holding_unit": holding_unit.name},
    )
    return new_archive, warnings


def cadre_warnings(cadre: Cadre) -> list[Violation]:
    """The ID cross-check warnings of a registered cadre (shown on the archive page, never blocking)."""
    if not cadre.id_number:
        return []
    return [
        v
        for v in rules.check_id_number(cadre.id_number, sex=cadre.sex, birth_date=cadre.birth_date)
        if not v.is_error
    ]


@guarded
def cadre_update(*, cadre: Cadre, by, changes: dict) -> list[Violation]:
    """The ordinary edit of a cadre's record. Determined dates are refused (DETERMINATION_REQUIRED)."""
    archive = getattr(cadre, "archive", None)
    if archive is not None:
        _writable(archive)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    changes = {k: v for k, v in changes.items() if k in CADRE_FIELDS}
    current = {name: getattr(cadre, name) for name in rules.DETERMINED_FIELDS}
    raise_for(rules.check_determined_fields(current, changes))
    merged = {name: getattr(cadre, name) for name in CADRE_FIELDS}
    merged.update(changes)
    if "name" in changes:
        changes["name"] = merged["name"] = (changes["name"] or "").strip()
    _check_cadre(merged)
    warnings: list[Violation] = []
    if "id_number" in changes or "sex" in changes:
        id_fields, warnings = _normalise_id(merged, exclude_pk=cadre.pk)
        if "id_number" in changes or id_fields["id_number"] != cadre.id_number:
            changes.update(id_fields)
    diff = _diff(cadre, changes)
    if not diff:
        return warnings
    for name, value in changes.items():
        setattr(cadre, name, value)
    cadre.save()
    record(by, "cadre.update", archive=archive, target=cadre, details={"changes": diff})
    return warnings


PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 25_000_000
PHOTO_SIDE = 600


@guarded
def cadre_set_photo(*, cadre: Cadre, by, upload) -> Cadre:
    """The cadre's photo (照片): a real JPEG or PNG image, stored re-encoded (no foreign metadata) under a
    deterministic key; served only through the access-checked photo view."""
    archive = getattr(cadre, "archive", None)
    if archive is not None:
        _writable(archive)
    size = getattr(upload, "size", 0) or 0
    if size == 0 or size > PHOTO_MAX_BYTES:
        raise DomainError("PHOTO_INVALID", "照片文件为空或超过 5 MB。", "photo")
    try:
        import warnings as _warnings

        with _warnings.catch_warnings():
            _warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                if image.format not in ("JPEG", "PNG") or image.width * image.height > PHOTO_MAX_PIXELS:
                    raise DomainError("PHOTO_INVALID", "照片须为 JPEG 或 PNG 图像。", "photo")
                image.load()
                image = ImageOps.exif_transpose(image).convert("RGB")
    except DomainError:
        raise
    except Exception:
        raise DomainError("PHOTO_INVALID", "照片文件已损坏或不是有效的图像。", "photo")
    image.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    key = f"photos/c{cadre.pk}.jpg"
    if default_storage.exists(key):
        default_storage.delete(key)
    cadre.photo.name = default_storage.save(key, ContentFile(out.getvalue()))
    Cadre.objects.filter(pk=cadre.pk).update(photo=cadre.photo.name)
    record(
        by, "cadre.update", archive=archive, target=cadre, details={"changes": {"photo": ["", "更新照片"]}}
    )
    return cadre


def _merged(instance, fields, data: dict) -> dict:
    """A partial change of an existing row is checked against the whole row."""
    if instance is None:
        return dict(data)
    values = {name: getattr(instance, name) for name in fields}
    values.update({k: v for k, v in data.items() if k in fields})
    return values


def _cadre_section_save(*, model, fields, cadre, by, instance, data, section: str, label: str):
    archive = getattr(cadre, "archive", None)
    if archive is not None:
        _writable(archive)
    values = {k: v for k, v in data.items() if k in fields}
    if instance is None:
        instance = model(cadre=cadre, **values)
        instance.save()
        details = {"section": section, "op": "add", "item": str(instance)}
    else:
        if instance.cadre_id != cadre.pk:
            raise DomainError("NOT_FOUND", "未找到该记录。", status=404)
        diff = _diff(instance, values)
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
        details = {"section": section, "op": "change", "item": str(instance), "changes": diff}
    record(by, "cadre.update", archive=archive, target=cadre, details=details)
    return instance


def _cadre_section_remove(*, instance, by, section: str):
    cadre = instance.cadre
    archive = getattr(cadre, "archive", None)
    if archive is not None:
        _writable(archive)
    text = str(instance)
    instance.delete()
    record(
        by,
        "cadre.update",
        archive=archive,
        target=cadre,
        details={"section": section, "op": "remove", "item": text},
    )


@guarded
def family_member_save(*, cadre: Cadre, by, data: dict, member: FamilyMember | None = None) -> FamilyMember:
    """Add or change one family member or social relation (A36). Their ID number is checked when given."""
    data = _merged(member, FAMILY_FIELDS, data)
    if not (data.get("name") or "").strip() or not (data.get("relation") or "").strip():
        raise DomainError(rules.NAME_REQUIRED, "请填写称谓和姓名。", "name")
    raw = (data.get("id_number") or "").strip()
    if raw:
        violations = rules.check_id_number(raw, sex=None, birth_date=None, field="id_number")
        raise_for(violations)
        data = {**data, "id_number": idcard.parse(raw)[0].number}
    return _cadre_section_save(
        model=FamilyMember,
        fields=FAMILY_FIELDS,
        cadre=cadre,
        by=by,
        instance=member,
        data=data,
        section="family",
        label="家庭成员",
    )


@guarded
def family_member_remove(*, member: FamilyMember, by) -> None:
    _cadre_section_remove(instance=member, by=by, section="family")


@guarded
def cadre_post_save(*, cadre: Cadre, by, data: dict, post: CadrePost | None = None) -> CadrePost:
    """Add or change one period of work history (任职经历)."""
    data = _merged(post, POST_FIELDS, data)
    start, end = data.get("start_date"), data.get("end_date")
    if not (data.get("title") or "").strip():
        raise DomainError(rules.NAME_REQUIRED, "请填写任职单位及职务。", "title")
    if start is None:
        raise DomainError(rules.DATE_ORDER, "请填写任职时间。", "start_date")
    if end and end < start:
        raise DomainError(rules.DATE_ORDER, "免职时间不能早于任职时间。", "end_date")
    if start > _today():
        raise DomainError(rules.DATE_IN_FUTURE, "任职时间不能晚于今天。", "start_date")
    material = data.get("appointment_material")
    if material is not None and material.archive.cadre_id != cadre.pk:
        raise DomainError("BAD_MATERIAL", "所选任免审批表不属于该干部的档案。", "appointment_material")
    return _cadre_section_save(
        model=CadrePost,
        fields=POST_FIELDS,
        cadre=cadre,
        by=by,
        instance=post,
        data=data,
        section="posts",
        label="任职经历",
    )


@guarded
def cadre_post_remove(*, post: CadrePost, by) -> None:
    _cadre_section_remove(instance=post, by=by, section="posts")


@guarded
def education_save(
    *, cadre: Cadre, by, data: dict, record_obj: EducationRecord | None = None, materials=None
) -> EducationRecord:
    """Add or change one claimed education, with the materials that prove it (requirement 40)."""
    data = _merged(record_obj, EDUCATION_FIELDS, data)
    if not (data.get("school") or "").strip():
        raise DomainError(rules.NAME_REQUIRED, "请填写毕业院校。", "school")
    entry, graduation = data.get("entry_date"), data.get("graduation_date")
    if entry and graduation and graduation < entry:
        raise DomainError(rules.DATE_ORDER, "毕业时间不能早于入学时间。", "graduation_date")
    if materials is not None:
        materials = list(materials)
        if any(m.archive.cadre_id != cadre.pk for m in materials):
            raise DomainError("BAD_MATERIAL", "所选证明材料不属于该干部的档案。", "materials")
    instance = _cadre_section_save(
        model=EducationRecord,
        fields=EDUCATION_FIELDS,
        cadre=cadre,
        by=by,
        instance=record_obj,
        data=data,
        section="education",
        label="学历学位",
    )
    if materials is not None:
        instance.materials.set(materials)
    return instance


@guarded
def education_remove(*, record_obj: EducationRecord, by) -> None:
    _cadre_section_remove(instance=record_obj, by=by, section="education")


# --- archives ------------------------------------------------------------------------------------------------


def _check_custodian(archive: Archive, custodian) -> None:
    if custodian is None:
        return
    from accounts.roles import CLERK

    if not has_role(custodian, CLERK) or (
        not custodian.is_superuser and archive.holding_unit_id not in access.served_unit_ids(custodian)
    ):
        raise DomainError(rules.CUSTODIAN_INVALID, "责任管档员须为该档案保管单位的管档员。", "custodian")
    if access.is_self_or_relative(custodian, archive):
        raise DomainError(
            access.SELF_OR_RELATIVE,
            "管档员不能保管本人或亲属的档案，请指定其他管档员（条例要求另行指定保管人）。",
            "custodian",
        )


LOCATION_FIELDS = ("room", "cabinet", "shelf", "position")


@guarded
def archive_update(*, archive: Archive, by, changes: dict, reason: str = "") -> Archive:
    """Location, volumes, custodian, sorting status, holding group, notes and the manual statuses."""
    archive = _lock_archive(archive)
    _writable(archive)
    changes = {k: v for k, v in changes.items() if k in ARCHIVE_FIELDS}
    if "status" in changes:
        raise_for(rules.check_manual_status(archive.status, changes["status"]))
    if "custodian" in changes and changes["custodian"] != archive.custodian:
        _check_custodian(archive, changes["custodian"])
    for name in ("main_volumes", "duplicate_volumes"):
        if name in changes and (changes[name] is None or changes[name] < 0):
            raise DomainError("VOLUMES_INVALID", "卷数不能为负数。", name)
    if changes.get("main_volumes") == 0:
        raise DomainError("VOLUMES_INVALID", "正本至少 1 卷。", "main_volumes")
    before_location = archive.location
    diff = _diff(archive, changes)
    if not diff:
        return archive
    for name, value in changes.items():
        setattr(archive, name, value)
    archive.save()
    labels = {
        "status": "状态变更",
        "custodian": "保管人变更",
        "sorting_status": "整理状态变更",
        "holding_group": "保管类别变更",
        "main_volumes": "卷数变更",
        "duplicate_volumes": "卷数变更",
    }
    if any(name in diff for name in LOCATION_FIELDS):
        _event(archive, "位置变更", f"存放位置由“{before_location}”改为“{archive.location}”", by)
    for name, kind in labels.items():
        if name in diff:
            field = Archive._meta.get_field(name)
            old, new = diff[name]
            if field.choices:
                choices = dict(field.choices)
                old, new = choices.get(old, old), choices.get(new, new)
            text = f"{field.verbose_name}由“{old or '无'}”改为“{new or '无'}”"
            if reason:
                text += f"（{reason}）"
            _event(archive, kind, text, by)
    record(by, "archive.update", archive=archive, target=archive, details={"changes": diff, "reason": reason})
    return archive


@transaction.atomic
def archive_change_status(*, archive: Archive, by, status: str, reason: str, workflow: str) -> Archive:
    """For the borrowing and transfer workflows: set any archive status with its event and audit record."""
    archive = _lock_archive(archive)
    if status not in ArchiveStatus.values:
        raise DomainError("BAD_STATUS", "档案状态无效。", "status")
    old = archive.status
    if old == status:
        return archive
    archive.status = status
    archive.save(update_fields=["status", "updated_at"])
    labels = dict(ArchiveStatus.choices)
    _event(archive, "状态变更", f"{workflow}：状态由“{labels[old]}”改为“{labels[status]}”（{reason}）", by)
    record(
        by,
        "archive.update",
        archive=archive,
        target=archive,
        details={"changes": {"status": [old, status]}, "reason": reason, "workflow": workflow},
    )
    return archive


# --- materials: intake, identification, filing ------------------------------------------------------------


def _material_values(data: dict) -> dict:
    values = {k: v for k, v in data.items() if k in MATERIAL_FIELDS}
    for name in ("title", "producing_unit", "copy_sealed_by", "remarks", "alteration_note"):
        if name in values:
            values[name] = (values[name] or "").strip()
    for name in ("formed_month", "formed_day"):
        if values.get(name) in ("", 0):
            values[name] = None
    return values


def _check_material(values: dict, *, category, kind) -> list[Violation]:
    """Rules every material obeys whatever its status; returns the warnings."""
    violations = rules.check_category_obj(category) + rules.check_kind(kind, category)
    violations += rules.check_material_fields(
        title=values.get("title"),
        page_count=values.get("page_count"),
        formed_year=values.get("formed_year"),
        formed_month=values.get("formed_month"),
        formed_day=values.get("formed_day"),
        received_date=values.get("received_date"),
        today=_today(),
    )
    if values.get("is_altered") and not values.get("alteration_note"):
        violations.append(
            Violation("ALTERATION_NOTE_REQUIRED", "标记为有涂改的材料须说明涂改情况。", "alteration_note")
        )
    # A copy without its seal is recorded (so that it can be returned) but never accepted: warning here.
    violations += rules.check_copy(
        values.get("is_copy"), values.get("copy_date"), values.get("copy_sealed_by"), severity="warning"
    )
    warnings = raise_for(violations)
    if not any(v.is_error for v in violations):
        warnings += rules.late_handover(
            values.get("received_date"),
            values.get("formed_year"),
            values.get("formed_month"),
            values.get("formed_day"),
            limit_days=setting("LATE_HANDOVER_DAYS"),
        )
    return warnings


def _new_material(*, archive: Archive, by, batch, data: dict) -> tuple[Material, list[Violation]]:
    values = _material_values(data)
    values.setdefault("received_date", batch.received_date if batch else _today())
    if batch is not None and not values.get("producing_unit"):
        values["producing_unit"] = batch.producing_unit
    warnings = _check_material(values, category=values.get("category"), kind=values.get("kind"))
    material = Material(
        archive=archive,
        batch=batch,
        status=MaterialStatus.RECEIVED,
        created_by=by,
        late_handover=any(w.code == rules.LATE_HANDOVER for w in warnings),
        **values,
    )
    material.save()
    record(
        by,
        "material.receive",
        archive=archive,
        target=material,
        details={
            "title": material.title,
            "category": material.category.label,
            "batch": batch.pk if batch else None,
            "warnings": [w.code for w in warnings],
        },
    )
    return material, warnings


@guarded
def material_receive(*, by, archive: Archive, data: dict, batch: ReceiptBatch | None = None):
    """Receive one loose material into intake (已接收). Returns (material, warnings)."""
    _writable(archive)
    if batch is not None and batch.holding_unit_id != archive.holding_unit_id:
        raise DomainError(rules.NOT_HOLDING_UNIT, "该档案不由本批次的接收单位保管。", "archive")
    return _new_material(archive=archive, by=by, batch=batch, data=data)


@transaction.atomic
def batch_create(
    *,
    by,
    holding_unit,
    producing_unit: str,
    received_date: datetime.date,
    items: list[dict],
    delivered_by: str = "",
    notes: str = "",
) -> tuple[ReceiptBatch, list[tuple[int, Violation]]]:
    """A hand-over of loose materials from a producing unit with its items (each {archive, ...fields}).

    Every item is checked before anything is written; the error names the item (第N项). Returns the batch and
    the warnings per item index (late hand-over, copies without seal...).
    """
    _check_holding(by, holding_unit)
    producing_unit = (producing_unit or "").strip()
    if not producing_unit:
        raise DomainError("PRODUCING_UNIT_REQUIRED", "请填写送交单位。", "producing_unit")
    if received_date is None:
        raise DomainError(rules.DATE_ORDER, "请填写接收日期。", "received_date")
    if received_date > _today():
        raise DomainError(rules.DATE_IN_FUTURE, "接收日期不能晚于今天。", "received_date")
    if not items:
        raise DomainError("ITEMS_REQUIRED", "请至少登记一份材料。", "items")
    # Check every item first: one bad item and nothing is written.
    errors: list[Violation] = []
    for index, item in enumerate(items, start=1):
        archive = item.get("archive")
        if archive is None:
            errors.append(
                Violation("ARCHIVE_REQUIRED", f"第{index}项：请选择档案。", f"items.{index}.archive")
            )
            continue
        if not access.can(by, Action.MANAGE, archive) or archive.holding_unit_id != holding_unit.pk:
            errors.append(
                Violation(
                    rules.NOT_HOLDING_UNIT,
                    f"第{index}项：档案“{archive.archive_no}”不由本单位保管，不能接收。",
                    f"items.{index}.archive",
                )
            )
            continue
        if archive.is_read_only:
            errors.append(
                Violation(
                    rules.ARCHIVE_READ_ONLY,
                    f"第{index}项：档案“{archive.archive_no}”已转出。",
                    f"items.{index}.archive",
                )
            )
            continue
        values = _material_values(item)
        values["received_date"] = received_date
        try:
            _check_material(values, category=values.get("category"), kind=values.get("kind"))
        except DomainError as exc:
            for v in exc.violations:
                errors.append(Violation(v.code, f"第{index}项：{v.message}", f"items.{index}.{v.field}"))
    if errors:
        raise DomainError.from_violations(errors)
    batch = ReceiptBatch.objects.create(
        holding_unit=holding_unit,
        producing_unit=producing_unit,
        delivered_by=(delivered_by or "").strip(),
        received_date=received_date,
        received_by=by,
        notes=notes or "",
    )
    record(
        by,
        "batch.create",
        target=batch,
        details={"producing_unit": producing_unit, "items": len(items), "received_date": received_date},
    )
    item_warnings: list[tuple[int, Violation]] = []
    for index, item in enumerate(items, start=1):
        data = {**item, "received_date": received_date}
        _, warnings = _new_material(archive=item["archive"], by=by, batch=batch, data=data)
        item_warnings += [(index, w) for w in warnings]
    return batch, item_warnings


def _lock_material(material: Material) -> Material:
    return (
        Material.objects.select_for_update(of=("self",))
        .select_related("archive", "category", "kind", "batch")
        .get(pk=material.pk)
    )


def _refresh_batch(batch_id) -> None:
    if not batch_id:
        return
    open_items = Material.objects.filter(
        batch_id=batch_id, status__in=[MaterialStatus.RECEIVED, MaterialStatus.IDENTIFIED]
    ).exists()
    ReceiptBatch.objects.filter(pk=batch_id).update(
        status=ReceiptBatch.Status.OPEN if open_items else ReceiptBatch.Status.DONE
    )


@guarded
def material_identify(*, material: Material, by) -> Material:
    """鉴别 accepted: the material belongs to this cadre, is complete and formal. A copy needs its seal."""
    material = _lock_material(material)
    _writable(material.archive)
    raise_for(rules.check_transition(material.status, "identify"))
    raise_for(
        rules.check_category_obj(material.category)
        + rules.check_copy(material.is_copy, material.copy_date, material.copy_sealed_by)
    )
    material.status = MaterialStatus.IDENTIFIED
    material.identified_by = by
    material.identified_at = timezone.now()
    material.save(update_fields=["status", "identified_by", "identified_at", "updated_at"])
    record(
        by, "material.identify", archive=material.archive, target=material, details={"title": material.title}
    )
    return material


@guarded
def material_return(*, material: Material, by, reason: str) -> Material:
    """退回: the material goes back to the producing unit, with the reason."""
    material = _lock_material(material)
    _writable(material.archive)
    raise_for(rules.check_transition(material.status, "return") + rules.check_return(reason))
    material.status = MaterialStatus.RETURNED
    material.return_reason = reason.strip()[:300]
    material.identified_by = by
    material.identified_at = timezone.now()
    material.save(update_fields=["status", "return_reason", "identified_by", "identified_at", "updated_at"])
    record(
        by,
        "material.return",
        archive=material.archive,
        target=material,
        details={"title": material.title, "reason": material.return_reason},
    )
    _refresh_batch(material.batch_id)
    return material


def _ordered_filed(archive_id, category_id, *, exclude=None) -> list[Material]:
    qs = Material.objects.filter(archive_id=archive_id, category_id=category_id, status=MaterialStatus.FILED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return list(qs.order_by("seq", "formed_on", "id"))


def _apply_order(
    archive: Archive, category, ordered: list[Material], *, by, reason: str, extra: Iterable = ()
) -> list:
    """Number `ordered` 1..n (two passes through an offset so the unique constraint always holds) and store
    one Renumbering row with every change, plus `extra` changes (e.g. a withdrawn material losing its number).
    Returns [(material_id, old, new)]."""
    current = {m.pk: m.seq for m in ordered}
    changes = rules.renumber([m.pk for m in ordered], current)
    if changes:
        changed = {material_id: new for material_id, _, new in changes}
        moving = [m for m in ordered if m.pk in changed]
        for m in moving:
            m.seq = changed[m.pk] + SEQ_OFFSET
        Material.objects.bulk_update(moving, ["seq"])
        for m in moving:
            m.seq = changed[m.pk]
        Material.objects.bulk_update(moving, ["seq"])
    changes = [tuple(c) for c in extra] + changes
    if changes:
        Renumbering.objects.create(
            archive=archive, category=category, by=by, reason=reason, changes=[list(c) for c in changes]
        )
    return changes


def _shift_text(category, changes, subject_id) -> str:
    others = [c for c in changes if c[0] != subject_id and c[1] is not None]
    if not others:
        return ""
    return f"；{category.label}类其余 {len(others)} 份材料顺序号相应调整"


@guarded
def material_file(*, material: Material, by, filed_date: datetime.date | None = None) -> Material:
    """归档: an identified material gets its sequence number at its formation-date place in its category.

    The manual order of the materials already filed is kept; the renumbering is stored (Renumbering row, an
    ArchiveEvent and the audit event).
    """
    archive = _lock_archive(material.archive)
    material = _lock_material(material)
    _writable(archive)
    raise_for(rules.check_transition(material.status, "file"))
    raise_for(
        rules.check_category_obj(material.category)
        + rules.check_copy(material.is_copy, material.copy_date, material.copy_sealed_by)
    )
    filed_date = filed_date or _today()
    if material.received_date and filed_date < material.received_date:
        raise DomainError(rules.DATE_ORDER, "归档日期不能早于接收日期。", "filed_date")
    ordered = _ordered_filed(archive.pk, material.category_id)
    index = rules.insertion_index([m.formed_on for m in ordered], material.formed_on)
    material.status = MaterialStatus.FILED
    material.filed_date = filed_date
    material.save(update_fields=["status", "filed_date", "updated_at"])
    ordered.insert(index, material)
    changes = _apply_order(archive, material.category, ordered, by=by, reason="材料归档")
    material.refresh_from_db(fields=["seq"])
    _event(
        archive,
        "材料归档",
        f"{material.seq_label} {material.title}（{material.formed_display}）归档"
        + _shift_text(material.category, changes, material.pk),
        by,
        material_id=material.pk,
        renumbering=[list(c) for c in changes],
    )
    record(
        by,
        "material.file",
        archive=archive,
        target=material,
        details={"seq": material.seq_label, "title": material.title, "renumbering": changes},
    )
    _refresh_batch(material.batch_id)
    return material


@guarded
def material_withdraw(*, material: Material, by, approver, reason: str) -> Material:
    """撤出: a filed material leaves the directory (never deleted) with a reason and a 审批人's approval."""
    archive = _lock_archive(material.archive)
    material = _lock_material(material)
    _writable(archive)
    raise_for(rules.check_transition(material.status, "withdraw"))
    raise_for(
        rules.check_withdrawal(
            reason=reason,
            approver_id=approver.pk if approver else None,
            actor_id=by.pk,
            approver_is_reviewer=bool(approver and approver.is_active and has_role(approver, REVIEWER)),
        )
    )
    old_label = material.seq_label
    old_seq = material.seq
    material.status = MaterialStatus.WITHDRAWN
    material.seq = None
    material.withdrawn_at = timezone.now()
    material.withdrawn_reason = reason.strip()[:300]
    material.withdrawn_by = by
    material.withdrawal_approver = approver
    material.save()
    ordered = _ordered_filed(archive.pk, material.category_id)
    changes = _apply_order(
        archive, material.category, ordered, by=by, reason="材料撤出", extra=[(material.pk, old_seq, None)]
    )
    shifted = len(changes) - 1
    _event(
        archive,
        "材料撤出",
        f"{old_label} {material.title} 撤出，原因：{material.withdrawn_reason}；批准人：{approver.get_full_name()}"
        + (f"；{material.category.label}类其后 {shifted} 份材料顺序号前移" if shifted else ""),
        by,
        material_id=material.pk,
        renumbering=[list(c) for c in changes],
    )
    record(
        by,
        "material.withdraw",
        archive=archive,
        target=material,
        details={
            "seq": old_label,
            "title": material.title,
            "reason": material.withdrawn_reason,
            "approver": approver.get_username(),
            "renumbering": changes,
        },
    )
    return material


def material_destroy(
    *,
    material: Material,
    by,
    approver,
    witnesses,
    reason: str,
    destroyed_on: datetime.date | None = None,
) -> Material:
    """销毁登记 (requirement 23): a material that may not be filed (still in intake, or withdrawn from the
    directory) is destroyed with a 审批人's approval, in front of two named witnesses (二人监销).

    The row, its scans and its history stay: the status becomes 已销毁 with who, when, why and the witnesses.
    A refusal by the rules (DESTRUCTION_NOT_AUTHORISED, ...) writes nothing but a denied audit event.
    """
    try:
        return _material_destroy(
            material=material,
            by=by,
            approver=approver,
            witnesses=witnesses,
            reason=reason,
            destroyed_on=destroyed_on,
        )
    except DomainError as exc:
        if exc.status == 400 and getattr(by, "is_authenticated", False):
            # Written after the refused transaction rolled back, so the attempt stays on record.
            record(
                by,
                "material.destroy",
                archive=material.archive,
                target=material,
                outcome=Outcome.DENIED,
                details={
                    "code": exc.code,
                    "codes": sorted({v.code for v in exc.violations}),
                    "message": exc.message[:300],
                },
            )
        raise


@guarded
def _material_destroy(
    *, material: Material, by, approver, witnesses, reason: str, destroyed_on: datetime.date | None
) -> Material:
    # The archive first, then the material, as filing and withdrawal do: the ArchiveEvent written below takes a
    # key-share lock on the archive row, which would deadlock against a filing holding the archive and waiting
    # for this material.
    archive = _lock_archive(material.archive)
    material = _lock_material(material)
    _writable(archive)
    raise_for(rules.check_destroyable(material.status))
    names = rules.normalise_witnesses(witnesses)
    destroyed_on = destroyed_on or _today()
    raise_for(
        rules.check_destruction(
            reason=reason,
            approver_id=approver.pk if approver else None,
            actor_id=by.pk,
            approver_is_reviewer=bool(approver and approver.is_active and has_role(approver, REVIEWER)),
            witnesses=names,
            destruction_date=destroyed_on,
            today=_today(),
            received_date=material.received_date,
            withdrawn_on=timezone.localdate(material.withdrawn_at) if material.withdrawn_at else None,
        )
    )
    before = material.status
    material.status = MaterialStatus.DESTROYED
    material.destroyed_at = timezone.now()
    material.destruction_date = destroyed_on
    material.destruction_reason = reason.strip()[:300]
    material.destruction_witnesses = names
    material.destroyed_by = by
    material.destruction_approver = approver
    material.save(
        update_fields=[
            "status",
            "destroyed_at",
            "destruction_date",
            "destruction_reason",
            "destruction_witnesses",
            "destroyed_by",
            "destruction_approver",
            "updated_at",
        ]
    )
    _event(
        archive,
        "材料销毁",
        f"{material.title}（{rules.STATUS_LABELS[before]}）于{destroyed_on:%Y-%m-%d}销毁，"
        f"原因：{material.destruction_reason}；批准人：{approver.get_full_name()}；"
        f"监销人：{material.witnesses_display}",
        by,
        material_id=material.pk,
    )
    record(
        by,
        "material.destroy",
        archive=archive,
        target=material,
        details={
            "title": material.title,
            "status_before": before,
            "reason": material.destruction_reason,
            "approver": approver.get_username(),
            "witnesses": names,
            "destruction_date": destroyed_on,
        },
    )
    _refresh_batch(material.batch_id)
    return material


@guarded
def material_move(*, material: Material, by, direction: str) -> Material:
    """Manual reorder inside a category: swap with the previous ("up") or next ("down") material."""
    archive = _lock_archive(material.archive)
    material = _lock_material(material)
    _writable(archive)
    raise_for(rules.check_transition(material.status, "move"))
    if direction not in ("up", "down"):
        raise DomainError(rules.CANNOT_MOVE, "调整方向只能是上移或下移。", "direction")
    ordered = _ordered_filed(archive.pk, material.category_id)
    index = next(i for i, m in enumerate(ordered) if m.pk == material.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        edge = "第一份" if direction == "up" else "最后一份"
        raise DomainError(
            rules.CANNOT_MOVE,
            f"该材料已是本类{edge}，不能再{'上' if direction == 'up' else '下'}移。",
            "direction",
        )
    ordered[index], ordered[other] = ordered[other], ordered[index]
    changes = _apply_order(archive, material.category, ordered, by=by, reason="手工调整顺序")
    material.refresh_from_db(fields=["seq"])
    titles = {m.pk: m.title for m in ordered}
    label = material.category.label
    text = "；".join(f"“{titles[pk]}”由 {label}-{old} 调为 {label}-{new}" for pk, old, new in changes)
    _event(
        archive,
        "重新编号",
        f"手工调整顺序：{text}",
        by,
        renumbering=[list(c) for c in changes],
    )
    record(
        by,
        "material.renumber",
        archive=archive,
        target=material,
        details={"direction": direction, "renumbering": changes},
    )
    return material


@guarded
def material_update(
    *, material: Material, by, changes: dict, reason: str = ""
) -> tuple[Material, list[Violation]]:
    """Edit a material's metadata. For a filed material the earlier values are kept as a MaterialVersion and the
    version goes up; a new category or formation date moves it to its place (renumbering recorded)."""
    archive = _lock_archive(material.archive)
    material = _lock_material(material)
    _writable(archive)
    raise_for(rules.check_transition(material.status, "update"))
    values = _material_values(changes)
    diff = _diff(material, values)
    if not diff:
        return material, []
    raise_for(rules.check_change_reason(material.status, reason))
    merged = {name: getattr(material, name) for name in MATERIAL_FIELDS}
    merged.update(values)
    warnings = _check_material(merged, category=merged["category"], kind=merged["kind"])
    if material.status in (MaterialStatus.IDENTIFIED, MaterialStatus.FILED):
        raise_for(rules.check_copy(merged["is_copy"], merged["copy_date"], merged["copy_sealed_by"]))
    old_category = material.category
    old_formed_on = material.formed_on
    old_label = material.seq_label
    for name, value in values.items():
        setattr(material, name, value)
    material.late_handover = any(w.code == rules.LATE_HANDOVER for w in warnings)
    if material.status == MaterialStatus.FILED:
        MaterialVersion.objects.create(
            material=material,
            version=material.version,
            changed_by=by,
            changes=diff,
            reason=reason.strip()[:300],
        )
        material.version += 1
    moved = material.status == MaterialStatus.FILED and (
        material.category_id != old_category.pk
        or datetime.date(material.formed_year, material.formed_month or 1, material.formed_day or 1)
        != old_formed_on
    )
    renumbering: list = []
    if moved:
        material.seq = None
    material.save()
    if moved:
        if material.category_id != old_category.pk:
            renumbering += _apply_order(
                archive,
                old_category,
                _ordered_filed(archive.pk, old_category.pk),
                by=by,
                reason="材料改类",
                extra=[(material.pk, int(old_label.rsplit("-", 1)[1]), None)],
            )
        ordered = _ordered_filed(archive.pk, material.category_id, exclude=material.pk)
        index = rules.insertion_index([m.formed_on for m in ordered], material.formed_on)
        ordered.insert(index, material)
        renumbering += _apply_order(archive, material.category, ordered, by=by, reason="材料信息修改")
        material.refresh_from_db(fields=["seq"])
    if material.status == MaterialStatus.FILED:
        names = "、".join(str(Material._meta.get_field(f).verbose_name) for f in diff)
        text = f"{material.seq_label} {material.title}：修改{names}（第{material.version - 1}版存档，原因：{reason.strip()}）"
        if moved and old_label != material.seq_label:
            text += f"；顺序号由 {old_label} 改为 {material.seq_label}"
        _event(
            archive, "材料修改", text, by, material_id=material.pk, renumbering=[list(c) for c in renumbering]
        )
    record(
        by,
        "material.update",
        archive=archive,
        target=material,
        details={"changes": diff, "reason": reason, "version": material.version, "renumbering": renumbering},
    )
    return material, warnings


# --- scans ---------------------------------------------------------------------------------------------------


@guarded
def pages_upload(*, material: Material, by, files: Iterable, first_number: int | None = None) -> list[Page]:
    """Store scanned pages of a material after every file passed the checks of archives.scans.

    Pages are numbered after the existing ones (or from `first_number`, e.g. to fill a missing page). Keys are
    deterministic (Page.storage_key). If anything fails after files were written, they are removed again.
    Display renditions and thumbnails are made by a Celery task after the commit.
    """
    checked = scans.check_uploads(files)  # nothing is stored unless every file passes
    material = _lock_material(material)
    _writable(material.archive)
    raise_for(rules.check_transition(material.status, "upload"))
    existing = set(material.pages.values_list("number", flat=True))
    if first_number is None:
        start = (max(existing) if existing else 0) + 1
    else:
        start = int(first_number)
        if start < 1:
            raise DomainError(rules.PAGE_NUMBER_TAKEN, "起始页码至少为 1。", "first_number")
    numbers = list(range(start, start + len(checked)))
    taken = sorted(set(numbers) & existing)
    if taken:
        raise DomainError(
            rules.PAGE_NUMBER_TAKEN,
            f"第 {'、'.join(map(str, taken))} 页已有扫描图像，请从其他页码开始上传。",
            "first_number",
        )
    storage = default_storage
    written: list[str] = []
    pages: list[Page] = []
    try:
        for number, scan in zip(numbers, checked, strict=True):
            page = Page(
                material=material,
                number=number,
                sha256=scan.sha256,
                width=scan.width,
                height=scan.height,
                dpi=scan.dpi,
                color_mode=scan.color_mode,
                image_format=scan.image_format,
                size_bytes=scan.size_bytes,
                uploaded_by=by,
            )
            key = page.storage_key(scan.extension)
            if storage.exists(key):
                storage.delete(key)  # a leftover of an earlier failed write: no Page row points to it
            scan.file.seek(0)
            saved = storage.save(key, scan.file)
            written.append(saved)
            page.image.name = saved
            pages.append(page)
        with transaction.atomic():
            Page.objects.bulk_create(pages)
            if not material.archive.has_digital:
                Archive.objects.filter(pk=material.archive_id).update(has_digital=True)
            record(
                by,
                "page.upload",
                archive=material.archive,
                target=material,
                details={
                    "pages": numbers,
                    "files": [s.name[:100] for s in checked],
                    "sha256": [s.sha256 for s in checked],
                },
            )
    except Exception:
        for name in written:
            try:
                storage.delete(name)
            except Exception:  # pragma: no cover - best effort clean-up
                log.exception("could not remove %s after a failed upload", name)
        raise
    ids = [p.pk for p in Page.objects.filter(material=material, number__in=numbers)]

    def _enqueue():
        from archives.tasks import render_page_renditions

        try:
            render_page_renditions.delay(ids)
        except Exception:  # broker outage: the upload is committed; archives/recovery.py re-enqueues
            log.exception("could not enqueue the renditions of pages %s", ids[:50])

    transaction.on_commit(_enqueue)
    return list(Page.objects.filter(pk__in=ids).order_by("number"))


def _rendition(image: Image.Image, side: int) -> bytes:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image = image.copy()
    if max(image.size) > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def page_make_renditions(page_id: int) -> str:
    """Make the display rendition and the thumbnail of one page. Idempotent: run again, same files."""
    page = Page.objects.select_related("material__archive", "material__category").filter(pk=page_id).first()
    if page is None:
        return "missing"
    storage = default_storage
    if (
        page.rendition_status == Page.RenditionStatus.READY
        and page.display
        and page.thumbnail
        and storage.exists(page.display.name)
        and storage.exists(page.thumbnail.name)
    ):
        return "ready"
    try:
        with page.image.open("rb") as handle:
            image = Image.open(handle)
            image.load()
        outputs = {}
        for variant, side in (("display", setting("DISPLAY_MAX_SIDE")), ("thumb", setting("THUMB_MAX_SIDE"))):
            key = page.storage_key("jpg", variant)
            if storage.exists(key):
                storage.delete(key)
            outputs[variant] = storage.save(key, ContentFile(_rendition(image, side)))
    except Exception:
        log.exception("rendition of page %s failed", page_id)
        Page.objects.filter(pk=page_id).update(rendition_status=Page.RenditionStatus.FAILED)
        return "failed"
    Page.objects.filter(pk=page_id).update(
        display=outputs["display"], thumbnail=outputs["thumb"], rendition_status=Page.RenditionStatus.READY
    )
    return "ready"


def category_by_code(code: str) -> MaterialCategory | None:
    return MaterialCategory.objects.filter(code=str(code)).first()


def next_page_number(material: Material) -> int:
    return (material.pages.aggregate(n=Max("number"))["n"] or 0) + 1
