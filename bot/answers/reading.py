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
from bot.answers.vocabulary import Phrase, Rewrite, words
from bot.content import ContentError, require_table

# Words shorter than this are never corrected; longer ones may be two edits off instead of one.
MIN_CORRECTED: Final = 5
TWO_EDITS_FROM: Final = 9
CACHE_LIMIT: Final = 50_000
# Letters that sound alike in Spanish, as people mix them up in writing ("bomitar", "cabesa", "yaga").
_SOUNDS: Final = (
    (re.compile(r"v"), "b"),
    (re.compile(r"z"), "s"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"ll"), "y"),
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


@dataclass
class Reader:
    """Reads one language's words onto the concept words; one per engine (it caches corrections)."""

    words: Mapping[str, Phrase]
    phrases: tuple[Rewrite, ...]
    phrase_firsts: frozenset[str]
    known: frozenset[str]
    by_sound: Mapping[str, str]
    by_start: Mapping[tuple[str, int], tuple[str, ...]]
    corrections: dict[str, str]

    @classmethod
    def load(cls, raw: Mapping[str, Any], where: str, language: Language) -> Reader:
        word_table = _table(raw, "words", where, language)
        phrase_table = _table(raw, "phrases", where, language)
        for name in word_table:
            if " " in name:
                raise ContentError(f"{where}: words.{name} has several words (put it under phrases)")
        phrases = tuple(sorted(((words(k), v) for k, v in phrase_table.items()), key=lambda kv: -len(kv[0])))
        known = frozenset(word_table) | frozenset(w for p, _ in phrases for w in p)
        sounds: dict[str, set[str]] = {}
        starts: dict[tuple[str, int], list[str]] = {}
        for word in known:
            if len(word) >= MIN_CORRECTED and word.isalpha():
                sounds.setdefault(sound_key(word), set()).add(word)
                starts.setdefault((word[0], len(word)), []).append(word)
        by_sound = {key: next(iter(found)) for key, found in sounds.items() if len(found) == 1}
        by_start = {key: tuple(found) for key, found in starts.items()}
        return cls(word_table, phrases, frozenset(p[0] for p, _ in phrases), known, by_sound, by_start, {})

    def correct(self, token: str) -> str:
        """A misspelt known word read as the word meant; any other word as it is (cached)."""
        if token in self.known or len(token) < MIN_CORRECTED or not token.isalpha():
            return token
        cached = self.corrections.get(token)
        if cached is None:
            cached = self.by_sound.get(sound_key(token)) or self._nearest(token)
            if len(self.corrections) > CACHE_LIMIT:
                self.corrections.clear()
            self.corrections[token] = cached
        return cached

    def _nearest(self, token: str) -> str:
        limit = 2 if len(token) >= TWO_EDITS_FROM else 1
        found: set[str] = set()
        for length in range(len(token) - limit, len(token) + limit + 1):
            for target in self.by_start.get((token[0], length), ()):
                if osa_distance(token, target, limit) <= limit:
                    found.add(target)
        return found.pop() if len(found) == 1 else token

    def read(self, tokens: list[str]) -> list[str]:
        """The message's words as concept words: spelling, then phrases, then single words."""
        corrected = [self.correct(t) for t in tokens]
        out: list[str] = []
        i = 0
        while i < len(corrected):
            tok = corrected[i]
            found = None
            if tok in self.phrase_firsts:
                found = next((r for r in self.phrases if tuple(corrected[i : i + len(r[0])]) == r[0]), None)
            if found is None:
                out.extend(self.words.get(tok, (tok,)))
                i += 1
            else:  # a phrase's concept words are not read again
                out.extend(found[1])
                i += len(found[0])
        return out
