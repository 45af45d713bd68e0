"""API shapes of the auth domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridloop.auth.models import Role

# Control characters (NUL above all) cannot be stored in PostgreSQL text.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

Username = Annotated[str, Field(min_length=1, max_length=64, pattern=_PRINTABLE)]
StreetCode = Annotated[str, Field(pattern=r"^[0-9]{9}$", examples=["310105001"])]
ResponsibilityGridCode = Annotated[str, Field(pattern=r"^[0-9]{11}$", examples=["31010500101"])]


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class UserRead(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    street_code: str | None = Field(description="a dispatcher's street")
    office_code: str | None = Field(description="a liaison's office")
    responsibility_grid_codes: list[str] = Field(description="an inspector's grids")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    role: Role
    display_name: Annotated[str, Field(max_length=200, pattern=_PRINTABLE)] | None = None
    street_code: StreetCode | None = Field(default=None, description="dispatchers only")
    office_code: Annotated[str, Field(max_length=32, pattern=_PRINTABLE)] | None = Field(
        default=None, description="liaisons only"
    )
    responsibility_grid_codes: list[ResponsibilityGridCode] = Field(
        default_factory=list, max_length=1000, description="inspectors only, at least one"
    )


class UserRoleUpdate(BaseModel):
    """A role and the scope it needs, in place of the user's; the same rules as at creation."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    street_code: StreetCode | None = Field(default=None, description="dispatchers only")
    office_code: Annotated[str, Field(max_length=32, pattern=_PRINTABLE)] | None = Field(
        default=None, description="liaisons only"
    )
    responsibility_grid_codes: list[ResponsibilityGridCode] = Field(
        default_factory=list, max_length=1000, description="inspectors only, at least one"
    )
