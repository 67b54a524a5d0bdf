"""How Spanish is read: numbers and temperatures in words, times in words, ages, pain scores, "it went
away", spelling tolerance and regional words, each read onto the shared rules' thresholds."""

from __future__ import annotations

from typing import Any

import pytest

from bot.answers import AnswerEngine
from bot.answers.reading import Reader, sound_key
from bot.answers.spanish import SPANISH
from bot.content import ContentError


@pytest.fixture(scope="module")
def spanish() -> AnswerEngine:
    return AnswerEngine.load(language="es")


def _rule(engine: AnswerEngine, text: str, hours: float | None = None) -> str | None:
    return engine.answer(text, hours).rule


@pytest.mark.parametrize(
    "text",
    [
        "tengo treinta y ocho y medio de temperatura desde el masaje",
        "tengo calentura de 38,5",
        "tengo 102 °F de fiebre",
        "me tomé la temperatura y tengo 38.4 grados",
    ],
)
def test_a_measured_fever_in_words_commas_or_fahrenheit_is_urgent(spanish: AnswerEngine, text: str) -> None:
    assert _rule(spanish, text, 20) == "urgent.fever"


def test_a_temperature_below_the_threshold_is_no_fever(spanish: AnswerEngine) -> None:
    assert spanish.answer("me tomé la temperatura y tengo 36,8, todo normal", 20).urgency == "routine"


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("me duele la espalda desde hace cuatro días, sigue igual", None),
        ("me duele la espalda desde el lunes y no mejora", None),
        ("sigo adolorida y no mejora", 80),
    ],
)
def test_soreness_not_easing_after_days_in_words(
    spanish: AnswerEngine, text: str, hours: float | None
) -> None:
    assert spanish.answer(text, hours).urgency == "urgent"


def test_hace_reads_as_ago(spanish: AnswerEngine) -> None:
    msg = spanish.read("me dio mareo hace dos días", None)
    assert msg is not None and msg.stated_hours == 48
    assert "two days ago" in " ".join(msg.tokens)


def test_pain_scores_out_of_ten_and_rising(spanish: AnswerEngine) -> None:
    assert _rule(spanish, "el dolor era un 4 y ahora es un 8 de 10", 30) == "urgent.pain_score_rising"
    assert _rule(spanish, "ayer andaba en un 3 de dolor, hoy ando en un 7", 26) == "urgent.pain_score_rising"


def test_an_older_age_with_a_fall_is_urgent(spanish: AnswerEngine) -> None:
    text = "mi papá de 78 años se cayó y ahora tiene un dolor agudo en la espalda"
    assert _rule(spanish, text) == "urgent.possible_fracture_older_age"
    msg = spanish.read("tengo 81 años", None)
    assert msg is not None and msg.age == 81


def test_a_symptom_that_went_away_is_not_a_red_flag(spanish: AnswerEngine) -> None:
    assert spanish.answer("tuve un hormigueo en la mano pero ya se me pasó", 2).urgency == "routine"
    assert spanish.answer("ya se me quitó el hormigueo de los dedos", 2).urgency == "routine"
    assert spanish.answer("ya no tengo hormigueo en el brazo", 2).urgency == "routine"
    assert spanish.answer("se me durmió la pierna", 2).urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "Sin embargo, me duele mucho el pecho",
        "no más me duele el pecho",
        "me duele un poquito el pecho desde ayer",
        "no sé qué tengo, me duele el pecho",
    ],
)
def test_idioms_with_no_or_without_do_not_hide_chest_pain(spanish: AnswerEngine, text: str) -> None:
    assert _rule(spanish, text, 5) == "emergency.chest_pain"


@pytest.mark.parametrize(
    "text",
    [
        "me corté el pelo ayer, ¿puedo ir así al masaje?",
        "me duele el cuello de tanto ver el celular",
        "me quedé dormida en la camilla jaja",
        "me corté el dedo cocinando, ¿puedo ir al masaje?",
    ],
)
def test_everyday_words_near_red_flag_words_stay_routine(spanish: AnswerEngine, text: str) -> None:
    assert spanish.answer(text, 20).urgency == "routine"


def test_thinking_of_cutting_oneself_is_self_harm(spanish: AnswerEngine) -> None:
    assert _rule(spanish, "pienso en cortarme otra vez") == "emergency.self_harm"


def test_a_limb_that_went_numb_for_a_moment_on_the_table_is_routine(spanish: AnswerEngine) -> None:
    assert spanish.answer("se me durmió la mano un segundo en la camilla", 1).urgency == "routine"


def test_stroke_signs_count_even_when_they_went_away(spanish: AnswerEngine) -> None:
    assert _rule(spanish, "se me cayó la cara un ratito pero ya se me quitó") == "emergency.stroke_signs"


def test_denials_are_read_as_denials(spanish: AnswerEngine) -> None:
    text = "no tengo dolor de pecho ni me falta el aire, solo me duele la espalda"
    assert spanish.answer(text, 20).urgency == "routine"
    assert spanish.answer("dolor de cabeza leve, no veo doble, hablo bien", 6).urgency == "routine"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("kiero morir", "emergency.self_harm"),
        ("se me callo la cara", "emergency.stroke_signs"),
        ("me duele el pexo y me falta el aire", "emergency.chest_pain"),
        ("dolor de pecho", "emergency.chest_pain"),
        ("tengo la pantorilla inchada y caliente", "urgent.possible_clot"),
        ("tengo el chamorro hinchado y caliente", "urgent.possible_clot"),
        ("me siento mareado desde hace 2 dias", "urgent.headache_or_dizziness_lasting"),
        ("no puedo hacer pipí y no siento cuando me limpio", "emergency.cauda_equina"),
        ("se me salió el popo sin sentirlo", "emergency.cauda_equina"),
        ("devolví dos veces y tengo calentura", "urgent.fever"),
        ("mi abuelita no puede mover el lado derecho del cuerpo", "emergency.stroke_signs"),
        ("me tragué todas las pastillas del frasco", "emergency.self_harm"),
        ("siento que ya no vale la pena seguir", "emergency.self_harm"),
        ("tengo chest pain y me falta el aire", "emergency.chest_pain"),
        ("se me puso la boca de lado", "emergency.stroke_signs"),
        ("hablo como borracho de repente", "emergency.stroke_signs"),
        ("no me llega el aire", "emergency.breathing"),
        ("mi hermano dice que ya no quiere vivir", "emergency.self_harm_other"),
        ("ya no controlo la orina", "emergency.cauda_equina"),
        ("me siento muy débil, no me puedo ni levantar de la cama", "emergency.extreme_weakness"),
    ],
)
def test_misspellings_accents_and_regional_words(spanish: AnswerEngine, text: str, rule: str) -> None:
    assert _rule(spanish, text, 30) == rule


def test_a_reply_is_about_the_person_named(spanish: AnswerEngine) -> None:
    got = spanish.answer("mi esposo tiene la pantorrilla hinchada y caliente", 30)
    assert "Por favor, llame hoy a la clínica" in got.reply and "por él" in got.reply


def test_sound_keys_join_words_that_sound_alike() -> None:
    assert sound_key("bomito") == sound_key("vómito".replace("ó", "o"))
    assert sound_key("cabesa") == sound_key("cabeza")
    assert sound_key("yaga") == sound_key("llaga")


def _reader(**changes: Any) -> Reader:
    raw: dict[str, Any] = {
        "words": {"dolor": "pain"},
        "phrases": {"me falta el aire": "short of breath"},
        "clause_end": {"ya se me quitó": "it is gone"},
        "clause_ends": ["pero"],
        "question": "does",
        "question_words": ["donde"],
        "ago": {"before": ["hace"], "units": {"dias": "days"}, "after": "ago"},
        **changes,
    }
    return Reader.load(raw, "es/answers.toml [reading]", SPANISH)


def test_the_reader_reads_phrases_words_clause_ends_and_ago() -> None:
    reader = _reader()
    said_before = reader.read(["ya", "se", "me", "quito", "el", "dolor", ",", "pero"])
    assert said_before == ["el", "pain", "it", "is", "gone", ",", "pero"]
    assert reader.read(["hace", "dos", "dias"]) == ["dos", "days", "ago"]
    assert reader.read(["el", "dolor", "?"])[0] == "does"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"words": {"dos palabras": "x"}}, "has several words"),
        ({"endings": [["ito"]]}, "pairs"),
        ({"ago": {"before": ["hace"], "units": {}, "after": "ago"}}, "'units'"),
        ({"phrases": {"Me falta": "a", "me falta": "b"}}, "listed twice"),
    ],
)
def test_bad_reading_content_stops_start_up(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ContentError, match=message):
        _reader(**changes)
