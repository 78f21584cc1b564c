"""Dates as the page shows them: in the store's time zone, with UTC beside (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMAT = "%b %d, %Y %H:%M"


@cache
def zone(name: str | None) -> ZoneInfo:
    """The zone of that IANA name; UTC for none, or for a name this machine's tzdata lacks (the
    store events' zones were checked where they were set)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_zone(value: datetime, time_zone: str | None) -> tuple[str, str]:
    """(``value`` in the zone with its abbreviation, ``value`` in UTC), e.g.
    ("Dec 05, 2026 14:03 CET", "Dec 05, 2026 13:03 UTC"). A naive ``value`` is UTC."""
    at = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = at.astimezone(zone(time_zone))
    return f"{local.strftime(FORMAT)} {local.strftime('%Z')}", f"{at.astimezone(UTC).strftime(FORMAT)} UTC"
