"""Benchmark: the Open311 façade against its native twin, in the same run, on the same server.

In `gridloop_bench_open311` (dropped first, migrated; the demo district and `--cases` case
histories over `--years`, written by `gridloop seed history` up to now; `--reuse` measures a
database a `--keep` run left) the real server runs with `--workers` (default 2) and Open311 rate
limits far above the load (they are still counted, as in production):

- GET: a street's last 90 days, one page of `--limit` (default 500, the native maximum) newest
  first, at random streets: `GET /open311/v2/requests.json?bbox=<the street's extent>&start_date=
  …&end_date=…&limit=…` against `GET /cases?bbox=…&reported_from=…&reported_to=…&limit=…` with
  an auditor's token. The same cases come back (checked: `same cases: yes`). One keep-alive
  connection (so one worker answers both), `--requests` (after `--warmup`) per side in each of
  `--rounds`, the twins taking turns request by request; p50 / p99 / mean and Open311 ÷ native.
- POST: `--clients` (default 50) keep-alive clients filing back to back for `--seconds` per side
  and round with one 12345 API key: `POST /open311/v2/requests.json` (form) against `POST
  /cases` (JSON), at random unit-grid points; throughput, p50 / p99, native ÷ Open311.

Goal: the façade costs at most 20 % more (GET mean latency, POST throughput).

Run: `.venv/bin/python bench/open311.py` (1 million cases: about 5 minutes to write; quick:
`--cases 20000 --requests 100 --seconds 5`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource

from filing import Point, filing, grid_points, gridloop_command
from harness import (
    USERNAME,
    HttpResult,
    Latencies,
    RequestOf,
    admin_url,
    case_count,
    closed_loop,
    host_summary,
    issue_token,
    log,
    print_table,
    run,
    served_database,
    this_command,
)

DATABASE = "gridloop_bench_open311"
RATIO_GOAL = 1.2
Row = tuple[str, str, str]
Box = tuple[float, float, float, float]
SIDES = ("open311", "native")


def prepare(url: str, engine: Engine, args: argparse.Namespace) -> None:
    if args.reuse:
        log("reusing the kept database (migrating it to the newest version)")
        gridloop_command(url, "migrate")
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USERNAME})
        return
    log("loading the demo district (gridloop seed demo)")
    gridloop_command(url, "seed", "demo")
    log(f"writing {args.cases:,} case histories over {args.years} years (gridloop seed history)")
    gridloop_command(url, "seed", "history", "--cases", str(args.cases), "--years", str(args.years))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def intake_key(engine: Engine) -> str:
    """A new 12345 API key (named by the time, so that a reused database takes another)."""
    with Session(engine) as session, session.begin():
        return auth_service.create_api_key(
            session, name=f"bench-open311-{time.time_ns()}", source=IntakeSource.HOTLINE_12345
        )


def street_boxes(engine: Engine) -> dict[str, Box]:
    """Each street's extent (west, south, east, north)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT code, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) "
                "FROM street ORDER BY code"
            )
        ).all()
    return {row[0]: (float(row[1]), float(row[2]), float(row[3]), float(row[4])) for row in rows}


@dataclass(frozen=True)
class Reads:
    """The twin GETs of a street's last 90 days."""

    boxes: dict[str, Box]
    start: datetime
    end: datetime
    limit: int

    def path(self, side: str, street: str) -> str:
        box = ",".join(f"{value:.6f}" for value in self.boxes[street])
        if side == "open311":
            query = {
                "bbox": box,
                "start_date": self.start.isoformat(),
                "end_date": self.end.isoformat(),
                "limit": self.limit,
            }
            return "/open311/v2/requests.json?" + urllib.parse.urlencode(query)
        query = {
            "bbox": box,
            "reported_from": self.start.isoformat(),
            "reported_to": self.end.isoformat(),
            "limit": self.limit,
        }
        return "/cases?" + urllib.parse.urlencode(query)

    def paths(self, side: str, count: int, seed: int) -> list[str]:
        rng = random.Random(seed)
        streets = sorted(self.boxes)
        return [self.path(side, rng.choice(streets)) for _ in range(count)]


def same_cases(port: int, token: str, reads: Reads) -> tuple[str, int]:
    """Whether both doors list the same cases for a street; and how many they list."""
    listed = []
    street = sorted(reads.boxes)[0]
    for side in SIDES:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request(
            "GET", reads.path(side, street), headers={"Authorization": f"Bearer {token}"}
        )
        body = json.loads(connection.getresponse().read())
        connection.close()
        rows = body if side == "open311" else body["items"]
        key = "service_request_id" if side == "open311" else "case_id"
        listed.append([row[key] for row in rows])
    return ("yes" if listed[0] == listed[1] else "NO"), len(listed[0])


def filing_of(side: str, key: str, points: Sequence[Point]) -> RequestOf:
    """The n-th filing of a side at a random point: a form to Open311, JSON to /cases."""
    rng = random.Random(11)

    def request_of(index: int) -> tuple[str, str, dict[str, str], bytes]:
        point = rng.choice(points)
        native = filing(point, index)
        if side == "native":
            headers = {"X-API-Key": key, "Content-Type": "application/json"}
            return "POST", "/cases", headers, json.dumps(native).encode()
        form = {
            "api_key": key,
            "service_code": native["item_code"],
            "lat": f"{point[1]}",
            "long": f"{point[0]}",
            "description": native["description"],
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        body = urllib.parse.urlencode(form).encode()
        return "POST", "/open311/v2/requests.json", headers, body

    return request_of


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="GETs per side and round")
    parser.add_argument("--warmup", type=int, default=30, help="GETs per side not measured")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=int, default=500, help="page size of both GETs")
    parser.add_argument("--clients", type=int, default=50, help="concurrent filing clients")
    parser.add_argument("--seconds", type=int, default=15, help="filing time per side and round")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    return parser.parse_args(argv)


def _order(round_no: int) -> tuple[str, ...]:
    return SIDES if round_no % 2 == 0 else tuple(reversed(SIDES))


def measure_reads(
    port: int, token: str, reads: Reads, args: argparse.Namespace
) -> dict[str, Latencies]:
    """The twins request by request, taking turns (first one, then the other) on one keep-alive
    connection: the same worker answers both, and the machine's other work falls on both alike.
    """
    timed = {side: Latencies() for side in SIDES}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for round_no in range(args.rounds):
            log(f"round {round_no + 1}: GET, {args.requests} requests a side, taking turns")
            paths = {
                side: reads.paths(side, args.warmup + args.requests, seed=round_no)
                for side in SIDES
            }
            for index in range(args.warmup + args.requests):
                for side in _order(index):
                    start = time.perf_counter_ns()
                    connection.request("GET", paths[side][index], headers=headers)
                    reply = connection.getresponse()
                    body = reply.read()
                    elapsed = (time.perf_counter_ns() - start) / 1e6
                    if reply.status != 200:
                        raise RuntimeError(
                            f"GET {paths[side][index]}: {reply.status} {body[:300]!r}"
                        )
                    if index >= args.warmup:
                        timed[side].values_ms.append(elapsed)
    finally:
        connection.close()
    return timed


def measure_filings(
    port: int, key: str, points: Sequence[Point], args: argparse.Namespace
) -> dict[str, HttpResult]:
    done = {side: HttpResult() for side in SIDES}
    for round_no in range(args.rounds):
        for side in _order(round_no):
            log(f"round {round_no + 1}: POST {side}, {args.clients} clients, {args.seconds} s")
            result = closed_loop(
                port,
                filing_of(side, key, points),
                clients=args.clients,
                seconds=args.seconds,
                warmup=2.0,
            )
            done[side].latencies.values_ms.extend(result.latencies.values_ms)
            done[side].statuses.update(result.statuses)
            done[side].seconds += result.seconds
    return done


def report_rows(
    reads: dict[str, Latencies], filings: dict[str, HttpResult], same: str, listed: int
) -> list[Row]:
    ms = "{:.1f} ms".format
    rows: list[Row] = [("GET: the same cases on both doors", f"{same} ({listed} listed)", "yes")]
    for side in SIDES:
        lat = reads[side]
        rows.append(
            (
                f"GET {side} p50 / p99 / mean",
                f"{ms(lat.pct(50))} / {ms(lat.pct(99))} / {ms(lat.mean)}",
                "",
            )
        )
    ratio = reads["open311"].mean / reads["native"].mean
    rows.append(("GET open311 ÷ native (mean)", f"{ratio:.2f}x", f"≤ {RATIO_GOAL}x"))
    for side in SIDES:
        result = filings[side]
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
        lat = result.latencies
        rows.append((f"POST {side} filings", f"{lat.count} ({statuses})", ""))
        rows.append(
            (
                f"POST {side} per second, p50 / p99",
                f"{result.per_second:.1f}, {ms(lat.pct(50))} / {ms(lat.pct(99))}",
                "",
            )
        )
    ratio = filings["native"].per_second / filings["open311"].per_second
    rows.append(("POST native ÷ open311 (throughput)", f"{ratio:.2f}x", f"≤ {RATIO_GOAL}x"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    admin = admin_url()
    with served_database(admin, DATABASE, reuse=args.reuse, keep=args.keep) as (
        url,
        engine,
        server,
    ):
        prepare(url, engine, args)
        cases = case_count(engine)
        token, key = issue_token(engine), intake_key(engine)
        points = grid_points(engine, 200)
        end = datetime.now(UTC)
        reads = Reads(street_boxes(engine), end - timedelta(days=90), end, args.limit)
        engine.dispose()
        server.command += ["--workers", str(args.workers)]
        server.env.update(
            GRIDLOOP_SWEEP_INTERVAL_SECONDS="0",
            GRIDLOOP_OPEN311_GET_PER_MINUTE=str(10**9),
            GRIDLOOP_OPEN311_POST_PER_MINUTE=str(10**9),
        )
        log(f"starting the server: {' '.join(server.command)}")
        server.start()
        same, listed = same_cases(server.port, token, reads)
        timed_reads = measure_reads(server.port, token, reads, args)
        filings = measure_filings(server.port, key, points, args)
        server.stop()
    print(f"# bench/open311.py: {host_summary()}")
    print(f"# {this_command()}")
    print(
        f"# {cases:,} cases; {len(reads.boxes)} streets; pages of {args.limit}; "
        f"{args.workers} workers"
    )
    print_table(report_rows(timed_reads, filings, same, listed))
    return 0


if __name__ == "__main__":
    run(main)
