"""Pieces every screen shares: plain text, focus, dates, palette, tables, settings."""
