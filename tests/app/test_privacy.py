"""Patients see and erase their data; retention; flood protection; webhook secret; backups; logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.app import build_application
from bot.backup import BackupError, backup
from bot.config import ConfigError, load_settings
from bot.demo.telegram import FakeTelegram
from bot.webhook import MAX_BODY_BYTES, start_webhook_server
from tests.support import factories
from tests.support.harness import (
    ADMIN_ID,
    PATIENT_ID,
    STAFF_ID,
    STRANGER_ID,
    TOKEN,
    Bot,
    FakeClock,
    make_settings,
)

SECRET_NAME = "Zebulon Quartzfield"
SECRET_TEXT = "my xylophone-tango shoulder aches after the massage"
ROOT = Path(__file__).resolve().parents[2]


async def rich_patient(bot: Bot) -> int:
    """A patient with a session, settings, a check-in answer, a reminder response and questions."""
    number = await bot.enrolled_patient(SECRET_NAME)
    await bot.press("offer:posture", PATIENT_ID)
    await bot.send(f"/session {number} neck", STAFF_ID)
    await bot.send(SECRET_TEXT, PATIENT_ID)
    await bot.send(f"{SECRET_TEXT} and crushing chest pain", PATIENT_ID)
    await bot.tick(hours=24)
    await bot.press(bot.telegram.sent(PATIENT_ID)[-1].button_data[1], PATIENT_ID)  # "A bit sore"
    await bot.tick(hours=1, minutes=30)
    await bot.press(bot.telegram.sent(PATIENT_ID)[-1].button_data[0], PATIENT_ID)  # posture: Done
    return number


def file_bytes(bot: Bot) -> bytes:
    path = bot.services.settings.database_path
    return b"".join(p.read_bytes() for p in [path, Path(f"{path}-wal")] if p.exists())


async def test_mydata_shows_everything_kept_and_nothing_written(bot: Bot) -> None:
    await rich_patient(bot)
    bot.telegram.clear()
    await bot.send("/mydata", PATIENT_ID)
    report = "\n".join(bot.telegram.texts(PATIENT_ID))
    for expected in [
        SECRET_NAME,
        "Patient #1",
        "Mar 02, 2026 (neck)",
        "A bit sore",
        "soreness: 1",
        "red flag: 1",
        "posture break, done: 1",
        "Posture reminders: 9:00 AM–5:00 PM",
        "/forget",
    ]:
        assert expected in report, expected
    assert "xylophone" not in report
    await bot.send("/mydata", STRANGER_ID)
    assert "don't keep anything about you" in bot.telegram.last_text(STRANGER_ID)


async def test_forget_erases_everything_from_the_file(bot: Bot) -> None:
    number = await rich_patient(bot)
    await bot.db.scrub()
    assert SECRET_NAME.encode() in file_bytes(bot)  # the name is really stored before
    assert b"xylophone" not in file_bytes(bot)  # and the message text never is

    await bot.send("/forget", PATIENT_ID)
    assert bot.telegram.sent(PATIENT_ID)[-1].button_data == ["forget:yes", "forget:no"]
    await bot.press("forget:no", PATIENT_ID)
    assert await bot.db.patient(number) is not None
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    assert "Delete chat" in bot.telegram.last_text(PATIENT_ID)

    assert await bot.db.patient(number) is None
    for table in [
        "patients",
        "invites",
        "sessions",
        "outbox",
        "prefs",
        "checkin_answers",
        "reminder_responses",
        "alerts",
    ]:
        assert await bot.rows(table) == [], table
    questions = await bot.rows("questions")
    assert len(questions) == 2 and {q["patient_id"] for q in questions} == {None}  # anonymous counts only
    assert all(r["detail"] == "" for r in await bot.rows("audit_log") if r["patient_id"] == number)
    raw = file_bytes(bot)
    assert SECRET_NAME.encode() not in raw and b"Zebulon" not in raw
    assert b"xylophone" not in raw

    await bot.send("/start", PATIENT_ID)
    assert "invite link" in bot.telegram.last_text(PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)  # a stale or forged button
    assert "don't keep anything" in bot.telegram.last_text(PATIENT_ID)


async def test_staff_erase_from_the_card(bot: Bot) -> None:
    number = await bot.enrolled_patient(SECRET_NAME)
    await bot.press(f"pc:{number}:erase_yes", PATIENT_ID)  # a patient can't
    assert await bot.db.patient(number) is not None
    await bot.press(f"pc:{number}:erase", ADMIN_ID)
    yes, cancel = bot.telegram.sent(ADMIN_ID)[-1].button_data
    assert yes.startswith(f"pc:{number}:erase_yes:") and cancel == f"pc:{number}"
    await bot.press(yes, ADMIN_ID)
    assert await bot.db.patient(number) is None
    assert SECRET_NAME.encode() not in file_bytes(bot)
    assert "patient_erased" in [r["action"] for r in await bot.rows("audit_log")]


async def test_retention_purges_old_rows_only(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.enroll("Never Joined")  # an unused invite, expiring in 7 days
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.send("crushing chest pain", PATIENT_ID)
    await bot.press("alert:1", STAFF_ID)
    now = bot.clock.now()
    assert await bot.db.purge_expired(now, invites_days=30, outbox_days=90, alerts_days=365) == {
        "invites": 0,
        "outbox": 0,
        "alerts": 0,
        "questions": 0,
    }
    bot.clock.advance(days=8)  # the unused invite expired and nobody ever opened it: gone at once
    purged = await bot.db.purge_expired(bot.clock.now(), invites_days=30, outbox_days=90, alerts_days=365)
    assert purged == {"invites": 1, "outbox": 0, "alerts": 0, "questions": 0}
    bot.clock.advance(days=400)
    purged = await bot.db.purge_expired(bot.clock.now(), invites_days=30, outbox_days=90, alerts_days=365)
    # The used invite, the delivered aftercare, the handled alert and the question's topic; the check-in
    # that was never sent stays (it is not delivered, and the dispatcher drops it as too late).
    assert purged == {"invites": 1, "outbox": 1, "alerts": 1, "questions": 1}
    assert await bot.db.patient(number) is not None  # patients themselves are not purged


async def test_flood_gets_one_notice_but_red_flags_still_answered(bot: Bot) -> None:
    await bot.enrolled_patient()
    bot.clock.advance(minutes=2)  # joining took two updates; start counting afresh
    bot.telegram.clear()
    for _ in range(21):
        await bot.send("is it normal to be sore", PATIENT_ID)
    notices = [t for t in bot.telegram.texts(PATIENT_ID) if "very fast" in t]
    assert len(notices) == 1 and len(bot.telegram.texts(PATIENT_ID)) == 21
    await bot.send("still here?", PATIENT_ID)
    assert len(bot.telegram.texts(PATIENT_ID)) == 21  # ignored
    await bot.send("now i have crushing chest pain", PATIENT_ID)
    assert "Call 911" in bot.telegram.last_text(PATIENT_ID)
    assert len(await bot.rows("alerts")) == 1
    bot.clock.advance(minutes=3)  # the pause is over, but the 911 instruction still stands
    await bot.send("is it normal to be sore", PATIENT_ID)
    assert "please call 911 now" in bot.telegram.last_text(PATIENT_ID)
    bot.clock.advance(hours=1)
    await bot.send("is it normal to be sore", PATIENT_ID)
    assert "sore" in bot.telegram.last_text(PATIENT_ID).lower()
    # Staff are never throttled.
    for _ in range(30):
        await bot.send("/stats", STAFF_ID)
    assert len([t for t in bot.telegram.texts(STAFF_ID) if "Clinic figures" in t]) == 30


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is required"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "s" * 32}, "https"),
        ({"TELEGRAM_API_BASE_URL": "http://api.example.org:8081"}, "only for a server on this machine"),
        ({"TELEGRAM_API_BASE_URL": "http://10.0.0.5:8081"}, "TELEGRAM_API_BASE_URL"),
        ({"TELEGRAM_API_BASE_URL": "ftp://127.0.0.1"}, "TELEGRAM_API_BASE_URL"),
        (
            {"WEBHOOK_URL": "https://x.org/h", "WEBHOOK_SECRET": "s" * 32, "WEBHOOK_PORT": "99999"},
            "WEBHOOK_PORT",
        ),
    ],
)
def test_webhook_settings_are_checked(tmp_path: Path, env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, env_file=tmp_path / "none")


async def test_webhook_requires_the_secret_token(
    tmp_path: Path, unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cret-token_" + "x" * 20
    telegram = FakeTelegram()
    app = build_application(make_settings(tmp_path), request=telegram, clock=FakeClock())
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None and app.updater is not None
    await app.post_init(app)
    await app.start()
    server = start_webhook_server(
        app, listen="127.0.0.1", port=unused_tcp_port, url_path="/hook", secret_token=secret
    )
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"

    def post(token: str | None, update: dict[str, object] | None = None) -> int:
        update = update or factories.text_update_json("/contact", user_id=STRANGER_ID)
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except (ConnectionError, urllib.error.URLError):
            return 400  # the server answered 400 and closed the connection while the body was sent

    try:
        import asyncio

        assert await asyncio.to_thread(post, None) == 403
        assert await asyncio.to_thread(post, "wrong") == 403
        assert await asyncio.to_thread(post, secret) == 200
        for _ in range(100):
            if telegram.texts(STRANGER_ID):
                break
            await asyncio.sleep(0.02)
        assert len(telegram.texts(STRANGER_ID)) == 1  # only the update with the right secret
        assert await asyncio.to_thread(post, secret[:-1] + "y") == 403  # same length, one character off
        unreadable = {"update_id": 7, "message": {"text": "my wobbly-quince knee", "chat": 5}}
        assert await asyncio.to_thread(post, secret, unreadable) == 400
        assert "wobbly-quince" not in caplog.text + "".join(str(r.args) for r in caplog.records)
        assert "could not be read" in caplog.text
        big = {"update_id": 1, "message": {"text": "x" * (MAX_BODY_BYTES + 10)}}
        assert await asyncio.to_thread(post, secret, big) == 400  # refused from its Content-Length
        await asyncio.sleep(0.1)
        assert len(telegram.texts(STRANGER_ID)) == 1
    finally:
        server.stop()
        await server.close_all_connections()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


async def test_backup_while_running_and_restore(bot: Bot, tmp_path: Path) -> None:
    number = await bot.enrolled_patient()
    target = tmp_path / "backups" / "copy.sqlite3"
    size = backup(bot.services.settings.database_path, target)
    assert size > 0 and not Path(f"{target}.partial").exists()
    restored = make_settings(tmp_path / "restored", database_path=target)
    from tests.support.harness import running_bot

    async with running_bot(restored) as again:
        patient = await again.db.patient(number)
        assert patient is not None and patient.telegram_user_id == PATIENT_ID
    with pytest.raises(BackupError, match="no database"):
        backup(tmp_path / "missing.sqlite3", target)
    with pytest.raises(BackupError, match="different file"):
        backup(target, target)


def test_backup_command_line(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "live.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (42)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM")}
    env |= {"DATABASE_PATH": str(database), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(tmp_path / "out.sqlite3")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "backed up" in done.stdout
    with sqlite3.connect(tmp_path / "out.sqlite3") as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(42,)]
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "backup"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "usage" in bad.stderr


async def test_logs_hold_no_token_and_no_message_text(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await rich_patient(bot)
    await bot.send("/broadcast Hello everyone", STAFF_ID)
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records  # the flow did log
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
    assert "xylophone" not in logged and SECRET_NAME not in logged and "Hello everyone" not in logged


def test_webhook_listens_on_loopback_unless_told_and_local_http_api_only(tmp_path: Path) -> None:
    hook = {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s" * 32}
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **hook}, env_file=tmp_path / "none")
    assert settings.webhook_listen == "127.0.0.1"
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, **hook, "WEBHOOK_LISTEN": "0.0.0.0"}, env_file=tmp_path / "none"
    )
    assert settings.webhook_listen == "0.0.0.0"
    for url in ["http://127.0.0.1:8081", "http://localhost:8081/", "http://[::1]:8081", "https://api.x.org"]:
        loaded = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": url}, tmp_path / "n")
        assert loaded.telegram_api_base_url == url
