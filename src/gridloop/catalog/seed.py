"""Load the catalog seed file (`seeds/catalog/items.yaml`) through the same checks as the API.

Loading is idempotent and never overwrites: a big class or item that exists is left as it is,
since an admin may have changed it (DOMAIN.md: time limits are seed data an admin can change).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from sqlalchemy.orm import Session

from gridloop.catalog import service
from gridloop.catalog.models import ItemKind
from gridloop.catalog.schemas import ClassCode, ItemCreate, Name
from gridloop.errors import InvalidInput, ProblemItem

# libyaml's safe loader when present: the pure-Python one takes most of a second on this file.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SeedBigClass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ItemKind
    code: ClassCode
    name: Name


class SeedItem(ItemCreate):
    """An item as the API creates it, plus where its data comes from (not stored)."""

    # Where the handling limit comes from; register/dispatch are gridloop defaults and verify is
    # DOMAIN §4's 30 minutes throughout (see the file's header).
    limits_source: Literal["DOMAIN §4", "gridloop default"]
    origin: Literal["CJ/T 214", "Shanghai local"] = "CJ/T 214"


class SeedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    big_classes: list[SeedBigClass]
    items: list[SeedItem]

    @model_validator(mode="after")
    def _codes_once(self) -> SeedFile:
        codes = [item.code for item in self.items]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"条目编码重复 / item codes listed twice: {', '.join(repeated)}")
        return self


@dataclass(frozen=True)
class SeedResult:
    big_classes_created: int
    items_created: int
    items_kept: int


def read_seed(path: Path) -> SeedFile:
    """The parsed seed file; InvalidInput listing every problem if it is not valid."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"目录种子文件不是 YAML / {path} is not YAML: {exc}") from exc
    try:
        return SeedFile.model_validate(document)
    except ValidationError as exc:
        raise InvalidInput(
            f"目录种子文件无效 / invalid catalog seed file {path}",
            errors=[
                ProblemItem(
                    location=".".join(str(part) for part in error["loc"]), reason=error["msg"]
                )
                for error in exc.errors()
            ],
        ) from exc


def load_catalog(session: Session, path: Path) -> SeedResult:
    """Create the big classes and items of the seed file that do not exist yet."""
    seed = read_seed(path)
    big_classes_created = sum(
        service.ensure_big_class(session, kind=row.kind, code=row.code, name=row.name)
        for row in seed.big_classes
    )
    existing = service.item_codes(session)
    created = 0
    for index, item in enumerate(seed.items):
        if item.code in existing:
            continue
        try:
            service.create_item(
                session,
                item=ItemCreate.model_validate(
                    item.model_dump(exclude={"limits_source", "origin"})
                ),
            )
        except InvalidInput as exc:
            raise InvalidInput(
                f"目录种子条目 {item.code} 无效 / seed item {item.code} of {path} is invalid",
                errors=[
                    ProblemItem(
                        location=error.location.replace("body.", f"items.{index}.", 1),
                        reason=error.reason,
                    )
                    for error in exc.errors or []
                ],
            ) from exc
        created += 1
    return SeedResult(
        big_classes_created=big_classes_created,
        items_created=created,
        items_kept=len(seed.items) - created,
    )
