"""Talking Open311 to the app as a GeoReport v2 client does: GET and POST in both formats, the
XML read with a hardened parser (defusedxml) and turned into its JSON ("Spark") mapping, so
that the two formats can be compared value by value.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

import httpx2
from defusedxml import ElementTree
from sqlalchemy.orm import Session

from gridloop.catalog import seed as catalog_seed
from gridloop.catalog import service as catalog_service
from gridloop.catalog.schemas import ItemCreate
from gridloop.config import get_settings
from gridloop.routing import service as routing_service
from gridloop.routing.schemas import RuleSetCreate
from tests.factories.cases import IN_A001, T0, World

BASE = "/open311/v2"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
FORMATS = ("json", "xml")
# Elements whose children are a list's members, in the Spark mapping.
LISTS = {
    "services",
    "service_requests",
    "service_request_updates",
    "errors",
    "attributes",
    "values",
    "endpoints",
    "formats",
}
# The requester of the filings in these tests: nothing of it may ever reach the public.
REQUESTER = {
    "first_name": "晓明",
    "last_name": "王",
    "email": "wang.xiaoming@example.cn",
    "phone": "13912345678",
    "device_id": "device-7f3a9c",
    "account_id": "account-20260302",
}


def get(client: httpx2.Client, resource: str, fmt: str = "json", **params: Any) -> httpx2.Response:
    return client.get(f"{BASE}/{resource}.{fmt}", params=params)


def post_request(
    world: World,
    key: str = "hotline",
    fmt: str = "json",
    idempotency_key: str | None = None,
    **fields: str | None,
) -> httpx2.Response:
    """POST requests with the API key of `key` (`hotline` or `app`) and a filing at A001; a
    field given as None is left out."""
    form = {
        "api_key": world[key]["X-API-Key"],
        "service_code": "E0102",
        "lat": str(IN_A001[1]),
        "long": str(IN_A001[0]),
        "description": "小区门口有一堆暴露垃圾",
        **fields,
    }
    headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
    sent = {name: value for name, value in form.items() if value is not None}
    return world.client.post(f"{BASE}/requests.{fmt}", data=sent, headers=headers)


def filed_id(response: httpx2.Response) -> int:
    assert response.status_code == 201, response.text
    return int(response.json()[0]["service_request_id"])


def xml_root(response: httpx2.Response) -> Element:
    """The XML body's root: UTF-8, the declaration first, no namespace."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.text.startswith(XML_DECLARATION)
    root: Element = ElementTree.fromstring(response.content)
    assert all("}" not in element.tag for element in root.iter()), "no namespace"
    return root


def spark(element: Element) -> Any:
    """An XML element as its JSON mapping: a list's members as an array, every value text."""
    if element.tag in LISTS:
        return [spark(child) for child in element]
    if len(element):
        return {child.tag: spark(child) for child in element}
    return element.text


def as_text(value: Any) -> Any:
    """A JSON value as the XML carries it: text, `true`/`false`, nothing for null."""
    if isinstance(value, dict):
        return {name: as_text(member) for name, member in value.items()}
    if isinstance(value, list):
        return [as_text(member) for member in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def both(client: httpx2.Client, resource: str, **params: Any) -> tuple[Any, Element]:
    """A resource in both formats: the JSON, and the XML root; asserting they agree."""
    as_json = get(client, resource, "json", **params)
    as_xml = get(client, resource, "xml", **params)
    assert as_json.status_code == as_xml.status_code == 200, (as_json.text, as_xml.text)
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    root = xml_root(as_xml)
    assert spark(root) == as_text(as_json.json())
    return as_json.json(), root


def open311_errors(response: httpx2.Response, status: int) -> list[dict[str, Any]]:
    """An Open311 error response of this status, in the format of its path: its errors."""
    assert response.status_code == status, response.text
    if response.request.url.path.endswith(".json"):
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        errors: list[dict[str, Any]] = response.json()
    else:
        root = xml_root(response)
        assert root.tag == "errors"
        errors = [
            {"code": int(error.findtext("code") or 0), "description": error.findtext("description")}
            for error in root
        ]
    assert errors
    for error in errors:
        assert set(error) == {"code", "description"}
        assert error["code"] == status
        # Chinese, then English.
        assert " / " in error["description"]
        assert any("\u4e00" <= character <= "\u9fff" for character in error["description"])
    return errors


# ----------------------------------------------------------------------------- group renting

GROUP_RENTING = "E0514"  # 群租: a rule reads `repeat_offence`
RULES = {
    "name": "群租规则",
    "rules": [
        {
            "id": "group-renting-repeat",
            "priority": 250,
            "description": "反复群租：房管牵头，公安协同",
            "when": {"item_codes": [GROUP_RENTING], "attributes": {"repeat_offence": True}},
            "then": {"lead_department": "chengguan"},
        },
        {
            "id": "group-renting",
            "priority": 200,
            "description": "群租：绿化市容牵头",
            "when": {"item_codes": [GROUP_RENTING]},
            "then": {"lead_department": "lvhua"},
        },
    ],
}


def load_group_renting(session: Session) -> None:
    """群租 in the catalog and a rule set in which a repeat offence goes to 城管."""
    seed = catalog_seed.read_seed(get_settings().seeds_dir / "catalog" / "items.yaml")
    item = next(item for item in seed.items if item.code == GROUP_RENTING)
    catalog_service.create_item(
        session,
        item=ItemCreate.model_validate(item.model_dump(exclude={"limits_source", "origin"})),
    )
    routing_service.save_rule_set(
        session,
        document=RuleSetCreate.model_validate(RULES),
        source="test",
        author=None,
        now=T0,
    )
    session.commit()
