"""create_app(): routers, error handlers and the OpenAPI document; no logic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gridloop import console, health, metrics
from gridloop.auth import router as auth_router
from gridloop.calendar import router as calendar_router
from gridloop.cases import grid_router, sweeper
from gridloop.cases import router as cases_router
from gridloop.catalog import router as catalog_router
from gridloop.config import get_settings
from gridloop.cors import install_cors
from gridloop.docs import install_docs
from gridloop.errors import PROBLEM_MEDIA_TYPE, install_error_handlers
from gridloop.events import router as events_router
from gridloop.geo import router as geo_router
from gridloop.geo import tiles_router
from gridloop.limits import ConcurrencyLimit
from gridloop.observability import exposition
from gridloop.observability.middleware import RequestObserver
from gridloop.open311 import router as open311_router
from gridloop.org import router as org_router
from gridloop.reports import router as reports_router
from gridloop.routing import router as routing_router

DESCRIPTION = """
网格化城市管理派遣服务 / Grid-based urban incident dispatch.

Log in with `POST /auth/token` (demo password `gridloop-demo`), then send
`Authorization: Bearer <token>`. Every error is an RFC 9457 `application/problem+json` document.
"""


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="gridloop",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,  # served by gridloop.docs, without a CDN
        redoc_url=None,
    )
    app.add_middleware(ConcurrencyLimit, limit=settings.db_connections)
    # Outside the limit: a preflight never waits for a connection, and the limit's refusals
    # still carry the headers a browser needs to read them.
    install_cors(app, settings.cors_origins)
    # Outside the limit, so that time spent queueing counts in the request's duration.
    app.add_middleware(RequestObserver)
    if settings.trusted_proxies:
        # Outermost: the client address everyone sees is the one the trusted proxies forwarded
        # (the right-most hop that is not one of them).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(exposition.router)
    app.include_router(auth_router.router)
    app.include_router(geo_router.router)
    app.include_router(org_router.router)
    app.include_router(routing_router.router)
    app.include_router(calendar_router.router)
    app.include_router(catalog_router.router)
    app.include_router(cases_router.router)
    app.include_router(reports_router.router)
    app.include_router(tiles_router.router)
    app.include_router(grid_router.router)
    app.include_router(open311_router.router)
    app.include_router(events_router.router)
    app.include_router(events_router.stream_router)
    app.webhooks.post("case-event")(events_router.case_event_webhook)
    app.include_router(console.router)
    install_docs(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with sweeper.lifespan(app):
        try:
            yield
        finally:
            metrics.process_exit()


def _answers_in_own_formats(operation: dict[str, Any]) -> bool:
    """An operation whose errors are not problems but its own (Open311's, in JSON and XML):
    it keeps them, and FastAPI's 422, which its route never returns, goes."""
    responses = operation.get("responses", {})
    own = any(
        status.isdigit()
        and int(status) >= 400
        and set(response.get("content", {})) - {"application/json"}
        for status, response in responses.items()
    )
    if own:
        responses.pop("422", None)
    return own


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with every error response declared as problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
    )
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if "requestBody" in operation:
                # A body that is not JSON (or not a form) at all never reaches validation.
                operation["responses"].setdefault("400", {"description": "`/problems/bad-request`"})
            if _answers_in_own_formats(operation):
                continue
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400 and status != "503":
                    response["content"] = {
                        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
    for path_item in schema.get("webhooks", {}).values():
        for operation in path_item.values():
            # What the receiver answers: FastAPI's validation error is ours, not theirs.
            operation["responses"] = {
                "200": {"description": "any 2xx acknowledges the event"},
                "410": {"description": "the receiver is gone: the subscription is disabled"},
            }
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = schema
    return schema
