"""The daily sweep (borrowing.tasks.daily_sweep): reminder on the due date, again after OVERDUE_REMIND_AGAIN_DAYS,
escalation to the approvers after OVERDUE_ESCALATE_DAYS; expiry of ended windows. Time is moved with time_machine,
never slept. One test runs the task through a real Celery worker on Redis."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from borrowing import services, tasks
from borrowing.models import CheckoutStatus, NoticeStage, OverdueNotice, RequestStatus

NAMES = ["查阅人郑", "查阅人冯"]


def local_day(dt):
    return timezone.localtime(dt).date()


def at_local(day, hour=8):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def stages(checkout):
    return sorted(OverdueNotice.objects.filter(checkout=checkout).values_list("stage", flat=True))


@pytest.fixture
def loan_out(kit):
    req = kit.approved(mode="loan")
    (checkout,) = services.access_request_checkout(request=req, by=kit.clerk, signatures=NAMES)
    return req, checkout


def run_task_at(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.daily_sweep.delay().get()


def test_the_overdue_task_escalates_on_schedule(kit, loan_out):
    req, checkout = loan_out
    due = local_day(checkout.due_at)

    assert run_task_at(at_local(due - datetime.timedelta(days=1)))["due"] == 0
    assert stages(checkout) == []

    # On the due date: a reminder to the borrowers and the clerk who lent it.
    result = run_task_at(at_local(due))
    assert result["due"] == 1
    notice = OverdueNotice.objects.get(checkout=checkout, stage=NoticeStage.DUE)
    assert set(notice.recipients.values_list("username", flat=True)) == {"b_v1", "b_v2", "b_clerk"}
    assert notice.days_overdue == 0 and "请按时归还" in notice.message

    # Two days late: nothing new.
    assert run_task_at(at_local(due + datetime.timedelta(days=2))) == {
        "due": 0,
        "again": 0,
        "escalated": 0,
        "expired": 0,
    }

    # Three days late: the second reminder.
    run_task_at(at_local(due + datetime.timedelta(days=3)))
    assert stages(checkout) == ["again", "due"]
    again = OverdueNotice.objects.get(checkout=checkout, stage=NoticeStage.AGAIN)
    assert again.days_overdue == 3 and "再次提醒" in again.message

    # Six days late: still no escalation.
    run_task_at(at_local(due + datetime.timedelta(days=6)))
    assert stages(checkout) == ["again", "due"]

    # Seven days late: escalation to both approvers of the loan.
    run_task_at(at_local(due + datetime.timedelta(days=7)))
    escalated = OverdueNotice.objects.get(checkout=checkout, stage=NoticeStage.ESCALATED)
    assert set(escalated.recipients.values_list("username", flat=True)) == {"b_rev1", "b_rev2"}
    assert "报请审批人" in escalated.message
    assert AuditEvent.objects.filter(action="overdue.escalate", archive_id=kit.archive.pk).count() == 1
    assert AuditEvent.objects.filter(action="overdue.remind", archive_id=kit.archive.pk).count() == 2

    # Idempotent: running again (or twice a day) adds nothing.
    run_task_at(at_local(due + datetime.timedelta(days=9)))
    run_task_at(at_local(due + datetime.timedelta(days=9), hour=18))
    assert OverdueNotice.objects.filter(checkout=checkout).count() == 3


def test_a_task_missed_for_days_catches_up_all_stages_at_once(kit, loan_out):
    _, checkout = loan_out
    run_task_at(at_local(local_day(checkout.due_at) + datetime.timedelta(days=10)))
    assert stages(checkout) == ["again", "due", "escalated"]


def test_the_schedule_follows_the_settings(kit, loan_out, settings):
    settings.ARCHIVE_SETTINGS = {
        **settings.ARCHIVE_SETTINGS,
        "OVERDUE_REMIND_AGAIN_DAYS": 1,
        "OVERDUE_ESCALATE_DAYS": 2,
    }
    _, checkout = loan_out
    run_task_at(at_local(local_day(checkout.due_at) + datetime.timedelta(days=2)))
    assert stages(checkout) == ["again", "due", "escalated"]


def test_returned_items_get_no_reminders(kit, loan_out):
    _, checkout = loan_out
    items = {m.pk: {"present": True, "pages": m.page_count} for m in kit.materials}
    services.checkout_return(checkout=checkout, by=kit.clerk, items=items, signatures=["查阅人郑"])
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.RETURNED
    run_task_at(at_local(local_day(checkout.due_at) + datetime.timedelta(days=10)))
    assert stages(checkout) == []


def test_an_onsite_checkout_kept_past_its_window_is_overdue_too(kit):
    req = kit.approved()
    (checkout,) = services.access_request_checkout(request=req, by=kit.clerk, signatures=NAMES)
    run_task_at(at_local(local_day(checkout.due_at) + datetime.timedelta(days=3)))
    assert stages(checkout) == ["again", "due"]


def test_expired_windows_are_listed_by_the_task_but_the_clock_decides_first(kit):
    digital = kit.approved(mode="digital")
    # Before any task run, the clock already says expired.
    with time_machine.travel(digital.end_at + datetime.timedelta(seconds=1), tick=False):
        digital.refresh_from_db()
        assert digital.status == RequestStatus.APPROVED
        assert digital.effective_status == RequestStatus.EXPIRED
    result = run_task_at(digital.end_at + datetime.timedelta(hours=1))
    assert result["expired"] == 1
    digital.refresh_from_db()
    assert digital.status == RequestStatus.EXPIRED


@pytest.mark.redis
def test_the_daily_sweep_runs_in_a_real_worker(celery_worker, kit, loan_out):
    _, checkout = loan_out
    # The loan fell due eight days ago (set in the database: the worker runs on the real clock).
    past = timezone.now() - datetime.timedelta(days=8)
    type(checkout).objects.filter(pk=checkout.pk).update(due_at=past)
    result = tasks.daily_sweep.delay().get(timeout=60)
    assert result["escalated"] == 1
    assert stages(checkout) == ["again", "due", "escalated"]


def test_the_task_is_on_the_beat_schedule():
    from config.celery import app

    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "borrowing.tasks.daily_sweep" in entries
