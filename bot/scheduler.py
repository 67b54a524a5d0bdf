"""The scheduler: keeps one wake-up armed for the next due message, and keeps plans a day ahead.

The database says what is due; this only decides when to look. ``arm`` is given by the application
(it sets a one-shot job in PTB's JobQueue), so this module stays free of Telegram types.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from bot.content.reminders import ReminderContent
from bot.db import Prefs
from bot.outbox import DeliveryReport, Dispatcher
from bot.reminders import Grace, PlanStore, extend_all_plans, plan_patient

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
    ) -> None:
        self._db = db
        self.dispatcher = dispatcher
        self._reminders = reminders
        self._clock = clock
        self.grace = grace
        self._arm = arm

    async def deliver_now(self) -> DeliveryReport:
        """Send what is due, then arm the wake-up for whatever falls due next."""
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

    async def plan_all(self) -> int:
        """Extend every patient's reminder plan through tomorrow (local), then re-arm."""
        added = await extend_all_plans(self._db, self._reminders, self._clock.now(), self.grace)
        if added:
            log.info("planned %s new reminders", added)
        await self.rearm()
        return added

    async def replan(self, patient_id: int, prefs: Prefs) -> None:
        """A patient changed their settings: rebuild their future reminders."""
        await plan_patient(self._db, self._reminders, self._clock.now(), patient_id, prefs, self.grace)
        await self.rearm()
