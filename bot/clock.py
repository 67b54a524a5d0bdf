"""Time as a dependency: production reads the system clock, tests move a fake one by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class VirtualClock:
    """Time that moves only when told to: for tests and the demo (``python -m bot demo``)."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)

    def set(self, moment: datetime) -> None:
        self.current = moment


def to_db(moment: datetime) -> str:
    """One text form for every stored time: UTC, to the second, so that strings sort like times."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    # The same text as strftime("%Y-%m-%dT%H:%M:%SZ"), in a third of the time (planning writes many).
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def from_db(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
