"""Telegram's flood limits, in the order of :class:`bot.priority.Priority`.

Telegram allows about 30 messages a second across chats. Bulk sends (everything from the outbox:
broadcasts, reminders) are paced evenly at a little under that, and every other send takes its slot
from the same pace without waiting, so bulk yields to replies and alerts instead of the other way
round. Nothing but bulk ever waits here: a 429 goes straight back to the caller (the dispatcher and
the alert desk hold and retry later), and a reply refused with a 429 is re-sent in the background
once Telegram's ``retry_after`` has passed, so no handler sleeps and no other patient waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.priority import Priority

log = logging.getLogger(__name__)

BULK = Priority.BULK.value
# 28 a second, one every ~36 ms with no bursts, leaves room for replies under Telegram's 30.
BULK_PER_SECOND = 28
# Replies worth re-sending after a 429 (an edit or a toast that late would only confuse).
RESENT_AFTER_429 = frozenset({"sendMessage", "sendPhoto"})

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` is an int in PTB 22 and will become a timedelta; accept both."""
    value = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


class Pace:
    """Even spacing for bulk sends; a send that goes ahead pushes the next bulk slot back.

    Slots follow each other at a fixed interval rather than from each late wake-up, so timer jitter
    does not slow the pace down; after a quiet spell at most one slot is made up at once.
    """

    def __init__(self, per_second: float) -> None:
        self._interval = 1 / per_second
        self._next = 0.0

    def _claim(self, now: float) -> None:
        self._next = max(self._next, now - self._interval) + self._interval

    async def wait_turn(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if now >= self._next:
                self._claim(now)
                return
            await asyncio.sleep(self._next - now)

    def take(self) -> None:
        """Use a slot now, without waiting: the bulk sends behind it wait a little longer instead."""
        self._claim(asyncio.get_running_loop().time())


class ClinicRateLimiter(BaseRateLimiter[str]):
    def __init__(self, bulk_per_second: float = BULK_PER_SECOND) -> None:
        self._pace = Pace(bulk_per_second)
        self._resends: set[asyncio.Task[None]] = set()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        for task in self._resends:
            task.cancel()
        await asyncio.gather(*self._resends, return_exceptions=True)
        self._resends.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> JSONResult:
        priority = Priority.of(rate_limit_args)
        if priority.waits:
            await self._pace.wait_turn()
            return await callback(*args, **kwargs)  # a 429 goes back to the dispatcher, which holds
        self._pace.take()
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            if priority is not Priority.ALERT and endpoint in RESENT_AFTER_429:
                self._resend_later(callback, args, kwargs, endpoint, retry_seconds(exc))
            raise  # the caller carries on; nothing here waits

    def _resend_later(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        seconds: float,
    ) -> None:
        async def resend() -> None:
            await asyncio.sleep(seconds)
            self._pace.take()
            try:
                await callback(*args, **kwargs)
            except TelegramError as exc:
                log.warning("a reply refused with 429 failed again on %s: %s", endpoint, type(exc).__name__)

        log.warning("429 on %s; re-sending the reply in the background after %s s", endpoint, seconds)
        task = asyncio.create_task(resend())
        self._resends.add(task)
        task.add_done_callback(self._resends.discard)
