"""The answer content (answers.toml and red_flags.toml) loaded and validated once, at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.answers.english import ENGLISH
from bot.answers.language import Language
from bot.answers.patterns import PatternCompiler
from bot.answers.quantities import AgeWords, PainScoreWords, Ranges, load_ranges
from bot.answers.reading import Reader
from bot.answers.routing import DECIDERS, POLICIES
from bot.answers.rule_loader import load_rules
from bot.answers.schema import ANSWERS_FILE, RED_FLAGS_FILE, ROUTINE_TOPICS, Topic
from bot.answers.spanish import SPANISH
from bot.answers.templates import COMMON_FIELDS, PERSON_FIELDS, RED_FLAG_FIELDS, check_reply
from bot.answers.topic_loader import load_topic
from bot.answers.vocabulary import Vocabulary
from bot.content import (
    BASE_LANGUAGE,
    ContentError,
    content_path,
    require_positive,
    require_str,
    require_table,
    require_texts,
)

_THRESHOLD_KEYS: Final = (
    "sore_expected",
    "not_easing",
    "headache_dizziness",
    "long_standing",
    "fever",
    "pain_score",
    "large_bruise",
    "older_age",
)
_AGO_KEYS: Final = ("under_one_hour", "one_hour", "hours", "one_day", "days", "one_week", "weeks")
# The languages the engine can read, by the code answers.toml names in `language`.
LANGUAGES: Final[Mapping[str, Language]] = {language.code: language for language in (ENGLISH, SPANISH)}


def _probability(table: Mapping[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ContentError(f"{where}: '{key}' must be a number from 0 to below 1")
    return float(value)


def _count(table: Mapping[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ContentError(f"{where}: '{key}' must be a whole number of at least 1")
    return value


def _language(answers: Mapping[str, Any], where: str) -> Language:
    code = require_str(dict(answers), "language", where)
    if code not in LANGUAGES:
        raise ContentError(f"{where}: unknown language '{code}' (the engine reads {', '.join(LANGUAGES)})")
    return LANGUAGES[code]


@dataclass(frozen=True)
class Weights:
    """What a topic's live and inactive (negated, resolved) strong and plain keywords score."""

    strong: int
    strong_inactive: int
    keyword: int
    keyword_inactive: int

    @classmethod
    def load(cls, table: Mapping[str, Any], where: str) -> Weights:
        raw = require_table(table, "weights", where)
        return cls(
            **{
                k: _count(raw, k, f"{where}.weights")
                for k in ("strong", "strong_inactive", "keyword", "keyword_inactive")
            }
        )


class Thresholds:
    """Clinical thresholds ([thresholds] in answers.toml), each with its sources."""

    def __init__(self, answers: Mapping[str, Any], where: str) -> None:
        thresholds = require_table(answers, "thresholds", where)
        self.tables: dict[str, dict[str, float]] = {}
        for key in _THRESHOLD_KEYS:
            tw = f"{where} [thresholds.{key}]"
            entry = require_table(thresholds, key, f"{where} [thresholds]")
            require_texts(entry, "source", tw)
            self.tables[key] = {
                k: require_positive(entry, k, tw)
                for k, v in entry.items()
                if k != "source" and not isinstance(v, list)
            }
        self._where = where
        self.sore_low = self._get("sore_expected", "low_hours")
        self.sore_high = self._get("sore_expected", "high_hours")
        self.not_easing = self._get("not_easing", "hours")
        self.headache_hours = self._get("headache_dizziness", "hours")
        self.long_standing = self._get("long_standing", "hours")
        self.fever_f = self._get("fever", "fahrenheit")
        self.fever_c = self._get("fever", "celsius")
        self.pain_score_high = self._get("pain_score", "high")
        self.pain_score_rise = self._get("pain_score", "rise")
        self.pain_score_lingering = self._get("pain_score", "lingering")
        self.large_size_cm = self._get("large_bruise", "cm")
        self.older_age = self._get("older_age", "years")

    def _get(self, table: str, key: str) -> float:
        value = self.tables[table].get(key)
        if value is None:
            raise ContentError(f"{self._where} [thresholds.{table}]: missing key '{key}'")
        return value

    def by_name(self) -> dict[str, float]:
        """The thresholds a red-flag rule may name in `min_elapsed` / `max_session_hours` / `max_stated`."""
        return {
            "not_easing": self.not_easing,
            "long_standing": self.long_standing,
            "headache_dizziness": self.headache_hours,
            "sore_expected": self.sore_high,
        }


class AnswerContent:
    """Everything loaded from the two content files, validated."""

    def __init__(self, answers: Mapping[str, Any], red_flags: Mapping[str, Any]) -> None:
        code = answers.get("language")
        code = code if isinstance(code, str) and code in LANGUAGES else BASE_LANGUAGE
        a_where = f"bot/content/{content_path(ANSWERS_FILE, code)}"
        r_where = f"bot/content/{content_path(RED_FLAGS_FILE, code)}"
        self.language = _language(answers, a_where)
        # A language other than the concept words' reads its words onto them first (bot/answers/reading.py).
        reading = answers.get("reading")
        self.reader = (
            Reader.load(reading, f"{a_where} [reading]", self.language) if isinstance(reading, dict) else None
        )
        sets = require_table(red_flags, "sets", r_where)
        for name, value in sets.items():
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{r_where}: [sets] '{name}' must be a non-empty string")
        self.compiler = PatternCompiler(sets)
        self.thresholds = Thresholds(answers, a_where)
        self._load_vocabulary(require_table(answers, "vocabulary", a_where), f"{a_where} [vocabulary]")
        self._load_lines(require_table(answers, "lines", a_where), f"{a_where} [lines]")
        self._load_red_flag_replies(
            require_table(answers, "red_flag_replies", a_where), f"{a_where} [red_flag_replies]"
        )
        self.rules = load_rules(
            red_flags, r_where, self.compiler, self.thresholds.by_name(), self.default_call_911_if
        )
        self._load_routing(require_table(answers, "routing", a_where), f"{a_where} [routing]")
        empty = require_table(answers, "empty", a_where)
        self.empty_lines = require_texts(empty, "lines", f"{a_where} [empty]")
        for text in self.empty_lines:
            check_reply(text, COMMON_FIELDS, f"{a_where} [empty]")
        topics = require_table(answers, "topics", a_where)
        self.topics: dict[str, Topic] = {
            name: load_topic(topics, name, a_where, self.compiler) for name in ROUTINE_TOPICS
        }

    def _load_vocabulary(self, vocabulary: Mapping[str, Any], where: str) -> None:
        """[vocabulary] once: the word lists, then its pain score, age and range tables."""
        self.vocab = Vocabulary.load(vocabulary, where)
        self.ranges: Ranges = load_ranges(vocabulary, where)
        self.pain_words = PainScoreWords.load(
            require_table(vocabulary, "pain_scores", where), f"{where}.pain_scores", self.language
        )
        self.ages = AgeWords.load(
            require_table(vocabulary, "ages", where), f"{where}.ages", self.language, self.ranges
        )

    def _load_lines(self, lines: Mapping[str, Any], lw: str) -> None:
        self.disclosure = require_str(dict(lines), "disclosure", lw)
        self.hours_unknown = require_str(dict(lines), "hours_unknown", lw)
        self.hours_known = require_str(dict(lines), "hours_known", lw)
        self.booking_online = require_str(dict(lines), "booking_online", lw)
        self.booking_phone_only = require_str(dict(lines), "booking_phone_only", lw, allow_empty=True)
        check_reply(self.disclosure, COMMON_FIELDS, f"{lw} disclosure")
        check_reply(self.hours_unknown, COMMON_FIELDS, f"{lw} hours_unknown")
        check_reply(self.hours_known, frozenset({"hours"}), f"{lw} hours_known")
        check_reply(self.booking_online, frozenset({"booking_url"}), f"{lw} booking_online")
        check_reply(self.booking_phone_only, COMMON_FIELDS, f"{lw} booking_phone_only")
        ago = require_table(lines, "ago", lw)
        self.ago = {k: require_str(ago, k, f"{lw}.ago") for k in _AGO_KEYS}
        for k, v in self.ago.items():
            check_reply(v, frozenset({"n"}), f"{lw}.ago {k}")

    def _load_red_flag_replies(self, rf: Mapping[str, Any], rfw: str) -> None:
        self.emergency_lines = require_texts(rf, "emergency", rfw)
        self.urgent_lines = require_texts(rf, "urgent", rfw)
        self.default_call_911_if = require_str(dict(rf), "default_call_911_if", rfw)
        self.emergency_other_lines = require_texts(rf, "emergency_other", rfw)
        self.urgent_other_lines = require_texts(rf, "urgent_other", rfw)
        for i, text in enumerate(self.emergency_lines + self.urgent_lines):
            check_reply(text, RED_FLAG_FIELDS, f"{rfw} line {i + 1}")
        for i, text in enumerate(self.emergency_other_lines + self.urgent_other_lines):
            check_reply(text, RED_FLAG_FIELDS | PERSON_FIELDS, f"{rfw} other-person line {i + 1}")
        lead = self.language.emergency_lead
        if not self.emergency_lines[0].removeprefix("<b>").startswith(lead):
            raise ContentError(f"{rfw}: the emergency reply must lead with '{lead}'")

    def _load_routing(self, routing: Mapping[str, Any], where: str) -> None:
        order = require_texts(routing, "order", where)
        if sorted(order) != sorted(ROUTINE_TOPICS):
            raise ContentError(f"{where}: 'order' must list exactly these topics: {ROUTINE_TOPICS}")
        self.order = order
        self.health_topics = frozenset(require_texts(routing, "health_topics", where))
        self.general_topics = frozenset(require_texts(routing, "general_topics", where))
        self.decisive_only = frozenset(require_texts(routing, "decisive_only", where))
        # Topics the classifier may pick when the keyword rules are unsure.
        self.classifier_topics = tuple(t for t in ROUTINE_TOPICS if t not in self.decisive_only)
        unknown = (self.health_topics | self.general_topics | self.decisive_only) - set(ROUTINE_TOPICS)
        if unknown:
            raise ContentError(f"{where}: unknown health topics {sorted(unknown)}")
        self.general_topic_strong_hits = _count(routing, "general_topic_strong_hits", where)
        self.short_message_words = _count(routing, "short_message_words", where)
        self.weights = Weights.load(routing, where)
        self.decided_by = routing.get("decided_by", "rules")
        if self.decided_by not in DECIDERS:
            raise ContentError(f"{where}: 'decided_by' must be one of {', '.join(DECIDERS)}")
        self.question_weight = require_positive(routing, "question_weight", where)
        self.policies = require_texts(routing, "policies", where)
        unknown_policies = [p for p in self.policies if p not in POLICIES]
        if unknown_policies or len(set(self.policies)) != len(self.policies):
            raise ContentError(f"{where}: 'policies' may list each of {', '.join(POLICIES)} once")
        fallback = require_table(routing, "fallback", where)
        fw = f"{where}.fallback"
        self.fallback_min_probability = _probability(fallback, "min_probability", fw)
        self.fallback_clear_probability = _probability(fallback, "clear_probability", fw)
        self.soreness_window = require_positive(fallback, "soreness_window_hours", fw)
        self.soreness_cues = self.compiler.patterns(fallback, "soreness_cues", fw, required=True)
        self.soreness_body = self.compiler.patterns(fallback, "soreness_body", fw, required=True)
