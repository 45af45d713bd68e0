"""Routes of cases: filing, the queue, one route per workflow action, events and photos.

Every route takes a bearer token or an intake client's `X-API-Key`. A case outside the caller's
scope is a 404, exactly like a missing one. Each POST accepts an `Idempotency-Key`: the same key
and request give back the stored response; the key with another request is a 422.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    File,
    Header,
    Path,
    Query,
    Request,
    Response,
    Security,
    UploadFile,
    status,
)
from fastapi.responses import FileResponse, JSONResponse

from gridloop.auth.dependencies import (
    IntakeKey,
    Now,
    Sessions,
    intake_client,
    oauth2_scheme,
    token_holder,
)
from gridloop.cases import actions, allowed, callers, filing, idempotency, photos, reads, whistle
from gridloop.cases.callers import Caller
from gridloop.cases.idempotency import StoredResponse
from gridloop.cases.models import PhotoStep
from gridloop.cases.schemas import (
    ACTION_BODIES,
    MAX_ID,
    ActionBody,
    CaseCreate,
    CaseDetailRead,
    CaseEventRead,
    CaseFiledRead,
    CaseFilters,
    CasePage,
    CasePhotoRead,
    CaseQuery,
    CaseRead,
    DuplicateCandidate,
    DuplicateCandidateRead,
    DuplicateQuery,
    QueueCountsRead,
    WhistleRead,
)
from gridloop.cases.workflow import Action, actors_of
from gridloop.db import ReadSessionDep, SessionDep, committed
from gridloop.errors import (
    ActionNotAllowed,
    BadRequest,
    CalendarMissing,
    Conflict,
    Forbidden,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidInput,
    InvalidPhoto,
    NotFound,
    OutsideCoverage,
    OutsideYourGrids,
    PhotoTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    TooManyPhotos,
    Unauthorized,
    problems,
)
from gridloop.geo.schemas import GEOJSON, wants_geojson
from gridloop.responses import model_response

router = APIRouter(prefix="/cases", tags=["cases"])

ETAG_HEADER = {"ETag": {"description": "the case's version; send it back as If-Match to act"}}


async def current_caller(
    request: Request,
    sessions: Sessions,
    token: Annotated[str | None, Security(oauth2_scheme)],
    key: IntakeKey,
    at: Now,
) -> Caller:
    """The intake client of `X-API-Key`, else the user of the bearer token (`async`: when the
    process remembers the credential, no worker thread is needed)."""
    if key is not None:
        return callers.caller_for_client(await intake_client(sessions, key))
    if not token:
        raise Unauthorized()
    holder = await token_holder(request, sessions, token, at)
    return callers.caller_of(
        holder.as_user(), responsibility_grid_codes=holder.responsibility_grid_codes
    )


CallerDep = Annotated[Caller, Depends(current_caller)]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="a unique key per logical request (e.g. a UUID): a retry with the same key "
        "and request gets the stored response; kept 24 hours",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(max_length=1000, description="the case's ETag, from GET /cases/{case_id}"),
]


def _json(response: StoredResponse) -> JSONResponse:
    return JSONResponse(response.body, status_code=response.status_code, headers=response.headers)


def _idempotent(
    session: SessionDep,
    *,
    caller: Caller,
    key: str | None,
    fingerprint: Callable[[], str],
    at: datetime,
    run: Callable[[], StoredResponse],
) -> JSONResponse:
    return _json(
        idempotency.run_once(
            session, caller=caller, key=key, fingerprint=fingerprint, now=at, run=run
        )
    )


def _etag(case: CaseRead) -> dict[str, str]:
    return {"ETag": callers.etag_of(case.case_id, case.version)}


# ----------------------------------------------------------------------------- filing


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseFiledRead,
    responses={
        201: {"headers": {**ETAG_HEADER, "Location": {"description": "the new case"}}},
        **problems(
            Unauthorized,
            Forbidden,
            InvalidInput,
            OutsideCoverage,
            OutsideYourGrids,
            CalendarMissing,
            IdempotencyKeyInFlight,
            IdempotencyKeyReused,
            BadRequest,
        ),
    },
)
async def file_case(
    body: CaseCreate,
    caller: CallerDep,
    session: SessionDep,
    at: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """上报 / File a report (inspector, in their own grids; intake client, anywhere).

    JSON only; photos follow with `POST /cases/{case_id}/photos?step=before`. The response
    lists open cases of the same item within 50 m and 24 h: duplicate candidates, not merged.
    """

    def run() -> StoredResponse:
        filed = filing.file_case(session, caller=caller, body=body, now=at)
        headers = {**_etag(filed), "Location": f"/cases/{filed.case_id}"}
        return StoredResponse(201, filed.model_dump(mode="json"), headers)

    return await committed(
        session,
        lambda: _idempotent(
            session,
            caller=caller,
            key=idempotency_key,
            fingerprint=lambda: idempotency.fingerprint(
                "POST", "/cases", body.model_dump(mode="json")
            ),
            at=at,
            run=run,
        ),
    )


# ----------------------------------------------------------------------------- reads

# The GeoJSON page: a FeatureCollection of points whose properties are the cases.
GEOJSON_PAGE_SCHEMA = {
    "type": "object",
    "required": ["type", "features", "next_after"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "integer"},
                    "geometry": {
                        "type": "object",
                        "required": ["type", "coordinates"],
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                    },
                    "properties": {"$ref": "#/components/schemas/CaseRead"},
                },
            },
        },
        "next_after": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
}


@router.get(
    "",
    response_model=CasePage,
    responses={
        200: {"content": {GEOJSON: {"schema": GEOJSON_PAGE_SCHEMA}}},
        **problems(Unauthorized, InvalidInput),
    },
)
def list_cases(
    request: Request,
    query: Annotated[CaseQuery, Query()],
    caller: CallerDep,
    session: ReadSessionDep,
    at: Now,
) -> Response:
    """案件列表 / The caller's cases, filtered (a work queue: `queue`), newest first or as
    `sort` says; keyset pages (`after`).

    Scope: inspector — own grids; dispatcher — own street; liaison — cases dispatched to their
    office; auditor and admin — all; intake client — what it filed. GeoJSON with
    `Accept: application/geo+json` or `format=geojson`.
    """
    items, next_after = reads.list_cases(session, caller=caller, query=query, now=at)
    if wants_geojson(query.format, request.headers.get("accept")):
        collection = {
            "type": "FeatureCollection",
            "features": [reads.case_feature(item) for item in items],
            "next_after": next_after,
        }
        return JSONResponse(collection, media_type=GEOJSON)
    return model_response(CasePage(items=items, next_after=next_after))


# Before /{case_id}, which would take "queues" or "duplicate-candidates" for a case id.
@router.get(
    "/queues", response_model=QueueCountsRead, responses=problems(Unauthorized, InvalidInput)
)
def queue_counts(
    filters: Annotated[CaseFilters, Query()],
    caller: CallerDep,
    session: ReadSessionDep,
    at: Now,
) -> Response:
    """队列计数 / How many of the caller's cases each work queue holds now, under the filters
    of `GET /cases` (one query). The same cases as `GET /cases?queue=…`, in the same scope.
    """
    return model_response(reads.queue_counts(session, caller=caller, filters=filters, now=at))


@router.get(
    "/duplicate-candidates",
    responses=problems(Unauthorized, InvalidInput, OutsideCoverage, OutsideYourGrids),
)
def duplicate_candidates(
    query: Annotated[DuplicateQuery, Query()], caller: CallerDep, session: ReadSessionDep, at: Now
) -> list[DuplicateCandidateRead]:
    """疑似重复 / The duplicate candidates a report filed here now would get, before filing it:
    open cases of the same item within 50 m and 24 h that the caller sees, nearest first, each
    with its photos. The point and item are checked as `POST /cases` checks them (an inspector
    only in their own grids, naming a current item)."""
    return filing.duplicate_candidates(session, caller=caller, query=query, now=at)


@router.get(
    "/{case_id}",
    response_model=CaseDetailRead,
    responses={200: {"headers": ETAG_HEADER}, **problems(Unauthorized, NotFound, InvalidInput)},
)
def read_case(case_id: CaseId, caller: CallerDep, session: ReadSessionDep, at: Now) -> Response:
    """案件 / A case in the caller's scope, with its ETag and the actions the caller may take
    on it now (`allowed_actions`)."""
    row = reads.detail_row(session, caller=caller, case_id=case_id)
    permitted = allowed.allowed_actions(session, caller=caller, case=row)
    detail = reads.case_detail(row=row, allowed_actions=permitted, now=at)
    return model_response(detail, headers=_etag(detail))


@router.get("/{case_id}/events", responses=problems(Unauthorized, NotFound, InvalidInput))
def case_events(case_id: CaseId, caller: CallerDep, session: ReadSessionDep) -> list[CaseEventRead]:
    """案件流转记录 / Every event of a case, in order."""
    return reads.case_events(session, caller=caller, case_id=case_id)


@router.get("/{case_id}/duplicates", responses=problems(Unauthorized, NotFound, InvalidInput))
def case_duplicates(
    case_id: CaseId, caller: CallerDep, session: ReadSessionDep
) -> list[DuplicateCandidate]:
    """疑似重复 / Open cases the caller sees that this one may repeat: the same item within 50 m,
    reported within 24 h either side of it; nearest first. Nothing is merged."""
    return reads.duplicate_candidates(session, caller=caller, case_id=case_id)


@router.get("/{case_id}/whistle", responses=problems(Unauthorized, NotFound, InvalidInput))
def case_whistle(
    case_id: CaseId, caller: CallerDep, session: ReadSessionDep, at: Now
) -> WhistleRead:
    """吹哨报到 / The offices a whistle summoned, their arrival deadline and lateness."""
    return whistle.whistle_read(session, caller=caller, case_id=case_id, now=at)


# ----------------------------------------------------------------------------- photos


@router.get("/{case_id}/photos", responses=problems(Unauthorized, NotFound, InvalidInput))
def case_photos(case_id: CaseId, caller: CallerDep, session: ReadSessionDep) -> list[CasePhotoRead]:
    """案件照片 / The photos of a case, by step and handling round."""
    return photos.case_photos(session, caller=caller, case_id=case_id)


def _digest(upload: UploadFile) -> str:
    digest = hashlib.sha256()
    while chunk := upload.file.read(1 << 20):
        digest.update(chunk)
    upload.file.seek(0)
    return digest.hexdigest()


@router.post(
    "/{case_id}/photos",
    status_code=status.HTTP_201_CREATED,
    response_model=list[CasePhotoRead],
    responses=problems(
        Unauthorized,
        Forbidden,
        NotFound,
        ActionNotAllowed,
        IdempotencyKeyInFlight,
        IdempotencyKeyReused,
        InvalidInput,
        InvalidPhoto,
        TooManyPhotos,
        PhotoTooLarge,
        BadRequest,
    ),
)
def add_photos(
    case_id: CaseId,
    step: Annotated[PhotoStep, Query(description="before, after or verification")],
    files: Annotated[list[UploadFile], File(description="JPEG, PNG or WebP, ≤ 10 MB each")],
    caller: CallerDep,
    session: SessionDep,
    at: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """添加照片 / Add photos of a step (multipart `files`): at most 9 per step and round.

    Before: the reporter, while reported. After: the lead office, while handling. Verification:
    an inspector, before the round is verified. Recognised by content, re-encoded without EXIF.
    """

    def run() -> StoredResponse:
        added = photos.add_photos(
            session,
            caller=caller,
            case_id=case_id,
            step=step,
            files=[(upload.filename or "photo", upload.file) for upload in files],
            now=at,
        )
        return StoredResponse(201, [photo.model_dump(mode="json") for photo in added], {})

    return _idempotent(
        session,
        caller=caller,
        key=idempotency_key,
        fingerprint=lambda: idempotency.fingerprint(
            "POST",
            f"/cases/{case_id}/photos",
            {"step": step.value, "files": [_digest(upload) for upload in files]},
        ),
        at=at,
        run=run,
    )


@router.get(
    "/{case_id}/photos/{photo_id}",
    response_class=Response,
    responses={
        200: {
            "description": "the photo",
            "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
        },
        **problems(Unauthorized, NotFound, InvalidInput),
    },
)
def photo(
    case_id: CaseId,
    photo_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    caller: CallerDep,
    session: ReadSessionDep,
) -> Response:
    """照片 / One photo, to those who may see its case."""
    path, media_type = photos.photo_file(session, caller=caller, case_id=case_id, photo_id=photo_id)
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private"})


# ----------------------------------------------------------------------------- actions

ACTION_PROBLEMS = problems(
    Unauthorized,
    Forbidden,
    NotFound,
    ActionNotAllowed,
    Conflict,
    IdempotencyKeyInFlight,
    PreconditionFailed,
    PreconditionRequired,
    InvalidInput,
    IdempotencyKeyReused,
    CalendarMissing,
    BadRequest,
)


def _add_action_route(action: Action, body_model: type[ActionBody]) -> None:
    def endpoint(
        case_id: CaseId,
        body: ActionBody,
        caller: CallerDep,
        session: SessionDep,
        at: Now,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        def run() -> StoredResponse:
            case = actions.act(
                session,
                caller=caller,
                case_id=case_id,
                action=action,
                body=body,
                if_match=if_match,
                now=at,
            )
            read = reads.case_read(session, case=case, now=at)
            return StoredResponse(200, read.model_dump(mode="json"), _etag(read))

        return _idempotent(
            session,
            caller=caller,
            key=idempotency_key,
            fingerprint=lambda: idempotency.fingerprint(
                "POST", f"/cases/{case_id}/actions/{action}", body.model_dump(mode="json")
            ),
            at=at,
            run=run,
        )

    # The body's type is the action's own model: FastAPI reads it from the annotations.
    endpoint.__annotations__["body"] = body_model
    who = ", ".join(sorted(actors_of(action)))
    router.add_api_route(
        f"/{{case_id}}/actions/{action.value}",
        endpoint,
        methods=["POST"],
        name=f"case_action_{action.value}",
        summary=f"{action.value} ({who})",
        description=f"Take the `{action.value}` action ({who}). Needs `If-Match` with the "
        "case's ETag. An action the workflow does not allow in the case's status is a 409.",
        response_model=CaseRead,
        responses={200: {"headers": ETAG_HEADER}, **ACTION_PROBLEMS},
    )


for _action, _body in ACTION_BODIES.items():
    _add_action_route(_action, _body)
