"""Following broadcasts: the progress message of each running one, its final report, and /broadcasts.

Every count staff see comes from the outbox rows of the broadcast (see bot/db/broadcasts.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot import callbacks
from bot.db import Broadcast
from bot.handlers.common import reply
from bot.handlers.sending import keyboard
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import clock_time
from bot.priority import Priority
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

PROGRESS_SHOWN_KEY = "broadcast_progress_shown"


def describe_when(services: Services, when: datetime | None) -> str:
    if when is None:
        return services.content.texts.render("console.when_now_short")
    local = when.astimezone(services.settings.clinic_zone)
    return local.strftime("%a %b %d, ") + clock_time(local.time())


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
