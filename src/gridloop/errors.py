"""Domain errors and their RFC 9457 `application/problem+json` rendering.

Every expected failure is a `DomainError` subclass with its own status and a stable `type`;
framework errors (validation, 401/403/404/405) are rendered the same way, so a client needs to
understand one shape only.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"


class ProblemItem(BaseModel):
    """One offending element of a request: a field, a feature of an import, a rule."""

    location: str = Field(description="where: a field path, or `features[3]` for an import")
    reason: str
    index: int | None = None


class Problem(BaseModel):
    type: str = Field(examples=["/problems/not-found"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None
    request_id: str | None = Field(
        default=None, description="the request's id, as in its `X-Request-ID` response header"
    )


class DomainError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "请求有误 / Bad request"
    # A failure that must still be recorded (a failed login) keeps what the request flushed.
    keep_changes: ClassVar[bool] = False

    def __init__(
        self,
        detail: str,
        *,
        errors: list[ProblemItem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=PROBLEM_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )


class BadRequest(DomainError):
    pass


class Unauthorized(DomainError):
    status = 401
    slug = "unauthenticated"
    title = "未登录或凭证无效 / Not authenticated"

    def __init__(
        self, detail: str = "需要有效的登录令牌 / A valid bearer token is required"
    ) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "无权操作 / Forbidden"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "未找到 / Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "与当前状态冲突 / Conflict"


class InvalidInput(DomainError):
    status = 422
    slug = "validation-error"
    title = "输入无效 / Invalid input"


def invalid_field(field: str, reason: str) -> InvalidInput:
    """InvalidInput naming the offending field (`body.x`, `query.y`)."""
    return InvalidInput(reason, errors=[ProblemItem(location=field, reason=reason)])


class OutsideCoverage(DomainError):
    status = 422
    slug = "outside-coverage"
    title = "不在网格覆盖范围内 / Outside coverage"


class InvalidImport(DomainError):
    status = 422
    slug = "invalid-import"
    title = "导入文件无效，未写入任何数据 / Invalid import, nothing was written"


class CalendarMissing(DomainError):
    """A deadline needs a year the working calendar does not know: never guess weekends-only."""

    status = 422
    slug = "calendar-missing"
    title = "日历缺失 / No calendar data"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"日历缺失：没有 {year} 年的工作日历，请管理员上传 / no calendar data for {year}: "
            f"an admin must upload it (PUT /calendar/years/{year})"
        )
        self.year = year


class JurisdictionOverlap(DomainError):
    """A jurisdiction shares interior with another office of the same department."""

    status = 422
    slug = "jurisdiction-overlap"
    title = "辖区与同部门其他派出机构重叠 / Jurisdiction overlaps another office of the department"


class InvalidRuleSet(DomainError):
    status = 422
    slug = "invalid-rule-set"
    title = "规则集无效，未保存 / Invalid rule set, nothing was saved"


class OutsideYourGrids(DomainError):
    status = 422
    slug = "outside-your-grids"
    title = "不在本人责任网格内 / Outside your responsibility grids"


class ActionNotAllowed(Conflict):
    """The workflow table has no such move from the case's status, or a need is unmet."""

    slug = "action-not-allowed"
    title = "当前状态不允许该操作 / Action not allowed in this state"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "版本已变化 / Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "需要 If-Match / Precondition required"


class IdempotencyKeyInFlight(Conflict):
    slug = "idempotency-key-in-flight"
    title = "同一幂等键的请求仍在处理 / A request with this Idempotency-Key is still running"


class IdempotencyKeyReused(DomainError):
    status = 422
    slug = "idempotency-key-reused"
    title = "幂等键已用于另一请求 / Idempotency-Key reused for another request"


class InvalidPhoto(DomainError):
    status = 422
    slug = "invalid-photo"
    title = "照片无效 / Invalid photo"


class TooManyPhotos(DomainError):
    status = 422
    slug = "too-many-photos"
    title = "照片数量超限 / Too many photos"


class PhotoTooLarge(DomainError):
    status = 413
    slug = "photo-too-large"
    title = "照片过大 / Photo too large"


class TooManyLoginAttempts(DomainError):
    status = 429
    slug = "too-many-login-attempts"
    title = "登录失败次数过多 / Too many failed logins"


class TooManyRequests(DomainError):
    """A caller past its request rate (a public door's limit); `Retry-After` says when to retry."""

    status = 429
    slug = "too-many-requests"
    title = "请求过于频繁 / Too many requests"


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title = "用户名或密码错误 / Wrong username or password"
    keep_changes = True


# Framework errors: a stable slug and the Chinese half of the title, by status.
_HTTP_PROBLEMS = {
    400: ("bad-request", "请求有误"),
    401: ("unauthenticated", "未登录或凭证无效"),
    403: ("forbidden", "无权操作"),
    404: ("not-found", "未找到"),
    405: ("method-not-allowed", "不支持该请求方法"),
    406: ("not-acceptable", "无法提供所需格式"),
    413: ("payload-too-large", "请求体过大"),
    415: ("unsupported-media-type", "不支持的媒体类型"),
}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _request_id(request: Request) -> str | None:
    """The id the request middleware gave this request."""
    request_id = request.scope.get("state", {}).get("request_id")
    return request_id if isinstance(request_id, str) else None


def _domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    problem = exc.to_problem(request.url.path)
    problem.request_id = _request_id(request)
    return problem_response(problem, exc.headers)


def internal_error(instance: str, request_id: str | None) -> Problem:
    """A bug: still a problem document, whose request id finds the traceback in the log."""
    return Problem(
        type=PROBLEM_BASE + "internal-error",
        title="服务器内部错误 / Internal server error",
        status=500,
        detail="服务器内部错误，请把 request_id 告知管理员 / "
        "Internal server error: give the request_id to an administrator",
        instance=instance,
        request_id=request_id,
    )


def _http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    slug, chinese = _HTTP_PROBLEMS.get(status, (phrase.lower().replace(" ", "-"), phrase))
    detail = str(exc.detail) if exc.detail else phrase
    if detail == phrase:
        detail = f"{chinese} / {phrase}: {request.method} {request.url.path}"
    problem = Problem(
        type=PROBLEM_BASE + slug,
        title=f"{chinese} / {phrase}",
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=_request_id(request),
    )
    headers = dict(exc.headers or {})
    allowed = _allowed_methods(request) if status == HTTPStatus.METHOD_NOT_ALLOWED else []
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    return problem_response(problem, headers)


# Starlette answers a 405 from the first route whose path matched, so its `Allow` named that
# route's methods only, where a path has several routes (GET and POST /cases).
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (RFC 9110 §15.5.6)."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def _validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        ProblemItem(location=".".join(str(part) for part in error["loc"]), reason=error["msg"])
        for error in exc.errors()
    ]
    error = InvalidInput(
        "请求参数不符合要求，见 errors / The request does not match the schema, see errors",
        errors=items,
    )
    problem = error.to_problem(request.url.path)
    problem.request_id = _request_id(request)
    return problem_response(problem)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)


def problems(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: every problem it can return, by status."""
    by_status: dict[int, list[type[DomainError]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    return {
        status: {
            "model": Problem,
            "description": "; ".join(sorted({f"`{PROBLEM_BASE}{e.slug}`" for e in group})),
        }
        for status, group in by_status.items()
    }
