"""A second language read onto the engine's concept words ([reading] in a language's answers.toml).

"Me falta el aire" becomes "short of breath", "calentura" becomes "fever": the red-flag rules, topic
keywords and thresholds are written once, in the concept words, and every language reads onto them.
Words are first put right for spelling (accents are already off): a word that sounds like a known one
("bomito" for "vomito", "ormigueo" for "hormigueo") or is one typing slip away from exactly one known
word is read as that word. Then phrases (longest first), then single words, are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.answers.language import Language, fold
from bot.answers.spelling import osa_distance
from bot.answers.vocabulary import Phrase, Rewrite, word_set, words
from bot.content import ContentError, require_str, require_table

# Words shorter than this are never corrected; longer ones may be two edits off instead of one.
MIN_CORRECTED: Final = 4
# What must be left of a word once an ending is taken off ("chi" of "chiquito", read "chico").
MIN_STEM: Final = 3
# A word is read as a known word one typing slip away only from this length ("vamos" is not "vasos").
MIN_ONE_EDIT: Final = 6
TWO_EDITS_FROM: Final = 9
CACHE_LIMIT: Final = 50_000
# Punctuation that ends a clause, for what is said before the words it is about.
_PUNCTUATION: Final = frozenset({".", ",", ";", "!", "?", "\n"})
# Letters that sound alike in Spanish, as people mix them up in writing ("bomitar", "cabesa", "yaga").
_SOUNDS: Final = (
    (re.compile(r"v"), "b"),
    (re.compile(r"z"), "s"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"x"), "ch"),
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"c(?=[aou])"), "k"),
    (re.compile(r"h"), ""),
    (re.compile(r"([a-z])\1+"), r"\1"),
)


def sound_key(word: str) -> str:
    """The word as it sounds: "bomito" and "vomito" share one key, "cabesa" and "cabeza" another."""
    for regex, replacement in _SOUNDS:
        word = regex.sub(replacement, word)
    return word


def _table(raw: Mapping[str, Any], key: str, where: str, language: Language) -> dict[str, Phrase]:
    """Spanish written as people write it (accents, "del"), keyed as the message reader sees it."""
    table = require_table(raw, key, where)
    out: dict[str, Phrase] = {}
    for name, value in table.items():
        if not isinstance(value, str) or not name.strip():
            raise ContentError(f"{where}: {key}.{name} must be a string")
        folded = fold(name, len(name))
        for regex, replacement in language.contractions:
            folded = regex.sub(replacement, folded)
        if " ".join(folded.split()) in out:
            raise ContentError(f"{where}: {key}.{name} is listed twice")
        out[" ".join(folded.split())] = words(value)
    return out


def _endings(raw: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """Word endings tried on an unknown word, in order: ("cito", "") reads "dolorcito" as "dolor"."""
    value = raw.get("endings", [])
    if not isinstance(value, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair) and pair[0]
        for pair in value
    ):
        raise ContentError(f"{where}: 'endings' must be a list of [ending, replacement] pairs")
    return tuple((ending, replacement) for ending, replacement in value)


@dataclass(frozen=True)
class Ago:
    """ "hace dos días": a word before a time span that the concept words say after it ("two days ago")."""

    before: frozenset[str]
    units: Mapping[str, Phrase]  # the time unit words, read as concept words ("anos" -> "years")
    after: Phrase
    reach: int = 4

    @classmethod
    def load(cls, raw: Mapping[str, Any], where: str) -> Ago:
        table = require_table(raw, "ago", where)
        aw = f"{where}.ago"
        units = {key: words(value) for key, value in require_table(table, "units", aw).items()}
        if not units or not all(units.values()):
            raise ContentError(f"{aw}: 'units' must name each time word's concept words")
        return cls(word_set(table, "before", aw), units, words(require_str(table, "after", aw)))

    def span(self, tokens: list[str], i: int) -> int | None:
        """Where the time unit after the word at i is, when one follows closely."""
        if tokens[i] not in self.before:
            return None
        for k in range(i + 1, min(len(tokens), i + 1 + self.reach)):
            if tokens[k] in self.units:
                return k
        return None


@dataclass
class Reader:
    """Reads one language's words onto the concept words; one per engine (it caches corrections)."""

    words: Mapping[str, Phrase]
    phrases: Mapping[str, tuple[Rewrite, ...]]  # by first word, longest first
    clause_end: Mapping[str, tuple[Rewrite, ...]]  # said before what it is about ("ya se me quitó ...")
    clause_ends: frozenset[str]  # punctuation and words ("pero", "y") where such a clause ends
    known: frozenset[str]
    endings: tuple[tuple[str, str], ...]
    question: Phrase  # what a yes/no question starts with in the concept words ("does the massage help?")
    question_words: frozenset[str]  # words that open a question of another kind ("¿cuántas veces ...?")
    ago: Ago
    by_sound: Mapping[str, str]
    by_start: Mapping[tuple[str, int], tuple[str, ...]]
    corrections: dict[str, str]

    @classmethod
    def load(cls, raw: Mapping[str, Any], where: str, language: Language) -> Reader:
        word_table = _table(raw, "words", where, language)
        for name in word_table:
            if " " in name:
                raise ContentError(f"{where}: words.{name} has several words (put it under phrases)")
        phrases = _phrases(_table(raw, "phrases", where, language))
        clause_end = _phrases(_table(raw, "clause_end", where, language))
        ago = Ago.load(raw, where)
        known = (
            frozenset(word_table)
            | {w for p, _ in phrases + clause_end for w in p}
            | ago.before
            | set(ago.units)
        )
        sounds: dict[str, set[str]] = {}
        starts: dict[tuple[str, int], list[str]] = {}
        for word in known:
            if len(word) >= MIN_CORRECTED and word.isalpha():
                sounds.setdefault(sound_key(word), set()).add(word)
                starts.setdefault((word[0], len(word)), []).append(word)
        return cls(
            words=word_table,
            phrases=_by_first_word(phrases),
            clause_end=_by_first_word(clause_end),
            clause_ends=_PUNCTUATION | word_set(raw, "clause_ends", where),
            known=known,
            endings=_endings(raw, where),
            question=words(require_str(dict(raw), "question", where)),
            question_words=word_set(raw, "question_words", where),
            ago=ago,
            by_sound={key: next(iter(found)) for key, found in sounds.items() if len(found) == 1},
            by_start={key: tuple(found) for key, found in starts.items()},
            corrections={},
        )

    def correct(self, token: str) -> str:
        """A misspelt known word read as the word meant; any other word as it is (cached)."""
        if token in self.known or len(token) < MIN_CORRECTED or not token.isalpha():
            return token
        cached = self.corrections.get(token)
        if cached is None:
            # "moretoncito" -> "moreton", "tomarme" -> "tomar": a known stem first, then the spelling
            stems = self._stems(token)
            cached = next((w for w in stems if w in self.known), None) or self._spelt(token)
            if cached == token:
                cached = next((w for w in map(self._spelt, stems) if w in self.known), token)
            if len(self.corrections) > CACHE_LIMIT:
                self.corrections.clear()
            self.corrections[token] = cached
        return cached

    def _stems(self, token: str) -> list[str]:
        """The word with each listed ending taken off that leaves enough of it ("chiquito" -> "chico")."""
        stems = [
            token[: -len(ending)] + replacement
            for ending, replacement in self.endings
            if token.endswith(ending) and len(token) - len(ending) >= MIN_STEM
        ]
        return [stem for stem in stems if len(stem) >= MIN_CORRECTED]

    def _spelt(self, token: str) -> str:
        if token in self.known or len(token) < MIN_CORRECTED:
            return token
        return self.by_sound.get(sound_key(token)) or self._nearest(token)

    def _nearest(self, token: str) -> str:
        if len(token) < MIN_ONE_EDIT:
            return token
        limit = 2 if len(token) >= TWO_EDITS_FROM else 1
        found: set[str] = set()
        for length in range(len(token) - limit, len(token) + limit + 1):
            for target in self.by_start.get((token[0], length), ()):
                if osa_distance(token, target, limit) <= limit:
                    found.add(target)
        return found.pop() if len(found) == 1 else token

    def _phrase_at(
        self, tokens: list[str], i: int, table: Mapping[str, tuple[Rewrite, ...]]
    ) -> Rewrite | None:
        return next((r for r in table.get(tokens[i], ()) if tuple(tokens[i : i + len(r[0])]) == r[0]), None)

    def read(self, tokens: list[str]) -> list[str]:
        """The message's words as concept words: spelling, then phrases, then single words. What is
        said before the words it is about goes to the end of its clause ("ya se me quitó el hormigueo,"
        -> "the tingling it is gone ,")."""
        corrected = [self.correct(t) for t in tokens]
        out: list[str] = []
        held: list[str] = []
        start, opening = 0, ""  # where the current sentence starts in `out`, and its first word
        i = 0
        while i < len(corrected):
            tok = corrected[i]
            if tok in self.clause_ends and held:
                out.extend(held)
                held = []
            if tok == "?" and opening not in self.question_words:  # "¿el masaje ayuda?" -> "does ..."
                out[start:start] = self.question
            if tok in _PUNCTUATION:
                start, opening = len(out) + 1, ""
            elif not opening:
                opening = tok
            end = self._phrase_at(corrected, i, self.clause_end)
            found = self._phrase_at(corrected, i, self.phrases)
            unit = self.ago.span(corrected, i)
            if end is not None:
                held.extend(end[1])
                i += len(end[0])
            elif found is not None:  # a phrase's concept words are not read again
                out.extend(found[1])
                i += len(found[0])
            elif unit is not None:  # "hace dos días" -> "two days ago"
                for word in corrected[i + 1 : unit]:
                    out.extend(self.words.get(word, (word,)))
                out.extend(self.ago.units[corrected[unit]])
                out.extend(self.ago.after)
                i = unit + 1
            else:
                out.extend(self.words.get(tok, (tok,)))
                i += 1
        return out + held


def _by_first_word(phrases: tuple[Rewrite, ...]) -> dict[str, tuple[Rewrite, ...]]:
    """Phrases by their first word, each list longest first (the hot path reads only these)."""
    index: dict[str, list[Rewrite]] = {}
    for phrase in phrases:
        index.setdefault(phrase[0][0], []).append(phrase)
    return {first: tuple(found) for first, found in index.items()}


def _phrases(table: Mapping[str, Phrase]) -> tuple[Rewrite, ...]:
    """Phrases, longest first."""
    return tuple(sorted(((words(k), v) for k, v in table.items()), key=lambda kv: -len(kv[0])))
