"""Care plans: "weekly for 6 visits, then monthly", read from what staff type and turned into due dates.

A plan is an interval (days or calendar months), an optional number of visits at that interval, then
an optional maintenance interval. The grammar is forgiving on purpose (staff type it at the front
desk): ``weekly``, ``every week``, ``every 2 weeks``, ``every other week``, ``fortnightly``,
``biweekly``, ``monthly``, ``every 3 months``, ``every 10 days``, ``daily``; a count as ``x6``,
``6x``, ``6 visits``, ``for 6 visits`` or ``6 times``; then ``then <interval>``. Words are
case-insensitive; commas, "and" and "a" between them are ignored.

When is a visit due? The last session plus the interval in force: the first interval while fewer than
the plan's number of visits have happened since it was set, then the maintenance interval (none: the
plan is complete and nothing is due). With no session yet, the day the plan was set stands in.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 365
MAX_MONTHS = 12
MAX_VISITS = 52

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "other": 2,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7}
_UNIT_MONTHS = {"month": 1, "months": 1, "mo": 1, "mos": 1}
_SINGLE = {
    "daily": (1, 0),
    "weekly": (7, 0),
    "fortnightly": (14, 0),
    "biweekly": (14, 0),
    "monthly": (0, 1),
    "bimonthly": (0, 2),
    "quarterly": (0, 3),
}
_FILLER = {"and", "a", "for", "of", ","}
_COUNT = re.compile(r"^(?:x|×)(\d{1,3})$|^(\d{1,3})(?:x|×)$")


class PlanError(ValueError):
    """What staff typed is not a plan; ``reason`` names the problem (a key of the staff texts)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Interval:
    """Days or whole calendar months ("monthly" is the same date next month, not 30 days)."""

    days: int = 0
    months: int = 0

    def after(self, day: date) -> date:
        """``day`` plus the interval; a month on from Jan 31 is the last day of February."""
        if not self.months:
            return day + timedelta(days=self.days)
        index = day.month - 1 + self.months
        year, month = day.year + index // 12, index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    def describe(self) -> str:
        """How staff cards say it: "weekly", "every 2 weeks", "monthly", "every 10 days"."""
        if self.months:
            return "monthly" if self.months == 1 else f"every {self.months} months"
        if self.days % 7 == 0:
            weeks = self.days // 7
            return "weekly" if weeks == 1 else f"every {weeks} weeks"
        return "daily" if self.days == 1 else f"every {self.days} days"

    def encode(self) -> str:
        return f"{self.months}m" if self.months else f"{self.days}d"

    @classmethod
    def decode(cls, text: str) -> Interval:
        number = int(text[:-1])
        return cls(months=number) if text.endswith("m") else cls(days=number)


@dataclass(frozen=True)
class CarePlan:
    interval: Interval
    visits: int | None = None
    then: Interval | None = None

    def describe(self) -> str:
        text = self.interval.describe()
        if self.visits is not None:
            text += f" for {self.visits} visits"
        if self.then is not None:
            text += f", then {self.then.describe()}"
        return text

    def interval_after(self, sessions_since_start: int) -> Interval | None:
        """The interval in force after this many sessions under the plan; None once it is complete."""
        if self.visits is None or sessions_since_start < self.visits:
            return self.interval
        return self.then

    def due_on(self, anchor: date, sessions_since_start: int) -> date | None:
        """When the next visit is due: ``anchor`` (the last session) plus the interval in force."""
        interval = self.interval_after(sessions_since_start)
        return interval.after(anchor) if interval is not None else None


def parse_plan(text: str) -> CarePlan:
    """A plan from staff's words (see the module docstring); raises :class:`PlanError`."""
    words = [w for w in re.split(r"[\s,]+", text.lower().replace("every-", "every ")) if w]
    words = [w for w in words if w not in _FILLER]
    if not words:
        raise PlanError("plan_missing")
    if "then" in words:
        cut = words.index("then")
        head, tail = words[:cut], words[cut + 1 :]
        if not tail:
            raise PlanError("plan_then_missing")
    else:
        head, tail = words, []
    interval, visits = _interval_and_count(head)
    then = None
    if tail:
        then, extra = _interval_and_count(tail)
        if extra is not None:
            raise PlanError("plan_count_after_then")
        if visits is None:
            raise PlanError("plan_then_needs_count")
    return CarePlan(interval, visits, then)


def _interval_and_count(words: list[str]) -> tuple[Interval, int | None]:
    count: int | None = None
    rest: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        match = _COUNT.match(word)
        following = words[index + 1] if index + 1 < len(words) else ""
        if match:
            count = int(match.group(1) or match.group(2))
        elif word.isdigit() and following in {"visits", "visit", "times", "sessions", "session"}:
            count = int(word)
            index += 1
        elif word == "x" and following.isdigit():
            count = int(following)
            index += 1
        else:
            rest.append(word)
        index += 1
    if count is not None and not 1 <= count <= MAX_VISITS:
        raise PlanError("plan_bad_count")
    return _interval(rest), count


def _interval(words: list[str]) -> Interval:
    if len(words) == 1 and words[0] in _SINGLE:
        days, months = _SINGLE[words[0]]
        return Interval(days, months)
    if words and words[0] in {"every", "each", "once"}:
        words = words[1:]
        if words and words[0] == "every":  # "once every 2 weeks"
            words = words[1:]
    number = 1
    if len(words) == 2:
        first = words[0]
        if first.isdigit():
            number = int(first)
        elif first in _NUMBER_WORDS:
            number = _NUMBER_WORDS[first]
        else:
            raise PlanError("plan_unknown")
        words = words[1:]
    if len(words) != 1:
        raise PlanError("plan_unknown")
    unit = words[0]
    if unit in _UNIT_DAYS:
        days = number * _UNIT_DAYS[unit]
        if not 1 <= days <= MAX_DAYS:
            raise PlanError("plan_too_long")
        return Interval(days=days)
    if unit in _UNIT_MONTHS:
        if not 1 <= number <= MAX_MONTHS:
            raise PlanError("plan_too_long")
        return Interval(months=number)
    raise PlanError("plan_unknown")
