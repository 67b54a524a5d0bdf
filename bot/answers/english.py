"""English: the grammar the message reader needs (its word lists are in bot/content/answers.toml)."""

from __future__ import annotations

import re
from typing import Final

from bot.answers.language import Language, Regexes

_NUMBER_WORDS: Final = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_SCORE_NUMBER: Final = r"(10|[0-9]|zero|one|two|three|four|five|six|seven|eight|nine|ten)"

# Any pain score, for the soreness-aware fallback: "4/10", "on a scale of 1-10", "my traps are a 4",
# "like a 3" (a small number after "is a", "like a"..., not followed by a unit: "a 5 minute walk").
_ANY_PAIN_SCORE: Final = re.compile(
    r"\b\d{1,2}\s*(?:/|out of|outta)\s*10\b|\bscale of\b"
    r"|\b(?:is|are|was|were|like|at|about|around|maybe|still|now|today|only)\s+(?:a|an)\s+(?:10|[0-9])\b"
    r"(?![.,:/]\d)(?!\s*(?:am|pm|min|mins|minutes?|hours?|hrs?|days?|weeks?|months?|years?|kg|lbs?|cm|mm|"
    r"inch|inches|%|x|times|percent|year|oclock)\b)"
)


def _pain_score_regexes(lead: str, bare: str, not_after: str) -> Regexes:
    """ "6/10" or "6 out of 10"; "a 6" after a lead word ("was a 4", "at a two"); "from 3 to 7", "3 -> 7"."""
    number = _SCORE_NUMBER
    slash = re.compile(rf"\b{number}\s*(?:/|out of|outta)\s*10\b")
    single = re.compile(
        rf"\b(?:{lead})\s+(?:a|an)\s+{number}\b{not_after}|\b(?:{bare})\s+(?:at\s+)?{number}\b{not_after}"
        rf"|(?:^|[,.;!?(]\s*)(?:a|an)\s+{number}\b{not_after}"
    )
    pair = re.compile(
        rf"\bfrom\s+(?:(?:a|an)\s+)?{number}(?:\s*/\s*10)?\s+"
        rf"(?:(?:up|down|all the way up|all the way down)\s+)?"
        rf"to\s+(?:(?:a|an)\s+)?{number}\b{not_after}"
        rf"|\b{number}(?:\s*/\s*10)?\s*(?:->|=>|→|>|to a|to an)\s*{number}\b{not_after}"
    )
    return slash, single, pair


def _age_regexes(who: str, not_after: str) -> Regexes:
    """ "I'm 78", "85 years old", "at 74", "(80, osteoporosis)"; last, "in my 80s" (read in decades)."""
    return (
        re.compile(rf"\b(?:{who})\s+(\d{{2,3}})\b{not_after}"),
        re.compile(
            r"\b(\d{2,3})\s*(?:-\s*)?(?:years?|yrs?)(?:\s*-\s*|\s+)old\b|\b(\d{2,3})\s*(?:yo|y/o|y\.o\.)(?![a-z])"
        ),
        re.compile(rf"(?:^|[.,;!?(]\s*)at\s+(\d{{2,3}})\b{not_after}"),
        re.compile(r"\((\d{2,3})\s*[,)]"),
        re.compile(r"\bin (?:my|his|her|their) ([1-9])0s\b"),
    )


def _size_cm(value: float, unit: str) -> float:
    if unit.startswith(("in", '"')):
        return value * 2.54
    return value / 10 if unit.startswith(("mm", "milli")) else value


_PRONOUNS: Final = {
    "he": {"they": "he", "them": "him", "their": "his", "themselves": "himself"},
    "she": {"they": "she", "them": "her", "their": "her", "themselves": "herself"},
    "they": {"they": "they", "them": "them", "their": "their", "themselves": "themselves"},
}
# "you" is the subject at the start of a clause or after these words, else the object ("guide you").
_SUBJECT_AFTER: Final = frozenset(
    {"if", "or", "and", "when", "that", "because", "unless", "until", "while", "as"}
)
_IRREGULAR: Final = {
    "have": "has",
    "are": "is",
    "do": "does",
    "go": "goes",
    "were": "was",
    "aren't": "isn't",
    "don't": "doesn't",
    "haven't": "hasn't",
}
_NO_AGREEMENT: Final = frozenset(
    {"can", "could", "will", "would", "may", "might", "must", "should", "had", "did", "need"}
)
# Words between the subject and its verb that take no agreement ("if she ALSO has", "he STILL feels").
_ADVERBS: Final = frozenset(
    {"also", "still", "ever", "just", "suddenly", "then", "now", "only", "really", "even"}
)
_WORD: Final = re.compile(r"[A-Za-z']+|[^A-Za-z']+")


def _agree(verb: str) -> str:
    """The verb after he or she: "get" -> "gets", "have" -> "has"; modals and past forms as they are."""
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _NO_AGREEMENT or low.endswith("ed"):
        return verb
    if low.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _third_person(text: str, person: str) -> str:
    """A reason written to the patient ("if you get short of breath", "your vision") about someone else."""
    forms = _PRONOUNS[person]
    parts = _WORD.findall(text)
    out: list[str] = []
    prev_word = ""
    agree_next = False
    for part in parts:
        if not part[0].isalpha() and part[0] != "'":
            out.append(part)
            if part.strip(" "):
                prev_word = ""  # punctuation starts a new clause
            continue
        low = part.lower()
        new = part
        if agree_next and low in _ADVERBS:
            pass  # the verb comes next: "you also have" -> "she also has"
        elif agree_next:
            new = _agree(part) if person != "they" else part
            agree_next = False
        elif low in ("you", "you're", "your", "yours", "yourself"):
            if low == "you":
                subject = prev_word == "" or prev_word in _SUBJECT_AFTER
                new = forms["they"] if subject else forms["them"]
                agree_next = subject
            elif low == "you're":
                new = forms["they"] + ("'re" if person == "they" else "'s")
            elif low == "yourself":
                new = forms["themselves"]
            else:
                new = forms["their"]
            if part[0].isupper():
                new = new[0].upper() + new[1:]
        out.append(new)
        prev_word = low
    return "".join(out)


ENGLISH: Final = Language(
    code="en",
    emergency_lead="Call 911 now",
    contractions=(
        (re.compile(r"\b(?:can|could)n?'t\b"), " cannot "),
        (re.compile(r"\bwon'?t\b"), " will not "),
        (re.compile(r"n't\b"), " not"),
        (re.compile(r"\bit's\b"), "it is"),
        (re.compile(r"'m\b"), " am"),
        (re.compile(r"'re\b"), " are"),
        (re.compile(r"'ve\b"), " have"),
        (re.compile(r"'ll\b"), " will"),
        (re.compile(r"'d\b"), " would"),
        (re.compile(r"'s\b"), ""),
    ),
    negation_word="not",
    cannot_word="cannot",
    shorthands=((re.compile(r"\bw/o\b"), " without "), (re.compile(r"\bw/"), " with ")),
    # a dash between spaces sets off a part of the sentence as a comma does ("it hasn't passed - 2 days now")
    symbols={" - ": " , ", " – ": " , ", " — ": " , ", "&": " and ", "-": " ", "_": " "},
    token=re.compile(r"\d+(?:\.\d+)?|[a-z]+|[.!?;\n]|,"),
    boundary_tokens=frozenset({".", "!", "?", ";", "\n"}),
    weekdays=("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    # "38,6": a decimal comma (two or three digits, then one) is read as a decimal point.
    decimal_comma=re.compile(r"\b(\d{2,3}),(\d)\b(?!,\d)"),
    slash_score=re.compile(r"\b(\d{1,2})\s*(?:/|out of|outta)\s*10\b"),
    any_pain_score=_ANY_PAIN_SCORE,
    clock_time=re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b"),
    # "10 cm across", "3 inches": a size, read as large or small against [thresholds.large_bruise].
    size=re.compile(
        r"\b(\d+(?:\.\d+)?)\s*(cm|centimet(?:er|re)s?|mm|millimet(?:er|re)s?|inch|inches|in\b|\")"
    ),
    size_cm=_size_cm,
    fever_reading=re.compile(r"(?:3[89]|4[0-2])\.\d|10[0-7]\.\d"),
    score_number=_SCORE_NUMBER,
    score_words={w: float(i) for i, w in enumerate(_NUMBER_WORDS)},
    list_joiners=frozenset({"or", "nor", "and"}),
    negation_joiners=frozenset({"and", "or", "with"}),
    weak_reactivations=frozenset({("still",)}),
    articles=frozenset({"a", "an"}),
    duration_link="of",
    duration_fillers=frozenset({"more", "or", "full", "whole", "long"}),
    counted_units=frozenset({"day", "week"}),
    fever_qualifier="high",
    pain_score_regexes=_pain_score_regexes,
    age_regexes=_age_regexes,
    pronouns=_PRONOUNS,
    third_person=_third_person,
)
