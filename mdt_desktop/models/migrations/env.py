"""Alembic environment. The application passes its own connection (models/db.py runs the
migrations inside one transaction with foreign keys off); the ``alembic`` command line, for
developers writing a new revision, uses ``sqlalchemy.url`` from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from mdt_desktop.models import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///dev.sqlite3")
    with engine.begin() as conn:
        context.configure(
            connection=conn, target_metadata=Base.metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()


run()
