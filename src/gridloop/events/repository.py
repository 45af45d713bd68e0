"""Queries of webhook subscriptions, deliveries and attempts, and the worker's claim."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from gridloop.cases.models import CaseEvent
from gridloop.events.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from gridloop.geo.models import Street
from gridloop.org.models import Office

# ----------------------------------------------------------------------------- subscriptions


def office_id_of(session: Session, code: str) -> int | None:
    return session.scalar(select(Office.office_id).where(Office.code == code))


def street_exists(session: Session, code: str) -> bool:
    return bool(session.scalar(select(exists().where(Street.code == code))))


def department_type_exists(session: Session, department_type: str) -> bool:
    return bool(session.scalar(select(exists().where(Office.department_type == department_type))))


def add_subscription(session: Session, subscription: WebhookSubscription) -> None:
    session.add(subscription)
    session.flush()


def _subscriptions(office_id: int | None) -> Any:
    statement = select(WebhookSubscription, Office.code.label("office_code")).outerjoin(
        Office, Office.office_id == WebhookSubscription.office_id
    )
    if office_id is not None:
        statement = statement.where(WebhookSubscription.office_id == office_id)
    return statement


def subscriptions(session: Session, *, office_id: int | None) -> list[Row[Any]]:
    """Subscriptions with their office's code; only one office's with `office_id`."""
    statement = _subscriptions(office_id).order_by(WebhookSubscription.webhook_subscription_id)
    return list(session.execute(statement))


def subscription(session: Session, *, webhook_id: int, office_id: int | None) -> Row[Any] | None:
    statement = _subscriptions(office_id).where(
        WebhookSubscription.webhook_subscription_id == webhook_id
    )
    return session.execute(statement).one_or_none()


def delete_subscription(session: Session, subscription: WebhookSubscription) -> None:
    session.delete(subscription)
    session.flush()


# ----------------------------------------------------------------------------- deliveries


def deliveries(
    session: Session,
    *,
    webhook_id: int,
    status: DeliveryStatus | None,
    case_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[WebhookDelivery]:
    """A subscription's deliveries, newest first."""
    statement = select(WebhookDelivery).where(WebhookDelivery.webhook_subscription_id == webhook_id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status.value)
    if case_id is not None:
        statement = statement.where(WebhookDelivery.case_id == case_id)
    if before_id is not None:
        statement = statement.where(WebhookDelivery.webhook_delivery_id < before_id)
    statement = statement.order_by(WebhookDelivery.webhook_delivery_id.desc()).limit(limit)
    return list(session.scalars(statement))


def delivery(session: Session, *, webhook_id: int, delivery_id: int) -> WebhookDelivery | None:
    return session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.webhook_delivery_id == delivery_id,
            WebhookDelivery.webhook_subscription_id == webhook_id,
        )
    )


def attempts(session: Session, *, delivery_id: int) -> list[WebhookAttempt]:
    return list(
        session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.webhook_delivery_id == delivery_id)
            .order_by(WebhookAttempt.webhook_attempt_id)
        )
    )


_AGAIN = {
    "status": DeliveryStatus.PENDING.value,
    "next_attempt_at": func.now(),
    "first_attempt_at": None,
    "finished_at": None,
}


def redeliver(session: Session, *, webhook_id: int, delivery_id: int) -> bool:
    """Queue one delivery again (its body and webhook-id stay)."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_delivery_id == delivery_id,
            WebhookDelivery.webhook_subscription_id == webhook_id,
        )
        .values(**_AGAIN)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def redeliver_range(
    session: Session, *, webhook_id: int, since: datetime, until: datetime, only_failed: bool
) -> int:
    """Queue again every delivery of the subscription created in [since, until)."""
    statement = update(WebhookDelivery).where(
        WebhookDelivery.webhook_subscription_id == webhook_id,
        WebhookDelivery.created_at >= since,
        WebhookDelivery.created_at < until,
    )
    if only_failed:
        statement = statement.where(WebhookDelivery.status == DeliveryStatus.FAILED.value)
    else:
        statement = statement.where(WebhookDelivery.status != DeliveryStatus.PENDING.value)
    return int(session.execute(statement.values(**_AGAIN)).rowcount)  # type: ignore[attr-defined]


def delete_finished_deliveries(session: Session, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` deliveries delivered or failed before `before` (their attempts go
    with them); how many went."""
    oldest = (
        select(WebhookDelivery.webhook_delivery_id)
        .where(
            WebhookDelivery.status != DeliveryStatus.PENDING,
            WebhookDelivery.finished_at < before,
        )
        .limit(limit)
    )
    deleted = session.scalars(
        delete(WebhookDelivery)
        .where(WebhookDelivery.webhook_delivery_id.in_(oldest))
        .returning(WebhookDelivery.webhook_delivery_id)
    )
    return len(deleted.all())


# ----------------------------------------------------------------------------- the worker


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_DELIVERY = _table(WebhookDelivery)
_SUBSCRIPTION = _table(WebhookSubscription)


def claim(session: Session, *, limit: int) -> list[Row[Any]]:
    """Lock up to `limit` due deliveries of enabled subscriptions, each the oldest pending one of
    its case for its subscription (so a case's events go in order), skipping rows another worker
    holds; with what is needed to send them. Plain rows: the worker updates them in one go."""
    delivery, subscription = _DELIVERY.c, _SUBSCRIPTION.c
    earlier = _DELIVERY.alias("earlier")
    statement = (
        select(
            delivery.webhook_delivery_id,
            delivery.webhook_subscription_id,
            delivery.case_event_id,
            delivery.attempts,
            delivery.body,
            delivery.first_attempt_at,
            delivery.next_attempt_at,
            subscription.url,
            subscription.secret,
            subscription.previous_secret,
            subscription.previous_secret_expires_at,
        )
        .join(
            _SUBSCRIPTION,
            subscription.webhook_subscription_id == delivery.webhook_subscription_id,
        )
        .where(
            delivery.status == DeliveryStatus.PENDING.value,
            delivery.next_attempt_at <= func.now(),
            subscription.enabled,
            ~exists().where(
                earlier.c.webhook_subscription_id == delivery.webhook_subscription_id,
                earlier.c.case_id == delivery.case_id,
                earlier.c.status == DeliveryStatus.PENDING.value,
                earlier.c.case_event_id < delivery.case_event_id,
            ),
        )
        .order_by(delivery.next_attempt_at, delivery.webhook_delivery_id)
        .limit(limit)
        .with_for_update(of=_DELIVERY, skip_locked=True)
    )
    return list(session.execute(statement))


_UPDATE_DELIVERY = (
    update(_DELIVERY)
    .where(_DELIVERY.c.webhook_delivery_id == bindparam("delivery_id"))
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        body=bindparam("new_body"),
        first_attempt_at=bindparam("new_first_attempt_at"),
        next_attempt_at=bindparam("new_next_attempt_at"),
        finished_at=bindparam("new_finished_at"),
        last_status_code=bindparam("new_last_status_code"),
    )
)


def update_deliveries(session: Session, changes: list[dict[str, Any]]) -> None:
    """Write the deliveries' new values (one statement, executed for each)."""
    session.connection().execute(_UPDATE_DELIVERY, changes)


def next_due(session: Session) -> datetime | None:
    """When the earliest pending delivery of an enabled subscription is due."""
    return session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at))
        .join(
            WebhookSubscription,
            WebhookSubscription.webhook_subscription_id == WebhookDelivery.webhook_subscription_id,
        )
        .where(WebhookDelivery.status == DeliveryStatus.PENDING.value, WebhookSubscription.enabled)
    )


def events_by_id(session: Session, event_ids: list[int]) -> dict[int, CaseEvent]:
    rows = session.scalars(select(CaseEvent).where(CaseEvent.case_event_id.in_(event_ids)))
    return {event.case_event_id: event for event in rows}


def add_attempts(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(WebhookAttempt), rows)


def disable(session: Session, *, webhook_id: int, reason: str, at: datetime) -> None:
    session.execute(
        update(WebhookSubscription)
        .where(
            WebhookSubscription.webhook_subscription_id == webhook_id,
            WebhookSubscription.enabled,
        )
        .values(enabled=False, disabled_at=at, disabled_reason=reason, updated_at=at)
    )


def database_now(session: Session) -> datetime:
    value: datetime | None = session.scalar(select(func.now()))
    assert value is not None
    return value
