"""Telegram's flood limits, with patients' own conversations ahead of bulk sends.

Telegram allows about 30 messages a second across chats. Bulk sends (everything from the outbox:
broadcasts, reminders) are paced evenly at a little under that, so the few replies to patients, above
all an emergency answer, go out at once and never wait behind a broadcast. The dispatcher spaces
messages to one patient itself (it has the injected clock); this limiter guards the overall rate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

BULK = "bulk"
# 28 a second, one every ~36 ms with no bursts, leaves room for replies under Telegram's 30.
BULK_PER_SECOND = 28

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` is an int in PTB 22 and will become a timedelta; accept both."""
    value = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


class ClinicRateLimiter(BaseRateLimiter[str]):
    def __init__(self, bulk_per_second: float = BULK_PER_SECOND) -> None:
        # A bucket of two absorbs timer jitter without allowing a real burst.
        self._bulk = AsyncLimiter(2, 2 / bulk_per_second)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> JSONResult:
        if rate_limit_args == BULK:
            await self._bulk.acquire()
            return await callback(*args, **kwargs)  # a 429 goes back to the dispatcher, which holds
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            # A reply the patient is waiting for: wait as told, once, then try again.
            seconds = retry_seconds(exc)
            log.warning("429 on %s; retrying once after %s s", endpoint, seconds)
            await asyncio.sleep(seconds)
            return await callback(*args, **kwargs)
