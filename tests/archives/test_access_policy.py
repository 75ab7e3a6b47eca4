"""The access policy (archives/access.py): standing rights, grants with clock and scope, SELF_OR_RELATIVE."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.http import Http404
from django.utils import timezone

from accounts.models import ManagementLevel
from archives import access
from archives.access import Action
from archives.models import ArchiveUserObjectPermission
from audit.models import AuditEvent
from tests import factories


@pytest.fixture
def world(org):
    city_archive = factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, level=ManagementLevel.MUNICIPAL, name="市管甲"
    )
    county_archive = factories.archive(
        holding_unit=org.county_org, unit=org.county_bureau, level=ManagementLevel.COUNTY, name="县管乙"
    )
    return {"city": city_archive, "county": county_archive}


def grant(
    user,
    archive,
    *,
    codename="view_archive_content",
    start=None,
    end=None,
    categories=(),
    materials=(),
    scope_all=True,
):
    g = ArchiveUserObjectPermission.objects.create(
        user=user,
        content_object=archive,
        permission=Permission.objects.get(codename=codename),
        valid_from=start,
        valid_until=end,
        scope_all=scope_all,
    )
    g.scope_categories.set(categories)
    g.scope_materials.set(materials)
    return g


def visible(user, action=Action.VIEW_DIRECTORY):
    return set(access.archives_for(user, action).values_list("archive_no", flat=True))


def test_clerk_sees_only_the_holdings_of_the_units_served(org, world, make_user):
    city_clerk = make_user(roles=["管档员"], unit=org.city_org)
    county_clerk = make_user(roles=["管档员"], unit=org.county_org)
    assert visible(city_clerk) == {world["city"].archive_no}
    assert visible(county_clerk, Action.MANAGE) == {world["county"].archive_no}


def test_reviewer_sees_directories_within_authority_but_not_content(org, world, make_user):
    city_reviewer = make_user(roles=["审批人"], unit=org.city_org)
    county_reviewer = make_user(roles=["审批人"], unit=org.county_org)
    assert visible(city_reviewer) == {world["city"].archive_no, world["county"].archive_no}
    assert visible(city_reviewer, Action.VIEW_CONTENT) == set()
    assert visible(county_reviewer) == {
        world["county"].archive_no
    }  # a municipally managed cadre is out of reach


@pytest.mark.parametrize("role", ["审计员", "安全保密管理员", "系统管理员"])
def test_three_separated_roles_see_no_archive_even_with_a_grant(org, world, make_user, role):
    user = make_user(roles=[role], unit=org.city_org)
    grant(user, world["city"])
    assert visible(user) == set()
    assert access.materials_for(user, world["city"]).count() == 0


def test_time_boxed_grant_is_checked_against_the_clock(org, world, make_user):
    viewer = make_user(roles=["查阅人"], unit=org.city_discipline)
    start = timezone.make_aware(datetime.datetime(2026, 11, 24, 9, 0))
    grant(viewer, world["city"], start=start, end=start + datetime.timedelta(hours=2))
    with time_machine.travel(start - datetime.timedelta(minutes=1), tick=False):
        assert visible(viewer, Action.VIEW_CONTENT) == set()
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        assert visible(viewer, Action.VIEW_CONTENT) == {world["city"].archive_no}
        assert visible(viewer, Action.MANAGE) == set()
    with time_machine.travel(start + datetime.timedelta(hours=2), tick=False):
        assert visible(viewer, Action.VIEW_CONTENT) == set()


def test_grant_scope_limits_materials(org, world, make_user):
    viewer = make_user(roles=["查阅人"], unit=org.city_discipline)
    a = world["city"]
    appraisal = factories.material(a, code="3", title="2020年度考核登记表")
    appointment = factories.material(a, code="92", title="干部任免审批表")
    training = factories.material(a, code="44", title="培训结业登记表")
    grant(
        viewer,
        a,
        scope_all=False,
        categories=[factories.category("3"), factories.category("4")],
        materials=[appointment],
    )
    opened = set(access.materials_for(viewer, a).values_list("pk", flat=True))
    assert opened == {appraisal.pk, appointment.pk, training.pk}  # category 4 covers 4-4
    other = factories.material(a, code="8", title="处分决定")
    assert not access.can_open_material(viewer, other)


def test_nobody_opens_their_own_archive(org, make_user):
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    own = factories.archive(
        holding_unit=org.city_org,
        cadre_obj=factories.cadre(unit=org.city_org, id_number=clerk.id_number, name=clerk.full_name),
    )
    assert own.archive_no not in visible(clerk)
    with pytest.raises(Http404):
        access.get_archive(clerk, Action.VIEW_DIRECTORY, own.pk)
    assert AuditEvent.objects.filter(action="access.denied", actor=clerk, archive_id=own.pk).count() == 1


def test_nobody_opens_a_registered_relatives_archive(org, world, make_user):
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    factories.relative(world["city"].cadre, name=clerk.full_name, id_number=clerk.id_number, relation="妻子")
    assert world["city"].archive_no not in visible(clerk)
    assert access.materials_for(clerk, world["city"]).count() == 0
    # A declared relationship counts the same.
    other_clerk = make_user(roles=["管档员"], unit=org.city_org)
    other_clerk.declared_relatives.create(
        name="某某", relation="兄弟", id_number=world["city"].cadre.id_number
    )
    assert world["city"].archive_no not in visible(other_clerk)


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert access.archives_for(AnonymousUser(), Action.VIEW_DIRECTORY).count() == 0


def test_inactive_user_sees_nothing(org, world, make_user):
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    clerk.is_active = False
    clerk.save()
    assert visible(clerk) == set()


def test_superuser_sees_all_but_own_and_never_with_a_separated_role(org, world, make_user):
    admin = make_user(is_superuser=True)
    own = factories.archive(
        holding_unit=org.city_org, cadre_obj=factories.cadre(unit=org.city_org, id_number=admin.id_number)
    )
    assert visible(admin, Action.VIEW_CONTENT) == {world["city"].archive_no, world["county"].archive_no}
    assert own.archive_no not in visible(admin)
    auditor_admin = make_user(roles=["审计员"], is_superuser=True)
    assert visible(auditor_admin) == set()


def test_relatives_named_in_the_users_own_family_list_are_excluded(org, world, make_user):
    """The user is a cadre too; their own A36 list names the cadre of world['city']."""
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    own_cadre = factories.cadre(unit=org.city_org, id_number=clerk.id_number, name=clerk.full_name)
    factories.relative(own_cadre, name="市管甲", id_number=world["city"].cadre.id_number, relation="父亲")
    assert world["city"].archive_no not in visible(clerk)
    assert access.is_self_or_relative(clerk, world["city"])


def test_group_grant_reaches_every_member_within_its_window(org, world, make_user):
    from django.contrib.auth.models import Group

    from archives.models import ArchiveGroupObjectPermission

    viewer = make_user(roles=["查阅人"], unit=org.city_discipline)
    start = timezone.now()
    ArchiveGroupObjectPermission.objects.create(
        group=Group.objects.get(name="查阅人"),
        content_object=world["county"],
        permission=Permission.objects.get(codename="view_archive_directory"),
        valid_until=start + datetime.timedelta(hours=1),
    )
    assert visible(viewer) == {world["county"].archive_no}
    assert visible(viewer, Action.VIEW_CONTENT) == set()
    with time_machine.travel(start + datetime.timedelta(hours=2), tick=False):
        assert visible(viewer) == set()


def test_reviewer_sees_a_directory_granted_outside_their_authority(org, world, make_user):
    county_reviewer = make_user(roles=["审批人"], unit=org.county_org)
    grant(county_reviewer, world["city"], codename="view_archive_directory")
    assert visible(county_reviewer) == {world["city"].archive_no, world["county"].archive_no}
    assert visible(county_reviewer, Action.VIEW_CONTENT) == set()


def test_has_perm_answers_through_the_policy(org, world, make_user):
    viewer = make_user(roles=["查阅人"], unit=org.city_discipline)
    start = timezone.now()
    grant(viewer, world["city"], end=start + datetime.timedelta(hours=1))
    fresh = type(viewer).objects.get(pk=viewer.pk)
    assert fresh.has_perm("archives.view_archive_content", world["city"])
    assert fresh.has_perm("archives.view_archive_directory", world["city"])
    assert not fresh.has_perm("archives.manage_archive", world["city"])
    assert not fresh.has_perm("archives.view_archive_content", world["county"])
    assert fresh.get_all_permissions(world["city"]) == {
        "archives.view_archive_content",
        "archives.view_archive_directory",
    }
    with time_machine.travel(start + datetime.timedelta(hours=2), tick=False):
        later = type(viewer).objects.get(pk=viewer.pk)
        assert not later.has_perm(
            "archives.view_archive_content", world["city"]
        )  # guardian alone would say yes
    auditor = make_user(roles=["审计员"], unit=org.city_org)
    grant(auditor, world["city"])
    assert (
        not type(auditor).objects.get(pk=auditor.pk).has_perm("archives.view_archive_content", world["city"])
    )


def test_unfiled_materials_only_for_who_manages_the_archive(org, world, make_user):
    from archives.models import MaterialStatus

    a = world["city"]
    filed = factories.material(a, code="3")
    received = factories.material(a, code="3", title="待鉴别材料", status=MaterialStatus.RECEIVED)
    withdrawn = factories.material(a, code="3", title="已撤出材料", status=MaterialStatus.WITHDRAWN)
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    opened = set(access.materials_for(clerk, a, include_unfiled=True).values_list("pk", flat=True))
    assert opened == {filed.pk, received.pk}
    assert withdrawn.pk not in opened
    other_clerk = make_user(roles=["管档员"], unit=org.county_org)
    grant(other_clerk, a)  # content grant on another unit's archive: filed materials only
    assert set(access.materials_for(other_clerk, a, include_unfiled=True).values_list("pk", flat=True)) == {
        filed.pk
    }


def test_content_grant_end_is_reported_for_a_viewer_session(org, world, make_user):
    viewer = make_user(roles=["查阅人"], unit=org.city_discipline)
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    assert access.content_grant_ends_at(viewer, world["city"]) is None
    end = timezone.now() + datetime.timedelta(hours=3)
    grant(viewer, world["city"], end=end - datetime.timedelta(hours=1))
    grant(viewer, world["city"], end=end)
    assert access.content_grant_ends_at(viewer, world["city"]) == end
    grant(viewer, world["city"])  # an open-ended grant: no end
    assert access.content_grant_ends_at(viewer, world["city"]) is None
    assert access.content_grant_ends_at(clerk, world["city"]) is None  # standing right


def test_the_list_costs_the_same_few_queries_whatever_the_grants(
    org, make_user, django_assert_max_num_queries
):
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    archives = [factories.archive(holding_unit=org.county_org) for _ in range(30)]
    for a in archives:
        grant(clerk, a, codename="view_archive_directory")
    fresh = type(clerk).objects.get(pk=clerk.pk)
    # roles, the policy's id query, the list itself: no per-object work
    with django_assert_max_num_queries(3):
        assert len(list(access.archives_for(fresh, Action.VIEW_DIRECTORY))) == 30


def test_get_archive_with_a_non_numeric_id_is_a_404(org, make_user):
    clerk = make_user(roles=["管档员"], unit=org.city_org)
    with pytest.raises(Http404):
        access.get_archive(clerk, Action.VIEW_DIRECTORY, "1 OR 1=1")
    with pytest.raises(Http404):
        access.get_page(clerk, "abc")
