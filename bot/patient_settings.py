"""The /settings screens, all by buttons: what each screen shows and what each button changes.

Button data is ``set:<what>[:<value>]``; every value is checked against the choices in content, so a
forged or stale button can only ever pick one of the offered settings, for the person who pressed it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import callbacks
from bot.content import Content
from bot.db import Prefs
from bot.kinds import Kind
from bot.localtime import clock_time as clock_time  # re-exported: handlers format times from here
from bot.localtime import window_text as window_text
from bot.messages import Button, OutgoingMessage
from bot.reminders import is_paused, zone_of


def window_code(start: time, end: time) -> str:
    return f"{start:%H%M}{end:%H%M}"


def valid_zone(name: str) -> str | None:
    """The zone name if it is a real IANA zone (``Europe/London``, ``UTC``), else None."""
    name = name.strip()
    if not name or len(name) > 64 or " " in name or ".." in name or name.startswith("/"):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


LANGUAGE = "lang"  # the /settings button and choices of the patient's language


class SettingsScreens:
    """The screens in one language: ``content`` is the patient's (``Content.for_language``)."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._r = content.reminders
        self._clinic = content.texts.clinic_fields()

    def _t(self, key: str, **values: object) -> str:
        return self._r.render(f"settings.{key}", self._clinic, **values)

    def language_name(self, code: str) -> str:
        """A language as it calls itself ("Español"), for the patient's own screens."""
        language = self._content.languages.get(code)
        return language.name if language is not None else code

    def language_line(self, code: str) -> str:
        return self._content.texts.render("language.current", language=self.language_name(code))

    def zone_label(self, zone: str) -> str:
        return next((label for name, label in self._r.choices.zones if name == zone), zone)

    def overview(self, prefs: Prefs, now: datetime) -> OutgoingMessage:
        posture = (
            self._t(
                "on_work_hours",
                start=clock_time(prefs.work_start),
                end=clock_time(prefs.work_end),
                every=prefs.posture_every_minutes,
            )
            if prefs.posture_on
            else self._t("off")
        )
        exercise = (
            self._t("on_daily", time=clock_time(prefs.exercise_time)) if prefs.exercise_on else self._t("off")
        )
        paused = (
            self._t(
                "paused_until", until=self._content.texts.day(prefs.paused_until.astimezone(zone_of(prefs)))
            )
            if prefs.paused_until is not None and is_paused(prefs, now)
            else self._t("not_paused")
        )
        text = self._r.templates["settings.overview"].format_map(
            {
                **self._clinic,
                "timezone": html.escape(self.zone_label(prefs.timezone), quote=False),
                "quiet": window_text(prefs.quiet_start, prefs.quiet_end),
                Kind.POSTURE: posture,
                Kind.EXERCISE: exercise,
                # The language row sits between the reminders and the pause line.
                "paused": f"{self.language_line(self._content.language)}\n{paused}",
            }
        )
        b = Button
        rows: list[tuple[Button, ...]] = [
            (
                b(self._t("button_timezone"), callbacks.SETTINGS.data("tz")),
                b(self._t("button_quiet"), callbacks.SETTINGS.data("quiet")),
            ),
            (
                b(self._t("button_posture_off"), callbacks.SETTINGS.data(Kind.POSTURE, "off"))
                if prefs.posture_on
                else b(self._t("button_posture_on"), callbacks.SETTINGS.data(Kind.POSTURE, "on")),
                b(self._t("button_work_hours"), callbacks.SETTINGS.data("work")),
            ),
            (
                b(self._t("button_exercise_off"), callbacks.SETTINGS.data("ex", "off"))
                if prefs.exercise_on
                # Turning exercise on asks for its time first (choosing one turns it on).
                else b(self._t("button_exercise_on"), callbacks.SETTINGS.data("extime")),
                b(self._t("button_exercise_time"), callbacks.SETTINGS.data("extime")),
            ),
            (
                b(self._t("button_resume"), callbacks.SETTINGS.data("resume"))
                if is_paused(prefs, now)
                else b(self._t("button_pause"), callbacks.SETTINGS.data("pause")),
                b(self._content.texts.render_plain("language.button"), callbacks.SETTINGS.data(LANGUAGE)),
            ),
        ]
        return OutgoingMessage(text, tuple(rows))

    def submenu(self, name: str) -> OutgoingMessage | None:
        """The list of choices behind one overview button; None for an unknown name."""
        c = self._r.choices
        back = (Button(self._t("button_back"), callbacks.SETTINGS.data("menu")),)
        options: list[tuple[str, str]]
        if name == "tz":
            options = [(label, callbacks.SETTINGS.data("tz", zone)) for zone, label in c.zones]
            options.append((self._t("button_type_zone"), callbacks.SETTINGS.data("tz", "type")))
            title = self._t("choose_timezone")
        elif name == "quiet":
            options = [
                (window_text(s, e), callbacks.SETTINGS.data("quiet", window_code(s, e)))
                for s, e in c.quiet_hours
            ]
            title = self._t("choose_quiet")
        elif name == "work":
            options = [
                (window_text(s, e), callbacks.SETTINGS.data("work", window_code(s, e)))
                for s, e in c.work_hours
            ]
            title = self._t("choose_work_hours")
        elif name == "extime":
            options = [
                (clock_time(t), callbacks.SETTINGS.data("extime", f"{t:%H%M}")) for t in c.exercise_times
            ]
            title = self._t("choose_exercise_time")
        elif name == LANGUAGE:
            options = [
                (language.name, callbacks.SETTINGS.data(LANGUAGE, code))
                for code, language in self._content.languages.items()
            ]
            title = self._content.texts.render("language.choose")
        elif name == "pause":
            options = [
                (
                    self._t("pause_one_day") if d == 1 else self._t("pause_days", days=d),
                    callbacks.SETTINGS.data("pause", d),
                )
                for d in c.pause_days
            ]
            title = self._t("choose_pause")
        else:
            return None
        rows = [
            tuple(Button(label, data) for label, data in options[i : i + 2])
            for i in range(0, len(options), 2)
        ]
        return OutgoingMessage(title, (*rows, back))

    def change(self, name: str, value: str, now: datetime) -> dict[str, Any] | None:
        """The settings a button changes, or None if the button is not one we offer."""
        changer = self._changers.get(name)
        return changer(value, now) if changer is not None else None

    @property
    def _changers(self) -> dict[str, Callable[[str, datetime], dict[str, Any] | None]]:
        """One reader per settings button: its value in, the settings it changes out."""
        return {
            "tz": self._zone_change,
            "quiet": partial(self._window_change, "quiet"),
            "work": partial(self._window_change, "work"),
            Kind.POSTURE: self._posture_change,
            "ex": self._exercise_change,
            "extime": self._exercise_time_change,
            "pause": self._pause_change,
            "resume": lambda _value, _now: {"paused_until": None},
            LANGUAGE: self._language_change,
        }

    def _language_change(self, value: str, now: datetime) -> dict[str, Any] | None:
        """Not a setting in prefs: the handler stores it on the patient (see ``LANGUAGE``)."""
        return {"language": value} if value in self._content.languages else None

    def _zone_change(self, value: str, now: datetime) -> dict[str, Any] | None:
        return {"timezone": value} if value in {zone for zone, _ in self._r.choices.zones} else None

    def _window_change(self, name: str, value: str, now: datetime) -> dict[str, Any] | None:
        c = self._r.choices
        windows = c.quiet_hours if name == "quiet" else c.work_hours
        match = next(((s, e) for s, e in windows if window_code(s, e) == value), None)
        if match is None:
            return None
        return {f"{name}_start": match[0], f"{name}_end": match[1]}

    def _posture_change(self, value: str, now: datetime) -> dict[str, Any] | None:
        if value not in {"on", "off"}:
            return None
        return {"posture_on": value == "on", "posture_every_minutes": self._r.choices.posture_every_minutes}

    def _exercise_change(self, value: str, now: datetime) -> dict[str, Any] | None:
        return {"exercise_on": value == "on"} if value in {"on", "off"} else None

    def _exercise_time_change(self, value: str, now: datetime) -> dict[str, Any] | None:
        chosen = next((t for t in self._r.choices.exercise_times if f"{t:%H%M}" == value), None)
        return {"exercise_time": chosen, "exercise_on": True} if chosen else None

    def _pause_change(self, value: str, now: datetime) -> dict[str, Any] | None:
        if value.isdigit() and int(value) in self._r.choices.pause_days:
            return {"paused_until": now + timedelta(days=int(value))}
        return None

    def offer(self) -> OutgoingMessage:
        """After joining: would the patient like reminders?"""
        return OutgoingMessage(
            self._t("offer"),
            (
                (
                    Button(self._t("offer_posture"), callbacks.OFFER.data(Kind.POSTURE)),
                    Button(self._t("offer_exercise"), callbacks.OFFER.data(Kind.EXERCISE)),
                ),
                (Button(self._t("offer_none"), callbacks.OFFER.data("none")),),
            ),
        )


@dataclass(frozen=True)
class ParsedButton:
    name: str
    value: str


def parse_button(data: str) -> ParsedButton | None:
    fields = callbacks.SETTINGS.parse(data)
    if fields is None or not fields[0]:
        return None
    return ParsedButton(*fields)
