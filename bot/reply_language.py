"""Which of the bot's languages a patient's message is written in, so it is answered in that language.

A small stand-in: common words and letters of each language, counted. A message that is not clearly in
another supported language counts as written in the patient's own.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short, frequent words that belong to one language only (not "no", "me", "a", shared with English).
_MARKERS: dict[str, frozenset[str]] = {
    "en": _words(
        "the is my i it and to of you have has was what how can this that with after i'm it's feel sore "
        "pain today"
    ),
    "es": _words(
        "el la los las que de del es mi tengo tiene estoy está esta muy pero por para con y qué cómo "
        "cuando dolor duele me siento hoy ayer después mucho poco también usted puedo"
    ),
}
_LETTERS = {"es": frozenset("ñáéíóú¿¡")}


def written_in(text: str, usual: str, supported: Collection[str]) -> str:
    """The supported language ``text`` is written in; ``usual`` (the patient's own) when unsure."""
    words = _WORD.findall(text.lower())
    scores = {code: sum(word in _MARKERS.get(code, ()) for word in words) for code in supported}
    for code, letters in _LETTERS.items():
        if code in scores and any(ch in letters for ch in text.lower()):
            scores[code] += 2
    best = max(scores, key=lambda code: (scores[code], code == usual))
    # Another language must clearly lead: a Spanish patient's "ok thanks" stays Spanish.
    if best != usual and scores[best] >= 2 and scores[best] > scores.get(usual, 0) * 2:
        return best
    return usual
