"""Shared DDL used by migrations: triggers that make tables append-only or read-only."""

from __future__ import annotations

from alembic import op

from mdt_desktop.models.identity import APPLICATION_ID

__all__ = ["APPLICATION_ID", "create_append_only_triggers", "drop_append_only_triggers"]


def create_append_only_triggers(table: str) -> None:
    """Refuse UPDATE and DELETE on *table* for every client (SQLite and PostgreSQL)."""
    message = f"{table} is append-only: rows cannot be changed or deleted"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )


def drop_append_only_triggers(table: str) -> None:
    """Undo create_append_only_triggers."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
