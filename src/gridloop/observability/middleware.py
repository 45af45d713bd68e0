"""Per request, as plain ASGI: an id, the access log line and the request metrics.

Pure ASGI rather than `BaseHTTPMiddleware`: no extra task or body buffering per request. The
route is the matched route's template (`/cases/{case_id}`), read from the scope after the app
ran, so metrics and logs stay a bounded set of series whatever paths clients send.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridloop import metrics
from gridloop.errors import PROBLEM_MEDIA_TYPE, Problem, internal_error
from gridloop.observability.logs import REQUEST_ID

access_log = logging.getLogger("gridloop.access")
error_log = logging.getLogger("gridloop.errors")

REQUEST_ID_HEADER = b"x-request-id"
# What a proxy or client may hand us as an id: short, and safe in a log line and a header.
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}")
UNMATCHED_ROUTE = "<unmatched>"


def request_id_of(scope: Scope) -> str:
    """The request's id: a sane `X-Request-ID` from the client or proxy, else a new one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            if SANE_REQUEST_ID.fullmatch(value):
                return str(value, "ascii")
            break
    return os.urandom(16).hex()  # as random as a UUID 4, for a third of its cost


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        status = 500  # until a response starts
        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER, request_id.encode("ascii")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Logged here, where the request id is still known; answered as a problem document
            # unless the response had begun, when only dropping the connection is left.
            error_log.exception("unexpected error in %s %s", scope["method"], route_of(scope))
            if responded:
                raise
            await _send_problem(send_with_id, internal_error(scope["path"], request_id))
        finally:
            _record(scope, state, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)


async def _send_problem(send: Send, problem: Problem) -> None:
    body = problem.model_dump_json(exclude_none=True).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# A client may send any method: the rest share one label, so that series stay few.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The metric children of each (method, route, status), made once: `labels()` costs more than
# the count itself.
_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series_of(method: str, route: str, status: int) -> tuple[Any, Any]:
    key = (method if method in KNOWN_METHODS else "OTHER", route, status)
    series = _series.get(key)
    if series is None:
        labels = (key[0], route, str(status))
        series = (
            metrics.HTTP_REQUESTS.labels(*labels),
            metrics.HTTP_REQUEST_SECONDS.labels(*labels),
        )
        _series[key] = series
    return series


def _record(scope: Scope, state: dict[str, object], status: int, seconds: float) -> None:
    route = route_of(scope)
    method = scope["method"]
    requests, durations = _series_of(method, route, status)
    requests.inc()
    durations.observe(seconds)
    if not access_log.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    user_id = state.get("user_id")
    duration_ms = round(seconds * 1000, 2)
    access_log.info(
        "%s %s %d %.1f ms user=%s client=%s",
        method,
        route,
        status,
        duration_ms,
        user_id if user_id is not None else "-",
        client[0] if client else "-",
        extra={
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
            "client": client[0] if client else None,
        },
    )
