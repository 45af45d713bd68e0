"""`responses.built`: a model of trusted values serialises exactly as the validated model, and
the models built that way have nothing it would skip (extra fields, private attributes,
`model_post_init`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from gridloop.cases.models import OfficeRole
from gridloop.cases.schemas import (
    CaseDetailRead,
    CaseOfficeRead,
    CaseRead,
    InputPointRead,
    RequesterRead,
)
from gridloop.geo.schemas import Point
from gridloop.localtime import CHINA_TIME
from gridloop.responses import built

BUILT_MODELS = [CaseRead, CaseDetailRead, CaseOfficeRead, Point, InputPointRead, RequesterRead]


@pytest.mark.parametrize("model", BUILT_MODELS)
def test_the_built_models_have_nothing_built_would_skip(model: type[BaseModel]) -> None:
    assert model.model_config.get("extra") != "allow"
    assert not model.__private_attributes__
    assert model.__pydantic_post_init__ is None


def test_a_built_model_is_the_validated_one() -> None:
    values = {
        "office_code": "310105001-lvhua",
        "office_name": "绿化市容所",
        "role": OfficeRole.LEAD,
        "assigned_at": datetime(2026, 3, 2, 2, 0, 0, 250000, tzinfo=UTC).astimezone(CHINA_TIME),
        "arrived_at": None,
    }
    made = built(CaseOfficeRead, **values)
    validated = CaseOfficeRead.model_validate(values)
    assert made == validated
    assert made.model_dump_json() == validated.model_dump_json()
    assert made.model_fields_set == validated.model_fields_set
