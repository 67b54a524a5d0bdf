"""A small, deterministic topic classifier: it picks the routine topic of an English message, and is
the keyword rules' fallback where a language keeps them ([routing] decided_by in answers.toml).

It never decides urgency. Red-flag rules in ``bot/answers`` run first and keep all their authority;
this model only chooses among routine topics for a message that the rules already found routine.

Method: multinomial naive Bayes over binary features (each feature counted once per message):
word unigrams, word bigrams and character 3-5-grams of the normalised text, with Laplace smoothing.
Each feature family has its own weight, so the many character n-grams do not drown out the words.
It is trained when the engine loads, from ``bot/content/topic_examples.jsonl`` (one JSON object per
line: ``{"text": ..., "topic": ...}``), in plain Python with no dependency: the same examples always
give the same model and the same answers.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from bot.content import ContentError, content_path

EXAMPLES_FILE: Final = "topic_examples.jsonl"
# Only the start of a message is read: real questions are short, and this bounds the time per message.
MAX_CHARS: Final = 1_500
CHAR_NGRAMS: Final = (3, 4, 5)
# Laplace smoothing of feature counts.
ALPHA: Final = 0.3
# Weights of the feature families in the log-likelihood: character n-grams are many and overlap, so
# each counts for less than a word.
WORD_WEIGHT: Final = 1.0
BIGRAM_WEIGHT: Final = 1.0
CHAR_WEIGHT: Final = 0.25
# How much of the training prior to keep (1 = as in the examples, 0 = every topic equally likely).
PRIOR_WEIGHT: Final = 0.5
# Fewest examples a topic needs (a topic with none could never be chosen).
MIN_EXAMPLES_PER_TOPIC: Final = 5

# Longest remark (in words) that may follow a message's closing questions.
AFTERWORD_WORDS: Final = 6
_WORD = re.compile(r"[a-z0-9]+")
# A sentence: up to and including its end mark (or the end of the text).
_SENTENCE = re.compile(r"[^.?!\n]*(?:[.?!]+|\n|$)")
CHAR_PREFIX: Final = "c:"
WORD_PREFIX: Final = "w:"


def closing_questions(text: str) -> str | None:
    """The questions a message ends with, after what it tells ("Sore neck yesterday, heaps better
    today. KEEP STRETCHING?"); None when it does not end with a question or is all questions. A question
    followed by more ("what do you call a masseur who can't stop talking? a knead-y friend") is not it."""
    sentences = [m.group().strip() for m in _SENTENCE.finditer(text[:MAX_CHARS])]
    sentences = [s for s in sentences if any(ch.isalnum() for ch in s)]
    # a short remark after the questions ("... or is that a bad idea? Not on any other meds.") is set
    # aside when the message told something before them: the questions still close it ("Is it safe on
    # blood thinners? I take apixaban" stays one whole question)
    if (
        len(sentences) > 1
        and sentences[-2].endswith("?")
        and not sentences[-1].endswith("?")
        and len(sentences[-1].split()) <= AFTERWORD_WORDS
    ):
        sentences.pop()
    told = len(sentences)
    while told and sentences[told - 1].endswith("?"):
        told -= 1
    if told in (0, len(sentences)):
        return None
    return " ".join(sentences[told:])


def _is_symbol(ch: str) -> bool:
    """Emoji and other pictographs: '💧', '🤕', '🙌' carry meaning in short messages."""
    return unicodedata.category(ch) in ("So", "Sk") and ch not in "^`~"


def normalise(text: str) -> str:
    """Lower case, accents off, apostrophes out; emoji kept as words of their own."""
    text = unicodedata.normalize("NFKD", text[:MAX_CHARS])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "").replace("‘", "").replace("'", "").replace("`", "")
    out: list[str] = []
    for ch in text:
        if _is_symbol(ch):
            out.append(f" {ch} ")
        elif ch.isalnum() and ch.isascii():
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def features(text: str) -> dict[str, float]:
    """The message's features with their family weight: 'w:' words, 'b:' word pairs, 'c:' characters."""
    norm = normalise(text)
    words = [w for w in norm.split(" ") if w]
    found: dict[str, float] = {}
    for word in words:
        found[WORD_PREFIX + word] = WORD_WEIGHT
    padded = ["<s>", *words, "</s>"]
    for first, second in itertools.pairwise(padded):
        found[f"b:{first} {second}"] = BIGRAM_WEIGHT
    spaced = f" {norm} "
    for n in CHAR_NGRAMS:
        for i in range(len(spaced) - n + 1):
            gram = spaced[i : i + n]
            if gram.strip():
                found[CHAR_PREFIX + gram] = CHAR_WEIGHT
    return found


@dataclass(frozen=True)
class Prediction:
    """The most likely topic, how likely (0-1, after normalising over the topics), and the runner-up."""

    topic: str
    probability: float
    runner_up: str
    margin: float  # probability of the best minus that of the runner-up

    def ranked(self) -> tuple[str, str]:
        return self.topic, self.runner_up


# Per topic: how many examples; per feature, how many examples of each topic carry it; per topic, the
# features in all.
Counts = tuple[list[int], dict[str, list[int]], list[int]]


def _count_features(examples: Sequence[tuple[str, str]], topics: Sequence[str]) -> Counts:
    """Per topic: how many examples, how many carry each feature, and the features in all."""
    index = {t: i for i, t in enumerate(topics)}
    k = len(topics)
    doc_counts = [0] * k
    counts: dict[str, list[int]] = {}
    totals = [0] * k
    for text, topic in examples:
        ti = index.get(topic)
        if ti is None:
            raise ContentError(f"bot/content/{EXAMPLES_FILE}: unknown topic '{topic}'")
        doc_counts[ti] += 1
        for feat in features(text):
            row = counts.get(feat)
            if row is None:
                row = counts[feat] = [0] * k
            row[ti] += 1
            totals[ti] += 1
    return doc_counts, counts, totals


def _check_enough(topics: Sequence[str], doc_counts: Sequence[int]) -> None:
    thin = [t for t, n in zip(topics, doc_counts, strict=True) if n < MIN_EXAMPLES_PER_TOPIC]
    if thin:
        raise ContentError(
            f"bot/content/{EXAMPLES_FILE}: too few examples (fewer than {MIN_EXAMPLES_PER_TOPIC}) "
            f"for {', '.join(thin)}"
        )


class TopicModel:
    """Multinomial naive Bayes over binary word, word-pair and character n-gram features."""

    def __init__(
        self, examples: Sequence[tuple[str, str]], topics: Sequence[str], *, counted: Counts | None = None
    ) -> None:
        """Learn from the examples (or from their counts already made: ``counted``)."""
        if not topics:
            raise ContentError(f"bot/content/{EXAMPLES_FILE}: no topics to learn")
        self.topics: tuple[str, ...] = tuple(topics)
        k = len(self.topics)
        doc_counts, counts, totals = (
            counted if counted is not None else _count_features(examples, self.topics)
        )
        _check_enough(self.topics, doc_counts)
        vocab = len(counts)
        denominators = [math.log(totals[i] + ALPHA * vocab) for i in range(k)]
        # Stored per feature as the log-likelihood minus the topic's "unseen feature" value, so that a
        # message's score sums only over the features it has and that the examples contain. The
        # topic's denominator cancels out: what is left is log((count + alpha) / alpha), one value per
        # count, and most features share their row of counts with many others.
        unseen = [math.log(ALPHA) - denominators[i] for i in range(k)]
        rows: dict[tuple[int, ...], tuple[float, ...]] = {}
        self._weights: dict[str, tuple[float, ...]] = {}
        for feat, row in counts.items():
            key = tuple(row)
            weights = rows.get(key)
            if weights is None:
                weights = rows[key] = tuple(math.log((n + ALPHA) / ALPHA) for n in key)
            self._weights[feat] = weights
        n_docs = sum(doc_counts)
        self._prior = tuple(PRIOR_WEIGHT * math.log(doc_counts[i] / n_docs) for i in range(k))
        self._unseen = tuple(unseen)
        self.examples = n_docs

    @classmethod
    def from_jsonl(
        cls, raw: str, topics: Sequence[str], where: str = f"bot/content/{EXAMPLES_FILE}"
    ) -> TopicModel:
        return cls(parse_examples(raw, topics, where), topics)

    @classmethod
    def load(cls, topics: Sequence[str]) -> TopicModel:
        """Train on the packaged examples."""
        return cls((), topics, counted=_packaged_counts(tuple(topics)))

    @classmethod
    def with_language(cls, topics: Sequence[str], language: str, read: Callable[[str], str]) -> TopicModel:
        """Train on the packaged examples and a second language's own (bot/content/<code>/), the latter
        as the engine reads them (``read``: a message to its concept words), so that words of that
        language the reading leaves as they are still point to a topic."""
        path = content_path(EXAMPLES_FILE, language)
        own = parse_examples(_read_examples(path), topics, f"bot/content/{path}")
        return _trained_with(tuple(topics), tuple((read(text), topic) for text, topic in own))

    def log_scores(self, text: str) -> dict[str, float]:
        """Unnormalised log-probability of each topic."""
        k = len(self.topics)
        feats = features(text)
        totals = list(self._prior)
        weights = self._weights
        counted = 0.0
        for feat, weight in feats.items():
            row = weights.get(feat)
            if row is None:
                # An unknown feature counts for no topic (as a fitted vectoriser drops it): a name or a
                # typo, or the dozen character n-grams it brings, would each pull towards the topics with
                # the fewest examples ("my xylophone-tango shoulder aches" read as medication). Leaving
                # out unknown words changed 1 of 4,133 leave-one-set-out answers (95.5% either way).
                continue
            counted += weight
            for i in range(k):
                totals[i] += weight * row[i]
        return {t: totals[i] + counted * self._unseen[i] for i, t in enumerate(self.topics)}

    def predict(self, text: str, allowed: Iterable[str] | None = None) -> Prediction:
        """The best topic for the message, among the allowed ones (all by default)."""
        return self.choose(self.log_scores(text), allowed)

    def choose(self, log_scores: Mapping[str, float], allowed: Iterable[str] | None = None) -> Prediction:
        """The best topic of a message's log_scores, among the allowed ones (all by default): one
        scoring of the message serves several choices."""
        keep = set(allowed) if allowed is not None else None
        scores = {t: s for t, s in log_scores.items() if keep is None or t in keep}
        if not scores:
            raise ValueError("no topic allowed")
        top = max(scores.values())
        exp = {t: math.exp(s - top) for t, s in scores.items()}
        norm = sum(exp.values())
        # Ties go to the topic listed first: deterministic whatever the dict order of the input.
        ranked = sorted(exp, key=lambda t: (-exp[t], self.topics.index(t)))
        best = ranked[0]
        second = ranked[1] if len(ranked) > 1 else best
        p_best = exp[best] / norm
        p_second = exp[second] / norm if second != best else 0.0
        return Prediction(best, p_best, second, p_best - p_second)


@functools.cache
def _trained_with(topics: tuple[str, ...], extra: tuple[tuple[str, str], ...]) -> TopicModel:
    """The packaged examples and these, trained once per process (every engine of a language reads its
    examples to the same concept words, so it shares one model)."""
    return TopicModel((), topics, counted=_merged(_packaged_counts(topics), _count_features(extra, topics)))


@functools.cache
def _packaged_counts(topics: tuple[str, ...]) -> Counts:
    """The packaged examples counted once per process: the base language's model and every second
    language's start from the same counts (counting is most of the training time). Never changed."""
    return _count_features(packaged_examples(topics), topics)


def _merged(base: Counts, extra: Counts) -> Counts:
    """Two sets of counts added up, as new lists: ``base`` is shared and stays as it is."""
    docs = [a + b for a, b in zip(base[0], extra[0], strict=True)]
    totals = [a + b for a, b in zip(base[2], extra[2], strict=True)]
    counts = dict(base[1])
    for feat, row in extra[1].items():
        old = counts.get(feat)
        counts[feat] = row if old is None else [a + b for a, b in zip(old, row, strict=True)]
    return docs, counts, totals


def _example(line: str, number: int, known: set[str], where: str) -> tuple[str, str]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ContentError(f"{where} line {number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(item, Mapping):
        raise ContentError(f"{where} line {number}: must be a JSON object")
    text, topic = item.get("text"), item.get("topic")
    if not isinstance(text, str) or not text.strip():
        raise ContentError(f"{where} line {number}: 'text' must be a non-empty string")
    if topic not in known:
        raise ContentError(f"{where} line {number}: unknown topic {topic!r}")
    return text, str(topic)


def _read_examples(path: str) -> str:
    try:
        return resources.files("bot.content").joinpath(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ContentError(f"content file bot/content/{path} is missing") from exc


def packaged_examples(topics: Sequence[str]) -> list[tuple[str, str]]:
    """The base language's examples (bot/content/topic_examples.jsonl)."""
    return parse_examples(_read_examples(EXAMPLES_FILE), topics, f"bot/content/{EXAMPLES_FILE}")


def parse_examples(raw: str, topics: Sequence[str], where: str) -> list[tuple[str, str]]:
    """Read the examples file: one {"text", "topic"} object a line; blank lines and '//' lines skipped."""
    known = set(topics)
    out = [
        _example(line.strip(), number, known, where)
        for number, line in enumerate(raw.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("//")
    ]
    if not out:
        raise ContentError(f"{where}: no examples")
    return out
