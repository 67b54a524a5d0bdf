"""Pattern strings (syntax documented at the top of red_flags.toml) compiled into word slots.

Every rule's words share one slot table, so a message is indexed once and each pattern is then a walk
over the positions of its slots.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.content import ContentError

MAX_SPELLINGS: Final = 256
MIN_PREFIX: Final = 3


@dataclass(frozen=True)
class Slot:
    """One word position: any of some exact words, or any word starting with one of some prefixes."""

    words: frozenset[str]
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """Words in order (small gaps allowed); several spellings when an alternative spans words."""

    sequences: tuple[tuple[int, ...], ...]  # slot ids
    context: bool
    text: str


@dataclass(frozen=True)
class Pattern:
    """Parts that must all occur in one clause, in any order."""

    parts: tuple[Part, ...]
    text: str


class PatternCompiler:
    """Turns pattern strings into slot ids shared by every rule, so a message is indexed once."""

    def __init__(self, sets: Mapping[str, str]) -> None:
        self._sets = dict(sets)
        self._slot_ids: dict[Slot, int] = {}
        self.slots: list[Slot] = []
        self.exact_index: dict[str, list[int]] = {}
        self.prefix_index: list[tuple[str, int]] = []
        self.words: set[str] = set()

    def slots_for(self, token: str) -> tuple[int, ...]:
        """Every slot a word fills: its exact entries, then each prefix it starts with."""
        ids = list(self.exact_index.get(token, ()))
        ids.extend(sid for prefix, sid in self.prefix_index if token.startswith(prefix))
        return tuple(ids)

    def _slot_id(self, slot: Slot) -> int:
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
            if not alt.startswith("$"):
                out.append(alt)
                continue
            name = alt[1:]
            if name not in self._sets or depth > 3:
                raise ContentError(f"{where}: unknown word set '${name}' (define it under [sets])")
            out.extend(self._expand(self._sets[name].split("|"), where, depth + 1))
        return out

    def _single(self, words: Iterable[str]) -> int:
        exact: set[str] = set()
        prefixes: list[str] = []
        for word in words:
            if not word.endswith("*"):
                exact.add(word)
                continue
            if len(word) - 1 < MIN_PREFIX:
                raise ContentError(f"prefix '{word}' is too short (3 letters at least)")
            prefixes.append(word[:-1])
        return self._slot_id(Slot(frozenset(exact), tuple(sorted(prefixes))))

    def _position(self, spec: str, where: str) -> list[tuple[int, ...]]:
        """The spellings of one word position: single words share a slot, "a_b" spans several."""
        alternatives = self._expand(spec.split("|"), where)
        singles = [a for a in alternatives if "_" not in a]
        options: list[tuple[int, ...]] = []
        if singles:
            options.append((self._single(singles),))
        for multi in (a for a in alternatives if "_" in a):
            options.append(tuple(self._single([w]) for w in multi.split("_") if w))
        return options

    def part(self, text: str, where: str) -> Part:
        raw = text.strip()
        context = raw.startswith("@")
        if context:
            raw = raw[1:].strip()
        if not raw:
            raise ContentError(f"{where}: empty part in pattern '{text}'")
        options_per_position = [self._position(spec, where) for spec in raw.split()]
        sequences: list[tuple[int, ...]] = []
        for combo in itertools.product(*options_per_position):
            sequences.append(tuple(itertools.chain.from_iterable(combo)))
            if len(sequences) > MAX_SPELLINGS:
                raise ContentError(f"{where}: pattern '{text}' expands to too many spellings")
        return Part(tuple(sequences), context, text.strip())

    def pattern(self, text: Any, where: str) -> Pattern:
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{where}: every pattern must be a non-empty string")
        if text != text.lower():
            raise ContentError(f"{where}: pattern '{text}' must be lower case")
        parts = tuple(self.part(p, where) for p in text.split("&"))
        return Pattern(parts, text)

    def patterns(
        self, table: Mapping[str, Any], key: str, where: str, *, required: bool
    ) -> tuple[Pattern, ...]:
        if key not in table:
            if required:
                raise ContentError(f"{where}: missing key '{key}'")
            return ()
        value = table[key]
        if not isinstance(value, list) or not value:
            raise ContentError(f"{where}: '{key}' must be a non-empty list of patterns")
        return tuple(self.pattern(v, f"{where}.{key}") for v in value)

    def pattern_groups(self, value: Any, where: str) -> tuple[tuple[Pattern, ...], ...]:
        """`[[pattern, ...], ...]`: groups that must each match (a rule's `all`)."""
        if not isinstance(value, list):
            raise ContentError(f"{where}: 'all' must be a list of pattern lists")
        groups: list[tuple[Pattern, ...]] = []
        for gi, group in enumerate(value):
            if not isinstance(group, list) or not group:
                raise ContentError(f"{where}: 'all' group {gi + 1} must be a non-empty list")
            groups.append(tuple(self.pattern(p, f"{where}.all") for p in group))
        return tuple(groups)
