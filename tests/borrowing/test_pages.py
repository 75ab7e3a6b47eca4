"""Every page of viewing and borrowing opened through the Django client: the form (with rule messages next to the
fields), the paper-form view, the inbox with filters, the loan desk, the return check, 我的查阅 and the viewer,
the PDFs, the home-page panels."""

import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from archives.models import ArchiveStatus
from audit.models import AuditEvent
from borrowing import services
from borrowing.models import AccessRequest, RequestStatus, ReturnIncident
from tests.borrowing.conftest import make_page


def form_data(kit, **override):
    start = timezone.localtime() - datetime.timedelta(minutes=1)
    data = {
        "requesting_unit": kit.org.city_discipline.pk,
        "unit_opinion": "因审查调查工作需要，请予查阅。",
        "unit_signer": "纪委负责人",
        "unit_signed_on": timezone.localdate().isoformat(),
        "purpose": "inspection",
        "purpose_detail": "审查调查",
        "mode": "onsite",
        "start_at": start.strftime("%Y-%m-%dT%H:%M"),
        "end_at": (start + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "viewers-TOTAL_FORMS": "2",
        "viewers-INITIAL_FORMS": "0",
        "viewers-0-user": kit.v1.username,
        "viewers-1-user": kit.v2.username,
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "0",
        "subjects-0-archive_no": kit.archive.archive_no,
        "subjects-0-scope_all": "on",
        "action": "submit",
    }
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_opens_for_clerk_and_viewer(client, kit):
    client.force_login(kit.clerk)
    response = client.get("/borrowing/requests/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "查阅（借阅）干部人事档案审批表" in html and "三不查阅" in html
    client.force_login(kit.v1)
    html = client.get("/borrowing/requests/new/").content.decode()
    assert f'value="{kit.v1.username}"' in html  # the viewer is the first viewer


def test_reviewers_and_auditors_cannot_file_requests(client, kit, auditor):
    client.force_login(kit.reviewer)
    assert client.get("/borrowing/requests/new/").status_code == 403
    client.force_login(auditor)
    assert client.get("/borrowing/requests/new/").status_code == 403


def test_filing_and_submitting_through_the_form(client, kit):
    client.force_login(kit.clerk)
    response = client.post("/borrowing/requests/new/", form_data(kit))
    req = AccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/borrowing/requests/{req.pk}/"
    assert req.status == RequestStatus.SUBMITTED
    assert list(req.viewers.values_list("name", flat=True)) == ["查阅人郑", "查阅人冯"]


def test_rule_messages_are_shown_next_to_their_fields(client, kit):
    client.force_login(kit.clerk)
    data = form_data(kit, **{"viewers-1-user": kit.masses.username, "unit_signer": ""})
    response = client.post("/borrowing/requests/new/", data, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/edit/?check=1")
    assert "草稿已保存" in html
    assert 'value="何静"' not in html and 'value="查阅人何"' in html  # the saved snapshot of the account
    assert 'data-testid="viewer-status-error">非中共党员不予查阅' in html
    assert 'data-testid="error-unit_signer">审批表不规范，不予查阅：缺少单位负责人签字' in html
    req = AccessRequest.objects.get()
    assert req.status == RequestStatus.DRAFT


def test_one_viewer_shows_viewers_lt_2_above_the_viewer_table(client, kit):
    client.force_login(kit.clerk)
    data = form_data(kit, **{"viewers-1-user": ""})
    html = client.post("/borrowing/requests/new/", data, follow=True).content.decode()
    assert 'data-testid="viewers-error">查阅者非两人以上，不予查阅' in html


def test_an_unknown_archive_number_is_shown_next_to_the_subject(client, kit):
    client.force_login(kit.clerk)
    html = client.post(
        "/borrowing/requests/new/", form_data(kit, **{"subjects-0-archive_no": "X999"})
    ).content.decode()
    assert 'data-testid="subject-error">本单位保管的档案中未找到档号为X999的档案' in html
    assert not AccessRequest.objects.exists()


def test_a_loan_by_a_bureau_is_refused_next_to_the_mode(client, kit):
    client.force_login(kit.clerk)
    data = form_data(kit, mode="loan", requesting_unit=kit.org.city_bureau.pk, end_at="")
    html = client.post("/borrowing/requests/new/", data, follow=True).content.decode()
    assert 'data-testid="error-mode">借阅档案仅限组织（人事）部门和纪检监察机关' in html
    req = AccessRequest.objects.get()
    assert (req.end_at - req.start_at) == datetime.timedelta(days=7)  # the default loan period


def test_editing_a_draft_and_the_check_view(client, kit):
    req = kit.draft(unit_opinion="")
    client.force_login(kit.clerk)
    response = client.post(f"/borrowing/requests/{req.pk}/submit/")
    assert response.status_code == 302 and response["Location"].endswith("/edit/?check=1")
    html = client.get(response["Location"]).content.decode()
    assert "缺少申请单位意见" in html
    response = client.post(f"/borrowing/requests/{req.pk}/edit/", form_data(kit))
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED


def test_the_scope_editor_picks_materials_and_copies(client, kit):
    req = kit.draft()
    subject = req.subjects.get()
    client.force_login(kit.clerk)
    url = f"/borrowing/requests/{req.pk}/subjects/{subject.pk}/scope/"
    html = client.get(url).content.decode()
    assert "干部任免审批表" in html
    appointment = kit.materials[2]
    response = client.post(url, {"scope_all": "0", "materials": [appointment.pk], "copies": [appointment.pk]})
    assert response.status_code == 302
    subject.refresh_from_db()
    req.refresh_from_db()
    assert not subject.scope_all and list(subject.scope_materials.all()) == [appointment]
    assert list(subject.copy_materials.all()) == [appointment] and req.copies_requested
    assert "干部任免审批表" in client.get(f"/borrowing/requests/{req.pk}/").content.decode()


def test_materials_chosen_in_the_scope_editor_survive_saving_the_form_again(client, kit):
    req = kit.draft()
    subject = req.subjects.get()
    appointment = kit.materials[2]
    client.force_login(kit.clerk)
    client.post(
        f"/borrowing/requests/{req.pk}/subjects/{subject.pk}/scope/",
        {"scope_all": "0", "materials": [appointment.pk], "copies": [appointment.pk]},
    )
    html = client.get(f"/borrowing/requests/{req.pk}/edit/").content.decode()
    assert "具体材料1份" in html
    data = form_data(kit, action="save")
    data.pop("subjects-0-scope_all")
    client.post(f"/borrowing/requests/{req.pk}/edit/", data)
    subject = req.subjects.get()
    assert not subject.scope_all
    assert list(subject.scope_materials.all()) == [appointment]
    assert list(subject.copy_materials.all()) == [appointment]


def test_the_detail_page_shows_the_paper_form_and_the_reviewers_decision(client, kit):
    req = kit.submitted()
    client.force_login(kit.reviewer)
    response = client.get(f"/borrowing/requests/{req.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="paper-form"' in html and 'data-testid="decision"' in html
    assert 'data-testid="completeness-card"' in html
    assert "查阅人郑" in html and kit.archive.archive_no in html
    response = client.post(f"/borrowing/requests/{req.pk}/approve/", {"opinion": "同意。", "level": "1"})
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    html = client.get(f"/borrowing/requests/{req.pk}/").content.decode()
    assert 'data-testid="approval-1"' in html and "审批人李" in html


def test_a_reviewer_without_authority_gets_404_for_the_request(client, kit):
    req = kit.submitted()
    client.force_login(kit.county_reviewer)
    assert client.get(f"/borrowing/requests/{req.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=kit.county_reviewer).exists()


def test_drafts_are_not_in_the_reviewers_inbox(client, kit):
    draft = kit.draft()
    client.force_login(kit.reviewer)
    assert client.get(f"/borrowing/requests/{draft.pk}/").status_code == 404


def test_reject_from_the_page_needs_a_reason(client, kit):
    req = kit.submitted()
    client.force_login(kit.reviewer)
    client.post(f"/borrowing/requests/{req.pk}/reject/", {"reason": ""})
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED
    client.post(f"/borrowing/requests/{req.pk}/reject/", {"reason": "事由不充分"})
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED


def test_the_inbox_filters(client, kit):
    onsite = kit.submitted()
    loan = kit.submitted(mode="loan")
    client.force_login(kit.reviewer)
    html = client.get("/borrowing/inbox/").content.decode()
    assert onsite.number in html and loan.number in html
    html = client.get("/borrowing/inbox/?mode=loan").content.decode()
    assert loan.number in html and onsite.number not in html
    html = client.get("/borrowing/inbox/?unit=中共测试市纪委&status=pending").content.decode()
    assert onsite.number in html
    html = client.get("/borrowing/inbox/?unit=不存在").content.decode()
    assert onsite.number not in html
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert onsite.number not in client.get(f"/borrowing/inbox/?date_from={tomorrow}").content.decode()
    assert onsite.number in client.get(f"/borrowing/inbox/?q={kit.archive.archive_no}").content.decode()


def test_request_list_for_viewer_shows_only_their_requests(client, kit):
    mine = kit.submitted()
    other = kit.submitted(viewers=[{"user": kit.v2}, kit.typed_viewer("外单位甲")])
    client.force_login(kit.v1)
    html = client.get("/borrowing/requests/").content.decode()
    assert mine.number in html and other.number not in html


def test_the_desk_checkout_and_return_with_a_missing_page(client, kit):
    req = kit.approved(mode="loan")
    client.force_login(kit.clerk)
    html = client.get("/borrowing/desk/").content.decode()
    assert req.number in html
    client.post(
        f"/borrowing/requests/{req.pk}/checkout/",
        {"archives": [kit.archive.pk], "signatures": ["查阅人郑", "查阅人冯"]},
    )
    kit.archive.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.ON_LOAN
    checkout = req.checkouts.get()
    url = f"/borrowing/checkouts/{checkout.pk}/return/"
    html = client.get(url).content.decode()
    assert "干部履历表" in html and "全部按目录页数填入" in html
    post = {"signatures": ["查阅人郑"]}
    for m in kit.materials:
        post[f"present_{m.pk}"] = "1"
        post[f"pages_{m.pk}"] = str(m.page_count)
    post[f"pages_{kit.materials[1].pk}"] = "1"
    response = client.post(url, post)
    assert response.status_code == 302 and response["Location"] == url
    assert ReturnIncident.objects.filter(status="open").count() == 1
    html = client.get(url).content.decode()
    assert 'data-testid="incident"' in html
    post[f"pages_{kit.materials[1].pk}"] = "2"
    response = client.post(url, post)
    assert response["Location"] == "/borrowing/desk/"
    kit.archive.refresh_from_db()
    assert kit.archive.status == ArchiveStatus.IN_STORE


def test_the_desk_lists_overdue_items(client, kit):
    req = kit.approved(mode="loan")
    services.access_request_checkout(request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"])
    with time_machine.travel(req.end_at + datetime.timedelta(days=2), tick=False):
        client.force_login(kit.clerk)  # (an idle session would have expired meanwhile)
        html = client.get("/borrowing/desk/?overdue=1").content.decode()
        assert "逾期2天" in html and kit.archive.archive_no in html
        home = client.get("/").content.decode()
        assert 'data-testid="panel-overdue">1<' in home


def test_copy_registration_and_stamped_copy_pdf(client, kit):
    appointment = kit.materials[2]
    make_page(appointment, 1)
    make_page(appointment, 2)
    req = kit.approved(
        copies_requested=True,
        subjects=[{"archive": kit.archive, "scope_all": True, "copy_materials": [appointment]}],
    )
    client.force_login(kit.clerk)
    html = client.get(f"/borrowing/requests/{req.pk}/").content.decode()
    assert 'data-testid="register-copy"' in html
    client.post(
        f"/borrowing/requests/{req.pk}/copies/",
        {"material": appointment.pk, "kind": "copy", "pages": "1-2", "recipient": "查阅人郑"},
    )
    copy = req.copies.get()
    response = client.get(f"/borrowing/copies/{copy.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    assert "复印件" in reader.pages[0].extract_text()
    assert AuditEvent.objects.filter(action="copy.print").count() == 1


def test_the_approval_form_pdf_carries_the_trail(client, kit):
    req = kit.approved(mode="loan")
    client.force_login(kit.clerk)
    response = client.get(f"/borrowing/requests/{req.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = "".join(text.split())  # table cells wrap: compare without line breaks
    assert "查阅（借阅）干部人事档案审批表" in text
    assert "一级审批意见" in text and "二级审批意见" in text
    assert "审批人李" in text and "审批人赵" in text and "查阅人郑" in text
    assert AuditEvent.objects.filter(action="access_request.print").count() == 1


def test_my_access_and_the_watermarked_viewer(client, kit):
    appraisal = kit.materials[1]
    page = make_page(appraisal)
    req = kit.approved(mode="digital")
    client.force_login(kit.v1)
    html = client.get("/borrowing/mine/").content.decode()
    assert kit.archive.archive_no in html and 'data-testid="remaining"' in html and appraisal.title in html
    url = f"/borrowing/mine/{req.pk}/archives/{kit.archive.pk}/materials/{appraisal.pk}/"
    html = client.get(url).content.decode()
    assert f"/archives/pages/{page.pk}/image/" in html
    assert (
        AuditEvent.objects.filter(action="material.view", actor=kit.v1, target_id=str(appraisal.pk)).count()
        == 1
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_USE
    image = client.get(f"/archives/pages/{page.pk}/image/")
    assert image.status_code == 200 and "no-store" in image["Cache-Control"]
    # After the window: the viewer page and the image are refused (404) and audited.
    with time_machine.travel(req.end_at + datetime.timedelta(seconds=5), tick=False):
        client.force_login(kit.v1)  # a fresh session: the refusal comes from the window, not the idle timeout
        assert client.get(url).status_code == 404
        assert client.get(f"/archives/pages/{page.pk}/image/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=kit.v1).count() == 2


def test_a_material_outside_the_scope_is_refused(client, kit):
    from tests import factories

    make_page(kit.materials[0])
    req = kit.approved(
        mode="digital",
        subjects=[{"archive": kit.archive, "scope_all": False, "categories": [factories.category("3")]}],
    )
    client.force_login(kit.v1)
    resume = kit.materials[0]
    url = f"/borrowing/mine/{req.pk}/archives/{kit.archive.pk}/materials/{resume.pk}/"
    assert client.get(url).status_code == 404
    page = resume.pages.get()
    assert client.get(f"/archives/pages/{page.pk}/image/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=kit.v1).count() == 2


def test_another_user_cannot_use_someone_elses_request(client, kit, make_user):
    req = kit.approved(mode="digital")
    stranger = make_user(roles=["查阅人"], unit=kit.org.city_discipline)
    client.force_login(stranger)
    url = f"/borrowing/mine/{req.pk}/archives/{kit.archive.pk}/materials/{kit.materials[0].pk}/"
    assert client.get(url).status_code == 404
    assert client.get(f"/borrowing/requests/{req.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["clerk", "reviewer", "v1"])
def test_home_panels_render(client, kit, who):
    kit.submitted()
    client.force_login(getattr(kit, who))
    html = client.get("/").content.decode()
    assert {"clerk": "借阅台", "reviewer": "待审批的查借阅申请", "v1": "我的查阅"}[who] in html


def test_the_reviewer_panel_lists_escalations(client, kit):
    req = kit.approved(mode="loan")
    services.access_request_checkout(request=req, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"])
    with time_machine.travel(req.end_at + datetime.timedelta(days=8), tick=False):
        services.overdue_sweep()
        client.force_login(kit.reviewer)
        html = client.get("/").content.decode()
    assert 'data-testid="panel-escalations"' in html and "报请审批人督促归还" in html


def test_menu_entries_per_role(client, kit):
    client.force_login(kit.clerk)
    html = client.get("/").content.decode()
    assert "借阅台" in html and "填写查阅申请" in html
    client.force_login(kit.reviewer)
    assert "查借阅审批" in client.get("/").content.decode()
    client.force_login(kit.v1)
    assert "我的查阅" in client.get("/").content.decode()


def test_list_pages_run_the_same_number_of_queries_for_2_and_8_requests(client, kit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url, user):
        client.force_login(user)
        client.get(url)  # warm caches (settings, roles)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        kit.submitted()
    small = {
        u: count(u, user)
        for u, user in (("/borrowing/inbox/", kit.reviewer), ("/borrowing/requests/", kit.clerk))
    }
    for _ in range(6):
        kit.submitted(viewers=[{"user": kit.v1}, {"user": kit.v2}, kit.typed_viewer("外单位丙")])
    large = {
        u: count(u, user)
        for u, user in (("/borrowing/inbox/", kit.reviewer), ("/borrowing/requests/", kit.clerk))
    }
    assert small == large
