"""Enrollment: staff invite, the patient taps the link and agrees; and every way that can go wrong."""

from __future__ import annotations

import hashlib

from tests.support.harness import ADMIN_ID, OTHER_ID, PATIENT_ID, STAFF_ID, STRANGER_ID, Bot


async def test_enroll_gives_number_link_and_qr(bot: Bot) -> None:
    await bot.send("/enroll Jane D.", STAFF_ID)

    text_call, photo_call = bot.telegram.sent(STAFF_ID)
    assert "#1" in text_call.text and "Jane D." in text_call.text
    assert "https://t.me/procare_clinic_bot?start=" in text_call.text
    assert photo_call.method == "sendPhoto" and photo_call.files
    token = text_call.text.split("?start=")[1].split()[0]
    assert len(token) >= 22  # at least 128 bits of url-safe base64

    (patient,) = await bot.rows("patients")
    assert patient["display_name"] == "Jane D." and patient["status"] == "invited"
    assert patient["telegram_user_id"] is None
    (invite,) = await bot.rows("invites")
    assert invite["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(invite)
    assert invite["expires_at"] == "2026-03-09T17:00:00Z"  # 7 days by default
    (audit,) = [row for row in await bot.rows("audit_log") if row["action"] == "enroll"]
    assert audit["actor_id"] == STAFF_ID and audit["patient_id"] == 1


async def test_join_needs_consent_before_linking(bot: Bot) -> None:
    number, token = await bot.enroll()
    await bot.send(f"/start {token}", PATIENT_ID)

    consent = bot.telegram.sent(PATIENT_ID)[-1]
    assert "automated assistant" in consent.text and "911" in consent.text and "/stop" in consent.text
    assert consent.button_data == ["join:1"]
    assert (await bot.db.patient(number)).telegram_user_id is None  # type: ignore[union-attr]

    await bot.press("join:1", PATIENT_ID)
    patient = await bot.db.patient(number)
    assert patient is not None
    assert (patient.telegram_user_id, patient.chat_id, patient.status) == (PATIENT_ID, PATIENT_ID, "active")
    joined, offer = bot.telegram.sent(PATIENT_ID)[-2:]
    assert "all set" in joined.text
    assert offer.button_data == ["offer:posture", "offer:exercise", "offer:none"]
    assert any(c.method == "editMessageReplyMarkup" for c in bot.telegram.calls)
    (invite,) = await bot.rows("invites")
    assert invite["used_at"] is not None and invite["opened_by"] == PATIENT_ID


async def test_used_token_links_nothing(bot: Bot) -> None:
    _, token = await bot.enroll()
    await bot.join(token)
    await bot.send(f"/start {token}", OTHER_ID)
    assert "ask the clinic for a new link" in bot.telegram.last_text(OTHER_ID)
    assert await bot.db.patient_by_user(OTHER_ID) is None


async def test_expired_token_links_nothing(bot: Bot) -> None:
    _, token = await bot.enroll()
    bot.clock.advance(days=7, seconds=1)
    await bot.send(f"/start {token}", PATIENT_ID)
    assert "ask the clinic for a new link" in bot.telegram.last_text(PATIENT_ID)
    assert bot.telegram.sent(PATIENT_ID)[-1].button_data == []


async def test_token_expiring_between_open_and_agree(bot: Bot) -> None:
    _, token = await bot.enroll()
    await bot.send(f"/start {token}", PATIENT_ID)
    bot.clock.advance(days=8)
    await bot.press("join:1", PATIENT_ID)
    assert "expired" in bot.telegram.last_text(PATIENT_ID)
    assert await bot.db.patient_by_user(PATIENT_ID) is None


async def test_unknown_and_malformed_tokens(bot: Bot) -> None:
    for token in ["doesnotexist123", "../../etc", "x" * 300, "<b>hi</b>"]:
        await bot.send(f"/start {token}", STRANGER_ID)
        assert "ask the clinic for a new link" in bot.telegram.last_text(STRANGER_ID)
    assert await bot.rows("patients") == []


async def test_second_account_cannot_use_an_opened_link(bot: Bot) -> None:
    number, token = await bot.enroll()
    await bot.send(f"/start {token}", PATIENT_ID)
    await bot.send(f"/start {token}", OTHER_ID)
    assert "ask the clinic for a new link" in bot.telegram.last_text(OTHER_ID)
    # A forged press of the first account's button by the second account changes nothing.
    await bot.press("join:1", OTHER_ID)
    assert await bot.db.patient_by_user(OTHER_ID) is None
    # The first account can still finish.
    await bot.press("join:1", PATIENT_ID)
    assert (await bot.db.patient(number)).telegram_user_id == PATIENT_ID  # type: ignore[union-attr]


async def test_double_tap_on_agree_links_once(bot: Bot) -> None:
    _, token = await bot.enroll()
    await bot.send(f"/start {token}", PATIENT_ID)
    await bot.press("join:1", PATIENT_ID)
    await bot.press("join:1", PATIENT_ID)
    assert "already linked" in bot.telegram.last_text(PATIENT_ID)
    assert len([p for p in await bot.rows("patients") if p["telegram_user_id"] == PATIENT_ID]) == 1


async def test_linked_account_cannot_take_a_second_patient(bot: Bot) -> None:
    await bot.enrolled_patient()
    _, token = await bot.enroll("Second P.")
    await bot.send(f"/start {token}", PATIENT_ID)
    assert "already linked" in bot.telegram.last_text(PATIENT_ID)
    assert (await bot.db.patient(2)).telegram_user_id is None  # type: ignore[union-attr]


async def test_forged_and_stale_buttons(bot: Bot) -> None:
    for data in ["join:999", "join:abc", "join:", "nonsense", "x" * 64]:
        await bot.press(data, STRANGER_ID)
    answers = [c for c in bot.telegram.calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 5
    assert await bot.rows("patients") == []


async def test_start_without_token(bot: Bot) -> None:
    await bot.send("/start", STRANGER_ID)
    assert "invite link" in bot.telegram.last_text(STRANGER_ID)
    await bot.enrolled_patient()
    await bot.send("/start", PATIENT_ID)
    assert "Welcome back, Jane D." in bot.telegram.last_text(PATIENT_ID)


async def test_names_with_html_characters_are_escaped(bot: Bot) -> None:
    await bot.send("/enroll <Jo> & Co.", STAFF_ID)
    text = bot.telegram.sent(STAFF_ID)[0].text
    assert "&lt;Jo&gt; &amp; Co." in text  # the fake Telegram rejects unescaped HTML outright
    (patient,) = await bot.rows("patients")
    assert patient["display_name"] == "<Jo> & Co."


async def test_bad_display_names(bot: Bot) -> None:
    await bot.send("/enroll", STAFF_ID)
    assert "/enroll Jane D." in bot.telegram.last_text(STAFF_ID)
    for name in ["J" * 65, "123 456", "Jane\u200bD", "🙂🙂"]:
        await bot.send(f"/enroll {name}", STAFF_ID)
        assert "can't be used" in bot.telegram.last_text(STAFF_ID)
    assert await bot.rows("patients") == []
    await bot.send("/enroll " + "J" * 64, STAFF_ID)
    assert len(await bot.rows("patients")) == 1


async def test_invite_ttl_is_configurable(tmp_path: object) -> None:
    from tests.support.harness import make_settings, running_bot

    async with running_bot(make_settings(tmp_path, invite_ttl_days=2)) as bot:
        await bot.send("/enroll Kim L.", ADMIN_ID)
        (invite,) = await bot.rows("invites")
        assert invite["expires_at"] == "2026-03-04T17:00:00Z"
