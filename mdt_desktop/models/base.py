"""Declarative base shared by all tables, with named constraints for Alembic batch mode."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {  # named constraints keep Alembic batch migrations on SQLite predictable
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Parent of every mapped class; owns the shared MetaData."""

    metadata = MetaData(naming_convention=NAMING)


def one_of(
    column: str,
    values: Iterable[str] | type[StrEnum],
    *,
    nullable: bool = False,
    name: str | None = None,
) -> CheckConstraint:
    """Return a named CHECK that *column* holds one of *values* (an enum's values)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({allowed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=name or f"{column}_valid")
