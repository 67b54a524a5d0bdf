"""Home exercise programmes through Telegram: defaults at /session, staff /program, the patient's
/exercises (an album, then by file_id), the daily exercise with Done / Snooze / Skip, adherence on the
card and in /stats, /mydata and /forget."""

from __future__ import annotations

from typing import Any

from bot.demo.telegram import ApiCall
from tests.support.harness import PATIENT_ID, STAFF_ID, STRANGER_ID, Bot

# The harness clock starts on Monday 2 March 2026, 17:00 UTC = 09:00 in Los Angeles (PST).


async def programme(bot: Bot) -> list[tuple[str, str]]:
    return [(r["exercise"], r["preset"]) for r in await bot.rows("programme_exercises")]


def staff_views(bot: Bot) -> list[str]:
    """What staff saw, sent or edited, newest last."""
    return [
        str(c.params.get("text") or "")
        for c in bot.telegram.calls
        if c.method in {"sendMessage", "editMessageText"} and c.chat_id == STAFF_ID
    ]


def last_buttons(bot: Bot) -> list[str]:
    calls = [c for c in bot.telegram.calls if c.chat_id == STAFF_ID and c.button_data]
    return calls[-1].button_data


def toasts(bot: Bot) -> list[str]:
    return [str(c.params.get("text") or "") for c in bot.telegram.calls if c.method == "answerCallbackQuery"]


async def later(bot: Bot, hours: int) -> None:
    """Let days pass hour by hour, planning ahead as the bot's periodic pass does."""
    for _ in range(hours):
        await bot.tick(hours=1)
        await bot.services.scheduler.plan_all()


def albums(bot: Bot) -> list[ApiCall]:
    return bot.telegram.sent(PATIENT_ID, methods=("sendMediaGroup",))


def media(call: ApiCall) -> list[dict[str, Any]]:
    return list(call.params["media"])


def names(bot: Bot, ids: list[str]) -> str:
    library = bot.services.content.exercises
    return ", ".join(library.exercises[i].name for i in ids)


async def with_programme(bot: Bot, number: int, *ids: str) -> None:
    """A programme staff typed, one exercise at a time (its version is then the number of ids)."""
    for exercise in ids:
        await bot.send(f"/program {number} add {exercise}", STAFF_ID)
    bot.telegram.clear()


async def test_a_first_session_picks_exercises_for_its_areas_and_a_later_one_keeps_them(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    expected = bot.services.content.programme.pick_defaults(("neck", "shoulders"))
    assert 2 <= len(expected) <= 4 and expected[0] == "chin_tuck"
    await bot.send(f"/session {number} neck shoulders", STAFF_ID)
    reply = bot.telegram.last_text(STAFF_ID)
    assert f"Exercise programme: {names(bot, expected)}. Change it with /program {number}." in reply
    assert await programme(bot) == [(exercise, "standard") for exercise in expected]
    bot.clock.advance(days=1)
    await bot.send(f"/session {number} legs", STAFF_ID)
    assert f"Exercise programme kept as it was: {names(bot, expected)}." in bot.telegram.last_text(STAFF_ID)
    assert len(await programme(bot)) == len(expected)


async def test_a_session_with_no_areas_gets_the_general_set(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number}", STAFF_ID)
    rules = bot.services.content.programme
    assert [e for e, _ in await programme(bot)] == list(rules.general[: rules.max_default])


async def test_staff_add_remove_and_dose_by_buttons(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await with_programme(bot, number, "chin_tuck", "shoulder_blade_squeeze")
    await bot.send(f"/program {number}", STAFF_ID)
    view = bot.telegram.last_text(STAFF_ID)
    assert f"Exercise programme of #{number} Jane D." in view and "1. Chin tuck: Hold 5 seconds" in view
    assert "Exercises done on 0 of the last 7 days." in view
    assert last_buttons(bot) == [
        f"pg:{number}:2:a",
        f"pg:{number}:2:r",
        f"pg:{number}:2:d",
        f"pg:{number}:2:ok",
    ]

    await bot.press(f"pg:{number}:2:a", STAFF_ID)  # areas -> shoulders -> the doorway stretch
    assert f"pg:{number}:2:a:shoulders" in last_buttons(bot)
    await bot.press(f"pg:{number}:2:a:shoulders", STAFF_ID)
    assert f"pg:{number}:2:+:doorway_pec_stretch" in last_buttons(bot)
    await bot.press(f"pg:{number}:2:+:doorway_pec_stretch", STAFF_ID)
    assert [e for e, _ in await programme(bot)][-1] == "doorway_pec_stretch"
    assert "3. Doorway" in staff_views(bot)[-1]

    await bot.press(f"pg:{number}:3:r", STAFF_ID)
    await bot.press(f"pg:{number}:3:-:chin_tuck", STAFF_ID)
    await bot.press(f"pg:{number}:4:d", STAFF_ID)
    await bot.press(f"pg:{number}:4:d:shoulder_blade_squeeze", STAFF_ID)
    assert last_buttons(bot)[:3] == [
        f"pg:{number}:4:=:shoulder_blade_squeeze:{preset}" for preset in ("gentler", "standard", "more")
    ]
    await bot.press(f"pg:{number}:4:=:shoulder_blade_squeeze:gentler", STAFF_ID)
    assert await programme(bot) == [
        ("shoulder_blade_squeeze", "gentler"),
        ("doorway_pec_stretch", "standard"),
    ]
    assert ": Hold 2 seconds, 5 times, 2 times a day (Gentler)" in staff_views(bot)[-1]
    assert [r["action"] for r in await bot.rows("audit_log")].count("programme") == 5

    await bot.press(f"pg:{number}:5:ok", STAFF_ID)
    assert "Programme of #" in staff_views(bot)[-1] and "2 exercise(s)" in staff_views(bot)[-1]


async def test_a_button_of_an_older_version_shows_the_programme_as_it_is_now(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await with_programme(bot, number, "chin_tuck", "shoulder_blade_squeeze")
    await bot.send(f"/program {number} remove chin_tuck", STAFF_ID)  # version 2 -> 3 by typing
    assert await programme(bot) == [("shoulder_blade_squeeze", "standard")]
    await bot.press(f"pg:{number}:2:+:doorway_pec_stretch", STAFF_ID)  # made for version 2
    assert "changed meanwhile" in staff_views(bot)[-1]
    assert await programme(bot) == [("shoulder_blade_squeeze", "standard")]


async def test_forged_and_stale_program_buttons_get_a_toast(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await with_programme(bot, number, "chin_tuck", "shoulder_blade_squeeze")
    for data in [
        "pg:",
        "pg:abc:1:v",
        "pg:999:0:v",
        f"pg:{number}:2:zz",
        f"pg:{number}:x:v",
        f"pg:{number}:2:+:no_such_exercise",
        f"pg:{number}:2:+",
        f"pg:{number}:2:a:elbow",
    ]:
        await bot.press(data, STAFF_ID)
    assert toasts(bot) == ["This button is out of date. Send /program again."] * 8
    await bot.press(f"pg:{number}:2:v", PATIENT_ID)  # a patient pressing a staff button
    assert "only for clinic staff" in toasts(bot)[-1].lower() or "staff" in toasts(bot)[-1].lower()
    assert len(await programme(bot)) == 2
    assert [c for c in bot.telegram.calls if c.method == "editMessageText"] == []


async def test_program_without_a_number_or_for_unknowns_says_what_is_wrong(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send("/program", STAFF_ID)
    assert "Use <code>/program 12</code>" in bot.telegram.last_text(STAFF_ID)
    await bot.send("/program abc", STAFF_ID)
    assert "Use <code>/program 12</code>" in bot.telegram.last_text(STAFF_ID)
    await bot.send("/program 999", STAFF_ID)
    assert bot.telegram.last_text(STAFF_ID) == "There is no patient #999."
    await bot.send(f"/program {number} add no_such_thing", STAFF_ID)
    text = bot.telegram.last_text(STAFF_ID)
    assert 'There is no exercise "no_such_thing"' in text and "<code>chin_tuck</code>" in text
    await bot.send(f"/program {number} add <b>x" + "y" * 500, STAFF_ID)
    assert "There is no exercise" in bot.telegram.last_text(STAFF_ID)
    await bot.send(f"/program {number} add chin_tuck", STAFF_ID)  # no programme yet: starts one
    assert await programme(bot) == [("chin_tuck", "standard")]
    await bot.send(f"/program {number} add chin_tuck", STAFF_ID)
    assert "Chin tuck is already in the programme." in bot.telegram.last_text(STAFF_ID)
    await bot.send(f"/program {number}", PATIENT_ID)  # a patient trying the staff command
    assert "Exercise programme" not in bot.telegram.last_text(PATIENT_ID)


async def test_exercises_come_as_an_album_then_by_file_id(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck shoulders", STAFF_ID)
    bot.telegram.clear()
    bot.telegram.uploads.clear()  # the invite's QR code
    await bot.send("/exercises", PATIENT_ID)
    [album] = albums(bot)
    items = media(album)
    ids = [e for e, _ in await programme(bot)]
    assert len(items) == len(ids) >= 2 and all(item["media"].startswith("attach://") for item in items)
    assert items[0]["caption"].startswith("<b>Chin tuck</b>\n<i>Hold 5 seconds, 10 times, 3 times a day</i>")
    assert "\n1. Sit tall" in items[0]["caption"] and "\n⚠️ " in items[0]["caption"]
    assert len(bot.telegram.uploads) == len(ids)
    assert "keep it extra gentle" in bot.telegram.last_text(PATIENT_ID)  # the session was today
    stored = {r["picture"]: r["file_id"] for r in await bot.rows("telegram_files")}
    pictures = [bot.services.content.exercises.exercises[e].picture.name for e in ids]
    assert set(stored) == set(pictures)

    bot.telegram.clear()
    bot.telegram.uploads.clear()
    await bot.send("/exercises", PATIENT_ID)
    [again] = albums(bot)
    assert [item["media"] for item in media(again)] == [stored[picture] for picture in pictures]
    assert bot.telegram.uploads == [] and again.files == ()


async def test_a_refused_file_id_is_uploaded_again_and_the_new_id_kept(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await with_programme(bot, number, "chin_tuck", "shoulder_blade_squeeze")
    await bot.send("/exercises", PATIENT_ID)
    old = {r["picture"]: r["file_id"] for r in await bot.rows("telegram_files")}
    bot.telegram.refuse_file_ids()
    bot.telegram.clear()
    bot.telegram.uploads.clear()
    await bot.send("/exercises", PATIENT_ID)
    refused, uploaded = albums(bot)
    assert all(not item["media"].startswith("attach://") for item in media(refused))
    assert all(item["media"].startswith("attach://") for item in media(uploaded))
    assert len(bot.telegram.uploads) == 2
    new = {r["picture"]: r["file_id"] for r in await bot.rows("telegram_files")}
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    assert bot.errors == []


async def test_one_exercise_is_a_single_photo_and_a_refused_id_is_reuploaded(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/program {number} add chin_tuck", STAFF_ID)
    await bot.send("/exercises", PATIENT_ID)
    [photo] = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))
    assert photo.files == ("photo",) and "<b>Chin tuck</b>" in photo.text
    [first] = await bot.rows("telegram_files")
    bot.telegram.refuse_file_ids("Bad Request: wrong file identifier/HTTP URL specified")
    bot.telegram.clear()
    await bot.send("/exercises", PATIENT_ID)
    refused, uploaded = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))
    assert refused.params["photo"] == first["file_id"] and uploaded.files == ("photo",)
    [row] = await bot.rows("telegram_files")
    assert row["file_id"] != first["file_id"] and row["file_id"] in bot.telegram.file_ids


async def test_exercises_without_a_programme_or_for_strangers_get_a_kind_reply(bot: Bot) -> None:
    await bot.enrolled_patient()
    await bot.send("/exercises", PATIENT_ID)
    assert "don't have a home exercise programme yet" in bot.telegram.last_text(PATIENT_ID)
    await bot.send("/exercises", STRANGER_ID)
    assert "for the clinic's enrolled patients" in bot.telegram.last_text(STRANGER_ID)


async def test_the_daily_exercise_with_done_snooze_skip_and_adherence_on_card_and_stats(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck shoulders", STAFF_ID)
    for data in ("set:extime", "set:extime:1900"):
        await bot.press(data, PATIENT_ID)
    bot.telegram.clear()
    await bot.tick(hours=10)  # 19:00 local on Monday
    [reminder] = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))
    count = len(await programme(bot))
    assert "<b>Today's exercise</b> (" in reminder.text and f"of {count})" in reminder.text
    assert "keep it extra gentle" in reminder.text and "/exercises" in reminder.text
    done, snooze, skip = reminder.button_data
    exercise = done.rsplit(":", 1)[1]
    assert (
        done.endswith(f":done:{exercise}")
        and snooze.endswith(f":snooze:{exercise}")
        and skip.endswith(f":skip:{exercise}")
    )
    await bot.press(done, PATIENT_ID)
    [row] = await bot.rows("exercise_adherence")
    assert (row["exercise"], row["local_day"], row["response"]) == (exercise, "2026-03-02", "done")

    await later(bot, hours=24)  # Tuesday: the next exercise in turn; snooze, then skip the copy
    tuesday = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))[-1]
    assert tuesday.button_data[0].rsplit(":", 1)[1] != exercise
    await bot.press(tuesday.button_data[1], PATIENT_ID)
    await bot.tick(minutes=30)
    copy = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))[-1]
    assert copy.text == tuesday.text
    await bot.press(copy.button_data[2], PATIENT_ID)
    responses = [(r["local_day"], r["response"]) for r in await bot.rows("exercise_adherence")]
    assert responses == [("2026-03-02", "done"), ("2026-03-03", "skip")]

    await later(bot, hours=72)  # Friday: more than two days after the session, no "gentle" line
    friday = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))[-1]
    assert "<b>Today's exercise</b>" in friday.text and "keep it extra gentle" not in friday.text

    await bot.send(f"/patient {number}", STAFF_ID)
    card = bot.telegram.last_text(STAFF_ID)
    ids = [e for e, _ in await programme(bot)]
    assert f"<b>Home exercises:</b> {names(bot, ids)}" in card
    assert "Exercises done on 1 of the last 7 days." in card
    await bot.send("/stats", STAFF_ID)
    stats = bot.telegram.last_text(STAFF_ID)
    assert "Home exercises: 1 patient(s) with a programme; exercises done on 1 of their 7 days" in stats


async def test_mydata_shows_the_programme_and_forget_erases_it(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await with_programme(bot, number, "chin_tuck")
    await bot.send(f"/session {number} neck", STAFF_ID)
    for data in ("set:extime", "set:extime:1900"):
        await bot.press(data, PATIENT_ID)
    await bot.tick(hours=10)
    reminder = bot.telegram.sent(PATIENT_ID, methods=("sendPhoto",))[-1]
    await bot.press(reminder.button_data[0], PATIENT_ID)
    await bot.send("/mydata", PATIENT_ID)
    report = "\n".join(bot.telegram.texts(PATIENT_ID)[-2:])
    assert "<b>Your home exercises</b>\n• Chin tuck: Hold 5 seconds, 10 times, 3 times a day" in report
    assert "<b>Exercises you marked</b>\n• " in report and ": done on 1 day(s), last 2026-03-02" in report
    await bot.send("/forget", PATIENT_ID)
    await bot.press("forget:yes", PATIENT_ID)
    for table in ("programmes", "programme_exercises", "exercise_adherence"):
        assert await bot.rows(table) == [], table
    assert len(await bot.rows("telegram_files")) == 1  # Telegram's copies of pictures are no one's data


async def test_an_exercise_with_an_animation_moves_on_its_own_and_stays_still_in_an_album(bot: Bot) -> None:
    exercise = bot.services.content.exercises.exercises["shoulder_rolls"]
    assert exercise.animation is not None and exercise.animation.name.endswith(".gif")
    number = await bot.enrolled_patient()
    await with_programme(bot, number, "shoulder_rolls")
    await bot.send("/exercises", PATIENT_ID)
    [moving] = bot.telegram.sent(PATIENT_ID, methods=("sendAnimation",))
    assert moving.files == ("animation",) and "<b>Shoulder rolls</b>" in moving.text
    bot.telegram.clear()
    await bot.send("/exercises", PATIENT_ID)  # the second time by its file_id
    [again] = bot.telegram.sent(PATIENT_ID, methods=("sendAnimation",))
    assert again.files == () and again.params["animation"].startswith("file-")

    for data in ("set:extime", "set:extime:1900"):  # the daily exercise moves too, with its buttons
        await bot.press(data, PATIENT_ID)
    await bot.tick(hours=10)
    reminder = bot.telegram.sent(PATIENT_ID, methods=("sendAnimation",))[-1]
    assert "Today's exercise" in reminder.text and reminder.button_data[0].endswith(":done:shoulder_rolls")

    await bot.send(f"/program {number} add chin_tuck", STAFF_ID)
    bot.telegram.clear()
    await bot.send("/exercises", PATIENT_ID)
    [album] = albums(bot)
    assert [item["type"] for item in media(album)] == ["photo", "photo"]
    assert bot.telegram.sent(PATIENT_ID, methods=("sendAnimation",)) == []


def session_id_of(bot: Bot) -> str:
    """The session of the newest /session reply (from its Correct button)."""
    return last_buttons(bot)[0].split(":")[1]


async def test_correcting_or_undoing_a_session_moves_the_programme_it_picked(bot: Bot) -> None:
    rules = bot.services.content.programme
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    session = session_id_of(bot)
    bot.clock.advance(minutes=2)
    await bot.press(f"ss:{session}:d:8", STAFF_ID)  # the areas were the lower back, not the neck
    low_back = rules.pick_defaults(("low_back",))
    assert [e for e, _ in await programme(bot)] == low_back
    assert f"Exercise programme: {names(bot, low_back)}." in staff_views(bot)[-1]
    await bot.press(f"ss:{session}:undo", STAFF_ID)
    assert "The exercise programme picked at that session is removed too." in bot.telegram.last_text(STAFF_ID)
    assert await bot.rows("programmes") == [] and await programme(bot) == []


async def test_a_programme_staff_shaped_or_from_an_earlier_session_stays_when_a_session_is_fixed(
    bot: Bot,
) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    picked = await programme(bot)
    bot.clock.advance(days=1)
    await bot.send(f"/session {number} hips", STAFF_ID)  # kept: it came from yesterday's session
    session = session_id_of(bot)
    await bot.press(f"ss:{session}:d:8", STAFF_ID)
    await bot.press(f"ss:{session}:undo", STAFF_ID)
    assert await programme(bot) == picked and "removed too" not in bot.telegram.last_text(STAFF_ID)

    other = await bot.enrolled_patient("Ann B.", user_id=2002)
    await bot.send(f"/session {other} neck", STAFF_ID)
    session = session_id_of(bot)
    await bot.send(f"/program {other} add glute_bridge", STAFF_ID)  # staff shaped it
    await bot.press(f"ss:{session}:undo", STAFF_ID)
    rows = [r for r in await bot.rows("programme_exercises") if r["patient_id"] == other]
    assert rows[-1]["exercise"] == "glute_bridge"
