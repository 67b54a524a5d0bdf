"""Which routine topic a message is about, once every red-flag rule has passed it by.

[routing] decided_by in answers.toml says who decides. "classifier" (English): the topic classifier
(trained on bot/content/topic_examples.jsonl) picks among all routine topics, reading the questions a
message ends with twice ([routing] question_weight), except that in the days after a session a reply of
pain scores alone, or a sore body part the classifier is not clear about, is soreness, and that a short
chat message it is unsure of ("ok", "hiya") is smalltalk. "rules" (Spanish): the keyword rules decide
when they are confident (a decisive pattern, or a live strong keyword of one topic that no other topic
ties), the classifier otherwise, with the `policies` steps on top.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.answers.context import Message
from bot.answers.matcher import Matcher
from bot.answers.schema import Topic
from bot.answers.topic_model import TopicModel, closing_questions

if TYPE_CHECKING:
    from bot.answers.loader import AnswerContent

SORENESS: Final = "soreness"
SMALLTALK: Final = "smalltalk"
NO_TOPIC: Final = "out_of_scope"
HISTORY: Final = "history"
CLASSIFIER: Final = "classifier"
# What picks the routine topic ([routing] decided_by): the classifier alone, or the keyword rules with
# the classifier as their fallback.
DECIDERS: Final = (CLASSIFIER, "rules")

Pick = tuple[str, str]  # (topic, how it was picked)


@dataclass(frozen=True)
class RulePick:
    """What the keyword rules found: the best topic, its score, whether a strong keyword of it is
    live, the topics tied with it, and each topic's (score, live strong keywords)."""

    name: str
    score: int
    live: bool
    tied: tuple[str, ...]
    scores: dict[str, tuple[int, int]]


class Router:
    """Picks the routine topic; one per engine."""

    def __init__(self, content: AnswerContent, matcher: Matcher, model: TopicModel) -> None:
        self._c = content
        self._m = matcher
        self._model = model
        w = content.weights
        self._weights = ((w.strong, w.strong_inactive, True), (w.keyword, w.keyword_inactive, False))
        self._policies = tuple(POLICIES[name] for name in content.policies)
        self._all_topics = tuple(content.order)

    def score(self, topic: Topic, msg: Message) -> tuple[int, int]:
        """(score, how many strong keywords are live). Strong keywords outweigh plain ones; negated or
        resolved mentions still hint at the topic ("the headache is gone, is that normal?") but count less."""
        keywords = topic.keywords
        strong = topic.strong
        if len(msg.tokens) > self._c.short_message_words:
            # "ok", "good" say nothing about the topic of a longer message; "hi" and "thanks" count a little
            keywords = topic.courtesy if topic.name == SMALLTALK else (*keywords, *topic.courtesy)
        else:
            strong = (*strong, *topic.courtesy)
        score = live_strong = 0
        for (active_weight, inactive_weight, is_strong), patterns in zip(
            self._weights, (strong, keywords), strict=True
        ):
            for pattern in patterns:
                if self._m.match(pattern, msg) is not None:
                    score += active_weight
                    live_strong += is_strong
                elif self._m.match(pattern, msg, active_only=False) is not None:
                    score += inactive_weight
        return score, live_strong

    def _rule_pick(self, msg: Message) -> RulePick:
        c = self._c
        scores = {name: self.score(c.topics[name], msg) for name in c.order}
        eligible = self._eligible(scores)
        best_name, best_score = NO_TOPIC, 0
        for name, score in eligible.items():
            if score > best_score:
                best_name, best_score = name, score
        tied = tuple(n for n, sc in eligible.items() if best_score > 0 and sc == best_score)
        return RulePick(best_name, best_score, scores[best_name][1] > 0, tied, scores)

    def _eligible(self, scores: dict[str, tuple[int, int]]) -> dict[str, int]:
        """Each topic's score, in routing order, without general topics that give way to a specific one.

        "can I take ibuprofen for the soreness" is about medication, unless the message is plainly about
        the general topic ("how long is soreness supposed to last? asking before I book more"): enough of
        its strong keywords. "hi, I'm sore" is soreness: smalltalk is not specific."""
        c = self._c
        specific = any(
            live > 0
            for name, (_, live) in scores.items()
            if name not in c.general_topics and name != SMALLTALK
        )
        return {
            name: scores[name][0]
            for name in c.order
            if name not in c.decisive_only
            and not (specific and name in c.general_topics and scores[name][1] < c.general_topic_strong_hits)
        }

    def soreness_cue(self, msg: Message, *, scores_only: bool = False) -> bool:
        """A body part with an ache / pain / tightness word or a pain score, in the days after a session
        (with scores_only: any pain score the message gives, in those days)."""
        c = self._c
        hours = msg.session_hours
        if hours is None or hours > c.soreness_window:
            return False
        if scores_only:
            return bool(msg.pain_scores)
        if self._m.any_live(c.soreness_cues, msg):
            return True
        return msg.pain_score and self._m.any_live(c.soreness_body, msg)

    def _decisive(self, msg: Message) -> str | None:
        """A topic settled before scoring ("remind me to stretch", "will I be sore after my first visit?")."""
        for name in self._c.order:
            topic = self._c.topics[name]
            if self._m.any_live(topic.decisive, msg) or any(
                all(self._m.any_live(group, msg) for group in groups) for groups in topic.decisive_all
            ):
                if self._m.any_live(topic.decisive_unless, msg):
                    continue  # what the message reports now outranks the question's shape
                return name
        return None

    def pick(self, msg: Message) -> Pick:
        """(topic, how it was picked). It never sees red flags: this runs only after every red-flag rule
        has passed the message by."""
        if self._c.decided_by == CLASSIFIER:
            # a reply to a soreness check-in with only its scores ("5 today, was 7 yesterday") is soreness
            if msg.pain_scores and (by_scores := self._scores_after_visit(msg, self._rule_pick(msg))):
                return by_scores
            scores = self._classifier_scores(msg.text)
            guess = self._model.choose(scores, self._all_topics)
            topic = guess.topic
            if (
                topic != SMALLTALK
                and guess.probability < self._c.fallback_clear_probability
                and self._courtesy_only(msg)
            ):
                return SMALLTALK, "courtesy"  # "ok", "hiya", "nice one": not the classifier's unsure guess
            if topic != SMALLTALK and self._sore_rather_than(topic, msg, scores):
                return SORENESS, SORENESS  # "my neck is stiff" the day after a session
            return topic, CLASSIFIER
        decided = self._decisive(msg)
        if decided is not None:
            return decided, "decisive"
        found = self._rule_pick(msg)
        for policy in self._policies:
            picked = policy(self, msg, found)
            if picked is not None:
                return picked
        return found.name, "rules"

    def _courtesy_only(self, msg: Message) -> bool:
        """A short message whose only topic words, for the keyword rules, are chat ("ok", "hiya")."""
        if len(msg.tokens) > self._c.short_message_words:
            return False
        found = self._rule_pick(msg)
        return found.name == SMALLTALK and not any(
            score for name, (score, _) in found.scores.items() if name != SMALLTALK
        )

    def _classifier_scores(self, text: str) -> dict[str, float]:
        """The classifier's log_scores for the message, plus those of the questions it ends with, weighted
        ([routing] question_weight): what a message asks says more of its topic than what it tells. A
        settled past told (history) stays the message's topic: "My mother had a stroke years ago and has
        recovered. Can she have a gentle massage?" needs the history answer (tell us before treatment)."""
        scores = self._model.log_scores(text)
        asked = closing_questions(text)
        if asked is None or self._model.choose(scores, self._all_topics).topic == HISTORY:
            return scores
        weight = self._c.question_weight
        return {
            t: s + weight * q
            for (t, s), q in zip(scores.items(), self._model.log_scores(asked).values(), strict=True)
        }

    # ------------------------------------------------------------------ policies ([routing] policies)

    def _good_news_while_sore(self, msg: Message, found: RulePick) -> Pick | None:
        """Good news with a live soreness word ("a little achy but I can finally bend down") is about the
        soreness, unless the classifier sees another tied topic; "finally no soreness!" (negated) stays
        smalltalk."""
        if SMALLTALK not in (found.name, *found.tied) or not found.live or found.scores[SORENESS][1] <= 0:
            return None
        if len(found.tied) <= 1:
            return SORENESS, SORENESS
        return self._model.predict(msg.text, (SORENESS, *found.tied)).topic, "tie"

    def _tie(self, msg: Message, found: RulePick) -> Pick | None:
        """A tie: the classifier chooses among the tied topics."""
        if len(found.tied) <= 1:
            return None
        return self._model.predict(msg.text, found.tied).topic, "tie"

    def _scores_after_visit(self, msg: Message, found: RulePick) -> Pick | None:
        """ "it was a 6 last night, a 3 this morning" in the days after a visit."""
        if found.score == 0 and msg.pain_scores and self.soreness_cue(msg, scores_only=True):
            return SORENESS, SORENESS
        return None

    def _passed_hint(self, msg: Message, found: RulePick) -> Pick | None:
        """Only one topic is hinted at, strongly, by something that has passed ("I was dizzy right after
        but it's gone now", "my fingers tingled for a few minutes, all normal now"): the message is about
        that topic, a question about what happened, not whatever its other words suggest to the
        classifier."""
        hint = self._c.weights.strong_inactive
        if found.live or found.score < hint or found.name in (NO_TOPIC, SMALLTALK):
            return None  # "no rash, no hives, the oil smells lovely" is not about what it denies
        if any(score for name, (score, _) in found.scores.items() if name != found.name):
            return None  # another topic is hinted at too: the classifier weighs them
        return found.name, "passed"

    def _unsure(self, msg: Message, found: RulePick) -> Pick | None:
        """No topic rule fired, or only weak cues: the classifier's topic when it is likely enough."""
        if found.score != 0 and found.live:
            return None
        guess = self._model.predict(msg.text, self._c.classifier_topics)
        if found.score == 0 or guess.probability >= self._c.fallback_min_probability:
            return guess.topic, "classifier"
        return found.name, "rules"

    def _sore_after_visit(self, msg: Message, found: RulePick) -> Pick | None:
        """Sore body part in the days after a session: soreness, unless the other topic clearly applies."""
        if found.name == SMALLTALK or not self._sore_rather_than(found.name, msg):
            return None
        return SORENESS, SORENESS

    def _sore_rather_than(self, topic: str, msg: Message, scores: Mapping[str, float] | None = None) -> bool:
        """A sore body part in the days after a session is soreness, unless the classifier, choosing
        between soreness and the other topic, gives that one at least clear_probability (`scores`: the
        message's log_scores, when already computed)."""
        if topic == SORENESS or not self.soreness_cue(msg):
            return False
        if scores is None:
            scores = self._model.log_scores(msg.text)
        guess = self._model.choose(scores, (SORENESS, topic))
        return guess.topic == SORENESS or guess.probability < self._c.fallback_clear_probability


Policy = Callable[[Router, Message, RulePick], "Pick | None"]
# The steps [routing] `policies` in answers.toml may list, tried in the order listed there once no
# decisive pattern settled the topic: the first that picks a topic wins, else the keyword rules' topic.
POLICIES: Final[Mapping[str, Policy]] = {
    "good_news_while_sore": Router._good_news_while_sore,
    "tie": Router._tie,
    "scores_after_visit": Router._scores_after_visit,
    "passed_hint": Router._passed_hint,
    "unsure": Router._unsure,
    "sore_after_visit": Router._sore_after_visit,
}
