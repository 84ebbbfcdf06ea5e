"""What every factory shares: adding a row, unique values, the fixed clock."""

from itertools import count
from typing import TypeVar

from sqlalchemy.orm import Session

from tests.factories.inserts import NOW

__all__ = ["NOW", "add", "next_number"]

Row = TypeVar("Row")
_numbers = count(1)


def next_number() -> int:
    """A number no other factory call in this test run has had (for unique columns)."""
    return next(_numbers)


def add(session: Session, row: Row) -> Row:
    """Add *row*, flush so its id and defaults are set, and return it."""
    session.add(row)
    session.flush()
    return row
