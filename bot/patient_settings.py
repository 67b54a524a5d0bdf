"""The /settings screens, all by buttons: what each screen shows and what each button changes.

Button data is ``set:<what>[:<value>]``; every value is checked against the choices in content, so a
forged or stale button can only ever pick one of the offered settings, for the person who pressed it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.reminders import ReminderContent
from bot.db import Prefs
from bot.outbox import Button, OutgoingMessage

PREFIX = "set:"
OFFER_PREFIX = "offer:"


def clock_time(value: time) -> str:
    """9:00 AM style, as patients in the US read times."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def window_text(start: time, end: time) -> str:
    return f"{clock_time(start)}–{clock_time(end)}"


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


class SettingsScreens:
    def __init__(self, content: ReminderContent, clinic: dict[str, str]) -> None:
        self._r = content
        self._clinic = clinic

    def _t(self, key: str, **values: object) -> str:
        return self._r.render(f"settings.{key}", self._clinic, **values)

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
            self._t("paused_until", until=prefs.paused_until.astimezone(prefs.zone).strftime("%a %b %d"))
            if prefs.paused_until is not None and prefs.is_paused(now)
            else self._t("not_paused")
        )
        text = self._r.templates["settings.overview"].format_map(
            {
                **self._clinic,
                "timezone": html.escape(self.zone_label(prefs.timezone), quote=False),
                "quiet": window_text(prefs.quiet_start, prefs.quiet_end),
                "posture": posture,
                "exercise": exercise,
                "paused": paused,
            }
        )
        b = Button
        rows: list[tuple[Button, ...]] = [
            (b(self._t("button_timezone"), f"{PREFIX}tz"), b(self._t("button_quiet"), f"{PREFIX}quiet")),
            (
                b(self._t("button_posture_off"), f"{PREFIX}posture:off")
                if prefs.posture_on
                else b(self._t("button_posture_on"), f"{PREFIX}posture:on"),
                b(self._t("button_work_hours"), f"{PREFIX}work"),
            ),
            (
                b(self._t("button_exercise_off"), f"{PREFIX}ex:off")
                if prefs.exercise_on
                else b(self._t("button_exercise_on"), f"{PREFIX}extime"),  # on = pick a time first
                b(self._t("button_exercise_time"), f"{PREFIX}extime"),
            ),
            (
                b(self._t("button_resume"), f"{PREFIX}resume")
                if prefs.is_paused(now)
                else b(self._t("button_pause"), f"{PREFIX}pause"),
            ),
        ]
        return OutgoingMessage(text, tuple(rows))

    def submenu(self, name: str) -> OutgoingMessage | None:
        """The list of choices behind one overview button; None for an unknown name."""
        c = self._r.choices
        back = (Button(self._t("button_back"), f"{PREFIX}menu"),)
        options: list[tuple[str, str]]
        if name == "tz":
            options = [(label, f"{PREFIX}tz:{zone}") for zone, label in c.zones]
            options.append((self._t("button_type_zone"), f"{PREFIX}tz:type"))
            title = self._t("choose_timezone")
        elif name == "quiet":
            options = [(window_text(s, e), f"{PREFIX}quiet:{window_code(s, e)}") for s, e in c.quiet_hours]
            title = self._t("choose_quiet")
        elif name == "work":
            options = [(window_text(s, e), f"{PREFIX}work:{window_code(s, e)}") for s, e in c.work_hours]
            title = self._t("choose_work_hours")
        elif name == "extime":
            options = [(clock_time(t), f"{PREFIX}extime:{t:%H%M}") for t in c.exercise_times]
            title = self._t("choose_exercise_time")
        elif name == "pause":
            options = [
                (self._t("pause_one_day") if d == 1 else self._t("pause_days", days=d), f"{PREFIX}pause:{d}")
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
        c = self._r.choices
        if name == "tz":
            return {"timezone": value} if value in {zone for zone, _ in c.zones} else None
        if name in {"quiet", "work"}:
            windows = c.quiet_hours if name == "quiet" else c.work_hours
            match = next(((s, e) for s, e in windows if window_code(s, e) == value), None)
            if match is None:
                return None
            if name == "quiet":
                return {"quiet_start": match[0], "quiet_end": match[1]}
            return {"work_start": match[0], "work_end": match[1]}
        if name == "posture" and value in {"on", "off"}:
            return {"posture_on": value == "on", "posture_every_minutes": c.posture_every_minutes}
        if name == "ex" and value in {"on", "off"}:
            return {"exercise_on": value == "on"}
        if name == "extime":
            chosen = next((t for t in c.exercise_times if f"{t:%H%M}" == value), None)
            return {"exercise_time": chosen, "exercise_on": True} if chosen else None
        if name == "pause" and value.isdigit() and int(value) in c.pause_days:
            return {"paused_until": now + timedelta(days=int(value))}
        if name == "resume":
            return {"paused_until": None}
        return None

    def offer(self) -> OutgoingMessage:
        """After joining: would the patient like reminders?"""
        return OutgoingMessage(
            self._t("offer"),
            (
                (
                    Button(self._t("offer_posture"), f"{OFFER_PREFIX}posture"),
                    Button(self._t("offer_exercise"), f"{OFFER_PREFIX}exercise"),
                ),
                (Button(self._t("offer_none"), f"{OFFER_PREFIX}none"),),
            ),
        )


@dataclass(frozen=True)
class ParsedButton:
    name: str
    value: str


def parse_button(data: str) -> ParsedButton | None:
    if not data.startswith(PREFIX):
        return None
    name, _, value = data.removeprefix(PREFIX).partition(":")
    return ParsedButton(name, value) if name else None
