"""The security admin's grant pages (/archives/grants/): list with filters, grant, withdraw, archive lookup."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import ManagementLevel
from archives import access, grants
from archives.access import Action
from archives.models import ArchiveUserObjectPermission
from audit.models import AuditEvent
from tests import factories


@pytest.fixture
def setup(org, make_user):
    baomi = make_user("baomi_p", roles=["安全保密管理员"], unit=org.city_org, full_name="周保密")
    viewer = make_user("viewer_p", roles=["查阅人"], unit=org.city_discipline, full_name="郑查阅")
    archive = factories.archive(
        holding_unit=org.city_org,
        unit=org.city_bureau,
        level=ManagementLevel.MUNICIPAL,
        name="李市管",
        archive_no="QS0100",
    )
    factories.material(archive, title="绝密内容材料标题")
    return {"baomi": baomi, "viewer": viewer, "archive": archive}


def test_only_the_security_admin_opens_the_grant_pages(client, setup, make_user, org):
    for role in ["管档员", "审批人", "查阅人", "审计员", "系统管理员"]:
        client.force_login(make_user(roles=[role], unit=org.city_org))
        assert client.get("/archives/grants/").status_code == 403
        assert client.get("/archives/grants/new/").status_code == 403
        assert client.get("/archives/grants/archive-lookup/?archive_no=QS0100").status_code == 403
    client.logout()
    assert client.get("/archives/grants/").status_code == 302


def test_grant_through_the_form_then_list_and_withdraw(client, setup):
    client.force_login(setup["baomi"])
    page = client.get("/archives/grants/new/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "被授权人" in body and "授权依据" in body
    until = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/archives/grants/new/",
        {
            "user": setup["viewer"].pk,
            "archive_no": "QS0100",
            "permission": "view_archive_content",
            "valid_until": until,
            "categories": [factories.category("3").pk],
            "reason": "纪委审查调查需要（青纪函〔2026〕8号）",
        },
    )
    assert response.status_code == 302, response.content.decode()
    grant = ArchiveUserObjectPermission.objects.get()
    assert grant.scope_all is False and list(grant.scope_categories.values_list("code", flat=True)) == ["3"]
    assert grant.valid_until is not None
    assert access.can(setup["viewer"], Action.VIEW_CONTENT, setup["archive"])

    listing = client.get("/archives/grants/")
    text = listing.content.decode()
    assert "QS0100" in text and "李市管" in text and "郑查阅" in text and "查阅内容" in text
    assert "绝密内容材料标题" not in text  # archive numbers and cadre names only, never content
    assert "类别 3" in text

    confirm = client.get(f"/archives/grants/{grant.pk}/withdraw/")
    assert confirm.status_code == 200 and "收回原因" in confirm.content.decode()
    missing_reason = client.post(f"/archives/grants/{grant.pk}/withdraw/", {"reason": ""})
    assert missing_reason.status_code == 200
    assert ArchiveUserObjectPermission.objects.filter(pk=grant.pk).exists()
    done = client.post(f"/archives/grants/{grant.pk}/withdraw/", {"reason": "审查结束"})
    assert done.status_code == 302
    assert not ArchiveUserObjectPermission.objects.exists()
    assert AuditEvent.objects.filter(action="grant.withdraw", actor=setup["baomi"]).count() == 1


def test_list_filters(client, setup, make_user, org):
    other = make_user("other_p", roles=["查阅人"], unit=org.city_hr, full_name="冯其他")
    now = timezone.now()
    standing = grants.grant_create(
        user=setup["viewer"],
        archive=setup["archive"],
        permission="view_archive_directory",
        reason="常设",
        by=setup["baomi"],
    )
    timed = grants.grant_create(
        user=other,
        archive=setup["archive"],
        permission="view_archive_content",
        reason="限时",
        valid_until=now + datetime.timedelta(hours=2),
        by=setup["baomi"],
    )
    future = grants.grant_create(
        user=other,
        archive=setup["archive"],
        permission="view_archive_content",
        reason="将来",
        valid_from=now + datetime.timedelta(days=1),
        valid_until=now + datetime.timedelta(days=2),
        by=setup["baomi"],
    )
    client.force_login(setup["baomi"])

    def ids(query):
        response = client.get(f"/archives/grants/?{query}")
        assert response.status_code == 200
        return {row["grant"].pk for row in response.context["rows"]}

    assert ids("") == {standing.pk, timed.pk, future.pk}
    assert ids("q=viewer_p") == {standing.pk}
    assert ids("q=冯") == {timed.pk, future.pk}
    assert ids("permission=view_archive_directory") == {standing.pk}
    assert ids("kind=standing") == {standing.pk}
    assert ids("kind=timed") == {timed.pk, future.pk}
    assert ids("status=pending") == {future.pk}
    assert ids("status=active") == {standing.pk, timed.pk}
    assert ids("archive_no=QS01") == {standing.pk, timed.pk, future.pk}
    assert ids("archive_no=XX") == set()


def test_refusals_are_shown_next_to_the_field(client, setup, make_user, org):
    client.force_login(setup["baomi"])
    factories.relative(
        setup["archive"].cadre, name="郑查阅", id_number=setup["viewer"].id_number, relation="女婿"
    )
    response = client.post(
        "/archives/grants/new/",
        {
            "user": setup["viewer"].pk,
            "archive_no": "QS0100",
            "permission": "view_archive_content",
            "scope_all": "on",
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert "不得授予该档案的权限" in response.content.decode()
    # Unknown archive number, missing reason, past window.
    response = client.post(
        "/archives/grants/new/",
        {
            "user": setup["viewer"].pk,
            "archive_no": "NOPE",
            "permission": "view_archive_content",
            "reason": "",
        },
    )
    text = response.content.decode()
    assert "未找到档号为“NOPE”的档案" in text and "该字段是必填项" in text
    other = make_user(roles=["查阅人"], unit=org.city_hr)
    response = client.post(
        "/archives/grants/new/",
        {
            "user": other.pk,
            "archive_no": "QS0100",
            "permission": "view_archive_content",
            "scope_all": "on",
            "valid_until": "2020-01-01T08:00",
            "reason": "过期",
        },
    )
    assert "失效时间已过" in response.content.decode()
    assert not ArchiveUserObjectPermission.objects.exists()


def test_separated_roles_are_not_offered_in_the_form(client, setup, make_user, org):
    auditor = make_user("auditor_p", roles=["审计员"], unit=org.city_org)
    client.force_login(setup["baomi"])
    form = client.get("/archives/grants/new/").context["form"]
    offered = set(form.fields["user"].queryset.values_list("username", flat=True))
    assert "viewer_p" in offered and "auditor_p" not in offered and "baomi_p" not in offered
    response = client.post(
        "/archives/grants/new/",
        {
            "user": auditor.pk,
            "archive_no": "QS0100",
            "permission": "view_archive_content",
            "scope_all": "on",
            "reason": "x",
        },
    )
    assert response.status_code == 200 and not ArchiveUserObjectPermission.objects.exists()


def test_archive_lookup_shows_the_cadre_name_only(client, setup):
    client.force_login(setup["baomi"])
    found = client.get("/archives/grants/archive-lookup/?archive_no=QS0100").content.decode()
    assert "李市管" in found and "绝密内容材料标题" not in found
    assert "未找到" in client.get("/archives/grants/archive-lookup/?archive_no=QS9").content.decode()


def test_security_admin_sees_no_archive_content_through_the_policy(setup):
    assert access.archives_for(setup["baomi"], Action.VIEW_DIRECTORY).count() == 0
    assert access.materials_for(setup["baomi"], setup["archive"]).count() == 0


def test_menu_entry_for_the_security_admin(client, setup):
    client.force_login(setup["baomi"])
    home = client.get("/").content.decode()
    assert "档案授权" in home and "/archives/grants/" in home
