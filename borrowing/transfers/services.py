"""Every state change of an outgoing transfer (转递), one function per use case.

    transfer_create(*, archive, by, data)             草稿 (the basis document is required from the start)
    transfer_update(*, transfer, by, data)            草稿 edited
    transfer_generate_notice(*, transfer, by)         the notice gets its unique number 字第N号
    transfer_submit(*, transfer, by)                  草稿 → 待审批 (四不转递 checked)
    transfer_withdraw(*, transfer, by)                待审批 → 草稿 (the clerk takes it back to correct it)
    transfer_approve(*, transfer, by, opinion)        待审批 → 已批准 (authority as for access requests; 四不转递)
    transfer_reject(*, transfer, by, reason)          待审批 → 草稿 with the reviewer's reason
    transfer_send(*, transfer, by, ...)               已批准 → 已转出待回执, archive 转递中 (四不转递 again)
    transfer_record_receipt(*, transfer, by, ...)     → 已收回执, archive 已转出 (read-only, off the roster)
    transfer_return(*, transfer, by, reasons, ...)    → 被退回, archive back 在库 with the reasons
    transfer_chase(*, transfer, by, ...)              催问 recorded
    transfer_cancel(*, transfer, by, reason)          撤销 before sending
    receipt_overdue_sweep(*, today)                   the daily task: 回执逾期，应催问

Each runs in one transaction, locks the transfer row (then the archive row) with select_for_update so that two
people acting at once end in exactly one outcome, and writes its audit event and the archive's history in the same
transaction. A refusal the user caused is audited after the rollback.
"""

from __future__ import annotations

import datetime
import functools
import os

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.access import Action
from archives.completeness import missing_veto_items
from archives.models import (
    Archive,
    ArchiveEvent,
    ArchiveStatus,
    CadreStatus,
    FamilyMember,
    Material,
    MaterialStatus,
    SortingStatus,
)
from audit.models import Outcome
from audit.services import record
from borrowing import rules as borrowing_rules
from borrowing import rules_transfer as rules
from borrowing.models import (
    OPEN_TRANSFER_STATUSES,
    ChaseMethod,
    Transfer,
    TransferChannel,
    TransferChase,
    TransferStatus,
)
from borrowing.services import archive_is_out
from core.config import setting
from core.errors import DomainError, Violation, raise_for

INVALID_STATE = "INVALID_STATE"
PERMISSION_DENIED = "PERMISSION_DENIED"

EDITABLE_FIELDS = (
    "basis_kind",
    "basis_doc_no",
    "basis_issuer",
    "basis_date",
    "reason",
    "to_unit",
    "to_unit_name",
    "to_phone",
    "channel",
    "tracking_no",
    "collectors",
    "main_volumes",
    "duplicate_volumes",
    "loose_items",
    "has_digital",
)
TEXT_FIELDS = ("basis_doc_no", "basis_issuer", "reason", "to_unit_name", "to_phone", "tracking_no")
SCAN_MAX_BYTES = 20 * 1024 * 1024
SCAN_TYPES = {b"%PDF": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG": "png"}


# --- guards -------------------------------------------------------------------------------------------------------


def _require_clerk(by, archive: Archive, doing: str) -> None:
    """The clerk of the holdings (MANAGE on the archive); anyone else gets an audited 404."""
    if CLERK not in roles_of(by) or not access.can(by, Action.MANAGE, archive):
        raise access.deny(by, Action.MANAGE, archive=archive, reason=f"transfer: {doing}")


def _require_reviewer_sees(by, transfer: Transfer) -> None:
    if REVIEWER not in roles_of(by):
        raise DomainError(PERMISSION_DENIED, "只有审批人可以审批档案转递。", status=403)
    if not access.can(by, Action.VIEW_DIRECTORY, transfer.archive):
        raise access.deny(by, Action.VIEW_DIRECTORY, archive=transfer.archive, reason="transfer: approve")


def audited(action: str, *, reviewer: bool = False):
    """Check who may act before the transaction (an audited 404 survives), run the use case in one transaction,
    and audit a refusal the user caused (a DomainError) after its rollback."""

    def decorator(func):
        atomic = transaction.atomic(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            by = kwargs["by"]
            transfer = kwargs.get("transfer")
            archive = kwargs.get("archive") or (transfer.archive if transfer is not None else None)
            if reviewer:
                _require_reviewer_sees(by, transfer)
            elif archive is not None:
                _require_clerk(by, archive, action)
            try:
                return atomic(*args, **kwargs)
            except DomainError as exc:
                if exc.status == 400:
                    record(
                        by,
                        action,
                        archive=archive,
                        target=("borrowing.transfer", transfer.pk, str(transfer)) if transfer else None,
                        outcome=Outcome.DENIED,
                        details={
                            "code": exc.code,
                            "codes": sorted({v.code for v in exc.violations}),
                            "message": exc.message[:300],
                        },
                    )
                raise

        return wrapper

    return decorator


def _lock(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",)).select_related("archive__cadre").get(pk=transfer.pk)
    )


def _lock_notice_numbering(prefix: str) -> None:
    """Serialise numbering per prefix until this transaction ends, so two clerks never read the same maximum.

    PostgreSQL: a transaction-level advisory lock keyed on the prefix (released at commit, after which the next
    clerk's MAX sees the committed number). SQLite serialises writers by itself.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(7300002, hashtext(%s))", [prefix])


def _lock_archive(archive_id: int) -> Archive:
    return (
        Archive.objects.select_for_update(of=("self",))
        .select_related("cadre__unit", "holding_unit")
        .get(pk=archive_id)
    )


def _state_error(transfer: Transfer, doing: str) -> DomainError:
    return DomainError(
        INVALID_STATE, f"该转递当前状态为“{transfer.get_status_display()}”，不能{doing}。", "status"
    )


def _event(archive: Archive, kind: str, description: str, by, transfer: Transfer, **details) -> None:
    ArchiveEvent.objects.create(
        archive=archive,
        kind=kind,
        description=description[:300],
        actor=by,
        details={"transfer": transfer.pk, "notice": transfer.notice_number, **details},
    )


def _audit(by, action: str, transfer: Transfer, **details) -> None:
    record(
        by,
        action,
        archive=transfer.archive,
        target=transfer,
        details={"number": transfer.number, "notice": transfer.notice_number, **details},
    )


# --- facts and checks ---------------------------------------------------------------------------------------------


def falsification_open(archive: Archive) -> list[str]:
    """Unresolved suspected falsifications (涉嫌造假) recorded by a pre-appointment review of this archive."""
    from reviews.models import FlagStatus, ReviewFlag
    from reviews.rules import SUSPECTED_FALSIFICATION

    return [
        message.removeprefix("涉嫌造假：").split("。")[0]
        for message in ReviewFlag.objects.filter(
            case__archive=archive, code=SUSPECTED_FALSIFICATION, status=FlagStatus.OPEN
        ).values_list("message", flat=True)
    ]


def transfer_facts(transfer: Transfer, archive: Archive | None = None) -> rules.TransferFacts:
    """The archive as it stands now, for 四不转递 (the completeness check is run afresh)."""
    archive = archive or transfer.archive
    materials = Material.objects.filter(archive=archive)
    unfiled = tuple(
        materials.filter(status__in=[MaterialStatus.RECEIVED, MaterialStatus.IDENTIFIED])
        .order_by("id")
        .values_list("title", flat=True)
    )
    unnumbered = tuple(
        materials.filter(status=MaterialStatus.FILED, seq__isnull=True)
        .order_by("id")
        .values_list("title", flat=True)
    )
    return rules.TransferFacts(
        archive_no=archive.archive_no,
        basis=rules.BasisFacts(
            kind=transfer.basis_kind,
            doc_no=transfer.basis_doc_no,
            issuer=transfer.basis_issuer,
            date=transfer.basis_date,
        ),
        notice_number=transfer.notice_number,
        sorting_status=archive.sorting_status,
        sorting_label=SortingStatus(archive.sorting_status).label,
        unfiled=unfiled,
        unnumbered=unnumbered,
        missing_veto=tuple(item["name"] for item in missing_veto_items(archive)),
        archive_status=archive.status,
        paper_out=archive_is_out(archive),
        falsification=tuple(falsification_open(archive)),
    )


def check_transfer(transfer: Transfer) -> list[Violation]:
    """四不转递 for a transfer as it stands (shown on its page before anyone acts; nothing changes)."""
    return rules.four_rules(transfer_facts(transfer), today=timezone.localdate())


# --- create and edit ----------------------------------------------------------------------------------------------


def _clean(data: dict) -> dict:
    values = {k: data[k] for k in EDITABLE_FIELDS if k in data}
    for name in TEXT_FIELDS:
        if name in values:
            values[name] = (values[name] or "").strip()
    if "basis_kind" in values:
        values["basis_kind"] = values["basis_kind"] or ""
    if "channel" in values:
        values["channel"] = (values["channel"] or "").strip()
    if "collectors" in values:
        raw = values["collectors"] or []
        if isinstance(raw, str):
            raw = raw.replace("，", ",").replace("、", ",").split(",")
        values["collectors"] = rules.normalise_names(raw)
    if "has_digital" in values:
        values["has_digital"] = bool(values["has_digital"])
    unit = values.get("to_unit")
    if unit is not None and not isinstance(unit, Unit):
        raise DomainError(rules.RECEIVING_UNIT_INVALID, "接收单位无效。", "to_unit")
    if unit is not None:
        values["to_unit_name"] = unit.name
    return values


def _form_violations(transfer: Transfer, archive: Archive, *, basis: bool = True) -> list[Violation]:
    """What a transfer must state to exist at all: its basis (requirement 25), the receiving unit, the reason, a
    permitted channel, and the counts of a whole archive."""
    same = bool(
        (transfer.to_unit_id and transfer.to_unit_id == archive.holding_unit_id)
        or (transfer.to_unit_name and transfer.to_unit_name == archive.holding_unit.name)
    )
    violations = []
    if basis:
        violations += rules.check_basis(
            rules.BasisFacts(
                transfer.basis_kind, transfer.basis_doc_no, transfer.basis_issuer, transfer.basis_date
            ),
            today=timezone.localdate(),
        )
    return [
        *violations,
        *rules.check_receiving_unit(name=transfer.to_display, same_as_sender=same),
        *rules.check_reason(transfer.reason),
        *rules.check_channel(transfer.channel),
        *rules.check_counts(
            main_volumes=transfer.main_volumes,
            duplicate_volumes=transfer.duplicate_volumes,
            loose_items=transfer.loose_items,
            archive_main=archive.main_volumes,
            archive_duplicate=archive.duplicate_volumes,
        ),
    ]


def _check_form(transfer: Transfer, archive: Archive) -> None:
    raise_for(_form_violations(transfer, archive))


def _check_all(transfer: Transfer, archive: Archive) -> None:
    """The form and 四不转递 together, so that every reason is reported at once."""
    raise_for(
        _form_violations(transfer, archive, basis=False)
        + rules.four_rules(transfer_facts(transfer, archive), today=timezone.localdate())
    )


def _cadre_unit_post(archive: Archive) -> str:
    cadre = archive.cadre
    post = (cadre.current_post or "").strip()
    unit = cadre.unit.name if cadre.unit_id else ""
    if post and unit and not post.startswith(unit):
        return f"{unit}{post}"[:200]
    return (post or unit)[:200]


@audited("transfer.create")
def transfer_create(*, archive: Archive, by, data: dict) -> Transfer:
    """A new transfer (草稿) of one whole archive, with its basis document from the start."""
    archive = _lock_archive(archive.pk)
    if archive.status == ArchiveStatus.TRANSFERRED_OUT:
        raise DomainError(rules.TRANSFER_ALREADY_OPEN, f"档案{archive.archive_no}已转出。", "archive")
    existing = Transfer.objects.filter(archive=archive, status__in=OPEN_TRANSFER_STATUSES).first()
    if existing is not None:
        raise DomainError(
            rules.TRANSFER_ALREADY_OPEN,
            f"档案{archive.archive_no}已有一件未办结的转递（{existing.number}，{existing.get_status_display()}），"
            "同一份档案只能整卷转递一次。",
            "archive",
        )
    values = _clean(data)
    values.setdefault("main_volumes", archive.main_volumes)
    values.setdefault("duplicate_volumes", archive.duplicate_volumes)
    values.setdefault("has_digital", archive.has_digital)
    transfer = Transfer(
        archive=archive,
        from_unit=archive.holding_unit,
        created_by=by,
        archive_no=archive.archive_no,
        cadre_name=archive.cadre.name,
        cadre_id_number=archive.cadre.id_number or "",
        cadre_unit_post=_cadre_unit_post(archive),
        **values,
    )
    _check_form(transfer, archive)
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise DomainError(
            rules.TRANSFER_ALREADY_OPEN, f"档案{archive.archive_no}已有一件未办结的转递。", "archive"
        ) from None
    transfer.number = f"ZD{timezone.localdate().year}-{transfer.pk:05d}"
    Transfer.objects.filter(pk=transfer.pk).update(number=transfer.number)
    _event(archive, "转递登记", f"登记转递：拟转至{transfer.to_display}（{transfer.reason}）", by, transfer)
    _audit(by, "transfer.create", transfer, to=transfer.to_display, basis=transfer.basis_doc_no)
    return transfer


@audited("transfer.update")
def transfer_update(*, transfer: Transfer, by, data: dict) -> Transfer:
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.DRAFT:
        raise _state_error(transfer, "修改")
    values = _clean(data)
    if "to_unit" in data and data["to_unit"] is None and "to_unit_name" not in data:
        values["to_unit_name"] = ""
    before = {k: getattr(transfer, k) for k in values}
    for key, value in values.items():
        setattr(transfer, key, value)
    archive = _lock_archive(transfer.archive_id)
    _check_form(transfer, archive)
    transfer.save()
    changed = {
        k: [str(before[k] or ""), str(values[k] or "")]
        for k in values
        if str(before[k] or "") != str(values[k] or "")
    }
    _audit(by, "transfer.update", transfer, changes=changed)
    return transfer


# --- the notice ---------------------------------------------------------------------------------------------------


@audited("transfer.notice")
def transfer_generate_notice(*, transfer: Transfer, by) -> Transfer:
    """开具转递通知单: the next number "{prefix}字第N号" of the locality's prefix, unique (a constraint)."""
    transfer = _lock(transfer)
    if transfer.status not in (TransferStatus.DRAFT, TransferStatus.SUBMITTED, TransferStatus.APPROVED):
        raise _state_error(transfer, "开具转递通知单")
    if transfer.notice_seq is not None:
        return transfer
    prefix = str(setting("TRANSFER_NOTICE_PREFIX")).strip()[:20] or "档"
    _lock_notice_numbering(prefix)
    last = Transfer.objects.filter(notice_prefix=prefix).aggregate(n=Max("notice_seq"))["n"] or 0
    try:
        with transaction.atomic():
            Transfer.objects.filter(pk=transfer.pk).update(
                notice_prefix=prefix, notice_seq=last + 1, notice_at=timezone.now()
            )
    except IntegrityError as exc:  # only reachable if a number was written outside this service
        raise DomainError(INVALID_STATE, "通知单编号冲突，请稍后重试。", "notice") from exc
    transfer.refresh_from_db()
    _event(transfer.archive, "开具转递通知单", f"开具转递通知单{transfer.notice_number}", by, transfer)
    _audit(by, "transfer.notice", transfer)
    return transfer


# --- approval -----------------------------------------------------------------------------------------------------


@audited("transfer.submit")
def transfer_submit(*, transfer: Transfer, by) -> Transfer:
    """草稿 → 待审批, once 四不转递 passes."""
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.DRAFT:
        raise _state_error(transfer, "提交审批")
    archive = _lock_archive(transfer.archive_id)
    _check_all(transfer, archive)
    transfer.status = TransferStatus.SUBMITTED
    transfer.submitted_at = timezone.now()
    transfer.reject_reason = ""
    transfer.save()
    _audit(by, "transfer.submit", transfer)
    return transfer


@audited("transfer.withdraw")
def transfer_withdraw(*, transfer: Transfer, by) -> Transfer:
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.SUBMITTED:
        raise _state_error(transfer, "撤回")
    transfer.status = TransferStatus.DRAFT
    transfer.save()
    _audit(by, "transfer.withdraw", transfer)
    return transfer


def approver_violations(transfer: Transfer, approver) -> list[Violation]:
    """APPROVER_NOT_AUTHORISED: the same decision as for access requests (borrowing.rules.check_approver: the
    审批人 role, 三员分立, not the clerk who prepared it, not the cadre or a relative, and a cadre-management
    authority covering the cadre), worded for a transfer."""
    return archive_approver_violations(
        transfer.archive_id, approver, prepared_by_id=transfer.created_by_id, what="档案转递"
    )


def archive_approver_violations(
    archive_id: int, approver, *, prepared_by_id: int | None, what: str
) -> list[Violation]:
    """borrowing.rules.check_approver for one archive, as if it were the subject of an access request."""
    from borrowing.services import approver_facts

    archive = Archive.objects.select_related("cadre__unit").get(pk=archive_id)
    cadre = archive.cadre
    family = tuple(
        borrowing_rules.Person(m.name, m.id_number, m.birth_date, m.relation)
        for m in FamilyMember.objects.filter(cadre=cadre)
    )
    subject = borrowing_rules.SubjectFacts(
        archive_id=archive.pk,
        archive_no=archive.archive_no,
        cadre_name=cadre.name,
        cadre_id_number=cadre.id_number or "",
        cadre_birth_date=cadre.birth_date,
        cadre_unit_path=cadre.unit.path if cadre.unit_id else "",
        management_level=cadre.management_level,
        archive_status=archive.status,
        family=family,
    )
    request = borrowing_rules.RequestFacts(created_by_id=prepared_by_id, subjects=(subject,))
    return rules.as_transfer_wording(borrowing_rules.check_approver(request, approver_facts(approver)), what)


@audited("transfer.approve", reviewer=True)
def transfer_approve(*, transfer: Transfer, by, opinion: str = "") -> Transfer:
    """待审批 → 已批准, by a reviewer whose authority covers the cadre; 四不转递 checked again."""
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.SUBMITTED:
        raise _state_error(transfer, "审批")
    raise_for(approver_violations(transfer, by))
    archive = _lock_archive(transfer.archive_id)
    _check_all(transfer, archive)
    transfer.status = TransferStatus.APPROVED
    transfer.approved_by = by
    transfer.approved_at = timezone.now()
    transfer.approval_opinion = (opinion or "同意转递。").strip()[:300]
    transfer.save()
    _event(
        archive,
        "转递审批",
        f"转递经{by.get_full_name()}批准：{transfer.approval_opinion}",
        by,
        transfer,
    )
    _audit(by, "transfer.approve", transfer, opinion=transfer.approval_opinion)
    return transfer


@audited("transfer.reject", reviewer=True)
def transfer_reject(*, transfer: Transfer, by, reason: str) -> Transfer:
    """待审批 → 草稿 with the reviewer's reason (退回修改)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(rules.RETURN_REASON_REQUIRED, "退回修改须填写意见。", "reason")
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.SUBMITTED:
        raise _state_error(transfer, "审批")
    raise_for(approver_violations(transfer, by))
    transfer.status = TransferStatus.DRAFT
    transfer.reject_reason = reason[:300]
    transfer.save()
    _audit(by, "transfer.reject", transfer, reason=reason[:300])
    return transfer


# --- sending, receipt, return -------------------------------------------------------------------------------------


@audited("transfer.send")
def transfer_send(
    *,
    transfer: Transfer,
    by,
    sent_on: datetime.date | None = None,
    tracking_no: str | None = None,
    collectors=None,
) -> Transfer:
    """已批准 → 已转出待回执: the whole archive leaves the store (转递中). 四不转递 is checked again (a loan may
    have started since the approval), with the courier's tracking number or the two collectors."""
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.APPROVED:
        raise _state_error(transfer, "转出")
    if tracking_no is not None:
        transfer.tracking_no = (tracking_no or "").strip()[:40]
    if collectors is not None:
        transfer.collectors = _clean({"collectors": collectors})["collectors"]
    archive = _lock_archive(transfer.archive_id)
    today = timezone.localdate()
    sent_on = sent_on or today
    if sent_on > today:
        raise DomainError(rules.TRANSFER_FORM_INCOMPLETE, "转出日期不能晚于今天。", "sent_on")
    if transfer.approved_at and sent_on < timezone.localtime(transfer.approved_at).date():
        raise DomainError(rules.TRANSFER_FORM_INCOMPLETE, "转出日期不能早于批准日期。", "sent_on")
    raise_for(
        rules.check_dispatch(
            channel=transfer.channel,
            tracking_no=transfer.tracking_no,
            collectors=transfer.collectors,
            cadre_name=transfer.cadre_name,
        )
        + rules.check_counts(
            main_volumes=transfer.main_volumes,
            duplicate_volumes=transfer.duplicate_volumes,
            loose_items=transfer.loose_items,
            archive_main=archive.main_volumes,
            archive_duplicate=archive.duplicate_volumes,
        )
        + rules.four_rules(transfer_facts(transfer, archive), today=today)
    )
    if archive.status != ArchiveStatus.IN_STORE:
        raise DomainError(
            rules.FILE_INCOMPLETE,
            f"案卷材料不齐全：档案{archive.archive_no}当前为“{archive.get_status_display()}”，不在库，不能转出。",
            "archive",
        )
    transfer.status = TransferStatus.SENT
    transfer.sent_on = sent_on
    transfer.sent_at = timezone.now()
    transfer.sent_by = by
    transfer.save()
    archive.status = ArchiveStatus.TRANSFERRING
    archive.save(update_fields=["status", "updated_at"])
    how = (
        f"机要交通，机要号{transfer.tracking_no}"
        if transfer.channel == TransferChannel.CONFIDENTIAL
        else f"专人送取，取档人{'、'.join(transfer.collectors)}"
    )
    _event(
        archive,
        "转出",
        f"以{transfer.notice_number}转至{transfer.to_display}（{how}），正本{transfer.main_volumes}卷、"
        f"副本{transfer.duplicate_volumes}卷、材料{transfer.loose_items}份，待回执",
        by,
        transfer,
    )
    _audit(
        by,
        "transfer.send",
        transfer,
        to=transfer.to_display,
        channel=transfer.channel,
        tracking_no=transfer.tracking_no,
        collectors=transfer.collectors,
        sent_on=sent_on,
    )
    return transfer


def _scan_ext(data: bytes) -> str | None:
    for magic, ext in SCAN_TYPES.items():
        if data.startswith(magic):
            return ext
    return None


def _apply_receipt(transfer: Transfer, *, by, recipient: str, receipt_on, archive: Archive) -> None:
    transfer.status = TransferStatus.RECEIVED
    transfer.receipt_recipient = recipient.strip()[:50]
    transfer.receipt_on = receipt_on
    transfer.receipt_recorded_by = by
    transfer.receipt_recorded_at = timezone.now()
    transfer.save()
    archive.status = ArchiveStatus.TRANSFERRED_OUT
    archive.save(update_fields=["status", "updated_at"])
    cadre = archive.cadre
    if cadre.status == CadreStatus.SERVING:
        type(cadre).objects.filter(pk=cadre.pk).update(status=CadreStatus.TRANSFERRED)
    _event(
        archive,
        "回执",
        f"{transfer.to_display}{transfer.receipt_recipient}于{receipt_on:%Y-%m-%d}签收（{transfer.notice_number}），"
        "档案已转出，注销名册",
        by,
        transfer,
    )


@audited("transfer.receipt")
def transfer_record_receipt(
    *, transfer: Transfer, by, recipient: str, receipt_on: datetime.date | None, scan=None
) -> Transfer:
    """回执: the receiver signed for it. The archive becomes 已转出: read-only and off the active roster; its
    history stays in the transfer-out register. The scan of the signed receipt is optional (PDF, JPEG, PNG)."""
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.SENT:
        raise _state_error(transfer, "登记回执")
    raise_for(
        rules.check_receipt(
            recipient=recipient, receipt_on=receipt_on, sent_on=transfer.sent_on, today=timezone.localdate()
        )
    )
    data = b""
    if scan is not None:
        data = scan.read() if hasattr(scan, "read") else bytes(scan)
        ext = _scan_ext(data)
        if not data or ext is None:
            raise DomainError(rules.RECEIPT_INVALID, "回执扫描件须为 PDF、JPEG 或 PNG 文件。", "scan")
        if len(data) > SCAN_MAX_BYTES:
            raise DomainError(rules.RECEIPT_INVALID, "回执扫描件不得超过 20 MB。", "scan")
    archive = _lock_archive(transfer.archive_id)
    if data:
        name = f"transfers/{transfer.archive_no}/{transfer.pk}-receipt.{_scan_ext(data)}"
        transfer.receipt_scan.save(name, ContentFile(data), save=False)
    _apply_receipt(transfer, by=by, recipient=recipient, receipt_on=receipt_on, archive=archive)
    _audit(
        by,
        "transfer.receipt",
        transfer,
        recipient=transfer.receipt_recipient,
        receipt_on=receipt_on,
        scan=bool(data),
    )
    return transfer


def _apply_return(transfer: Transfer, *, by, reasons: str, returned_on, archive: Archive) -> None:
    transfer.status = TransferStatus.RETURNED
    transfer.return_reasons = reasons[:2000]
    transfer.returned_on = returned_on
    transfer.save()
    archive.status = ArchiveStatus.IN_STORE
    archive.save(update_fields=["status", "updated_at"])
    _event(
        archive,
        "转递退回",
        f"{transfer.to_display}于{returned_on:%Y-%m-%d}退回（{transfer.notice_number}），档案重新入库。退回原因：{reasons}",
        by,
        transfer,
        reasons=reasons[:2000],
    )


@audited("transfer.return")
def transfer_return(
    *, transfer: Transfer, by, reasons: str, returned_on: datetime.date | None = None
) -> Transfer:
    """The receiver sent the archive back with its reasons (materials missing, sorting substandard...): it is 在库
    again, and the reasons stay in its history. A new transfer can be prepared once they are dealt with."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise DomainError(rules.RETURN_REASON_REQUIRED, "请填写接收单位退回的原因。", "reasons")
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.SENT:
        raise _state_error(transfer, "登记退回")
    today = timezone.localdate()
    returned_on = returned_on or today
    if returned_on > today or (transfer.sent_on and returned_on < transfer.sent_on):
        raise DomainError(rules.RETURN_REASON_REQUIRED, "退回日期须在转出日期与今天之间。", "returned_on")
    archive = _lock_archive(transfer.archive_id)
    _apply_return(transfer, by=by, reasons=reasons, returned_on=returned_on, archive=archive)
    _audit(by, "transfer.return", transfer, reasons=reasons[:500], returned_on=returned_on)
    return transfer


@audited("transfer.chase")
def transfer_chase(
    *,
    transfer: Transfer,
    by,
    chased_on: datetime.date | None,
    method: str,
    contact: str = "",
    note: str = "",
) -> TransferChase:
    """催问: a chase of a missing receipt by phone, letter or in person, recorded with the date."""
    transfer = _lock(transfer)
    if transfer.status != TransferStatus.SENT:
        raise _state_error(transfer, "催问回执")
    raise_for(
        rules.check_chase(
            chased_on=chased_on,
            method=method,
            methods=ChaseMethod.values,
            sent_on=transfer.sent_on,
            today=timezone.localdate(),
        )
    )
    chase = TransferChase.objects.create(
        transfer=transfer,
        chased_on=chased_on,
        method=method,
        contact=(contact or "").strip()[:50],
        note=(note or "").strip()[:300],
        by=by,
    )
    _event(
        transfer.archive,
        "回执催问",
        f"{chased_on:%Y-%m-%d}以{chase.get_method_display()}向{transfer.to_display}催问回执"
        + (f"（{chase.contact}）" if chase.contact else "")
        + (f"：{chase.note}" if chase.note else ""),
        by,
        transfer,
    )
    _audit(by, "transfer.chase", transfer, chased_on=chased_on, method=method, note=chase.note)
    return chase


@audited("transfer.cancel")
def transfer_cancel(*, transfer: Transfer, by, reason: str) -> Transfer:
    """撤销 a transfer not yet sent (the notice number, if any, is void and never reused)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(rules.RETURN_REASON_REQUIRED, "撤销须填写原因。", "reason")
    transfer = _lock(transfer)
    if transfer.status not in (TransferStatus.DRAFT, TransferStatus.SUBMITTED, TransferStatus.APPROVED):
        raise _state_error(transfer, "撤销")
    transfer.status = TransferStatus.CANCELLED
    transfer.cancelled_at = timezone.now()
    transfer.cancel_reason = reason[:300]
    transfer.save()
    _event(
        transfer.archive,
        "转递撤销",
        f"撤销转递{transfer.notice_number or transfer.number}：{reason}",
        by,
        transfer,
    )
    _audit(by, "transfer.cancel", transfer, reason=reason[:300])
    return transfer


# --- the daily task -----------------------------------------------------------------------------------------------


def receipt_overdue_sweep(*, today: datetime.date | None = None) -> int:
    """回执逾期，应催问: mark sent transfers with no receipt after RECEIPT_CHASE_DAYS (once each; idempotent).

    The mark puts them on the clerk's home panel and in the archive's history; the auditor finds the report."""
    today = today or timezone.localdate()
    days = setting("RECEIPT_CHASE_DAYS")
    cutoff = today - datetime.timedelta(days=days)
    count = 0
    due = Transfer.objects.filter(
        status=TransferStatus.SENT, receipt_overdue_at__isnull=True, sent_on__lt=cutoff
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            transfer = Transfer.objects.select_for_update(of=("self",)).select_related("archive").get(pk=pk)
            if transfer.status != TransferStatus.SENT or transfer.receipt_overdue_at is not None:
                continue
            if not rules.receipt_overdue(sent_on=transfer.sent_on, today=today, chase_days=days):
                continue
            transfer.receipt_overdue_at = timezone.now()
            transfer.save(update_fields=["receipt_overdue_at", "updated_at"])
            late = (today - transfer.sent_on).days
            _event(
                transfer.archive,
                "回执逾期",
                f"{transfer.notice_number}转出已{late}天未收到回执（期限{days}天），应催问",
                None,
                transfer,
            )
            _audit(None, "transfer.receipt_overdue", transfer, days_since_sent=late, limit_days=days)
            count += 1
    return count


def scan_name(transfer: Transfer) -> str:
    return os.path.basename(transfer.receipt_scan.name) if transfer.receipt_scan else ""
