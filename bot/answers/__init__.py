"""Answer a patient's free-text message: red flags first, then the clinic's answer for the topic.

Why rules and not a model: triage must be deterministic and explainable (which rule fired, on which
words), and online symptom checkers get triage wrong far too often to leave it to a model. Every text,
threshold and pattern lives in ``bot/content/answers.toml`` and ``bot/content/red_flags.toml``; this
package only reads a message (typos, texting style, negation, "it went away", stated durations) and
picks the reply. It has no Telegram types: handlers call :func:`answer` or :meth:`AnswerEngine.answer`.

The path of a message, one module each:

- ``normalise`` (with ``spelling``): the text as typed to corrected, rewritten words;
- ``context``: clauses, negation, hypotheticals, things that have passed, one pass each;
- ``quantities``: durations, temperatures, sizes, pain scores and ages;
- ``triage``: the first red-flag rule the message meets (``matcher`` matches ``patterns``);
- ``routing``: otherwise the routine topic (keyword rules, then the ``topic_model`` classifier);
- ``replies``: the reply text; ``engine`` ties them together.

Content is loaded by ``loader`` (with ``vocabulary``, ``rule_loader``, ``topic_loader``). What is
specific to English beyond its word lists is in ``english`` behind the small ``language`` interface:
another language is its content plus one such module.
"""

from __future__ import annotations

from bot.answers.engine import AnswerEngine, answer, default_engine, packaged_topic_model
from bot.answers.schema import (
    ANSWERS_FILE,
    MAX_INPUT_CHARS,
    MAX_REPLY_CHARS,
    MAX_REPLY_LINES,
    MIN_REPLY_LINES,
    RED_FLAGS_FILE,
    ROUTINE_TOPICS,
    TOPICS,
    URGENCIES,
    Answer,
)
from bot.answers.topic_model import TopicModel

__all__ = [
    "ANSWERS_FILE",
    "MAX_INPUT_CHARS",
    "MAX_REPLY_CHARS",
    "MAX_REPLY_LINES",
    "MIN_REPLY_LINES",
    "RED_FLAGS_FILE",
    "ROUTINE_TOPICS",
    "TOPICS",
    "URGENCIES",
    "Answer",
    "AnswerEngine",
    "TopicModel",
    "answer",
    "default_engine",
    "packaged_topic_model",
]
