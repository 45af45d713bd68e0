"""CORS for browser clients served from another origin (a console on its own host, a city's
portal): off unless `GRIDLOOP_CORS_ORIGINS` names the origins allowed.

Tokens travel in the `Authorization` header, never in cookies, so credentials are not allowed.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gridloop.errors import PROBLEM_BASE, Problem, problem_response

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# What a client sends beyond the headers CORS always allows (Accept, Content-Type …).
REQUEST_HEADERS = ["Authorization", "If-Match", "Idempotency-Key", "X-API-Key", "X-Request-ID"]
# What a client may read beyond the headers CORS always exposes.
RESPONSE_HEADERS = [
    "Allow",
    "Content-Disposition",
    "ETag",
    "Location",
    "Retry-After",
    "WWW-Authenticate",
    "X-Request-ID",
]
PREFLIGHT_MAX_AGE_SECONDS = 600


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as a problem document."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        is_preflight = (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )
        if not is_preflight:
            await super().__call__(scope, receive, send)
            return
        response = self.preflight_response(request_headers=headers)
        if response.status_code == 400:
            response = _refusal(scope, response)
        await response(scope, receive, send)


def _refusal(scope: Scope, plain: Response) -> Response:
    """Starlette's plain-text refusal of a preflight as a problem, with the same CORS headers."""
    reason = bytes(plain.body).decode()  # "Disallowed CORS origin, headers"
    request_id = scope.get("state", {}).get("request_id")  # set by the request middleware
    problem = Problem(
        type=PROBLEM_BASE + "cors-preflight-refused",
        title="跨域预检被拒绝 / CORS preflight refused",
        status=400,
        detail=f"该来源、方法或请求头不被允许 / {reason}",
        instance=scope["path"],
        request_id=request_id if isinstance(request_id, str) else None,
    )
    kept = {
        name: value
        for name, value in plain.headers.items()
        if name not in ("content-type", "content-length")
    }
    return problem_response(problem, kept)


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Answer CORS requests from `origins` (`*`: any); no CORS at all when there are none."""
    if not origins:
        return
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=origins,
        allow_methods=METHODS,
        allow_headers=REQUEST_HEADERS,
        expose_headers=RESPONSE_HEADERS,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
