"""Settings: the one place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gridloop.localtime import (
    DEFAULT_TIMEZONE,
    DEFAULT_WORKING_PERIODS,
    parse_timezone,
    parse_working_periods,
)

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the repository's migrations/ (with alembic.ini) and seeds/ inside the package
# (pyproject.toml, [tool.hatch.build.targets.wheel]); a checkout reads them where they are.
_BUNDLED = _PACKAGE / "_project"
CHECKOUT: Path | None = None if _BUNDLED.is_dir() else _PACKAGE.parents[1]
# Where migrations/ and seeds/ are.
PROJECT_ROOT = CHECKOUT or _BUNDLED


def _default_data_dir() -> Path:
    if CHECKOUT is not None:
        return CHECKOUT / ".gridloop"
    # An installed package has no checkout to keep data in: the user's data directory (XDG).
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gridloop"


_ORIGIN = re.compile(r"https?://[^/?#\s]+")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDLOOP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Any PostGIS; when unset, the project-local cluster under data_dir is used.",
    )
    data_dir: Path = Field(default_factory=_default_data_dir)
    local_db_port: int = 55432
    local_db_name: str = "gridloop"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias="PORT")
    # Connections kept open per process. Overflow connections are closed after each use: under a
    # steady load they would be opened and closed all the time, so the default has none.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    token_ttl_hours: int = 12
    # Logins are throttled per username and client address (growing delays after a few free
    # failures) and, much higher, per username from everywhere (a lock): DESIGN, issue 11.
    login_free_failures: int = Field(
        default=3, ge=0, description="failures per username and address before delays start"
    )
    login_delay_seconds: float = Field(
        default=2, gt=0, description="the first delay; each further failure doubles it"
    )
    login_max_delay_seconds: float = Field(default=900, gt=0, description="the longest delay")
    login_username_max_failures: int = Field(
        default=100, ge=1, description="failures per username from everywhere that lock it"
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, description="how long the username lock lasts and failures are kept"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed",
    )
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    working_periods: str = Field(
        default=DEFAULT_WORKING_PERIODS, description="working hours of a working day, local time"
    )
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="the zone of working hours")
    photo_dir: Path | None = Field(
        default=None, description="where case photos are kept; data_dir/photos when unset"
    )
    base_map_url: str | None = Field(
        default=None,
        description=(
            "an XYZ raster tile template ({z}, {x}, {y}) the console draws under the grid map, in"
            " Web Mercator with WGS-84/CGCS2000 coordinates (天地图 vec_w with its key); none by"
            " default, so the console asks nothing of another site"
        ),
    )
    base_map_attribution: str = Field(default="", description="the base map's credit line")
    sweep_interval_seconds: float = Field(
        default=60, ge=0, description="how often `serve` sweeps for missed deadlines; 0: never"
    )
    # Webhooks (`gridloop worker`) and the event stream.
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, le=60, description="a webhook request's connect and read timeout"
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="deliver to loopback, link-local and private addresses (tests, intranets)",
    )
    webhook_retry_hours: float = Field(
        default=24, gt=0, description="how long a delivery is retried before it fails"
    )
    webhook_retry_base_seconds: float = Field(
        default=5, gt=0, description="the first retry's delay; each next one doubles it"
    )
    webhook_retry_max_seconds: float = Field(
        default=3600, gt=0, description="the longest delay between two attempts"
    )
    webhook_keep_days: float = Field(
        default=30,
        gt=0,
        description="how long a delivered or failed delivery and its attempts are kept (listed, "
        "sent again on request) before the worker deletes them",
    )
    worker_poll_seconds: float = Field(
        default=1, gt=0, description="how often an idle worker looks for due retries"
    )
    worker_concurrency: int = Field(
        default=8, ge=1, le=64, description="deliveries a worker sends at once"
    )
    worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="how much lower the worker's CPU priority is: on a shared machine, filing "
        "and actions come first and deliveries take the spare time",
    )
    stream_heartbeat_seconds: float = Field(
        default=15, gt=0, description="the event stream's heartbeat comment interval"
    )
    # Open311 GeoReport v2 (/open311/v2/): a public door, rate limited like the login.
    open311_get_per_minute: int = Field(
        default=120, ge=1, description="Open311 GET requests a minute per client address"
    )
    open311_post_per_minute: int = Field(
        default=60, ge=1, description="Open311 filings a minute per API key"
    )
    open311_services: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["E", "C"],
        description="catalog item codes or code prefixes the public may report through Open311 "
        "(comma separated); retired items never",
    )
    open311_public_photos: Literal["closed", "handled", "reported"] = Field(
        default="closed",
        description="from which status on a case's photos (before and after, never "
        "verification) are public through Open311",
    )
    open311_contact: str = Field(
        default="长宁区网格化管理中心 / Changning grid management center",
        description="discovery: whom to ask about the Open311 service",
    )
    open311_key_service: str = Field(
        default="API key 由区网格化管理中心的系统管理员发放（gridloop token create --client）/ "
        "API keys are issued by the district center's administrator",
        description="discovery: how to get an API key",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins of browser clients on other hosts allowed by CORS; `*`: any; "
        "none: CORS is off",
    )

    @field_validator("working_periods")
    @classmethod
    def _working_periods_parse(cls, value: str) -> str:
        parse_working_periods(value)  # a bad value stops the start, not the first deadline
        return value

    @field_validator("trusted_proxies", "cors_origins", "open311_services", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # A plain comma-separated list reads better in an environment file than JSON.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_are_networks(cls, value: list[str]) -> list[str]:
        # Only addresses and networks: a typo must stop the start, not trust everyone or no one.
        return [str(ipaddress.ip_network(item, strict=False)) for item in value]

    @field_validator("open311_services")
    @classmethod
    def _item_code_prefixes(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not re.fullmatch(r"[EC][0-9]{0,4}", prefix):
                raise ValueError(f"not an item code or prefix (E, C05, E0102): {prefix!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str) -> str:
        parse_timezone(value)
        return value

    @field_validator("cors_origins")
    @classmethod
    def _cors_origins_are_origins(cls, value: list[str]) -> list[str]:
        # A browser sends its origin without a path or a trailing slash: an origin written
        # otherwise would never match, so it stops the start instead.
        for origin in value:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return value

    @property
    def db_connections(self) -> int:
        """Connections one process may hold: also its cap on requests in flight."""
        return self.db_pool_size + self.db_max_overflow

    @property
    def local_database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.local_db_port}/{self.local_db_name}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.local_database_url

    @property
    def effective_photo_dir(self) -> Path:
        return self.photo_dir or self.data_dir / "photos"


@lru_cache
def get_settings() -> Settings:
    return Settings()
