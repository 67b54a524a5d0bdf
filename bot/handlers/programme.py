"""Home exercise programmes: staff ``/program 12`` (buttons to add, remove and dose exercises) and the
patient's ``/exercises`` (the programme as pictures with captions).

A /program button carries the programme's version: a press on an older version (someone else changed
it meanwhile) changes nothing and shows the programme as it is now. Every press re-checks that the
person is staff and re-reads the patient and the programme from the database.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import callbacks
from bot.db import Patient, Programme
from bot.exercise_library import Exercise
from bot.handlers.common import own_patient, reply, show
from bot.handlers.console import pressing_staff
from bot.handlers.staff import patient_number
from bot.messages import Button, OutgoingMessage
from bot.programmes import (
    Edit,
    add_exercise,
    adherence_since,
    change_dose,
    dose_text,
    patient_language,
    remove_exercise,
    shown_programme,
    within_gentle_days,
)
from bot.reminders import zone_of
from bot.services import ClinicContext, Services

log = logging.getLogger(__name__)

PG = callbacks.PROGRAMME
# v: the programme; a: areas (with an area: its exercises); +: add; r: remove list; -: remove;
# d: dose list (with an exercise: its presets); =: set a preset; ok: done.
NAVIGATION = frozenset({"v", "a", "r", "d", "ok"})
EDITS = frozenset({"+", "-", "="})


def version_of(programme: Programme | None) -> int:
    return programme.version if programme else 0


async def adherence_days(services: Services, patient: Patient) -> int:
    prefs = await services.db.prefs(patient.id, services.settings.clinic_timezone)
    today = services.clock.now().astimezone(zone_of(prefs)).date()
    return await services.db.exercise_days(patient.id, adherence_since(today))


async def programme_view(
    services: Services, patient: Patient, programme: Programme | None, note: str | None = None
) -> OutgoingMessage:
    """The programme as staff see it (exercises, doses, adherence), with Add / Remove / Dose / Done."""
    texts = services.content.texts
    content = services.content
    lines = [texts.render("programme_staff.header", number=patient.id, name=patient.display_name)]
    if note:
        lines.insert(0, note)
    for position, entry in enumerate(programme.entries if programme else (), 1):
        exercise = content.exercises.get(entry.exercise)
        preset = content.programme.presets.get(entry.preset)
        if exercise is None or preset is None:
            continue
        lines.append(
            texts.render(
                "programme_staff.line",
                position=position,
                name=exercise.name,
                dose=dose_text(texts, preset.apply(exercise.dose)),
                preset=preset.label,
            )
        )
    if programme is None or not programme.entries:
        lines.append(texts.render("programme_staff.empty"))
    lines.append(texts.render("programme_staff.adherence", days=await adherence_days(services, patient)))
    version = version_of(programme)

    def button(key: str, action: str) -> Button:
        return Button(texts.render_plain(f"programme_staff.{key}"), PG.data(patient.id, version, action))

    rows = (
        (button("button_add", "a"), button("button_remove", "r"), button("button_dose", "d")),
        (button("button_done", "ok"),),
    )
    return OutgoingMessage("\n".join(lines), rows)


def _back(services: Services, patient: Patient, version: int, action: str = "v") -> tuple[Button, ...]:
    label = services.content.texts.render_plain("programme_staff.button_back")
    return (Button(label, PG.data(patient.id, version, action)),)


def picker(
    services: Services, patient: Patient, programme: Programme | None, action: str, value: str
) -> OutgoingMessage:
    """The lists behind the buttons: areas, an area's exercises, the programme's exercises to remove or
    dose, an exercise's dose presets."""
    texts = services.content.texts
    content = services.content
    version = version_of(programme)
    rows: list[tuple[Button, ...]] = []
    if action == "a" and not value:
        areas = [area for area in content.aftercare.areas if content.exercises.for_area(area.key)]
        rows = [(Button(area.label, PG.data(patient.id, version, "a", area.key)),) for area in areas]
        return OutgoingMessage(
            texts.render("programme_staff.pick_area"), (*rows, _back(services, patient, version))
        )
    if action == "a":
        label = next((a.label for a in content.aftercare.areas if a.key == value), value)
        chosen = set(programme.exercise_ids if programme else ())
        rows = [
            (Button(("✓ " if e.id in chosen else "") + e.name, PG.data(patient.id, version, "+", e.id)),)
            for e in content.exercises.for_area(value)
        ]
        text = texts.render("programme_staff.pick_exercise", area=label)
        return OutgoingMessage(text, (*rows, _back(services, patient, version, "a")))
    entries = programme.entries if programme else ()
    if action == "d" and value:
        exercise = content.exercises.get(value)
        current = next((e.preset for e in entries if e.exercise == value), "")
        assert exercise is not None
        rows = [
            (
                Button(
                    ("• " if preset.name == current else "")
                    + f"{preset.label}: {dose_text(texts, preset.apply(exercise.dose))}",
                    PG.data(patient.id, version, "=", exercise.id, preset.name),
                ),
            )
            for preset in content.programme.presets.values()
        ]
        text = texts.render("programme_staff.pick_preset", name=exercise.name)
        return OutgoingMessage(text, (*rows, _back(services, patient, version, "d")))
    next_action = "-" if action == "r" else "d"
    for entry in entries:
        exercise = content.exercises.get(entry.exercise)
        if exercise is not None:
            rows.append((Button(exercise.name, PG.data(patient.id, version, next_action, exercise.id)),))
    key = "programme_staff.pick_remove" if action == "r" else "programme_staff.pick_dose"
    return OutgoingMessage(texts.render(key), (*rows, _back(services, patient, version)))


async def save_edit(
    services: Services, staff_id: int, patient: Patient, programme: Programme | None, edit: Edit
) -> tuple[Programme | None, str | None]:
    """Store an edit if the programme is still the one it was made from: the programme now, and a
    note for staff if it changed meanwhile (then nothing was written)."""
    texts = services.content.texts
    assert edit.entries is not None
    saved = await services.db.save_programme(
        services.clock.now(), patient.id, staff_id, version_of(programme), edit.entries, edit.action
    )
    log.info("staff %s changed the programme of patient #%s: %s", staff_id, patient.id, edit.action)
    note = None if saved else texts.render("programme_staff.changed_meanwhile")
    return await services.db.programme(patient.id), note


def make_edit(
    services: Services, programme: Programme | None, action: str, exercise: Exercise, preset: str
) -> Edit:
    rules = services.content.programme
    if action == "+":
        return add_exercise(programme, exercise, rules)
    if action == "-":
        return remove_exercise(programme, exercise)
    chosen = rules.presets.get(preset)
    return change_dose(programme, exercise, chosen) if chosen else Edit(None, "programme_staff.stale")


async def program_command(update: Update, context: ClinicContext) -> None:
    """``/program 12`` shows the programme with its buttons; ``/program 12 add chin_tuck`` and
    ``/program 12 remove chin_tuck`` change it by typing."""
    services = context.services
    texts = services.content.texts
    args = context.args or []
    number = patient_number(args[0]) if args else None
    typed = args[1:3] if len(args) == 3 and args[1].lower() in {"add", "remove"} else None
    if number is None or (len(args) > 1 and typed is None):
        await reply(update, texts.render("programme_staff.usage"))
        return
    patient = await services.db.patient(number)
    if patient is None:
        await reply(update, texts.render("programme_staff.not_found", number=number))
        return
    programme = await services.db.programme(patient.id)
    note = None
    if typed is not None:
        exercise = services.content.exercises.get(typed[1].lower())
        if exercise is None:
            known = ", ".join(f"<code>{e}</code>" for e in services.content.exercises.exercises)
            text = texts.render(
                "programme_staff.unknown_exercise", exercise=typed[1][:40], markup={"known": known}
            )
            await reply(update, text)
            return
        user = update.effective_user
        assert user is not None
        edit = make_edit(services, programme, "+" if typed[0].lower() == "add" else "-", exercise, "")
        if edit.entries is None and edit.refusal:
            note = texts.render(
                edit.refusal, name=exercise.name, count=services.content.programme.max_exercises
            )
        else:
            programme, note = await save_edit(services, user.id, patient, programme, edit)
    view = await programme_view(services, patient, programme, note)
    await reply(update, view.text, view)


async def programme_button(update: Update, context: ClinicContext) -> None:
    """Every /program button. Forged or stale data gets a toast; an older version shows the current."""
    services = context.services
    texts = services.content.texts
    pressed = await pressing_staff(update, services, PG, answer=False)
    query = update.callback_query
    if pressed is None or query is None:
        return
    staff_id, (raw_number, raw_version, action, value, preset) = pressed
    number = callbacks.number(raw_number, digits=9)
    version = callbacks.number(raw_version, digits=9)
    patient = await services.db.patient(number) if number is not None else None
    exercise = services.content.exercises.get(value)
    known_value = (
        not value
        or exercise is not None
        or (action == "a" and any(area.key == value for area in services.content.aftercare.areas))
    )
    valid = action in NAVIGATION | EDITS and known_value and (action not in EDITS or exercise is not None)
    if patient is None or version is None or not valid:
        await query.answer(texts.render_plain("programme_staff.stale"))
        return
    await query.answer()
    programme = await services.db.programme(patient.id)
    if version != version_of(programme):
        note = texts.render("programme_staff.changed_meanwhile")
        await show(update, await programme_view(services, patient, programme, note))
        return
    await act(update, services, staff_id, patient, programme, (action, value, preset))


async def act(
    update: Update,
    services: Services,
    staff_id: int,
    patient: Patient,
    programme: Programme | None,
    pressed: tuple[str, str, str],
) -> None:
    """Carry out one valid press on the current version of the programme."""
    action, value, preset = pressed
    texts = services.content.texts
    exercise = services.content.exercises.get(value)
    if action == "ok":
        count = len(programme.entries) if programme else 0
        saved = texts.render(
            "programme_staff.saved", number=patient.id, name=patient.display_name, count=count
        )
        await show(update, OutgoingMessage(saved))
        return
    if action in EDITS and exercise is not None:
        edit = make_edit(services, programme, action, exercise, preset)
        note: str | None
        if edit.entries is None:
            note = texts.render(
                edit.refusal or "programme_staff.stale",
                name=exercise.name,
                count=services.content.programme.max_exercises,
            )
        else:
            programme, note = await save_edit(services, staff_id, patient, programme, edit)
        await show(update, await programme_view(services, patient, programme, note))
        return
    if action in {"a", "r", "d"}:
        await show(update, picker(services, patient, programme, action, value))
        return
    await show(update, await programme_view(services, patient, programme))


async def exercises_command(update: Update, context: ClinicContext) -> None:
    """``/exercises``: the patient's programme as pictures with captions (an album when several)."""
    services = context.services
    patient = await own_patient(update, context)
    chat = update.effective_chat
    if patient is None or chat is None:
        await reply(update, services.content.patient_texts().render("programme.only_patients"))
        return
    language = patient_language(patient)
    texts = services.content.patient_texts(language)
    shown = shown_programme(services.content, await services.db.programme(patient.id), language)
    if not shown:
        await reply(update, texts.render("programme.empty"))
        return
    if len(shown) == 1:  # on its own, a moving picture where the exercise has one
        await services.pictures.send(chat.id, shown[0].exercise.picture_alone, shown[0].caption)
    else:
        await services.pictures.send_album(chat.id, [(item.picture, item.caption) for item in shown])
    last = await services.db.last_session(patient.id)
    lines = [texts.render("programme.footer")]
    if within_gentle_days(
        last.session_at if last else None, services.clock.now(), services.content.programme
    ):
        lines.append(texts.render("programme.gentle"))
    await reply(update, "\n".join(lines))
