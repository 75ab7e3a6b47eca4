"""Every state change of viewing and borrowing, one function per use case.

Each runs in one transaction, locks the request (and the archive where paper moves) with select_for_update so
that two reviewers approving at once, or an approval racing a withdrawal, end in exactly one outcome, and writes
its audit event in the same transaction. The rules of borrowing/rules.py are checked when a request is submitted
and again when it is approved.

    access_request_create(*, by, data)             -> draft
    access_request_update(*, request, by, data)    -> draft edited
    access_request_submit(*, request, by)          draft -> submitted
    access_request_withdraw(*, request, by)        draft/submitted/first_approved -> withdrawn
    access_request_approve(*, request, by, ...)    submitted -> (first_approved ->) approved (+ grants if digital)
    access_request_reject(*, request, by, reason)  submitted/first_approved -> rejected
    access_request_checkout(*, request, by, ...)   approved -> in use (paper to the reading room or on loan)
    checkout_return(*, checkout, by, items, ...)   item-by-item check: returned, or 归还异常 with an incident
    copy_register(*, request, material, ...)       a registered extract or copy of an approved material
    access_request_start_viewing / _finish         digital viewing begins / ends early
    expire_requests(*, now) and overdue_sweep(*, now)   the daily task (expiry never depends on it)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import UnitKind, User, UserRelative
from accounts.roles import CLERK, VIEWER, roles_of
from archives import access
from archives.access import Action
from archives.grants import grant_create
from archives.models import (
    Archive,
    ArchiveEvent,
    ArchiveStatus,
    ArchiveUserObjectPermission,
    FamilyMember,
    Material,
    MaterialCategory,
    MaterialStatus,
)
from audit.models import Outcome
from audit.services import record
from borrowing import rules
from borrowing.models import (
    LIVE_STATUSES,
    PENDING_STATUSES,
    WITHDRAWABLE_STATUSES,
    AccessMode,
    AccessRequest,
    AccessRequestSubject,
    AccessRequestViewer,
    Approval,
    Checkout,
    CheckoutKind,
    CheckoutStatus,
    CopyKind,
    CopyRecord,
    Decision,
    IncidentStatus,
    NoticeStage,
    OverdueNotice,
    RequestStatus,
    ReturnCheck,
    ReturnCheckItem,
    ReturnIncident,
)
from core.config import setting
from core.errors import DomainError, Violation, raise_for

INVALID_STATE = "INVALID_STATE"
STALE_STATE = "STALE_STATE"
NOT_APPLICANT = "NOT_APPLICANT"
REASON_REQUIRED = "REASON_REQUIRED"
SUBJECT_NOT_FOUND = "SUBJECT_NOT_FOUND"

HEADER_FIELDS = (
    "mode",
    "requesting_unit",
    "requesting_unit_name",
    "requesting_unit_kind",
    "unit_opinion",
    "unit_signer",
    "unit_signed_on",
    "has_intro_letter",
    "purpose",
    "purpose_detail",
    "start_at",
    "end_at",
    "copies_requested",
    "copy_note",
)
VIEWER_FIELDS = ("name", "unit_name", "post", "political_status", "id_number", "phone")


# --- facts for the rules ----------------------------------------------------------------------------------------


def rule_settings() -> rules.Settings:
    return rules.Settings(
        probationary_members_count=setting("PROBATIONARY_MEMBERS_COUNT"),
        party_rule_is_warning=setting("PARTY_MEMBER_RULE_IS_WARNING"),
        loan_max_days=setting("LOAN_MAX_DAYS"),
        view_max_days=setting("VIEW_MAX_DAYS"),
    )


def _declared(user_ids: Iterable[int]) -> dict[int, tuple[rules.Person, ...]]:
    found: dict[int, list[rules.Person]] = {}
    for rel in UserRelative.objects.filter(user_id__in=set(user_ids)):
        found.setdefault(rel.user_id, []).append(rules.Person(rel.name, rel.id_number, None, rel.relation))
    return {k: tuple(v) for k, v in found.items()}


def viewer_facts(viewers: list[AccessRequestViewer]) -> tuple[rules.ViewerFacts, ...]:
    """Viewers as the rules see them; an unlinked viewer whose ID number belongs to a registered user carries that
    user's declared relatives and roles too."""
    ids = [rules.normalise_id(v.id_number) for v in viewers if v.id_number]
    by_id = {u.id_number: u for u in User.objects.filter(id_number__in=ids)} if ids else {}
    accounts: dict[int, Any] = {}
    for v in viewers:
        account = v.user if v.user_id else by_id.get(rules.normalise_id(v.id_number))
        if account is not None:
            accounts[id(v)] = account
    declared = _declared(a.pk for a in accounts.values())
    facts = []
    for v in viewers:
        account = accounts.get(id(v))
        facts.append(
            rules.ViewerFacts(
                name=v.name,
                unit_name=v.unit_name,
                post=v.post,
                political_status=v.political_status,
                id_number=v.id_number,
                phone=v.phone,
                user_id=v.user_id,
                user_roles=roles_of(account) if account is not None else frozenset(),
                declared_relatives=declared.get(account.pk, ()) if account is not None else (),
            )
        )
    return tuple(facts)


def _effective_scope_ids(subject: AccessRequestSubject) -> tuple[set[int], set[int]]:
    return (
        {c.pk for c in subject.scope_categories.all()},
        {m.pk for m in subject.scope_materials.all()},
    )


def material_in_scope(subject: AccessRequestSubject, material: Material) -> bool:
    if material.archive_id != subject.archive_id:
        return False
    if subject.scope_all:
        return True
    categories, materials = _effective_scope_ids(subject)
    return (
        material.pk in materials
        or material.category_id in categories
        or (material.category.parent_id is not None and material.category.parent_id in categories)
    )


def subject_facts(subjects: list[AccessRequestSubject]) -> tuple[rules.SubjectFacts, ...]:
    cadre_ids = [s.archive.cadre_id for s in subjects]
    family: dict[int, list[rules.Person]] = {}
    for m in FamilyMember.objects.filter(cadre_id__in=cadre_ids):
        family.setdefault(m.cadre_id, []).append(rules.Person(m.name, m.id_number, m.birth_date, m.relation))
    facts = []
    for s in subjects:
        cadre = s.archive.cadre
        categories, materials = _effective_scope_ids(s)
        copies = list(s.copy_materials.all())
        outside = tuple(m.seq_label or m.title for m in copies if not material_in_scope(s, m))
        facts.append(
            rules.SubjectFacts(
                archive_id=s.archive_id,
                archive_no=s.archive.archive_no,
                cadre_name=cadre.name,
                cadre_id_number=cadre.id_number or "",
                cadre_birth_date=cadre.birth_date,
                cadre_unit_path=cadre.unit.path if cadre.unit_id else "",
                management_level=cadre.management_level,
                archive_status=s.archive.status,
                family=tuple(family.get(cadre.pk, ())),
                scope_all=s.scope_all,
                scope_category_count=len(categories),
                scope_material_count=len(materials),
                copy_material_count=len(copies),
                copies_outside_scope=outside,
            )
        )
    return tuple(facts)


def _subjects_of(req: AccessRequest) -> list[AccessRequestSubject]:
    return list(
        req.subjects.select_related("archive__cadre__unit").prefetch_related(
            "scope_categories", "scope_materials", "copy_materials__category"
        )
    )


def request_facts(req: AccessRequest) -> rules.RequestFacts:
    viewers = list(req.viewers.select_related("user"))
    subjects = _subjects_of(req)
    unit = req.requesting_unit
    return rules.RequestFacts(
        mode=req.mode,
        purpose=req.purpose,
        purpose_detail=req.purpose_detail,
        requesting_unit_name=unit.name if unit else req.requesting_unit_name,
        requesting_unit_kind=unit.kind if unit else req.requesting_unit_kind,
        unit_opinion=req.unit_opinion,
        unit_signer=req.unit_signer,
        unit_signed_on=req.unit_signed_on,
        start_at=req.start_at,
        end_at=req.end_at,
        copies_requested=req.copies_requested,
        created_by_id=req.created_by_id,
        viewers=viewer_facts(viewers),
        subjects=subject_facts(subjects),
    )


def approver_facts(user) -> rules.ApproverFacts:
    area = access.jurisdiction(user.unit) if user.unit_id else None
    return rules.ApproverFacts(
        user_id=user.pk,
        name=user.get_full_name(),
        roles=roles_of(user),
        is_active=user.is_active,
        id_number=user.id_number or "",
        jurisdiction_path=area.path if area is not None else "",
        approvable_levels=frozenset(user.unit.approvable_levels) if user.unit_id else frozenset(),
        declared_relatives=_declared([user.pk]).get(user.pk, ()),
    )


def check_request(req: AccessRequest, *, now: datetime.datetime | None = None) -> list[Violation]:
    """All rule results for a request as it stands (errors and warnings), without changing anything."""
    return rules.request_violations(request_facts(req), rule_settings(), now=now or timezone.now())


def check_approval(req: AccessRequest, approver, *, rejecting: bool = False) -> list[Violation]:
    """APPROVER_NOT_AUTHORISED checks. A rejection needs the same authority but not a second person."""
    earlier = (
        []
        if rejecting
        else list(req.approvals.filter(decision=Decision.APPROVE).values_list("reviewer_id", flat=True))
    )
    return rules.check_approver(request_facts(req), approver_facts(approver), earlier_approver_ids=earlier)


# --- helpers ---------------------------------------------------------------------------------------------------


def _lock(req: AccessRequest) -> AccessRequest:
    return AccessRequest.objects.select_for_update().get(pk=req.pk)


def _state_error(req: AccessRequest, doing: str) -> DomainError:
    return DomainError(
        INVALID_STATE, f"该申请当前状态为“{req.effective_status_label}”，不能{doing}。", "status", status=400
    )


def _record_subjects(by, action: str, req: AccessRequest, *, outcome: str = Outcome.SUCCESS, **details):
    """One audit event per subject archive, so that the auditor finds each step under each archive."""
    details = {"request": req.number, "mode": req.mode, **details}
    archives = list(Archive.objects.filter(access_subjects__request=req).only("pk", "archive_no"))
    if not archives:
        record(by, action, target=req, outcome=outcome, details=details)
        return
    for archive in archives:
        record(by, action, archive=archive, target=req, outcome=outcome, details=details)


def _archive_event(archive: Archive, kind: str, description: str, by, **details) -> None:
    ArchiveEvent.objects.create(
        archive=archive, kind=kind, description=description, actor=by, details=details
    )


def _is_clerk_for(user, archive: Archive) -> bool:
    return CLERK in roles_of(user) and access.can(user, Action.MANAGE, archive)


def _require_clerk(user, archive: Archive, doing: str) -> None:
    if not _is_clerk_for(user, archive):
        raise access.deny(user, Action.MANAGE, archive=archive, reason=f"borrowing: {doing}")


def _assign_number(req: AccessRequest) -> None:
    year = timezone.localdate().year
    req.number = f"CY{year}-{req.pk:05d}"
    AccessRequest.objects.filter(pk=req.pk).update(number=req.number)


# --- finding the subject archive ------------------------------------------------------------------------------


def find_subject_archive(*, by, archive_no: str = "", id_number: str = "", index: int = 0) -> Archive:
    """The subject's archive from its number (or the cadre's ID number).

    A clerk files requests for archives held by the units they serve. A registered user filing for themselves
    cannot browse archives: the exact archive number or ID number must be given (nothing is listed).
    """
    archive_no = (archive_no or "").strip()
    id_number = rules.normalise_id(id_number)
    field = f"subjects.{index}.archive"
    if not archive_no and not id_number:
        raise DomainError(
            rules.FORM_IRREGULAR, f"{rules.FORM_PREFIX}：缺少查阅对象{index + 1}的档号。", field
        )
    base = Archive.objects.select_related("cadre__unit", "holding_unit")
    if CLERK in roles_of(by):
        base = access.archives_for(by, Action.MANAGE, base)
    query = Q(archive_no=archive_no) if archive_no else Q(cadre__id_number=id_number)
    archive = base.filter(query).first()
    if archive is None:
        where = "本单位保管的档案中" if CLERK in roles_of(by) else ""
        raise DomainError(
            SUBJECT_NOT_FOUND,
            f"{where}未找到{'档号为' + archive_no if archive_no else '身份证号为' + id_number}的档案，请核对。",
            field,
        )
    return archive


# --- create, edit ----------------------------------------------------------------------------------------------


def _clean_header(data: dict) -> dict:
    header = {k: data[k] for k in HEADER_FIELDS if k in data}
    unit = header.get("requesting_unit")
    if unit is not None:
        header["requesting_unit_name"] = unit.name
        header["requesting_unit_kind"] = unit.kind
    for key in (
        "unit_opinion",
        "unit_signer",
        "purpose",
        "purpose_detail",
        "copy_note",
        "requesting_unit_name",
    ):
        if key in header and header[key] is None:
            header[key] = ""
    if header.get("requesting_unit_kind") and header["requesting_unit_kind"] not in UnitKind.values:
        raise DomainError(
            rules.FORM_IRREGULAR, f"{rules.FORM_PREFIX}：申请单位类别无效。", "requesting_unit_kind"
        )
    if header.get("mode") and header["mode"] not in AccessMode.values:
        raise DomainError(rules.FORM_IRREGULAR, f"{rules.FORM_PREFIX}：查阅方式无效。", "mode")
    if "purpose_detail" in header and len(header["purpose_detail"] or "") > 200:
        raise DomainError(rules.FORM_IRREGULAR, "查阅事由说明不得超过200字。", "purpose_detail")
    return header


def _write_viewers(req: AccessRequest, viewers: list[dict], by) -> None:
    req.viewers.all().delete()
    rows = []
    for seq, data in enumerate(viewers):
        account = data.get("user")
        row = AccessRequestViewer(request=req, seq=seq, user=account)
        if account is not None:
            # A linked account is authoritative for who the viewer is.
            row.name = account.get_full_name()
            row.unit_name = account.unit.name if account.unit_id else (data.get("unit_name") or "")
            row.post = account.post or (data.get("post") or "")
            row.political_status = account.political_status
            row.id_number = account.id_number or ""
            row.phone = account.phone or (data.get("phone") or "")
        else:
            for key in VIEWER_FIELDS:
                setattr(row, key, (data.get(key) or "").strip())
            row.id_number = rules.normalise_id(row.id_number)
        if not any([row.name, row.id_number, row.unit_name, row.post, row.user_id]):
            continue  # an empty form row
        rows.append(row)
    AccessRequestViewer.objects.bulk_create(rows)
    if CLERK not in roles_of(by) and not any(r.user_id == by.pk for r in rows):
        raise DomainError(
            rules.FORM_IRREGULAR,
            f"{rules.FORM_PREFIX}：本人填报的申请，本人须为查阅人之一。",
            "viewers",
        )


def _materials_of(archive: Archive, materials: Iterable, field: str) -> list[Material]:
    ids = [m.pk if isinstance(m, Material) else int(m) for m in materials]
    found = {
        m.pk: m
        for m in Material.objects.filter(
            pk__in=ids, archive=archive, status=MaterialStatus.FILED
        ).select_related("category")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError(
            rules.FORM_IRREGULAR,
            f"{rules.FORM_PREFIX}：所选材料不属于档案{archive.archive_no}的已归档材料。",
            field,
        )
    return [found[i] for i in ids]


def _write_subjects(req: AccessRequest, subjects: list[dict]) -> None:
    """Replace the list of subjects. A subject archive that stays keeps what the row does not mention (the
    materials and copies chosen in the scope editor are not lost when the form is saved again)."""
    existing = {s.archive_id: s for s in req.subjects.all()}
    seen: set[int] = set()
    for index, data in enumerate(subjects):
        archive = data["archive"]
        if archive.pk in seen:
            raise DomainError(
                rules.FORM_IRREGULAR, f"档案{archive.archive_no}重复填写。", f"subjects.{index}.archive"
            )
        seen.add(archive.pk)
        categories = list(data.get("categories") or [])
        for c in categories:
            if not isinstance(c, MaterialCategory):
                raise DomainError(rules.FORM_IRREGULAR, "查阅类别无效。", f"subjects.{index}.scope")
        subject = existing.get(archive.pk)
        if subject is None:
            subject = AccessRequestSubject.objects.create(request=req, archive=archive)
        if "materials" in data:
            subject.scope_materials.set(
                _materials_of(archive, data["materials"] or [], f"subjects.{index}.scope")
            )
        if "copy_materials" in data:
            subject.copy_materials.set(
                _materials_of(archive, data["copy_materials"] or [], f"subjects.{index}.copies")
            )
        if "categories" in data:
            subject.scope_categories.set(categories)
        default_all = not (subject.scope_categories.exists() or subject.scope_materials.exists())
        subject.scope_all = bool(data.get("scope_all", default_all))
        subject.save(update_fields=["scope_all"])
        if subject.scope_all:
            subject.scope_categories.clear()
            subject.scope_materials.clear()
    AccessRequestSubject.objects.filter(request=req).exclude(archive_id__in=seen).delete()


def _default_due(req: AccessRequest) -> None:
    """A loan with a start and no due date is due after LOAN_DEFAULT_DAYS (the rules cap it at LOAN_MAX_DAYS)."""
    if req.mode == AccessMode.LOAN and req.start_at and not req.end_at:
        req.end_at = req.start_at + datetime.timedelta(days=setting("LOAN_DEFAULT_DAYS"))


def _may_create(by) -> None:
    if not (roles_of(by) & {CLERK, VIEWER}):
        raise DomainError(
            "PERMISSION_DENIED",
            "只有管档员（代外单位填报）或查阅人（本人填报）可以填写查阅申请。",
            status=403,
        )


@transaction.atomic
def access_request_create(*, by, data: dict) -> AccessRequest:
    """A new request (草稿). data: header fields, "viewers" (list of dicts, "user" optional) and "subjects"
    (list of {"archive", "scope_all", "categories", "materials", "copy_materials"})."""
    _may_create(by)
    header = _clean_header(data)
    if not header.get("requesting_unit") and not header.get("requesting_unit_name") and by.unit_id:
        header["requesting_unit"] = by.unit
        header["requesting_unit_name"] = by.unit.name
        header["requesting_unit_kind"] = by.unit.kind
    req = AccessRequest(created_by=by, **header)
    _default_due(req)
    req.save()
    _assign_number(req)
    _write_viewers(req, list(data.get("viewers") or []), by)
    _write_subjects(req, list(data.get("subjects") or []))
    _record_subjects(by, "access_request.create", req)
    return req


@transaction.atomic
def access_request_update(*, request: AccessRequest, by, data: dict) -> AccessRequest:
    req = _lock(request)
    if req.created_by_id != by.pk:
        raise DomainError(NOT_APPLICANT, "只有填表人可以修改该申请。", status=403)
    if req.status != RequestStatus.DRAFT:
        raise _state_error(req, "修改")
    header = _clean_header(data)
    if "requesting_unit" in data and data["requesting_unit"] is None:
        header["requesting_unit"] = None
    for key, value in header.items():
        setattr(req, key, value)
    _default_due(req)
    req.save()
    if "viewers" in data:
        _write_viewers(req, list(data["viewers"] or []), by)
    if "subjects" in data:
        _write_subjects(req, list(data["subjects"] or []))
    _record_subjects(by, "access_request.update", req)
    return req


@transaction.atomic
def subject_scope_set(
    *,
    subject: AccessRequestSubject,
    by,
    scope_all: bool,
    categories: Iterable[MaterialCategory] = (),
    materials: Iterable = (),
    copy_materials: Iterable = (),
) -> AccessRequestSubject:
    """The clerk picks the materials of one subject archive (scope and copies) on a draft, from its directory."""
    req = _lock(subject.request)
    if req.created_by_id != by.pk:
        raise DomainError(NOT_APPLICANT, "只有填表人可以修改该申请。", status=403)
    if req.status != RequestStatus.DRAFT:
        raise _state_error(req, "修改")
    subject = AccessRequestSubject.objects.select_related("archive").get(pk=subject.pk)
    picked = _materials_of(subject.archive, list(materials), "scope")
    copies = _materials_of(subject.archive, list(copy_materials), "copies")
    categories = list(categories)
    subject.scope_all = bool(scope_all)
    subject.save(update_fields=["scope_all"])
    subject.scope_categories.set([] if scope_all else categories)
    subject.scope_materials.set([] if scope_all else picked)
    subject.copy_materials.set(copies)
    if copies and not req.copies_requested:
        req.copies_requested = True
        req.save(update_fields=["copies_requested", "updated_at"])
    record(
        by,
        "access_request.update",
        archive=subject.archive,
        target=req,
        details={"request": req.number, "scope_all": subject.scope_all, "copies": [m.pk for m in copies]},
    )
    return subject


# --- submit, withdraw ------------------------------------------------------------------------------------------


@transaction.atomic
def access_request_submit(*, request: AccessRequest, by) -> AccessRequest:
    """草稿 → 待审批, after every rule (三不查阅, purpose, self/relatives, borrowing limits) passes."""
    req = _lock(request)
    if req.created_by_id != by.pk:
        raise DomainError(NOT_APPLICANT, "只有填表人可以提交该申请。", status=403)
    if req.status != RequestStatus.DRAFT:
        raise _state_error(req, "提交")
    warnings = raise_for(check_request(req))
    req.status = RequestStatus.SUBMITTED
    req.submitted_at = timezone.now()
    req.required_levels = 2 if req.mode == AccessMode.LOAN else 1
    req.warnings = [w.as_dict() for w in warnings]
    req.save()
    _record_subjects(by, "access_request.submit", req, warnings=[w.code for w in warnings])
    return req


@transaction.atomic
def access_request_withdraw(*, request: AccessRequest, by, reason: str = "") -> AccessRequest:
    """The applicant withdraws before the final approval."""
    req = _lock(request)
    if req.created_by_id != by.pk:
        raise DomainError(NOT_APPLICANT, "只有填表人可以撤回该申请。", status=403)
    if req.status not in WITHDRAWABLE_STATUSES:
        raise _state_error(req, "撤回")
    req.status = RequestStatus.WITHDRAWN
    req.closed_at = timezone.now()
    req.save()
    _record_subjects(by, "access_request.withdraw", req, reason=reason[:300])
    return req


# --- approve, reject -------------------------------------------------------------------------------------------


def _audit_refusal(by, action: str, request: AccessRequest, exc: DomainError) -> None:
    """A refused approval is worth an audit line of its own (written after the refused transaction rolled back)."""
    if getattr(by, "is_authenticated", False):
        record(
            by,
            action,
            target=("borrowing.accessrequest", request.pk, str(request)),
            outcome=Outcome.DENIED,
            details={"code": exc.code, "message": exc.message[:200]},
        )


def _current_level(req: AccessRequest) -> int:
    return 1 if req.status == RequestStatus.SUBMITTED else 2


def _content_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="archives", codename="view_archive_content")


def _grants_for(req: AccessRequest, by) -> int:
    """Digital viewing: one time-boxed grant per approved viewer account and subject archive, for exactly the
    approved scope and window."""
    permission = _content_permission()
    count = 0
    viewers = [v for v in req.viewers.select_related("user") if v.user_id]
    for subject in _subjects_of(req):
        for viewer in viewers:
            grant_create(
                user=viewer.user,
                archive=subject.archive,
                permission=permission,
                valid_from=req.start_at,
                valid_until=req.end_at,
                scope_all=subject.scope_all,
                categories=list(subject.scope_categories.all()),
                materials=list(subject.scope_materials.all()),
                reason=f"查阅申请 {req.number}（{req.purpose_short}）",
                by=by,
                access_request=req,
            )
            count += 1
    return count


def request_grants(req: AccessRequest):
    return ArchiveUserObjectPermission.objects.filter(access_request_id=req.pk)


def access_request_approve(
    *, request: AccessRequest, by, opinion: str = "", level: int | None = None
) -> AccessRequest:
    """One approval. Viewing needs one level; borrowing two, by two different authorised reviewers.

    `level` is the level the reviewer saw (page or API): if someone else acted first, the call is refused with
    STALE_STATE instead of silently becoming the next level's signature.
    """
    try:
        return _approve(request=request, by=by, opinion=opinion, level=level)
    except DomainError as exc:
        _audit_refusal(by, "access_request.approve", request, exc)
        raise


@transaction.atomic
def _approve(*, request, by, opinion, level):
    req = _lock(request)
    if req.status not in PENDING_STATUSES:
        raise _state_error(req, "审批")
    current = _current_level(req)
    if level is not None and int(level) != current:
        raise DomainError(
            STALE_STATE, f"该申请已进入第{current}级审批（他人已先行处理），请刷新页面后重新审阅。", "level"
        )
    raise_for([*check_request(req), *check_approval(req, by)])
    Approval.objects.create(
        request=req,
        level=current,
        decision=Decision.APPROVE,
        reviewer=by,
        reviewer_name=by.get_full_name(),
        reviewer_post=by.post,
        reviewer_unit=by.unit.name if by.unit_id else "",
        opinion=(opinion or "同意。")[:300],
    )
    details: dict[str, Any] = {"level": current, "opinion": opinion[:300]}
    if current < req.required_levels:
        req.status = RequestStatus.FIRST_APPROVED
    else:
        req.status = RequestStatus.APPROVED
        req.approved_at = timezone.now()
        if req.mode == AccessMode.DIGITAL:
            details["grants"] = _grants_for(req, by)
    req.save()
    _record_subjects(by, "access_request.approve", req, **details)
    return req


def access_request_reject(*, request: AccessRequest, by, reason: str) -> AccessRequest:
    try:
        return _reject(request=request, by=by, reason=reason)
    except DomainError as exc:
        _audit_refusal(by, "access_request.reject", request, exc)
        raise


@transaction.atomic
def _reject(*, request, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REASON_REQUIRED, "不予批准须填写理由。", "reason")
    req = _lock(request)
    if req.status not in PENDING_STATUSES:
        raise _state_error(req, "审批")
    # Only an authorised reviewer may decide at all (approve or reject).
    raise_for(check_approval(req, by, rejecting=True))
    current = _current_level(req)
    Approval.objects.create(
        request=req,
        level=current,
        decision=Decision.REJECT,
        reviewer=by,
        reviewer_name=by.get_full_name(),
        reviewer_post=by.post,
        reviewer_unit=by.unit.name if by.unit_id else "",
        opinion=reason[:300],
    )
    req.status = RequestStatus.REJECTED
    req.reject_reason = reason[:300]
    req.closed_at = timezone.now()
    req.save()
    _record_subjects(by, "access_request.reject", req, level=current, reason=reason[:300])
    return req


# --- paper out and back ----------------------------------------------------------------------------------------


def _filed(archive: Archive):
    return Material.objects.filter(archive=archive, status=MaterialStatus.FILED)


def access_request_checkout(
    *,
    request: AccessRequest,
    by,
    signatures: Iterable[str],
    archives: Iterable[Archive] | None = None,
) -> list[Checkout]:
    """The clerk hands the paper archive(s) out: to the reading room (on-site viewing, status 查阅中) or on loan
    (status 借出, due at the approved date). At least two approved viewers sign."""
    # Authority first, outside the transaction, so that a refusal's audit event is not rolled back with it.
    for subject in request.subjects.select_related("archive"):
        _require_clerk(by, subject.archive, "checkout")
    return _checkout(request=request, by=by, signatures=signatures, archives=archives)


@transaction.atomic
def _checkout(*, request, by, signatures, archives):
    req = _lock(request)
    if req.mode == AccessMode.DIGITAL:
        raise DomainError(INVALID_STATE, "数字查阅通过系统阅档，无需出库。", "mode")
    if req.status not in LIVE_STATUSES or req.effective_status == RequestStatus.EXPIRED:
        raise _state_error(req, "出库")
    subjects = {s.archive_id: s for s in req.subjects.select_related("archive")}
    wanted = [a.pk for a in archives] if archives else list(subjects)
    unknown = [pk for pk in wanted if pk not in subjects]
    if unknown or not wanted:
        raise DomainError(rules.FORM_IRREGULAR, "所选档案不在本申请的查阅对象中。", "archives")
    signatures = [s.strip() for s in signatures if s and s.strip()]
    now = timezone.now()
    raise_for(
        rules.check_checkout(
            mode=req.mode,
            approved_viewer_names=req.viewers.values_list("name", flat=True),
            signatures=signatures,
            start_at=req.start_at,
            end_at=req.end_at,
            now=now,
            today=timezone.localdate(),
            start_day=timezone.localtime(req.start_at).date() if req.start_at else None,
        )
    )
    kind = CheckoutKind.LOAN if req.mode == AccessMode.LOAN else CheckoutKind.READING_ROOM
    new_status = ArchiveStatus.ON_LOAN if kind == CheckoutKind.LOAN else ArchiveStatus.VIEWING
    made = []
    for archive in Archive.objects.select_for_update().filter(pk__in=wanted).order_by("pk"):
        if archive.status != ArchiveStatus.IN_STORE:
            code = (
                rules.ARCHIVE_ON_LOAN
                if archive.status == ArchiveStatus.ON_LOAN
                else rules.ARCHIVE_NOT_AVAILABLE
            )
            raise DomainError(
                code,
                f"档案{archive.archive_no}当前状态为“{archive.get_status_display()}”，不在库，不能出库。",
                "archives",
            )
        totals = _filed(archive).aggregate(n=Count("pk"), pages=Sum("page_count"))
        try:
            with transaction.atomic():
                checkout = Checkout.objects.create(
                    request=req,
                    archive=archive,
                    kind=kind,
                    out_at=now,
                    out_by=by,
                    out_signatures=signatures,
                    due_at=req.end_at,
                    material_count=totals["n"] or 0,
                    page_count=totals["pages"] or 0,
                )
        except IntegrityError:
            raise DomainError(rules.ARCHIVE_ON_LOAN, f"档案{archive.archive_no}已出库，未归还。", "archives")
        archive.status = new_status
        archive.save(update_fields=["status", "updated_at"])
        label = "借出" if kind == CheckoutKind.LOAN else "出库查阅"
        due = timezone.localtime(req.end_at)
        _archive_event(
            archive,
            label,
            f"{label}：申请{req.number}，{req.unit_display}，领取人{'、'.join(signatures)}，应还{due:%Y-%m-%d %H:%M}",
            by,
            request=req.pk,
            checkout=checkout.pk,
        )
        record(
            by,
            "access_request.checkout",
            archive=archive,
            target=checkout,
            details={
                "request": req.number,
                "kind": kind,
                "signatures": signatures,
                "due_at": req.end_at,
                "materials": checkout.material_count,
                "pages": checkout.page_count,
            },
        )
        made.append(checkout)
    req.status = RequestStatus.IN_USE
    req.handled_by = by
    req.save()
    return made


def parse_return_items(raw: dict[Any, Any]) -> dict[int, rules.ReturnedItem]:
    """{material_id: {"present": bool, "pages": int|None}} (API and form) into the rules' items."""
    items = {}
    for key, value in (raw or {}).items():
        try:
            material_id = int(key)
        except (TypeError, ValueError):
            raise DomainError(rules.FORM_IRREGULAR, "归还核对明细中的材料编号无效。", "items")
        if isinstance(value, dict):
            present = bool(value.get("present"))
            pages = value.get("pages")
        else:
            present, pages = bool(value), None
        if pages in ("", None):
            pages = None
        else:
            try:
                pages = int(pages)
            except (TypeError, ValueError):
                raise DomainError(rules.FORM_IRREGULAR, "清点页数须为整数。", f"items.{material_id}")
            if pages < 0:
                raise DomainError(rules.FORM_IRREGULAR, "清点页数不能为负数。", f"items.{material_id}")
        items[material_id] = rules.ReturnedItem(present=present, pages=pages)
    return items


def return_directory(archive: Archive) -> list[rules.DirectoryItem]:
    return [
        rules.DirectoryItem(m.pk, m.seq_label or m.title, m.page_count)
        for m in _filed(archive).select_related("category")
    ]


@dataclass
class ReturnOutcome:
    checkout: Checkout
    check: ReturnCheck
    incident: ReturnIncident | None

    @property
    def matched(self) -> bool:
        return self.check.matched


def checkout_return(
    *,
    checkout: Checkout,
    by,
    items: dict,
    signatures: Iterable[str] = (),
    note: str = "",
) -> ReturnOutcome:
    """Check a returned archive item by item against its directory (requirement 11).

    All present with their page counts: the checkout closes, the archive is back in store (在库), and the request
    is returned when nothing else is out. Any mismatch: an incident (归还异常) opens, the archive's status becomes
    归还异常 and the loan stays open until a later check matches (after the missing pages come back, or after the
    material's withdrawal has been approved through the archive's own procedure).
    """
    _require_clerk(by, Archive.objects.get(pk=checkout.archive_id), "return")
    return _return(checkout=checkout, by=by, items=items, signatures=signatures, note=note)


@transaction.atomic
def _return(*, checkout, by, items, signatures, note) -> ReturnOutcome:
    checkout = Checkout.objects.select_for_update().select_related("archive", "request").get(pk=checkout.pk)
    if checkout.status == CheckoutStatus.RETURNED:
        raise DomainError(INVALID_STATE, "该档案已归还并核对一致。", "checkout")
    req = _lock(checkout.request)
    archive = Archive.objects.select_for_update().get(pk=checkout.archive_id)
    signatures = [s.strip() for s in signatures if s and s.strip()]
    if not signatures:
        raise DomainError(rules.FORM_IRREGULAR, "请填写归还人签名。", "signatures")
    returned = (
        items if all(isinstance(v, rules.ReturnedItem) for v in items.values()) else parse_return_items(items)
    )
    directory = return_directory(archive)
    unknown = set(returned) - {d.material_id for d in directory}
    if unknown:
        raise DomainError(rules.FORM_IRREGULAR, "归还核对明细含有不属于该档案目录的材料。", "items")
    comparison = rules.compare_return(directory, returned)
    now = timezone.now()
    check = ReturnCheck.objects.create(
        checkout=checkout,
        checked_at=now,
        checked_by=by,
        returned_by_names=signatures,
        matched=comparison.matched,
        note=note[:300],
    )
    materials = {m.pk: m for m in _filed(archive).select_related("category")}
    ReturnCheckItem.objects.bulk_create(
        [
            ReturnCheckItem(
                return_check=check,
                material=materials[item.material_id],
                seq_label=materials[item.material_id].seq_label,
                title=materials[item.material_id].title[:200],
                expected_pages=item.expected_pages,
                present=got.present,
                returned_pages=got.pages,
                matched=ok,
            )
            for item, got, ok in comparison.rows
        ]
    )
    checkout.returned_at = checkout.returned_at or now
    checkout.returned_by = by
    checkout.in_signatures = signatures
    incident = None
    if comparison.matched:
        checkout.status = CheckoutStatus.RETURNED
        checkout.returned_at = now
        checkout.save()
        for open_incident in checkout.incidents.select_for_update().filter(status=IncidentStatus.OPEN):
            open_incident.status = IncidentStatus.RESOLVED
            open_incident.resolved_at = now
            open_incident.resolved_by = by
            open_incident.resolution = f"复核一致（{timezone.localtime(now):%Y-%m-%d %H:%M}）。{note}"[:500]
            open_incident.save()
            record(by, "access_request.incident_resolved", archive=archive, target=open_incident)
        archive.status = ArchiveStatus.IN_STORE
        archive.save(update_fields=["status", "updated_at"])
        _archive_event(
            archive,
            "归还",
            f"归还入库：申请{req.number}，归还人{'、'.join(signatures)}，逐件核对一致（{len(directory)}份材料）",
            by,
            request=req.pk,
            checkout=checkout.pk,
        )
        record(
            by,
            "access_request.return",
            archive=archive,
            target=checkout,
            details={"request": req.number, "signatures": signatures, "materials": len(directory)},
        )
        if not req.checkouts.exclude(status=CheckoutStatus.RETURNED).exists():
            req.status = RequestStatus.RETURNED
            req.closed_at = now
            req.save()
    else:
        checkout.status = CheckoutStatus.ANOMALY
        checkout.save()
        summary = "；".join(comparison.mismatches)[:500]
        incident = checkout.incidents.filter(status=IncidentStatus.OPEN).first()
        if incident is None:
            incident = ReturnIncident.objects.create(
                checkout=checkout,
                archive=archive,
                return_check=check,
                summary=summary,
                opened_at=now,
                opened_by=by,
            )
        else:
            incident.summary = summary
            incident.return_check = check
            incident.save(update_fields=["summary", "return_check"])
        archive.status = ArchiveStatus.RETURN_ANOMALY
        archive.save(update_fields=["status", "updated_at"])
        _archive_event(
            archive,
            "归还异常",
            f"归还核对不一致：{summary}"[:300],
            by,
            request=req.pk,
            checkout=checkout.pk,
            incident=incident.pk,
        )
        record(
            by,
            "access_request.return_anomaly",
            archive=archive,
            target=incident,
            outcome=Outcome.FAILED,
            details={"request": req.number, "mismatches": comparison.mismatches[:50]},
        )
    return ReturnOutcome(checkout=checkout, check=check, incident=incident)


# --- extracts and copies -----------------------------------------------------------------------------------------


def parse_pages(text: str, page_count: int) -> list[int]:
    """'1-3,5' -> [1, 2, 3, 5] within 1..page_count."""
    pages: list[int] = []
    cleaned = (text or "").replace("，", ",").replace("－", "-").replace("—", "-").replace(" ", "")
    if not cleaned:
        raise DomainError(rules.FORM_IRREGULAR, "请填写复制的页码，例如 1-3,5。", "pages")
    for part in cleaned.split(","):
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
            else:
                lo = hi = int(part)
        except ValueError:
            raise DomainError(rules.FORM_IRREGULAR, f"页码“{part}”格式不正确，例如 1-3,5。", "pages")
        if lo < 1 or hi > page_count or lo > hi:
            raise DomainError(
                rules.FORM_IRREGULAR, f"页码“{part}”超出该材料的页数范围（共{page_count}页）。", "pages"
            )
        pages.extend(range(lo, hi + 1))
    return sorted(set(pages))


def _pages_text(pages: list[int]) -> str:
    runs: list[str] = []
    start = prev = None
    for p in pages:
        if start is None:
            start = prev = p
        elif p == prev + 1:
            prev = p
        else:
            runs.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = p
    if start is not None:
        runs.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(runs)


def copy_register(
    *,
    request: AccessRequest,
    material: Material,
    pages: str,
    by,
    recipient: str,
    kind: str = CopyKind.COPY,
    note: str = "",
) -> CopyRecord:
    """Register one extract or copy made by the archive office: only of the materials the approval lists."""
    material = Material.objects.select_related("archive", "category").get(pk=material.pk)
    _require_clerk(by, material.archive, "copy")
    return _copy(
        request=request, material=material, pages=pages, by=by, recipient=recipient, kind=kind, note=note
    )


@transaction.atomic
def _copy(*, request, material, pages, by, recipient, kind, note) -> CopyRecord:
    req = _lock(request)
    if req.status not in LIVE_STATUSES or req.effective_status == RequestStatus.EXPIRED:
        raise _state_error(req, "办理摘录、复制")
    if kind not in CopyKind.values:
        raise DomainError(rules.FORM_IRREGULAR, "摘录或复制类别无效。", "kind")
    subject = req.subjects.filter(archive=material.archive).first()
    approved = (
        req.copies_requested
        and subject is not None
        and subject.copy_materials.filter(pk=material.pk).exists()
    )
    if not approved:
        raise DomainError(
            rules.COPY_NOT_APPROVED,
            "该材料不在批准摘录、复制的材料之列，不得摘录、复制。",
            "material",
        )
    recipient = (recipient or "").strip()
    names = set(req.viewers.values_list("name", flat=True))
    if recipient not in names:
        raise DomainError(rules.FORM_IRREGULAR, "领取人须为本申请经批准的查阅人。", "recipient")
    page_list = parse_pages(pages, material.page_count)
    copy = CopyRecord.objects.create(
        request=req,
        material=material,
        kind=kind,
        pages=_pages_text(page_list),
        page_count=len(page_list),
        recipient=recipient,
        note=note[:200],
        made_by=by,
    )
    record(
        by,
        "copy.make",
        archive=material.archive,
        target=copy,
        details={
            "request": req.number,
            "material_id": material.pk,
            "kind": kind,
            "pages": copy.pages,
            "page_count": copy.page_count,
            "recipient": recipient,
        },
    )
    return copy


# --- digital viewing ---------------------------------------------------------------------------------------------


@transaction.atomic
def access_request_start_viewing(*, request: AccessRequest, by) -> AccessRequest:
    """The first time an approved viewer opens a material: 已批准 → 使用中 (view start)."""
    req = _lock(request)
    if req.mode == AccessMode.DIGITAL and req.status == RequestStatus.APPROVED and not req.window_ended:
        req.status = RequestStatus.IN_USE
        req.save(update_fields=["status", "updated_at"])
        _record_subjects(by, "access_request.view_start", req)
    return req


@transaction.atomic
def access_request_finish(*, request: AccessRequest, by) -> AccessRequest:
    """End a digital viewing before its window closes: the grants end now (view end)."""
    req = _lock(request)
    if req.mode != AccessMode.DIGITAL:
        raise DomainError(INVALID_STATE, "纸质档案须由管档员办理归还。", "mode")
    is_viewer = req.viewers.filter(user=by).exists()
    if not (is_viewer or req.created_by_id == by.pk or req.handled_by_id == by.pk):
        raise DomainError(NOT_APPLICANT, "只有查阅人或填表人可以结束查阅。", status=403)
    if req.status not in LIVE_STATUSES or req.effective_status == RequestStatus.EXPIRED:
        raise _state_error(req, "结束查阅")
    now = timezone.now()
    # The grants end now (the policy refuses them from this instant; the periodic purge deletes the rows).
    ended = list(
        request_grants(req)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .values_list("pk", flat=True)
    )
    ArchiveUserObjectPermission.objects.filter(pk__in=ended).update(valid_until=now)
    req.status = RequestStatus.RETURNED
    req.closed_at = now
    req.save()
    _record_subjects(by, "access_request.view_end", req, early=True, grants_ended=ended)
    return req


# --- the daily task: expiry and overdue escalation ----------------------------------------------------------------


def expire_requests(*, now: datetime.datetime | None = None) -> int:
    """Mark as expired the digital viewings whose window has ended and the approved paper requests never checked
    out. The access policy already refuses them by the clock; this only brings the stored status up to date."""
    now = now or timezone.now()
    due = AccessRequest.objects.filter(end_at__lte=now).filter(
        Q(mode=AccessMode.DIGITAL, status__in=LIVE_STATUSES) | Q(status=RequestStatus.APPROVED)
    )
    count = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            req = AccessRequest.objects.select_for_update().get(pk=pk)
            if req.end_at is None or req.end_at > now:
                continue
            if not (
                (req.mode == AccessMode.DIGITAL and req.status in LIVE_STATUSES)
                or req.status == RequestStatus.APPROVED
            ):
                continue
            req.status = RequestStatus.EXPIRED
            req.closed_at = req.end_at
            req.save()
            _record_subjects(None, "access_request.expire", req, end_at=req.end_at)
            count += 1
    return count


def _notice_message(stage: str, checkout: Checkout, late: int) -> str:
    what = "借阅" if checkout.kind == CheckoutKind.LOAN else "现场查阅"
    due = timezone.localtime(checkout.due_at)
    base = f"档案{checkout.archive.archive_no}（{checkout.archive.cadre.name}）{what}应于{due:%Y-%m-%d}归还"
    if stage == NoticeStage.DUE:
        return f"{base}，请按时归还。" if late == 0 else f"{base}，已逾期{late}天，请尽快归还。"
    if stage == NoticeStage.AGAIN:
        return f"{base}，已逾期{late}天，再次提醒尽快归还。"
    return f"{base}，已逾期{late}天，报请审批人督促归还。"


def overdue_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Reminders for paper that is due or overdue: on the due date, again after OVERDUE_REMIND_AGAIN_DAYS,
    escalation to the approvers after OVERDUE_ESCALATE_DAYS. Each stage is written once (idempotent)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    again, escalate = setting("OVERDUE_REMIND_AGAIN_DAYS"), setting("OVERDUE_ESCALATE_DAYS")
    end_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max))
    counts = {"due": 0, "again": 0, "escalated": 0}
    open_items = Checkout.objects.filter(status=CheckoutStatus.OUT, due_at__lte=end_of_today).select_related(
        "archive__cadre", "request"
    )
    for checkout in open_items:
        due_day = timezone.localtime(checkout.due_at).date()
        reached = rules.overdue_stages(
            due_day=due_day, today=today, remind_again_days=again, escalate_days=escalate
        )
        done = set(checkout.notices.values_list("stage", flat=True))
        late = max(0, (today - due_day).days)
        for stage in reached:
            if stage in done:
                continue
            req = checkout.request
            if stage == NoticeStage.ESCALATED:
                recipients = list(
                    User.objects.filter(
                        pk__in=req.approvals.filter(decision=Decision.APPROVE).values("reviewer_id")
                    )
                )
            else:
                recipients = [v.user for v in req.viewers.select_related("user") if v.user_id]
                recipients.append(checkout.out_by)
            try:
                with transaction.atomic():
                    notice = OverdueNotice.objects.create(
                        checkout=checkout,
                        stage=stage,
                        created_at=now,
                        days_overdue=late,
                        message=_notice_message(stage, checkout, late),
                    )
                    notice.recipients.set({u.pk for u in recipients})
                    record(
                        None,
                        "overdue.escalate" if stage == NoticeStage.ESCALATED else "overdue.remind",
                        archive=checkout.archive,
                        target=notice,
                        details={
                            "request": req.number,
                            "stage": stage,
                            "days_overdue": late,
                            "recipients": sorted(u.get_username() for u in recipients),
                        },
                    )
            except IntegrityError:
                continue  # another run wrote this stage first
            counts[stage] += 1
    return counts


def daily_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    result = overdue_sweep(now=now)
    result["expired"] = expire_requests(now=now)
    return result


# Re-exported for the transfer issue: a transfer of an archive that is out (借出/查阅中/归还异常) must be refused.
def archive_is_out(archive: Archive) -> bool:
    return Checkout.objects.filter(archive=archive).exclude(status=CheckoutStatus.RETURNED).exists()


__all__ = [
    "access_request_approve",
    "access_request_checkout",
    "access_request_create",
    "access_request_finish",
    "access_request_reject",
    "access_request_start_viewing",
    "access_request_submit",
    "access_request_update",
    "access_request_withdraw",
    "archive_is_out",
    "checkout_return",
    "copy_register",
    "daily_sweep",
    "expire_requests",
    "find_subject_archive",
    "overdue_sweep",
    "subject_scope_set",
]
