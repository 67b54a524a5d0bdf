"""Flood protection: someone sending too many messages a minute is paused for a while.

Counted per Telegram user on the injected clock. The first message over the limit gets one polite
notice; the rest during the pause get nothing, except that red-flag checks still run on them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock

WINDOW = timedelta(minutes=1)


class Verdict(Enum):
    ALLOW = "allow"
    NOTICE = "notice"  # just went over the limit: say so once
    IGNORE = "ignore"  # paused: only safety replies


@dataclass
class FloodGuard:
    clock: Clock
    max_per_minute: int
    pause: timedelta
    _seen: dict[int, deque[datetime]] = field(default_factory=dict)
    _paused_until: dict[int, datetime] = field(default_factory=dict)

    def check(self, user_id: int) -> Verdict:
        now = self.clock.now()
        paused = self._paused_until.get(user_id)
        if paused is not None:
            if now < paused:
                return Verdict.IGNORE
            del self._paused_until[user_id]
            self._seen.pop(user_id, None)
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        seen.append(now)
        if len(seen) > self.max_per_minute:
            self._paused_until[user_id] = now + self.pause
            return Verdict.NOTICE
        if len(self._seen) > 10_000:  # forget quiet users, so memory stays bounded
            for quiet in [u for u, times in self._seen.items() if not times or now - times[-1] >= WINDOW]:
                del self._seen[quiet]
        return Verdict.ALLOW
