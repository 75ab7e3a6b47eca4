"""Every URL pattern of config/urls.py (UI, API, admin), every role plus anonymous, objects of another unit.

The world: the city organization department holds archives whose cadres, archive numbers and material titles
carry secret markers (MARKERS), and around them an object of every kind a URL can name: materials, a page image,
grants, access requests (draft, digital, on-site with a copy, loan out with a return incident and an overdue
notice), a transfer, an intake with an alteration, a receipt batch, a review case with a red flag, a
determination, a promotion, a grading, an excusal, a fixity finding, audit events, users and units.

The walkers are the county organization department's 管档员, 审批人, 审计员, 安全保密管理员 and 系统管理员 (staff,
so the admin site answers them), a 查阅人 without any grant, a user without any role, and an anonymous visitor.
Each GETs every pattern, its parameters filled with the city's objects (FILL), and each API list endpoint again
with the foreign objects' ids and numbers as filters. Allowed: 404, 403, 405, 401, a redirect (not to a page
naming a marker), or any other answer whose body (HTML, JSON, CSV; XLSX unzipped; PDF text) names no marker;
a 200 carrying a file (PDF, XLSX, image, LRMX) of a URL that names a foreign object is a leak by itself, and a
5xx is a failure. Positive controls prove the markers are found where they are rendered.

What a role may see of other units by policy is listed in ALLOWED with the reason (the auditor's log, the
security admin's grant pages, the system admin's fixity findings by archive number). The city's own clerk and
reviewer walk everything too, judged only on crashes (no GET answers 5xx). The OpenAPI schema (STATIC) is the
same for everyone and is walked by one role and anonymously. Each pattern is walked with the first few objects of
its kind (WALK_LIMIT), to keep the walk near a minute on PostgreSQL.

A pattern whose parameters the walker cannot fill fails the test until someone adds it to FILL / PARAMS / SLUGS
or, with the reason, to UNFILLABLE.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import ManagementLevel, UnitKind, UnitLevel
from archives import determinations
from archives.completeness import check_archive
from archives.models import (
    Archive,
    ArchiveUserObjectPermission,
    Cadre,
    CadrePost,
    CompletenessRule,
    FixityFinding,
    FixityKind,
    Material,
    MaterialKind,
    SweepRun,
)
from archives.services import batch_create
from archives.services_completeness import excuse_year
from audit.models import AuditEvent
from borrowing import services as borrowing
from borrowing.models import OverdueNotice
from borrowing.transfers import intake as intakes
from core.idcard import make_id_number
from reviews import services as reviews
from reviews.models import GradingItem, GradingVetoItem
from tests import factories
from tests.borrowing.conftest import build_kit, make_page
from tests.borrowing.transfer_kit import build_kit as build_transfer_kit
from tests.borrowing.transfer_kit import filed
from tests.reviews.conftest import clean_archive
from tests.reviews.grading_kit import build as build_grading_kit

pytestmark = [pytest.mark.django_db]

# Markers: every foreign cadre's name starts with NAME_MARK, every archive number with NO_MARK, every material
# title ends with TITLE_MARK.
NAME_MARK = "冥晷"
NO_MARK = "MKZ"
TITLE_MARK = "MKTITLE"
MARKERS = (NAME_MARK, NO_MARK, TITLE_MARK)
CN = "甲乙丙丁戊己庚辛壬癸"

# What a role may see of another unit by policy (route prefixes; "" alone is the home page), with the reason.
ALLOWED = {
    # The audit log is the auditor's whole work: every unit's events, named by archive number (also the
    # recent events on the auditor's home page).
    "审计员": ("audit/", "api/audit-events/", "<home>"),
    # 档案授权 (archives/views_grants.py): the security admin grants and withdraws per-archive permissions for the
    # whole system, so the grant pages name the archive (number and cadre name), never its content.
    "安全保密管理员": ("archives/grants/",),
    # 文件完整性核对 (README): the system admin sees every fixity finding with its archive number and page, never
    # a material title or a cadre's name (the marker check below still holds them to that: see NUMBER_ONLY).
    "系统管理员": ("archives/completeness/fixity/", "api/completeness/findings/"),
}
# Of ALLOWED, the routes where only the archive number may appear (not the name or a title).
NUMBER_ONLY = ("archives/completeness/fixity/", "api/completeness/findings/")
# The OpenAPI description is the same for every user and takes about two seconds to generate: walked by the
# first role and anonymously, without filters.
STATIC = ("api/schema/",)
# How many of the foreign objects of a kind each pattern is walked with (the first ones; default: all).
WALK_LIMIT = {"archive": 3, "requests": 2, "material": 2}

# Patterns with parameters the walker does not fill, with the reason. Empty: every pattern is filled.
UNFILLABLE: dict[str, str] = {}

# pk (and object_id) by route prefix, most specific first. Other parameters by name in PARAMS.
FILL = [
    ("accounts/users/", "user"),
    ("archives/pages/", "page"),
    ("archives/grants/", "grant"),
    ("archives/completeness/archive/", "archive"),
    ("archives/completeness/excusals/", "excusal"),
    ("archives/completeness/fixity/", "finding"),
    ("archives/materials/", "material"),
    ("archives/intake/", "batch"),
    ("archives/", "archive"),
    ("borrowing/requests/", "requests"),
    ("borrowing/copies/", "copy"),
    ("borrowing/checkouts/", "checkout"),
    ("borrowing/mine/", "digital"),
    ("borrowing/transfers/", "transfer"),
    ("borrowing/intakes/", "intake"),
    ("reviews/gradings/", "grading"),
    ("reviews/determinations/", "determination"),
    ("reviews/", "case"),
    ("audit/events/", "event"),
    ("api/units/", "unit"),
    ("api/users/", "user"),
    ("api/cadres/", "cadre"),
    ("api/archives/", "archive"),
    ("api/completeness/excusals/", "excusal"),
    ("api/completeness/findings/", "finding"),
    ("api/materials/", "material"),
    ("api/access-requests/", "requests"),
    ("api/transfers/", "transfer"),
    ("api/intakes/", "intake"),
    ("api/reviews/", "case"),
    ("api/determinations/", "determination"),
    ("api/archive-gradings/", "grading"),
    ("api/audit-events/", "event"),
    ("admin/auth/group/", "group"),
    ("admin/authtoken/tokenproxy/", "token"),
    ("admin/accounts/user/", "user"),
    ("admin/accounts/unit/", "unit"),
    ("admin/archives/completenessrule/", "rule"),
    ("admin/archives/sweeprun/", "sweeprun"),
    ("admin/archives/materialkind/", "materialkind"),
    ("admin/borrowing/accessrequest/", "requests"),
    ("admin/borrowing/checkout/", "checkout"),
    ("admin/borrowing/returnincident/", "incident"),
    ("admin/borrowing/copyrecord/", "copy"),
    ("admin/borrowing/overduenotice/", "notice"),
    ("admin/reviews/gradingitem/", "gradingitem"),
    ("admin/reviews/gradingvetoitem/", "gradingvetoitem"),
    ("admin/r/", "archive"),
]
# Parameters other than pk / object_id: by name, or by (route prefix, name) where one name means several things.
PARAMS = {
    "archive_pk": "archive",
    "material_pk": "material",
    "subject_pk": "subject",
    "alteration_pk": "alteration",
    "flag_id": "flag",
    "material_id": "case_material",
    "post_id": "post",
    "did": "determination",
    "content_type_id": "archive_ct",
    "id": "user",
}
SLUGS = {
    "section": "family",
    "kind": "receipt",
    "format": "json",
    "app_label": "archives",
    "url": "archives/archive/",
    ("borrowing/transfers/", "action"): "approve",
    ("borrowing/intakes/", "action"): "accept",
    ("reviews/gradings/", "action"): "score",
    ("reviews/", "action"): "archive-review",
}
# API list endpoints get these filters as well (the foreign objects' ids and numbers).
LIST_FILTERS = ("ids", "archive_no", "name")

FILE_TYPES = ("application/pdf", "spreadsheet", "image/", "application/octet-stream", "xml", "zip")


# --- the world ---------------------------------------------------------------------------------------------------


@dataclass
class World:
    objects: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    walkers: dict[str, object] = field(default_factory=dict)
    owners: dict[str, object] = field(default_factory=dict)
    city_clerk: object = None

    def add(self, key, *values):
        self.objects[key].extend(values)

    def pks(self, key) -> list[str]:
        return [str(getattr(v, "pk", v)) for v in self.objects[key]][: WALK_LIMIT.get(key)]


def _mark(archive: Archive, n: int) -> Archive:
    """Give an archive of the city its markers (before anything copies its name or number)."""
    suffix = CN[n % 10] + (CN[n // 10] if n >= 10 else "")
    Cadre.objects.filter(pk=archive.cadre_id).update(name=f"{NAME_MARK}{suffix}")
    Archive.objects.filter(pk=archive.pk).update(archive_no=f"{NO_MARK}{n:03d}")
    _mark_titles(archive)
    archive.refresh_from_db()
    archive.cadre.refresh_from_db()
    return archive


def _mark_titles(archive: Archive) -> None:
    for m in Material.objects.filter(archive=archive).exclude(title__endswith=TITLE_MARK):
        Material.objects.filter(pk=m.pk).update(title=f"{m.title}{TITLE_MARK}"[:200])


def build_world(org) -> World:
    w = World()
    counter = iter(range(100))
    today = timezone.localdate()

    # Viewing and borrowing on archive A (the city's): draft, digital, on-site with a copy, loan with an incident.
    kit = build_kit(org)
    a = _mark(kit.archive, next(counter))
    kit.archive = a
    kit.materials = list(Material.objects.filter(archive=a).order_by("pk"))
    w.city_clerk = kit.clerk
    w.add("archive", a)
    w.add("cadre", a.cadre)
    w.add("material", *kit.materials)
    w.add("page", make_page(kit.materials[1]))
    w.add("unit", org.city_org)
    w.add("user", kit.clerk)
    draft = kit.draft(mode="digital")
    w.add("subject", draft.subjects.first())
    digital = kit.approved(mode="digital")
    w.add("digital", digital)
    w.add("grant", ArchiveUserObjectPermission.objects.filter(access_request_id=digital.pk).first())
    onsite = kit.approved(
        mode="onsite",
        copies_requested=True,
        subjects=[{"archive": a, "scope_all": True, "copy_materials": [kit.materials[2]]}],
    )
    w.add(
        "copy",
        borrowing.copy_register(
            request=onsite, material=kit.materials[2], pages="1", by=kit.clerk, recipient="查阅人郑"
        ),
    )
    loan = kit.approved(mode="loan")
    (checkout,) = borrowing.access_request_checkout(
        request=loan, by=kit.clerk, signatures=["查阅人郑", "查阅人冯"]
    )
    items = {m.pk: {"present": True, "pages": m.page_count} for m in kit.materials}
    items[kit.materials[0].pk] = {"present": True, "pages": kit.materials[0].page_count - 1}
    outcome = borrowing.checkout_return(checkout=checkout, by=kit.clerk, items=items, signatures=["查阅人郑"])
    w.add("checkout", checkout)
    w.add("incident", outcome.incident)
    w.add("requests", draft, digital, onsite, loan)
    w.add(
        "notice",
        OverdueNotice.objects.create(checkout=checkout, stage="first", days_overdue=1, message="逾期提醒"),
    )
    w.add("token", Token.objects.get_or_create(user=kit.clerk)[0].pk)

    # A receipt batch of loose materials, an excusal, a fixity finding, the completeness report.
    batch, _warnings = batch_create(
        by=kit.clerk,
        holding_unit=org.city_org,
        producing_unit="测试市财政局",
        received_date=today,
        items=[
            {
                "archive": a,
                "category": factories.category("3"),
                "kind": MaterialKind.objects.get(code="annual_appraisal"),
                "title": f"{today.year - 1}年度考核登记表{TITLE_MARK}",
                "formed_year": today.year - 1,
                "formed_month": 12,
                "formed_day": 20,
                "page_count": 2,
            }
        ],
    )
    w.add("batch", batch)
    w.add(
        "excusal",
        excuse_year(
            archive=a,
            rule=CompletenessRule.objects.get(code="annual_appraisal"),
            year=today.year - 2,
            reason="sick_leave",
            by=kit.clerk,
        ),
    )
    w.add(
        "finding",
        FixityFinding.objects.create(
            kind=FixityKind.HASH_MISMATCH,
            fingerprint=f"page:{w.objects['page'][0].pk}",
            archive=a,
            material=kit.materials[1],
            page=w.objects["page"][0],
            message="文件内容已变化",
            last_seen_at=timezone.now(),
        ),
    )
    check_archive(a.pk)

    # A transfer of archive T to a third county (not the walkers' own), sent.
    tkit = build_transfer_kit(org)
    t_archive = _mark(tkit.archive, next(counter))
    tkit.archive = t_archive
    third = factories.unit(
        "中共第三县委组织部",
        level=UnitLevel.COUNTY,
        kind=UnitKind.ORGANIZATION,
        parent=org.city,
        holds=True,
    )
    transfer = tkit.sent(to_unit=third)
    w.add("transfer", transfer)
    w.add("archive", t_archive)

    # An intake of an archive from outside, accepted into the city's holdings, with an alteration recorded.
    n = next(counter)
    born = datetime.date(1985, 4, 2)
    intake = intakes.intake_register(
        by=tkit.clerk,
        holding_unit=org.city_org,
        data={
            "sending_unit_name": "中共外省某市委组织部",
            "channel": "confidential",
            "confidential_no": "JY-2026-0815",
            "courier": "机要员张",
            "notice_number": "外组档字第88号",
            "received_on": today,
            "stated_main": 1,
            "stated_duplicate": 1,
            "stated_loose": 2,
            "received_main": 1,
            "received_duplicate": 1,
            "received_loose": 2,
            "seal_intact": True,
            "name": f"{NAME_MARK}{CN[n % 10]}接",
            "sex": "1",
            "birth_date": born,
            "ethnicity": "汉族",
            "id_number": make_id_number("110105", born, 31, "1"),
            "unit_post": "某县副县长",
            "political_status": "01",
            "work_start_date": datetime.date(2007, 7, 1),
            "party_join_date": datetime.date(2006, 6, 1),
        },
    )
    intake = intakes.intake_accept(
        intake=intake,
        by=tkit.clerk,
        archive_no=f"{NO_MARK}{n:03d}",
        cadre_unit=org.city_bureau,
        management_level=ManagementLevel.MUNICIPAL,
    )
    resume = filed(intake.archive, "resume_1999", year=2008, title=f"干部履历表{TITLE_MARK}")
    w.add(
        "alteration",
        intakes.alteration_add(
            intake=intake,
            by=tkit.clerk,
            data={
                "material": resume,
                "field_name": "出生日期",
                "before_text": "1985.04",
                "after_text": "1986.04",
                "description": "出生日期有刮擦痕迹",
            },
        ),
    )
    w.add("intake", intake)
    w.add("archive", intake.archive)

    # A pre-appointment review case with a red flag, its determination, a promotion.
    birth = datetime.date(1975, 3, 15)
    r_archive = clean_archive(org.city_org, unit=org.city_bureau, name="审核对象")
    r_archive = _mark(r_archive, next(counter))
    Material.objects.filter(archive=r_archive, kind__code="league_admission").update(
        stated_birth_date=datetime.date(1974, 3, 15)
    )
    case = reviews.case_open(
        archive=r_archive,
        proposed_post="副秘书长",
        requesting_unit=org.city_bureau,
        reviewer=kit.reviewer,
        by=kit.reviewer,
    )
    assert case.flags.exists()
    w.add("case", case)
    w.add("flag", case.flags.first())
    w.add("case_material", Material.objects.filter(archive=r_archive).first())
    w.add("post", CadrePost.objects.filter(cadre=r_archive.cadre).first())
    w.add(
        "determination",
        determinations.determination_propose(
            cadre=r_archive.cadre,
            subject="birth_date",
            by=kit.reviewer,
            value_date=birth,
            basis="以最早的入团志愿书为准",
            basis_materials=[Material.objects.get(archive=r_archive, kind__code="league_admission")],
            determining_organ="中共测试市委组织部",
            determined_on=today,
        ),
    )
    w.add("archive", r_archive)

    # A new cadre's archive graded by the city.
    gkit = build_grading_kit(org)
    g_archive = _mark(gkit.archive, next(counter))
    w.add("grading", gkit.create(archive=g_archive, submitting_unit=org.city_bureau))
    w.add("archive", g_archive)

    # Whatever materials were added after marking carry the title marker too.
    for archive in Archive.objects.filter(holding_unit=org.city_org):
        _mark_titles(archive)

    # Admin objects of the rule tables and the role groups (not per unit, but walked all the same).
    w.add("group", Group.objects.get(name="管档员"))
    w.add("rule", CompletenessRule.objects.first())
    w.add("sweeprun", SweepRun.objects.create(trigger="test", chunk_size=10))
    w.add("materialkind", MaterialKind.objects.first())
    w.add("gradingitem", GradingItem.objects.first())
    w.add("gradingvetoitem", GradingVetoItem.objects.first())
    w.add("archive_ct", ContentType.objects.get_for_model(Archive))
    w.add("event", AuditEvent.objects.filter(archive_id=a.pk).order_by("-id").first())

    # The walkers: the county organization department's people.
    user = factories.user
    county = org.county_org
    w.walkers = {
        "管档员": user("w_clerk", roles=["管档员"], unit=county),
        "审批人": user("w_reviewer", roles=["审批人"], unit=county),
        "审计员": user("w_auditor", roles=["审计员"], unit=county),
        "安全保密管理员": user("w_baomi", roles=["安全保密管理员"], unit=county),
        "系统管理员": user("w_xitong", roles=["系统管理员"], unit=county, is_staff=True),
        "查阅人": user("w_viewer", roles=["查阅人"], unit=org.county_bureau),
        "无角色": user("w_plain", unit=org.county_bureau),
        "匿名": None,
    }
    # And the city's own clerk and reviewer: they may see everything of theirs, and no GET may crash for them.
    w.owners = {"本单位管档员": kit.clerk, "本单位审批人": kit.reviewer}
    return w


# --- patterns -------------------------------------------------------------------------------------------------------


def patterns(resolver=None, prefix="") -> list[str]:
    resolver = resolver or get_resolver()
    found = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            found.extend(patterns(p, route))
        elif isinstance(p, URLPattern):
            found.append(route)
    return found


def _clean(route: str) -> str:
    """'api/^archives/(?P<pk>[^/.]+)/$' -> 'api/archives/<pk>/' (the form FILL and the reports use)."""
    route = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", r"<\1>", route)
    route = re.sub(r"<\w+:(\w+)>", r"<\1>", route)
    return route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")


def params_of(route: str) -> list[str]:
    return re.findall(r"<(\w+)>", route)


def _slug(route: str, name: str):
    for key, value in SLUGS.items():
        if isinstance(key, tuple) and route.startswith(key[0]) and key[1] == name:
            return value
    return SLUGS.get(name)


def fillings(route: str, world: World) -> list[dict[str, str]] | None:
    """Every way to fill the route's parameters with foreign objects; None when the walker cannot."""
    names = params_of(route)
    if not names:
        return [{}]
    choices: dict[str, list[str]] = {}
    for name in names:
        if name in ("pk", "object_id"):
            key = next((k for prefix, k in FILL if route.startswith(prefix)), None)
            values = world.pks(key) if key else []
        elif name in PARAMS:
            values = world.pks(PARAMS[name])
        else:
            slug = _slug(route, name)
            values = [slug] if slug else []
        if not values:
            return None
        choices[name] = values
    # Vary the main object (several access requests, archives); the others take their first value.
    main = (
        next(n for n in names if n in ("pk", "object_id")) if {"pk", "object_id"} & set(names) else names[0]
    )
    return [
        {name: (value if name == main else choices[name][0]) for name in names} for value in choices[main]
    ]


def url_of(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(\w+)>", lambda m: values[m.group(1)], route)


def list_filters(world: World) -> dict[str, dict[str, str]]:
    a = world.objects["archive"][0]
    return {
        "ids": {
            "archive": str(a.pk),
            "archive_id": str(a.pk),
            "cadre": str(a.cadre_id),
            "material": world.pks("material")[0],
            "request": world.pks("requests")[-1],
            "case": world.pks("case")[0],
            "holding_unit": str(a.holding_unit_id),
            "unit": str(a.holding_unit_id),
            "page_size": "200",
        },
        "archive_no": {"q": a.archive_no, "search": a.archive_no, "archive_no": a.archive_no},
        "name": {"q": a.cadre.name, "search": a.cadre.name, "name": a.cadre.name},
    }


# --- reading a response ---------------------------------------------------------------------------------------------


def body_text(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheet" in kind or data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        except zipfile.BadZipFile:
            pass
    if "pdf" in kind or data[:4] == b"%PDF":
        from pypdf import PdfReader

        try:
            return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
        except Exception:  # unreadable: judged as a file
            return ""
    return data.decode("utf-8", "replace")


def is_file(response) -> bool:
    kind = response.get("Content-Type", "")
    return response.has_header("Content-Disposition") or any(t in kind for t in FILE_TYPES)


def _echo_removed(text: str, query: dict) -> str:
    """The body without the request's own filter values (pagination links and forms repeat them)."""
    for value in query.values():
        for form in {value, quote(value), quote_plus(value), json.dumps(value)[1:-1]}:
            text = text.replace(form, "")
    return text


def judge(role: str, route: str, query: dict, named_foreign: bool, response) -> str | None:
    """None when the answer leaks nothing; else what is wrong."""
    status = response.status_code
    if status >= 500:
        return f"{status} server error"
    if status in (401, 403, 404, 405):
        return None
    if 300 <= status < 400:
        location = _echo_removed(unquote(response.get("Location", "")), query)
        return f"redirect to a marked URL {location}" if any(m in location for m in MARKERS) else None
    text = _echo_removed(body_text(response), query)
    allowed = [p for p in ALLOWED.get(role, ()) if (route == "" if p == "<home>" else route.startswith(p))]
    if allowed:
        if not any(route.startswith(p) for p in NUMBER_ONLY):
            return None
        found = [m for m in (NAME_MARK, TITLE_MARK) if m in text]
        return f"{status} names {found} (only the archive number is allowed here)" if found else None
    found = [m for m in MARKERS if m in text]
    if found:
        return f"{status} names {found}"
    if status == 200 and named_foreign and is_file(response):
        return f"200 file ({response.get('Content-Type')}) of a foreign object"
    return None


# --- the walk -------------------------------------------------------------------------------------------------------


def clients(world: World) -> dict[str, Client]:
    out = {}
    for role, user in {**world.walkers, **world.owners}.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        out[role] = client
    return out


@pytest.fixture
def quiet_refusals():
    """Thousands of expected 401/403/404/405 answers: django.request logs only server errors meanwhile."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_no_url_gives_another_units_archive_content_to_any_role(org, quiet_refusals):
    started = time.monotonic()
    world = build_world(org)
    built = time.monotonic() - started

    routes = sorted({_clean(r) for r in patterns()})
    unknown = [r for r in routes if r not in UNFILLABLE and fillings(r, world) is None]
    assert not unknown, (
        "URL patterns the walker cannot fill: add them to FILL/PARAMS/SLUGS (or to UNFILLABLE with the reason): "
        f"{unknown}"
    )
    stale = sorted(set(UNFILLABLE) - set(routes))
    assert not stale, f"UNFILLABLE lists patterns that no longer exist: {stale}"

    filters = list_filters(world)
    requests_made = 0
    leaks: list[str] = []
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for index, (role, client) in enumerate(clients(world).items()):
        owner = role in world.owners
        for route in routes:
            if route in UNFILLABLE or (route in STATIC and index not in (0, len(world.walkers) - 1)):
                continue
            for values in fillings(route, world):
                url = url_of(route, values)
                targets = [(url, {})]
                if (
                    role != "匿名"
                    and route.startswith("api/")
                    and not values
                    and route not in ("api/", *STATIC)
                ):
                    targets += [(url, filters[name]) for name in LIST_FILTERS]
                for target, query in targets:
                    response = client.get(target, query)
                    requests_made += 1
                    statuses[role][response.status_code] += 1
                    if owner:  # the holding unit's own people may see it all: it must not crash
                        problem = "server error" if response.status_code >= 500 else None
                    else:
                        problem = judge(role, route, query, bool(values), response)
                    if problem:
                        leaks.append(f"{role} GET {target} {query or ''}: {problem}")
    took = time.monotonic() - started
    print(
        f"\nURL walk: {len(routes)} patterns, {requests_made} requests, world {built:.1f} s, total {took:.1f} s"
    )
    for role, counts in statuses.items():
        print(f"  {role}: {dict(sorted(counts.items()))}")
    assert not leaks, "\n".join(leaks)


def test_the_markers_are_found_where_they_are_rendered(org):
    """Positive control: the holding unit's own clerk sees the markers in the archive page, the API, the directory
    export (XLSX unzipped, PDF text) and the material page; so their absence elsewhere means something."""
    world = build_world(org)
    client = Client()
    client.force_login(world.city_clerk)
    a = world.objects["archive"][0]
    material = world.objects["material"][0]
    for url in (
        f"/archives/{a.pk}/",
        f"/api/archives/{a.pk}/",
        f"/archives/{a.pk}/directory.xlsx",
        f"/archives/materials/{material.pk}/",
        f"/api/materials/?archive={a.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body_text(response)
        assert any(m in text for m in MARKERS), url
    pdf = client.get(f"/archives/{a.pk}/directory.pdf")
    assert pdf.status_code == 200 and is_file(pdf)
    assert a.archive_no in body_text(pdf) or TITLE_MARK in body_text(pdf)
    image = client.get(f"/archives/pages/{world.objects['page'][0].pk}/image/")
    assert image.status_code == 200 and is_file(image)
    # And the walkers see their own unit: the county clerk's list answers (without the city's archives).
    own = Client()
    own.force_login(world.walkers["管档员"])
    listing = own.get("/archives/")
    assert listing.status_code == 200 and not any(m in listing.content.decode() for m in MARKERS)


def test_an_unknown_cadre_section_is_a_404_not_a_500(org):
    """archives/<pk>/cadre/<section>/ looked the section up with SECTIONS[section]: any other word raised
    KeyError (500) for the clerk who may open the archive."""
    clerk = factories.user("own_clerk", roles=["管档员"], unit=org.city_org)
    archive = factories.archive(holding_unit=org.city_org)
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    assert client.get(f"/archives/{archive.pk}/cadre/family/").status_code == 200
    assert client.get(f"/archives/{archive.pk}/cadre/nonsense/").status_code == 404
