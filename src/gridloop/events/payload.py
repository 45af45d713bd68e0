"""What leaves gridloop of an event: its public part, and the webhook body with the case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases import reads
from gridloop.cases.models import CaseEvent
from gridloop.cases.workflow import Actor, Status
from gridloop.events.schemas import EventOut, WebhookData, WebhookPayload

# Free text written by staff or a reporter: it may name people, so it stays inside.
PRIVATE_PAYLOAD_KEYS = frozenset({"note", "comment"})


def event_out(event: CaseEvent) -> EventOut:
    return EventOut(
        event_id=event.case_event_id,
        case_id=event.case_id,
        action=event.action,
        from_status=None if event.from_status is None else Status(event.from_status),
        to_status=Status(event.to_status),
        actor_role=Actor(event.actor_role),
        occurred_at=event.occurred_at,
        payload=public_payload(event.payload),
    )


def public_payload(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in PRIVATE_PAYLOAD_KEYS}


def message_id(event_id: int) -> str:
    """The `webhook-id` of an event: the same on every retry and to every subscription."""
    return f"evt_{event_id}"


def webhook_bodies(session: Session, *, events: list[CaseEvent]) -> dict[int, bytes]:
    """The JSON body sent for each event, by event id: the event and its case as an auditor
    reads it now (`GET /cases/{id}` without the requester, who is never sent)."""
    cases = reads.case_reads_by_id(
        session, case_ids=[event.case_id for event in events], now=datetime.now(UTC)
    )
    return {
        event.case_event_id: WebhookPayload(
            type=f"case.{event.action}",
            timestamp=event.occurred_at,
            data=WebhookData(event=event_out(event), case=cases[event.case_id]),
        )
        .model_dump_json()
        .encode()
        for event in events
    }
