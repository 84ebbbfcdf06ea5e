"""Marks that identify an MDT Desktop database (no Alembic import: used at every start)."""

APPLICATION_ID = 0x4D445444  # "MDTD" in SQLite's header (PRAGMA application_id)
