"""Staff are told at once when a patient joins, stops, comes back or erases their data.

Each notice names the patient's number (and the name staff gave at enrolment, while it exists),
never anything the patient wrote. The first notice in a chat goes out at once; notices that follow
within :data:`GATHER_WINDOW` (a bulk enrolment at the front desk) are gathered and posted as one
summary when that minute is over, so twenty patients joining cost two messages, not twenty.

Why a summary after the minute rather than editing the first message: an edit does not notify
anyone, so staff would never learn of the later ones; a new message does, once.

Posts share each staff chat's budget with the alert desk (:meth:`AlertDesk.claim_post`), keep a few
places free for alerts, and never wait: a chat that is full or answered 429 is tried again when it
has room (the desk's wake-up approach). Only event kinds, patient numbers and times are held here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.alert_desk import AlertDesk, AlertPoster
from bot.clock import Clock
from bot.content import Texts
from bot.db import PatientStore
from bot.outbox import OutgoingMessage, RetryLater, SendFailed

log = logging.getLogger(__name__)

# Notices within this time of the last one posted in a chat are gathered into one summary.
GATHER_WINDOW = timedelta(minutes=1)
# Places of each chat's per-minute budget that notices leave free for red-flag alerts.
ALERT_RESERVE = 6


class PatientEvent(StrEnum):
    JOINED = "joined"
    STOPPED = "stopped"
    RESUMED = "resumed"
    ERASED = "erased"


@dataclass
class ChatNotices:
    """One staff chat: when it last got a notice, and what waits for the next summary."""

    last_posted: datetime | None = None
    waiting: list[tuple[PatientEvent, int]] = field(default_factory=list)
    due: datetime | None = None


class StaffNotices:
    def __init__(
        self,
        db: PatientStore,
        clock: Clock,
        texts: Texts,
        desk: AlertDesk,
        poster: AlertPoster,
        recipients: Callable[[], list[int]],
        arm: Callable[[float], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._texts = texts
        self._desk = desk
        self._poster = poster
        self._recipients = recipients
        self._arm = arm
        self._chats: dict[int, ChatNotices] = {}

    async def notify(self, event: PatientEvent, patient_id: int) -> None:
        """Tell staff now, or add it to the summary of this minute. Call it after the patient's reply."""
        now = self._clock.now()
        log.info("staff notice: patient #%s %s", patient_id, event.value)
        for chat_id in self._recipients():
            chat = self._chats.setdefault(chat_id, ChatNotices())
            if not chat.waiting and (chat.last_posted is None or now - chat.last_posted >= GATHER_WINDOW):
                line = await self._line(event, patient_id)
                if await self._post(
                    chat_id, chat, self._texts.render("notices.single", markup={"line": line})
                ):
                    continue
            chat.waiting.append((event, patient_id))
            if chat.due is None:
                start = chat.last_posted or now
                chat.due = max(start + GATHER_WINDOW, now)
        self._arm_next()

    async def flush(self) -> None:
        """Post the summaries whose minute is over (the wake-up job and the safety-net tick call this)."""
        now = self._clock.now()
        for chat_id, chat in list(self._chats.items()):
            if not chat.waiting or chat.due is None or now < chat.due:
                continue
            waiting = list(chat.waiting)
            lines = [await self._line(event, patient_id) for event, patient_id in waiting]
            count = len(waiting)
            if count == 1:
                text = self._texts.render("notices.single", markup={"line": lines[0]})
            else:
                text = self._texts.render("notices.summary", count=count, markup={"lines": "\n".join(lines)})
            if await self._post(chat_id, chat, text):
                del chat.waiting[:count]
                chat.due = now + GATHER_WINDOW if chat.waiting else None
        self._arm_next()

    async def _line(self, event: PatientEvent, patient_id: int) -> str:
        """One line per event: the number, and the name staff gave while the patient's data exists."""
        patient = await self._db.patient(patient_id)
        who = (
            self._texts.render("notices.who_named", number=patient_id, name=patient.display_name)
            if patient is not None
            else self._texts.render("notices.who", number=patient_id)
        )
        return self._texts.render(f"notices.{event.value}", markup={"who": who})

    async def _post(self, chat_id: int, chat: ChatNotices, text: str) -> bool:
        """Post now if the chat has room; on no room or a 429, set when to try again and say False."""
        room = self._desk.claim_post(chat_id, ALERT_RESERVE)
        if room is not None:
            chat.due = max(chat.due or room, room)
            return False
        try:
            await self._poster(chat_id, OutgoingMessage(text), None)
        except RetryLater as exc:
            chat.due = self._desk.hold(chat_id, exc.seconds)
            log.warning("staff chat %s is at Telegram's limit; notices wait %.0f s", chat_id, exc.seconds)
            return False
        except SendFailed as exc:
            # Not worth retrying for ever: the patient card and /patients show the same facts.
            log.error("could not post a staff notice to chat %s: %s", chat_id, exc)
            chat.last_posted = self._clock.now()
            return True
        chat.last_posted = self._clock.now()
        return True

    def _arm_next(self) -> None:
        now = self._clock.now()
        dues = [chat.due for chat in self._chats.values() if chat.waiting and chat.due is not None]
        if dues:
            self._arm(max((min(dues) - now).total_seconds(), 0.0))
