"""Dates and times as the formats write them, checked for sense.

ISO 8601 (``2025-03-02``, ``2025-03-02T08:40:00``, with seconds, fractions or an offset) and
HL7 v2's ``YYYYMMDD[HHMM[SS[.S]]][+ZZZZ]``. A time with an offset keeps its wall-clock time
(the laboratory's local time, as printed on its report). A date in the future, or before 1900,
is refused: it is a typo or a swapped field.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

EARLIEST = datetime(1900, 1, 1)
SLACK = timedelta(days=1)  # clocks and time zones: a result "tomorrow" is still refused
HL7_TIME = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?([+-]\d{4})?$"
)


def parse_datetime(text: str, *, now: datetime | None = None) -> datetime:
    """ISO 8601 date or date-time (raises ValueError naming the problem)."""
    value = text.strip()
    if not value:
        raise ValueError("no date given")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date-time (expected e.g. 2025-03-02T08:40:00 or 2025-03-02)"
        ) from None
    return _checked(parsed.replace(tzinfo=None), value, now)


def parse_date(text: str, *, now: datetime | None = None) -> date:
    """ISO 8601 date (a date-time is cut to its date)."""
    return parse_datetime(text, now=now).date()


def parse_hl7_time(text: str, *, now: datetime | None = None) -> datetime:
    """HL7 v2 TS/DTM: ``YYYYMMDD[HHMM[SS[.S]]][+ZZZZ]``."""
    value = text.strip()
    match = HL7_TIME.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an HL7 time (expected YYYYMMDD[HHMM[SS]])")
    year, month, day, hour, minute, second, _offset = match.groups()
    try:
        parsed = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid date: {error}") from None
    return _checked(parsed, value, now)


def _checked(parsed: datetime, text: str, now: datetime | None) -> datetime:
    latest = (now or datetime.now()) + SLACK
    if parsed > latest:
        raise ValueError(f"{text!r} is in the future")
    if parsed < EARLIEST:
        raise ValueError(f"{text!r} is before 1900")
    return parsed
