"""/session forgives typos, asks before a second session the same day, and can be corrected or undone."""

from __future__ import annotations

from tests.support.harness import ADMIN_ID, PATIENT_ID, STAFF_CHAT_ID, STAFF_ID, STRANGER_ID, Bot


def buttons(bot: Bot) -> list[str]:
    return bot.telegram.sent(STAFF_ID)[-1].button_data


def labels(bot: Bot) -> list[str]:
    markup = bot.telegram.sent(STAFF_ID)[-1].params["reply_markup"]["inline_keyboard"]
    return [b["text"] for row in markup for b in row]


async def test_a_typo_is_offered_as_the_likely_area_and_nothing_goes_out_until_settled(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    patient_texts = len(bot.telegram.texts(PATIENT_ID))
    await bot.send(f"/session {number} neck lowerbak", STAFF_ID)
    assert "Did you mean <b>lower back</b>?" in bot.telegram.last_text(STAFF_ID)
    assert labels(bot) == ["✅ lower back", "Keep as neck only"]
    assert await bot.rows("sessions") == [] and len(bot.telegram.texts(PATIENT_ID)) == patient_texts
    await bot.press(buttons(bot)[0], STAFF_ID)
    (session,) = await bot.rows("sessions")
    assert session["areas"] == "neck,low_back"
    aftercare = bot.telegram.last_text(PATIENT_ID)
    assert "chin tucks" in aftercare and "short walks" in aftercare
    assert "neck, lower back" in bot.telegram.last_text(STAFF_ID)


async def test_keep_as_general_and_a_second_press_is_stale(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} shouldres", STAFF_ID)
    assert "Did you mean <b>shoulders</b>?" in bot.telegram.last_text(STAFF_ID)
    assert labels(bot)[1] == "Keep as general"
    keep = buttons(bot)[1]
    await bot.press(keep, STAFF_ID)
    (session,) = await bot.rows("sessions")
    assert session["areas"] == ""
    await bot.press(keep, STAFF_ID)  # already settled: a toast, nothing recorded twice
    toast = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1]
    assert "expired" in toast.params["text"]
    assert len(await bot.rows("sessions")) == 1


async def test_a_known_area_with_a_harmless_typo_is_not_asked_about(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} lowr back", STAFF_ID)
    (session,) = await bot.rows("sessions")
    assert session["areas"] == "low_back"


async def test_a_second_session_the_same_day_asks_first(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    bot.clock.advance(minutes=30)
    await bot.send(f"/session {number} hips", STAFF_ID)
    assert "already had a session today at 9:00 AM (neck)" in bot.telegram.last_text(STAFF_ID)
    await bot.press(buttons(bot)[1], STAFF_ID)  # No
    assert bot.telegram.last_text(STAFF_ID) == "OK, nothing was recorded."
    assert len(await bot.rows("sessions")) == 1


async def test_correct_sends_only_the_missing_tips(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    assert "correct or undo this for 10 minutes" in bot.telegram.last_text(STAFF_ID)
    fix = buttons(bot)[0]
    session_id = fix.split(":")[1]
    sent_before = len(bot.telegram.texts(PATIENT_ID))
    bot.clock.advance(minutes=3)
    await bot.press(fix, STAFF_ID)
    picker = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "Tick the areas treated" in picker.text
    labels = [b["text"] for row in picker.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["✅ neck", "▫️ shoulders"] and labels[-1] == "💾 Save"
    # Ticking changes only the buttons; nothing is stored or sent until Save.
    await bot.press(f"ss:{session_id}:m:17", STAFF_ID)  # neck + hips
    picker = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert f"ss:{session_id}:d:17" in picker.button_data
    assert (await bot.rows("sessions"))[0]["areas"] == "neck"
    await bot.press(f"ss:{session_id}:d:17", STAFF_ID)
    done = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "corrected to neck, hips" in done.text and not done.button_data
    (session,) = await bot.rows("sessions")
    assert session["areas"] == "neck,hips"
    patient_texts = bot.telegram.texts(PATIENT_ID)
    assert len(patient_texts) == sent_before + 1
    assert "lunge stretch" in patient_texts[-1] and "chin tucks" not in patient_texts[-1]
    # Saving the same areas again sends nothing more.
    await bot.press(f"ss:{session_id}:d:17", STAFF_ID)
    done = [c for c in bot.telegram.calls if c.method == "editMessageText"][-1]
    assert "No tips were missing" in done.text
    assert len(bot.telegram.texts(PATIENT_ID)) == sent_before + 1
    # Out-of-range or malformed picks are stale buttons.
    for forged in [f"ss:{session_id}:m:99999", f"ss:{session_id}:d:x", f"ss:{session_id}:m:"]:
        await bot.press(forged, STAFF_ID)
        assert (
            "expired"
            in [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1].params["text"]
        )
    assert (await bot.rows("sessions"))[0]["areas"] == "neck,hips"


async def test_undo_cancels_the_check_ins_and_says_the_aftercare_stays(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    undo = buttons(bot)[1]
    assert [r["status"] for r in await bot.outbox("checkin")] == ["pending"]
    await bot.press(undo, STAFF_ID)
    assert "The aftercare had already been sent" in bot.telegram.last_text(STAFF_ID)
    assert await bot.rows("sessions") == []
    assert [(r["status"], r["last_error"]) for r in await bot.outbox("checkin")] == [
        ("cancelled", "session undone")
    ]
    assert "session_undo" in [r["action"] for r in await bot.rows("audit_log")]
    await bot.press(undo, STAFF_ID)
    toast = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1]
    assert "already undone" in toast.params["text"]


async def test_after_ten_minutes_the_buttons_say_so_and_strangers_are_refused(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    undo = buttons(bot)[1]
    await bot.press(undo, STRANGER_ID)
    toast = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1]
    assert "staff" in toast.params["text"]
    bot.clock.advance(minutes=11)
    await bot.press(undo, STAFF_ID)
    toast = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1]
    assert "10 minutes only" in toast.params["text"]
    assert len(await bot.rows("sessions")) == 1
    for forged in ["ss:abc:undo", "ss:999:fix", "ss:x", "ss:"]:
        await bot.press(forged, STAFF_ID)
        assert [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"][-1].params.get("text")


async def test_in_the_staff_group_another_staff_member_can_answer(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} nek", STAFF_ID, chat_id=STAFF_CHAT_ID)
    question = bot.telegram.sent(STAFF_CHAT_ID)[-1]
    assert "Did you mean <b>neck</b>?" in question.text
    await bot.press(question.button_data[0], ADMIN_ID, chat_id=STAFF_CHAT_ID)
    (session,) = await bot.rows("sessions")
    assert (session["areas"], session["recorded_by"]) == ("neck", ADMIN_ID)
