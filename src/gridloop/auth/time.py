"""The one clock: every "now" of the auth domain and its callers comes from here."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


async def request_now() -> datetime:
    """The clock of a request; `async` so it costs no thread hop. Tests override this one."""
    return now()
