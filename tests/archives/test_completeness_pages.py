"""What people see and do: the clerk's panel and list, the unit dashboard, the archive report with excused years,
the card, the on-commit re-check, the API and the admin pages of the rule set."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from archives.completeness import check_archive
from archives.models import CompletenessExcusal, CompletenessReport, CompletenessRule, MaterialStatus
from audit.models import AuditEvent
from tests import factories
from tests.archives.completeness_helpers import add, forget_pending, make_archive, only_rules, rule

pytestmark = pytest.mark.django_db
LAST_YEAR = datetime.date.today().year - 1


@pytest.fixture
def three(org):
    """A civil servant without registration (veto), one without résumé, one complete."""
    only_rules("resume_1999", "civil_servant_registration", "annual_appraisal")
    veto = make_archive(
        org, name="否决", cadre_type="civil_servant", work_start_date=datetime.date(LAST_YEAR, 1, 1)
    )
    add(veto, "resume_1999", 2020)
    add(veto, "annual_appraisal", LAST_YEAR)
    partial = make_archive(org, name="缺表", work_start_date=datetime.date(LAST_YEAR, 1, 1))
    add(partial, "annual_appraisal", LAST_YEAR)
    complete = make_archive(org, name="齐全", work_start_date=datetime.date(LAST_YEAR, 1, 1))
    add(complete, "resume_1999", 2020)
    add(complete, "annual_appraisal", LAST_YEAR)
    for a in (veto, partial, complete):
        check_archive(a.pk)
    return veto, partial, complete


@pytest.fixture
def sysadmin(org):
    return factories.user("sysadmin", roles=["系统管理员"], unit=org.city_org, is_staff=True)


@pytest.fixture
def other_clerk(org):
    return factories.user("clerk2", roles=["管档员"], unit=org.county_org)


# --- clerk's home panel, list, dashboard ---------------------------------------------------------------------


def test_clerk_home_shows_incomplete_archives_worst_first(client, clerk, three):
    veto, partial, complete = three
    client.force_login(clerk)
    html = client.get("/").content.decode()
    assert "不齐全的档案" in html
    assert html.index(veto.archive_no) < html.index(partial.archive_no)
    assert complete.archive_no not in html
    assert "单项否决" in html


def test_incomplete_list_filters_and_orders(client, clerk, three):
    veto, partial, complete = three
    client.force_login(clerk)
    url = reverse("completeness:incomplete")
    page = client.get(url)
    assert page.status_code == 200
    rows = [a.archive_no for a in page.context["page_obj"]]
    assert rows == [veto.archive_no, partial.archive_no]
    assert [a.archive_no for a in client.get(url, {"veto": "1"}).context["page_obj"]] == [veto.archive_no]
    assert [a.archive_no for a in client.get(url, {"q": "缺"}).context["page_obj"]] == [partial.archive_no]


def test_incomplete_list_is_for_clerks_only(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("completeness:incomplete")).status_code == 403


def test_dashboard_counts_per_holding_unit(client, clerk, reviewer, org, three):
    county = factories.archive(holding_unit=org.county_org, level="county")  # never checked
    CompletenessReport.objects.filter(archive=county).delete()
    client.force_login(clerk)
    page = client.get(reverse("completeness:dashboard"))
    assert page.status_code == 200
    (row,) = page.context["rows"]  # the clerk serves the city department only
    assert (row.total, row.complete, row.incomplete, row.veto, row.unchecked) == (3, 1, 2, 1, 0)
    assert row.last_checked is not None
    assert "各保管单位" in page.content.decode() or "完整性统计" in page.content.decode()

    client.force_login(reviewer)
    page = client.get(reverse("completeness:dashboard"))
    assert page.status_code == 200
    assert sum(r.total for r in page.context["rows"]) >= 3


def test_dashboard_is_not_for_the_system_admin_or_auditor(client, sysadmin, auditor):
    for user in (sysadmin, auditor):
        client.force_login(user)
        assert client.get(reverse("completeness:dashboard")).status_code == 403


# --- one archive: report page, card, re-check, excused years -------------------------------------------------


def test_archive_report_page_for_clerk_and_reviewer(client, clerk, reviewer, three):
    veto, _, _ = three
    url = reverse("completeness:archive", args=[veto.pk])
    client.force_login(clerk)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "公务员登记表" in html and "登记免查年度" in html
    assert AuditEvent.objects.filter(action="completeness.report_view", archive_id=veto.pk).exists()
    client.force_login(reviewer)
    html = client.get(url).content.decode()
    assert "公务员登记表" in html and "登记免查年度" not in html and "重新检查" not in html


def test_archive_outside_holdings_answers_404_and_is_audited(client, other_clerk, three):
    veto, _, _ = three
    client.force_login(other_clerk)
    for name in ("completeness:archive", "completeness:card"):
        assert client.get(reverse(name, args=[veto.pk])).status_code == 404
    assert client.post(reverse("completeness:recheck", args=[veto.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=other_clerk).count() == 3


def test_excused_year_recorded_audited_and_report_updated(
    client, clerk, org, django_capture_on_commit_callbacks
):
    only_rules("annual_appraisal")
    with django_capture_on_commit_callbacks(execute=True):  # as if committed: the check runs
        a = make_archive(org, work_start_date=datetime.date(LAST_YEAR - 2, 7, 1))  # two full years expected
        add(a, "annual_appraisal", LAST_YEAR)
    assert CompletenessReport.objects.get(archive=a).items[0]["years"] == [LAST_YEAR - 1]
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("completeness:excuse", args=[a.pk]),
            {"rule": rule("annual_appraisal").pk, "year": LAST_YEAR - 1, "reason": "probation", "note": ""},
        )
    assert response.status_code == 302
    report = CompletenessReport.objects.get(archive=a)
    assert report.is_complete
    event = AuditEvent.objects.get(action="completeness.excuse_year")
    assert event.archive_id == a.pk and event.details["reason"] == "试用期"

    excusal = CompletenessExcusal.objects.get(archive=a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("completeness:revoke", args=[excusal.pk]), {"reason": "登记错误"})
    excusal.refresh_from_db()
    assert excusal.revoked_at is not None and excusal.revoke_reason == "登记错误"
    assert not CompletenessReport.objects.get(archive=a).is_complete
    assert AuditEvent.objects.filter(action="completeness.excuse_revoke").exists()


@pytest.mark.parametrize(
    ("data", "code_text"),
    [
        ({"year": 1990, "reason": "probation"}, "不在核查范围"),
        ({"year": LAST_YEAR, "reason": "other", "note": ""}, "须填写说明"),
    ],
)
def test_excused_year_refusals_are_shown(client, clerk, org, data, code_text):
    only_rules("annual_appraisal")
    a = make_archive(org, work_start_date=datetime.date(2010, 7, 1))
    client.force_login(clerk)
    response = client.post(
        reverse("completeness:excuse", args=[a.pk]),
        {"rule": rule("annual_appraisal").pk, **data},
        follow=True,
    )
    assert code_text in response.content.decode()
    assert not CompletenessExcusal.objects.exists()


def test_excuse_service_codes(clerk, org):
    from archives.services_completeness import excuse_year
    from core.errors import DomainError

    only_rules("annual_appraisal", "resume_1999")
    a = make_archive(org, work_start_date=datetime.date(2010, 7, 1))
    with pytest.raises(DomainError) as exc:
        excuse_year(archive=a, rule=rule("resume_1999"), year=2015, reason="probation", by=clerk)
    assert exc.value.code == "EXCUSE_RULE_NOT_YEARLY"
    with pytest.raises(DomainError) as exc:
        excuse_year(archive=a, rule=rule("annual_appraisal"), year=2015, reason="bogus", by=clerk)
    assert exc.value.code == "EXCUSE_REASON_INVALID"
    excuse_year(archive=a, rule=rule("annual_appraisal"), year=2015, reason="sick_leave", by=clerk)
    with pytest.raises(DomainError) as exc:
        excuse_year(archive=a, rule=rule("annual_appraisal"), year=2015, reason="sick_leave", by=clerk)
    assert exc.value.code == "EXCUSE_DUPLICATE"


def test_recheck_through_htmx_returns_the_fresh_card(client, clerk, org, django_capture_on_commit_callbacks):
    only_rules("resume_1999")
    with django_capture_on_commit_callbacks(execute=True):
        a = make_archive(org)
    with django_capture_on_commit_callbacks(execute=False):  # filed, but the queued check was lost
        add(a, "resume_1999", 2012)
    forget_pending()
    assert not CompletenessReport.objects.get(archive=a).is_complete
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("completeness:recheck", args=[a.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="completeness-card"' in response.content.decode()
    assert CompletenessReport.objects.get(archive=a).is_complete
    html = client.get(reverse("completeness:card", args=[a.pk])).content.decode()
    assert 'data-status="complete"' in html
    assert AuditEvent.objects.filter(action="completeness.recheck", archive_id=a.pk).exists()


def test_card_polls_while_a_check_is_queued(client, clerk, org):
    from django.utils import timezone

    only_rules("resume_1999")
    a = make_archive(org)
    check_archive(a.pk)
    CompletenessReport.objects.filter(archive=a).update(
        requested_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    client.force_login(clerk)
    html = client.get(reverse("completeness:card", args=[a.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and "正在重新检查" in html


def test_template_tag_renders_the_report_and_lazy_loads_a_never_checked_archive(client, clerk, org, reviewer):
    only_rules("resume_1999")
    a = make_archive(org)
    request = RequestFactory().get("/")
    request.user = clerk
    tag = Template("{% load completeness %}{% completeness_card archive %}")
    html = tag.render(Context({"archive": a, "request": request}))
    # Never checked: a placeholder that loads the card (and runs the check) in its own request.
    assert 'hx-trigger="load"' in html and "正在进行完整性检查" in html
    assert not CompletenessReport.objects.filter(archive=a).exists()
    client.force_login(clerk)
    card_html = client.get(reverse("completeness:card", args=[a.pk])).content.decode()
    assert "干部履历表（1999年版）" in card_html and 'hx-trigger="load"' not in card_html
    assert CompletenessReport.objects.filter(archive=a).exists()
    html = tag.render(Context({"archive": a, "request": request}))
    assert 'data-testid="completeness-card"' in html and "干部履历表（1999年版）" in html
    assert "重新检查" in html  # the clerk may manage this archive
    request.user = reviewer
    html = Template("{% load completeness %}{% completeness_card archive False %}").render(
        Context({"archive": a, "request": request})
    )
    assert "重新检查" not in html and "详细报告" not in html


# --- the check follows the materials (signals + on_commit) ---------------------------------------------------


def test_report_changes_after_a_material_is_filed(org, django_capture_on_commit_callbacks):
    only_rules("resume_1999", "annual_appraisal")
    with django_capture_on_commit_callbacks(execute=True):
        a = make_archive(org, work_start_date=datetime.date(LAST_YEAR, 1, 1))
        add(a, "annual_appraisal", LAST_YEAR)
        received = add(a, "resume_1999", 2019, status=MaterialStatus.RECEIVED)
    assert not CompletenessReport.objects.get(archive=a).is_complete
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        received.status = MaterialStatus.IDENTIFIED
        received.save()
        received.status = MaterialStatus.FILED
        received.seq = 1
        received.save()
    assert len(callbacks) == 1  # one check per archive per transaction, however many saves
    report = CompletenessReport.objects.get(archive=a)
    assert report.is_complete and report.source == "check"

    with django_capture_on_commit_callbacks(execute=True):
        received.status = MaterialStatus.WITHDRAWN
        received.save()
    assert not CompletenessReport.objects.get(archive=a).is_complete


def test_a_rolled_back_change_schedules_nothing(org, django_capture_on_commit_callbacks):
    from django.db import transaction

    only_rules("resume_1999")
    a = make_archive(org)
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                add(a, "resume_1999", 2019)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert callbacks == []


def test_promotions_education_and_cadre_changes_schedule_a_check(org, django_capture_on_commit_callbacks):
    from tests.archives.completeness_helpers import education, post

    only_rules("party_admission", "appointment_since_1997", "edu_bachelor_transcript")
    with django_capture_on_commit_callbacks(execute=True):
        a = make_archive(org, political_status="13")
    assert CompletenessReport.objects.get(archive=a).is_complete
    with django_capture_on_commit_callbacks(execute=True):
        a.cadre.political_status = "01"
        a.cadre.save()
    assert CompletenessReport.objects.get(archive=a).items[0]["rule"] == "party_admission"
    with django_capture_on_commit_callbacks(execute=True):
        post(a, datetime.date(2012, 3, 1), "20")
    assert "appointment_since_1997" in {i["rule"] for i in CompletenessReport.objects.get(archive=a).items}
    with django_capture_on_commit_callbacks(execute=True):
        edu = education(a, "bachelor", degree="学士")
    assert "edu_bachelor_transcript" in {i["rule"] for i in CompletenessReport.objects.get(archive=a).items}
    with django_capture_on_commit_callbacks(execute=True):
        edu.materials.add(add(a, "edu_transcript", 2005, 6, 1))
    assert "edu_bachelor_transcript" not in {
        i["rule"] for i in CompletenessReport.objects.get(archive=a).items
    }


# --- API -----------------------------------------------------------------------------------------------------


def test_api_report_recheck_and_404(client, clerk, other_clerk, three, django_capture_on_commit_callbacks):
    veto, _, _ = three
    client.force_login(clerk)
    url = f"/api/archives/{veto.pk}/completeness/"
    data = client.get(url).json()
    assert data["has_veto"] is True and data["is_complete"] is False and data["archive_no"] == veto.archive_no
    assert data["items"][0]["rule"] == "civil_servant_registration" and data["items"][0]["veto"] is True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200 and response.json()["pending"] is False
    client.force_login(other_clerk)
    response = client.get(url)
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_api_excusals_create_refuse_and_revoke(client, clerk, org):
    only_rules("annual_appraisal")
    a = make_archive(org, work_start_date=datetime.date(2010, 7, 1))
    client.force_login(clerk)
    url = f"/api/archives/{a.pk}/completeness/excusals/"
    response = client.post(
        url,
        {"rule": "annual_appraisal", "year": 2011, "reason": "no_rating"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["reason_display"] == "不定等次"
    response = client.post(
        url,
        {"rule": "annual_appraisal", "year": 2011, "reason": "no_rating"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "EXCUSE_DUPLICATE"
    response = client.post(url, {"rule": "annual_appraisal", "year": "abc"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "year"
    assert len(client.get(url).json()) == 1
    excusal_id = CompletenessExcusal.objects.get().pk
    response = client.post(
        f"/api/completeness/excusals/{excusal_id}/revoke/",
        {"reason": "录入错误"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["revoked_at"]


def test_api_rules_list(client, reviewer):
    client.force_login(reviewer)
    data = client.get("/api/completeness/rules/").json()
    codes = {r["code"] for r in data}
    assert "annual_appraisal" in codes and all("kinds" in r for r in data)


def test_openapi_schema_documents_the_completeness_endpoints(client, clerk):
    client.force_login(clerk)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/archives/{id}/completeness/",
        "/api/archives/{id}/completeness/excusals/",
        "/api/completeness/excusals/{id}/revoke/",
        "/api/completeness/rules/",
        "/api/completeness/findings/",
        "/api/completeness/findings/{id}/resolve/",
    ):
        assert path in schema, path


# --- admin pages of the rule set -----------------------------------------------------------------------------


def test_system_admin_edits_rules_in_the_admin_and_changes_are_audited(client, sysadmin):
    client.force_login(sysadmin)
    changelist = reverse("admin:archives_completenessrule_changelist")
    assert client.get(changelist).status_code == 200
    r = rule("annual_appraisal")
    url = reverse("admin:archives_completenessrule_change", args=[r.pk])
    page = client.get(url)
    assert page.status_code == 200 and "年度考核登记表" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "kinds": [k.pk for k in r.kinds.all()],
            "since_year": 1993,
            "category": r.category_id,
            "weight": "3",
            "deduction": "1",
        }
    )
    data = {k: (v if not isinstance(v, bool) else ("on" if v else "")) for k, v in data.items()}
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    r.refresh_from_db()
    assert r.since_year == 1993 and r.weight == 3
    assert AuditEvent.objects.filter(action="completeness.rule_change", actor=sysadmin).exists()
    # No deleting: rules are switched off.
    assert client.get(reverse("admin:archives_completenessrule_delete", args=[r.pk])).status_code == 403


def test_rule_form_refuses_inconsistent_settings():
    from archives.admin_completeness import CompletenessRuleForm

    r = rule("resume_1999")
    form = CompletenessRuleForm(
        instance=r,
        data={
            "code": r.code,
            "name": r.name,
            "category": r.category_id,
            "kinds": [k.pk for k in r.kinds.all()],
            "applies_to": "all",
            "count_mode": "one",
            "since_year": 2000,
            "until_year": 1990,
            "prior_year_months": 0,
            "min_rank": "20",
            "window_before_days": 365,
            "window_after_days": 90,
            "weight": "1",
            "deduction": "2",
            "sort_order": 1,
        },
    )
    assert not form.is_valid()
    assert {"until_year", "min_rank", "weight"} <= set(form.errors)


def test_clerk_cannot_open_the_rule_admin(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:archives_completenessrule_changelist"))
    assert response.status_code in (302, 403)


def test_start_sweep_is_for_the_system_admin(clerk, sysadmin, django_capture_on_commit_callbacks):
    from archives.services_completeness import start_sweep
    from core.errors import DomainError

    with pytest.raises(DomainError):
        start_sweep(by=clerk)
    with django_capture_on_commit_callbacks() as callbacks:
        start_sweep(by=sysadmin)
    assert len(callbacks) == 1
    assert AuditEvent.objects.filter(action="completeness.sweep").exists()


def test_rule_change_schedules_one_sweep(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        for r in CompletenessRule.objects.all()[:3]:
            r.weight = 3
            r.save()
    assert len(callbacks) == 1


def test_card_reload_token_lets_a_page_viewer_reload_only_that_card(client, org, clerk):
    """A request or review page may show the card to someone without standing rights on the archive: the
    card's own URL carries a signed token for that user and archive."""
    from archives.views_completeness import card_token

    only_rules("resume_1999")
    a = make_archive(org)
    other = make_archive(org)
    viewer = factories.user("viewer1", roles=["查阅人"], unit=org.city_discipline)
    client.force_login(viewer)
    url = reverse("completeness:card", args=[a.pk])
    assert client.get(url).status_code == 404  # no rights, no token
    response = client.get(url, {"t": card_token(viewer, a.pk)})
    html = response.content.decode()
    assert response.status_code == 200 and "干部履历表（1999年版）" in html
    assert "详细报告" not in html and "重新检查" not in html  # no link to pages the viewer may not open
    assert (
        client.get(reverse("completeness:card", args=[other.pk]), {"t": card_token(viewer, a.pk)}).status_code
        == 404
    )
    assert client.get(url, {"t": card_token(clerk, a.pk)}).status_code == 404  # someone else's token
    assert client.get(url, {"t": "forged:token"}).status_code == 404
