"""City-scale data set for the benchmarks on PostgreSQL, built server-side (never one row at a time).

At --scale 1.0: 20,000 cadres and archives, 150 materials each (3,000,000), 100,000 guardian grant rows,
1,000,000 audit events, plus what the completeness sweep reads (two promotions and a degree per cadre, the key
original materials with a few missing, education links). The small tables (units, users, cadres, archives) are
streamed from Python through COPY; the bulk tables are written by PostgreSQL itself with
INSERT ... SELECT over generate_series, so the generator's time is the database's time.

Columns are filled from the models' own field lists: a column this module does not set gets the field's default
(sent as a parameter), so model changes do not break the generator (a new NOT NULL field without a default
will, loudly, naming it).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from core.idcard import make_id_number

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
)
GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞斌宇浩凯健俊峰建国志文博立新海波芳娜敏静丽艳娟霞燕玲婷雪琳颖慧莉萍红梅"
BENCH_MARK = "BENCH"  # unit code prefix marking generated data
PASSWORD = "Bench@2026"
HOLDINGS = 20
WORK_UNITS = 200
VIEWERS = 2_000
SMALL_NO, LARGE_NO = "BX0000010", "BX0000300"  # the archive page at 10 and at 300 materials
SCAN_PAGES = 12  # pages with real image files (watermark measurement), on the small archive
LEAF_CODES = ["1", "2", "3", "41", "42", "44", "5", "6", "7", "8", "91", "92", "93", "10"]
# Key original materials every generated archive has (one in MISSING_EVERY archives lacks each, so the sweep
# finds incomplete archives and veto items): (kind code, title, formed = start year + offset).
KEY_MATERIALS = [
    ("resume_1999", "干部履历表", 13),
    ("recruitment", "录用审批表", 0),
    ("wage_change", "工资变动审批表", 5),
    ("party_admission", "中国共产党入党志愿书", 1),
    ("party_full_member", "预备党员转正申请", 2),
    ("civil_servant_registration", "公务员登记表", 6),
    ("political_vetting", "政审材料", 0),
    ("award", "嘉奖审批表", 9),
]
EDU_MATERIALS = [
    ("edu_transcript", "学习成绩单"),
    ("edu_graduation", "毕业生登记表"),
    ("edu_degree", "学士学位授予材料"),
]
MISSING_EVERY = 37


@dataclass
class Scale:
    archives: int
    materials_per_archive: int
    grants: int
    audit_events: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            archives=max(50, int(20_000 * factor)),
            materials_per_archive=150,
            grants=max(100, int(100_000 * factor)),
            audit_events=max(1_000, int(1_000_000 * factor)),
        )


def _columns(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


_REQUIRED = object()


def _default(field: models.Field):
    if field.has_default():
        value = field.get_default()
        return json.dumps(value, ensure_ascii=False) if isinstance(field, models.JSONField) else value
    if field.null:
        return None
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return timezone.now()
    if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
        return datetime.date.today()
    if isinstance(field, models.CharField | models.TextField | models.FileField) and field.blank:
        return ""
    return _REQUIRED


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model) -> str:
    return _q(model._meta.db_table)


def copy_rows(model, rows: Iterable[dict]) -> int:
    """COPY dict rows (keyed by field attname or name) into the model's table; other columns get defaults."""
    fields = _columns(model)
    defaults = {f.attname: _default(f) for f in fields}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    column_sql = ", ".join(_q(f.column) for f in fields)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table(model)} ({column_sql}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = []
            for f in fields:
                if f.attname in row or f.name in row:
                    value = row.get(f.attname, row.get(f.name))
                    if f.attname in json_fields and value is not None:
                        value = json.dumps(value, ensure_ascii=False)
                else:
                    value = defaults[f.attname]
                if value is _REQUIRED:
                    raise ValueError(f"bench generator: {model.__name__}.{f.name} is required")
                values.append(value)
            copy.write_row(values)
            count += 1
    return count


def insert_select(model, exprs: dict[str, str], source: str, params: Iterable = ()) -> int:
    """INSERT INTO <model> (every column) SELECT <exprs, or each field's default> <source>: server-side rows.

    `exprs` maps field attnames to SQL expressions over `source` (a FROM ... clause; %s parameters only there);
    every other column gets the field's default as a parameter."""
    fields = _columns(model)
    assert not any("%s" in e for e in exprs.values()), "parameters belong in the source clause"
    unknown = set(exprs) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"bench generator: {model.__name__} has no column {sorted(unknown)}")
    select, values = [], []
    for f in fields:
        if f.attname in exprs:
            select.append(exprs[f.attname])
            continue
        value = _default(f)
        if value is _REQUIRED:
            raise ValueError(f"bench generator: {model.__name__}.{f.name} is required")
        select.append(f"%s::{f.db_type(connection)}")
        values.append(value)
    column_sql = ", ".join(_q(f.column) for f in fields)
    # Expressions use % as the modulo operator and %s for parameters.
    sql = MODULO.sub("%%", f"INSERT INTO {table(model)} ({column_sql}) SELECT {', '.join(select)} {source}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])
        return cursor.rowcount


MODULO = re.compile(r"%(?!s)")


class BulkLoad:
    """Secondary indexes and foreign-key / unique constraints of a table, dropped before a bulk load and built
    again after it (one sort per index and one validating join per key instead of 3,000,000 index insertions
    and deferred trigger events). Read from the catalogue, so it keeps up with the models' migrations."""

    def __init__(self, model):
        self.table = model._meta.db_table
        self.constraints: list[tuple[str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def drop(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                [self.table],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
                [self.table],
            )
            self.indexes = cursor.fetchall()
            for name, _ in self.constraints:
                cursor.execute(f"ALTER TABLE {_q(self.table)} DROP CONSTRAINT {_q(name)}")
            for name, _ in self.indexes:
                cursor.execute(f"DROP INDEX {_q(name)}")
        return len(self.constraints) + len(self.indexes)

    def restore(self) -> int:
        with connection.cursor() as cursor:
            for _, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.constraints:
                cursor.execute(f"ALTER TABLE {_q(self.table)} ADD CONSTRAINT {_q(name)} {definition}")
        return len(self.constraints) + len(self.indexes)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


def _seq_reset(*models_) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


DONE_MARK = f"{BENCH_MARK}-DONE"


def state() -> str:
    """'absent', 'partial' (a generation stopped half-way: start again on a fresh database) or 'complete'."""
    from accounts.models import Unit

    codes = set(
        Unit.objects.filter(code__in=[f"{BENCH_MARK}-CITY", DONE_MARK]).values_list("code", flat=True)
    )
    if DONE_MARK in codes:
        return "complete"
    return "partial" if codes else "absent"


class Steps:
    def __init__(self, log):
        self.log = log
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def run(self, name: str, label: str, fn):
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            count = fn()
        self.timings[name] = time.monotonic() - started
        self.counts[name] = count or 0
        self.log(f"  {label}：{count or 0:,} 行，{self.timings[name]:.1f} 秒")
        return count


def generate(scale: Scale, *, seed: int = 7, log=print) -> dict:
    """Build the data set once per database (skipped when present). Returns counts and timings per step."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission

    from accounts.models import ManagementLevel, Unit, UnitKind, UnitLevel, User
    from archives.models import (
        Archive,
        ArchiveUserObjectPermission,
        Cadre,
        CadrePost,
        EducationRecord,
        Material,
        MaterialCategory,
        MaterialKind,
        MaterialStatus,
    )
    from archives.pinyin import name_initials, name_pinyin
    from audit.models import AuditEvent

    assert connection.vendor == "postgresql", "the benchmark data set needs PostgreSQL"
    if state() != "absent":
        raise RuntimeError("bench generator: the database already holds generated data")
    rng = random.Random(seed)
    steps = Steps(log)
    started = time.monotonic()
    now = timezone.now()
    last_year = timezone.localdate().year - 1
    n = scale.archives
    log(f"生成数据集：{n:,} 份档案，每份约 {scale.materials_per_archive} 件材料 ……")

    # --- units and users (small: ORM and COPY) ---------------------------------------------------------------
    ids: dict = {}

    def units_users() -> int:
        city = Unit.objects.create(name="基准测试市委", code=f"{BENCH_MARK}-CITY", level=UnitLevel.CITY)
        holdings = [
            Unit.objects.create(
                name=f"基准测试管档单位{i}",
                code=f"{BENCH_MARK}-ORG-{i}",
                level=UnitLevel.CITY if i == 0 else UnitLevel.COUNTY,
                kind=UnitKind.ORGANIZATION,
                parent=city,
                holds_archives=True,
            )
            for i in range(HOLDINGS)
        ]
        work_units = [
            Unit.objects.create(
                name=f"基准测试工作单位{i}", code=f"{BENCH_MARK}-W-{i}", level=UnitLevel.CITY, parent=city
            )
            for i in range(WORK_UNITS)
        ]
        groups = {g.name: g for g in Group.objects.all()}
        password = make_password(PASSWORD)  # hashed once: a hash per user would dominate the run

        def user(username, full_name, unit, roles=(), **extra):
            u = User(username=username, full_name=full_name, unit=unit, political_status="01", **extra)
            u.password = password
            u.save()
            for role in roles:
                u.groups.add(groups[role])
            return u

        clerks = []
        for i, unit in enumerate(holdings):
            clerk = user(f"bench_clerk{i}", f"基准管档员{i}", unit, ["管档员"])
            clerk.served_units.add(unit)
            clerks.append(clerk)
        # A clerk serving every holding unit sees what the superuser sees: the pure cost of the policy filter.
        clerk_all = user("bench_clerk_all", "基准管档员（全部）", holdings[0], ["管档员"])
        clerk_all.served_units.add(*holdings)
        user("bench_admin", "基准超级用户", city, is_superuser=True, is_staff=True)
        user("bench_auditor", "基准审计员", holdings[0], ["审计员"])
        user("bench_reviewer", "基准审批人", holdings[0], ["审批人"])
        copy_rows(
            User,
            (
                {
                    "username": f"bench_viewer{i}",
                    "full_name": f"基准查阅人{i}",
                    "password": "!",
                    "unit_id": work_units[i % WORK_UNITS].pk,
                    "political_status": "01",
                    "is_active": True,
                    "date_joined": now,
                }
                for i in range(VIEWERS)
            ),
        )
        _seq_reset(User)
        ids.update(
            holdings=[u.pk for u in holdings],
            work_units=[u.pk for u in work_units],
            clerks=[c.pk for c in clerks],
        )
        return 1 + HOLDINGS + WORK_UNITS + len(clerks) + 4 + VIEWERS

    steps.run("units_users", "单位与用户", units_users)

    # --- cadres and archives (COPY from Python: names need pypinyin) -------------------------------------------
    levels = [ManagementLevel.MUNICIPAL, ManagementLevel.COUNTY, ManagementLevel.OTHER]

    def cadres_archives() -> int:
        base = (Cadre.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        rows = []
        for i in range(n):
            birth = datetime.date(rng.randint(1964, 1995), rng.randint(1, 12), rng.randint(1, 28))
            sex = "1" if rng.random() < 0.68 else "2"
            name = _name(rng)
            rows.append(
                {
                    "name": name,
                    "name_pinyin": name_pinyin(name),
                    "name_initials": name_initials(name),
                    "sex": sex,
                    "birth_date": birth,
                    # unique: one area code per 100 cadres
                    "id_number": make_id_number(f"{360000 + i // 100:06d}", birth, i % 100, sex),
                    "political_status": "01",
                    "party_join_date": birth + datetime.timedelta(days=365 * 23 + 30),
                    "work_start_date": datetime.date(birth.year + 22, 7, 1),
                    "management_level": levels[i % 3],
                    "cadre_type": "civil_servant" if i % 5 else "institution",
                    "unit_id": ids["work_units"][i % WORK_UNITS],
                    "created_at": now,
                    "updated_at": now,
                }
            )
        copy_rows(Cadre, rows)
        _seq_reset(Cadre)
        cadre_ids = list(Cadre.objects.filter(pk__gte=base).order_by("pk").values_list("pk", flat=True))
        copy_rows(
            Archive,
            (
                {
                    "archive_no": f"BA{i:07d}",
                    "cadre_id": cadre_ids[i],
                    "holding_unit_id": ids["holdings"][i % HOLDINGS],
                    "custodian_id": ids["clerks"][i % HOLDINGS],
                    "room": "一号库房",
                    "cabinet": f"{i // 400:03d}",
                    "shelf": str(i // 80 % 5 + 1),
                    "position": str(i % 80 + 1),
                    "sorting_status": "sorted",
                    "has_digital": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n)
            ),
        )
        _seq_reset(Archive)
        # The index every bulk step joins on: generated archive i, its cadre and its first year of work.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""CREATE UNLOGGED TABLE bench_idx AS
                    SELECT (row_number() OVER (ORDER BY a.id) - 1)::int AS i, a.id AS archive_id,
                           a.cadre_id, extract(year FROM c.birth_date)::int + 22 AS start_year
                    FROM {table(Archive)} a JOIN {table(Cadre)} c ON c.id = a.cadre_id
                    WHERE a.archive_no LIKE 'BA%%'"""
            )
            cursor.execute("ALTER TABLE bench_idx ADD PRIMARY KEY (i)")
            cursor.execute("ANALYZE bench_idx")
        return 2 * n

    steps.run("cadres_archives", "干部与档案", cadres_archives)

    # --- what the completeness rules read: promotions and education records -----------------------------------
    def posts_education() -> int:
        count = insert_select(
            CadrePost,
            {
                "cadre_id": "b.cadre_id",
                "start_date": "make_date(b.start_year + p.years, 3, 1)",
                "title": "'基准测试工作单位' || (b.i % 200) || p.title",
                "rank": "p.rank",
                "is_promotion": "true",
                "approving_organ": "'中共基准测试市委'",
                "document_no": "'基组任〔' || (b.start_year + p.years) || '〕' || b.i || '号'",
            },
            """FROM bench_idx b CROSS JOIN (VALUES (8, '副科长', '20'), (15, '科长', '30')) AS p(years, title, rank)
               WHERE b.start_year + p.years <= %s""",
            [last_year],
        )
        count += insert_select(
            EducationRecord,
            {
                "cadre_id": "b.cadre_id",
                "mode": "'full_time'",
                "level": "'bachelor'",
                "degree": "'学士'",
                "school": "'基准大学'",
                "major": "'行政管理'",
                "entry_date": "make_date(b.start_year - 4, 9, 1)",
                "graduation_date": "make_date(b.start_year, 7, 1)",
                "degree_date": "make_date(b.start_year, 7, 1)",
            },
            "FROM bench_idx b",
        )
        return count

    steps.run("posts_education", "任职与学历记录", posts_education)

    # --- materials: INSERT ... SELECT, numbered per archive and category by formation date ----------------------
    categories = {c.code: c.pk for c in MaterialCategory.objects.all()}
    kinds = {k.code: (k.pk, k.category_id) for k in MaterialKind.objects.all()}
    per = scale.materials_per_archive

    def materials() -> int:
        key_values = ", ".join(
            f"({kinds[code][0]}, {kinds[code][1]}, '{title}', {offset}, {index})"
            for index, (code, title, offset) in enumerate(KEY_MATERIALS)
        )
        edu_values = ", ".join(
            f"({kinds[code][0]}, {kinds[code][1]}, '{title}')" for code, title in EDU_MATERIALS
        )
        appraisal_kind, appraisal_cat = kinds["annual_appraisal"]
        appointment_kind, appointment_cat = kinds["appointment_form"]
        inspection_kind, inspection_cat = kinds["inspection"]
        leaf_array = "ARRAY[" + ", ".join(str(categories[c]) for c in LEAF_CODES) + "]::bigint[]"
        other_kind = kinds["other"][0]
        other_cat = kinds["other"][1]
        # Every row of one archive: (archive, category, kind, title, year, month, day, pages, order).
        rows = f"""
            SELECT b.archive_id, {appraisal_cat}::bigint AS category_id, {appraisal_kind}::bigint AS kind_id,
                   y || '年度考核登记表' AS title, y AS fy, 12 AS fm, 20 AS fd, 2 AS pages, 0 AS ord
              FROM bench_idx b, generate_series(GREATEST({{since}}, b.start_year + 1), {last_year}) y
             WHERE (b.i + y) % 23 <> 0
            UNION ALL
            SELECT b.archive_id, k.cat, k.kind, k.title, LEAST(b.start_year + k.off, {last_year}), 5, 10, 3, 1
              FROM bench_idx b, (VALUES {key_values}) AS k(kind, cat, title, off, n)
             WHERE (b.i + k.n) % {MISSING_EVERY} <> 0
            UNION ALL
            SELECT b.archive_id, e.cat, e.kind, e.title, b.start_year, 6, 20, 4, 1
              FROM bench_idx b, (VALUES {edu_values}) AS e(kind, cat, title)
            UNION ALL
            SELECT b.archive_id, CASE WHEN p.n = 0 THEN {appointment_cat} ELSE {inspection_cat} END,
                   CASE WHEN p.n = 0 THEN {appointment_kind} ELSE {inspection_kind} END,
                   CASE WHEN p.n = 0 THEN '干部任免审批表（' ELSE '考察材料（' END || cp.title || '）',
                   extract(year FROM cp.start_date - 20 * (p.n + 1))::int,
                   extract(month FROM cp.start_date - 20 * (p.n + 1))::int,
                   extract(day FROM cp.start_date - 20 * (p.n + 1))::int, 4, 2
              FROM bench_idx b JOIN {table(CadrePost)} cp ON cp.cadre_id = b.cadre_id,
                   (VALUES (0), (1)) AS p(n)
             WHERE (b.i + p.n) % {MISSING_EVERY * 3} <> 5
        """.replace("{since}", "1997")
        # Fillers up to `per` materials per archive, cycling through the leaf categories.
        fillers = f"""
            SELECT b.archive_id, ({leaf_array})[1 + (m * 3 + b.i) % {len(LEAF_CODES)}],
                   CASE WHEN ({leaf_array})[1 + (m * 3 + b.i) % {len(LEAF_CODES)}] = {other_cat}
                        THEN {other_kind} END,
                   '材料' || m, LEAST(b.start_year + m % 25, {last_year}), 1 + m % 12, 1 + m % 28, 1 + m % 6, 3
              FROM bench_idx b JOIN (SELECT archive_id, count(*) AS made FROM base GROUP BY archive_id) c
                   ON c.archive_id = b.archive_id,
                   generate_series(0, {per} - 1 - c.made) m
        """
        filed = MaterialStatus.FILED.value
        source = f"""
            FROM (
              WITH base AS MATERIALIZED ({rows})
              SELECT * FROM base UNION ALL {fillers}
            ) r
        """
        return insert_select(
            Material,
            {
                "archive_id": "r.archive_id",
                "category_id": "r.category_id",
                "kind_id": "r.kind_id",
                "seq": "row_number() OVER (PARTITION BY r.archive_id, r.category_id ORDER BY r.fy, r.fm, r.fd, r.ord, r.title)",
                "title": "r.title",
                "formed_year": "r.fy",
                "formed_month": "r.fm",
                "formed_day": "r.fd",
                "formed_on": "make_date(r.fy::int, r.fm::int, r.fd::int)",
                "page_count": "r.pages",
                "producing_unit": "'基准测试工作单位'",
                "status": f"'{filed}'",
                "received_date": "make_date(r.fy::int, r.fm::int, r.fd::int) + 20",
                "filed_date": "make_date(r.fy::int, r.fm::int, r.fd::int) + 30",
            },
            source,
        )

    loads = [BulkLoad(Material), BulkLoad(AuditEvent)]
    steps.run("drop_indexes", "暂时删除材料与审计表的索引和外键", lambda: sum(b.drop() for b in loads))
    steps.run("materials", "材料", materials)

    def education_links() -> int:
        links = EducationRecord.materials.through
        edu_kinds = ", ".join(str(kinds[code][0]) for code, _ in EDU_MATERIALS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table(links)} (educationrecord_id, material_id)
                    SELECT e.id, m.id FROM bench_idx b
                    JOIN {table(EducationRecord)} e ON e.cadre_id = b.cadre_id
                    JOIN {table(Material)} m ON m.archive_id = b.archive_id AND m.kind_id IN ({edu_kinds})"""
            )
            return cursor.rowcount

    steps.run("education_links", "学历材料关联", education_links)

    # --- grants: viewers holding time-boxed content grants (a third expired, a few not yet valid) -------------
    perm = Permission.objects.get(codename="view_archive_content")
    at = f"'{now.isoformat()}'::timestamptz"
    year_ago = f"'{(now - datetime.timedelta(days=365)).isoformat()}'::timestamptz"

    def grants() -> int:
        first_viewer = User.objects.filter(username="bench_viewer0").values_list("pk", flat=True).get()
        count = insert_select(
            ArchiveUserObjectPermission,
            {
                "user_id": f"{first_viewer} + (g % {VIEWERS})",
                "permission_id": str(perm.pk),
                "content_object_id": "b.archive_id",
                "valid_from": f"{at} - make_interval(days => 30 - g % 30)",
                "valid_until": f"{at} + make_interval(days => g % 10 - 5)",
                "scope_all": "true",
                "reason": "'基准测试授权'",
                "created_at": at,
            },
            f"FROM generate_series(0, {scale.grants - 1}) g JOIN bench_idx b ON b.i = (g * 7919) % {n}",
        )
        # A few grants to the clerks too, so that their filter has to read the grant table.
        clerk_ids = "ARRAY[" + ", ".join(map(str, ids["clerks"])) + "]::bigint[]"
        count += insert_select(
            ArchiveUserObjectPermission,
            {
                "user_id": f"({clerk_ids})[1 + g % {HOLDINGS}]",
                "permission_id": str(perm.pk),
                "content_object_id": "b.archive_id",
                "valid_from": f"{at} - interval '1 day'",
                "valid_until": f"{at} + interval '1 day'",
                "scope_all": "true",
                "created_at": at,
            },
            f"FROM generate_series(0, 199) g JOIN bench_idx b ON b.i = (g * 104729) % {n}",
        )
        return count

    steps.run("grants", "授权", grants)

    # --- audit events: one year of reads and changes by the clerks --------------------------------------------
    def audit() -> int:
        holdings = "ARRAY[" + ", ".join(map(str, ids["holdings"])) + "]::bigint[]"
        clerk_ids = "ARRAY[" + ", ".join(map(str, ids["clerks"])) + "]::bigint[]"
        actions = "ARRAY['archive.directory_view','material.view','page.view','archive.search','auth.login','material.update']"
        count = scale.audit_events
        return insert_select(
            AuditEvent,
            {
                "created_at": f"{year_ago} + make_interval(secs => 31536000.0 * g / {count})",
                "actor_id": f"({clerk_ids})[1 + g % {HOLDINGS}]",
                "actor_username": f"'bench_clerk' || g % {HOLDINGS}",
                "actor_name": f"'基准管档员' || g % {HOLDINGS}",
                "actor_unit_id": f"({holdings})[1 + g % {HOLDINGS}]",
                "actor_unit_name": f"'基准测试管档单位' || g % {HOLDINGS}",
                "actor_roles": "'管档员'",
                "action": f"({actions})[1 + g % 6]",
                "outcome": "CASE WHEN g % 97 = 0 THEN 'denied' ELSE 'success' END",
                "archive_id": "b.archive_id",
                "archive_no": "'BA' || lpad(b.i::text, 7, '0')",
                "target_type": "'archives.material'",
                "target_id": "g::text",
                # A few crafted values, so that the export has formulas to neutralise.
                "target_repr": "CASE WHEN g % 50000 = 0 THEN '=HYPERLINK(\"x\")' ELSE '材料 ' || g END",
                "ip": "('10.0.' || (g / 250) % 250 || '.' || (g % 250 + 1))::inet",
                "user_agent": "'Mozilla/5.0 (Windows NT 10.0; Win64; x64) bench'",
                "request_id": "md5(g::text)",
                "details": "jsonb_build_object('n', g)",
            },
            f"FROM generate_series(0, {count - 1}) g JOIN bench_idx b ON b.i = g % {n}",
        )

    steps.run("audit", "审计事件", audit)
    steps.run("rebuild_indexes", "重建材料与审计表的索引和外键", lambda: sum(b.restore() for b in loads))
    _seq_reset(Material, ArchiveUserObjectPermission, AuditEvent, CadrePost, EducationRecord)

    steps.run("page_archives", "页面测量用档案（10 件与 300 件材料，扫描页）", lambda: special_archives(now))

    Unit.objects.create(name="基准数据集已生成", code=DONE_MARK, level=UnitLevel.CITY, is_active=False)
    started_analyze = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_idx")
        cursor.execute("VACUUM ANALYZE")
    steps.timings["analyze"] = time.monotonic() - started_analyze
    log(f"  VACUUM ANALYZE：{steps.timings['analyze']:.1f} 秒")
    steps.timings["total"] = time.monotonic() - started
    log(f"数据集生成完毕，总用时 {steps.timings['total']:.1f} 秒")
    return {"skipped": False, "timings": steps.timings, "counts": steps.counts}


def special_archives(now) -> int:
    """Two archives held by holding unit 0 for the archive-page measurement (10 and 300 filed materials), the
    first with real scan pages (display renditions made by the product's own task) for the watermark."""
    from PIL import Image, ImageDraw

    from accounts.models import Unit, User
    from archives.models import Archive, Cadre, Material, MaterialCategory, MaterialStatus, Page
    from archives.services import page_make_renditions

    holding = Unit.objects.get(code=f"{BENCH_MARK}-ORG-0")
    work = Unit.objects.get(code=f"{BENCH_MARK}-W-0")
    clerk = User.objects.get(username="bench_clerk0")
    leaf = [c for c in MaterialCategory.objects.order_by("sort_order") if c.is_leaf]
    made = 0
    for number, (archive_no, count) in enumerate([(SMALL_NO, 10), (LARGE_NO, 300)]):
        birth = datetime.date(1975, 3, 1 + number)
        cadre = Cadre.objects.create(
            name=f"页面测量{count}",
            sex="1",
            birth_date=birth,
            id_number=make_id_number("369900", birth, number, "1"),
            political_status="01",
            unit=work,
        )
        archive = Archive.objects.create(
            archive_no=archive_no, cadre=cadre, holding_unit=holding, custodian=clerk, has_digital=True
        )
        seqs: dict[int, int] = {}
        rows = []
        for k in range(count):
            cat = leaf[k % len(leaf)]
            seqs[cat.pk] = seqs.get(cat.pk, 0) + 1
            year = 1998 + k % 26
            rows.append(
                Material(
                    archive=archive,
                    category=cat,
                    seq=seqs[cat.pk],
                    title=f"页面测量材料{k + 1}",
                    formed_year=year,
                    formed_month=1 + k % 12,
                    formed_day=1 + k % 28,
                    formed_on=datetime.date(year, 1 + k % 12, 1 + k % 28),
                    page_count=SCAN_PAGES if k == 0 and count == 10 else 1 + k % 5,
                    status=MaterialStatus.FILED,
                    received_date=datetime.date(year, 12, 1),
                    filed_date=datetime.date(year, 12, 15),
                )
            )
        Material.objects.bulk_create(rows, batch_size=500)
        made += count
    # Scan pages (A4 at 200 dpi, drawn with text) on the small archive's first material.
    material = Material.objects.filter(archive__archive_no=SMALL_NO).order_by("pk").first()
    for number in range(1, SCAN_PAGES + 1):
        image = Image.new("RGB", (1654, 2339), "white")
        draw = ImageDraw.Draw(image)
        for line in range(40):
            draw.text((120, 120 + line * 52), f"BENCH PAGE {number} LINE {line} " * 3, fill="black")
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=85, dpi=(200, 200))
        data = buf.getvalue()
        page = Page(
            material=material,
            number=number,
            sha256=hashlib.sha256(data).hexdigest(),
            width=image.width,
            height=image.height,
            dpi=200,
            color_mode="RGB",
            image_format="JPEG",
            size_bytes=len(data),
            uploaded_by=clerk,
        )
        from django.core.files.base import ContentFile

        page.image.save(page.storage_key("jpg"), ContentFile(data), save=False)
        page.save()
        page_make_renditions(page.pk)
        made += 1
    return made
