"""Use cases: one session per user action, role checks and audit rows in the same transaction.

ORM rows go in, frozen domain records come out. Never imports Qt.
"""
