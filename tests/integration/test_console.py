"""The console's files at /console/: built files, precompressed ones, and the app's own routes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gridloop import console
from tests.factories.web import assert_problem

INDEX = "<!doctype html><title>gridloop</title>"
SCRIPT = "console.log('网格');" * 50


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A build like Vite's: index.html, hashed assets, gzip beside the larger ones."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT.encode()))
    monkeypatch.setattr(console, "DIST", tmp_path)
    return tmp_path


def test_the_root_and_the_bare_prefix_lead_to_the_console(client: TestClient) -> None:
    for path in ("/", "/console"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == "/console/"


@pytest.mark.usefixtures("dist")
@pytest.mark.parametrize("path", ["/console/", "/console/login", "/console/cases/12"])
def test_every_client_route_gets_the_index_page(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.usefixtures("dist")
def test_a_hashed_asset_is_sent_gzipped_and_cached_for_good(client: TestClient) -> None:
    response = client.get("/console/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert response.text == SCRIPT  # the client undoes the gzip


@pytest.mark.usefixtures("dist")
def test_a_missing_asset_is_not_found_and_nothing_leaves_the_build(client: TestClient) -> None:
    assert_problem(client.get("/console/assets/gone-000.js"), 404, "not-found")
    escaped = client.get("/console/..%2F..%2Fpyproject.toml")
    assert escaped.text == INDEX


def test_an_unbuilt_console_says_how_to_build_it(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "DIST", tmp_path)

    body = assert_problem(client.get("/console/"), 503, "console-not-built")
    assert "make console" in body["detail"]
