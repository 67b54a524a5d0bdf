"""What the unit tests share: the time zones they run in, and a UTC moment in one short call."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")
# One zone on each side of UTC plus the southern hemisphere, each with its own DST dates.
ZONES = [LOS_ANGELES, SYDNEY, LONDON]
ZONE_IDS = ["los_angeles", "sydney", "london"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in ``zone`` (the first one, if the clocks repeat it), as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)
