"""The app served by uvicorn on loopback in a thread, and a Server-Sent Events reader."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import uvicorn
from fastapi import FastAPI


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port for the block; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class StreamReader:
    """Reads `GET /events/stream` in a thread: the events (id, data) and comments seen."""

    url: str
    headers: dict[str, str]
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    opened: threading.Event = field(default_factory=threading.Event)
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            self._read()
        except httpx2.HTTPError:
            if not self.stopped.is_set():  # a stream left open is closed by the server's end
                raise

    def _read(self) -> None:
        with (
            httpx2.Client(timeout=httpx2.Timeout(30, read=60)) as client,
            client.stream("GET", self.url, headers=self.headers) as response,
        ):
            assert response.status_code == 200, response.read()
            self.opened.set()
            event_id: int | None = None
            for line in response.iter_lines():
                if self.stopped.is_set():
                    return
                if line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("data: ") and event_id is not None:
                    self.events.append((event_id, json.loads(line[6:])))

    def wait_for(self, count: int, *, timeout: float = 15) -> list[tuple[int, dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"{len(self.events)} of {count} events came"
            time.sleep(0.02)
        return list(self.events)


@contextmanager
def reading(base_url: str, headers: dict[str, str], **query: Any) -> Iterator[StreamReader]:
    params = "&".join(f"{name}={value}" for name, value in query.items())
    reader = StreamReader(f"{base_url}/events/stream?{params}", headers)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    assert reader.opened.wait(15), "the stream did not open"
    try:
        yield reader
    finally:
        reader.stopped.set()
