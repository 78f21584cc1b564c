"""services/orders_tab/dates.py: a date in the store's zone and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from services.orders_tab.dates import in_zone

WINTER = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)


def test_a_date_in_the_stores_zone_and_in_utc() -> None:
    assert in_zone(WINTER, "Europe/Berlin") == ("Jan 16, 2026 00:30 CET", "Jan 15, 2026 23:30 UTC")
    assert in_zone(WINTER, "America/New_York") == ("Jan 15, 2026 18:30 EST", "Jan 15, 2026 23:30 UTC")


def test_no_zone_or_one_this_machine_lacks_is_utc() -> None:
    assert in_zone(WINTER, None) == ("Jan 15, 2026 23:30 UTC", "Jan 15, 2026 23:30 UTC")
    assert in_zone(WINTER, "Mars/Olympus_Mons")[0] == "Jan 15, 2026 23:30 UTC"


def test_a_naive_date_is_utc() -> None:
    assert in_zone(WINTER.replace(tzinfo=None), "Asia/Tokyo") == ("Jan 16, 2026 08:30 JST", "Jan 15, 2026 23:30 UTC")
