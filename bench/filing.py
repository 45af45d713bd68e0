"""Benchmark: filing throughput and latency over HTTP against pgbench running the same SQL.

Steps: create (dropping first) the database `gridloop_bench_filing`, migrate it, load the demo
district (`gridloop seed demo`), create a 12345 intake API key and pick points inside unit
grids. Capture the SQL statements of one filing per point (the app in process, every statement
logged with its parameters rendered as literals) and write each as a pgbench script
(`BEGIN; …; COMMIT;`); the new case's id is not a literal but the `:case_id` that the INSERT
of the case returns (`\\gset`), so each transaction appends its event to the case it inserted
and the rollup trigger does the same work as for a filing. Copy the database for pgbench, so
that both sides start from the same data. Start the real server (`gridloop serve --workers 2
--no-access-log`), run 50 concurrent keep-alive clients filing for `--seconds`, then run pgbench
with the same concurrency (`-c 50 -j 2`) on those scripts in the copy. Between the two, an
open loop (`openloop.py`) files at Poisson arrivals of `--rate` a second (default: half the
closed-loop throughput just measured), not waiting for answers. Print throughput, p50/p99 of
both loops and the ratio against the goals (≥ 60 % of pgbench; open-loop p99 < 100 ms: with
clients that each wait for their answer, p99 is clients ÷ throughput, a figure of the machine).

Run: `.venv/bin/python bench/filing.py` (quick: `--seconds 5`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from openloop import OpenLoopResult, open_loop
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gridloop import localdb
from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource

from harness import (
    HttpResult,
    RequestOf,
    Server,
    admin_url,
    closed_loop,
    host_summary,
    libpq_params,
    log,
    print_table,
    run,
    run_pgbench,
    scratch_database,
    this_command,
)

DATABASE = "gridloop_bench_filing"
ITEM = "E0102"  # 暴露垃圾
RATIO_GOAL = 0.60
P99_GOAL_MS = 100.0
Point = tuple[float, float]


def gridloop_command(url: str, *args: str) -> str:
    """Run `gridloop …` on the bench database; its stdout (fail loudly)."""
    env = {**os.environ, "GRIDLOOP_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "gridloop", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gridloop {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def intake_key(engine: Engine) -> str:
    with Session(engine) as session, session.begin():
        return auth_service.create_api_key(
            session, name="bench-12345", source=IntakeSource.HOTLINE_12345
        )


def grid_points(engine: Engine, count: int, street_code: str | None = None) -> list[Point]:
    """A point inside each of `count` unit grids spread over the district (or the street)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM unit_grid "
                "WHERE CAST(:street AS text) IS NULL OR street_code = :street "
                "ORDER BY md5(code) LIMIT :n) AS s"
            ),
            {"n": count, "street": street_code},
        ).all()
    return [(float(lon), float(lat)) for lon, lat in rows]


def filing(point: Point, index: int) -> dict[str, Any]:
    return {
        "point": {"lon": point[0], "lat": point[1], "crs": "wgs84"},
        "item_code": ITEM,
        "description": f"压测上报 {index}：路边暴露垃圾",
    }


# --------------------------------------------------------------------------------------------
# the SQL of one filing
# --------------------------------------------------------------------------------------------


def capture_scripts(url: str, key: str, points: Sequence[Point], workdir: Path) -> list[Path]:
    """File once per point, recording every statement; one pgbench script each.

    In a process of its own: the app keeps a listener connected to the database for as long as
    its process runs, and the database can be copied for pgbench only once nobody is connected.
    """
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_capture_in_process, (url, key, list(points), workdir))


def _capture_in_process(url: str, key: str, points: Sequence[Point], workdir: Path) -> list[Path]:
    """File once per point in process, recording every statement; one pgbench script each."""
    os.environ["GRIDLOOP_DATABASE_URL"] = url
    from gridloop.app import create_app
    from gridloop.config import get_settings
    from gridloop.db import get_engine, get_sessionmaker

    get_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    captured: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        rows = parameters if many else [parameters]
        captured.extend((statement, row) for row in rows)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    scripts: list[Path] = []
    with (
        TestClient(create_app()) as client,
        psycopg.ClientCursor(psycopg.connect(make_conninfo(**libpq_params(url)))) as cursor,
    ):
        for index, point in enumerate(points):
            captured.clear()
            response = client.post("/cases", json=filing(point, index), headers={"X-API-Key": key})
            if response.status_code != 201:
                raise RuntimeError(f"filing failed: {response.status_code} {response.text}")
            case_id = response.json()["case_id"]
            lines = ["BEGIN;"]
            lines += [pgbench_line(cursor, *row, case_id=case_id) for row in captured]
            lines.append("COMMIT;")
            script = workdir / f"filing_{index:03d}.sql"
            script.write_text("\n".join(lines) + "\n", encoding="utf-8")
            scripts.append(script)
        cursor.connection.close()
    event.remove(engine, "before_cursor_execute", record)
    engine.dispose()
    log(f"one filing is {len(lines) - 2} statements (see {scripts[0]})")
    return scripts


def pgbench_line(
    cursor: psycopg.ClientCursor[Any], statement: str, parameters: Any, *, case_id: int
) -> str:
    """A captured statement as one line of a pgbench script, its parameters as literals.

    The INSERT of the case keeps what it returns in pgbench variables (`\\gset`), and the
    parameters that carry the new case's id become `:case_id`: each transaction works on the
    case it inserted, as the service does, rather than on the case filed while capturing.
    """
    parameters = dict(parameters or {})
    for name, value in list(parameters.items()):
        if name.startswith("case_id") and value == case_id:
            statement = statement.replace(f"%({name})s", ":case_id")
            del parameters[name]
    rendered = " ".join(cursor.mogrify(statement, parameters or None).split())
    returns_the_case = statement.startswith("INSERT INTO grid_case") and "RETURNING" in statement
    return f"{rendered} \\gset" if returns_the_case else f"{rendered};"


@contextlib.contextmanager
def database_copy(admin: str, url: str, name: str) -> Iterator[str]:
    """Database `name`, a copy of the one of `url` (nobody may be connected to it), as its URL;
    dropped on exit. pgbench runs in the copy: it starts from the data the HTTP run started
    from, not from what the HTTP run added."""
    localdb.drop_database(admin, name)
    with psycopg.connect(make_conninfo(**libpq_params(admin)), autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(libpq_params(url)["dbname"])
            )
        )
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        localdb.drop_database(admin, name)


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


def bench_http(
    server: Server, key: str, points: Sequence[Point], clients: int, seconds: float, warmup: float
) -> HttpResult:
    """`clients` threads, each one keep-alive connection, filing back to back."""
    return closed_loop(
        server.port,
        filing_request(key, points, seed=None),
        clients=clients,
        seconds=seconds,
        warmup=warmup,
    )


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--seconds", type=int, default=20, help="measured time of each side")
    parser.add_argument("--warmup", type=float, default=3.0, help="HTTP seconds not measured")
    parser.add_argument("--points", type=int, default=50, help="distinct filing points")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open-loop filings per second (default: half the closed-loop throughput measured)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def filing_request(key: str, points: Sequence[Point], seed: int | None = 7) -> RequestOf:
    """The n-th filing: POST /cases at a random point (the open loop numbers its own from
    900,000,000; the closed loop's clients share one generator)."""
    rng = random.Random(seed)
    offset = 0 if seed is None else 900_000_000
    headers = {"X-API-Key": key, "Content-Type": "application/json"}

    def request_of(index: int) -> tuple[str, str, dict[str, str], bytes]:
        body = json.dumps(filing(rng.choice(points), offset + index)).encode()
        return "POST", "/cases", headers, body

    return request_of


def open_rows(result: OpenLoopResult, *, given: bool) -> list[tuple[str, str, str]]:
    lat = result.latencies
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
    how = "--rate" if given else "half the closed-loop throughput"
    return [
        (f"open loop: rate ({how})", f"{result.rate:.1f} /s", ""),
        ("open loop: filings measured", f"{lat.count} ({statuses})", ""),
        ("open loop: connections opened", str(result.connections), ""),
        ("open loop: p50 / mean", f"{lat.pct(50):.1f} ms / {lat.mean:.1f} ms", ""),
        ("open loop: p99", f"{lat.pct(99):.1f} ms", f"< {P99_GOAL_MS:.0f} ms"),
    ]


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
        log("loading the demo district (gridloop seed demo)")
        gridloop_command(url, "seed", "demo")
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
        key = intake_key(engine)
        points = grid_points(engine, args.points)
        log(f"capturing the SQL of one filing at each of {len(points)} points")
        scripts = capture_scripts(url, key, points, workdir)
        engine.dispose()
        log(f"copying the database for pgbench ({DATABASE}_sql)")
        with database_copy(admin, url, f"{DATABASE}_sql") as pgbench_url:
            server.command += ["--workers", str(args.workers)]
            server.env["GRIDLOOP_SWEEP_INTERVAL_SECONDS"] = "0"
            log(f"starting the server: {' '.join(server.command)}")
            server.start()
            warmup = f"{args.warmup} s warm-up + {args.seconds} s"
            log(f"filing over HTTP: {args.clients} clients, {warmup}")
            http_result = bench_http(server, key, points, args.clients, args.seconds, args.warmup)
            rate = args.rate or http_result.per_second / 2
            log(f"filing open-loop: Poisson arrivals at {rate:.1f}/s, {warmup}")
            opened = open_loop(
                server.port,
                filing_request(key, points),
                rate=rate,
                seconds=args.seconds,
                warmup=args.warmup,
            )
            server.stop()
            unexpected = {s: n for s, n in http_result.statuses.items() if s != 201}
            if unexpected:
                log(f"unexpected statuses {unexpected}:\n{server.log_tail()}")

            log(f"pgbench: -c {args.clients} -j 2 -T {args.seconds} on {len(scripts)} scripts")
            pgbench = run_pgbench(
                pgbench_url, scripts, seconds=args.seconds, clients=args.clients, threads=2
            )

    h = http_result.latencies
    ratio = http_result.per_second / pgbench.tps if pgbench.tps else float("nan")
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(http_result.statuses.items()))
    rows = [
        ("HTTP filings", f"{h.count} ({statuses})", ""),
        ("HTTP throughput", f"{http_result.per_second:.1f} /s", ""),
        ("HTTP p50", f"{h.pct(50):.1f} ms", ""),
        ("HTTP p99 (closed loop)", f"{h.pct(99):.1f} ms", "(clients ÷ throughput)"),
        *open_rows(opened, given=bool(args.rate)),
        ("pgbench throughput (same SQL)", f"{pgbench.tps:.1f} tps", ""),
        ("pgbench latency average", f"{pgbench.latency_avg_ms:.1f} ms", ""),
        ("HTTP / pgbench", f"{ratio:.0%}", f"≥ {RATIO_GOAL:.0%}"),
    ]
    print(f"\nfiling benchmark — {this_command()}")
    print(f"{host_summary()}, PostgreSQL {version}")
    print(f"pgbench: {' '.join(pgbench.command[:9])} … ({pgbench.failed} failed)\n")
    print_table(rows)
    met = ratio >= RATIO_GOAL and opened.latencies.pct(99) < P99_GOAL_MS
    print(f"\ngoals: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    run(main)
