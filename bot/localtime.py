"""Patients' local time: quiet hours, work hours and daily times, correct across DST changes.

Everything is computed from a local date and a wall-clock time in the patient's IANA zone and only
then turned into UTC, so "9:00" stays 9:00 local when the clocks change, and a daily send keyed by
its local date happens once per local day, also on the autumn day that repeats an hour.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time:
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"not a time of day: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def at_local(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a wall-clock time on a local date.

    On the spring change a time that does not exist (2:30 in Los Angeles) means the same time
    one hour later; on the autumn change a time that happens twice means the first of them.
    """
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def in_window(wall: time, start: time, end: time) -> bool:
    """Whether a wall time falls in [start, end), where the window may wrap past midnight."""
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def quiet_until(moment: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time) -> datetime | None:
    """If ``moment`` is inside the patient's quiet hours, when they end (UTC); otherwise None."""
    local = moment.astimezone(zone)
    if not in_window(local.time().replace(tzinfo=None), quiet_start, quiet_end):
        return None
    end_day = local.date()
    if local.time().replace(tzinfo=None) >= quiet_end:
        end_day += timedelta(days=1)
    end = at_local(end_day, quiet_end, zone)
    if end <= moment:
        # The autumn change repeats an hour: inside its second pass the first occurrence of the end
        # has gone by, so the quiet hours end at the second one (never at a moment already past).
        end = datetime.combine(end_day, quiet_end, tzinfo=zone).replace(fold=1).astimezone(UTC)
    return end if end > moment else None


def outside_quiet_hours(moment: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time) -> datetime:
    """``moment``, or the end of the quiet hours it falls in."""
    return quiet_until(moment, zone, quiet_start, quiet_end) or moment


def slots_between(start: time, end: time, every_minutes: int) -> list[time]:
    """Wall times after ``start``, every ``every_minutes``, up to and including ``end``."""
    slots: list[time] = []
    minutes = start.hour * 60 + start.minute + every_minutes
    last = end.hour * 60 + end.minute
    while minutes <= last:
        slots.append(time(minutes // 60, minutes % 60))
        minutes += every_minutes
    return slots


def clock_time(value: time) -> str:
    """9:00 AM style, as patients in the US read times."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def window_text(start: time, end: time) -> str:
    return f"{clock_time(start)}–{clock_time(end)}"
