"""Commands everyone can use: joining, help, privacy, contact, stop, and the fallbacks."""

from __future__ import annotations

import logging
from typing import cast

from telegram import Message, Update
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ExtBot

from bot import callbacks
from bot.content import Content
from bot.content.languages import telegram_language
from bot.db import Patient
from bot.enrollment import InviteStatus, accept_invite, open_invite
from bot.handlers.sending import keyboard
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import SettingsScreens
from bot.priority import Priority
from bot.services import ClinicContext
from bot.staff_notices import PatientEvent

log = logging.getLogger(__name__)


async def reply(
    update: Update, text: str, message: OutgoingMessage | None = None, priority: Priority = Priority.REPLY
) -> None:
    """Answer in the chat the update came from.

    Never waits: a reply Telegram refuses with a 429 is re-sent by the rate limiter in the background,
    and the handler carries on (the staff alert after a 911 answer must not be skipped).
    """
    chat = update.effective_chat
    if chat is None:
        return
    markup = keyboard(message) if message else None
    try:
        bot = cast(ExtBot[str], chat.get_bot())  # the Application's bot is always an ExtBot
        await bot.send_message(chat.id, text, reply_markup=markup, rate_limit_args=priority.value)
    except RetryAfter:
        log.info("a reply to chat %s waits for Telegram's limit; it is re-sent in the background", chat.id)


async def own_patient(update: Update, context: ClinicContext) -> Patient | None:
    """The enrolled patient behind this update's sender, if there is one."""
    user = update.effective_user
    return await context.services.db.patient_by_user(user.id) if user is not None else None


def app_language(update: Update, context: ClinicContext) -> str:
    """The language of the sender's Telegram app, if the bot speaks it (else the base language)."""
    user = update.effective_user
    return telegram_language(user.language_code if user else None, context.services.content.languages)


def patient_content(update: Update, context: ClinicContext, patient: Patient | None) -> Content:
    """Content in the language of whoever sent the update: an enrolled patient's own language, anyone
    else's Telegram app language."""
    language = patient.language if patient is not None else app_language(update, context)
    return context.services.content.for_language(language)


async def their_content(update: Update, context: ClinicContext) -> Content:
    """Content in the sender's language (see ``patient_content``), looking the patient up."""
    return patient_content(update, context, await own_patient(update, context))


async def show(update: Update, message: OutgoingMessage) -> None:
    """Replace the message a button was pressed on; send a new one when it can't be edited."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.edit_message_text(message.text, reply_markup=keyboard(message))
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
    await reply(update, message.text, message)


async def start(update: Update, context: ClinicContext) -> None:
    """``/start`` with an invite token joins; without one it greets, or turns messages back on."""
    services = context.services
    user = update.effective_user
    if user is None:
        return
    patient = await services.db.patient_by_user(user.id)
    content = patient_content(update, context, patient)
    texts = content.texts
    now = services.clock.now()
    if context.args:
        check = await open_invite(services.db, now, context.args[0], user.id)
        if check.status is InviteStatus.OK and check.patient is not None:
            consent = OutgoingMessage(
                texts.render("invite.consent", name=check.patient.display_name),
                ((Button(texts.render("invite.agree_button"), callbacks.JOIN.data(check.invite_id)),),),
            )
            await reply(update, consent.text, consent)
        elif check.status is InviteStatus.ALREADY_LINKED:
            await reply(update, texts.render("invite.already_linked"))
        else:
            await reply(update, texts.render("invite.invalid"))
        return

    if patient is None:
        if services.access.is_staff(user.id):
            await reply(update, staff_help(context, user.id))
        else:
            await reply(update, texts.render("start.stranger"))
    elif patient.status in {"stopped", "blocked"}:
        await services.db.set_patient_status(now, patient.id, "active")
        prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
        await services.scheduler.replan(patient.id, prefs)
        await reply(update, texts.render("start.resumed", name=patient.display_name))
        await services.notices.notify(PatientEvent.RESUMED, patient.id)
    else:
        await reply(update, texts.render("start.enrolled", name=patient.display_name))


async def join_button(update: Update, context: ClinicContext) -> None:
    """The "I agree" button under the consent text: only now is the account linked."""
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    if query is None or user is None or chat is None:
        return
    services = context.services
    language = app_language(update, context)
    content = services.content.for_language(language)
    texts = content.texts
    fields = callbacks.JOIN.parse(query.data)
    invite_id = callbacks.number(fields[0]) if fields else None
    if invite_id is None:
        await query.answer(texts.render_plain("fallback.stale_button"))  # forged: a toast, nothing else
        return
    await query.answer()
    check = await accept_invite(
        services.db,
        services.clock.now(),
        invite_id,
        user.id,
        chat.id,
        services.settings.clinic_timezone,
        language,
    )
    await remove_buttons(update)
    if check.status is InviteStatus.OK and check.patient is not None:
        log.info("patient #%s joined", check.patient.id)
        await reply(update, texts.render("invite.joined", name=check.patient.display_name))
        offer = SettingsScreens(content).offer()
        await reply(update, offer.text, offer)
        await services.notices.notify(PatientEvent.JOINED, check.patient.id)
    elif check.status is InviteStatus.ALREADY_LINKED:
        await reply(update, texts.render("invite.already_linked"))
    else:
        await reply(update, texts.render("invite.stale_button"))


async def remove_buttons(update: Update) -> None:
    """Take the buttons off a message once pressed, so they cannot be pressed twice."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        # Too old to edit, or already without buttons: nothing to undo.
        log.debug("could not remove buttons: %s", exc.message)


def staff_help(context: ClinicContext, user_id: int) -> str:
    texts = context.services.content.texts
    parts = [texts.render("help.staff")]
    if context.services.access.is_admin(user_id):
        parts.append(texts.render("help.admin"))
    return "\n\n".join(parts)


async def help_command(update: Update, context: ClinicContext) -> None:
    services = context.services
    user = update.effective_user
    if user is None:
        return
    if services.access.is_staff(user.id):
        await reply(update, staff_help(context, user.id))
        return
    patient = await services.db.patient_by_user(user.id)
    texts = patient_content(update, context, patient).texts
    await reply(update, texts.render("help.patient" if patient is not None else "start.stranger"))


async def privacy(update: Update, context: ClinicContext) -> None:
    await reply(update, (await their_content(update, context)).texts.render("privacy.patient"))


async def contact(update: Update, context: ClinicContext) -> None:
    await reply(update, (await their_content(update, context)).texts.render("contact.card"))


async def stop(update: Update, context: ClinicContext) -> None:
    """``/stop``: the patient receives nothing more, and everything queued for them is cancelled."""
    services = context.services
    user = update.effective_user
    if user is None:
        return
    patient = await services.db.patient_by_user(user.id)
    texts = patient_content(update, context, patient).texts
    if patient is None:
        await reply(update, texts.render("start.stranger"))
    elif patient.status == "active":
        await services.db.set_patient_status(services.clock.now(), patient.id, "stopped")
        log.info("patient #%s stopped messages", patient.id)
        await reply(update, texts.render("stop.done"))
        await services.notices.notify(PatientEvent.STOPPED, patient.id)
    else:
        await reply(update, texts.render("stop.already"))


async def unknown_command(update: Update, context: ClinicContext) -> None:
    await reply(update, (await their_content(update, context)).texts.render("fallback.unknown_command"))


async def non_text(update: Update, context: ClinicContext) -> None:
    """Photos, stickers, voice notes: say kindly that only text is read."""
    await reply(update, (await their_content(update, context)).texts.render("fallback.non_text"))


async def stale_button(update: Update, context: ClinicContext) -> None:
    """A button from a message the bot no longer knows how to handle."""
    query = update.callback_query
    if query is None:
        return
    texts = (await their_content(update, context)).texts
    await query.answer(texts.render_plain("fallback.stale_button"))


async def on_error(update: object, context: ClinicContext) -> None:
    """Log what failed without the update's content (it may hold a patient's words), and apologise."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling update %s: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        try:
            texts = (await their_content(update, context)).texts
            await reply(update, texts.render("fallback.error"))
        except Exception as exc:  # the apology itself failed (e.g. network down): nothing more to do
            log.warning("could not send the error apology: %s", type(exc).__name__)
