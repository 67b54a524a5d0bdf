"""Broadcasts: one announcement to many patients, through the durable outbox.

A broadcast is a draft until staff confirm it; confirming turns it into one outbox row per recipient
under the key ``broadcast:{id}:{patient}``, in one transaction, so a double tap queues nothing twice
and a restart in the middle continues where it stopped without sending anyone a second copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.localtime import at_local

MAX_TEXT = 4000  # Telegram allows 4,096 characters; the rest is the clinic's signature
AUDIENCES: tuple[int | None, ...] = (None, 7, 30, 90)  # None = all active patients
MAX_SCHEDULE_AHEAD = timedelta(days=90)
# An announcement that could not go out within a day (say, "closed today") is dropped, not sent late.
USEFUL_FOR = timedelta(hours=24)
MORNING = time(9, 0)
_TYPED_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class TextCheck:
    text: str
    problem: str | None = None  # "empty" or "too_long"


def check_text(raw: str) -> TextCheck:
    """Staff's announcement as typed; it is shown literally (HTML-escaped when sent)."""
    text = raw.strip()
    if not text:
        return TextCheck(text, "empty")
    if len(text) > MAX_TEXT:
        return TextCheck(text, "too_long")
    return TextCheck(text)


def when_choices(now: datetime, zone: ZoneInfo) -> dict[str, datetime | None]:
    """The send-time buttons: now, in an hour, tomorrow 9 AM, next Monday 9 AM (clinic time)."""
    today = now.astimezone(zone).date()
    days_to_monday = (7 - today.weekday()) % 7 or 7
    return {
        "now": None,
        "hour": now + timedelta(hours=1),
        "tomorrow": at_local(today + timedelta(days=1), MORNING, zone),
        "monday": at_local(today + timedelta(days=days_to_monday), MORNING, zone),
    }


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """A typed ``YYYY-MM-DD HH:MM`` in clinic time, if it is in the future and within 90 days."""
    match = _TYPED_WHEN.match(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        return None
    if not now < moment <= now + MAX_SCHEDULE_AHEAD:
        return None
    return moment.astimezone(now.tzinfo)
