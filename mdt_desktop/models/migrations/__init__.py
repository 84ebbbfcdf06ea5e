"""Alembic migrations of the MDT Desktop schema (batch mode for SQLite)."""
