"""Red flags: which rule of red_flags.toml, if any, a message meets, and on which words.

A rule fires when its named requirements hold (a registry of small checks: fever, a rising pain
score...), its timing gates pass (minimum time elapsed, persistence, improving), its patterns match
live words, and no `unless` pattern matches (for an emergency rule, a sign told after the `unless`
words in their clause, or in another clause, still counts). Rules are tried in file order, emergencies
first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from bot.answers.context import Message, asked
from bot.answers.matcher import Matcher, in_past
from bot.answers.normalise import find_phrases
from bot.answers.quantities import OLDER_THAN_ANY, PainScore
from bot.answers.schema import Rule
from bot.answers.templates import fmt_number

if TYPE_CHECKING:
    from bot.answers.loader import AnswerContent

RISING: Final = "rising"
FALLING: Final = "falling"
STEADY: Final = "steady"


def _one_score_trend(score: PainScore, shown: str) -> tuple[str, str]:
    """One score goes the way its words say ("an 8 and climbing", "down to a 2"), else holds steady."""
    if score.rising_cue and not score.falling_cue:
        return RISING, f"pain score {shown} and rising"
    if score.falling_cue and not score.rising_cue:
        return FALLING, f"pain score down to {shown}"
    return STEADY, f"pain score {shown}"


class Triage:
    """Checks rules against a read message; one per engine."""

    def __init__(self, content: AnswerContent, matcher: Matcher) -> None:
        self._c = content
        self._t = content.thresholds
        self._m = matcher

    def first_red_flag(self, msg: Message) -> tuple[Rule, str] | None:
        """The first rule the message meets, with its evidence."""
        # A known, long-standing condition asked about (Message.known) sets aside urgent rules only:
        # emergency rules read every word, unless it is told as lasting for years and stable.
        plain = msg if msg.known is None or msg.stable else dataclasses.replace(msg, known=None)
        for rule in self._c.rules:
            if msg.known is not None and _scores_only(rule):
                continue  # "fibromyalgia for 15 years, on good days a 3/10": the known condition's score
            reads_all = rule.urgency == "emergency" or rule.reads_known
            evidence = self.rule_evidence(rule, plain if reads_all else msg)
            if evidence is not None:
                return rule, evidence
        return None

    def named_why(self, rule: Rule, msg: Message) -> str | None:
        """The rule's `why` naming what the message reported, if one of its [[rule.named]] matches."""
        for patterns, why in rule.named:
            if any(self._m.match(p, msg, count_resolved=rule.count_resolved) is not None for p in patterns):
                return why
        return None

    # ------------------------------------------------------------------ named requirements

    def fever(self, msg: Message) -> str | None:
        """A measured temperature at or above the fever threshold, or the word (unless a lower reading)."""
        measured = self.measured_fever(msg)
        if measured is not None:
            return measured
        # "had a cold last week with a temperature, all clear now": a fever of the past is no fever now
        # ... and one denied ("fever no, rash no", "temperature normal") is none either
        denied = msg.denied
        word = self._m.any_phrase(
            self._c.vocab.fever_words,
            msg,
            skip_pseudo=False,
            skip_past=True,
            undone=(lambda i: denied[i]) if denied is not None else None,
        )
        if word is None:
            return None
        if msg.measured_temps and self._c.language.fever_qualifier not in msg.tokens:
            return None  # a measured temperature below the threshold outranks the word "fever"
        return word

    def measured_fever(self, msg: Message) -> str | None:
        """A thermometer reading at or above the fever threshold (the word "fever" alone is not one)."""
        f_limit, c_limit = self._t.fever_f, self._t.fever_c
        high = [t for t in msg.measured_temps if t[0] >= (f_limit if t[1] == "F" else c_limit)]
        return f"temperature {fmt_number(high[0][0])} {high[0][1]}" if high else None

    def older_age(self, msg: Message) -> str | None:
        if msg.age is None or msg.age < self._t.older_age:
            return None
        return "age " + (fmt_number(msg.age) if msg.age < OLDER_THAN_ANY else "older")

    def pain_trend(self, msg: Message) -> tuple[str | None, str]:
        """("rising" | "falling" | "steady" | None, evidence) from the pain scores the message states:
        the earliest score (by time words, else tense, else order) against the latest one."""
        if not msg.pain_scores:
            return None, ""
        ordered = sorted(msg.pain_scores, key=lambda p: (p.rank, p.position))
        shown = " -> ".join(fmt_number(p.value) for p in ordered)
        if len(ordered) == 1:
            return _one_score_trend(ordered[0], shown)
        return self._change(ordered), f"pain score {shown}"

    def _change(self, ordered: list[PainScore]) -> str:
        """A change smaller than [thresholds.pain_score] rise counts only with a cue ("and climbing")."""
        rise = self._t.pain_score_rise
        delta = ordered[-1].value - ordered[0].value
        if delta >= rise or (delta > 0 and any(p.rising_cue for p in ordered)):
            return RISING
        if delta <= -rise or (delta < 0 and any(p.falling_cue for p in ordered)):
            return FALLING
        return STEADY

    def pain_score_rising(self, msg: Message) -> str | None:
        trend, shown = self.pain_trend(msg)
        return shown if trend == RISING else None

    def pain_score_lingering(self, msg: Message) -> str | None:
        """The latest score is not low, has not come down, and the patient says it has lasted ("still",
        "4 days in") or gives two scores that have not fallen."""
        trend, shown = self.pain_trend(msg)
        if trend not in (STEADY, RISING):
            return None
        latest = max(msg.pain_scores, key=lambda p: (p.rank, p.position))
        if latest.value < self._t.pain_score_lingering or self.improving(msg):
            return None
        if len(msg.pain_scores) > 1 or self.persisting(msg):
            return shown + " and not easing"
        return None

    # ------------------------------------------------------------------ timing

    def improving(self, msg: Message, from_clause: int = 0) -> bool:
        """Something in the message is getting better or has passed (from that clause on: "the neck
        itself is better. The thing is I've had dizzy spells since" says nothing of the dizziness)."""
        cues = self._c.vocab.improvement_cues
        return (
            # an old, settled problem's "fine now" says nothing of today's symptom
            # "it was easing Tuesday, then Wednesday it was back": undone by the return told after it
            self._m.any_phrase(
                cues,
                msg,
                skip_pseudo=True,
                skip_past=True,
                from_clause=from_clause,
                undone=lambda i: _came_back(msg, msg.clause[i], i) or asked(msg, i, self._c.vocab),
            )
            is not None
            or any(
                not _came_back(msg, clause, pos) and not in_past(msg, pos)
                for clause, pos in msg.resolution_cues
                if clause >= from_clause
            )
            or self.pain_trend(msg)[0] == FALLING
        )

    def persisting(self, msg: Message) -> bool:
        """The patient says it lasts ("still", "since Friday"), not of a settled past ("I walk 5 km daily")
        nor in a question about treatment for a known condition ("can you STILL work on my back?")."""
        if msg.stated_hours is not None:
            return True
        return any(
            not msg.hypothetical[i] and not in_past(msg, i) and not (msg.known is not None and msg.known[i])
            for _, i in find_phrases(msg.tokens, self._c.vocab.persistence_cues)
        )

    def _long_enough(self, rule: Rule, msg: Message) -> bool:
        """`min_elapsed`: the stated duration, else the time since the session, reaches the threshold."""
        if rule.min_elapsed is None:
            return True
        elapsed = msg.stated_hours if msg.stated_hours is not None else msg.session_hours
        returned = any(strong and not msg.hypothetical[pos] for _, pos, strong in msg.reactivations)
        if msg.stated_hours is not None and msg.session_hours is not None and returned:
            # "came back this morning and hasn't stopped for the past few hours": it began at the session
            elapsed = max(msg.stated_hours, msg.session_hours)
        return elapsed is not None and elapsed >= rule.min_elapsed

    def _lasting(self, rule: Rule, msg: Message) -> bool:
        """`persistence`: the patient says it has lasted (or a session is known, if so allowed)."""
        if rule.persistence is None or self.persisting(msg):
            return True
        return rule.persistence == "required_without_session" and msg.session_hours is not None

    def _not_too_late(self, rule: Rule, msg: Message) -> bool:
        """`max_session_hours`: not within that many hours of a known session."""
        latest, hours = rule.max_session_hours, msg.session_hours
        return latest is None or hours is None or hours >= latest

    def _since_treatment(self, rule: Rule, msg: Message) -> bool:
        """`max_stated`: not a problem told as lasting that much longer than the time since the session
        (an unknown session counts as just now)."""
        limit, stated = rule.max_stated, msg.stated_hours
        if limit is None or stated is None:
            return True
        return stated <= (msg.session_hours or 0.0) + limit

    def _timing_holds(self, rule: Rule, msg: Message) -> bool:
        return (
            self._long_enough(rule, msg)
            and self._lasting(rule, msg)
            and self._not_too_late(rule, msg)
            and self._since_treatment(rule, msg)
        )

    def _first_clause(self, rule: Rule, msg: Message) -> int:
        """The first clause that mentions what the rule looks for, even as passed (0 for an `all` rule);
        but a clause that tells it as present and lasting comes first: "the tension headaches eased after
        the session. But NOW I've had a constant headache FOR TWO DAYS" is not improving."""
        lasting = {
            msg.clause[i]
            for phrase, i in find_phrases(msg.tokens, self._c.vocab.persistence_cues)
            if not msg.hypothetical[i] and not msg.negated[i] and not self._mild_after(msg, i + len(phrase))
        }
        told_lasting = {c for p in rule.any for c in self._m.clauses(p, msg) if c in lasting}
        if told_lasting:
            return min(told_lasting)
        found = [min(c) for p in rule.any if (c := self._m.clauses(p, msg, active_only=False))]
        return min(found, default=0)

    def _mild_after(self, msg: Message, i: int) -> bool:
        """ "much better, STILL A LITTLE tender": what lasts is told as mild, a remainder of what eased."""
        vocab, words = self._c.vocab, msg.tokens[i : i + 2]
        a_little = (
            len(words) == 2 and words[0] in self._c.language.articles and words[1] in vocab.mild_after_a
        )
        return bool(words) and (words[0] in vocab.mild_remainders or a_little)

    # ------------------------------------------------------------------ patterns

    def _requirements(self, rule: Rule, msg: Message) -> tuple[bool, str | None]:
        """(all hold, their evidence joined) for the rule's `requires`."""
        if not rule.requires:
            return True, None
        found: list[str] = []
        for name in rule.requires:
            evidence = REQUIREMENTS[name](self, msg)
            if evidence is None:
                return False, None
            found.append(evidence)
        return True, " + ".join(found)

    def _all_groups(self, rule: Rule, msg: Message) -> str | None:
        found: list[str] = []
        for group in rule.all:
            hit = next(
                (
                    m
                    for p in group
                    if (m := self._m.match(p, msg, count_resolved=rule.count_resolved)) is not None
                ),
                None,
            )
            if hit is None:
                return None
            found.append(hit)
        return " + ".join(found)

    def _pattern_evidence(self, rule: Rule, msg: Message) -> str | None:
        for pattern in rule.any:
            evidence = self._m.match(
                pattern, msg, ignore_negation=rule.ignore_negation, count_resolved=rule.count_resolved
            )
            if evidence is not None:
                return evidence
        return self._all_groups(rule, msg) if rule.all else None

    def _excluded(self, rule: Rule, msg: Message) -> bool:
        if any(self._m.match(p, msg) is not None for p in rule.unless_except):
            return False  # "my husband's had a fever SINCE HIS MASSAGE": he is a patient too
        if rule.urgency != "emergency":
            return any(self._m.match(p, msg, active_only=False) is not None for p in rule.unless)
        explained: set[int] = set()
        for pattern in rule.unless:
            explained |= self._m.told_up_to(pattern, msg)
        if not explained:
            return False
        # An emergency sign told after what the `unless` explains still counts: "the doctor can't see me
        # until next week" explains "can't see", not "... and my face is drooping".
        return self._pattern_evidence(rule, msg.without_words(explained)) is None

    def _unexplained(self, rule: Rule, msg: Message) -> Message:
        """The message without the clauses that name their own everyday cause (`explained_in_clause`):
        "my lip is still numb from the dentist's injection" tells a numb lip and why."""
        clauses = {c for p in rule.explained_in_clause for c in self._m.clauses(p, msg)}
        return msg.without_words({i for i, c in enumerate(msg.clause) if c in clauses}) if clauses else msg

    def rule_evidence(self, rule: Rule, msg: Message) -> str | None:
        """The words (and checks) that make the rule fire on this message, or None."""
        if rule.denied_by:
            msg = msg.without_words(set().union(*(self._m.words_of(p, msg) for p in rule.denied_by)))
        if rule.explained_in_clause:
            msg = self._unexplained(rule, msg)
        holds, required = self._requirements(rule, msg)
        if not holds or not self._timing_holds(rule, msg):
            return None
        evidence = _joined(required, self._pattern_evidence(rule, msg), bool(rule.any or rule.all))
        if evidence is None or self._excluded(rule, msg):
            return None
        # `unless_improving`, read once the rule's words matched: it looks for where they are told
        if rule.unless_improving and self.improving(msg, self._first_clause(rule, msg)):
            return None
        return evidence


def _scores_only(rule: Rule) -> bool:
    """An urgent rule that fires on pain scores alone (no words of its own)."""
    return (
        rule.urgency != "emergency"
        and not (rule.any or rule.all)
        and all(name.startswith("pain_score") for name in rule.requires)
    )


def _came_back(msg: Message, clause: int, pos: int) -> bool:
    """ "The headache was gone BUT CAME BACK today": a strong reactivation after the "gone"."""
    return any(strong and rc in (clause, clause + 1) and rp > pos for rc, rp, strong in msg.reactivations)


def _joined(required: str | None, matched: str | None, has_patterns: bool) -> str | None:
    """A rule's evidence: what its requirements found, then the words its patterns matched. A rule with
    patterns needs a match; one without fires on its requirements alone."""
    if not has_patterns:
        return required
    if matched is None or required is None:
        return matched
    return f"{required} + {matched}"


Requirement = Callable[[Triage, Message], "str | None"]
# Named checks a red-flag rule may require (`requires = [...]` in red_flags.toml): a fever (word or
# measured temperature), a pain score that went up, one that has not come down, a stated age at or
# above [thresholds.older_age]. A new check is one small method and one entry here.
REQUIREMENTS: Final[Mapping[str, Requirement]] = {
    "fever": Triage.fever,
    "measured_fever": Triage.measured_fever,
    "pain_score_rising": Triage.pain_score_rising,
    "pain_score_lingering": Triage.pain_score_lingering,
    "older_age": Triage.older_age,
}
