"""Open311 GeoReport v2 under /open311/v2/, every resource as `.json` and `.xml`.

GET needs no key and is rate limited per client address; POST needs an intake client's
`api_key` and is rate limited per key. A request is counted in its transaction, and once more
in a transaction of its own if it fails (its count went with the rollback): a failed request has
been made all the same. Every failure is an Open311 error in the requested format (`[{"code",
"description"}]`, `<errors><error>…`), with the status the specification asks for: 400, 403, 404
or 429.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gridloop.auth import service as auth_service
from gridloop.auth.dependencies import ClientAddress, Now
from gridloop.auth.models import ApiKey
from gridloop.config import get_settings
from gridloop.db import SessionDep, session_factory
from gridloop.errors import DomainError, Forbidden, TooManyRequests
from gridloop.open311 import catalog, service_requests
from gridloop.open311.schemas import (
    DiscoveryRead,
    ErrorRead,
    RequestCreatedRead,
    RequestRead,
    RequestUpdateRead,
    ServiceDefinitionRead,
    ServiceRead,
    TokenRead,
)
from gridloop.open311.serialization import MEDIA_TYPES, Format, render_list, render_object
from gridloop.open311.service_requests import Links, Page, RequestForm, RequestQuery, Window

PREFIX = "/open311/v2"
MAX_ID = 2**31 - 1

# The specification's statuses: 403 for a missing or wrong key, 404 for what is not there,
# 429 for a rate, 400 for everything else a request got wrong.
OPEN311_STATUS = {401: 403, 403: 403, 404: 404, 429: 429}


def _format_of(request: Request) -> Format:
    return Format.JSON if request.url.path.endswith(".json") else Format.XML


def error_response(
    request: Request, status: int, descriptions: list[str], headers: dict[str, str] | None = None
) -> Response:
    code = OPEN311_STATUS.get(status, 400)
    errors = [ErrorRead(code=code, description=text) for text in descriptions]
    return render_list(
        errors,
        model=ErrorRead,
        fmt=_format_of(request),
        root="errors",
        item="error",
        status_code=code,
        headers=headers,
    )


def _described(error: DomainError) -> list[str]:
    if error.errors:
        return [f"{item.location}: {item.reason}" for item in error.errors]
    return [error.detail]


async def _open311_error(request: Request, error: Exception) -> Response:
    await _recount(request, error)
    return _error_of(request, error)


# The failures an Open311 route answers itself; anything else stays the app's (a bug is a 500).
OPEN311_ERRORS: dict[Any, Callable[[Request, Exception], Coroutine[Any, Any, Response]]] = {
    DomainError: _open311_error,
    RequestValidationError: _open311_error,
    HTTPException: _open311_error,
}


class Open311Route(APIRoute):
    """A route whose every failure is an Open311 error in the format the path asks for.

    Its exception handlers stand in for the app's, so that they answer after the request's
    dependencies have ended: the failed request's transaction is rolled back, as everywhere.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handlers, _ = scope.get("starlette.exception_handlers", ({}, {}))
        handled: tuple[dict[Any, Any], dict[int, Any]] = ({**handlers, **OPEN311_ERRORS}, {})
        await super().handle({**scope, "starlette.exception_handlers": handled}, receive, send)


def _error_of(request: Request, error: Exception) -> Response:
    match error:
        case DomainError():
            return error_response(request, error.status, _described(error), error.headers)
        case RequestValidationError():
            # Path parameters name the resource: a wrong one is a resource not there.
            wrong_path = any(problem["loc"][0] == "path" for problem in error.errors())
            described = [
                f"{'.'.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}"
                for problem in error.errors()
            ]
            return error_response(
                request,
                404 if wrong_path else 400,
                [f"请求无效 / invalid request: {'; '.join(described)}"],
            )
        case HTTPException():
            return error_response(
                request, error.status_code, [f"请求无效 / invalid request: {error.detail}"]
            )
    raise error


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)

# ----------------------------------------------------------------------------- the OpenAPI side


XML_TEXT = {MEDIA_TYPES[Format.XML]: {"schema": {"type": "string"}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": f"an Open311 error: {what}",
        "model": list[ErrorRead],
        "content": XML_TEXT,
    }
    for status, what in (
        (400, "the request is invalid"),
        (403, "a missing or wrong api_key"),
        (404, "not found (id, service, jurisdiction, format)"),
        (429, "too many requests (see Retry-After)"),
    )
}


def _documented(
    model: type[Any], *, listed: bool, status: int = 200
) -> dict[int | str, dict[str, Any]]:
    """The responses of an Open311 route: its model as JSON or XML, and Open311 errors."""
    shape = list[model] if listed else model  # type: ignore[valid-type]
    return {status: {"model": shape, "content": XML_TEXT}, **ERRORS}


Fmt = Annotated[Format, Path(description="`json` or `xml`")]
Jurisdiction = Annotated[
    str | None, Query(description="the district code, e.g. 310105; may be left out")
]
Factory = Annotated[sessionmaker[Session], Depends(session_factory)]


def _links(request: Request) -> Links:
    return Links(base_url=str(request.base_url))


# ----------------------------------------------------------------------------- rate limits


@dataclass(frozen=True)
class Count:
    """A request counted against its caller's limit, in the request's transaction."""

    scope: str
    subject: str
    limit: int
    at: datetime

    def take(self, session: Session) -> None:
        auth_service.count_request(
            session, scope=self.scope, subject=self.subject, limit=self.limit, now=self.at
        )


def _counted(
    request: Request, factory: sessionmaker[Session], count: Count, session: Session
) -> None:
    """Count in the request's transaction, and remember how to count again should the request
    fail: its count goes with its rollback, but a failed request has been made all the same."""
    count.take(session)
    request.state.open311_recount = lambda: _count_alone(factory, count)


def _count_alone(factory: sessionmaker[Session], count: Count) -> None:
    try:
        with factory.begin() as session:
            count.take(session)
    except TooManyRequests:
        pass  # past the limit already: its own error says what went wrong


async def _recount(request: Request, error: Exception) -> None:
    recount = getattr(request.state, "open311_recount", None)
    if recount is not None and not isinstance(error, TooManyRequests):
        await run_in_threadpool(recount)


def public_get(
    request: Request, session: SessionDep, factory: Factory, address: ClientAddress, at: Now
) -> None:
    """Count a GET against its client address's limit."""
    count = Count("open311-get", address, get_settings().open311_get_per_minute, at)
    _counted(request, factory, count, session)


async def request_form(request: Request) -> RequestForm:
    """The POST's form fields (urlencoded or multipart without files), as sent."""
    async with request.form(max_files=0, max_fields=200) as form:
        fields: dict[str, list[str]] = {}
        for name, value in form.multi_items():
            fields.setdefault(name, []).append(str(value))
    return RequestForm(fields)


Form = Annotated[RequestForm, Depends(request_form)]


def intake_client(
    request: Request, form: Form, session: SessionDep, factory: Factory, at: Now
) -> ApiKey:
    """The intake client of the form's `api_key`, its filing counted against its limit."""
    key = form.one("api_key")
    if key is None:
        raise Forbidden("缺少 api_key / api_key was not provided")
    client = auth_service.client_for_api_key(session, key=key)
    if client is None:
        raise Forbidden("api_key 无效或已吊销 / the api_key is invalid or revoked")
    limit = get_settings().open311_post_per_minute
    _counted(request, factory, Count("open311-post", str(client.api_key_id), limit, at), session)
    return client


PublicGet = Depends(public_get)


# ----------------------------------------------------------------------------- resources


@router.get(
    "/discovery.{fmt}",
    responses=_documented(DiscoveryRead, listed=False),
    dependencies=[PublicGet],
)
def discovery(fmt: Fmt, request: Request, session: SessionDep) -> Response:
    """发现 / Service discovery: this endpoint, its formats, and when its services changed."""
    found = catalog.discovery(session, endpoint_url=f"{request.base_url}{PREFIX.lstrip('/')}")
    return render_object(found, fmt=fmt, root="discovery")


@router.get(
    "/services.{fmt}", responses=_documented(ServiceRead, listed=True), dependencies=[PublicGet]
)
def services(fmt: Fmt, session: SessionDep, jurisdiction_id: Jurisdiction = None) -> Response:
    """服务列表 / The services (catalog items) the public may report."""
    service_requests.jurisdiction(session, jurisdiction_id)
    found = catalog.services(session)
    return render_list(found, model=ServiceRead, fmt=fmt, root="services", item="service")


@router.get(
    "/services/{service_code}.{fmt}",
    responses=_documented(ServiceDefinitionRead, listed=False),
    dependencies=[PublicGet],
)
def service_definition(
    service_code: Annotated[str, Path(max_length=16)],
    fmt: Fmt,
    session: SessionDep,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """服务定义 / A service's attributes: the facts the routing rules read for its item."""
    service_requests.jurisdiction(session, jurisdiction_id)
    found = catalog.service_definition(session, code=service_code)
    return render_object(found, fmt=fmt, root="service_definition")


REQUEST_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_code"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "jurisdiction_id",
                            "service_code",
                            "lat",
                            "long",
                            "address_string",
                            "address_id",
                            "email",
                            "device_id",
                            "account_id",
                            "first_name",
                            "last_name",
                            "phone",
                            "description",
                            "media_url",
                        )
                    },
                    "additionalProperties": {
                        "type": "string",
                        "description": "attribute[code]=value, from the service definition",
                    },
                }
            }
        },
    }
}


@router.post(
    "/requests.{fmt}",
    status_code=201,
    responses=_documented(RequestCreatedRead, listed=True, status=201),
    openapi_extra=REQUEST_FORM,
)
def file_request(
    fmt: Fmt,
    form: Form,
    client: Annotated[ApiKey, Depends(intake_client)],
    session: SessionDep,
    at: Now,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="as on POST /cases: a retry with the same key and request gets the "
            "first answer",
        ),
    ] = None,
) -> Response:
    """提交诉求 / File a service request (an intake client's `api_key`): filed at once, by the
    same filing as `POST /cases`; the key's source (12345, public app) is the case's."""
    created = service_requests.file_request(
        session,
        client=client,
        form=form,
        idempotency_key=idempotency_key,
        now=at,
    )
    return render_list(
        [created],
        model=RequestCreatedRead,
        fmt=fmt,
        root="service_requests",
        item="request",
        status_code=201,
    )


@router.get(
    "/requests.{fmt}", responses=_documented(RequestRead, listed=True), dependencies=[PublicGet]
)
def list_requests(
    fmt: Fmt,
    request: Request,
    session: SessionDep,
    at: Now,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[
        list[str] | None, Query(description="ids, comma separated; overrides the rest")
    ] = None,
    service_code: Annotated[list[str] | None, Query(description="comma separated")] = None,
    start_date: Annotated[
        str | None, Query(description="W3C datetime; default end − 90 days")
    ] = None,
    end_date: Annotated[str | None, Query(description="W3C datetime; default now")] = None,
    status: Annotated[list[str] | None, Query(description="open, closed")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north (WGS-84)")] = None,
    limit: Annotated[str | None, Query(description="at most 1000 (the default)")] = None,
    offset: Annotated[str | None, Query(description="requests to skip")] = None,
) -> Response:
    """诉求列表 / Service requests, newest first: by ids, or by service, time (90 days at
    most), status and box; `limit`/`offset` page through them."""
    district = service_requests.jurisdiction(session, jurisdiction_id)
    query = RequestQuery.parse(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        bbox=bbox,
        limit=limit,
        offset=offset,
        now=at,
    )
    found = service_requests.list_requests(
        session, district=district, query=query, links=_links(request), now=at
    )
    return render_list(found, model=RequestRead, fmt=fmt, root="service_requests", item="request")


RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get(
    "/requests/{service_request_id}.{fmt}",
    responses=_documented(RequestRead, listed=True),
    dependencies=[PublicGet],
)
def read_request(
    service_request_id: RequestId,
    fmt: Fmt,
    request: Request,
    session: SessionDep,
    at: Now,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """诉求 / One service request."""
    district = service_requests.jurisdiction(session, jurisdiction_id)
    found = service_requests.get_request(
        session,
        district=district,
        request_id=service_request_id,
        links=_links(request),
        now=at,
    )
    return render_list([found], model=RequestRead, fmt=fmt, root="service_requests", item="request")


@router.get(
    "/tokens/{token}.{fmt}",
    responses=_documented(TokenRead, listed=True),
    dependencies=[PublicGet],
)
def read_token(
    token: Annotated[str, Path(max_length=16)],
    fmt: Fmt,
    session: SessionDep,
    at: Now,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """令牌 / The request of a token: filing is synchronous, so a token is the request's id."""
    district = service_requests.jurisdiction(session, jurisdiction_id)
    found = service_requests.token(session, district=district, token=token, now=at)
    return render_list([found], model=TokenRead, fmt=fmt, root="service_requests", item="request")


@router.get(
    "/servicerequestupdates.{fmt}",
    responses=_documented(RequestUpdateRead, listed=True),
    dependencies=[PublicGet],
)
def request_updates(
    fmt: Fmt,
    request: Request,
    session: SessionDep,
    at: Now,
    jurisdiction_id: Jurisdiction = None,
    start_date: Annotated[
        str | None, Query(description="W3C datetime; default end − 90 days")
    ] = None,
    end_date: Annotated[str | None, Query(description="W3C datetime; default now")] = None,
    limit: Annotated[str | None, Query(description="at most 1000 (the default)")] = None,
    offset: Annotated[str | None, Query(description="updates to skip")] = None,
) -> Response:
    """诉求进展 / mySociety's extension: one update per status change, oldest first."""
    district = service_requests.jurisdiction(session, jurisdiction_id)
    found = service_requests.updates(
        session,
        district=district,
        window=Window.parse(start_date, end_date, now=at),
        page=Page.parse(limit, offset),
        links=_links(request),
    )
    return render_list(
        found,
        model=RequestUpdateRead,
        fmt=fmt,
        root="service_request_updates",
        item="request_update",
    )


@router.get(
    "/requests/{service_request_id}/media/{photo_id}",
    response_class=Response,
    responses={
        200: {
            "description": "the photo",
            "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
        },
        **{
            status: {"description": response["description"], "content": XML_TEXT}
            for status, response in ERRORS.items()
        },
    },
    dependencies=[PublicGet],
)
def request_media(
    service_request_id: RequestId,
    photo_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    at: Now,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """诉求照片 / A before- or after-photo of a request, once its photos are public."""
    district = service_requests.jurisdiction(session, jurisdiction_id)
    path, media_type = service_requests.media(
        session,
        district=district,
        case_id=service_request_id,
        photo_id=photo_id,
        now=at,
    )
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public"})
