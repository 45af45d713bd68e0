"""The real server, two workers, JSON logs at DEBUG: a whole walk through the API, then what an
operator sees of it: metrics summed over both workers, one JSON object a log line with request
ids, users, routes and durations, and no password, token or API key anywhere in the log.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource
from tests.factories.cases import IN_A001, report
from tests.integration.cases.scratch import scratch_world

PASSWORD = "gridloop-demo"
START_TIMEOUT_S = 60


@dataclass
class Walk:
    """What the walk sent and saw, and what the server logged."""

    secrets: list[str] = field(default_factory=list)
    requests: int = 0  # answered requests, /metrics not included
    request_ids: list[str] = field(default_factory=list)
    scrapes: list[str] = field(default_factory=list)
    problem: dict[str, Any] = field(default_factory=dict)
    problem_request_id: str = ""
    metrics_dirs_while_running: list[str] = field(default_factory=list)
    metrics_dirs_after: list[str] = field(default_factory=list)
    log: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Walker:
    """A client that opens a new connection per request, so both workers serve some."""

    def __init__(self, base_url: str, walk: Walk) -> None:
        self.client = httpx2.Client(
            base_url=base_url, timeout=30, limits=httpx2.Limits(max_keepalive_connections=0)
        )
        self.walk = walk

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        response = self.client.request(method, path, **kwargs)
        self.walk.requests += 1
        self.walk.request_ids.append(response.headers["x-request-id"])
        return response

    def login(self, username: str) -> dict[str, str]:
        response = self("POST", "/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        self.walk.secrets.append(token)
        return {"Authorization": f"Bearer {token}"}

    def act(self, case_id: int, action: str, headers: dict[str, str]) -> None:
        etag = self("GET", f"/cases/{case_id}", headers=headers).headers["etag"]
        response = self(
            "POST",
            f"/cases/{case_id}/actions/{action}",
            json={},
            headers={**headers, "If-Match": etag},
        )
        assert response.status_code == 200, response.text


def _walk(walker: Walker, api_key: str) -> None:
    """Log in, file, register, dispatch, accept, log out, fail a login, file by API key."""
    walk = walker.walk
    inspector = walker.login("ins1")
    filed = walker("POST", "/cases", json=report(IN_A001), headers=inspector)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    dispatcher = walker.login("disp1")
    walker.act(case_id, "register", dispatcher)
    walker.act(case_id, "dispatch", dispatcher)
    walker.act(case_id, "accept", walker.login("lia1"))
    assert walker("POST", "/auth/logout", headers=inspector).status_code == 204
    failed = walker(
        "POST",
        "/auth/token",
        data={"username": "disp1", "password": "wrong-" + PASSWORD},
        headers={"X-Request-ID": "walk-failed-login"},
    )
    assert failed.status_code == 401
    walk.problem = failed.json()
    walk.problem_request_id = failed.headers["x-request-id"]
    by_key = walker("POST", "/cases", json=report(IN_A001), headers={"X-API-Key": api_key})
    assert by_key.status_code == 201, by_key.text
    for _ in range(20):  # more requests, spread over the workers
        assert walker("GET", "/me", headers=dispatcher).status_code == 200


@pytest.fixture(scope="module")
def walk(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    folder = tmp_path_factory.mktemp("operations")
    log_path = folder / "server.log"
    walk = Walk()
    with scratch_world("ops") as world:
        with world.sessions.begin() as session:
            api_key = auth_service.create_api_key(
                session, name="hotline", source=IntakeSource.HOTLINE_12345
            )
        walk.secrets += [PASSWORD, api_key]
        port = _free_port()
        env = {
            **os.environ,
            "GRIDLOOP_DATABASE_URL": world.url,
            "GRIDLOOP_LOG_FORMAT": "json",
            "GRIDLOOP_LOG_LEVEL": "DEBUG",
            "GRIDLOOP_SWEEP_INTERVAL_SECONDS": "1",
            "GRIDLOOP_PHOTO_DIR": str(folder / "photos"),
            "TMPDIR": str(folder),  # where the server makes its private metrics folder
        }
        command = [sys.executable, "-m", "gridloop", "serve", "--workers", "2", "--port", str(port)]
        with log_path.open("wb") as log_file:
            server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            walker = Walker(f"http://127.0.0.1:{port}", walk)
            _wait_until_ready(walker, server, log_path)
            _walk(walker, api_key)
            time.sleep(1.5)  # a sweep runs
            for _ in range(6):
                walk.scrapes.append(walker.client.get("/metrics").text)
            walk.metrics_dirs_while_running = _metrics_dirs(folder)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        walk.metrics_dirs_after = _metrics_dirs(folder)
        walk.log = log_path.read_text(encoding="utf-8", errors="replace")
        yield walk


def _metrics_dirs(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("gridloop-metrics-*"))


def _wait_until_ready(walker: Walker, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, log_path.read_text()
        try:
            if walker.client.get("/readyz").status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server is not ready:\n{log_path.read_text()}")


def _log_lines(walk: Walk) -> list[dict[str, Any]]:
    return [json.loads(line) for line in walk.log.splitlines() if line.strip()]


def _total_requests(scrape: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(scrape)
        if family.name == "gridloop_http_requests"
        for sample in family.samples
        # Not the scrapes nor the readiness probes, which the walk does not count.
        if sample.name == "gridloop_http_requests_total"
        and sample.labels["route"] not in {"/metrics", "/readyz"}
    )


def test_no_secret_reaches_the_log(walk: Walk) -> None:
    assert len(walk.secrets) == 5  # the password, the API key and three tokens
    for secret in walk.secrets:
        assert secret not in walk.log


def test_every_log_line_is_one_json_object(walk: Walk) -> None:
    lines = _log_lines(walk)

    assert lines
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= line.keys()


def test_each_request_is_logged_with_its_id_user_route_status_and_duration(walk: Walk) -> None:
    access = [line for line in _log_lines(walk) if line["logger"] == "gridloop.access"]
    by_id = {line["request_id"]: line for line in access}

    assert set(walk.request_ids) <= by_id.keys()
    failed = by_id["walk-failed-login"]
    assert (failed["route"], failed["status"], failed["user_id"]) == ("/auth/token", 401, None)
    actions = [line for line in access if line["route"].startswith("/cases/{case_id}/actions/")]
    assert len(actions) == 3
    assert all(line["status"] == 200 and line["user_id"] is not None for line in actions)
    assert all(line["duration_ms"] > 0 for line in access)


def test_the_problem_document_names_the_request(walk: Walk) -> None:
    assert walk.problem["request_id"] == walk.problem_request_id == "walk-failed-login"


def test_metrics_sum_both_workers(walk: Walk) -> None:
    access = [line for line in _log_lines(walk) if line["logger"] == "gridloop.access"]
    workers = {line["process"] for line in access if line["route"] not in {"/metrics", "/readyz"}}

    assert len(workers) == 2  # both served part of the walk
    for scrape in walk.scrapes:  # whichever worker answered, it counted everyone's requests
        assert _total_requests(scrape) == walk.requests


def test_the_sweeper_and_the_throttle_show_in_the_metrics(walk: Walk) -> None:
    families = {family.name: family for family in text_string_to_metric_families(walk.scrapes[-1])}

    assert families["gridloop_sweeper_last_run_timestamp_seconds"].samples[0].value > 0
    assert families["gridloop_login_failures"].samples[0].value == 1
    cases = {s.labels["status"]: s.value for s in families["gridloop_cases"].samples}
    assert cases["handling"] == 1
    assert cases["reported"] == 1


def test_the_metrics_folder_is_private_to_the_run_and_removed_after(walk: Walk) -> None:
    assert len(walk.metrics_dirs_while_running) == 1
    assert walk.metrics_dirs_after == []


def test_a_setting_that_does_not_parse_is_one_error_line() -> None:
    env = {**os.environ, "GRIDLOOP_TRUSTED_PROXIES": "10.0.0.0/8, everyone"}
    result = subprocess.run(
        [sys.executable, "-m", "gridloop", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ")
    assert "GRIDLOOP_TRUSTED_PROXIES" in line
