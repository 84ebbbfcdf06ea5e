"""Dates and times as the formats write them, in the site's time zone, checked for sense.

ISO 8601 (``2025-03-02``, ``2025-03-02T08:40:00``, with seconds, fractions or an offset) and
HL7 v2's ``YYYYMMDD[HHMM[SS[.S]]][+ZZZZ]``. Times are stored as the site's wall-clock time: a
time with an offset (``Z``, ``+01:00``, ``+0000``) is converted to the site's zone first, so the
same instant sent by two feeds in two zones is one time; a time without an offset is taken as
site time already (docs/clinical.md, "Time"). A date with a time part is converted before it is
cut to its date. A time in the future, or before 1900, is refused after the conversion: it is a
typo or a swapped field.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from mdt_desktop.domain.site import DEFAULT_TIME_ZONE

EARLIEST = datetime(1900, 1, 1)
SLACK = timedelta(days=1)  # clocks and time zones: a result "tomorrow" is still refused
HL7_TIME = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?([+-]\d{4})?$"
)
MAX_OFFSET_MINUTES = 14 * 60  # UTC-12:00 to UTC+14:00 are the offsets in use


def site_zone(zone: tzinfo | None = None) -> tzinfo:
    """*zone*, or the default site zone when none is given (resources/site.toml time_zone)."""
    return zone if zone is not None else ZoneInfo(DEFAULT_TIME_ZONE)


def to_site_time(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """*moment* as the site's wall-clock time, without a zone (naive: already site time)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=None)
    return moment.astimezone(site_zone(zone)).replace(tzinfo=None)


def parse_datetime(
    text: str, *, now: datetime | None = None, zone: tzinfo | None = None
) -> datetime:
    """ISO 8601 date or date-time in site time (raises ValueError naming the problem)."""
    value = text.strip()
    if not value:
        raise ValueError("no date given")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date-time (expected e.g. 2025-03-02T08:40:00 or 2025-03-02)"
        ) from None
    try:
        local = to_site_time(parsed, zone)
    except OverflowError:
        raise ValueError(f"{value!r} is out of the range of dates") from None
    return _checked(local, value, now)


def parse_date(text: str, *, now: datetime | None = None, zone: tzinfo | None = None) -> date:
    """ISO 8601 date (a date-time is converted to site time, then cut to its date)."""
    return parse_datetime(text, now=now, zone=zone).date()


def parse_hl7_time(
    text: str, *, now: datetime | None = None, zone: tzinfo | None = None
) -> datetime:
    """HL7 v2 TS/DTM ``YYYYMMDD[HHMM[SS[.S]]][+ZZZZ]`` in site time."""
    value = text.strip()
    match = HL7_TIME.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an HL7 time (expected YYYYMMDD[HHMM[SS]])")
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        parsed = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid date: {error}") from None
    if offset is not None:
        parsed = _with_offset(parsed, offset, value, zone)
    return _checked(parsed, value, now)


def _with_offset(parsed: datetime, offset: str, text: str, zone: tzinfo | None) -> datetime:
    """*parsed* (sent with the HL7 offset ``+ZZZZ``) as site wall-clock time."""
    hours, minutes = int(offset[1:3]), int(offset[3:5])
    total = hours * 60 + minutes
    if minutes >= 60 or total > MAX_OFFSET_MINUTES:
        raise ValueError(f"{text!r}: {offset} is not a time zone offset (+HHMM, at most +1400)")
    sign = -1 if offset[0] == "-" else 1
    aware = parsed.replace(tzinfo=timezone(sign * timedelta(minutes=total)))
    try:
        return to_site_time(aware, zone)
    except OverflowError:
        raise ValueError(f"{text!r} is out of the range of dates") from None


def _checked(parsed: datetime, text: str, now: datetime | None) -> datetime:
    latest = (now or datetime.now()) + SLACK
    if parsed > latest:
        raise ValueError(f"{text!r} is in the future")
    if parsed < EARLIEST:
        raise ValueError(f"{text!r} is before 1900")
    return parsed
