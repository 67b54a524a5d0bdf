"""Staff record a session; the patient gets aftercare at once, once a day, and only if they can receive it."""

from __future__ import annotations

from bot.outbox import MAX_ATTEMPTS
from tests.support.harness import PATIENT_ID, STAFF_ID, Bot, make_settings, running_bot


async def test_session_sends_aftercare_now(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(f"/session {number}", STAFF_ID)

    (aftercare,) = bot.telegram.texts(PATIENT_ID)
    for expected in [
        "Drink to thirst",
        "unless your doctor limits your fluids",
        "24 to 48 hours",
        "walks",
        "Call 911",
        "(503) 899-0707",
    ]:
        assert expected in aftercare
    assert "toxin" not in aftercare.lower()
    assert "Aftercare sent" in bot.telegram.last_text(STAFF_ID)

    (session,) = await bot.rows("sessions")
    assert session["patient_id"] == number and session["recorded_by"] == STAFF_ID
    assert session["session_at"] == "2026-03-02T17:00:00Z" and session["clinic_date"] == "2026-03-02"
    (outbox,) = await bot.outbox("aftercare")
    assert outbox["idempotency_key"] == f"aftercare:{number}:2026-03-02"
    assert outbox["status"] == "sent" and outbox["sent_at"] == "2026-03-02T17:00:00Z"
    assert "session" in [row["action"] for row in await bot.rows("audit_log")]


async def test_aftercare_fits_treated_areas(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(f"/session #{number} Neck, shoulders & upper back", STAFF_ID)
    aftercare = bot.telegram.last_text(PATIENT_ID)
    assert "chin tucks" in aftercare and "shoulder blades" in aftercare and "shoulder rolls" in aftercare
    assert "Legs:" not in aftercare
    assert "(neck, shoulders, upper back)" in bot.telegram.last_text(STAFF_ID)
    (session,) = await bot.rows("sessions")
    assert session["areas"] == "neck,shoulders,upper_back"


async def test_unknown_areas_are_reported_to_staff(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck qqzx <script>", STAFF_ID)
    reply = bot.telegram.last_text(STAFF_ID)
    assert "didn't recognise: qqzx script" in reply
    assert "chin tucks" in bot.telegram.last_text(PATIENT_ID)


async def test_two_sessions_same_day_send_aftercare_once(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    await bot.send(f"/session {number}", STAFF_ID)
    bot.clock.advance(hours=3)
    await bot.send(f"/session {number} neck", STAFF_ID)
    assert "already had a session today" in bot.telegram.last_text(STAFF_ID)
    await bot.press(bot.telegram.sent(STAFF_ID)[-1].button_data[0], STAFF_ID)  # yes, record another
    assert len(bot.telegram.texts(PATIENT_ID)) == 1
    assert "already sent today" in bot.telegram.last_text(STAFF_ID)
    assert len(await bot.rows("sessions")) == 2
    # The clinic's next day (Los Angeles time) brings a new aftercare.
    bot.clock.advance(hours=12)
    await bot.send(f"/session {number}", STAFF_ID)
    assert len(bot.telegram.texts(PATIENT_ID)) == 2


async def test_session_bad_input(bot: Bot) -> None:
    await bot.enroll("Not Joined")
    for text, expected in [
        ("/session", "/session 12"),
        ("/session abc", "/session 12"),
        ("/session -3", "/session 12"),
        ("/session 1.5", "/session 12"),
        ("/session 99", "no patient #99"),
        ("/session 1", "hasn't joined yet"),
    ]:
        await bot.send(text, STAFF_ID)
        assert expected in bot.telegram.last_text(STAFF_ID), text
    assert await bot.rows("sessions") == []


async def test_session_for_stopped_patient(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send("/stop", PATIENT_ID)
    bot.telegram.clear()
    await bot.send(f"/session {number}", STAFF_ID)
    assert "turned messages off" in bot.telegram.last_text(STAFF_ID)
    assert bot.telegram.texts(PATIENT_ID) == []
    assert await bot.rows("sessions") == []


async def test_patient_who_blocked_the_bot(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.blocked.add(PATIENT_ID)
    await bot.send(f"/session {number}", STAFF_ID)
    assert "could not be delivered" in bot.telegram.last_text(STAFF_ID)
    assert (await bot.db.patient(number)).status == "blocked"  # type: ignore[union-attr]
    await bot.send(f"/session {number}", STAFF_ID)
    assert "blocked the bot" in bot.telegram.last_text(STAFF_ID)
    # Unblocking and /start brings them back.
    bot.telegram.blocked.clear()
    await bot.send("/start", PATIENT_ID)
    assert (await bot.db.patient(number)).status == "active"  # type: ignore[union-attr]


async def test_rate_limited_aftercare_goes_out_later_exactly_once(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.clear()
    bot.telegram.fail(
        "sendMessage", 429, "Too Many Requests: retry after 7", chat_id=PATIENT_ID, retry_after=7
    )
    await bot.send(f"/session {number}", STAFF_ID)
    assert "will go out in a few minutes" in bot.telegram.last_text(STAFF_ID)
    assert len(bot.telegram.sent(PATIENT_ID)) == 1 and bot.telegram.delivered == [
        c for c in bot.telegram.delivered if c.chat_id != PATIENT_ID
    ]  # one attempt, refused

    await bot.services.scheduler.deliver_now()  # too early: nothing new
    assert len(bot.telegram.sent(PATIENT_ID)) == 1
    bot.clock.advance(seconds=7)
    report = await bot.services.scheduler.deliver_now()
    assert report.sent == 1
    await bot.services.scheduler.deliver_now()
    delivered = [c for c in bot.telegram.sent(PATIENT_ID)]
    assert len(delivered) == 2  # the refused attempt and the one that went through
    (row,) = await bot.outbox("aftercare")
    assert row["status"] == "sent" and row["attempts"] == 2


async def test_failing_send_is_retried_with_backoff_then_given_up(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    bot.telegram.fail("sendMessage", 500, "Internal Server Error", chat_id=PATIENT_ID, times=100)
    await bot.send(f"/session {number}", STAFF_ID)
    for _ in range(MAX_ATTEMPTS + 2):
        bot.clock.advance(hours=1)
        await bot.services.scheduler.deliver_now()
    (row,) = await bot.outbox("aftercare")
    assert row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS


async def test_restart_delivers_what_was_queued_exactly_once(tmp_path: object, clock: object) -> None:
    """A session recorded while Telegram was down goes out after a restart, once."""
    settings = make_settings(tmp_path)
    async with running_bot(settings) as first:
        await first.send("/staff add 1002", 1001)
        number = await first.enrolled_patient()
        first.telegram.fail("sendMessage", 502, "Bad Gateway", chat_id=PATIENT_ID)
        await first.send(f"/session {number}", STAFF_ID)
        assert "will go out" in first.telegram.last_text(STAFF_ID)
        when = first.clock.now()

    async with running_bot(settings) as second:
        second.clock.set(when)
        second.clock.advance(minutes=5)
        await second.services.scheduler.deliver_now()
        await second.services.scheduler.deliver_now()
        texts = second.telegram.texts(PATIENT_ID)
        assert len(texts) == 1 and "aftercare" in texts[0].lower()
