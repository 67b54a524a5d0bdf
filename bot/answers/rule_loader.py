"""Red-flag rules ([[rule]] in red_flags.toml) validated into :class:`Rule` values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.answers.patterns import Pattern, PatternCompiler
from bot.answers.schema import Rule
from bot.answers.templates import COMMON_FIELDS, PERSON_FIELDS, RED_FLAG_FIELDS, check_reply
from bot.answers.triage import REQUIREMENTS
from bot.content import ContentError, placeholders, require_str, require_texts

URGENCY_RANK: Final = {"emergency": 0, "urgent": 1}
PERSISTENCE: Final = (None, "required", "required_without_session")


def load_rules(
    data: Mapping[str, Any],
    where: str,
    compiler: PatternCompiler,
    thresholds: Mapping[str, float],
    default_call_911_if: str,
) -> tuple[Rule, ...]:
    """Every rule in file order; emergencies first, ids unique."""
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ContentError(f"{where}: no [[rule]] entries")
    rules: list[Rule] = []
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            raise ContentError(f"{where}: rule {index + 1} is not a table")
        loader = _RuleLoader(raw, where, index, compiler, thresholds, tuple(REQUIREMENTS))
        rules.append(_after(rules, loader.rule(default_call_911_if), where))
    return tuple(rules)


def _after(rules: list[Rule], rule: Rule, where: str) -> Rule:
    """The next rule, checked against those before it: a new id, and emergencies first."""
    if any(r.id == rule.id for r in rules):
        raise ContentError(f"{where} rule '{rule.id}': duplicate id")
    if rules and URGENCY_RANK[rule.urgency] < URGENCY_RANK[rules[-1].urgency]:
        raise ContentError(f"{where} rule '{rule.id}': emergency rules must all come before urgent ones")
    return rule


class _RuleLoader:
    """Reads one [[rule]] table; each key is checked where it is read."""

    def __init__(
        self,
        raw: dict[str, Any],
        where: str,
        index: int,
        compiler: PatternCompiler,
        thresholds: Mapping[str, float],
        requirements: tuple[str, ...],
    ) -> None:
        self.raw = raw
        self.rule_id = require_str(raw, "id", f"{where} rule {index + 1}")
        self.where = f"{where} rule '{self.rule_id}'"
        self.compiler = compiler
        self.thresholds = thresholds
        self.requirements = requirements

    def _urgency(self) -> str:
        urgency = require_str(self.raw, "urgency", self.where)
        if urgency not in URGENCY_RANK:
            raise ContentError(f"{self.where}: 'urgency' must be 'emergency' or 'urgent'")
        if not self.rule_id.startswith(urgency + "."):
            raise ContentError(f"{self.where}: id must start with '{urgency}.'")
        return urgency

    def _call_911_if(self, urgency: str, default: str) -> str:
        raw = self.raw
        if urgency == "urgent" or "call_911_if" in raw:
            call = raw.get("call_911_if", "")
            if not isinstance(call, str) or not call.strip():
                raise ContentError(f"{self.where}: missing key 'call_911_if'")
            check_reply(call, COMMON_FIELDS, f"{self.where} call_911_if")
        return str(raw.get("call_911_if", default))

    def _worry(self) -> str:
        """Every rule names its worry in patient words: a reminder after a 911 reply never shows the
        staff category."""
        worry = require_str(self.raw, "worry", self.where).strip()
        if "\n" in worry or len(worry) > 80 or placeholders(worry):
            raise ContentError(f"{self.where}: 'worry' must be a short line without placeholders")
        return worry

    def _named(self) -> tuple[tuple[tuple[Pattern, ...], str], ...]:
        """[[rule.named]] entries: `when` patterns and the `why` that names what was reported."""
        entries = self.raw.get("named", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ContentError(f"{self.where}: 'named' must be a list of tables with 'when' and 'why'")
        named: list[tuple[tuple[Pattern, ...], str]] = []
        for k, entry in enumerate(entries):
            where = f"{self.where} named[{k}]"
            why = require_str(entry, "why", where)
            check_reply(why, COMMON_FIELDS, f"{where} why")
            named.append((self.compiler.patterns(entry, "when", where, required=True), why))
        return tuple(named)

    def _requires(self) -> tuple[str, ...]:
        requires = self.raw.get("requires", [])
        if not isinstance(requires, list) or any(r not in self.requirements for r in requires):
            raise ContentError(f"{self.where}: 'requires' may only list {', '.join(self.requirements)}")
        return tuple(requires)

    def _threshold(self, key: str) -> float | None:
        if key not in self.raw:
            return None
        value = self.thresholds.get(self.raw[key])
        if value is None:
            names = ", ".join(self.thresholds)
            raise ContentError(f"{self.where}: '{key}' must name a threshold ({names})")
        return value

    def _persistence(self) -> str | None:
        persistence = self.raw.get("persistence")
        if persistence not in PERSISTENCE:
            raise ContentError(
                f"{self.where}: 'persistence' must be 'required' or 'required_without_session'"
            )
        return persistence

    def _reply_lines(self) -> tuple[str, ...]:
        if "reply" not in self.raw:
            return ()
        lines = require_texts(self.raw, "reply", self.where)
        for text in lines:
            check_reply(text, RED_FLAG_FIELDS | PERSON_FIELDS, f"{self.where} reply")
        return lines

    def rule(self, default_call_911_if: str) -> Rule:
        raw, rw, compiler = self.raw, self.where, self.compiler
        urgency = self._urgency()
        category = require_str(raw, "category", rw)
        sources = require_texts(raw, "source", rw)
        why = require_str(raw, "why", rw)
        check_reply(why, COMMON_FIELDS, f"{rw} why")
        call_911_if = self._call_911_if(urgency, default_call_911_if)
        requires = self._requires()
        any_patterns = compiler.patterns(raw, "any", rw, required=False)
        all_groups = compiler.pattern_groups(raw.get("all", []), rw)
        if not any_patterns and not all_groups and not requires:
            raise ContentError(f"{rw}: needs 'any' or 'all' patterns")
        return Rule(
            id=self.rule_id,
            urgency=urgency,
            category=category,
            source=sources,
            any=any_patterns,
            all=all_groups,
            unless=compiler.patterns(raw, "unless", rw, required=False),
            unless_except=compiler.patterns(raw, "unless_except", rw, required=False),
            denied_by=compiler.patterns(raw, "denied_by", rw, required=False),
            explained_in_clause=compiler.patterns(raw, "explained_in_clause", rw, required=False),
            requires=requires,
            min_elapsed=self._threshold("min_elapsed"),
            persistence=self._persistence(),
            unless_improving=bool(raw.get("unless_improving", False)),
            max_session_hours=self._threshold("max_session_hours"),
            max_stated=self._threshold("max_stated"),
            ignore_negation=bool(raw.get("ignore_negation", False)),
            count_resolved=bool(raw.get("count_resolved", False)),
            reads_known=bool(raw.get("reads_known", False)),
            reply_lines=self._reply_lines(),
            why=why,
            call_911_if=call_911_if,
            worry=self._worry(),
            named=self._named(),
        )
