"""Benchmark: indicator reports on a multi-year history, rollups against a plain GROUP BY.

Steps: create (dropping first) the database `gridloop_bench_reports`, migrate it, load the demo
district (`gridloop seed demo`) and write `--cases` cases over `--years` years with
`gridloop seed history` (which rebuilds the rollups); `--reuse` skips all that and measures a
database kept by an earlier `--keep` run, upgraded to the newest migration first. Then start the
real server and time, as an auditor:

- one street, one month: `GET /reports/indicators?group_by=street&street_code=…&period=month`
  for a month, at random streets and months (goal: under 100 ms);
- the district by month over the whole history: `group_by=district&period=month` (goal: under
  500 ms), and the same by street. The history starts and ends mid-month: its whole months are
  read from the monthly rollups, the days at its edges from the daily ones.

The baseline is the same report computed in the same run by a plain GROUP BY over the cases and
their events (the view `case_fact_source`, which defines the counters, summed directly instead
of the rollups), run `--baseline-runs` times each; the table shows the ratio. It groups the
events in case order through their index, with 1 GB of work memory: hashing or sorting every
event instead spilled over 15 GB of temporary files on 20 million cases.

Run: `.venv/bin/python bench/reports.py --cases 20000000 --years 3 --keep`, then
`.venv/bin/python bench/reports.py --reuse` (quick: `--cases 200000`).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx2
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from gridloop import migrations
from gridloop.reports import repository
from gridloop.reports.repository import GroupBy, Period, RowFilter

from filing import gridloop_command
from harness import (
    Latencies,
    Server,
    admin_url,
    host_summary,
    issue_token,
    log,
    print_table,
    run,
    scratch_database,
    this_command,
)

DATABASE = "gridloop_bench_reports"
STREET_MONTH_GOAL_MS = 100.0
DISTRICT_MONTHS_GOAL_MS = 500.0
BASELINE_TIMEOUT_S = 1800
BASELINE_WORK_MEM = "1GB"


@dataclass(frozen=True)
class History:
    """What the database holds: its streets and the days its cases were reported on."""

    cases: int
    first_day: date
    last_day: date
    streets: list[str]

    def months(self) -> list[date]:
        months, month = [], self.first_day.replace(day=1)
        while month <= self.last_day:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def history_of(engine: Engine) -> History:
    with engine.connect() as connection:
        cases, first_day, last_day = connection.execute(
            text("SELECT count(*), min(day), max(day) FROM case_fact")
        ).one()
        streets = list(
            connection.execute(
                text("SELECT DISTINCT key FROM case_rollup WHERE kind = 'street' ORDER BY key")
            ).scalars()
        )
    if not cases:
        raise RuntimeError("the database holds no cases: seed a history first")
    return History(cases=cases, first_day=first_day, last_day=last_day, streets=streets)


@contextlib.contextmanager
def bench_database(args: argparse.Namespace) -> Iterator[tuple[str, Engine]]:
    """The kept database with `--reuse`, else a new one with the demo district and a history."""
    admin = admin_url()
    if args.reuse:
        url = make_url(admin).set(database=DATABASE).render_as_string(hide_password=False)
        engine = create_engine(url)
        try:
            try:
                engine.connect().close()
            except OperationalError as error:
                raise RuntimeError(f"--reuse: cannot open {DATABASE} (kept by --keep?)") from error
            log(f"migrating {DATABASE} (kept by an earlier run) to the newest migration")
            started = time.perf_counter()
            with engine.begin() as connection:
                migrations.upgrade(connection)
            log(f"migrated in {time.perf_counter() - started:.0f} s")
            yield url, engine
        finally:
            engine.dispose()
        return
    log(f"creating database {DATABASE} (dropped first)")
    with scratch_database(admin, DATABASE, keep=args.keep) as (url, engine):
        log("loading the demo district (gridloop seed demo)")
        gridloop_command(url, "seed", "demo")
        log(f"writing {args.cases} cases over {args.years} years (gridloop seed history)")
        started = time.perf_counter()
        gridloop_command(
            url, "seed", "history", "--cases", str(args.cases), "--years", str(args.years)
        )
        log(f"history written in {time.perf_counter() - started:.0f} s")
        yield url, engine


def timed_get(client: httpx2.Client, params: dict[str, str], runs: int) -> Latencies:
    latencies = Latencies()
    for _ in range(runs):
        begin = time.perf_counter_ns()
        reply = client.get("/reports/indicators", params=params)
        latencies.values_ms.append((time.perf_counter_ns() - begin) / 1e6)
        if reply.status_code != 200:
            raise RuntimeError(f"{reply.status_code} for {params}: {reply.text[:500]}")
    return latencies


def street_months(history: History, count: int, seed: int) -> list[tuple[str, date]]:
    rng = random.Random(seed)
    months = history.months()
    return [(rng.choice(history.streets), rng.choice(months)) for _ in range(count)]


def baseline_sql(group_by: GroupBy, rows: RowFilter) -> str:
    """The report of `repository` over the cases and events directly: the per-case view as the
    source, grouped like the rollups (no rollup rows read)."""
    facts = "(SELECT 'street' AS kind, street_code AS key, * FROM case_fact_source)"
    return repository.indicator_sql(group_by, Period.MONTH, rows, facts=facts)


def timed_baseline(engine: Engine, group_by: GroupBy, rows: RowFilter, runs: int) -> Latencies:
    latencies = Latencies()
    parameters = repository.indicator_parameters(group_by, Period.MONTH, rows)
    with engine.connect() as connection:
        connection.execute(text(f"SET statement_timeout = '{BASELINE_TIMEOUT_S}s'"))
        # Group the events in case order through their index (see the module's docstring).
        connection.execute(text(f"SET work_mem = '{BASELINE_WORK_MEM}'"))
        connection.execute(text("SET enable_hashagg = off"))
        connection.execute(text("SET enable_sort = off"))
        for _ in range(runs):
            begin = time.perf_counter_ns()
            connection.execute(text(baseline_sql(group_by, rows)), parameters).all()
            latencies.values_ms.append((time.perf_counter_ns() - begin) / 1e6)
    return latencies


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=20_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="street-month requests")
    parser.add_argument("--district-runs", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with (
        bench_database(args) as (url, engine),
        tempfile.TemporaryDirectory(prefix="gridloop-bench-", ignore_cleanup_errors=True) as tmp,
        Server(url, Path(tmp) / "server.log") as server,
    ):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM app_user WHERE username = 'bench-auditor'"))
        history = history_of(engine)
        token = issue_token(engine)
        server.env["GRIDLOOP_SWEEP_INTERVAL_SECONDS"] = "0"
        server.start()
        log(f"{history.cases} cases reported {history.first_day} … {history.last_day}")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
            timed_get(client, {"group_by": "street", "from": "2000-01-01", "to": "2000-01-31"}, 5)
            street_month = Latencies()
            for street, month in street_months(history, args.requests, seed=1):
                params = {
                    "group_by": "street",
                    "street_code": street,
                    "period": "month",
                    "from": month.isoformat(),
                    "to": month_end(month).isoformat(),
                }
                street_month.values_ms += timed_get(client, params, 1).values_ms
            whole = {
                "period": "month",
                "from": history.first_day.isoformat(),
                "to": history.last_day.isoformat(),
            }
            district = timed_get(client, {**whole, "group_by": "district"}, args.district_runs)
            by_street = timed_get(client, {**whole, "group_by": "street"}, args.district_runs)
        server.stop()

        street, month = street_months(history, 1, seed=2)[0]
        log("baseline: one street, one month, plain GROUP BY over cases and events")
        base_street = timed_baseline(
            engine,
            GroupBy.STREET,
            RowFilter(start=month, end=month_end(month), street_code=street),
            args.baseline_runs,
        )
        log("baseline: the district by month over the whole history")
        base_district = timed_baseline(
            engine,
            GroupBy.DISTRICT,
            RowFilter(start=history.first_day, end=history.last_day),
            args.baseline_runs,
        )

    def ms(latencies: Latencies, q: float) -> str:
        return f"{latencies.pct(q):.1f} ms"

    rows = [
        ("one street, one month: p50", ms(street_month, 50), ""),
        ("one street, one month: p99", ms(street_month, 99), f"< {STREET_MONTH_GOAL_MS:.0f} ms"),
        ("  plain GROUP BY (baseline)", ms(base_street, 50), ""),
        ("  baseline / rollups (p50)", f"{base_street.pct(50) / street_month.pct(50):.0f} ×", ""),
        ("district × month, whole history: p50", ms(district, 50), ""),
        (
            "district × month, whole history: p99",
            ms(district, 99),
            f"< {DISTRICT_MONTHS_GOAL_MS:.0f} ms",
        ),
        ("  plain GROUP BY (baseline)", ms(base_district, 50), ""),
        ("  baseline / rollups (p50)", f"{base_district.pct(50) / district.pct(50):.0f} ×", ""),
        (
            "streets × month, whole history: p50 / p99",
            f"{ms(by_street, 50)} / {ms(by_street, 99)}",
            "",
        ),
    ]
    print(f"\nreports benchmark — {this_command()}")
    print(f"{host_summary()}; {history.cases} cases, {history.first_day} … {history.last_day}\n")
    print_table(rows)
    met = street_month.pct(99) < STREET_MONTH_GOAL_MS and district.pct(99) < DISTRICT_MONTHS_GOAL_MS
    print(f"\ngoals: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    run(main)
