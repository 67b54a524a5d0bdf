"""Every patient-facing text and clinical threshold, as data files beside this module.

Content is loaded and checked once at start-up: a missing key or a bad placeholder stops the bot with
one clear line, long before a patient could receive a broken message.
"""

from __future__ import annotations

import html
import math
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.kinds import Kind

if TYPE_CHECKING:
    from bot.content.reminders import ReminderContent


class ContentError(Exception):
    """A content file is missing, malformed, or lacks a key the bot needs."""


def read_toml(name: str) -> dict[str, Any]:
    """Read one TOML file shipped in this package (e.g. ``"texts.toml"``), shared warning lines filled in."""
    data = _read_package_toml(name)
    if name == WARNINGS_FILE:
        return data
    filled: dict[str, Any] = fill_warnings(data, warning_lines(), f"bot/content/{name}")
    return filled


def _read_package_toml(name: str) -> dict[str, Any]:
    try:
        raw = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ContentError(f"content file bot/content/{name} is missing") from exc
    return parse_toml(raw, f"bot/content/{name}")


# The warning lines every message shares ("when to call 911", "when to call us", fluids): written once in
# warnings.toml and used elsewhere as {warn_<name>}, filled in as each content file is read.
WARNINGS_FILE = "warnings.toml"
WARNING_PLACEHOLDER = re.compile(r"\{warn_([a-z0-9_]+)\}")


def warning_lines() -> dict[str, str]:
    """The shared warning lines by name, each one line, with references to one another filled in."""
    where = f"bot/content/{WARNINGS_FILE}"
    data = _read_package_toml(WARNINGS_FILE)
    raw: dict[str, str] = {}
    for key in data:
        if key.endswith("_sources"):
            continue
        value = require_str(data, key, where).strip()
        if "\n" in value:
            raise ContentError(f"{where}: '{key}' must be one line")
        require_texts(data, f"{key}_sources", where)
        raw[key] = value
    lines: dict[str, str] = {}

    def resolve(key: str, seen: tuple[str, ...]) -> str:
        if key in seen:
            raise ContentError(f"{where}: '{key}' refers to itself")
        if key not in lines:
            lines[key] = WARNING_PLACEHOLDER.sub(
                lambda m: resolve(_known(m.group(1), raw, where), (*seen, key)), raw[key]
            )
            check_template(lines[key], (), f"{where} {key}")
        return lines[key]

    for key in raw:
        resolve(key, ())
    return lines


def _known(name: str, lines: Mapping[str, str], where: str) -> str:
    if name not in lines:
        raise ContentError(f"{where}: unknown shared warning line {{warn_{name}}}")
    return name


def fill_warnings(data: Any, lines: Mapping[str, str], where: str) -> Any:
    """Every ``{warn_<name>}`` in the strings of ``data`` replaced by that shared warning line."""
    if isinstance(data, str):
        return WARNING_PLACEHOLDER.sub(lambda m: lines[_known(m.group(1), lines, where)], data)
    if isinstance(data, dict):
        return {key: fill_warnings(value, lines, where) for key, value in data.items()}
    if isinstance(data, list):
        return [fill_warnings(value, lines, where) for value in data]
    return data


def read_toml_path(path: Path) -> dict[str, Any]:
    """Read a TOML file a clinic keeps outside the package (an override)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(f"cannot read content file {path}: {exc.strerror}") from exc
    return parse_toml(raw, str(path))


def parse_toml(raw: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{where} is not valid TOML: {exc}") from exc


def require_str(table: dict[str, Any], key: str, where: str, *, allow_empty: bool = False) -> str:
    value = table.get(key)
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ContentError(f"{where}: '{key}' must be a non-empty string")
    return value


def require_str_list(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def require_texts(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A non-empty list of non-empty strings (reply lines, word lists, sources)."""
    values = require_str_list(dict(table), key, where)
    if not values or any(not v.strip() for v in values):
        raise ContentError(f"{where}: '{key}' must be a non-empty list of non-empty strings")
    return values


def require_table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ContentError(f"{where}: missing table [{key}]")
    return value


def require_positive(table: Mapping[str, Any], key: str, where: str) -> float:
    """A finite number above zero (hours, degrees, centimetres), never a bool."""
    value = table.get(key)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ContentError(f"{where}: '{key}' must be a positive number")
    return float(value)


@dataclass(frozen=True)
class ClinicProfile:
    """Who the patient should call: shown in /contact and in every escalation message."""

    name: str
    address: str
    phone: str
    booking_url: str
    hours: tuple[str, ...]
    services: tuple[str, ...]


def load_clinic(override: Path | None = None) -> ClinicProfile:
    where = str(override) if override else "bot/content/clinic.toml"
    data = read_toml_path(override) if override else read_toml("clinic.toml")
    return ClinicProfile(
        name=require_str(data, "name", where),
        address=require_str(data, "address", where),
        phone=require_str(data, "phone", where),
        booking_url=require_str(data, "booking_url", where, allow_empty=True),
        hours=require_str_list(data, "hours", where),
        services=require_str_list(data, "services", where),
    )


CLINIC_PLACEHOLDERS = frozenset(
    {"clinic_name", "clinic_phone", "clinic_address", "clinic_booking", "clinic_hours"}
)
_FORMATTER = string.Formatter()


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses; rejects positional or attribute fields."""
    names: set[str] = set()
    for _, field_name, _, _ in _FORMATTER.parse(template):
        if field_name is None:
            continue
        if not field_name.isidentifier():
            raise ContentError(f"bad placeholder {{{field_name}}} in {template[:40]!r}")
        names.add(field_name)
    return names


def check_template(template: str, allowed: Iterable[str], where: str) -> str:
    unknown = placeholders(template) - set(allowed) - CLINIC_PLACEHOLDERS
    if unknown:
        raise ContentError(f"{where}: unknown placeholder(s) {', '.join(sorted(unknown))}")
    return template.strip()


def single_full_stop(template: str, values: Mapping[str, str]) -> str:
    """ "You're all set, Jane D." rather than "Jane D..": a value ending in "." takes the place of the
    template's own full stop right after it."""
    for name, value in values.items():
        if value.endswith("."):
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    return template


def clinic_values(clinic: ClinicProfile, booking: str, hours: str) -> dict[str, str]:
    return {
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_address": clinic.address,
        "clinic_booking": booking,
        "clinic_hours": hours,
    }


# Each text the bot needs, with the placeholders (besides the clinic's) it may use.
TEXT_KEYS: dict[str, frozenset[str]] = {
    "start.stranger": frozenset(),
    "start.enrolled": frozenset({"name"}),
    "start.resumed": frozenset({"name"}),
    "invite.consent": frozenset({"name"}),
    "invite.agree_button": frozenset(),
    "invite.joined": frozenset({"name"}),
    "invite.invalid": frozenset(),
    "invite.already_linked": frozenset(),
    "invite.stale_button": frozenset(),
    "help.patient": frozenset(),
    "help.staff": frozenset(),
    "help.admin": frozenset(),
    "privacy.patient": frozenset(),
    "privacy.mydata_profile": frozenset(
        {"number", "name", "joined", "status", "timezone", "quiet", Kind.POSTURE, Kind.EXERCISE}
    ),
    "privacy.mydata_session_line": frozenset({"date", "areas"}),
    "privacy.mydata_upcoming_line": frozenset({"when", "what"}),
    "privacy.mydata_checkin_line": frozenset({"date", "answer"}),
    "privacy.mydata_question_line": frozenset({"topic", "count"}),
    "privacy.mydata_response_line": frozenset({"what", "response", "count"}),
    "privacy.mydata_alert_line": frozenset({"date", "category"}),
    **{
        f"privacy.{key}": frozenset()
        for key in (
            "mydata_header",
            "mydata_sessions",
            "mydata_upcoming",
            "mydata_checkins",
            "mydata_questions",
            "mydata_responses",
            "mydata_alerts",
            "mydata_none",
            "mydata_footer",
            "forget_confirm",
            "forget_yes",
            "forget_no",
            "forget_done",
            "forget_kept",
            "nothing_stored",
            "flood_notice",
            "new_link_notice",
            "flood_paused_toast",
        )
    },
    "stop.done": frozenset(),
    "stop.already": frozenset(),
    "contact.card": frozenset(),
    "contact.booking_online": frozenset({"clinic_booking_url"}),
    "contact.booking_by_phone": frozenset(),
    "contact.hours_unknown": frozenset(),
    "contact.hours_heading": frozenset(),
    "fallback.unknown_command": frozenset(),
    "fallback.non_text": frozenset(),
    "fallback.stranger_text": frozenset(),
    "fallback.error": frozenset(),
    "fallback.stale_button": frozenset(),
    "fallback.emergency_repeat": frozenset({"worry"}),
    "staff.only_staff": frozenset(),
    "staff.only_admin": frozenset(),
    "staff.group_added": frozenset({"chat_id"}),
    "staff.enroll_usage": frozenset(),
    "staff.enroll_bad_name": frozenset({"max_length"}),
    "staff.enroll_done": frozenset({"number", "name", "link", "expires"}),
    "staff.enroll_qr_caption": frozenset({"number", "name"}),
    "staff.session_usage": frozenset(),
    "staff.session_not_found": frozenset({"number"}),
    "staff.session_not_joined": frozenset({"number", "name"}),
    "staff.session_stopped": frozenset({"number", "name"}),
    "staff.session_blocked": frozenset({"number", "name"}),
    "staff.session_sent": frozenset({"number", "name", "areas"}),
    "staff.session_queued": frozenset({"number", "name", "areas"}),
    "staff.session_undeliverable": frozenset({"number", "name", "areas"}),
    "staff.session_already_today": frozenset({"number", "name", "areas"}),
    "staff.alert": frozenset({"urgency_label", "number", "name", "category", "advice", "time"}),
    "staff.alert_handled": frozenset({"handler", "time"}),
    "staff.alert_button": frozenset(),
    "staff.alert_done": frozenset(),
    "staff.alert_already": frozenset(),
    "staff.alert_gone": frozenset(),
    "staff.alert_erased": frozenset({"number"}),
    "staff.alert_repeat": frozenset({"time"}),
    "staff.alert_repeats": frozenset({"count", "time"}),
    "staff.patient_usage": frozenset(),
    "staff.patient_nothing": frozenset(),
    "staff.patient_upcoming_line": frozenset({"when", "what"}),
    **{
        f"staff.{key}": frozenset()
        for key in (
            "status_invited",
            "status_active",
            "status_stopped",
            "status_blocked",
            "kind_aftercare",
            "kind_checkin",
            "kind_posture",
            "kind_exercise",
            "kind_broadcast",
        )
    },
    **{
        f"console.{key}": frozenset(names)
        for key, names in {
            "patients_header": {"first", "last", "total", "query"},
            "patients_query": {"query"},
            "patients_none": set(),
            "patients_button": {"number", "name", "status", "last"},
            "patients_last": {"date"},
            "prev_button": set(),
            "next_button": set(),
            "card": {
                "number",
                "name",
                "status",
                "timezone",
                "quiet",
                "done",
                "sessions",
                "checkins",
                "alerts",
                "upcoming",
            },
            "none": set(),
            "checkin_line": {"date", "step", "answer"},
            "alert_line": {"date", "urgency", "category"},
            "session_line": {"date", "areas"},
            "button_session": set(),
            "button_invite": set(),
            "button_stop": set(),
            "stopped_done": {"number", "name"},
            "invite_done": {"number", "name", "expires", "link"},
            "stale": set(),
            "gone": set(),
            "broadcast_ask": set(),
            "broadcast_empty": set(),
            "broadcast_too_long": {"length", "limit"},
            "broadcast_audience": set(),
            "audience_all": {"count"},
            "audience_recent": {"days", "count"},
            "broadcast_when": set(),
            "when_now": set(),
            "when_hour": set(),
            "when_tomorrow": set(),
            "when_monday": set(),
            "when_type": set(),
            "broadcast_type_when": set(),
            "broadcast_bad_when": set(),
            "broadcast_preview": {"patients", "audience", "when"},
            "audience_all_short": set(),
            "audience_recent_short": {"days"},
            "when_now_short": set(),
            "button_send": set(),
            "button_cancel": set(),
            "broadcast_no_recipients": set(),
            "broadcast_cancelled": set(),
            "broadcast_already": set(),
            "broadcast_progress": {"id", "figures"},
            "broadcast_scheduled": {"id", "patients", "when"},
            "broadcast_done": {"id", "figures"},
            "button_stop_broadcast": set(),
            "cancel_nothing": set(),
            "cancelled": set(),
            "broadcast_message": {"text"},
            "alerts_none": set(),
            "alerts_more": {"count"},
            "stats": {
                "enrolled",
                "active",
                "invited",
                "sessions",
                "checkin_rate",
                "done_rate",
                "alerts",
                "topics",
            },
            "stats_topic_line": {"topic", "count"},
            "stats_no_data": set(),
            "button_erase": set(),
            "erase_confirm": {"number", "name"},
            "erase_yes": set(),
            "erased": {"number"},
            "erase_only_admin": set(),
            "erase_expired": set(),
            "invite_confirm": {"number", "name"},
            "invite_yes": set(),
            "invite_sent_privately": {"number", "name", "staff"},
            "invite_no_private_chat": {"number", "name", "staff", "bot_username"},
        }.items()
    },
    "staff.alert_urgency_emergency": frozenset(),
    "staff.alert_urgency_urgent": frozenset(),
    "staff.alert_advice_emergency": frozenset(),
    "staff.alert_advice_urgent": frozenset(),
    "staff.session_unknown_areas": frozenset({"unknown", "known"}),
    "staff.session_all_areas": frozenset(),
    "staff.staff_list": frozenset({"admins", "staff"}),
    "staff.staff_none": frozenset(),
    "staff.staff_usage": frozenset(),
    "staff.staff_added": frozenset({"user_id"}),
    "staff.staff_already": frozenset({"user_id"}),
    "staff.staff_removed": frozenset({"user_id"}),
    "staff.staff_not_found": frozenset({"user_id"}),
    "staff.staff_is_admin": frozenset({"user_id"}),
    # Following broadcasts (/broadcasts, progress and the final report); counts come in _one/_other.
    "broadcasts.figure_sent": frozenset({"sent", "total"}),
    **{
        f"broadcasts.{key}_{form}": frozenset({"count", "until"} if key == "waiting" else {"count"})
        for key in ("patients", "blocked", "failed", "skipped", "not_sent", "waiting")
        for form in ("one", "other")
    },
    "broadcasts.line": frozenset({"status", "preview"}),
    "broadcasts.cancel_button": frozenset({"id"}),
    "broadcasts.header": frozenset({"lines"}),
    "broadcasts.none": frozenset(),
    # Staff notices: a patient joined, stopped, came back or erased their data.
    "notices.single": frozenset({"line"}),
    "notices.joined": frozenset({"who"}),
    "notices.stopped": frozenset({"who"}),
    "notices.resumed": frozenset({"who"}),
    "notices.erased": frozenset({"who"}),
    "notices.who": frozenset({"number"}),
    "notices.who_named": frozenset({"number", "name"}),
    "notices.summary": frozenset({"count", "lines"}),
    # /session: typos, a second session today, and correcting or undoing for ten minutes.
    "sessions.did_you_mean": frozenset({"unknown", "suggestion", "number", "name"}),
    "sessions.button_use": frozenset({"suggestion"}),
    "sessions.button_keep_general": frozenset(),
    "sessions.button_keep_known": frozenset({"areas"}),
    "sessions.same_day": frozenset({"number", "name", "time", "areas"}),
    "sessions.button_again": frozenset(),
    "sessions.button_not_again": frozenset(),
    "sessions.not_recorded": frozenset(),
    "sessions.fix_hint": frozenset({"minutes"}),
    "sessions.button_correct": frozenset(),
    "sessions.button_undo": frozenset(),
    "sessions.correct_pick": frozenset({"number", "name"}),
    "sessions.area_on": frozenset({"area"}),
    "sessions.area_off": frozenset({"area"}),
    "sessions.button_save": frozenset(),
    "sessions.corrected_more": frozenset({"number", "name", "areas", "added"}),
    "sessions.corrected_nothing_more": frozenset({"number", "name", "areas"}),
    "sessions.undone": frozenset({"number", "name"}),
    "sessions.undone_after_sent": frozenset({"number", "name"}),
    "sessions.already_undone": frozenset(),
    "sessions.too_late": frozenset(),
    "sessions.stale": frozenset(),
    "sessions.more_tips": frozenset({"tips"}),
    "checkin.you_said": frozenset({"answer"}),
    # What staff read in /stats for each question topic of answers.toml.
    **{
        f"topic_names.{topic}": frozenset()
        for topic in (
            "soreness",
            "hydration",
            "movement",
            "heat_ice",
            "medication",
            "bruising",
            "headache",
            "fatigue",
            "posture",
            "booking",
            "bot_help",
            "smalltalk",
            "out_of_scope",
            "red_flag",
        )
    },
    "staff.alert_patient_answer": frozenset({"number", "button", "time", "category"}),
    "staff.alert_answered": frozenset({"button"}),
    **{
        f"emergency.{key}": frozenset()
        for key in (
            "called_button",
            "mistake_button",
            "thanks_called",
            "thanks_mistake",
            "worry_unknown",
            "already",
            "stale",
        )
    },
    "setup.not_staff_yet": frozenset({"user_id"}),
    "setup.myid": frozenset({"user_id"}),
    "setup.staffchat": frozenset({"chat_id"}),
    "setup.staffchat_private": frozenset(),
}


class Texts:
    """The bot's own messages (texts.toml), checked at load and rendered with escaped values."""

    def __init__(self, templates: dict[str, str], clinic: ClinicProfile) -> None:
        self._templates = templates
        self.clinic = clinic
        base = {k: html.escape(v, quote=False) for k, v in clinic_values(clinic, "", "").items()}
        if clinic.booking_url:
            url = html.escape(clinic.booking_url, quote=False)
            booking = templates["contact.booking_online"].format_map({**base, "clinic_booking_url": url})
        else:
            booking = templates["contact.booking_by_phone"].format_map(base)
        if clinic.hours:
            hours = "\n".join([templates["contact.hours_heading"], *map(html.escape, clinic.hours)])
        else:
            hours = templates["contact.hours_unknown"]
        self._clinic_values = {**base, "clinic_booking": booking, "clinic_hours": hours}

    @classmethod
    def load(cls, clinic: ClinicProfile) -> Texts:
        return cls.from_data(read_toml("texts.toml"), clinic)

    @classmethod
    def from_data(cls, data: dict[str, Any], clinic: ClinicProfile) -> Texts:
        templates: dict[str, str] = {}
        for section, entries in data.items():
            if not isinstance(entries, dict):
                raise ContentError(f"bot/content/texts.toml: [{section}] must be a table")
            for name, value in entries.items():
                key = f"{section}.{name}"
                if key not in TEXT_KEYS:
                    raise ContentError(f"bot/content/texts.toml: '{key}' is not a text the bot uses")
                if not isinstance(value, str) or not value.strip():
                    raise ContentError(f"bot/content/texts.toml: '{key}' must be a non-empty string")
                templates[key] = check_template(value, TEXT_KEYS[key], f"texts.toml '{key}'")
        missing = sorted(set(TEXT_KEYS) - set(templates))
        if missing:
            raise ContentError(f"bot/content/texts.toml is missing: {', '.join(missing)}")
        return cls(templates, clinic)

    def render(self, key: str, *, markup: dict[str, str] | None = None, **values: object) -> str:
        """Render a text; every value is HTML-escaped, so names a person typed are safe to show.

        ``markup`` carries pieces the bot itself rendered (already safe HTML), inserted as they are.
        """
        return self._format(key, values, markup or {})

    def render_plain(self, key: str, **values: object) -> str:
        """Render a text for a button label, which Telegram shows as plain text (no escaping)."""
        return html.unescape(self._format(key, values, {}))

    def _format(self, key: str, values: dict[str, object], markup: dict[str, str]) -> str:
        escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
        template = single_full_stop(self._templates[key], escaped)
        return template.format_map({**self._clinic_values, **escaped, **markup})

    def clinic_fields(self) -> dict[str, str]:
        """Clinic placeholders, already safe for HTML, for other content files to use."""
        return dict(self._clinic_values)


@dataclass(frozen=True)
class SafetyRules:
    """Safety behaviour across messages (safety.toml)."""

    emergency_repeat_minutes: int

    @classmethod
    def load(cls) -> SafetyRules:
        data = read_toml("safety.toml")
        minutes = data.get("emergency_repeat_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 24 * 60:
            raise ContentError("bot/content/safety.toml: 'emergency_repeat_minutes' must be 0 to 1440")
        return cls(emergency_repeat_minutes=minutes)


@dataclass(frozen=True)
class Content:
    """All content, loaded and checked once at start-up."""

    clinic: ClinicProfile
    texts: Texts
    aftercare: Aftercare
    menus: Menus
    reminders: ReminderContent
    safety: SafetyRules


def load_content(clinic_override: Path | None = None) -> Content:
    from bot.content.reminders import ReminderContent

    clinic = load_clinic(clinic_override)
    return Content(
        clinic=clinic,
        texts=Texts.load(clinic),
        aftercare=Aftercare.load(),
        menus=Menus.load(),
        reminders=ReminderContent.load(),
        safety=SafetyRules.load(),
    )


# Content kinds with modules of their own, importable from here as before. They use the helpers
# above, so they are imported last.
from bot.content.aftercare import Aftercare as Aftercare  # noqa: E402
from bot.content.aftercare import AreaAdvice as AreaAdvice  # noqa: E402
from bot.content.menus import MenuEntries as MenuEntries  # noqa: E402
from bot.content.menus import Menus as Menus  # noqa: E402
