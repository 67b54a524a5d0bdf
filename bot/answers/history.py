"""What a message tells as the past or as a long-known condition: clauses that date what they tell
("I had a mini-stroke in 2015": history), and a symptom the patient has long had, asked about with
treatment or told as unchanged (known_condition, stable_condition). Triage reads these to set old,
settled problems aside; anything said to happen now keeps every word live."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.answers.context import Clauses, state_words
from bot.answers.normalise import YEAR_WORD, find_phrases
from bot.answers.vocabulary import Phrase, Vocabulary

YEAR_TOKEN = YEAR_WORD.strip()  # a year the normaliser read ("2019")
# "after my c-section 3 years ago": a date this many words after a present cue belongs to the event.
_DATE_REACH = 5
# "STILL take apixaban": a medicine this many words after a present cue is what goes on.
_MEDICINE_REACH = 3
# A present cue (not one that goes on from the dated event: [vocabulary] goes_on_cues) opens what
# follows the comma within this many words ("..., NOW chest pain", "..., headache SINCE").
_CUE_AFTER_COMMA = 2


def _points_back(c: Clauses, i: int) -> bool:
    """ "That was in 2020", "it was years ago": a clause that starts by pointing back and gives a date."""
    starts = i == 0 or c.clause[i - 1] != c.clause[i]
    return (
        starts
        and c.tokens[i] in ("that", "this", "it")
        and c.tokens[i + 1] == "was"
        and any(t == YEAR_TOKEN or t == "ago" for t in c.tokens[i + 2 : i + 6])
    )


def _dated_event(
    c: Clauses, i: int, phrase: Sequence[str], dates: list[int], relative: Sequence[Phrase]
) -> bool:
    """ "AFTER MY c-section 3 YEARS AGO", "in 2020 AFTER MY first baby": a date close to a cue naming an
    event ("after my", "since the") belongs to that event; a one-word cue ("again", "today") is never
    dated so."""
    end = i + len(phrase) + _DATE_REACH
    # ... or, for a cue that times from an event, a date just before it: "a DVT IN 2020 AFTER MY first
    # baby" (not "had a TIA in 2016 and THIS FEELS the same")
    start = i - _DATE_REACH if tuple(phrase) in relative else i
    # ... but not across a comma: "a TIA years ago, all cleared, dizzy SINCE THE neck adjustment"
    return len(phrase) > 1 and any(
        (i < d <= end or (start <= d < i and not any(c.comma_before[d + 1 : i + 1])))
        and c.clause[d] == c.clause[i]
        for d in dates
    )


def _longest(found: Iterable[tuple[Sequence[str], int]]) -> list[tuple[Sequence[str], int]]:
    """One cue per position, the longest: "SINCE MY last visit two years ago" is the dated "since my",
    not also a bare "since"."""
    best: dict[int, Sequence[str]] = {}
    for phrase, i in found:
        if len(phrase) > len(best.get(i, ())):
            best[i] = phrase
    return [(phrase, i) for i, phrase in best.items()]


def _opens(c: Clauses, i: int, vocab: Vocabulary) -> bool:
    """Does the history cue at i open its clause ("LAST TIME ...", "THREE YEARS AGO I had ...")?"""
    if c.clause_start[i]:
        return True
    before = c.tokens[i - 1] if i > 0 else ""
    return c.clause_start[i - 1] and (before.isdigit() or before in vocab.number_words)


def _asks_treatment(c: Clauses, phrase: Sequence[str], i: int, vocab: Vocabulary) -> bool:
    """ "can I STILL get the hot stone massage?" asks about treatment; it says nothing of the symptom."""
    after = i + len(phrase)
    return (
        tuple(phrase) in vocab.treatment_question_cues
        and after < len(c.tokens)
        and c.tokens[after] in vocab.treatment_verbs
    )


def _settled_before(c: Clauses, negated: list[bool], i: int, vocab: Vocabulary, end: int) -> bool:
    """ "No problems NOW", "all fine NOW", "the MRI CAME BACK normal": the present cue says it is
    settled (or a result was fine), not that it is back."""
    after = end
    while after < len(c.tokens) and c.clause[after] == c.clause[i] and c.tokens[after] in vocab.settled_links:
        after += 1  # "every scan SINCE has been clear"
    if after < len(c.tokens) and c.clause[after] == c.clause[i] and c.tokens[after] in vocab.denial_after:
        return True
    if any(tuple(c.tokens[after : after + len(p)]) == tuple(p) for p in vocab.unchanged_after_present):
        return True  # "today NO DIFFERENT": told as unchanged (not "today it is the same feeling" as a TIA)
    if end < len(c.tokens) and (c.tokens[end] == YEAR_TOKEN or c.tokens[end] in vocab.month_names):
        return True  # "off the meds SINCE 2019", "out of the cast SINCE MARCH": a date past, not today
    last = i + 1 == len(c.tokens) or c.clause[i + 1] != c.clause[i]
    if last and c.tokens[i] in vocab.settled_at_end:
        return True
    before = c.tokens[i - 1] if i > 0 else ""
    if end < len(c.tokens) and end == i + 1 and c.tokens[end] in vocab.present_not_before:
        return True  # "for the NEW THERAPIST": a new person, not a new symptom
    if before.isdigit() and i > 1 and c.tokens[i - 2] in ("am", "is", "im"):
        return True  # "I'm 54 NOW": an age, not the problem back
    if before in vocab.medicine_words and c.tokens[i] in vocab.medicine_now:
        return True  # "off blood thinners NOW": the medicine's state today, not the problem back
    medicine_after = range(end, min(end + _MEDICINE_REACH, len(c.tokens)))
    if any(c.tokens[k] in vocab.medicine_words and c.clause[k] == c.clause[i] for k in medicine_after):
        return True  # "I STILL take apixaban every day": the medicine goes on, not the problem
    if i > 0 and c.comma_before[i]:
        return False  # "treated years ago, NOW chest pain": a new part of the clause, not "years ago now"
    return i > 0 and (negated[i - 1] or before in vocab.denial_after or before in vocab.settled_before)


def history(c: Clauses, negated: list[bool], vocab: Vocabulary) -> list[bool] | None:
    """Words of each clause that dates what it tells in the past ("I had a mini-stroke in 2015", "a clot
    years ago"), unless the clause also says it is here now ("... and today my arm is weak again")."""
    n = len(c.tokens)
    cues = list(find_phrases(c.tokens, vocab.history_cues))
    dated = {c.clause[i] for _, i in cues}
    # "I reacted to an oil once. THAT WAS IN 2020.": a dated clause that points back dates the one before
    dated |= {c.clause[i] - 1 for i in range(n - 1) if _points_back(c, i) and c.clause[i] - 1 >= 0}
    dated |= {
        c.clause[i]
        for phrase, i in find_phrases(c.tokens, vocab.history_age_cues)
        if i + len(phrase) < n and c.tokens[i + len(phrase)].isdigit()  # "when I was 15"
    }
    if not dated:
        return None
    # "3 years ago", "in 2017": a date that can belong to an event named just before it
    dates = [i for p, i in cues if vocab.date_words.intersection(p)] + [
        i for i, t in enumerate(c.tokens) if t == YEAR_TOKEN
    ]
    # "LAST TIME after the massage I had ...", "THE FIRST TIME I CAME I was sore for days": a clause that
    # opens with its date tells the whole story then, its "after the" and "for days" included
    opened = {c.clause[i] for _, i in cues if _opens(c, i, vocab)}
    present_at = [
        i
        for phrase, i in _longest(find_phrases(c.tokens, vocab.present_cues))
        if not negated[i]
        and not _settled_before(c, negated, i, vocab, i + len(phrase))
        and not _dated_event(c, i, phrase, dates, vocab.relative_present_cues)
        and not _asks_treatment(c, phrase, i, vocab)
        and not (c.clause[i] in opened and tuple(phrase) in vocab.relative_present_cues)
    ]
    present = {c.clause[i] for i in present_at}
    past = dated - present
    # "a TIA years ago, all cleared, HEADACHE SINCE the neck adjustment": a clause whose dates all come
    # before a comma and whose present cues all after it is past up to that comma only
    cut = _past_before_comma(c, dated & present, present_at, [i for _, i in cues], vocab)
    if not past and not cut:
        return None
    if any(c.clause[i] in present - dated for _, i in find_phrases(c.tokens, vocab.history_referents)):
        return None  # "I had migraines years ago. Now I've had ONE for 2 days": the old words tell what it is
    # a lasting condition stays present whatever date it was found ("factor V Leiden, found as a kid")
    return [
        (c.clause[i] in past or i < cut.get(c.clause[i], -1)) and c.tokens[i] not in vocab.lasting_conditions
        for i in range(n)
    ]


def _past_before_comma(
    c: Clauses, both: set[int], present_at: list[int], dated_at: list[int], vocab: Vocabulary
) -> dict[int, int]:
    """For each clause both dated and present: the comma just before its first present cue, when every
    date of the clause comes before it (the clause is past up to there): a comma right after the dates
    ("treated years ago, NOW chest pain"), or a later one when what comes between tells the old problem
    settled ("a TIA years ago, all cleared, dizzy since ..."), not one after symptoms told with the date
    ("a mini stroke in 2019 and the symptoms were exactly this: my leg is dragging, started 30 min ago")."""
    cut: dict[int, int] = {}
    for clause in both:
        first_present = min(i for i in present_at if c.clause[i] == clause)
        dates = [i for i in dated_at if c.clause[i] == clause]
        if not dates or max(dates) >= first_present or c.tokens[first_present] in vocab.goes_on_cues:
            continue
        commas = [k for k in range(max(dates) + 1, first_present + 1) if c.comma_before[k]]
        if not commas or first_present - commas[-1] > _CUE_AFTER_COMMA:
            continue
        between = c.tokens[max(dates) + 1 : commas[-1]]
        if not between or any(t in vocab.settled_before for t in between):
            cut[clause] = commas[-1]
    return cut


def known_condition(c: Clauses, negated: list[bool], vocab: Vocabulary) -> list[bool] | None:
    """A symptom the patient has long had, named in a question about treatment ("does chiro help with
    vertigo? I get it sometimes when I roll over", "can massage help my migraines? I get them twice a
    month", "on and off since my teens"): the clauses of the question and of the habit are a known
    condition, not a new red flag. Anything said to happen now ("since the adjustment", "today", "this
    one is different", "getting worse") anywhere in the message keeps every word live, and triage
    reads this only for urgent rules: an emergency sign is set aside only when the condition is also
    told as lasting for years and stable (stable_condition). The question's own clause counts even with
    no habit told ("does adjusting help with vertigo? my GP diagnosed BPPV"); a habit told as unchanged
    needs no question."""
    habits = _habits(c, vocab)
    inside = {i + k for phrase, i in habits for k in range(len(phrase))}
    treatment = {c.clause[i] for i, t in enumerate(c.tokens) if t in vocab.scope_treatment_words}
    filler = {i + k for phrase, i in find_phrases(c.tokens, vocab.ask_fillers) for k in range(len(phrase))}
    filler |= state_words(c, negated, vocab)
    asking = {
        c.clause[i]
        for i, t in enumerate(c.tokens)
        if t in vocab.scope_ask_words and i not in filler and not _opener(c, i, vocab)
    } & treatment
    stable = _stable_clauses(c, negated, vocab)
    # told as a habit AND as unchanged ("feet tingle like always from the neuropathy, zero change
    # there"), it is the known condition even in a message that asks nothing about treatment
    if not asking and not (habits and stable):
        return None
    ongoing = {i for _, i in find_phrases(c.tokens, vocab.stable_ongoing) if c.clause[i] in stable}
    for phrase, i in find_phrases(c.tokens, (*vocab.present_cues, *vocab.habitual_breakers)):
        if i in inside or negated[i] or _settled_before(c, negated, i, vocab, i + len(phrase)):
            continue  # "on and off SINCE my teens" is the habit itself; "nothing new" says nothing
        if i in ongoing:
            continue  # "STILL some weakness in her hand that hasn't changed": the condition, as it was
        if _asks_treatment(c, phrase, i, vocab):
            continue  # "can you STILL massage my legs?" asks about treatment, not the symptom
        if _years_follow(c.tokens, i + len(phrase)):
            continue  # "diabetes SINCE 10 years": long-standing
        return None
    known = asking | {c.clause[i] for _, i in habits} | stable
    known |= {k - 1 for k in known if k > 0 and _explains_before(c, k, vocab)}
    return [c.clause[i] in known for i in range(len(c.tokens))]


def _explains_before(c: Clauses, clause: int, vocab: Vocabulary) -> bool:
    """ "both my feet are numb BUT THAT IS MY diabetic neuropathy": a clause that opens by naming what
    the one before it tells."""
    start = c.clause.index(clause)
    if c.tokens[start] in vocab.clause_breakers:
        start += 1  # "BUT that is my neuropathy"
    opening = c.tokens[start : start + 4]
    if not opening or opening[0] not in vocab.explaining_openers:
        return False
    linked = opening[1:2] and opening[1] in vocab.explaining_links
    rest = opening[2:] if linked else opening[1:3]  # "that's my ..." reads "that my ..."
    return any(w in vocab.explaining_owners for w in rest)


def stable_condition(
    c: Clauses, negated: list[bool], vocab: Vocabulary, known: list[bool] | None
) -> list[bool] | None:
    """A known condition told as lasting for years and as unchanged or known to a doctor ("numbness in
    both feet for years now, it hasn't changed, my doctor checks it every year"): its known words (with
    the clauses saying it is stable); None when it is not told so."""
    if known is None:
        return None
    years = any(
        _years_follow(phrase, 1) or any(w in vocab.long_habit_words for w in phrase)
        for phrase, _ in _habits(c, vocab)
    )
    # the clauses told as stable are already among the known ones (known_condition)
    return known if years and _stable_clauses(c, negated, vocab) else None


def _stable_clauses(c: Clauses, negated: list[bool], vocab: Vocabulary) -> set[int]:
    """The clauses that tell a condition as unchanged or known to a doctor ("it hasn't changed")."""
    return {c.clause[i] for _, i in find_phrases(c.tokens, vocab.stable_cues) if not negated[i]}


def _habits(c: Clauses, vocab: Vocabulary) -> list[tuple[Sequence[str], int]]:
    """The phrases telling a symptom is a habit, with where each starts; "for 15 years", "for a few years now"
    are those words themselves."""
    habits = list(find_phrases(c.tokens, vocab.habitual_cues))
    habits += [
        (tuple(c.tokens[i:end]), i)
        for i, t in enumerate(c.tokens)
        if t == "for" and (end := _years_end(c.tokens, i + 1)) is not None
    ]
    return habits


def _opener(c: Clauses, i: int, vocab: Vocabulary) -> bool:
    """ "OK so I have these welts", "good, thanks": a word that opens the message, not one that asks
    ("ANYTHING I should tell the chiro?" asks); "when I HELP him dress": a word someone does."""
    nxt = i + 1
    if i > 0 and c.tokens[i - 1] in vocab.ask_not_after:
        return True
    return (
        c.tokens[i] in vocab.opener_words
        and c.clause_start[i]
        and nxt < len(c.tokens)
        and (c.comma_before[nxt] or c.tokens[nxt] in vocab.opener_next)
    )


_YEARS = ("year", "years", "yrs", "yr")
_SOME = ("a", "few", "couple", "of", "several", "many", "some", "good")


def _years_end(tokens: Sequence[str], j: int) -> int | None:
    """ "... since 10 year(s)", "for a few years now": where a number of years right after the word
    ends (a "now" after it included), or None."""
    k = j
    if k < len(tokens) and tokens[k].isdigit():
        k += 1
    else:
        while k < len(tokens) and k < j + 3 and tokens[k] in _SOME:
            k += 1
    if k == j or k >= len(tokens) or tokens[k] not in _YEARS:
        return None
    return k + 2 if k + 1 < len(tokens) and tokens[k + 1] == "now" else k + 1


def _years_follow(tokens: Sequence[str], j: int) -> bool:
    return _years_end(tokens, j) is not None
