"""Preparing and closing a meeting.

Planning, candidates, attendance, the roster, sign-off and carry-over.
"""
