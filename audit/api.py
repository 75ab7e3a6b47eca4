"""/api/audit-events/: the auditor's read-only API over the same selectors and export as the page.

GET /api/audit-events/?start=&end=&actor=&role=&action=&unit=&archive_no=&outcome=&ip=&cursor=&page_size=
GET /api/audit-events/<id>/
GET /api/audit-events/export/?format=csv|xlsx&<same filters>
There is no write endpoint: POST, PUT, PATCH and DELETE answer 405 in the common error format.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.permissions import HasRole
from accounts.roles import AUDITOR
from audit import exports, selectors
from audit.models import AuditEvent
from audit.serializers import AuditEventSerializer
from audit.services import record

FILTER_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.STR, description="开始时间（含），如 2026-11-01 或 2026-11-01T08:00"
    ),
    OpenApiParameter("end", OpenApiTypes.STR, description="结束时间；只写日期时包含当天"),
    OpenApiParameter("actor", OpenApiTypes.STR, description="操作人账号或姓名"),
    OpenApiParameter("role", OpenApiTypes.STR, description="操作人角色，如 管档员"),
    OpenApiParameter("action", OpenApiTypes.STR, description="操作代码，如 page.view；“auth.*”表示一类"),
    OpenApiParameter("unit", OpenApiTypes.INT, description="操作人单位ID（含下级单位）"),
    OpenApiParameter("archive_no", OpenApiTypes.STR, description="档号"),
    OpenApiParameter("outcome", OpenApiTypes.STR, enum=["success", "denied", "failed"]),
    OpenApiParameter("ip", OpenApiTypes.STR, description="IP地址"),
]


@extend_schema_serializer(many=False)  # the list answers one page object, not an array
class AuditEventPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="下一页；没有更多时为 null")
    first = serializers.URLField(allow_null=True, help_text="第一页；已在第一页时为 null")
    results = AuditEventSerializer(many=True)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """审计事件（只读）。仅审计员可用；按 (时间, ID) 倒序的游标分页。"""

    serializer_class = AuditEventSerializer
    permission_classes = [HasRole(AUDITOR)]
    filter_backends: list = []
    pagination_class = None
    queryset = AuditEvent.objects.all()

    def perform_content_negotiation(self, request, force=False):
        # ?format=csv|xlsx selects the export file, not a DRF renderer.
        if self.action == "export" or request.query_params.get("format") in exports.CONTENT_TYPES:
            return (JSONRenderer(), JSONRenderer.media_type)
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        tags=["审计"],
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("cursor", OpenApiTypes.STR, description="上一页响应中的 next 游标"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="每页条数，默认 50，最多 200"),
        ],
        responses=AuditEventPageSerializer,
    )
    def list(self, request, *args, **kwargs):
        audit_filter = selectors.AuditFilter.from_params(request.query_params)
        size_text = request.query_params.get("page_size", "")
        size = int(size_text) if size_text.isdecimal() else selectors.PAGE_SIZE
        cursor = request.query_params.get("cursor", "")
        page = selectors.keyset_page(selectors.events(audit_filter), after=cursor, size=size)
        if not cursor and not audit_filter.is_empty:
            record(request.user, "audit.search", details={"filter": audit_filter.as_details(), "via": "api"})
        url = request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(url, "cursor", page.next_cursor) if page.next_cursor else None,
                "first": remove_query_param(url, "cursor") if cursor else None,
                "results": self.get_serializer(page.rows, many=True).data,
            }
        )

    @extend_schema(tags=["审计"])
    def retrieve(self, request, *args, **kwargs):
        pk = kwargs.get("pk", "")
        event = AuditEvent.objects.filter(pk=pk).first() if str(pk).isdecimal() else None
        if event is None:
            raise Http404
        return Response(self.get_serializer(event).data)

    @extend_schema(
        tags=["审计"],
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"]), *FILTER_PARAMETERS],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """导出筛选结果（CSV 为 UTF-8 带 BOM；XLSX）。导出本身记入审计日志。"""
        audit_filter = selectors.AuditFilter.from_params(request.query_params)
        return exports.export_response(
            user=request.user, audit_filter=audit_filter, fmt=request.query_params.get("format", "")
        )
