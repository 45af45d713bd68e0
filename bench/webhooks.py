"""Benchmark: webhook delivery lag under a steady filing load, and what webhooks cost filing.

In `gridloop_bench_webhooks` (dropped first, migrated, the demo district loaded) the real server
(`gridloop serve --workers 1`), one `gridloop worker` and a receiver on loopback (a threaded
HTTP/1.1 server in this process, answering 200 at once) run side by side:

- Lag: one subscription for the whole district, filing events only; filings arrive at
  `--rate` a second (default 50, Poisson) for `--seconds` (default 60) through a 12345 API key,
  each sent at its scheduled time without waiting for earlier ones. For every filing, the time
  from its answer (the transaction committed before the answer left) to the receiver answering
  its webhook, matched by case id; the time from its sending is given too (an upper bound of
  the lag from the commit). p50 and p99; goal p99 < 1 s. Every filing must arrive.
- Cost: `--clients` (default 20) keep-alive clients filing back to back for `--closed-seconds`
  (default 15) with webhooks off (no enabled subscription, no worker) and on (the subscription
  enabled and the worker delivering every filing), taking turns for `--rounds` (default 2);
  filing throughput on ÷ off; goal ≥ 90 %.

Run: `.venv/bin/python bench/webhooks.py` (quick: `--seconds 10 --closed-seconds 5 --rounds 1`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import Role
from gridloop.events import service as events_service
from gridloop.events.schemas import WebhookCreate

from filing import Point, filing, filing_request, grid_points, gridloop_command, intake_key
from harness import (
    Latencies,
    Server,
    admin_url,
    closed_loop,
    host_summary,
    log,
    print_table,
    run,
    scratch_database,
    this_command,
)

DATABASE = "gridloop_bench_webhooks"
P99_GOAL_MS = 1000.0
RATIO_GOAL = 0.90


# --------------------------------------------------------------------------------------------
# the receiver
# --------------------------------------------------------------------------------------------


class Receiver:
    """Answers 200 to every webhook; the time it answered each case's first `file` event."""

    def __init__(self) -> None:
        self.answered: dict[int, float] = {}
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                case_id = int(json.loads(body)["data"]["event"]["case_id"])
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                with receiver.lock:
                    receiver.requests += 1
                    receiver.answered.setdefault(case_id, time.time())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Listening(ThreadingHTTPServer):
            request_queue_size = 256
            daemon_threads = True

        self.server = Listening(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


# --------------------------------------------------------------------------------------------
# the worker and the subscription
# --------------------------------------------------------------------------------------------


@contextmanager
def worker(url: str, log_path: Path) -> Iterator[None]:
    """`gridloop worker` on the bench database, delivering to loopback."""
    env = {**os.environ, "GRIDLOOP_DATABASE_URL": url, "GRIDLOOP_WEBHOOK_ALLOW_PRIVATE": "true"}
    with log_path.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gridloop", "worker"], env=env, stdout=output, stderr=output
        )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def subscribe(engine: Engine, receiver_url: str) -> int:
    """A district-wide subscription to filings, made by an admin; its id."""
    with Session(engine) as session, session.begin():
        admin = auth_service.create_user(
            session, username="bench-admin", password="bench-password", role=Role.ADMIN
        )
        created = events_service.create(
            session,
            user=admin,
            body=WebhookCreate.model_validate({"url": receiver_url, "events": ["file"]}),
            now=datetime.now(UTC),
        )
    return created.webhook_id


def set_enabled(engine: Engine, webhook_id: int, *, enabled: bool) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE webhook_subscription SET enabled = :on WHERE webhook_subscription_id = :id"
            ),
            {"on": enabled, "id": webhook_id},
        )


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text("SELECT count(*) FROM webhook_delivery WHERE status = 'pending'")
            )
            or 0
        )


# --------------------------------------------------------------------------------------------
# the open loop of filings
# --------------------------------------------------------------------------------------------


async def _file_at_rate(
    base_url: str, key: str, points: Sequence[Point], rate: float, seconds: float
) -> tuple[dict[int, tuple[float, float]], int]:
    """Poisson arrivals; for each filing answered 201, its case id → (sent, answered) times."""
    rng = random.Random(5)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    times: dict[int, tuple[float, float]] = {}
    failed = 0
    limits = httpx2.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx2.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def one(index: int, scheduled: float) -> None:
            nonlocal failed
            body = json.dumps(filing(rng.choice(points), 800_000_000 + index)).encode()
            response = await client.post("/cases", content=body, headers=headers)
            answered = time.time()
            if response.status_code != 201:
                failed += 1
                return
            times[int(response.json()["case_id"])] = (scheduled, answered)

        tasks: list[asyncio.Task[None]] = []
        start = time.time()
        arrival, index = start, 0
        while (arrival := arrival + rng.expovariate(rate)) < start + seconds:
            delay = arrival - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index, arrival)))
            index += 1
        await asyncio.gather(*tasks)
    return times, failed


def lag(
    receiver: Receiver, times: dict[int, tuple[float, float]], *, wait_s: float
) -> tuple[Latencies, Latencies, int]:
    """Lags from the answer and from the sending, in ms; how many never arrived."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        with receiver.lock:
            if all(case_id in receiver.answered for case_id in times):
                break
        time.sleep(0.1)
    from_answer, from_sending = Latencies(), Latencies()
    missing = 0
    with receiver.lock:
        for case_id, (sent, answered) in times.items():
            got = receiver.answered.get(case_id)
            if got is None:
                missing += 1
                continue
            from_answer.values_ms.append((got - answered) * 1000)
            from_sending.values_ms.append((got - sent) * 1000)
    return from_answer, from_sending, missing


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=50.0, help="filings a second (lag)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the lag run")
    parser.add_argument("--clients", type=int, default=20, help="closed-loop filing clients")
    parser.add_argument("--closed-seconds", type=float, default=15.0, help="each side, a round")
    parser.add_argument("--rounds", type=int, default=2, help="off/on turns")
    parser.add_argument("--points", type=int, default=200, help="distinct filing points")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gridloop-bench-webhooks-"))
    with scratch_database(admin_url(), DATABASE, keep=args.keep) as (url, engine):
        log("loading the demo district (gridloop seed demo)")
        gridloop_command(url, "seed", "demo")
        key = intake_key(engine)
        points = grid_points(engine, args.points)
        receiver = Receiver()
        with receiver.running(), Server(url, workdir / "server.log") as server:
            server.start()
            webhook_id = subscribe(engine, receiver.url)
            request_of = filing_request(key, points, seed=None)

            def filings_per_second(round_: int, webhooks: str) -> float:
                seconds = args.closed_seconds
                log(f"round {round_ + 1}: filing with webhooks {webhooks} for {seconds} s")
                result = closed_loop(
                    server.port,
                    request_of,
                    clients=args.clients,
                    seconds=seconds,
                    warmup=2.0,
                )
                return result.per_second

            off: list[float] = []
            on: list[float] = []
            for round_ in range(args.rounds):
                set_enabled(engine, webhook_id, enabled=False)
                off.append(filings_per_second(round_, "off"))
                set_enabled(engine, webhook_id, enabled=True)
                with worker(url, workdir / "worker.log"):
                    on.append(filings_per_second(round_, "on"))
                    while pending(engine):
                        time.sleep(0.2)
            log(f"filing {args.rate:g}/s for {args.seconds:g} s with the worker delivering")
            with worker(url, workdir / "worker.log"):
                time.sleep(1.0)  # the worker is listening
                times, failed = asyncio.run(
                    _file_at_rate(server.base_url, key, points, args.rate, args.seconds)
                )
                from_answer, from_sending, missing = lag(receiver, times, wait_s=30)
    on_mean, off_mean = sum(on) / len(on), sum(off) / len(off)
    ratio = on_mean / off_mean
    print(f"# bench/webhooks.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"# {host_summary()}")
    print(f"# {this_command()}")
    print_table(
        [
            ("filings (open loop)", f"{len(times)} at {args.rate:g}/s, {failed} failed", ""),
            ("webhooks missing", str(missing), "0"),
            ("lag from the answer, p50", f"{from_answer.pct(50):.0f} ms", ""),
            (
                "lag from the answer, p99",
                f"{from_answer.pct(99):.0f} ms",
                f"< {P99_GOAL_MS:.0f} ms",
            ),
            ("lag from the sending, p50", f"{from_sending.pct(50):.0f} ms", ""),
            ("lag from the sending, p99", f"{from_sending.pct(99):.0f} ms", ""),
            ("filing, webhooks off", " / ".join(f"{v:.0f}" for v in off) + " /s", ""),
            ("filing, webhooks on", " / ".join(f"{v:.0f}" for v in on) + " /s", ""),
            ("on ÷ off", f"{ratio:.0%}", f"≥ {RATIO_GOAL:.0%}"),
        ]
    )
    met = missing == 0 and from_answer.pct(99) < P99_GOAL_MS and ratio >= RATIO_GOAL
    return 0 if met else 1


if __name__ == "__main__":
    run(main)
