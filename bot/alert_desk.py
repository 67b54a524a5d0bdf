"""Staff alerts, grouped and paced, so that one patient can neither flood the staff chat nor stall the bot.

An alert is recorded in the database first (``/alerts`` always shows it). The staff message about it is
then posted by :meth:`AlertDesk.flush`, which never waits: a staff chat that answered 429, or that had
its share of messages this minute, is skipped and the desk asks to be woken when it can post again.
Alerts for the same patient and the same red-flag rule within :data:`GROUP_WINDOW` are one alert and
one staff message, updated with the number of messages since. Only ids, counts and times are kept here,
never what the patient wrote. Notes about an alert (the patient's button under a 911 reply) are posted
the same way, paced with the alerts.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import AlertStore, Patient, PatientStore
from bot.outbox import OutgoingMessage, RetryLater, SendFailed

log = logging.getLogger(__name__)

# At most one new staff message per patient and red-flag rule in this window; later ones update it.
GROUP_WINDOW = timedelta(minutes=10)
# Telegram allows about 20 messages a minute in one group (edits count too); the desk keeps under it.
CHAT_POSTS_PER_MINUTE = 18
# A group's count is refreshed at most this often, so a stream of messages costs a few edits, not one each.
COUNT_REFRESH = timedelta(seconds=15)


class AlertPoster(Protocol):
    async def __call__(self, chat_id: int, message: OutgoingMessage, message_id: int | None) -> int:
        """Post (``message_id`` None) or update a staff message; return its id.

        Raises RetryLater when the chat is at Telegram's limit, SendFailed when it cannot be posted.
        """
        ...


# (alert id, patient, urgency, category, first at, further messages, last at) -> the staff message
Composer = Callable[[int, Patient, str, str, datetime, int, datetime], OutgoingMessage]


@dataclass
class AlertGroup:
    """One staff message: the first alert for a patient and rule, and how many messages followed."""

    alert_id: int
    patient_id: int
    urgency: str
    category: str
    rule: str
    started_at: datetime
    last_at: datetime
    repeats: int = 0
    posted: dict[int, int] = field(default_factory=dict)  # staff chat -> message id
    shown: dict[int, int] = field(default_factory=dict)  # staff chat -> repeats shown there
    shown_at: dict[int, datetime] = field(default_factory=dict)
    given_up: set[int] = field(default_factory=set)  # chats where posting failed for good

    @property
    def rank(self) -> tuple[bool, datetime]:
        """Emergencies first, then oldest first."""
        return (self.urgency != "emergency", self.started_at)


class AlertDeskStore(AlertStore, PatientStore, Protocol):
    """What the alert desk needs from storage: alerts, where they were posted, and who they are about."""


class AlertDesk:
    def __init__(
        self,
        db: AlertDeskStore,
        clock: Clock,
        poster: AlertPoster,
        compose: Composer,
        recipients: Callable[[], list[int]],
        arm: Callable[[float], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._poster = poster
        self._compose = compose
        self._recipients = recipients
        self._arm = arm
        self._groups: dict[int, AlertGroup] = {}  # by alert id
        self._held_until: dict[int, datetime] = {}
        self._posts: dict[int, deque[datetime]] = {}
        self._flushing = False
        self._again = False
        self._notes: list[tuple[OutgoingMessage, set[int]]] = []  # a note, and the chats still to get it

    async def report(self, patient: Patient, urgency: str, category: str, rule: str) -> int:
        """Record a red flag for staff and post or update their message if the chat has room now.

        Returns the id of the alert it counts towards (a new one, or the open one it was grouped with).
        """
        alert_id = await self.record(patient, urgency, category, rule)
        await self.flush()
        return alert_id

    async def record(self, patient: Patient, urgency: str, category: str, rule: str) -> int:
        """Record a red flag (or count it towards its open group) without posting yet: a 911 reply
        needs the alert's id for its buttons and goes out before the staff message; call flush() after."""
        now = self._clock.now()
        group = next(
            (
                g
                for g in self._groups.values()
                if g.patient_id == patient.id and g.rule == rule and now - g.started_at < GROUP_WINDOW
            ),
            None,
        )
        if group is not None:
            group.repeats += 1
            group.last_at = now
            log.info(
                "alert %s: patient #%s again (%s), %s since", group.alert_id, patient.id, rule, group.repeats
            )
        else:
            alert_id = await self._db.create_alert(now, patient.id, urgency, category, rule)
            log.info("alert %s: patient #%s %s (%s)", alert_id, patient.id, urgency, rule)
            group = AlertGroup(alert_id, patient.id, urgency, category, rule, now, now)
            self._groups[alert_id] = group
        return group.alert_id

    def handled(self, alert_id: int) -> None:
        """Staff took the alert, or the patient answered the 911 reply's buttons: a later red flag from
        the patient is news again, in a new message (with new buttons for the patient)."""
        self._groups.pop(alert_id, None)

    async def note(self, message: OutgoingMessage) -> None:
        """Tell every staff chat something about an alert, as a new message, paced like the alerts."""
        self._notes.append((message, set(self._recipients())))
        await self.flush()

    async def flush(self) -> None:
        """Post what is waiting, new alerts before count updates, in priority order; never wait.

        One flush at a time: a call while one runs makes the running one look again when it is done.
        """
        if self._flushing:
            self._again = True
            return
        self._flushing = True
        try:
            self._again = True
            while self._again:
                self._again = False
                await self._flush_once()
        finally:
            self._flushing = False

    async def _flush_once(self) -> None:
        now = self._clock.now()
        chats = self._recipients()
        groups = sorted(self._groups.values(), key=lambda g: g.rank)
        for group in groups:
            for chat_id in chats:
                if (
                    chat_id not in group.posted
                    and chat_id not in group.given_up
                    and self._has_room(chat_id, now)
                ):
                    await self._post(group, chat_id, now)
        for message, waiting in self._notes:
            for chat_id in sorted(waiting):
                if self._has_room(chat_id, now):
                    await self._post_note(message, waiting, chat_id, now)
        self._notes = [(message, waiting) for message, waiting in self._notes if waiting]
        for group in groups:
            for chat_id, message_id in list(group.posted.items()):
                behind = group.shown.get(chat_id, 0) < group.repeats
                due = now >= group.shown_at.get(chat_id, now) + COUNT_REFRESH
                if behind and due and self._has_room(chat_id, now):
                    await self._post(group, chat_id, now, message_id)
        self._forget_finished(now)
        wake = self._next_wake(now)
        if wake is not None:
            self._arm(max((wake - now).total_seconds(), 0.0))

    async def _post(
        self,
        group: AlertGroup,
        chat_id: int,
        now: datetime,
        message_id: int | None = None,
    ) -> None:
        patient = await self._db.patient(group.patient_id)
        alert = await self._db.alert(group.alert_id)
        if patient is None or alert is None or alert.handled_by is not None:
            self._groups.pop(group.alert_id, None)  # erased, or taken by staff meanwhile (/alerts)
            return
        repeats = group.repeats
        message = self._compose(
            group.alert_id, patient, group.urgency, group.category, group.started_at, repeats, group.last_at
        )
        self._posts.setdefault(chat_id, deque()).append(now)
        try:
            posted_id = await self._poster(chat_id, message, message_id)
        except RetryLater as exc:
            until = now + timedelta(seconds=max(exc.seconds, 1.0))
            self._held_until[chat_id] = max(until, self._held_until.get(chat_id, until))
            log.warning("staff chat %s is at Telegram's limit; alerts wait %.0f s", chat_id, exc.seconds)
            return
        except SendFailed as exc:
            # The alert stays open in the database for /alerts to show.
            log.error("could not deliver alert %s to chat %s: %s", group.alert_id, chat_id, exc)
            if message_id is None:
                group.given_up.add(chat_id)
            else:
                group.shown[chat_id] = repeats  # the message can no longer be edited; stop trying
            return
        if message_id is None:
            # Remembered, so that every copy is closed if the patient's data is erased.
            await self._db.add_alert_message(group.alert_id, chat_id, posted_id)
        group.posted[chat_id] = posted_id
        group.shown[chat_id] = repeats
        group.shown_at[chat_id] = now

    async def _post_note(
        self, message: OutgoingMessage, chats: set[int], chat_id: int, now: datetime
    ) -> None:
        self._posts.setdefault(chat_id, deque()).append(now)
        try:
            await self._poster(chat_id, message, None)
        except RetryLater as exc:
            until = now + timedelta(seconds=max(exc.seconds, 1.0))
            self._held_until[chat_id] = max(until, self._held_until.get(chat_id, until))
            return
        except SendFailed as exc:
            log.error("could not deliver a note about an alert to chat %s: %s", chat_id, exc)
        chats.discard(chat_id)

    def _has_room(self, chat_id: int, now: datetime, reserve: int = 0) -> bool:
        held = self._held_until.get(chat_id)
        if held is not None and now < held:
            return False
        posts = self._posts.setdefault(chat_id, deque())
        while posts and now - posts[0] >= timedelta(minutes=1):
            posts.popleft()
        return len(posts) < CHAT_POSTS_PER_MINUTE - reserve

    def _room_at(self, chat_id: int, now: datetime, reserve: int = 0) -> datetime:
        at = max(now, self._held_until.get(chat_id, now))
        posts = self._posts.get(chat_id)
        limit = CHAT_POSTS_PER_MINUTE - reserve
        if posts and len(posts) >= limit:
            at = max(at, posts[-limit] + timedelta(minutes=1))
        return at

    def next_wake(self) -> datetime | None:
        """When :meth:`flush` next has something to post (what its wake-up job is armed for)."""
        return self._next_wake(self._clock.now())

    # Other staff posts (the notices of bot.staff_notices) share each chat's budget with alerts, and
    # leave a few places of it free, so that a burst of notices never delays an alert.

    def claim_post(self, chat_id: int, reserve: int) -> datetime | None:
        """Count one post to the chat now and return None, or say when there will be room for it."""
        now = self._clock.now()
        if not self._has_room(chat_id, now, reserve):
            return self._room_at(chat_id, now, reserve)
        self._posts.setdefault(chat_id, deque()).append(now)
        return None

    def hold(self, chat_id: int, seconds: float) -> datetime:
        """Telegram said 429 for this chat: nothing more is posted there for ``seconds``."""
        until = self._clock.now() + timedelta(seconds=max(seconds, 1.0))
        self._held_until[chat_id] = max(until, self._held_until.get(chat_id, until))
        return self._held_until[chat_id]

    def _next_wake(self, now: datetime) -> datetime | None:
        """The earliest moment some waiting post could go out, if anything is waiting."""
        wake: datetime | None = None
        for _, waiting in self._notes:
            for chat_id in waiting:
                at = self._room_at(chat_id, now)
                wake = at if wake is None else min(wake, at)
        for group in self._groups.values():
            for chat_id in self._recipients():
                if chat_id in group.given_up:
                    continue
                if chat_id not in group.posted:
                    at = self._room_at(chat_id, now)
                elif group.shown.get(chat_id, 0) < group.repeats:
                    at = max(self._room_at(chat_id, now), group.shown_at.get(chat_id, now) + COUNT_REFRESH)
                else:
                    continue
                wake = at if wake is None else min(wake, at)
        return wake

    def _forget_finished(self, now: datetime) -> None:
        """Groups whose window is over and whose message is up to date need no more memory."""
        chats = self._recipients()
        for alert_id, group in list(self._groups.items()):
            done = all(
                chat_id in group.given_up or group.shown.get(chat_id, -1) >= group.repeats
                for chat_id in chats
            )
            if done and now - group.started_at >= GROUP_WINDOW:
                del self._groups[alert_id]
