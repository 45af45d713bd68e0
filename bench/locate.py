"""Benchmark: import a Beijing-scale synthetic district, time `GET /geo/locate` against bare SQL.

Steps: create (dropping first) the database `gridloop_bench`, migrate it, import the synthetic
district with every check on (generation timed apart from the import), create an auditor and a
bearer token, start the real server as a subprocess, time `/geo/locate` over HTTP with one
keep-alive client, time the same lookup SQL (`gridloop.geo.repository.LOCATE_SQL`) from psycopg
on one prepared connection and from pgbench (`-c 1 -j 1 -M prepared`), print a table against the
goals, then stop the server and drop the database (unless `--keep`).

Run: `.venv/bin/python bench/locate.py` (quick: `--grids 2000 --requests 500`). The server is
the local cluster (started if needed) unless GRIDLOOP_DATABASE_URL names another one.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import shlex
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx2
import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gridloop.geo import service as geo_service
from gridloop.geo.layers import Layer
from gridloop.geo.repository import LOCATE_SQL
from gridloop.synth import district as synth_district

from harness import (
    Latencies,
    PgbenchResult,
    Server,
    admin_url,
    host_summary,
    issue_token,
    libpq_params,
    log,
    print_table,
    run,
    run_pgbench,
    scratch_database,
    this_command,
    timed,
)

DATABASE = "gridloop_bench"
IMPORT_GOAL_S = 60.0
LOCATE_P99_GOAL_MS = 5.0
# pgbench's random() is integer-only: a point is a random integer step of this many per axis.
PGBENCH_STEPS = 1_000_000

Point = tuple[float, float]


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def locate_sql_one_line() -> str:
    """LOCATE_SQL on one line, with its `:lon` / `:lat` placeholders."""
    return " ".join(str(LOCATE_SQL).split())


# --------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------


@dataclass
class ImportTimes:
    generate_s: float
    layers_s: dict[Layer, float]
    features: dict[Layer, int]

    @property
    def total_s(self) -> float:
        return sum(self.layers_s.values())


def import_district(engine: Engine, grids: int) -> ImportTimes:
    log(f"generating a synthetic district of {grids} unit grids")
    layers, generate_s = timed(lambda: list(synth_district.synthetic_layers(grids)))
    log(f"generated in {generate_s:.2f} s")
    times: dict[Layer, float] = {}
    features: dict[Layer, int] = {}
    for layer, collection in layers:
        start = time.perf_counter()
        with Session(engine) as session, session.begin():
            result = geo_service.import_layer(session, layer=layer, collection=collection)
        times[layer] = time.perf_counter() - start
        features[layer] = result.features
        log(f"imported {layer}: {result.features} features in {times[layer]:.2f} s")
    return ImportTimes(generate_s=generate_s, layers_s=times, features=features)


def unit_grid_extent(engine: Engine) -> tuple[float, float, float, float]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) AS e FROM unit_grid) sub"
            )
        ).one()
    west, south, east, north = (float(v) for v in row)
    return west, south, east, north


def random_points(extent: tuple[float, float, float, float], count: int, seed: int) -> list[Point]:
    west, south, east, north = extent
    rng = random.Random(seed)
    return [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(count)]


@dataclass
class HttpResult:
    latencies: Latencies
    statuses: dict[int, int]


def locate_path(point: Point) -> str:
    lon, lat = point
    return "/geo/locate?" + urlencode({"lon": f"{lon:.7f}", "lat": f"{lat:.7f}", "crs": "wgs84"})


def bench_http(
    server: Server, token: str, points: Sequence[Point], warmup: int, client: str
) -> HttpResult:
    """One client, one keep-alive connection, requests back to back."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    paths = [locate_path(p) for p in points]
    result = HttpResult(latencies=Latencies(), statuses={})

    def record(index: int, status: int, elapsed_ns: int) -> None:
        if index < warmup:
            return
        result.statuses[status] = result.statuses.get(status, 0) + 1
        result.latencies.values_ms.append(elapsed_ns / 1e6)

    if client == "httpx2":
        with httpx2.Client(base_url=server.base_url, headers=headers, timeout=10.0) as session:
            for index, path in enumerate(paths):
                start = time.perf_counter_ns()
                response = session.get(path)
                _ = response.content
                record(index, response.status_code, time.perf_counter_ns() - start)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10.0)
        try:
            for index, path in enumerate(paths):
                start = time.perf_counter_ns()
                connection.request("GET", path, headers=headers)
                reply = connection.getresponse()
                reply.read()
                record(index, reply.status, time.perf_counter_ns() - start)
        finally:
            connection.close()
    return result


def bench_psycopg(database_url: str, points: Sequence[Point], warmup: int) -> Latencies:
    """The lookup SQL on one autocommit connection, server-side prepared, same points."""
    query = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", locate_sql_one_line())
    latencies = Latencies()
    conninfo = make_conninfo(**libpq_params(database_url))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for index, (lon, lat) in enumerate(points):
            start = time.perf_counter_ns()
            connection.execute(query, {"lon": lon, "lat": lat}, prepare=True).fetchall()
            if index >= warmup:
                latencies.values_ms.append((time.perf_counter_ns() - start) / 1e6)
    return latencies


def bench_pgbench(
    database_url: str, extent: tuple[float, float, float, float], seconds: int, workdir: Path
) -> PgbenchResult:
    """pgbench, one client, prepared, random points in the extent; the baseline."""
    west, south, east, north = extent
    script = workdir / "locate.sql"
    script.write_text(
        f"\\set lon {west!r} + {east - west!r} * random(0, {PGBENCH_STEPS}) / {PGBENCH_STEPS}.0\n"
        f"\\set lat {south!r} + {north - south!r} * random(0, {PGBENCH_STEPS}) / "
        f"{PGBENCH_STEPS}.0\n"
        f"{locate_sql_one_line()};\n",
        encoding="utf-8",
    )
    return run_pgbench(database_url, [script], seconds=seconds, prepared=True, log_dir=workdir)


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def import_rows(imports: ImportTimes) -> list[tuple[str, str, str]]:
    unit_s = imports.layers_s[Layer.UNIT_GRIDS]
    rows: list[tuple[str, str, str]] = [
        ("generate synthetic layers", f"{imports.generate_s:.2f} s", "(not part of import)"),
        (
            f"import unit-grids ({imports.features[Layer.UNIT_GRIDS]} features)",
            f"{unit_s:.2f} s",
            "",
        ),
    ]
    for layer in (Layer.STREETS, Layer.COMMUNITIES, Layer.RESPONSIBILITY_GRIDS):
        rows.append(
            (f"import {layer} ({imports.features[layer]})", f"{imports.layers_s[layer]:.2f} s", "")
        )
    rows.append(
        (
            "import all layers",
            f"{imports.total_s:.2f} s",
            f"< {IMPORT_GOAL_S:.0f} s: {verdict(imports.total_s < IMPORT_GOAL_S)}",
        )
    )
    return rows


def report(
    args: argparse.Namespace,
    imports: ImportTimes,
    http: HttpResult,
    bare: Latencies,
    pgbench: PgbenchResult,
    server: Server,
    server_version: str,
) -> None:
    h = http.latencies
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(http.statuses.items()))
    ms = "{:.3f} ms".format
    rows = [
        *import_rows(imports),
        (f"HTTP /geo/locate requests ({args.client})", f"{h.count} ({statuses})", ""),
        ("HTTP /geo/locate p50", ms(h.pct(50)), ""),
        (
            "HTTP /geo/locate p99",
            ms(h.pct(99)),
            f"< {LOCATE_P99_GOAL_MS:.0f} ms: {verdict(h.pct(99) < LOCATE_P99_GOAL_MS)}",
        ),
        ("HTTP /geo/locate mean", ms(h.mean), ""),
        ("HTTP /geo/locate max", ms(max(h.values_ms)), ""),
        ("HTTP throughput, 1 client (1/mean)", f"{h.per_second:.0f} req/s", ""),
        ("SQL via psycopg p50", ms(bare.pct(50)), ""),
        ("SQL via psycopg p99", ms(bare.pct(99)), ""),
        ("SQL via psycopg mean", ms(bare.mean), ""),
        ("SQL via psycopg throughput (1/mean)", f"{bare.per_second:.0f} q/s", ""),
        ("pgbench tps (-c 1, prepared)", f"{pgbench.tps:.0f} tps", "baseline"),
        ("pgbench latency average", ms(pgbench.latency_avg_ms), ""),
        ("pgbench p50 (from --log)", ms(pgbench.logged_all.pct(50)), ""),
        ("pgbench p99 (from --log)", ms(pgbench.logged_all.pct(99)), ""),
        ("pgbench transactions", str(pgbench.transactions), ""),
        ("ratio pgbench tps / HTTP req/s", f"{pgbench.tps / h.per_second:.1f}x", ""),
        ("ratio HTTP req/s / pgbench tps", f"{h.per_second / pgbench.tps:.1%}", ""),
        ("ratio pgbench tps / psycopg q/s", f"{pgbench.tps / bare.per_second:.2f}x", ""),
        ("HTTP mean - pgbench latency average", ms(h.mean - pgbench.latency_avg_ms), ""),
    ]
    print()
    print(
        f"gridloop locate benchmark: {args.grids} unit grids, {args.requests} requests "
        f"after {args.warmup} warm-up, seed {args.seed}"
    )
    print(f"{host_summary()}, {server_version}")
    print()
    print_table(rows)
    print()
    print("command: " + this_command())
    print("server:  " + " ".join(shlex.quote(part) for part in server.command))
    print("pgbench: " + " ".join(shlex.quote(part) for part in pgbench.command))


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--grids", type=int, default=36_500, help="unit grids (default 36500)")
    parser.add_argument("--requests", type=int, default=3000, help="timed requests (default 3000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed first requests")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random points")
    parser.add_argument(
        "--client",
        choices=("http.client", "httpx2"),
        default="http.client",
        help="HTTP client for /geo/locate (default: the lighter http.client)",
    )
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench -T")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    if not 1 <= args.grids <= 99_999:
        parser.error("--grids must be between 1 and 99999")
    if args.requests < 1 or args.warmup < 0 or args.pgbench_seconds < 1:
        parser.error("--requests and --pgbench-seconds must be positive, --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    admin = admin_url()
    log(f"creating database {DATABASE} (dropped first)")
    with (
        scratch_database(admin, DATABASE, keep=args.keep) as (url, engine),
        tempfile.TemporaryDirectory(prefix="gridloop-bench-", ignore_cleanup_errors=True) as tmp,
        Server(url, Path(tmp) / "server.log") as server,
    ):
        workdir = Path(tmp)
        imports = import_district(engine, args.grids)
        with engine.begin() as connection:
            # What autovacuum would do soon after a real import: planner statistics.
            connection.execute(text("ANALYZE"))
            server_version = str(connection.execute(text("SHOW server_version")).scalar_one())
        token = issue_token(engine)
        extent = unit_grid_extent(engine)
        points = random_points(extent, args.warmup + args.requests, args.seed)

        log(f"starting the server: {' '.join(server.command)}")
        server.start()
        log(f"timing /geo/locate: {args.warmup} warm-up + {args.requests} requests")
        http = bench_http(server, token, points, args.warmup, args.client)
        server.stop()
        unexpected = {s: n for s, n in http.statuses.items() if s not in (200, 422)}
        if unexpected:
            raise RuntimeError(f"unexpected statuses {unexpected}:\n{server.log_tail()}")

        log("timing the bare lookup SQL via psycopg")
        bare = bench_psycopg(url, points, args.warmup)
        log(f"running pgbench for {args.pgbench_seconds} s")
        pgbench = bench_pgbench(url, extent, args.pgbench_seconds, workdir)
        report(args, imports, http, bare, pgbench, server, f"PostgreSQL {server_version}")
    return 0


if __name__ == "__main__":
    run(main)
