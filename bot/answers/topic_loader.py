"""Routine topics ([topics.*] in answers.toml) validated into :class:`Topic` values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.answers.patterns import Pattern, PatternCompiler
from bot.answers.schema import Topic, Variant
from bot.answers.templates import COMMON_FIELDS, SESSION_FIELDS, check_reply
from bot.content import ContentError, require_str, require_table, require_texts

# The topic whose first line depends on the time since the session, and its phases.
PHASED_TOPIC: Final = "soreness"
PHASES: Final = ("none", "early", "mid", "late", "late_improving")


def _is_entry(entry: object) -> bool:
    """One `decisive_all` entry: a non-empty list of non-empty pattern lists."""
    return isinstance(entry, list) and bool(entry) and all(isinstance(g, list) and g for g in entry)


def _decisive_all(
    raw: Mapping[str, Any], where: str, compiler: PatternCompiler
) -> tuple[tuple[tuple[Pattern, ...], ...], ...]:
    """`decisive_all = [[[group 1 patterns], [group 2 patterns]], ...]`: a topic is settled when every
    group of one entry matches somewhere in the message ("first massage next week. Will I be sore?")."""
    value = raw.get("decisive_all", [])
    if not isinstance(value, list) or not all(_is_entry(entry) for entry in value):
        raise ContentError(f"{where}: 'decisive_all' must be a list of lists of non-empty pattern lists")
    return tuple(
        tuple(tuple(compiler.pattern(p, f"{where}.decisive_all") for p in group) for group in entry)
        for entry in value
    )


def _lines(raw: Mapping[str, Any], where: str) -> tuple[str, ...]:
    lines = require_texts(raw, "lines", where)
    for text in lines:
        check_reply(text, COMMON_FIELDS, f"{where} lines")
    return lines


def _phases(raw: Mapping[str, Any], tw: str) -> dict[str, str]:
    phase_table = require_table(raw, "phase", tw)
    phases: dict[str, str] = {}
    for key in PHASES:
        phases[key] = require_str(phase_table, key, f"{tw}.phase")
        check_reply(phases[key], COMMON_FIELDS if key == "none" else SESSION_FIELDS, f"{tw}.phase {key}")
    return phases


def _variants(
    raw: Mapping[str, Any], tw: str, line_count: int, compiler: PatternCompiler
) -> dict[str, Variant]:
    variants: dict[str, Variant] = {}
    for vname, vraw in raw.get("variants", {}).items():
        vw = f"{tw}.variants.{vname}"
        if not isinstance(vraw, dict):
            raise ContentError(f"{vw}: must be a table")
        vlines = _lines(vraw, vw)
        if len(vlines) != line_count:
            raise ContentError(f"{vw}: 'lines' must have as many lines as the topic's ({line_count})")
        variants[vname] = Variant(compiler.patterns(vraw, "keywords", vw, required=True), vlines)
    return variants


def load_topic(topics: Mapping[str, Any], name: str, where: str, compiler: PatternCompiler) -> Topic:
    raw = topics.get(name)
    tw = f"{where} [topics.{name}]"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: missing table [topics.{name}]")
    require_texts(raw, "source", tw)
    session_aware = bool(raw.get("session_aware", False))
    lines = _lines(raw, tw)
    watch = raw.get("watch")
    if watch is not None:
        watch = require_str(raw, "watch", tw)
        check_reply(watch, COMMON_FIELDS, f"{tw} watch")
    session_line = None
    phases: dict[str, str] = {}
    if name == PHASED_TOPIC:
        phases = _phases(raw, tw)
    elif session_aware:
        session_line = require_str(raw, "session_line", tw)
        check_reply(session_line, SESSION_FIELDS, f"{tw} session_line")
    return Topic(
        name=name,
        decisive=compiler.patterns(raw, "decisive", tw, required=False),
        decisive_all=_decisive_all(raw, tw, compiler),
        strong=compiler.patterns(raw, "strong", tw, required=True),
        keywords=compiler.patterns(raw, "keywords", tw, required=False),
        courtesy=compiler.patterns(raw, "courtesy", tw, required=False),
        lines=lines,
        watch=watch,
        session_aware=session_aware,
        session_line=session_line,
        phases=phases,
        variants=_variants(raw, tw, len(lines), compiler),
        decisive_unless=compiler.patterns(raw, "decisive_unless", tw, required=False),
    )
