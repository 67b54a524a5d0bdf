"""Quiet hours and local dates at their edges, beyond what tests/test_localtime.py covers.

Its boundaries (the first and last quiet minute), windows that don't wrap midnight, London, and the
nights the clocks change, where the end of quiet hours may not exist or may happen twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.localtime import hhmm, local_date, outside_quiet_hours, parse_hhmm, quiet_until
from tests.support.zones import LONDON, LOS_ANGELES, SYDNEY, ZONE_IDS, ZONES, local, utc

zones = pytest.mark.parametrize("zone", ZONES, ids=ZONE_IDS)
NIGHT = (time(21), time(8))


@zones
def test_quiet_hours_start_on_their_first_minute_and_end_on_their_last(zone: ZoneInfo) -> None:
    morning = local(zone, 2026, 6, 11, 8)
    assert quiet_until(local(zone, 2026, 6, 10, 20, 59), zone, *NIGHT) is None
    assert quiet_until(local(zone, 2026, 6, 10, 21), zone, *NIGHT) == morning
    assert quiet_until(local(zone, 2026, 6, 11, 7, 59), zone, *NIGHT) == morning
    assert quiet_until(morning, zone, *NIGHT) is None


@zones
def test_quiet_hours_inside_one_day(zone: ZoneInfo) -> None:
    """A nap from 13:00 to 15:00 ends the same afternoon, not the next day."""
    nap = (time(13), time(15))
    assert quiet_until(local(zone, 2026, 6, 10, 14), zone, *nap) == local(zone, 2026, 6, 10, 15)
    assert quiet_until(local(zone, 2026, 6, 10, 12), zone, *nap) is None
    assert quiet_until(local(zone, 2026, 6, 10, 22), zone, *nap) is None


@zones
def test_a_window_that_starts_where_it_ends_is_never_quiet(zone: ZoneInfo) -> None:
    for hour in range(24):
        assert quiet_until(local(zone, 2026, 6, 10, hour), zone, time(9), time(9)) is None


@pytest.mark.parametrize(
    ("zone", "night_of"),
    [
        (LOS_ANGELES, date(2026, 3, 7)),
        (LOS_ANGELES, date(2026, 10, 31)),
        (LONDON, date(2026, 3, 28)),
        (LONDON, date(2026, 10, 24)),
        (SYDNEY, date(2026, 4, 4)),
        (SYDNEY, date(2026, 10, 3)),
    ],
)
def test_every_moment_of_a_night_the_clocks_change_waits_until_eight_local(
    zone: ZoneInfo, night_of: date
) -> None:
    start = local(zone, night_of.year, night_of.month, night_of.day, 21)
    after = night_of + timedelta(days=1)
    morning = local(zone, after.year, after.month, after.day, 8)
    assert morning.astimezone(zone).time() == time(8)
    moment = start
    while moment < morning:
        assert quiet_until(moment, zone, *NIGHT) == morning, moment.astimezone(zone)
        moment += timedelta(minutes=10)
    assert quiet_until(morning, zone, *NIGHT) is None


def test_quiet_hours_that_end_in_the_skipped_hour_end_when_the_clock_jumps() -> None:
    """02:30 never happens in Los Angeles on 8 March 2026; quiet hours end at 03:30 PDT instead."""
    ends = quiet_until(local(LOS_ANGELES, 2026, 3, 7, 23), LOS_ANGELES, time(22), time(2, 30))
    assert ends == utc(2026, 3, 8, 10, 30)
    assert ends is not None and ends.astimezone(LOS_ANGELES).time() == time(3, 30)


@pytest.mark.parametrize(
    ("zone", "quiet_end", "moment"),
    [
        # 01:15 PST, the second 01:15 of 1 November in Los Angeles (the first 01:30 was 45 minutes ago).
        (LOS_ANGELES, time(1, 30), utc(2026, 11, 1, 9, 15)),
        # 01:15 GMT, the second 01:15 of 25 October in London.
        (LONDON, time(1, 30), utc(2026, 10, 25, 1, 15)),
        # 02:15 AEST, the second 02:15 of 5 April in Sydney.
        (SYDNEY, time(2, 30), utc(2026, 4, 4, 16, 15)),
    ],
    ids=ZONE_IDS,
)
def test_quiet_hours_never_end_before_the_moment_asked_about(
    zone: ZoneInfo, quiet_end: time, moment: datetime
) -> None:
    ends = quiet_until(moment, zone, time(22), quiet_end)
    assert ends is not None and ends > moment


@zones
def test_outside_quiet_hours_moves_only_what_is_quiet(zone: ZoneInfo) -> None:
    noon, late = local(zone, 2026, 6, 10, 12), local(zone, 2026, 6, 10, 23)
    assert outside_quiet_hours(noon, zone, *NIGHT) == noon
    assert outside_quiet_hours(late, zone, *NIGHT) == local(zone, 2026, 6, 11, 8)


def test_the_local_date_is_the_patients_own() -> None:
    moment = utc(2026, 6, 10, 23, 30)
    assert [local_date(moment, zone) for zone in ZONES] == [
        date(2026, 6, 10),
        date(2026, 6, 11),
        date(2026, 6, 11),
    ]
    # Just after London's clocks go back, it is still 25 October there and already 26th in Sydney.
    assert local_date(utc(2026, 10, 25, 1, 30), LONDON) == date(2026, 10, 25)


@pytest.mark.parametrize("text", ["00:00", "07:05", "12:30", "23:59"])
def test_a_time_of_day_reads_back_as_written(text: str) -> None:
    assert hhmm(parse_hhmm(text)) == text
    assert hhmm(parse_hhmm(f"  {text}\n")) == text
