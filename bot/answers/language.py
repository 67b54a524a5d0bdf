"""What the engine needs to know about a language beyond its word lists.

Word lists (rewrites, negation cues, time words, red-flag patterns...) are data in bot/content. What is
left is grammar the code must read with regular expressions: contractions, how numbers, sizes, pain
scores and ages are written, and a few function words. A language supplies these as one
:class:`Language` value (see ``english.py``); adding one is its content plus one such module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Regexes = tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Language:
    """The grammar of one language, as the message reader uses it."""

    code: str
    emergency_lead: str  # "Call 911 now": every emergency reply starts with it
    contractions: tuple[tuple[re.Pattern[str], str], ...]  # "can't" -> " cannot "
    negation_word: str  # "not": what "isnt" (a not_contraction in the content) adds after "is"
    cannot_word: str  # "cannot": what the content's cannot_forms ("unable to") are read as
    shorthands: tuple[tuple[re.Pattern[str], str], ...]  # "w/o" -> " without "
    symbols: Mapping[str, str]  # "&" -> " and ", "-" -> " "
    token: re.Pattern[str]  # one word, number or punctuation mark
    boundary_tokens: frozenset[str]  # tokens that end a sentence
    weekdays: tuple[str, ...]  # in order from the first day of the week
    decimal_comma: re.Pattern[str]  # "38,6"
    slash_score: re.Pattern[str]  # "7/10", its number in group 1
    any_pain_score: re.Pattern[str]  # any way of stating a pain score
    clock_time: re.Pattern[str]  # "5pm", "17:30"
    size: re.Pattern[str]  # "10 cm": number in group 1, unit in group 2
    size_cm: Callable[[float, str], float]  # a size in its unit, in centimetres
    fever_reading: re.Pattern[str]  # a temperature reading that needs no other word ("39.1")
    score_number: str  # regex of a pain score number, as digits or words, in one group
    score_words: Mapping[str, float]  # "six" -> 6
    list_joiners: frozenset[str]  # "no numbness, tingling OR weakness" is still one list
    negation_joiners: frozenset[str]  # "not dizzy AND weak": a breaker word after these ends the negation
    weak_reactivations: frozenset[tuple[str, ...]]  # "still": reactivates only in its own clause
    articles: frozenset[str]  # "a few days": the next word carries the number
    duration_link: str  # "a couple OF days"
    duration_fillers: frozenset[str]  # "2 MORE days", "3 FULL days"
    counted_units: frozenset[str]  # "day 3", "week two"
    fever_qualifier: str  # "high fever" still counts beside a measured temperature below the limit
    pain_score_regexes: Callable[
        [str, str, str], Regexes
    ]  # (lead, bare lead, not after) -> slash, single, pair
    age_regexes: Callable[[str, str], Regexes]  # (lead, not after) -> patterns, the decade one last
    pronouns: Mapping[str, Mapping[str, str]]  # "he" -> {"they": "he", "them": "him", "their": "his"}
    third_person: Callable[[str, str], str]  # ("if you get short of breath", "he") -> "if he gets ..."


def fold(text: str, limit: int) -> str:
    """Lower case, accents off, fancy quotes straight, control characters out (any language)."""
    text = unicodedata.normalize("NFKD", text[:limit])
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    return "".join(ch if (ch.isprintable() or ch == "\n") else " " for ch in text)


def alternation(phrases: tuple[str, ...] | list[str]) -> str:
    """A regex alternation of whole phrases, longest first ("earlier today" before "earlier")."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))
