"""Enroll, join, session and aftercare over real HTTP against a local Bot API server, with real polling."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from telegram import Update

from bot.app import build_application
from tests import factories
from tests.fake_telegram import FakeTelegram
from tests.harness import ADMIN_ID, PATIENT_ID, TOKEN, FakeClock, make_settings
from tests.http_bot_api import LocalBotApi


async def test_whole_flow_over_http(tmp_path: Path) -> None:
    fake = FakeTelegram()
    async with LocalBotApi(fake) as server:
        settings = make_settings(tmp_path, telegram_api_base_url=server.url)
        app = build_application(settings, clock=FakeClock())
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None and app.updater is not None
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        try:
            await server.updates.put(factories.text_update_json("/enroll Jane D.", user_id=ADMIN_ID))
            await server.wait_for(lambda f: len(f.sent(ADMIN_ID)) == 2)
            link_text = fake.sent(ADMIN_ID)[0].text
            assert fake.sent(ADMIN_ID)[1].method == "sendPhoto" and fake.sent(ADMIN_ID)[1].files
            token = re.search(r"start=([\w-]+)", link_text).group(1)  # type: ignore[union-attr]

            await server.updates.put(factories.text_update_json(f"/start {token}", user_id=PATIENT_ID))
            await server.wait_for(lambda f: bool(f.sent(PATIENT_ID)))
            assert fake.sent(PATIENT_ID)[0].button_data == ["join:1"]

            await server.updates.put(factories.callback_update_json("join:1", user_id=PATIENT_ID))
            await server.wait_for(lambda f: len(f.sent(PATIENT_ID)) == 3)
            assert "all set" in fake.texts(PATIENT_ID)[1]

            await server.updates.put(factories.text_update_json("/session 1 neck", user_id=ADMIN_ID))
            await server.wait_for(lambda f: len(f.sent(ADMIN_ID)) == 3 and len(f.sent(PATIENT_ID)) == 4)
            assert "chin tucks" in fake.last_text(PATIENT_ID)
            assert "Aftercare sent" in fake.last_text(ADMIN_ID)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await app.post_shutdown(app)
    assert {c.method for c in fake.calls} >= {"getMe", "setMyCommands", "sendMessage", "sendPhoto"}


SECRET_TEXT = "my zebra tango shoulder is sore, is that normal?"


async def test_python_m_bot_polls_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The real entry point: starts, polls, answers, and on SIGTERM closes the database and exits 0."""
    fake = FakeTelegram()
    root = Path(__file__).resolve().parent.parent
    database = tmp_path / "clinic.sqlite3"
    async with LocalBotApi(fake) as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(root),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.url,
            "DATABASE_PATH": str(database),
            "ADMIN_IDS": str(ADMIN_ID),
            "LOG_LEVEL": "DEBUG",
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
            await server.updates.put(factories.text_update_json("/contact", user_id=PATIENT_ID))
            await server.wait_for(lambda f: bool(f.sent(PATIENT_ID)), timeout=30)
            assert "(503) 899-0707" in fake.last_text(PATIENT_ID)
            await server.updates.put(factories.text_update_json(SECRET_TEXT, user_id=PATIENT_ID))
            await server.wait_for(lambda f: len(f.sent(PATIENT_ID)) == 2, timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert "zebra" not in log  # no message text in the logs, even at DEBUG
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert database.exists() and not Path(f"{database}-wal").exists()  # closed cleanly, WAL checkpointed
