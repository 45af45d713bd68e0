"""Benchmark: the dispatcher workbench's first load in headless Chromium.

Steps: create (dropping first) the database `gridloop_bench_console`, migrate it, load the demo
district (`gridloop seed demo`), file `--cases` cases in random unit grids of 华阳路街道 through the
API as its inspector (so that the dispatcher's map has a cases layer to draw), start the real
server (`gridloop serve`, one worker, serving the built console) and open
/console/dispatcher as `dispatcher-310105001`, logged in already (the token in the tab's
sessionStorage, as after the login page), in a fresh browser context each of `--runs` times:
nothing cached. Debian's Chromium runs under Playwright (`executable_path`), as in the browser
tests. Measured with the browser's performance API: the compressed size of the scripts and
styles the first load fetched (`encodedBodySize`: the bytes on the wire, gzip when the server
sent it so), and the time from navigation to the mark `gridloop:map-drawn`, which the map sets
when its first view of the whole district has drawn all its tiles, and the time the first row of
the case list was on the page (the list waits for the map's drawing). Reported, not asserted:
goals < 1 MB and ≤ 1.5 s for the map.

Run: `.venv/bin/python bench/console_load.py` (after `make console`).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx2
from playwright.sync_api import Browser, ViewportSize, sync_playwright
from sqlalchemy import text

from filing import grid_points, gridloop_command
from harness import (
    admin_url,
    host_summary,
    log,
    print_table,
    require_console,
    run,
    served_database,
    this_command,
)

DATABASE = "gridloop_bench_console"
DISPATCHER = "dispatcher-310105001"
INSPECTOR = "inspector-310105001"
STREET = "310105001"
PASSWORD = "gridloop-demo"
SIZE_GOAL_BYTES = 1024 * 1024
DRAWN_GOAL_MS = 1500.0
MARK = "gridloop:map-drawn"
# Polled at each animation frame: the time the list's first row is on the page.
LIST_SHOWN_JS = "() => document.querySelector('.el-table__row') ? performance.now() : null"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
VIEWPORT = ViewportSize(width=1280, height=900)

# What the page fetched, by the performance API: every resource with its wire size, and the
# mark's time from the start of the navigation (null when the map never drew).
MEASURE_JS = """
(mark) => {
  const entries = performance.getEntriesByType('resource').map((entry) => ({
    name: entry.name,
    type: entry.initiatorType,
    encoded: entry.encodedBodySize,
    decoded: entry.decodedBodySize,
    end: entry.responseEnd,
  }));
  const drawn = performance.getEntriesByName(mark)[0];
  return { entries, drawn: drawn ? drawn.startTime : null };
}
"""


@dataclass
class Load:
    drawn_ms: float
    list_ms: float
    script_style_bytes: int
    script_style_raw_bytes: int
    assets: int
    tiles: int
    tile_bytes: int
    compressed: int  # assets whose wire size is below their size unpacked


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium is not installed: apt-get install chromium")


def token_of(base_url: str, username: str) -> str:
    reply = httpx2.post(f"{base_url}/auth/token", data={"username": username, "password": PASSWORD})
    if reply.status_code != 200:
        raise RuntimeError(f"login of {username} failed: {reply.status_code} {reply.text}")
    token: str = reply.json()["access_token"]
    return token


def file_cases(base_url: str, points: Sequence[tuple[float, float]]) -> None:
    headers = {"Authorization": f"Bearer {token_of(base_url, INSPECTOR)}"}
    with httpx2.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        for index, (lon, lat) in enumerate(points):
            body = {
                "point": {"lon": lon, "lat": lat, "crs": "wgs84"},
                "item_code": "E0102",
                "description": f"基准测试案件 {index}",
            }
            reply = client.post("/cases", json=body)
            if reply.status_code != 201:
                raise RuntimeError(f"filing failed: {reply.status_code} {reply.text}")


def first_load(browser: Browser, base_url: str, token: str) -> Load:
    """The workbench opened in a fresh context: nothing cached, logged in already."""
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="zh-CN")
    try:
        context.add_init_script(f"sessionStorage.setItem('gridloop.token', {json.dumps(token)})")
        page = context.new_page()
        page.goto("/console/dispatcher")
        page.wait_for_function(
            f"() => performance.getEntriesByName({json.dumps(MARK)}).length > 0", timeout=60_000
        )
        list_ms = float(page.wait_for_function(LIST_SHOWN_JS, timeout=60_000).json_value())
        measured: dict[str, Any] = page.evaluate(MEASURE_JS, MARK)
    finally:
        context.close()
    entries = measured["entries"]
    assets = [e for e in entries if e["name"].endswith((".js", ".css"))]
    tiles = [e for e in entries if "/tiles/" in e["name"] and e["end"] <= measured["drawn"]]
    return Load(
        drawn_ms=float(measured["drawn"]),
        list_ms=list_ms,
        script_style_bytes=sum(e["encoded"] for e in assets),
        script_style_raw_bytes=sum(e["decoded"] for e in assets),
        assets=len(assets),
        tiles=len(tiles),
        tile_bytes=sum(e["encoded"] for e in tiles),
        compressed=sum(1 for e in assets if e["encoded"] < e["decoded"]),
    )


def report_rows(loads: Sequence[Load]) -> list[tuple[str, str, str]]:
    drawn = sorted(load.drawn_ms for load in loads)
    listed = sorted(load.list_ms for load in loads)
    first = loads[0]
    median = statistics.median(drawn)
    kb = "{:.0f} KB".format
    return [
        (
            "scripts and styles of the first load, on the wire",
            f"{kb(first.script_style_bytes / 1024)} in {first.assets} files, {first.compressed} "
            f"of them compressed ({kb(first.script_style_raw_bytes / 1024)} unpacked)",
            f"< 1 MB: {'met' if first.script_style_bytes < SIZE_GOAL_BYTES else 'MISSED'}",
        ),
        (
            f"map of the district drawn ({MARK}), median / max of {len(loads)}",
            f"{median:.0f} ms / {drawn[-1]:.0f} ms",
            f"≤ {DRAWN_GOAL_MS:.0f} ms: {'met' if median <= DRAWN_GOAL_MS else 'MISSED'}",
        ),
        ("each run, ms", ", ".join(f"{load.drawn_ms:.0f}" for load in loads), ""),
        (
            "first row of the case list shown, median / max",
            f"{statistics.median(listed):.0f} ms / {listed[-1]:.0f} ms",
            "",
        ),
        (
            "tiles fetched before the mark (first run)",
            f"{first.tiles} tiles, {kb(first.tile_bytes / 1024)}",
            "",
        ),
    ]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="fresh loads measured (default 5)")
    parser.add_argument("--cases", type=int, default=200, help="cases filed in the street")
    parser.add_argument("--seed", type=int, default=1, help="seed of the case points")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cases < 0:
        parser.error("--runs must be positive, --cases not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    require_console()
    admin = admin_url()
    log(f"creating database {DATABASE} (dropped first)")
    with served_database(admin, DATABASE, keep=args.keep) as (url, engine, server):
        log("loading the demo district (gridloop seed demo)")
        gridloop_command(url, "seed", "demo")
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        log(f"starting the server: {' '.join(server.command)}")
        server.start()
        log(f"filing {args.cases} cases in {STREET} as {INSPECTOR}")
        grids = grid_points(engine, args.cases, street_code=STREET)
        points = random.Random(args.seed).choices(grids, k=args.cases) if grids else []
        file_cases(server.base_url, points)
        token = token_of(server.base_url, DISPATCHER)
        loads: list[Load] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            for number in range(1, args.runs + 1):
                loads.append(first_load(browser, server.base_url, token))
                load = loads[-1]
                log(f"load {number}: map at {load.drawn_ms:.0f} ms, list at {load.list_ms:.0f} ms")
            browser.close()

    print(f"\nconsole first load: /console/dispatcher as {DISPATCHER}, {args.cases} cases filed")
    print(f"{host_summary()}, Chromium headless, {VIEWPORT['width']}×{VIEWPORT['height']}\n")
    print_table(report_rows(loads))
    print(f"\ncommand: {this_command()}")
    return 0


if __name__ == "__main__":
    run(main)
