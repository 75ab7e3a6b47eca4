"""销毁登记 (requirement 23): a material that may not be filed is destroyed only with a 审批人's approval and two
named, distinct witnesses (二人监销); otherwise DESTRUCTION_NOT_AUTHORISED, and nothing is written but the
denied audit event. The row stays, as 已销毁, on every page that lists loose materials."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from archives import rules, selectors, services
from archives.models import ArchiveEvent, Material, MaterialStatus, ReceiptBatch
from audit.models import AuditEvent
from core.errors import DomainError
from tests import factories
from tests.archives.conftest import material_data

WITNESSES = ["张监销", "李监销"]


def received(archive, clerk, **kw) -> Material:
    material, _ = services.material_receive(by=clerk, archive=archive, data=material_data(**kw))
    return material


def identified(archive, clerk, **kw) -> Material:
    return services.material_identify(material=received(archive, clerk, **kw), by=clerk)


def destroy(material, clerk, approver, **kw) -> Material:
    args = {"witnesses": WITNESSES, "reason": "重复材料", "destroyed_on": timezone.localdate(), **kw}
    return services.material_destroy(material=material, by=clerk, approver=approver, **args)


def refusal(material, clerk, approver, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        destroy(material, clerk, approver, **kw)
    return exc.value


def snapshot(material) -> dict:
    row = Material.objects.filter(pk=material.pk).values().get()
    row.pop("updated_at")
    return row


# --- the rule ------------------------------------------------------------------------------------------------


def check(**kw):
    today = datetime.date(2026, 5, 10)
    args = {
        "reason": "草稿",
        "approver_id": 7,
        "actor_id": 3,
        "approver_is_reviewer": True,
        "witnesses": ["张三", "李四"],
        "destruction_date": today,
        "today": today,
        **kw,
    }
    return [(v.code, v.field) for v in rules.check_destruction(**args)]


def test_rule_accepts_an_approved_destruction_with_two_witnesses():
    assert check() == []
    assert check(witnesses=["张三", "李四", "王五"]) == []


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"approver_id": None}, "approver", "请选择批准人"),
        ({"approver_id": 3}, "approver", "经办人不能批准自己"),
        ({"approver_is_reviewer": False}, "approver", "在职的审批人"),
        ({"witnesses": ["张三"]}, "witnesses.2", "未填写监销人二"),
        ({"witnesses": ["", "李四"]}, "witnesses.1", "未填写监销人一"),
        ({"witnesses": ["张三", "张三"]}, "witnesses.2", "同一人"),
        ({"witnesses": ["张 三", "张三"]}, "witnesses.2", "同一人"),
        ({"witnesses": ["张三", "李" * 51]}, "witnesses.2", "不超过50个字"),
        ({"witnesses": ["张三", "李\x00四"]}, "witnesses.2", "姓名无效"),
        ({"witnesses": ["张三", "\u200b"]}, "witnesses.2", "姓名无效"),
        ({"witnesses": ["张三", "张\u200b三"]}, "witnesses.2", "姓名无效"),
        ({"witnesses": ["张三", "123"]}, "witnesses.2", "姓名无效"),
        ({"witnesses": ["Ｗａｎｇ", "wang"]}, "witnesses.2", "同一人"),
    ],
)
def test_rule_names_what_is_missing(kw, field, words):
    (violation,) = rules.check_destruction(
        **{
            "reason": "草稿",
            "approver_id": 7,
            "actor_id": 3,
            "approver_is_reviewer": True,
            "witnesses": ["张三", "李四"],
            "destruction_date": datetime.date(2026, 5, 10),
            "today": datetime.date(2026, 5, 10),
            **kw,
        }
    )
    assert (violation.code, violation.field) == ("DESTRUCTION_NOT_AUTHORISED", field)
    assert words in violation.message


def test_rule_reason_and_dates():
    today = datetime.date(2026, 5, 10)
    assert check(reason="  ") == [("DESTRUCTION_REASON_REQUIRED", "reason")]
    assert check(reason=" \u200b\u3000") == [("DESTRUCTION_REASON_REQUIRED", "reason")]
    assert check(destruction_date=None) == [("DATE_ORDER", "destruction_date")]
    assert check(destruction_date=today + datetime.timedelta(days=1)) == [
        ("DATE_IN_FUTURE", "destruction_date")
    ]
    assert check(received_date=today) == []
    assert check(destruction_date=datetime.date(2026, 5, 1), received_date=datetime.date(2026, 5, 2)) == [
        ("DATE_ORDER", "destruction_date")
    ]
    assert check(destruction_date=datetime.date(2026, 5, 1), withdrawn_on=datetime.date(2026, 5, 2)) == [
        ("DATE_ORDER", "destruction_date")
    ]
    # Everything missing at once: every problem is named, the approver first.
    assert check(approver_id=None, witnesses=[], reason="") == [
        ("DESTRUCTION_NOT_AUTHORISED", "approver"),
        ("DESTRUCTION_NOT_AUTHORISED", "witnesses.1"),
        ("DESTRUCTION_NOT_AUTHORISED", "witnesses.2"),
        ("DESTRUCTION_REASON_REQUIRED", "reason"),
    ]


def test_rule_only_materials_outside_the_directory():
    for status in ("received", "identified", "withdrawn"):
        assert rules.check_destroyable(status) == []
    (v,) = rules.check_destroyable("filed")
    assert v.code == "INVALID_STATUS" and "须先经审批人批准撤出" in v.message
    for status in ("returned", "destroyed"):
        (v,) = rules.check_destroyable(status)
        assert v.code == "INVALID_STATUS" and "不能销毁" in v.message
    assert rules.normalise_witnesses([" 张三 ", None, 5]) == ["张三", "", ""]
    assert rules.normalise_witnesses(None) == [] and rules.normalise_witnesses("张三") == ["张三"]


# --- the service ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("no approver", "请选择批准人"),
        ("approver not a reviewer", "在职的审批人"),
        ("inactive approver", "在职的审批人"),
        ("approver is the clerk", "经办人不能批准自己"),
        ("one witness", "未填写监销人二"),
        ("two identical witnesses", "同一人"),
        ("blank witnesses", "未填写监销人一"),
    ],
)
def test_each_refusal_is_destruction_not_authorised_and_writes_nothing(
    case, words, archive, clerk, approver, org
):
    material = identified(archive, clerk)
    approver_of = {
        "no approver": None,
        "approver not a reviewer": factories.user(roles=["管档员"], unit=org.city_org),
        "inactive approver": factories.user(roles=["审批人"], unit=org.city_org, is_active=False),
        "approver is the clerk": clerk,
    }
    witnesses = {
        "one witness": ["张监销"],
        "two identical witnesses": ["张监销", " 张监销 "],
        "blank witnesses": ["", "  "],
    }.get(case, WITNESSES)
    before = snapshot(material)
    events = ArchiveEvent.objects.count()
    exc = refusal(material, clerk, approver_of.get(case, approver), witnesses=witnesses)
    assert exc.code == "DESTRUCTION_NOT_AUTHORISED" and words in exc.message
    # Nothing half-written: the row, the history and the success audit are untouched.
    assert snapshot(material) == before
    assert ArchiveEvent.objects.count() == events
    assert not AuditEvent.objects.filter(action="material.destroy", outcome="success").exists()
    # The refused attempt itself is on record.
    denied = AuditEvent.objects.get(action="material.destroy", outcome="denied")
    assert denied.actor == clerk and denied.archive_id == archive.pk
    assert denied.target_id == str(material.pk) and denied.details["code"] == "DESTRUCTION_NOT_AUTHORISED"


def test_reason_required_and_date_checked(archive, clerk, approver):
    material = received(archive, clerk)
    assert refusal(material, clerk, approver, reason=" ").code == "DESTRUCTION_REASON_REQUIRED"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert refusal(material, clerk, approver, destroyed_on=tomorrow).code == "DATE_IN_FUTURE"
    before_receipt = material.received_date - datetime.timedelta(days=1)
    assert refusal(material, clerk, approver, destroyed_on=before_receipt).code == "DATE_ORDER"
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED and material.destruction_reason == ""
    assert AuditEvent.objects.filter(action="material.destroy", outcome="denied").count() == 3


def test_a_filed_material_must_be_withdrawn_first(archive, clerk, approver):
    material = services.material_file(material=identified(archive, clerk), by=clerk)
    exc = refusal(material, clerk, approver)
    assert exc.code == "INVALID_STATUS" and "须先经审批人批准撤出" in exc.message
    material.refresh_from_db()
    assert material.status == MaterialStatus.FILED and material.seq == 1
    # Withdrawn with a reviewer's approval, it may then be destroyed; the withdrawal stays on the row.
    services.material_withdraw(material=material, by=clerk, approver=approver, reason="不属于归档范围")
    destroy(material, clerk, approver)
    material.refresh_from_db()
    assert material.status == MaterialStatus.DESTROYED
    assert material.withdrawn_reason == "不属于归档范围" and material.withdrawal_approver == approver


def test_returned_or_destroyed_materials_cannot_be_destroyed(archive, clerk, approver):
    material = services.material_return(material=received(archive, clerk), by=clerk, reason="非本人材料")
    assert refusal(material, clerk, approver).code == "INVALID_STATUS"
    other = destroy(received(archive, clerk), clerk, approver)
    exc = refusal(other, clerk, approver)
    assert exc.code == "INVALID_STATUS" and "已销毁" in exc.message
    # And nothing else moves a destroyed material on.
    for func, kw in (
        (services.material_identify, {}),
        (services.material_file, {}),
        (services.material_return, {"reason": "x"}),
        (services.material_update, {"changes": {"title": "新名称"}}),
    ):
        with pytest.raises(DomainError) as exc:
            func(material=other, by=clerk, **kw)
        assert exc.value.code == "INVALID_STATUS"


def test_destruction_registers_status_fields_history_and_audit(archive, clerk, approver):
    material = identified(archive, clerk, title="重复的年度考核登记表")
    result = destroy(
        material, clerk, approver, witnesses=[" 张监销 ", "李监销"], reason=" 重复材料，已有原件 "
    )
    assert result.status == MaterialStatus.DESTROYED
    material.refresh_from_db()
    assert material.status == MaterialStatus.DESTROYED and material.seq is None
    assert material.destruction_approver == approver and material.destroyed_by == clerk
    assert material.destruction_witnesses == ["张监销", "李监销"]
    assert material.destruction_reason == "重复材料，已有原件"
    assert material.destruction_date == timezone.localdate() and material.destroyed_at is not None
    assert material.witnesses_display == "张监销、李监销"
    event = ArchiveEvent.objects.get(archive=archive, kind="材料销毁")
    assert "重复的年度考核登记表" in event.description and "审批人乙" in event.description
    assert "张监销、李监销" in event.description and event.actor == clerk
    assert event.details["material_id"] == material.pk
    audit = AuditEvent.objects.get(action="material.destroy")
    assert audit.outcome == "success" and audit.archive_id == archive.pk and audit.actor == clerk
    assert audit.details["approver"] == "approver" and audit.details["witnesses"] == ["张监销", "李监销"]
    assert audit.details["status_before"] == "identified"
    assert audit.details["destruction_date"] == timezone.localdate().isoformat()
    assert Material.objects.filter(pk=material.pk).exists()  # never deleted


def test_destroying_the_last_open_item_closes_the_batch(archive, clerk, approver, org):
    batch, _ = services.batch_create(
        by=clerk,
        holding_unit=org.city_org,
        producing_unit="测试市财政局",
        received_date=timezone.localdate(),
        items=[{"archive": archive, **material_data()}, {"archive": archive, **material_data(title="草稿")}],
    )
    first, second = batch.materials.order_by("id")
    services.material_return(material=first, by=clerk, reason="非本人材料")
    batch.refresh_from_db()
    assert batch.status == ReceiptBatch.Status.OPEN
    destroy(second, clerk, approver)
    batch.refresh_from_db()
    assert batch.status == ReceiptBatch.Status.DONE
    counts = selectors.batches_for(clerk).get(pk=batch.pk)
    assert (counts.n_returned, counts.n_destroyed, counts.n_received) == (1, 1, 0)


def test_another_units_clerk_gets_404_and_the_attempt_is_audited(archive, clerk, approver, org):
    material = received(archive, clerk)
    outsider = factories.user("county_clerk", roles=["管档员"], unit=org.county_org)
    with pytest.raises(Http404):
        destroy(material, outsider, approver)
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).count() == 1
    assert not AuditEvent.objects.filter(action="material.destroy").exists()


def test_destroyed_materials_leave_every_pending_count(archive, clerk, approver):
    kept = identified(archive, clerk, title="待归档材料")
    gone = identified(archive, clerk, title="草稿")
    destroy(gone, clerk, approver)
    counts = selectors.intake_counts(clerk)
    assert counts["identified"] == 1 and counts["received"] == 0
    assert list(selectors.pending_filing(clerk, overdue_only=False)) == [kept]
    page = selectors.archive_page(clerk, archive)
    assert [m.pk for m in page.intake] == [kept.pk] and page.filed_count == 0


# --- the page ------------------------------------------------------------------------------------------------


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def form_post(approver, **kw):
    data = {
        "approver": approver.pk if approver else "",
        "witness_1": "张监销",
        "witness_2": "李监销",
        "destruction_date": timezone.localdate().isoformat(),
        "reason": "草稿，不属于归档范围",
    }
    data.update(kw)
    return data


def test_page_is_reachable_from_the_material_and_the_batch(clerk_client, clerk, archive, org):
    batch, _ = services.batch_create(
        by=clerk,
        holding_unit=org.city_org,
        producing_unit="测试市财政局",
        received_date=timezone.localdate(),
        items=[{"archive": archive, **material_data()}],
    )
    material = batch.materials.get()
    url = reverse("archives:material-destroy", args=[material.pk])
    body = clerk_client.get(reverse("archives:material", args=[material.pk])).content.decode()
    assert url in body and "销毁登记" in body
    batch_url = reverse("archives:batch", args=[batch.pk])
    body = clerk_client.get(batch_url).content.decode()
    assert f"{url}?next={batch_url}" in body
    response = clerk_client.get(f"{url}?next={batch_url}")
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("批准人（审批人）", "监销人一", "监销人二", "销毁日期", "销毁原因", "二人监销"):
        assert label in body
    assert f'name="next" value="{batch_url}"' in body


def test_page_errors_are_chinese_and_inline(clerk_client, clerk, archive, approver):
    material = received(archive, clerk)
    url = reverse("archives:material-destroy", args=[material.pk])
    response = clerk_client.post(url, form_post(None, witness_2="", reason=""))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="error-approver"' in body and "请选择批准人" in body
    assert 'data-testid="error-witness_2"' in body and "未填写监销人二" in body
    assert 'data-testid="error-reason"' in body and "须填写销毁原因" in body
    response = clerk_client.post(url, form_post(approver, witness_2=" 张监销 "))
    body = response.content.decode()
    assert 'data-testid="error-witness_2"' in body and "与监销人一是同一人" in body
    response = clerk_client.post(url, form_post(approver, destruction_date=""))
    assert 'data-testid="error-destruction_date"' in response.content.decode()
    # The clerk is not among the approvers offered; forcing the choice is refused by the form.
    response = clerk_client.post(url, form_post(clerk))
    assert response.status_code == 200 and 'data-testid="error-approver"' in response.content.decode()
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED and material.destruction_witnesses == []
    assert not ArchiveEvent.objects.filter(kind="材料销毁").exists()


def test_page_success_registers_and_shows_the_destruction(clerk_client, clerk, archive, approver):
    material = identified(archive, clerk, title="重复的考核表")
    url = reverse("archives:material-destroy", args=[material.pk])
    response = clerk_client.post(url, form_post(approver))
    assert response.status_code == 302 and response["Location"] == reverse(
        "archives:material", args=[material.pk]
    )
    material.refresh_from_db()
    assert material.status == MaterialStatus.DESTROYED
    assert (
        material.destruction_witnesses == ["张监销", "李监销"] and material.destruction_approver == approver
    )
    body = clerk_client.get(response["Location"]).content.decode()
    assert "已销毁" in body and "监销人：张监销、李监销" in body and "审批人乙" in body
    assert 'data-testid="edit-material"' not in body and 'data-testid="material-actions"' not in body
    # The archive page no longer lists it in intake; its history says what happened.
    body = clerk_client.get(reverse("archives:detail", args=[archive.pk])).content.decode()
    assert "材料销毁" in body
    # Once destroyed, the page explains instead of offering the form again.
    body = clerk_client.get(url).content.decode()
    assert 'data-testid="destroy-blocked"' in body and 'data-testid="destroy-form"' not in body


def test_page_for_a_filed_material_points_to_withdrawal(clerk_client, clerk, archive, approver):
    material = services.material_file(material=identified(archive, clerk), by=clerk)
    url = reverse("archives:material-destroy", args=[material.pk])
    body = clerk_client.get(url).content.decode()
    assert (
        "须先经审批人批准撤出" in body and reverse("archives:material-withdraw", args=[material.pk]) in body
    )
    response = clerk_client.post(url, form_post(approver))
    assert response.status_code == 200 and "须先经审批人批准撤出" in response.content.decode()
    material.refresh_from_db()
    assert material.status == MaterialStatus.FILED


def test_batch_page_shows_destroyed_items_and_counts(clerk_client, clerk, archive, approver, org):
    batch, _ = services.batch_create(
        by=clerk,
        holding_unit=org.city_org,
        producing_unit="测试市财政局",
        received_date=timezone.localdate(),
        items=[{"archive": archive, **material_data(title="一份草稿")}],
    )
    material = batch.materials.get()
    batch_url = reverse("archives:batch", args=[batch.pk])
    url = reverse("archives:material-destroy", args=[material.pk])
    response = clerk_client.post(url, {**form_post(approver), "next": batch_url})
    assert response.status_code == 302 and response["Location"] == batch_url
    body = clerk_client.get(batch_url).content.decode()
    assert "已销毁" in body and "监销人：张监销、李监销" in body and "已处理完毕" in body
    body = clerk_client.get(reverse("archives:intake")).content.decode()
    assert '<th class="text-center">销毁</th>' in body


def test_page_another_units_clerk_gets_404(client, clerk, archive, approver, org):
    material = received(archive, clerk)
    outsider = factories.user("county_clerk", roles=["管档员"], unit=org.county_org)
    client.force_login(outsider)
    url = reverse("archives:material-destroy", args=[material.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_post(approver)).status_code == 404
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).count() == 2


# --- the API -------------------------------------------------------------------------------------------------


def api_destroy(client, material, **body):
    return client.post(f"/api/materials/{material.pk}/destroy/", body, content_type="application/json")


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("no approver", "approver"),
        ("approver not a reviewer", "approver"),
        ("approver is the clerk", "approver"),
        ("one witness", "witnesses.2"),
        ("two identical witnesses", "witnesses.2"),
    ],
)
def test_api_refusals_answer_400_with_the_code(case, field, clerk_client, clerk, archive, approver, org):
    material = received(archive, clerk)
    body = {"approver": approver.pk, "witnesses": WITNESSES, "reason": "重复材料"}
    if case == "no approver":
        body.pop("approver")
    elif case == "approver not a reviewer":
        body["approver"] = factories.user(roles=["查阅人"], unit=org.city_bureau).pk
    elif case == "approver is the clerk":
        body["approver"] = clerk.pk
    elif case == "one witness":
        body["witnesses"] = ["张监销"]
    else:
        body["witnesses"] = ["张监销", "张监销"]
    response = api_destroy(clerk_client, material, **body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "DESTRUCTION_NOT_AUTHORISED" and data["field"] == field and data["message"]
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED


def test_api_other_refusals_and_bad_input(clerk_client, clerk, archive, approver):
    material = received(archive, clerk)
    ok = {"approver": approver.pk, "witnesses": WITNESSES, "reason": "重复材料"}
    data = api_destroy(clerk_client, material, **{**ok, "reason": ""}).json()
    assert data["code"] == "DESTRUCTION_REASON_REQUIRED" and data["field"] == "reason"
    data = api_destroy(clerk_client, material).json()  # an empty body names every missing part
    assert data["code"] == "DESTRUCTION_NOT_AUTHORISED" and data["field"] == "approver"
    assert [v["field"] for v in data["violations"]] == ["approver", "witnesses.1", "witnesses.2", "reason"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert (
        api_destroy(clerk_client, material, **ok, destruction_date=tomorrow).json()["code"]
        == "DATE_IN_FUTURE"
    )
    for bad in (
        {"witnesses": "张监销"},
        {"witnesses": [None, "李监销"]},
        {"witnesses": ["张", "李" * 51]},
        {"approver": 999999},
        {"approver": "x"},
        {"destruction_date": "2026-13-01"},
        {"reason": "草\x00稿"},
    ):
        response = api_destroy(clerk_client, material, **{**ok, **bad})
        assert response.status_code == 400, bad
        assert set(response.json()) >= {"code", "message", "field"}
    filed = services.material_file(material=identified(archive, clerk), by=clerk)
    response = api_destroy(clerk_client, filed, **ok)
    assert response.status_code == 400 and response.json()["code"] == "INVALID_STATUS"
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED
    assert not AuditEvent.objects.filter(action="material.destroy", outcome="success").exists()


def test_api_success(clerk_client, clerk, archive, approver):
    material = identified(archive, clerk)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    material.received_date = yesterday - datetime.timedelta(days=1)
    material.save(update_fields=["received_date"])
    response = api_destroy(
        clerk_client,
        material,
        approver=approver.pk,
        witnesses=["张监销", "李监销"],
        reason="与本人无关的材料",
        destruction_date=yesterday.isoformat(),
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "destroyed" and data["status_display"] == "已销毁"
    assert (
        data["destruction_witnesses"] == ["张监销", "李监销"] and data["destruction_approver"] == approver.pk
    )
    assert (
        data["destruction_date"] == yesterday.isoformat() and data["destruction_reason"] == "与本人无关的材料"
    )
    listed = clerk_client.get(f"/api/materials/?archive={archive.pk}&status=destroyed").json()
    assert [m["id"] for m in listed["results"]] == [material.pk]
    audit = AuditEvent.objects.get(action="material.destroy", outcome="success")
    assert audit.archive_id == archive.pk and audit.details["destruction_date"] == yesterday.isoformat()


def test_api_another_units_clerk_gets_404(client, clerk, archive, approver, org):
    material = received(archive, clerk)
    outsider = factories.user("county_clerk", roles=["管档员"], unit=org.county_org)
    client.force_login(outsider)
    response = api_destroy(client, material, approver=approver.pk, witnesses=WITNESSES, reason="重复")
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED
    # A reviewer (not a clerk) may not register a destruction either.
    client.force_login(approver)
    response = api_destroy(client, material, approver=approver.pk, witnesses=WITNESSES, reason="重复")
    assert response.status_code == 403 and response.json()["code"] == "PERMISSION_DENIED"
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED


# --- elsewhere: a destroyed material is neither pending nor counted ------------------------------------------


def test_a_destroyed_material_never_counts_for_completeness(org, clerk, approver):
    from archives.completeness import evaluate, gather, load_rules
    from tests.archives.completeness_helpers import add, items_by_rule, make_archive, only_rules

    only_rules("resume_1999")
    a = make_archive(org)
    loose = add(a, "resume_1999", 2001, status=MaterialStatus.IDENTIFIED)
    withdrawn = add(a, "resume_1999", 2001, status=MaterialStatus.WITHDRAWN)
    destroy(loose, clerk, approver)
    destroy(withdrawn, clerk, approver)
    ruleset = load_rules(timezone.localdate())
    assert "resume_1999" in items_by_rule(evaluate(ruleset, gather(a.pk, ruleset)))


def test_a_destroyed_loose_material_no_longer_disorders_a_transfer(org):
    from borrowing.transfers import services as transfer_services
    from tests.borrowing.transfer_kit import build_kit

    kit = build_kit(org)
    loose = received(kit.archive, kit.clerk, title="一份草稿")
    transfer = kit.noticed()
    with pytest.raises(DomainError) as exc:
        transfer_services.transfer_submit(transfer=transfer, by=kit.clerk)
    assert exc.value.code == "FILE_DISORDERED" and "一份草稿" in exc.value.message
    destroy(loose, kit.clerk, kit.reviewer)
    assert transfer_services.transfer_submit(transfer=transfer, by=kit.clerk).status == "submitted"


# --- in Chromium ---------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_browser_clerk_registers_a_destruction(page, live_server, login, demo, screenshot):
    from playwright.sync_api import expect

    units, users = demo["units"], demo["users"]
    archive = factories.archive(
        holding_unit=units["QS-ZZB"], cadre_obj=factories.cadre(unit=units["QS-CZ"], name="单晓东")
    )
    material = received(archive, users["guandang"], title="2025年度考核登记表（草稿）")
    login("guandang", demo["password"])
    page.goto(f"{live_server.url}{reverse('archives:material', args=[material.pk])}")
    page.get_by_test_id("destroy").click()
    form = page.get_by_test_id("destroy-form")
    expect(form).to_contain_text("监销人一")
    page.on("dialog", lambda dialog: dialog.accept())
    form.locator("#id_witness_1").fill("周海峰")
    page.get_by_test_id("confirm-destroy").click()
    expect(page.get_by_test_id("error-approver")).to_contain_text("请选择批准人")
    expect(page.get_by_test_id("error-witness_2")).to_contain_text("未填写监销人二")
    expect(page.get_by_test_id("error-reason")).to_contain_text("须填写销毁原因")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("material-destroy-01-errors")
    form = page.get_by_test_id("destroy-form")
    form.locator("#id_approver").select_option(label=users["shenpi"].display_name)
    expect(form.locator("#id_witness_1")).to_have_value("周海峰")
    form.locator("#id_witness_2").fill("周海峰")
    form.locator("#id_reason").fill("草稿，另有正式件已归档")
    page.get_by_test_id("confirm-destroy").click()
    expect(page.get_by_test_id("error-witness_2")).to_contain_text("同一人")
    page.get_by_test_id("destroy-form").locator("#id_witness_2").fill("孙雅婷")
    page.get_by_test_id("confirm-destroy").click()
    expect(page.get_by_test_id("destruction")).to_contain_text("监销人：周海峰、孙雅婷")
    expect(page.get_by_test_id("material-title")).to_contain_text("草稿")
    expect(page.locator(".badge", has_text="已销毁")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("material-destroy-02-done")
    material.refresh_from_db()
    assert material.status == MaterialStatus.DESTROYED
    assert material.destruction_approver == users["shenpi"]


# --- races on PostgreSQL -------------------------------------------------------------------------------------


def race(*calls):
    """Run the calls in threads released together; [("ok", value) | ("refused", code) | ("error", text)]."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", fn())
        except DomainError as exc:
            results[index] = ("refused", exc.code)
        except Exception as exc:  # an IntegrityError here would mean the lock did not hold
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def slow_transitions(monkeypatch):
    """Hold each transaction open after it read the material's status (the race window)."""
    real = rules.check_transition

    def slow(status, action):
        result = real(status, action)
        time.sleep(0.4)
        return result

    monkeypatch.setattr(rules, "check_transition", slow)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_destroying_at_once_register_one_destruction(
    archive, clerk, approver, org, slow_transitions
):
    material = identified(archive, clerk)
    clerk2 = factories.user("clerk2", roles=["管档员"], unit=org.city_org)
    results = race(
        lambda: destroy(material, clerk, approver, witnesses=["张监销", "李监销"]).status,
        lambda: destroy(material, clerk2, approver, witnesses=["王监销", "赵监销"]).status,
    )
    assert sorted(results) == [("ok", "destroyed"), ("refused", "INVALID_STATUS")], results
    assert ArchiveEvent.objects.filter(kind="材料销毁").count() == 1
    assert AuditEvent.objects.filter(action="material.destroy", outcome="success").count() == 1
    assert AuditEvent.objects.filter(action="material.destroy", outcome="denied").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_filing_and_destroying_at_once_end_in_one_state(archive, clerk, approver, org, slow_transitions):
    material = identified(archive, clerk)
    clerk2 = factories.user("clerk2", roles=["管档员"], unit=org.city_org)
    results = race(
        lambda: services.material_file(material=material, by=clerk2).status,
        lambda: destroy(material, clerk, approver).status,
    )
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok", "refused"], results
    material.refresh_from_db()
    if material.status == MaterialStatus.FILED:
        assert material.seq == 1 and material.destruction_witnesses == [] and material.destroyed_at is None
    else:
        assert (
            material.status == MaterialStatus.DESTROYED
            and material.seq is None
            and material.filed_date is None
        )
