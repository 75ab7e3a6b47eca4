from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from accounts.roles import HOME_ORDER, roles_of
from core.navigation import panels_for

ROLE_INTRO = {
    "管档员": "登记干部与档案，接收、鉴别、归档零散材料，维护目录，上传扫描件，办理借阅、归还与转递。",
    "审批人": "审批查阅、借阅与转递申请，开展干部任前档案审核（凡提四必、三龄两历一身份）。",
    "查阅人": "在批准的时间和范围内，通过带水印的阅档界面查阅档案材料。",
    "审计员": "检索、导出全部访问与变更记录，校验审计日志完整性。",
    "安全保密管理员": "分配用户角色与常设权限，管理临时授权。不得查看档案内容。",
    "系统管理员": "维护用户、单位、系统参数与规则表。不得查看档案内容或审批。",
}


@login_required
def home(request):
    held = roles_of(request.user)
    ordered = [r for r in HOME_ORDER if r in held]
    wanted = request.GET.get("as")
    role = wanted if wanted in held else (ordered[0] if ordered else None)
    context = {
        "role": role,
        "held_roles": ordered,
        "role_intro": ROLE_INTRO.get(role, ""),
        "panels": panels_for(request, role) if role else [],
    }
    return render(request, "core/home.html", context)


def healthz(request):
    """Liveness and database reachability for the load balancer and docker-compose health checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)


def _render_error(request, template, status, message=""):
    if request.path.startswith("/api/"):
        codes = {400: "BAD_REQUEST", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 500: "SERVER_ERROR"}
        texts = {
            400: "请求无效。",
            403: "您没有执行该操作的权限。",
            404: "未找到该记录，或您无权查看。",
            500: "服务器内部错误，请稍后再试或联系系统管理员。",
        }
        return JsonResponse({"code": codes[status], "message": texts[status], "field": None}, status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request, exception=None):
    return _render_error(request, "400.html", 400)


def permission_denied(request, exception=None):
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        from audit.services import record

        record(request.user, "access.denied", outcome="denied", details={"path": request.path[:300]})
    return _render_error(request, "403.html", 403)


def page_not_found(request, exception=None):
    return _render_error(request, "404.html", 404)


def server_error(request):
    # No request context: the failure may be the database the context processors need.
    if request.path.startswith("/api/"):
        return _render_error(request, "500.html", 500)
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return render(
        request,
        "403_csrf.html",
        {"message": "页面已过期或表单校验失败，请刷新页面后重新提交。"},
        status=403,
    )
