"""Who goes first when Telegram's limits bite: one order, for every message the bot sends.

Replies to the person who just wrote or tapped go out at once and never wait (911 answers are sent
first in their handler); staff alerts never wait either, but a staff group at its limit has them
queued by the alert desk (:mod:`bot.alert_desk`) and sent in the background; broadcasts and
reminders (the outbox) are paced and yield their place to everything above. The rate limiter
(:mod:`bot.ratelimit`) enforces this order; senders name their place with ``rate_limit_args``.
"""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """Highest first. A send without a priority is a reply."""

    EMERGENCY = "emergency"  # the 911 answer to a red flag
    REPLY = "reply"  # any other answer to someone who just wrote or tapped, aftercare after /session
    ALERT = "alert"  # staff alerts (and their updates) in the staff group
    BULK = "bulk"  # broadcasts, reminders, check-ins: paced, and first to wait

    @classmethod
    def of(cls, value: str | None) -> Priority:
        return cls(value) if value is not None and value in cls._value2member_map_ else cls.REPLY

    @property
    def waits(self) -> bool:
        """Only bulk sends ever wait for capacity; nothing else waits, not even on a 429."""
        return self is Priority.BULK
