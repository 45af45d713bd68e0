"""API shapes of webhook subscriptions, deliveries and attempts, and of what is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from gridloop.cases.schemas import CaseRead, LocalTime
from gridloop.cases.workflow import EVENT_KINDS, Actor, Status
from gridloop.events.models import AttemptOutcome, DeliveryStatus

EVENTS_DESCRIPTION = (
    "action names of the workflow (file, register, dispatch …) and `overdue`; empty: every event"
)


def _known_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_KINDS))
    if unknown:
        raise ValueError(f"unknown events {unknown}; known: {', '.join(EVENT_KINDS)}")
    return sorted(set(events))


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # No example address: the API document names no outside host (intranets are offline).
    url: AnyHttpUrl = Field(
        description="where the events are POSTed: the receiving system's http(s) address"
    )
    description: str | None = Field(default=None, max_length=500)
    events: list[str] = Field(default_factory=list, max_length=64, description=EVENTS_DESCRIPTION)
    office_code: str | None = Field(default=None, max_length=32, description="one office's cases")
    department_type: str | None = Field(
        default=None, max_length=32, description="the cases of any office of this type"
    )
    street_code: str | None = Field(
        default=None, pattern=r"^[0-9]{9}$", description="one street's cases"
    )

    _events = field_validator("events")(_known_events)


class WebhookUpdate(BaseModel):
    """Fields to change; the scope stays as created."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl | None = None
    description: str | None = Field(default=None, max_length=500)
    events: list[str] | None = Field(default=None, max_length=64, description=EVENTS_DESCRIPTION)
    enabled: bool | None = Field(
        default=None,
        description="true re-enables a disabled subscription; its pending deliveries resume",
    )

    @field_validator("events")
    @classmethod
    def _check_events(cls, events: list[str] | None) -> list[str] | None:
        return None if events is None else _known_events(events)


class WebhookRead(BaseModel):
    webhook_id: int
    url: str
    description: str | None
    events: list[str]
    office_code: str | None
    department_type: str | None
    street_code: str | None
    enabled: bool
    disabled_at: LocalTime | None
    disabled_reason: str | None = Field(description="why it was disabled (410, failing for long)")
    previous_secret_expires_at: LocalTime | None = Field(
        description="until when the secret before the last rotation still signs too"
    )
    created_at: LocalTime
    updated_at: LocalTime


class WebhookWithSecret(WebhookRead):
    secret: str = Field(description="the signing secret (`whsec_…`), shown only this once")


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_hours: float = Field(
        default=24, ge=0, le=168, description="how long the old secret keeps signing too"
    )


class DeliveryRead(BaseModel):
    delivery_id: int
    webhook_id: int
    event_id: int
    case_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: LocalTime | None = Field(description="when it is tried next, while pending")
    last_status_code: int | None
    created_at: LocalTime
    finished_at: LocalTime | None


class AttemptRead(BaseModel):
    attempt_id: int
    attempted_at: LocalTime
    duration_ms: int
    outcome: AttemptOutcome
    status_code: int | None
    error: str | None


class DeliveryDetailRead(DeliveryRead):
    attempts_made: list[AttemptRead]


class Redelivery(BaseModel):
    """Send again every delivery of a subscription made in a time range."""

    model_config = ConfigDict(extra="forbid")

    since: datetime = Field(description="from (inclusive), when the deliveries were created")
    until: datetime = Field(description="to (exclusive)")
    only_failed: bool = Field(default=False, description="only deliveries that failed")


class RedeliveryRead(BaseModel):
    deliveries: int = Field(description="how many deliveries were queued again")


# ----------------------------------------------------------------------------- what is sent


class EventOut(BaseModel):
    """A case event as it leaves gridloop (a webhook's `data.event`, a `data:` line of
    `GET /events/stream`): the public part of its payload (free-text notes and comments stay
    in)."""

    event_id: int
    case_id: int
    action: str = Field(description="a workflow action, or `overdue`")
    from_status: Status | None
    to_status: Status
    actor_role: Actor
    occurred_at: LocalTime
    payload: dict[str, Any]


class WebhookData(BaseModel):
    event: EventOut
    case: CaseRead = Field(
        description="the case as `GET /cases/{case_id}` shows it to an auditor when the delivery "
        "is first sent, without the requester"
    )


class WebhookPayload(BaseModel):
    """The body of every webhook request (Standard Webhooks' `type`, `timestamp`, `data`)."""

    type: str = Field(examples=["case.dispatch"], description="`case.` and the event's action")
    timestamp: LocalTime = Field(description="when the event happened")
    data: WebhookData
