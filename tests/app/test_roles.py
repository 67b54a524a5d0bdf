"""Staff and admin commands: refused for everyone else, with nothing changed."""

from __future__ import annotations

import pytest

from tests.support.harness import ADMIN_ID, PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, STRANGER_ID, Bot

STAFF_COMMANDS = [
    "/enroll Mallory X.",
    "/session 1",
    "/session 1 neck",
    "/staff",
    "/staff add 5",
    "/staff remove 1002",
]


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_patients_and_strangers_are_refused(bot: Bot, command: str) -> None:
    await bot.enrolled_patient()
    before = {
        table: await bot.rows(table) for table in ["patients", "invites", "sessions", "staff", "outbox"]
    }
    for user_id in (PATIENT_ID, STRANGER_ID):
        bot.telegram.clear()
        await bot.send(command, user_id)
        assert bot.telegram.texts(user_id) == ["Sorry, that command is for clinic staff."]
    after = {table: await bot.rows(table) for table in before}
    assert after == before


async def test_staff_cannot_manage_staff(bot: Bot) -> None:
    await bot.send("/staff add 4242", STAFF_ID)
    assert "only clinic admins" in bot.telegram.last_text(STAFF_ID)
    assert 4242 not in await bot.db.staff_ids()


async def test_admin_adds_lists_and_removes_staff(bot: Bot) -> None:
    await bot.send("/staff add 4242", ADMIN_ID)
    assert "4242 now has staff access" in bot.telegram.last_text(ADMIN_ID)
    menu = [c for c in bot.telegram.calls if c.method == "setMyCommands"][-1]
    assert menu.params["scope"] == {"type": "chat", "chat_id": 4242}
    await bot.send("/enroll Ann B.", 4242)
    assert "#1" in bot.telegram.texts(4242)[0]

    await bot.send("/staff", ADMIN_ID)
    listing = bot.telegram.last_text(ADMIN_ID)
    assert "1001" in listing and "1002" in listing and "4242" in listing

    await bot.send("/staff remove 4242", ADMIN_ID)
    assert "no longer has staff access" in bot.telegram.last_text(ADMIN_ID)
    assert any(c.method == "deleteMyCommands" for c in bot.telegram.calls)
    await bot.send("/enroll Bob C.", 4242)
    assert bot.telegram.last_text(4242) == "Sorry, that command is for clinic staff."
    assert len(await bot.rows("patients")) == 1

    actions = [row["action"] for row in await bot.rows("audit_log")]
    assert actions.count("staff_add") == 2 and actions.count("staff_remove") == 1


async def test_staff_command_bad_input(bot: Bot) -> None:
    for text in [
        "/staff add",
        "/staff add abc",
        "/staff fire 12",
        "/staff add 1 2",
        "/staff add 99999999999999999999",
    ]:
        await bot.send(text, ADMIN_ID)
        assert "/staff add 123456789" in bot.telegram.last_text(ADMIN_ID)
    await bot.send("/staff remove 777", ADMIN_ID)
    assert "not on the staff list" in bot.telegram.last_text(ADMIN_ID)
    await bot.send(f"/staff remove {ADMIN_ID}", ADMIN_ID)
    assert "is an admin" in bot.telegram.last_text(ADMIN_ID)
    await bot.send(f"/staff add {STAFF_ID}", ADMIN_ID)
    assert "already has staff access" in bot.telegram.last_text(ADMIN_ID)


async def test_staff_commands_work_in_the_staff_group(bot: Bot) -> None:
    await bot.send("/enroll Ann B.", STAFF_ID, chat_id=STAFF_CHAT_ID, chat_type="supergroup")
    assert "#1" in bot.telegram.texts(STAFF_CHAT_ID)[0]


async def test_other_groups_are_ignored(bot: Bot) -> None:
    await bot.send("/enroll Ann B.", STAFF_ID, chat_id=-100999, chat_type="group")
    await bot.send("hello", STRANGER_ID, chat_id=-100999, chat_type="group")
    assert bot.telegram.texts(-100999) == []
    assert await bot.rows("patients") == []


async def test_menus_are_published_per_role(bot: Bot, tmp_path: object) -> None:
    from tests.support.harness import make_settings, running_bot

    async with running_bot(make_settings(tmp_path / "other")) as fresh:  # type: ignore[operator]
        calls = [c for c in fresh.telegram.calls if c.method == "setMyCommands"]
    scopes = [c.params["scope"] for c in calls]
    assert {"type": "all_private_chats"} in scopes
    assert {"type": "chat", "chat_id": ADMIN_ID} in scopes
    patient_menu = next(c for c in calls if c.params["scope"] == {"type": "all_private_chats"})
    names = [command["command"] for command in patient_menu.params["commands"]]
    assert "enroll" not in names and "help" in names
    admin_menu = next(c for c in calls if c.params["scope"].get("chat_id") == ADMIN_ID)
    assert {"enroll", "session", "staff"} <= {c["command"] for c in admin_menu.params["commands"]}


async def test_added_to_a_group_by_staff_tells_the_group_id(bot: Bot) -> None:
    from telegram import Update

    def membership(adder: int, chat_id: int) -> Update:
        bot_user = {"id": 7_000_000_001, "is_bot": True, "first_name": "ProCare"}
        return Update.de_json(
            {
                "update_id": 99,
                "my_chat_member": {
                    "chat": {"id": chat_id, "type": "supergroup", "title": "Front desk"},
                    "from": {"id": adder, "is_bot": False, "first_name": "Sam"},
                    "date": 1_790_000_000,
                    "old_chat_member": {"status": "left", "user": bot_user},
                    "new_chat_member": {"status": "member", "user": bot_user},
                },
            },
            bot.app.bot,
        )

    await bot.app.process_update(membership(STAFF_ID, -100777))
    assert "STAFF_CHAT_ID=-100777" in bot.telegram.last_text(-100777)
    await bot.app.process_update(membership(STRANGER_ID, -100888))
    assert bot.telegram.texts(-100888) == []
