"""The languages patients can use, and how another language's content files are read and checked.

The base language's files sit in bot/content; another language's sit in bot/content/<code>/ with the
same file names and keys. Only patient-facing texts are taken from them (each file's translatable
paths are listed below); clinical thresholds, timings, choices and staff texts always come from the
base files, so a translation can never change what the bot does, only what it says. Start-up stops
with one line naming the file, the key and the language when a text is missing or its placeholders
differ from the base language's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.content import (
    BASE_LANGUAGE,
    WARNING_PLACEHOLDER,
    ContentError,
    _read_package_toml,
    content_path,
    fill_warnings,
    placeholders,
    require_str,
    warning_lines,
)
from bot.content.text_keys import PATIENT_TEXT_KEYS

LANGUAGES_FILE = "languages.toml"
WILD = "*"
Path = tuple[str, ...]


@dataclass(frozen=True)
class Language:
    """One language patients can choose: its code, its own name (the /settings button) and the
    name staff read in alerts and the console."""

    code: str
    name: str
    staff_name: str


def load_languages() -> dict[str, Language]:
    """The supported languages (languages.toml), the base language first."""
    where = f"bot/content/{LANGUAGES_FILE}"
    data = _read_package_toml(LANGUAGES_FILE)
    languages: dict[str, Language] = {}
    for code, table in data.items():
        if not isinstance(table, dict) or not code.isalpha() or not code.islower() or len(code) != 2:
            raise ContentError(f"{where}: [{code}] must be a table named by a two-letter language code")
        languages[code] = Language(
            code, require_str(table, "name", f"{where} [{code}]"), require_str(table, "staff_name", where)
        )
    if BASE_LANGUAGE not in languages:
        raise ContentError(f"{where}: the base language [{BASE_LANGUAGE}] is missing")
    return {BASE_LANGUAGE: languages[BASE_LANGUAGE], **languages}


def staff_name(languages: Mapping[str, Language], code: str) -> str:
    """A patient's language as staff read it ("Spanish")."""
    language = languages.get(code)
    return language.staff_name if language is not None else code


def telegram_language(code: str | None, supported: Mapping[str, Language]) -> str:
    """The language for a Telegram ``language_code`` ("es", "es-MX", "es-419" -> "es"); anything the
    bot does not speak, or none, is the base language."""
    primary = (code or "").split("-")[0].split("_")[0].strip().lower()
    return primary if primary in supported else BASE_LANGUAGE


# --- Which parts of each content file a translation provides ---------------------------------------


def _texts_paths(_data: dict[str, Any]) -> list[Path]:
    return [tuple(key.split(".", 1)) for key in sorted(PATIENT_TEXT_KEYS)]


# Patient-facing parts of the other files, as paths; "*" stands for any key or list index.
TRANSLATABLE: dict[str, tuple[Path, ...] | Callable[[dict[str, Any]], list[Path]]] = {
    "texts.toml": _texts_paths,
    "menus.toml": (("patient", WILD, "1"),),
    "aftercare.toml": (
        ("message",),
        ("sections", WILD),
        ("areas", WILD, "label"),
        ("areas", WILD, "tip"),
    ),
    "reminders.toml": (
        ("checkin", WILD, "question"),
        ("checkin", WILD, "answers", WILD, "label"),
        ("checkin_replies", WILD),
        ("posture", WILD),
        ("exercise", WILD),
        ("reminder_replies", WILD),
        ("settings", WILD),
        ("elapsed", WILD),
        ("settings_choices", "zones", WILD, "1"),
    ),
}


def _expand(data: Any, pattern: Path, prefix: Path = ()) -> list[Path]:
    """The concrete paths in ``data`` a pattern matches (sources lists are never translated)."""
    if not pattern:
        return [prefix]
    head, rest = pattern[0], pattern[1:]
    if isinstance(data, dict):
        keys = [k for k in data if not k.endswith("sources")] if head == WILD else [head]
        return [p for k in keys if k in data for p in _expand(data[k], rest, (*prefix, k))]
    if isinstance(data, list):
        indexes = range(len(data)) if head == WILD else [int(head)] if head.isdigit() else []
        return [p for i in indexes if i < len(data) for p in _expand(data[i], rest, (*prefix, str(i)))]
    return []


def _get(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _set(data: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        data = data[int(part)] if isinstance(data, list) else data[part]
    if isinstance(data, list):
        data[int(path[-1])] = value
    else:
        data[path[-1]] = value


def _names(text: str) -> set[str]:
    """A text's placeholders, shared warning lines included ({warn_call_911} must not go missing)."""
    return placeholders(text) | {f"warn_{m}" for m in WARNING_PLACEHOLDER.findall(text)}


def _checked(base: Any, translated: Any, where: str) -> Any:
    """The translation of one text (or list of texts), if it matches the base language's shape."""
    if isinstance(base, str):
        if not isinstance(translated, str) or not translated.strip():
            raise ContentError(f"{where} is missing")
        missing, unknown = _names(base) - _names(translated), _names(translated) - _names(base)
        if missing or unknown:
            what = "lacks" if missing else "has unknown"
            names = ", ".join(f"{{{n}}}" for n in sorted(missing or unknown))
            raise ContentError(f"{where} {what} placeholder(s) {names}")
        return translated
    if isinstance(base, list):
        if not isinstance(translated, list) or len(translated) != len(base):
            raise ContentError(f"{where} must be a list of {len(base)} texts, like the base language's")
        pairs = enumerate(zip(base, translated, strict=True))
        return [_checked(b, t, f"{where}[{i}]") for i, (b, t) in pairs]
    return base  # numbers and flags are never translated


def overlay(name: str, base: dict[str, Any], translation: dict[str, Any], language: str) -> dict[str, Any]:
    """``base`` (a base-language file's data) with its patient-facing texts taken from ``translation``;
    a text missing there, or with other placeholders, raises ContentError naming file, key and language."""
    spec = TRANSLATABLE[name]
    merged = copy.deepcopy(base)
    for pattern in spec(base) if callable(spec) else spec:
        for path in _expand(base, pattern):
            where = f"bot/content/{content_path(name, language)}: '{'.'.join(path)}' ({language})"
            _set(merged, path, _checked(_get(base, path), _get(translation, path), where))
    return merged


def translated_toml(name: str, language: str) -> dict[str, Any]:
    """A content file in ``language``: the base file with its patient-facing texts replaced by the
    language's, warning lines filled in from the language's warnings.toml."""
    base = _read_package_toml(name)
    if language == BASE_LANGUAGE:
        merged = base
    else:
        merged = overlay(name, base, _read_package_toml(content_path(name, language)), language)
    filled: dict[str, Any] = fill_warnings(
        merged, warning_lines(language), f"bot/content/{content_path(name, language)}"
    )
    return filled


def check_warning_lines(language: str) -> None:
    """A language's warnings.toml has every shared line of the base language, placeholders alike."""
    base = _read_package_toml("warnings.toml")
    source = _read_package_toml(content_path("warnings.toml", language))
    for key, text in base.items():
        if isinstance(text, str):
            where = f"bot/content/{content_path('warnings.toml', language)}: '{key}' ({language})"
            _checked(text, source.get(key), where)
