"""Benchmark: gridloop's read paths against a plain FastAPI peer, side by side in the same run.

The peer (`peer_app.py`) runs the same SQL, the same token check and returns the same JSON from
a psycopg pool with sync routes and nothing else. Both servers (one worker each) serve one
scratch database: the demo district with `--cases` case histories and, for `/geo/locate`, a
synthetic district of `--grids` unit grids (0: locate in the demo district). One keep-alive
client times `GET /geo/locate`, `GET /cases/{case_id}` and `GET /cases?limit=50` on each server,
alternating server and endpoint for `--rounds` rounds so that noise from other work on the
machine falls on both sides; the table shows p50/p99/mean per endpoint and gridloop / peer.

With `--memory 10000,50000` it then sends that many mixed requests (the three endpoints in
turn) to gridloop and reports the worker's resident size after each count.

Run: `.venv/bin/python bench/peer.py` (quick: `--grids 0 --requests 500`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from locate import import_district, locate_path, random_points
from sqlalchemy import Engine, text

from filing import gridloop_command
from harness import (
    USERNAME,
    Latencies,
    Server,
    admin_url,
    host_summary,
    issue_token,
    kept_or_scratch_database,
    log,
    print_table,
    run,
    this_command,
)

DATABASE = "gridloop_bench_peer"
MEAN_RATIO_GOAL = 1.3
LOCATE_P99_GOAL_MS = 3.0
Row = tuple[str, str, str]
ENDPOINTS = ("/geo/locate", "/cases/{case_id}", "/cases?limit=50")


def peer_server(url: str, log_path: Path) -> Server:
    """The peer as a `Server`: uvicorn with the same loop and parser as `gridloop serve`."""
    server = Server(url, log_path)
    server.command = [
        sys.executable,
        "-m",
        "uvicorn",
        "peer_app:app",
        "--app-dir",
        str(Path(__file__).parent),
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
        str(server.port),
    ]
    return server


@dataclass
class Workload:
    token: str
    points: list[tuple[float, float]]
    case_ids: list[int]

    def paths(self, endpoint: str, count: int, seed: int) -> list[str]:
        rng = random.Random(seed)
        if endpoint == "/geo/locate":
            return [locate_path(rng.choice(self.points)) for _ in range(count)]
        if endpoint == "/cases/{case_id}":
            return [f"/cases/{rng.choice(self.case_ids)}" for _ in range(count)]
        return ["/cases?limit=50"] * count


def district_extent(engine: Engine, code: str) -> tuple[float, float, float, float]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(u.geom) AS e FROM unit_grid u JOIN community c "
                "ON c.code = u.community_code JOIN street s ON s.code = c.street_code "
                "WHERE s.district_code = :code) sub"
            ),
            {"code": code},
        ).one()
    west, south, east, north = (float(v) for v in row)
    return west, south, east, north


def prepare(url: str, engine: Engine, args: argparse.Namespace) -> Workload:
    if args.reuse:
        return workload_of(engine, args)
    log("loading the demo district (gridloop seed demo)")
    gridloop_command(url, "seed", "demo")
    log(f"writing {args.cases} case histories (gridloop seed history)")
    gridloop_command(url, "seed", "history", "--cases", str(args.cases), "--years", "1")
    if args.grids:
        import_district(engine, args.grids)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return workload_of(engine, args)


def workload_of(engine: Engine, args: argparse.Namespace) -> Workload:
    """A fresh token, the case ids and random points in the district timed for locate."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USERNAME})
        case_ids = list(connection.scalars(text("SELECT case_id FROM grid_case")))
    extent = district_extent(engine, "110101" if args.grids else "310105")
    points = random_points(extent, 5000, args.seed)
    return Workload(token=issue_token(engine), points=points, case_ids=case_ids)


def time_paths(port: int, token: str, paths: Sequence[str], warmup: int) -> Latencies:
    """One keep-alive connection, requests back to back; every answer must be 200 or 422."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    latencies = Latencies()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10.0)
    try:
        for index, path in enumerate(paths):
            start = time.perf_counter_ns()
            connection.request("GET", path, headers=headers)
            reply = connection.getresponse()
            body = reply.read()
            elapsed = time.perf_counter_ns() - start
            if reply.status not in (200, 422):
                raise RuntimeError(f"GET {path}: {reply.status} {body[:300]!r}")
            if index >= warmup:
                latencies.values_ms.append(elapsed / 1e6)
    finally:
        connection.close()
    return latencies


def same_json(servers: dict[str, Server], workload: Workload) -> str:
    """Whether both servers answer each endpoint with the same JSON, byte for byte (else, the
    endpoints whose values differ and those whose bytes alone do: key order, spacing)."""
    differing, spelled_apart = [], []
    for endpoint in ENDPOINTS:
        path = workload.paths(endpoint, 1, seed=7)[0]
        bodies = []
        for server in servers.values():
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10.0)
            headers = {"Authorization": f"Bearer {workload.token}"}
            connection.request("GET", path, headers=headers)
            bodies.append(connection.getresponse().read())
            connection.close()
        if json.loads(bodies[0]) != json.loads(bodies[1]):
            differing.append(endpoint)
        elif bodies[0] != bodies[1]:
            spelled_apart.append(endpoint)
    if not differing and not spelled_apart:
        return "yes, byte for byte"
    notes = []
    if differing:
        notes.append("differs on " + ", ".join(differing))
    if spelled_apart:
        notes.append("same values, other bytes on " + ", ".join(spelled_apart))
    return "; ".join(notes)


@dataclass
class Results:
    by_key: dict[tuple[str, str], Latencies] = field(default_factory=dict)

    def add(self, name: str, endpoint: str, latencies: Latencies) -> None:
        self.by_key.setdefault((name, endpoint), Latencies()).values_ms.extend(latencies.values_ms)


def measure(servers: dict[str, Server], workload: Workload, args: argparse.Namespace) -> Results:
    results = Results()
    for round_no in range(args.rounds):
        for endpoint in ENDPOINTS:
            paths = workload.paths(endpoint, args.warmup + args.requests, seed=round_no)
            order = list(servers.items())
            if round_no % 2:
                order.reverse()
            for name, server in order:
                log(f"round {round_no + 1}: {name} {endpoint}")
                results.add(
                    name, endpoint, time_paths(server.port, workload.token, paths, args.warmup)
                )
    return results


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def memory_rows(
    server: Server, workload: Workload, counts: list[int]
) -> list[tuple[str, str, str]]:
    assert server.process is not None
    rows = [
        (
            "gridloop RSS after start-up + timing rounds",
            f"{resident_mb(server.process.pid):.1f} MB",
            "",
        )
    ]
    sent = 0
    for count in counts:
        per_endpoint = (count - sent) // len(ENDPOINTS)
        mixed = [p for e in ENDPOINTS for p in workload.paths(e, per_endpoint, seed=count)]
        random.Random(count).shuffle(mixed)
        time_paths(server.port, workload.token, mixed, warmup=0)
        sent = count
        rss = resident_mb(server.process.pid)
        rows.append((f"gridloop RSS after {count:,} mixed requests", f"{rss:.1f} MB", "< 200 MB"))
    return rows


def report_rows(results: Results) -> list[Row]:
    ms = "{:.3f} ms".format
    rows: list[Row] = []
    for endpoint in ENDPOINTS:
        ours, peer = results.by_key[("gridloop", endpoint)], results.by_key[("peer", endpoint)]
        for name, lat in (("gridloop", ours), ("peer", peer)):
            p99_goal = ""
            if name == "gridloop" and endpoint == "/geo/locate":
                p99_goal = f"p99 < {LOCATE_P99_GOAL_MS:.0f} ms"
            rows.append(
                (
                    f"{endpoint} {name} p50 / p99 / mean",
                    f"{ms(lat.pct(50))} / {ms(lat.pct(99))} / {ms(lat.mean)}",
                    p99_goal,
                )
            )
        rows.append(
            (
                f"{endpoint} gridloop / peer (p50, p99, mean)",
                f"{ours.pct(50) / peer.pct(50):.2f}x, {ours.pct(99) / peer.pct(99):.2f}x, "
                f"{ours.mean / peer.mean:.2f}x",
                f"mean < {MEAN_RATIO_GOAL}x",
            )
        )
    return rows


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--grids", type=int, default=36_500, help="synthetic unit grids (0: demo)")
    parser.add_argument("--cases", type=int, default=5000, help="case histories (default 5000)")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per round")
    parser.add_argument("--warmup", type=int, default=200, help="untimed first requests")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (servers alternate)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random points")
    parser.add_argument("--memory", default="", help="e.g. 10000,50000: RSS after mixed requests")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="time a database kept by --keep (same --grids)"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.grids <= 99_999 or args.cases < 60 or args.requests < 1 or args.rounds < 1:
        parser.error("--grids 0..99999, --cases ≥ 60, --requests and --rounds positive")
    args.memory_counts = sorted(int(part) for part in args.memory.split(",") if part.strip())
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    admin = admin_url()
    with (
        kept_or_scratch_database(admin, DATABASE, reuse=args.reuse, keep=args.keep) as (
            url,
            engine,
        ),
        tempfile.TemporaryDirectory(prefix="gridloop-bench-", ignore_cleanup_errors=True) as tmp,
        Server(url, Path(tmp) / "gridloop.log") as ours,
        peer_server(url, Path(tmp) / "peer.log") as peer,
    ):
        workload = prepare(url, engine, args)
        engine.dispose()
        servers = {"gridloop": ours, "peer": peer}
        for name, server in servers.items():
            log(f"starting {name}: {' '.join(server.command)}")
            server.start()
        same = same_json(servers, workload)
        results = measure(servers, workload, args)
        rows = report_rows(results)
        if args.memory_counts:
            peer.stop()
            rows += memory_rows(ours, workload, args.memory_counts)
    print(f"\ngridloop against a plain FastAPI peer — {this_command()}")
    print(host_summary())
    print(
        f"{args.rounds} rounds × {args.requests} requests per endpoint and server (after "
        f"{args.warmup} warm-up), one keep-alive client; same JSON: {same}\n"
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    run(main)
