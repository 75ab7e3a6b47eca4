"""Demo transfers and intakes for `manage.py seed_demo`, one or more in every state.

guandang (王丽华) prepares transfers at the city organization department; shenpi (李建国) approves. Archives
QS00013-QS00020 and QS00023 move; one in-system transfer to 南岭县 waits for nl_guandang's intake; one transfer of
an archive still being sorted shows 四不转递 refusing it. Intakes at the city: one fully reviewed (alterations
confirmed and filed), one waiting for shenpi's confirmation, one returned for a missing volume, one with a broken
seal waiting to be returned. Every step goes through the services (audit log, archive history); past dates are
then moved back in the database, and the daily receipt sweep reports the overdue receipt.

Idempotent: a scenario is skipped when its archive already has a transfer (or its intake already exists).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from archives.models import Archive
from borrowing.models import Intake, Transfer, TransferChase
from borrowing.transfers import intake as intake_services
from borrowing.transfers import services

DAY = datetime.timedelta(days=1)


def _basis(days_ago: int, number: int, kind: str = "transfer_notice") -> dict:
    issuers = {
        "transfer_notice": "中共青山市委组织部",
        "appointment": "中共青山市委",
        "authority_change": "中共青山市委组织部",
    }
    prefix = {"transfer_notice": "青组干", "appointment": "青任", "authority_change": "青组干"}[kind]
    return {
        "basis_kind": kind,
        "basis_doc_no": f"{prefix}〔{timezone.localdate().year}〕{number}号",
        "basis_issuer": issuers[kind],
        "basis_date": timezone.localdate() - datetime.timedelta(days=days_ago),
    }


def _data(archive: Archive, *, to=None, to_name="", reason="调出", channel="confidential", **basis) -> dict:
    data = {
        **basis,
        "reason": reason,
        "to_unit": to,
        "to_unit_name": to_name,
        "channel": channel,
        "tracking_no": f"JY{timezone.localdate():%Y%m}{archive.pk:04d}" if channel == "confidential" else "",
        "collectors": ["何立新", "孔祥瑞"] if channel == "collection" else [],
        "main_volumes": archive.main_volumes,
        "duplicate_volumes": archive.duplicate_volumes,
        "loose_items": 0,
    }
    return data


def _back_date(transfer: Transfer, days: int) -> None:
    """Move a sent transfer's dates back by `days` (the demo shows old transfers)."""
    delta = datetime.timedelta(days=days)
    t = Transfer.objects.get(pk=transfer.pk)
    Transfer.objects.filter(pk=t.pk).update(
        created_at=t.created_at - delta - 2 * DAY,
        notice_at=t.notice_at - delta - 2 * DAY if t.notice_at else None,
        submitted_at=t.submitted_at - delta - DAY if t.submitted_at else None,
        approved_at=t.approved_at - delta - DAY if t.approved_at else None,
        sent_on=t.sent_on - delta if t.sent_on else None,
        sent_at=t.sent_at - delta if t.sent_at else None,
        basis_date=t.basis_date - delta if t.basis_date else None,
    )


def seed(ctx: dict) -> str:
    users, units = ctx["users"], ctx["units"]
    clerk, reviewer = users["guandang"], users["shenpi"]
    city = units["QS-ZZB"]
    archives = {
        a.archive_no: a
        for a in Archive.objects.filter(
            holding_unit=city, archive_no__regex=r"^QS000[1-4]\d$"
        ).select_related("cadre")
    }
    wanted = [f"QS{n:05d}" for n in (13, 14, 15, 16, 17, 18, 19, 20, 23)]
    if not all(no in archives for no in wanted):
        return "转递演示数据：缺少演示档案，未载入"
    made = 0

    def fresh(no: str) -> Archive | None:
        archive = archives[no]
        archive.refresh_from_db()
        return None if Transfer.objects.filter(archive=archive).exists() else archive

    def prepared(archive, data) -> Transfer:
        t = services.transfer_create(archive=archive, by=clerk, data=data)
        return services.transfer_generate_notice(transfer=t, by=clerk)

    def approved(archive, data) -> Transfer:
        t = services.transfer_submit(transfer=prepared(archive, data), by=clerk)
        return services.transfer_approve(transfer=t, by=reviewer, opinion="同意转递。")

    with transaction.atomic():
        if a := fresh("QS00013"):
            services.transfer_create(
                archive=a,
                by=clerk,
                data=_data(a, to_name="中共江州市委组织部", reason="调出（调任江州市）", **_basis(2, 31)),
            )
            made += 1
        if a := fresh("QS00014"):
            t = prepared(a, _data(a, to=units["DH-ZZB"], reason="交流任职", **_basis(4, 28, "appointment")))
            services.transfer_submit(transfer=t, by=clerk)
            made += 1
        if a := fresh("QS00015"):
            approved(
                a,
                _data(
                    a,
                    to_name="中共江西省委组织部干部档案室",
                    reason="干部管理权限变更（改为省管）",
                    **_basis(6, 27, "authority_change"),
                ),
            )
            made += 1
        if a := fresh("QS00016"):
            t = approved(a, _data(a, to_name="中共江州市委组织部", reason="调出", **_basis(12, 22)))
            t = services.transfer_send(transfer=t, by=clerk)
            _back_date(t, 8)
            made += 1
        if a := fresh("QS00017"):
            t = approved(
                a, _data(a, to_name="中共临川市委组织部", reason="调出（调任临川市）", **_basis(50, 11))
            )
            t = services.transfer_send(transfer=t, by=clerk)
            _back_date(t, 45)
            t.refresh_from_db()
            services.receipt_overdue_sweep()
            chase = services.transfer_chase(
                transfer=t,
                by=clerk,
                chased_on=timezone.localdate() - 3 * DAY,
                method="phone",
                contact="临川市委组织部档案室张科长",
                note="答复已收到档案，回执将于近日寄回。",
            )
            TransferChase.objects.filter(pk=chase.pk).update(recorded_at=timezone.now() - 3 * DAY)
            made += 1
        if a := fresh("QS00018"):
            t = approved(
                a,
                _data(a, to_name="中共南昌市委组织部", reason="调出", channel="collection", **_basis(40, 9)),
            )
            t = services.transfer_send(transfer=t, by=clerk)
            _back_date(t, 30)
            t.refresh_from_db()
            services.transfer_record_receipt(
                transfer=t, by=clerk, recipient="吴敏（南昌市委组织部）", receipt_on=t.sent_on + 6 * DAY
            )
            made += 1
        if a := fresh("QS00019"):
            t = approved(a, _data(a, to_name="中共九江市委组织部", reason="调出", **_basis(30, 14)))
            t = services.transfer_send(transfer=t, by=clerk)
            _back_date(t, 20)
            t.refresh_from_db()
            services.transfer_return(
                transfer=t,
                by=clerk,
                reasons="缺少2019年度考核登记表；目录第四类页码与材料不符。请补齐、更正后重新转递。",
                returned_on=t.sent_on + 9 * DAY,
            )
            made += 1
        if a := fresh("QS00020"):
            t = approved(
                a,
                _data(
                    a, to=units["NL-ZZB"], reason="交流任职（任南岭县委常委）", **_basis(5, 30, "appointment")
                ),
            )
            services.transfer_send(transfer=t, by=clerk)
            made += 1
        sorting = (
            Archive.objects.filter(holding_unit=city, sorting_status="sorting", status="in_store")
            .select_related("cadre")
            .order_by("archive_no")
            .first()
        )
        if (
            sorting is not None
            and not Transfer.objects.filter(
                archive__holding_unit=city, archive__sorting_status="sorting"
            ).exists()
        ):
            prepared(sorting, _data(sorting, to_name="中共抚州市委组织部", reason="调出", **_basis(1, 33)))
            made += 1
        made += _intakes(ctx, clerk, reviewer)
    counts = {
        s: Transfer.objects.filter(status=s).count()
        for s in ("draft", "submitted", "approved", "sent", "received", "returned")
    }
    return (
        f"转递演示数据：新增{made}项；转递 草稿{counts['draft']}、待审批{counts['submitted']}、待转出{counts['approved']}、"
        f"待回执{counts['sent']}、已收回执{counts['received']}、被退回{counts['returned']}；接收 {Intake.objects.count()} 件"
    )


def _intake_data(name: str, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "sending_unit_name": "中共上饶市委组织部",
        "channel": "confidential",
        "confidential_no": "JY-SR-0521",
        "courier": "机要局投递员",
        "notice_number": "饶组档字第57号",
        "received_on": today - 6 * DAY,
        "stated_main": 1,
        "stated_duplicate": 1,
        "stated_loose": 0,
        "received_main": 1,
        "received_duplicate": 1,
        "received_loose": 0,
        "seal_intact": True,
        "quality": "medium",
        "name": name,
        "sex": "1",
        "birth_date": datetime.date(1984, 9, 12),
        "ethnicity": "汉族",
        "id_number": "",
        "unit_post": "青山市发展和改革委员会副主任（拟任）",
        "political_status": "01",
        "work_start_date": datetime.date(2007, 7, 1),
        "party_join_date": datetime.date(2006, 5, 20),
    }
    data.update(overrides)
    return data


def _intakes(ctx: dict, clerk, reviewer) -> int:
    from core.idcard import make_id_number

    units = ctx["units"]
    city = units["QS-ZZB"]
    made = 0

    def exists(name: str) -> bool:
        return Intake.objects.filter(holding_unit=city, name=name).exists()

    if not exists("程立远"):
        intake = intake_services.intake_register(
            by=clerk,
            holding_unit=city,
            data=_intake_data(
                "程立远", id_number=make_id_number("361102", datetime.date(1984, 9, 12), 35, "1")
            ),
        )
        intake = intake_services.intake_accept(
            intake=intake,
            by=clerk,
            archive_no="QS09101",
            cadre_unit=units["QS-FGW"],
            management_level="municipal",
            current_post="青山市发展和改革委员会副主任",
        )
        intake_services.alteration_add(
            intake=intake,
            by=clerk,
            data={
                "material_label": "1-1 干部履历表（1999年版）",
                "field_name": "出生日期",
                "before_text": "1984.09",
                "after_text": "1983.09",
                "description": "出生年份“4”改写为“3”，有刮擦痕迹，未见组织认定",
            },
        )
        intake_services.alteration_add(
            intake=intake,
            by=clerk,
            data={
                "material_label": "3-4 2012年度考核登记表",
                "field_name": "考核等次",
                "before_text": "称职",
                "after_text": "优秀",
                "description": "等次栏“称职”涂改为“优秀”，无更正说明和印章",
            },
        )
        intake = intake_services.review_submit(
            intake=intake, by=clerk, note="逐份核对目录和材料，发现两处涂改。"
        )
        intake = intake_services.review_confirm(
            intake=intake, by=reviewer, opinion="经与上饶市委组织部核实，涂改情况登记属实。"
        )
        intake_services.review_file(intake=intake, by=clerk)
        made += 1
    if not exists("雷宏达"):
        intake = intake_services.intake_register(
            by=clerk,
            holding_unit=city,
            data=_intake_data(
                "雷宏达",
                sending_unit_name="中共景德镇市委组织部",
                notice_number="景组档字第112号",
                confidential_no="JY-JDZ-0330",
                birth_date=datetime.date(1979, 3, 30),
                work_start_date=datetime.date(2001, 8, 1),
                party_join_date=datetime.date(2003, 6, 18),
                id_number=make_id_number("360202", datetime.date(1979, 3, 30), 51, "1"),
                unit_post="青山市交通运输局局长",
                received_on=timezone.localdate() - 3 * DAY,
            ),
        )
        intake = intake_services.intake_accept(
            intake=intake,
            by=clerk,
            archive_no="QS09102",
            cadre_unit=units["QS-JT"],
            management_level="municipal",
            current_post="青山市交通运输局局长",
        )
        intake_services.alteration_add(
            intake=intake,
            by=clerk,
            data={
                "material_label": "6-1 中国共产党入党志愿书",
                "field_name": "入党时间",
                "before_text": "2003.06",
                "after_text": "2002.06",
                "description": "支部大会通过时间年份有改动痕迹",
            },
        )
        intake_services.review_submit(intake=intake, by=clerk, note="")
        made += 1
    if not exists("熊文彬"):
        intake = intake_services.intake_register(
            by=clerk,
            holding_unit=city,
            data=_intake_data(
                "熊文彬",
                sending_unit_name="中共宜春市委组织部",
                notice_number="宜组档字第76号",
                confidential_no="JY-YC-1108",
                stated_duplicate=1,
                received_duplicate=0,
                received_on=timezone.localdate() - 10 * DAY,
            ),
        )
        intake_services.intake_return(intake=intake, by=clerk, note="请将副本一并转来，不得分批转递。")
        made += 1
    if not exists("邹春华"):
        intake_services.intake_register(
            by=clerk,
            holding_unit=city,
            data=_intake_data(
                "邹春华",
                sex="2",
                sending_unit_name="中共萍乡市委组织部",
                notice_number="萍组档字第19号",
                confidential_no="JY-PX-0619",
                seal_intact=False,
                received_on=timezone.localdate() - 1 * DAY,
            ),
        )
        made += 1
    return made
