"""Answer a patient's free-text message: red flags first, then the clinic's answer for the topic.

Why rules and not a model: triage must be deterministic and explainable (which rule fired, on which
words), and online symptom checkers get triage wrong far too often to leave it to a model. Every text,
threshold and pattern lives in ``bot/content/answers.toml`` and ``bot/content/red_flags.toml``; this
module only reads a message (typos, texting style, negation, "it went away", stated durations) and
picks the reply. It has no Telegram types: handlers call :func:`answer` or :meth:`AnswerEngine.answer`.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.content import ClinicProfile, ContentError, load_clinic, read_toml, require_str, require_str_list
from bot.topic_model import TopicModel

URGENCIES: Final = ("emergency", "urgent", "routine")
TOPICS: Final = (
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
ROUTINE_TOPICS: Final = TOPICS[:-1]
MAX_REPLY_CHARS: Final = 4096
MIN_REPLY_LINES: Final = 3
MAX_REPLY_LINES: Final = 6
# Longer messages are read only up to here: enough for any real message, and bounded time.
MAX_INPUT_CHARS: Final = 20_000
# "face is kind of drooping": words allowed between two pattern words.
MAX_GAP: Final = 2
# "traffic is killing me": words before a figure of speech searched for a subject that is not the body.
IDIOM_REACH: Final = 4
# A general topic (soreness) still competes with a specific one when this many of its strong keywords match.
GENERAL_TOPIC_STRONG_HITS: Final = 2
# "thanks!", "ok cool", "good morning": greetings are answered as such only in short messages.
SMALLTALK_MAX_WORDS: Final = 5
# "like a deep bruise": words after a simile cue that are read as a feeling.
SIMILE_REACH: Final = 4

ANSWERS_FILE: Final = "answers.toml"
RED_FLAGS_FILE: Final = "red_flags.toml"

_COMMON_FIELDS: Final = frozenset(
    {
        "clinic_name",
        "clinic_phone",
        "clinic_address",
        "hours_line",
        "booking_line",
        "sore_expect_low",
        "sore_expect_high",
        "not_easing_hours",
        "headache_hours",
        "fever_f",
        "fever_c",
    }
)
_SESSION_FIELDS: Final = _COMMON_FIELDS | {"ago"}
_RED_FLAG_FIELDS: Final = _COMMON_FIELDS | {"why", "call_911_if"}
_ALLOWED_TAG = re.compile(r"</?[bi]>")
_ANY_TAG = re.compile(r"<[^>]*>")
_THRESHOLD_KEYS: Final = (
    "sore_expected",
    "not_easing",
    "headache_dizziness",
    "fever",
    "pain_score",
    "large_bruise",
    "older_age",
)
# Named checks a red-flag rule may require (`requires = [...]` in red_flags.toml), each computed once
# per message: a fever (word or measured temperature), a pain score that went up, a pain score that has
# not come down, a stated age at or above [thresholds.older_age].
_REQUIREMENTS: Final = ("fever", "pain_score_rising", "pain_score_lingering", "older_age")


@dataclass(frozen=True)
class Answer:
    """The reply to one message and why it was chosen (for staff alerts and logs)."""

    topic: str
    urgency: str
    reply: str
    rule: str
    category: str | None
    evidence: str | None = None  # the words that fired a red-flag rule, for staff and logs
    variant: str | None = None  # which wording of the topic answer: a soreness phase, "blood_thinner"...
    # How a routine topic was chosen: "decisive" (a topic's decisive pattern matched), "rules",
    # "classifier" (the rules were not confident), "tie" (the classifier broke a tie between rules),
    # "soreness" (the soreness-aware fallback). None for red flags.
    picked_by: str | None = None


# --------------------------------------------------------------------------------------------------
# Patterns (syntax documented at the top of red_flags.toml)


@dataclass(frozen=True)
class _Slot:
    """One word position: any of some exact words, or any word starting with one of some prefixes."""

    words: frozenset[str]
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class _Part:
    """Words in order (small gaps allowed); several spellings when an alternative spans words."""

    sequences: tuple[tuple[int, ...], ...]  # slot ids
    context: bool
    text: str


@dataclass(frozen=True)
class _Pattern:
    """Parts that must all occur in one clause, in any order."""

    parts: tuple[_Part, ...]
    text: str


class _PatternCompiler:
    """Turns pattern strings into slot ids shared by every rule, so a message is indexed once."""

    def __init__(self, sets: Mapping[str, str]) -> None:
        self._sets = dict(sets)
        self._slot_ids: dict[_Slot, int] = {}
        self.slots: list[_Slot] = []
        self.exact_index: dict[str, list[int]] = {}
        self.prefix_index: list[tuple[str, int]] = []
        self.words: set[str] = set()

    def _slot_id(self, slot: _Slot) -> int:
        found = self._slot_ids.get(slot)
        if found is not None:
            return found
        new_id = len(self.slots)
        self._slot_ids[slot] = new_id
        self.slots.append(slot)
        for word in slot.words:
            self.exact_index.setdefault(word, []).append(new_id)
            self.words.add(word)
        for prefix in slot.prefixes:
            self.prefix_index.append((prefix, new_id))
        return new_id

    def _expand(self, alternatives: Iterable[str], where: str, depth: int = 0) -> list[str]:
        out: list[str] = []
        for alt in alternatives:
            alt = alt.strip()
            if not alt:
                raise ContentError(f"{where}: empty alternative in a pattern")
            if alt.startswith("$"):
                name = alt[1:]
                if name not in self._sets or depth > 3:
                    raise ContentError(f"{where}: unknown word set '${name}' (define it under [sets])")
                out.extend(self._expand(self._sets[name].split("|"), where, depth + 1))
            else:
                out.append(alt)
        return out

    def _single(self, words: Iterable[str]) -> int:
        exact: set[str] = set()
        prefixes: list[str] = []
        for word in words:
            if word.endswith("*"):
                stem = word[:-1]
                if len(stem) < 3:
                    raise ContentError(f"prefix '{word}' is too short (3 letters at least)")
                prefixes.append(stem)
            else:
                exact.add(word)
        return self._slot_id(_Slot(frozenset(exact), tuple(sorted(prefixes))))

    def part(self, text: str, where: str) -> _Part:
        raw = text.strip()
        context = raw.startswith("@")
        if context:
            raw = raw[1:].strip()
        if not raw:
            raise ContentError(f"{where}: empty part in pattern '{text}'")
        options_per_position: list[list[tuple[int, ...]]] = []
        for spec in raw.split():
            alternatives = self._expand(spec.split("|"), where)
            singles = [a for a in alternatives if "_" not in a]
            options: list[tuple[int, ...]] = []
            if singles:
                options.append((self._single(singles),))
            for multi in (a for a in alternatives if "_" in a):
                options.append(tuple(self._single([w]) for w in multi.split("_") if w))
            options_per_position.append(options)
        sequences: list[tuple[int, ...]] = []
        for combo in itertools.product(*options_per_position):
            sequences.append(tuple(itertools.chain.from_iterable(combo)))
            if len(sequences) > 256:
                raise ContentError(f"{where}: pattern '{text}' expands to too many spellings")
        return _Part(tuple(sequences), context, text.strip())

    def pattern(self, text: Any, where: str) -> _Pattern:
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{where}: every pattern must be a non-empty string")
        if text != text.lower():
            raise ContentError(f"{where}: pattern '{text}' must be lower case")
        parts = tuple(self.part(p, where) for p in text.split("&"))
        return _Pattern(parts, text)

    def patterns(
        self, table: Mapping[str, Any], key: str, where: str, *, required: bool
    ) -> tuple[_Pattern, ...]:
        if key not in table:
            if required:
                raise ContentError(f"{where}: missing key '{key}'")
            return ()
        value = table[key]
        if not isinstance(value, list) or not value:
            raise ContentError(f"{where}: '{key}' must be a non-empty list of patterns")
        return tuple(self.pattern(v, f"{where}.{key}") for v in value)


# --------------------------------------------------------------------------------------------------
# Content


@dataclass(frozen=True)
class _Rule:
    id: str
    urgency: str
    category: str
    source: tuple[str, ...]
    any: tuple[_Pattern, ...]
    all: tuple[tuple[_Pattern, ...], ...]
    unless: tuple[_Pattern, ...]
    unless_except: tuple[_Pattern, ...]
    requires: tuple[str, ...]  # named checks that must all hold: see _REQUIREMENTS
    min_elapsed: float | None
    persistence: str | None
    unless_improving: bool
    max_session_hours: float | None
    ignore_negation: bool
    count_resolved: bool
    reply_lines: tuple[str, ...]


@dataclass(frozen=True)
class _Variant:
    keywords: tuple[_Pattern, ...]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Topic:
    name: str
    decisive: tuple[_Pattern, ...]  # a live match settles the topic before any scoring
    decisive_all: tuple[tuple[tuple[_Pattern, ...], ...], ...]  # each: every group matches, anywhere
    strong: tuple[_Pattern, ...]
    keywords: tuple[_Pattern, ...]
    courtesy: tuple[_Pattern, ...]
    lines: tuple[str, ...]
    watch: str | None
    session_aware: bool
    session_line: str | None
    phases: Mapping[str, str]
    variants: Mapping[str, _Variant]


@dataclass(frozen=True)
class _Vocabulary:
    rewrites: Mapping[str, tuple[str, ...]]
    phrase_rewrites: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    not_contractions: Mapping[str, str]
    cannot_forms: tuple[tuple[str, ...], ...]
    negation_cues: frozenset[str]
    negation_window: int
    pseudo_negations: tuple[tuple[str, ...], ...]
    negation_breakers: frozenset[str]
    negation_terminators: frozenset[str]
    clause_breakers: frozenset[str]
    resolution_cues: tuple[tuple[str, ...], ...]
    resolution_fillers: frozenset[str]
    resolution_not_before: frozenset[str]
    resolution_not_after: frozenset[str]
    reactivation_cues: tuple[tuple[str, ...], ...]
    persistence_cues: tuple[tuple[str, ...], ...]
    improvement_cues: tuple[tuple[str, ...], ...]
    hypothetical_cues: tuple[tuple[str, ...], ...]
    fever_words: tuple[tuple[str, ...], ...]
    temperature_context: frozenset[str]
    temperature_not_body: frozenset[str]
    temperature_not_after: frozenset[str]
    simile_cues: tuple[tuple[str, ...], ...]
    simile_visual: frozenset[str]
    simile_rewrites: Mapping[str, tuple[str, ...]]
    exertion_cues: tuple[tuple[str, ...], ...]
    exertion_words: frozenset[str]
    exertion_blockers: frozenset[str]
    exertion_replacement: tuple[str, ...]
    number_words: Mapping[str, float]
    duration_units: Mapping[str, float]
    duration_phrases: tuple[tuple[tuple[str, ...], float], ...]
    duration_not_before: frozenset[str]
    duration_not_after: tuple[tuple[str, ...], ...]
    fuzzy_targets: frozenset[str]
    never_correct: frozenset[str]
    idiom_phrases: tuple[tuple[str, ...], ...]
    idiom_subjects: frozenset[str]
    idiom_replacement: tuple[str, ...]


def _words(value: str) -> tuple[str, ...]:
    return tuple(value.lower().split())


def _phrases(table: Mapping[str, Any], key: str, where: str) -> tuple[tuple[str, ...], ...]:
    phrases = tuple(_words(v) for v in require_str_list(dict(table), key, where))
    if not phrases or any(not p for p in phrases):
        raise ContentError(f"{where}: '{key}' must be a non-empty list of non-empty strings")
    return phrases


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ContentError(f"{where}: missing table [{key}]")
    return value


def _number(table: Mapping[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ContentError(f"{where}: '{key}' must be a positive number")
    return float(value)


def _probability(table: Mapping[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ContentError(f"{where}: '{key}' must be a number from 0 to below 1")
    return float(value)


def _str_tuple(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = require_str_list(dict(table), key, where)
    if not values or any(not v.strip() for v in values):
        raise ContentError(f"{where}: '{key}' must be a non-empty list of non-empty strings")
    return values


def _sources(table: Mapping[str, Any], where: str) -> tuple[str, ...]:
    sources = _str_tuple(table, "source", where)
    return sources


def _check_template(text: str, allowed: frozenset[str], where: str) -> None:
    """Reject unknown placeholders and any HTML other than <b>/<i>, at load rather than at send."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ContentError(f"{where}: bad braces in text ({exc})") from exc
    for field_name in fields:
        if field_name not in allowed:
            known = ", ".join("{" + a + "}" for a in sorted(allowed))
            raise ContentError(f"{where}: unknown placeholder {{{field_name}}} (allowed here: {known})")
    for tag in _ANY_TAG.findall(text):
        if not _ALLOWED_TAG.fullmatch(tag):
            raise ContentError(f"{where}: only <b> and <i> are allowed in replies, found {tag}")


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_SCORE_NUMBER: Final = r"(10|[0-9]|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
_SCORE_WORDS: Final = {
    w: float(i)
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}


def _alternation(phrases: Iterable[str]) -> str:
    """A regex alternation of whole phrases, longest first ("earlier today" before "earlier")."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))


def _phrase_regex(table: Mapping[str, Any], key: str, where: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_alternation(_str_tuple(table, key, where))})\b")


def _score_value(raw: str) -> float:
    return _SCORE_WORDS[raw] if raw in _SCORE_WORDS else float(raw)


@dataclass(frozen=True)
class _PainScore:
    value: float
    rank: int  # 0 earlier ("was", "yesterday"), 1 unknown or "this morning", 2 now ("today", "now", "is")
    position: int
    rising_cue: bool  # "and climbing", "up to a 6"
    falling_cue: bool  # "down to a 2", "only a 3 now"


@dataclass(frozen=True)
class _PainScoreWords:
    """How pain scores and their change over time are read ([vocabulary.pain_scores] in answers.toml).

    A score is "6/10", "6 out of 10", "a 6" after a lead word ("was a 4", "still a 6", "at a two"),
    "now 8", or a pair "from 3 to 7" / "3 -> 7". Each score gets a time rank from the nearest time
    word in its part of the sentence ("yesterday", "this morning", "now"), else from the tense ("was",
    "is"), so that "a 4 today, a 6 last night" reads as falling and "was a 4, now an 8" as rising."""

    context: re.Pattern[str]
    treatment: re.Pattern[str]
    rating: re.Pattern[str]
    slash: re.Pattern[str]
    single: re.Pattern[str]
    pair: re.Pattern[str]
    boundary: re.Pattern[str]
    ranks: tuple[tuple[re.Pattern[str], int], ...]  # explicit time words, by rank
    tenses: tuple[tuple[re.Pattern[str], int], ...]  # tense words, used when no time word is near
    rising: re.Pattern[str]
    falling: re.Pattern[str]
    negation: frozenset[str]

    @classmethod
    def load(cls, table: Mapping[str, Any], where: str) -> _PainScoreWords:
        units = _alternation(_str_tuple(table, "not_units", where))
        not_after = rf"(?![.,:]\d)(?!\s*(?:-|–|or|to)\s*\d)(?!\s*(?:{units})(?![a-z]))"
        number = _SCORE_NUMBER
        lead = _alternation(_str_tuple(table, "lead", where))
        bare = _alternation(_str_tuple(table, "bare_lead", where))
        return cls(
            context=_phrase_regex(table, "context", where),
            treatment=_phrase_regex(table, "treatment", where),
            rating=_phrase_regex(table, "rating", where),
            slash=re.compile(rf"\b{number}\s*(?:/|out of|outta)\s*10\b"),
            single=re.compile(
                rf"\b(?:{lead})\s+(?:a|an)\s+{number}\b{not_after}|\b(?:{bare})\s+(?:at\s+)?{number}\b{not_after}"
                rf"|(?:^|[,.;!?(]\s*)(?:a|an)\s+{number}\b{not_after}"
            ),
            pair=re.compile(
                rf"\bfrom\s+(?:(?:a|an)\s+)?{number}(?:\s*/\s*10)?\s+"
                rf"(?:(?:up|down|all the way up|all the way down)\s+)?"
                rf"to\s+(?:(?:a|an)\s+)?{number}\b{not_after}"
                rf"|\b{number}(?:\s*/\s*10)?\s*(?:->|=>|→|>|to a|to an)\s*{number}\b{not_after}"
            ),
            boundary=re.compile(rf"[,.;!?\n]|\b(?:{_alternation(_str_tuple(table, 'boundaries', where))})\b"),
            ranks=(
                (_phrase_regex(table, "earlier", where), 0),
                (_phrase_regex(table, "middle", where), 1),
                (_phrase_regex(table, "later", where), 2),
            ),
            tenses=(
                (_phrase_regex(table, "past_tense", where), 0),
                (_phrase_regex(table, "present_tense", where), 2),
            ),
            rising=_phrase_regex(table, "rising", where),
            falling=_phrase_regex(table, "falling", where),
            negation=frozenset(_str_tuple(table, "negation", where)),
        )

    def _nearest(self, options: Sequence[tuple[re.Pattern[str], int]], before: str, after: str) -> int | None:
        best: tuple[int, int] | None = None
        for regex, rank in options:
            for m in regex.finditer(before):
                distance = len(before) - m.end()
                if best is None or distance < best[0]:
                    best = (distance, rank)
            hit = regex.search(after)
            if hit is not None and (best is None or hit.start() < best[0]):
                best = (hit.start(), rank)
        return None if best is None else best[1]

    def _cue(self, regex: re.Pattern[str], window: str) -> bool:
        for m in regex.finditer(window):
            if not self.negation.intersection(window[: m.start()].split()[-2:]):
                return True
        return False

    def read(self, text: str, session_known: bool) -> tuple[_PainScore, ...]:
        """Every pain score in the (folded, contractions expanded) text, in order."""
        if not any(ch.isdigit() for ch in text) and not any(w in text for w in _SCORE_WORDS):
            return ()
        found: list[tuple[int, int, float, int | None]] = []  # start, end, value, fixed rank
        taken: list[tuple[int, int]] = []
        for m in self.pair.finditer(text):
            groups = [g for g in m.groups() if g is not None]
            found.append((m.start(), m.start() + 1, _score_value(groups[0]), 0))
            found.append((m.end() - 1, m.end(), _score_value(groups[1]), 2))
            taken.append(m.span())
        slash_seen = False
        for regex in (self.slash, self.single):
            for m in regex.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                raw = next(g for g in m.groups() if g is not None)
                lead = len(m.group(0)) - len(m.group(0).lstrip(",.;!?( "))  # ", a 6": the comma is not in it
                found.append((m.start() + lead, m.end(), _score_value(raw), None))
                taken.append(m.span())
                slash_seen = slash_seen or regex is self.slash
        if not found:
            return ()
        if (
            not slash_seen
            and not self.context.search(text)
            and (not (session_known or self.treatment.search(text)) or self.rating.search(text))
        ):
            return ()  # "last visit was a 7, this one a 10": a rating of the visit, not of pain
        found.sort()
        bounds = [(m.start(), m.end()) for m in self.boundary.finditer(text)]
        scores: list[_PainScore] = []
        for i, (start, end, value, fixed) in enumerate(found):
            left = max([b for _, b in bounds if b <= start] + [found[i - 1][1] if i else 0])
            right_score = found[i + 1][0] if i + 1 < len(found) else len(text)
            right = min([a for a, _ in bounds if a >= end] + [right_score])
            before, after = text[left:start], text[end:right]
            rank = fixed
            if rank is None:
                rank = self._nearest(self.ranks, before, after)
            if rank is None:
                rank = self._nearest(self.tenses, before, after)
            # Direction words reach past "and" ("an 8 and climbing"), up to the next score or punctuation.
            stop = next((i for i in range(end, right_score) if text[i] in ",.;!?\n"), right_score)
            window = f"{before} {re.sub(_SCORE_NUMBER, ' ', text[start:end])} # {text[end:stop]}"
            scores.append(
                _PainScore(
                    value=value,
                    rank=1 if rank is None else rank,
                    position=start,
                    rising_cue=self._cue(self.rising, window),
                    falling_cue=self._cue(self.falling, window),
                )
            )
        return tuple(scores)


@dataclass(frozen=True)
class _AgeWords:
    """A stated age ("I'm 78", "at 74", "85 years old", "my mum is 85", "(80, osteoporosis)", "in my
    eighties") from [vocabulary.ages] in answers.toml; not a weight, a temperature or a percentage."""

    patterns: tuple[re.Pattern[str], ...]
    decades: Mapping[str, float]
    older_words: re.Pattern[str]

    @classmethod
    def load(cls, table: Mapping[str, Any], where: str) -> _AgeWords:
        not_after = rf"(?![.,:]\d)(?!\s*(?:{_alternation(_str_tuple(table, 'not_units', where))})(?![a-z]))"
        who = _alternation(_str_tuple(table, "lead", where))
        decades_raw = _table(table, "decades", where)
        decades = {k: _number(decades_raw, k, f"{where}.decades") for k in decades_raw}
        return cls(
            patterns=(
                re.compile(rf"\b(?:{who})\s+(\d{{2,3}})\b{not_after}"),
                re.compile(
                    r"\b(\d{2,3})\s*(?:-\s*)?(?:years?|yrs?)(?:\s*-\s*|\s+)old\b|\b(\d{2,3})\s*(?:yo|y/o|y\.o\.)(?![a-z])"
                ),
                re.compile(rf"(?:^|[.,;!?(]\s*)at\s+(\d{{2,3}})\b{not_after}"),
                re.compile(r"\((\d{2,3})\s*[,)]"),
                re.compile(r"\bin (?:my|his|her|their) ([1-9])0s\b"),
            ),
            decades=decades,
            older_words=re.compile(
                rf"\b(?:{_alternation(list(decades) + list(_str_tuple(table, 'older', where)))})\b"
            ),
        )

    def oldest(self, text: str) -> float | None:
        ages: list[float] = []
        for regex in self.patterns:
            for m in regex.finditer(text):
                raw = next(g for g in m.groups() if g is not None)
                value = float(raw) * (10 if regex is self.patterns[-1] else 1)
                if value <= 115:
                    ages.append(value)
        for m in self.older_words.finditer(text):
            ages.append(self.decades.get(m.group(0), 200.0))  # "elderly": old enough for any threshold
        return max(ages) if ages else None


class _Content:
    """Everything loaded from the two content files, validated."""

    def __init__(self, answers: Mapping[str, Any], red_flags: Mapping[str, Any]) -> None:
        a_where = f"bot/content/{ANSWERS_FILE}"
        r_where = f"bot/content/{RED_FLAGS_FILE}"
        sets = _table(red_flags, "sets", r_where)
        for name, value in sets.items():
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{r_where}: [sets] '{name}' must be a non-empty string")
        self.compiler = _PatternCompiler(sets)

        thresholds = _table(answers, "thresholds", a_where)
        self.thresholds: dict[str, dict[str, float]] = {}
        for key in _THRESHOLD_KEYS:
            where = f"{a_where} [thresholds.{key}]"
            entry = _table(thresholds, key, f"{a_where} [thresholds]")
            _sources(entry, where)
            self.thresholds[key] = {
                k: _number(entry, k, where)
                for k, v in entry.items()
                if k != "source" and not isinstance(v, list)
            }
        self.sore_low = self._threshold("sore_expected", "low_hours", a_where)
        self.sore_high = self._threshold("sore_expected", "high_hours", a_where)
        self.not_easing = self._threshold("not_easing", "hours", a_where)
        self.headache_hours = self._threshold("headache_dizziness", "hours", a_where)
        self.fever_f = self._threshold("fever", "fahrenheit", a_where)
        self.fever_c = self._threshold("fever", "celsius", a_where)
        self.pain_score_high = self._threshold("pain_score", "high", a_where)
        self.pain_score_rise = self._threshold("pain_score", "rise", a_where)
        self.pain_score_lingering = self._threshold("pain_score", "lingering", a_where)
        self.large_size_cm = self._threshold("large_bruise", "cm", a_where)
        self.older_age = self._threshold("older_age", "years", a_where)

        self.vocab = self._vocabulary(_table(answers, "vocabulary", a_where), f"{a_where} [vocabulary]")
        vocabulary = _table(answers, "vocabulary", a_where)
        self.pain_words = _PainScoreWords.load(
            _table(vocabulary, "pain_scores", f"{a_where} [vocabulary]"),
            f"{a_where} [vocabulary.pain_scores]",
        )
        self.ages = _AgeWords.load(
            _table(vocabulary, "ages", f"{a_where} [vocabulary]"), f"{a_where} [vocabulary.ages]"
        )
        emoji = _table(vocabulary, "emoji_words", f"{a_where} [vocabulary]")
        self.emoji_words = {k: require_str(emoji, k, f"{a_where} [vocabulary.emoji_words]") for k in emoji}
        self.fever_patterns = self.vocab.fever_words

        lines = _table(answers, "lines", a_where)
        lw = f"{a_where} [lines]"
        self.disclosure = require_str(lines, "disclosure", lw)
        self.hours_unknown = require_str(lines, "hours_unknown", lw)
        self.hours_known = require_str(lines, "hours_known", lw)
        self.booking_online = require_str(lines, "booking_online", lw)
        self.booking_phone_only = require_str(lines, "booking_phone_only", lw, allow_empty=True)
        _check_template(self.disclosure, _COMMON_FIELDS, f"{lw} disclosure")
        _check_template(self.hours_unknown, _COMMON_FIELDS, f"{lw} hours_unknown")
        _check_template(self.hours_known, frozenset({"hours"}), f"{lw} hours_known")
        _check_template(self.booking_online, frozenset({"booking_url"}), f"{lw} booking_online")
        _check_template(self.booking_phone_only, _COMMON_FIELDS, f"{lw} booking_phone_only")
        ago = _table(lines, "ago", lw)
        self.ago = {
            k: require_str(ago, k, f"{lw}.ago")
            for k in ("under_one_hour", "one_hour", "hours", "one_day", "days", "one_week", "weeks")
        }
        for k, v in self.ago.items():
            _check_template(v, frozenset({"n"}), f"{lw}.ago {k}")

        rf = _table(answers, "red_flag_replies", a_where)
        rfw = f"{a_where} [red_flag_replies]"
        self.emergency_lines = _str_tuple(rf, "emergency", rfw)
        self.urgent_lines = _str_tuple(rf, "urgent", rfw)
        self.default_call_911_if = require_str(rf, "default_call_911_if", rfw)
        for i, text in enumerate(self.emergency_lines + self.urgent_lines):
            _check_template(text, _RED_FLAG_FIELDS, f"{rfw} line {i + 1}")
        if not self.emergency_lines[0].lstrip("<b>").startswith("Call 911 now"):
            raise ContentError(f"{rfw}: the emergency reply must lead with 'Call 911 now'")

        self.rules = self._rules(red_flags, r_where)
        self.rule_why: dict[str, str] = {}
        self.rule_call_911_if: dict[str, str] = {}
        for raw in red_flags.get("rule", []):
            self.rule_why[raw["id"]] = raw["why"]
            self.rule_call_911_if[raw["id"]] = raw.get("call_911_if", self.default_call_911_if)

        routing = _table(answers, "routing", a_where)
        order = _str_tuple(routing, "order", f"{a_where} [routing]")
        if sorted(order) != sorted(ROUTINE_TOPICS):
            raise ContentError(
                f"{a_where} [routing]: 'order' must list exactly these topics: {ROUTINE_TOPICS}"
            )
        self.order = order
        self.health_topics = frozenset(_str_tuple(routing, "health_topics", f"{a_where} [routing]"))
        self.general_topics = frozenset(_str_tuple(routing, "general_topics", f"{a_where} [routing]"))
        unknown = (self.health_topics | self.general_topics) - set(ROUTINE_TOPICS)
        if unknown:
            raise ContentError(f"{a_where} [routing]: unknown health topics {sorted(unknown)}")
        empty = _table(answers, "empty", a_where)
        self.empty_lines = _str_tuple(empty, "lines", f"{a_where} [empty]")
        for text in self.empty_lines:
            _check_template(text, _COMMON_FIELDS, f"{a_where} [empty]")
        fallback = _table(routing, "fallback", f"{a_where} [routing]")
        fw = f"{a_where} [routing.fallback]"
        self.fallback_min_probability = _probability(fallback, "min_probability", fw)
        self.fallback_clear_probability = _probability(fallback, "clear_probability", fw)
        self.soreness_window = _number(fallback, "soreness_window_hours", fw)
        self.soreness_cues = self.compiler.patterns(fallback, "soreness_cues", fw, required=True)
        self.soreness_body = self.compiler.patterns(fallback, "soreness_body", fw, required=True)
        topics = _table(answers, "topics", a_where)
        self.topics = {name: self._topic(topics, name, a_where) for name in ROUTINE_TOPICS}

    def _threshold(self, table: str, key: str, where: str) -> float:
        value = self.thresholds[table].get(key)
        if value is None:
            raise ContentError(f"{where} [thresholds.{table}]: missing key '{key}'")
        return value

    def _vocabulary(self, v: Mapping[str, Any], where: str) -> _Vocabulary:
        rewrites_raw = _table(v, "rewrites", where)
        rewrites: dict[str, tuple[str, ...]] = {}
        for key, value in rewrites_raw.items():
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{where}: rewrites.{key} must be a non-empty string")
            rewrites[key.lower()] = _words(value)
        contractions_raw = _table(v, "not_contractions", where)
        contractions = {k: str(val) for k, val in contractions_raw.items() if isinstance(val, str)}
        if len(contractions) != len(contractions_raw):
            raise ContentError(f"{where}: not_contractions values must be strings")

        def number_table(key: str) -> dict[str, float]:
            raw = _table(v, key, where)
            return {k: _number(raw, k, f"{where}.{key}") for k in raw}

        phrase_hours = number_table("duration_phrases")
        exertion = _table(v, "exertion", where)
        exertion_where = f"{where}.exertion"
        exertion_replacement = _words(require_str(exertion, "replacement", exertion_where))
        if len(exertion_replacement) != 1:
            raise ContentError(f"{exertion_where}: 'replacement' must be one word")
        idioms = _table(v, "idioms", where)
        idiom_where = f"{where}.idioms"
        idiom_replacement = _words(require_str(idioms, "replacement", idiom_where))
        if not idiom_replacement:
            raise ContentError(f"{idiom_where}: 'replacement' must not be empty")
        window = v.get("negation_window")
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10:
            raise ContentError(f"{where}: 'negation_window' must be a whole number from 1 to 10")
        phrase_raw = _table(v, "phrase_rewrites", where)
        phrase_rewrites: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        for key, value in phrase_raw.items():
            if not isinstance(value, str) or not value.strip() or not key.strip():
                raise ContentError(f"{where}: phrase_rewrites.{key} must be a non-empty string")
            phrase_rewrites.append((_words(key), _words(value)))
        # Clinical words ("paraesthesia", "lower limb"): one word joins the rewrites, several the phrases.
        for key, value in _table(v, "clinical", where).items():
            if not isinstance(value, str) or not value.strip() or not key.strip():
                raise ContentError(f"{where}: clinical.{key} must be a non-empty string")
            words = _words(key)
            if len(words) == 1:
                if words[0] in rewrites:
                    raise ContentError(f"{where}: clinical.{key} is already in rewrites")
                rewrites[words[0]] = _words(value)
            else:
                phrase_rewrites.append((words, _words(value)))
        return _Vocabulary(
            rewrites=rewrites,
            phrase_rewrites=tuple(sorted(phrase_rewrites, key=lambda kv: -len(kv[0]))),
            not_contractions=contractions,
            cannot_forms=_phrases(v, "cannot_forms", where),
            negation_cues=frozenset(_str_tuple(v, "negation_cues", where)),
            negation_window=window,
            pseudo_negations=_phrases(v, "pseudo_negations", where),
            negation_breakers=frozenset(_str_tuple(v, "negation_breakers", where)),
            negation_terminators=frozenset(_str_tuple(v, "negation_terminators", where)),
            clause_breakers=frozenset(_str_tuple(v, "clause_breakers", where)),
            resolution_cues=_phrases(v, "resolution_cues", where),
            resolution_fillers=frozenset(_str_tuple(v, "resolution_fillers", where)),
            resolution_not_before=frozenset(_str_tuple(v, "resolution_not_before", where)),
            resolution_not_after=frozenset(_str_tuple(v, "resolution_not_after", where)),
            reactivation_cues=_phrases(v, "reactivation_cues", where),
            persistence_cues=_phrases(v, "persistence_cues", where),
            improvement_cues=_phrases(v, "improvement_cues", where),
            hypothetical_cues=_phrases(v, "hypothetical_cues", where),
            fever_words=_phrases(v, "fever_words", where),
            temperature_context=frozenset(_str_tuple(v, "temperature_context", where)),
            temperature_not_body=frozenset(_str_tuple(v, "temperature_not_body", where)),
            temperature_not_after=frozenset(_str_tuple(v, "temperature_not_after", where)),
            simile_cues=_phrases(v, "simile_cues", where),
            simile_visual=frozenset(_str_tuple(v, "simile_visual", where)),
            simile_rewrites={
                k.lower(): _words(str(val)) for k, val in _table(v, "simile_rewrites", where).items()
            },
            exertion_cues=_phrases(exertion, "cues", exertion_where),
            exertion_words=frozenset(_str_tuple(exertion, "words", exertion_where)),
            exertion_blockers=frozenset(_str_tuple(exertion, "blockers", exertion_where)),
            exertion_replacement=exertion_replacement,
            number_words=number_table("number_words"),
            duration_units=number_table("duration_units"),
            duration_phrases=tuple((_words(k), h) for k, h in phrase_hours.items()),
            duration_not_before=frozenset(_str_tuple(v, "duration_not_before", where)),
            duration_not_after=_phrases(v, "duration_not_after", where),
            fuzzy_targets=frozenset(_str_tuple(v, "fuzzy_targets", where)),
            never_correct=frozenset(_str_tuple(v, "never_correct", where)),
            idiom_phrases=_phrases(idioms, "phrases", idiom_where),
            idiom_subjects=frozenset(_str_tuple(idioms, "subjects", idiom_where)),
            idiom_replacement=idiom_replacement,
        )

    def _threshold_ref(self, raw: Mapping[str, Any], key: str, where: str) -> float | None:
        if key not in raw:
            return None
        name = raw[key]
        if name == "not_easing":
            return self.not_easing
        if name == "headache_dizziness":
            return self.headache_hours
        if name == "sore_expected":
            return self.sore_high
        raise ContentError(
            f"{where}: '{key}' must name a threshold (not_easing, headache_dizziness, sore_expected)"
        )

    def _rules(self, data: Mapping[str, Any], where: str) -> tuple[_Rule, ...]:
        raw_rules = data.get("rule")
        if not isinstance(raw_rules, list) or not raw_rules:
            raise ContentError(f"{where}: no [[rule]] entries")
        rules: list[_Rule] = []
        seen: set[str] = set()
        last_rank = 0
        for index, raw in enumerate(raw_rules):
            if not isinstance(raw, dict):
                raise ContentError(f"{where}: rule {index + 1} is not a table")
            rw = f"{where} rule {index + 1}"
            rule_id = require_str(raw, "id", rw)
            rw = f"{where} rule '{rule_id}'"
            if rule_id in seen:
                raise ContentError(f"{rw}: duplicate id")
            seen.add(rule_id)
            urgency = require_str(raw, "urgency", rw)
            if urgency not in ("emergency", "urgent"):
                raise ContentError(f"{rw}: 'urgency' must be 'emergency' or 'urgent'")
            if not rule_id.startswith(urgency + "."):
                raise ContentError(f"{rw}: id must start with '{urgency}.'")
            rank = 0 if urgency == "emergency" else 1
            if rank < last_rank:
                raise ContentError(f"{rw}: emergency rules must all come before urgent ones")
            last_rank = rank
            category = require_str(raw, "category", rw)
            sources = _sources(raw, rw)
            why = require_str(raw, "why", rw)
            _check_template(why, _COMMON_FIELDS, f"{rw} why")
            if urgency == "urgent" or "call_911_if" in raw:
                call = raw.get("call_911_if", "")
                if not isinstance(call, str) or not call.strip():
                    raise ContentError(f"{rw}: missing key 'call_911_if'")
                _check_template(call, _COMMON_FIELDS, f"{rw} call_911_if")
            requires = raw.get("requires", [])
            if not isinstance(requires, list) or any(r not in _REQUIREMENTS for r in requires):
                raise ContentError(f"{rw}: 'requires' may only list {', '.join(_REQUIREMENTS)}")
            any_patterns = self.compiler.patterns(raw, "any", rw, required=False)
            all_groups: list[tuple[_Pattern, ...]] = []
            raw_all = raw.get("all", [])
            if not isinstance(raw_all, list):
                raise ContentError(f"{rw}: 'all' must be a list of pattern lists")
            for gi, group in enumerate(raw_all):
                if not isinstance(group, list) or not group:
                    raise ContentError(f"{rw}: 'all' group {gi + 1} must be a non-empty list")
                all_groups.append(tuple(self.compiler.pattern(p, f"{rw}.all") for p in group))
            if not any_patterns and not all_groups and not requires:
                raise ContentError(f"{rw}: needs 'any' or 'all' patterns")
            persistence = raw.get("persistence")
            if persistence not in (None, "required", "required_without_session"):
                raise ContentError(f"{rw}: 'persistence' must be 'required' or 'required_without_session'")
            reply_lines: tuple[str, ...] = ()
            if "reply" in raw:
                reply_lines = _str_tuple(raw, "reply", rw)
                for text in reply_lines:
                    _check_template(text, _RED_FLAG_FIELDS, f"{rw} reply")
            rules.append(
                _Rule(
                    id=rule_id,
                    urgency=urgency,
                    category=category,
                    source=sources,
                    any=any_patterns,
                    all=tuple(all_groups),
                    unless=self.compiler.patterns(raw, "unless", rw, required=False),
                    unless_except=self.compiler.patterns(raw, "unless_except", rw, required=False),
                    requires=tuple(requires),
                    min_elapsed=self._threshold_ref(raw, "min_elapsed", rw),
                    persistence=persistence,
                    unless_improving=bool(raw.get("unless_improving", False)),
                    max_session_hours=self._threshold_ref(raw, "max_session_hours", rw),
                    ignore_negation=bool(raw.get("ignore_negation", False)),
                    count_resolved=bool(raw.get("count_resolved", False)),
                    reply_lines=reply_lines,
                )
            )
        return tuple(rules)

    def _decisive_all(
        self, raw: Mapping[str, Any], where: str
    ) -> tuple[tuple[tuple[_Pattern, ...], ...], ...]:
        """`decisive_all = [[[group 1 patterns], [group 2 patterns]], ...]`: a topic is settled when every
        group of one entry matches somewhere in the message ("first massage next week. Will I be sore?")."""
        value = raw.get("decisive_all", [])
        if not isinstance(value, list) or any(
            not isinstance(entry, list) or not entry or any(not isinstance(g, list) or not g for g in entry)
            for entry in value
        ):
            raise ContentError(f"{where}: 'decisive_all' must be a list of lists of non-empty pattern lists")
        return tuple(
            tuple(tuple(self.compiler.pattern(p, f"{where}.decisive_all") for p in group) for group in entry)
            for entry in value
        )

    def _topic(self, topics: Mapping[str, Any], name: str, where: str) -> _Topic:
        raw = topics.get(name)
        tw = f"{where} [topics.{name}]"
        if not isinstance(raw, dict):
            raise ContentError(f"{where}: missing table [topics.{name}]")
        _sources(raw, tw)
        session_aware = bool(raw.get("session_aware", False))
        lines = _str_tuple(raw, "lines", tw)
        for text in lines:
            _check_template(text, _COMMON_FIELDS, f"{tw} lines")
        watch = raw.get("watch")
        if watch is not None:
            watch = require_str(raw, "watch", tw)
            _check_template(watch, _COMMON_FIELDS, f"{tw} watch")
        session_line = None
        phases: dict[str, str] = {}
        if name == "soreness":
            phase_table = _table(raw, "phase", tw)
            for key in ("none", "early", "mid", "late", "late_improving"):
                phases[key] = require_str(phase_table, key, f"{tw}.phase")
                _check_template(
                    phases[key], _COMMON_FIELDS if key == "none" else _SESSION_FIELDS, f"{tw}.phase {key}"
                )
        elif session_aware:
            session_line = require_str(raw, "session_line", tw)
            _check_template(session_line, _SESSION_FIELDS, f"{tw} session_line")
        variants: dict[str, _Variant] = {}
        for vname, vraw in raw.get("variants", {}).items():
            vw = f"{tw}.variants.{vname}"
            if not isinstance(vraw, dict):
                raise ContentError(f"{vw}: must be a table")
            vlines = _str_tuple(vraw, "lines", vw)
            for text in vlines:
                _check_template(text, _COMMON_FIELDS, f"{vw} lines")
            if len(vlines) != len(lines):
                raise ContentError(f"{vw}: 'lines' must have as many lines as the topic's ({len(lines)})")
            variants[vname] = _Variant(self.compiler.patterns(vraw, "keywords", vw, required=True), vlines)
        return _Topic(
            name=name,
            decisive=self.compiler.patterns(raw, "decisive", tw, required=False),
            decisive_all=self._decisive_all(raw, tw),
            strong=self.compiler.patterns(raw, "strong", tw, required=True),
            keywords=self.compiler.patterns(raw, "keywords", tw, required=False),
            courtesy=self.compiler.patterns(raw, "courtesy", tw, required=False),
            lines=lines,
            watch=watch,
            session_aware=session_aware,
            session_line=session_line,
            phases=phases,
            variants=variants,
        )


# --------------------------------------------------------------------------------------------------
# Reading a message

_CONTRACTIONS: Final = (
    (re.compile(r"\b(?:can|could)n?'t\b"), " cannot "),
    (re.compile(r"\bwon'?t\b"), " will not "),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"\bit's\b"), "it is"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), ""),
)
_PAIN_SCORE = re.compile(r"\b(\d{1,2})\s*(?:/|out of|outta)\s*10\b")
# Any pain score, for the soreness-aware fallback: "4/10", "on a scale of 1-10", "my traps are a 4",
# "like a 3" (a small number after "is a", "like a"..., not followed by a unit: "a 5 minute walk").
_ANY_PAIN_SCORE = re.compile(
    r"\b\d{1,2}\s*(?:/|out of|outta)\s*10\b|\bscale of\b"
    r"|\b(?:is|are|was|were|like|at|about|around|maybe|still|now|today|only)\s+(?:a|an)\s+(?:10|[0-9])\b"
    r"(?![.,:/]\d)(?!\s*(?:am|pm|min|mins|minutes?|hours?|hrs?|days?|weeks?|months?|years?|kg|lbs?|cm|mm|"
    r"inch|inches|%|x|times|percent|year|oclock)\b)"
)
_CLOCK_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b")
# "10 cm across", "3 inches": a size, read as large or small against [thresholds.large_size].
_SIZE = re.compile(r"\b(\d+(?:\.\d+)?)\s*(cm|centimet(?:er|re)s?|mm|millimet(?:er|re)s?|inch|inches|in\b|\")")
# "38,6": a decimal comma (two or three digits, then one) is read as a decimal point.
_DECIMAL_COMMA = re.compile(r"\b(\d{2,3}),(\d)\b(?!,\d)")
_FEVER_READING = re.compile(r"(?:3[89]|4[0-2])\.\d|10[0-7]\.\d")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+|[.!?;\n]|,")
_BOUNDARY_TOKENS: Final = frozenset({".", "!", "?", ";", "\n"})
_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _fold(text: str) -> str:
    """Lower case, accents off, fancy quotes straight, control characters out."""
    text = unicodedata.normalize("NFKD", text[:MAX_INPUT_CHARS])
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    return "".join(ch if (ch.isprintable() or ch == "\n") else " " for ch in text)


@dataclass
class _Message:
    """A message read once: words, clauses, which words are negated/hypothetical, and timing cues."""

    tokens: list[str]
    clause: list[int]
    comma_before: list[bool]
    clause_start: list[bool]
    negated: list[bool]
    hypothetical: list[bool]
    pseudo: list[bool]
    slot_positions: dict[int, list[int]]
    resolution_cues: list[tuple[int, int]]  # (clause, end position)
    reactivations: list[tuple[int, int, bool]]  # (clause, position, strong)
    session_hours: float | None
    stated_hours: float | None
    measured_temps: list[tuple[float, str]]
    text: str = ""  # the message as sent (up to MAX_INPUT_CHARS), for the topic classifier
    pain_score: bool = False  # states a pain score ("a 4 today", "3/10")
    pain_scores: tuple[_PainScore, ...] = ()  # each score with its time rank, in order
    age: float | None = None  # the oldest age stated ("I'm 78", "my mum is 85")


def _replace_phrases(
    tokens: list[str], replacements: Sequence[tuple[tuple[str, ...], tuple[str, ...]]]
) -> list[str]:
    """Replace word sequences (longest listed first) in one left-to-right pass."""
    firsts = {phrase[0] for phrase, _ in replacements}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] in firsts:
            for phrase, replacement in replacements:
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    out.extend(replacement)
                    i += len(phrase)
                    break
            else:
                out.append(tokens[i])
                i += 1
        else:
            out.append(tokens[i])
            i += 1
    return out


def _continues_list(
    tokens: Sequence[str], comma_before: Sequence[bool], clause: Sequence[int], j: int
) -> bool:
    """After a comma, is this still a list ("no numbness, tingling or weakness")?"""
    for k in range(j, min(len(tokens), j + 3)):
        if clause[k] != clause[j]:
            return False
        if tokens[k] in ("or", "nor", "and") or (k > j and comma_before[k]):
            return True
    return False


def _find_phrase(tokens: Sequence[str], phrase: Sequence[str], start: int = 0) -> Iterable[int]:
    n = len(phrase)
    first = phrase[0]
    for i in range(start, len(tokens) - n + 1):
        if tokens[i] == first and all(tokens[i + k] == phrase[k] for k in range(1, n)):
            yield i


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance, giving up (returns limit + 1) once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


class AnswerEngine:
    """Answers one message at a time; built once from validated content and the clinic profile."""

    def __init__(
        self, content: _Content, clinic: ClinicProfile, topic_model: TopicModel | None = None
    ) -> None:
        self._c = content
        self._clinic = clinic
        self._model = topic_model if topic_model is not None else packaged_topic_model()
        self._known_words = (
            content.compiler.words
            | content.vocab.fuzzy_targets
            | content.vocab.never_correct
            | set(content.vocab.rewrites)
            | {w for words in content.vocab.rewrites.values() for w in words}
        )
        targets: dict[tuple[str, int], list[str]] = {}
        for word in content.vocab.fuzzy_targets:
            if len(word) >= 5:
                targets.setdefault((word[0], len(word)), []).append(word)
        self._fuzzy_targets = targets
        self._correction_cache: dict[str, str] = {}
        self._slot_cache: dict[str, tuple[int, ...]] = {}
        self._values = self._base_values()
        self._validate_rendering()

    @classmethod
    def load(cls, clinic: ClinicProfile | None = None, topic_model: TopicModel | None = None) -> AnswerEngine:
        """Load and validate all content; a bad file raises ContentError naming the file and key."""
        content = _Content(read_toml(ANSWERS_FILE), read_toml(RED_FLAGS_FILE))
        return cls(content, clinic if clinic is not None else load_clinic(), topic_model)

    @classmethod
    def from_data(
        cls,
        answers: Mapping[str, Any],
        red_flags: Mapping[str, Any],
        clinic: ClinicProfile,
        topic_model: TopicModel | None = None,
    ) -> AnswerEngine:
        """Build from already-parsed content (for tests of content validation and for overrides)."""
        return cls(_Content(answers, red_flags), clinic, topic_model)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self._c.rules)

    # ---------------------------------------------------------------- public

    def answer(self, text: str, hours_since_session: float | None = None) -> Answer:
        """Answer one message. Never raises: on an internal error it returns a safe fallback."""
        try:
            return self._answer(text, _clean_hours(hours_since_session))
        except Exception:  # a patient must always get a reply with the way to reach us
            return Answer(
                topic="out_of_scope",
                urgency="routine",
                reply=self._render(self._c.topics["out_of_scope"].lines, {}),
                rule="fallback.error",
                category=None,
            )

    # ---------------------------------------------------------------- reading

    def _answer(self, text: str, session_hours: float | None) -> Answer:
        if not isinstance(text, str):
            text = ""
        msg = self._read(text, session_hours)
        if msg is None:
            if text.strip():  # only emoji or punctuation: "👍" is an acknowledgement, "💧?" a question
                guess = self._model.predict(text)
                name = guess.topic if guess.probability >= self._c.fallback_min_probability else "smalltalk"
                if name == "soreness":  # its answer needs a message read in words (phases, variants)
                    name = "smalltalk"
                topic = self._c.topics[name]
                lines = list(topic.lines)
                if name in self._c.health_topics:
                    lines.append(self._c.disclosure)
                if topic.watch:
                    lines.append(topic.watch)
                return Answer(
                    name, "routine", self._render(lines, {}), f"topic.{name}", None, picked_by="classifier"
                )
            return Answer("bot_help", "routine", self._render(self._c.empty_lines, {}), "input.empty", None)
        for rule in self._c.rules:
            evidence = self._rule_evidence(rule, msg)
            if evidence is not None:
                return self._red_flag_answer(rule, evidence)
        return self._routine_answer(msg)

    def _expanded(self, text: str) -> str:
        """Folded text with contractions spelt out and celebration emoji read as words ("🎉" -> "yay")."""
        folded = _fold(text)
        for emoji, word in self._c.emoji_words.items():
            if emoji in folded:
                folded = folded.replace(emoji, f" . {word} . ")  # an emoji ends its sentence
        for regex, replacement in _CONTRACTIONS:
            folded = regex.sub(replacement, folded)
        return folded

    def _tokenize(self, expanded: str) -> list[str]:
        folded = expanded.replace("'", "")
        folded = re.sub(r"\bw/o\b", " without ", folded)
        folded = re.sub(r"\bw/", " with ", folded)
        folded = _DECIMAL_COMMA.sub(r"\1.\2", folded)
        folded = folded.replace("&", " and ").replace("-", " ").replace("_", " ")
        high = self._c.pain_score_high
        folded = _PAIN_SCORE.sub(lambda m: " painscorehigh " if float(m.group(1)) >= high else " ", folded)
        folded = _CLOCK_TIME.sub(" clocktime ", folded)
        folded = _SIZE.sub(self._size_word, folded)
        raw = _TOKEN.findall(folded)
        vocab = self._c.vocab
        tokens: list[str] = []
        for tok in raw:
            if tok in vocab.not_contractions:
                tokens.extend((vocab.not_contractions[tok], "not"))
            elif tok in vocab.rewrites:
                tokens.extend(vocab.rewrites[tok])
            else:
                tokens.append(self._correct(tok))
        tokens = _replace_phrases(tokens, vocab.phrase_rewrites)
        tokens = _replace_phrases(tokens, tuple((form, ("cannot",)) for form in vocab.cannot_forms))
        tokens = self._rewrite_similes(tokens)
        tokens = self._rewrite_exertion(tokens)
        return self._defuse_idioms(tokens)

    def _size_word(self, match: re.Match[str]) -> str:
        value = float(match.group(1))
        unit = match.group(2)
        cm = value / 10 if unit.startswith(("mm", "milli")) else value
        if unit.startswith(("in", '"')):
            cm = value * 2.54
        return " sizelarge " if cm >= self._c.large_size_cm else " sizesmall "

    def _rewrite_similes(self, tokens: list[str]) -> list[str]:
        """'Feels like a deep bruise': a word after 'like' / 'as if' describes a feeling, not a sight,
        unless the patient says how it looks ('looks like a bruise')."""
        vocab = self._c.vocab
        if not vocab.simile_rewrites.keys() & set(tokens):
            return tokens
        out: list[str] = []
        for i, tok in enumerate(tokens):
            replacement = vocab.simile_rewrites.get(tok)
            if replacement is not None:
                before = tokens[max(0, i - SIMILE_REACH) : i]
                simile = any(
                    tuple(before[k : k + len(cue)]) == cue
                    for cue in vocab.simile_cues
                    for k in range(len(before))
                )
                seen = any(t in vocab.simile_visual for t in tokens[max(0, i - SIMILE_REACH - 2) : i + 3])
                if simile and not seen:
                    out.extend(replacement)
                    continue
            out.append(tok)
        return out

    def _rewrite_exertion(self, tokens: list[str]) -> list[str]:
        """'Feels like I did 100 squats', 'like the day after leg day': a workout named after a simile cue
        describes how sore the patient feels, not an activity they ask about. Not after a wish or a plan
        ('I feel like I should go to the gym'): a blocker word between the cue and the workout keeps it."""
        vocab = self._c.vocab
        if not vocab.exertion_words.intersection(tokens):
            return tokens
        out = list(tokens)
        for cue in vocab.exertion_cues:
            for start in _find_phrase(tokens, cue):
                end = start + len(cue)
                for k in range(end, min(len(tokens), end + SIMILE_REACH)):
                    if tokens[k] in vocab.exertion_blockers or tokens[k] in _BOUNDARY_TOKENS:
                        break
                    if tokens[k] in vocab.exertion_words:
                        out[k] = vocab.exertion_replacement[0]
        return out

    def _defuse_idioms(self, tokens: list[str]) -> list[str]:
        """'Traffic is killing me', 'my boss will murder me': a figure of speech whose subject is not
        the body (one of the idiom subjects within the few words before it) is read as plain annoyance."""
        vocab = self._c.vocab
        firsts = {phrase[0] for phrase in vocab.idiom_phrases}
        if not firsts.intersection(tokens):
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            phrase = next(
                (p for p in vocab.idiom_phrases if tokens[i] == p[0] and tuple(tokens[i : i + len(p)]) == p),
                None,
            )
            before = tokens[max(0, i - IDIOM_REACH) : i]
            while any(t in _BOUNDARY_TOKENS for t in before):  # the subject must be in the same sentence
                before = before[1:]
            if phrase is not None and any(t in vocab.idiom_subjects for t in before):
                out.extend(vocab.idiom_replacement)
                i += len(phrase)
                continue
            out.append(tokens[i])
            i += 1
        return out

    def _correct(self, token: str) -> str:
        """Read a misspelt key word as the word meant ("numbnes" -> "numbness"); cached per word."""
        if token.isalpha() and _REPEATS.search(token) and token not in self._known_words:
            for squeezed in (_REPEATS.sub(r"\1", token), _REPEATS.sub(r"\1\1", token)):
                if squeezed in self._known_words or self._slots_for(squeezed):
                    return squeezed  # "sooore", "painnn", "hiii"
        if len(token) < 5 or not token.isalpha() or token in self._known_words:
            return token
        if self._slots_for(token):  # already a word the patterns know ("coughing" for "cough*")
            return token
        cached = self._correction_cache.get(token)
        if cached is not None:
            return cached
        limit = 2 if len(token) >= 9 else 1
        best: list[str] = []
        best_distance = limit + 1
        for length in range(len(token) - limit, len(token) + limit + 1):
            for target in self._fuzzy_targets.get((token[0], length), ()):
                distance = _osa_distance(token, target, limit)
                if distance < best_distance:
                    best, best_distance = [target], distance
                elif distance == best_distance and distance <= limit:
                    best.append(target)
        result = best[0] if len(best) == 1 and best_distance <= limit else token
        if len(self._correction_cache) > 50_000:
            self._correction_cache.clear()
        self._correction_cache[token] = result
        return result

    def _slots_for(self, token: str) -> tuple[int, ...]:
        cached = self._slot_cache.get(token)
        if cached is not None:
            return cached
        compiler = self._c.compiler
        ids = list(compiler.exact_index.get(token, ()))
        ids.extend(sid for prefix, sid in compiler.prefix_index if token.startswith(prefix))
        result = tuple(ids)
        if len(self._slot_cache) > 50_000:
            self._slot_cache.clear()
        self._slot_cache[token] = result
        return result

    def _read(self, text: str, session_hours: float | None) -> _Message | None:
        vocab = self._c.vocab
        expanded = self._expanded(text)
        raw_tokens = self._tokenize(expanded)
        tokens: list[str] = []
        clause: list[int] = []
        comma_before: list[bool] = []
        clause_start: list[bool] = []
        current = 0
        pending_comma = False
        new_clause = True
        for tok in raw_tokens:
            if tok in _BOUNDARY_TOKENS:
                if not new_clause:
                    current += 1
                new_clause = True
                pending_comma = False
                continue
            if tok == ",":
                pending_comma = True
                continue
            if tok in vocab.clause_breakers and not new_clause:
                current += 1
                new_clause = True
            tokens.append(tok)
            clause.append(current)
            comma_before.append(pending_comma)
            clause_start.append(new_clause)
            pending_comma = False
            new_clause = False
        if not any(t.isalpha() for t in tokens):
            return None
        n = len(tokens)
        slot_positions: dict[int, list[int]] = {}
        for i, tok in enumerate(tokens):
            for sid in self._slots_for(tok):
                slot_positions.setdefault(sid, []).append(i)

        pseudo = [False] * n
        for phrase in vocab.pseudo_negations:
            for i in _find_phrase(tokens, phrase):
                for k in range(i, min(n, i + len(phrase))):
                    pseudo[k] = True
        negated = [False] * n
        window = vocab.negation_window
        for i, tok in enumerate(tokens):
            if tok not in vocab.negation_cues or pseudo[i]:
                continue
            for j in range(i + 1, min(n, i + 1 + window)):
                if clause[j] != clause[i] or tokens[j] in vocab.negation_terminators:
                    break
                if comma_before[j] and not _continues_list(tokens, comma_before, clause, j):
                    break  # "not dizzy, arm feels weak": the comma ended the negated list
                if tokens[j - 1] in ("and", "or", "with") and tokens[j] in vocab.negation_breakers:
                    break
                negated[j] = True
        hypothetical = [False] * n
        for phrase in vocab.hypothetical_cues:
            for i in _find_phrase(tokens, phrase):
                j = i
                while j < n and clause[j] == clause[i]:
                    hypothetical[j] = True
                    j += 1
        resolution: list[tuple[int, int]] = []
        for phrase in vocab.resolution_cues:
            for i in _find_phrase(tokens, phrase):
                after = i + len(phrase)
                if after < n and clause[after] == clause[i] and tokens[after] in vocab.resolution_not_before:
                    continue  # "all my muscles stopped WORKING", "the bruise has gone ALL the way down"
                if i > 0 and clause[i - 1] == clause[i] and tokens[i - 1] in vocab.resolution_not_after:
                    continue  # "asleep from yesterday UNTIL now, normal?"
                if not negated[i] and not pseudo[i] and not hypothetical[i]:
                    resolution.append((clause[i], i))
        reactivations: list[tuple[int, int, bool]] = []
        for phrase in vocab.reactivation_cues:
            for i in _find_phrase(tokens, phrase):
                if not negated[i]:
                    reactivations.append((clause[i], i, phrase != ("still",)))
        return _Message(
            tokens=tokens,
            clause=clause,
            comma_before=comma_before,
            clause_start=clause_start,
            negated=negated,
            hypothetical=hypothetical,
            pseudo=pseudo,
            slot_positions=slot_positions,
            resolution_cues=resolution,
            reactivations=reactivations,
            session_hours=session_hours,
            stated_hours=self._stated_hours(tokens, clause),
            measured_temps=self._temperatures(tokens),
            text=text[:MAX_INPUT_CHARS],
            pain_score=_ANY_PAIN_SCORE.search(_fold(text)) is not None,
            pain_scores=self._c.pain_words.read(expanded, session_hours is not None),
            age=self._c.ages.oldest(expanded),
        )

    def _stated_hours(self, tokens: Sequence[str], clause: Sequence[int]) -> float | None:
        """The longest duration the message states ("4 days later", "been a week", "since yesterday")."""
        vocab = self._c.vocab
        found: list[float] = []
        n = len(tokens)
        for i, tok in enumerate(tokens):
            amount: float | None = None
            if re.fullmatch(r"\d+(?:\.\d+)?", tok):
                amount = float(tok)
            elif tok in vocab.number_words:
                amount = vocab.number_words[tok]
            if amount is None or amount <= 0:
                continue
            j = i + 1
            if j < n and tokens[j] in vocab.number_words and tok in ("a", "an"):
                continue  # "a few days": the next word carries the number
            if j < n and tokens[j] == "of":
                j += 1
            if j < n and tokens[j] in ("more", "or", "full", "whole", "long"):
                j += 1
            if j >= n or tokens[j] not in vocab.duration_units:
                continue
            if i > 0 and tokens[i - 1] in vocab.duration_not_before:
                continue
            rest = tuple(tokens[j + 1 : j + 4])
            if any(rest[: len(p)] == p for p in vocab.duration_not_after):
                continue
            if amount > 400:
                continue
            found.append(amount * vocab.duration_units[tokens[j]])
        for i, tok in enumerate(tokens[:-1]):  # "day 3", "day three"
            if tok in ("day", "week") and (tokens[i + 1].isdigit() or tokens[i + 1] in vocab.number_words):
                number = (
                    float(tokens[i + 1]) if tokens[i + 1].isdigit() else vocab.number_words[tokens[i + 1]]
                )
                if 1 < number < 60:
                    found.append(number * vocab.duration_units[tok])
        days = [_WEEKDAYS.index(t) for t in tokens if t in _WEEKDAYS]
        distinct = list(dict.fromkeys(days))
        if len(distinct) >= 2:  # "massage on monday, today is friday"
            found.append(((distinct[1] - distinct[0]) % 7) * 24.0)
        if not found:  # "since yesterday", "days later": only when no number was given
            for phrase, hours in vocab.duration_phrases:
                if any(True for _ in _find_phrase(tokens, phrase)):
                    found.append(hours)
        return max(found) if found else None

    def _temperatures(self, tokens: Sequence[str]) -> list[tuple[float, str]]:
        vocab = self._c.vocab
        temps: list[tuple[float, str]] = []
        for i, tok in enumerate(tokens):
            if not re.fullmatch(r"\d+(?:\.\d+)?", tok):
                continue
            near = [*tokens[max(0, i - 8) : i], *tokens[i + 1 : i + 6]]
            # "been at 39.1": a reading to one decimal in the fever range needs no other word
            reading = bool(_FEVER_READING.fullmatch(tok))
            if not reading and not any(t in vocab.temperature_context for t in near):
                continue
            if i + 1 < len(tokens) and tokens[i + 1] in vocab.temperature_not_after:
                continue  # "38 ounces", "101 minutes"
            if any(t in vocab.temperature_not_body for t in tokens[max(0, i - 6) : i + 6]):
                continue  # "101 degrees outside", "the bath was 39"
            value = float(tok)
            if 93 <= value <= 110:
                temps.append((value, "F"))
            elif 34 <= value <= 43:
                temps.append((value, "C"))
        return temps

    # ---------------------------------------------------------------- matching

    def _occurrences(self, part: _Part, msg: _Message) -> list[tuple[int, int, bool]]:
        """(start, end, negated inside) for each place the part occurs; "chest is NOT hurting" is
        negated inside, while a pattern that spells out its own "not" ("will not stop") is not."""
        found: list[tuple[int, int, bool]] = []
        cues = self._c.vocab.negation_cues
        stops = self._c.vocab.negation_terminators
        positions = msg.slot_positions
        for seq in part.sequences:
            starts = positions.get(seq[0])
            if not starts:
                continue
            rest = seq[1:]
            if any(sid not in positions for sid in rest):
                continue
            for start in starts:
                cur = start
                ok = True
                inner_negation = False
                for sid in rest:
                    nxt = next(
                        (
                            p
                            for p in positions[sid]
                            if cur < p <= cur + 1 + MAX_GAP and msg.clause[p] == msg.clause[start]
                        ),
                        None,
                    )
                    if nxt is None:
                        ok = False
                        break
                    gap = msg.tokens[cur + 1 : nxt]
                    crosses_comma = any(msg.comma_before[k] for k in range(cur + 1, nxt + 1))
                    if crosses_comma or any(t in stops for t in gap):  # "breathe, just a sore neck"
                        ok = False
                        break
                    if any(msg.tokens[k] in cues and not msg.pseudo[k] for k in range(cur + 1, nxt)):
                        inner_negation = True
                    cur = nxt
                if ok:
                    found.append((start, cur, inner_negation))
        return found

    def _resolved(self, start: int, end: int, msg: _Message) -> bool:
        """Is the symptom over ("the tingling I had is gone", "numb but it went away")?

        Not when it "came back", or is "still" there.
        """
        c = msg.clause[start]
        for cue_clause, pos in msg.resolution_cues:
            if cue_clause == c and pos > end:
                if any(
                    (rc == c and (strong or start < rp < pos)) or (rc == c + 1 and strong)
                    for rc, rp, strong in msg.reactivations
                ):
                    continue
                return True
            if cue_clause == c + 1:
                if any(rc in (c, c + 1) and strong for rc, _, strong in msg.reactivations):
                    continue
                fillers = self._c.vocab.resolution_fillers
                first = next(i for i, cl in enumerate(msg.clause) if cl == c + 1)
                if all(msg.tokens[k] in fillers for k in range(first, pos)):
                    return True
        return False

    def _active(
        self, part: _Part, start: int, end: int, msg: _Message, *, ignore_negation: bool, count_resolved: bool
    ) -> bool:
        if part.context:
            return True
        if ignore_negation:
            return True
        if msg.hypothetical[start] or msg.negated[start]:
            return False
        return count_resolved or not self._resolved(start, end, msg)

    def _match(
        self,
        pattern: _Pattern,
        msg: _Message,
        *,
        ignore_negation: bool = False,
        count_resolved: bool = False,
        active_only: bool = True,
    ) -> str | None:
        """The matched words if every part occurs (actively) in one clause, else None."""
        per_part: list[dict[int, tuple[int, int]]] = []
        for part in pattern.parts:
            by_clause: dict[int, tuple[int, int]] = {}
            for start, end, inner_negation in self._occurrences(part, msg):
                if active_only and not self._active(
                    part, start, end, msg, ignore_negation=ignore_negation, count_resolved=count_resolved
                ):
                    continue
                if active_only and inner_negation and not ignore_negation:
                    continue
                by_clause.setdefault(msg.clause[start], (start, end))
            if not by_clause:
                return None
            per_part.append(by_clause)
        common = set(per_part[0])
        for by_clause in per_part[1:]:
            common &= set(by_clause)
        if not common:
            return None
        c = min(common)
        spans = sorted(by_clause[c] for by_clause in per_part)
        return " ... ".join(" ".join(msg.tokens[s : e + 1]) for s, e in spans)

    def _any_phrase(
        self, phrases: Iterable[Sequence[str]], msg: _Message, *, skip_pseudo: bool
    ) -> str | None:
        for phrase in phrases:
            for i in _find_phrase(msg.tokens, phrase):
                if msg.negated[i] or msg.hypothetical[i] or (skip_pseudo and msg.pseudo[i]):
                    continue
                return " ".join(phrase)
        return None

    def _fever(self, msg: _Message) -> str | None:
        f_limit, c_limit = self._c.fever_f, self._c.fever_c
        high = [t for t in msg.measured_temps if t[0] >= (f_limit if t[1] == "F" else c_limit)]
        if high:
            value, unit = high[0]
            return f"temperature {_fmt_number(value)} {unit}"
        word = self._any_phrase(self._c.fever_patterns, msg, skip_pseudo=False)
        if word is None:
            return None
        if msg.measured_temps and "high" not in msg.tokens:
            return None  # a measured temperature below the threshold outranks the word "fever"
        return word

    def _improving(self, msg: _Message) -> bool:
        return (
            self._any_phrase(self._c.vocab.improvement_cues, msg, skip_pseudo=True) is not None
            or bool(msg.resolution_cues)
            or self._pain_trend(msg)[0] == "falling"
        )

    def _pain_trend(self, msg: _Message) -> tuple[str | None, str]:
        """("rising" | "falling" | "steady" | None, evidence) from the pain scores the message states:
        the earliest score (by time words, else tense, else order) against the latest one. A change
        smaller than [thresholds.pain_score] rise counts only with a cue ("and climbing", "down to")."""
        scores = msg.pain_scores
        if not scores:
            return None, ""
        ordered = sorted(scores, key=lambda p: (p.rank, p.position))
        first, last = ordered[0], ordered[-1]
        shown = " -> ".join(_fmt_number(p.value) for p in (ordered if len(ordered) > 1 else [last]))
        rise = self._c.pain_score_rise
        if len(ordered) == 1:
            if last.rising_cue and not last.falling_cue:
                return "rising", f"pain score {shown} and rising"
            if last.falling_cue and not last.rising_cue:
                return "falling", f"pain score down to {shown}"
            return "steady", f"pain score {shown}"
        delta = last.value - first.value
        cue_up = any(p.rising_cue for p in scores)
        cue_down = any(p.falling_cue for p in scores)
        if delta >= rise or (delta > 0 and cue_up):
            return "rising", f"pain score {shown}"
        if delta <= -rise or (delta < 0 and cue_down):
            return "falling", f"pain score {shown}"
        return "steady", f"pain score {shown}"

    def _requirement(self, name: str, msg: _Message) -> str | None:
        """Evidence for a named check of `requires` (see _REQUIREMENTS), or None when it does not hold."""
        if name == "fever":
            return self._fever(msg)
        if name == "older_age":
            if msg.age is not None and msg.age >= self._c.older_age:
                return "age " + (_fmt_number(msg.age) if msg.age < 200 else "older")
            return None
        trend, shown = self._pain_trend(msg)
        if name == "pain_score_rising":
            return shown if trend == "rising" else None
        # pain_score_lingering: the latest score is not low, has not come down, and the patient says
        # it has lasted ("still", "4 days in") or gives two scores that have not fallen.
        if trend not in ("steady", "rising"):
            return None
        latest = max(msg.pain_scores, key=lambda p: (p.rank, p.position))
        if latest.value < self._c.pain_score_lingering or self._improving(msg):
            return None
        if len(msg.pain_scores) > 1 or self._persisting(msg):
            return shown + " and not easing"
        return None

    def _persisting(self, msg: _Message) -> bool:
        if msg.stated_hours is not None:
            return True
        for phrase in self._c.vocab.persistence_cues:
            for i in _find_phrase(msg.tokens, phrase):
                if not msg.hypothetical[i]:
                    return True
        return False

    def _elapsed(self, msg: _Message) -> float | None:
        return msg.stated_hours if msg.stated_hours is not None else msg.session_hours

    def _rule_evidence(self, rule: _Rule, msg: _Message) -> str | None:
        fever = None
        if rule.requires:
            required: list[str] = []
            for name in rule.requires:
                check = self._requirement(name, msg)
                if check is None:
                    return None
                required.append(check)
            fever = " + ".join(required)
        if rule.min_elapsed is not None:
            elapsed = self._elapsed(msg)
            if elapsed is None or elapsed < rule.min_elapsed:
                return None
        if rule.persistence == "required" and not self._persisting(msg):
            return None
        if (
            rule.persistence == "required_without_session"
            and msg.session_hours is None
            and not self._persisting(msg)
        ):
            return None
        if (
            rule.max_session_hours is not None
            and msg.session_hours is not None
            and msg.session_hours < rule.max_session_hours
        ):
            return None
        if rule.unless_improving and self._improving(msg):
            return None
        evidence: str | None = None
        for pattern in rule.any:
            evidence = self._match(
                pattern, msg, ignore_negation=rule.ignore_negation, count_resolved=rule.count_resolved
            )
            if evidence is not None:
                break
        if evidence is None and rule.all:
            found: list[str] = []
            for group in rule.all:
                hit = next(
                    (
                        m
                        for p in group
                        if (m := self._match(p, msg, count_resolved=rule.count_resolved)) is not None
                    ),
                    None,
                )
                if hit is None:
                    break
                found.append(hit)
            else:
                evidence = " + ".join(found)
        if evidence is None and not rule.any and not rule.all:
            evidence = fever
        elif evidence is not None and fever is not None:
            evidence = f"{fever} + {evidence}"
        if evidence is None:
            return None
        if any(self._match(p, msg) is not None for p in rule.unless_except):
            return evidence  # "my husband's had a fever SINCE HIS MASSAGE": he is a patient too
        for pattern in rule.unless:
            if self._match(pattern, msg, active_only=False) is not None:
                return None
        return evidence

    # ---------------------------------------------------------------- replies

    def _base_values(self) -> dict[str, str]:
        c, clinic = self._c, self._clinic
        hours_line = (
            c.hours_known.format(hours=html.escape("; ".join(clinic.hours)))
            if clinic.hours
            else c.hours_unknown
        )
        booking_line = (
            c.booking_online.format(booking_url=html.escape(clinic.booking_url))
            if clinic.booking_url.strip()
            else c.booking_phone_only
        )
        values = {
            "clinic_name": html.escape(clinic.name),
            "clinic_phone": html.escape(clinic.phone),
            "clinic_address": html.escape(clinic.address),
            "sore_expect_low": _fmt_number(c.sore_low),
            "sore_expect_high": _fmt_number(c.sore_high),
            "not_easing_hours": _fmt_number(c.not_easing),
            "headache_hours": _fmt_number(c.headache_hours),
            "fever_f": _fmt_number(c.fever_f),
            "fever_c": _fmt_number(c.fever_c),
        }
        values["hours_line"] = hours_line.format_map(values) if "{" in hours_line else hours_line
        values["booking_line"] = booking_line.format_map(values) if "{" in booking_line else booking_line
        return values

    def _render(self, lines: Iterable[str], extra: Mapping[str, str]) -> str:
        values = {**self._values, **extra}
        out = [" ".join(line.format_map(values).split()) for line in lines]
        return "\n".join(line for line in out if line)

    def _ago(self, hours: float) -> str:
        ago = self._c.ago
        if hours < 1:
            return ago["under_one_hour"]
        if hours < 1.5:
            return ago["one_hour"]
        if hours < 36:
            return ago["hours"].format(n=round(hours))
        if hours < 7 * 24:
            return ago["days"].format(n=round(hours / 24))
        if hours < 10.5 * 24:
            return ago["one_week"]
        return ago["weeks"].format(n=round(hours / (7 * 24)))

    def _red_flag_answer(self, rule: _Rule, evidence: str) -> Answer:
        template = rule.reply_lines or (
            self._c.emergency_lines if rule.urgency == "emergency" else self._c.urgent_lines
        )
        extra = {
            "why": self._c.rule_why[rule.id].format_map(self._values),
            "call_911_if": self._c.rule_call_911_if[rule.id].format_map(self._values),
        }
        return Answer(
            topic="red_flag",
            urgency=rule.urgency,
            reply=self._render(template, extra),
            rule=rule.id,
            category=rule.category,
            evidence=evidence,
        )

    def _score(self, topic: _Topic, msg: _Message) -> tuple[int, int]:
        """(score, how many strong keywords are live). Strong keywords outweigh plain ones; negated or
        resolved mentions still hint at the topic ("the headache is gone, is that normal?") but count less."""
        score = 0
        live_strong = 0
        keywords = topic.keywords
        strong = topic.strong
        if len(msg.tokens) > SMALLTALK_MAX_WORDS:
            # "ok", "good" say nothing about the topic of a longer message; "hi" and "thanks" count a little
            keywords = topic.courtesy if topic.name == "smalltalk" else (*keywords, *topic.courtesy)
        else:
            strong = (*strong, *topic.courtesy)
        for active_weight, inactive_weight, patterns in ((6, 4, strong), (2, 1, keywords)):
            for pattern in patterns:
                if self._match(pattern, msg) is not None:
                    score += active_weight
                    if patterns is strong:
                        live_strong += 1
                elif self._match(pattern, msg, active_only=False) is not None:
                    score += inactive_weight
        return score, live_strong

    def _rule_pick(self, msg: _Message) -> tuple[str, int, bool, tuple[str, ...]]:
        """The rules' topic, its score, whether a strong keyword of it is live, and the tied topics."""
        scores = {name: self._score(self._c.topics[name], msg) for name in self._c.order}
        specific = any(
            live > 0
            for name, (_, live) in scores.items()
            if name not in self._c.general_topics and name != "smalltalk"  # "hi, I'm sore" is soreness
        )
        best_name, best_score = "out_of_scope", 0
        eligible: dict[str, int] = {}
        for name in self._c.order:
            # A general topic gives way to a specific one ("can I take ibuprofen for the soreness" is about
            # medication) unless the message is plainly about it ("how long is soreness supposed to last?
            # asking before I book more"): two or more of its strong keywords.
            if specific and name in self._c.general_topics and scores[name][1] < GENERAL_TOPIC_STRONG_HITS:
                continue
            score = scores[name][0]
            eligible[name] = score
            if score > best_score:
                best_name, best_score = name, score
        tied = tuple(n for n, sc in eligible.items() if best_score > 0 and sc == best_score)
        return best_name, best_score, scores[best_name][1] > 0, tied

    def _soreness_cue(self, msg: _Message, *, scores_only: bool = False) -> bool:
        """A body part with an ache / pain / tightness word or a pain score, in the days after a session
        (with scores_only: any pain score the message gives, in those days)."""
        c = self._c
        hours = msg.session_hours
        if hours is None or hours > c.soreness_window:
            return False
        if scores_only:
            return bool(msg.pain_scores)
        if any(self._match(p, msg) is not None for p in c.soreness_cues):
            return True
        return msg.pain_score and any(self._match(p, msg) is not None for p in c.soreness_body)

    def _pick_topic(self, msg: _Message) -> tuple[str, str]:
        """(topic, how it was picked). The keyword rules decide when they are confident: a live strong
        keyword of one topic that no other topic ties. Otherwise the topic classifier (trained on the
        examples in bot/content/topic_examples.jsonl) picks among the routine topics. It never sees red
        flags: this runs only after every red-flag rule has passed the message by."""
        c = self._c
        for decided in c.order:  # "remind me to stretch at lunch", "will I be sore after my first visit?"
            topic = c.topics[decided]
            if any(self._match(p, msg) is not None for p in topic.decisive) or any(
                all(any(self._match(p, msg) is not None for p in group) for group in groups)
                for groups in topic.decisive_all
            ):
                return decided, "decisive"
        name, score, live, tied = self._rule_pick(msg)
        if "smalltalk" in (name, *tied) and live and self._score(c.topics["soreness"], msg)[1] > 0:
            # Good news with a live soreness word ("a little achy but I can finally bend down") is about
            # the soreness, unless the classifier sees another tied topic; "finally no soreness!"
            # (negated) stays smalltalk.
            if len(tied) <= 1:
                return "soreness", "soreness"
            return self._model.predict(msg.text, ("soreness", *tied)).topic, "tie"
        if len(tied) > 1:  # a tie: the classifier chooses among the tied topics
            return self._model.predict(msg.text, tied).topic, "tie"
        if score == 0 and msg.pain_scores and self._soreness_cue(msg, scores_only=True):
            return (
                "soreness",
                "soreness",
            )  # "it was a 6 last night, a 3 this morning" in the days after a visit
        if score == 0 or not live:  # no topic rule fired, or only weak cues
            guess = self._model.predict(msg.text)
            if score == 0 or guess.probability >= c.fallback_min_probability:
                return guess.topic, "classifier"
            return name, "rules"
        if name != "soreness" and name != "smalltalk" and self._soreness_cue(msg):
            # Sore body part in the days after a session: soreness, unless the other topic clearly applies.
            guess = self._model.predict(msg.text, ("soreness", name))
            if guess.topic == "soreness" or guess.probability < c.fallback_clear_probability:
                return "soreness", "soreness"
        return name, "rules"

    def _routine_answer(self, msg: _Message) -> Answer:
        name, picked_by = self._pick_topic(msg)
        topic = self._c.topics[name]
        lines: list[str] = []
        extra: dict[str, str] = {}
        variant: str | None = None
        if msg.session_hours is not None:
            extra["ago"] = self._ago(msg.session_hours)
        if name == "soreness":
            phase = self._soreness_phase(msg)
            lines.append(topic.phases[phase])
            variant = phase
        elif topic.session_line and msg.session_hours is not None:
            lines.append(topic.session_line)
        body = topic.lines
        best_hits = 0
        for vname, option in topic.variants.items():
            hits = sum(1 for p in option.keywords if self._match(p, msg) is not None)
            if hits > best_hits:
                body, best_hits, variant = option.lines, hits, vname
        lines.extend(body)
        if name in self._c.health_topics:
            lines.append(self._c.disclosure)
        if topic.watch:
            lines.append(topic.watch)  # health answers end with what would change the advice
        return Answer(
            name,
            "routine",
            self._render(lines, extra),
            f"topic.{name}",
            None,
            variant=variant,
            picked_by=picked_by,
        )

    def _soreness_phase(self, msg: _Message) -> str:
        hours = msg.session_hours
        if hours is None:
            return "none"
        if hours < self._c.sore_high:
            return "early"
        if hours < self._c.not_easing:
            return "mid"
        return "late_improving" if self._improving(msg) else "late"

    def _validate_rendering(self) -> None:
        """Render every reply once with sample values: limits and line counts are checked at start-up."""
        c = self._c
        sample = {"ago": self._ago(30), "why": "x", "call_911_if": "y"}
        candidates: list[tuple[str, list[str]]] = [("empty", list(c.empty_lines))]
        for rule in c.rules:
            lines = list(
                rule.reply_lines or (c.emergency_lines if rule.urgency == "emergency" else c.urgent_lines)
            )
            candidates.append((f"rule {rule.id}", lines))
            extra = {"why": c.rule_why[rule.id], "call_911_if": c.rule_call_911_if[rule.id]}
            self._render(lines, extra)
        for name, topic in c.topics.items():
            first_lines = list(topic.phases.values()) or [topic.session_line or ""]
            bodies = [topic.lines, *(v.lines for v in topic.variants.values())]
            for first, body in itertools.product(first_lines, bodies):
                lines = [first, *body, c.disclosure if name in c.health_topics else "", topic.watch or ""]
                candidates.append((f"topic {name}", lines))
        for where, lines in candidates:
            reply = self._render(lines, sample)
            count = len([line for line in reply.split("\n") if line.strip()])
            if not MIN_REPLY_LINES <= count <= MAX_REPLY_LINES:
                raise ContentError(
                    f"bot/content/{ANSWERS_FILE}: {where} renders {count} lines "
                    f"(must be {MIN_REPLY_LINES}-{MAX_REPLY_LINES})"
                )
            if len(reply) > MAX_REPLY_CHARS:
                raise ContentError(
                    f"bot/content/{ANSWERS_FILE}: {where} is longer than {MAX_REPLY_CHARS} characters"
                )


def _clean_hours(value: object) -> float | None:
    """Hours since the session, or None when unknown or nonsense (negative, NaN, not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        hours = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(hours) or hours < 0:
        return None
    return hours


@functools.cache
def packaged_topic_model() -> TopicModel:
    """The topic classifier trained on the packaged examples, once per process."""
    return TopicModel.load(ROUTINE_TOPICS)


@functools.cache
def default_engine() -> AnswerEngine:
    """The engine for the packaged content and clinic profile, loaded once per process."""
    return AnswerEngine.load()


def answer(text: str, hours_since_session: float | None = None) -> Answer:
    """Answer one patient message with the default engine (see :meth:`AnswerEngine.answer`)."""
    return default_engine().answer(text, hours_since_session)
