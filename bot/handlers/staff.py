"""Staff commands: enroll patients, record sessions, manage staff. Guarded once, in handlers/__init__."""

from __future__ import annotations

import io
import logging
import secrets
from dataclasses import dataclass, replace

import segno
from telegram import Bot, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import callbacks
from bot.aftercare import (
    AFTERCARE_KIND,
    CORRECTION_WINDOW,
    aftercare_key,
    area_labels,
    merge_areas,
    parse_areas,
    record_session,
    suggest_areas,
)
from bot.db import Patient, PlannedSend, Session
from bot.enrollment import MAX_DISPLAY_NAME, clean_display_name, enroll, invite_link
from bot.handlers.common import remove_buttons, reply, show
from bot.handlers.menus import staff_commands
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import clock_time
from bot.services import ClinicContext

log = logging.getLogger(__name__)

PENDING_SESSIONS = "pending_sessions"  # chat_data: /session questions waiting for an answer, by token
MAX_PENDING_SESSIONS = 10


def command_text(update: Update) -> str:
    """What follows the command word, as typed (context.args would lose the spacing)."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def patient_number(raw: str) -> int | None:
    raw = raw.strip().lstrip("#")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


async def enroll_command(update: Update, context: ClinicContext) -> None:
    """``/enroll Jane D.``: a new patient number and a one-time invite link (and its QR code)."""
    services = context.services
    texts = services.content.texts
    user = update.effective_user
    if user is None:
        return
    raw_name = command_text(update)
    if not raw_name.strip():
        await reply(update, texts.render("staff.enroll_usage"))
        return
    name = clean_display_name(raw_name)
    if name is None:
        await reply(update, texts.render("staff.enroll_bad_name", max_length=MAX_DISPLAY_NAME))
        return
    now = services.clock.now()
    enrollment = await enroll(services.db, now, user.id, name, services.settings.invite_ttl_days)
    link = invite_link(context.bot.username, enrollment.token)
    expires = enrollment.expires_at.astimezone(services.settings.clinic_zone).strftime("%b %d, %Y")
    log.info("staff %s enrolled patient #%s", user.id, enrollment.patient_id)
    text = texts.render(
        "staff.enroll_done", number=enrollment.patient_id, name=name, link=link, expires=expires
    )
    await deliver_invite(update, context, enrollment.patient_id, name, text, link)


async def deliver_invite(
    update: Update, context: ClinicContext, number: int, name: str, text: str, link: str
) -> None:
    """Give staff an invite link and its QR code: in a private chat here, privately from a group.

    A link in the staff group could be tapped by anyone in it, and the first account to open a link
    owns it; so from the group the link goes to the staff member's private chat with the bot.
    """
    texts = context.services.content.texts
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return
    caption = texts.render("staff.enroll_qr_caption", number=number, name=name)
    if chat.type == "private":
        await reply(update, text)
        await send_qr(context.bot, chat.id, link, caption)
        return
    try:
        await context.bot.send_message(user.id, text)
    except (Forbidden, BadRequest) as exc:
        # 403: they never started a chat with the bot (or blocked it); 400: chat not found.
        log.info("could not send an invite privately to staff %s: %s", user.id, type(exc).__name__)
        await reply(
            update,
            texts.render(
                "console.invite_no_private_chat",
                number=number,
                name=name,
                staff=user.full_name,
                bot_username=context.bot.username,
            ),
        )
        return
    await send_qr(context.bot, user.id, link, caption)
    await reply(
        update, texts.render("console.invite_sent_privately", number=number, name=name, staff=user.full_name)
    )


async def send_qr(bot: Bot, chat_id: int, link: str, caption: str) -> None:
    """The same link as a QR code, for a patient standing at the front desk."""
    image = io.BytesIO()
    segno.make(link, error="m").save(image, kind="png", scale=8, border=2)
    try:
        await bot.send_photo(chat_id, image.getvalue(), caption=caption)
    except TelegramError as exc:
        # The text link already went out; the QR code is a convenience.
        log.warning("could not send the invite QR code: %s", type(exc).__name__)


async def session_command(update: Update, context: ClinicContext) -> None:
    """``/session 12 neck shoulders``: record a session and send the aftercare now."""
    services = context.services
    texts = services.content.texts
    user = update.effective_user
    if user is None:
        return
    args = context.args or []
    number = patient_number(args[0]) if args else None
    if number is None:
        await reply(update, texts.render("staff.session_usage"))
        return
    patient = await services.db.patient(number)
    if patient is None:
        await reply(update, texts.render("staff.session_not_found", number=number))
        return
    await record_and_report(update, context, user.id, patient, args[1:])


@dataclass(frozen=True)
class PendingSession:
    """A /session waiting for staff's answer (a typo, or a second session today): nothing stored yet."""

    patient_id: int
    areas: tuple[str, ...]
    unknown: tuple[str, ...]
    suggestion: tuple[str, ...]
    same_day_ok: bool


def pending_sessions(context: ClinicContext) -> dict[str, PendingSession]:
    """Kept per chat, so that in the staff group any staff member can answer the question."""
    data = context.chat_data if context.chat_data is not None else {}
    pending = data.setdefault(PENDING_SESSIONS, {})
    assert isinstance(pending, dict)
    return pending


def hold_session(context: ClinicContext, pending: PendingSession) -> str:
    """Remember a /session until staff answer; the token goes in the buttons (at most a few kept)."""
    held = pending_sessions(context)
    while len(held) >= MAX_PENDING_SESSIONS:
        del held[next(iter(held))]
    token = secrets.token_urlsafe(6)
    held[token] = pending
    return token


async def record_and_report(
    update: Update, context: ClinicContext, staff_id: int, patient: Patient, area_words: list[str]
) -> None:
    """Record a session (from /session or the patient card), send the aftercare, tell staff how it went."""
    areas, unknown = parse_areas(area_words, context.services.content.aftercare)
    await settle_session(
        update, context, staff_id, patient, PendingSession(patient.id, areas, tuple(unknown), (), False)
    )


async def settle_session(
    update: Update, context: ClinicContext, staff_id: int, patient: Patient, pending: PendingSession
) -> None:
    """Ask what needs asking (a likely typo, a second session today), else record and send the aftercare."""
    services = context.services
    texts = services.content.texts
    aftercare = services.content.aftercare
    if patient.status != "active":
        key = {
            "invited": "staff.session_not_joined",
            "stopped": "staff.session_stopped",
            "blocked": "staff.session_blocked",
        }[patient.status]
        await reply(update, texts.render(key, number=patient.id, name=patient.display_name))
        return
    if pending.unknown and not pending.suggestion:
        likely = suggest_areas(list(pending.unknown), aftercare)
        suggestion = tuple(key for key in likely if key not in pending.areas)
        if likely and not suggestion:
            pending = replace(pending, unknown=())  # "lowr back": the area is already there
        elif suggestion:
            pending = replace(pending, suggestion=suggestion)
            token = hold_session(context, pending)
            labels = ", ".join(area_labels(suggestion, aftercare))
            keep = (
                texts.render_plain(
                    "sessions.button_keep_known", areas=", ".join(area_labels(pending.areas, aftercare))
                )
                if pending.areas
                else texts.render_plain("sessions.button_keep_general")
            )
            text = texts.render(
                "sessions.did_you_mean",
                unknown=" ".join(pending.unknown)[:100],
                suggestion=labels,
                number=patient.id,
                name=patient.display_name,
            )
            buttons = (
                (
                    Button(
                        texts.render_plain("sessions.button_use", suggestion=labels),
                        callbacks.SESSION.data(token, "use"),
                    ),
                ),
                (Button(keep, callbacks.SESSION.data(token, "keep")),),
            )
            await reply(update, text, OutgoingMessage(text, buttons))
            return
    now = services.clock.now()
    zone = services.settings.clinic_zone
    if not pending.same_day_ok:
        earlier = await services.db.sessions_on(patient.id, now.astimezone(zone).date().isoformat())
        if earlier:
            token = hold_session(context, pending)
            last = earlier[-1]
            text = texts.render(
                "sessions.same_day",
                number=patient.id,
                name=patient.display_name,
                time=clock_time(last.session_at.astimezone(zone).time()),
                areas=", ".join(area_labels(last.areas, aftercare))
                or texts.render("staff.session_all_areas"),
            )
            ask_again: tuple[tuple[Button, ...], ...] = (
                (
                    Button(
                        texts.render_plain("sessions.button_again"), callbacks.SESSION.data(token, "again")
                    ),
                    Button(
                        texts.render_plain("sessions.button_not_again"), callbacks.SESSION.data(token, "no")
                    ),
                ),
            )
            await reply(update, text, OutgoingMessage(text, ask_again))
            return
    await record_now(update, context, staff_id, patient, pending.areas, list(pending.unknown))


async def record_now(
    update: Update,
    context: ClinicContext,
    staff_id: int,
    patient: Patient,
    areas: tuple[str, ...],
    unknown: list[str],
) -> None:
    services = context.services
    texts = services.content.texts
    aftercare = services.content.aftercare
    labels = ", ".join(area_labels(areas, aftercare)) or texts.render("staff.session_all_areas")
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    recorded = await record_session(
        services.db,
        services.clock.now(),
        services.settings.clinic_zone,
        staff_id,
        patient,
        areas,
        services.content.reminders,
        prefs,
    )
    log.info("staff %s recorded session %s for patient #%s", staff_id, recorded.session_id, patient.id)
    await services.scheduler.send_now([recorded.aftercare_key])
    if recorded.aftercare_queued:
        status = await services.db.outbox_status(recorded.aftercare_key)
        text_key = {
            "sent": "staff.session_sent",
            "pending": "staff.session_queued",
        }.get(status or "", "staff.session_undeliverable")
    else:
        text_key = "staff.session_already_today"
    lines = [texts.render(text_key, areas=labels, number=patient.id, name=patient.display_name)]
    if unknown:
        known = ", ".join(area.label for area in aftercare.areas)
        lines.append(
            texts.render("staff.session_unknown_areas", unknown=" ".join(unknown)[:200], known=known)
        )
    lines.append(texts.render("sessions.fix_hint", minutes=int(CORRECTION_WINDOW.total_seconds() // 60)))
    text = "\n".join(lines)
    buttons = (
        (
            Button(
                texts.render_plain("sessions.button_correct"),
                callbacks.SESSION.data(recorded.session_id, "fix"),
            ),
            Button(
                texts.render_plain("sessions.button_undo"),
                callbacks.SESSION.data(recorded.session_id, "undo"),
            ),
        ),
    )
    await reply(update, text, OutgoingMessage(text, buttons))


async def session_button(update: Update, context: ClinicContext) -> None:
    """The buttons of /session: the typo question, the same-day question, and Correct / Undo."""
    services = context.services
    texts = services.content.texts
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    if not services.access.is_staff(user.id):
        await query.answer(texts.render_plain("staff.only_staff"), show_alert=True)
        return
    key, action = callbacks.SESSION.parse(query.data) or ("", "")
    picked = area_mask(action, len(services.content.aftercare.areas))
    if key.isdigit() and len(key) < 12 and (action in {"fix", "undo"} or picked is not None):
        await correct_or_undo(update, context, user.id, int(key), action)
        return
    pending = pending_sessions(context).pop(key, None)
    if pending is None or action not in {"use", "keep", "again", "no"}:
        await query.answer(texts.render_plain("sessions.stale"), show_alert=True)
        return
    await query.answer()
    await remove_buttons(update)
    patient = await services.db.patient(pending.patient_id)
    if patient is None:
        await reply(update, texts.render("console.gone"))
        return
    aftercare = services.content.aftercare
    if action == "no":
        await reply(update, texts.render("sessions.not_recorded"))
        return
    if action == "use":
        pending = replace(
            pending, areas=merge_areas(pending.areas, pending.suggestion, aftercare), unknown=()
        )
    elif action == "keep":
        pending = replace(pending, unknown=())
    else:
        pending = replace(pending, same_day_ok=True)
    await settle_session(update, context, user.id, patient, pending)


async def correct_or_undo(
    update: Update, context: ClinicContext, staff_id: int, session_id: int, action: str
) -> None:
    services = context.services
    texts = services.content.texts
    query = update.callback_query
    assert query is not None
    session = await services.db.session(session_id)
    if session is None:
        await query.answer(texts.render_plain("sessions.already_undone"), show_alert=True)
        return
    if services.clock.now() - session.session_at > CORRECTION_WINDOW:
        await query.answer(texts.render_plain("sessions.too_late"), show_alert=True)
        await remove_buttons(update)
        return
    patient = await services.db.patient(session.patient_id)
    if patient is None:
        await query.answer(texts.render_plain("console.gone"), show_alert=True)
        return
    await query.answer()
    areas = services.content.aftercare.areas
    if action == "fix":
        mask = sum(1 << i for i, area in enumerate(areas) if area.key in session.areas)
        await show(update, area_picker(context, patient, session_id, mask))
        return
    picked = area_mask(action, len(areas))
    if picked is not None and action.startswith("m:"):
        await show(update, area_picker(context, patient, session_id, picked))
        return
    if picked is not None:
        chosen = tuple(area.key for i, area in enumerate(areas) if picked & (1 << i))
        await show(
            update, OutgoingMessage(await correct_session(context, staff_id, session, patient, chosen))
        )
        return
    aftercare_status = await services.db.outbox_status(aftercare_key(patient.id, session.clinic_date))
    cancelled = await services.db.undo_session(services.clock.now(), session_id, staff_id)
    await remove_buttons(update)
    if cancelled is None:
        await reply(update, texts.render("sessions.already_undone"))
        return
    log.info("staff %s undid session %s of patient #%s", staff_id, session_id, patient.id)
    key = "sessions.undone_after_sent" if aftercare_status == "sent" else "sessions.undone"
    await reply(update, texts.render(key, number=patient.id, name=patient.display_name))


def area_mask(action: str, count: int) -> int | None:
    """The areas picked so far, from ``m:<mask>`` (toggling) or ``d:<mask>`` (saving) button data."""
    kind, _, raw = action.partition(":")
    if kind not in {"m", "d"} or not raw.isdigit() or len(raw) > 6:
        return None
    mask = int(raw)
    return mask if mask < (1 << count) else None


def area_picker(context: ClinicContext, patient: Patient, session_id: int, mask: int) -> OutgoingMessage:
    """The treated areas as buttons to tick (works in the staff group too, where typing is not read)."""
    texts = context.services.content.texts
    areas = context.services.content.aftercare.areas
    toggles = [
        Button(
            texts.render_plain(
                "sessions.area_on" if mask & (1 << i) else "sessions.area_off", area=area.label
            ),
            callbacks.SESSION.data(session_id, f"m:{mask ^ (1 << i)}"),
        )
        for i, area in enumerate(areas)
    ]
    rows: list[tuple[Button, ...]] = [tuple(toggles[i : i + 2]) for i in range(0, len(toggles), 2)]
    rows.append(
        (Button(texts.render_plain("sessions.button_save"), callbacks.SESSION.data(session_id, f"d:{mask}")),)
    )
    text = texts.render("sessions.correct_pick", number=patient.id, name=patient.display_name)
    return OutgoingMessage(text, tuple(rows))


async def correct_session(
    context: ClinicContext, staff_id: int, session: Session, patient: Patient, areas: tuple[str, ...]
) -> str:
    """Store the corrected areas; only the tips that were missing go to the patient. Returns staff's reply."""
    services = context.services
    texts = services.content.texts
    aftercare = services.content.aftercare
    added = tuple(key for key in areas if key not in session.areas)
    now = services.clock.now()
    sends = []
    if added:
        key = f"{aftercare_key(patient.id, session.clinic_date)}:more:{session.id}:{'-'.join(added)}"
        payload = {"session_id": session.id, "added_areas": list(added)}
        sends.append(PlannedSend(AFTERCARE_KIND, key, payload, now))
    await services.db.set_session_areas(now, session.id, staff_id, areas, sends)
    log.info("staff %s corrected the areas of session %s", staff_id, session.id)
    if sends:
        await services.scheduler.send_now([sends[0].key])
    labels = ", ".join(area_labels(areas, aftercare)) or texts.render("staff.session_all_areas")
    if added:
        return texts.render(
            "sessions.corrected_more",
            number=patient.id,
            name=patient.display_name,
            areas=labels,
            added=", ".join(area_labels(added, aftercare)),
        )
    return texts.render(
        "sessions.corrected_nothing_more", number=patient.id, name=patient.display_name, areas=labels
    )


async def staff_command(update: Update, context: ClinicContext) -> None:
    """``/staff``, ``/staff add <id>``, ``/staff remove <id>`` (admins only)."""
    services = context.services
    texts = services.content.texts
    user = update.effective_user
    if user is None:
        return
    args = context.args or []
    if not args:
        admins = ", ".join(str(i) for i in sorted(services.access.admin_ids)) or texts.render(
            "staff.staff_none"
        )
        staff = ", ".join(str(i) for i in sorted(services.access.staff_ids)) or texts.render(
            "staff.staff_none"
        )
        await reply(update, texts.render("staff.staff_list", admins=admins, staff=staff))
        return
    action = args[0].lower()
    target = args[1] if len(args) == 2 else ""
    if action not in {"add", "remove"} or not target.isdigit() or len(target) > 15:
        await reply(update, texts.render("staff.staff_usage"))
        return
    target_id = int(target)
    now = services.clock.now()
    if action == "add":
        if await services.db.add_staff(now, user.id, target_id):
            services.access.grant(target_id)
            await show_staff_menu(context, target_id)
            await reply(update, texts.render("staff.staff_added", user_id=target_id))
        else:
            await reply(update, texts.render("staff.staff_already", user_id=target_id))
        return
    if services.access.is_admin(target_id):
        await reply(update, texts.render("staff.staff_is_admin", user_id=target_id))
    elif await services.db.remove_staff(now, user.id, target_id):
        services.access.revoke(target_id)
        await hide_staff_menu(context, target_id)
        await reply(update, texts.render("staff.staff_removed", user_id=target_id))
    else:
        await reply(update, texts.render("staff.staff_not_found", user_id=target_id))


async def show_staff_menu(context: ClinicContext, user_id: int) -> None:
    try:
        await context.bot.set_my_commands(
            staff_commands(context.services.content.menus, admin=False),
            scope=BotCommandScopeChat(user_id),
        )
    except TelegramError as exc:
        # The person has not opened the bot yet; their menu is set at the next start-up.
        log.info("could not set the staff menu for %s: %s", user_id, type(exc).__name__)


async def hide_staff_menu(context: ClinicContext, user_id: int) -> None:
    try:
        await context.bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        log.info("could not reset the menu for %s: %s", user_id, type(exc).__name__)


async def refuse_staff_command(update: Update, context: ClinicContext) -> None:
    """Anyone who is not staff trying a staff command: say so, and do nothing."""
    await reply(update, _refusal(update, context, "staff.only_staff"))


async def refuse_admin_command(update: Update, context: ClinicContext) -> None:
    await reply(update, _refusal(update, context, "staff.only_admin"))


def _refusal(update: Update, context: ClinicContext, key: str) -> str:
    """Before any admin is set up (a first run), the refusal says how to become one."""
    texts = context.services.content.texts
    user = update.effective_user
    if not context.services.access.admin_ids and user is not None:
        return texts.render("setup.not_staff_yet", user_id=user.id)
    return texts.render(key)


async def myid_command(update: Update, context: ClinicContext) -> None:
    """Anyone's own Telegram user id, for ADMIN_IDS or for staff to be added with /staff add."""
    user = update.effective_user
    if user is not None:
        await reply(update, context.services.content.texts.render("setup.myid", user_id=user.id))


async def staffchat_command(update: Update, context: ClinicContext) -> None:
    """An admin in a group: the group's id for STAFF_CHAT_ID (for when the bot missed being added)."""
    chat = update.effective_chat
    if chat is None:
        return
    texts = context.services.content.texts
    if chat.type in {"group", "supergroup"}:
        await reply(update, texts.render("setup.staffchat", chat_id=chat.id))
    else:
        await reply(update, texts.render("setup.staffchat_private"))


async def added_to_group(update: Update, context: ClinicContext) -> None:
    """When staff add the bot to a group, say the group's id, which STAFF_CHAT_ID needs."""
    change = update.my_chat_member
    if change is None or change.chat.type not in {"group", "supergroup"}:
        return
    joined = change.new_chat_member.status in {"member", "administrator"}
    was_out = change.old_chat_member.status in {"left", "kicked"}
    if joined and was_out and context.services.access.is_staff(change.from_user.id):
        text = context.services.content.texts.render("staff.group_added", chat_id=change.chat.id)
        await context.bot.send_message(change.chat.id, text)
