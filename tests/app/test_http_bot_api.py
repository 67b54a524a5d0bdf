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
from bot.demo.telegram import FakeTelegram
from tests.support import factories
from tests.support.harness import ADMIN_ID, PATIENT_ID, TOKEN, FakeClock, make_settings
from tests.support.http_bot_api import LocalBotApi


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
    root = Path(__file__).resolve().parents[2]
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


async def test_python_m_bot_in_webhook_mode(tmp_path: Path, unused_tcp_port: int) -> None:
    """Webhook mode end to end: registers the webhook with its secret, listens on 127.0.0.1 by default,
    answers an update that carries the secret, and stops cleanly on SIGTERM."""
    import json
    import urllib.error
    import urllib.request

    fake = FakeTelegram()
    root = Path(__file__).resolve().parents[2]
    secret = "hook-secret_" + "k" * 24
    async with LocalBotApi(fake) as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(root),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.url,
            "DATABASE_PATH": str(tmp_path / "clinic.sqlite3"),
            "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
            "WEBHOOK_SECRET": secret,
            "WEBHOOK_PORT": str(unused_tcp_port),
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

        def post(token: str) -> int:
            body = json.dumps(factories.text_update_json("/contact", user_id=PATIENT_ID)).encode()
            headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": token}
            request = urllib.request.Request(
                f"http://127.0.0.1:{unused_tcp_port}/telegram/hook", body, headers
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                return exc.code
            except (ConnectionError, urllib.error.URLError):
                return 0  # not listening yet

        try:
            await server.wait_for(lambda f: any(c.method == "setWebhook" for c in f.calls), timeout=30)
            for _ in range(300):
                status = await asyncio.to_thread(post, "wrong-secret")
                if status:
                    break
                await asyncio.sleep(0.05)
            assert status == 403
            assert await asyncio.to_thread(post, secret) == 200
            await server.wait_for(lambda f: bool(f.sent(PATIENT_ID)), timeout=30)
            assert "(503) 899-0707" in fake.last_text(PATIENT_ID)
            (register,) = [c for c in fake.calls if c.method == "setWebhook"]
            assert register.params["secret_token"] == secret
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
