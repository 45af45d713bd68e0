"""Webhook subscriptions: who may manage which, secrets and their rotation, deliveries and
sending them again. An admin manages every subscription; a liaison their own office's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridloop.auth.models import Role, User
from gridloop.errors import Forbidden, NotFound, invalid_field
from gridloop.events import repository, signing
from gridloop.events.models import (
    AttemptOutcome,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from gridloop.events.schemas import (
    AttemptRead,
    DeliveryDetailRead,
    DeliveryRead,
    Redelivery,
    RedeliveryRead,
    SecretRotation,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

NO_SUCH_WEBHOOK = "订阅不存在 / No such webhook subscription"
NO_SUCH_DELIVERY = "推送记录不存在 / No such delivery"
OWN_OFFICE_ONLY = "联络员只能订阅本单位的案件 / a liaison subscribes to their own office only"


def _office_scope(user: User) -> int | None:
    """None for an admin (every subscription); a liaison's office id."""
    if user.role == Role.ADMIN.value:
        return None
    if user.role == Role.LIAISON.value and user.office_id is not None:
        return user.office_id
    raise Forbidden("仅管理员或本单位联络员可管理订阅 / admins and liaisons only")


def _read(row: Any) -> WebhookRead:
    subscription: WebhookSubscription = row.WebhookSubscription
    return WebhookRead(
        webhook_id=subscription.webhook_subscription_id,
        url=subscription.url,
        description=subscription.description,
        events=list(subscription.events),
        office_code=row.office_code,
        department_type=subscription.department_type,
        street_code=subscription.street_code,
        enabled=subscription.enabled,
        disabled_at=subscription.disabled_at,
        disabled_reason=subscription.disabled_reason,
        previous_secret_expires_at=subscription.previous_secret_expires_at,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def _row(session: Session, *, user: User, webhook_id: int) -> Any:
    row = repository.subscription(session, webhook_id=webhook_id, office_id=_office_scope(user))
    if row is None:
        raise NotFound(NO_SUCH_WEBHOOK)
    return row


def create(
    session: Session, *, user: User, body: WebhookCreate, now: datetime
) -> WebhookWithSecret:
    """A new subscription and its secret, shown this once. A liaison's is always their office's."""
    own_office = _office_scope(user)
    office_id = None
    if body.office_code is not None:
        office_id = repository.office_id_of(session, body.office_code)
        if office_id is None:
            raise invalid_field("body.office_code", "单位不存在 / no such office")
    if own_office is not None:
        other_scope = body.department_type is not None or body.street_code is not None
        if other_scope or office_id not in (None, own_office):
            raise Forbidden(OWN_OFFICE_ONLY)
        office_id = own_office
    scopes = [office_id, body.department_type, body.street_code]
    if sum(scope is not None for scope in scopes) > 1:
        raise invalid_field(
            "body", "office_code、department_type、street_code 至多一个 / at most one scope"
        )
    if body.street_code is not None and not repository.street_exists(session, body.street_code):
        raise invalid_field("body.street_code", "街道不存在 / no such street")
    if body.department_type is not None and not repository.department_type_exists(
        session, body.department_type
    ):
        raise invalid_field("body.department_type", "无此类型的单位 / no office of this type")
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        url=str(body.url),
        description=body.description,
        events=body.events,
        office_id=office_id,
        department_type=body.department_type,
        street_code=body.street_code,
        secret=secret,
        enabled=True,
        created_by_user_id=user.user_id,
        created_at=now,
        updated_at=now,
    )
    repository.add_subscription(session, subscription)
    read = _read(
        repository.subscription(
            session, webhook_id=subscription.webhook_subscription_id, office_id=None
        )
    )
    return WebhookWithSecret(**dict(read), secret=secret)


def list_all(session: Session, *, user: User) -> list[WebhookRead]:
    return [_read(row) for row in repository.subscriptions(session, office_id=_office_scope(user))]


def read(session: Session, *, user: User, webhook_id: int) -> WebhookRead:
    return _read(_row(session, user=user, webhook_id=webhook_id))


def update(
    session: Session, *, user: User, webhook_id: int, body: WebhookUpdate, now: datetime
) -> WebhookRead:
    subscription: WebhookSubscription = _row(
        session, user=user, webhook_id=webhook_id
    ).WebhookSubscription
    if body.url is not None:
        subscription.url = str(body.url)
    if "description" in body.model_fields_set:
        subscription.description = body.description
    if body.events is not None:
        subscription.events = body.events
    if body.enabled is True and not subscription.enabled:
        subscription.enabled = True
        subscription.disabled_at = None
        subscription.disabled_reason = None
    elif body.enabled is False and subscription.enabled:
        subscription.enabled = False
        subscription.disabled_at = now
        subscription.disabled_reason = f"disabled by {user.username}"
    subscription.updated_at = now
    session.flush()
    return read(session, user=user, webhook_id=webhook_id)


def delete(session: Session, *, user: User, webhook_id: int) -> None:
    row = _row(session, user=user, webhook_id=webhook_id)
    repository.delete_subscription(session, row.WebhookSubscription)


def rotate_secret(
    session: Session, *, user: User, webhook_id: int, body: SecretRotation, now: datetime
) -> WebhookWithSecret:
    """A new secret, shown once; the old one keeps signing beside it for `overlap_hours`."""
    subscription: WebhookSubscription = _row(
        session, user=user, webhook_id=webhook_id
    ).WebhookSubscription
    secret = signing.new_secret()
    if body.overlap_hours > 0:
        subscription.previous_secret = subscription.secret
        subscription.previous_secret_expires_at = now + timedelta(hours=body.overlap_hours)
    else:
        subscription.previous_secret = None
        subscription.previous_secret_expires_at = None
    subscription.secret = secret
    subscription.updated_at = now
    session.flush()
    return WebhookWithSecret(**dict(read(session, user=user, webhook_id=webhook_id)), secret=secret)


def _delivery_read(delivery: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        delivery_id=delivery.webhook_delivery_id,
        webhook_id=delivery.webhook_subscription_id,
        event_id=delivery.case_event_id,
        case_id=delivery.case_id,
        status=DeliveryStatus(delivery.status),
        attempts=delivery.attempts,
        next_attempt_at=(
            delivery.next_attempt_at if delivery.status == DeliveryStatus.PENDING else None
        ),
        last_status_code=delivery.last_status_code,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
    )


def deliveries(
    session: Session,
    *,
    user: User,
    webhook_id: int,
    status: DeliveryStatus | None,
    case_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[DeliveryRead]:
    _row(session, user=user, webhook_id=webhook_id)
    rows = repository.deliveries(
        session,
        webhook_id=webhook_id,
        status=status,
        case_id=case_id,
        before_id=before_id,
        limit=limit,
    )
    return [_delivery_read(delivery) for delivery in rows]


def delivery(
    session: Session, *, user: User, webhook_id: int, delivery_id: int
) -> DeliveryDetailRead:
    _row(session, user=user, webhook_id=webhook_id)
    found = repository.delivery(session, webhook_id=webhook_id, delivery_id=delivery_id)
    if found is None:
        raise NotFound(NO_SUCH_DELIVERY)
    attempts = [
        AttemptRead(
            attempt_id=attempt.webhook_attempt_id,
            attempted_at=attempt.attempted_at,
            duration_ms=attempt.duration_ms,
            outcome=AttemptOutcome(attempt.outcome),
            status_code=attempt.status_code,
            error=attempt.error,
        )
        for attempt in repository.attempts(session, delivery_id=delivery_id)
    ]
    return DeliveryDetailRead(**dict(_delivery_read(found)), attempts_made=attempts)


def redeliver(
    session: Session, *, user: User, webhook_id: int, delivery_id: int
) -> DeliveryDetailRead:
    """Send one delivery again, with its webhook-id and body (a receiver may drop a repeat)."""
    _row(session, user=user, webhook_id=webhook_id)
    if not repository.redeliver(session, webhook_id=webhook_id, delivery_id=delivery_id):
        raise NotFound(NO_SUCH_DELIVERY)
    session.expire_all()
    return delivery(session, user=user, webhook_id=webhook_id, delivery_id=delivery_id)


def redeliver_range(
    session: Session, *, user: User, webhook_id: int, body: Redelivery
) -> RedeliveryRead:
    """Send again every finished delivery of a time range (pending ones are on their way)."""
    _row(session, user=user, webhook_id=webhook_id)
    if body.until <= body.since:
        raise invalid_field("body.until", "须晚于 since / must be after since")
    count = repository.redeliver_range(
        session,
        webhook_id=webhook_id,
        since=body.since,
        until=body.until,
        only_failed=body.only_failed,
    )
    return RedeliveryRead(deliveries=count)
