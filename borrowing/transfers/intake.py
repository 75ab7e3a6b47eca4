"""Every state change of an incoming archive (档案接收) and its intake review (接收审核), one function per use case.

    intake_register(*, by, holding_unit, data, transfer=None)   登记来件 (counts on the notice, counts received, seal)
    intake_update(*, intake, by, data)                          correct the registration before acceptance
    intake_accept(*, intake, by, ...)                           验收接收: counts equal and seal intact, or refused;
                                                                a new or updated archive in the holdings
    intake_return(*, intake, by, note)                          退回 with the reasons (discrepancies + the note)
    alteration_add / alteration_remove(*, ..., by)              each alteration found (material, field, change)
    review_submit(*, intake, by, note)                          提交组织确认 (or 未发现涂改: the review ends)
    review_confirm(*, intake, by, opinion)                      组织确认 (a reviewer with authority over the cadre)
    review_send_back(*, intake, by, reason)                     the reviewer sends the record back to the clerk
    review_file(*, intake, by)                                  涂改情况登记表 filed as a material (category 5)

When the sender works in this system too (its transfer names our unit), the intake is linked to that transfer:
acceptance records the sender's receipt and moves the same archive into our holdings; a return records the
sender's return with our reasons and puts the archive back in its store.
"""

from __future__ import annotations

import datetime
import functools

from django.db import transaction
from django.utils import timezone

from accounts.models import ManagementLevel, Unit
from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives import rules as archive_rules
from archives import services as archive_services
from archives.access import Action
from archives.models import (
    Archive,
    ArchiveEvent,
    ArchiveStatus,
    Cadre,
    CadreStatus,
    Material,
    MaterialCategory,
    MaterialKind,
)
from audit.models import Outcome
from audit.services import record
from borrowing import rules_transfer as rules
from borrowing.models import (
    Intake,
    IntakeAlteration,
    IntakeChannel,
    IntakeQuality,
    IntakeReviewStatus,
    IntakeStatus,
    Transfer,
    TransferStatus,
)
from borrowing.transfers import services as transfer_services
from core import idcard
from core.choices import PoliticalStatus, Sex
from core.errors import DomainError, raise_for

INVALID_STATE = "INVALID_STATE"
ARCHIVE_ALREADY_HELD = "ARCHIVE_ALREADY_HELD"
ALTERATION_KIND = "alteration_record"

REGISTER_FIELDS = (
    "sending_unit_name",
    "channel",
    "courier",
    "confidential_no",
    "notice_number",
    "received_on",
    "stated_main",
    "stated_duplicate",
    "stated_loose",
    "received_main",
    "received_duplicate",
    "received_loose",
    "seal_intact",
    "has_digital",
    "quality",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "id_number",
    "unit_post",
    "political_status",
    "work_start_date",
    "party_join_date",
)
COUNT_FIELDS = (
    "stated_main",
    "stated_duplicate",
    "stated_loose",
    "received_main",
    "received_duplicate",
    "received_loose",
)


# --- guards -------------------------------------------------------------------------------------------------------


def _serves(by, unit: Unit) -> bool:
    return by.is_superuser or (CLERK in roles_of(by) and unit.pk in access.served_unit_ids(by))


def _require_clerk_of(by, intake: Intake) -> None:
    if not _serves(by, intake.holding_unit):
        raise access.deny(
            by,
            Action.MANAGE,
            archive=intake.archive_id,
            target=("borrowing.intake", intake.pk, str(intake)),
            reason="intake: not the receiving unit's clerk",
        )


def audited(action: str, *, reviewer: bool = False):
    """Who may act is checked before the transaction; a refusal the user caused is audited after the rollback."""

    def decorator(func):
        atomic = transaction.atomic(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            by = kwargs["by"]
            intake = kwargs.get("intake") or getattr(kwargs.get("alteration"), "intake", None)
            if intake is not None:
                if reviewer:
                    _require_reviewer(by, intake)
                else:
                    _require_clerk_of(by, intake)
            try:
                return atomic(*args, **kwargs)
            except DomainError as exc:
                if exc.status == 400:
                    record(
                        by,
                        action,
                        archive=intake.archive_id if intake is not None else None,
                        target=("borrowing.intake", intake.pk, str(intake)) if intake is not None else None,
                        outcome=Outcome.DENIED,
                        details={"code": exc.code, "codes": sorted({v.code for v in exc.violations})},
                    )
                raise

        return wrapper

    return decorator


def _require_reviewer(by, intake: Intake) -> None:
    if REVIEWER not in roles_of(by):
        raise DomainError("PERMISSION_DENIED", "只有审批人（组织部门）可以确认涂改情况登记。", status=403)
    if intake.archive_id is None or not access.can(by, Action.VIEW_DIRECTORY, intake.archive):
        raise access.deny(
            by,
            Action.VIEW_DIRECTORY,
            archive=intake.archive_id,
            target=("borrowing.intake", intake.pk, str(intake)),
            reason="intake: confirm",
        )


def _lock(intake: Intake) -> Intake:
    return (
        Intake.objects.select_for_update(of=("self",))
        .select_related("holding_unit", "archive__cadre", "transfer")
        .get(pk=intake.pk)
    )


def _state_error(intake: Intake, doing: str) -> DomainError:
    return DomainError(
        INVALID_STATE, f"该接收登记当前状态为“{intake.get_status_display()}”，不能{doing}。", "status"
    )


def _review_state_error(intake: Intake, doing: str) -> DomainError:
    label = intake.get_review_status_display() or "未开始"
    return DomainError(INVALID_STATE, f"接收审核当前为“{label}”，不能{doing}。", "review_status")


def _audit(by, action: str, intake: Intake, **details) -> None:
    record(
        by,
        action,
        archive=intake.archive,
        target=intake,
        details={"number": intake.number, "name": intake.name, **details},
    )


# --- registration -------------------------------------------------------------------------------------------------


def _values(data: dict) -> dict:
    values = {k: data[k] for k in REGISTER_FIELDS if k in data}
    for name in (
        "sending_unit_name",
        "courier",
        "confidential_no",
        "notice_number",
        "name",
        "ethnicity",
        "unit_post",
    ):
        if name in values:
            values[name] = (values[name] or "").strip()
    for name in ("sex", "quality", "channel", "political_status"):
        if name in values:
            values[name] = values[name] or ""
    if "id_number" in values:
        values["id_number"] = (values["id_number"] or "").strip().upper()
    for name in ("seal_intact", "has_digital"):
        if name in values:
            values[name] = bool(values[name])
    return values


def _check(intake: Intake) -> list:
    violations = rules.check_intake_form(
        sending_unit_name=intake.sending_unit_name,
        channel=intake.channel,
        channels=IntakeChannel.values,
        confidential_no=intake.confidential_no,
        received_on=intake.received_on,
        name=intake.name,
        today=timezone.localdate(),
    )
    for name in COUNT_FIELDS:
        value = getattr(intake, name)
        if value is None or not isinstance(value, int) or value < 0:
            label = Intake._meta.get_field(name).verbose_name
            violations.append(
                rules.Violation(rules.INTAKE_FORM_INCOMPLETE, f"请填写{label}（不小于0的整数）。", name)
            )
    if intake.id_number:
        violations += [
            v
            for v in archive_rules.check_id_number(intake.id_number, sex=None, birth_date=None)
            if v.is_error
        ]
    if intake.political_status and intake.political_status not in PoliticalStatus.values:
        violations.append(rules.Violation(rules.INTAKE_FORM_INCOMPLETE, "政治面貌无效。", "political_status"))
    if intake.sex and intake.sex not in Sex.values:
        violations.append(rules.Violation(rules.INTAKE_FORM_INCOMPLETE, "性别无效。", "sex"))
    if intake.quality and intake.quality not in IntakeQuality.values:
        violations.append(
            rules.Violation(rules.INTAKE_FORM_INCOMPLETE, "案卷质量应为高、中或低。", "quality")
        )
    if intake.birth_date:
        violations += archive_rules.check_cadre_dates(
            birth_date=intake.birth_date,
            work_start_date=intake.work_start_date,
            party_join_date=intake.party_join_date,
            today=timezone.localdate(),
        )
    return violations


def _normalise_id(intake: Intake) -> None:
    if intake.id_number:
        parsed, _ = idcard.parse(intake.id_number)
        if parsed is not None:
            intake.id_number = parsed.number


def incoming_transfers(unit_ids) -> list[Transfer]:
    """Transfers of this system sent to one of these units and not yet received or returned."""
    return list(
        Transfer.objects.filter(status=TransferStatus.SENT, to_unit_id__in=list(unit_ids))
        .exclude(intakes__status=IntakeStatus.REGISTERED)
        .select_related("from_unit", "archive__cadre")
        .order_by("sent_on", "pk")
    )


def _from_transfer(transfer: Transfer, holding_unit: Unit) -> dict:
    """What the sender's notice states, for an intake of a transfer made in this system."""
    if transfer.status != TransferStatus.SENT or transfer.to_unit_id != holding_unit.pk:
        raise DomainError(INVALID_STATE, "该转递不是转给本单位的在途档案。", "transfer")
    cadre = transfer.archive.cadre
    return {
        "sending_unit_name": transfer.from_unit.name,
        "notice_number": transfer.notice_number,
        "channel": IntakeChannel.CONFIDENTIAL
        if transfer.channel == "confidential"
        else IntakeChannel.DELIVERY,
        "confidential_no": transfer.tracking_no,
        "courier": "、".join(transfer.collectors),
        "stated_main": transfer.main_volumes,
        "stated_duplicate": transfer.duplicate_volumes,
        "stated_loose": transfer.loose_items,
        "name": cadre.name,
        "sex": cadre.sex,
        "birth_date": cadre.birth_date,
        "ethnicity": cadre.ethnicity,
        "id_number": cadre.id_number or "",
        "unit_post": transfer.cadre_unit_post,
        "political_status": cadre.political_status,
        "work_start_date": cadre.work_start_date,
        "party_join_date": cadre.party_join_date,
        "has_digital": transfer.has_digital,
    }


@transaction.atomic
def intake_register(*, by, holding_unit: Unit, data: dict, transfer: Transfer | None = None) -> Intake:
    """登记来件. For a transfer of this system, the sender's notice fills in what it states (the counts on the
    notice are the sender's, not typed again); the clerk records what actually arrived."""
    if holding_unit is None or not _serves(by, holding_unit):
        raise DomainError(
            archive_rules.NOT_HOLDING_UNIT, "您不是该接收单位的管档员，不能登记接收档案。", "holding_unit"
        )
    values = _values(data)
    if transfer is not None:
        transfer = (
            Transfer.objects.select_for_update(of=("self",))
            .select_related("archive__cadre", "from_unit")
            .get(pk=transfer.pk)
        )
        if transfer.intakes.filter(status=IntakeStatus.REGISTERED).exists():
            raise DomainError(INVALID_STATE, "该转递已登记接收，正在验收。", "transfer")
        stated = _from_transfer(transfer, holding_unit)
        for key, value in stated.items():
            if key.startswith("stated_") or not values.get(key):
                values[key] = value
    intake = Intake(holding_unit=holding_unit, received_by=by, transfer=transfer, **values)
    raise_for(_check(intake))
    _normalise_id(intake)
    intake.save()
    intake.number = f"JS{timezone.localdate().year}-{intake.pk:05d}"
    Intake.objects.filter(pk=intake.pk).update(number=intake.number)
    _audit(
        by,
        "intake.register",
        intake,
        sending_unit=intake.sending_unit_name,
        notice=intake.notice_number,
        stated=list(intake.stated_counts),
        received=list(intake.received_counts),
        seal_intact=intake.seal_intact,
        transfer=transfer.number if transfer else None,
    )
    return intake


@audited("intake.update")
def intake_update(*, intake: Intake, by, data: dict) -> Intake:
    intake = _lock(intake)
    if intake.status != IntakeStatus.REGISTERED:
        raise _state_error(intake, "修改")
    values = _values(data)
    if intake.transfer_id:
        for key in ("stated_main", "stated_duplicate", "stated_loose"):
            values.pop(key, None)  # the sender's notice states them
    before = {k: getattr(intake, k) for k in values}
    for key, value in values.items():
        setattr(intake, key, value)
    raise_for(_check(intake))
    _normalise_id(intake)
    intake.save()
    changes = {
        k: [str(before[k]), str(getattr(intake, k))] for k in values if before[k] != getattr(intake, k)
    }
    _audit(by, "intake.update", intake, changes=changes)
    return intake


def discrepancies(intake: Intake) -> list:
    return rules.intake_discrepancies(
        stated=intake.stated_counts, received=intake.received_counts, seal_intact=intake.seal_intact
    )


# --- acceptance ---------------------------------------------------------------------------------------------------


def _move_here(intake: Intake, archive: Archive, by, *, how: str) -> Archive:
    """An archive already in the system (sent to us, or transferred out earlier and back) joins our holdings."""
    archive.holding_unit = intake.holding_unit
    archive.status = ArchiveStatus.IN_STORE
    archive.custodian = by
    archive.main_volumes = intake.received_main or archive.main_volumes
    archive.duplicate_volumes = intake.received_duplicate
    archive.has_digital = archive.has_digital or intake.has_digital
    archive.room = archive.cabinet = archive.shelf = archive.position = ""
    archive.save()
    Cadre.objects.filter(pk=archive.cadre_id, status=CadreStatus.TRANSFERRED).update(
        status=CadreStatus.SERVING
    )
    ArchiveEvent.objects.create(
        archive=archive,
        kind="接收入库",
        description=(
            f"{how}：{intake.sending_unit_name}以{intake.notice_number or '转递通知单'}转来，"
            f"实收正本{intake.received_main}卷、副本{intake.received_duplicate}卷、材料{intake.received_loose}份，"
            f"由{intake.holding_unit.name}保管"
        )[:300],
        actor=by,
        details={"intake": intake.pk},
    )
    return archive


def _existing_archive(intake: Intake) -> Archive | None:
    if not intake.id_number:
        return None
    return (
        Archive.objects.select_for_update(of=("self",))
        .select_related("cadre", "holding_unit")
        .filter(cadre__id_number=intake.id_number)
        .first()
    )


@audited("intake.accept")
def intake_accept(
    *,
    intake: Intake,
    by,
    archive_no: str = "",
    cadre_unit: Unit | None = None,
    management_level: str = "",
    current_post: str = "",
) -> Intake:
    """验收接收 (requirement 33): the counts received equal the notice and the seal is intact, or nothing is
    accepted (INTAKE_COUNTS_MISMATCH, INTAKE_SEAL_BROKEN: the archive is to be returned with those reasons).

    The archive joins our holdings: the sender's own archive when the transfer was made in this system (the
    sender's receipt is recorded at the same time), the existing archive when the cadre's archive was
    transferred out earlier, otherwise a new cadre and archive under `archive_no`. The intake review follows."""
    intake = _lock(intake)
    if intake.status != IntakeStatus.REGISTERED:
        raise _state_error(intake, "验收接收")
    raise_for(discrepancies(intake))
    now = timezone.now()
    if intake.transfer_id:
        transfer = Transfer.objects.select_for_update(of=("self",)).get(pk=intake.transfer_id)
        if transfer.status != TransferStatus.SENT:
            raise DomainError(
                INVALID_STATE, "该转递已不在途（已回执、退回或撤销），不能据此接收。", "transfer"
            )
        archive = (
            Archive.objects.select_for_update(of=("self",))
            .select_related("cadre")
            .get(pk=transfer.archive_id)
        )
        transfer_services._apply_receipt(
            transfer, by=by, recipient=by.get_full_name(), receipt_on=intake.received_on, archive=archive
        )
        record(
            by,
            "transfer.receipt",
            archive=archive,
            target=transfer,
            details={"number": transfer.number, "notice": transfer.notice_number, "intake": intake.number},
        )
        archive = _move_here(intake, archive, by, how="本系统转递接收")
    else:
        archive = _existing_archive(intake)
        if archive is not None:
            if archive.status != ArchiveStatus.TRANSFERRED_OUT:
                raise DomainError(
                    ARCHIVE_ALREADY_HELD,
                    f"该干部的档案{archive.archive_no}现由{archive.holding_unit.name}保管"
                    f"（{archive.get_status_display()}），不能重复建档；本系统内的转递请按转递通知单登记接收。",
                    "id_number",
                )
            archive = _move_here(intake, archive, by, how="重新转入")
        else:
            archive = _new_archive(
                intake,
                by,
                archive_no=archive_no,
                cadre_unit=cadre_unit,
                management_level=management_level,
                current_post=current_post,
            )
    intake.status = IntakeStatus.ACCEPTED
    intake.archive = archive
    intake.accepted_by = by
    intake.accepted_at = now
    intake.review_status = IntakeReviewStatus.PENDING
    intake.save()
    _audit(by, "intake.accept", intake, archive_no=archive.archive_no, transfer=intake.transfer_id)
    return intake


def _new_archive(intake: Intake, by, *, archive_no, cadre_unit, management_level, current_post) -> Archive:
    missing = []
    if not intake.sex:
        missing.append(("sex", "性别"))
    if not intake.birth_date:
        missing.append(("birth_date", "出生日期"))
    if cadre_unit is None:
        missing.append(("cadre_unit", "干部所在单位"))
    if missing:
        raise DomainError.from_violations(
            [
                rules.Violation(rules.INTAKE_FORM_INCOMPLETE, f"新建档案须填写{label}。", field)
                for field, label in missing
            ]
        )
    if management_level and management_level not in ManagementLevel.values:
        raise DomainError(rules.INTAKE_FORM_INCOMPLETE, "管理层级无效。", "management_level")
    archive, _warnings = archive_services.cadre_register(
        by=by,
        cadre={
            "name": intake.name,
            "sex": intake.sex,
            "birth_date": intake.birth_date,
            "ethnicity": intake.ethnicity or "汉族",
            "id_number": intake.id_number,
            "work_start_date": intake.work_start_date,
            "party_join_date": intake.party_join_date,
            **({"political_status": intake.political_status} if intake.political_status else {}),
            "unit": cadre_unit,
            "management_level": management_level or ManagementLevel.OTHER,
            "current_post": (current_post or intake.unit_post or "").strip()[:200],
        },
        archive={
            "holding_unit": intake.holding_unit,
            "archive_no": archive_no,
            "main_volumes": intake.received_main or 1,
            "duplicate_volumes": intake.received_duplicate,
            "has_digital": intake.has_digital,
            "notes": f"由{intake.sending_unit_name}转入（{intake.notice_number or intake.number}）"[:300],
        },
    )
    ArchiveEvent.objects.create(
        archive=archive,
        kind="接收入库",
        description=(
            f"{intake.sending_unit_name}以{intake.notice_number or '转递通知单'}转来，实收正本{intake.received_main}卷、"
            f"副本{intake.received_duplicate}卷、材料{intake.received_loose}份（接收登记{intake.number}）"
        )[:300],
        actor=by,
        details={"intake": intake.pk},
    )
    return archive


@audited("intake.return")
def intake_return(*, intake: Intake, by, note: str = "") -> Intake:
    """退回: the reasons are the discrepancies found (counts, seal) and the clerk's note (other problems, such as
    falsified or wrongly determined materials, need the note). A transfer of this system goes back to its
    sender's store with these reasons."""
    intake = _lock(intake)
    if intake.status != IntakeStatus.REGISTERED:
        raise _state_error(intake, "退回")
    note = (note or "").strip()
    reasons = [v.message for v in discrepancies(intake)]
    if note:
        reasons.append(note)
    if not reasons:
        raise DomainError(
            rules.RETURN_REASON_REQUIRED, "数量相符、封口完好的档案如需退回，请填写退回原因。", "note"
        )
    text = "\n".join(f"{i}. {r}" for i, r in enumerate(reasons, start=1))
    intake.status = IntakeStatus.RETURNED
    intake.return_reasons = text
    intake.returned_by = by
    intake.returned_at = timezone.now()
    intake.save()
    if intake.transfer_id:
        transfer = Transfer.objects.select_for_update(of=("self",)).get(pk=intake.transfer_id)
        if transfer.status == TransferStatus.SENT:
            archive = Archive.objects.select_for_update(of=("self",)).get(pk=transfer.archive_id)
            transfer_services._apply_return(
                transfer,
                by=by,
                reasons="；".join(reasons),
                returned_on=timezone.localdate(),
                archive=archive,
            )
            record(
                by,
                "transfer.return",
                archive=archive,
                target=transfer,
                details={"number": transfer.number, "intake": intake.number, "reasons": reasons},
            )
    _audit(by, "intake.return", intake, reasons=reasons)
    return intake


# --- the intake review (接收审核) ----------------------------------------------------------------------------------


def _require_review(intake: Intake, wanted: str, doing: str) -> None:
    if intake.status != IntakeStatus.ACCEPTED or intake.review_status != wanted:
        raise _review_state_error(intake, doing)


@audited("intake.alteration_add")
def alteration_add(*, intake: Intake, by, data: dict) -> IntakeAlteration:
    """One alteration found (requirement 34): the material, the field, what was changed. A material already
    registered in the archive is marked 有涂改 (a new version of its record), so the red-flag checks see it."""
    intake = _lock(intake)
    _require_review(intake, IntakeReviewStatus.PENDING, "登记涂改情况")
    material = data.get("material")
    if material is not None and not isinstance(material, Material):
        material = Material.objects.filter(pk=material).first()
        if material is None:
            raise DomainError(rules.ALTERATION_INCOMPLETE, "所选材料不存在。", "material")
    if material is not None and material.archive_id != intake.archive_id:
        raise DomainError(rules.ALTERATION_INCOMPLETE, "所选材料不属于该档案。", "material")
    label = (data.get("material_label") or "").strip()
    if material is not None and not label:
        label = f"{material.seq_label} {material.title}".strip()
    values = {
        "material_label": label[:200],
        "field_name": (data.get("field_name") or "").strip()[:50],
        "before_text": (data.get("before_text") or "").strip()[:200],
        "after_text": (data.get("after_text") or "").strip()[:200],
        "description": (data.get("description") or "").strip()[:300],
    }
    raise_for(
        rules.check_alteration(
            material_label=values["material_label"],
            field_name=values["field_name"],
            description=values["description"],
        )
    )
    alteration = IntakeAlteration.objects.create(intake=intake, material=material, recorded_by=by, **values)
    if material is not None and material.status != "withdrawn":
        note = f"{values['field_name']}：{values['description']}"[:300]
        if not material.is_altered:
            archive_services.material_update(
                material=material,
                by=by,
                changes={"is_altered": True, "alteration_note": note},
                reason=f"接收审核发现涂改（{intake.number}）",
            )
    _audit(by, "intake.alteration_add", intake, alteration=alteration.pk, **{k: values[k] for k in values})
    return alteration


@audited("intake.alteration_remove")
def alteration_remove(*, alteration: IntakeAlteration, by) -> None:
    intake = _lock(alteration.intake)
    _require_review(intake, IntakeReviewStatus.PENDING, "删除涂改登记")
    data = {"material_label": alteration.material_label, "field_name": alteration.field_name}
    alteration.delete()
    _audit(by, "intake.alteration_remove", intake, **data)


@audited("intake.review_submit")
def review_submit(*, intake: Intake, by, note: str = "") -> Intake:
    """With alterations recorded: 提交组织确认. Without any: the review ends as 未发现涂改."""
    intake = _lock(intake)
    _require_review(intake, IntakeReviewStatus.PENDING, "提交")
    count = intake.alterations.count()
    intake.review_note = (note or "").strip()[:300]
    intake.review_submitted_by = by
    intake.review_submitted_at = timezone.now()
    intake.review_status = IntakeReviewStatus.AWAITING if count else IntakeReviewStatus.CLEAN
    intake.save()
    if not count:
        ArchiveEvent.objects.create(
            archive=intake.archive,
            kind="接收审核",
            description=f"接收审核完毕，未发现涂改（{intake.number}）",
            actor=by,
            details={"intake": intake.pk},
        )
    _audit(by, "intake.review_submit", intake, alterations=count)
    return intake


@audited("intake.review_confirm", reviewer=True)
def review_confirm(*, intake: Intake, by, opinion: str = "") -> Intake:
    """组织确认: a reviewer whose authority covers the cadre confirms the alteration record."""
    intake = _lock(intake)
    _require_review(intake, IntakeReviewStatus.AWAITING, "确认")
    raise_for(
        transfer_services.archive_approver_violations(
            intake.archive_id, by, prepared_by_id=intake.review_submitted_by_id, what="涂改情况登记"
        )
    )
    intake.review_status = IntakeReviewStatus.CONFIRMED
    intake.confirmed_by = by
    intake.confirmed_at = timezone.now()
    intake.confirming_organ = by.unit.name if by.unit_id else ""
    intake.confirm_opinion = (opinion or "经核实，涂改情况登记属实。").strip()[:300]
    intake.save()
    ArchiveEvent.objects.create(
        archive=intake.archive,
        kind="接收审核",
        description=f"涂改情况登记经{intake.confirming_organ}{by.get_full_name()}确认（{intake.number}）",
        actor=by,
        details={"intake": intake.pk},
    )
    _audit(by, "intake.review_confirm", intake, opinion=intake.confirm_opinion)
    return intake


@audited("intake.review_send_back", reviewer=True)
def review_send_back(*, intake: Intake, by, reason: str) -> Intake:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(rules.RETURN_REASON_REQUIRED, "退回补充须填写意见。", "reason")
    intake = _lock(intake)
    _require_review(intake, IntakeReviewStatus.AWAITING, "退回补充")
    intake.review_status = IntakeReviewStatus.PENDING
    intake.review_note = f"审批人意见：{reason}"[:300]
    intake.save()
    _audit(by, "intake.review_send_back", intake, reason=reason[:300])
    return intake


@audited("intake.review_file")
def review_file(*, intake: Intake, by) -> Intake:
    """The confirmed record is itself filed in the archive: 档案涂改情况登记表, category 5, kind alteration_record,
    received, identified and filed through the archive's own services (sequence number, renumbering, history)."""
    intake = _lock(intake)
    _require_review(intake, IntakeReviewStatus.CONFIRMED, "归档")
    archive = intake.archive
    day = timezone.localtime(intake.confirmed_at).date()
    category = MaterialCategory.objects.get(code="5")
    kind = MaterialKind.objects.filter(code=ALTERATION_KIND).first()
    count = intake.alterations.count()
    material, _warnings = archive_services.material_receive(
        by=by,
        archive=archive,
        data={
            "category": category,
            "kind": kind,
            "title": "档案涂改情况登记表",
            "formed_year": day.year,
            "formed_month": day.month,
            "formed_day": day.day,
            "page_count": 1,
            "producing_unit": intake.confirming_organ or intake.holding_unit.name,
            "received_date": timezone.localdate(),
            "remarks": f"接收审核{intake.number}，涂改{count}处"[:200],
        },
    )
    archive_services.material_identify(material=material, by=by)
    material = archive_services.material_file(material=material, by=by)
    intake.record_material = material
    intake.review_status = IntakeReviewStatus.FILED
    intake.save()
    _audit(by, "intake.review_file", intake, material=material.pk, seq=material.seq_label)
    return intake


def alteration_day(intake: Intake) -> datetime.date | None:
    return timezone.localtime(intake.confirmed_at).date() if intake.confirmed_at else None
