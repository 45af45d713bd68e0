"""The examples of the GeoReport v2 specification's pages, written by gridloop's serialiser.

Each example's JSON (the spec's own values; codes such as `001` as the strings they are meant
to be) goes through gridloop's models and comes out as XML, which must be the spec's XML
example element by element: same names, same order, same text. So the XML gridloop writes is
the specification's, and its JSON is the specification's mapping of it.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from pydantic import BaseModel

from gridloop.open311.schemas import (
    DiscoveryRead,
    ErrorRead,
    RequestCreatedRead,
    RequestRead,
    ServiceDefinitionRead,
    ServiceRead,
    TokenRead,
)
from gridloop.open311.serialization import XML_DECLARATION, Format, render_list, render_object

CANS = (
    "Garbage or recycling cans that have been left out for more than 24 hours after collection. "
    "Violators will be cited."
)
PLATE = "Metal construction plate covering the street or sidewalk has been moved."
NOTICE = (
    "The City will inspect and require the responsible party to correct within 24 hours and/or "
    "issue a Correction Notice or Notice of Violation of the Public Works Code"
)

SERVICES_JSON = [
    {
        "service_code": "001",
        "service_name": "Cans left out 24x7",
        "description": CANS,
        "metadata": True,
        "type": "realtime",
        "keywords": "lorem, ipsum, dolor",
        "group": "sanitation",
    },
    {
        "service_code": "002",
        "metadata": True,
        "type": "realtime",
        "keywords": "lorem, ipsum, dolor",
        "group": "street",
        "service_name": "Construction plate shifted",
        "description": PLATE,
    },
]
SERVICES_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name>
        <description>{CANS}</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>sanitation</group>
    </service>
    <service>
        <service_code>002</service_code>
        <service_name>Construction plate shifted</service_name>
        <description>{PLATE}</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>street</group>
    </service>
</services>"""

DEFINITION_JSON = {
    "service_code": "DMV66",
    "attributes": [
        {
            "variable": True,
            "code": "WHISHETN",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "What is the ticket/tag/DL number?",
            "values": [{"key": "123", "name": "Ford"}, {"key": "124", "name": "Chrysler"}],
        }
    ],
}
DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>DMV66</service_code>
    <attributes>
        <attribute>
            <variable>true</variable>
            <code>WHISHETN</code>
            <datatype>singlevaluelist</datatype>
            <required>true</required>
            <datatype_description></datatype_description>
            <order>1</order>
            <description>What is the ticket/tag/DL number?</description>
            <values>
                <value>
                    <key>123</key>
                    <name>Ford</name>
                </value>
                <value>
                    <key>124</key>
                    <name>Chrysler</name>
                </value>
            </values>
        </attribute>
    </attributes>
</service_definition>"""

CREATED_JSON = [
    {
        "service_request_id": 293944,
        "service_notice": NOTICE,
        "account_id": None,
    }
]
CREATED_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>293944</service_request_id>
        <service_notice>
            {NOTICE}
        </service_notice>
        <account_id/>
    </request>
</service_requests>"""

TOKEN_JSON = [{"service_request_id": 638344, "token": "12345"}]
TOKEN_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <token>12345</token>
    </request>
</service_requests>"""

REQUESTS_JSON = [
    {
        "service_request_id": 638344,
        "status": "closed",
        "status_notes": "Duplicate request.",
        "service_name": "Sidewalk and Curb Issues",
        "service_code": "006",
        "description": "",
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2010-04-14T06:37:38-08:00",
        "updated_datetime": "2010-04-14T06:37:38-08:00",
        "expected_datetime": "2010-04-15T06:37:38-08:00",
        "address": "8TH AVE and JUDAH ST",
        "address_id": "545483",
        "zipcode": "94122",
        "lat": 37.762221815,
        "long": -122.4651145,
        "media_url": "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg",
    },
    {
        "service_request_id": 638349,
        "status": "open",
        "status_notes": None,
        "service_name": "Sidewalk and Curb Issues",
        "service_code": "006",
        "description": "",
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2010-04-19T06:37:38-08:00",
        "updated_datetime": "2010-04-19T06:37:38-08:00",
        "expected_datetime": "2010-04-19T06:37:38-08:00",
        "address": "8TH AVE and JUDAH ST",
        "address_id": "545483",
        "zipcode": "94122",
        "lat": 37.762221815,
        "long": -122.4651145,
        "media_url": "http://city.gov.s3.amazonaws.com/requests/media/638349.jpg",
    },
]
REQUESTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <status>closed</status>
        <status_notes>Duplicate request.</status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url>
    </request>
    <request>
        <service_request_id>638349</service_request_id>
        <status>open</status>
        <status_notes></status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-19T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-19T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-19T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638349.jpg </media_url>
    </request>
</service_requests>"""

ERRORS_JSON = [
    {"code": 403, "description": "Invalid api_key received -- can't proceed with create_request."}
]
ERRORS_XML = """<?xml version="1.0" encoding="utf-8"?>
<errors>
    <error>
        <code>403</code>
        <description>Invalid api_key received -- can't proceed with create_request.</description>
    </error>
</errors>"""

DISCOVERY_JSON = {
    "changeset": "2011-02-03 14:18",
    "contact": "You can email or call for assistance api@mycity.org +1 (555) 555-5555",
    "key_service": "You can request a key here: http://api.mycity.gov/api_key/request",
    "endpoints": [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://open311.mycity.gov/v2",
            "changeset": "2010-11-23 09:01",
            "type": "production",
            "formats": ["text/xml"],
        },
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://open311.mycity.gov/test/v2",
            "changeset": "2010-10-02 09:01",
            "type": "test",
            "formats": ["text/xml", "application/json"],
        },
    ],
}
DISCOVERY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<discovery>
    <changeset>2011-02-03 14:18</changeset>
    <contact>You can email or call for assistance api@mycity.org +1 (555) 555-5555</contact>
    <key_service>You can request a key here: http://api.mycity.gov/api_key/request</key_service>
    <endpoints>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v2</specification>
            <url>http://open311.mycity.gov/v2</url>
            <changeset>2010-11-23 09:01</changeset>
            <type>production</type>
            <formats>
                <format>text/xml</format>
            </formats>
        </endpoint>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v2</specification>
            <url>http://open311.mycity.gov/test/v2</url>
            <changeset>2010-10-02 09:01</changeset>
            <type>test</type>
            <formats>
                <format>text/xml</format>
                <format>application/json</format>
            </formats>
        </endpoint>
    </endpoints>
</discovery>"""

# Lists: (example JSON, model, root, item, example XML).
LISTS = [
    (SERVICES_JSON, ServiceRead, "services", "service", SERVICES_XML),
    (CREATED_JSON, RequestCreatedRead, "service_requests", "request", CREATED_XML),
    (TOKEN_JSON, TokenRead, "service_requests", "request", TOKEN_XML),
    (REQUESTS_JSON, RequestRead, "service_requests", "request", REQUESTS_XML),
    (ERRORS_JSON, ErrorRead, "errors", "error", ERRORS_XML),
]
OBJECTS = [
    (DEFINITION_JSON, ServiceDefinitionRead, "service_definition", DEFINITION_XML),
    (DISCOVERY_JSON, DiscoveryRead, "discovery", DISCOVERY_XML),
]


def _tree(element: Element) -> tuple[str, str, list[Any]]:
    """An element as (name, stripped text, children): what the XML says, layout aside."""
    return element.tag, (element.text or "").strip(), [_tree(child) for child in element]


def _parsed(text: str | bytes) -> tuple[str, str, list[Any]]:
    data = text.encode() if isinstance(text, str) else text
    return _tree(ElementTree.fromstring(data))


@pytest.mark.parametrize(
    ("example", "model", "root", "item", "xml"),
    LISTS,
    ids=[f"{root}-{model.__name__}" for _, model, root, _, _ in LISTS],
)
def test_a_list_example_comes_out_as_the_spec_writes_it(
    example: list[dict[str, Any]], model: type[BaseModel], root: str, item: str, xml: str
) -> None:
    items = [model.model_validate(member) for member in example]

    as_xml = render_list(items, model=model, fmt=Format.XML, root=root, item=item)
    as_json = render_list(items, model=model, fmt=Format.JSON, root=root, item=item)

    assert bytes(as_xml.body).decode().startswith(XML_DECLARATION)
    assert _parsed(bytes(as_xml.body)) == _parsed(xml)
    assert as_json.media_type == "application/json; charset=utf-8"
    assert [model.model_validate(member) for member in _json(as_json.body)] == items


@pytest.mark.parametrize(
    ("example", "model", "root", "xml"), OBJECTS, ids=[root for _, _, root, _ in OBJECTS]
)
def test_an_object_example_comes_out_as_the_spec_writes_it(
    example: dict[str, Any], model: type[BaseModel], root: str, xml: str
) -> None:
    value = model.model_validate(example)

    as_xml = render_object(value, fmt=Format.XML, root=root)
    as_json = render_object(value, fmt=Format.JSON, root=root)

    assert as_xml.media_type == "text/xml; charset=utf-8"
    assert _parsed(bytes(as_xml.body)) == _parsed(xml)
    assert model.model_validate(_json(as_json.body)) == value


def _json(body: bytes | memoryview) -> Any:
    return json.loads(bytes(body))
