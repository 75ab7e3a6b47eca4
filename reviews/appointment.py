"""The content of the 干部任免审批表 (domain.md 6.1), built from a cadre (and a review case) in one place.

Both the PDF (reviews/pdf.py) and the LRMX export (reviews/lrmx.py) are rendered from `AppointmentForm`, so the
two always agree. Ages are computed at the reference date (计算年龄时间), never stored (requirement 46).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from archives.models import Cadre
from core.choices import PoliticalStatus, Sex


def age_at(birth: datetime.date | None, day: datetime.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def ym(day: datetime.date | None) -> str:
    """'1975.03' (the form's display of a month)."""
    return f"{day:%Y.%m}" if day else ""


def birth_with_age(birth: datetime.date | None, reference: datetime.date) -> str:
    """'1975.03（50岁）' (requirement 46)."""
    if birth is None:
        return ""
    return f"{ym(birth)}（{age_at(birth, reference)}岁）"


@dataclass
class FamilyRow:
    relation: str
    name: str
    birth_date: datetime.date | None
    political_status: str  # label, e.g. 中共党员
    work_unit_post: str

    def age(self, reference: datetime.date) -> int | None:
        return age_at(self.birth_date, reference)


@dataclass
class AppointmentForm:
    name: str
    sex: str  # 男 / 女
    birth_date: datetime.date | None
    ethnicity: str = ""
    native_place: str = ""
    birthplace: str = ""
    party_join_date: datetime.date | None = None
    party_text: str = ""  # non-CPC: the party or status written in the 入党时间 cell
    work_start_date: datetime.date | None = None
    health: str = ""
    professional_title: str = ""
    specialties: str = ""
    fulltime_education: str = ""
    fulltime_degree: str = ""
    fulltime_school: str = ""
    inservice_education: str = ""
    inservice_degree: str = ""
    inservice_school: str = ""
    current_post: str = ""
    proposed_post: str = ""
    post_to_remove: str = ""
    resume: str = ""
    rewards_punishments: str = ""
    appraisal_results: str = ""
    reason: str = ""
    family: list[FamilyRow] = field(default_factory=list)
    submitting_unit: str = ""
    # Filled in only on the form of an approved appointment (requirement 47): who approved it, when, document no.
    approving_organ: str = ""
    approved_on: datetime.date | None = None
    document_no: str = ""
    reference_date: datetime.date = field(default_factory=datetime.date.today)
    filled_on: datetime.date = field(default_factory=datetime.date.today)
    filled_by: str = ""
    id_number: str = ""
    photo: bytes | None = None

    @property
    def birth_display(self) -> str:
        return birth_with_age(self.birth_date, self.reference_date)

    @property
    def party_display(self) -> str:
        return ym(self.party_join_date) if self.party_join_date else self.party_text

    @property
    def fulltime_display(self) -> str:
        return "\n".join(v for v in (self.fulltime_education, self.fulltime_degree) if v)

    @property
    def inservice_display(self) -> str:
        return "\n".join(v for v in (self.inservice_education, self.inservice_degree) if v)


def _party_text(cadre: Cadre) -> str:
    if cadre.political_status in (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY):
        return ""
    if cadre.political_status in PoliticalStatus.democratic_parties():
        return cadre.get_political_status_display()
    return ""


def read_photo(cadre: Cadre) -> bytes | None:
    if not cadre.photo:
        return None
    try:
        with cadre.photo.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def from_cadre(
    cadre: Cadre,
    *,
    case=None,
    reference_date: datetime.date | None = None,
    filled_by: str = "",
) -> AppointmentForm:
    """The form for a cadre; with a review case, its proposed post, post to remove, reason and submitting unit."""
    today = timezone.localdate()
    reference = reference_date or (case.reference_date if case is not None else today)
    family = [
        FamilyRow(
            relation=m.relation,
            name=m.name,
            birth_date=m.birth_date,
            political_status=m.get_political_status_display() if m.political_status else "",
            work_unit_post=m.work_unit_post,
        )
        for m in cadre.family.all().order_by("sort_order", "id")
    ]
    party_member = cadre.political_status in (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
    return AppointmentForm(
        name=cadre.name,
        sex=Sex(cadre.sex).label if cadre.sex in Sex.values else "",
        birth_date=cadre.birth_date,
        ethnicity=cadre.ethnicity,
        native_place=cadre.native_place,
        birthplace=cadre.birthplace,
        party_join_date=cadre.party_join_date if party_member else None,
        party_text=_party_text(cadre),
        work_start_date=cadre.work_start_date,
        health=cadre.health,
        professional_title=cadre.professional_title,
        specialties=cadre.specialties,
        fulltime_education=cadre.fulltime_education,
        fulltime_degree=cadre.fulltime_degree,
        fulltime_school=cadre.fulltime_school,
        inservice_education=cadre.inservice_education,
        inservice_degree=cadre.inservice_degree,
        inservice_school=cadre.inservice_school,
        current_post=cadre.current_post,
        proposed_post=case.proposed_post if case is not None else "",
        post_to_remove=case.post_to_remove if case is not None else "",
        resume=cadre.resume,
        rewards_punishments=cadre.rewards_punishments,
        appraisal_results=cadre.appraisal_results,
        reason=case.reason if case is not None else "",
        family=family,
        submitting_unit=case.requesting_unit.name if case is not None else "",
        reference_date=reference,
        filled_on=today,
        filled_by=filled_by,
        id_number=cadre.id_number or "",
        photo=read_photo(cadre),
    )


def for_post(post, *, filled_by: str = "") -> AppointmentForm:
    """The filed form of an approved appointment (9-2): the post as 拟任职务 and the approval filled in.

    The caller checks requirement 47 first (reviews.rules.appointment_form_violations).
    """
    form = from_cadre(post.cadre, reference_date=post.approved_on or post.start_date, filled_by=filled_by)
    form.proposed_post = post.title
    form.approving_organ = post.approving_organ
    form.approved_on = post.approved_on
    form.document_no = post.document_no
    return form
