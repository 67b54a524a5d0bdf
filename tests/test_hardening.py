"""Hardening (issue 10): ids never reused, private files, logs without patient data, the webhook server,
buttons that act only on what they were sent for, staff-only actions, erasure and retention."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.backup import backup
from bot.config import PAYLOAD_LOGGERS, configure_logging
from tests.harness import ADMIN_ID, OTHER_ID, PATIENT_ID, STAFF_ID, Bot, make_settings, running_bot

SECRET_NAME = "Zebulon Quartzfield"
SECRET_TEXT = "my xylophone-tango shoulder aches after the massage"


async def with_staff(bot: Bot) -> Bot:
    await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
    return bot


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- 4. private files -----------------------------------------------------------------------------


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask_022")
async def test_database_and_backups_are_private_whatever_the_umask(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_path=tmp_path / "data" / "clinic.sqlite3")
    async with running_bot(settings) as bot:
        await with_staff(bot)
        await bot.enrolled_patient(SECRET_NAME)
        database = settings.database_path
        assert mode(database.parent) == 0o700
        for path in [database, Path(f"{database}-wal"), Path(f"{database}-shm")]:
            assert path.exists() and mode(path) == 0o600, path
        target = tmp_path / "backups" / "clinic-copy.sqlite3"
        backup(database, target)
        assert mode(target) == 0o600 and mode(target.parent) == 0o700
        again = tmp_path / "backups" / "second.sqlite3"
        backup(database, again)
        assert mode(again) == 0o600


@pytest.mark.usefixtures("umask_022")
async def test_files_of_older_versions_are_tightened_at_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    settings = make_settings(tmp_path, database_path=folder / "clinic.sqlite3")
    async with running_bot(settings) as bot:
        await with_staff(bot)
        await bot.enrolled_patient(SECRET_NAME)
    database = settings.database_path
    folder.chmod(0o755)
    database.chmod(0o644)
    wal = Path(f"{database}-wal")
    wal.touch()
    wal.chmod(0o644)
    async with running_bot(settings):
        assert mode(folder) == 0o700 and mode(database) == 0o600 and mode(wal) == 0o600


# --- 5. logs --------------------------------------------------------------------------------------


@pytest.fixture
def debug_logging() -> Iterator[None]:
    names = ["", *PAYLOAD_LOGGERS]
    saved = {name: logging.getLogger(name).level for name in names}
    configure_logging("DEBUG")
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("debug_logging")
async def test_debug_logs_hold_no_name_and_no_message_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(make_settings(tmp_path, log_level="DEBUG")) as bot:
        await with_staff(bot)
        number = await bot.enrolled_patient(SECRET_NAME)
        await bot.send(f"/session {number} neck", STAFF_ID)
        await bot.send(SECRET_TEXT, PATIENT_ID)
        await bot.send(f"{SECRET_TEXT} and crushing chest pain", PATIENT_ID)
        await bot.send("/mydata", PATIENT_ID)
        await bot.tick(hours=24)
    logged = "\n".join(
        [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records] + [caplog.text]
    )
    assert any(r.levelno == logging.DEBUG and r.name.startswith("bot.") for r in caplog.records)
    assert "rule" in logged  # our own DEBUG lines are there, naming ids and rules
    assert SECRET_NAME not in logged and "Zebulon" not in logged
    assert "xylophone" not in logged
    assert not [
        r
        for r in caplog.records
        if r.name.split(".")[0] in {"telegram", "aiosqlite", "httpx"} and r.levelno < logging.WARNING
    ]


# --- 7. buttons act only on what they were sent for -------------------------------------------------


def toasts(bot: Bot) -> list[str]:
    return [str(c.params.get("text") or "") for c in bot.telegram.calls if c.method == "answerCallbackQuery"]


async def test_forged_reminder_and_checkin_presses_change_nothing(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.enrolled_patient("Other P.", user_id=OTHER_ID)
    await bot.press("set:posture:on", PATIENT_ID)
    await bot.press("set:posture:on", OTHER_ID)
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.tick(hours=1, minutes=30)  # the first posture reminders go out
    sent = [r for r in await bot.outbox("posture") if r["status"] == "sent"]
    mine = next(r for r in sent if r["patient_id"] == 1)
    theirs = next(r for r in sent if r["patient_id"] == 2)
    pending = next(
        r for r in await bot.outbox("posture") if r["status"] == "pending" and r["patient_id"] == 1
    )
    (checkin,) = [r for r in await bot.outbox("checkin") if r["status"] == "pending"]
    before = {t: await bot.rows(t) for t in ["outbox", "reminder_responses", "checkin_answers"]}
    bot.telegram.clear()
    forged = [
        f"rem:{theirs['id']}:done",  # another patient's reminder
        f"rem:{pending['id']}:snooze",  # one not sent yet
        f"rem:{checkin['id']}:done",  # not a reminder
        f"ci:{checkin['id']}:none",  # a check-in not asked yet
        f"ci:{mine['id']}:none",  # a reminder is not a check-in
        "rem:abc:done",
        "rem:",
        "ci:99999999999999:none",
    ]
    for data in forged:
        bot.clock.advance(seconds=5)
        await bot.press(data, PATIENT_ID)
    assert {t: await bot.rows(t) for t in before} == before
    assert bot.telegram.sent(PATIENT_ID) == []  # toasts only, no messages
    assert len(toasts(bot)) == len(forged) and all(toasts(bot))


async def test_snoozing_a_snooze_keeps_a_fixed_key_and_forged_snoozes_add_nothing(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.press("set:posture:on", PATIENT_ID)
    await bot.tick(hours=1, minutes=30)
    first = next(r for r in await bot.outbox("posture") if r["status"] == "sent")
    await bot.press(f"rem:{first['id']}:snooze", PATIENT_ID)
    snoozed = next(r for r in await bot.outbox("posture") if ":snooze:" in r["idempotency_key"])
    rows_before = len(await bot.rows("outbox"))
    bot.telegram.clear()
    for _ in range(200):  # forged presses on the snoozed copy before it was sent (under the flood limit)
        bot.clock.advance(seconds=4)
        await bot.press(f"rem:{snoozed['id']}:snooze", PATIENT_ID)
    assert len(await bot.rows("outbox")) == rows_before
    assert len([t for t in toasts(bot) if "passed" in t]) == 200
    await bot.tick(minutes=30)  # the snoozed copy goes out
    keys = []
    for _ in range(5):  # snooze the snooze, again and again
        chain = [r for r in await bot.outbox("posture") if ":snooze:" in r["idempotency_key"]]
        latest = max(chain, key=lambda r: r["id"])
        assert latest["status"] == "sent", [
            (r["id"], r["idempotency_key"], r["status"], r["due_at"], r["last_error"]) for r in chain
        ]
        await bot.press(f"rem:{latest['id']}:snooze", PATIENT_ID)
        newest = max(await bot.outbox("posture"), key=lambda r: r["id"])
        keys.append(newest["idempotency_key"])
        for _ in range(12):  # until the snoozed copy is out (the gate may hold it for a while)
            await bot.tick(minutes=10)
            if (await bot.db.outbox_item(newest["id"])).was_sent:  # type: ignore[union-attr]
                break
    assert len(set(keys)) == 5
    assert {len(k) for k in keys} <= {len(first["idempotency_key"]) + len(":snooze:") + d for d in (1, 2, 3)}
    assert all(k.startswith(first["idempotency_key"] + ":snooze:") and k.count("snooze") == 1 for k in keys)
