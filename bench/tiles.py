"""Benchmark: vector tiles over HTTP against the same `ST_AsMVT` SQL under pgbench.

Steps: create (dropping first) the database `gridloop_bench_tiles`, migrate it, import the demo
district's map (长宁区, the files `gridloop seed demo` imports) and a synthetic district of
`--grids` unit grids (default 36500), each through the real import. For each district, the
tiles of every layer at zooms 12–17 over its extent (from the layer's least zoom: below it the
service answers 204 without SQL; at most `--per-zoom` of each layer and zoom, drawn at random)
make the tile list. In each of `--rounds` rounds, the three sides take turns (each first in
turn, so that the load of other work on the machine falls on all): one keep-alive client
fetches the list, shuffled, from the real server (`gridloop serve`, one worker) with an
auditor's token after `--warmup` untimed tiles; the same from the plain FastAPI peer of
`peer_app.py` (the same token check and tile SQL on a psycopg pool, nothing else: what any
FastAPI service costs); and pgbench runs the tile SQL of
`geo/tiles_repository.py` on the same list for `--pgbench-seconds` (one client, prepared; one
script per layer and zoom, weighted by its share of the list, each transaction reading its
tile's x and y from a table of the list first). It prints p50 and p99 per tile by layer and zoom
and overall, and HTTP's throughput as a share of pgbench's, against the goals (p99 < 30 ms per
tile, HTTP ≥ 50 %), with the peer's share beside it.

Run: `.venv/bin/python bench/tiles.py` (quick: `--grids 2000 --per-zoom 10 --rounds 1`).
"""

from __future__ import annotations

import argparse
import http.client
import math
import random
import shlex
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from locate import import_district
from peer import district_extent, peer_server
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.geo import tiles, tiles_repository
from gridloop.geo.layers import Layer
from gridloop.seeding import demo_layers

from harness import (
    Latencies,
    PgbenchResult,
    Server,
    admin_url,
    host_summary,
    issue_token,
    log,
    print_table,
    run,
    run_pgbench,
    scratch_database,
    this_command,
)

DATABASE = "gridloop_bench_tiles"
ZOOMS = range(12, 18)
P99_GOAL_MS = 30.0
RATIO_GOAL = 0.5
DISTRICTS = {"demo": "310105", "synthetic": "110101"}

Extent = tuple[float, float, float, float]
Row = tuple[str, str, str]


@dataclass(frozen=True)
class Tile:
    layer: Layer
    z: int
    x: int
    y: int

    @property
    def path(self) -> str:
        return f"/tiles/{self.layer}/{self.z}/{self.x}/{self.y}.mvt"


# --------------------------------------------------------------------------------------------
# the tile list
# --------------------------------------------------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The web-map tile (x, y) holding a WGS-84 point at zoom z."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    lat_rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_list(extent: Extent, per_zoom: int, seed: int) -> list[Tile]:
    """Every layer's tiles over the extent at each zoom from the layer's least (below it the
    service cuts nothing), at most `per_zoom` of each, by chance."""
    west, south, east, north = extent
    rng = random.Random(seed)
    chosen: list[Tile] = []
    for layer, spec in tiles.TILE_LAYERS.items():
        for z in ZOOMS:
            if z < spec.min_zoom:
                continue
            x0, y0 = tile_of(west, north, z)
            x1, y1 = tile_of(east, south, z)
            cover = [Tile(layer, z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
            chosen += rng.sample(cover, min(per_zoom, len(cover)))
    return chosen


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


@dataclass
class HttpResult:
    by_group: dict[tuple[Layer, int], Latencies] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    bytes_by_group: dict[tuple[Layer, int], int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def all(self) -> Latencies:
        return Latencies([value for part in self.by_group.values() for value in part.values_ms])

    @property
    def per_second(self) -> float:
        """Tiles a second over the timed requests, one client back to back."""
        return self.all.count / self.seconds if self.seconds else math.nan


def fetch_tiles(
    server: Server,
    token: str,
    tile_set: Sequence[Tile],
    *,
    warmup: int,
    seed: int,
    into: HttpResult,
) -> None:
    """One keep-alive client: `warmup` untimed tiles, then the list once, shuffled."""
    rng = random.Random(seed)
    timed_tiles = rng.sample(tile_set, len(tile_set))
    headers = {"Authorization": f"Bearer {token}"}
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30.0)
    try:
        for _ in range(warmup):
            connection.request("GET", rng.choice(tile_set).path, headers=headers)
            connection.getresponse().read()
        began = time.perf_counter()
        for tile in timed_tiles:
            start = time.perf_counter_ns()
            connection.request("GET", tile.path, headers=headers)
            reply = connection.getresponse()
            body = reply.read()
            elapsed_ms = (time.perf_counter_ns() - start) / 1e6
            group = (tile.layer, tile.z)
            into.by_group.setdefault(group, Latencies()).values_ms.append(elapsed_ms)
            into.statuses[reply.status] = into.statuses.get(reply.status, 0) + 1
            into.bytes_by_group[group] = into.bytes_by_group.get(group, 0) + len(body)
        into.seconds += time.perf_counter() - began
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------
# pgbench
# --------------------------------------------------------------------------------------------


def store_list(engine: Engine, tile_set: Sequence[Tile]) -> None:
    """The tile list as a table pgbench reads each tile's x and y from."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_tile"))
        connection.execute(
            text(
                "CREATE TABLE bench_tile (layer text, z int, n int, x int, y int, "
                "PRIMARY KEY (layer, z, n))"
            )
        )
        counts: dict[tuple[Layer, int], int] = {}
        rows = []
        for tile in tile_set:
            n = counts[(tile.layer, tile.z)] = counts.get((tile.layer, tile.z), 0) + 1
            rows.append({"layer": tile.layer.value, "z": tile.z, "n": n, "x": tile.x, "y": tile.y})
        connection.execute(text("INSERT INTO bench_tile VALUES (:layer, :z, :n, :x, :y)"), rows)
        connection.execute(text("ANALYZE bench_tile"))


def tile_script(tile_layer: tiles.TileLayer, z: int, count: int) -> str:
    """A pgbench script: a random tile of the list at this layer and zoom, then its SQL exactly
    as the service sends it (the names and margin as literals, z, x and y as variables)."""
    labels = z >= tile_layer.label_min_zoom
    sql = tiles_repository.tile_sql(tile_layer.table, tile_layer.columns, labels=labels)
    name = tile_layer.layer.value
    for variable, literal in (
        (":margin", repr(tiles_repository.BUFFER / tiles_repository.EXTENT)),
        (":labels", f"'{name}-labels'"),
        (":name", f"'{name}'"),
    ):
        sql = sql.replace(variable, literal)
    return (
        f"\\set n random(1, {count})\n"
        f"\\set z {z}\n"
        f"SELECT x, y FROM bench_tile WHERE layer = '{name}' AND z = :z AND n = :n \\gset\n"
        f"{' '.join(sql.split())};\n"
    )


@dataclass
class PgbenchRounds:
    """pgbench's rounds on one list: each script is a (layer, zoom) of `groups`, in order."""

    groups: list[tuple[Layer, int]]
    scripts: list[tuple[Path, int]]
    runs: list[PgbenchResult] = field(default_factory=list)

    @property
    def tps(self) -> float:
        return statistics.fmean(run.tps for run in self.runs) if self.runs else math.nan

    def latencies(self, group: tuple[Layer, int] | None = None) -> Latencies:
        """Every logged transaction's latency, or those of one layer and zoom."""
        wanted = None if group is None else self.groups.index(group)
        return Latencies(
            [
                value
                for run in self.runs
                for script, part in run.logged.items()
                if wanted is None or script == wanted
                for value in part.values_ms
            ]
        )


def pgbench_scripts(tile_set: Sequence[Tile], workdir: Path) -> PgbenchRounds:
    """One script per layer and zoom of the list, weighted by its share of the list."""
    counts: dict[tuple[Layer, int], int] = {}
    for tile in tile_set:
        counts[(tile.layer, tile.z)] = counts.get((tile.layer, tile.z), 0) + 1
    groups = sorted(counts, key=lambda group: (group[0].value, group[1]))
    scripts: list[tuple[Path, int]] = []
    for layer, z in groups:
        path = workdir / f"tile-{layer}-{z}.sql"
        path.write_text(tile_script(tiles.TILE_LAYERS[layer], z, counts[(layer, z)]), "utf-8")
        scripts.append((path, counts[(layer, z)]))
    return PgbenchRounds(groups=groups, scripts=scripts)


def run_round(url: str, rounds: PgbenchRounds, seconds: int, workdir: Path) -> None:
    logs = workdir / f"pgbench-logs-{len(rounds.runs)}"
    logs.mkdir()
    rounds.runs.append(
        run_pgbench(url, rounds.scripts, seconds=seconds, prepared=True, log_dir=logs)
    )


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


@dataclass
class DistrictResult:
    name: str
    tiles: int
    http: HttpResult
    peer: HttpResult
    pgbench: PgbenchRounds

    @property
    def ratio(self) -> float:
        return self.http.per_second / self.pgbench.tps if self.pgbench.tps else math.nan

    @property
    def peer_ratio(self) -> float:
        return self.peer.per_second / self.pgbench.tps if self.pgbench.tps else math.nan


def district_rows(result: DistrictResult) -> list[Row]:
    http, pgbench = result.http.all, result.pgbench.latencies()
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.http.statuses.items()))
    ms = "{:.1f} ms".format
    name = result.name
    rows: list[Row] = [
        (f"{name}: tile list", f"{result.tiles} tiles; {http.count} requests ({statuses})", ""),
        (f"{name}: HTTP p50 / mean", f"{ms(http.pct(50))} / {ms(http.mean)}", ""),
        (
            f"{name}: HTTP p99 per tile",
            ms(http.pct(99)),
            f"< {P99_GOAL_MS:.0f} ms: {verdict(http.pct(99) < P99_GOAL_MS)}",
        ),
        (f"{name}: pgbench p50 / p99", f"{ms(pgbench.pct(50))} / {ms(pgbench.pct(99))}", ""),
        (f"{name}: HTTP throughput (1 client)", f"{result.http.per_second:.0f} tiles/s", ""),
        (f"{name}: pgbench throughput (1 client)", f"{result.pgbench.tps:.0f} tps", "baseline"),
        (
            f"{name}: HTTP / pgbench",
            f"{result.ratio:.0%}",
            f"≥ {RATIO_GOAL:.0%}: {verdict(result.ratio >= RATIO_GOAL)}",
        ),
        (
            f"{name}: plain FastAPI peer p50 / mean",
            f"{ms(result.peer.all.pct(50))} / {ms(result.peer.all.mean)}",
            "",
        ),
        (f"{name}: peer throughput (1 client)", f"{result.peer.per_second:.0f} tiles/s", ""),
        (f"{name}: peer / pgbench", f"{result.peer_ratio:.0%}", ""),
        (
            f"{name}: gridloop / peer, mean per tile",
            f"{result.http.all.mean / result.peer.all.mean:.2f}x",
            "",
        ),
    ]
    for group in sorted(result.http.by_group, key=lambda g: (g[0].value, g[1])):
        layer, z = group
        timed = result.http.by_group[group]
        size_kb = result.http.bytes_by_group[group] / timed.count / 1024
        baseline = result.pgbench.latencies(group)
        rows.append(
            (
                f"  {name} {layer} z{z}",
                f"HTTP {timed.pct(50):.1f} / {timed.pct(99):.1f} ms, pgbench "
                f"{baseline.pct(50):.1f} / {baseline.pct(99):.1f} ms, {size_kb:.1f} KB",
                "",
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--grids", type=int, default=36_500, help="synthetic unit grids")
    parser.add_argument(
        "--per-zoom", type=int, default=60, help="at most this many tiles of a layer and zoom"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of HTTP and pgbench, taking turns"
    )
    parser.add_argument("--warmup", type=int, default=100, help="untimed tiles first")
    parser.add_argument("--pgbench-seconds", type=int, default=8, help="pgbench -T a round")
    parser.add_argument("--seed", type=int, default=1, help="seed of the tile choice")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    if not 1 <= args.grids <= 99_999:
        parser.error("--grids must be between 1 and 99999")
    if min(args.per_zoom, args.rounds, args.pgbench_seconds) < 1 or args.warmup < 0:
        parser.error("--per-zoom, --rounds and --pgbench-seconds must be positive")
    return args


def import_demo_map(engine: Engine) -> None:
    for layer, collection in demo_layers(get_settings().seeds_dir):
        with Session(engine) as session, session.begin():
            geo_service.import_layer(session, layer=layer, collection=collection)
    log("imported the demo district's map")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    admin = admin_url()
    log(f"creating database {DATABASE} (dropped first)")
    results: list[DistrictResult] = []
    with (
        scratch_database(admin, DATABASE, keep=args.keep) as (url, engine),
        tempfile.TemporaryDirectory(prefix="gridloop-bench-", ignore_cleanup_errors=True) as tmp,
        Server(url, Path(tmp) / "server.log") as server,
        peer_server(url, Path(tmp) / "peer.log") as peer,
    ):
        workdir = Path(tmp)
        for name in DISTRICTS:
            (workdir / name).mkdir()
        import_demo_map(engine)
        import_district(engine, args.grids)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
        token = issue_token(engine)
        lists = {
            name: tile_list(district_extent(engine, code), args.per_zoom, args.seed)
            for name, code in DISTRICTS.items()
        }
        server.env["GRIDLOOP_SWEEP_INTERVAL_SECONDS"] = "0"
        log(f"starting the server: {' '.join(server.command)}")
        server.start()
        peer.start()
        for name, tile_set in lists.items():
            store_list(engine, tile_set)
            result = DistrictResult(
                name,
                len(tile_set),
                HttpResult(),
                HttpResult(),
                pgbench_scripts(tile_set, workdir / name),
            )
            # The sides take turns, each first in turn, so that the load of other work on the
            # machine falls on all.
            for number in range(args.rounds):
                sides = ["http", "peer", "pgbench"]
                sides = sides[number % 3 :] + sides[: number % 3]
                for side in sides:
                    log(f"{name}, round {number + 1}: {side}, {len(tile_set)} tiles")
                    if side == "pgbench":
                        run_round(url, result.pgbench, args.pgbench_seconds, workdir / name)
                        continue
                    fetch_tiles(
                        server if side == "http" else peer,
                        token,
                        tile_set,
                        warmup=args.warmup,
                        seed=args.seed + number,
                        into=result.http if side == "http" else result.peer,
                    )
            results.append(result)
        server.stop()
        peer.stop()
        unexpected = {
            code: n
            for result in results
            for side in (result.http, result.peer)
            for code, n in side.statuses.items()
            if code not in (200, 204)
        }
        if unexpected:
            raise RuntimeError(f"unexpected statuses {unexpected}:\n{server.log_tail()}")

    print(
        f"\ntile benchmark: zooms {ZOOMS.start}–{ZOOMS.stop - 1}, demo district and "
        f"{args.grids} synthetic unit grids, one client each side"
    )
    print(f"{host_summary()}, PostgreSQL {version}\n")
    print_table([row for result in results for row in district_rows(result)])
    print(f"\ncommand: {this_command()}")
    print(f"server:  {shlex.join(server.command)}")
    print(f"pgbench: {shlex.join(results[0].pgbench.runs[0].command[:11])} …")
    met = all(
        result.http.all.pct(99) < P99_GOAL_MS and result.ratio >= RATIO_GOAL for result in results
    )
    print(f"\ngoals: {verdict(met)}")
    return 0


if __name__ == "__main__":
    run(main)
