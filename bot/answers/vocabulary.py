"""The word lists the message reader uses ([vocabulary] in answers.toml), validated once at load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.content import ContentError, require_positive, require_str, require_table, require_texts

Phrase = tuple[str, ...]
Rewrite = tuple[Phrase, Phrase]


def words(value: str) -> Phrase:
    return tuple(value.lower().split())


def phrases(table: Mapping[str, Any], key: str, where: str) -> tuple[Phrase, ...]:
    return tuple(words(v) for v in require_texts(table, key, where))


def word_set(table: Mapping[str, Any], key: str, where: str) -> frozenset[str]:
    return frozenset(require_texts(table, key, where))


def number_table(data: Mapping[str, Any], key: str, where: str) -> dict[str, float]:
    raw = require_table(data, key, where)
    return {k: require_positive(raw, k, f"{where}.{key}") for k in raw}


@dataclass(frozen=True)
class Vocabulary:
    rewrites: Mapping[str, Phrase]
    phrase_rewrites: tuple[Rewrite, ...]
    not_contractions: Mapping[str, str]
    cannot_forms: tuple[Phrase, ...]
    negation_cues: frozenset[str]
    negation_window: int
    negation_subject_reach: int
    pseudo_negations: tuple[Phrase, ...]
    negation_breakers: frozenset[str]
    needed_after_cannot: frozenset[str]
    answer_denials: frozenset[str]
    answer_followers: frozenset[str]
    answered_question_words: int
    negation_terminators: frozenset[str]
    clause_breakers: frozenset[str]
    resolution_cues: tuple[Phrase, ...]
    resolution_fillers: frozenset[str]
    resolution_not_before: frozenset[str]
    resolution_not_after: frozenset[str]
    degree_words: frozenset[str]
    reactivation_cues: tuple[Phrase, ...]
    persistence_cues: tuple[Phrase, ...]
    improvement_cues: tuple[Phrase, ...]
    hypothetical_cues: tuple[Phrase, ...]
    hypothetical_enders: frozenset[str]
    history_cues: tuple[Phrase, ...]
    present_cues: tuple[Phrase, ...]
    relative_present_cues: tuple[Phrase, ...]
    denial_after: frozenset[str]
    ask_after_state: frozenset[str]
    settled_before: frozenset[str]
    settled_links: frozenset[str]
    present_not_before: frozenset[str]
    month_names: frozenset[str]
    settled_at_end: frozenset[str]
    medicine_words: frozenset[str]
    medicine_now: frozenset[str]
    history_referents: tuple[Phrase, ...]
    # A long-standing symptom asked about with treatment (bot/answers/history.py known_condition).
    habitual_cues: tuple[Phrase, ...]
    history_age_cues: tuple[Phrase, ...]
    habitual_breakers: tuple[Phrase, ...]
    stable_cues: tuple[Phrase, ...]
    unchanged_after_present: tuple[Phrase, ...]
    stable_ongoing: tuple[Phrase, ...]
    long_habit_words: frozenset[str]
    treatment_verbs: frozenset[str]
    treatment_question_cues: tuple[Phrase, ...]
    date_words: frozenset[str]
    opener_next: frozenset[str]
    ask_not_after: frozenset[str]
    opener_words: frozenset[str]
    ask_fillers: tuple[Phrase, ...]
    scope_treatment_words: frozenset[str]
    scope_ask_words: frozenset[str]
    ask_subjects: frozenset[str]
    subject_he: frozenset[str]
    subject_she: frozenset[str]
    subject_they: frozenset[str]
    subject_pronouns: frozenset[str]
    first_person: frozenset[str]
    first_possessive: frozenset[str]
    denial_links: frozenset[str]
    denial_blockers: frozenset[str]
    denial_comparisons: frozenset[str]
    negation_subjects: frozenset[str]
    hypothetical_enders_after_comma: frozenset[str]
    denial_questions: frozenset[str]
    resolution_habits: frozenset[str]
    denied_states: frozenset[str]
    lasting_conditions: frozenset[str]
    denial_determiners: frozenset[str]
    denial_prepositions: frozenset[str]
    fever_words: tuple[Phrase, ...]
    temperature_context: frozenset[str]
    temperature_not_body: frozenset[str]
    temperature_not_after: frozenset[str]
    simile_cues: tuple[Phrase, ...]
    simile_visual: frozenset[str]
    simile_rewrites: Mapping[str, Phrase]
    exertion_cues: tuple[Phrase, ...]
    exertion_words: frozenset[str]
    exertion_blockers: frozenset[str]
    exertion_replacement: Phrase
    number_words: Mapping[str, float]
    duration_units: Mapping[str, float]
    duration_phrases: tuple[tuple[Phrase, float], ...]
    duration_not_before: frozenset[str]
    duration_not_after: tuple[Phrase, ...]
    fuzzy_targets: frozenset[str]
    never_correct: frozenset[str]
    state_verbs: frozenset[str]
    negation_subject_stops: frozenset[str]
    resolution_gone_words: frozenset[str]
    resolution_where_when: frozenset[str]
    duration_resolution_openers: frozenset[str]
    returning_people: frozenset[str]
    returning_verbs: frozenset[str]
    return_links: frozenset[str]
    return_states: frozenset[str]
    naming_pronouns: frozenset[str]
    explaining_openers: frozenset[str]
    explaining_links: frozenset[str]
    explaining_owners: frozenset[str]
    goes_on_cues: frozenset[str]
    mild_remainders: frozenset[str]
    mild_after_a: frozenset[str]
    idiom_phrases: tuple[Phrase, ...]
    idiom_subjects: frozenset[str]
    idiom_replacement: Phrase
    emoji_words: Mapping[str, str]

    @classmethod
    def load(cls, v: Mapping[str, Any], where: str) -> Vocabulary:
        rewrites, phrase_rewrites = _rewrites(v, where)
        return cls(
            rewrites=rewrites,
            phrase_rewrites=tuple(sorted(phrase_rewrites, key=lambda kv: -len(kv[0]))),
            not_contractions=_contractions(v, where),
            negation_window=_window(v, "negation_window", where),
            negation_subject_reach=_window(v, "negation_subject_reach", where),
            answered_question_words=_window(v, "answered_question_words", where),
            simile_rewrites={
                k.lower(): words(str(val)) for k, val in require_table(v, "simile_rewrites", where).items()
            },
            duration_phrases=tuple(
                (words(k), h) for k, h in number_table(v, "duration_phrases", where).items()
            ),
            number_words=number_table(v, "number_words", where),
            duration_units=number_table(v, "duration_units", where),
            **_phrase_lists(v, where),
            **_word_sets(v, where),
            **_exertion(v, where),
            **_idioms(v, where),
            emoji_words=_emoji(v, where),
        )


_PHRASE_KEYS = (
    "cannot_forms",
    "pseudo_negations",
    "resolution_cues",
    "reactivation_cues",
    "persistence_cues",
    "improvement_cues",
    "hypothetical_cues",
    "history_cues",
    "present_cues",
    "relative_present_cues",
    "habitual_cues",
    "history_age_cues",
    "history_referents",
    "habitual_breakers",
    "stable_cues",
    "unchanged_after_present",
    "stable_ongoing",
    "ask_fillers",
    "treatment_question_cues",
    "fever_words",
    "simile_cues",
    "duration_not_after",
)
_WORD_SET_KEYS = (
    "negation_cues",
    "needed_after_cannot",
    "answer_denials",
    "answer_followers",
    "negation_breakers",
    "negation_terminators",
    "denial_after",
    "ask_after_state",
    "settled_before",
    "settled_links",
    "present_not_before",
    "month_names",
    "settled_at_end",
    "medicine_words",
    "medicine_now",
    "scope_treatment_words",
    "ask_subjects",
    "scope_ask_words",
    "long_habit_words",
    "treatment_verbs",
    "date_words",
    "opener_next",
    "ask_not_after",
    "opener_words",
    "subject_he",
    "subject_she",
    "subject_they",
    "subject_pronouns",
    "first_person",
    "first_possessive",
    "denial_links",
    "denial_blockers",
    "denial_comparisons",
    "negation_subjects",
    "hypothetical_enders_after_comma",
    "denial_questions",
    "hypothetical_enders",
    "resolution_habits",
    "denied_states",
    "lasting_conditions",
    "denial_determiners",
    "denial_prepositions",
    "clause_breakers",
    "resolution_fillers",
    "resolution_not_before",
    "resolution_not_after",
    "degree_words",
    "temperature_context",
    "temperature_not_body",
    "temperature_not_after",
    "simile_visual",
    "duration_not_before",
    "fuzzy_targets",
    "never_correct",
    "state_verbs",
    "negation_subject_stops",
    "resolution_gone_words",
    "resolution_where_when",
    "duration_resolution_openers",
    "returning_people",
    "returning_verbs",
    "return_links",
    "return_states",
    "naming_pronouns",
    "explaining_openers",
    "explaining_links",
    "explaining_owners",
    "goes_on_cues",
    "mild_remainders",
    "mild_after_a",
)


def _phrase_lists(v: Mapping[str, Any], where: str) -> dict[str, Any]:
    return {key: phrases(v, key, where) for key in _PHRASE_KEYS}


def _word_sets(v: Mapping[str, Any], where: str) -> dict[str, Any]:
    return {key: word_set(v, key, where) for key in _WORD_SET_KEYS}


def _rewrites(v: Mapping[str, Any], where: str) -> tuple[dict[str, Phrase], list[Rewrite]]:
    """One-word rewrites and phrase rewrites; clinical words join one or the other by their length."""
    rewrites = {key.lower(): words(value) for key, value in _strings(v, "rewrites", where).items()}
    phrase_rewrites = [(words(k), words(value)) for k, value in _strings(v, "phrase_rewrites", where).items()]
    # Clinical words ("paraesthesia", "lower limb"): one word joins the rewrites, several the phrases.
    for key, value in _strings(v, "clinical", where).items():
        found = words(key)
        if len(found) > 1:
            phrase_rewrites.append((found, words(value)))
        elif found[0] in rewrites:
            raise ContentError(f"{where}: clinical.{key} is already in rewrites")
        else:
            rewrites[found[0]] = words(value)
    return rewrites, phrase_rewrites


def _strings(v: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    """A table of non-empty words to non-empty strings."""
    table = require_table(v, key, where)
    for name, value in table.items():
        if not isinstance(value, str) or not value.strip() or not name.strip():
            raise ContentError(f"{where}: {key}.{name} must be a non-empty string")
    return table


def _contractions(v: Mapping[str, Any], where: str) -> dict[str, str]:
    raw = require_table(v, "not_contractions", where)
    contractions = {k: str(val) for k, val in raw.items() if isinstance(val, str)}
    if len(contractions) != len(raw):
        raise ContentError(f"{where}: not_contractions values must be strings")
    return contractions


def _window(v: Mapping[str, Any], key: str, where: str) -> int:
    window = v.get(key)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10:
        raise ContentError(f"{where}: '{key}' must be a whole number from 1 to 10")
    return window


def _exertion(v: Mapping[str, Any], where: str) -> dict[str, Any]:
    exertion = require_table(v, "exertion", where)
    ew = f"{where}.exertion"
    replacement = words(require_str(exertion, "replacement", ew))
    if len(replacement) != 1:
        raise ContentError(f"{ew}: 'replacement' must be one word")
    return {
        "exertion_cues": phrases(exertion, "cues", ew),
        "exertion_words": word_set(exertion, "words", ew),
        "exertion_blockers": word_set(exertion, "blockers", ew),
        "exertion_replacement": replacement,
    }


def _idioms(v: Mapping[str, Any], where: str) -> dict[str, Any]:
    idioms = require_table(v, "idioms", where)
    iw = f"{where}.idioms"
    replacement = words(require_str(idioms, "replacement", iw))
    if not replacement:
        raise ContentError(f"{iw}: 'replacement' must not be empty")
    return {
        "idiom_phrases": phrases(idioms, "phrases", iw),
        "idiom_subjects": word_set(idioms, "subjects", iw),
        "idiom_replacement": replacement,
    }


def _emoji(v: Mapping[str, Any], where: str) -> dict[str, str]:
    emoji = require_table(v, "emoji_words", where)
    return {k: require_str(emoji, k, f"{where}.emoji_words") for k in emoji}
