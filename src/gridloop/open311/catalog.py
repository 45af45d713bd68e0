"""What the public may report: discovery, the service list and each service's definition.

A service is a catalog item the public may report (`open311_services` names codes or prefixes;
retired items never are). Its attributes are the facts the active routing rules read for it
(`repeat_offence` for 群租): a value given with a filing reaches the engine as the rule wants it,
`true` as a boolean, `3` as a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gridloop.catalog import service as catalog_service
from gridloop.catalog.models import ItemKind
from gridloop.catalog.schemas import ItemQuery, ItemRead
from gridloop.catalog.service import ItemTexts
from gridloop.config import get_settings
from gridloop.errors import BadRequest, NotFound
from gridloop.localtime import parse_timezone
from gridloop.open311.schemas import (
    AttributeRead,
    AttributeValueRead,
    Datatype,
    DiscoveryRead,
    EndpointRead,
    ServiceDefinitionRead,
    ServiceRead,
)
from gridloop.open311.serialization import MEDIA_TYPES, Format
from gridloop.routing import service as routing_service
from gridloop.routing.schemas import RuleRead

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
KIND_NAMES = {ItemKind.EVENT: "事件", ItemKind.COMPONENT: "部件"}
YES_NO = [
    AttributeValueRead(key="true", name="是 / yes"),
    AttributeValueRead(key="false", name="否 / no"),
]
Scalar = bool | int | float | str
# The changeset of a catalog that has never had an item.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _pages(session: Session, query: ItemQuery) -> Iterator[ItemRead]:
    while True:
        page = catalog_service.list_items(session, query=query)
        yield from page.items
        if page.next_after is None:
            return
        query = query.model_copy(update={"after": page.next_after})


def _offered(item: ItemRead | ItemTexts) -> bool:
    prefixes = get_settings().open311_services
    return item.retired_at is None and any(item.code.startswith(prefix) for prefix in prefixes)


def offered_item(session: Session, *, code: str) -> ItemTexts:
    """The item of a service the public may report; NotFound otherwise."""
    item = catalog_service.item_texts(session, codes=[code]).get(code)
    if item is None or not _offered(item):
        raise NotFound(f"service_code {code} 不存在 / service_code {code} not found")
    return item


# ----------------------------------------------------------------------------- attributes


@dataclass
class _Attribute:
    """A fact some rules read: the values they compare it with, and what they are for."""

    code: str
    values: list[Scalar] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)


def _rules(session: Session) -> list[RuleRead]:
    try:
        return routing_service.active_rule_set(session).rules
    except NotFound:  # no rule set yet: every item goes to its default department
        return []


def _reads(rule: RuleRead, code: str) -> bool:
    when = rule.when
    if when.item_codes is not None and code not in when.item_codes:
        return False
    return when.item_prefixes is None or any(code.startswith(p) for p in when.item_prefixes)


def _attributes(rules: list[RuleRead], code: str) -> list[_Attribute]:
    found: dict[str, _Attribute] = {}
    for rule in rules:
        if not rule.when.attributes or not _reads(rule, code):
            continue
        for key, value in rule.when.attributes.items():
            attribute = found.setdefault(key, _Attribute(key))
            if value not in attribute.values:
                attribute.values.append(value)
            attribute.purposes.append(rule.description or rule.id)
    return [found[key] for key in sorted(found)]


def _is_number(value: Scalar) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _attribute_read(order: int, attribute: _Attribute) -> AttributeRead:
    values = attribute.values
    datatype: Datatype
    if all(isinstance(value, bool) for value in values):
        datatype, listed, about = "singlevaluelist", YES_NO, "true 或 false / true or false"
    elif all(_is_number(value) for value in values):
        datatype, listed, about = "number", [], "数字 / a number"
    else:
        listed = [AttributeValueRead(key=str(value), name=str(value)) for value in values]
        datatype, about = "singlevaluelist", "列出的值之一 / one of the values listed"
    return AttributeRead(
        variable=True,
        code=attribute.code,
        datatype=datatype,
        required=False,
        datatype_description=about,
        order=order,
        description=f"派遣规则据此选择处置部门：{'；'.join(attribute.purposes)} / "
        "the routing rules read this to choose the offices",
        values=listed,
    )


def parse_attributes(
    session: Session, *, code: str, given: Mapping[str, list[str]]
) -> dict[str, Scalar]:
    """The values of `attribute[…]` as the rules compare them; BadRequest for an attribute the
    service does not take or a value it cannot have."""
    known = {attribute.code: attribute for attribute in _attributes(_rules(session), code)}
    parsed: dict[str, Scalar] = {}
    for name, values in given.items():
        attribute = known.get(name)
        if attribute is None:
            raise BadRequest(
                f"服务 {code} 没有属性 {name} / service {code} takes no attribute {name}"
            )
        if len(values) != 1:
            raise BadRequest(f"属性 {name} 只取一个值 / attribute {name} takes one value")
        parsed[name] = _value(attribute, values[0])
    return parsed


def _value(attribute: _Attribute, text: str) -> Scalar:
    wrong = BadRequest(
        f"属性 {attribute.code} 的值 {text!r} 无效 / attribute {attribute.code}: {text!r} is "
        "not one of its values"
    )
    if all(isinstance(value, bool) for value in attribute.values):
        if text not in ("true", "false"):
            raise wrong
        return text == "true"
    if all(_is_number(value) for value in attribute.values):
        try:
            number = float(text)
        except ValueError:
            raise wrong from None
        if not math.isfinite(number):
            raise wrong
        return int(number) if number.is_integer() and "." not in text else number
    if text not in {str(value) for value in attribute.values}:
        raise wrong
    return text


# ----------------------------------------------------------------------------- the resources


def services(session: Session) -> list[ServiceRead]:
    """Every service the public may report, in code order."""
    rules = _rules(session)
    return [
        ServiceRead(
            service_code=item.code,
            service_name=item.name,
            description=item.filing_condition,
            metadata=bool(_attributes(rules, item.code)),
            type="realtime",
            keywords=",".join(
                (KIND_NAMES[item.kind], item.big_class_name, item.default_department_name)
            ),
            group=item.big_class_name,
        )
        for item in _pages(session, ItemQuery(limit=500))
        if _offered(item)
    ]


def service_definition(session: Session, *, code: str) -> ServiceDefinitionRead:
    """A service's attributes: what the routing rules read for its item."""
    item = offered_item(session, code=code)
    attributes = _attributes(_rules(session), item.code)
    return ServiceDefinitionRead(
        service_code=item.code,
        attributes=[_attribute_read(order, a) for order, a in enumerate(attributes, start=1)],
    )


def discovery(session: Session, *, endpoint_url: str) -> DiscoveryRead:
    """This server's endpoint, and when its services or their definitions last changed."""
    settings = get_settings()
    changeset = _changeset(session).astimezone(parse_timezone(settings.timezone))
    return DiscoveryRead(
        changeset=changeset.isoformat(timespec="seconds"),
        contact=settings.open311_contact,
        key_service=settings.open311_key_service,
        endpoints=[
            EndpointRead(
                specification=SPECIFICATION,
                url=endpoint_url,
                changeset=changeset.isoformat(timespec="seconds"),
                type="production",
                formats=[MEDIA_TYPES[Format.XML], MEDIA_TYPES[Format.JSON]],
            )
        ],
    )


def _changeset(session: Session) -> datetime:
    moments = [
        moment
        for item in _pages(session, ItemQuery(include_retired=True, limit=500))
        for moment in (item.created_at, item.updated_at, item.retired_at)
        if moment is not None
    ]
    try:
        active = routing_service.active_rule_set(session)
    except NotFound:
        active = None
    if active is not None and active.activated_at is not None:
        moments.append(active.activated_at)
    return max(moments, default=EPOCH)
