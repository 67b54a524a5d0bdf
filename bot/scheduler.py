"""The scheduler: keeps one wake-up armed for the next due message, and keeps plans a day ahead.

The database says what is due; this only decides when to look. ``arm`` is given by the application
(it sets a one-shot job in PTB's JobQueue), so this module stays free of Telegram types.

Planning runs behind the bot, never in front of it: :meth:`Scheduler.plan_in_background` starts a
pass that works through the patients a chunk at a time and lets the event loop answer patients
between chunks; :meth:`Scheduler.stop` ends it cleanly after the chunk in hand.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import aclosing
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.content.reminders import ReminderContent
from bot.db import Prefs
from bot.outbox import DeliveryReport, Dispatcher
from bot.reminders import PLAN_CHUNK, Grace, PlanStore, plan_in_chunks, plan_patient

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        db: PlanStore,
        dispatcher: Dispatcher,
        reminders: ReminderContent,
        clock: Clock,
        grace: Grace,
        arm: Callable[[float], None],
        plan_chunk: int = PLAN_CHUNK,
    ) -> None:
        self._db = db
        self.dispatcher = dispatcher
        self._reminders = reminders
        self._clock = clock
        self.grace = grace
        self._arm = arm
        self.plan_chunk = plan_chunk
        # When the wake-up is armed for (None: nothing armed), so planning can tell whether a chunk
        # wrote something due before it.
        self.armed_for: datetime | None = None
        # Chunks written by every pass so far (progress, for logs and tests).
        self.chunks_planned = 0
        self._plan_lock = asyncio.Lock()
        self._planning: asyncio.Task[int] | None = None
        self._stopping = False

    async def deliver_now(self) -> DeliveryReport:
        """Send what is due, then arm the wake-up for whatever falls due next.

        While a pass is under way (a long broadcast) this returns at once and arms nothing: the
        running pass re-arms when it ends. Arming here would fire again at once (the rows it is
        sending are still due) and spin, one database query per turn, until the pass finished.
        """
        if self.dispatcher.busy:
            return DeliveryReport()
        report = await self.dispatcher.deliver_due()
        if report.sent or report.failed or report.cancelled:
            log.info(
                "delivery pass: %s sent, %s retrying, %s failed, %s dropped, %s deferred",
                report.sent,
                report.retried,
                report.failed,
                report.cancelled,
                report.deferred,
            )
        await self.rearm()
        return report

    async def send_now(self, keys: list[str]) -> DeliveryReport:
        """Send these just-queued rows at once, without waiting for a pass (which may be a long
        broadcast) to finish."""
        report = await self.dispatcher.deliver_items(keys)
        await self.rearm()
        return report

    async def rearm(self) -> None:
        at = await self.dispatcher.next_wake()
        if at is not None:
            self._arm(max((at - self._clock.now()) / timedelta(seconds=1), 0.0))
        self.armed_for = at

    @property
    def planning(self) -> bool:
        """Whether a planning pass is under way behind the bot."""
        return self._planning is not None and not self._planning.done()

    def start(self) -> None:
        """At start-up, behind the bot: send what fell due while it was down (the gate drops what is
        too late and waits out quiet hours), then plan ahead. The bot answers patients meanwhile."""
        if self._stopping or self.planning:
            return
        self._planning = asyncio.get_running_loop().create_task(self._start_up(), name="start-up")
        self._planning.add_done_callback(_log_failure)

    async def _start_up(self) -> int:
        await self.deliver_now()
        if self._stopping:
            return 0
        return await self.plan_all()

    def plan_in_background(self) -> None:
        """Start a planning pass behind the bot, unless one is under way or the bot is stopping."""
        if self._stopping or self.planning:
            return
        self._planning = asyncio.get_running_loop().create_task(self.plan_all(), name="planning")
        self._planning.add_done_callback(_log_failure)

    async def planned(self) -> None:
        """Wait for the planning pass (or the start-up catch-up and pass) under way, if any, to finish."""
        if self._planning is not None:
            await asyncio.wait([self._planning])

    async def stop(self) -> None:
        """At shutdown: no new passes; the one under way stops after the chunk in hand, and a
        delivery pass after the sends in hand."""
        self._stopping = True
        self.dispatcher.stop()
        await self.planned()

    async def plan_all(self) -> int:
        """Extend every patient's reminder plan through tomorrow (local), then re-arm.

        Works a chunk at a time (see :func:`bot.reminders.plan_in_chunks`) and yields to the event
        loop between chunks; when a chunk wrote something due before the armed wake-up, the wake-up
        is moved forward at once. One pass runs at a time.
        """
        async with self._plan_lock:
            began = time.perf_counter()
            added = chunks = 0
            chunked = plan_in_chunks(self._db, self._reminders, self._clock, self.grace, self.plan_chunk)
            async with aclosing(chunked):
                async for chunk in chunked:
                    added += chunk.added
                    chunks += 1
                    self.chunks_planned += 1
                    if chunk.added and chunk.earliest is not None and self._wakes_too_late(chunk.earliest):
                        await self.rearm()
                    if self._stopping:
                        log.info("planning stopped for shutdown after %s chunks", chunks)
                        break
                    await asyncio.sleep(0)
            if added:
                log.info(
                    "planned %s new reminders in %s chunks (%.1f s)",
                    added,
                    chunks,
                    time.perf_counter() - began,
                )
            await self.rearm()
            return added

    def _wakes_too_late(self, due: datetime) -> bool:
        """Whether the armed wake-up would miss something due at ``due`` (or has already fired)."""
        armed = self.armed_for
        return armed is None or due < armed or armed <= self._clock.now()

    async def replan(self, patient_id: int, prefs: Prefs) -> None:
        """A patient changed their settings: rebuild their future reminders."""
        await plan_patient(self._db, self._reminders, self._clock.now(), patient_id, prefs, self.grace)
        await self.rearm()


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("%s pass failed", task.get_name(), exc_info=exc)
