"""Alembic, driven from code: upgrade to head and tell whether a database is at head."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from gridloop.config import PROJECT_ROOT


class MigrationsNotFound(Exception):
    """The migrations folder is not where this installation keeps it."""


def alembic_config(connection: Connection | None = None) -> Config:
    script_location = PROJECT_ROOT / "migrations"
    ini = script_location / "alembic.ini"
    if not (ini.is_file() and (script_location / "env.py").is_file()):
        raise MigrationsNotFound(
            f"找不到数据库迁移 / migrations not found in {script_location}: reinstall gridloop "
            "(a wheel carries them in the package) or run it from a checkout"
        )
    config = Config(str(ini))
    config.set_main_option("script_location", str(script_location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(connection), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
