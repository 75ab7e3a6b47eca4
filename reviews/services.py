"""Every state change of the pre-appointment review: one function per use case, in a transaction, audited.

case_open(*, archive, proposed_post, requesting_unit, reviewer, by, ...)     open a case (+ content grant)
case_run_checks(*, case, by)                                                 (re)run the red-flag checks
case_record_archive_review(*, case, result, remarks, by)                     1. 干部档案凡提必审
case_record_personal_matters(*, case, result, note, by)                      2. 个人有关事项报告凡提必核
case_record_discipline(*, case, opinion, received_on, by)                    3. 纪检监察机关意见凡提必听
case_record_complaints(*, case, result, note, by)                            4. 信访举报凡提必查
case_mark_ready(*, case, by)                                                 可提交部务会 (FOUR_MUSTS_INCOMPLETE,
                                                                             RED_FLAGS_OPEN)
case_unmark_ready(*, case, by, reason)                                       back to 审核中
case_reassign(*, case, reviewer, by)                                         another reviewer takes it over
case_close(*, case, outcome, note, by)                                       办结 (ends the content grant)
flag_resolve(*, flag, by, note, determination)                               核查处理 a red flag
flag_suspect_falsification(*, case, by, note, materials)                     标记涉嫌造假 (a manual red flag)
"""

from __future__ import annotations

import datetime
import functools
import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.roles import REVIEWER, has_role
from archives import access
from archives.access import Action
from archives.grants import grant_create, grant_revoke
from archives.models import (
    Archive,
    ArchiveStatus,
    ArchiveUserObjectPermission,
    Cadre,
    CadreStatus,
    Determination,
    DeterminationStatus,
    Material,
)
from audit.services import record
from core import idcard
from core.choices import PoliticalStatus, Sex
from core.config import setting
from core.errors import DomainError, Violation, raise_for
from reviews import lrmx, rules, selectors
from reviews.models import (
    ArchiveReviewResult,
    CaseStatus,
    CloseOutcome,
    ComplaintsResult,
    FlagStatus,
    PersonalMattersResult,
    ResolutionKind,
    ReviewCase,
    ReviewFlag,
)

CASE_NOT_OPEN = "CASE_NOT_OPEN"
CASE_NOT_ASSIGNED = "CASE_NOT_ASSIGNED"
CASE_ALREADY_OPEN = "CASE_ALREADY_OPEN"


# --- helpers --------------------------------------------------------------------------------------------------


def guarded(func):
    """Check that the user may see the case's (or archive's) archive before the service's transaction starts, so
    that the audited refusal (access.deny, a 404) is not rolled back with it; then run it in one transaction."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        by = kwargs.get("by")
        if by is not None:
            case = kwargs.get("case") or getattr(kwargs.get("flag"), "case", None)
            if case is not None:
                _require_visible(by, case)
            elif kwargs.get("archive") is not None:
                access.get_archive(by, Action.VIEW_DIRECTORY, kwargs["archive"].pk)
        return atomic(*args, **kwargs)

    return wrapper


def audit_refusals(action: str):
    """Refused attempts (a DomainError the user caused) are audited too, after the rollback of the attempt."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except DomainError as exc:
                by = kwargs.get("by")
                case = kwargs.get("case") or getattr(kwargs.get("flag"), "case", None)
                if by is not None and exc.status == 400 and case is not None:
                    record(
                        by,
                        action,
                        archive=case.archive_id,
                        target=("reviews.reviewcase", case.pk, str(case)),
                        outcome="denied",
                        details={
                            "code": exc.code,
                            "message": exc.message,
                            "codes": [v.code for v in exc.violations],
                        },
                    )
                raise

        return wrapper

    return decorator


def _lock(case: ReviewCase) -> ReviewCase:
    return (
        ReviewCase.objects.select_for_update(of=("self",)).select_related("cadre", "archive").get(pk=case.pk)
    )


def _require_reviewer(by) -> None:
    if not has_role(by, REVIEWER):
        raise DomainError("PERMISSION_DENIED", "只有审批人可以办理任前审核。", status=403)


def _require_visible(by, case: ReviewCase) -> None:
    """The case's archive must be within the user's authority; otherwise an audited 404."""
    if not access.can(by, Action.VIEW_DIRECTORY, case.archive):
        raise access.deny(
            by, Action.VIEW_DIRECTORY, archive=case.archive, target=case, reason="case not visible"
        )


def _require_assigned(by, case: ReviewCase) -> None:
    _require_reviewer(by)
    _require_visible(by, case)
    if case.reviewer_id != by.pk:
        raise DomainError(
            CASE_NOT_ASSIGNED, f"该审核事项由{case.reviewer.get_full_name()}承办，您不能代为办理。"
        )


def _require_open(case: ReviewCase) -> None:
    if case.status == CaseStatus.READY:
        raise DomainError(CASE_NOT_OPEN, "该事项已确认可提交部务会，如需修改请先撤回“可提交部务会”确认。")
    if case.status != CaseStatus.OPEN:
        raise DomainError(CASE_NOT_OPEN, "该审核事项已办结，不能再修改。")


def _grant_open(case: ReviewCase, by) -> int:
    """A time-boxed content grant on the candidate's whole archive for the case reviewer (archives.grants)."""
    now = timezone.now()
    grant = grant_create(
        user=case.reviewer,
        archive=case.archive,
        permission="view_archive_content",
        valid_from=now,
        valid_until=now + datetime.timedelta(days=setting("REVIEW_GRANT_DAYS")),
        scope_all=True,
        reason=f"任前审核：{case.cadre.name}拟任{case.proposed_post}"[:200],
        by=by,
    )
    return grant.pk


def _grant_end(case: ReviewCase, by, reason: str) -> None:
    """End the case's grant now (it may already be gone: expired and purged, or withdrawn)."""
    if not case.grant_id:
        return
    grant = ArchiveUserObjectPermission.objects.filter(pk=case.grant_id).first()
    if grant is None:
        return
    grant_revoke(grant=grant, by=by, reason=reason)


# --- flags ----------------------------------------------------------------------------------------------------


def _refresh_flags(case: ReviewCase, by) -> dict:
    """Upsert the case's flags from a fresh run of every check; returns counts of new, reopened and cleared."""
    findings = rules.run_checks(selectors.review_facts(case.cadre, today=timezone.localdate()))
    now = timezone.now()
    existing = {f.key: f for f in case.flags.all()}
    valid_material_ids = set(Material.objects.filter(archive=case.archive).values_list("pk", flat=True))
    new = cleared = reopened = 0
    seen = set()
    for finding in findings:
        seen.add(finding.key)
        flag = existing.get(finding.key)
        material_ids = [pk for pk in finding.material_ids if pk in valid_material_ids]
        if flag is None:
            flag = ReviewFlag.objects.create(
                case=case,
                code=finding.code,
                key=finding.key,
                message=finding.message,
                severity=finding.severity,
                subject=finding.subject,
                last_seen_at=now,
            )
            flag.materials.set(material_ids)
            new += 1
            continue
        changes = {"last_seen_at": now, "message": finding.message, "severity": finding.severity}
        if flag.status == FlagStatus.CLEARED:
            # Found again: open again (the earlier clearing was automatic, not a decision).
            changes.update(status=FlagStatus.OPEN, resolution_kind="", resolution_note="", resolved_at=None)
            changes["resolved_by"] = None
            reopened += 1
        ReviewFlag.objects.filter(pk=flag.pk).update(**changes)
        flag.materials.set(material_ids)
    for key, flag in existing.items():
        if key not in seen and flag.status == FlagStatus.OPEN and flag.code not in rules.MANUAL_FLAG_CODES:
            ReviewFlag.objects.filter(pk=flag.pk).update(
                status=FlagStatus.CLEARED,
                resolution_note="重新检查时未再发现该问题（已更正或已认定）。",
                resolved_at=now,
            )
            cleared += 1
    ReviewCase.objects.filter(pk=case.pk).update(checks_run_at=now)
    case.checks_run_at = now
    return {"found": len(findings), "new": new, "reopened": reopened, "cleared": cleared}


def _open_flags(case: ReviewCase) -> list[ReviewFlag]:
    return list(case.flags.filter(status=FlagStatus.OPEN).order_by("id"))


# --- use cases -----------------------------------------------------------------------------------------------


@guarded
def case_open(
    *,
    archive: Archive,
    proposed_post: str,
    requesting_unit,
    reviewer,
    by,
    post_to_remove: str = "",
    reason: str = "",
    reference_date: datetime.date | None = None,
) -> ReviewCase:
    """Open a pre-appointment review case and give the reviewer a time-boxed content grant on the archive."""
    _require_reviewer(by)
    archive = access.get_archive(by, Action.VIEW_DIRECTORY, archive.pk)
    archive = Archive.objects.select_for_update(of=("self",)).select_related("cadre").get(pk=archive.pk)
    if not (proposed_post or "").strip():
        raise DomainError("PROPOSED_POST_REQUIRED", "请填写拟任职务。", "proposed_post")
    if requesting_unit is None:
        raise DomainError("REQUESTING_UNIT_REQUIRED", "请选择提名（呈报）单位。", "requesting_unit")
    if (
        reviewer is None
        or not has_role(reviewer, REVIEWER)
        or not access.can(reviewer, Action.VIEW_DIRECTORY, archive)
    ):
        raise DomainError(
            "APPROVER_NOT_AUTHORISED", "所选审核人不是对该干部具有管理权限的审批人。", "reviewer"
        )
    if archive.cadre.status != CadreStatus.SERVING:
        raise DomainError("CADRE_NOT_SERVING", "该干部不是在职干部，不能进行任前审核。", "archive")
    if archive.status == ArchiveStatus.TRANSFERRED_OUT:
        raise DomainError("ARCHIVE_TRANSFERRED_OUT", "该档案已转出，不能进行任前审核。", "archive")
    if ReviewCase.objects.filter(archive=archive).exclude(status=CaseStatus.CLOSED).exists():
        raise DomainError(CASE_ALREADY_OPEN, "该干部已有一件未办结的任前审核事项。", "archive")
    case = ReviewCase.objects.create(
        cadre=archive.cadre,
        archive=archive,
        proposed_post=proposed_post.strip(),
        post_to_remove=(post_to_remove or "").strip(),
        requesting_unit=requesting_unit,
        reason=(reason or "").strip(),
        reference_date=reference_date or timezone.localdate(),
        reviewer=reviewer,
        created_by=by,
    )
    case.grant_id = _grant_open(case, by)
    case.save(update_fields=["grant_id"])
    counts = _refresh_flags(case, by)
    record(
        by,
        "review.case_open",
        archive=archive,
        target=case,
        details={
            "proposed_post": case.proposed_post,
            "post_to_remove": case.post_to_remove,
            "requesting_unit": requesting_unit.name,
            "reviewer": reviewer.get_username(),
            "flags": counts["found"],
        },
    )
    return case


@guarded
def case_run_checks(*, case: ReviewCase, by=None) -> dict:
    """Re-run the red-flag checks. `by` None is the system (the refresh task after a determination).

    If new problems appear on a case already marked 可提交部务会, the case goes back to 审核中 (requirement 43).
    """
    case = _lock(case)
    if by is not None:
        _require_reviewer(by)
        _require_visible(by, case)
    if case.status == CaseStatus.CLOSED:
        raise DomainError(CASE_NOT_OPEN, "该审核事项已办结，不再检查。")
    counts = _refresh_flags(case, by)
    revoked = False
    if case.status == CaseStatus.READY and (counts["new"] or counts["reopened"]):
        ReviewCase.objects.filter(pk=case.pk).update(status=CaseStatus.OPEN, ready_at=None, ready_by=None)
        case.status = CaseStatus.OPEN
        revoked = True
        record(
            by,
            "review.ready_revoked",
            archive=case.archive,
            target=case,
            details={"reason": "重新检查发现新的档案问题", **counts},
        )
    record(
        by,
        "review.checks_run",
        archive=case.archive,
        target=case,
        details={**counts, "ready_revoked": revoked},
    )
    return {**counts, "ready_revoked": revoked}


@audit_refusals("review.archive_review")
@guarded
def case_record_archive_review(*, case: ReviewCase, result: str, remarks: str, by) -> ReviewCase:
    """凡提必审: 通过 / 不通过 / 暂缓 (requirement 36). The checks are run again first, so that 通过 is refused
    while any red flag is open (RED_FLAGS_OPEN)."""
    case = _lock(case)
    _require_assigned(by, case)
    _require_open(case)
    _refresh_flags(case, by)
    raise_for(
        rules.archive_result_violations(
            result=result, remarks=remarks or "", open_flags=len(_open_flags(case))
        )
    )
    case.archive_review_result = result
    case.archive_review_remarks = (remarks or "").strip()
    case.archive_review_by = by
    case.archive_review_at = timezone.now()
    case.save()
    record(
        by,
        "review.archive_review",
        archive=case.archive,
        target=case,
        details={
            "result": result,
            "label": ArchiveReviewResult(result).label,
            "remarks": case.archive_review_remarks[:300],
        },
    )
    return case


@audit_refusals("review.personal_matters")
@guarded
def case_record_personal_matters(*, case: ReviewCase, result: str, note: str, by) -> ReviewCase:
    """凡提必核: the personal-matters report has been verified (a note is required when problems were found)."""
    case = _lock(case)
    _require_assigned(by, case)
    _require_open(case)
    if result not in PersonalMattersResult.values:
        raise DomainError("INVALID", "请选择个人有关事项报告的核实结果。", "result")
    if result == PersonalMattersResult.ISSUES and not (note or "").strip():
        raise DomainError(rules.REMARKS_REQUIRED, "核实发现问题的，须填写具体情况。", "note")
    case.personal_matters_result = result
    case.personal_matters_note = (note or "").strip()
    case.personal_matters_by = by
    case.personal_matters_at = timezone.now()
    case.save()
    record(
        by,
        "review.personal_matters",
        archive=case.archive,
        target=case,
        details={"result": result, "note": case.personal_matters_note[:300]},
    )
    return case


@audit_refusals("review.discipline")
@guarded
def case_record_discipline(
    *, case: ReviewCase, opinion: str, received_on: datetime.date | None, by
) -> ReviewCase:
    """凡提必听: the discipline-inspection organ's opinion has been received."""
    case = _lock(case)
    _require_assigned(by, case)
    _require_open(case)
    if not (opinion or "").strip():
        raise DomainError("OPINION_REQUIRED", "请填写纪检监察机关的回复意见。", "opinion")
    if received_on is None:
        raise DomainError("DATE_REQUIRED", "请填写收到意见的日期。", "received_on")
    if received_on > timezone.localdate():
        raise DomainError("DATE_IN_FUTURE", "收到意见的日期不能晚于今天。", "received_on")
    case.discipline_opinion = opinion.strip()
    case.discipline_received_on = received_on
    case.discipline_by = by
    case.discipline_at = timezone.now()
    case.save()
    record(
        by,
        "review.discipline",
        archive=case.archive,
        target=case,
        details={"received_on": received_on, "opinion": case.discipline_opinion[:300]},
    )
    return case


@audit_refusals("review.complaints")
@guarded
def case_record_complaints(*, case: ReviewCase, result: str, note: str, by) -> ReviewCase:
    """凡提必查: specific complaint leads have been checked, or there were none."""
    case = _lock(case)
    _require_assigned(by, case)
    _require_open(case)
    if result not in ComplaintsResult.values:
        raise DomainError("INVALID", "请选择信访举报查核情况。", "result")
    if result == ComplaintsResult.CHECKED and not (note or "").strip():
        raise DomainError(rules.REMARKS_REQUIRED, "已查核的信访举报须填写查核结论。", "note")
    case.complaints_result = result
    case.complaints_note = (note or "").strip()
    case.complaints_by = by
    case.complaints_at = timezone.now()
    case.save()
    record(
        by,
        "review.complaints",
        archive=case.archive,
        target=case,
        details={"result": result, "note": case.complaints_note[:300]},
    )
    return case


def ready_reasons(case: ReviewCase) -> list:
    """Why the case cannot (yet) be put before the department meeting: the reasons the UI shows (req. 43)."""
    open_flags = [f for f in case.flags.all() if f.status == FlagStatus.OPEN]
    return rules.ready_violations(
        archive_review_result=case.archive_review_result,
        personal_matters_recorded=case.personal_matters_recorded,
        discipline_recorded=case.discipline_recorded,
        complaints_recorded=case.complaints_recorded,
        open_flags=len(open_flags),
        serious_flags=[f.code for f in open_flags],
    )


@audit_refusals("review.mark_ready")
@guarded
def case_mark_ready(*, case: ReviewCase, by) -> ReviewCase:
    """可提交部务会 (requirements 35, 43): all four checks recorded, archive review 通过, no open red flag."""
    case = _lock(case)
    _require_assigned(by, case)
    _require_open(case)
    _refresh_flags(case, by)
    raise_for(ready_reasons(case))
    case.status = CaseStatus.READY
    case.ready_at = timezone.now()
    case.ready_by = by
    case.save()
    record(
        by,
        "review.mark_ready",
        archive=case.archive,
        target=case,
        details={"proposed_post": case.proposed_post},
    )
    return case


@audit_refusals("review.ready_revoked")
@guarded
def case_unmark_ready(*, case: ReviewCase, by, reason: str) -> ReviewCase:
    case = _lock(case)
    _require_assigned(by, case)
    if case.status != CaseStatus.READY:
        raise DomainError(CASE_NOT_OPEN, "该事项不是“可提交部务会”状态。")
    if not (reason or "").strip():
        raise DomainError(rules.REMARKS_REQUIRED, "请填写撤回原因。", "reason")
    case.status = CaseStatus.OPEN
    case.ready_at = None
    case.ready_by = None
    case.save()
    record(
        by,
        "review.ready_revoked",
        archive=case.archive,
        target=case,
        details={"reason": reason.strip()[:300]},
    )
    return case


@guarded
def case_reassign(*, case: ReviewCase, reviewer, by) -> ReviewCase:
    case = _lock(case)
    _require_reviewer(by)
    _require_visible(by, case)
    if case.status == CaseStatus.CLOSED:
        raise DomainError(CASE_NOT_OPEN, "该审核事项已办结。")
    if (
        reviewer is None
        or not has_role(reviewer, REVIEWER)
        or not access.can(reviewer, Action.VIEW_DIRECTORY, case.archive)
    ):
        raise DomainError(
            "APPROVER_NOT_AUTHORISED", "所选审核人不是对该干部具有管理权限的审批人。", "reviewer"
        )
    if reviewer.pk == case.reviewer_id:
        return case
    previous = case.reviewer
    _grant_end(case, by, "任前审核事项改由他人承办")
    case.reviewer = reviewer
    case.grant_id = _grant_open(case, by)
    case.save()
    record(
        by,
        "review.reassign",
        archive=case.archive,
        target=case,
        details={"from": previous.get_username(), "to": reviewer.get_username()},
    )
    return case


@audit_refusals("review.case_close")
@guarded
def case_close(*, case: ReviewCase, outcome: str, note: str, by) -> ReviewCase:
    """办结. 已提交部务会 only from 可提交部务会. Ends the reviewer's content grant."""
    case = _lock(case)
    _require_assigned(by, case)
    if case.status == CaseStatus.CLOSED:
        raise DomainError(CASE_NOT_OPEN, "该审核事项已办结。")
    if outcome not in CloseOutcome.values:
        raise DomainError("INVALID", "请选择办结情况。", "outcome")
    if outcome == CloseOutcome.SUBMITTED and case.status != CaseStatus.READY:
        raise DomainError(
            rules.FOUR_MUSTS_INCOMPLETE, "尚未确认“可提交部务会”，不能登记为已提交部务会。", "outcome"
        )
    if outcome != CloseOutcome.SUBMITTED and not (note or "").strip():
        raise DomainError(rules.REMARKS_REQUIRED, "请填写办结说明。", "note")
    if case.flags.filter(code=rules.SUSPECTED_FALSIFICATION, status=FlagStatus.OPEN).exists():
        raise DomainError(
            rules.RED_FLAGS_OPEN, "有涉嫌造假的问题尚未核查处理，不能办结：请先登记核查处理情况。", "outcome"
        )
    case.status = CaseStatus.CLOSED
    case.close_outcome = outcome
    case.close_note = (note or "").strip()[:300]
    case.closed_at = timezone.now()
    case.closed_by = by
    case.save()
    _grant_end(case, by, "任前审核事项办结")
    record(
        by,
        "review.case_close",
        archive=case.archive,
        target=case,
        details={"outcome": outcome, "note": case.close_note},
    )
    return case


@audit_refusals("review.flag_resolve")
@guarded
def flag_resolve(
    *, flag: ReviewFlag, by, note: str = "", determination: Determination | None = None
) -> ReviewFlag:
    """核查处理 one red flag with a note, or with an approved determination of this cadre."""
    flag = (
        ReviewFlag.objects.select_for_update(of=("self",))
        .select_related("case__archive", "case__reviewer")
        .get(pk=flag.pk)
    )
    case = flag.case
    _require_assigned(by, case)
    _require_open(case)
    if flag.status != FlagStatus.OPEN:
        raise DomainError("FLAG_NOT_OPEN", "该问题已处理或已消除。")
    raise_for(rules.flag_resolution_violations(note=note or "", has_determination=determination is not None))
    if determination is not None:
        determination = Determination.objects.get(pk=determination.pk)  # its state now, not the caller's copy
        if determination.cadre_id != case.cadre_id:
            raise DomainError("DETERMINATION_OTHER_CADRE", "所选认定不属于该干部。", "determination")
        if determination.status != DeterminationStatus.APPROVED:
            raise DomainError(
                "DETERMINATION_NOT_APPROVED", "所选认定尚未批准，批准后才能据以处理问题。", "determination"
            )
    flag.status = FlagStatus.RESOLVED
    flag.resolution_kind = ResolutionKind.DETERMINATION if determination else ResolutionKind.NOTE
    flag.resolution_note = (note or "").strip() or f"依据{determination.get_subject_display()}认定处理"
    flag.determination = determination
    flag.resolved_by = by
    flag.resolved_at = timezone.now()
    flag.save()
    record(
        by,
        "review.flag_resolve",
        archive=case.archive,
        target=case,
        details={
            "flag": flag.pk,
            "code": flag.code,
            "kind": flag.resolution_kind,
            "note": flag.resolution_note[:300],
            "determination": determination.pk if determination else None,
        },
    )
    return flag


@audit_refusals("review.flag_falsification")
@guarded
def flag_suspect_falsification(*, case: ReviewCase, by, note: str, materials=()) -> ReviewFlag:
    """标记涉嫌造假: the reviewer records a suspected falsification as a red flag of the case. It stays open until
    核查处理 (flag_resolve); while open it blocks 通过 and any transfer of the archive (FILE_INCOMPLETE). A case
    already marked 可提交部务会 goes back to 审核中."""
    case = _lock(case)
    _require_assigned(by, case)
    if case.status == CaseStatus.CLOSED:
        raise DomainError(CASE_NOT_OPEN, "该审核事项已办结，不能再修改。")
    note = (note or "").strip().rstrip("。.")
    if not note:
        raise DomainError(
            rules.REMARKS_REQUIRED, "请说明涉嫌造假的情况（哪份材料、何处、有何疑点）。", "note"
        )
    ids = [m.pk if isinstance(m, Material) else int(m) for m in materials or ()]
    found = list(Material.objects.filter(pk__in=ids, archive=case.archive))
    if len(found) != len(set(ids)):
        raise DomainError("MATERIAL_NOT_IN_ARCHIVE", "所选材料不属于该干部的档案。", "materials")
    now = timezone.now()
    count = case.flags.filter(code=rules.SUSPECTED_FALSIFICATION).count()
    flag = ReviewFlag.objects.create(
        case=case,
        code=rules.SUSPECTED_FALSIFICATION,
        key=f"{rules.SUSPECTED_FALSIFICATION}:{count + 1}",
        message=f"涉嫌造假：{note[:500]}。核查处理前，档案审核不得通过，档案不得转递。",
        severity="error",
        last_seen_at=now,
    )
    flag.materials.set(found)
    if case.status == CaseStatus.READY:
        ReviewCase.objects.filter(pk=case.pk).update(status=CaseStatus.OPEN, ready_at=None, ready_by=None)
        record(
            by, "review.ready_revoked", archive=case.archive, target=case, details={"reason": "标记涉嫌造假"}
        )
    record(
        by,
        "review.flag_falsification",
        archive=case.archive,
        target=case,
        details={"flag": flag.pk, "note": note[:300], "materials": [m.pk for m in found]},
    )
    return flag


def open_cases_of_cadre(cadre_id: int) -> list[int]:
    return list(
        ReviewCase.objects.filter(cadre_id=cadre_id)
        .exclude(status=CaseStatus.CLOSED)
        .values_list("pk", flat=True)
    )


# --- LRMX import (requirement 44) ----------------------------------------------------------------------------


@dataclass
class LrmxImportResult:
    archive: Archive
    created: bool
    changes: dict = field(default_factory=dict)  # {field label: [old, new]}
    family_added: list[str] = field(default_factory=list)
    family_updated: list[str] = field(default_factory=list)
    family_kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    proposal: dict = field(default_factory=dict)  # NiRenZhiWu etc.: not cadre data, shown to the user


DETERMINED = {
    "ChuShengNianYue": ("birth_date", "出生日期"),
    "RuDangShiJian": ("party_join_date", "入党时间"),
    "CanJiaGongZuoShiJian": ("work_start_date", "参加工作时间"),
}
PLAIN_FIELDS = {
    "XingMing": "name",
    "MinZu": "ethnicity",
    "JiGuan": "native_place",
    "ChuShengDi": "birthplace",
    "JianKangZhuangKuang": "health",
    "ZhuanYeJiShuZhiWu": "professional_title",
    "ShuXiZhuanYeYouHeZhuanChang": "specialties",
    "QuanRiZhiJiaoYu_XueLi": "fulltime_education",
    "QuanRiZhiJiaoYu_XueWei": "fulltime_degree",
    "ZaiZhiJiaoYu_XueLi": "inservice_education",
    "ZaiZhiJiaoYu_XueWei": "inservice_degree",
    "XianRenZhiWu": "current_post",
    "JianLi": "resume",
    "JiangChengQingKuang": "rewards_punishments",
    "NianDuKaoHeJieGuo": "appraisal_results",
}


def _political_status(parsed, current: str) -> tuple[str | None, str | None]:
    """(status code, error message) from RuDangShiJian: a date means CPC, a party name its status."""
    raw = parsed.text("RuDangShiJian")
    if parsed.dates.get("RuDangShiJian"):
        if current in (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY):
            return current, None
        return PoliticalStatus.CPC_MEMBER, None
    if not raw:
        if current in (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY):
            return current, None
        return current or PoliticalStatus.MASSES, None
    status = PoliticalStatus.from_label(raw)
    if status is None:
        status = next(
            (value for value, label in PoliticalStatus.choices if raw in label or label in raw), None
        )
    if status is None:
        return None, f"“{raw}”既不是日期也不是可识别的党派名称。"
    return status, None


def _cadre_values(parsed, cadre: Cadre | None) -> tuple[dict, list[Violation]]:
    """Cadre field values from a parsed file; determined dates must equal the cadre's (month precision)."""
    errors: list[Violation] = []
    values = {attr: parsed.text(element) for element, attr in PLAIN_FIELDS.items()}
    values["sex"] = Sex.MALE if parsed.text("XingBie") == "男" else Sex.FEMALE
    values["fulltime_school"] = parsed.text("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi") or parsed.text(
        "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi"
    )
    values["inservice_school"] = parsed.text("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi") or parsed.text(
        "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi"
    )
    if parsed.id_number:
        values["id_number"] = parsed.id_number
    status, problem = _political_status(parsed, cadre.political_status if cadre else "")
    if problem:
        errors.append(lrmx._error("RuDangShiJian", lrmx.LRMX_INVALID, problem))
    elif status:
        values["political_status"] = status
    id_birth = idcard.parse(parsed.id_number)[0].birth_date if parsed.id_number else None
    for element, (attr, label) in DETERMINED.items():
        found = parsed.dates.get(element)
        if cadre is None:
            if found is None:
                values[attr] = None
            elif not found.has_day and attr == "birth_date" and id_birth and found.same_as(id_birth):
                values[attr] = id_birth  # the month from the form, the day from the ID number
            else:
                values[attr] = found.value
            continue
        current = getattr(cadre, attr)
        if (found is None and current is None) or (found is not None and found.same_as(current)):
            continue  # unchanged: keep the full stored date
        shown = f"{current:%Y.%m}" if current else "空"
        errors.append(
            lrmx._error(
                element,
                "DETERMINATION_REQUIRED",
                f"文件中的{label}与档案记载（{shown}）不一致；{label}须经认定程序变更，不能通过导入修改。",
            )
        )
    return values, errors


def _photo_jpeg(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG":
            return data
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=90)
        return out.getvalue()


def _sync_family(cadre: Cadre, parsed, by, result: LrmxImportResult) -> None:
    from archives.services import family_member_save

    existing = {(m.relation, m.name): m for m in cadre.family.all()}
    listed = set()
    for order, row in enumerate(parsed.family, start=1):
        key = (row.relation, row.name)
        listed.add(key)
        member = existing.get(key)
        status = PoliticalStatus.from_label(row.political_status) if row.political_status else None
        if row.political_status and status is None:
            status = next((v for v, label in PoliticalStatus.choices if row.political_status in label), None)
            if status is None:
                result.warnings.append(
                    f"家庭成员{row.name}的政治面貌“{row.political_status}”无法识别，未导入。"
                )
        data = {
            "relation": row.relation,
            "name": row.name,
            "political_status": str(status) if status else (member.political_status if member else ""),
            "work_unit_post": row.work_unit_post,
            "sort_order": order,
        }
        if row.birth is None:
            data["birth_date"] = None
        elif member is not None and row.birth.same_as(member.birth_date):
            data["birth_date"] = member.birth_date
        else:
            data["birth_date"] = row.birth.value
        if member is None:
            family_member_save(cadre=cadre, by=by, data=data)
            result.family_added.append(f"{row.relation} {row.name}")
            continue
        changed = {
            k: v
            for k, v in data.items()
            if getattr(member, k) != v and not (getattr(member, k) in (None, "") and v in (None, ""))
        }
        if changed:
            family_member_save(cadre=cadre, by=by, data=changed, member=member)
            result.family_updated.append(f"{row.relation} {row.name}")
    for key, member in existing.items():
        if key not in listed:
            result.family_kept.append(f"{member.relation} {member.name}")


def _lrmx_invalid(errors: list[Violation]) -> DomainError:
    summary = "；".join(e.message for e in errors[:3])
    more = f"等{len(errors)}处问题" if len(errors) > 3 else ""
    return DomainError(
        lrmx.LRMX_INVALID,
        f"任免审批表文件不能导入：{summary}{more}。",
        errors[0].field,
        violations=errors,
    )


def lrmx_import(
    *,
    data: bytes,
    by,
    archive: Archive | None = None,
    holding_unit=None,
    archive_no: str = "",
    unit=None,
    management_level: str = "",
) -> LrmxImportResult:
    """Import an .lrmx file: update the cadre of `archive`, or register a new cadre and archive (clerk).

    All or nothing: any per-field error (bad date, bad photo, bad ID, determined date that differs) refuses the
    whole file with the list of errors (LRMX_INVALID), and nothing is written. Refusals are audited.
    """
    if archive is not None:
        access.get_archive(
            by, Action.MANAGE, archive.pk
        )  # outside the transaction: the refusal stays audited
    try:
        return _lrmx_import(
            data=data,
            by=by,
            archive=archive,
            holding_unit=holding_unit,
            archive_no=archive_no,
            unit=unit,
            management_level=management_level,
        )
    except DomainError as exc:
        if exc.status == 400:
            record(
                by,
                "lrmx.import",
                archive=archive.pk if archive is not None else None,
                outcome="denied",
                details={"code": exc.code, "errors": [v.message for v in exc.violations][:20]},
            )
        raise


@transaction.atomic
def _lrmx_import(*, data, by, archive, holding_unit, archive_no, unit, management_level) -> LrmxImportResult:
    from archives.services import cadre_register, cadre_update

    if archive is not None:
        archive = access.get_archive(by, Action.MANAGE, archive.pk)
        cadre = Cadre.objects.select_for_update().get(pk=archive.cadre_id)
    else:
        cadre = None
        if not access_can_register(by):
            raise DomainError("PERMISSION_DENIED", "只有管档员可以通过任免审批表登记新干部。", status=403)
    parsed, errors = lrmx.parse(data)
    if errors:
        raise _lrmx_invalid(errors)
    values, errors = _cadre_values(parsed, cadre)
    if errors:
        raise _lrmx_invalid(errors)
    result_warnings = list(parsed.warnings)
    if cadre is None:
        values.update(unit=unit, management_level=management_level or "other")
        archive, id_warnings = cadre_register(
            by=by, cadre=values, archive={"archive_no": archive_no, "holding_unit": holding_unit}
        )
        cadre = archive.cadre
        result = LrmxImportResult(archive=archive, created=True)
        result.changes = {"干部": ["", cadre.name]}
    else:
        before = {name: getattr(cadre, name) for name in values}
        changes = {
            k: v for k, v in values.items() if k not in ("birth_date", "party_join_date", "work_start_date")
        }
        try:
            id_warnings = cadre_update(cadre=cadre, by=by, changes=changes)
        except DomainError as exc:
            raise _lrmx_invalid([Violation(exc.code, exc.message, exc.field)])
        cadre.refresh_from_db()
        result = LrmxImportResult(archive=archive, created=False)
        for name, old in before.items():
            new = getattr(cadre, name)
            if old != new and not (old in (None, "") and new in (None, "")):
                result.changes[Cadre._meta.get_field(name).verbose_name] = [str(old or ""), str(new or "")]
    result.warnings = result_warnings + [v.message for v in id_warnings]
    if parsed.photo:
        photo = _photo_jpeg(parsed.photo)
        from reviews.appointment import read_photo

        if read_photo(cadre) != photo:
            cadre.photo.save(f"{archive.archive_no}.jpg", ContentFile(photo), save=False)
            Cadre.objects.filter(pk=cadre.pk).update(photo=cadre.photo.name)
            result.changes["照片"] = ["", "已更新"]
    _sync_family(cadre, parsed, by, result)
    if result.family_kept:
        result.warnings.append(
            "以下家庭成员在文件中未列出，已保留原记录（如需删除请在干部信息中办理）："
            + "、".join(result.family_kept)
        )
    result.proposal = {
        "拟任职务": parsed.text("NiRenZhiWu"),
        "拟免职务": parsed.text("NiMianZhiWu"),
        "任免理由": parsed.text("RenMianLiYou"),
        "呈报单位": parsed.text("ChengBaoDanWei"),
        "填表人": parsed.text("TianBiaoRen"),
    }
    record(
        by,
        "lrmx.import",
        archive=archive,
        target=cadre,
        details={
            "created": result.created,
            "changes": result.changes,
            "family_added": result.family_added,
            "family_updated": result.family_updated,
            "version": parsed.version,
        },
    )
    return result


def access_can_register(user) -> bool:
    from accounts.roles import CLERK

    return has_role(user, CLERK) or user.is_superuser


def lrmx_export(*, archive: Archive, by, case: ReviewCase | None = None) -> bytes:
    """The .lrmx of a cadre (with the case's proposal when given). Directory-level data: VIEW_DIRECTORY."""
    from reviews import appointment

    archive = access.get_archive(by, Action.VIEW_DIRECTORY, archive.pk)
    form = appointment.from_cadre(archive.cadre, case=case, filled_by=by.get_full_name())
    data = lrmx.export(form)
    record(
        by,
        "lrmx.export",
        archive=archive,
        target=archive.cadre,
        details={"case": case.pk if case is not None else None, "bytes": len(data)},
    )
    return data


def post_appointment_form(*, post, by) -> bytes:
    """The PDF of the filed 干部任免审批表 of one approved post. Requirement 47: without the approving organ,
    the approval date and the document number it is refused (APPOINTMENT_FORM_UNAPPROVED)."""
    from reviews import appointment, pdf

    archive = Archive.objects.filter(cadre_id=post.cadre_id).first()
    if archive is None:
        raise DomainError("NOT_FOUND", "该干部尚未建立档案。", status=404)
    archive = access.get_archive(by, Action.VIEW_DIRECTORY, archive.pk)
    violations = rules.appointment_form_violations(
        approving_organ=post.approving_organ, approved_on=post.approved_on, document_no=post.document_no
    )
    if violations:
        record(
            by,
            "review.post_form_pdf",
            archive=archive,
            target=post,
            outcome="denied",
            details={"code": violations[0].code},
        )
    raise_for(violations)
    data = pdf.appointment_form_pdf(appointment.for_post(post, filled_by=by.get_full_name()))
    record(
        by, "review.post_form_pdf", archive=archive, target=post, details={"document_no": post.document_no}
    )
    return data
