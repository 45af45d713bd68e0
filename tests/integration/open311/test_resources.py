"""Every Open311 resource, field by field as the specification lists them, in JSON and in XML,
and the two formats carrying the same values."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from gridloop.catalog import service as catalog_service
from tests.factories.cases import IN_A001, T0, World, act, ok
from tests.factories.open311 import (
    BASE,
    GROUP_RENTING,
    both,
    filed_id,
    get,
    post_request,
    spark,
    xml_root,
)
from tests.factories.web import SetSettings

# The fields of each resource, in the order the specification lists them.
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
VALUE = ["key", "name"]
CREATED = ["service_request_id", "service_notice", "account_id"]
TOKEN = ["service_request_id", "token"]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
UPDATE = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
]
# W3C datetime with its UTC offset.
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def _names(element: object) -> list[str]:
    return [child.tag for child in element]  # type: ignore[attr-defined]


def test_discovery_names_this_endpoint_and_both_formats(world: World) -> None:
    found, root = both(world.client, "discovery")

    assert list(found) == _names(root) == DISCOVERY
    [endpoint] = found["endpoints"]
    assert list(endpoint) == _names(root.find("endpoints/endpoint")) == ENDPOINT
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"http://testserver{BASE}"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert found["changeset"] == endpoint["changeset"]
    assert W3C.match(found["changeset"])


def test_services_are_the_current_catalog_items_the_public_may_report(
    group_renting: World, session: Session
) -> None:
    catalog_service.retire_item(session, code="E0104", at=T0)
    session.commit()

    found, root = both(group_renting.client, "services")

    assert [service["service_code"] for service in found] == ["C0101", "E0102", GROUP_RENTING]
    for service, element in zip(found, root, strict=True):
        assert element.tag == "service"
        assert list(service) == _names(element) == SERVICE
        assert service["type"] == "realtime"
    by_code = {service["service_code"]: service for service in found}
    assert by_code["E0102"] == {
        "service_code": "E0102",
        "service_name": "暴露垃圾",
        "description": by_code["E0102"]["description"],
        "metadata": False,
        "type": "realtime",
        "keywords": "事件,市容环境,绿化市容",
        "group": "市容环境",
    }
    assert "垃圾" in by_code["E0102"]["description"]  # the filing condition
    assert by_code[GROUP_RENTING]["metadata"] is True
    assert by_code["C0101"]["group"] == "公用设施"


def test_a_setting_narrows_the_services(world: World, set_settings: SetSettings) -> None:
    set_settings(GRIDLOOP_OPEN311_SERVICES="C01")

    found, _ = both(world.client, "services")

    assert [service["service_code"] for service in found] == ["C0101"]
    assert get(world.client, "services/E0102").status_code == 404


def test_a_service_definition_lists_what_the_routing_rules_read(group_renting: World) -> None:
    found, root = both(group_renting.client, f"services/{GROUP_RENTING}")

    assert list(found) == _names(root) == DEFINITION
    assert root.tag == "service_definition"
    [attribute] = found["attributes"]
    assert list(attribute) == _names(root.find("attributes/attribute")) == ATTRIBUTE
    assert attribute["code"] == "repeat_offence"
    assert attribute["variable"] is True
    assert attribute["required"] is False
    assert attribute["order"] == 1
    assert attribute["datatype"] == "singlevaluelist"
    assert [list(value) for value in attribute["values"]] == [VALUE, VALUE]
    assert [value["key"] for value in attribute["values"]] == ["true", "false"]
    assert "反复群租" in attribute["description"]
    plain, _ = both(group_renting.client, "services/E0102")
    assert plain == {"service_code": "E0102", "attributes": []}


def test_a_filing_answers_its_request_id_at_once_in_both_formats(world: World) -> None:
    as_json = post_request(world, fmt="json")
    as_xml = post_request(world, fmt="xml", description="另一处暴露垃圾")

    assert as_json.status_code == as_xml.status_code == 201
    [created] = as_json.json()
    assert list(created) == CREATED
    assert created["account_id"] is None
    assert "结案标准" in created["service_notice"]
    root = xml_root(as_xml)
    assert root.tag == "service_requests"
    [element] = root
    assert element.tag == "request"
    assert _names(element) == CREATED
    assert int(element.findtext("service_request_id") or 0) == created["service_request_id"] + 1
    # The second, 0 m from the first, lists it as a case of the same service nearby.
    assert str(created["service_request_id"]) in (element.findtext("service_notice") or "")


def test_a_request_reads_field_by_field_in_both_formats(world: World) -> None:
    request_id = filed_id(post_request(world, address_string="长宁路 1 号"))
    world.clock.now = T0 + timedelta(minutes=5)

    found, root = both(world.client, f"requests/{request_id}")

    [request] = found
    assert root.tag == "service_requests"
    assert list(request) == _names(root.find("request")) == REQUEST
    assert request == {
        "service_request_id": request_id,
        "status": "open",
        "status_notes": "已收到反映，等待街道网格化中心立案。",
        "service_name": "暴露垃圾",
        "service_code": "E0102",
        "description": "小区门口有一堆暴露垃圾",
        "agency_responsible": None,
        "service_notice": request["service_notice"],
        "requested_datetime": "2026-03-02T10:00:00+08:00",
        "updated_datetime": "2026-03-02T10:00:00+08:00",
        "expected_datetime": "2026-03-02T11:00:00+08:00",  # the register deadline, 1 h
        "address": "长宁路 1 号",
        "address_id": None,
        "zipcode": None,
        "lat": IN_A001[1],
        "long": IN_A001[0],
        "media_url": None,
    }
    tokens, token_root = both(world.client, f"tokens/{request_id}")
    assert tokens == [{"service_request_id": request_id, "token": str(request_id)}]
    assert _names(token_root.find("request")) == TOKEN


def test_updates_read_field_by_field_in_both_formats(world: World) -> None:
    request_id = filed_id(post_request(world))
    world.clock.now = T0 + timedelta(minutes=10)
    ok(act(world, request_id, "register", "disp1"))

    found, root = both(world.client, "servicerequestupdates")

    assert root.tag == "service_request_updates"
    assert [element.tag for element in root] == ["request_update", "request_update"]
    assert [list(update) for update in found] == [UPDATE, UPDATE]
    assert _names(root[0]) == UPDATE
    filed, registered = found
    assert (filed["status"], registered["status"]) == ("open", "investigating")
    assert registered["service_request_id"] == request_id
    assert registered["updated_datetime"] == "2026-03-02T10:10:00+08:00"
    assert registered["update_id"] > filed["update_id"]


def test_the_json_is_the_xml_mapped(world: World) -> None:
    """Spot check beside `both`: the XML of a list of requests, read as JSON, is the JSON."""
    filed_id(post_request(world))
    filed_id(post_request(world, service_code="C0101"))

    as_json = get(world.client, "requests", "json").json()
    as_xml = spark(xml_root(get(world.client, "requests", "xml")))

    assert len(as_json) == len(as_xml) == 2
    assert [row["service_code"] for row in as_xml] == ["C0101", "E0102"]  # newest first
    assert all(W3C.match(row["requested_datetime"]) for row in as_json)
