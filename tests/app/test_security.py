"""Hostile input: who may do what (a full matrix), forged buttons, fuzzed updates, and faults at Telegram."""

from __future__ import annotations

import asyncio
import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.handlers import ADMIN_COMMANDS as ADMIN_COMMAND_TABLE
from bot.handlers import STAFF_COMMANDS as STAFF_COMMAND_TABLE
from bot.handlers.commands import COMMANDS as DECLARED_COMMANDS
from tests.support import factories
from tests.support.harness import (
    ADMIN_ID,
    OTHER_ID,
    PATIENT_ID,
    STAFF_CHAT_ID,
    STAFF_ID,
    STRANGER_ID,
    Bot,
    FakeClock,
    make_settings,
    running_bot,
)

REMOVED_STAFF_ID = 1003
# Every staff and admin command, with each way of calling it its declaration lists.
STAFF_COMMANDS = [f"/{c.name} {args}".strip() for c in DECLARED_COMMANDS for args in c.tries]
STAFF_BUTTONS = [
    "pc:1",
    "pc:1:session",
    "pc:1:invite",
    "pc:1:stop",
    "pc:1:erase",
    "pc:1:erase_yes",
    "pl:0:",
    "pl:8:jan",
    "bc:1:aud:all",
    "bc:1:when:now",
    "bc:1:when:type",
    "bc:1:send",
    "bc:1:cancel",
    "alert:1",
]
ACTORS = {"patient": PATIENT_ID, "stranger": STRANGER_ID, "removed staff": REMOVED_STAFF_ID}
TABLES = ["patients", "invites", "staff", "sessions", "outbox", "alerts", "broadcasts", "prefs", "audit_log"]


async def world(bot: Bot) -> None:
    """A patient with a session and an open alert, a broadcast draft, and a staff member since removed."""
    await bot.send(f"/staff add {REMOVED_STAFF_ID}", ADMIN_ID)
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.send("crushing chest pain", PATIENT_ID)
    await bot.send("/broadcast Hello", STAFF_ID)
    await bot.send(f"/staff remove {REMOVED_STAFF_ID}", ADMIN_ID)
    bot.telegram.clear()


async def snapshot(bot: Bot) -> dict[str, list[dict[str, Any]]]:
    return {table: await bot.rows(table) for table in TABLES}


@pytest.mark.parametrize("actor", ACTORS)
async def test_authorization_matrix(bot: Bot, actor: str) -> None:
    """Every staff command and button, tried by a patient, a stranger and a removed staff member."""
    await world(bot)
    before = await snapshot(bot)
    user_id = ACTORS[actor]
    for command in STAFF_COMMANDS:
        bot.clock.advance(seconds=5)  # stay under the flood limit; that is tested elsewhere
        bot.telegram.clear()
        await bot.send(command, user_id)
        assert bot.telegram.texts(user_id) == ["Sorry, that command is for clinic staff."], (actor, command)
        # And the same commands in the staff group, from someone who is not staff: silence.
        await bot.send(command, user_id, chat_id=STAFF_CHAT_ID, chat_type="supergroup")
        assert bot.telegram.texts(STAFF_CHAT_ID) == [], (actor, command)
    for data in STAFF_BUTTONS:
        bot.clock.advance(seconds=5)
        bot.telegram.clear()
        await bot.press(data, user_id)
        answers = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"]
        assert answers and answers[-1].params.get("text") == "Sorry, that command is for clinic staff.", data
        assert not [c for c in bot.telegram.calls if c.method in {"sendMessage", "editMessageText"}], data
    assert await snapshot(bot) == before
    tried = {command.split()[0].removeprefix("/") for command in STAFF_COMMANDS}
    assert tried == {c.name for c in DECLARED_COMMANDS} == set(STAFF_COMMAND_TABLE) | set(ADMIN_COMMAND_TABLE)


async def test_forged_buttons_naming_another_patient(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.enrolled_patient("Other P.", user_id=OTHER_ID)
    await bot.press("set:posture:on", PATIENT_ID)
    await bot.send(f"/session {number}", STAFF_ID)
    await bot.tick(hours=24)
    checkin = next(c for c in bot.telegram.sent(PATIENT_ID) if "how are you feeling" in c.text)
    await bot.tick(minutes=90)
    posture = bot.telegram.sent(PATIENT_ID)[-1]
    before = await snapshot(bot)
    for data in [*checkin.button_data, *posture.button_data, "join:1", "join:2"]:
        await bot.press(data, OTHER_ID)
    after = await snapshot(bot)
    assert await bot.rows("checkin_answers") == [] and await bot.rows("reminder_responses") == []
    assert before["patients"] == after["patients"] and before["outbox"] == after["outbox"]


# --- fuzzing --------------------------------------------------------------------------------------

USERS = [PATIENT_ID, OTHER_ID, STRANGER_ID, STAFF_ID, ADMIN_ID, REMOVED_STAFF_ID, 777]
COMMANDS = [
    "/start",
    "/help",
    "/stop",
    "/settings",
    "/mydata",
    "/forget",
    "/contact",
    "/privacy",
    "/enroll",
    "/session",
    "/patient",
    "/patients",
    "/broadcast",
    "/alerts",
    "/stats",
    "/staff",
    "/cancel",
    "/broadcasts",
    "/x",
]
PREFIXES = ["join:", "alert:", "ci:", "rem:", "set:", "offer:", "pl:", "pc:", "bc:", "forget:", "ss:", ""]

texts = st.one_of(
    st.text(max_size=80),
    st.text(max_size=4096),
    st.sampled_from(["chest pain", "is it normal to be sore", "numbness", "hi", "Europe/London", "ok"]),
)
arguments = st.lists(st.one_of(st.integers(-5, 10**12).map(str), st.text(max_size=30)), max_size=4)
commands = st.tuples(st.sampled_from(COMMANDS), arguments).map(lambda t: " ".join([t[0], *t[1]]))
callback_data = st.one_of(
    st.tuples(st.sampled_from(PREFIXES), st.text(max_size=60)).map("".join),
    st.tuples(
        st.sampled_from(PREFIXES),
        st.integers(0, 30),
        st.sampled_from(["", ":yes", ":1", ":session", ":send", ":undo", ":fix", ":use", ":keep"]),
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
)


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    user = draw(st.sampled_from(USERS))
    kind = draw(
        st.sampled_from(
            [
                "text",
                "command",
                "edited",
                "callback",
                "media",
                "group",
                "channel",
                "member",
                "no_from",
                "callback_no_message",
            ]
        )
    )
    if kind in {"text", "command", "edited"}:
        text = draw(commands) if kind == "command" else draw(texts)
        return factories.text_update_json(text or ".", user_id=user, edited=kind == "edited")
    if kind == "callback":
        return factories.callback_update_json(draw(callback_data), user_id=user)
    if kind == "callback_no_message":
        data = factories.callback_update_json(draw(callback_data), user_id=user)
        del data["callback_query"]["message"]
        return data
    if kind == "media":
        return Update.de_json(
            {
                "update_id": 1,
                "message": factories.message_json(
                    None,
                    user_id=user,
                    extra=draw(
                        st.sampled_from(
                            [
                                {"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]},
                                {"location": {"latitude": 1.0, "longitude": 2.0}},
                                {
                                    "sticker": {
                                        "file_id": "s",
                                        "file_unique_id": "t",
                                        "width": 1,
                                        "height": 1,
                                        "is_animated": False,
                                        "is_video": False,
                                        "type": "regular",
                                    }
                                },
                            ]
                        )
                    ),
                ),
            },
            None,
        ).to_dict()
    if kind == "group":
        return factories.text_update_json(
            draw(st.one_of(texts, commands)) or ".",
            user_id=user,
            chat_id=draw(st.sampled_from([STAFF_CHAT_ID, -100999])),
            chat_type="supergroup",
        )
    if kind == "channel":
        message = factories.message_json(
            draw(texts) or ".", user_id=user, chat_id=-100777, chat_type="channel"
        )
        del message["from"]
        return {"update_id": 1, "channel_post": message}
    if kind == "no_from":
        message = factories.message_json(draw(texts) or ".", user_id=user)
        del message["from"]
        return {"update_id": 1, "message": message}
    return {
        "update_id": 1,
        "my_chat_member": {
            "chat": factories.chat_json(user),
            "from": factories.user_json(user),
            "date": factories.DATE,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 7_000_000_001, "is_bot": True, "first_name": "B"},
            },
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 7_000_000_001, "is_bot": True, "first_name": "B"},
            },
        },
    }


FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ_BATCH = 60


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(batch=st.lists(updates(), min_size=FUZZ_BATCH, max_size=FUZZ_BATCH))
def test_fuzzed_updates_never_crash_and_private_texts_get_replies(
    tmp_path_factory: pytest.TempPathFactory, batch: list[dict[str, Any]]
) -> None:
    asyncio.run(_run_batch(tmp_path_factory.mktemp("fuzz"), batch))


async def _run_batch(folder: Path, batch: list[dict[str, Any]]) -> None:
    async with running_bot(make_settings(folder), clock=FakeClock()) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        await bot.enrolled_patient()
        for number, raw in enumerate(batch, start=1000):
            raw["update_id"] = number
            update = Update.de_json(raw, bot.app.bot)
            bot.telegram.clear()
            bot.clock.advance(seconds=5)  # a pace that stays under the flood limit
            await bot.app.process_update(update)
            message = raw.get("message") or raw.get("edited_message")
            if message and message.get("text") and message["chat"]["type"] == "private" and "from" in message:
                chat = message["chat"]["id"]
                replied = [c for c in bot.telegram.calls if c.chat_id == chat and c.method == "sendMessage"]
                assert replied, f"no reply to {message['text'][:60]!r}"
        assert bot.errors == [], bot.errors


# --- faults at Telegram ---------------------------------------------------------------------------


async def test_faults_lose_no_scheduled_message(tmp_path: Path) -> None:
    """Timeouts, 5xx, 429, 400 and 403 while reminders go out: every one still arrives."""
    rng = random.Random(11)
    async with running_bot(make_settings(tmp_path)) as bot:
        await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
        patients = [5000 + i for i in range(12)]
        for user in patients:
            bot.clock.advance(seconds=10)
            await bot.enrolled_patient(f"P{user}", user_id=user)
            await bot.press("set:posture:on", user)
        bot.telegram.blocked.add(patients[-1])
        bot.clock.set(datetime(2026, 3, 2, 18, 29, tzinfo=UTC))  # 10:29 in Los Angeles
        bot.telegram.clear()
        faults = 0

        def inject(count: int) -> None:
            """The next ``count`` sends meet one fault each, in a random mix."""
            nonlocal faults
            for _ in range(count):
                faults += 1
                fault = rng.choice(["timeout", "500", "502", "429", "400"])
                if fault == "timeout":
                    bot.telegram.timeouts += 1
                elif fault == "429":
                    bot.telegram.fail("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
                elif fault == "400":
                    bot.telegram.fail("sendMessage", 400, "Bad Request: internal hiccup")
                else:
                    bot.telegram.fail("sendMessage", int(fault), "Internal Server Error")

        for step in range(4 * 150):  # 10:29 to 12:59 in 15-second steps
            if step in (0, 4 * 90):  # just before the 10:30 and the 12:00 reminders
                inject(25)
            await bot.tick(seconds=15)
        assert bot.errors == [] and faults > 20
        delivered: dict[int, int] = {}
        for call in bot.telegram.delivered:
            if "<b>Posture break</b>" in call.text and call.chat_id is not None:
                delivered[call.chat_id] = delivered.get(call.chat_id, 0) + 1
        # The 10:30 and 12:00 reminders reached every patient who can be reached; a timed-out send
        # may have arrived after all, so a repeat is possible, a loss is not.
        for user in patients[:-1]:
            assert delivered.get(user, 0) >= 2, user
        rows = [r for r in await bot.outbox("posture") if r["due_at"] <= "2026-03-02T20:00:00Z"]
        reachable = {r["status"] for r in rows if r["patient_id"] != 12}
        assert reachable == {"sent"}
        assert (await bot.db.patient(12)).status == "blocked"  # type: ignore[union-attr]


def test_callback_data_is_built_and_read_in_one_place() -> None:
    """Every family of buttons builds data within Telegram's 64 bytes and reads it back field by field;
    anything else (another family, too long) is refused, never half-read."""
    from bot import callbacks

    assert callbacks.CARD.parse(callbacks.CARD.data(12, "erase_yes", "n0nce")) == ("12", "erase_yes", "n0nce")
    assert callbacks.CARD.parse("pc:12") == ("12", "", "")
    assert callbacks.PATIENT_LIST.parse(callbacks.PATIENT_LIST.data(8, "a:b")) == ("8", "a:b")
    assert callbacks.CARD.parse("bc:12:send") is None and callbacks.CARD.parse(None) is None
    assert (
        callbacks.number("12") == 12 and callbacks.number("-1") is None and callbacks.number("9" * 13) is None
    )
    with pytest.raises(ValueError, match="over 64 bytes"):
        callbacks.PATIENT_LIST.data(0, "x" * 64)
    with pytest.raises(ValueError, match="at most 1 fields"):
        callbacks.ALERT.data(1, "extra")
    prefixes = [c.prefix for c in vars(callbacks).values() if isinstance(c, callbacks.Callback)]
    assert len(prefixes) == len(set(prefixes)) and all(p.endswith(":") for p in prefixes)
