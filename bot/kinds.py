"""Every kind of queued message, named once.

An outbox row's ``kind`` says how it is rendered (bot/renderers.py), how late it may still go out
(:class:`bot.reminders.Grace`), how staff and /mydata label it (``staff.kind_<name>`` in the texts)
and, for the recurring reminders, which settings and content table belong to it. Code compares and
stores these members, never the bare words, so a new kind starts here.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    AFTERCARE = "aftercare"
    CHECKIN = "checkin"
    POSTURE = "posture"
    EXERCISE = "exercise"
    BROADCAST = "broadcast"


# The recurring reminders a patient switches on in /settings; each has a content table of the same
# name, a grace period and a line in /mydata.
REMINDER_KINDS = frozenset({Kind.POSTURE, Kind.EXERCISE})
