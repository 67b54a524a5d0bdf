"""Delivery of queued messages: the outbox table is the promise, this module keeps it.

A row is marked sent only after Telegram accepted the message, so a crash in between can at worst
repeat that one message and never lose it. The job queue only wakes :meth:`Dispatcher.deliver_due`;
what is due always comes from the database, so a restart rebuilds everything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Database, OutboxItem, Patient
from bot.reminders import gate

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)


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
    async def __call__(self, chat_id: int, message: OutgoingMessage) -> None:
        """Send one message; raise RecipientGone, RetryLater or SendFailed when it did not go out."""
        ...


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


class Dispatcher:
    """Sends what is due, one pass at a time, in the order it fell due."""

    def __init__(self, db: Database, clock: Clock, sender: Sender, default_timezone: str) -> None:
        self._db = db
        self._clock = clock
        self._sender = sender
        self._default_timezone = default_timezone
        self._renderers: dict[str, Renderer] = {}
        self._pass_lock = asyncio.Lock()
        # After a 429 nothing is sent until Telegram's retry_after has passed.
        self.hold_until: datetime | None = None

    def register(self, kind: str, renderer: Renderer) -> None:
        self._renderers[kind] = renderer

    async def next_wake(self) -> datetime | None:
        """When the next pass should run: the earliest due row, or the end of a 429 hold."""
        due = await self._db.next_due()
        if due is not None and self.hold_until is not None:
            return max(due, self.hold_until)
        return due

    async def deliver_due(self, batch: int = 100) -> DeliveryReport:
        """Send every message that is due now; concurrent calls wait, so nothing is sent twice."""
        report = DeliveryReport()
        async with self._pass_lock:
            while True:
                now = self._clock.now()
                if self.hold_until is not None and now < self.hold_until:
                    return report
                items = await self._db.due_outbox(now, limit=batch)
                if not items:
                    return report
                for item in items:
                    if not await self._deliver(item, report):
                        return report
                if len(items) < batch:
                    return report

    async def _deliver(self, item: OutboxItem, report: DeliveryReport) -> bool:
        """Try one row; returns False when Telegram asked to slow down and the pass must stop."""
        now = self._clock.now()
        patient = await self._db.patient(item.patient_id)
        renderer = self._renderers.get(item.kind)
        if patient is None or not patient.can_receive or patient.chat_id is None:
            await self._db.cancel_outbox(item.id, "patient cannot receive")
            report.cancelled += 1
            return True
        if renderer is None:
            log.error("no renderer for outbox kind %s (row %s)", item.kind, item.id)
            await self._db.mark_attempt_failed(item.id, f"unknown kind {item.kind}", None)
            report.failed += 1
            return True
        decision = gate(item, await self._db.prefs(patient.id, self._default_timezone), now)
        if decision.drop_reason is not None:
            log.info(
                "dropped %s row %s for patient #%s: %s", item.kind, item.id, patient.id, decision.drop_reason
            )
            await self._db.cancel_outbox(item.id, decision.drop_reason)
            report.cancelled += 1
            return True
        if decision.wait_until is not None:
            await self._db.reschedule(item.id, decision.wait_until)
            report.deferred += 1
            return True
        message = await renderer(item, patient)
        if message is None:
            await self._db.cancel_outbox(item.id, "nothing to send")
            report.cancelled += 1
            return True
        try:
            await self._sender(patient.chat_id, message)
        except RecipientGone:
            log.info("patient #%s is unreachable; marking blocked", patient.id)
            await self._db.mark_attempt_failed(item.id, "recipient gone", None)
            await self._db.set_patient_status(now, patient.id, "blocked")
            report.cancelled += 1
        except RetryLater as exc:
            retry_at = now + timedelta(seconds=max(exc.seconds, 1.0))
            log.warning("Telegram asked to wait %.0f s; holding all sends", exc.seconds)
            await self._db.mark_attempt_failed(item.id, "rate limited", retry_at)
            self.hold_until = retry_at
            report.retried += 1
            return False
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
        return True
