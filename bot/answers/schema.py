"""What the answer engine decides and the shapes of its validated content (rules, topics, replies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from bot.answers.patterns import Pattern

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
    "history",
    "scope",
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

ANSWERS_FILE: Final = "answers.toml"
RED_FLAGS_FILE: Final = "red_flags.toml"


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
    # "soreness" (the soreness-aware fallback), "courtesy" (a short chat message the classifier was
    # unsure of), "passed" (a symptom told as passed). None for red flags.
    picked_by: str | None = None


@dataclass(frozen=True)
class Rule:
    """One red-flag rule of red_flags.toml."""

    id: str
    urgency: str
    category: str
    source: tuple[str, ...]
    any: tuple[Pattern, ...]
    all: tuple[tuple[Pattern, ...], ...]
    unless: tuple[Pattern, ...]
    unless_except: tuple[Pattern, ...]
    # Explicit denials ("not thinking of hurting myself") whose own words, and only those, are set
    # aside before a rule that ignores negation is read.
    denied_by: tuple[Pattern, ...]
    explained_in_clause: tuple[Pattern, ...]
    requires: tuple[str, ...]  # named checks that must all hold: see triage.REQUIREMENTS
    min_elapsed: float | None
    persistence: str | None
    unless_improving: bool
    max_session_hours: float | None
    # A stated duration this much longer than the time since the session is a long-standing problem
    # that predates the treatment ("tennis elbow for three months, not going away"), not soreness after it.
    max_stated: float | None
    ignore_negation: bool
    count_resolved: bool
    # An urgent rule whose signs count even in a question about treatment for a known condition ("safe to
    # get a massage tomorrow if my calf is swollen and hot?"), as an emergency rule's always do.
    reads_known: bool
    reply_lines: tuple[str, ...]
    why: str
    call_911_if: str
    # The worry in the patient's own words ("chest pain"), for reminders after a 911 reply; the staff
    # see ``category`` instead.
    worry: str
    # A `why` naming what the patient reported ("A drooping face can be a sign of a stroke ..."): the
    # first entry whose patterns match replaces the rule's general `why` (issue 11: name what was told).
    named: tuple[tuple[tuple[Pattern, ...], str], ...] = ()


@dataclass(frozen=True)
class Variant:
    keywords: tuple[Pattern, ...]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """One routine topic of answers.toml: how it is recognised and what it answers."""

    name: str
    decisive: tuple[Pattern, ...]  # a live match settles the topic before any scoring
    decisive_all: tuple[tuple[tuple[Pattern, ...], ...], ...]  # each: every group matches, anywhere
    strong: tuple[Pattern, ...]
    keywords: tuple[Pattern, ...]
    courtesy: tuple[Pattern, ...]
    lines: tuple[str, ...]
    watch: str | None
    session_aware: bool
    session_line: str | None
    phases: Mapping[str, str]
    variants: Mapping[str, Variant]
    # A live match of any of these stops the topic's decisive patterns ("can massage help my migraines?"
    # is scope, "can massage help the headache I've had since my adjustment?" is about that headache).
    decisive_unless: tuple[Pattern, ...] = ()
