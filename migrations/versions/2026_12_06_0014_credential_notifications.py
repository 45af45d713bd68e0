"""`NOTIFY gridloop_credentials` whenever what a credential stands for may have changed: a
token or API key revoked or deleted, a user's role, scope or standing changed, an inspector's
grids changed. Each process keeps the holders of the credentials it has seen and forgets them
all on this notification (`gridloop.auth.credentials`).

Statement-level triggers: one notification per statement, folded into one per transaction by
PostgreSQL, sent when it commits. New tokens and keys notify nothing: they are in no one's memory.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table and the changes to it that can alter what one of its credentials stands for.
WATCHED = {
    "access_token": "UPDATE OR DELETE OR TRUNCATE",
    "api_key": "UPDATE OR DELETE OR TRUNCATE",
    "app_user": "UPDATE OR DELETE OR TRUNCATE",
    "responsibility_grid_inspector": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
}


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION notify_credentials_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('gridloop_credentials', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$
        """
    )
    for table, changes in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_credentials_changed AFTER {changes} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_changed()"
        )


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER {table}_credentials_changed ON {table}")
    op.execute("DROP FUNCTION notify_credentials_changed()")
