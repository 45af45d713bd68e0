"""At most as many requests in flight per process as the database pool has connections.

A sync route and the commit of its session each need a worker thread, and the request holds a
pooled connection in between. With more requests in flight than connections, requests holding a
connection can wait for a thread to commit while every thread waits for a connection, until the
pool times out with 500s. With in-flight requests capped at the pool's size, a thread never waits
for a connection; further requests queue here, holding neither.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class ConcurrencyLimit:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            # Made on first use, inside the server's event loop.
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)
