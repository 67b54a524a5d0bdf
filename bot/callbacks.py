"""Every button's callback data, built and read in one place.

Callback data is ``<prefix><field>:<field>...``, at most 64 bytes (Telegram's limit). Each family of
buttons is one :class:`Callback` below; handlers read a press with :meth:`Callback.parse` (which also
checks the prefix and pads missing fields with "") and buttons are made with :meth:`Callback.data`.
Numbers in data come back through :func:`number`, which refuses anything that is not a plain id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64


@dataclass(frozen=True)
class Callback:
    prefix: str
    # How many ":"-separated fields follow the prefix; the last one keeps any further colons.
    fields: int

    @property
    def pattern(self) -> str:
        """The CallbackQueryHandler pattern for this family."""
        return rf"^{re.escape(self.prefix)}"

    def data(self, *fields: object) -> str:
        if len(fields) > self.fields:
            raise ValueError(f"{self.prefix} takes at most {self.fields} fields")
        text = self.prefix + ":".join(str(field) for field in fields)
        if len(text.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {text[:20]}...")
        return text

    def parse(self, data: str | None) -> tuple[str, ...] | None:
        """The fields of a press of this family (padded with ""), or None if it is not one."""
        if data is None or not data.startswith(self.prefix):
            return None
        parts = data.removeprefix(self.prefix).split(":", self.fields - 1)
        return (*parts, *([""] * (self.fields - len(parts))))


def number(field: str, digits: int = 12) -> int | None:
    """A field as an id: plain digits, not absurdly long; None for anything else."""
    return int(field) if field.isdigit() and len(field) <= digits else None


JOIN = Callback("join:", 1)
ALERT = Callback("alert:", 1)
CHECKIN = Callback("ci:", 2)  # outbox row id, answer key
REMINDER = Callback("rem:", 2)  # outbox row id, done / snooze / skip
SETTINGS = Callback("set:", 2)  # setting, value
OFFER = Callback("offer:", 1)
FORGET = Callback("forget:", 1)
PATIENT_LIST = Callback("pl:", 2)  # offset, search text
CARD = Callback("pc:", 3)  # patient number, action, one-time nonce
BROADCAST = Callback("bc:", 3)  # broadcast id, action, value
EMERGENCY = Callback("sos:", 2)  # alert id, the patient's answer to the 911 reply (called / mistake)
# /session: a question token or a session id, then the action (use / keep / again / no for the
# questions; fix / undo, or m:<mask> / d:<mask> with the ticked areas, on the confirmation).
SESSION = Callback("ss:", 2)
# /program: patient number, programme version, action, an exercise id or an area, a dose preset.
PROGRAMME = Callback("pg:", 5)
# Visits: the pre-visit safety check and "I need to reschedule" (visit id, item key or "reschedule"),
# and the nudge to book (outbox row id, booked / later / stop).
VISIT = Callback("vs:", 2)
NUDGE = Callback("vn:", 2)
