"""`gridloop worker`: sends the deliveries the event log owes, at least once, in order per case.

A pass claims due deliveries with `FOR UPDATE SKIP LOCKED` (so any number of workers share the
work without sending a row twice), sends them at once from a thread pool, records every attempt
and commits. The rows stay locked while they are sent: a worker that dies mid-pass leaves them
pending, and the next pass of any worker sends them again with the same `webhook-id`.
Between passes a worker waits for `NOTIFY gridloop_events` (sent by the transaction that
appended events) or for the next retry to fall due.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
import psycopg
from sqlalchemy.orm import Session, sessionmaker

from gridloop.config import Settings
from gridloop.events import outbound, payload, repository, signing
from gridloop.events.models import AttemptOutcome, DeliveryStatus
from gridloop.events.stream import CHANNEL
from gridloop.listening import libpq_url

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429})
USER_AGENT = "gridloop-webhooks/1"
ERROR_LENGTH = 500
# Finished deliveries older than `webhook_keep_days` are deleted at most this often, so many a
# time in one statement.
PRUNE_EVERY_S = 3600.0
PRUNE_BATCH = 10_000


@dataclass(frozen=True)
class Result:
    outcome: AttemptOutcome
    status_code: int | None
    duration_ms: int
    error: str | None
    retry_after: float | None


def retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now)


def backoff(attempts: int, settings: Settings, *, jitter: float | None = None) -> float:
    """The delay after the `attempts`-th failed attempt: doubling from the base, capped, less up
    to a quarter at random (so retries of many deliveries spread out)."""
    delay = min(
        settings.webhook_retry_max_seconds,
        settings.webhook_retry_base_seconds * 2 ** (attempts - 1),
    )
    share = random.random() if jitter is None else jitter  # jitter, not a secret
    return float(delay * (1 - 0.25 * share))


def classify(status_code: int) -> AttemptOutcome:
    if 200 <= status_code < 300:
        return AttemptOutcome.DELIVERED
    if status_code == 410:
        return AttemptOutcome.GONE
    if status_code >= 500 or status_code in RETRY_STATUSES:
        return AttemptOutcome.RETRYABLE
    return AttemptOutcome.REJECTED


@dataclass
class Claimed:
    """A claimed delivery with what sending it needs; changed in place as it is settled."""

    webhook_delivery_id: int
    webhook_subscription_id: int
    case_event_id: int
    attempts: int
    body: str | None
    first_attempt_at: datetime | None
    next_attempt_at: datetime
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    status: DeliveryStatus = DeliveryStatus.PENDING
    finished_at: datetime | None = None
    last_status_code: int | None = None
    disable_reason: str | None = None

    @classmethod
    def of(cls, row: Any) -> Claimed:
        return cls(**{name: getattr(row, name) for name in CLAIMED_COLUMNS})

    def finish(self, status: DeliveryStatus, at: datetime) -> None:
        self.status = status
        self.finished_at = at

    def changes(self) -> dict[str, Any]:
        """The delivery's new column values, for `repository.update_deliveries`."""
        return {
            "delivery_id": self.webhook_delivery_id,
            "new_status": self.status.value,
            "new_attempts": self.attempts,
            "new_body": self.body,
            "new_first_attempt_at": self.first_attempt_at,
            "new_next_attempt_at": self.next_attempt_at,
            "new_finished_at": self.finished_at,
            "new_last_status_code": self.last_status_code,
        }


CLAIMED_COLUMNS = (
    "webhook_delivery_id",
    "webhook_subscription_id",
    "case_event_id",
    "attempts",
    "body",
    "first_attempt_at",
    "next_attempt_at",
    "url",
    "secret",
    "previous_secret",
    "previous_secret_expires_at",
)


class Worker:
    """Delivers webhooks from one database until stopped."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings
        timeout = settings.webhook_timeout_seconds
        self._http = httpx2.Client(
            timeout=httpx2.Timeout(timeout, connect=timeout),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=settings.worker_concurrency, thread_name_prefix="gridloop-deliver"
        )
        self._batch = settings.worker_concurrency * 4
        self._stopped = threading.Event()
        self._pruned_at: float | None = None  # monotonic time of the last prune

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._http.close()

    def stop(self) -> None:
        self._stopped.set()

    # ------------------------------------------------------------------ one pass

    def run_once(self) -> int:
        """Claim, send and settle one batch of due deliveries; how many were attempted."""
        with self._sessions.begin() as session:
            claimed = [Claimed.of(row) for row in repository.claim(session, limit=self._batch)]
            if not claimed:
                return 0
            now = repository.database_now(session)
            self._fill_bodies(session, claimed)
            jobs = [self._pool.submit(self._send, delivery, now) for delivery in claimed]
            results = [job.result() for job in jobs]
            attempts = []
            for delivery, result in zip(claimed, results, strict=True):
                attempts.append(self._settle(delivery, result, now))
                if delivery.disable_reason is not None:
                    repository.disable(
                        session,
                        webhook_id=delivery.webhook_subscription_id,
                        reason=delivery.disable_reason,
                        at=now,
                    )
            repository.update_deliveries(session, [d.changes() for d in claimed])
            repository.add_attempts(session, attempts)
            return len(claimed)

    def _fill_bodies(self, session: Session, claimed: list[Claimed]) -> None:
        """Each delivery's body: as first sent, else made now (and kept by the update)."""
        missing = sorted({d.case_event_id for d in claimed if d.body is None})
        if not missing:
            return
        events = list(repository.events_by_id(session, missing).values())
        bodies = payload.webhook_bodies(session, events=events)
        for delivery in claimed:
            if delivery.body is None:
                delivery.body = bodies[delivery.case_event_id].decode()

    def _secrets(self, delivery: Claimed, now: datetime) -> list[str]:
        secrets = [delivery.secret]
        expires = delivery.previous_secret_expires_at
        if delivery.previous_secret is not None and expires is not None and expires > now:
            secrets.append(delivery.previous_secret)
        return secrets

    def _send(self, delivery: Claimed, now: datetime) -> Result:
        started = time.monotonic()

        def result(
            outcome: AttemptOutcome,
            code: int | None = None,
            error: str | None = None,
            retry_after: float | None = None,
        ) -> Result:
            duration = int((time.monotonic() - started) * 1000)
            text = None if error is None else error[:ERROR_LENGTH]
            return Result(outcome, code, duration, text, retry_after)

        try:
            outbound.check(delivery.url, allow_private=self._settings.webhook_allow_private)
        except outbound.AddressRefused as refused:
            return result(AttemptOutcome.REFUSED, error=str(refused))
        assert delivery.body is not None
        body = delivery.body.encode()
        headers = signing.headers(
            self._secrets(delivery, now),
            message_id=payload.message_id(delivery.case_event_id),
            timestamp=int(time.time()),
            body=body,
        )
        headers["content-type"] = "application/json"
        try:
            response = self._http.post(delivery.url, content=body, headers=headers)
        except httpx2.TimeoutException as error:
            return result(AttemptOutcome.TIMEOUT, error=f"timeout: {error!r}")
        except httpx2.HTTPError as error:
            return result(AttemptOutcome.RETRYABLE, error=f"{type(error).__name__}: {error}")
        outcome = classify(response.status_code)
        retry_after = retry_after_seconds(response.headers.get("retry-after"), now=time.time())
        answer = None if outcome == AttemptOutcome.DELIVERED else response.text[:ERROR_LENGTH]
        return result(outcome, response.status_code, answer, retry_after)

    def _settle(self, delivery: Claimed, result: Result, now: datetime) -> dict[str, Any]:
        """Move the delivery on after an attempt; the attempt's row to insert."""
        attempt = {
            "webhook_delivery_id": delivery.webhook_delivery_id,
            "attempted_at": now,
            "duration_ms": result.duration_ms,
            "outcome": result.outcome.value,
            "status_code": result.status_code,
            "error": result.error,
        }
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = now
        if result.outcome == AttemptOutcome.DELIVERED:
            delivery.finish(DeliveryStatus.DELIVERED, now)
            return attempt
        if result.outcome == AttemptOutcome.GONE:
            delivery.finish(DeliveryStatus.FAILED, now)
            delivery.disable_reason = (
                f"the receiver answered 410 Gone to delivery {delivery.webhook_delivery_id}"
            )
            return attempt
        if result.outcome in (AttemptOutcome.REJECTED, AttemptOutcome.REFUSED):
            delivery.finish(DeliveryStatus.FAILED, now)
            return attempt
        delay = backoff(delivery.attempts, self._settings)
        if result.retry_after is not None:
            delay = min(max(delay, result.retry_after), self._settings.webhook_retry_max_seconds)
        next_at = now + timedelta(seconds=delay)
        give_up_at = delivery.first_attempt_at + timedelta(hours=self._settings.webhook_retry_hours)
        if next_at > give_up_at:
            delivery.finish(DeliveryStatus.FAILED, now)
            delivery.disable_reason = (
                f"delivery {delivery.webhook_delivery_id} failed for "
                f"{self._settings.webhook_retry_hours:g} h (last: "
                f"{result.status_code or result.outcome.value})"
            )
            return attempt
        delivery.next_attempt_at = next_at
        return attempt

    # ------------------------------------------------------------------ forgetting

    def prune(self) -> int:
        """Delete the deliveries finished (delivered or failed) more than `webhook_keep_days`
        ago, with their attempts, in batches so that no lock is held long; how many went. Any
        number of workers may prune at once: a row goes once."""
        deleted = 0
        while True:
            with self._sessions.begin() as session:
                keep = timedelta(days=self._settings.webhook_keep_days)
                before = repository.database_now(session) - keep
                batch = repository.delete_finished_deliveries(
                    session, before=before, limit=PRUNE_BATCH
                )
            deleted += batch
            if batch < PRUNE_BATCH:
                return deleted

    def _prune_when_due(self) -> None:
        if self._pruned_at is not None and time.monotonic() - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = time.monotonic()
        deleted = self.prune()
        if deleted:
            log.info(
                "forgot %d webhook deliveries finished over %g days ago",
                deleted,
                self._settings.webhook_keep_days,
            )

    # ------------------------------------------------------------------ the loop

    def _idle_seconds(self) -> float:
        with self._sessions() as session:
            due = repository.next_due(session)
            now = repository.database_now(session)
        wait = self._settings.worker_poll_seconds
        if due is not None:
            wait = min(wait, max(0.0, (due - now).total_seconds()))
        return wait

    def run(self) -> None:
        """Deliver until stopped: a pass, and when nothing was due, wait for a notification or
        the next retry (at most `worker_poll_seconds`)."""
        url = libpq_url(self._sessions)
        listener: psycopg.Connection[Any] | None = None
        try:
            while not self._stopped.is_set():
                if listener is None:
                    try:
                        listener = psycopg.connect(url, autocommit=True)
                        listener.execute(f"LISTEN {CHANNEL}")
                    except psycopg.Error:
                        log.warning("worker cannot listen; polling", exc_info=True)
                        listener = None
                try:
                    # Whatever came in while a batch was out goes next, without waiting.
                    if self.run_once() > 0:
                        continue
                    self._prune_when_due()
                    wait = self._idle_seconds()
                except Exception:  # a failed pass must not end the worker; the next retries
                    log.exception("webhook delivery pass failed")
                    wait = self._settings.worker_poll_seconds
                if wait <= 0:
                    continue
                if listener is None:
                    self._stopped.wait(wait)
                    continue
                try:
                    for _ in listener.notifies(timeout=wait, stop_after=1):
                        pass
                except psycopg.Error:
                    listener.close()
                    listener = None
        finally:
            if listener is not None:
                listener.close()
