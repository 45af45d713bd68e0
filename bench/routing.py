"""Benchmark: routing decisions — the pure engine alone, and `POST /routing/explain` over HTTP.

Two scenarios, each in a scratch database `gridloop_bench_routing` (dropped first, migrated):

* demo: the 长宁区 demo district, catalog, offices and the demo rule set, as `gridloop seed demo`
  loads them;
* synthetic: `synth.district.synthetic_layers(--grids)` (default 36,500 unit grids, Beijing's
  count) imported with `geo.service.import_layer`, the catalog, one office of each department
  type per street, and `--rules` (default 500) generated rules mixing item codes and prefixes,
  tiers, streets, unit grids, areas, time windows and attributes (distinct priorities), saved
  through `routing.service.save_rule_set` with full validation.

For each scenario: a pool of facts is gathered from the database (random unit grids, items,
times and attributes); `engine.decide` is timed per call over `--decisions` decisions (the goal:
p99 under 1 ms); `routing.service.decide` (facts from the database + engine, no HTTP) is timed
too; then the real server (`gridloop serve`, a subprocess on a free port) answers `--requests`
`POST /routing/explain` calls from one keep-alive client. Prints a table, the goal and the
command, then drops the database (unless `--keep`).

Run: `.venv/bin/python bench/routing.py` (quick: `--grids 2000 --rules 100 --requests 300`).
The server is the local cluster (started if needed) unless GRIDLOOP_DATABASE_URL names another.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gridloop import seeding
from gridloop.catalog import seed as catalog_seed
from gridloop.catalog import service as catalog_service
from gridloop.catalog.departments import DEPARTMENT_TYPES
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.geo.crs import Crs
from gridloop.geo.layers import Layer
from gridloop.localtime import CHINA_TIME
from gridloop.org import seed as org_seed
from gridloop.org import service as org_service
from gridloop.routing import engine, service
from gridloop.routing import seed as routing_seed
from gridloop.routing.schemas import RuleSetCreate
from gridloop.synth import district as synth_district

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
    timed,
)

DATABASE = "gridloop_bench_routing"
ENGINE_P99_GOAL_MS = 1.0
FACT_POOL = 2000
STREET_OFFICE_TYPES = ("chengguan", "gongan", "shichang", "fangguan", "lvhua", "jiaojing")


# --------------------------------------------------------------------------------------------
# loading the scenarios
# --------------------------------------------------------------------------------------------


def import_layers(engine_: Engine, layers: Iterator[tuple[Layer, Any]]) -> None:
    for layer, collection in layers:
        with Session(engine_) as session, session.begin():
            result = geo_service.import_layer(session, layer=layer, collection=collection)
        log(f"imported {layer}: {result.features} features")


def load_demo(engine_: Engine, args: argparse.Namespace) -> dict[str, str]:
    settings = get_settings()
    import_layers(engine_, seeding.demo_layers(settings.seeds_dir))
    with Session(engine_) as session, session.begin():
        catalog_seed.load_catalog(session, settings.seeds_dir / "catalog" / "items.yaml")
        org_seed.load_demo(session, settings.seeds_dir)
        saved, seconds = timed(
            lambda: routing_seed.load_demo(session, settings.seeds_dir, now=datetime.now(UTC))
        )
    assert saved is not None
    return {
        "rules": str(saved.rule_count),
        "save rule set (validate + store)": f"{seconds * 1000:.1f} ms",
    }


def load_synthetic(engine_: Engine, args: argparse.Namespace) -> dict[str, str]:
    settings = get_settings()
    log(f"generating {args.grids} synthetic unit grids")
    import_layers(engine_, synth_district.synthetic_layers(args.grids))
    with Session(engine_) as session, session.begin():
        catalog_seed.load_catalog(session, settings.seeds_dir / "catalog" / "items.yaml")
        streets = geo_service.export_layer(session, layer=Layer.STREETS)["features"]
        district = streets[0]["properties"]["district_code"]
        for department_type, name in DEPARTMENT_TYPES.items():
            org_service.save_department(
                session,
                code=f"{district}-{department_type}",
                name=f"合成{name}",
                department_type=department_type,
                district_code=district,
            )
        for feature in streets:
            street = feature["properties"]["code"]
            for department_type in (*STREET_OFFICE_TYPES, "grid_center"):
                org_service.create_office(
                    session,
                    code=f"{street}-{department_type}",
                    name=f"{feature['properties']['name']}{DEPARTMENT_TYPES[department_type]}",
                    department_code=f"{district}-{department_type}",
                    street_code=street,
                    jurisdiction=feature["geometry"],
                )
        log(f"created {len(streets) * (len(STREET_OFFICE_TYPES) + 1)} offices")
        document = generate_rules(session, args.rules, random.Random(args.seed))
        saved, seconds = timed(
            lambda: service.save_rule_set(
                session, document=document, source="bench", author=None, now=datetime.now(UTC)
            )
        )
    return {
        "rules": str(saved.rule_count),
        "save rule set (validate + store)": f"{seconds * 1000:.1f} ms",
    }


def generate_rules(session: Session, count: int, rng: random.Random) -> RuleSetCreate:
    """`count` valid rules of many shapes; distinct priorities, so none can tie."""
    items = list(session.scalars(text("SELECT code FROM catalog_item ORDER BY code")))
    streets = list(session.scalars(text("SELECT code FROM street ORDER BY code")))
    grids = list(session.scalars(text("SELECT code FROM unit_grid ORDER BY code")))
    west, south, east, north = (
        float(v)
        for v in session.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(geom) AS e FROM unit_grid) sub"
            )
        ).one()
    )
    prefixes = sorted({code[:3] for code in items})
    departments = [*STREET_OFFICE_TYPES, "grid_center"]
    priorities = rng.sample(range(1, count * 10), count)
    rules: list[dict[str, Any]] = []
    for index in range(count):
        when: dict[str, Any] = {}
        kind = rng.random()
        if kind < 0.7:
            when["item_codes"] = rng.sample(items, rng.randint(1, 3))
        elif kind < 0.9:
            when["item_prefixes"] = [rng.choice(prefixes)]
        else:
            when["tiers"] = rng.sample("ABCD", rng.randint(1, 2))
        if rng.random() < 0.4:
            when["street_codes"] = rng.sample(streets, min(len(streets), rng.randint(1, 3)))
        elif rng.random() < 0.25:
            when["unit_grid_codes"] = rng.sample(grids, min(len(grids), rng.randint(5, 50)))
        if rng.random() < 0.15:
            lon = rng.uniform(west, east - 0.02)
            lat = rng.uniform(south, north - 0.02)
            size = rng.uniform(0.005, 0.02)
            ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
            when["area"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        if rng.random() < 0.25:
            start, end = rng.sample(range(24), 2)
            when["time_window"] = {"start": f"{start:02d}:00", "end": f"{end:02d}:00"}
            if rng.random() < 0.3:
                when["time_window"]["weekdays"] = rng.sample(range(1, 8), rng.randint(1, 5))
        if rng.random() < 0.15:
            when["attributes"] = {"repeat_offence": rng.choice([True, False])}
        lead = rng.choice(departments)
        assists = [d for d in rng.sample(departments, rng.randint(0, 2)) if d != lead]
        rules.append(
            {
                "id": f"rule-{index:04d}",
                "priority": priorities[index],
                "when": when,
                "then": {"lead_department": lead, "assist_departments": assists},
            }
        )
    return RuleSetCreate.model_validate({"name": f"{count} generated rules", "rules": rules})


# --------------------------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    lon: float
    lat: float
    item_code: str
    at: datetime
    attributes: dict[str, engine.Scalar]


def samples(session: Session, count: int, rng: random.Random) -> list[Sample]:
    items = list(session.scalars(text("SELECT code FROM catalog_item ORDER BY code")))
    points = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM unit_grid "
            "ORDER BY random() LIMIT :n) g"
        ),
        {"n": count},
    ).all()
    start = datetime(2026, 6, 8, tzinfo=CHINA_TIME)
    return [
        Sample(
            lon=float(x),
            lat=float(y),
            item_code=rng.choice(items),
            at=start + timedelta(minutes=rng.randrange(7 * 24 * 60)),
            attributes={"repeat_offence": rng.random() < 0.5},
        )
        for x, y in (points[rng.randrange(len(points))] for _ in range(count))
    ]


def gather(session: Session, pool: Sequence[Sample]) -> tuple[engine.RuleSet, list[engine.Facts]]:
    rule_set = service.compiled_active(session)
    facts: list[engine.Facts] = []
    for sample in pool:
        location = geo_service.locate(session, lon=sample.lon, lat=sample.lat, crs=Crs.WGS84)
        item = catalog_service.get_item(session, code=sample.item_code)
        facts.append(
            service.facts(
                session,
                lon=sample.lon,
                lat=sample.lat,
                unit_grid_code=location.unit_grid_code,
                community_code=location.community.code,
                street_code=location.street.code,
                item=item,
                at=sample.at,
                attributes=sample.attributes,
                rule_set=rule_set,
            )
        )
    return rule_set, facts


def bench_engine(
    rule_set: engine.RuleSet, facts: Sequence[engine.Facts], decisions: int, warmup: int
) -> Latencies:
    latencies = Latencies()
    decide = engine.decide
    clock = time.perf_counter_ns
    for index in range(warmup + decisions):
        one = facts[index % len(facts)]
        start = clock()
        decide(one, rule_set)
        elapsed = clock() - start
        if index >= warmup:
            latencies.values_ms.append(elapsed / 1e6)
    return latencies


def bench_service(session: Session, pool: Sequence[Sample], warmup: int) -> Latencies:
    """`service.decide`: the facts from the database (3 queries) + the engine, per call."""
    located = []
    for sample in pool:
        location = geo_service.locate(session, lon=sample.lon, lat=sample.lat, crs=Crs.WGS84)
        located.append((sample, location))
    latencies = Latencies()
    for index, (sample, location) in enumerate(located):
        start = time.perf_counter_ns()
        service.decide(
            session,
            lon=sample.lon,
            lat=sample.lat,
            unit_grid_code=location.unit_grid_code,
            community_code=location.community.code,
            street_code=location.street.code,
            item_code=sample.item_code,
            at=sample.at,
            attributes=sample.attributes,
        )
        if index >= warmup:
            latencies.values_ms.append((time.perf_counter_ns() - start) / 1e6)
    return latencies


def bench_http(
    server: Server, token: str, pool: Sequence[Sample], requests: int, warmup: int
) -> tuple[Latencies, dict[int, int]]:
    """One client, one keep-alive connection, `POST /routing/explain` back to back."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    latencies = Latencies()
    statuses: dict[int, int] = {}
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10.0)
    try:
        for index in range(warmup + requests):
            sample = pool[index % len(pool)]
            body = json.dumps(
                {
                    "lon": sample.lon,
                    "lat": sample.lat,
                    "crs": "wgs84",
                    "item_code": sample.item_code,
                    "at": sample.at.isoformat(),
                    "attributes": sample.attributes,
                }
            )
            start = time.perf_counter_ns()
            connection.request("POST", "/routing/explain", body=body, headers=headers)
            reply = connection.getresponse()
            reply.read()
            elapsed = time.perf_counter_ns() - start
            if index >= warmup:
                statuses[reply.status] = statuses.get(reply.status, 0) + 1
                latencies.values_ms.append(elapsed / 1e6)
    finally:
        connection.close()
    return latencies, statuses


# --------------------------------------------------------------------------------------------
# a scenario
# --------------------------------------------------------------------------------------------


def run_scenario(
    name: str,
    load: Callable[[Engine, argparse.Namespace], dict[str, str]],
    admin: str,
    args: argparse.Namespace,
) -> list[tuple[str, str, str]]:
    log(f"--- scenario {name}: creating database {DATABASE} (dropped first)")
    rng = random.Random(args.seed)
    server_log = Path(tempfile.mkdtemp(prefix="gridloop-bench-routing-")) / "server.log"
    with (
        scratch_database(admin, DATABASE, keep=args.keep) as (url, engine_),
        Server(url, server_log) as server,
    ):
        facts_loaded = load(engine_, args)
        with engine_.begin() as connection:
            connection.execute(text("ANALYZE"))
            grids = int(connection.execute(text("SELECT count(*) FROM unit_grid")).scalar_one())
            offices = int(connection.execute(text("SELECT count(*) FROM office")).scalar_one())
        token = issue_token(engine_)
        with Session(engine_) as session:
            pool = samples(session, FACT_POOL, rng)
            log(f"gathering {len(pool)} facts from the database")
            (rule_set, facts), gather_s = timed(lambda: gather(session, pool))
            log(f"timing engine.decide: {args.decisions} decisions")
            alone = bench_engine(rule_set, facts, args.decisions, args.warmup)
            log("timing service.decide (facts from the database + engine)")
            with_db = bench_service(session, pool[: args.requests + args.warmup], args.warmup)
            session.rollback()
        log(f"starting the server: {' '.join(server.command)}")
        server.start()
        log(f"timing POST /routing/explain: {args.warmup} warm-up + {args.requests} requests")
        over_http, statuses = bench_http(server, token, pool, args.requests, args.warmup)
        server.stop()
        if set(statuses) != {200}:
            raise RuntimeError(f"unexpected statuses {statuses}:\n{server.log_tail()}")

    ms = "{:.3f} ms".format
    goal = f"< {ENGINE_P99_GOAL_MS:.0f} ms: " + (
        "met" if alone.pct(99) < ENGINE_P99_GOAL_MS else "MISSED"
    )
    return [
        (f"{name}: unit grids / offices", f"{grids} / {offices}", ""),
        *((f"{name}: {key}", value, "") for key, value in facts_loaded.items()),
        (f"{name}: gather {len(facts)} facts (locate + item + offices)", f"{gather_s:.2f} s", ""),
        (f"{name}: engine.decide per second (1/mean)", f"{alone.per_second:,.0f}", ""),
        (f"{name}: engine.decide p50", ms(alone.pct(50)), ""),
        (f"{name}: engine.decide p99", ms(alone.pct(99)), goal),
        (f"{name}: engine.decide max", ms(max(alone.values_ms)), ""),
        (
            f"{name}: service.decide (DB facts + engine) per second",
            f"{with_db.per_second:,.0f}",
            "",
        ),
        (f"{name}: service.decide p99", ms(with_db.pct(99)), ""),
        (f"{name}: POST /routing/explain per second, 1 client", f"{over_http.per_second:,.0f}", ""),
        (f"{name}: POST /routing/explain p50", ms(over_http.pct(50)), ""),
        (f"{name}: POST /routing/explain p99", ms(over_http.pct(99)), ""),
    ]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", choices=("demo", "synthetic", "both"), default="both")
    parser.add_argument("--grids", type=int, default=36_500, help="synthetic unit grids")
    parser.add_argument("--rules", type=int, default=500, help="generated rules (synthetic)")
    parser.add_argument("--decisions", type=int, default=50_000, help="timed engine decisions")
    parser.add_argument("--requests", type=int, default=2000, help="timed explain requests")
    parser.add_argument("--warmup", type=int, default=200, help="untimed first calls")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the last scenario's database")
    args = parser.parse_args(argv)
    if not 1 <= args.grids <= 99_999 or args.rules < 1:
        parser.error("--grids must be 1..99999 and --rules positive")
    if min(args.decisions, args.requests) < 1 or args.warmup < 0:
        parser.error("--decisions and --requests must be positive, --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    admin = admin_url()
    rows: list[tuple[str, str, str]] = []
    if args.scenario in ("demo", "both"):
        rows += run_scenario("demo", load_demo, admin, args)
    if args.scenario in ("synthetic", "both"):
        rows += run_scenario(f"{args.grids} grids", load_synthetic, admin, args)
    print()
    print(
        f"gridloop routing benchmark: {args.decisions} engine decisions, {args.requests} explain "
        f"requests after {args.warmup} warm-up, seed {args.seed}"
    )
    print(host_summary())
    print(f"goal: one routing decision (engine.decide) under {ENGINE_P99_GOAL_MS:.0f} ms p99")
    print()
    print_table(rows)
    print()
    print("command: " + this_command())
    return 0


if __name__ == "__main__":
    run(main)
