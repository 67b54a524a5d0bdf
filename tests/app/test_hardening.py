"""Hardening (issue 10): ids never reused, private files, logs without patient data, the webhook server,
buttons that act only on what they were sent for, staff-only actions, erasure and retention."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.backup import backup
from bot.config import PAYLOAD_LOGGERS, configure_logging
from bot.db import MIGRATIONS
from tests.support.harness import (
    ADMIN_ID,
    OTHER_ID,
    PATIENT_ID,
    STAFF_CHAT_ID,
    STAFF_ID,
    Bot,
    make_settings,
    running_bot,
)

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
    tables = ["outbox", "reminder_responses", "checkin_answers", "prefs", "patients", "invites"]
    before = {t: await bot.rows(t) for t in tables}
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
        "set:tz:Mars/Base",  # settings no screen offers
        "set:quiet:01000200",
        "set:pause:365",
        "join:abc",
        "join:",
        "nonsense",
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
            if (await bot.db.outbox_item(newest["id"])).status == "sent":  # type: ignore[union-attr]
                break
    assert len(set(keys)) == 5
    assert {len(k) for k in keys} <= {len(first["idempotency_key"]) + len(":snooze:") + d for d in (1, 2, 3)}
    assert all(k.startswith(first["idempotency_key"] + ":snooze:") and k.count("snooze") == 1 for k in keys)


# --- 2. ids are never reused ------------------------------------------------------------------------


async def test_erased_numbers_and_alert_ids_are_never_reused(bot: Bot) -> None:
    first = await bot.enrolled_patient("First P.", user_id=OTHER_ID)
    newest = await bot.enrolled_patient(SECRET_NAME)
    await bot.send(f"/session {newest}", STAFF_ID)
    await bot.send("crushing chest pain", PATIENT_ID)
    (alert_call,) = [c for c in bot.telegram.sent(STAFF_CHAT_ID) if "EMERGENCY" in c.text]
    old_alert_button = alert_call.button_data[0]
    old_card_button = f"pc:{newest}:stop"
    await bot.send("/alerts", STAFF_ID)  # a second copy of the alert, in a staff member's own chat
    posted, copy = await bot.rows("alert_messages")
    assert posted["chat_id"] == STAFF_CHAT_ID and copy["chat_id"] == STAFF_ID
    bot.telegram.clear()

    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    # The open alert in the staff chat now says so, without the name and without the button.
    edits = [c for c in bot.telegram.calls if c.method == "editMessageText"]
    assert [(e.chat_id, int(e.params["message_id"])) for e in edits] == [
        (STAFF_CHAT_ID, posted["message_id"]),
        (STAFF_ID, copy["message_id"]),
    ]
    for edit in edits:
        assert f"#{newest}" in edit.text and "erased" in edit.text and SECRET_NAME not in edit.text
        assert not edit.button_data
    assert await bot.rows("alert_messages") == []

    bot.clock.advance(minutes=5)
    again = await bot.enrolled_patient("Next P.", user_id=4242)
    assert again == newest + 1 and again != first
    await bot.send(f"/session {again}", STAFF_ID)
    await bot.send("crushing chest pain", 4242)
    (new_alert,) = await bot.rows("alerts")
    assert f"alert:{new_alert['id']}" != old_alert_button

    bot.telegram.clear()
    await bot.press(old_alert_button, STAFF_ID, chat_id=STAFF_CHAT_ID)  # the erased patient's old alert
    await bot.press(old_card_button, STAFF_ID)  # and the erased patient's old card
    assert toasts(bot) == ["This alert is no longer available.", no_longer_available(bot)]
    assert (await bot.rows("alerts"))[0]["handled_by"] is None  # the new emergency stays open
    assert (await bot.db.patient(again)).status == "active"  # type: ignore[union-attr]


def no_longer_available(bot: Bot) -> str:
    return bot.services.content.texts.render_plain("console.gone")


async def test_upgrade_rebuilds_tables_with_autoincrement_and_keeps_every_row(tmp_path: Path) -> None:
    """A database from before the migration (with a column another migration added) upgrades in place."""
    database = tmp_path / "clinic.sqlite3"
    conn = sqlite3.connect(database)
    for migration in MIGRATIONS[:2]:
        assert isinstance(migration, str)
        conn.executescript(migration)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("ALTER TABLE patients ADD COLUMN nickname TEXT DEFAULT 'x'")
    now = "2026-03-01T10:00:00Z"
    for number in (1, 2, 3):
        conn.execute(
            "INSERT INTO patients (id, display_name, telegram_user_id, chat_id, status, created_at, "
            "status_changed_at, nickname) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
            (number, f"P{number}", 5000 + number, 5000 + number, now, now, f"n{number}"),
        )
        conn.execute(
            "INSERT INTO sessions (patient_id, recorded_by, session_at, clinic_date) VALUES (?, 1, ?, ?)",
            (number, now, "2026-03-01"),
        )
        conn.execute(
            "INSERT INTO alerts (patient_id, created_at, urgency, category, rule) "
            "VALUES (?, ?, 'urgent', 'c', 'r')",
            (number, now),
        )
    conn.execute("DELETE FROM alerts WHERE id = 3")
    conn.commit()
    conn.close()

    settings = make_settings(tmp_path, database_path=database)
    async with running_bot(settings) as bot:
        assert await bot.db.schema_version() == len(MIGRATIONS)
        patients = await bot.rows("patients")
        assert [(p["id"], p["nickname"]) for p in patients] == [(1, "n1"), (2, "n2"), (3, "n3")]
        assert len(await bot.rows("sessions")) == 3 and len(await bot.rows("alerts")) == 2
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await bot.send("/enroll Fourth P.", STAFF_ID)
        assert [p["id"] for p in await bot.rows("patients")][-1] == 4
    conn = sqlite3.connect(database)
    try:
        schemas = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        keyed = [name for name, sql in schemas.items() if re.search(r"\bid INTEGER PRIMARY KEY", sql)]
        assert set(keyed) >= {"patients", "invites", "sessions", "outbox", "alerts", "broadcasts"}
        assert all("AUTOINCREMENT" in schemas[name] for name in keyed), keyed
        sequence = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        assert sequence["alerts"] == 2 and sequence["patients"] == 4 and sequence["sessions"] == 3
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"invites_patient", "sessions_patient", "outbox_due", "outbox_kind_status"} <= indexes
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


# --- 8. staff actions -------------------------------------------------------------------------------


async def test_enroll_in_the_staff_group_sends_the_link_privately(bot: Bot) -> None:
    await bot.send("/enroll Ann B.", STAFF_ID, chat_id=STAFF_CHAT_ID, chat_type="supergroup")
    group = bot.telegram.texts(STAFF_CHAT_ID)
    assert len(group) == 1 and "sent the invite link for <b>#1</b>" in group[0] and "?start=" not in group[0]
    private = bot.telegram.sent(STAFF_ID)
    assert "?start=" in private[0].text and private[1].method == "sendPhoto"
    # Someone who never opened a private chat with the bot (403) is told how to.
    bot.telegram.clear()
    bot.telegram.blocked.add(STAFF_ID)
    await bot.send("/enroll Bo C.", STAFF_ID, chat_id=STAFF_CHAT_ID, chat_type="supergroup")
    (text,) = bot.telegram.texts(STAFF_CHAT_ID)
    assert "can't message you privately" in text and "@procare_clinic_bot" in text and "Start" in text
    assert "?start=" not in text and bot.telegram.delivered == [bot.telegram.sent(STAFF_CHAT_ID)[0]]


async def test_erasing_is_for_admins_and_its_confirmation_cannot_be_forged(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    for data in [f"pc:{number}:erase", f"pc:{number}:erase_yes", f"pc:{number}:erase_yes:guess"]:
        await bot.press(data, STAFF_ID)  # staff, not an admin
    assert all("Only clinic admins" in t for t in toasts(bot)) and bot.telegram.sent(STAFF_ID) == []
    bot.telegram.clear()
    for data in [f"pc:{number}:erase_yes", f"pc:{number}:erase_yes:forgedforged"]:
        await bot.press(data, ADMIN_ID)  # an admin, but without a real confirmation
    assert all("expired or was already used" in t for t in toasts(bot))
    await bot.press(f"pc:{number}:erase", ADMIN_ID)
    yes = bot.telegram.sent(ADMIN_ID)[-1].button_data[0]
    await bot.send("/enroll Other P.", STAFF_ID)
    other = number + 1
    await bot.press(yes.replace(f"pc:{number}:", f"pc:{other}:"), ADMIN_ID)  # aimed at someone else
    assert await bot.db.patient(other) is not None and await bot.db.patient(number) is not None
    await bot.press(f"pc:{number}:erase", ADMIN_ID)
    yes = bot.telegram.sent(ADMIN_ID)[-1].button_data[0]
    bot.clock.advance(minutes=11)
    await bot.press(yes, ADMIN_ID)  # too late
    assert await bot.db.patient(number) is not None
    await bot.press(f"pc:{number}:erase", ADMIN_ID)
    yes = bot.telegram.sent(ADMIN_ID)[-1].button_data[0]
    await bot.press(yes, ADMIN_ID)
    assert await bot.db.patient(number) is None
    await bot.send("/enroll Third P.", STAFF_ID)
    await bot.press(yes.replace(f"pc:{number}:", f"pc:{number + 2}:"), ADMIN_ID)  # used once already
    assert await bot.db.patient(number + 2) is not None


async def test_new_link_for_a_joined_patient_asks_first_and_tells_the_old_account(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.press(f"pc:{number}:invite", STAFF_ID)
    assert "already joined" in bot.telegram.last_text(STAFF_ID)
    assert len(await bot.rows("invites")) == 1  # nothing issued yet
    await bot.press(f"pc:{number}", STAFF_ID)  # Cancel: back to the card
    assert len(await bot.rows("invites")) == 1
    await bot.press(f"pc:{number}:invite_yes", STAFF_ID)
    assert len(await bot.rows("invites")) == 2
    assert "new invite link for your account" in bot.telegram.last_text(PATIENT_ID)
    # An invited patient who never joined gets the new link straight away.
    await bot.send("/enroll Never J.", STAFF_ID)
    bot.telegram.clear()
    await bot.press(f"pc:{number + 1}:invite", STAFF_ID)
    assert "New invite link" in bot.telegram.texts(STAFF_ID)[0]


# --- 9. erasure and retention -----------------------------------------------------------------------


def raw_bytes(bot: Bot) -> bytes:
    path = bot.services.settings.database_path
    return b"".join(p.read_bytes() for p in [path, Path(f"{path}-wal")] if p.exists())


async def test_forget_checks_the_checkpoint_and_reports_pages_left_behind(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.enrolled_patient(SECRET_NAME)
    reader = sqlite3.connect(bot.services.settings.database_path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM patients").fetchone()  # holds an old snapshot, like a backup
        caplog.set_level(logging.WARNING)
        await bot.send("/forget", PATIENT_ID)
        await bot.press("forget:yes", PATIENT_ID)
        assert await bot.db.patient(1) is None
        (warning,) = [r for r in caplog.records if "write-ahead log could not be emptied" in r.getMessage()]
        assert SECRET_NAME not in warning.getMessage() and "busy=1" in warning.getMessage()
    finally:
        reader.close()
    scrub = await bot.db.scrub()  # the next checkpoint finishes the job
    assert scrub.done and scrub.busy == 0 and scrub.log_pages == scrub.checkpointed
    assert SECRET_NAME.encode() not in raw_bytes(bot)


async def test_forget_without_readers_empties_the_log_at_once(bot: Bot) -> None:
    number = await bot.enrolled_patient(SECRET_NAME)
    erasure = await bot.db.erase_patient(bot.clock.now(), number, actor_id=0)
    assert erasure is not None and erasure.scrub.done and erasure.scrub.attempts == 1
    assert SECRET_NAME.encode() not in raw_bytes(bot)
    assert await bot.db.erase_patient(bot.clock.now(), number, actor_id=0) is None


async def test_privacy_says_what_erasure_cannot_reach(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("/privacy", PATIENT_ID)
    text = bot.telegram.last_text(PATIENT_ID)
    assert "What erasing can't reach" in text and "staff chat" in text and "backup" in text
    await bot.send("/forget", PATIENT_ID)
    assert "/privacy" in bot.telegram.last_text(PATIENT_ID)


async def test_the_daily_retention_job_follows_the_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, retention_questions_days=30, retention_invites_days=90)
    async with running_bot(settings) as bot:
        await with_staff(bot)
        await bot.enrolled_patient()
        await bot.enroll("Never Opened")
        await bot.send("is it normal to be sore", PATIENT_ID)
        bot.clock.advance(days=31)
        assert bot.app.job_queue is not None
        (job,) = bot.app.job_queue.get_jobs_by_name("retention")
        await job.run(bot.app)
        assert len(await bot.rows("invites")) == 1  # the used one stays for its retention period
        assert await bot.rows("questions") == []
