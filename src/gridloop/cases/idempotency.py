"""Idempotency keys: a POST sent again with the same `Idempotency-Key` gets the first answer.

In the request's transaction: take the key's advisory lock without waiting (not free: the first
request is still running, 409); a stored response for the same request is replayed; the key
with a different request is a 422; else the route runs and its response is stored with the
work, in the same transaction. Only successful responses are stored (a failure rolls back).
Keys are per caller and kept 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases import repository
from gridloop.cases.callers import Caller
from gridloop.errors import IdempotencyKeyInFlight, IdempotencyKeyReused

TTL = timedelta(hours=24)


def fingerprint(method: str, path: str, content: Any) -> str:
    """SHA-256 of a request: method, path and its content as canonical JSON."""
    text = json.dumps([method, path, content], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


def replay(
    session: Session, *, caller: Caller, key: str, fingerprint: str, now: datetime
) -> StoredResponse | None:
    """The stored response of an earlier request with this key, or None to go ahead.

    Holds the key's lock until the transaction ends: a second request with the key meanwhile
    is IdempotencyKeyInFlight (409); the same key with another request is 422.
    """
    if not repository.try_lock_key(session, owner=caller.owner, key=key):
        raise IdempotencyKeyInFlight(
            "同一幂等键的请求仍在处理，请稍后重试 / a request with this Idempotency-Key is still "
            "running; retry later"
        )
    stored = repository.get_key(session, owner=caller.owner, key=key)
    if stored is None or stored.created_at <= now - TTL:
        return None
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "该幂等键已用于另一请求 / this Idempotency-Key was used for a different request"
        )
    return StoredResponse(stored.status_code, stored.response_body, dict(stored.response_headers))


def remember(
    session: Session,
    *,
    caller: Caller,
    key: str,
    fingerprint: str,
    response: StoredResponse,
    now: datetime,
) -> None:
    """Keep a successful response under its key for 24 hours."""
    repository.save_key(
        session,
        owner=caller.owner,
        key=key,
        fingerprint=fingerprint,
        status_code=response.status_code,
        body=response.body,
        headers=response.headers,
        at=now,
    )


def run_once(
    session: Session,
    *,
    caller: Caller,
    key: str | None,
    fingerprint: Callable[[], str],
    now: datetime,
    run: Callable[[], StoredResponse],
) -> StoredResponse:
    """`run`'s response, or the stored one of an earlier request with this key.

    `fingerprint` is only computed when a key is given (hashing uploads costs a read).
    """
    if key is None:
        return run()
    digest = fingerprint()
    stored = replay(session, caller=caller, key=key, fingerprint=digest, now=now)
    if stored is not None:
        return stored
    response = run()
    remember(session, caller=caller, key=key, fingerprint=digest, response=response, now=now)
    return response


def purge_idempotency_keys(session: Session, *, now: datetime) -> int:
    """Forget keys older than 24 hours; how many."""
    return repository.delete_keys_before(session, before=now - TTL)
