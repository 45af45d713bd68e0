"""The two formats of every Open311 resource: JSON and XML, from the same models.

XML as the specification writes it: the XML declaration with UTF-8, no namespace, a list as a
root element of its items (`<services><service>…`), a list inside an item as an element of its
singular children (`<attributes><attribute>…`), `true`/`false`, an empty element for a value
that is missing. JSON is its "Spark" mapping: the list itself, or the object without its root.
Both carry the same values: the XML's text is the JSON's value as a string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree

from pydantic import BaseModel, TypeAdapter
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json"
XML_MEDIA_TYPE = "text/xml"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


class Format(StrEnum):
    JSON = "json"
    XML = "xml"


MEDIA_TYPES = {Format.JSON: JSON_MEDIA_TYPE, Format.XML: XML_MEDIA_TYPE}

# A list inside an item: the element of each of its members.
MEMBERS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

_LISTS: dict[type[BaseModel], TypeAdapter[list[Any]]] = {}


def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    adapter = _LISTS.get(model)
    if adapter is None:
        adapter = _LISTS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


def render_list(
    items: Sequence[BaseModel],
    *,
    model: type[BaseModel],
    fmt: Format,
    root: str,
    item: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A list of `model` as `<root><item>…</item></root>` or a JSON array."""
    if fmt is Format.JSON:
        body = _list_adapter(model).dump_json(list(items))
    else:
        element = ElementTree.Element(root)
        for member in items:
            _append(element, item, member.model_dump(mode="json"))
        body = _document(element)
    return _response(body, fmt, status_code, headers)


def render_object(value: BaseModel, *, fmt: Format, root: str, status_code: int = 200) -> Response:
    """One object as `<root>…</root>` or a JSON object."""
    if fmt is Format.JSON:
        body = value.model_dump_json().encode()
    else:
        element = ElementTree.Element(root)
        _fill(element, value.model_dump(mode="json"))
        body = _document(element)
    return _response(body, fmt, status_code, None)


def _response(
    body: bytes, fmt: Format, status_code: int, headers: Mapping[str, str] | None
) -> Response:
    return Response(
        body,
        status_code=status_code,
        headers=headers,
        media_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8",
    )


def _document(element: ElementTree.Element) -> bytes:
    return (XML_DECLARATION + ElementTree.tostring(element, encoding="unicode")).encode()


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    child = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        _fill(child, value)
    elif isinstance(value, list):
        for member in value:
            _append(child, MEMBERS[name], member)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def _fill(element: ElementTree.Element, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        _append(element, name, value)
