"""Misspelt key words read as the word meant ("numbnes" -> "numbness", "sooore" -> "sore")."""

from __future__ import annotations

import re
from typing import Final

from bot.answers.patterns import PatternCompiler
from bot.answers.vocabulary import Vocabulary

_REPEATS: Final = re.compile(r"([a-z])\1{2,}")
# Caches are cleared when they reach this many words (a flood of random words cannot grow them).
CACHE_LIMIT: Final = 50_000
# Words shorter than this are never corrected ("arm" is not "ache" misspelt), longer ones may be two
# edits off instead of one.
MIN_CORRECTED: Final = 5
TWO_EDITS_FROM: Final = 9


def osa_distance(a: str, b: str, limit: int) -> int:
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


class Speller:
    """Corrects words against the words the patterns and vocabulary know; both lookups are cached."""

    def __init__(self, compiler: PatternCompiler, vocab: Vocabulary) -> None:
        self._compiler = compiler
        self.known_words = (
            compiler.words
            | vocab.fuzzy_targets
            | vocab.never_correct
            | set(vocab.rewrites)
            | {w for words in vocab.rewrites.values() for w in words}
        )
        targets: dict[tuple[str, int], list[str]] = {}
        for word in vocab.fuzzy_targets:
            if len(word) >= MIN_CORRECTED:
                targets.setdefault((word[0], len(word)), []).append(word)
        self._targets = targets
        self._corrections: dict[str, str] = {}
        self._slots: dict[str, tuple[int, ...]] = {}

    def slots_for(self, token: str) -> tuple[int, ...]:
        cached = self._slots.get(token)
        if cached is not None:
            return cached
        result = self._compiler.slots_for(token)
        if len(self._slots) > CACHE_LIMIT:
            self._slots.clear()
        self._slots[token] = result
        return result

    def _squeezed(self, token: str) -> str | None:
        """ "sooore", "painnn", "hiii": a letter typed three times or more, read once or twice."""
        if not (token.isalpha() and _REPEATS.search(token)) or token in self.known_words:
            return None
        for squeezed in (_REPEATS.sub(r"\1", token), _REPEATS.sub(r"\1\1", token)):
            if squeezed in self.known_words or self.slots_for(squeezed):
                return squeezed
        return None

    def _g_dropped(self, token: str) -> str | None:
        """ "killin", "thinkin", "tinglin": an -ing word typed without its g, when the -ing word is known."""
        if len(token) < 5 or not token.endswith("in") or not token.isalpha() or token in self.known_words:
            return None
        full = token + "g"
        return full if full in self.known_words or self.slots_for(full) else None

    def _correctable(self, token: str) -> bool:
        """Long enough, all letters, and not already a word the vocabulary or the patterns know
        ("coughing" for "cough*")."""
        if len(token) < MIN_CORRECTED or not token.isalpha() or token in self.known_words:
            return False
        return not self.slots_for(token)

    def correct(self, token: str) -> str:
        """Read a misspelt key word as the word meant ("numbnes" -> "numbness"); cached per word."""
        squeezed = self._squeezed(token) or self._g_dropped(token)
        if squeezed is not None:
            return squeezed
        if not self._correctable(token):
            return token
        cached = self._corrections.get(token)
        if cached is None:
            cached = self._nearest(token)
            if len(self._corrections) > CACHE_LIMIT:
                self._corrections.clear()
            self._corrections[token] = cached
        return cached

    def _nearest(self, token: str) -> str:
        """The one known word closest to the token, or the token when none is close or two tie."""
        limit = 2 if len(token) >= TWO_EDITS_FROM else 1
        best: list[str] = []
        best_distance = limit + 1
        for length in range(len(token) - limit, len(token) + limit + 1):
            for target in self._targets.get((token[0], length), ()):
                distance = osa_distance(token, target, limit)
                if distance < best_distance:
                    best, best_distance = [target], distance
                elif distance == best_distance and distance <= limit:
                    best.append(target)
        return best[0] if len(best) == 1 and best_distance <= limit else token
