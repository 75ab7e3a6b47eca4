"""Determinations (认定) of the three ages, two histories and one identity (三龄两历一身份; requirement 42).

    determination_propose(*, cadre, subject, by, ...)   a new determination, waiting for approval
    determination_approve(*, determination, by, note)    approve: it becomes immutable and its value is applied
                                                         to the cadre (the only path that changes those fields)
    determination_reject(*, determination, by, note)     refuse a proposal (note required)
    current_determinations(cadre)                        {key: the approved determination in force}

A change of an approved value is a new determination that supersedes the current one; the old one stays visible.
The Party-age period table of docs/domain.md 5.3 (`PARTY_PERIODS`) also lives here: Party age runs from the full
membership date for joining dates on or after 1982-09-06 (and in the other periods that had probation).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from accounts.roles import CLERK, REVIEWER, has_role
from archives import access
from archives.models import (
    Archive,
    ArchiveEvent,
    Cadre,
    CadreType,
    Determination,
    DeterminationStatus,
    DeterminationSubject,
    EducationRecord,
    Material,
    MaterialStatus,
)
from core.errors import DomainError, Violation, raise_for

# Sent after an approval commits (receivers: the pre-appointment review refreshes its red flags).
determination_approved = Signal()  # kwargs: determination

DATE_SUBJECTS = {
    DeterminationSubject.BIRTH_DATE: "birth_date",
    DeterminationSubject.PARTY_JOIN_DATE: "party_join_date",
    DeterminationSubject.WORK_START_DATE: "work_start_date",
}

# --- Party age: the period table of domain.md 5.3, keyed by joining date ----------------------------------


@dataclass(frozen=True)
class PartyPeriod:
    start: datetime.date
    end: datetime.date | None  # inclusive; None = to date
    joining: str  # what counts as the joining date in this period
    probation_months: int  # default probation (0 = none); some periods differ by social class
    probation_note: str
    age_from_full_membership: bool  # Party age runs from the full-membership date (else from joining)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


PARTY_PERIODS: tuple[PartyPeriod, ...] = (
    PartyPeriod(_d("1921-07-01"), _d("1923-06-09"), "上级党委批准之日", 0, "无预备期", False),
    PartyPeriod(
        _d("1923-06-10"),
        _d("1927-04-26"),
        "上级党委批准为预备党员之日",
        6,
        "劳动者预备期三个月，非劳动者六个月",
        True,
    ),
    PartyPeriod(
        _d("1927-04-27"),
        _d("1928-06-17"),
        "上级党委批准之日",
        3,
        "工人、农民、手工业者、店员、士兵无预备期；知识分子、自由职业者预备期三个月",
        True,
    ),
    PartyPeriod(_d("1928-06-18"), _d("1945-04-22"), "上级党委批准之日", 0, "无预备期", False),
    PartyPeriod(
        _d("1945-04-23"),
        _d("1956-09-14"),
        "上级党委批准之日",
        12,
        "工人、苦力、雇农、贫农、城市贫民、士兵六个月；中农、职员、知识分子、自由职业者一年；其他人员二年",
        True,
    ),
    PartyPeriod(
        _d("1956-09-15"),
        _d("1969-03-31"),
        "支部大会接收为预备党员之日（须经上级党委批准）",
        12,
        "预备期一年",
        True,
    ),
    PartyPeriod(_d("1969-04-01"), _d("1977-08-11"), "上级党委批准之日", 0, "无预备期", False),
    PartyPeriod(_d("1977-08-12"), _d("1982-09-05"), "上级党委批准为预备党员之日", 12, "预备期一年", True),
    PartyPeriod(
        _d("1982-09-06"),
        None,
        "支部大会接收为预备党员之日（须经上级党委批准）",
        12,
        "预备期一年；延长预备期的，自实际转正之日起计算党龄",
        True,
    ),
)


def party_period(join_date: datetime.date) -> PartyPeriod | None:
    for period in PARTY_PERIODS:
        if period.contains(join_date):
            return period
    return None  # before 1921-07-01: not a valid joining date


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    # Clamp the day (e.g. 08-31 + 1 year is fine; 02-29 + 12 months -> 02-28).
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def party_age_start(
    join_date: datetime.date, full_member_date: datetime.date | None = None
) -> datetime.date | None:
    """The day Party age starts: the full-membership date where the period had probation, else joining."""
    period = party_period(join_date)
    if period is None:
        return None
    if not period.age_from_full_membership:
        return join_date
    if full_member_date is not None:
        return full_member_date
    return _add_months(join_date, period.probation_months)


def party_age(
    join_date: datetime.date | None, at: datetime.date, full_member_date: datetime.date | None = None
) -> int | None:
    """Party age in full years at `at` (None for no or invalid joining date; 0 while still probationary)."""
    if join_date is None:
        return None
    start = party_age_start(join_date, full_member_date)
    if start is None:
        return None
    if at < start:
        return 0
    return at.year - start.year - ((at.month, at.day) < (start.month, start.day))


# --- reads -------------------------------------------------------------------------------------------------


def determination_key(determination: Determination) -> str:
    if determination.subject == DeterminationSubject.EDUCATION and determination.education_id:
        return f"education:{determination.education_id}"
    return determination.subject


def current_determinations(cadre: Cadre) -> dict[str, Determination]:
    """The approved determination in force per subject ("education:<id>" per education record)."""
    current: dict[str, Determination] = {}
    rows = (
        Determination.objects.filter(cadre=cadre, status=DeterminationStatus.APPROVED)
        .select_related("decided_by", "education")
        .order_by("decided_at", "id")
    )
    for row in rows:
        current[determination_key(row)] = row  # later approvals replace earlier ones
    return current


def history(cadre: Cadre):
    """Every determination of a cadre, newest first, with basis materials (for the case and cadre pages)."""
    return (
        Determination.objects.filter(cadre=cadre)
        .select_related("proposed_by", "decided_by", "education", "supersedes")
        .prefetch_related("basis_materials__category")
        .order_by("-proposed_at", "-id")
    )


def cadre_value(cadre: Cadre, subject: str, education: EducationRecord | None = None) -> str:
    """The cadre's current value of a subject, as text (kept on a determination as `previous_value`)."""
    if subject in DATE_SUBJECTS:
        value = getattr(cadre, DATE_SUBJECTS[subject])
        return f"{value:%Y.%m.%d}" if value else ""
    if subject == DeterminationSubject.EDUCATION:
        if education is None:
            return ""
        if education.mode == EducationRecord.Mode.FULL_TIME:
            return " ".join(
                v for v in (cadre.fulltime_education, cadre.fulltime_degree, cadre.fulltime_school) if v
            )
        return " ".join(
            v for v in (cadre.inservice_education, cadre.inservice_degree, cadre.inservice_school) if v
        )
    if subject == DeterminationSubject.WORK_HISTORY:
        return cadre.resume
    if subject == DeterminationSubject.CADRE_STATUS:
        return cadre.get_cadre_type_display()
    return ""


def education_text(record: EducationRecord) -> str:
    parts = [record.get_mode_display(), record.get_level_display()]
    if record.degree:
        parts.append(record.degree)
    parts.append(f"{record.school}{record.major}")
    if record.graduation_date:
        parts.append(f"{record.graduation_date:%Y.%m}毕业")
    return " ".join(parts)


# --- rules (pure) -------------------------------------------------------------------------------------------


def proposal_violations(
    *,
    subject: str,
    value_date: datetime.date | None,
    full_member_date: datetime.date | None,
    value_text: str,
    education: EducationRecord | None,
    cadre: Cadre,
    basis: str,
    basis_materials: list[Material],
    determining_organ: str,
    determined_on: datetime.date | None,
    today: datetime.date,
) -> list[Violation]:
    v: list[Violation] = []
    if subject not in DeterminationSubject.values:
        return [Violation("DETERMINATION_SUBJECT", "认定事项无效。", "subject")]
    if subject in DATE_SUBJECTS:
        if value_date is None:
            v.append(Violation("DETERMINATION_VALUE_REQUIRED", "请填写认定的日期。", "value_date"))
        elif value_date > today or value_date.year < 1900:
            v.append(
                Violation(
                    "DETERMINATION_VALUE_INVALID", "认定的日期不合理（晚于今天或早于1900年）。", "value_date"
                )
            )
        elif subject == DeterminationSubject.PARTY_JOIN_DATE and party_period(value_date) is None:
            v.append(Violation("DETERMINATION_VALUE_INVALID", "入党时间不得早于1921年7月1日。", "value_date"))
        if full_member_date is not None:
            if subject != DeterminationSubject.PARTY_JOIN_DATE:
                v.append(
                    Violation(
                        "DETERMINATION_VALUE_INVALID",
                        "只有入党时间的认定可以填写转正时间。",
                        "full_member_date",
                    )
                )
            elif value_date and full_member_date < value_date:
                v.append(
                    Violation("DETERMINATION_VALUE_INVALID", "转正时间不能早于入党时间。", "full_member_date")
                )
            elif full_member_date > today:
                v.append(
                    Violation("DETERMINATION_VALUE_INVALID", "转正时间不能晚于今天。", "full_member_date")
                )
    elif subject == DeterminationSubject.EDUCATION:
        if education is None:
            v.append(Violation("DETERMINATION_VALUE_REQUIRED", "请选择所认定的学历学位记录。", "education"))
        elif education.cadre_id != cadre.pk:
            v.append(Violation("DETERMINATION_VALUE_INVALID", "所选学历学位不属于该干部。", "education"))
    elif subject == DeterminationSubject.WORK_HISTORY:
        if not value_text.strip():
            v.append(
                Violation("DETERMINATION_VALUE_REQUIRED", "请填写认定的工作经历（简历）。", "value_text")
            )
    elif subject == DeterminationSubject.CADRE_STATUS and value_text not in CadreType.values:
        v.append(
            Violation("DETERMINATION_VALUE_REQUIRED", "请选择认定的干部身份（人员类别）。", "value_text")
        )
    if not basis.strip():
        v.append(Violation("DETERMINATION_BASIS_REQUIRED", "请填写认定依据。", "basis"))
    if not basis_materials:
        v.append(Violation("DETERMINATION_BASIS_REQUIRED", "请至少选择一份依据材料。", "basis_materials"))
    archive_id = getattr(getattr(cadre, "archive", None), "pk", None)
    for material in basis_materials:
        if material.archive_id != archive_id or material.status != MaterialStatus.FILED:
            v.append(
                Violation(
                    "DETERMINATION_BASIS_INVALID",
                    f"依据材料“{material.title}”不是该干部档案中已归档的材料。",
                    "basis_materials",
                )
            )
            break
    if not determining_organ.strip():
        v.append(Violation("DETERMINATION_ORGAN_REQUIRED", "请填写认定机关。", "determining_organ"))
    if determined_on is None:
        v.append(Violation("DETERMINATION_DATE_REQUIRED", "请填写认定时间。", "determined_on"))
    elif determined_on > today:
        v.append(Violation("DETERMINATION_DATE_REQUIRED", "认定时间不能晚于今天。", "determined_on"))
    return v


# --- services -----------------------------------------------------------------------------------------------


def _guarded(func):
    """Check directory access to the cadre's archive before the transaction starts, so that a refusal (an
    audited 404 from archives.access) is not rolled back with the service; then run it in one transaction."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        cadre = kwargs.get("cadre") or getattr(kwargs.get("determination"), "cadre", None)
        if cadre is not None and kwargs.get("by") is not None:
            _archive_for(kwargs["by"], cadre, access.Action.VIEW_DIRECTORY)
        return atomic(*args, **kwargs)

    return wrapper


def _archive_for(user, cadre: Cadre, action: access.Action) -> Archive:
    archive = Archive.objects.filter(cadre=cadre).first()
    if archive is None:
        raise DomainError("NOT_FOUND", "该干部尚未建立档案。", status=404)
    return access.get_archive(user, action, archive.pk)


@_guarded
def determination_propose(
    *,
    cadre: Cadre,
    subject: str,
    by,
    basis: str,
    determining_organ: str,
    determined_on: datetime.date | None,
    basis_materials=(),
    value_date: datetime.date | None = None,
    full_member_date: datetime.date | None = None,
    value_text: str = "",
    education: EducationRecord | None = None,
    review_case_id: int | None = None,
) -> Determination:
    """Record a determination proposal. Reviewers within their authority and clerks of the holdings may propose."""
    from audit.services import record

    if not has_role(by, REVIEWER, CLERK):
        raise DomainError("PERMISSION_DENIED", "只有审批人或管档员可以提出认定。", status=403)
    archive = _archive_for(by, cadre, access.Action.VIEW_DIRECTORY)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    cadre.archive = archive
    materials = list(Material.objects.filter(pk__in=[getattr(m, "pk", m) for m in basis_materials]))
    if len(materials) != len({getattr(m, "pk", m) for m in basis_materials}):
        raise DomainError("DETERMINATION_BASIS_INVALID", "所选依据材料不存在。", "basis_materials")
    if subject == DeterminationSubject.EDUCATION and education is not None and not value_text.strip():
        value_text = education_text(education)
    raise_for(
        proposal_violations(
            subject=subject,
            value_date=value_date,
            full_member_date=full_member_date,
            value_text=value_text,
            education=education,
            cadre=cadre,
            basis=basis,
            basis_materials=materials,
            determining_organ=determining_organ,
            determined_on=determined_on,
            today=timezone.localdate(),
        )
    )
    pending = Determination.objects.filter(cadre=cadre, subject=subject, status=DeterminationStatus.PROPOSED)
    if subject == DeterminationSubject.EDUCATION:
        pending = pending.filter(education=education)
    if pending.exists():
        raise DomainError(
            "DETERMINATION_PENDING", "该事项已有一份待审批的认定，请先审批或退回后再提出。", "subject"
        )
    probe = Determination(cadre=cadre, subject=subject, education=education)
    current = current_determinations(cadre).get(determination_key(probe))
    determination = Determination.objects.create(
        cadre=cadre,
        subject=subject,
        value_date=value_date if subject in DATE_SUBJECTS else None,
        full_member_date=full_member_date if subject == DeterminationSubject.PARTY_JOIN_DATE else None,
        value_text=value_text.strip(),
        education=education if subject == DeterminationSubject.EDUCATION else None,
        previous_value=cadre_value(cadre, subject, education),
        basis=basis.strip(),
        determining_organ=determining_organ.strip(),
        determined_on=determined_on,
        supersedes=current,
        review_case_id=review_case_id,
        proposed_by=by,
    )
    determination.basis_materials.set(materials)
    record(
        by,
        "determination.propose",
        archive=archive,
        target=determination,
        details={
            "subject": subject,
            "value": determination.value_display,
            "previous": determination.previous_value[:200],
            "supersedes": current.pk if current else None,
            "materials": [m.pk for m in materials],
        },
    )
    return determination


def _apply(determination: Determination, cadre: Cadre) -> dict:
    """Write the determined value onto the cadre; returns the changed fields {field: [old, new]}."""
    changes: dict = {}
    subject = determination.subject
    if subject in DATE_SUBJECTS:
        field = DATE_SUBJECTS[subject]
        changes[field] = [getattr(cadre, field), determination.value_date]
    elif subject == DeterminationSubject.EDUCATION and determination.education_id:
        record = determination.education
        prefix = "fulltime" if record.mode == EducationRecord.Mode.FULL_TIME else "inservice"
        changes[f"{prefix}_education"] = [
            getattr(cadre, f"{prefix}_education"),
            record.get_level_display(),
        ]
        changes[f"{prefix}_degree"] = [getattr(cadre, f"{prefix}_degree"), record.degree]
        changes[f"{prefix}_school"] = [getattr(cadre, f"{prefix}_school"), f"{record.school}{record.major}"]
    elif subject == DeterminationSubject.WORK_HISTORY:
        changes["resume"] = [cadre.resume, determination.value_text]
    elif subject == DeterminationSubject.CADRE_STATUS:
        changes["cadre_type"] = [cadre.cadre_type, determination.value_text]
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    if changes:
        # The sanctioned path for determined fields: a queryset update, not the cadre edit service.
        Cadre.objects.filter(pk=cadre.pk).update(
            **{field: new for field, (_old, new) in changes.items()}, updated_at=timezone.now()
        )
    return changes


@_guarded
def determination_approve(*, determination: Determination, by, note: str = "") -> Determination:
    """Approve a proposal: the determination becomes immutable and its value is applied to the cadre."""
    from audit.services import record

    determination = (
        Determination.objects.select_for_update(of=("self",))
        .select_related("education")
        .get(pk=determination.pk)
    )
    if not has_role(by, REVIEWER):
        raise DomainError("APPROVER_NOT_AUTHORISED", "只有具有干部管理权限的审批人可以批准认定。", status=403)
    archive = _archive_for(by, determination.cadre, access.Action.VIEW_DIRECTORY)
    if determination.status != DeterminationStatus.PROPOSED:
        raise DomainError("DETERMINATION_NOT_PENDING", "该认定不是待审批状态。")
    if determination.proposed_by_id == by.pk:
        raise DomainError("DETERMINATION_SELF_APPROVAL", "认定的提出人不能批准本人提出的认定。")
    cadre = Cadre.objects.select_for_update().get(pk=determination.cadre_id)
    current = current_determinations(cadre).get(determination_key(determination))
    if (current.pk if current else None) != determination.supersedes_id:
        raise DomainError("DETERMINATION_STALE", "该事项在提出后已有新的认定获批，请退回本认定并重新提出。")
    determination.status = DeterminationStatus.APPROVED
    determination.decided_by = by
    determination.decided_at = timezone.now()
    determination.decision_note = note.strip()[:300]
    determination.save()
    changes = _apply(determination, cadre)
    ArchiveEvent.objects.create(
        archive=archive,
        kind="认定",
        description=f"{determination.get_subject_display()}认定为“{determination.value_display[:80]}”"
        f"（{determination.determining_organ}，{determination.determined_on:%Y.%m.%d}）",
        actor=by,
        details={"determination_id": determination.pk},
    )
    record(
        by,
        "determination.approve",
        archive=archive,
        target=determination,
        details={
            "subject": determination.subject,
            "value": determination.value_display,
            "supersedes": determination.supersedes_id,
            "changes": {k: [str(v[0]), str(v[1])] for k, v in changes.items()},
        },
    )
    transaction.on_commit(
        lambda: determination_approved.send(sender=Determination, determination=determination)
    )
    return determination


@_guarded
def determination_reject(*, determination: Determination, by, note: str) -> Determination:
    from audit.services import record

    determination = Determination.objects.select_for_update().get(pk=determination.pk)
    if not has_role(by, REVIEWER):
        raise DomainError("APPROVER_NOT_AUTHORISED", "只有具有干部管理权限的审批人可以审批认定。", status=403)
    archive = _archive_for(by, determination.cadre, access.Action.VIEW_DIRECTORY)
    if determination.status != DeterminationStatus.PROPOSED:
        raise DomainError("DETERMINATION_NOT_PENDING", "该认定不是待审批状态。")
    if not note.strip():
        raise DomainError("DETERMINATION_NOTE_REQUIRED", "退回认定须填写理由。", "note")
    determination.status = DeterminationStatus.REJECTED
    determination.decided_by = by
    determination.decided_at = timezone.now()
    determination.decision_note = note.strip()[:300]
    determination.save()
    record(by, "determination.reject", archive=archive, target=determination, details={"note": note[:300]})
    return determination
