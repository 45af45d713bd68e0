"""A real GeoReport v2 client, the `georeport` package, against the real server.

The client lists the services, reads a service definition and reads requests back, in JSON and
in XML; it cannot file (its own documentation says so), so the filing is the form POST the
specification describes, sent with httpx2.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from georeport import GeoReport
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource
from tests.browser.live_server import LiveServer, live_server
from tests.factories.cases import IN_A001
from tests.factories.open311 import BASE, REQUESTER
from tests.integration.cases.scratch import seed_small_world


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("open311-server"), "open311") as running:
        yield running


@pytest.fixture(scope="module")
def api_key(server: LiveServer) -> str:
    """The server with the tests' small world and a 12345 hotline's API key."""
    engine = create_engine(server.database_url)
    try:
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        seed_small_world(sessions)
        with sessions.begin() as session:
            return auth_service.create_api_key(
                session, name="hotline", source=IntakeSource.HOTLINE_12345
            )
    finally:
        engine.dispose()


def _file(server: LiveServer, api_key: str) -> int:
    # C0101 (上水井盖) counts natural hours: its deadlines need no calendar year.
    response = httpx2.post(
        f"{server.url}{BASE}/requests.xml",
        data={
            "api_key": api_key,
            "jurisdiction_id": "310105",
            "service_code": "C0101",
            "lat": str(IN_A001[1]),
            "long": str(IN_A001[0]),
            "description": "井盖缺失",
            **REQUESTER,
        },
    )
    assert response.status_code == 201, response.text
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    start = response.text.index("<service_request_id>") + len("<service_request_id>")
    return int(response.text[start : response.text.index("</service_request_id>")])


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_lists_defines_and_reads_back_a_filed_request(
    server: LiveServer, api_key: str, output_format: str
) -> None:
    client = GeoReport(f"{server.url}{BASE}", jurisdiction="310105", output_format=output_format)
    request_id = _file(server, api_key)

    services = client.get_service_list()
    definition = client.get_service_definition("C0101")
    listed = client.get_service_requests(service_request_id=str(request_id))
    read = client.get_service_request(str(request_id))

    assert [service["service_code"] for service in services] == ["C0101", "E0102", "E0104"]
    assert services[0]["service_name"] == "上水井盖"
    assert definition["service_code"] == "C0101"
    # One request: xmltodict reads a lone element as an object, JSON keeps the array.
    one = listed if isinstance(listed, dict) else listed[0]
    assert str(one["service_request_id"]) == str(request_id)
    assert str(read["service_request_id"]) == str(request_id)
    assert read["status"] == "open"
    assert read["service_code"] == "C0101"
    assert read["description"] == "井盖缺失"
    assert str(read["lat"]) == str(IN_A001[1])
    assert REQUESTER["phone"] not in str(read)
