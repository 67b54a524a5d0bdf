"""Sessions and their aftercare: record a treatment, queue the aftercare, compose its text."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content import Aftercare
from bot.content.reminders import ReminderContent
from bot.db import Patient, PlannedSend, Prefs, SessionStore
from bot.kinds import Kind
from bot.reminders import plan_checkin

AFTERCARE_KIND = Kind.AFTERCARE


def aftercare_key(patient_id: int, clinic_date: str) -> str:
    """One aftercare per patient per clinic day, however many sessions staff record that day."""
    return f"aftercare:{patient_id}:{clinic_date}"


def parse_areas(words: list[str], aftercare: Aftercare) -> tuple[tuple[str, ...], list[str]]:
    """Match what staff typed ("neck shoulders", "upper back") to known areas.

    Returns the area keys in content order and the words that matched nothing.
    """
    text = " ".join(re.sub(r"[^\w\s-]", " ", w.lower()) for w in words)
    text = " ".join(text.split())
    found: set[str] = set()
    # Longest phrases first, so "upper back" wins over "back".
    phrases = sorted(
        ((word, area.key) for area in aftercare.areas for word in area.words),
        key=lambda pair: -len(pair[0]),
    )
    for phrase, key in phrases:
        pattern = rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"
        if re.search(pattern, text):
            found.add(key)
            text = re.sub(pattern, " ", text)
    fillers = {"and", "&", "-", "the", "both", "left", "right", "l", "r"}
    unknown = [word for word in text.split() if word not in fillers]
    ordered = tuple(area.key for area in aftercare.areas if area.key in found)
    return ordered, unknown


# How close a typo must be to an area word to be offered ("nekc" -> neck, "shouldrs" -> shoulders).
SUGGEST_CUTOFF = 0.7
# For this long after a session staff can correct its areas or undo it from the confirmation.
CORRECTION_WINDOW = timedelta(minutes=10)


def suggest_areas(unknown: list[str], aftercare: Aftercare) -> tuple[str, ...]:
    """The areas staff most likely meant by the words :func:`parse_areas` did not know, in content order."""
    by_word: dict[str, str] = {}
    for area in aftercare.areas:
        for phrase in area.words:
            by_word.setdefault(phrase, area.key)
            for token in phrase.split():
                if len(token) > 3:  # "lower" of "lower back", not "the"
                    by_word.setdefault(token, area.key)
    found: set[str] = set()
    for word in unknown:
        match = difflib.get_close_matches(word, list(by_word), n=1, cutoff=SUGGEST_CUTOFF)
        if match:
            found.add(by_word[match[0]])
    return tuple(area.key for area in aftercare.areas if area.key in found)


def merge_areas(first: tuple[str, ...], second: tuple[str, ...], aftercare: Aftercare) -> tuple[str, ...]:
    keys = set(first) | set(second)
    return tuple(area.key for area in aftercare.areas if area.key in keys)


def compose_more_tips(aftercare: Aftercare, areas: tuple[str, ...]) -> str:
    """Only the tips of areas added by a correction, for the short follow-up message."""
    return "\n".join(area.tip for area in aftercare.areas if area.key in areas)


def area_labels(keys: tuple[str, ...], aftercare: Aftercare) -> list[str]:
    labels = {area.key: area.label for area in aftercare.areas}
    return [labels[key] for key in keys if key in labels]


def compose_aftercare(aftercare: Aftercare, clinic_fields: dict[str, str], areas: tuple[str, ...]) -> str:
    """The aftercare message for the treated areas (general movement tips when none are known)."""
    tips = [area.tip for area in aftercare.areas if area.key in areas]
    movement = "\n".join([*(tips or [aftercare.general_movement]), aftercare.movement_caution])
    sections = {name: text.format_map(clinic_fields) for name, text in aftercare.sections.items()}
    return aftercare.template.format_map({**clinic_fields, **sections, "movement": movement})


@dataclass(frozen=True)
class SessionRecorded:
    session_id: int
    aftercare_key: str
    aftercare_queued: bool


async def record_session(
    db: SessionStore,
    now: datetime,
    clinic_zone: ZoneInfo,
    staff_id: int,
    patient: Patient,
    areas: tuple[str, ...],
    reminders: ReminderContent,
    prefs: Prefs,
) -> SessionRecorded:
    """Store the session, queue its aftercare (due now) and its first check-in, in one transaction."""
    clinic_date = now.astimezone(clinic_zone).date().isoformat()
    key = aftercare_key(patient.id, clinic_date)

    def follow_ups(session_id: int) -> list[PlannedSend]:
        return [
            PlannedSend(AFTERCARE_KIND, key, {"session_id": session_id}, now),
            plan_checkin(reminders, session_id, now, "first", prefs),
        ]

    session_id, queued = await db.record_session(now, staff_id, patient.id, clinic_date, areas, follow_ups)
    return SessionRecorded(session_id, key, aftercare_queued=key in queued)
