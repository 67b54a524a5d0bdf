"""Loader for reminders.toml: check-ins, posture and exercise reminders, and the /settings screens."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import (
    ContentError,
    check_template,
    read_toml,
    require_str,
    require_str_list,
    single_full_stop,
)
from bot.kinds import Kind
from bot.localtime import parse_hhmm

WHERE = "bot/content/reminders.toml"
STEPS = ("first", "follow_up", "last")

# Each text (section.key) with the placeholders it may use besides the clinic's.
REMINDER_KEYS: dict[str, frozenset[str]] = {
    **{
        f"checkin_replies.{k}": frozenset()
        for k in (
            "none",
            "bit",
            "very",
            "better",
            "same",
            "urgent",
            "worry",
            "thanks_already",
            "expired",
            "closed",
        )
    },
    "posture.intro": frozenset(),
    "posture.done_button": frozenset(),
    "posture.snooze_button": frozenset(),
    "posture.caution": frozenset(),
    "exercise.intro": frozenset(),
    "exercise.done_button": frozenset(),
    "exercise.snooze_button": frozenset(),
    "exercise.skip_button": frozenset(),
    "exercise.caution": frozenset(),
    **{f"reminder_replies.{k}": frozenset() for k in ("done", "snoozed", "skipped", "stale")},
    "settings.overview": frozenset({"timezone", "quiet", Kind.POSTURE, Kind.EXERCISE, "paused"}),
    "settings.on_work_hours": frozenset({"start", "end", "every"}),
    "settings.off": frozenset(),
    "settings.on_daily": frozenset({"time"}),
    "settings.paused_until": frozenset({"until"}),
    "settings.not_paused": frozenset(),
    **{
        f"settings.{k}": frozenset()
        for k in (
            "button_timezone",
            "button_quiet",
            "button_posture_on",
            "button_posture_off",
            "button_work_hours",
            "button_exercise_on",
            "button_exercise_off",
            "button_exercise_time",
            "button_pause",
            "button_resume",
            "button_back",
            "button_type_zone",
            "choose_timezone",
            "type_zone",
            "bad_zone",
            "choose_quiet",
            "choose_work_hours",
            "choose_exercise_time",
            "choose_pause",
            "only_patients",
            "offer",
            "offer_posture",
            "offer_exercise",
            "offer_none",
        )
    },
    "settings.zone_set": frozenset({"timezone"}),
    "settings.pause_days": frozenset({"days"}),
    "settings.pause_one_day": frozenset(),
    "elapsed.today": frozenset(),
    "elapsed.yesterday": frozenset(),
    "elapsed.days": frozenset({"days"}),
}
_SKIP = {"checkin_timing", Kind.CHECKIN, "checkin_alert_categories", "settings_choices"}
_LISTS = {"posture.tips", "posture.tips_sources", "exercise.routines", "exercise.routines_sources"}


@dataclass(frozen=True)
class CheckinAnswer:
    key: str
    label: str
    reply: str
    next_step: str | None
    alert: str | None


@dataclass(frozen=True)
class CheckinStep:
    name: str
    question: str
    answers: tuple[CheckinAnswer, ...]

    def answer(self, key: str) -> CheckinAnswer | None:
        return next((a for a in self.answers if a.key == key), None)


@dataclass(frozen=True)
class SettingsChoices:
    """What /settings offers by button."""

    zones: tuple[tuple[str, str], ...]
    quiet_hours: tuple[tuple[time, time], ...]
    work_hours: tuple[tuple[time, time], ...]
    exercise_times: tuple[time, ...]
    pause_days: tuple[int, ...]
    posture_every_minutes: int


@dataclass(frozen=True)
class ReminderContent:
    choices: SettingsChoices
    step_hours: dict[str, float]
    useful_for_hours: float
    steps: dict[str, CheckinStep]
    alert_categories: dict[str, str]
    posture_tips: tuple[str, ...]
    exercise_routines: tuple[str, ...]
    templates: dict[str, str]

    def render(self, key: str, clinic: dict[str, str], **values: object) -> str:
        """Render a text; values are HTML-escaped, clinic fields come already escaped."""
        escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
        return single_full_stop(self.templates[key], escaped).format_map({**clinic, **escaped})

    def question(self, step: str, clinic: dict[str, str], **values: object) -> str:
        escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
        return single_full_stop(self.steps[step].question, escaped).format_map({**clinic, **escaped})

    @classmethod
    def load(cls) -> ReminderContent:
        return cls.from_data(read_toml("reminders.toml"))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ReminderContent:
        timing = _table(data, "checkin_timing")
        step_hours = _step_hours(timing)
        steps = {name: _step(_table(_table(data, Kind.CHECKIN), name), name) for name in STEPS}
        categories = _table(data, "checkin_alert_categories")
        templates = _templates(data)
        _check_answers(steps, templates, categories)
        tips, routines = _tips_and_routines(data)
        return cls(
            choices=_choices(_table(data, "settings_choices")),
            step_hours=step_hours,
            useful_for_hours=_hours(timing, "useful_for_hours"),
            steps=steps,
            alert_categories={k: require_str(categories, k, WHERE) for k in categories},
            posture_tips=tuple(check_template(t, (), f"{WHERE} posture tip") for t in tips),
            exercise_routines=tuple(check_template(r, (), f"{WHERE} routine") for r in routines),
            templates=templates,
        )


def _step_hours(timing: dict[str, Any]) -> dict[str, float]:
    require_str_list(timing, "sources", f"{WHERE} [checkin_timing]")
    step_hours = {
        "first": _hours(timing, "first_hours"),
        "follow_up": _hours(timing, "follow_up_hours"),
        "last": _hours(timing, "last_hours"),
    }
    if not step_hours["first"] < step_hours["follow_up"] < step_hours["last"]:
        raise ContentError(f"{WHERE}: check-in hours must increase (first < follow_up < last)")
    return step_hours


def _templates(data: dict[str, Any]) -> dict[str, str]:
    """Every text the bot uses, each checked for its placeholders; unknown or missing ones fail."""
    templates: dict[str, str] = {}
    for section, entries in data.items():
        if section in _SKIP:
            continue
        if not isinstance(entries, dict):
            raise ContentError(f"{WHERE}: [{section}] must be a table")
        for name, value in entries.items():
            key = f"{section}.{name}"
            if key in _LISTS:
                continue
            if key not in REMINDER_KEYS:
                raise ContentError(f"{WHERE}: '{key}' is not a text the bot uses")
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{WHERE}: '{key}' must be a non-empty string")
            templates[key] = check_template(value, REMINDER_KEYS[key], f"{WHERE} '{key}'")
    missing = sorted(set(REMINDER_KEYS) - set(templates))
    if missing:
        raise ContentError(f"{WHERE} is missing: {', '.join(missing)}")
    return templates


def _check_answers(
    steps: dict[str, CheckinStep], templates: dict[str, str], categories: dict[str, Any]
) -> None:
    """Each check-in answer names a reply that exists, a step that exists, and an alert it can file."""
    for step in steps.values():
        for answer in step.answers:
            if f"checkin_replies.{answer.reply}" not in templates:
                raise ContentError(f"{WHERE}: check-in answer '{answer.key}' names unknown reply")
            if answer.next_step is not None and answer.next_step not in STEPS:
                raise ContentError(f"{WHERE}: check-in answer '{answer.key}' names unknown step")
            if answer.alert is not None and (
                answer.alert not in {"urgent", "emergency"} or answer.reply not in categories
            ):
                raise ContentError(
                    f"{WHERE}: answer '{answer.key}' alerts: add its reply to [checkin_alert_categories]"
                )


def _tips_and_routines(data: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    posture, exercise = _table(data, Kind.POSTURE), _table(data, Kind.EXERCISE)
    for table, key in ((posture, "tips_sources"), (exercise, "routines_sources")):
        require_str_list(table, key, WHERE)
    tips = require_str_list(posture, "tips", WHERE)
    routines = require_str_list(exercise, "routines", WHERE)
    if not tips or not routines:
        raise ContentError(f"{WHERE}: posture tips and exercise routines must not be empty")
    return tips, routines


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ContentError(f"{WHERE}: [{key}] is missing")
    return value


def _hours(table: dict[str, Any], key: str) -> float:
    value = table.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ContentError(f"{WHERE}: '{key}' must be a positive number of hours")
    return float(value)


def _step(table: dict[str, Any], name: str) -> CheckinStep:
    where = f"{WHERE} [checkin.{name}]"
    raw_answers = table.get("answers")
    if not isinstance(raw_answers, list) or not raw_answers:
        raise ContentError(f"{where}: 'answers' must be a list")
    answers: list[CheckinAnswer] = []
    for raw in raw_answers:
        if not isinstance(raw, dict):
            raise ContentError(f"{where}: each answer must be a table")
        answers.append(
            CheckinAnswer(
                key=require_str(raw, "key", where),
                label=require_str(raw, "label", where),
                reply=require_str(raw, "reply", where),
                next_step=raw.get("next"),
                alert=raw.get("alert"),
            )
        )
    question = check_template(require_str(table, "question", where), {"name", "when"}, where)
    return CheckinStep(name=name, question=question, answers=tuple(answers))


def _window(text: object, where: str) -> tuple[time, time]:
    try:
        start, end = str(text).split("-")
        return parse_hhmm(start), parse_hhmm(end)
    except ValueError:
        raise ContentError(f"{where}: {text!r} is not a window like 21:00-08:00") from None


def _zone(entry: object, where: str) -> tuple[str, str]:
    if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry)):
        raise ContentError(f"{where}: each zone must be [name, label]")
    try:
        ZoneInfo(entry[0])
    except (ZoneInfoNotFoundError, ValueError):
        raise ContentError(f"{where}: unknown time zone {entry[0]!r}") from None
    return entry[0], entry[1]


def _choices(table: dict[str, Any]) -> SettingsChoices:
    where = f"{WHERE} [settings_choices]"
    zones = [_zone(entry, where) for entry in table.get("zones", [])]
    try:
        times = tuple(parse_hhmm(t) for t in require_str_list(table, "exercise_times", where))
    except ValueError as exc:
        raise ContentError(f"{where}: {exc}") from None
    days = table.get("pause_days")
    every = table.get("posture_every_minutes")
    if not isinstance(days, list) or not days or not all(isinstance(d, int) and 0 < d <= 60 for d in days):
        raise ContentError(f"{where}: pause_days must be a list of 1 to 60")
    if not isinstance(every, int) or not 15 <= every <= 240:
        raise ContentError(f"{where}: posture_every_minutes must be 15 to 240")
    if not zones or not times:
        raise ContentError(f"{where}: zones and exercise_times must not be empty")
    return SettingsChoices(
        zones=tuple(zones),
        quiet_hours=tuple(_window(w, where) for w in require_str_list(table, "quiet_hours", where)),
        work_hours=tuple(_window(w, where) for w in require_str_list(table, "work_hours", where)),
        exercise_times=times,
        pause_days=tuple(days),
        posture_every_minutes=every,
    )
