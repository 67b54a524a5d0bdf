"""Local time for patients: quiet hours, work-hour slots and daily times, across DST in both hemispheres."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.content.reminders import ReminderContent
from bot.db import Prefs
from bot.localtime import at_local, in_window, outside_quiet_hours, parse_hhmm, quiet_until, slots_between
from bot.reminders import Grace, plan_reminders

LA = ZoneInfo("America/Los_Angeles")
SYDNEY = ZoneInfo("Australia/Sydney")
CONTENT = ReminderContent.load()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_parse_hhmm() -> None:
    assert parse_hhmm("09:05") == time(9, 5)
    for bad in ["9:05", "24:00", "12:60", "noon", ""]:
        with pytest.raises(ValueError, match="not a time"):
            parse_hhmm(bad)


def test_windows_wrap_midnight() -> None:
    assert in_window(time(22), time(21), time(8)) and in_window(time(3), time(21), time(8))
    assert not in_window(time(8), time(21), time(8)) and not in_window(time(12), time(21), time(8))
    assert in_window(time(9), time(9), time(17)) and not in_window(time(17), time(9), time(17))
    assert not in_window(time(9), time(9), time(9))


def test_quiet_hours_move_to_the_next_morning() -> None:
    # 22:30 in Los Angeles on 2 March (PST, UTC-8) -> 08:00 on 3 March.
    assert quiet_until(utc(2026, 3, 3, 6, 30), LA, time(21), time(8)) == utc(2026, 3, 3, 16, 0)
    # 03:00 -> 08:00 the same day.
    assert quiet_until(utc(2026, 3, 3, 11, 0), LA, time(21), time(8)) == utc(2026, 3, 3, 16, 0)
    # Outside quiet hours: unchanged.
    assert outside_quiet_hours(utc(2026, 3, 3, 17, 0), LA, time(21), time(8)) == utc(2026, 3, 3, 17, 0)


def test_slots_between() -> None:
    assert slots_between(time(9), time(17), 90) == [
        time(10, 30),
        time(12),
        time(13, 30),
        time(15),
        time(16, 30),
    ]
    assert slots_between(time(9), time(10), 90) == []


@pytest.mark.parametrize(
    ("zone", "before", "after", "expected_utc_hours"),
    [
        # Los Angeles springs forward on 8 March 2026 and falls back on 1 November 2026.
        (LA, date(2026, 3, 7), date(2026, 3, 9), (17, 16)),
        (LA, date(2026, 10, 31), date(2026, 11, 2), (16, 17)),
        # Sydney falls back on 5 April 2026 and springs forward on 4 October 2026.
        (SYDNEY, date(2026, 4, 4), date(2026, 4, 6), (22, 23)),
        (SYDNEY, date(2026, 10, 3), date(2026, 10, 5), (23, 22)),
    ],
)
def test_nine_am_stays_nine_am_across_dst(
    zone: ZoneInfo, before: date, after: date, expected_utc_hours: tuple[int, int]
) -> None:
    first, second = at_local(before, time(9), zone), at_local(after, time(9), zone)
    assert (first.hour, second.hour) == expected_utc_hours
    assert first.astimezone(zone).time() == second.astimezone(zone).time() == time(9)


def test_times_in_the_spring_gap_and_autumn_overlap() -> None:
    # 02:30 does not exist on 8 March in Los Angeles: it means 03:30 PDT.
    assert at_local(date(2026, 3, 8), time(2, 30), LA).astimezone(LA).time() == time(3, 30)
    # 01:30 happens twice on 1 November: the first one (PDT) is used.
    assert at_local(date(2026, 11, 1), time(1, 30), LA) == utc(2026, 11, 1, 8, 30)


def plan_days(prefs: Prefs, start: datetime, days: int) -> list[tuple[str, datetime]]:
    """Plan day by day, the way the running bot does, and keep each key once (as the outbox does)."""
    seen: dict[str, datetime] = {}
    for offset in range(days):
        for send in plan_reminders(CONTENT, 1, prefs, start + timedelta(days=offset), Grace()):
            seen.setdefault(send.key, send.due_at)
    return sorted(seen.items(), key=lambda kv: kv[1])


@pytest.mark.parametrize(
    ("zone_name", "start", "wall"),
    [
        ("America/Los_Angeles", utc(2026, 10, 30, 12), time(1, 30)),  # autumn: 01:30 happens twice
        ("America/Los_Angeles", utc(2026, 3, 6, 12), time(2, 30)),  # spring: 02:30 never happens
        ("Australia/Sydney", utc(2026, 4, 2, 12), time(2, 30)),  # southern autumn
        ("Australia/Sydney", utc(2026, 10, 1, 12), time(2, 30)),  # southern spring
    ],
)
def test_daily_exercise_goes_out_once_per_local_day_through_dst(
    zone_name: str, start: datetime, wall: time
) -> None:
    prefs = Prefs(
        timezone=zone_name, exercise_on=True, exercise_time=wall, quiet_start=time(23), quiet_end=time(0)
    )
    planned = plan_days(prefs, start, 6)
    zone = ZoneInfo(zone_name)
    local_days = [due.astimezone(zone).date() for _, due in planned]
    assert len(planned) == len(set(local_days)) >= 6  # one a local day, no day twice
    assert all(key.startswith("exercise:1:") for key, _ in planned)


def test_posture_only_on_weekdays_in_work_hours_and_never_paused() -> None:
    monday_morning = utc(2026, 3, 2, 15)  # 07:00 in Los Angeles
    prefs = Prefs(timezone="America/Los_Angeles", posture_on=True)
    planned = plan_days(prefs, monday_morning, 7)
    local = [due.astimezone(LA) for _, due in planned]
    assert len(local) == 6 * 5  # Monday to Friday, and the next Monday (planned a day ahead)
    assert all(t.weekday() < 5 and time(10, 30) <= t.time() <= time(16, 30) for t in local)
    paused = Prefs(
        timezone="America/Los_Angeles", posture_on=True, paused_until=monday_morning + timedelta(days=3)
    )
    assert all(due >= paused.paused_until for _, due in plan_days(paused, monday_morning, 7))  # type: ignore[operator]


def test_each_posture_slot_gets_a_different_tip() -> None:
    prefs = Prefs(timezone="America/Los_Angeles", posture_on=True)
    sends = plan_reminders(CONTENT, 1, prefs, utc(2026, 3, 2, 15), Grace(), days=1)
    tips = [send.payload["tip"] for send in sends]
    assert len(tips) == 5 and len(set(tips)) == 5
