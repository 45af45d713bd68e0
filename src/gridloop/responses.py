"""A pydantic model as a JSON response, serialised by pydantic-core in one step.

A sync route that returns a model has FastAPI validate it again in a worker thread (one more
thread hop) before serialising it; the model was built by validated code already. A route
that returns this response declares its `response_model` for the OpenAPI document only.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from starlette.responses import Response


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
