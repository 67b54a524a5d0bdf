"""Home exercise programmes as plain domain code: defaults at a session, staff edits, what patients see.

No Telegram types here. A programme is stored as exercise ids and dose presets (bot/db/programmes.py);
the words and pictures come from the library at the moment they are shown, so a content fix reaches
every patient. Patient texts are rendered through :meth:`bot.content.Content.patient_texts`, which takes
the patient's language code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.content import BASE_LANGUAGE, Content, ContentError, Texts
from bot.content.programme import DosePreset, ProgrammeRules
from bot.db import OutboxItem, Patient, Programme, ProgrammeEntry, ProgrammeStore
from bot.exercise_library import Dose, Exercise
from bot.messages import Button, OutgoingMessage, Picture

MAX_CAPTION = 1024
MAX_ALBUM = 10
ADHERENCE_DAYS = 7


def _plural(texts: Texts, key: str, count: int) -> str:
    return texts.render(f"{key}_one" if count == 1 else f"{key}_other", count=count)


def dose_text(texts: Texts, dose: Dose) -> str:
    """ "Hold 5 seconds, 10 times, 3 times a day": the parts a dose has, in the patient's language."""
    parts: list[str] = []
    if dose.hold_seconds:
        parts.append(texts.render("programme.dose_hold", seconds=dose.hold_seconds))
    if dose.reps and not (dose.reps == 1 and dose.hold_seconds):
        parts.append(_plural(texts, "programme.dose_reps", dose.reps))
    if dose.sets and dose.sets > 1:
        parts.append(_plural(texts, "programme.dose_sets", dose.sets))
    if dose.each_side:
        parts.append(texts.render("programme.dose_each_side"))
    if dose.per_day:
        parts.append(_plural(texts, "programme.dose_per_day", dose.per_day))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def caption(texts: Texts, exercise: Exercise, preset: DosePreset, language: str = BASE_LANGUAGE) -> str:
    """The words under an exercise's picture: name, dose, numbered steps and its cautions."""
    words = exercise.words(language)
    steps = "\n".join(
        texts.render("programme.step_line", number=number, step=step)
        for number, step in enumerate(words.steps, 1)
    )
    return texts.render(
        "programme.caption",
        name=words.name,
        dose=dose_text(texts, preset.apply(exercise.dose)),
        cautions=" ".join(words.cautions),
        markup={"steps": steps},
    )


def check_captions(content: Content) -> None:
    """Start-up check: every exercise's caption fits Telegram's 1,024 characters, at every dose
    preset and in every language, so no patient ever gets a cut-off caption."""
    for language, texts in ((code, content.for_language(code).texts) for code in content.languages):
        for exercise in content.exercises.exercises.values():
            for preset in content.programme.presets.values():
                text = caption(texts, exercise, preset, language)
                if len(text) > MAX_CAPTION - 200:  # room for the reminder's own lines
                    raise ContentError(
                        f"bot/content/exercises/{exercise.id}.toml: the {language} caption is "
                        f"{len(text)} characters (at most {MAX_CAPTION - 200}); shorten the steps"
                    )


@dataclass(frozen=True)
class Shown:
    """One exercise as a patient sees it: its picture and caption."""

    exercise: Exercise
    picture: Picture
    caption: str


def shown_programme(
    content: Content, programme: Programme | None, language: str = BASE_LANGUAGE
) -> list[Shown]:
    """The programme's exercises that are still in the library, in order, with their captions."""
    if programme is None:
        return []
    texts = content.patient_texts(language)
    shown: list[Shown] = []
    for entry in programme.entries:
        exercise = content.exercises.get(entry.exercise)
        if exercise is None:
            continue  # taken out of the library since: skipped, never an error
        preset = content.programme.presets.get(entry.preset) or default_preset(content.programme)
        shown.append(Shown(exercise, exercise.picture, caption(texts, exercise, preset, language)))
    return shown


def default_preset(rules: ProgrammeRules) -> DosePreset:
    return rules.presets[rules.default_preset]


def of_the_day(count: int, day: date) -> int:
    """Which exercise of a programme of ``count`` a day's reminder shows: they take turns."""
    return day.toordinal() % count


def within_gentle_days(last_session_at: datetime | None, now: datetime, rules: ProgrammeRules) -> bool:
    return last_session_at is not None and now - last_session_at < timedelta(days=rules.gentle_days)


async def start_default_programme(
    db: ProgrammeStore, rules: ProgrammeRules, now: datetime, patient_id: int, areas: tuple[str, ...]
) -> tuple[bool, Programme | None]:
    """At a session: a patient with no programme gets the default for the treated areas.

    A patient who has one keeps it as it is (staff may have shaped it; a new area is one tap away
    in /program). Returns whether a programme was made now, and the programme in force.
    """
    picks = rules.pick_defaults(areas)
    entries = [ProgrammeEntry(exercise, rules.default_preset) for exercise in picks]
    created = await db.start_programme(now, patient_id, entries)
    return created, await db.programme(patient_id)


def picked_at_session(programme: Programme | None, session_at: datetime) -> bool:
    """Whether the programme is the default picked at this session, untouched by staff since."""
    return programme is not None and programme.updated_by is None and programme.updated_at >= session_at


async def follow_session_fix(
    db: ProgrammeStore,
    rules: ProgrammeRules,
    now: datetime,
    patient_id: int,
    session_at: datetime,
    areas: tuple[str, ...] | None,
) -> Programme | None:
    """Staff corrected a session's areas (or undid it, ``areas`` None) within minutes: a programme
    that session picked follows (re-picked for the right areas, or dropped). A programme from an
    earlier session, or one staff changed, stays. Returns the re-picked programme, if it was."""
    programme = await db.programme(patient_id)
    if programme is None or not picked_at_session(programme, session_at):
        return None
    entries = None
    if areas is not None:
        entries = [ProgrammeEntry(e, rules.default_preset) for e in rules.pick_defaults(areas)]
    if not await db.replace_default_programme(now, patient_id, programme.version, entries):
        return None
    return await db.programme(patient_id) if entries is not None else programme


@dataclass(frozen=True)
class Edit:
    """The outcome of one staff edit: the new entries, or why nothing changed (a text key)."""

    entries: list[ProgrammeEntry] | None
    refusal: str | None = None
    action: str = ""


def add_exercise(programme: Programme | None, exercise: Exercise, rules: ProgrammeRules) -> Edit:
    entries = list(programme.entries) if programme else []
    if exercise.id in {entry.exercise for entry in entries}:
        return Edit(None, "programme_staff.already")
    if len(entries) >= rules.max_exercises:
        return Edit(None, "programme_staff.full")
    return Edit([*entries, ProgrammeEntry(exercise.id, rules.default_preset)], action=f"add {exercise.id}")


def remove_exercise(programme: Programme | None, exercise: Exercise) -> Edit:
    entries = list(programme.entries) if programme else []
    kept = [entry for entry in entries if entry.exercise != exercise.id]
    if len(kept) == len(entries):
        return Edit(None, "programme_staff.not_in_programme")
    return Edit(kept, action=f"remove {exercise.id}")


def change_dose(programme: Programme | None, exercise: Exercise, preset: DosePreset) -> Edit:
    entries = list(programme.entries) if programme else []
    if exercise.id not in {entry.exercise for entry in entries}:
        return Edit(None, "programme_staff.not_in_programme")
    changed = [
        ProgrammeEntry(entry.exercise, preset.name) if entry.exercise == exercise.id else entry
        for entry in entries
    ]
    return Edit(changed, action=f"dose {exercise.id} {preset.name}")


def adherence_since(today: date) -> str:
    """The first local day of the last :data:`ADHERENCE_DAYS` days, today included."""
    return (today - timedelta(days=ADHERENCE_DAYS - 1)).isoformat()


def patient_language(patient: Patient) -> str:
    """The language a patient reads (their choice: see bot/handlers/language.py); every programme text
    follows it."""
    return patient.language


def reminder_day(item: OutboxItem, zone: ZoneInfo) -> date:
    """The local day a daily exercise reminder is for (its plan says; else the day it was due)."""
    raw = item.payload.get("day")
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return item.due_at.astimezone(zone).date()


def exercise_reminder(
    content: Content,
    programme: Programme | None,
    item: OutboxItem,
    day: date,
    gentle: bool,
    language: str = BASE_LANGUAGE,
) -> OutgoingMessage | None:
    """The daily reminder as one exercise of the programme (they take turns by day), with its picture
    and Done / Snooze / Skip; None for a patient with no programme (the text routines stand in)."""
    shown = shown_programme(content, programme, language)
    if not shown:
        return None
    index = of_the_day(len(shown), day)
    today = shown[index]
    texts = content.patient_texts(language)
    lines = [texts.render("programme.reminder_intro", position=index + 1, count=len(shown)), today.caption]
    if gentle:
        lines.append(texts.render("programme.gentle"))
    lines.append(texts.render("programme.reminder_more"))
    clinic = content.texts.clinic_fields()

    def button(answer: str) -> Button:
        label = content.reminders.render(f"exercise.{answer}_button", clinic)
        return Button(label, callbacks.REMINDER.data(item.id, f"{answer}:{today.exercise.id}"))

    rows = ((button("done"), button("snooze")), (button("skip"),))
    return OutgoingMessage("\n\n".join(lines), rows, picture=today.exercise.picture_alone)


def split_answer(answer: str, content: Content) -> tuple[str, str | None]:
    """ "done:chin_tuck" -> ("done", "chin_tuck"); an exercise not in the library is dropped."""
    response, _, exercise = answer.partition(":")
    return response, exercise if exercise and content.exercises.get(exercise) is not None else None


async def record_exercise_answer(
    db: ProgrammeStore, now: datetime, patient_id: int, exercise: str, day: date, response: str
) -> bool:
    """Done or Skip under an exercise of the day, kept per exercise and day (snoozing is not an answer)."""
    if response not in {"done", "skip"}:
        return False
    await db.record_adherence(now, patient_id, exercise, day.isoformat(), response)
    return True


def programme_lines(
    content: Content, entries: Iterable[ProgrammeEntry], language: str = BASE_LANGUAGE
) -> list[str]:
    """/mydata: each exercise of the programme with its dose, in the patient's language."""
    texts = content.patient_texts(language)
    lines: list[str] = []
    for entry in entries:
        exercise = content.exercises.get(entry.exercise)
        preset = content.programme.presets.get(entry.preset)
        if exercise is not None and preset is not None:
            dose = dose_text(texts, preset.apply(exercise.dose))
            name = exercise.words(language).name
            lines.append(texts.render("programme.mydata_line", name=name, dose=dose))
    return lines


def mydata_blocks(
    content: Content, export: dict[str, list[dict[str, Any]]], language: str = BASE_LANGUAGE
) -> list[str]:
    """The /mydata sections of the programme and of what the patient marked, from the export's rows."""
    texts = content.patient_texts(language)
    none = content.texts.render("privacy.mydata_none")
    entries = [ProgrammeEntry(str(r["exercise"]), str(r["preset"])) for r in export.get("programme", [])]
    programme = programme_lines(content, entries, language) or [none]
    marked = adherence_lines(content, export.get("adherence", []), language) or [none]
    return [
        "\n".join([texts.render("programme.mydata_title"), *programme]),
        "\n".join([texts.render("programme.mydata_adherence_title"), *marked]),
    ]


def adherence_lines(content: Content, rows: list[dict[str, Any]], language: str = BASE_LANGUAGE) -> list[str]:
    """/mydata: what the patient marked, per exercise and answer (from the export's rows)."""
    texts = content.patient_texts(language)
    lines: list[str] = []
    for row in rows:
        exercise = content.exercises.get(str(row["exercise"]))
        name = exercise.words(language).name if exercise else str(row["exercise"]).replace("_", " ")
        lines.append(
            texts.render(
                "programme.mydata_adherence_line",
                name=name,
                response=texts.render(f"programme.response_{row['response']}"),
                days=row["days"],
                date=row["last"],
            )
        )
    return lines


def staff_exercise_names(content: Content, programme: Programme | None) -> str:
    """ "Chin tuck, Doorway chest stretch": the programme as staff read it in one line."""
    names = [
        exercise.name
        for exercise in (content.exercises.get(e) for e in (programme.exercise_ids if programme else ()))
        if exercise is not None
    ]
    return ", ".join(names)


async def card_line(db: ProgrammeStore, content: Content, patient_id: int, today: date) -> str:
    """The patient card's line: the programme and "exercises done on 5 of the last 7 days"."""
    texts = content.texts
    names = staff_exercise_names(content, await db.programme(patient_id)) or texts.render(
        "programme_staff.none"
    )
    days = await db.exercise_days(patient_id, adherence_since(today))
    return texts.render("programme_staff.card", names=names, days=days)


async def stats_line(db: ProgrammeStore, content: Content, today: date) -> str:
    """/stats: patients with a programme and on how many of their last 7 days they exercised."""
    patients, done_days = await db.programme_stats(adherence_since(today))
    possible = patients * ADHERENCE_DAYS
    rate = f"{round(100 * done_days / possible)}%" if possible else "–"
    return content.texts.render(
        "programme_staff.stats", patients=patients, days=done_days, possible=possible, rate=rate
    )
