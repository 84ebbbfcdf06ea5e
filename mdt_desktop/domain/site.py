"""Who letters tell the reader to contact: the IBD team's name, address, telephone and e-mail.

Shipped in resources/site.toml with DEMO placeholders; a site puts its own site.toml in the user
configuration folder, whose keys replace the shipped ones. A letter built while any field still
holds its shipped placeholder says so on the page, so demo contact details are never sent
unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mdt_desktop.domain.thresholds import Problems

FIELDS = ("team", "organisation", "address", "phone", "email")
SETTINGS = ("time_zone",)  # site settings that are not contact details
DEFAULT_TIME_ZONE = "Europe/London"
MAX_ADDRESS_LINES = 6


@dataclass(frozen=True, slots=True)
class SiteContact:
    """The team a GP or referrer contacts about an MDT decision."""

    team: str = ""
    organisation: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    placeholders: tuple[str, ...] = FIELDS  # fields still holding the shipped DEMO values

    @property
    def is_demo(self) -> bool:
        """True while any field is the shipped placeholder (or nothing was configured)."""
        return bool(self.placeholders)

    def lines(self) -> tuple[str, ...]:
        """Team, organisation and address, one line each, for a letterhead."""
        return tuple(line for line in (self.team, self.organisation, *self.address) if line)


UNSET_SITE = SiteContact()  # nothing configured: every field counts as a placeholder


def parse_site(
    data: Mapping[str, Any], shipped: Mapping[str, Any], where: str, problems: Problems
) -> SiteContact:
    """Validate the merged *data*; *shipped* says which values are still the placeholders."""
    values: dict[str, Any] = {}
    for key in ("team", "organisation", "phone", "email"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.add(f"{where} [{key}]", "required: a non-empty text")
            value = ""
        values[key] = value.strip()
    address = data.get("address")
    if (
        not isinstance(address, list)
        or not 1 <= len(address) <= MAX_ADDRESS_LINES
        or not all(isinstance(line, str) and line.strip() for line in address)
    ):
        problems.add(
            f"{where} [address]", f"required: a list of 1 to {MAX_ADDRESS_LINES} non-empty lines"
        )
        address = []
    if values["email"] and "@" not in values["email"]:
        problems.add(f"{where} [email]", f"{values['email']!r} is not an e-mail address")
    unknown = sorted(set(data) - {*FIELDS, *SETTINGS, "schema"})
    if unknown:
        problems.add(where, f"unknown keys {unknown} (known: {list(FIELDS)})")
    placeholders = tuple(key for key in FIELDS if key in data and data[key] == shipped.get(key))
    return SiteContact(
        values["team"],
        values["organisation"],
        tuple(line.strip() for line in address),
        values["phone"],
        values["email"],
        placeholders,
    )


def parse_time_zone(data: Mapping[str, Any], where: str, problems: Problems) -> str:
    """The site's IANA time zone (``time_zone``), checked against the zone database.

    Timestamps are stored as the site's wall-clock time; results sent with an offset or in UTC
    are converted to it on import (docs/clinical.md, "Time").
    """
    name = data.get("time_zone", DEFAULT_TIME_ZONE)
    if not isinstance(name, str) or not name.strip():
        problems.add(f"{where} [time_zone]", "must be an IANA time zone such as Europe/London")
        return DEFAULT_TIME_ZONE
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(
            f"{where} [time_zone]",
            f"{name!r} is not a known IANA time zone (for example Europe/London)",
        )
        return DEFAULT_TIME_ZONE
    return name.strip()
