"""Does a pattern occur in a message, and is what it names live (not negated, hypothetical or over)?"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final

from bot.answers.context import Message, resolved
from bot.answers.normalise import find_phrases
from bot.answers.patterns import Part, Pattern
from bot.answers.vocabulary import Vocabulary

# "face is kind of drooping": words allowed between two pattern words.
MAX_GAP: Final = 2

# A place a part occurs: (start, end, negated inside).
Occurrence = tuple[int, int, bool]


class Matcher:
    """Matches compiled patterns against a read message."""

    def __init__(self, vocab: Vocabulary, *, triage: bool = False) -> None:
        # Triage also skips words denied after them ("breathing easy") and clauses about the past.
        self._triage = triage
        self._cues = vocab.negation_cues
        self._stops = vocab.negation_terminators
        self._fillers = vocab.resolution_fillers

    def _next(self, sid: int, cur: int, start: int, msg: Message) -> int | None:
        """The next position of a slot within the gap allowed, in the start's clause, not across a comma
        or a word that ends a negation ("breathe, just a sore neck")."""
        nxt = next(
            (
                p
                for p in msg.slot_positions[sid]
                if cur < p <= cur + 1 + MAX_GAP and msg.clause[p] == msg.clause[start]
            ),
            None,
        )
        if nxt is None or any(msg.comma_before[k] for k in range(cur + 1, nxt + 1)):
            return None
        return None if any(t in self._stops for t in msg.tokens[cur + 1 : nxt]) else nxt

    def _follow(self, rest: Sequence[int], start: int, msg: Message) -> Occurrence | None:
        """Walk the remaining slots of one spelling from a start word, in order, in one clause."""
        cur = start
        inner_negation = False
        for sid in rest:
            nxt = self._next(sid, cur, start, msg)
            if nxt is None:
                return None
            if any(msg.tokens[k] in self._cues and not msg.pseudo[k] for k in range(cur + 1, nxt)):
                inner_negation = True
            cur = nxt
        return start, cur, inner_negation

    def occurrences(self, part: Part, msg: Message) -> list[Occurrence]:
        """(start, end, negated inside) for each place the part occurs; "chest is NOT hurting" is
        negated inside, while a pattern that spells out its own "not" ("will not stop") is not."""
        found: list[Occurrence] = []
        positions = msg.slot_positions
        for seq in part.sequences:
            starts = positions.get(seq[0])
            if not starts:
                continue
            rest = seq[1:]
            if any(sid not in positions for sid in rest):
                continue
            for start in starts:
                hit = self._follow(rest, start, msg)
                if hit is not None:
                    found.append(hit)
        return found

    def _live(
        self, part: Part, hit: Occurrence, msg: Message, ignore_negation: bool, count_resolved: bool
    ) -> bool:
        start, end, inner_negation = hit
        if ignore_negation:
            return True
        if inner_negation:
            return False
        if part.context:
            # a body part told as fine is no place for the symptom: "arm tingly, FACE NORMAL"
            return not (self._triage and _denied(msg, start))
        if msg.hypothetical[start] or msg.negated[start]:
            return False
        if self._triage and (_denied_or_past(msg, start) or _denied(msg, end)):
            return False  # "the feeling down THERE is totally normal": denied at its last word too
        return count_resolved or not resolved(start, end, msg, self._fillers)

    def match(
        self,
        pattern: Pattern,
        msg: Message,
        *,
        ignore_negation: bool = False,
        count_resolved: bool = False,
        active_only: bool = True,
    ) -> str | None:
        """The matched words if every part occurs (actively) in one clause, else None."""
        per_part = self._places(pattern, msg, ignore_negation, count_resolved, active_only)
        return _words_in_one_clause(per_part, msg) if per_part else None

    def clauses(self, pattern: Pattern, msg: Message, *, active_only: bool = True) -> set[int]:
        """Every clause in which all parts of the pattern occur (actively)."""
        return _common_clauses(self._places(pattern, msg, False, False, active_only))

    def told_up_to(self, pattern: Pattern, msg: Message) -> set[int]:
        """The word positions of each clause where the pattern occurs, from the clause's start up to the
        end of the match: what the match can explain ("chest a bit sore where she WORKED ON MY PECS"),
        not what the clause goes on to say after it ("can't see me until next week and MY FACE IS
        DROOPING")."""
        per_part = self._places(pattern, msg, False, False, False)
        ends = {c: max(by_clause[c][1] for by_clause in per_part) for c in _common_clauses(per_part)}
        return {i for i, c in enumerate(msg.clause) if c in ends and i <= ends[c]}

    def words_of(self, pattern: Pattern, msg: Message) -> set[int]:
        """The word positions of the pattern's parts in each clause where it occurs, and nothing else."""
        per_part = self._places(pattern, msg, False, False, False)
        common = _common_clauses(per_part)
        return {
            i for by_clause in per_part for c in common for i in range(by_clause[c][0], by_clause[c][1] + 1)
        }

    def _places(
        self, pattern: Pattern, msg: Message, ignore_negation: bool, count_resolved: bool, active_only: bool
    ) -> list[dict[int, tuple[int, int]]]:
        """Per part, the first (live) place it occurs in each clause; empty when a part occurs nowhere."""
        per_part: list[dict[int, tuple[int, int]]] = []
        for part in pattern.parts:
            by_clause: dict[int, tuple[int, int]] = {}
            for hit in self.occurrences(part, msg):
                if not active_only or self._live(part, hit, msg, ignore_negation, count_resolved):
                    by_clause.setdefault(msg.clause[hit[0]], (hit[0], hit[1]))
            if not by_clause:
                return []
            per_part.append(by_clause)
        return per_part

    def any_live(self, patterns: Iterable[Pattern], msg: Message) -> bool:
        return any(self.match(p, msg) is not None for p in patterns)

    def any_phrase(
        self,
        phrases: Iterable[Sequence[str]],
        msg: Message,
        *,
        skip_pseudo: bool,
        skip_past: bool = False,
        from_clause: int = 0,
        undone: Callable[[int], bool] | None = None,
    ) -> str | None:
        """The first phrase that occurs neither negated nor hypothetical (nor, if asked, in a set phrase
        or in a clause about the past: "broke my wrist years back, fine now" says nothing of today), in
        a clause from `from_clause` on, and not `undone` by what follows it."""
        for phrase, i in find_phrases(msg.tokens, phrases):
            if msg.negated[i] or msg.hypothetical[i] or (skip_pseudo and msg.pseudo[i]):
                continue
            if (skip_past and in_past(msg, i)) or msg.clause[i] < from_clause:
                continue
            if undone is not None and undone(i):
                continue
            return " ".join(phrase)
        return None


def in_past(msg: Message, i: int) -> bool:
    """Is word i in a clause about the past ("a TIA years ago", "broke my wrist years back, fine now")?"""
    return msg.history is not None and msg.history[i]


def _denied(msg: Message, i: int) -> bool:
    return msg.denied is not None and msg.denied[i]


def _denied_or_past(msg: Message, i: int) -> bool:
    return (
        (msg.denied is not None and msg.denied[i])
        or (msg.history is not None and msg.history[i])
        or (msg.known is not None and msg.known[i])
    )


def _common_clauses(per_part: list[dict[int, tuple[int, int]]]) -> set[int]:
    """The clauses where every part occurs."""
    return set(per_part[0]).intersection(*per_part[1:]) if per_part else set()


def _words_in_one_clause(per_part: list[dict[int, tuple[int, int]]], msg: Message) -> str | None:
    """The words of every part in the first clause where all of them occur ("chest ... tight")."""
    common = _common_clauses(per_part)
    if not common:
        return None
    c = min(common)
    spans = sorted(by_clause[c] for by_clause in per_part)
    return " ... ".join(" ".join(msg.tokens[s : e + 1]) for s, e in spans)
