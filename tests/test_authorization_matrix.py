"""Who reaches what: every role (and anonymous) against the archives, materials, pages and exports, through the
UI and the API. Objects a user may not see answer 404 (never 403), and each refusal is in the audit log.

The world: archive A (held by the city organization department, a municipally managed cadre) with a filed
appraisal (category 3, page p_in) and a filed disciplinary decision (category 8, page p_out); archive B (held by
the county organization department, a county-managed cadre) with one material and page p_B. The viewers hold
content grants on A limited to category 3: one valid now, one that starts tomorrow, one that ended an hour ago.
"""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ManagementLevel
from archives.models import ArchiveUserObjectPermission, Page
from audit.models import AuditEvent
from tests import factories

NOW = datetime.timedelta(0)


def _page(material, number=1) -> Page:
    buf = io.BytesIO()
    Image.new("RGB", (600, 848), "white").save(buf, format="JPEG", dpi=(300, 300))
    data = buf.getvalue()
    page = Page(
        material=material,
        number=number,
        sha256=hashlib.sha256(data).hexdigest(),
        width=600,
        height=848,
        dpi=300,
        color_mode="RGB",
        image_format="JPEG",
        size_bytes=len(data),
    )
    page.image.save(page.storage_key("jpg"), ContentFile(data), save=False)
    page.save()
    return page


def _grant(user, archive, *, start, end, category):
    g = ArchiveUserObjectPermission.objects.create(
        user=user,
        content_object=archive,
        permission=Permission.objects.get(codename="view_archive_content"),
        valid_from=start,
        valid_until=end,
        scope_all=False,
    )
    g.scope_categories.set([category])
    return g


@pytest.fixture
def world(org, make_user):
    a = factories.archive(
        holding_unit=org.city_org, unit=org.city_bureau, level=ManagementLevel.MUNICIPAL, archive_no="QS-A"
    )
    b = factories.archive(
        holding_unit=org.county_org, unit=org.county_bureau, level=ManagementLevel.COUNTY, archive_no="DH-B"
    )
    m_in = factories.material(a, code="3", title="2020年度考核登记表", seq=1)
    m_out = factories.material(a, code="8", title="处分决定", seq=1)
    m_b = factories.material(b, code="3", title="2021年度考核登记表", seq=1)
    now = timezone.now()
    users = {
        "clerk_city": make_user("clerk_city", roles=["管档员"], unit=org.city_org),
        "clerk_county": make_user("clerk_county", roles=["管档员"], unit=org.county_org),
        "reviewer_city": make_user("reviewer_city", roles=["审批人"], unit=org.city_org),
        "reviewer_county": make_user("reviewer_county", roles=["审批人"], unit=org.county_org),
        "viewer_granted": make_user("viewer_granted", roles=["查阅人"], unit=org.city_discipline),
        "viewer_plain": make_user("viewer_plain", roles=["查阅人"], unit=org.city_discipline),
        "viewer_early": make_user("viewer_early", roles=["查阅人"], unit=org.city_discipline),
        "viewer_expired": make_user("viewer_expired", roles=["查阅人"], unit=org.city_discipline),
        "auditor": make_user("auditor_m", roles=["审计员"], unit=org.city_org),
        "security_admin": make_user("baomi_m", roles=["安全保密管理员"], unit=org.city_org),
        "system_admin": make_user("xitong_m", roles=["系统管理员"], unit=org.city_org),
    }
    cat3 = factories.category("3")
    hour = datetime.timedelta(hours=1)
    _grant(users["viewer_granted"], a, start=now - hour, end=now + 4 * hour, category=cat3)
    _grant(users["viewer_early"], a, start=now + 24 * hour, end=now + 26 * hour, category=cat3)
    _grant(users["viewer_expired"], a, start=now - 3 * hour, end=now - hour, category=cat3)
    # The separated roles hold a grant too: it must not matter.
    for name in ("auditor", "security_admin", "system_admin"):
        _grant(users[name], a, start=None, end=None, category=cat3)
    objects = {
        "A": a,
        "B": b,
        "m_in": m_in,
        "m_out": m_out,
        "m_B": m_b,
        "p_in": _page(m_in),
        "p_out": _page(m_out),
        "p_B": _page(m_b),
    }
    return {"users": users, "objects": objects}


# What each role reaches. archives: detail page, API detail and directory export; materials/pages: content.
NOTHING = {"archives": set(), "materials": set(), "pages": set(), "audit": False, "grants": False}
EXPECTED = {
    "clerk_city": {
        "archives": {"A"},
        "materials": {"m_in", "m_out"},
        "pages": {"p_in", "p_out"},
        "audit": False,
        "grants": False,
    },
    "clerk_county": {
        "archives": {"B"},
        "materials": {"m_B"},
        "pages": {"p_B"},
        "audit": False,
        "grants": False,
    },
    # Directories within authority, never content.
    "reviewer_city": {**NOTHING, "archives": {"A", "B"}},
    "reviewer_county": {**NOTHING, "archives": {"B"}},
    # The approved scope (category 3) inside the window; the directory of the granted archive.
    "viewer_granted": {**NOTHING, "archives": {"A"}, "materials": {"m_in"}, "pages": {"p_in"}},
    "viewer_plain": NOTHING,
    "viewer_early": NOTHING,
    "viewer_expired": NOTHING,
    "auditor": {**NOTHING, "audit": True},
    "security_admin": {**NOTHING, "grants": True},
    "system_admin": NOTHING,
}


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_matrix(client, world, who):
    user = world["users"][who]
    objects = world["objects"]
    want = EXPECTED[who]
    client.force_login(user)
    api = _api(user)
    seen = {}

    # Archives: UI list, UI page, API list, API detail, API directory, directory export (XLSX and PDF).
    listing = client.get("/archives/")
    assert listing.status_code == 200
    listed = {
        k for k in ("A", "B") if objects[k].archive_no in {a.archive_no for a in listing.context["archives"]}
    }
    api_listed = {
        k
        for k in ("A", "B")
        if objects[k].pk
        in {row["id"] for row in api.get("/api/archives/", {"page_size": 200}).json()["results"]}
    }
    for key in ("A", "B"):
        pk = objects[key].pk
        codes = {
            "ui": client.get(f"/archives/{pk}/").status_code,
            "api": api.get(f"/api/archives/{pk}/").status_code,
            "api_directory": api.get(f"/api/archives/{pk}/directory/").status_code,
            "xlsx": client.get(f"/archives/{pk}/directory.xlsx").status_code,
            "pdf": client.get(f"/archives/{pk}/directory.pdf").status_code,
        }
        expected = 200 if key in want["archives"] else 404
        assert set(codes.values()) == {expected}, (who, key, codes)
    assert listed == want["archives"] == api_listed, (who, listed, api_listed)

    # Material content (the material page with its viewer) and page images.
    for key in ("m_in", "m_out", "m_B"):
        code = client.get(f"/archives/materials/{objects[key].pk}/").status_code
        seen[key] = code
        assert code == (200 if key in want["materials"] else 404), (who, key, code)
    for key in ("p_in", "p_out", "p_B"):
        for kind in ("image", "thumb"):
            code = client.get(f"/archives/pages/{objects[key].pk}/{kind}/").status_code
            assert code == (200 if key in want["pages"] else 404), (who, key, kind, code)

    # The audit log (page, export, API) and the grant pages.
    audit_codes = {
        client.get("/audit/").status_code,
        client.get("/audit/export/?format=csv").status_code,
        api.get("/api/audit-events/").status_code,
        api.get("/api/audit-events/export/?format=csv").status_code,
    }
    assert audit_codes == ({200} if want["audit"] else {403}), (who, audit_codes)
    grant_codes = {
        client.get("/archives/grants/").status_code,
        client.get("/archives/grants/new/").status_code,
    }
    assert grant_codes == ({200} if want["grants"] else {403}), (who, grant_codes)

    # Every refusal of an object is on record, as a denial by this user.
    refused_objects = (
        2 * 5 - 5 * len(want["archives"]) + (3 - len(want["materials"])) + 2 * (3 - len(want["pages"]))
    )
    assert AuditEvent.objects.filter(actor=user, action="access.denied").count() >= refused_objects


def test_anonymous_reaches_nothing(client, world):
    objects = world["objects"]
    ui = [
        "/archives/",
        f"/archives/{objects['A'].pk}/",
        f"/archives/{objects['A'].pk}/directory.xlsx",
        f"/archives/materials/{objects['m_in'].pk}/",
        f"/archives/pages/{objects['p_in'].pk}/image/",
        f"/archives/pages/{objects['p_in'].pk}/thumb/",
        "/audit/",
        "/audit/export/?format=csv",
        "/archives/grants/",
    ]
    for url in ui:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    api = APIClient()
    for url in (
        "/api/archives/",
        f"/api/archives/{objects['A'].pk}/",
        f"/api/materials/{objects['m_in'].pk}/",
        "/api/audit-events/",
        "/api/audit-events/export/?format=csv",
    ):
        response = api.get(url)
        assert response.status_code == 401 and response.json()["code"] == "NOT_AUTHENTICATED", url


def test_a_clerk_never_reaches_their_own_archive_even_in_their_holdings(client, org, make_user):
    clerk = make_user("own_clerk", roles=["管档员"], unit=org.city_org, full_name="王丽华")
    own = factories.archive(
        holding_unit=org.city_org,
        cadre_obj=factories.cadre(unit=org.city_org, id_number=clerk.id_number, name="王丽华"),
    )
    page = _page(factories.material(own))
    client.force_login(clerk)
    for url in (
        f"/archives/{own.pk}/",
        f"/archives/{own.pk}/directory.pdf",
        f"/archives/materials/{page.material_id}/",
        f"/archives/pages/{page.pk}/image/",
    ):
        assert client.get(url).status_code == 404, url
    assert _api(clerk).get(f"/api/archives/{own.pk}/").status_code == 404
    assert own.archive_no not in {a.archive_no for a in client.get("/archives/").context["archives"]}


# --- every read path writes exactly one audit event ---------------------------------------------------------


def _one_event(action, request, status=(200, 302)) -> AuditEvent:
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = request()
    assert response.status_code in status, response.status_code
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    new = list(AuditEvent.objects.filter(id__gt=before))
    assert [e.action for e in new] == [action], [e.action for e in new]
    return new[0]


def test_every_read_path_writes_exactly_one_event(client, world, org):
    from tests.factories import PASSWORD

    users = world["users"]
    objects = world["objects"]
    clerk = users["clerk_city"]
    client.force_login(clerk)
    api = _api(clerk)
    a = objects["A"]
    _one_event("archive.search", lambda: client.get("/archives/?q=QS"))
    _one_event("archive.directory_view", lambda: client.get(f"/archives/{a.pk}/"))
    _one_event("archive.export_directory", lambda: client.get(f"/archives/{a.pk}/directory.xlsx"))
    _one_event("material.view", lambda: client.get(f"/archives/materials/{objects['m_in'].pk}/"))
    e = _one_event("page.view", lambda: client.get(f"/archives/pages/{objects['p_in'].pk}/image/"))
    assert e.archive_no == a.archive_no and e.target_id == str(objects["p_in"].pk)
    _one_event("archive.search", lambda: api.get("/api/archives/"))
    _one_event("archive.directory_view", lambda: api.get(f"/api/archives/{a.pk}/"))
    _one_event("archive.directory_view", lambda: api.get(f"/api/archives/{a.pk}/directory/"))
    _one_event("material.view", lambda: api.get(f"/api/materials/{objects['m_in'].pk}/"))
    denied = _one_event("access.denied", lambda: client.get(f"/archives/{objects['B'].pk}/"), status=(404,))
    assert denied.outcome == "denied" and denied.archive_id == objects["B"].pk
    assert denied.archive_no == objects["B"].archive_no  # named for the auditor, though the clerk saw a 404
    _one_event(
        "access.denied", lambda: client.get(f"/archives/pages/{objects['p_B'].pk}/image/"), status=(404,)
    )
    _one_event("access.denied", lambda: api.get(f"/api/archives/{objects['B'].pk}/"), status=(404,))
    # The auditor's export.
    client.force_login(users["auditor"])
    _one_event("audit.export", lambda: client.get("/audit/export/?format=csv"))
    _one_event("audit.export", lambda: _api(users["auditor"]).get("/api/audit-events/export/?format=xlsx"))
    # Login, failed login, logout.
    client.logout()
    _one_event(
        "auth.login_failed",
        lambda: client.post("/accounts/login/", {"username": "clerk_city", "password": "x"}),
    )
    _one_event(
        "auth.login",
        lambda: client.post("/accounts/login/", {"username": "clerk_city", "password": PASSWORD}),
    )
    _one_event("auth.logout", lambda: client.post("/accounts/logout/"))
