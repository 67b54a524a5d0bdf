"""Spanish content (bot/content/es/) mirrors the English: every key it holds exists in English with the
same placeholders and markup, every text a patient reads is there, nothing is left in English by
mistake, and today's loaders accept it laid over the English files."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from bot.aftercare import compose_aftercare
from bot.content import (
    TEXT_KEYS,
    Aftercare,
    AreaAdvice,
    Texts,
    check_template,
    content_path,
    load_content,
    placeholders,
    read_toml,
    warning_lines,
)
from bot.content.reminders import REMINDER_KEYS, ReminderContent
from bot.demo.telegram import MAX_TEXT, html_error
from tests.app.test_content import SAMPLE_VALUES

ES = "es"

# What a patient reads in each file, as full matches on a leaf's path ("checkin.first.answers[0].label").
# Staff-facing texts, thresholds, timings and the words staff type stay in the English file only.
PATIENT_TEXTS = {
    "texts.toml": re.compile(
        r"(start|invite|privacy|stop|contact|fallback|checkin|emergency)\.\w+|help\.patient"
        r"|staff\.(only_staff|only_admin|status_\w+|kind_\w+)|sessions\.more_tips"
    ),
    "menus.toml": re.compile(r"patient\[\d+\]\[\d\]"),
    "aftercare.toml": re.compile(r"(?!areas\.\w+\.words).*"),
    "reminders.toml": re.compile(
        r"(?!checkin_timing\.|checkin_alert_categories\.|settings_choices\.(?!zones\[)).*"
    ),
    "warnings.toml": re.compile(r".*"),
}
FILES = tuple(PATIENT_TEXTS)
# Leaves that are data, not words: they stay exactly as in English (sources, answer wiring, time zone
# names, command names).
KEPT = re.compile(
    r"(.*[._])?sources(\[\d+\])?|.*answers\[\d+\]\.(key|reply|next|alert)|.*zones\[\d+\]\[0\]"
    r"|patient\[\d+\]\[0\]"
)
# Proper names that read the same in both languages.
SAME_IN_BOTH = {"Arizona (Phoenix)", "Alaska (Anchorage)"}
# Texts Telegram shows on a button: they must stay short.
BUTTONS = re.compile(
    r".*\.((?!stale_)\w*button\w*|forget_yes|forget_no|offer_\w+|pause_days|pause_one_day)"
    r"|.*answers\[\d+\]\.label|.*zones\[\d+\]\[1\]"
)
BUTTON_LIMIT = 32
TAG = re.compile(r"</?([a-z]+)")
# English words that have no business in a Spanish sentence (catches a half-translated line).
ENGLISH_WORDS = re.compile(r"\b(the|you|your|please|and|with|call|if|when|today|not)\b", re.IGNORECASE)
# "Tú" forms: the bot speaks to patients as "usted".
TU_FORMS = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|tienes|puedes|quieres|estás|eres|sientes)\b", re.IGNORECASE
)


def raw_file(name: str, language: str) -> dict[str, Any]:
    """A content file exactly as written ({warn_...} placeholders not yet filled in)."""
    text = resources.files("bot.content").joinpath(content_path(name, language)).read_text(encoding="utf-8")
    return tomllib.loads(text)


def leaves(data: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value that is not a table or a list, with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, f"{path}[{index}]")
    else:
        yield path, data


def pairs(name: str) -> Iterator[tuple[str, Any, Any]]:
    """Each Spanish leaf with its English counterpart (None when English has no such leaf)."""
    english = dict(leaves(raw_file(name, "en")))
    for path, value in leaves(raw_file(name, ES)):
        yield path, value, english.get(path)


def words_only(text: str) -> str:
    """The prose of a text: no placeholders, markup, commands or code."""
    text = re.sub(r"<code>.*?</code>", " ", text)
    text = re.sub(r"\{\w+\}|</?[a-z]+>|/[a-z_]+|urgent care", " ", text)
    return text


def overlay(english: Any, spanish: Any) -> Any:
    """The Spanish laid over the English: tables merge, any other value is replaced."""
    if isinstance(english, dict) and isinstance(spanish, dict):
        return {
            key: overlay(english[key], spanish[key]) if key in spanish else english[key] for key in english
        }
    return spanish


@pytest.mark.parametrize("name", FILES)
def test_every_spanish_key_is_an_english_one_with_the_same_placeholders(name: str) -> None:
    for path, value, english in pairs(name):
        where = f"bot/content/es/{name} '{path}'"
        assert english is not None, f"{where} is not in the English file"
        assert PATIENT_TEXTS[name].fullmatch(path), f"{where} is not a patient text: keep it in English only"
        assert type(value) is type(english), where
        if KEPT.fullmatch(path) or not isinstance(value, str):
            assert value == english, f"{where} must stay as in English"
            continue
        assert placeholders(value) == placeholders(english), f"{where}: placeholders differ from English"
        assert sorted(TAG.findall(value)) == sorted(TAG.findall(english)), f"{where}: markup differs"


@pytest.mark.parametrize("name", FILES)
def test_every_patient_text_has_its_spanish(name: str) -> None:
    spanish = dict(leaves(raw_file(name, ES)))
    missing = [
        path
        for path, _ in leaves(raw_file(name, "en"))
        if PATIENT_TEXTS[name].fullmatch(path) and path not in spanish
    ]
    assert not missing, f"bot/content/es/{name} is missing: {', '.join(missing)}"


@pytest.mark.parametrize("name", FILES)
def test_no_spanish_text_is_left_in_english(name: str) -> None:
    for path, value, english in pairs(name):
        if KEPT.fullmatch(path) or not isinstance(value, str):
            continue
        where = f"bot/content/es/{name} '{path}'"
        prose = words_only(value)
        if value == english:
            assert value in SAME_IN_BOTH or not re.search(r"[^\W\d_]", prose), f"{where} is the English text"
        english_word, tu_form = ENGLISH_WORDS.search(prose), TU_FORMS.search(prose)
        assert english_word is None, f"{where} has the English word '{english_word and english_word[0]}'"
        assert tu_form is None, f"{where} says '{tu_form and tu_form[0]}' (tú); speak as 'usted'"


@pytest.mark.parametrize("name", FILES)
def test_buttons_stay_short(name: str) -> None:
    for path, value, _ in pairs(name):
        if isinstance(value, str) and BUTTONS.fullmatch(path):
            assert len(value) <= BUTTON_LIMIT, f"bot/content/es/{name} '{path}' is too long for a button"


def test_the_911_line_leads_with_the_action_and_names_every_sign() -> None:
    lines = warning_lines(ES)
    call_911 = lines["call_911"]
    assert call_911.startswith("<b>Llame al 911</b>")
    for sign in [
        "dolor de pecho",
        "dificultad para respirar",
        "desmayo",
        "hinchazón en el labio, la lengua o la garganta",
        "cualquier señal de derrame cerebral",
        "cara caído",
        "un brazo o una pierna débil o adormecida",
        "dificultad para hablar, ver, caminar o mantener el equilibrio",
        "dolor de cabeza repentino, el peor de su vida",
        "adormecimiento entre las piernas",
        "para orinar",
        "debilidad en las dos piernas",
        "visión doble",
        "tragar",
    ]:
        assert sign in call_911, sign
    assert all(lines[name] in lines["911_signs"] for name in lines if name.startswith("signs_"))
    assert "{clinic_phone}" in lines["call_us"] and "3 días" in lines["call_us"]
    assert "a menos que su médico le limite los líquidos" in lines["fluids"]
    assert "toxina" not in lines["fluids"]


@pytest.fixture(scope="module")
def content():  # type: ignore[no-untyped-def]
    return load_content()


def test_spanish_texts_load_and_render_with_todays_loaders(content) -> None:  # type: ignore[no-untyped-def]
    data = overlay(read_toml("texts.toml"), read_toml("texts.toml", ES))
    texts = Texts.from_data(data, content.clinic)
    spanish = {path for path, _ in leaves(raw_file("texts.toml", ES))}
    for key in sorted(spanish):
        text = texts.render(key, **{name: SAMPLE_VALUES[name] for name in TEXT_KEYS[key]})
        assert len(text) <= MAX_TEXT and html_error(text) is None, key
        assert "{" not in text and "}" not in text, key
    repeat = texts.render("fallback.emergency_repeat", worry="el dolor de pecho")
    assert repeat.startswith("<b>Si todavía no lo ha hecho, llame al 911 ahora</b>")


def test_spanish_reminders_load_and_render_with_todays_loaders(content) -> None:  # type: ignore[no-untyped-def]
    reminders = ReminderContent.from_data(
        overlay(read_toml("reminders.toml"), read_toml("reminders.toml", ES))
    )
    clinic = content.texts.clinic_fields()
    values = {
        "timezone": "Pacífico (Los Ángeles)",
        "quiet": "9:00 PM–8:00 AM",
        "posture": "desactivados",
        "exercise": "activados, todos los días a las 7:00 PM",
        "paused": "Los recordatorios no están en pausa.",
        "start": "9:00 AM",
        "end": "5:00 PM",
        "every": 90,
        "time": "7:00 PM",
        "until": "Thu Mar 05",
        "days": 14,
    }
    for key, allowed in REMINDER_KEYS.items():
        text = reminders.render(key, clinic, **{name: values[name] for name in allowed})
        assert len(text) <= MAX_TEXT and html_error(text) is None, key
    for step in reminders.steps:
        text = reminders.question(step, clinic, name="<Jo> & Co", when="de ayer")
        assert "&lt;Jo&gt;" in text and html_error(text) is None
    assert reminders.step_hours == content.reminders.step_hours  # thresholds come from English only
    for text in (*reminders.posture_tips, *reminders.exercise_routines):
        assert len(text) < 1000 and html_error(text) is None
        assert not re.search(r"\d+\s*(mg|ml|tableta|pastilla|cápsula)", text, re.I)
    worry = reminders.render("checkin_replies.worry", clinic)
    assert worry.startswith("<b>Llame al 911</b>") and "988" in worry


def test_spanish_aftercare_for_every_area_combination_fits(content) -> None:  # type: ignore[no-untyped-def]
    spanish = read_toml("aftercare.toml", ES)
    where = "bot/content/es/aftercare.toml"
    sections = {
        name: check_template(text, (), where)
        for name, text in spanish["sections"].items()
        if isinstance(text, str)
    }
    areas = tuple(
        AreaAdvice(a.key, spanish["areas"][a.key]["label"], a.words, spanish["areas"][a.key]["tip"].strip())
        for a in content.aftercare.areas
    )
    aftercare = Aftercare(
        template=check_template(spanish["message"], {*content.aftercare.sections, "movement"}, where),
        sections={name: sections[name] for name in content.aftercare.sections},
        general_movement=sections["general_movement"],
        movement_caution=sections["movement_caution"],
        areas=areas,
    )
    every = tuple(area.key for area in areas)
    for chosen in [(), *((a,) for a in every), every]:
        text = compose_aftercare(aftercare, content.texts.clinic_fields(), chosen)
        assert len(text) <= MAX_TEXT and html_error(text) is None
        assert "Llame al 911" in text and content.clinic.phone in text
        assert "{" not in text and "toxina" not in text.lower()
        assert not re.search(r"\d+\s*(mg|ml|tableta|pastilla|cápsula)", text, re.I)


def test_spanish_menu_descriptions_fit_telegram() -> None:
    english = [command for command, _ in raw_file("menus.toml", "en")["patient"]]
    spanish = raw_file("menus.toml", ES)["patient"]
    assert [command for command, _ in spanish] == english
    assert all(3 <= len(description) <= 256 for _, description in spanish)
