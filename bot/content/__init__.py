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
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.content.text_keys import TEXT_KEYS as TEXT_KEYS

if TYPE_CHECKING:
    from bot.content.programme import ProgrammeRules
    from bot.content.reminders import ReminderContent
    from bot.content.visits import VisitContent
    from bot.exercise_library import ExerciseLibrary


class ContentError(Exception):
    """A content file is missing, malformed, or lacks a key the bot needs."""


# The language whose content sits directly in bot/content; every other language's files sit in a folder
# named by its code (bot/content/es/texts.toml), with the same file names and keys.
BASE_LANGUAGE = "en"


def content_path(name: str, language: str = BASE_LANGUAGE) -> str:
    """Where a content file of a language lives, relative to bot/content."""
    return name if language == BASE_LANGUAGE else f"{language}/{name}"


def read_toml(name: str, language: str = BASE_LANGUAGE) -> dict[str, Any]:
    """Read one TOML file shipped in this package (e.g. ``"texts.toml"``), shared warning lines filled in.

    ``language`` picks the folder: the base language's files sit in bot/content, others in bot/content/<code>.
    """
    path = content_path(name, language)
    data = _read_package_toml(path)
    if name == WARNINGS_FILE:
        return data
    filled: dict[str, Any] = fill_warnings(data, warning_lines(language), f"bot/content/{path}")
    return filled


def has_content_file(name: str, language: str = BASE_LANGUAGE) -> bool:
    """Whether a content file ships for a language (another language's answers may not yet)."""
    return resources.files(__package__).joinpath(content_path(name, language)).is_file()


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


def warning_lines(language: str = BASE_LANGUAGE) -> dict[str, str]:
    """The shared warning lines by name, each one line, with references to one another filled in."""
    path = content_path(WARNINGS_FILE, language)
    where = f"bot/content/{path}"
    data = _read_package_toml(path)
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


# Texts that are lists of words (month and weekday names), with how many words each must have.
DATE_WORDS = {"dates.months": 12, "dates.weekdays": 7}


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
    def from_data(
        cls, data: dict[str, Any], clinic: ClinicProfile, where: str = "bot/content/texts.toml"
    ) -> Texts:
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
        for key, count in DATE_WORDS.items():
            if len(templates[key].split()) != count:
                raise ContentError(f"{where}: '{key}' must be {count} words")
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

    def day(self, moment: date, *, year: bool = False) -> str:
        """A date in this language's words: "Mon Mar 02", or "Mar 02, 2026" with ``year``."""
        month = self._templates["dates.months"].split()[moment.month - 1]
        if year:
            return self.render("dates.day_year", month=month, day=f"{moment.day:02}", year=moment.year)
        weekday = self._templates["dates.weekdays"].split()[moment.weekday()]
        return self.render("dates.day", weekday=weekday, month=month, day=f"{moment.day:02}")

    def with_templates(self, overrides: Mapping[str, str]) -> Texts:
        """The same texts with some templates replaced (another language's, already checked)."""
        return Texts({**self._templates, **overrides}, self.clinic)

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
    """All content in one language, loaded and checked once at start-up.

    ``for_language`` gives the same content in another supported language: patient-facing texts in
    that language, everything else (thresholds, staff texts, the clinic) shared.
    """

    clinic: ClinicProfile
    texts: Texts
    aftercare: Aftercare
    menus: Menus
    reminders: ReminderContent
    safety: SafetyRules
    # Home exercises: the library and how programmes are picked.
    exercises: ExerciseLibrary
    programme: ProgrammeRules
    # Visits: timing, the pre-visit safety check and their patient texts per language.
    visits: VisitContent
    language: str = BASE_LANGUAGE
    languages: Mapping[str, Language] = field(default_factory=dict, repr=False, compare=False)
    # Every language's content by code, shared by all of them (filled in by load_content).
    by_language: dict[str, Content] = field(default_factory=dict, repr=False, compare=False)

    def for_language(self, code: str | None) -> Content:
        """This content in ``code``'s language; the base language's for an unknown code."""
        return self.by_language.get(code or BASE_LANGUAGE) or self.by_language.get(BASE_LANGUAGE, self)

    def patient_texts(self, language: str = BASE_LANGUAGE) -> Texts:
        """The texts to show a patient who reads ``language`` (English where there is no translation)."""
        return self.for_language(language).texts


def load_content(clinic_override: Path | None = None) -> Content:
    """Every supported language's content; the base language's is returned, the others through
    ``for_language``. A missing or mismatched translation stops start-up here."""
    from bot.content.programme import load_programme_rules
    from bot.content.reminders import ReminderContent
    from bot.content.visits import VisitContent
    from bot.exercise_library import load_library
    from bot.programmes import check_captions

    clinic = load_clinic(clinic_override)
    languages = load_languages()
    aftercare = Aftercare.load()
    area_keys = [area.key for area in aftercare.areas]
    exercises = load_library(area_keys)
    programme = load_programme_rules(exercises, area_keys)
    safety = SafetyRules.load()
    visits = VisitContent.load()
    by_language: dict[str, Content] = {}
    for code in languages:
        if code != BASE_LANGUAGE:
            check_warning_lines(code)
        texts = Texts.from_data(
            translated_toml("texts.toml", code), clinic, f"bot/content/{content_path('texts.toml', code)}"
        )
        by_language[code] = Content(
            clinic=clinic,
            texts=texts,
            aftercare=Aftercare.from_data(translated_toml("aftercare.toml", code)),
            menus=Menus.from_data(translated_toml("menus.toml", code)),
            reminders=ReminderContent.from_data(translated_toml("reminders.toml", code)),
            safety=safety,
            exercises=exercises,
            programme=programme,
            visits=visits,
            language=code,
            languages=languages,
            by_language=by_language,
        )
    content = by_language[BASE_LANGUAGE]
    check_captions(content)
    return content


# Content kinds with modules of their own, importable from here as before. They use the helpers
# above, so they are imported last.
from bot.content.aftercare import Aftercare as Aftercare  # noqa: E402
from bot.content.aftercare import AreaAdvice as AreaAdvice  # noqa: E402
from bot.content.languages import Language as Language  # noqa: E402
from bot.content.languages import check_warning_lines, load_languages, translated_toml  # noqa: E402
from bot.content.menus import MenuEntries as MenuEntries  # noqa: E402
from bot.content.menus import Menus as Menus  # noqa: E402
