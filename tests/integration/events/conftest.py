"""A committed world for the webhook tests: deliveries are made by a worker on its own
connections, woken by notifications that only a commit sends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gridloop.config import Settings, get_settings
from tests.factories.cases import World
from tests.integration.cases.scratch import ScratchWorld, scratch_world


@pytest.fixture(scope="session")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchWorld]:
    with scratch_world("events") as world:
        yield world


@pytest.fixture(scope="session")
def committed(scratch: ScratchWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The scratch world through the real app in process; photos in a folder of the module."""
    folder: Path = tmp_path_factory.mktemp("photos")
    settings = get_settings()
    before = settings.photo_dir
    settings.photo_dir = folder
    with TestClient(scratch.app()) as client:
        yield World(client=client, clock=scratch.clock, headers=scratch.headers)
    settings.photo_dir = before


def fast_settings(**overrides: Any) -> Settings:
    """Worker settings for tests: loopback allowed, retries in fractions of a second."""
    values: dict[str, Any] = {
        "webhook_allow_private": True,
        "webhook_retry_base_seconds": 0.3,
        "webhook_timeout_seconds": 2,
        "worker_poll_seconds": 0.2,
        **overrides,
    }
    return Settings(**values)
