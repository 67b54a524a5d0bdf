"""Numbers in a message: pain scores, ages, durations, temperatures and sizes.

The words around them ("was a 4", "since yesterday", "101 degrees outside") and the plausible ranges
are content ([vocabulary.pain_scores], [vocabulary.ages], [vocabulary.ranges] in answers.toml); how
numbers are written is the language's (see ``language.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.answers.language import Language, alternation
from bot.answers.normalise import find_phrase
from bot.answers.vocabulary import Vocabulary, number_table
from bot.content import ContentError, require_positive, require_table, require_texts

_NUMBER: Final = re.compile(r"\d+(?:\.\d+)?")
# A reply that starts with the score the check-in asked for ("7. it was a 4 yesterday", "6 - better").
_LEADING_SCORE: Final = re.compile(r"^\s*(10|\d(?:\.5)?)\s*(?=[.,!:;-]|$)")
# "38 degrees": words before and after a number looked at for a temperature word.
_TEMPERATURE_BEFORE: Final = 8
_TEMPERATURE_AFTER: Final = 5
_NOT_BODY_REACH: Final = 6
# "elderly": an age word with no number is old enough for any threshold.
OLDER_THAN_ANY: Final = 200.0
# Two weekdays named ("Monday ... today is Friday") may run this much past the session's recorded time
# (the session was in the morning, the message is sent at night) and still be the time since it.
_WEEKDAY_SLACK_HOURS: Final = 24.0


def phrase_regex(table: Mapping[str, Any], key: str, where: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{alternation(require_texts(table, key, where))})\b")


def _span(table: Mapping[str, Any], key: str, where: str) -> tuple[float, float]:
    value = table.get(key)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)
        or not value[0] < value[1]
    ):
        raise ContentError(f"{where}: '{key}' must be two numbers, lowest first")
    return float(value[0]), float(value[1])


@dataclass(frozen=True)
class Ranges:
    """Plausibility limits of stated numbers ([vocabulary.ranges])."""

    body_temperature_f: tuple[float, float]
    body_temperature_c: tuple[float, float]
    max_age: float
    max_duration_amount: float
    counted_day: tuple[float, float]

    @classmethod
    def load(cls, table: Mapping[str, Any], where: str) -> Ranges:
        return cls(
            body_temperature_f=_span(table, "body_temperature_f", where),
            body_temperature_c=_span(table, "body_temperature_c", where),
            max_age=require_positive(table, "max_age", where),
            max_duration_amount=require_positive(table, "max_duration_amount", where),
            counted_day=_span(table, "counted_day", where),
        )


@dataclass(frozen=True)
class PainScore:
    value: float
    rank: int  # 0 earlier ("was", "yesterday"), 1 unknown or "this morning", 2 now ("today", "now", "is")
    position: int
    rising_cue: bool  # "and climbing", "up to a 6"
    falling_cue: bool  # "down to a 2", "only a 3 now"


# A score found in the text: start, end, value, and a rank fixed by its form ("from 3 to 7") or None.
_Found = tuple[int, int, float, int | None]


def _followed_score(table: Mapping[str, Any], where: str, language: Language) -> re.Pattern[str]:
    """A bare number right before a time word ("5 today", "it was 4 yesterday"), not after a word that
    makes it a clock time, a count or a day ("see you at 4 today", "in 2 days from now", "day 2 now")."""
    before = require_texts(table, "bare_follow_not_after", where)
    not_after = "".join(rf"(?<!\b{re.escape(w)} )" for w in before)
    follow = alternation(require_texts(table, "bare_follow", where))
    return re.compile(rf"(?<![\w.,:/-]){not_after}{language.score_number}(?=\s+(?:{follow})\b(?!\s*\d))")


@dataclass(frozen=True)
class PainScoreWords:
    """How pain scores and their change over time are read ([vocabulary.pain_scores] in answers.toml).

    A score is "6/10", "6 out of 10", "a 6" after a lead word ("was a 4", "still a 6", "at a two"),
    "now 8", or a pair "from 3 to 7" / "3 -> 7". Each score gets a time rank from the nearest time
    word in its part of the sentence ("yesterday", "this morning", "now"), else from the tense ("was",
    "is"), so that "a 4 today, a 6 last night" reads as falling and "was a 4, now an 8" as rising."""

    language: Language
    context: re.Pattern[str]
    treatment: re.Pattern[str]
    rating: re.Pattern[str]
    slash: re.Pattern[str]
    single: re.Pattern[str]
    followed: re.Pattern[str]  # a bare number right before a time word ("5 today", "it was 4 yesterday")
    pair: re.Pattern[str]
    boundary: re.Pattern[str]
    ranks: tuple[tuple[re.Pattern[str], int], ...]  # explicit time words, by rank
    tenses: tuple[tuple[re.Pattern[str], int], ...]  # tense words, used when no time word is near
    rising: re.Pattern[str]
    falling: re.Pattern[str]
    negation: frozenset[str]

    @classmethod
    def load(cls, table: Mapping[str, Any], where: str, language: Language) -> PainScoreWords:
        units = alternation(require_texts(table, "not_units", where))
        not_after = rf"(?![.,:]\d)(?!\s*(?:-|–|or|to)\s*\d)(?!\s*(?:{units})(?![a-z]))"
        lead = alternation(require_texts(table, "lead", where))
        bare = alternation(require_texts(table, "bare_lead", where))
        slash, single, pair = language.pain_score_regexes(lead, bare, not_after)
        boundaries = alternation(require_texts(table, "boundaries", where))
        return cls(
            language=language,
            context=phrase_regex(table, "context", where),
            treatment=phrase_regex(table, "treatment", where),
            rating=phrase_regex(table, "rating", where),
            slash=slash,
            single=single,
            followed=_followed_score(table, where, language),
            pair=pair,
            boundary=re.compile(rf"[,.;!?\n]|\b(?:{boundaries})\b"),
            ranks=(
                (phrase_regex(table, "earlier", where), 0),
                (phrase_regex(table, "middle", where), 1),
                (phrase_regex(table, "later", where), 2),
            ),
            tenses=(
                (phrase_regex(table, "past_tense", where), 0),
                (phrase_regex(table, "present_tense", where), 2),
            ),
            rising=phrase_regex(table, "rising", where),
            falling=phrase_regex(table, "falling", where),
            negation=frozenset(require_texts(table, "negation", where)),
        )

    def _value(self, raw: str) -> float:
        words = self.language.score_words
        return words[raw] if raw in words else float(raw)

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

    def _pairs(self, text: str) -> tuple[list[_Found], list[tuple[int, int]]]:
        """ "from 3 to 7", "3 -> 7": the first is earlier, the second now; and the spans they take."""
        found: list[_Found] = []
        taken: list[tuple[int, int]] = []
        for m in self.pair.finditer(text):
            groups = [g for g in m.groups() if g is not None]
            found.append((m.start(), m.start() + 1, self._value(groups[0]), 0))
            found.append((m.end() - 1, m.end(), self._value(groups[1]), 2))
            taken.append(m.span())
        return found, taken

    def _find(self, text: str) -> tuple[list[_Found], bool]:
        """Every score with its span, pairs first; and whether one was written "n/10"."""
        found, taken = self._pairs(text)
        slash_seen = False
        first = _LEADING_SCORE.match(text)
        if first and not any(a < first.end() and first.start() < b for a, b in taken):
            found.append((first.start(1), first.end(1), self._value(first.group(1)), None))
            taken.append(first.span(1))
        for regex in (self.slash, self.single, self.followed):
            for m in regex.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                raw = next(g for g in m.groups() if g is not None)
                lead = len(m.group(0)) - len(m.group(0).lstrip(",.;!?( "))  # ", a 6": the comma is not in it
                found.append((m.start() + lead, m.end(), self._value(raw), None))
                taken.append(m.span())
                slash_seen = slash_seen or regex is self.slash
        return found, slash_seen

    def _about_pain(self, text: str, session_known: bool) -> bool:
        """A bare "a 6" is a pain score only beside a pain word, or after a treatment that is not rated."""
        if self.context.search(text):
            return True
        return bool(session_known or self.treatment.search(text)) and not self.rating.search(text)

    def _rank(self, before: str, after: str) -> int:
        """The time rank from the nearest time word, else from the tense, else "unknown" (1)."""
        rank = self._nearest(self.ranks, before, after)
        if rank is None:
            rank = self._nearest(self.tenses, before, after)
        return 1 if rank is None else rank

    @staticmethod
    def _part(
        found: list[_Found], i: int, bounds: list[tuple[int, int]], length: int
    ) -> tuple[int, int, int]:
        """A score's part of the sentence: from the boundary (or score) before it to the boundary after
        it, and where the next score starts."""
        start, end = found[i][0], found[i][1]
        left = max([b for _, b in bounds if b <= start] + [found[i - 1][1] if i else 0])
        right_score = found[i + 1][0] if i + 1 < len(found) else length
        right = min([a for a, _ in bounds if a >= end] + [right_score])
        return left, right, right_score

    def _score(self, text: str, found: list[_Found], i: int, bounds: list[tuple[int, int]]) -> PainScore:
        start, end, value, rank = found[i]
        left, right, right_score = self._part(found, i, bounds, len(text))
        before, after = text[left:start], text[end:right]
        # Direction words reach past "and" ("an 8 and climbing"), up to the next score or punctuation.
        stop = next((k for k in range(end, right_score) if text[k] in ",.;!?\n"), right_score)
        number = self.language.score_number
        window = f"{before} {re.sub(number, ' ', text[start:end])} # {text[end:stop]}"
        return PainScore(
            value=value,
            rank=self._rank(before, after) if rank is None else rank,
            position=start,
            rising_cue=self._cue(self.rising, window),
            falling_cue=self._cue(self.falling, window),
        )

    def _has_number(self, text: str) -> bool:
        return any(ch.isdigit() for ch in text) or any(w in text for w in self.language.score_words)

    def read(self, text: str, session_known: bool) -> tuple[PainScore, ...]:
        """Every pain score in the (folded, contractions expanded) text, in order."""
        if not self._has_number(text):
            return ()
        found, slash_seen = self._find(text)
        if not found:
            return ()
        if not slash_seen and not self._about_pain(text, session_known):
            return ()  # "last visit was a 7, this one a 10": a rating of the visit, not of pain
        found.sort()
        bounds = [(m.start(), m.end()) for m in self.boundary.finditer(text)]
        return tuple(self._score(text, found, i, bounds) for i in range(len(found)))


@dataclass(frozen=True)
class AgeWords:
    """A stated age ("I'm 78", "at 74", "85 years old", "my mum is 85", "(80, osteoporosis)", "in my
    eighties") from [vocabulary.ages] in answers.toml; not a weight, a temperature or a percentage."""

    patterns: tuple[re.Pattern[str], ...]  # the last one gives decades ("in my 80s")
    decades: Mapping[str, float]
    older_words: re.Pattern[str]
    max_age: float

    @classmethod
    def load(cls, table: Mapping[str, Any], where: str, language: Language, ranges: Ranges) -> AgeWords:
        units = alternation(require_texts(table, "not_units", where))
        not_after = rf"(?![.,:]\d)(?!\s*(?:{units})(?![a-z]))"
        who = alternation(require_texts(table, "lead", where))
        decades = number_table(table, "decades", where)
        older = alternation(list(decades) + list(require_texts(table, "older", where)))
        return cls(
            patterns=language.age_regexes(who, not_after),
            decades=decades,
            older_words=re.compile(rf"\b(?:{older})\b"),
            max_age=ranges.max_age,
        )

    def _numbers(self, text: str) -> list[float]:
        """Ages written as numbers ("I'm 78", "in my 80s"), up to the plausible maximum."""
        ages: list[float] = []
        decade_pattern = self.patterns[-1]
        for regex in self.patterns:
            scale = 10 if regex is decade_pattern else 1
            for m in regex.finditer(text):
                value = float(next(g for g in m.groups() if g is not None)) * scale
                if value <= self.max_age:
                    ages.append(value)
        return ages

    def oldest(self, text: str) -> float | None:
        """The oldest age stated; "in her eighties" is 80, "elderly" older than any threshold."""
        ages = self._numbers(text)
        ages += [self.decades.get(m.group(0), OLDER_THAN_ANY) for m in self.older_words.finditer(text)]
        return max(ages) if ages else None


class Quantities:
    """Durations and temperatures read from a message's words (after spelling and rewrites)."""

    def __init__(self, vocab: Vocabulary, language: Language, ranges: Ranges) -> None:
        self._vocab = vocab
        self._lang = language
        self._ranges = ranges

    def _amount(self, tok: str) -> float | None:
        if _NUMBER.fullmatch(tok):
            return float(tok)
        return self._vocab.number_words.get(tok)

    def _unit_at(self, tokens: Sequence[str], i: int) -> int | None:
        """Where the unit of the number at i is: "4 days", "a couple of weeks", "2 more days"."""
        vocab, lang, n = self._vocab, self._lang, len(tokens)
        j = i + 1
        if j < n and tokens[j] in vocab.number_words and tokens[i] in lang.articles:
            return None  # "a few days": the next word carries the number
        if j < n and tokens[j] == lang.duration_link:
            j += 1
        if j < n and tokens[j] in lang.duration_fillers:
            j += 1
        return j if j < n and tokens[j] in vocab.duration_units else None

    def _not_a_duration(self, tokens: Sequence[str], i: int, j: int) -> bool:
        """ "over 3 days ago", "2 days a week": the words around make it something else."""
        if i > 0 and tokens[i - 1] in self._vocab.duration_not_before:
            return True
        rest = tuple(tokens[j + 1 : j + 4])
        return any(rest[: len(p)] == p for p in self._vocab.duration_not_after)

    def _counted(self, tokens: Sequence[str], i: int) -> float | None:
        """Hours in a number followed by a unit of time, when it is a duration."""
        amount = self._amount(tokens[i])
        if amount is None or amount <= 0:
            return None
        j = self._unit_at(tokens, i)
        if j is None or self._not_a_duration(tokens, i, j) or amount > self._ranges.max_duration_amount:
            return None
        return amount * self._vocab.duration_units[tokens[j]]

    def _day_numbers(self, tokens: Sequence[str]) -> list[float]:
        """ "day 3", "week two": the day or week after a session."""
        vocab = self._vocab
        low, high = self._ranges.counted_day
        found: list[float] = []
        for i, tok in enumerate(tokens[:-1]):
            following = tokens[i + 1]
            if tok not in self._lang.counted_units:
                continue
            if not (following.isdigit() or following in vocab.number_words):
                continue
            number = float(following) if following.isdigit() else vocab.number_words[following]
            if low < number < high:
                found.append(number * vocab.duration_units[tok])
        return found

    def _weekday_gap(self, tokens: Sequence[str]) -> list[float]:
        """ "massage on monday, today is friday": the days between the first two weekdays named."""
        weekdays = self._lang.weekdays
        distinct = list(dict.fromkeys(weekdays.index(t) for t in tokens if t in weekdays))
        if len(distinct) < 2:
            return []
        return [((distinct[1] - distinct[0]) % len(weekdays)) * 24.0]

    def stated_hours(self, tokens: Sequence[str], session_hours: float | None = None) -> float | None:
        """The longest duration the message states ("4 days later", "been a week", "since yesterday").

        Two weekdays named tell a duration only when it fits the session's time, if known: "after
        Tuesday's session ... a tournament on Saturday" (a session 40 hours ago) names a day ahead.
        """
        found = [h for i in range(len(tokens)) if (h := self._counted(tokens, i)) is not None]
        found += self._day_numbers(tokens)
        found += [
            gap
            for gap in self._weekday_gap(tokens)
            if session_hours is None or gap <= session_hours + _WEEKDAY_SLACK_HOURS
        ]
        if not found:  # "since yesterday", "days later": only when no number was given
            found = [
                self._since_weekday(phrase, hours, session_hours)
                for phrase, hours in self._vocab.duration_phrases
                if _contains(tokens, phrase)
            ]
        return max(found) if found else None

    def _since_weekday(self, phrase: Sequence[str], hours: float, session_hours: float | None) -> float:
        """ "since Monday('s massage)" is read as since the session when its time is known (the weekday
        alone does not say how long ago it was); the phrase's hours otherwise."""
        if session_hours is not None and len(phrase) == 2 and phrase[1] in self._lang.weekdays:
            return min(hours, session_hours)
        return hours

    def _body_temperature(self, tokens: Sequence[str], i: int) -> bool:
        """Is the number at i a temperature of the body: near a temperature word (or written like a
        reading: "been at 39.1"), not a quantity ("38 ounces") nor the weather or the bath's?"""
        vocab = self._vocab
        near = [*tokens[max(0, i - _TEMPERATURE_BEFORE) : i], *tokens[i + 1 : i + 1 + _TEMPERATURE_AFTER]]
        reading = bool(self._lang.fever_reading.fullmatch(tokens[i]))
        if not reading and not any(t in vocab.temperature_context for t in near):
            return False
        if i + 1 < len(tokens) and tokens[i + 1] in vocab.temperature_not_after:
            return False  # "38 ounces", "101 minutes"
        reach = tokens[max(0, i - _NOT_BODY_REACH) : i + _NOT_BODY_REACH]
        return not any(t in vocab.temperature_not_body for t in reach)  # "101 degrees outside"

    def temperatures(self, tokens: Sequence[str]) -> list[tuple[float, str]]:
        """Body temperatures stated ("38.5", "a temp of 101") with their unit."""
        temps: list[tuple[float, str]] = []
        for i, tok in enumerate(tokens):
            if _NUMBER.fullmatch(tok) and self._body_temperature(tokens, i):
                unit = self._unit(float(tok))
                if unit is not None:
                    temps.append((float(tok), unit))
        return temps

    def _unit(self, value: float) -> str | None:
        for unit, (low, high) in (
            ("F", self._ranges.body_temperature_f),
            ("C", self._ranges.body_temperature_c),
        ):
            if low <= value <= high:
                return unit
        return None


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    return next(iter(find_phrase(tokens, phrase)), None) is not None


def load_ranges(vocabulary: Mapping[str, Any], where: str) -> Ranges:
    return Ranges.load(require_table(vocabulary, "ranges", where), f"{where}.ranges")
