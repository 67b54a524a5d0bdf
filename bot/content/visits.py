"""Loader for visits.toml: visit and care-plan texts, the pre-visit safety check, and timing.

Patient texts are rendered through :meth:`VisitContent.patient` with a language code (default "en"):
a language's file sits in bot/content/<code>/visits.toml with the same [dates], [patient] and item
labels. Staff texts ([staff]) are English only. Every check happens at load: a missing key, an unknown
placeholder or a bad time stops start-up with one line naming the file and key.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from typing import Any

from bot.content import (
    BASE_LANGUAGE,
    ContentError,
    check_template,
    content_path,
    read_toml,
    require_positive,
    require_str,
    require_table,
    require_texts,
    single_full_stop,
)
from bot.localtime import parse_hhmm

FILE = "visits.toml"
WHEN = frozenset({"when"})
# Each patient text with the placeholders it may use besides the clinic's.
PATIENT_KEYS: dict[str, frozenset[str]] = {
    **{
        key: frozenset()
        for key in (
            "calendar_summary",
            "calendar_description",
            "flag_reply",
            "check_already",
            "check_closed",
            "reschedule_button",
            "reschedule_reply",
            "reschedule_already",
            "no_visit",
            "not_patient",
            "nudge",
            "nudge_booked_button",
            "nudge_later_button",
            "nudge_stop_button",
            "nudge_booked_reply",
            "nudge_later_reply",
            "nudge_stop_reply",
            "nudge_stale",
            "mydata_visits",
            "mydata_plan_nudges_off",
            "status_booked",
            "status_cancelled",
            "status_replaced",
        )
    },
    **{key: WHEN for key in ("confirm", "cancelled", "reminder", "none_reply", "your_visit")},
    "mydata_visit_line": frozenset({"when", "status"}),
    "mydata_check_line": frozenset({"items"}),
    "mydata_plan_line": frozenset({"plan"}),
}
DATE_KEYS: dict[str, frozenset[str]] = {
    "time": frozenset({"hour", "minute", "ampm"}),
    "when": frozenset({"weekday", "month", "month_short", "day", "time"}),
    "today": frozenset({"time"}),
    "tomorrow": frozenset({"time"}),
}
DATE_LISTS = {"weekdays": 7, "months": 12, "months_short": 12}
_NUMBERS = frozenset({"number", "name", "when"})
STAFF_KEYS: dict[str, frozenset[str]] = {
    "visit_usage": frozenset(),
    "visit_bad_date": frozenset({"text", "number"}),
    "visit_past": WHEN,
    "visit_too_far": WHEN,
    "visit_gap": frozenset({"time", "date"}),
    "visit_ambiguous": frozenset({"time", "date"}),
    "not_found": frozenset({"number"}),
    "not_joined": frozenset({"number", "name"}),
    "stopped": frozenset({"number", "name"}),
    "booked": _NUMBERS | {"sent"},
    "booked_replaced": frozenset(),
    "confirm_sent": frozenset(),
    "confirm_soon": frozenset(),
    "confirm_waiting": frozenset(),
    "cancelled": _NUMBERS,
    "nothing_to_cancel": frozenset({"number", "name"}),
    "show": _NUMBERS,
    "visits_header": frozenset({"days"}),
    "visits_line": _NUMBERS | {"flags"},
    "visits_flags": frozenset({"items"}),
    "visits_reschedule": frozenset(),
    "visits_none": frozenset({"days"}),
    "visits_more": frozenset({"count"}),
    "flag_category": frozenset({"item", "when"}),
    "reschedule_note": _NUMBERS,
    "said_booked_note": frozenset({"number", "name"}),
    "plan_usage": frozenset(),
    "plan_set": frozenset({"number", "name", "plan", "due"}),
    "plan_due": frozenset({"date"}),
    "plan_complete": frozenset(),
    "plan_show": frozenset({"number", "name", "plan", "due"}),
    "plan_none": frozenset({"number", "name"}),
    "plan_removed": frozenset({"number", "name"}),
    "plan_nudges_off": frozenset(),
    "plan_booked": WHEN,
    "plan_missing": frozenset({"number"}),
    "plan_unknown": frozenset({"text"}),
    "plan_bad_count": frozenset(),
    "plan_too_long": frozenset(),
    "plan_then_missing": frozenset(),
    "plan_then_needs_count": frozenset(),
    "plan_count_after_then": frozenset(),
    "due_header": frozenset(),
    "due_line": frozenset({"number", "name", "due", "late", "last", "plan"}),
    "due_today": frozenset(),
    "due_days_over": frozenset({"days"}),
    "due_one_day": frozenset(),
    "due_none": frozenset(),
    "due_never": frozenset(),
    "due_more": frozenset({"count"}),
    "card_visit": WHEN,
    "card_no_visit": frozenset(),
    "card_plan": frozenset({"plan", "due"}),
    "card_plan_due": frozenset({"date"}),
    "card_no_plan": frozenset(),
    "stats": frozenset({"sent", "booked_after", "said_booked", "stopped", "due", "overdue"}),
}


@dataclass(frozen=True)
class SafetyItem:
    """One question of the pre-visit safety check, with where it comes from."""

    key: str
    staff: str
    guide: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Timing:
    reminder_at: time
    reminder_earliest: time
    reminder_latest: time
    reminder_stop_hours: float
    visit_minutes: int
    nudge_from: time
    nudge_until: time
    nudge_grace_days: int
    nudge_snooze_days: int
    max_days_ahead: int


@dataclass(frozen=True)
class Language:
    """One language's patient texts, date words and safety-check labels."""

    texts: dict[str, str]
    dates: dict[str, str]
    names: dict[str, tuple[str, ...]]
    none_label: str
    labels: dict[str, str]


NONE_ITEM = "none"


@dataclass(frozen=True)
class VisitContent:
    timing: Timing
    items: tuple[SafetyItem, ...]
    staff_texts: dict[str, str]
    languages: dict[str, Language]

    @classmethod
    def load(cls) -> VisitContent:
        base = read_toml(FILE)
        translations = {}
        for code in _language_folders():
            translations[code] = read_toml(FILE, code)
        return cls.from_data(base, translations)

    @classmethod
    def from_data(cls, base: dict[str, Any], translations: dict[str, dict[str, Any]]) -> VisitContent:
        where = f"bot/content/{FILE}"
        items = _items(base, where)
        languages = {BASE_LANGUAGE: read_language(base, where, [i.key for i in items])}
        for code, data in translations.items():
            languages[code] = read_language(
                data, f"bot/content/{content_path(FILE, code)}", [i.key for i in items]
            )
        staff = _templates(require_table(base, "staff", where), STAFF_KEYS, f"{where} [staff]")
        return cls(_timing(require_table(base, "timing", where), where), items, staff, languages)

    def item(self, key: str) -> SafetyItem | None:
        return next((item for item in self.items if item.key == key), None)

    def item_label(self, key: str, lang: str = BASE_LANGUAGE) -> str:
        words = self.language(lang)
        return words.none_label if key == NONE_ITEM else words.labels.get(key, key)

    def language(self, code: str) -> Language:
        return self.languages.get(code) or self.languages[BASE_LANGUAGE]

    def patient(self, key: str, clinic: dict[str, str], lang: str = BASE_LANGUAGE, **values: object) -> str:
        """A patient text in their language, values escaped (clinic fields are already safe HTML)."""
        return _render(self.language(lang).texts[key], clinic, values)

    def patient_plain(self, key: str, clinic: dict[str, str], lang: str = BASE_LANGUAGE) -> str:
        """A button label (Telegram shows labels as plain text)."""
        return html.unescape(self.patient(key, clinic, lang))

    def staff(self, key: str, clinic: dict[str, str], **values: object) -> str:
        return _render(self.staff_texts[key], clinic, values)

    def when(self, local: datetime, lang: str = BASE_LANGUAGE, today: date | None = None) -> str:
        """A day and time the way people say it: "Wednesday, Dec 9 at 3:00 PM", or "tomorrow at 3:00 PM"
        when ``today`` (the reader's local date) is given and the day is today or tomorrow."""
        words = self.language(lang)
        hour = local.hour % 12 or 12
        clock = words.dates["time"].format(
            hour=hour, minute=f"{local.minute:02d}", ampm=words.dates["pm" if local.hour >= 12 else "am"]
        )
        if today is not None and (local.date() - today).days in (0, 1):
            return words.dates["today" if local.date() == today else "tomorrow"].format(time=clock)
        return words.dates["when"].format(
            weekday=words.names["weekdays"][local.weekday()],
            month=words.names["months"][local.month - 1],
            month_short=words.names["months_short"][local.month - 1],
            day=local.day,
            time=clock,
        )


def _render(template: str, clinic: dict[str, str], values: dict[str, object]) -> str:
    escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
    return single_full_stop(template, escaped).format_map({**clinic, **escaped})


def _language_folders() -> list[str]:
    """Languages with a visits.toml of their own (bot/content/<code>/visits.toml)."""
    root = resources.files("bot.content")
    return sorted(entry.name for entry in root.iterdir() if entry.is_dir() and entry.joinpath(FILE).is_file())


def _templates(table: dict[str, Any], keys: dict[str, frozenset[str]], where: str) -> dict[str, str]:
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise ContentError(f"{where}: '{unknown[0]}' is not a text the bot uses")
    return {
        key: check_template(require_str(table, key, where), allowed, f"{where} '{key}'")
        for key, allowed in keys.items()
    }


def read_language(data: dict[str, Any], where: str, item_keys: list[str]) -> Language:
    """One language's texts, checked: every key present, only known placeholders, 7 weekdays..."""
    texts = _templates(require_table(data, "patient", where), PATIENT_KEYS, f"{where} [patient]")
    raw_dates = require_table(data, "dates", where)
    names = {}
    for key, length in DATE_LISTS.items():
        values = require_texts(raw_dates, key, f"{where} [dates]")
        if len(values) != length:
            raise ContentError(f"{where} [dates]: '{key}' must list {length} names")
        names[key] = values
    dates = {k: require_str(raw_dates, k, f"{where} [dates]") for k in ("am", "pm")}
    for key, allowed in DATE_KEYS.items():
        template = require_str(raw_dates, key, f"{where} [dates]")
        if not set(_placeholders(template)) <= allowed:
            raise ContentError(f"{where} [dates]: '{key}' uses an unknown placeholder")
        dates[key] = template.strip()
    check = require_table(data, "safety_check", where)
    raw_items = check.get("items")
    if not isinstance(raw_items, list) or not all(isinstance(i, dict) for i in raw_items):
        raise ContentError(f"{where}: [[safety_check.items]] must be a list of tables")
    labels = {str(i.get("key")): require_str(i, "label", f"{where} safety_check.items") for i in raw_items}
    if sorted(labels) != sorted(item_keys):
        raise ContentError(f"{where}: safety_check.items must have the keys {', '.join(item_keys)}")
    return Language(texts, dates, names, require_str(check, "none_label", f"{where} [safety_check]"), labels)


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _items(data: dict[str, Any], where: str) -> tuple[SafetyItem, ...]:
    check = require_table(data, "safety_check", where)
    raw = check.get("items")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{where}: [[safety_check.items]] must list the safety-check questions")
    items: list[SafetyItem] = []
    for entry in raw:
        item_where = f"{where} safety_check.items"
        key = require_str(entry, "key", item_where)
        if key == NONE_ITEM or not key.isidentifier() or any(i.key == key for i in items):
            raise ContentError(f"{item_where}: key '{key}' must be a unique word other than '{NONE_ITEM}'")
        items.append(
            SafetyItem(
                key=key,
                staff=require_str(entry, "staff", item_where),
                guide=require_str(entry, "guide", item_where),
                sources=require_texts(entry, "sources", f"{item_where} '{key}'"),
            )
        )
    return tuple(items)


def _timing(table: dict[str, Any], where: str) -> Timing:
    def clock(key: str) -> time:
        try:
            return parse_hhmm(require_str(table, key, f"{where} [timing]"))
        except ValueError as exc:
            raise ContentError(f"{where} [timing]: '{key}' must be a time like 18:00") from exc

    def whole(key: str) -> int:
        value = require_positive(table, key, f"{where} [timing]")
        if value != int(value):
            raise ContentError(f"{where} [timing]: '{key}' must be a whole number")
        return int(value)

    timing = Timing(
        reminder_at=clock("reminder_at"),
        reminder_earliest=clock("reminder_earliest"),
        reminder_latest=clock("reminder_latest"),
        reminder_stop_hours=require_positive(table, "reminder_stop_hours", f"{where} [timing]"),
        visit_minutes=whole("visit_minutes"),
        nudge_from=clock("nudge_from"),
        nudge_until=clock("nudge_until"),
        nudge_grace_days=whole("nudge_grace_days"),
        nudge_snooze_days=whole("nudge_snooze_days"),
        max_days_ahead=whole("max_days_ahead"),
    )
    if not timing.reminder_earliest <= timing.reminder_at <= timing.reminder_latest:
        raise ContentError(
            f"{where} [timing]: reminder_at must lie between reminder_earliest and reminder_latest"
        )
    if not timing.nudge_from < timing.nudge_until:
        raise ContentError(f"{where} [timing]: nudge_from must come before nudge_until")
    return timing
