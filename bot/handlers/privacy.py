"""Patients' own data: /mydata shows it, /forget erases it; and the flood guard in front of everything."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.flood import Verdict
from bot.handlers.alerts import close_erased_alerts
from bot.handlers.common import own_patient, remove_buttons, reply
from bot.handlers.questions import on_text
from bot.outbox import Button, OutgoingMessage
from bot.privacy import my_data
from bot.services import ClinicContext
from bot.staff_notices import PatientEvent

log = logging.getLogger(__name__)

FORGET_PREFIX = "forget:"


async def mydata_command(update: Update, context: ClinicContext) -> None:
    services = context.services
    patient = await own_patient(update, context)
    if patient is None:
        await reply(update, services.content.texts.render("privacy.nothing_stored"))
        return
    for message in await my_data(services.db, services.content, patient, services.settings.clinic_timezone):
        await reply(update, message)


async def forget_command(update: Update, context: ClinicContext) -> None:
    """Ask first: erasing cannot be undone."""
    texts = context.services.content.texts
    if await own_patient(update, context) is None:
        await reply(update, texts.render("privacy.nothing_stored"))
        return
    confirm = OutgoingMessage(
        texts.render("privacy.forget_confirm"),
        (
            (
                Button(texts.render("privacy.forget_yes"), f"{FORGET_PREFIX}yes"),
                Button(texts.render("privacy.forget_no"), f"{FORGET_PREFIX}no"),
            ),
        ),
    )
    await reply(update, confirm.text, confirm)


async def forget_button(update: Update, context: ClinicContext) -> None:
    """Erase the data of whoever pressed the button; the button names no patient, so it can't be aimed."""
    services = context.services
    texts = services.content.texts
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await remove_buttons(update)
    patient = await own_patient(update, context)
    if patient is None:
        await reply(update, texts.render("privacy.nothing_stored"))
    elif query.data == f"{FORGET_PREFIX}yes":
        erasure = await services.db.erase_patient(services.clock.now(), patient.id, actor_id=0)
        log.info("patient #%s erased their data", patient.id)
        if erasure is not None:
            await close_erased_alerts(context.bot, services, erasure)
        await reply(update, texts.render("privacy.forget_done"))
        if erasure is not None:
            await services.notices.notify(PatientEvent.ERASED, patient.id)
    else:
        await reply(update, texts.render("privacy.forget_kept"))


async def flood_guard(update: Update, context: ClinicContext) -> None:
    """Runs before every other handler on private messages from people who are not staff.

    Only what the person typed (a message or an edit) is ever read for red flags. A button press
    carries the bot's own message, whose caution lines mention symptoms; it is never triaged, and
    while the person is paused it gets a short toast instead of an answer.
    """
    services = context.services
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private" or services.access.is_staff(user.id):
        return
    verdict = services.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    typed = update.message or update.edited_message
    text = typed.text if typed is not None and typed.text else ""
    # Even a flooding patient's red flags are answered (and staff alerted) as usual.
    if text and not text.startswith("/") and services.engine.answer(text).urgency != "routine":
        await on_text(update, context)
        raise ApplicationHandlerStop
    texts = services.content.texts
    if verdict is Verdict.NOTICE:
        log.info("pausing a user who sent too many messages")
        await reply(update, texts.render("privacy.flood_notice"))
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(texts.render_plain("privacy.flood_paused_toast"))
        except TelegramError as exc:  # the toast is a courtesy; an old query can no longer be answered
            log.info("could not answer a paused tap: %s", type(exc).__name__)
    raise ApplicationHandlerStop
