"""Every kind of queued message, named once.

An outbox row's ``kind`` says how it is rendered (bot/renderers.py) and how staff and /mydata label
it (``staff.kind_<name>`` in the texts). Code compares and stores these members, never the bare words.
The recurring reminders (posture, exercise) are each declared once, in bot/reminder_kinds.py.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    AFTERCARE = "aftercare"
    CHECKIN = "checkin"
    POSTURE = "posture"
    EXERCISE = "exercise"
    BROADCAST = "broadcast"
    # Visits (bot/visits.py): the booking confirmation, the day-before reminder, the nudge to rebook.
    VISIT_CONFIRM = "visit_confirm"
    VISIT_REMINDER = "visit_reminder"
    VISIT_NUDGE = "visit_nudge"
