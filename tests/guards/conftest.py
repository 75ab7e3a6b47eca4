"""Shared fixtures of the guards: a small but realistic world with one user of every role and objects in many
states (archives with filed materials and scans, view/borrow requests, a loan out, transfers along their whole
path, an intake with an alteration, a pre-appointment review case, a determination, a grading, a completeness
excusal, a fixity finding, audit events), each user with an API token.

Built from the existing kits (tests/factories.py, tests/borrowing, tests/reviews), through the services, so that
every row is one the application itself could have written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import ManagementLevel
from archives.models import CompletenessRule, FixityFinding, FixityKind, Material
from core.idcard import make_id_number
from tests import factories

# The roles the guards act as: the five roles of the system plus a plain viewer (查阅人).
ROLES = ("管档员", "审批人", "审计员", "安全保密管理员", "系统管理员", "查阅人")


@dataclass
class World:
    org: object
    users: dict  # role name -> User
    tokens: dict  # role name -> token key
    ids: dict = field(default_factory=dict)  # resource name -> list of primary keys
    objects: dict = field(default_factory=dict)  # a few named objects for tests that need them


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def build_world() -> World:
    from archives import determinations
    from archives.models import Archive, Cadre, CompletenessExcusal, Determination, Page
    from archives.services_completeness import excuse_year
    from audit.models import AuditEvent
    from borrowing import services as borrowing_services
    from borrowing.models import AccessRequest, Checkout, Intake, IntakeAlteration, Transfer
    from borrowing.transfers import intake as intake_services
    from reviews import services as review_services
    from reviews.models import ArchiveGrading, ReviewCase
    from tests.borrowing.conftest import build_kit as build_borrowing_kit
    from tests.borrowing.conftest import make_page
    from tests.borrowing.transfer_kit import build_kit as build_transfer_kit
    from tests.borrowing.transfer_kit import ready_archive
    from tests.reviews.conftest import clean_archive
    from tests.reviews.grading_kit import build as build_grading_kit

    org = factories.Org()
    bkit = build_borrowing_kit(org)
    tkit = build_transfer_kit(org)
    gkit = build_grading_kit(org)
    users = {
        "管档员": bkit.clerk,
        "审批人": bkit.reviewer,
        "审计员": factories.user("w_auditor", roles=["审计员"], unit=org.city_org, full_name="审计员孙"),
        "安全保密管理员": factories.user(
            "w_security", roles=["安全保密管理员"], unit=org.city_org, full_name="保密员周"
        ),
        "系统管理员": factories.user(
            "w_sysadmin", roles=["系统管理员"], unit=org.city_org, full_name="系统员吴"
        ),
        "查阅人": bkit.v1,
    }

    # Scans on the borrowing kit's archive (the viewers' digital grant covers it).
    for material in bkit.materials:
        for number in range(1, min(material.page_count, 2) + 1):
            make_page(material, number, size=(400, 565))

    # View and borrow requests in several states: a draft, one waiting, a digital viewing granted now, a loan out.
    bkit.draft()
    bkit.submitted()
    bkit.approved(mode="digital")
    loan_archive = factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, level=ManagementLevel.MUNICIPAL, name="借阅对象"
    )
    factories.material(loan_archive, code="1", title="干部履历表", year=2003, pages=2, seq=1)
    loan = bkit.approved(mode="loan", subjects=[{"archive": loan_archive, "scope_all": True}])
    borrowing_services.access_request_checkout(
        request=loan, by=bkit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )

    # Transfers along their path, each on its own archive (an archive has one live transfer at a time).
    tkit.draft()
    tkit.noticed(ready_archive(org, name="转递乙"))
    tkit.submitted(ready_archive(org, name="转递丙"))
    tkit.approved(ready_archive(org, name="转递丁"))
    tkit.sent(ready_archive(org, name="转递戊"))

    # An incoming archive accepted into the holdings, with an alteration noted for the intake review.
    intake = intake_services.intake_register(
        by=tkit.clerk,
        holding_unit=org.city_org,
        data={
            "sending_unit_name": "中共外省某市委组织部",
            "channel": "confidential",
            "confidential_no": "JY-2026-0815",
            "courier": "机要员张",
            "notice_number": "外组档字第88号",
            "received_on": timezone.localdate(),
            "stated_main": 1,
            "stated_duplicate": 1,
            "stated_loose": 0,
            "received_main": 1,
            "received_duplicate": 1,
            "received_loose": 0,
            "seal_intact": True,
            "name": "赵新来",
            "sex": "1",
            "birth_date": datetime.date(1985, 4, 2),
            "ethnicity": "汉族",
            "id_number": make_id_number("110105", datetime.date(1985, 4, 2), 31, "1"),
            "unit_post": "某县副县长",
            "political_status": "01",
            "work_start_date": datetime.date(2007, 7, 1),
            "party_join_date": datetime.date(2006, 6, 1),
        },
    )
    intake = intake_services.intake_accept(
        intake=intake,
        by=tkit.clerk,
        archive_no="QSW20001",
        cadre_unit=org.city_bureau,
        management_level=ManagementLevel.MUNICIPAL,
    )
    intake_services.alteration_add(
        intake=intake,
        by=tkit.clerk,
        data={"material_label": "1-1 履历表", "field_name": "学历", "description": "涂改痕迹"},
    )
    intake_services.intake_register(
        by=tkit.clerk,
        holding_unit=org.city_org,
        data={
            "sending_unit_name": "中共外省某县委组织部",
            "channel": "delivery",
            "courier": "专人李",
            "received_on": timezone.localdate(),
            "stated_main": 1,
            "received_main": 1,
            "seal_intact": True,
            "name": "钱待收",
            "sex": "2",
            "birth_date": datetime.date(1990, 6, 6),
            "id_number": make_id_number("110105", datetime.date(1990, 6, 6), 32, "2"),
            "political_status": "01",
        },
    )

    # A pre-appointment review case on a clean candidate, with a determination proposed.
    candidate = clean_archive(org.city_org, name="张清白", unit=org.city_bureau)
    case = review_services.case_open(
        archive=candidate,
        proposed_post="测试市财政局局长",
        requesting_unit=org.city_bureau,
        reviewer=bkit.reviewer,
        by=bkit.reviewer,
    )
    league = Material.objects.filter(archive=candidate, kind__code="league_admission").first()
    determinations.determination_propose(
        cadre=candidate.cadre,
        subject="birth_date",
        by=bkit.reviewer,
        value_date=datetime.date(1975, 3, 15),
        basis="以最早形成的《入团志愿书》记载为准。",
        basis_materials=[league],
        determining_organ="中共测试市委组织部",
        determined_on=timezone.localdate(),
        review_case_id=case.pk,
    )

    # A new cadre's archive being graded.
    gkit.scored({1: 2})

    # A completeness excusal and a fixity finding.
    appraisal = CompletenessRule.objects.filter(code="annual_appraisal").first()
    transfer_archive = Archive.objects.get(cadre__name="转递乙")
    if appraisal is not None:
        excuse_year(
            archive=transfer_archive,
            rule=appraisal,
            year=timezone.localdate().year - 1,
            reason="sick_leave",
            by=tkit.clerk,
        )
    page = Page.objects.order_by("pk").first()
    FixityFinding.objects.create(
        kind=FixityKind.HASH_MISMATCH,
        fingerprint=f"hash:{page.pk}",
        archive=page.material.archive,
        material=page.material,
        page=page,
        storage_key=page.image.name,
        expected_sha256=page.sha256,
        actual_sha256="0" * 64,
        message="扫描页内容与登记的校验值不一致",
        last_seen_at=timezone.now(),
    )

    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    world = World(org=org, users=users, tokens=tokens)
    world.ids = {
        "access-requests": _ids(AccessRequest.objects.all()),
        "archive-gradings": _ids(ArchiveGrading.objects.all()),
        "archives": _ids(Archive.objects.all()),
        "audit-events": _ids(AuditEvent.objects.all())[-20:],
        "cadres": _ids(Cadre.objects.all()),
        "checkouts": _ids(Checkout.objects.all()),
        "excusals": _ids(CompletenessExcusal.objects.all()),
        "findings": _ids(FixityFinding.objects.all()),
        "determinations": _ids(Determination.objects.all()),
        "intakes": _ids(Intake.objects.all()),
        "alterations": _ids(IntakeAlteration.objects.all()),
        "materials": _ids(Material.objects.all())[:40],
        "pages": _ids(Page.objects.all()),
        "reviews": _ids(ReviewCase.objects.all()),
        "transfers": _ids(Transfer.objects.all()),
        "units": _ids(type(org.city).objects.all()),
        "users": _ids(type(bkit.clerk).objects.all()),
        "rules": _ids(CompletenessRule.objects.all())[:10],
    }
    world.objects = {
        "bkit": bkit,
        "tkit": tkit,
        "gkit": gkit,
        "case": case,
        "intake": intake,
        "loan": loan,
        "candidate": candidate,
    }
    return world


@pytest.fixture
def world(db) -> World:
    """The guards' world (see build_world), in the test's transaction: rolled back after the test."""
    return build_world()
