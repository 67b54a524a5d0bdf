"""Spanish: the grammar the message reader needs.

Spanish words and phrases are read onto the engine's concept words by the [reading] table of
bot/content/es/answers.toml ("me falta el aire" -> "short of breath", "calentura" -> "fever"), so every
red-flag rule, threshold and topic keyword is shared with English by construction. What is left for this
module is the Spanish written around those words, read from the text before it becomes words: "del" and
"al", how pain scores ("7 de 10", "era un 4, ahora un 8"), ages ("mi papá de 70 años", "tengo 78"),
sizes ("10 centímetros"), clock times ("a las 5", "5 de la tarde") and decimal commas ("38,5") are
written, and how a reason written to the patient ("usted") is said about someone else (él, ella).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Final

from bot.answers.english import ENGLISH
from bot.answers.language import Regexes

_NUMBER_WORDS: Final = (
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
)
_SCORE_NUMBER: Final = r"(10|[0-9]|cero|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez)"
_OUT_OF_TEN: Final = r"\s*(?:/|de|sobre|en)\s*(?:10|diez)\b"

# Any pain score, for the soreness-aware fallback: "4/10", "4 de 10", "en una escala del 1 al 10", "es un 3".
_ANY_PAIN_SCORE: Final = re.compile(
    rf"\b\d{{1,2}}{_OUT_OF_TEN}|\bescala\b"
    r"|\b(?:es|era|esta|estaba|como|en|sigue|ahora|hoy|solo|todavia|aun)\s+(?:un|una)\s+(?:10|[0-9])\b"
    r"(?![.,:/]\d)(?!\s*(?:am|pm|min|minutos?|horas?|hrs?|dias?|semanas?|mes|meses|anos?|kg|kilos?|lbs?|"
    r"libras?|cm|mm|pulgadas?|%|x|veces|por ciento|grados?)\b)"
)


def _pain_score_regexes(lead: str, bare: str, not_after: str) -> Regexes:
    """ "6/10", "6 de 10"; "un 6" after a lead word ("era un 4", "sigue en un 6"); "de 3 a 7", "3 -> 7"."""
    number = _SCORE_NUMBER
    slash = re.compile(rf"\b{number}{_OUT_OF_TEN}")
    single = re.compile(
        rf"\b(?:{lead})\s+(?:(?:en|a)\s+)?(?:un|una)\s+{number}\b{not_after}"
        rf"|\b(?:{bare})\s+(?:en\s+)?{number}\b{not_after}"
        rf"|(?:^|[,.;!?(]\s*)(?:un|una)\s+{number}\b{not_after}"
    )
    pair = re.compile(
        rf"\bde\s+(?:el\s+|un\s+|una\s+)?{number}(?:{_OUT_OF_TEN})?\s+"
        rf"(?:a|hasta)\s+(?:el\s+|un\s+|una\s+)?{number}\b{not_after}"
        rf"|\b{number}(?:\s*/\s*10)?\s*(?:->|=>|→|>)\s*{number}\b{not_after}"
    )
    return slash, single, pair


def _age_regexes(who: str, not_after: str) -> Regexes:
    """ "tengo 78", "de 85 años", "a los 74", "(80, osteoporosis)"; last, "en sus 80s" (read in decades)."""
    return (
        re.compile(rf"\b(?:{who})\s+(\d{{2,3}})\b{not_after}"),
        re.compile(r"\b(\d{2,3})\s*(?:anos|anitos|ano de edad)\b"),
        re.compile(rf"\ba los\s+(\d{{2,3}})\b{not_after}"),
        re.compile(r"\((\d{2,3})\s*[,)]"),
        re.compile(r"\b(?:en|de) (?:mis|sus|los) ([1-9])0s?\b"),
    )


def _size_cm(value: float, unit: str) -> float:
    if unit.startswith(("pul", '"', "in")):
        return value * 2.54
    return value / 10 if unit.startswith(("mm", "mili")) else value


_PRONOUNS: Final = {
    "he": {"they": "él", "them": "él", "their": "su", "themselves": "sí mismo"},
    "she": {"they": "ella", "them": "ella", "their": "su", "themselves": "sí misma"},
    "they": {"they": "esa persona", "them": "esa persona", "their": "su", "themselves": "sí misma"},
}
_USTED: Final = re.compile(r"\b([Uu])sted\b")


def _third_person(text: str, person: str) -> str:
    """A reason written to the patient about someone else. Spanish speaks to "usted" in the third
    person already ("si le falta el aire", "si tiene fiebre"), so only "usted" itself changes."""
    subject = _PRONOUNS[person]["they"]

    def swap(match: re.Match[str]) -> str:
        return subject[0].upper() + subject[1:] if match.group(1) == "U" else subject

    return _USTED.sub(swap, text)


# The word-level grammar (negation word, joiners, weekdays, articles...) is that of the concept words the
# [reading] table produces; the surface grammar below is Spanish.
SPANISH: Final = dataclasses.replace(
    ENGLISH,
    code="es",
    emergency_lead="Llame al 911 ahora",
    # "del dolor" -> "de el dolor", "al cuello" -> "a el cuello": the [reading] phrases see one form.
    contractions=((re.compile(r"\bdel\b"), "de el"), (re.compile(r"\bal\b"), "a el")),
    shorthands=((re.compile(r"\bx\s*q\b"), " porque "), (re.compile(r"\bq\b"), " que ")),
    slash_score=re.compile(rf"\b(\d{{1,2}}){_OUT_OF_TEN}"),
    any_pain_score=_ANY_PAIN_SCORE,
    clock_time=re.compile(
        r"\b\d{1,2}[:.]\d{2}\s*(?:am|pm|hrs|horas)?\b|\b\d{1,2}\s*(?:am|pm)\b"
        r"|\ba las \d{1,2}\b|\b\d{1,2} de la (?:manana|tarde|noche|madrugada)\b"
    ),
    size=re.compile(r"\b(\d+(?:\.\d+)?)\s*(cm|centimetros?|mm|milimetros?|pulgadas?|\")"),
    size_cm=_size_cm,
    score_number=_SCORE_NUMBER,
    score_words={**{w: float(i) for i, w in enumerate(_NUMBER_WORDS)}, "una": 1.0},
    pain_score_regexes=_pain_score_regexes,
    age_regexes=_age_regexes,
    pronouns=_PRONOUNS,
    third_person=_third_person,
)
