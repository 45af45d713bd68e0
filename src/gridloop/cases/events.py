"""The case's history: every change appends one event row, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases import repository
from gridloop.cases.callers import Caller
from gridloop.cases.models import GridCase
from gridloop.cases.workflow import Actor, Status


def record(
    session: Session,
    *,
    case: GridCase,
    caller: Caller | None,
    action: str,
    from_status: Status | None,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    """Append an event; `caller` None is the system (the sweeper)."""
    repository.add_event(
        session,
        {
            "case_id": case.case_id,
            **values(
                district_code=case.district_code,
                to_status=case.status,
                caller=caller,
                action=action,
                from_status=from_status,
                payload=payload,
                at=at,
            ),
        },
    )


def values(
    *,
    district_code: str,
    to_status: str,
    caller: Caller | None,
    action: str,
    from_status: Status | None,
    payload: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """An event's column values but its case's id: for filing, which inserts the case and its
    event in one statement, before the case has an id."""
    return {
        "district_code": district_code,
        "action": action,
        "from_status": None if from_status is None else from_status.value,
        "to_status": to_status,
        "actor_role": Actor.SYSTEM.value if caller is None else caller.actor.value,
        "actor_user_id": None if caller is None else caller.user_id,
        "actor_api_key_id": None if caller is None else caller.api_key_id,
        "payload": payload,
        "occurred_at": at,
    }
