"""What the webhook tests share: a worker running in a thread, a subscription made by the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from gridloop.config import Settings
from gridloop.events.worker import Worker
from tests.factories.cases import World


@contextmanager
def worker_running(sessions: sessionmaker[Session], settings: Settings) -> Iterator[Worker]:
    """A worker delivering in a thread of its own until the block ends."""
    running = Worker(sessions, settings)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.stop()
        thread.join(timeout=10)
        running.close()


def subscribe(world: World, url: str, **body: Any) -> dict[str, Any]:
    """A subscription made by the admin through the API, as answered (with its secret)."""
    response = world.client.post("/webhooks", json={"url": url, **body}, headers=world["adm"])
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
