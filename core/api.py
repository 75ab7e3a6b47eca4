"""API conventions shared by every app: one error format, pagination, helpers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

_CODES = {
    exceptions.NotAuthenticated: ("NOT_AUTHENTICATED", "未登录或登录已过期，请先登录。"),
    exceptions.AuthenticationFailed: ("AUTHENTICATION_FAILED", "身份认证失败。"),
    exceptions.PermissionDenied: ("PERMISSION_DENIED", "您没有执行该操作的权限。"),
    exceptions.NotFound: ("NOT_FOUND", "未找到该记录，或您无权查看。"),
    exceptions.MethodNotAllowed: ("METHOD_NOT_ALLOWED", "不支持该请求方法。"),
    exceptions.NotAcceptable: ("NOT_ACCEPTABLE", "无法提供所请求的格式。"),
    exceptions.UnsupportedMediaType: ("UNSUPPORTED_MEDIA_TYPE", "不支持的请求内容类型。"),
    exceptions.Throttled: ("THROTTLED", "请求过于频繁，请稍后再试。"),
    exceptions.ParseError: ("PARSE_ERROR", "请求内容格式错误，无法解析。"),
}


def _first_error(detail, prefix=None):
    """Walk a DRF error detail and return (field, message) of the first error."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            field = key if key != "non_field_errors" else None
            if prefix and field:
                field = f"{prefix}.{field}"
            elif prefix:
                field = prefix
            return _first_error(value, field)
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                return _first_error(value, f"{prefix}[{index}]" if prefix else None)
            return prefix, str(value)
        return prefix, "请求数据无效。"
    return prefix, str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_error(exc.detail)
        response.data = {"code": "INVALID", "message": message, "field": field, "errors": exc.detail}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code, message = _CODES.get(type(exc), ("ERROR", None))
    for klass, pair in _CODES.items():
        if isinstance(exc, klass):
            code, message = pair
            break
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        message = f"请求过于频繁，请在 {int(exc.wait)} 秒后再试。"
    response.data = {"code": code, "message": message or str(exc.detail), "field": None}
    return response


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
