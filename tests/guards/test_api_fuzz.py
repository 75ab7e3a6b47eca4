"""API fuzzing guard: schemathesis generates requests for every operation of /api/schema/, as each role (and
anonymously for the token endpoint), against a small realistic world; no response may be a server error (5xx),
and every response body the schema documents must match it.

- Requests run in-process through the WSGI application (no server).
- One test per API operation; inside it, every role in turn, with hypothesis driving schemathesis' strategies
  (valid and invalid data). schemathesis' own pytest integration (`from_fixture`) does not run under pytest 9.2
  (it writes `Node._nodeid`, which pytest 9.2 no longer has), so the tests call hypothesis directly.
- The world (tests/guards/conftest.py) is built once for the module in an outer transaction; each test runs in a
  savepoint and each generated request in a nested savepoint that is rolled back, so every example sees the same
  world and nothing leaks from one example, operation or test to the next (nor past the module).
- Identifiers in paths, query strings and bodies are drawn partly from the world's real rows, so that the fuzzer
  gets past the 404s into the services.
- Reproducible: a fixed seed per operation and role, no example database. Budget: EXAMPLES_PER_ROLE per operation
  and role (the first is the simplest case, which already points at a real row; the other is random).
"""

from __future__ import annotations

import logging
import os
import re
import traceback
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.guards.conftest import ROLES, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Examples per operation and role: with six roles, 18 requests per operation (about 2,100 in all). A deeper run:
# FUZZ_EXAMPLES=20 pytest tests/guards/test_api_fuzz.py
EXAMPLES_PER_ROLE = int(os.environ.get("FUZZ_EXAMPLES", "3"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260923,
        "generation": {"deterministic": True, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)

HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_ROLE,
    derandomize=False,  # seeded per operation and role below: reproducible, and different for each role
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    print_blob=False,
)


def _operations() -> list[str]:
    """Every operation of the API schema, as "METHOD /path" (collected from the same generator that serves
    /api/schema/; the test below loads the served schema and checks it has exactly these)."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    methods = ("get", "put", "post", "patch", "delete")
    return [f"{m.upper()} {path}" for path, ops in paths.items() for m in ops if m in methods]


OPERATIONS = _operations()

# No server error, and every documented response body matches its schema (status codes that the schema does
# not list, such as most 400s and 404s, are not checked: drf-spectacular documents only the successes).
CHECKS = [not_a_server_error, response_schema_conformance]

# Which world ids a path segment, a query parameter or a body field refers to.
PATH_RESOURCES = {
    "access-requests": "access-requests",
    "archive-gradings": "archive-gradings",
    "archives": "archives",
    "audit-events": "audit-events",
    "cadres": "cadres",
    "excusals": "excusals",
    "findings": "findings",
    "determinations": "determinations",
    "intakes": "intakes",
    "materials": "materials",
    "reviews": "reviews",
    "transfers": "transfers",
    "units": "units",
    "users": "users",
}
FIELD_RESOURCES = {
    "archive": "archives",
    "archives": "archives",
    "cadre": "cadres",
    "material": "materials",
    "materials": "materials",
    "basis_materials": "materials",
    "unit": "units",
    "holding_unit": "units",
    "requesting_unit": "units",
    "to_unit": "units",
    "submitting_unit": "units",
    "cadre_unit": "units",
    "parent": "units",
    "user": "users",
    "actor": "users",
    "reviewer": "users",
    "approver": "users",
    "rule": "rules",
    "case": "reviews",
    "review_case": "reviews",
    "transfer": "transfers",
    "request": "access-requests",
    "checkout": "checkouts",
    "alteration_pk": "alterations",
}


# Identifiers that are not ids: each once answered 500 somewhere (isdigit() but not int(), "null", a float).
ODD_IDS = ["²", "null", "0.5", "-1", "9" * 20]


def _with_world_ids(value, world, key=None, depth=0):
    """A strategy that keeps a generated value or swaps the ids in it for the world's real ones."""
    pool = world.ids.get(FIELD_RESOURCES.get(key, ""), []) if key else []
    if depth > 3:
        return st.just(value)
    if isinstance(value, dict):
        if not value:
            return st.just(value)
        return st.fixed_dictionaries({k: _with_world_ids(v, world, k, depth + 1) for k, v in value.items()})
    if isinstance(value, list):
        if not value or not pool or not isinstance(value[0], int | str):
            return st.tuples(*[_with_world_ids(v, world, key, depth + 1) for v in value]).map(list)
        return st.one_of(st.just(value), st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    if pool and isinstance(value, int | str) and not isinstance(value, bool):
        cast = str if isinstance(value, str) else int
        return st.sampled_from([value, *[cast(pk) for pk in pool[:12]]])
    return st.just(value)


# --- fixtures ----------------------------------------------------------------------------------------------


class _ServerErrors(logging.Handler):
    """Keeps what Django logs for 5xx responses (with the traceback), to show it in the failure."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        if record.exc_info:
            self.records.append("".join(traceback.format_exception(*record.exc_info)))
        else:
            self.records.append(record.getMessage())


@pytest.fixture(scope="module")
def fuzz_media(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-media")


def _point_storage(settings_obj, location):
    from django.core.files.storage import storages

    settings_obj.MEDIA_ROOT = location
    settings_obj.STORAGES = {
        **settings_obj.STORAGES,
        "default": {
            **settings_obj.STORAGES["default"],
            "OPTIONS": {"location": location, "base_url": "/x/"},
        },
    }
    storages._storages = {}


@pytest.fixture
def _media_root(settings, fuzz_media):
    """Overrides the suite's per-test media folder: the module's world keeps its scans in one folder."""
    _point_storage(settings, fuzz_media)
    yield
    from django.core.files.storage import storages

    storages._storages = {}


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, fuzz_media):
    """The world, built once for the module inside a transaction that is rolled back at the end."""
    from django.conf import settings as django_settings
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), override_settings():
        _point_storage(django_settings, fuzz_media)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            from django.core.files.storage import storages

            storages._storages = {}


@pytest.fixture
def _same_connection():
    """Django closes "old" connections around each request; inside the test's transaction that would break it
    (Django's own test client disconnects these signals in the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def _no_login_throttle():
    """The fuzzer spends the token endpoint's per-address budget: give it back to the tests that follow."""
    from django.core.cache import cache

    keys = ["throttle_login_127.0.0.1", "throttle_login_None"]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def server_errors():
    handler = _ServerErrors()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture(scope="module")
def _schema_cache():
    return {}


@pytest.fixture
def api_schema(fuzz_world, db, settings, _schema_cache, _same_connection, _no_login_throttle):
    """The schema served at /api/schema/ (loaded once per module through the WSGI app), with hooks that mix the
    world's ids into generated path parameters, query strings and bodies."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the WSGI test client's host
    if "schema" in _schema_cache:
        return _schema_cache["schema"]
    world = fuzz_world
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        get_wsgi_application(),
        config=CONFIG,
        headers={"Authorization": f"Token {world.tokens['系统管理员']}"},
    )

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        parts = context.operation.path.strip("/").split("/")
        segment = parts[2] if parts[1] == "completeness" else parts[1]
        out = {}
        for name, value in (path_parameters or {}).items():
            resource = PATH_RESOURCES.get(segment) if name in ("id", "pk") else FIELD_RESOURCES.get(name)
            pool = world.ids.get(resource or "", [])
            out[name] = st.sampled_from([*pool, value, *ODD_IDS]) if pool else st.just(value)
        return st.fixed_dictionaries(out)

    @schema.hook
    def flatmap_query(context, query):
        return _with_world_ids(query or {}, world)

    @schema.hook
    def flatmap_body(context, body):
        return _with_world_ids(body, world)

    _schema_cache["schema"] = schema
    return schema


# --- the guard ---------------------------------------------------------------------------------------------


def test_served_schema_lists_every_operation(api_schema):
    served = sorted(
        f"{r.ok().method.upper()} {r.ok().path}"
        for r in api_schema.get_all_operations()
        if r.ok() is not None
    )
    assert served == sorted(OPERATIONS)
    assert len(served) > 100


def _call(case, role, world, server_errors):
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if role is not None:
        headers["Authorization"] = f"Token {world.tokens[role]}"
    case.headers = headers
    case.cookies = {}
    server_errors.records.clear()
    with transaction.atomic():
        response = case.call()
        transaction.set_rollback(True)
    if response.status_code >= 500:
        detail = "\n".join(server_errors.records) or response.text[:2000]
        body = re.sub(r"\s+", " ", repr(case.body))[:800]
        pytest.fail(
            f"{role or '匿名'}: {case.method} {case.formatted_path} query={case.query} body={body}\n"
            f"-> HTTP {response.status_code}\n{detail}",
            pytrace=False,
        )
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_error(label, api_schema, fuzz_world, server_errors):
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    roles = [None] if label == "POST /api/auth/token/" else ROLES
    for role in roles:
        _fuzz(label, strategy, role, fuzz_world, server_errors)


def _fuzz(label, strategy, role, world, server_errors):
    """EXAMPLES_PER_ROLE requests as `role`, seeded by the operation and the role."""

    @seed(zlib.crc32(f"{label} {role}".encode()))
    @HYPOTHESIS
    @given(case=strategy)
    def fuzz(case):
        _call(case, role, world, server_errors)

    fuzz()


# --- what the fuzzer found: each a 500 before the fix ---------------------------------------------------------


@pytest.fixture
def api(fuzz_world, db):
    from rest_framework.test import APIClient

    def as_role(role):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {fuzz_world.tokens[role]}")
        return client

    return as_role


@pytest.mark.parametrize("bad", ["null", "0.5", "1e3"])
def test_non_numeric_review_ids_are_404(api, fuzz_world, bad):
    reviewer = api("审批人")
    assert reviewer.post(f"/api/reviews/{bad}/unmark-ready/", {"reason": "x"}).status_code == 404
    assert reviewer.get(f"/api/determinations/{bad}/").status_code == 404
    cadre_id = fuzz_world.objects["candidate"].cadre_id
    response = reviewer.get(f"/api/cadres/{cadre_id}/lrmx/", {"case": bad})
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_non_numeric_cadre_filter_is_400(api):
    response = api("管档员").get("/api/determinations/", {"cadre": "false"})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID" and response.json()["field"] == "cadre"


def test_chase_without_a_date_is_a_domain_error(api):
    from borrowing.models import Transfer, TransferStatus

    sent = Transfer.objects.get(status=TransferStatus.SENT)
    response = api("管档员").post(f"/api/transfers/{sent.pk}/chase/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "CHASE_INVALID"


@pytest.mark.parametrize(
    "url",
    ["/api/access-requests/?mode=%00", "/api/intakes/?q=a%00b", "/api/archives/?q=%00", "/api/reviews/%00/"],
)
def test_nul_in_the_query_or_path_is_400(api, url):
    response = api("管档员").get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_CHARACTERS" and "NUL" in response.json()["message"]


def test_nul_in_a_page_query_is_a_chinese_400(client, fuzz_world, db):
    client.force_login(fuzz_world.users["管档员"])
    response = client.get("/archives/?q=%00")
    assert response.status_code == 400 and "请求无效" in response.content.decode()


def test_recheck_of_a_never_checked_archive_answers_a_report(api, fuzz_world):
    from archives.models import Archive, CompletenessReport

    archive = Archive.objects.filter(holding_unit=fuzz_world.org.city_org).exclude(
        pk__in=CompletenessReport.objects.values("archive_id")
    )[0]
    response = api("管档员").post(f"/api/archives/{archive.pk}/completeness/")
    assert response.status_code in (200, 202)
    body = response.json()
    assert body["archive"] == archive.pk and body["score"] is not None and body["computed_at"]


def test_intake_quality_outside_its_choices_is_refused(api, fuzz_world):
    from borrowing.models import Intake, IntakeStatus

    intake = Intake.objects.filter(status=IntakeStatus.REGISTERED).first()
    response = api("管档员").patch(f"/api/intakes/{intake.pk}/", {"quality": "=1+2"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "INTAKE_FORM_INCOMPLETE" and response.json()["field"] == "quality"
    intake.refresh_from_db()
    assert intake.quality == ""


@pytest.mark.parametrize(
    "role,url",
    [
        ("管档员", "/reviews/gradings/new/?archive=²"),
        ("审批人", "/reviews/new/?archive=²"),
        ("管档员", "/borrowing/intakes/new/?transfer=²"),
        ("审计员", "/audit/?unit=²"),
        ("管档员", "/api/archives/²/"),
        ("管档员", "/api/materials/²/"),
        ("审计员", "/api/audit-events/²/"),
        ("审计员", "/api/audit-events/?page_size=²"),
        ("管档员", "/api/archive-gradings/report/?year=²"),
        ("管档员", "/api/archives/99999999999999999999/"),
        ("管档员", "/archives/99999999999999999999/"),
    ],
)
def test_odd_ids_are_not_server_errors(client, api, fuzz_world, role, url):
    """A superscript two passes isdigit() but not int(); an id beyond bigint broke the audit event of the
    refusal. These answered 500."""
    if url.startswith("/api/"):
        response = api(role).get(url)
    else:
        client.force_login(fuzz_world.users[role])
        response = client.get(url)
    assert response.status_code in (200, 400, 404), response.status_code


def test_reassigning_a_case_without_a_reviewer_is_a_message(client, fuzz_world):
    case = fuzz_world.objects["case"]
    client.force_login(fuzz_world.users["审批人"])
    for raw in ("", "abc", "²"):
        response = client.post(f"/reviews/{case.pk}/reassign/", {"reviewer": raw})
        assert response.status_code == 400
        assert "所选审核人不是对该干部具有管理权限的审批人" in response.content.decode()
