"""API shapes of departments, offices and jurisdictions."""

from __future__ import annotations

from typing import Annotated

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, ConfigDict, Field

# Control characters (NUL above all) cannot be stored in PostgreSQL text.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
_CODE = r"^[a-z0-9][a-z0-9_-]*$"

OrgCode = Annotated[str, Field(min_length=1, max_length=32, pattern=_CODE)]
OfficeName = Annotated[str, Field(min_length=1, max_length=200, pattern=_PRINTABLE)]
StreetCode = Annotated[str, Field(pattern=r"^[0-9]{9}$", examples=["310105001"])]
JurisdictionGeometry = Annotated[Polygon | MultiPolygon, Field(discriminator="type")]


class DepartmentTypeRead(BaseModel):
    code: str = Field(examples=["chengguan"])
    name: str = Field(examples=["城管"])


class DepartmentRead(BaseModel):
    code: str = Field(examples=["310105-chengguan"])
    name: str = Field(examples=["长宁区城管执法局"])
    department_type: str
    department_type_name: str
    district_code: str
    office_count: int


class OfficeRef(BaseModel):
    """An office as routing names it: enough to dispatch to and to explain."""

    model_config = ConfigDict(frozen=True)

    office_id: int
    code: str
    name: str
    department_code: str
    department_type: str
    street_code: str | None


class OfficeRead(BaseModel):
    code: str = Field(examples=["310105001-chengguan"])
    name: str = Field(examples=["华阳路街道城管中队"])
    department_code: str
    department_name: str
    department_type: str
    street_code: str | None = Field(description="the street of a street-level office")
    dispatchable: bool = Field(
        description="has a jurisdiction, so routing can choose it by location"
    )
    area_m2: float | None = Field(description="area of the jurisdiction in square metres")


OfficeFeature = Feature[MultiPolygon, OfficeRead]


class OfficeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: OrgCode = Field(examples=["310105001-chengguan"])
    name: OfficeName
    department_code: OrgCode = Field(examples=["310105-chengguan"])
    street_code: StreetCode | None = None
    jurisdiction: JurisdictionGeometry | None = Field(
        default=None,
        description="WGS-84 Polygon or MultiPolygon inside the district; none: not dispatchable",
    )


class OfficeUpdate(BaseModel):
    """The whole office but its code (PUT replaces every field)."""

    model_config = ConfigDict(extra="forbid")

    name: OfficeName
    department_code: OrgCode
    street_code: StreetCode | None = None
    jurisdiction: JurisdictionGeometry | None = None


class GapProperties(BaseModel):
    area_m2: float
    unit_grid_codes: list[str] = Field(description="unit grids with a part in this gap")


GapFeature = Feature[Polygon, GapProperties]


class GapsRead(FeatureCollection[GapFeature]):
    """The parts of the district that no office of the department covers."""

    department_code: str
    district_code: str
    area_m2: float = Field(description="total uncovered area in square metres")
    unit_grid_codes: list[str] = Field(description="unit grids not wholly covered")
