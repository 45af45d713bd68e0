"""Routes of webhook subscriptions (`/webhooks`) and the live event stream (`/events/stream`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from gridloop.auth.dependencies import Now, require_roles
from gridloop.auth.models import Role, User
from gridloop.cases.router import CallerDep
from gridloop.cases.schemas import MAX_ID
from gridloop.db import ReadSessionDep, SessionDep, session_factory
from gridloop.errors import Forbidden, InvalidInput, NotFound, Unauthorized, problems
from gridloop.events import service, stream
from gridloop.events.models import DeliveryStatus
from gridloop.events.schemas import (
    DeliveryDetailRead,
    DeliveryRead,
    Redelivery,
    RedeliveryRead,
    SecretRotation,
    WebhookCreate,
    WebhookPayload,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
stream_router = APIRouter(prefix="/events", tags=["events"])

Manager = Annotated[User, Depends(require_roles(Role.ADMIN, Role.LIAISON))]
WebhookId = Annotated[int, Path(ge=1, le=MAX_ID)]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
READ_PROBLEMS = problems(Unauthorized, Forbidden, NotFound, InvalidInput)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems(Unauthorized, Forbidden, InvalidInput),
)
def create_webhook(
    body: WebhookCreate, session: SessionDep, user: Manager, at: Now
) -> WebhookWithSecret:
    """订阅推送 / Subscribe a receiver to case events: the whole district, or one office, one
    department type or one street (at most one). The signing `secret` is shown only here. A
    liaison subscribes to their own office's cases."""
    return service.create(session, user=user, body=body, now=at)


@router.get("", responses=problems(Unauthorized, Forbidden))
def list_webhooks(session: ReadSessionDep, user: Manager) -> list[WebhookRead]:
    """订阅列表 / Every subscription (a liaison: their office's)."""
    return service.list_all(session, user=user)


@router.get("/{webhook_id}", responses=READ_PROBLEMS)
def read_webhook(webhook_id: WebhookId, session: ReadSessionDep, user: Manager) -> WebhookRead:
    """订阅 / One subscription."""
    return service.read(session, user=user, webhook_id=webhook_id)


@router.patch("/{webhook_id}", responses=READ_PROBLEMS)
def update_webhook(
    webhook_id: WebhookId, body: WebhookUpdate, session: SessionDep, user: Manager, at: Now
) -> WebhookRead:
    """修改订阅 / Change the URL, description or events, or enable (resume) or disable it."""
    return service.update(session, user=user, webhook_id=webhook_id, body=body, now=at)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=READ_PROBLEMS)
def delete_webhook(webhook_id: WebhookId, session: SessionDep, user: Manager) -> Response:
    """删除订阅 / Delete a subscription with its deliveries."""
    service.delete(session, user=user, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{webhook_id}/rotate-secret", responses=READ_PROBLEMS)
def rotate_secret(
    webhook_id: WebhookId,
    session: SessionDep,
    user: Manager,
    at: Now,
    body: SecretRotation | None = None,
) -> WebhookWithSecret:
    """更换密钥 / A new signing secret, shown only here; requests carry a signature with the
    old one too for `overlap_hours` (default 24), so the receiver can switch in its own time."""
    rotation = body or SecretRotation()
    return service.rotate_secret(session, user=user, webhook_id=webhook_id, body=rotation, now=at)


@router.get("/{webhook_id}/deliveries", responses=READ_PROBLEMS)
def list_deliveries(
    webhook_id: WebhookId,
    session: ReadSessionDep,
    user: Manager,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    case_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    before: Annotated[
        int | None, Query(ge=1, description="deliveries older than this id (the next page)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryRead]:
    """推送记录 / A subscription's deliveries, newest first."""
    return service.deliveries(
        session,
        user=user,
        webhook_id=webhook_id,
        status=delivery_status,
        case_id=case_id,
        before_id=before,
        limit=limit,
    )


@router.get("/{webhook_id}/deliveries/{delivery_id}", responses=READ_PROBLEMS)
def read_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, session: ReadSessionDep, user: Manager
) -> DeliveryDetailRead:
    """推送 / One delivery with every attempt (time, duration, outcome, response status)."""
    return service.delivery(session, user=user, webhook_id=webhook_id, delivery_id=delivery_id)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", responses=READ_PROBLEMS)
def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, session: SessionDep, user: Manager
) -> DeliveryDetailRead:
    """重新推送 / Send one delivery again (same `webhook-id` and body)."""
    return service.redeliver(session, user=user, webhook_id=webhook_id, delivery_id=delivery_id)


@router.post("/{webhook_id}/redeliver", responses=READ_PROBLEMS)
def redeliver_range(
    webhook_id: WebhookId, body: Redelivery, session: SessionDep, user: Manager
) -> RedeliveryRead:
    """批量重推 / Send again every delivered or failed delivery created in a time range."""
    return service.redeliver_range(session, user=user, webhook_id=webhook_id, body=body)


def case_event_webhook(body: WebhookPayload) -> None:
    """案件事件 / A case event, POSTed to each matching subscription's URL, signed by the
    Standard Webhooks specification (`webhook-id`: `evt_<event_id>`, the same on every retry;
    `webhook-timestamp`; `webhook-signature`: `v1,<base64 HMAC-SHA256>`, one per secret in
    use). Answer 2xx to acknowledge; 5xx, 408, 429 (with `Retry-After`) and timeouts are
    retried with growing delays for 24 hours; 410 disables the subscription; any other answer
    fails the delivery."""


@stream_router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/EventOut"}}},
            "description": "Server-Sent Events: `id` the event id, `event: case`, `data` one "
            "EventOut as JSON; a `: heartbeat` comment while nothing happens",
        },
        **problems(Unauthorized, InvalidInput),
    },
)
def event_stream(
    request: Request,
    caller: CallerDep,
    factory: Annotated[sessionmaker[Session], Depends(session_factory)],
    last_event_id: Annotated[
        str | None,
        Header(
            pattern=r"^[0-9]{1,18}$",
            description="resume after this event (a reconnecting EventSource sends it)",
        ),
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, description="resume after this event id (as Last-Event-ID)")
    ] = None,
) -> StreamingResponse:
    """事件流 / The case events the caller may see (the scope of `GET /cases`) as they happen,
    as Server-Sent Events. Without `Last-Event-ID` (or `after`) it starts with the next event."""
    start = after if after is not None else (None if last_event_id is None else int(last_event_id))
    return StreamingResponse(
        stream.events(request, caller=caller, sessions=factory, after=start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
