"""Reads for the pre-appointment review, already filtered by the access policy (archives.access)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.roles import REVIEWER
from archives import access, determinations
from archives.access import Action
from archives.models import (
    Archive,
    Cadre,
    CadrePost,
    CadreStatus,
    Determination,
    DeterminationStatus,
    DeterminationSubject,
    EducationRecord,
    Material,
    MaterialStatus,
)
from core.choices import is_party_member
from core.config import setting
from reviews import rules
from reviews.models import CaseStatus, FlagStatus, ReviewCase, ReviewFlag

# --- facts for the red-flag checks ---------------------------------------------------------------------------


def thresholds() -> rules.Thresholds:
    return rules.Thresholds(
        min_work_age=setting("MIN_WORK_AGE"),
        min_party_age=setting("MIN_PARTY_AGE"),
        resume_gap_months=setting("RESUME_GAP_MONTHS"),
        edu_min_age={
            "secondary": setting("EDU_MIN_AGE_SECONDARY"),
            "college": setting("EDU_MIN_AGE_COLLEGE"),
            "party_school": setting("EDU_MIN_AGE_COLLEGE"),
            "bachelor": setting("EDU_MIN_AGE_BACHELOR"),
            "master": setting("EDU_MIN_AGE_MASTER"),
            "doctor": setting("EDU_MIN_AGE_DOCTOR"),
        },
        foreign_verification_year=setting("FOREIGN_DEGREE_VERIFICATION_YEAR"),
    )


def completeness_vetoes(archive: Archive, today: datetime.date | None = None) -> tuple[rules.VetoFact, ...]:
    """The veto items (单项否决) of the archive's completeness report (archives.completeness), computed now
    with the same pure engine as the stored reports (nothing is written)."""
    try:
        from archives import completeness
    except ImportError:  # the completeness engine is not installed in this deployment
        return ()
    ruleset = completeness.load_rules(today)
    facts = completeness.gather(archive.pk, ruleset)
    if facts is None:
        return ()
    result = completeness.evaluate(ruleset, facts)
    vetoes = []
    for item in result["items"]:
        if not item.get("veto"):
            continue
        detail = "、".join(i["label"] for i in item.get("instances", []) if i.get("label"))
        years = "、".join(str(y) for y in item.get("years", []))
        extra = f"（{detail or years}）" if (detail or years) else ""
        vetoes.append(
            rules.VetoFact(
                code=f"COMPLETENESS_VETO:{item['rule']}",
                message=f"缺少{item['name']}{extra}",
            )
        )
    return tuple(vetoes)


def review_facts(cadre: Cadre, *, today: datetime.date | None = None) -> rules.Facts:
    """One snapshot of a cadre's archive for the checks: a fixed handful of queries, whatever its size."""
    today = today or timezone.localdate()
    archive = Archive.objects.filter(cadre=cadre).first()
    materials: list[rules.MaterialFact] = []
    filed_ids: set[int] = set()
    if archive is not None:
        rows = (
            Material.objects.filter(archive=archive, status=MaterialStatus.FILED)
            .select_related("kind", "category")
            .order_by("formed_on", "id")
        )
        for m in rows:
            filed_ids.add(m.pk)
            materials.append(
                rules.MaterialFact(
                    id=m.pk,
                    title=m.title,
                    label=m.seq_label,
                    kind=m.kind.code if m.kind_id else "",
                    category=m.category.code,
                    formed_on=m.formed_on,
                    stated_birth_date=m.stated_birth_date,
                    stated_work_start_date=m.stated_work_start_date,
                    stated_party_join_date=m.stated_party_join_date,
                    is_altered=m.is_altered,
                    alteration_note=m.alteration_note,
                    created_on=timezone.localtime(m.created_at).date() if m.created_at else None,
                )
            )
    posts = [
        rules.PostFact(
            id=p.pk,
            title=p.title,
            start=p.start_date,
            end=p.end_date,
            is_concurrent=p.is_concurrent,
            approving_organ=p.approving_organ,
            document_no=p.document_no,
            approved_on=p.approved_on,
            rank=p.rank,
            appointment_material_id=p.appointment_material_id
            if p.appointment_material_id in filed_ids
            else None,
        )
        for p in CadrePost.objects.filter(cadre=cadre).order_by("start_date", "id")
    ]
    educations = [
        rules.EducationFact(
            id=e.pk,
            level=e.level,
            level_label=e.get_level_display(),
            school=e.school,
            major=e.major,
            degree=e.degree,
            entry_date=e.entry_date,
            graduation_date=e.graduation_date,
            degree_date=e.degree_date,
            is_foreign=e.is_foreign,
            materials=tuple(
                (m.pk, m.kind.code if m.kind_id else "") for m in e.materials.all() if m.pk in filed_ids
            ),
        )
        for e in EducationRecord.objects.filter(cadre=cadre).prefetch_related(
            Prefetch("materials", queryset=Material.objects.select_related("kind"))
        )
    ]
    current = determinations.current_determinations(cadre)
    determined = {
        key: rules.DeterminationFact(
            subject=d.subject,
            value_date=d.value_date,
            approved_on=timezone.localtime(d.decided_at).date() if d.decided_at else today,
            key=key,
        )
        for key, d in current.items()
    }
    return rules.Facts(
        cadre_id=cadre.pk,
        name=cadre.name,
        sex=cadre.sex,
        birth_date=cadre.birth_date,
        party_join_date=cadre.party_join_date,
        work_start_date=cadre.work_start_date,
        id_number=cadre.id_number or "",
        is_party_member=is_party_member(cadre.political_status),
        is_serving=cadre.status == CadreStatus.SERVING,
        resume=cadre.resume,
        materials=tuple(materials),
        posts=tuple(posts),
        educations=tuple(educations),
        determinations=determined,
        vetoes=completeness_vetoes(archive, today) if archive is not None else (),
        today=today,
        thresholds=thresholds(),
    )


# --- cases ----------------------------------------------------------------------------------------------------


def cases_for(user) -> QuerySet:
    """Cases on archives within the user's authority (directory access), with their open-flag counts."""
    visible = access.archives_for(user, Action.VIEW_DIRECTORY)
    return (
        ReviewCase.objects.filter(archive__in=visible.values("pk"))
        .select_related("cadre", "archive", "reviewer", "requesting_unit")
        .annotate(
            open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN), distinct=True),
            total_flags=Count("flags", filter=~Q(flags__status=FlagStatus.CLEARED), distinct=True),
        )
    )


@dataclass
class CaseFilters:
    q: str = ""
    status: str = ""
    mine: bool = False
    flagged: bool = False


def case_list(user, filters: CaseFilters) -> QuerySet:
    qs = cases_for(user)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(
            Q(cadre__name__icontains=q)
            | Q(cadre__name_pinyin__icontains=q.lower())
            | Q(cadre__name_initials__icontains=q.lower())
            | Q(archive__archive_no__icontains=q)
            | Q(proposed_post__icontains=q)
        )
    if filters.status in CaseStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.mine:
        qs = qs.filter(reviewer=user)
    if filters.flagged:
        qs = qs.filter(open_flags__gt=0)
    return qs.order_by("status", "-created_at", "-id")


def get_case(user, pk, *, for_update: bool = False) -> ReviewCase:
    """The case if its archive is within the user's authority; otherwise an audited 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise access.deny(user, Action.VIEW_DIRECTORY, reason="bad case id") from None
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise access.deny(
            user, Action.VIEW_DIRECTORY, target=("reviews.reviewcase", pk, ""), reason="case not visible"
        )
    return case


def flags_of(case: ReviewCase) -> list[ReviewFlag]:
    order = {FlagStatus.OPEN: 0, FlagStatus.RESOLVED: 1, FlagStatus.CLEARED: 2}
    flags = list(
        case.flags.select_related("resolved_by", "determination")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.select_related("category", "kind")))
        .order_by("id")
    )
    return sorted(flags, key=lambda f: (order.get(f.status, 9), f.id))


def openable_material_ids(user, archive: Archive) -> set[int]:
    """Materials of the archive the user may open now in the watermarked viewer (the case grant)."""
    return set(access.materials_for(user, archive).values_list("pk", flat=True))


@dataclass
class SubjectRow:
    """One line of the 三龄两历一身份 table on the case page."""

    key: str
    label: str
    value: str
    current: Determination | None
    pending: list = field(default_factory=list)
    history: list = field(default_factory=list)
    education_id: int | None = None
    extra: str = ""


def subject_rows(cadre: Cadre, *, today: datetime.date | None = None) -> list[SubjectRow]:
    today = today or timezone.localdate()
    all_rows = list(determinations.history(cadre))
    current = determinations.current_determinations(cadre)

    def rows_for(key: str):
        return [d for d in all_rows if determinations.determination_key(d) == key]

    out: list[SubjectRow] = []
    for subject in (
        DeterminationSubject.BIRTH_DATE,
        DeterminationSubject.PARTY_JOIN_DATE,
        DeterminationSubject.WORK_START_DATE,
    ):
        key = str(subject)
        history = rows_for(key)
        row = SubjectRow(
            key=key,
            label=subject.label,
            value=determinations.cadre_value(cadre, subject),
            current=current.get(key),
            pending=[d for d in history if d.status == DeterminationStatus.PROPOSED],
            history=history,
        )
        if subject == DeterminationSubject.BIRTH_DATE:
            row.extra = f"{cadre.age_on(today)}岁"
        if subject == DeterminationSubject.PARTY_JOIN_DATE and cadre.party_join_date:
            full = row.current.full_member_date if row.current else None
            age = determinations.party_age(cadre.party_join_date, today, full)
            start = determinations.party_age_start(cadre.party_join_date, full)
            if age is not None and start is not None:
                row.extra = f"党龄{age}年（自{start:%Y.%m.%d}起算）"
        out.append(row)
    for edu in EducationRecord.objects.filter(cadre=cadre).order_by("graduation_date", "id"):
        key = f"education:{edu.pk}"
        history = rows_for(key)
        out.append(
            SubjectRow(
                key=key,
                label=f"学历学位（{edu.get_mode_display()}）",
                value=determinations.education_text(edu),
                current=current.get(key),
                pending=[d for d in history if d.status == DeterminationStatus.PROPOSED],
                history=history,
                education_id=edu.pk,
            )
        )
    for subject in (DeterminationSubject.WORK_HISTORY, DeterminationSubject.CADRE_STATUS):
        key = str(subject)
        history = rows_for(key)
        value = determinations.cadre_value(cadre, subject)
        if subject == DeterminationSubject.WORK_HISTORY:
            value = f"简历{len(rules.parse_resume(cadre.resume).periods)}段"
        out.append(
            SubjectRow(
                key=key,
                label=subject.label,
                value=value,
                current=current.get(key),
                pending=[d for d in history if d.status == DeterminationStatus.PROPOSED],
                history=history,
            )
        )
    return out


def determinations_to_approve(user) -> QuerySet:
    """Proposals a reviewer may decide: within their authority, not proposed by themselves."""
    if REVIEWER not in user.roles:
        return Determination.objects.none()
    visible = access.archives_for(user, Action.VIEW_DIRECTORY).values("cadre_id")
    return (
        Determination.objects.filter(status=DeterminationStatus.PROPOSED, cadre_id__in=visible)
        .exclude(proposed_by=user)
        .select_related("cadre", "proposed_by", "education")
        .order_by("proposed_at")
    )


def get_determination(user, pk) -> Determination:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise access.deny(user, Action.VIEW_DIRECTORY, reason="bad determination id") from None
    visible = access.archives_for(user, Action.VIEW_DIRECTORY).values("cadre_id")
    determination = (
        Determination.objects.filter(pk=pk, cadre_id__in=visible)
        .select_related("cadre", "proposed_by", "decided_by", "education", "supersedes")
        .first()
    )
    if determination is None:
        raise access.deny(
            user,
            Action.VIEW_DIRECTORY,
            target=("archives.determination", pk, ""),
            reason="determination not visible",
        )
    return determination


def basis_material_choices(archive: Archive) -> QuerySet:
    """Filed materials of the archive by directory order (titles are directory-level information)."""
    return (
        Material.objects.filter(archive=archive, status=MaterialStatus.FILED)
        .select_related("category")
        .order_by("category__sort_order", "seq", "formed_on", "id")
    )


def home_counts(user) -> dict:
    qs = cases_for(user)
    mine = qs.filter(reviewer=user).exclude(status=CaseStatus.CLOSED)
    return {
        "open_cases": mine.count(),
        "flagged_cases": mine.filter(open_flags__gt=0).count(),
        "open_flags": ReviewFlag.objects.filter(case__in=mine.values("pk"), status=FlagStatus.OPEN).count(),
        "ready_cases": mine.filter(status=CaseStatus.READY).count(),
        "to_approve": determinations_to_approve(user).count(),
        "recent": list(mine.order_by("-updated_at")[:5]),
    }
