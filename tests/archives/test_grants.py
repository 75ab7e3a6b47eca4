"""Grant services (archives/grants.py): who may grant what to whom, the audit trail, withdrawal and clean-up."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import ManagementLevel
from archives import access, grants
from archives.access import Action
from archives.models import ArchiveGroupObjectPermission, ArchiveUserObjectPermission
from audit.models import AuditEvent
from core.errors import DomainError
from tests import factories

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def people(org, make_user):
    return {
        "baomi": make_user("baomi_t", roles=["安全保密管理员"], unit=org.city_org, full_name="保密员甲"),
        "viewer": make_user("viewer_t", roles=["查阅人"], unit=org.city_discipline, full_name="查阅人甲"),
        "reviewer": make_user("reviewer_t", roles=["审批人"], unit=org.city_org, full_name="审批人甲"),
        "county_reviewer": make_user(
            "creviewer_t", roles=["审批人"], unit=org.county_org, full_name="县审批人"
        ),
        "clerk": make_user("clerk_t", roles=["管档员"], unit=org.city_org, full_name="管档员甲"),
    }


@pytest.fixture
def archive(org):
    return factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, level=ManagementLevel.MUNICIPAL, name="市管甲"
    )


def create(**overrides):
    kwargs = {
        "permission": "view_archive_content",
        "valid_from": None,
        "valid_until": None,
        "scope_all": True,
        "categories": [],
        "materials": [],
        "reason": "纪检审查需要",
    }
    kwargs.update(overrides)
    return grants.grant_create(**kwargs)


def code_of(excinfo) -> str:
    return excinfo.value.code


def test_security_admin_grants_a_standing_permission_and_it_is_audited(people, archive):
    g = create(user=people["viewer"], archive=archive, by=people["baomi"])
    assert g.permission.codename == "view_archive_content"
    assert g.granted_by == people["baomi"] and g.valid_until is None
    assert access.can(people["viewer"], Action.VIEW_CONTENT, archive)
    event = AuditEvent.objects.get(action="grant.create")
    assert event.actor == people["baomi"] and event.archive_id == archive.pk
    assert event.details["user"] == "viewer_t"
    assert event.details["permission_label"] == "查阅内容"
    assert event.details["reason"] == "纪检审查需要"


def test_permission_may_be_a_permission_object_or_a_codename(people, archive):
    perm = Permission.objects.get(codename="view_archive_directory")
    g = create(user=people["viewer"], archive=archive, by=people["baomi"], permission=perm)
    assert g.permission == perm
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"], permission="delete_archive")
    assert code_of(exc) == grants.GRANT_PERMISSION_INVALID


@pytest.mark.parametrize("role", ["审计员", "安全保密管理员", "系统管理员"])
def test_the_three_separated_roles_are_never_granted_anything(people, archive, make_user, org, role):
    target = make_user(roles=[role], unit=org.city_org)
    with pytest.raises(DomainError) as exc:
        create(user=target, archive=archive, by=people["baomi"])
    assert code_of(exc) == grants.GRANTEE_ROLE_SEPARATED
    assert not ArchiveUserObjectPermission.objects.exists()
    assert not AuditEvent.objects.filter(action="grant.create").exists()


def test_an_inactive_account_is_refused(people, archive):
    people["viewer"].is_active = False
    people["viewer"].save()
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"])
    assert code_of(exc) == grants.GRANTEE_INACTIVE


def test_self_or_relative_grantee_is_refused(people, archive):
    factories.relative(archive.cadre, name="查阅人甲", id_number=people["viewer"].id_number, relation="儿子")
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"])
    assert code_of(exc) == access.SELF_OR_RELATIVE


def test_a_granting_user_related_to_the_cadre_must_recuse(people, archive):
    people["baomi"].declared_relatives.create(
        name="市管甲", relation="兄弟", id_number=archive.cadre.id_number
    )
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"])
    assert code_of(exc) == access.SELF_OR_RELATIVE


def test_window_must_end_after_it_starts_and_in_the_future(people, archive):
    now = timezone.now()
    with pytest.raises(DomainError) as exc:
        create(
            user=people["viewer"], archive=archive, by=people["baomi"], valid_from=now + HOUR, valid_until=now
        )
    assert code_of(exc) == grants.GRANT_WINDOW_INVALID and exc.value.field == "valid_until"
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=now - HOUR)
    assert code_of(exc) == grants.GRANT_WINDOW_INVALID


def test_scope_must_name_something_of_this_archive(people, archive, org):
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"], scope_all=False)
    assert code_of(exc) == grants.GRANT_SCOPE_EMPTY
    other = factories.archive(holding_unit=org.city_org)
    foreign = factories.material(other)
    with pytest.raises(DomainError) as exc:
        create(
            user=people["viewer"], archive=archive, by=people["baomi"], scope_all=False, materials=[foreign]
        )
    assert code_of(exc) == grants.GRANT_SCOPE_INVALID


def test_scoped_grant_opens_only_its_categories_and_materials(people, archive):
    appraisal = factories.material(archive, code="3")
    discipline = factories.material(archive, code="8", title="处分决定")
    appointment = factories.material(archive, code="92", title="干部任免审批表")
    create(
        user=people["viewer"],
        archive=archive,
        by=people["baomi"],
        scope_all=False,
        categories=[factories.category("3")],
        materials=[appointment],
        valid_until=timezone.now() + HOUR,
    )
    opened = set(access.materials_for(people["viewer"], archive).values_list("pk", flat=True))
    assert opened == {appraisal.pk, appointment.pk}
    assert discipline.pk not in opened
    event = AuditEvent.objects.get(action="grant.create")
    assert event.details["categories"] == ["3"] and event.details["materials"] == [appointment.pk]


def test_directory_and_manage_grants_ignore_a_material_scope(people, archive):
    g = create(
        user=people["viewer"],
        archive=archive,
        by=people["baomi"],
        permission="view_archive_directory",
        scope_all=False,
        categories=[factories.category("3")],
    )
    assert g.scope_all is True and g.scope_categories.count() == 0


def test_reason_is_required(people, archive):
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"], reason="  ")
    assert code_of(exc) == grants.GRANT_REASON_REQUIRED


def test_a_second_identical_standing_grant_is_refused(people, archive):
    create(user=people["viewer"], archive=archive, by=people["baomi"])
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["baomi"])
    assert code_of(exc) == grants.GRANT_DUPLICATE
    # Two time-boxed grants (two approved requests) may coexist.
    create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=timezone.now() + HOUR)
    create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=timezone.now() + 2 * HOUR)
    assert ArchiveUserObjectPermission.objects.count() == 3


def test_reviewer_within_authority_grants_time_boxed_viewing_only(people, archive):
    until = timezone.now() + HOUR
    g = create(user=people["viewer"], archive=archive, by=people["reviewer"], valid_until=until)
    assert g.granted_by == people["reviewer"]
    with pytest.raises(DomainError) as exc:
        create(user=people["viewer"], archive=archive, by=people["reviewer"])  # standing
    assert code_of(exc) == grants.GRANT_NOT_AUTHORISED
    with pytest.raises(DomainError) as exc:
        create(
            user=people["viewer"],
            archive=archive,
            by=people["reviewer"],
            permission="manage_archive",
            valid_until=until,
        )
    assert code_of(exc) == grants.GRANT_NOT_AUTHORISED


def test_reviewer_outside_authority_clerk_and_nobody_cannot_grant(people, archive):
    until = timezone.now() + HOUR
    for by in (people["county_reviewer"], people["clerk"], None):
        with pytest.raises(DomainError) as exc:
            create(user=people["viewer"], archive=archive, by=by, valid_until=until)
        assert code_of(exc) == grants.GRANT_NOT_AUTHORISED
    assert not ArchiveUserObjectPermission.objects.exists()


def test_access_request_is_linked(people, archive):
    g = create(
        user=people["viewer"],
        archive=archive,
        by=people["reviewer"],
        valid_until=timezone.now() + HOUR,
        access_request=42,
    )
    assert g.access_request_id == 42
    assert AuditEvent.objects.get(action="grant.create").details["access_request"] == 42


def test_withdraw_deletes_the_row_and_keeps_its_history_in_the_audit_log(people, archive):
    g = create(user=people["viewer"], archive=archive, by=people["baomi"])
    grants.grant_withdraw(grant=g, reason="事项办结", by=people["baomi"])
    assert not ArchiveUserObjectPermission.objects.filter(pk=g.pk).exists()
    assert not access.can(people["viewer"], Action.VIEW_CONTENT, archive)
    event = AuditEvent.objects.get(action="grant.withdraw")
    assert event.details["grant_id"] == g.pk
    assert event.details["user"] == "viewer_t" and event.details["withdraw_reason"] == "事项办结"
    assert event.target_id == str(g.pk)
    with pytest.raises(DomainError) as exc:
        grants.grant_withdraw(grant=g, reason="再次收回", by=people["baomi"])
    assert code_of(exc) == grants.GRANT_NOT_FOUND


def test_withdraw_needs_a_reason_and_authority(people, archive):
    g = create(user=people["viewer"], archive=archive, by=people["baomi"])
    with pytest.raises(DomainError) as exc:
        grants.grant_withdraw(grant=g, reason="", by=people["baomi"])
    assert code_of(exc) == grants.GRANT_REASON_REQUIRED
    with pytest.raises(DomainError) as exc:
        grants.grant_withdraw(grant=g, reason="越权收回", by=people["clerk"])
    assert code_of(exc) == grants.GRANT_NOT_AUTHORISED
    assert ArchiveUserObjectPermission.objects.filter(pk=g.pk).exists()


def test_the_granting_reviewer_may_end_their_grant_and_grant_revoke_is_the_same_service(people, archive):
    g = create(
        user=people["viewer"], archive=archive, by=people["reviewer"], valid_until=timezone.now() + HOUR
    )
    assert grants.grant_revoke is grants.grant_withdraw
    grants.grant_revoke(grant=g, by=people["reviewer"], reason="任前审核事项办结")
    assert not ArchiveUserObjectPermission.objects.exists()


def test_an_expired_grant_stops_working_before_the_clean_up_runs(people, archive):
    start = timezone.now()
    create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=start + HOUR)
    assert access.can(people["viewer"], Action.VIEW_CONTENT, archive)
    with time_machine.travel(start + 2 * HOUR, tick=False):
        assert ArchiveUserObjectPermission.objects.count() == 1  # the row is still there
        assert not access.can(people["viewer"], Action.VIEW_CONTENT, archive)


def test_purge_deletes_expired_rows_only_and_is_idempotent(people, archive, org):
    now = timezone.now()
    expired = create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=now + HOUR)
    current = create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=now + 3 * HOUR)
    standing = create(
        user=people["viewer"], archive=archive, by=people["baomi"], permission="view_archive_directory"
    )
    group = ArchiveGroupObjectPermission.objects.create(
        group=people["viewer"].groups.first(),
        content_object=archive,
        permission=Permission.objects.get(codename="view_archive_directory"),
        valid_until=now + HOUR,
    )
    with time_machine.travel(now + 2 * HOUR, tick=False):
        assert grants.grants_purge_expired() == 2
        assert grants.grants_purge_expired() == 0
    left = set(ArchiveUserObjectPermission.objects.values_list("pk", flat=True))
    assert left == {current.pk, standing.pk}
    assert not ArchiveGroupObjectPermission.objects.filter(pk=group.pk).exists()
    purges = AuditEvent.objects.filter(action="grant.purge")
    assert purges.count() == 2
    assert {g["grant_id"] for e in purges for g in e.details["grants"]} == {expired.pk, group.pk}


def test_purge_task_runs_through_celery(people, archive):
    from archives.tasks_grants import purge_expired_grants

    now = timezone.now()
    create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=now + HOUR)
    with time_machine.travel(now + 2 * HOUR, tick=False):
        assert purge_expired_grants.delay().get() == 1
    assert not ArchiveUserObjectPermission.objects.exists()


def test_purge_is_on_the_beat_schedule():
    from config.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "archives.tasks.purge_expired_grants" in tasks
    assert "audit.tasks.seal_audit_chain" in tasks


@pytest.mark.redis
def test_purge_task_on_a_real_worker(celery_worker, people, archive):
    from archives.tasks_grants import purge_expired_grants

    g = create(user=people["viewer"], archive=archive, by=people["baomi"], valid_until=timezone.now() + HOUR)
    ArchiveUserObjectPermission.objects.filter(pk=g.pk).update(valid_until=timezone.now() - HOUR)
    purge_expired_grants.delay().get(timeout=30)
    assert not ArchiveUserObjectPermission.objects.exists()
    assert AuditEvent.objects.filter(action="grant.purge").count() == 1
