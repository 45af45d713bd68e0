"""A pydantic model as a JSON response, serialised by pydantic-core in one step.

A sync route that returns a model has FastAPI validate it again in a worker thread (one more
thread hop) before serialising it; the model was built by validated code already. A route
that returns this response declares its `response_model` for the OpenAPI document only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.responses import Response

Model = TypeVar("Model", bound=BaseModel)


def model_response(
    model: BaseModel,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    return Response(
        model.model_dump_json(), status_code=status_code, headers=headers, media_type=media_type
    )


def built(model: type[Model], /, **values: Any) -> Model:
    """A model of values its caller vouches for: every field given, each already of its type
    (enums as enums, times in their zone); nothing is validated or defaulted.

    What pydantic's `model_construct` makes, without its walk over the fields for aliases and
    defaults, which cost as much as validating: a page of 50 cases builds 200 models. Only for
    models without extra fields, private attributes or `model_post_init`.
    """
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance
