"""Delivery of queued messages: the outbox table is the promise, this module keeps it.

A row is marked sent only after Telegram accepted the message, so a crash in between can at worst
repeat that one message and never lose it. The job queue only wakes :meth:`Dispatcher.deliver_due`;
what is due always comes from the database, so a restart rebuilds everything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import OutboxItem, OutboxStore, Patient, PatientStore, PrefsStore
from bot.messages import Button as Button  # re-exported: handlers build messages from here
from bot.messages import OutgoingMessage as OutgoingMessage
from bot.priority import Priority
from bot.reminders import Decision, gate

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
# Telegram allows about one message a second to one chat.
PER_CHAT_SPACING = timedelta(seconds=1)


class RecipientGone(Exception):
    """The patient blocked the bot or the chat no longer exists: stop messaging them."""


class RetryLater(Exception):
    """Telegram asked us to slow down; try again after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class SendFailed(Exception):
    """Any other failure to send; retried with backoff up to a cap."""


class Sender(Protocol):
    async def __call__(
        self, chat_id: int, message: OutgoingMessage, priority: Priority = Priority.BULK
    ) -> None:
        """Send one message; raise RecipientGone, RetryLater or SendFailed when it did not go out."""
        ...


class DeliveryStore(OutboxStore, PatientStore, PrefsStore, Protocol):
    """What delivery needs from storage: the outbox, who the patient is, and their quiet hours."""


def can_receive(patient: Patient) -> bool:
    """Only a patient who joined, has not stopped or blocked the bot, and has a chat can be messaged."""
    return patient.status == "active" and patient.chat_id is not None


Renderer = Callable[[OutboxItem, Patient], Awaitable[OutgoingMessage | None]]


def backoff(attempts: int) -> timedelta:
    delay: timedelta = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0
    blocked: int = 0
    rate_limited: int = 0


class Dispatcher:
    """Sends what is due, in the order it fell due, several patients at a time.

    One pass runs at a time. Rows being sent are claimed in memory, so a pass and an immediate send
    (aftercare right after a session) never send the same row twice. Messages to one patient are
    spaced by at least :data:`PER_CHAT_SPACING`, counted on the injected clock.
    """

    def __init__(
        self, db: DeliveryStore, clock: Clock, sender: Sender, default_timezone: str, concurrency: int = 16
    ) -> None:
        self._db = db
        self._clock = clock
        self._sender = sender
        self._default_timezone = default_timezone
        self._renderers: dict[str, Renderer] = {}
        self._pass_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: set[int] = set()
        self._last_sent: dict[int, datetime] = {}
        # After a 429 nothing is sent until Telegram's retry_after has passed.
        self.hold_until: datetime | None = None
        self._stopping = False

    @property
    def busy(self) -> bool:
        """Whether a delivery pass is under way (it re-arms the wake-up itself when it ends)."""
        return self._pass_lock.locked()

    def stop(self) -> None:
        """At shutdown: a pass under way ends after the sends in hand; nothing is lost (unsent rows
        stay pending for the next start)."""
        self._stopping = True

    def register(self, kind: str, renderer: Renderer) -> None:
        self._renderers[kind] = renderer

    async def next_wake(self) -> datetime | None:
        """When the next pass should run: the earliest due row, or the end of a 429 hold."""
        due = await self._db.next_due()
        if due is not None and self.hold_until is not None:
            return max(due, self.hold_until)
        return due

    def _held(self) -> bool:
        """Nothing goes out during a 429 hold, nor once the bot is stopping."""
        return self._stopping or (self.hold_until is not None and self._clock.now() < self.hold_until)

    async def deliver_due(self, batch: int = 500) -> DeliveryReport:
        """Send every message that is due now.

        While a pass is under way (a long broadcast), another call returns at once: the running pass
        looks for newly due rows after every batch, so nothing waits on the second call.
        """
        report = DeliveryReport()
        if self._pass_lock.locked():
            return report
        async with self._pass_lock:
            while not self._held():
                items = [
                    i
                    for i in await self._db.due_outbox(self._clock.now(), limit=batch)
                    if i.id not in self._in_flight
                ]
                if not items:
                    break
                await self._deliver_many(items, report)
                if len(items) < batch:
                    break
        return report

    async def deliver_items(self, keys: list[str]) -> DeliveryReport:
        """Send these rows now if they are due (used right after staff record a session).

        They go as replies: ahead of a running broadcast, never waiting for its capacity.
        """
        report = DeliveryReport()
        if self._held():
            return report
        items = [i for i in await self._db.outbox_by_keys(keys) if i.due_at <= self._clock.now()]
        await self._deliver_many(items, report, Priority.REPLY)
        return report

    async def _deliver_many(
        self, items: list[OutboxItem], report: DeliveryReport, priority: Priority = Priority.BULK
    ) -> None:
        """Claim the rows, then send the ones still pending.

        The claim is in memory; the re-read after it catches a row another path (a pass, or an
        immediate send) finished while this one was reading, which would otherwise go out twice.
        """
        claimed = [item for item in items if item.id not in self._in_flight]
        self._in_flight.update(item.id for item in claimed)
        try:
            pending = await self._db.pending_ids([item.id for item in claimed])
            by_patient: dict[int, list[OutboxItem]] = {}
            for item in claimed:
                if item.id in pending:
                    by_patient.setdefault(item.patient_id, []).append(item)
            await asyncio.gather(
                *(self._deliver_in_order(group, report, priority) for group in by_patient.values())
            )
        finally:
            self._in_flight.difference_update(item.id for item in claimed)
            self._forget_spacing()

    def _forget_spacing(self) -> None:
        """Drop send times older than the spacing: they can hold nothing back any more, and kept
        they would grow to one entry for every patient ever messaged."""
        now = self._clock.now()
        stale = [chat for chat, at in self._last_sent.items() if now - at >= PER_CHAT_SPACING]
        for chat in stale:
            del self._last_sent[chat]

    async def _deliver_in_order(
        self, items: list[OutboxItem], report: DeliveryReport, priority: Priority
    ) -> None:
        """One patient's rows, one after another (the order they fell due in).

        Bulk sends share a few slots; a send ahead of them (aftercare after /session) takes none.
        """
        for item in items:
            if self._held():
                return
            if priority.waits:
                async with self._slots:
                    await self._deliver(item, report, priority)
            else:
                await self._deliver(item, report, priority)

    async def _deliver(self, item: OutboxItem, report: DeliveryReport, priority: Priority) -> None:
        now = self._clock.now()
        patient = await self._db.patient(item.patient_id)
        renderer = self._renderers.get(item.kind)
        if patient is None or not can_receive(patient) or patient.chat_id is None:
            await self._db.cancel_outbox(item.id, "patient cannot receive")
            report.cancelled += 1
            return
        if renderer is None:
            log.error("no renderer for outbox kind %s (row %s)", item.kind, item.id)
            await self._db.mark_attempt_failed(item.id, f"unknown kind {item.kind}", None)
            report.failed += 1
            return
        decision = gate(item, await self._db.prefs(patient.id, self._default_timezone), now)
        last = self._last_sent.get(patient.chat_id)
        if decision.send and last is not None and now - last < PER_CHAT_SPACING:
            decision = Decision(False, wait_until=last + PER_CHAT_SPACING)
        if decision.drop_reason is not None:
            log.info(
                "dropped %s row %s for patient #%s: %s", item.kind, item.id, patient.id, decision.drop_reason
            )
            await self._db.cancel_outbox(item.id, decision.drop_reason)
            report.cancelled += 1
            return
        if decision.wait_until is not None:
            await self._db.reschedule(item.id, decision.wait_until)
            report.deferred += 1
            return
        message = await renderer(item, patient)
        if message is None:
            await self._db.cancel_outbox(item.id, "nothing to send")
            report.cancelled += 1
            return
        self._last_sent[patient.chat_id] = now
        await self._send(item, patient, patient.chat_id, message, report, priority, now)

    async def _send(
        self,
        item: OutboxItem,
        patient: Patient,
        chat_id: int,
        message: OutgoingMessage,
        report: DeliveryReport,
        priority: Priority,
        now: datetime,
    ) -> None:
        """Hand one rendered message to Telegram and record what came of it."""
        try:
            await self._sender(chat_id, message, priority)
        except RecipientGone:
            log.info("patient #%s is unreachable; marking blocked", patient.id)
            await self._db.mark_attempt_failed(item.id, "recipient gone", None)
            await self._db.set_patient_status(now, patient.id, "blocked")
            report.cancelled += 1
            report.blocked += 1
        except RetryLater as exc:
            retry_at = now + timedelta(seconds=max(exc.seconds, 1.0))
            log.warning("Telegram asked to wait %.0f s; holding all sends", exc.seconds)
            await self._db.mark_attempt_failed(item.id, "rate limited", retry_at)
            self.hold_until = max(retry_at, self.hold_until or retry_at)
            report.retried += 1
            report.rate_limited += 1
        except SendFailed as exc:
            give_up = item.attempts + 1 >= MAX_ATTEMPTS
            next_try = None if give_up else now + backoff(item.attempts + 1)
            log.warning("outbox row %s (%s) failed: %s", item.id, item.kind, exc)
            await self._db.mark_attempt_failed(item.id, str(exc)[:200], next_try)
            if give_up:
                report.failed += 1
            else:
                report.retried += 1
        else:
            await self._db.mark_sent(self._clock.now(), item.id)
            report.sent += 1
