"""The flood guard in front of every handler: one person cannot stall the bot or flood staff.

The counting lives in bot/flood.py; this is its Telegram side.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.flood import Verdict
from bot.handlers.common import reply, their_content
from bot.handlers.questions import on_text
from bot.services import ClinicContext

log = logging.getLogger(__name__)


async def flood_guard(update: Update, context: ClinicContext) -> None:
    """Runs before every other handler (in a group of its own) on private messages from people who
    are not staff; stops the update when someone floods.

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
    if (
        text
        and not text.startswith("/")
        and any(engine.answer(text).urgency != "routine" for engine in services.engines.values())
    ):
        await on_text(update, context)
        raise ApplicationHandlerStop
    await tell_paused(update, context, verdict)
    raise ApplicationHandlerStop


async def tell_paused(update: Update, context: ClinicContext, verdict: Verdict) -> None:
    """Say once that the person is paused; a tap while paused gets a short toast."""
    texts = (await their_content(update, context)).texts
    if verdict is Verdict.NOTICE:
        log.info("pausing a user who sent too many messages")
        await reply(update, texts.render("privacy.flood_notice"))
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(texts.render_plain("privacy.flood_paused_toast"))
        except TelegramError as exc:  # the toast is a courtesy; an old query can no longer be answered
            log.info("could not answer a paused tap: %s", type(exc).__name__)
