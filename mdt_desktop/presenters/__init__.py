"""Presenters: QtCore objects between views and services (signals out, methods in, no widgets)."""
