"""Recording a treatment session: /session, its typo and same-day questions, and its correct/undo buttons.

Nothing is stored or sent while a question is open; the aftercare goes out once the areas are settled.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace

from telegram import Update

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
from bot.handlers.common import remove_buttons, reply, show
from bot.handlers.staff import patient_number
from bot.handlers.visits import refresh_nudge
from bot.outbox import Button, OutgoingMessage
from bot.patient_settings import clock_time
from bot.programmes import follow_session_fix, staff_exercise_names, start_default_programme
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

PENDING_SESSIONS = "pending_sessions"  # chat_data: /session questions waiting for an answer, by token
MAX_PENDING_SESSIONS = 10


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
            await ask_about_typo(update, context, patient, replace(pending, suggestion=suggestion))
            return
    if not pending.same_day_ok and await ask_about_same_day(update, context, patient, pending):
        return
    await record_now(update, context, staff_id, patient, pending.areas, list(pending.unknown))


async def ask_about_typo(
    update: Update, context: ClinicContext, patient: Patient, pending: PendingSession
) -> None:
    """ "Did you mean lower back?": nothing is stored or sent until staff choose."""
    texts = context.services.content.texts
    aftercare = context.services.content.aftercare
    token = hold_session(context, pending)
    labels = ", ".join(area_labels(pending.suggestion, aftercare))
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


async def ask_about_same_day(
    update: Update, context: ClinicContext, patient: Patient, pending: PendingSession
) -> bool:
    """A second session for the patient today: ask first. True when a question was asked."""
    services = context.services
    texts = services.content.texts
    zone = services.settings.clinic_zone
    earlier = await services.db.sessions_on(
        patient.id, services.clock.now().astimezone(zone).date().isoformat()
    )
    if not earlier:
        return False
    token = hold_session(context, pending)
    last = earlier[-1]
    text = texts.render(
        "sessions.same_day",
        number=patient.id,
        name=patient.display_name,
        time=clock_time(last.session_at.astimezone(zone).time()),
        areas=", ".join(area_labels(last.areas, services.content.aftercare))
        or texts.render("staff.session_all_areas"),
    )
    ask_again = (
        (
            Button(texts.render_plain("sessions.button_again"), callbacks.SESSION.data(token, "again")),
            Button(texts.render_plain("sessions.button_not_again"), callbacks.SESSION.data(token, "no")),
        ),
    )
    await reply(update, text, OutgoingMessage(text, ask_again))
    return True


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
    await refresh_nudge(services, patient.id)  # the care plan's next due day moves with the session
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
    lines.append(await programme_line(services, patient, areas))
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
    await refresh_nudge(services, patient.id)
    key = "sessions.undone_after_sent" if aftercare_status == "sent" else "sessions.undone"
    lines = [texts.render(key, number=patient.id, name=patient.display_name)]
    rules = services.content.programme
    now = services.clock.now()
    if await follow_session_fix(services.db, rules, now, patient.id, session.session_at, None):
        lines.append(texts.render("programme_staff.session_undone"))
    await reply(update, "\n".join(lines))


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
    name = patient.display_name
    if added:
        more = ", ".join(area_labels(added, aftercare))
        text = texts.render("sessions.corrected_more", number=patient.id, name=name, areas=labels, added=more)
    else:
        text = texts.render("sessions.corrected_nothing_more", number=patient.id, name=name, areas=labels)
    # A programme this session picked follows the corrected areas.
    repicked = await follow_session_fix(
        services.db, services.content.programme, now, patient.id, session.session_at, areas
    )
    if repicked is None:
        return text
    names = staff_exercise_names(services.content, repicked) or texts.render("programme_staff.none")
    return text + "\n" + texts.render("programme_staff.session_new", names=names, number=patient.id)


async def programme_line(services: Services, patient: Patient, areas: tuple[str, ...]) -> str:
    """A first session gives the patient a home exercise programme for the treated areas; a later one
    keeps the programme they have. Either way staff read what it holds."""
    created, programme = await start_default_programme(
        services.db, services.content.programme, services.clock.now(), patient.id, areas
    )
    texts = services.content.texts
    names = staff_exercise_names(services.content, programme) or texts.render("programme_staff.none")
    key = "programme_staff.session_new" if created else "programme_staff.session_kept"
    return texts.render(key, names=names, number=patient.id)
