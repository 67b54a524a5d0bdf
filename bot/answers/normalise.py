"""From the text as typed to the words the rules read: folding, contractions, numbers made words,
spelling, rewrites, and figures of speech ("feels like a bruise", "traffic is killing me")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Final

from bot.answers.language import Language, fold
from bot.answers.reading import Reader
from bot.answers.schema import MAX_INPUT_CHARS
from bot.answers.spelling import Speller
from bot.answers.vocabulary import Phrase, Rewrite, Vocabulary

# "feels like a deep bruise": words after a simile cue that are read as a feeling.
SIMILE_REACH: Final = 4
# "traffic is killing me": words before a figure of speech searched for a subject that is not the body.
IDIOM_REACH: Final = 4
PAIN_SCORE_HIGH: Final = " painscorehigh "
# A lower score is still a word: "2/10 👍" is a check-in reply, not a message without words.
PAIN_SCORE_LOW: Final = " painscorelow "
CLOCK_TIME: Final = " clocktime "
# A calendar year ("a TIA in 2015"): history cues in the content name it as this word.
YEAR_WORD: Final = " yearnumber "
# "1. sore neck\n2. desk job\n3. ...": a list's numbers and bullets end a sentence, they are not amounts
# ("8 hrs a day\n3." is not "day 3"), when two or more lines start so.
_LIST_MARKER: Final = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)]|[-*\u2022\u00b7\u2013])[ \t]+")
# "before 3 years I had an operation": how many writers of another first language say "3 years ago".
_BEFORE_YEARS: Final = re.compile(r"\bbefore (\d{1,2}) (?:years?|yrs?)\b", re.IGNORECASE)
_YEAR: Final = re.compile(r"(?<![\d.,:/])(?:19[4-9]\d|20[0-4]\d)(?![\d.,:/]\d)")
SIZE_LARGE: Final = " sizelarge "
SIZE_SMALL: Final = " sizesmall "


# "7/10 tuesday, now its more like 3/10": a high score followed by a lower one told as now is the past.
_NOW_BEFORE: Final = re.compile(
    r"\b(?:now|today|currently|down to|more like|only)\b(?:\W+(?!was\b|were\b|had\b|yesterday\b)\w+){0,3}\W*$"
)
_NOW_AFTER: Final = re.compile(r"^\W*(?:right\s+)?(?:now|today|currently|tonight)\b")


def _eased(score: re.Match[str], scores: list[re.Match[str]]) -> bool:
    """A high slash score that a later, lower one told as "now" has replaced (English words; another
    language keeps every high score, the safe side)."""
    text = score.string
    if _NOW_AFTER.search(text[score.end() : score.end() + 20]):
        return False  # "9/10 now, was 3/10 yesterday": this one is now
    return any(
        later.start() > score.end()
        and float(later.group(1)) < float(score.group(1))
        and _NOW_BEFORE.search(text[max(score.end(), later.start() - 30) : later.start()])
        for later in scores
    )


def find_phrase(tokens: Sequence[str], phrase: Sequence[str], start: int = 0) -> Iterable[int]:
    """Where the phrase starts in the words; the first word is found by `index` (the hot path: every
    cue list is scanned over every message)."""
    n = len(phrase)
    first = phrase[0]
    stop = len(tokens) - n + 1
    i = start
    while i < stop:
        try:
            i = tokens.index(first, i, stop)
        except ValueError:
            return
        if all(tokens[i + k] == phrase[k] for k in range(1, n)):
            yield i
        i += 1


def find_phrases(
    tokens: Sequence[str], phrases: Iterable[Sequence[str]]
) -> Iterator[tuple[Sequence[str], int]]:
    """(phrase, start) for each listed phrase where it occurs, phrases in their listed order; phrases
    whose first word is not in the message are skipped without a scan."""
    present = set(tokens)
    for phrase in phrases:
        if phrase[0] in present:
            for i in find_phrase(tokens, phrase):
                yield phrase, i


def by_first_word(replacements: Sequence[Rewrite]) -> dict[str, tuple[Rewrite, ...]]:
    """The rewrites grouped by their first word, in their listed order (built once per engine)."""
    grouped: dict[str, list[Rewrite]] = {}
    for rewrite in replacements:
        grouped.setdefault(rewrite[0][0], []).append(rewrite)
    return {word: tuple(group) for word, group in grouped.items()}


def replace_phrases(tokens: list[str], by_first: Mapping[str, Sequence[Rewrite]]) -> list[str]:
    """Replace word sequences (longest listed first) in one left-to-right pass."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        found = None
        candidates = by_first.get(tokens[i])
        if candidates:
            found = next((r for r in candidates if tuple(tokens[i : i + len(r[0])]) == r[0]), None)
        if found is None:
            out.append(tokens[i])
            i += 1
        else:
            out.extend(found[1])
            i += len(found[0])
    return out


class Normaliser:
    """Turns a message into words: one instance per engine (its speller caches corrections)."""

    def __init__(
        self,
        vocab: Vocabulary,
        language: Language,
        speller: Speller,
        pain_score_high: float,
        large_cm: float,
        reader: Reader | None = None,
    ) -> None:
        self._vocab = vocab
        self._reader = reader
        self._lang = language
        self._speller = speller
        self._pain_score_high = pain_score_high
        self._large_cm = large_cm
        self._phrase_rewrites = by_first_word(vocab.phrase_rewrites)
        self._cannot = by_first_word(tuple((form, (language.cannot_word,)) for form in vocab.cannot_forms))

    def fold(self, text: str) -> str:
        return fold(text, MAX_INPUT_CHARS)

    def expanded(self, text: str) -> str:
        """Folded text with contractions spelt out and celebration emoji read as words ("🎉" -> "yay")."""
        text = _BEFORE_YEARS.sub(r"\1 years ago", text)
        if len(_LIST_MARKER.findall(text)) >= 2:  # a list; "7. it was a 4 yesterday" is a score
            text = _LIST_MARKER.sub(" . ", text)
        folded = self.fold(text)
        for emoji, word in self._vocab.emoji_words.items():
            if emoji in folded:
                folded = folded.replace(emoji, f" . {word} . ")  # an emoji ends its sentence
        for regex, replacement in self._lang.contractions:
            folded = regex.sub(replacement, folded)
        return folded

    def _numbers_as_words(self, expanded: str) -> str:
        lang = self._lang
        folded = expanded.replace("'", "")
        for regex, replacement in lang.shorthands:
            folded = regex.sub(replacement, folded)
        folded = lang.decimal_comma.sub(r"\1.\2", folded)
        for symbol, replacement in lang.symbols.items():
            folded = folded.replace(symbol, replacement)
        scores = list(lang.slash_score.finditer(folded))
        high = {
            m.start() for m in scores if float(m.group(1)) >= self._pain_score_high and not _eased(m, scores)
        }
        folded = lang.slash_score.sub(
            lambda m: PAIN_SCORE_HIGH if m.start() in high else PAIN_SCORE_LOW, folded
        )
        folded = lang.clock_time.sub(CLOCK_TIME, folded)
        folded = _YEAR.sub(YEAR_WORD, folded)
        return lang.size.sub(self._size_word, folded)

    def _size_word(self, match: re.Match[str]) -> str:
        cm = self._lang.size_cm(float(match.group(1)), match.group(2))
        return SIZE_LARGE if cm >= self._large_cm else SIZE_SMALL

    def tokens(self, expanded: str) -> list[str]:
        """The words of the message, corrected and rewritten, with sentence punctuation kept."""
        vocab = self._vocab
        tokens: list[str] = []
        found = self._lang.token.findall(self._numbers_as_words(expanded))
        if self._reader is not None:  # a second language's words, read as the concept words first
            found = self._reader.read(found)
        for tok in found:
            if tok in vocab.not_contractions:
                tokens.extend((vocab.not_contractions[tok], self._lang.negation_word))
            elif tok in vocab.rewrites:
                tokens.extend(vocab.rewrites[tok])
            else:
                tokens.append(self._speller.correct(tok))
        tokens = replace_phrases(tokens, self._phrase_rewrites)
        tokens = replace_phrases(tokens, self._cannot)
        tokens = self._rewrite_similes(tokens)
        tokens = self._rewrite_exertion(tokens)
        return self._defuse_idioms(tokens)

    def _is_simile(self, tokens: list[str], i: int) -> bool:
        vocab = self._vocab
        before = tokens[max(0, i - SIMILE_REACH) : i]
        simile = any(
            tuple(before[k : k + len(cue)]) == cue for cue in vocab.simile_cues for k in range(len(before))
        )
        seen = any(t in vocab.simile_visual for t in tokens[max(0, i - SIMILE_REACH - 2) : i + 3])
        return simile and not seen

    def _rewrite_similes(self, tokens: list[str]) -> list[str]:
        """'Feels like a deep bruise': a word after 'like' / 'as if' describes a feeling, not a sight,
        unless the patient says how it looks ('looks like a bruise')."""
        rewrites = self._vocab.simile_rewrites
        if not rewrites.keys() & set(tokens):
            return tokens
        out: list[str] = []
        for i, tok in enumerate(tokens):
            replacement = rewrites.get(tok)
            if replacement is not None and self._is_simile(tokens, i):
                out.extend(replacement)
            else:
                out.append(tok)
        return out

    def _rewrite_exertion(self, tokens: list[str]) -> list[str]:
        """'Feels like I did 100 squats', 'like the day after leg day': a workout named after a simile cue
        describes how sore the patient feels, not an activity they ask about. Not after a wish or a plan
        ('I feel like I should go to the gym'): a blocker word between the cue and the workout keeps it."""
        vocab = self._vocab
        if not vocab.exertion_words.intersection(tokens):
            return tokens
        out = list(tokens)
        stops = vocab.exertion_blockers | self._lang.boundary_tokens
        for cue in vocab.exertion_cues:
            for start in find_phrase(tokens, cue):
                end = start + len(cue)
                for k in range(end, min(len(tokens), end + SIMILE_REACH)):
                    if tokens[k] in stops:
                        break
                    if tokens[k] in vocab.exertion_words:
                        out[k] = vocab.exertion_replacement[0]
        return out

    def _idiom_at(self, tokens: list[str], i: int) -> Phrase | None:
        """The figure of speech starting at i, when its subject (just before it) is not the body."""
        phrase = next(
            (
                p
                for p in self._vocab.idiom_phrases
                if tokens[i] == p[0] and tuple(tokens[i : i + len(p)]) == p
            ),
            None,
        )
        if phrase is None or not self._vocab.idiom_subjects.intersection(
            self._same_sentence_before(tokens, i)
        ):
            return None
        return phrase

    def _same_sentence_before(self, tokens: list[str], i: int) -> list[str]:
        """The few words before position i, from the start of its sentence at the earliest."""
        before = tokens[max(0, i - IDIOM_REACH) : i]
        while any(t in self._lang.boundary_tokens for t in before):
            before = before[1:]
        return before

    def _defuse_idioms(self, tokens: list[str]) -> list[str]:
        """'Traffic is killing me', 'my boss will murder me': a figure of speech whose subject is not
        the body (one of the idiom subjects within the few words before it) is read as plain annoyance."""
        firsts = {phrase[0] for phrase in self._vocab.idiom_phrases}
        if not firsts.intersection(tokens):
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            phrase = self._idiom_at(tokens, i)
            if phrase is None:
                out.append(tokens[i])
                i += 1
            else:
                out.extend(self._vocab.idiom_replacement)
                i += len(phrase)
        return out
