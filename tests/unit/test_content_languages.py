"""Start-up refuses a translation with a patient text missing or its placeholders changed, naming the
file, the key and the language; staff texts and numbers always come from the base language."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from bot.content import ContentError, content_path, load_content
from bot.content.languages import overlay, translated_toml
from bot.content.text_keys import PATIENT_TEXT_KEYS, TEXT_KEYS
from bot.demo.telegram import MAX_TEXT, html_error
from tests.app.test_content import SAMPLE_VALUES


def raw(name: str, language: str) -> dict[str, Any]:
    text = resources.files("bot.content").joinpath(content_path(name, language)).read_text(encoding="utf-8")
    return tomllib.loads(text)


def spanish_with(name: str, change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw(name, "es"))
    change(data)
    return data


def test_the_shipped_spanish_content_loads() -> None:
    spanish = load_content().for_language("es")
    assert spanish.language == "es"
    assert spanish.reminders.step_hours == load_content().reminders.step_hours  # thresholds are shared


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "texts.toml",
            lambda d: d["invite"].pop("consent"),
            "bot/content/es/texts.toml: 'invite.consent' (es) is missing",
        ),
        (
            "texts.toml",
            lambda d: d["start"].update(resumed="Hola de nuevo."),
            "bot/content/es/texts.toml: 'start.resumed' (es) lacks placeholder(s) {name}",
        ),
        (
            "texts.toml",
            lambda d: d["stop"].update(done="Listo, {nombre}."),
            "bot/content/es/texts.toml: 'stop.done' (es) has unknown placeholder(s) {nombre}",
        ),
        (
            "reminders.toml",
            lambda d: d["checkin_replies"].update(urgent="Llame hoy al {clinic_phone}."),
            "bot/content/es/reminders.toml: 'checkin_replies.urgent' (es) lacks placeholder(s) "
            "{warn_call_911}",
        ),
        (
            "reminders.toml",
            lambda d: d["posture"]["tips"].pop(),
            "bot/content/es/reminders.toml: 'posture.tips' (es) must be a list of 10 texts",
        ),
        (
            "reminders.toml",
            lambda d: d["checkin"]["last"]["answers"][1].pop("label"),
            "bot/content/es/reminders.toml: 'checkin.last.answers.1.label' (es) is missing",
        ),
        (
            "aftercare.toml",
            lambda d: d["areas"]["neck"].pop("tip"),
            "bot/content/es/aftercare.toml: 'areas.neck.tip' (es) is missing",
        ),
        (
            "menus.toml",
            lambda d: d["patient"][2].pop(),
            "bot/content/es/menus.toml: 'patient.2.1' (es) is missing",
        ),
    ],
)
def test_a_missing_text_or_placeholder_stops_start_up(name: str, change: Any, message: str) -> None:
    with pytest.raises(ContentError) as caught:
        overlay(name, raw(name, "en"), spanish_with(name, change), "es")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)  # one line


def test_staff_texts_and_numbers_come_from_the_base_language() -> None:
    def meddle(data: dict[str, Any]) -> None:
        data["staff"]["alert"] = "¡Alerta!"
        data["broadcasts"] = {"none": "Nada"}

    texts = overlay("texts.toml", raw("texts.toml", "en"), spanish_with("texts.toml", meddle), "es")
    assert texts["staff"]["alert"] == raw("texts.toml", "en")["staff"]["alert"]
    assert texts["broadcasts"]["none"] == raw("texts.toml", "en")["broadcasts"]["none"]

    def hurry(data: dict[str, Any]) -> None:
        data["checkin_timing"] = {"first_hours": 1}

    reminders = overlay(
        "reminders.toml", raw("reminders.toml", "en"), spanish_with("reminders.toml", hurry), "es"
    )
    assert reminders["checkin_timing"] == raw("reminders.toml", "en")["checkin_timing"]


@pytest.mark.parametrize("key", sorted(PATIENT_TEXT_KEYS))
def test_every_spanish_patient_text_renders_as_valid_html(key: str) -> None:
    texts = load_content().for_language("es").texts
    text = texts.render(key, **{name: SAMPLE_VALUES[name] for name in TEXT_KEYS[key]})
    assert text.strip() and len(text) <= MAX_TEXT and html_error(text) is None, key
    assert "{" not in text and "}" not in text, key


def test_every_patient_text_is_a_text_the_bot_uses() -> None:
    assert set(TEXT_KEYS) >= PATIENT_TEXT_KEYS
    assert {"invite.consent", "help.patient", "language.offer", "staff.kind_posture"} <= PATIENT_TEXT_KEYS
    assert not {"help.staff", "help.admin", "staff.alert", "console.card"} & PATIENT_TEXT_KEYS


def test_the_filled_spanish_files_hold_the_spanish_warning_lines() -> None:
    aftercare = translated_toml("aftercare.toml", "es")
    assert "<b>Llame al 911</b>" in aftercare["sections"]["when_to_call"]
    assert "{warn_" not in str(aftercare)
