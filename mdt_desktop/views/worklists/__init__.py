"""Worklists beside the meeting: follow-up, the chase list, the monthly summary."""
