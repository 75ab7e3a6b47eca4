"""Fixity (integrity) of the stored scans (architecture.md section 5, requirements 48 and 50).

- `verify_next_batch()`: a periodic task re-hashes the next batch of page files (in id order, a rolling cursor in
  FixityState, wrapping round at the end) and records any whose SHA-256 differs from the one stored at upload
  (HASH_MISMATCH) or whose file is gone (FILE_MISSING: a Page row without its file).
- `check_page_counts()`: set-based: materials whose page images differ from their directory page count
  (PAGE_COUNT_MISMATCH, listing the missing and extra page numbers). A material with no image at all is not
  digitised yet and is not reported (as archives.rules.page_count_mismatch decides).
- `scan_orphans()`: files in storage under a page key (`{archive_no}/{category}/m{material}/{nnn}...`) that no
  Page row refers to (ORPHAN_FILE). Files younger than ORPHAN_GRACE are left alone (an upload may be committing).

Findings are stored once per problem (an open finding is refreshed, not duplicated), shown to clerks (their
holdings) and to the system admin, and stay open until a person resolves them with a note, or a later check finds
the problem gone (closed automatically with a note saying so).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from archives.models import (
    Archive,
    FixityFinding,
    FixityKind,
    FixityState,
    Material,
    MaterialStatus,
    Page,
)
from core.config import setting

log = logging.getLogger(__name__)

AUTO_NOTE = "复核一致，系统自动关闭"
ORPHAN_GRACE = datetime.timedelta(hours=1)
PAGE_KEY = re.compile(
    r"^(?P<archive>[^/]+)/(?P<category>\d{1,2})/m(?P<material>\d+)/(?P<number>\d{3,})(\.[A-Za-z]+)?\.[A-Za-z0-9]+$"
)
HASH_CHUNK = 1024 * 1024


def sha256_of(name: str, storage=None) -> str | None:
    """SHA-256 of a stored file, streamed; None when the file is missing."""
    storage = storage or default_storage
    if not name:
        return None
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        return None
    digest = hashlib.sha256()
    with handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open_finding(kind: str, fingerprint: str, now, **fields) -> tuple[FixityFinding, bool]:
    """Create the finding, or refresh the open one with the same fingerprint. -> (finding, created)."""
    finding = FixityFinding.objects.filter(fingerprint=fingerprint, resolved_at__isnull=True).first()
    if finding is not None:
        for name, value in fields.items():
            setattr(finding, name, value)
        finding.last_seen_at = now
        finding.save()
        return finding, False
    finding = FixityFinding.objects.create(kind=kind, fingerprint=fingerprint, last_seen_at=now, **fields)
    return finding, True


def _auto_resolve(qs, now) -> int:
    return qs.filter(resolved_at__isnull=True).update(resolved_at=now, resolution_note=AUTO_NOTE)


def _page_fingerprint(kind: str, page_id: int) -> str:
    return f"{kind}:page:{page_id}"


def verify_pages(pages: list[dict], now=None) -> dict:
    """Re-hash the given pages (dicts of Page values) and record what differs. -> counts."""
    now = now or timezone.now()
    stats = {"checked": 0, "ok": 0, "changed": 0, "missing": 0}
    ok_ids = []
    for page in pages:
        stats["checked"] += 1
        actual = sha256_of(page["image"])
        common = {
            "archive_id": page["material__archive_id"],
            "material_id": page["material_id"],
            "page_id": page["id"],
            "storage_key": page["image"] or "",
            "expected_sha256": page["sha256"],
            "details": {"page_number": page["number"]},
        }
        if actual is None:
            stats["missing"] += 1
            _open_finding(
                FixityKind.FILE_MISSING,
                _page_fingerprint(FixityKind.FILE_MISSING, page["id"]),
                now,
                actual_sha256="",
                message=f"第 {page['number']} 页的图像文件在存储中不存在（有记录、无文件）。",
                **common,
            )
        elif actual != page["sha256"]:
            stats["changed"] += 1
            _open_finding(
                FixityKind.HASH_MISMATCH,
                _page_fingerprint(FixityKind.HASH_MISMATCH, page["id"]),
                now,
                actual_sha256=actual,
                message=f"第 {page['number']} 页的图像文件内容与上传时登记的 SHA-256 不一致，可能被改动或损坏。",
                **common,
            )
        else:
            stats["ok"] += 1
            ok_ids.append(page["id"])
    if ok_ids:
        _auto_resolve(
            FixityFinding.objects.filter(
                page_id__in=ok_ids, kind__in=[FixityKind.HASH_MISMATCH, FixityKind.FILE_MISSING]
            ),
            now,
        )
    return stats


PAGE_VALUES = ("id", "image", "sha256", "number", "material_id", "material__archive_id")


def verify_next_batch(batch_size: int | None = None) -> dict:
    """The periodic task's body: re-hash the next batch after the cursor; wrap round at the end of a cycle."""
    batch_size = batch_size or int(setting("FIXITY_BATCH_PAGES"))
    now = timezone.now()
    with transaction.atomic():
        state, _ = FixityState.objects.get_or_create(name="pages")
        state = FixityState.objects.select_for_update().get(pk=state.pk)  # one batch at a time
        if state.cycle_started_at is None:
            state.cycle_started_at = now
        pages = list(
            Page.objects.filter(pk__gt=state.cursor).order_by("pk").values(*PAGE_VALUES)[:batch_size]
        )
        stats = verify_pages(pages, now)
        state.pages_checked += stats["checked"]
        state.last_batch_at = now
        if len(pages) < batch_size:
            state.cursor = 0
            state.cycles_completed += 1
            state.last_cycle_finished_at = now
            stats["cycle_finished"] = True
            stats["cycle_pages"] = state.pages_checked
            state.pages_checked = 0
            state.cycle_started_at = None
        else:
            state.cursor = pages[-1]["id"]
            stats["cycle_finished"] = False
        state.save()
    stats["cursor"] = state.cursor
    if stats["changed"] or stats["missing"]:
        log.warning(
            "fixity: %s changed and %s missing page files in this batch", stats["changed"], stats["missing"]
        )
    return stats


def _mismatch_message(page_count: int, numbers: list[int]) -> tuple[str, list[int], list[int]]:
    """The PAGE_COUNT_MISMATCH text of requirement 48 (the archives rule when present), missing and extra pages."""
    present = set(numbers)
    expected = set(range(1, (page_count or 0) + 1))
    missing, extra = sorted(expected - present), sorted(present - expected)
    try:
        from archives.rules import page_count_mismatch
    except ImportError:  # pragma: no cover - the archives rules module is always present in a full checkout
        page_count_mismatch = None
    if page_count_mismatch is not None:
        violations = page_count_mismatch(page_count, numbers)
        if violations:
            return violations[0].message, missing, extra
    parts = [f"目录页数 {page_count} 页，已有扫描图像 {len(present)} 页"]
    if missing:
        parts.append("缺第 " + "、".join(map(str, missing)) + " 页")
    if extra:
        parts.append("多出第 " + "、".join(map(str, extra)) + " 页")
    return "；".join(parts) + "。", missing, extra


def check_page_counts(now=None) -> dict:
    """PAGE_COUNT_MISMATCH for every material whose images differ from its page count (one aggregate query)."""
    now = now or timezone.now()
    candidates = (
        Material.objects.exclude(
            status__in=[MaterialStatus.WITHDRAWN, MaterialStatus.RETURNED, MaterialStatus.DESTROYED]
        )
        .annotate(n=Count("pages"), lowest=Min("pages__number"), highest=Max("pages__number"))
        .filter(n__gt=0)
        .exclude(n=F("page_count"), lowest=1, highest=F("page_count"))
        .values("id", "archive_id", "page_count", "n")
    )
    mismatched = {row["id"]: row for row in candidates}
    numbers: dict[int, list[int]] = {pk: [] for pk in mismatched}
    for material_id, number in Page.objects.filter(material_id__in=list(mismatched)).values_list(
        "material_id", "number"
    ):
        numbers[material_id].append(number)
    kind = FixityKind.PAGE_COUNT_MISMATCH
    open_ones = {f.fingerprint: f for f in FixityFinding.objects.filter(kind=kind, resolved_at__isnull=True)}
    new, seen = [], []
    for material_id, row in mismatched.items():
        found = sorted(numbers[material_id])
        message, missing, extra = _mismatch_message(row["page_count"], found)
        fingerprint = f"{kind}:material:{material_id}"
        details = {"page_count": row["page_count"], "images": len(found), "missing": missing, "extra": extra}
        finding = open_ones.get(fingerprint)
        if finding is None:
            new.append(
                FixityFinding(
                    kind=kind,
                    fingerprint=fingerprint,
                    archive_id=row["archive_id"],
                    material_id=material_id,
                    message=message[:300],
                    details=details,
                    last_seen_at=now,
                )
            )
        else:
            finding.message, finding.details, finding.last_seen_at = message[:300], details, now
            seen.append(finding)
    FixityFinding.objects.bulk_create(new, batch_size=500)
    FixityFinding.objects.bulk_update(seen, ["message", "details", "last_seen_at"], batch_size=500)
    created = len(new)
    resolved = _auto_resolve(
        FixityFinding.objects.filter(kind=FixityKind.PAGE_COUNT_MISMATCH).exclude(
            material_id__in=list(mismatched)
        ),
        now,
    )
    return {"mismatched": len(mismatched), "new": created, "resolved": resolved}


def _walk(storage, folder: str):
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def scan_orphans(now=None, storage=None, top_chunk: int = 200) -> dict:
    """ORPHAN_FILE for page-key files in storage that no Page row refers to, one archive folder batch at a time."""
    storage = storage or default_storage
    now = now or timezone.now()
    try:
        top_dirs, _ = storage.listdir("")
    except FileNotFoundError:
        top_dirs = []
    known_archives = dict(Archive.objects.filter(archive_no__in=top_dirs).values_list("archive_no", "pk"))
    seen_orphans: set[str] = set()
    files_seen = 0
    created = 0
    for start in range(0, len(top_dirs), top_chunk):
        folders = sorted(top_dirs[start : start + top_chunk])
        keys = []
        for folder in folders:
            for key in _walk(storage, folder):
                if PAGE_KEY.match(key):
                    keys.append(key)
        files_seen += len(keys)
        if not keys:
            continue
        referenced: set[str] = set()
        for image, display, thumb in Page.objects.filter(
            material__archive__archive_no__in=folders
        ).values_list("image", "display", "thumbnail"):
            referenced.update(x for x in (image, display, thumb) if x)
        # Files whose archive folder was renamed or whose rows moved: any row naming the key counts.
        loose = [k for k in keys if k not in referenced]
        if loose:
            referenced.update(
                k
                for row in Page.objects.filter(
                    Q(image__in=loose) | Q(display__in=loose) | Q(thumbnail__in=loose)
                ).values_list("image", "display", "thumbnail")
                for k in row
                if k
            )
        for key in keys:
            if key in referenced:
                continue
            try:
                modified = storage.get_modified_time(key)
            except (NotImplementedError, OSError):
                modified = None
            if modified is not None and now - modified < ORPHAN_GRACE:
                continue
            seen_orphans.add(key)
            match = PAGE_KEY.match(key)
            material_id = int(match["material"])
            _, is_new = _open_finding(
                FixityKind.ORPHAN_FILE,
                f"{FixityKind.ORPHAN_FILE}:{key}",
                now,
                archive_id=known_archives.get(match["archive"]),
                material_id=material_id if Material.objects.filter(pk=material_id).exists() else None,
                storage_key=key,
                message="存储中有此图像文件，但没有对应的扫描页记录（孤立文件）。",
                details={"size": _size(storage, key)},
            )
            created += is_new
    resolved = _auto_resolve(
        FixityFinding.objects.filter(kind=FixityKind.ORPHAN_FILE).exclude(storage_key__in=seen_orphans), now
    )
    return {"files": files_seen, "orphans": len(seen_orphans), "new": created, "resolved": resolved}


def _size(storage, key: str) -> int | None:
    try:
        return storage.size(key)
    except (NotImplementedError, OSError):
        return None


def check_structure() -> dict:
    """Nightly: page counts and orphan files. -> counts of both."""
    now = timezone.now()
    result = {"page_counts": check_page_counts(now), "orphans": scan_orphans(now)}
    state, _ = FixityState.objects.get_or_create(name="pages")
    FixityState.objects.filter(pk=state.pk).update(last_structure_check_at=now)
    return result
