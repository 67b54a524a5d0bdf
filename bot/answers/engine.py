"""The answer engine's facade: read the message, triage it, route it to a topic, render the reply."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from bot.answers.context import (
    Message,
    denials_after,
    hypotheticals,
    negations,
    pseudo_negations,
    reactivations,
    resolutions,
    split_clauses,
)
from bot.answers.history import history, known_condition, stable_condition
from bot.answers.loader import AnswerContent
from bot.answers.matcher import Matcher
from bot.answers.normalise import Normaliser
from bot.answers.overlay import merge_answers, merge_red_flags
from bot.answers.quantities import Quantities
from bot.answers.replies import Replies
from bot.answers.routing import SMALLTALK, SORENESS, Router
from bot.answers.schema import ANSWERS_FILE, MAX_INPUT_CHARS, RED_FLAGS_FILE, ROUTINE_TOPICS, Answer, Topic
from bot.answers.spelling import Speller
from bot.answers.topic_model import TopicModel
from bot.answers.triage import Triage
from bot.content import BASE_LANGUAGE, ClinicProfile, load_clinic, read_toml

# A message of one number and nothing but symbols or emoji around it ("3", "9 😬").
_BARE_NUMBER: Final = re.compile(r"[^\w]*(\d{1,2})[^\w]*")
_SCORE_SCALE: Final = 10


class AnswerEngine:
    """Answers one message at a time; built once from validated content and the clinic profile."""

    def __init__(
        self, content: AnswerContent, clinic: ClinicProfile, topic_model: TopicModel | None = None
    ) -> None:
        self._c = content
        t = content.thresholds
        self._speller = Speller(content.compiler, content.vocab)
        self._normaliser = Normaliser(
            content.vocab, content.language, self._speller, t.pain_score_high, t.large_size_cm, content.reader
        )
        if topic_model is None and content.reader is not None:  # a second language adds its own examples
            topic_model = TopicModel.with_language(ROUTINE_TOPICS, content.language.code, self._concept_text)
        self._model = topic_model if topic_model is not None else packaged_topic_model()
        self._quantities = Quantities(content.vocab, content.language, content.ranges)
        matcher = self._matcher = Matcher(content.vocab)
        self._triage = Triage(content, Matcher(content.vocab, triage=True))
        self._router = Router(content, matcher, self._model)
        self._replies = Replies(content, clinic)
        self._replies.validate()

    @classmethod
    def load(
        cls,
        clinic: ClinicProfile | None = None,
        topic_model: TopicModel | None = None,
        language: str = BASE_LANGUAGE,
    ) -> AnswerEngine:
        """Load and validate all content (of one language: "en", "es"); a bad file raises ContentError
        naming the file and key."""
        answers, red_flags = read_toml(ANSWERS_FILE), read_toml(RED_FLAGS_FILE)
        if language != BASE_LANGUAGE:
            answers = merge_answers(answers, read_toml(ANSWERS_FILE, language), language)
            red_flags = merge_red_flags(red_flags, read_toml(RED_FLAGS_FILE, language), language)
        content = AnswerContent(answers, red_flags)
        return cls(content, clinic if clinic is not None else load_clinic(), topic_model)

    @classmethod
    def from_data(
        cls,
        answers: Mapping[str, Any],
        red_flags: Mapping[str, Any],
        clinic: ClinicProfile,
        topic_model: TopicModel | None = None,
        overlay: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
    ) -> AnswerEngine:
        """Build from already-parsed content (for tests of content validation and for overrides); a
        second language's files are given as its overlay over the base files (bot/answers/overlay.py)."""
        if overlay is not None:
            language = str(overlay[0].get("language"))
            answers = merge_answers(answers, overlay[0], language)
            red_flags = merge_red_flags(red_flags, overlay[1], language)
        return cls(AnswerContent(answers, red_flags), clinic, topic_model)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self._c.rules)

    def worry(self, rule_id: str) -> str | None:
        """The patient-facing name of a red-flag rule's worry (None for an unknown or retired rule)."""
        return next((r.worry for r in self._c.rules if r.id == rule_id), None)

    def answer(self, text: str, hours_since_session: float | None = None) -> Answer:
        """Answer one message. Never raises: on an internal error it returns a safe fallback."""
        try:
            return self._answer(text if isinstance(text, str) else "", _clean_hours(hours_since_session))
        except Exception:  # a patient must always get a reply with the way to reach us
            reply = self._replies.render(self._c.topics["out_of_scope"].lines, {})
            return Answer(
                topic="out_of_scope", urgency="routine", reply=reply, rule="fallback.error", category=None
            )

    def _answer(self, text: str, session_hours: float | None) -> Answer:
        msg = self.read(text, session_hours)
        if msg is None and (score := self._bare_score(text, session_hours)) is not None:
            msg = self.read(f"{score}/10", session_hours)  # "9" the day after a session: a pain score
        if msg is None:
            return self._wordless(text)
        red_flag = self._triage.first_red_flag(msg)
        if red_flag is not None:
            rule, evidence = red_flag
            # a rule with its own reply is always about someone else ("my son told me he ..."): the
            # writer's "I" and "me" do not make it about them
            person = self._person(msg, about_other=bool(rule.reply_lines))
            reply = self._replies.red_flag(rule, person, self._triage.named_why(rule, msg))
            return Answer("red_flag", rule.urgency, reply, rule.id, rule.category, evidence=evidence)
        return self._routine(msg)

    def _person(self, msg: Message, *, about_other: bool = False) -> str | None:
        """Who the message is about when not the writer: "he", "she" or "they" ("my dad's face is
        drooping"); None when no one else is named, or the writer speaks of themselves as often
        (unless the rule already says the message is about someone else)."""
        v = self._c.vocab
        he = sum(1 for t in msg.tokens if t in v.subject_he)
        she = sum(1 for t in msg.tokens if t in v.subject_she)
        they = sum(1 for t in msg.tokens if t in v.subject_they)
        # the named person, not a pronoun: "my dad", "wife's", "my 8 year old"
        tokens = msg.tokens
        others = v.subject_he | v.subject_she | v.subject_they
        aged = _aged_child(tokens)  # "my 8 year old": someone named, and not the writer's "my"
        named = aged + sum(1 for t in tokens if t in others and t not in v.subject_pronouns)
        # "HIMSELF has a rash": "himself" opening a sentence names the husband (Irish English)
        named += sum(1 for i, t in enumerate(tokens) if t in v.naming_pronouns and msg.clause_start[i])
        first = (
            sum(1 for t in tokens if t in v.first_person)
            + sum(
                1  # "my teenage son": not the writer
                for i, t in enumerate(tokens[:-1])
                if t in v.first_possessive and not others.intersection(tokens[i + 1 : i + 3])
            )
            - aged
        )
        if not named or (he + she + they <= first and not about_other):
            return None
        if he != she:
            return "he" if he > she else "she"
        return "they"

    def _bare_score(self, text: str, session_hours: float | None) -> int | None:
        """A number from 0 to 10 alone ("3", "9 😬"), in the days after a session: how a patient answers
        "how sore are you?"; None otherwise (a number on its own means nothing else here)."""
        found = _BARE_NUMBER.fullmatch(text)
        if found is None or session_hours is None or session_hours > self._c.soreness_window:
            return None
        score = int(found.group(1))
        return score if score <= _SCORE_SCALE else None

    def _wordless(self, text: str) -> Answer:
        """Only emoji or punctuation: "👍" is an acknowledgement, "💧?" a question; nothing at all is help."""
        if not text.strip():
            return Answer(
                "bot_help", "routine", self._replies.render(self._c.empty_lines, {}), "input.empty", None
            )
        guess = self._model.predict(text, self._c.classifier_topics)
        name = guess.topic if guess.probability >= self._c.fallback_min_probability else SMALLTALK
        if name == SORENESS:  # its answer needs a message read in words (phases, variants)
            name = SMALLTALK
        topic = self._c.topics[name]
        reply = self._replies.render(self._replies.topic_lines(topic, topic.lines), {})
        return Answer(name, "routine", reply, f"topic.{name}", None, picked_by="classifier")

    # ------------------------------------------------------------------ reading

    def _concept_text(self, text: str) -> str:
        """A message as the concept words the classifier reads for a second language."""
        norm = self._normaliser
        return " ".join(norm.tokens(norm.expanded(text)))

    def read(self, text: str, session_hours: float | None) -> Message | None:
        """The message read once (words, clauses, context, quantities), or None when it has no words."""
        norm = self._normaliser
        vocab, lang = self._c.vocab, self._c.language
        expanded = norm.expanded(text)
        words = norm.tokens(expanded)
        c = split_clauses(words, vocab, lang)
        if not any(t.isalpha() for t in c.tokens):
            return None
        pseudo = pseudo_negations(c.tokens, vocab)
        negated = negations(c, pseudo, vocab, lang)
        hypothetical = hypotheticals(c, vocab)
        known = known_condition(c, negated, vocab)
        stable = stable_condition(c, negated, vocab, known)
        past = history(c, negated, vocab)
        # "spent a week in hospital" in a clause about years ago is not how long anything has lasted now
        present = (
            c.tokens if past is None else [t if not p else "" for t, p in zip(c.tokens, past, strict=True)]
        )
        return Message(
            tokens=c.tokens,
            clause=c.clause,
            comma_before=c.comma_before,
            clause_start=c.clause_start,
            negated=negated,
            hypothetical=hypothetical,
            pseudo=pseudo,
            slot_positions=self._slot_positions(c.tokens),
            resolution_cues=resolutions(c, negated, pseudo, hypothetical, vocab),
            reactivations=reactivations(c, negated, vocab, lang),
            session_hours=session_hours,
            stated_hours=self._quantities.stated_hours(present, session_hours),
            measured_temps=self._quantities.temperatures(c.tokens),
            # the classifier reads the concept words when the message was in a second language
            text=" ".join(words) if self._c.reader is not None else text[:MAX_INPUT_CHARS],
            pain_score=lang.any_pain_score.search(norm.fold(text)) is not None,
            pain_scores=self._c.pain_words.read(expanded, session_hours is not None),
            age=self._c.ages.oldest(expanded),
            denied=denials_after(c, negated, vocab),
            history=past,
            known=stable if stable is not None else known,
            stable=stable is not None,
        )

    def _slot_positions(self, tokens: list[str]) -> dict[int, list[int]]:
        """Where each pattern slot occurs in the message: the index every pattern is matched on."""
        positions: dict[int, list[int]] = {}
        for i, tok in enumerate(tokens):
            for sid in self._speller.slots_for(tok):
                positions.setdefault(sid, []).append(i)
        return positions

    # ------------------------------------------------------------------ routine topics

    def _routine(self, msg: Message) -> Answer:
        name, picked_by = self._router.pick(msg)
        topic = self._c.topics[name]
        extra = {"ago": self._replies.ago(msg.session_hours)} if msg.session_hours is not None else {}
        first, variant = self._first_line(topic, msg)
        body, chosen = self._body(topic, msg)
        reply = self._replies.render(self._replies.topic_lines(topic, body, first), extra)
        return Answer(
            name, "routine", reply, f"topic.{name}", None, variant=chosen or variant, picked_by=picked_by
        )

    def _first_line(self, topic: Topic, msg: Message) -> tuple[str | None, str | None]:
        """(first line, variant): the soreness phase, or a topic's line about the session."""
        if topic.name == SORENESS:
            phase = self._soreness_phase(msg)
            return topic.phases[phase], phase
        if topic.session_line and msg.session_hours is not None:
            return topic.session_line, None
        return None, None

    def _body(self, topic: Topic, msg: Message) -> tuple[tuple[str, ...], str | None]:
        """The topic's lines, or the variant whose keywords match most ("blood thinner", "thanks")."""
        body: tuple[str, ...] = topic.lines
        best_hits = 0
        chosen: str | None = None
        for vname, option in topic.variants.items():
            hits = sum(1 for p in option.keywords if self._matcher.match(p, msg) is not None)
            if hits > best_hits:
                body, best_hits, chosen = option.lines, hits, vname
        return body, chosen

    def _soreness_phase(self, msg: Message) -> str:
        hours = msg.session_hours
        t = self._c.thresholds
        if hours is None:
            return "none"
        if hours < t.sore_high:
            return "early"
        if hours < t.not_easing:
            return "mid"
        return "late_improving" if self._triage.improving(msg) else "late"


def _aged_child(tokens: list[str]) -> int:
    """ "my 8 year old", "our 14 yr old": someone named by their age."""
    return sum(
        1
        for i in range(len(tokens) - 3)
        if tokens[i] in ("my", "our")
        and tokens[i + 1].isdigit()
        and tokens[i + 2] in ("year", "years", "yr", "yrs")
        and tokens[i + 3] == "old"
    )


def _clean_hours(value: object) -> float | None:
    """Hours since the session, or None when unknown or nonsense (negative, NaN, not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        hours = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(hours) or hours < 0:
        return None
    return hours


@functools.cache
def packaged_topic_model() -> TopicModel:
    """The topic classifier trained on the packaged examples, once per process."""
    return TopicModel.load(ROUTINE_TOPICS)


@functools.cache
def default_engine(language: str = BASE_LANGUAGE) -> AnswerEngine:
    """The engine for the packaged content of a language and the clinic profile, once per process."""
    return AnswerEngine.load(language=language)


def answer(text: str, hours_since_session: float | None = None) -> Answer:
    """Answer one patient message with the default engine (see :meth:`AnswerEngine.answer`)."""
    return default_engine().answer(text, hours_since_session)
