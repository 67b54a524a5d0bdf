"""A second language's answer content, laid over the base language's.

A language's answers.toml holds its [reading] (its words read onto the concept words), the surface words
of its pain scores and ages, and every reply text; its red_flags.toml holds, for every rule id of the
base file, the texts the patient sees (worry, why, call_911_if, reply). Everything that decides
(patterns, sets, thresholds, urgencies, categories, rule order, routing) comes from the base files, so
both languages triage by the same rules and staff alerts and stats group them under the same ids. One
exception: [routing] decided_by, since the topic classifier learns from the base language's labelled
messages and a language with few examples of its own may do better with the keyword rules.
A missing or unknown text stops start-up with one line naming the file and key.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from bot.content import ContentError, content_path, require_table

# Tables of the base answers.toml that a language replaces as a whole (its texts and its surface words).
_TEXT_TABLES: Final = ("lines", "red_flag_replies", "empty")
_SURFACE_VOCABULARY: Final = ("pain_scores", "ages")
# A topic's texts; its keywords stay the base's.
_TOPIC_TEXTS: Final = ("lines", "watch", "session_line", "phase")
# A rule's texts; everything else about it stays the base's.
_RULE_TEXTS: Final = ("worry", "why", "call_911_if", "reply")


def _where(name: str, language: str) -> str:
    return f"bot/content/{content_path(name, language)}"


def merge_answers(base: Mapping[str, Any], overlay: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The base answers with the language's reading, surface words and texts in place of its own."""
    where = _where("answers.toml", language)
    merged = copy.deepcopy(dict(base))
    merged["language"] = overlay.get("language")
    _merge_routing(merged["routing"], overlay.get("routing", {}), where)
    merged["reading"] = require_table(overlay, "reading", where)
    for table in _TEXT_TABLES:
        merged[table] = require_table(overlay, table, where)
    vocabulary = require_table(overlay, "vocabulary", where)
    for table in _SURFACE_VOCABULARY:
        merged["vocabulary"][table] = require_table(vocabulary, table, f"{where} [vocabulary]")
    _add_words(merged["vocabulary"], vocabulary.get("add", {}), f"{where} [vocabulary.add]")
    topics = require_table(overlay, "topics", where)
    for name, topic in merged["topics"].items():
        merged["topics"][name] = _merge_topic(
            topic, require_table(topics, name, f"{where} [topics]"), name, where
        )
    unknown = sorted(set(topics) - set(merged["topics"]))
    if unknown:
        raise ContentError(f"{where}: unknown topics {unknown}")
    return merged


def _merge_routing(base: dict[str, Any], routing: Any, where: str) -> None:
    """The one routing setting a language may give: what picks its routine topics."""
    if not isinstance(routing, dict) or set(routing) - {"decided_by"}:
        raise ContentError(f"{where} [routing]: only 'decided_by' may be given here")
    if "decided_by" in routing:
        base["decided_by"] = routing["decided_by"]


def _add_words(base: dict[str, Any], add: Any, where: str) -> None:
    """Words a language adds to the base word lists, as concept words: Spanish says "el pecho nada"
    (the chest: nothing), so "nothing" after a word denies it there, and only there."""
    if not isinstance(add, dict):
        raise ContentError(f"{where}: must be a table of word lists")
    for key, words in add.items():
        if not isinstance(base.get(key), list):
            raise ContentError(f"{where}: '{key}' is not a word list of [vocabulary]")
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ContentError(f"{where}: '{key}' must be a list of words")
        base[key] = [*base[key], *words]


def _merge_topic(base: dict[str, Any], overlay: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    tw = f"{where} [topics.{name}]"
    for key in _TOPIC_TEXTS:
        if key in base:
            if key not in overlay:
                raise ContentError(f"{tw}: missing '{key}'")
            base[key] = overlay[key]
    variants = overlay.get("variants", {})
    for vname, variant in base.get("variants", {}).items():
        if not isinstance(variants.get(vname), dict) or "lines" not in variants[vname]:
            raise ContentError(f"{tw}: missing variants.{vname}.lines")
        variant["lines"] = variants[vname]["lines"]
    unknown = sorted(set(overlay) - set(_TOPIC_TEXTS) - {"variants"})
    if unknown:
        raise ContentError(f"{tw}: only texts may be given here, not {unknown}")
    return base


def merge_red_flags(base: Mapping[str, Any], overlay: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The base rules, each with the language's texts for it (matched by rule id)."""
    where = _where("red_flags.toml", language)
    merged = copy.deepcopy(dict(base))
    texts = overlay.get("rule")
    if not isinstance(texts, list) or not all(isinstance(t, dict) for t in texts):
        raise ContentError(f"{where}: needs [[rule]] entries (id and texts)")
    by_id = {str(t.get("id")): t for t in texts}
    ids = [rule.get("id") for rule in merged["rule"]]
    unknown = sorted(set(by_id) - set(map(str, ids)))
    if unknown:
        raise ContentError(f"{where}: unknown rule ids {unknown}")
    for rule in merged["rule"]:
        text = by_id.get(str(rule.get("id")))
        if text is None:
            raise ContentError(f"{where}: missing texts for rule '{rule.get('id')}'")
        extra = sorted(set(text) - {"id", "named_why", *_RULE_TEXTS})
        if extra:
            raise ContentError(f"{where}: rule '{rule['id']}' may give only texts, not {extra}")
        for key in _RULE_TEXTS:
            if (key in rule) != (key in text):
                state = "is missing" if key in rule else "has no base text for"
                raise ContentError(f"{where}: rule '{rule['id']}' {state} '{key}'")
            if key in text:
                rule[key] = text[key]
        _merge_named(rule, text.get("named_why"), where)
    return merged


def _merge_named(rule: dict[str, Any], whys: Any, where: str) -> None:
    """A rule's named `why`s in the language ("named_why", one per [[rule.named]] in order); without them
    the rule keeps its general `why` in that language."""
    named = rule.get("named")
    if named is None:
        return
    if whys is None:
        del rule["named"]
        return
    if not isinstance(whys, list) or len(whys) != len(named) or not all(isinstance(w, str) for w in whys):
        raise ContentError(f"{where}: rule '{rule['id']}' named_why must give one text per named entry")
    for entry, why in zip(named, whys, strict=True):
        entry["why"] = why
