"""Open311 GeoReport v2 shapes, field by field as the specification names them, in its order.

Each model is the JSON form; `serialization` writes the XML form from the same model (the JSON
being the spec's "Spark" mapping of the XML: a list's elements are the array, the root element
of an object is left out).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gridloop.open311.statuses import RequestStatus, UpdateStatus

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]


class EndpointRead(BaseModel):
    specification: str = Field(description="the token of the specification served")
    url: str = Field(description="this server's GeoReport v2 endpoint")
    changeset: str = Field(description="sortable: when the services or their definitions changed")
    type: Literal["production", "test"]
    formats: list[str] = Field(description="MIME types: text/xml and application/json")


class DiscoveryRead(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointRead]


class ServiceRead(BaseModel):
    service_code: str = Field(description="the catalog item's code", examples=["E0102"])
    service_name: str = Field(examples=["暴露垃圾"])
    description: str = Field(description="the item's filing condition (立案条件)")
    metadata: bool = Field(description="true when the service takes attributes")
    type: Literal["realtime"] = Field(description="filed at once: the id comes in the answer")
    keywords: str = Field(description="comma separated: kind, big class, department")
    group: str = Field(description="the big class's name", examples=["市容环境"])


class AttributeValueRead(BaseModel):
    key: str
    name: str


class AttributeRead(BaseModel):
    variable: bool = Field(description="true: the requester gives a value")
    code: str = Field(examples=["repeat_offence"])
    datatype: Datatype
    required: bool
    datatype_description: str | None
    order: int = Field(ge=1)
    description: str
    values: list[AttributeValueRead]


class ServiceDefinitionRead(BaseModel):
    service_code: str
    attributes: list[AttributeRead]


class RequestCreatedRead(BaseModel):
    service_request_id: int
    service_notice: str | None = Field(description="what will be done, and nearby open cases")
    account_id: str | None = Field(description="none: gridloop keeps no requester accounts")


class TokenRead(BaseModel):
    service_request_id: int
    token: str


class RequestRead(BaseModel):
    """A service request as the public sees it: no requester, no internal note."""

    service_request_id: int
    status: RequestStatus
    status_notes: str | None = Field(description="a public sentence on the current status")
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None = Field(description="the lead office, once dispatched")
    service_notice: str | None = Field(description="the item's closing standard (结案标准)")
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None = Field(description="the deadline of the current step")
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float = Field(description="WGS-84")
    long: float = Field(description="WGS-84")
    media_url: str | None = Field(description="a photo, once the case's photos are public")


class RequestUpdateRead(BaseModel):
    """mySociety's extension: one update per status change of a case."""

    update_id: int = Field(description="the event's id")
    service_request_id: int
    status: UpdateStatus
    updated_datetime: datetime
    description: str = Field(description="a public sentence, never an internal note")
    media_url: str | None = Field(description="the handling report's after-photo, once public")


class ErrorRead(BaseModel):
    code: int = Field(description="the HTTP status")
    description: str = Field(description="中文 / English")
