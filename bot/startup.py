"""Start-up against the real Telegram: wait out network trouble with one log line per try, then say
where to find the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram.error import InvalidToken, NetworkError

from bot.services import ClinicApplication

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 60.0


class StartupError(Exception):
    """Telegram answered, and said no (a revoked or mistyped token): retrying would not help."""


async def connect(
    app: ClinicApplication,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    first_delay: float = FIRST_RETRY_SECONDS,
    max_delay: float = MAX_RETRY_SECONDS,
) -> None:
    """Initialize the application (which asks Telegram who the bot is), retrying while the network
    fails, with a growing pause; each failed try is one warning line, not a traceback."""
    delay = first_delay
    attempt = 1
    while True:
        try:
            await app.initialize()
            return
        except InvalidToken as exc:
            raise StartupError(
                "Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped?): check it with @BotFather"
            ) from exc
        except NetworkError as exc:
            log.warning(
                "cannot reach Telegram (%s: %s); try %s failed, retrying in %.0f s",
                type(exc).__name__,
                exc,
                attempt,
                delay,
            )
        await sleep(delay)
        attempt += 1
        delay = min(delay * 2, max_delay)


def running_line(username: str) -> str:
    return f"@{username} is running: open https://t.me/{username} and send /start"
