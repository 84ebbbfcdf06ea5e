"""Presenters of the preparation screens: carrying cases over to the next meeting."""
