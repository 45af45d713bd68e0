"""Open-loop load: requests arrive at a rate (Poisson), whether or not earlier ones were answered.

A closed loop (each client waits for its answer) measures clients ÷ throughput once the server
is saturated; people filing cases do not wait for each other. Each request here is sent at its
scheduled arrival time on an idle keep-alive connection (a new one when all are busy), and its
latency runs from that scheduled time, so that a server falling behind shows in the figures
instead of slowing the arrivals down (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from harness import Latencies, RequestOf


@dataclass
class OpenLoopResult:
    rate: float
    sent: int = 0
    latencies: Latencies = field(default_factory=Latencies)
    statuses: Counter[int] = field(default_factory=Counter)
    connections: int = 0


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]

# A keep-alive connection idle this long is not used again: uvicorn closes one after 5 s idle,
# and a request sent on it as it closes is lost, counted nowhere.
IDLE_REUSE_S = 4.0
# The status counted for a request whose connection closed before its answer.
NO_ANSWER = 0


async def _exchange(stream: Stream, request: tuple[str, str, dict[str, str], bytes]) -> int:
    """Send one HTTP/1.1 request and read its answer; the status."""
    reader, writer = stream
    method, path, headers, body = request
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(head.encode() + b"\r\n" + body)
    status_line = await reader.readuntil(b"\r\n")
    length = 0
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def _run(
    port: int, request_of: RequestOf, rate: float, seconds: float, warmup: float, seed: int
) -> OpenLoopResult:
    result = OpenLoopResult(rate=rate)
    idle: list[tuple[Stream, float]] = []  # with the time each became idle
    rng = random.Random(seed)
    tasks: set[asyncio.Task[None]] = set()

    async def connection() -> Stream:
        while idle:
            stream, since = idle.pop()
            if time.perf_counter() - since < IDLE_REUSE_S:
                return stream
            stream[1].close()
        result.connections += 1
        return await asyncio.open_connection("127.0.0.1", port)

    async def one(index: int, scheduled: float, measured: bool) -> None:
        stream = await connection()
        try:
            status = await _exchange(stream, request_of(index))
        except (OSError, asyncio.IncompleteReadError):
            stream[1].close()
            if measured:
                result.statuses[NO_ANSWER] += 1
            return
        elapsed_ms = (time.perf_counter() - scheduled) * 1000
        idle.append((stream, time.perf_counter()))
        if measured:
            result.latencies.values_ms.append(elapsed_ms)
            result.statuses[status] += 1

    start = time.perf_counter()
    arrival, index = start, 0
    while (arrival := arrival + rng.expovariate(rate)) < start + warmup + seconds:
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(index, arrival, arrival >= start + warmup))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        index += 1
    result.sent = index
    await asyncio.gather(*tasks)
    for (_, writer), _since in idle:
        writer.close()
    return result


def open_loop(
    port: int,
    request_of: RequestOf,
    *,
    rate: float,
    seconds: float,
    warmup: float,
    seed: int = 1,
) -> OpenLoopResult:
    """Poisson arrivals at `rate` per second for `warmup` + `seconds`; only the arrivals after
    the warm-up are counted, each from its scheduled time to its whole answer."""
    return asyncio.run(_run(port, request_of, rate, seconds, warmup, seed))
