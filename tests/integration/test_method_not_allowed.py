"""A 405 names every method the path serves in `Allow` (RFC 9110 §15.5.6), not only those of
the first route that matched the path.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories.web import assert_problem


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/cases", "GET, POST"),
        ("DELETE", "/cases", "GET, POST"),
        ("OPTIONS", "/cases/1/photos", "GET, POST"),
        ("PUT", "/cases/1/photos", "GET, POST"),
        ("DELETE", "/catalog/items/E0102", "GET, PATCH"),
        ("POST", "/healthz", "GET"),
    ],
)
def test_a_405_lists_every_method_of_the_path(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)

    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == allowed
