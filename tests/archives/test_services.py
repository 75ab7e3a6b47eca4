"""Services of cadres, archives and materials: rules enforced, renumbering recorded, audit written."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from archives import selectors, services
from archives.models import (
    Archive,
    ArchiveEvent,
    ArchiveStatus,
    Cadre,
    Material,
    MaterialStatus,
    MaterialVersion,
    ReceiptBatch,
    Renumbering,
)
from audit.models import AuditEvent
from core.errors import DomainError
from core.idcard import make_id_number
from tests import factories
from tests.archives.conftest import cat, kind, material_data


def cadre_data(org, **kw):
    birth = kw.pop("birth_date", datetime.date(1978, 5, 6))
    data = {
        "name": "李四",
        "sex": "1",
        "birth_date": birth,
        "id_number": make_id_number("360702", birth, 11, "1"),
        "unit": org.city_bureau,
        "work_start_date": datetime.date(2000, 7, 1),
        "party_join_date": datetime.date(1999, 6, 1),
        "political_status": "01",
    }
    data.update(kw)
    return data


def audit_actions(**kw):
    return list(AuditEvent.objects.filter(**kw).values_list("action", flat=True))


# --- cadre and archive registration -------------------------------------------------------------------------


def test_register_cadre_and_archive(org, clerk):
    archive, warnings = services.cadre_register(
        by=clerk,
        cadre=cadre_data(org),
        archive={
            "archive_no": " qs00077 ",
            "holding_unit": org.city_org,
            "room": "一号库房",
            "cabinet": "03",
        },
    )
    assert warnings == []
    assert archive.archive_no == "QS00077"
    assert archive.custodian == clerk
    assert archive.cadre.name_initials == "ls"
    assert ArchiveEvent.objects.filter(archive=archive, kind="建档").count() == 1
    assert audit_actions(archive_id=archive.pk) == ["archive.create", "cadre.create"]


def test_fifteen_digit_id_is_upgraded_and_both_stored(org, clerk):
    archive, warnings = services.cadre_register(
        by=clerk,
        cadre=cadre_data(
            org,
            id_number="110105491231002",
            sex="2",
            birth_date=datetime.date(1949, 12, 31),
            work_start_date=datetime.date(1970, 1, 1),
            party_join_date=None,
        ),
        archive={"archive_no": "QS1", "holding_unit": org.city_org},
    )
    assert warnings == []
    assert archive.cadre.id_number == "11010519491231002X"
    assert archive.cadre.id_number_legacy == "110105491231002"


def test_id_warnings_are_returned_and_never_block(org, clerk):
    data = cadre_data(org, sex="2")  # the number says male
    archive, warnings = services.cadre_register(
        by=clerk, cadre=data, archive={"archive_no": "QS2", "holding_unit": org.city_org}
    )
    assert [w.code for w in warnings] == ["ID_SEX_MISMATCH"]
    assert archive.cadre.sex == "2"  # never auto-corrected
    assert [w.code for w in services.cadre_warnings(archive.cadre)] == ["ID_SEX_MISMATCH"]


@pytest.mark.parametrize(
    "raw,code",
    [("36070219780506", "ID_LENGTH"), ("3607021978050611X1", "ID_DIGITS"), ("360702197813061112", "ID_DATE")],
)
def test_id_errors_block_registration(org, clerk, raw, code):
    with pytest.raises(DomainError) as exc:
        services.cadre_register(
            by=clerk,
            cadre=cadre_data(org, id_number=raw),
            archive={"archive_no": "QS3", "holding_unit": org.city_org},
        )
    assert exc.value.code == code and exc.value.field == "id_number"
    assert not Cadre.objects.exists() and not Archive.objects.exists()


def test_id_checksum_and_duplicate(org, clerk):
    good = make_id_number("360702", datetime.date(1978, 5, 6), 11, "1")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    with pytest.raises(DomainError) as exc:
        services.cadre_register(
            by=clerk,
            cadre=cadre_data(org, id_number=bad),
            archive={"archive_no": "QS4", "holding_unit": org.city_org},
        )
    assert exc.value.code == "ID_CHECKSUM"
    services.cadre_register(
        by=clerk, cadre=cadre_data(org), archive={"archive_no": "QS5", "holding_unit": org.city_org}
    )
    with pytest.raises(DomainError) as exc:
        services.cadre_register(
            by=clerk,
            cadre=cadre_data(org, name="王五"),
            archive={"archive_no": "QS6", "holding_unit": org.city_org},
        )
    assert exc.value.code == "ID_DUPLICATE"


def test_archive_number_unique_and_holding_unit_served(org, clerk):
    services.cadre_register(
        by=clerk, cadre=cadre_data(org), archive={"archive_no": "QS7", "holding_unit": org.city_org}
    )
    other = cadre_data(
        org, name="赵六", id_number=make_id_number("360702", datetime.date(1978, 5, 6), 12, "1")
    )
    with pytest.raises(DomainError) as exc:
        services.cadre_register(
            by=clerk, cadre=other, archive={"archive_no": "qs7", "holding_unit": org.city_org}
        )
    assert exc.value.code == "ARCHIVE_NO_DUPLICATE"
    with pytest.raises(DomainError) as exc:
        services.cadre_register(
            by=clerk, cadre=other, archive={"archive_no": "QS8", "holding_unit": org.county_org}
        )
    assert exc.value.code == "NOT_HOLDING_UNIT"
    assert Cadre.objects.count() == 1


def test_clerk_cannot_register_own_archive(org, clerk):
    data = cadre_data(org, id_number=clerk.id_number, birth_date=datetime.date(1980, 1, 1))
    with pytest.raises(DomainError) as exc:
        services.cadre_register(
            by=clerk, cadre=data, archive={"archive_no": "QS9", "holding_unit": org.city_org}
        )
    assert exc.value.code == "SELF_OR_RELATIVE"


@pytest.mark.parametrize("field", ["birth_date", "party_join_date", "work_start_date"])
def test_determined_dates_need_a_determination(archive, clerk, field):
    with pytest.raises(DomainError) as exc:
        services.cadre_update(cadre=archive.cadre, by=clerk, changes={field: datetime.date(1990, 1, 1)})
    assert exc.value.code == "DETERMINATION_REQUIRED"
    assert exc.value.message == "出生日期、入党时间、参加工作时间须经认定程序变更。"
    assert exc.value.field == field


def test_cadre_update_is_audited_with_the_changes(archive, clerk):
    services.cadre_update(
        cadre=archive.cadre,
        by=clerk,
        changes={"current_post": "测试市财政局局长", "birth_date": archive.cadre.birth_date},
    )
    archive.cadre.refresh_from_db()
    assert archive.cadre.current_post == "测试市财政局局长"
    event = AuditEvent.objects.get(action="cadre.update")
    assert event.details["changes"]["current_post"][1] == "测试市财政局局长"


def test_transferred_out_archive_is_read_only(archive, clerk):
    Archive.objects.filter(pk=archive.pk).update(status=ArchiveStatus.TRANSFERRED_OUT)
    archive.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.cadre_update(
            cadre=Cadre.objects.get(pk=archive.cadre_id), by=clerk, changes={"rank": "一级调研员"}
        )
    assert exc.value.code == "ARCHIVE_READ_ONLY"
    with pytest.raises(DomainError) as exc:
        services.material_receive(by=clerk, archive=archive, data=material_data())
    assert exc.value.code == "ARCHIVE_READ_ONLY"
    with pytest.raises(DomainError) as exc:
        services.archive_update(archive=archive, by=clerk, changes={"room": "二号库房"})
    assert exc.value.code == "ARCHIVE_READ_ONLY"


def test_family_posts_and_education(archive, clerk):
    cadre = archive.cadre
    member = services.family_member_save(
        cadre=cadre, by=clerk, data={"relation": "妻子", "name": "王芳", "political_status": "01"}
    )
    services.family_member_save(
        cadre=cadre, by=clerk, member=member, data={"work_unit_post": "测试市第一中学教师"}
    )
    member.refresh_from_db()
    assert member.work_unit_post == "测试市第一中学教师"
    with pytest.raises(DomainError) as exc:
        services.family_member_save(
            cadre=cadre, by=clerk, data={"relation": "儿子", "name": "张小", "id_number": "123"}
        )
    assert exc.value.code == "ID_LENGTH"
    post = services.cadre_post_save(
        cadre=cadre,
        by=clerk,
        data={
            "start_date": datetime.date(2015, 3, 1),
            "title": "测试市财政局副局长",
            "rank": "40",
            "document_no": "测组〔2015〕3号",
        },
    )
    with pytest.raises(DomainError) as exc:
        services.cadre_post_save(
            cadre=cadre,
            by=clerk,
            post=post,
            data={
                "start_date": datetime.date(2015, 3, 1),
                "end_date": datetime.date(2014, 1, 1),
                "title": "x",
            },
        )
    assert exc.value.code == "DATE_ORDER"
    m = factories.material(archive, code="41", title="毕业生登记表", year=2000)
    edu = services.education_save(
        cadre=cadre,
        by=clerk,
        data={"level": "bachelor", "school": "南昌大学", "degree": "学士"},
        materials=[m],
    )
    assert list(edu.materials.all()) == [m]
    services.family_member_remove(member=member, by=clerk)
    assert not cadre.family.exists()
    assert AuditEvent.objects.filter(action="cadre.update", archive_id=archive.pk).count() == 5


# --- archive updates -----------------------------------------------------------------------------------------


def test_location_status_and_custodian(archive, clerk, org, make_user):
    services.archive_update(
        archive=archive,
        by=clerk,
        changes={"room": "二号库房", "cabinet": "05", "shelf": "2", "position": "7"},
    )
    archive.refresh_from_db()
    assert archive.location == "二号库房05柜2层7格"
    assert ArchiveEvent.objects.filter(archive=archive, kind="位置变更").count() == 1
    services.archive_update(archive=archive, by=clerk, changes={"status": "review_hold"}, reason="任前审核")
    assert (
        ArchiveEvent.objects.get(archive=archive, kind="状态变更").description
        == "档案状态由“在库”改为“审核暂存”（任前审核）"
    )
    with pytest.raises(DomainError) as exc:
        services.archive_update(archive=archive, by=clerk, changes={"status": "transferred_out"})
    assert exc.value.code == "STATUS_BY_WORKFLOW"
    outsider = make_user(roles=["管档员"], unit=org.county_org)
    with pytest.raises(DomainError) as exc:
        services.archive_update(archive=archive, by=clerk, changes={"custodian": outsider})
    assert exc.value.code == "CUSTODIAN_INVALID"
    assert AuditEvent.objects.filter(action="archive.update", archive_id=archive.pk).count() == 2


def test_clerk_cannot_be_custodian_of_own_archive(org, clerk, make_user):
    other = make_user(roles=["管档员"], unit=org.city_org)
    own = factories.archive(
        holding_unit=org.city_org, id_number=clerk.id_number, birth=datetime.date(1980, 1, 1)
    )
    with pytest.raises(DomainError) as exc:
        services.archive_update(archive=own, by=other, changes={"custodian": clerk})
    assert exc.value.code == "SELF_OR_RELATIVE"


def test_workflow_status_change(archive, clerk):
    services.archive_change_status(
        archive=archive, by=clerk, status="on_loan", reason="借阅", workflow="借阅"
    )
    archive.refresh_from_db()
    assert archive.status == "on_loan"
    with pytest.raises(DomainError) as exc:
        services.archive_update(archive=archive, by=clerk, changes={"status": "in_store"})
    assert exc.value.code == "STATUS_BY_WORKFLOW"


# --- intake ---------------------------------------------------------------------------------------------------


def test_receive_flags_late_handover(archive, clerk):
    today = timezone.localdate()
    formed = today - datetime.timedelta(days=90)
    material, warnings = services.material_receive(
        by=clerk,
        archive=archive,
        data=material_data(
            formed_year=formed.year, formed_month=formed.month, formed_day=formed.day, received_date=today
        ),
    )
    assert [w.code for w in warnings] == ["LATE_HANDOVER"]
    assert material.late_handover is True
    assert material.status == MaterialStatus.RECEIVED and material.seq is None
    assert AuditEvent.objects.get(action="material.receive").details["warnings"] == ["LATE_HANDOVER"]


def test_copy_without_seal_is_recorded_but_never_accepted(archive, clerk):
    material, warnings = services.material_receive(
        by=clerk,
        archive=archive,
        data=material_data(code="41", is_copy=True, category=cat("41"), kind=kind("edu_diploma_copy")),
    )
    assert [w.code for w in warnings] == ["COPY_WITHOUT_SEAL"]
    with pytest.raises(DomainError) as exc:
        services.material_identify(material=material, by=clerk)
    assert exc.value.code == "COPY_WITHOUT_SEAL"
    services.material_update(
        material=material,
        by=clerk,
        changes={"copy_date": datetime.date(2024, 1, 12), "copy_sealed_by": "南昌大学档案馆"},
    )
    services.material_identify(material=material, by=clerk)
    material.refresh_from_db()
    assert material.status == MaterialStatus.IDENTIFIED


@pytest.mark.parametrize("code", ["4", "9"])
def test_bad_category_refuses_a_non_leaf(archive, clerk, code):
    with pytest.raises(DomainError) as exc:
        services.material_receive(
            by=clerk, archive=archive, data=material_data(category=cat(code), kind=None)
        )
    assert exc.value.code == "BAD_CATEGORY"
    assert not Material.objects.exists()


def test_kind_must_match_category(archive, clerk):
    with pytest.raises(DomainError) as exc:
        services.material_receive(
            by=clerk, archive=archive, data=material_data(category=cat("2"), kind=kind("annual_appraisal"))
        )
    assert exc.value.code == "KIND_MISMATCH"


def test_outsider_gets_404_and_is_audited(archive, org, make_user):
    outsider = make_user(roles=["管档员"], unit=org.county_org)
    with pytest.raises(Http404):
        services.material_receive(by=outsider, archive=archive, data=material_data())
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider, archive_id=archive.pk).exists()
    assert not Material.objects.exists()


def items(archive, n=3, **kw):
    return [
        {
            "archive": archive,
            **material_data(title=f"材料{i}", formed_year=2020 + i, formed_month=None, formed_day=None, **kw),
        }
        for i in range(n)
    ]


def test_batch_with_one_bad_item_writes_nothing(archive, clerk):
    bad = items(archive)
    bad[1]["category"] = cat("9")
    with pytest.raises(DomainError) as exc:
        services.batch_create(
            by=clerk,
            holding_unit=archive.holding_unit,
            producing_unit="测试市财政局",
            received_date=timezone.localdate(),
            items=bad,
        )
    assert exc.value.code == "BAD_CATEGORY"
    assert exc.value.message.startswith("第2项：")
    assert exc.value.field == "items.2.category"
    assert not ReceiptBatch.objects.exists() and not Material.objects.exists()


def test_batch_identify_return_file_closes_the_batch(archive, clerk):
    batch, warnings = services.batch_create(
        by=clerk,
        holding_unit=archive.holding_unit,
        producing_unit="测试市财政局",
        delivered_by="小刘",
        received_date=timezone.localdate(),
        items=items(archive),
    )
    materials = list(batch.materials.order_by("id"))
    assert [m.producing_unit for m in materials] == ["测试市财政局"] * 3
    assert all(m.received_date == timezone.localdate() for m in materials)
    services.material_identify(material=materials[0], by=clerk)
    services.material_identify(material=materials[1], by=clerk)
    with pytest.raises(DomainError) as exc:
        services.material_return(material=materials[2], by=clerk, reason=" ")
    assert exc.value.code == "RETURN_REASON_REQUIRED"
    services.material_return(material=materials[2], by=clerk, reason="非本人材料")
    with pytest.raises(DomainError) as exc:
        services.material_file(material=materials[2], by=clerk)
    assert exc.value.code == "INVALID_STATUS"
    services.material_file(material=materials[0], by=clerk)
    batch.refresh_from_db()
    assert batch.status == ReceiptBatch.Status.OPEN
    services.material_file(material=materials[1], by=clerk)
    batch.refresh_from_db()
    assert batch.status == ReceiptBatch.Status.DONE
    assert audit_actions(action__startswith="material.").count("material.receive") == 3
    assert set(audit_actions()) >= {"batch.create", "material.identify", "material.return", "material.file"}


def file_new(archive, clerk, year, month=6, day=1, code="3", title=None):
    m, _ = services.material_receive(
        by=clerk,
        archive=archive,
        data=material_data(
            category=cat(code),
            kind=None,
            title=title or f"{year}年度考核登记表",
            formed_year=year,
            formed_month=month,
            formed_day=day,
        ),
    )
    services.material_identify(material=m, by=clerk)
    return services.material_file(material=m, by=clerk)


def seqs(archive, code="3"):
    return list(
        Material.objects.filter(archive=archive, category__code=code, status="filed")
        .order_by("seq")
        .values_list("formed_year", "seq")
    )


def test_filing_inserts_at_formation_date_and_records_renumbering(archive, clerk):
    file_new(archive, clerk, 2018)
    file_new(archive, clerk, 2021)
    m = file_new(archive, clerk, 2019)
    assert seqs(archive) == [(2018, 1), (2019, 2), (2021, 3)]
    assert m.seq_label == "3-2"
    last = Renumbering.objects.filter(archive=archive).order_by("-id").first()
    assert last.reason == "材料归档"
    assert sorted(last.changes) == sorted(
        [[m.pk, None, 2], [Material.objects.get(formed_year=2021).pk, 2, 3]]
    )
    event = ArchiveEvent.objects.filter(archive=archive, kind="材料归档").order_by("-id").first()
    assert event.description.startswith("3-2 2019年度考核登记表") and "其余 1 份" in event.description
    audit = AuditEvent.objects.filter(action="material.file").order_by("-id").first()
    assert audit.details["seq"] == "3-2" and len(audit.details["renumbering"]) == 2


def test_sub_category_labels(archive, clerk):
    m = file_new(archive, clerk, 2015, code="92", title="干部任免审批表")
    m2 = file_new(archive, clerk, 2016, code="92", title="干部任免审批表")
    assert (m.seq_label, m2.seq_label) == ("9-2-1", "9-2-2")


def test_manual_order_is_kept_when_filing(archive, clerk):
    a = file_new(archive, clerk, 2017)
    b = file_new(archive, clerk, 2019)
    file_new(archive, clerk, 2021)
    services.material_move(material=b, by=clerk, direction="up")  # 2019 before 2017
    assert seqs(archive) == [(2019, 1), (2017, 2), (2021, 3)]
    file_new(archive, clerk, 2020)
    assert seqs(archive) == [(2019, 1), (2017, 2), (2020, 3), (2021, 4)]
    with pytest.raises(DomainError) as exc:
        services.material_move(material=Material.objects.get(pk=b.pk), by=clerk, direction="up")
    assert exc.value.code == "CANNOT_MOVE"
    assert AuditEvent.objects.filter(action="material.renumber").count() == 1
    assert Renumbering.objects.filter(reason="手工调整顺序").count() == 1
    assert ArchiveEvent.objects.filter(kind="重新编号").count() == 1
    a.refresh_from_db()
    assert a.seq == 2


def test_withdrawal_needs_an_approver_and_closes_the_gap(archive, clerk, approver):
    file_new(archive, clerk, 2018)
    middle = file_new(archive, clerk, 2019)
    file_new(archive, clerk, 2020)
    with pytest.raises(DomainError) as exc:
        services.material_withdraw(material=middle, by=clerk, approver=None, reason="重复归档")
    assert exc.value.code == "WITHDRAWAL_NOT_APPROVED"
    with pytest.raises(DomainError) as exc:
        services.material_withdraw(material=middle, by=clerk, approver=clerk, reason="重复归档")
    assert exc.value.code == "WITHDRAWAL_NOT_APPROVED"
    with pytest.raises(DomainError) as exc:
        services.material_withdraw(material=middle, by=clerk, approver=approver, reason="")
    assert exc.value.code == "WITHDRAWAL_REASON_REQUIRED"
    services.material_withdraw(material=middle, by=clerk, approver=approver, reason="重复归档")
    middle.refresh_from_db()
    assert middle.status == "withdrawn" and middle.seq is None and middle.withdrawal_approver == approver
    assert seqs(archive) == [(2018, 1), (2020, 2)]
    last = Renumbering.objects.filter(reason="材料撤出").get()
    assert [middle.pk, 2, None] in last.changes
    assert Material.objects.filter(pk=middle.pk).exists()  # never deleted
    assert AuditEvent.objects.get(action="material.withdraw").details["approver"] == "approver"


def test_editing_a_filed_material_keeps_versions(archive, clerk):
    m = file_new(archive, clerk, 2019)
    with pytest.raises(DomainError) as exc:
        services.material_update(material=m, by=clerk, changes={"title": "2019年度考核表"})
    assert exc.value.code == "CHANGE_REASON_REQUIRED"
    services.material_update(
        material=m, by=clerk, changes={"title": "2019年度考核表", "page_count": 3}, reason="名称有误"
    )
    m.refresh_from_db()
    assert m.version == 2 and m.title == "2019年度考核表"
    v = MaterialVersion.objects.get(material=m)
    assert v.version == 1 and v.changes["title"] == ["2019年度考核登记表", "2019年度考核表"]
    assert v.changes["page_count"] == [2, 3] and v.reason == "名称有误"
    assert ArchiveEvent.objects.filter(kind="材料修改").count() == 1


def test_moving_a_filed_material_to_another_category_renumbers_both(archive, clerk):
    file_new(archive, clerk, 2018)
    m = file_new(archive, clerk, 2019)
    file_new(archive, clerk, 2020)
    file_new(archive, clerk, 2019, code="2", title="自传")
    services.material_update(
        material=m, by=clerk, changes={"category": cat("2"), "kind": None}, reason="分类错误"
    )
    m.refresh_from_db()
    assert seqs(archive) == [(2018, 1), (2020, 2)]
    assert seqs(archive, "2") == [(2019, 1), (2019, 2)]
    assert m.seq_label == "2-2"
    assert MaterialVersion.objects.get(material=m).changes["category"][0].startswith("3 ")


def test_pending_filing_list(archive, clerk, settings):
    today = timezone.localdate()
    old, _ = services.material_receive(
        by=clerk,
        archive=archive,
        data=material_data(
            received_date=today - datetime.timedelta(days=45),
            formed_year=(today - datetime.timedelta(days=60)).year,
            formed_month=(today - datetime.timedelta(days=60)).month,
            formed_day=1,
        ),
    )
    fresh, _ = services.material_receive(
        by=clerk,
        archive=archive,
        data=material_data(received_date=today, formed_year=today.year, formed_month=None, formed_day=None),
    )
    services.material_identify(material=old, by=clerk)
    services.material_identify(material=fresh, by=clerk)
    assert list(selectors.pending_filing(clerk)) == [old]
    assert set(selectors.pending_filing(clerk, overdue_only=False)) == {old, fresh}
    assert selectors.intake_counts(clerk) == {"received": 0, "identified": 2, "overdue": 1}


def test_late_handover_report_per_producing_unit(archive, clerk):
    today = timezone.localdate()
    formed = today - datetime.timedelta(days=200)
    for unit, late in [("甲单位", True), ("甲单位", False), ("乙单位", False)]:
        when = formed if late else today
        services.material_receive(
            by=clerk,
            archive=archive,
            data=material_data(
                producing_unit=unit,
                received_date=today,
                formed_year=when.year,
                formed_month=when.month,
                formed_day=when.day,
            ),
        )
    report = {row["producing_unit"]: row for row in selectors.late_handover_report(clerk)}
    assert (
        report["甲单位"]["late"] == 1 and report["甲单位"]["total"] == 2 and report["甲单位"]["rate"] == 50.0
    )
    assert report["乙单位"]["late"] == 0
    assert [m.producing_unit for m in selectors.late_materials(clerk, "甲单位")] == ["甲单位"]


@pytest.mark.postgres
def test_two_clerks_filing_at_once_get_distinct_numbers(transactional_db, org, make_user):
    """select_for_update on the archive serialises filing: no duplicate or lost sequence numbers."""
    import threading

    from django.db import connection as main_connection
    from django.db import connections

    clerk_a = make_user("clerk-a", roles=["管档员"], unit=org.city_org)
    clerk_b = make_user("clerk-b", roles=["管档员"], unit=org.city_org)
    archive = factories.archive(holding_unit=org.city_org, archive_no="QSC0001")
    materials = []
    for year in (2019, 2020, 2021, 2022):
        m, _ = services.material_receive(
            by=clerk_a,
            archive=archive,
            data=material_data(
                category=cat("3"),
                kind=None,
                title=f"{year}年度考核",
                formed_year=year,
                formed_month=12,
                formed_day=1,
            ),
        )
        materials.append(services.material_identify(material=m, by=clerk_a))
    barrier = threading.Barrier(4)
    errors = []

    def work(material, clerk):
        try:
            barrier.wait()
            services.material_file(material=Material.objects.get(pk=material.pk), by=clerk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(m, clerk_a if i % 2 else clerk_b))
        for i, m in enumerate(materials)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert main_connection.vendor == "postgresql"
    assert seqs(archive) == [(2019, 1), (2020, 2), (2021, 3), (2022, 4)]
    assert Renumbering.objects.filter(archive=archive, reason="材料归档").count() == 4
