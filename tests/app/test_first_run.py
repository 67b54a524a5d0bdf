"""A first run that guides: who am I to the bot, where is the staff group, and a start-up that says
where to find the bot and waits out network trouble without tracebacks."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.demo.telegram import BOT_USERNAME, ApiCall, FakeTelegram
from bot.startup import StartupError, connect
from tests.support import factories
from tests.support.harness import (
    ADMIN_ID,
    STAFF_ID,
    STRANGER_ID,
    TOKEN,
    Bot,
    FakeClock,
    make_settings,
    running_bot,
)
from tests.support.http_bot_api import LocalBotApi

GROUP_ID = -100777


async def test_before_any_admin_a_staff_command_says_how_to_become_one(tmp_path: Path) -> None:
    async with running_bot(make_settings(tmp_path, admin_ids=frozenset())) as bot:
        for command in ("/enroll Jane D.", "/patients", "/staff add 5", "/staffchat"):
            await bot.send(command, STRANGER_ID)
            text = bot.telegram.last_text(STRANGER_ID)
            assert "not staff yet" in text
            assert f"<code>{STRANGER_ID}</code>" in text
            assert "ADMIN_IDS" in text and "restart" in text
        assert await bot.rows("patients") == []
        assert bot.errors == []


async def test_once_admins_exist_strangers_get_the_plain_refusal(bot: Bot) -> None:
    await bot.send("/enroll Jane D.", STRANGER_ID)
    assert bot.telegram.last_text(STRANGER_ID) == "Sorry, that command is for clinic staff."
    await bot.send("/staff add 5", STRANGER_ID)
    assert "not staff yet" not in bot.telegram.last_text(STRANGER_ID)


@pytest.mark.parametrize("user_id", [STRANGER_ID, STAFF_ID, ADMIN_ID])
async def test_myid_answers_anyone_with_their_own_id(bot: Bot, user_id: int) -> None:
    await bot.send("/myid", user_id)
    assert bot.telegram.last_text(user_id) == f"Your Telegram user id is <code>{user_id}</code>."


async def test_myid_works_in_a_group_too(bot: Bot) -> None:
    await bot.send("/myid", STRANGER_ID, chat_id=GROUP_ID, chat_type="group")
    assert str(STRANGER_ID) in bot.telegram.last_text(GROUP_ID)


async def test_staffchat_from_an_admin_in_a_group_gives_its_id_for_staff_chat_id(bot: Bot) -> None:
    await bot.send("/staffchat", ADMIN_ID, chat_id=GROUP_ID, chat_type="supergroup")
    text = bot.telegram.last_text(GROUP_ID)
    assert f"<code>{GROUP_ID}</code>" in text
    assert f"STAFF_CHAT_ID={GROUP_ID}" in text and "restart" in text


async def test_staffchat_is_for_admins_and_explains_itself_in_private(bot: Bot) -> None:
    await bot.send("/staffchat", STRANGER_ID, chat_id=GROUP_ID, chat_type="group")
    await bot.send("/staffchat", STAFF_ID, chat_id=GROUP_ID, chat_type="group")
    assert bot.telegram.texts(GROUP_ID) == []  # nothing said in a group for non-admins
    await bot.send("/staffchat", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "Sorry, only clinic admins can manage staff."
    await bot.send("/staffchat", ADMIN_ID)
    assert "Send /staffchat in the clinic's staff group" in bot.telegram.last_text(ADMIN_ID)


async def test_start_up_logs_one_line_naming_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    async with running_bot(make_settings(tmp_path)):
        pass
    expected = f"@{BOT_USERNAME} is running: open https://t.me/{BOT_USERNAME} and send /start"
    assert [r.getMessage() for r in caplog.records].count(expected) == 1


class UnreachableTelegram(FakeTelegram):
    """Telegram that cannot be reached for the first ``failures`` tries."""

    def __init__(self, failures: int, error: Exception) -> None:
        super().__init__()
        self.failures_left = failures
        self.error = error

    def handle(self, call: ApiCall) -> tuple[int, bytes]:
        if call.method == "getMe" and self.failures_left > 0:
            self.failures_left -= 1
            raise self.error
        return super().handle(call)


async def test_network_trouble_at_start_up_is_one_line_per_retry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    telegram = UnreachableTelegram(3, NetworkError("httpx.ConnectError: All connection attempts failed"))
    app = build_application(make_settings(tmp_path), request=telegram, clock=FakeClock())
    pauses: list[float] = []

    async def sleep(seconds: float) -> Any:
        pauses.append(seconds)

    await connect(app, sleep=sleep, first_delay=2, max_delay=5)
    try:
        assert app.bot.username == BOT_USERNAME
        assert pauses == [2, 4, 5]
        retries = [r for r in caplog.records if r.name == "bot.startup"]
        assert len(retries) == 3
        assert all(r.levelno == logging.WARNING and r.exc_info is None for r in retries)
        assert "cannot reach Telegram" in retries[0].getMessage()
        assert "try 1 failed, retrying in 2 s" in retries[0].getMessage()
        assert "Traceback" not in caplog.text
    finally:
        await app.shutdown()


async def test_a_refused_token_stops_at_once_with_a_clear_reason(tmp_path: Path) -> None:
    telegram = UnreachableTelegram(1, InvalidToken("Unauthorized"))
    app = build_application(make_settings(tmp_path), request=telegram, clock=FakeClock())

    async def sleep(seconds: float) -> Any:
        raise AssertionError("a refused token is not retried")

    with pytest.raises(StartupError, match="@BotFather"):
        await connect(app, sleep=sleep)


async def test_python_m_bot_waits_out_a_telegram_outage_then_says_where_to_find_it(tmp_path: Path) -> None:
    """The real entry point, with Telegram failing twice at start-up (502): two warning lines, no
    traceback, then the line naming the bot, then polling as usual."""
    fake = FakeTelegram()
    fake.fail("getMe", 502, "Bad Gateway", times=2)
    root = Path(__file__).resolve().parents[2]
    async with LocalBotApi(fake) as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(root),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.url,
            "DATABASE_PATH": str(tmp_path / "clinic.sqlite3"),
            "ADMIN_IDS": str(ADMIN_ID),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await server.updates.put(factories.text_update_json("/myid", user_id=STRANGER_ID))
            await server.wait_for(lambda f: bool(f.sent(STRANGER_ID)), timeout=60)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    retries = [line for line in log.splitlines() if "cannot reach Telegram" in line]
    assert len(retries) == 2 and "Bad Gateway" in retries[0], log
    running = f"@{BOT_USERNAME} is running: open https://t.me/{BOT_USERNAME} and send /start"
    assert sum(running in line for line in log.splitlines()) == 1, log
