"""Broadcasts from the staff console: /broadcast, its draft buttons, the typed text or time, and
the progress job that keeps each running broadcast's message up to date.

Every button re-checks that the person pressing it is staff right now and re-reads the broadcast.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Message, Update

from bot import callbacks
from bot.broadcasts import (
    AUDIENCES,
    MAX_TEXT,
    USEFUL_FOR,
    TextCheck,
    check_text,
    parse_when,
    when_choices,
)
from bot.content import BASE_LANGUAGE, Texts
from bot.content.languages import staff_name
from bot.db import Broadcast
from bot.handlers import pending
from bot.handlers.broadcast_progress import broadcast_figures, counted, describe_when, progress_message

# Started from bot/app.py and the demo, and read by tests, under this module's name.
from bot.handlers.broadcast_progress import progress_job as progress_job
from bot.handlers.broadcast_progress import refresh_broadcasts as refresh_broadcasts
from bot.handlers.common import reply, show
from bot.handlers.console import pressing_staff, staff_user
from bot.handlers.pending import Awaited, Pending
from bot.handlers.staff import command_text
from bot.outbox import Button, OutgoingMessage
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

BROADCAST_INPUT = frozenset({Pending.BROADCAST_TEXT, Pending.BROADCAST_TIME, Pending.BROADCAST_TRANSLATION})
OPEN_DRAFT = "broadcast_open_draft"  # the draft this staff member is composing, for /cancel


async def broadcast_command(update: Update, context: ClinicContext) -> None:
    """``/broadcast`` asks for the text; ``/broadcast <text>`` starts with it."""
    text = command_text(update)
    if not text.strip():
        pending.expect(context, Pending.BROADCAST_TEXT)
        await reply(update, context.services.content.texts.render("console.broadcast_ask"))
        return
    await start_draft(update, context, text)


async def cancel_command(update: Update, context: ClinicContext) -> None:
    """Stop waiting for typed input and drop the open broadcast draft, so its Send button stops working."""
    services = context.services
    texts = services.content.texts
    stopped = pending.clear(context, BROADCAST_INPUT) is not None
    draft_id = context.user_data.pop(OPEN_DRAFT, None) if context.user_data is not None else None
    user = update.effective_user
    if isinstance(draft_id, int) and user is not None:
        draft = await services.db.broadcast(draft_id)
        if draft is not None and draft.status == "draft":
            stopped = await services.db.cancel_broadcast(services.clock.now(), draft_id, user.id) or stopped
    await reply(update, texts.render("console.cancelled" if stopped else "console.cancel_nothing"))


async def typed_broadcast_input(update: Update, context: ClinicContext) -> None:
    """A staff member's text while the console waits for a broadcast's text or time."""
    awaited = pending.clear(context, BROADCAST_INPUT)
    message = update.effective_message
    if awaited is None or message is None or message.text is None:
        return
    if awaited.state is Pending.BROADCAST_TEXT:
        await start_draft(update, context, message.text)
        return
    if awaited.state is Pending.BROADCAST_TRANSLATION:
        await save_translation(update, context, awaited, message.text)
        return
    services = context.services
    when = parse_when(message.text, services.clock.now(), services.settings.clinic_zone)
    if when is None:
        pending.expect(context, Pending.BROADCAST_TIME, awaited.ref)
        await reply(update, services.content.texts.render("console.broadcast_bad_when"))
    else:
        await choose_when(update, context, awaited.ref, when)


async def start_draft(update: Update, context: ClinicContext, raw: str) -> None:
    services = context.services
    texts = services.content.texts
    staff_id = staff_user(update, services)
    if staff_id is None:
        return
    check = check_text(raw)
    if check.problem is not None:
        pending.expect(context, Pending.BROADCAST_TEXT)
        await refuse_text(update, texts, check)
        return
    broadcast_id = await services.db.create_broadcast(services.clock.now(), staff_id, check.text)
    if context.user_data is not None:
        context.user_data[OPEN_DRAFT] = broadcast_id
    await ask_audience(update, context, broadcast_id)


async def refuse_text(update: Update, texts: Texts, check: TextCheck) -> None:
    if check.problem == "empty":
        await reply(update, texts.render("console.broadcast_empty"))
    else:
        await reply(
            update, texts.render("console.broadcast_too_long", length=len(check.text), limit=MAX_TEXT)
        )


async def save_translation(update: Update, context: ClinicContext, awaited: Awaited, raw: str) -> None:
    """The typed version of a draft in another language; then the audience question again."""
    services = context.services
    texts = services.content.texts
    check = check_text(raw)
    if check.problem is not None:
        pending.expect(context, Pending.BROADCAST_TRANSLATION, awaited.ref, awaited.value)
        await refuse_text(update, texts, check)
        return
    if not await services.db.set_broadcast_translation(awaited.ref, awaited.value, check.text):
        await reply(update, texts.render("console.broadcast_already"))
        return
    language = staff_name(services.content.languages, awaited.value)
    saved = texts.render("console.broadcast_translation_saved", language=language)
    await ask_audience(update, context, awaited.ref, saved)


async def ask_audience(update: Update, context: ClinicContext, broadcast_id: int, intro: str = "") -> None:
    """Who should get it, with counts; and a button per other language to add (or change) its version."""
    services = context.services
    texts = services.content.texts
    broadcast = await services.db.broadcast(broadcast_id)
    if broadcast is None:
        return
    now = services.clock.now()
    rows = []
    for days in AUDIENCES:
        count = await services.db.count_recipients(now, days)
        label = (
            texts.render("console.audience_all", count=count)
            if days is None
            else texts.render("console.audience_recent", days=days, count=count)
        )
        rows.append((Button(label, callbacks.BROADCAST.data(broadcast_id, "aud", days or "all")),))
    for code, language in services.content.languages.items():
        if code != BASE_LANGUAGE:
            key = "change" if code in broadcast.translations else "add"
            label = texts.render(f"console.button_{key}_translation", language=language.staff_name)
            rows.append((Button(label, callbacks.BROADCAST.data(broadcast_id, "lang", code)),))
    rows.append(
        (Button(texts.render("console.button_cancel"), callbacks.BROADCAST.data(broadcast_id, "cancel")),)
    )
    question = texts.render("console.broadcast_audience")
    await reply(update, f"{intro}\n{question}" if intro else question, OutgoingMessage("", tuple(rows)))


async def broadcast_button(update: Update, context: ClinicContext) -> None:
    """Every button of the broadcast dialog: audience, time, send, cancel (also of a running one)."""
    services = context.services
    texts = services.content.texts
    pressed = await pressing_staff(update, services, callbacks.BROADCAST)
    if pressed is None:
        return
    staff_id, (raw_id, action, value) = pressed
    broadcast_id = callbacks.number(raw_id, digits=9)
    broadcast = await services.db.broadcast(broadcast_id) if broadcast_id is not None else None
    if broadcast is None:
        await reply(update, texts.render("console.stale"))
        return
    now = services.clock.now()
    if action == "cancel":
        done = await services.db.cancel_broadcast(now, broadcast.id, staff_id)
        await show(
            update,
            OutgoingMessage(
                texts.render("console.broadcast_cancelled" if done else "console.broadcast_already")
            ),
        )
        return
    if broadcast.status != "draft":
        await show(update, OutgoingMessage(texts.render("console.broadcast_already")))
        return
    if action == "aud" and value in {str(d or "all") for d in AUDIENCES}:
        await ask_when(update, context, broadcast.id, None if value == "all" else int(value))
    elif action == "lang" and value in services.content.languages and value != BASE_LANGUAGE:
        pending.expect(context, Pending.BROADCAST_TRANSLATION, broadcast.id, value)
        language = staff_name(services.content.languages, value)
        await reply(update, texts.render("console.broadcast_ask_translation", language=language))
    elif action == "when" and value == "type":
        pending.expect(context, Pending.BROADCAST_TIME, broadcast.id)
        await reply(update, texts.render("console.broadcast_type_when"))
    elif action == "when" and value in when_choices(now, services.settings.clinic_zone):
        await choose_when(
            update, context, broadcast.id, when_choices(now, services.settings.clinic_zone)[value]
        )
    elif action == "send":
        await queue(update, context, broadcast.id, staff_id)
    else:
        await reply(update, texts.render("console.stale"))


async def ask_when(update: Update, context: ClinicContext, broadcast_id: int, days: int | None) -> None:
    """The audience is chosen: store it and ask when the broadcast should go out."""
    services = context.services
    texts = services.content.texts
    await services.db.set_broadcast_draft(broadcast_id, audience_days=days, send_at=None)
    choices = when_choices(services.clock.now(), services.settings.clinic_zone)
    rows = [
        (Button(texts.render(f"console.when_{key}"), callbacks.BROADCAST.data(broadcast_id, "when", key)),)
        for key in choices
    ]
    rows.append(
        (Button(texts.render("console.when_type"), callbacks.BROADCAST.data(broadcast_id, "when", "type")),)
    )
    rows.append(
        (Button(texts.render("console.button_cancel"), callbacks.BROADCAST.data(broadcast_id, "cancel")),)
    )
    await show(update, OutgoingMessage(texts.render("console.broadcast_when"), tuple(rows)))


async def choose_when(
    update: Update, context: ClinicContext, broadcast_id: int, when: datetime | None
) -> None:
    """Store the time and show the preview with the recipient count."""
    services = context.services
    texts = services.content.texts
    broadcast = await services.db.broadcast(broadcast_id)
    if broadcast is None or broadcast.status != "draft":
        await reply(update, texts.render("console.broadcast_already"))
        return
    await services.db.set_broadcast_draft(broadcast_id, audience_days=broadcast.audience_days, send_at=when)
    by_language = await services.db.count_recipients_by_language(
        services.clock.now(), broadcast.audience_days
    )
    count = sum(by_language.values())
    audience = (
        texts.render("console.audience_all_short")
        if broadcast.audience_days is None
        else texts.render("console.audience_recent_short", days=broadcast.audience_days)
    )
    await reply(update, texts.render("console.broadcast_message", text=broadcast.text))
    for code, text in broadcast.translations.items():
        translated = services.content.for_language(code).texts
        await reply(update, translated.render("console.broadcast_message", text=text))
    preview = texts.render(
        "console.broadcast_preview",
        patients=counted(services, "broadcasts.patients", count),
        audience=audience,
        when=describe_when(services, when),
    )
    preview = "\n".join([preview, *language_lines(services, broadcast, by_language)])
    buttons = (
        (
            Button(texts.render("console.button_send"), callbacks.BROADCAST.data(broadcast_id, "send")),
            Button(texts.render("console.button_cancel"), callbacks.BROADCAST.data(broadcast_id, "cancel")),
        ),
    )
    await reply(update, preview, OutgoingMessage(preview, buttons))


def language_lines(services: Services, broadcast: Broadcast, by_language: dict[str, int]) -> list[str]:
    """For each other language its recipients read: whether they get a version in it or the base one."""
    texts = services.content.texts
    lines = []
    for code, language in services.content.languages.items():
        count = by_language.get(code, 0)
        if code == BASE_LANGUAGE or not (count or code in broadcast.translations):
            continue
        key = "translated" if code in broadcast.translations else "untranslated"
        lines.append(texts.render(f"console.preview_{key}", language=language.staff_name, count=f"{count:,}"))
    return lines


async def queue(update: Update, context: ClinicContext, broadcast_id: int, staff_id: int) -> None:
    """Confirmed: one outbox row per recipient, once, then a progress message that keeps itself current."""
    services = context.services
    texts = services.content.texts
    broadcast = await services.db.broadcast(broadcast_id)
    if broadcast is None:
        return
    now = services.clock.now()
    due = max(broadcast.send_at or now, now)
    recipients = await services.db.queue_broadcast(now, broadcast_id, staff_id, due, due + USEFUL_FOR)
    if recipients is None:
        await show(update, OutgoingMessage(texts.render("console.broadcast_already")))
        return
    log.info("staff %s queued broadcast %s to %s patients", staff_id, broadcast_id, recipients)
    if recipients == 0:
        await services.db.finish_broadcast(now, broadcast_id)
        await show(update, OutgoingMessage(texts.render("console.broadcast_no_recipients")))
        return
    if context.user_data is not None and context.user_data.get(OPEN_DRAFT) == broadcast_id:
        del context.user_data[OPEN_DRAFT]
    queued = await services.db.broadcast(broadcast_id)
    assert queued is not None
    progress = progress_message(services, queued, await broadcast_figures(services, queued))
    query = update.callback_query
    chat = update.effective_chat
    if query is not None and isinstance(query.message, Message) and chat is not None:
        await show(update, progress)
        await services.db.set_broadcast_progress_message(broadcast_id, chat.id, query.message.message_id)
    await services.scheduler.rearm()
