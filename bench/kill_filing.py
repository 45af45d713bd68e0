"""Durability under `kill -9`: every filing answered 201 survives, and every history replays.

Steps: create (dropping first) the database `gridloop_bench_kill`, migrate it, load the demo
district, create a 12345 intake API key. Start the real server (`gridloop serve --workers 2`,
in a process group of its own), let `--clients` keep-alive clients file as fast as they can,
SIGKILL the whole server group after `--kill-after` seconds, then look in the database: each
case id a client got with a 201 must be there (a filing in flight may be there too: it
committed but its answer was lost), and `gridloop check events` must find every case's status
equal to the replay of its events. Prints what it found; exit 1 when anything was lost.

Run: `.venv/bin/python bench/kill_filing.py`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from filing import DATABASE as _FILING_DATABASE
from filing import filing, grid_points, gridloop_command, intake_key
from harness import Server, admin_url, log, run, scratch_database

DATABASE = _FILING_DATABASE.replace("filing", "kill")


@dataclass
class Load:
    acknowledged: set[int] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def file_until_gone(
    port: int, key: str, points: Sequence[tuple[float, float]], n: int, load: Load
) -> None:
    """File back to back until the server is gone; keep the ids answered with 201."""
    rng = random.Random(n)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    index = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while True:
        body = json.dumps(filing(rng.choice(points), n * 1_000_000 + index))
        index += 1
        try:
            connection.request("POST", "/cases", body=body, headers=headers)
            reply = connection.getresponse()
            payload = reply.read()
        except (OSError, http.client.HTTPException) as error:
            with load.lock:
                load.errors[type(error).__name__] += 1
            return
        with load.lock:
            load.statuses[reply.status] += 1
            if reply.status == 201:
                load.acknowledged.add(int(json.loads(payload)["case_id"]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kill -9 the server during a filing load")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--kill-after", type=float, default=8.0, help="seconds of load")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)

    admin = admin_url()
    with (
        scratch_database(admin, DATABASE, keep=args.keep) as (url, engine),
        tempfile.TemporaryDirectory(prefix="gridloop-kill-") as tmp,
    ):
        log("loading the demo district")
        gridloop_command(url, "seed", "demo")
        key = intake_key(engine)
        points = grid_points(engine, 50)

        server = Server(url, Path(tmp) / "server.log")
        server.command += ["--workers", "2"]
        server.env["GRIDLOOP_SWEEP_INTERVAL_SECONDS"] = "0"
        # A process group of its own: SIGKILL reaches the uvicorn master and its workers at once.
        with server.log_path.open("wb") as log_file:
            process = subprocess.Popen(
                server.command,
                env=server.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server.process = process
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the server did not start:\n{server.log_tail()}")
            time.sleep(0.2)

        load = Load()
        threads = [
            threading.Thread(target=file_until_gone, args=(server.port, key, points, n, load))
            for n in range(args.clients)
        ]
        log(f"{args.clients} clients filing; kill -9 in {args.kill_after} s")
        for thread in threads:
            thread.start()
        time.sleep(args.kill_after)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=30)
        log(f"killed; {len(load.acknowledged)} filings had been answered 201")

        with engine.connect() as connection:
            stored = {
                int(case_id)
                for (case_id,) in connection.execute(text("SELECT case_id FROM grid_case"))
            }
        lost = sorted(load.acknowledged - stored)
        unacknowledged = len(stored - load.acknowledged)
        check = subprocess.run(
            [sys.executable, "-m", "gridloop", "check", "events"],
            env={**os.environ, "GRIDLOOP_DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=False,
        )

    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(load.statuses.items()))
    errors = ", ".join(f"{name}: {n}" for name, n in sorted(load.errors.items()))
    print("\nkill -9 during a filing load")
    print(f"  answers before the kill: {statuses}")
    print(f"  client errors at the kill: {errors or 'none'}")
    print(f"  cases answered 201: {len(load.acknowledged)}; in the database: {len(stored)}")
    print(f"  answered 201 but missing: {len(lost)} {lost[:20] if lost else ''}")
    print(f"  in the database but never answered (in flight at the kill): {unacknowledged}")
    print(f"  gridloop check events: exit {check.returncode}: {check.stdout.strip()}")
    ok = not lost and check.returncode == 0
    print(f"\nresult: {'nothing lost, every history replays' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    run(main)
