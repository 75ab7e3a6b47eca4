"""Determinations (认定) of 三龄两历一身份: approval applies the value, approved rows are immutable, a change is a
new determination that supersedes the old one (which stays visible); the Party-age period table."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from archives import determinations
from archives.determinations import party_age, party_age_start, party_period
from archives.models import Determination, DeterminationImmutable, EducationRecord, Material
from audit.models import AuditEvent
from core.errors import DomainError
from reviews import rules, selectors, services
from reviews.models import FlagStatus

D = datetime.date
pytestmark = pytest.mark.django_db


def propose(cadre, by, **kw):
    archive = cadre.archive
    basis = kw.pop("materials", None)
    if basis is None:
        basis = [Material.objects.filter(archive=archive, kind__code="league_admission").first()]
    return determinations.determination_propose(
        cadre=cadre,
        subject=kw.pop("subject", "birth_date"),
        by=by,
        value_date=kw.pop("value_date", D(1974, 3, 15)),
        basis=kw.pop("basis", "以最早形成的《入团志愿书》记载为准，经调阅原始户籍底册核实。"),
        basis_materials=basis,
        determining_organ=kw.pop("organ", "中共测试市委组织部"),
        determined_on=kw.pop("determined_on", D(2026, 11, 20)),
        **kw,
    )


def test_approval_applies_the_value_and_is_audited(crafted, reviewer, reviewer2):
    cadre = crafted().cadre
    d = propose(cadre, reviewer)
    assert d.status == "proposed" and d.previous_value == "1975.03.15"
    cadre.refresh_from_db()
    assert cadre.birth_date == D(1975, 3, 15)  # nothing changes before approval
    determinations.determination_approve(determination=d, by=reviewer2, note="同意")
    cadre.refresh_from_db()
    assert cadre.birth_date == D(1974, 3, 15)
    event = AuditEvent.objects.get(action="determination.approve")
    assert event.details["changes"]["birth_date"] == ["1975-03-15", "1974-03-15"]
    assert cadre.archive.events.filter(kind="认定").exists()


def test_proposer_cannot_approve(crafted, reviewer):
    d = propose(crafted().cadre, reviewer)
    with pytest.raises(DomainError) as exc:
        determinations.determination_approve(determination=d, by=reviewer)
    assert exc.value.code == "DETERMINATION_SELF_APPROVAL"


def test_clerk_cannot_approve(crafted, reviewer, clerk):
    d = propose(crafted().cadre, reviewer)
    with pytest.raises(DomainError) as exc:
        determinations.determination_approve(determination=d, by=clerk)
    assert exc.value.code == "APPROVER_NOT_AUTHORISED"


def test_reviewer_outside_authority_cannot_approve(crafted, reviewer, org, make_user):
    from django.http import Http404

    d = propose(crafted().cadre, reviewer)
    county = make_user("county_rev", roles=["审批人"], unit=org.county_org)
    with pytest.raises(Http404):
        determinations.determination_approve(determination=d, by=county)
    assert AuditEvent.objects.filter(action="access.denied", actor=county).exists()


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"value_date": None}, "DETERMINATION_VALUE_REQUIRED"),
        ({"value_date": D(2999, 1, 1)}, "DETERMINATION_VALUE_INVALID"),
        ({"basis": " "}, "DETERMINATION_BASIS_REQUIRED"),
        ({"materials": []}, "DETERMINATION_BASIS_REQUIRED"),
        ({"organ": ""}, "DETERMINATION_ORGAN_REQUIRED"),
        ({"determined_on": None}, "DETERMINATION_DATE_REQUIRED"),
        ({"subject": "party_join_date", "value_date": D(1920, 1, 1)}, "DETERMINATION_VALUE_INVALID"),
        (
            {"subject": "party_join_date", "value_date": D(1996, 6, 1), "full_member_date": D(1995, 1, 1)},
            "DETERMINATION_VALUE_INVALID",
        ),
        ({"subject": "cadre_status", "value_text": "nonsense"}, "DETERMINATION_VALUE_REQUIRED"),
        ({"subject": "work_history", "value_text": ""}, "DETERMINATION_VALUE_REQUIRED"),
        ({"subject": "education"}, "DETERMINATION_VALUE_REQUIRED"),
    ],
)
def test_proposal_rules(crafted, reviewer, kw, code):
    cadre = crafted().cadre
    with pytest.raises(DomainError) as exc:
        propose(cadre, reviewer, **kw)
    assert code in [v.code for v in exc.value.violations]


def test_basis_material_of_another_archive_refused(crafted, reviewer):
    one, other = crafted(), crafted(name="王别人")
    foreign = Material.objects.filter(archive=other).first()
    with pytest.raises(DomainError) as exc:
        propose(one.cadre, reviewer, materials=[foreign])
    assert exc.value.code == "DETERMINATION_BASIS_INVALID"


def test_one_pending_proposal_per_subject(crafted, reviewer):
    cadre = crafted().cadre
    propose(cadre, reviewer)
    with pytest.raises(DomainError) as exc:
        propose(cadre, reviewer, value_date=D(1974, 4, 1))
    assert exc.value.code == "DETERMINATION_PENDING"


def test_approved_determination_is_immutable_in_the_orm(crafted, reviewer, reviewer2):
    d = propose(crafted().cadre, reviewer)
    determinations.determination_approve(determination=d, by=reviewer2)
    d.refresh_from_db()
    d.value_date = D(1980, 1, 1)
    with pytest.raises(DeterminationImmutable):
        d.save()
    with pytest.raises(DeterminationImmutable):
        Determination.objects.filter(pk=d.pk).update(value_date=D(1980, 1, 1))
    with pytest.raises(DeterminationImmutable):
        d.delete()
    with pytest.raises(DeterminationImmutable):
        Determination.objects.filter(pk=d.pk).delete()
    with pytest.raises(DeterminationImmutable), transaction.atomic():
        d.basis_materials.clear()
    assert Determination.objects.get(pk=d.pk).value_date == D(1974, 3, 15)
    with pytest.raises(DomainError) as exc:
        determinations.determination_approve(determination=d, by=reviewer2)
    assert exc.value.code == "DETERMINATION_NOT_PENDING"


@pytest.mark.postgres
def test_database_refuses_changes_to_an_approved_determination(crafted, reviewer, reviewer2):
    d = propose(crafted().cadre, reviewer)
    determinations.determination_approve(determination=d, by=reviewer2)
    for sql in (
        "UPDATE archives_determination SET value_date = '1980-01-01' WHERE id = %s",
        "DELETE FROM archives_determination WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [d.pk])
    assert Determination.objects.get(pk=d.pk).value_date == D(1974, 3, 15)


def test_a_change_supersedes_and_the_old_stays_visible(crafted, reviewer, reviewer2):
    cadre = crafted().cadre
    first = propose(cadre, reviewer)
    determinations.determination_approve(determination=first, by=reviewer2)
    second = propose(
        cadre, reviewer2, value_date=D(1974, 2, 15), basis="新发现更早的中学学籍表，经调查核实。"
    )
    assert second.supersedes == first
    determinations.determination_approve(determination=second, by=reviewer)
    cadre.refresh_from_db()
    assert cadre.birth_date == D(1974, 2, 15)
    assert determinations.current_determinations(cadre)["birth_date"] == second
    history = list(determinations.history(cadre))
    assert first in history and second in history
    assert Determination.objects.get(pk=first.pk).status == "approved"  # untouched


def test_stale_proposal_refused(crafted, reviewer, reviewer2):
    cadre = crafted().cadre
    a = propose(cadre, reviewer)
    determinations.determination_reject(determination=a, by=reviewer2, note="依据不足")
    b = propose(cadre, reviewer)
    # A row approved meanwhile (simulated: another path approved a determination after b was proposed).
    c = Determination.objects.create(
        cadre=cadre,
        subject="birth_date",
        value_date=D(1974, 1, 1),
        basis="x",
        determining_organ="x",
        determined_on=D(2026, 1, 1),
        status="approved",
        proposed_by=reviewer2,
        decided_by=reviewer,
        decided_at=b.proposed_at,
    )
    assert determinations.current_determinations(cadre)["birth_date"] == c
    with pytest.raises(DomainError) as exc:
        determinations.determination_approve(determination=b, by=reviewer2)
    assert exc.value.code == "DETERMINATION_STALE"


def test_reject_needs_a_note(crafted, reviewer, reviewer2):
    d = propose(crafted().cadre, reviewer)
    with pytest.raises(DomainError) as exc:
        determinations.determination_reject(determination=d, by=reviewer2, note="")
    assert exc.value.code == "DETERMINATION_NOTE_REQUIRED"
    determinations.determination_reject(determination=d, by=reviewer2, note="依据材料不足")
    d.refresh_from_db()
    assert d.status == "rejected"
    d.decision_note = "改过"
    d.save()  # a rejected proposal is not an approved determination


def test_each_subject_applies_to_the_cadre(crafted, reviewer, reviewer2):
    cadre = crafted().cadre
    edu = EducationRecord.objects.get(cadre=cadre)
    basis = [Material.objects.filter(archive=cadre.archive).first()]
    cases = [
        ({"subject": "work_start_date", "value_date": D(1997, 8, 1)}, "work_start_date", D(1997, 8, 1)),
        (
            {"subject": "party_join_date", "value_date": D(1996, 5, 1), "full_member_date": D(1997, 5, 1)},
            "party_join_date",
            D(1996, 5, 1),
        ),
        ({"subject": "cadre_status", "value_text": "cs_managed"}, "cadre_type", "cs_managed"),
        (
            {
                "subject": "work_history",
                "value_text": "1993.09--1997.07  南昌大学学习\n1997.07--  青山市财政局",
            },
            "resume",
            "1993.09--1997.07  南昌大学学习\n1997.07--  青山市财政局",
        ),
        ({"subject": "education", "education": edu, "value_date": None}, "fulltime_education", "大学本科"),
    ]
    for kw, field, value in cases:
        d = propose(cadre, reviewer, materials=basis, **kw)
        determinations.determination_approve(determination=d, by=reviewer2)
        cadre.refresh_from_db()
        assert getattr(cadre, field) == value, field
    assert cadre.fulltime_school == "南昌大学行政管理专业"
    current = determinations.current_determinations(cadre)
    assert set(current) == {
        "work_start_date",
        "party_join_date",
        "cadre_status",
        "work_history",
        f"education:{edu.pk}",
    }


def test_determination_settles_the_birthdate_flags(
    crafted, reviewer, reviewer2, org, django_capture_on_commit_callbacks
):
    archive = crafted()
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    league.stated_birth_date = D(1974, 3, 15)
    league.save()
    case = services.case_open(
        archive=archive,
        proposed_post="副秘书长",
        requesting_unit=org.city_bureau,
        reviewer=reviewer,
        by=reviewer,
    )
    assert case.flags.filter(status=FlagStatus.OPEN).count() == 2
    d = propose(archive.cadre, reviewer, review_case_id=case.pk)
    # The appointment forms still state 1975: after the determination they disagree with it.
    with django_capture_on_commit_callbacks(execute=True):
        determinations.determination_approve(determination=d, by=reviewer2)
    # The signal enqueued the refresh (eager in tests): NOT_EARLIEST now compares the form with the
    # determined date; INCONSISTENT is settled (the earlier discrepancy has been determined).
    flags = {f.code: f.status for f in case.flags.all()}
    assert flags["BIRTHDATE_INCONSISTENT"] == FlagStatus.CLEARED
    assert flags["BIRTHDATE_NOT_EARLIEST"] == FlagStatus.OPEN
    # The ID number still embeds 1975-03-15: a mismatch with the determined date is a flag, never a change.
    assert flags["ID_BIRTHDATE_MISMATCH"] == FlagStatus.OPEN
    not_earliest = case.flags.get(code="BIRTHDATE_NOT_EARLIEST")
    assert "已认定的出生日期1974.03.15" in not_earliest.message
    services.flag_resolve(flag=not_earliest, by=reviewer, note="", determination=d)
    not_earliest.refresh_from_db()
    assert not_earliest.status == FlagStatus.RESOLVED and not_earliest.determination == d
    assert AuditEvent.objects.filter(action="review.checks_run", actor__isnull=True).exists()


def test_flag_cannot_be_resolved_with_a_pending_determination(crafted, reviewer, org):
    archive = crafted()
    Material.objects.filter(archive=archive, kind__code="league_admission").update(
        stated_birth_date=D(1974, 3, 15)
    )
    case = services.case_open(
        archive=archive,
        proposed_post="副秘书长",
        requesting_unit=org.city_bureau,
        reviewer=reviewer,
        by=reviewer,
    )
    d = propose(archive.cadre, reviewer)
    with pytest.raises(DomainError) as exc:
        services.flag_resolve(flag=case.flags.first(), by=reviewer, determination=d)
    assert exc.value.code == "DETERMINATION_NOT_APPROVED"


def test_new_material_after_determination_is_inconsistent_again(crafted, reviewer, reviewer2):
    archive = crafted()
    Material.objects.filter(archive=archive, kind__code="league_admission").update(
        stated_birth_date=D(1974, 3, 15)
    )
    d = propose(archive.cadre, reviewer)
    determinations.determination_approve(determination=d, by=reviewer2)
    facts = selectors.review_facts(archive.cadre, today=D(2030, 1, 1))
    assert "BIRTHDATE_INCONSISTENT" not in [f.code for f in rules.birthdate_inconsistent(facts)]
    from tests.reviews.conftest import add_material

    add_material(archive, "annual_appraisal", year=2029, stated_birth_date=D(1976, 1, 1))
    facts = selectors.review_facts(archive.cadre, today=D(2030, 1, 1))
    Material.objects.filter(archive=archive, kind__code="annual_appraisal").update(
        created_at=datetime.datetime(2029, 12, 1, tzinfo=datetime.UTC)
    )
    facts = selectors.review_facts(archive.cadre, today=D(2030, 1, 1))
    [finding] = rules.birthdate_inconsistent(facts)
    assert "1976.01.01" in finding.message


# --- Party age (domain.md 5.3) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "joined,full,expected_start",
    [
        (D(1922, 5, 1), None, D(1922, 5, 1)),  # no probation: from the approval
        (D(1925, 1, 10), None, D(1925, 7, 10)),  # probation (non-worker six months)
        (D(1930, 3, 1), None, D(1930, 3, 1)),
        (D(1950, 4, 1), D(1951, 4, 1), D(1951, 4, 1)),
        (D(1960, 7, 1), None, D(1961, 7, 1)),
        (D(1970, 7, 1), None, D(1970, 7, 1)),  # 1969-04-01 .. 1977-08-11: no probation
        (D(1980, 6, 1), None, D(1981, 6, 1)),
        (D(1982, 9, 5), None, D(1983, 9, 5)),
        (D(1982, 9, 6), None, D(1983, 9, 6)),  # from 1982-09-06: the full-membership date
        (D(1996, 6, 1), D(1998, 6, 1), D(1998, 6, 1)),  # extended probation
    ],
)
def test_party_age_start_by_period(joined, full, expected_start):
    assert party_age_start(joined, full) == expected_start


def test_party_age_in_years():
    assert party_age(D(1996, 6, 1), D(2026, 6, 1)) == 29  # from 1997-06-01
    assert party_age(D(1996, 6, 1), D(2026, 5, 31)) == 28
    assert party_age(D(1970, 7, 1), D(2026, 7, 1)) == 56
    assert party_age(D(2026, 1, 1), D(2026, 6, 1)) == 0  # still probationary
    assert party_age(None, D(2026, 1, 1)) is None
    assert party_period(D(1920, 1, 1)) is None
    boundaries = [(p.start, p.end) for p in determinations.PARTY_PERIODS]
    for (_s1, e1), (s2, _e2) in zip(boundaries, boundaries[1:], strict=False):
        assert (s2 - e1).days == 1  # the table has no gaps or overlaps
