"""Broadcasts from the staff console: /broadcast, its draft buttons, the typed text or time, and
the progress job that keeps each running broadcast's message up to date.

Every button re-checks that the person pressing it is staff right now and re-reads the broadcast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot import callbacks
from bot.broadcasts import AUDIENCES, USEFUL_FOR, check_text, parse_when, when_choices
from bot.db import Broadcast
from bot.handlers import pending
from bot.handlers.common import reply, show
from bot.handlers.console import pressing_staff, staff_user
from bot.handlers.pending import Pending
from bot.handlers.sending import keyboard
from bot.handlers.staff import command_text
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import clock_time
from bot.priority import Priority
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

BROADCAST_INPUT = frozenset({Pending.BROADCAST_TEXT, Pending.BROADCAST_TIME})
PROGRESS_SHOWN_KEY = "broadcast_progress_shown"
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
        if check.problem == "empty":
            await reply(update, texts.render("console.broadcast_empty"))
        else:
            await reply(
                update, texts.render("console.broadcast_too_long", length=len(check.text), limit=4000)
            )
        return
    broadcast_id = await services.db.create_broadcast(services.clock.now(), staff_id, check.text)
    if context.user_data is not None:
        context.user_data[OPEN_DRAFT] = broadcast_id
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
    rows.append(
        (Button(texts.render("console.button_cancel"), callbacks.BROADCAST.data(broadcast_id, "cancel")),)
    )
    await reply(update, texts.render("console.broadcast_audience"), OutgoingMessage("", tuple(rows)))


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
        days = None if value == "all" else int(value)
        await services.db.set_broadcast_draft(broadcast.id, audience_days=days, send_at=None)
        choices = when_choices(now, services.settings.clinic_zone)
        rows = [
            (
                Button(
                    texts.render(f"console.when_{key}"), callbacks.BROADCAST.data(broadcast.id, "when", key)
                ),
            )
            for key in choices
        ]
        rows.append(
            (
                Button(
                    texts.render("console.when_type"), callbacks.BROADCAST.data(broadcast.id, "when", "type")
                ),
            )
        )
        rows.append(
            (Button(texts.render("console.button_cancel"), callbacks.BROADCAST.data(broadcast.id, "cancel")),)
        )
        await show(update, OutgoingMessage(texts.render("console.broadcast_when"), tuple(rows)))
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
    count = await services.db.count_recipients(services.clock.now(), broadcast.audience_days)
    audience = (
        texts.render("console.audience_all_short")
        if broadcast.audience_days is None
        else texts.render("console.audience_recent_short", days=broadcast.audience_days)
    )
    await reply(update, texts.render("console.broadcast_message", text=broadcast.text))
    preview = texts.render(
        "console.broadcast_preview",
        patients=counted(services, "broadcasts.patients", count),
        audience=audience,
        when=describe_when(services, when),
    )
    buttons = (
        (
            Button(texts.render("console.button_send"), callbacks.BROADCAST.data(broadcast_id, "send")),
            Button(texts.render("console.button_cancel"), callbacks.BROADCAST.data(broadcast_id, "cancel")),
        ),
    )
    await reply(update, preview, OutgoingMessage(preview, buttons))


def describe_when(services: Services, when: datetime | None) -> str:
    if when is None:
        return services.content.texts.render("console.when_now_short")
    local = when.astimezone(services.settings.clinic_zone)
    return local.strftime("%a %b %d, ") + clock_time(local.time())


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


@dataclass(frozen=True)
class BroadcastFigures:
    """Every count staff see about a broadcast; together they add up to its recipients."""

    sent: int
    blocked: int
    failed: int
    cancelled: int  # by staff
    skipped: int  # stopped, erased, or too late to be useful
    pending: int
    waiting: int  # pending, held for patients' quiet hours
    waiting_until: datetime | None


async def broadcast_figures(services: Services, broadcast: Broadcast) -> BroadcastFigures:
    db = services.db
    counts = await db.broadcast_counts(broadcast.id)
    skipped_rows = await db.broadcast_skipped(broadcast.id)
    waiting, until = await db.broadcast_waiting(broadcast.id, services.clock.now())
    if broadcast.send_at is not None and broadcast.send_at > services.clock.now():
        waiting, until = 0, None  # a scheduled broadcast is not waiting for quiet hours yet
    erased = max(broadcast.recipients - sum(counts.values()), 0)  # erased patients' rows are gone
    return BroadcastFigures(
        sent=counts["sent"],
        blocked=counts["blocked"],
        failed=counts["failed"],
        cancelled=counts["cancelled"] - skipped_rows,
        skipped=skipped_rows + erased,
        pending=counts["pending"],
        waiting=waiting,
        waiting_until=until,
    )


def counted(services: Services, key: str, count: int, until: str = "") -> str:
    """A count with its noun right: ``{key}_one`` for 1, ``{key}_other`` otherwise."""
    form = "one" if count == 1 else "other"
    return services.content.texts.render(f"{key}_{form}", count=f"{count:,}", until=until)


def figures_line(services: Services, figures: BroadcastFigures, total: int, *, every: bool = False) -> str:
    """ "sent 3 of 5, 1 has blocked the bot, …": while sending the counts that are not zero, in the
    final report (``every``) each of them, zeros too, so staff see nothing was left out."""
    parts = [
        services.content.texts.render("broadcasts.figure_sent", sent=f"{figures.sent:,}", total=f"{total:,}")
    ]
    for key, count in (
        ("blocked", figures.blocked),
        ("failed", figures.failed),
        ("skipped", figures.skipped),
        ("not_sent", figures.cancelled),
    ):
        if count or every:
            parts.append(counted(services, f"broadcasts.{key}", count))
    if figures.waiting and figures.waiting_until is not None:
        until = describe_time(services, figures.waiting_until)
        parts.append(counted(services, "broadcasts.waiting", figures.waiting, until=until))
    return ", ".join(parts)


def describe_time(services: Services, moment: datetime) -> str:
    """Clinic time, 12-hour style; the day too when it is more than a day away."""
    local = moment.astimezone(services.settings.clinic_zone)
    if moment - services.clock.now() < timedelta(hours=24):
        return clock_time(local.time())
    return local.strftime("%a %b %d, ") + clock_time(local.time())


def progress_message(services: Services, broadcast: Broadcast, figures: BroadcastFigures) -> OutgoingMessage:
    """Sending, scheduled, or finished: what the staff's progress message says now."""
    texts = services.content.texts
    broadcast_id = broadcast.id
    if broadcast.status != "queued" or figures.pending == 0:
        line = figures_line(services, figures, broadcast.recipients, every=True)
        return OutgoingMessage(texts.render("console.broadcast_done", id=broadcast.id, figures=line))
    line = figures_line(services, figures, broadcast.recipients)
    stop = (
        (
            Button(
                texts.render("console.button_stop_broadcast"),
                callbacks.BROADCAST.data(broadcast_id, "cancel"),
            ),
        ),
    )
    if broadcast.send_at is not None and broadcast.send_at > services.clock.now():
        when = describe_when(services, broadcast.send_at)
        return OutgoingMessage(
            texts.render(
                "console.broadcast_scheduled",
                id=broadcast.id,
                patients=counted(services, "broadcasts.patients", broadcast.recipients),
                when=when,
            ),
            stop,
        )
    text = texts.render("console.broadcast_progress", id=broadcast.id, figures=line)
    return OutgoingMessage(text, stop)


async def refresh_broadcasts(bot: ExtBot[Any], services: Services, shown: dict[int, str]) -> None:
    """Edit each running broadcast's progress message; close the ones with nothing left to send.

    ``shown`` remembers the last text per broadcast, so an unchanged message is not edited again.
    """
    for broadcast_id in await services.db.running_broadcasts():
        broadcast = await services.db.broadcast(broadcast_id)
        if broadcast is None:
            continue
        figures = await broadcast_figures(services, broadcast)
        finished = figures.pending == 0 and await services.db.finish_broadcast(
            services.clock.now(), broadcast_id
        )
        message = progress_message(services, broadcast, figures)
        if shown.get(broadcast_id) != message.text and broadcast.progress_message_id is not None:
            shown[broadcast_id] = message.text
            try:
                await bot.edit_message_text(
                    message.text,
                    chat_id=broadcast.progress_chat_id,
                    message_id=broadcast.progress_message_id,
                    reply_markup=keyboard(message),
                )
            except TelegramError as exc:
                log.info("could not update broadcast %s progress: %s", broadcast_id, type(exc).__name__)
        if finished:
            log.info("broadcast %s finished: %s", broadcast_id, figures)
            await post_final_report(bot, services, broadcast, message)


async def post_final_report(
    bot: ExtBot[Any], services: Services, broadcast: Broadcast, report: OutgoingMessage
) -> None:
    """The final figures as a new message in the chat it was sent from, so staff get a notification."""
    if broadcast.progress_chat_id is None:
        return
    try:
        await bot.send_message(
            broadcast.progress_chat_id,
            report.text,
            reply_parameters=ReplyParameters(broadcast.progress_message_id, allow_sending_without_reply=True)
            if broadcast.progress_message_id is not None
            else None,
            rate_limit_args=Priority.ALERT.value,
        )
    except TelegramError as exc:
        log.info("could not post broadcast %s final report: %s", broadcast.id, type(exc).__name__)


# --- /broadcasts ----------------------------------------------------------------------------------


async def broadcasts_command(update: Update, context: ClinicContext) -> None:
    """``/broadcasts``: the scheduled and running broadcasts, each with its Cancel button."""
    services = context.services
    texts = services.content.texts
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    for broadcast_id in await services.db.running_broadcasts():
        broadcast = await services.db.broadcast(broadcast_id)
        if broadcast is None:
            continue
        figures = await broadcast_figures(services, broadcast)
        progress = progress_message(services, broadcast, figures)
        preview = " ".join(broadcast.text.split())
        preview = preview if len(preview) <= 60 else preview[:59] + "…"
        lines.append(texts.render("broadcasts.line", status=progress.text, preview=preview, markup={}))
        rows.append(
            (
                Button(
                    texts.render_plain("broadcasts.cancel_button", id=broadcast.id),
                    callbacks.BROADCAST.data(broadcast.id, "cancel"),
                ),
            )
        )
    if not lines:
        await reply(update, texts.render("broadcasts.none"))
        return
    text = texts.render("broadcasts.header", markup={"lines": "\n\n".join(lines)})
    await reply(update, text, OutgoingMessage(text, tuple(rows)))


async def progress_job(context: ClinicContext) -> None:
    """The periodic job (wired in bot/app.py): refresh every running broadcast's progress."""
    shown = context.bot_data.setdefault(PROGRESS_SHOWN_KEY, {})
    await refresh_broadcasts(context.bot, context.services, shown)
