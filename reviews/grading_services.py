"""Every state change of a new cadre archive grading (新任干部档案评分), one function per use case.

    grading_create(*, archive, by, data)            the sheet as it stands is copied onto the grading (初审中)
    grading_update(*, grading, by, data)            header (submitting unit, post, dates) while 初审中
    grading_score(*, grading, by, lines, vetoes)    deductions and problems per item, veto findings (初审中)
    grading_sign(*, grading, by, stage)             初审 → 复核 → 复审 by three different people; the third
                                                    signature makes the result final (score, grade, thresholds)
    grading_send_back(*, grading, by, reason)       复核 or 复审 sends it back to 初审 (signatures cleared)
    grading_return_to_unit(*, grading, by, ...)     a graded archive returned to its submitting unit

Who may act: 初审 by the clerk of the holdings (管档员, MANAGE on the archive); 复核 by another clerk of the
holdings or a 审批人 whose authority covers the cadre; 复审 by such a 审批人 (the authority check of access
requests, borrowing.rules.check_approver). Anyone else gets an audited 404 (or 403 for a role they lack).
"""

from __future__ import annotations

import functools
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import CLERK, REVIEWER, roles_of
from archives import access
from archives.access import Action
from archives.models import Archive, ArchiveEvent
from audit.models import Outcome
from audit.services import record
from core.config import setting
from core.errors import DomainError, raise_for
from reviews import grading as rules
from reviews.models import (
    ArchiveGrading,
    GradingItem,
    GradingLine,
    GradingStatus,
    GradingVetoItem,
    GradingVetoLine,
)

INVALID_STATE = "INVALID_STATE"
LATE_ITEM = "submit_on_time"
STAGE_STATUS = {
    "initial": GradingStatus.DRAFT,
    "check": GradingStatus.CHECKING,
    "second": GradingStatus.SECOND,
}
NEXT_STATUS = {
    "initial": GradingStatus.CHECKING,
    "check": GradingStatus.SECOND,
    "second": GradingStatus.FINAL,
}


def audited(action: str):
    """Visibility first (an audited 404 outside the transaction), then one transaction; refusals audited."""

    def decorator(func):
        atomic = transaction.atomic(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            by = kwargs["by"]
            grading = kwargs.get("grading")
            archive = kwargs.get("archive") or (grading.archive if grading is not None else None)
            if archive is not None and not access.can(by, Action.VIEW_DIRECTORY, archive):
                raise access.deny(by, Action.VIEW_DIRECTORY, archive=archive, reason=f"grading: {action}")
            try:
                return atomic(*args, **kwargs)
            except DomainError as exc:
                if exc.status == 400:
                    record(
                        by,
                        action,
                        archive=archive,
                        target=("reviews.archivegrading", grading.pk, str(grading))
                        if grading is not None
                        else None,
                        outcome=Outcome.DENIED,
                        details={"code": exc.code, "codes": sorted({v.code for v in exc.violations})},
                    )
                raise

        return wrapper

    return decorator


def _lock(grading: ArchiveGrading) -> ArchiveGrading:
    return (
        ArchiveGrading.objects.select_for_update(of=("self",))
        .select_related("archive__cadre")
        .get(pk=grading.pk)
    )


def _is_clerk(by, archive: Archive) -> bool:
    return CLERK in roles_of(by) and access.can(by, Action.MANAGE, archive)


def _require_clerk(by, archive: Archive, doing: str) -> None:
    if not _is_clerk(by, archive):
        raise DomainError("PERMISSION_DENIED", f"只有该档案的管档员可以{doing}。", status=403)


def _reviewer_violations(by, archive: Archive) -> list:
    from borrowing.transfers.services import archive_approver_violations

    return archive_approver_violations(archive.pk, by, prepared_by_id=None, what="档案评分")


def _state_error(grading: ArchiveGrading, doing: str) -> DomainError:
    return DomainError(
        rules.GRADE_NOT_EDITABLE if grading.status == GradingStatus.FINAL else INVALID_STATE,
        f"该评分当前为“{grading.get_status_display()}”，不能{doing}。",
        "status",
    )


def _event(grading: ArchiveGrading, kind: str, description: str, by) -> None:
    ArchiveEvent.objects.create(
        archive=grading.archive,
        kind=kind,
        description=description[:300],
        actor=by,
        details={"grading": grading.pk},
    )


def _audit(by, action: str, grading: ArchiveGrading, **details) -> None:
    record(by, action, archive=grading.archive, target=grading, details={"number": grading.number, **details})


def thresholds() -> tuple[Decimal, Decimal]:
    return Decimal(str(setting("GRADE_PASS_THRESHOLD"))), Decimal(str(setting("GRADE_EXCELLENT_THRESHOLD")))


def _lines(grading: ArchiveGrading) -> list[rules.Line]:
    return [
        rules.Line(number=line.number, weight=line.weight, deduction=line.deduction, problems=line.problems)
        for line in grading.lines.all()
    ]


def provisional(grading: ArchiveGrading) -> tuple[Decimal, str]:
    """The score and the grade the sheet gives now (final only with the three signatures)."""
    value = rules.score(_lines(grading))
    veto = grading.vetoes.filter(found=True).exists()
    pass_line, excellent_line = thresholds()
    return value, rules.grade(value, veto=veto, pass_threshold=pass_line, excellent_threshold=excellent_line)


# --- create and edit --------------------------------------------------------------------------------------------


def _header(data: dict) -> dict:
    values = {
        k: data[k] for k in ("submitting_unit", "post", "appointed_on", "submitted_on", "year") if k in data
    }
    if "post" in values:
        values["post"] = (values["post"] or "").strip()[:200]
    unit = values.get("submitting_unit")
    if "submitting_unit" in values and not isinstance(unit, Unit):
        raise DomainError(rules.GRADE_FORM_INCOMPLETE, "请选择报送单位。", "submitting_unit")
    return values


def _check_header(grading: ArchiveGrading) -> None:
    violations = rules.check_dates(
        appointed_on=grading.appointed_on, submitted_on=grading.submitted_on, today=timezone.localdate()
    )
    if not grading.post:
        violations.append(rules.Violation(rules.GRADE_FORM_INCOMPLETE, "请填写新任职务。", "post"))
    raise_for(violations)


def _apply_late(grading: ArchiveGrading) -> None:
    """The on-time item follows the dates: a late submission loses that item's weight, with the reason."""
    months = setting("GRADE_SUBMIT_MONTHS")
    grading.is_late = rules.is_late(grading.appointed_on, grading.submitted_on, months)
    line = grading.lines.filter(item__code=LATE_ITEM).first()
    if line is None:
        return
    if grading.is_late:
        days = (grading.submitted_on - grading.appointed_on).days
        line.deduction = line.weight
        line.problems = f"任职后{days}天报送，超过{months}个月，逾期报送。"
    elif line.problems.endswith("逾期报送。"):
        line.deduction = Decimal(0)
        line.problems = ""
    line.save(update_fields=["deduction", "problems"])


@audited("grading.create")
def grading_create(*, archive: Archive, by, data: dict) -> ArchiveGrading:
    """A new grading of a new cadre's archive: the active sheet and veto items are copied onto it."""
    _require_clerk(by, archive, "登记档案评分")
    archive = Archive.objects.select_for_update(of=("self",)).get(pk=archive.pk)
    values = _header(data)
    if "submitting_unit" not in values:
        raise DomainError(rules.GRADE_FORM_INCOMPLETE, "请选择报送单位。", "submitting_unit")
    grading = ArchiveGrading(archive=archive, created_by=by, **values)
    _check_header(grading)
    grading.year = grading.year or grading.submitted_on.year
    try:
        with transaction.atomic():
            grading.save()
    except IntegrityError:
        raise DomainError(
            rules.GRADING_ALREADY_OPEN, f"档案{archive.archive_no}已有一件未定级的评分。", "archive"
        ) from None
    grading.number = f"PF{grading.year}-{grading.pk:05d}"
    ArchiveGrading.objects.filter(pk=grading.pk).update(number=grading.number)
    items = list(GradingItem.objects.filter(is_active=True).order_by("number", "id"))
    if not items:
        raise DomainError(
            rules.GRADE_FORM_INCOMPLETE, "评分标准表为空，请系统管理员先维护评分标准。", "archive"
        )
    GradingLine.objects.bulk_create(
        GradingLine(
            grading=grading, item=i, number=i.number, standard=i.standard, method=i.method, weight=i.weight
        )
        for i in items
    )
    GradingVetoLine.objects.bulk_create(
        GradingVetoLine(grading=grading, veto=v, number=v.number, name=v.name)
        for v in GradingVetoItem.objects.filter(is_active=True).order_by("number", "id")
    )
    _apply_late(grading)
    grading.score, _ = provisional(grading)
    grading.save(update_fields=["is_late", "score"])
    _event(grading, "档案评分", f"登记新任干部档案评分{grading.number}（{grading.post}）", by)
    _audit(by, "grading.create", grading, submitting_unit=grading.submitting_unit.name, late=grading.is_late)
    return grading


@audited("grading.update")
def grading_update(*, grading: ArchiveGrading, by, data: dict) -> ArchiveGrading:
    grading = _lock(grading)
    _require_clerk(by, grading.archive, "修改评分")
    if grading.status != GradingStatus.DRAFT:
        raise _state_error(grading, "修改")
    for key, value in _header(data).items():
        setattr(grading, key, value)
    _check_header(grading)
    _apply_late(grading)
    grading.score, _ = provisional(grading)
    grading.save()
    _audit(by, "grading.update", grading)
    return grading


@audited("grading.score")
def grading_score(*, grading: ArchiveGrading, by, lines: dict, vetoes: dict | None = None) -> ArchiveGrading:
    """Deductions and problems per item ({item number: {"deduction", "problems"}}) and veto findings
    ({veto number: {"found", "note"}}). Every row is checked before anything is saved: a deduction above the
    item's weight is refused (GRADE_DEDUCTION_EXCEEDS_WEIGHT), as is one without its problem."""
    grading = _lock(grading)
    _require_clerk(by, grading.archive, "评分（初审）")
    if grading.status != GradingStatus.DRAFT:
        raise _state_error(grading, "修改评分")
    by_number = {line.number: line for line in grading.lines.all()}
    vetoes_by_number = {v.number: v for v in grading.vetoes.all()}
    violations, changed = [], []
    for key, value in (lines or {}).items():
        number = int(key)
        line = by_number.get(number)
        if line is None:
            violations.append(
                rules.Violation(rules.GRADE_DEDUCTION_INVALID, f"评分表没有第{number}项。", f"lines.{number}")
            )
            continue
        deduction = value.get("deduction", line.deduction)
        problems = (value.get("problems", line.problems) or "").strip()
        found = rules.check_line(number=number, weight=line.weight, deduction=deduction, problems=problems)
        violations += found
        if not found:
            line.deduction = rules.to_decimal(deduction)
            line.problems = problems[:2000]
            changed.append(line)
    vetoed = []
    for key, value in (vetoes or {}).items():
        veto = vetoes_by_number.get(int(key))
        if veto is None:
            continue
        found_flag = bool(value.get("found"))
        note = (value.get("note") or "").strip()
        violations += rules.check_veto(number=veto.number, name=veto.name, found=found_flag, note=note)
        veto.found, veto.note = found_flag, note[:300]
        vetoed.append(veto)
    raise_for(violations)
    GradingLine.objects.bulk_update(changed, ["deduction", "problems"])
    GradingVetoLine.objects.bulk_update(vetoed, ["found", "note"])
    grading.score, proposed = provisional(grading)
    grading.save(update_fields=["score", "updated_at"])
    _audit(
        by,
        "grading.score",
        grading,
        score=grading.score,
        proposed=proposed,
        deductions={line.number: str(line.deduction) for line in changed if line.deduction},
        vetoes=[v.name for v in vetoed if v.found],
    )
    return grading


# --- signatures ---------------------------------------------------------------------------------------------------


def _check_signer(grading: ArchiveGrading, by, stage: str) -> None:
    archive = grading.archive
    if stage == "initial":
        _require_clerk(by, archive, "初审签字")
    elif stage == "check":
        if not _is_clerk(by, archive):
            if REVIEWER not in roles_of(by):
                raise DomainError("PERMISSION_DENIED", "复核须由管档员或有管理权限的审批人签字。", status=403)
            raise_for(_reviewer_violations(by, archive))
    else:
        if REVIEWER not in roles_of(by):
            raise DomainError("PERMISSION_DENIED", "复审须由对该干部有管理权限的审批人签字。", status=403)
        raise_for(_reviewer_violations(by, archive))
    raise_for(
        rules.check_signers(
            stage=stage,
            signer_id=by.pk,
            earlier={
                "initial": grading.initial_by_id,
                "check": grading.check_by_id,
                "second": grading.second_by_id,
            },
        )
    )


@audited("grading.sign")
def grading_sign(*, grading: ArchiveGrading, by, stage: str) -> ArchiveGrading:
    """初审 → 复核 → 复审, in that order, three different people. The result is final only with the third."""
    if stage not in rules.STAGES:
        raise DomainError(INVALID_STATE, "签字环节无效。", "stage")
    grading = _lock(grading)
    if grading.status != STAGE_STATUS[stage]:
        raise _state_error(grading, f"{rules.STAGE_LABELS[stage]}签字")
    _check_signer(grading, by, stage)
    if stage == "initial":
        violations = []
        for line in grading.lines.all():
            violations += rules.check_line(
                number=line.number, weight=line.weight, deduction=line.deduction, problems=line.problems
            )
        for veto in grading.vetoes.all():
            violations += rules.check_veto(
                number=veto.number, name=veto.name, found=veto.found, note=veto.note
            )
        raise_for(violations)
    now = timezone.now()
    setattr(grading, f"{stage}_by", by)
    setattr(grading, f"{stage}_at", now)
    grading.status = NEXT_STATUS[stage]
    grading.score, proposed = provisional(grading)
    if grading.status == GradingStatus.FINAL:
        grading.grade = proposed
        grading.pass_threshold, grading.excellent_threshold = thresholds()
    grading.sent_back_reason = ""
    grading.save()
    label = rules.STAGE_LABELS[stage]
    if grading.status == GradingStatus.FINAL:
        _event(
            grading,
            "档案评分",
            f"新任干部档案评分定级：{grading.score}分，{grading.get_grade_display()}"
            f"（初审{grading.initial_by.get_full_name()}、复核{grading.check_by.get_full_name()}、复审{by.get_full_name()}）",
            by,
        )
    _audit(
        by, "grading.sign", grading, stage=stage, stage_label=label, score=grading.score, grade=grading.grade
    )
    return grading


@audited("grading.send_back")
def grading_send_back(*, grading: ArchiveGrading, by, reason: str) -> ArchiveGrading:
    """复核 or 复审 finds a problem in the scoring: back to 初审, every signature cleared."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("REASON_REQUIRED", "退回修改须填写意见。", "reason")
    grading = _lock(grading)
    pending = {GradingStatus.CHECKING: "check", GradingStatus.SECOND: "second"}.get(grading.status)
    if pending is None:
        raise _state_error(grading, "退回修改")
    _check_signer(grading, by, pending)
    grading.status = GradingStatus.DRAFT
    grading.initial_by = grading.check_by = grading.second_by = None
    grading.initial_at = grading.check_at = grading.second_at = None
    grading.sent_back_reason = f"{rules.STAGE_LABELS[pending]}意见（{by.get_full_name()}）：{reason}"[:300]
    grading.save()
    _audit(by, "grading.send_back", grading, stage=pending, reason=reason[:300])
    return grading


@audited("grading.return_to_unit")
def grading_return_to_unit(*, grading: ArchiveGrading, by, reason: str, returned_on=None) -> ArchiveGrading:
    """A graded archive is returned to its submitting unit to be completed or re-sorted (counted in the report)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("REASON_REQUIRED", "退回报送单位须填写原因。", "reason")
    grading = _lock(grading)
    _require_clerk(by, grading.archive, "退回报送单位")
    if grading.status != GradingStatus.FINAL:
        raise DomainError(
            rules.GRADE_NOT_FINAL, "评分经初审、复核、复审三人签字定级后，才能据以退回报送单位。", "status"
        )
    if grading.returned_on:
        raise DomainError(INVALID_STATE, "该档案已退回报送单位。", "status")
    today = timezone.localdate()
    returned_on = returned_on or today
    if returned_on > today or returned_on < grading.submitted_on:
        raise DomainError(rules.GRADE_FORM_INCOMPLETE, "退回日期须在报送时间与今天之间。", "returned_on")
    grading.returned_on = returned_on
    grading.return_reason = reason[:300]
    grading.save(update_fields=["returned_on", "return_reason", "updated_at"])
    _event(grading, "档案退回", f"评分后退回{grading.submitting_unit.name}：{reason}", by)
    _audit(by, "grading.return_to_unit", grading, reason=reason[:300], returned_on=returned_on)
    return grading
