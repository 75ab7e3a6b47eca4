"""Page images: the only way a scan reaches a browser. Asks the policy, audits, watermarks, never caches.

No query parameter changes what is served: there is no option to leave the watermark off or to fetch the
original file. A scan that cannot be read (missing or damaged file) answers a stamped placeholder that says so,
and the failure is in the audit log and the server log (the fixity check reports such files to the clerk).
"""

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from PIL import Image

from archives import access, watermark
from audit.services import record

logger = logging.getLogger(__name__)

NO_STORE = "no-store, no-cache, must-revalidate, private, max-age=0"
UNREADABLE = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def _image_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = NO_STORE
    response["Pragma"] = "no-cache"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _render(request, page, *, thumbnail: bool) -> tuple[bytes, bool]:
    try:
        return watermark.render_for_viewer(page, request.user, thumbnail=thumbnail), True
    except UNREADABLE:
        logger.exception("page %s: scan file cannot be read", page.pk)
        return watermark.placeholder(page, request.user, thumbnail=thumbnail), False


@login_required
@require_GET
def page_image(request, pk: int):
    """The watermarked display rendition of one page: one audit event per page view."""
    page = access.get_page(request.user, pk)
    data, ok = _render(request, page, thumbnail=False)
    record(
        request.user,
        "page.view",
        archive=page.material.archive,
        target=page,
        outcome="success" if ok else "failed",
        details={
            "material_id": page.material_id,
            "page": page.number,
            **({} if ok else {"error": "扫描件无法读取"}),
        },
    )
    return _image_response(data)


@login_required
@require_GET
def page_thumbnail(request, pk: int):
    """A small watermarked thumbnail, shown inside a material or directory view.

    Checked by the policy like a full page; not audited on its own because the view that shows it (directory or
    material view) is the audited read.
    """
    page = access.get_page(request.user, pk)
    return _image_response(_render(request, page, thumbnail=True)[0])
