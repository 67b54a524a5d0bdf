"""What each word of a message is doing: its clause, and whether it is negated ("no numbness"),
hypothetical ("what if I get dizzy"), a set phrase that only looks negative ("no doubt"), or part of
something that has passed ("the tingling went away"). Each is one pass over the words."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.answers.language import Language
from bot.answers.normalise import YEAR_WORD, find_phrases
from bot.answers.quantities import PainScore
from bot.answers.vocabulary import Phrase, Vocabulary

YEAR_TOKEN = YEAR_WORD.strip()  # a year the normaliser read ("2019")
# "after my c-section 3 years ago": a date this many words after a present cue belongs to the event.
_DATE_REACH = 5


@dataclass
class Clauses:
    """Words without punctuation, each with its clause and whether a comma or a new clause precedes it."""

    tokens: list[str]
    clause: list[int]
    comma_before: list[bool]
    clause_start: list[bool]


@dataclass
class Message:
    """A message read once: words, clauses, which words are negated/hypothetical, and timing cues."""

    tokens: list[str]
    clause: list[int]
    comma_before: list[bool]
    clause_start: list[bool]
    negated: list[bool]
    hypothetical: list[bool]
    pseudo: list[bool]
    slot_positions: dict[int, list[int]]
    resolution_cues: list[tuple[int, int]]  # (clause, end position)
    reactivations: list[tuple[int, int, bool]]  # (clause, position, strong)
    session_hours: float | None
    stated_hours: float | None
    measured_temps: list[tuple[float, str]]
    text: str = ""  # the message as sent (up to MAX_INPUT_CHARS), for the topic classifier
    pain_score: bool = False  # states a pain score ("a 4 today", "3/10")
    pain_scores: tuple[PainScore, ...] = ()  # each score with its time rank, in order
    age: float | None = None  # the oldest age stated ("I'm 78", "my mum is 85")
    denied: list[bool] | None = None  # words denied after them ("breathing easy"); None: none
    history: list[bool] | None = None  # words of a clause about the past ("a TIA in 2015"); None: none
    # words of a question about treatment for a long-standing symptom and of the clause saying it is
    # long-standing ("does chiro help with vertigo? I get it sometimes"); None: none. Urgent rules only.
    known: list[bool] | None = None
    # the known condition is told as lasting for years and unchanged, or known to a doctor ("numbness in
    # both feet for years, it hasn't changed, my doctor checks it"): it sets aside emergency rules too
    stable: bool = False

    def without_words(self, positions: set[int]) -> Message:
        """The same message with these words out of every pattern's reach."""
        kept = {sid: [i for i in at if i not in positions] for sid, at in self.slot_positions.items()}
        return dataclasses.replace(self, slot_positions={sid: w for sid, w in kept.items() if w})


def split_clauses(raw_tokens: Sequence[str], vocab: Vocabulary, language: Language) -> Clauses:
    """Sentence punctuation and clause breakers ("but", "although") start a new clause."""
    out = Clauses([], [], [], [])
    current = 0
    pending_comma = False
    new_clause = True
    for tok in raw_tokens:
        if tok in language.boundary_tokens:
            current += 0 if new_clause else 1
            new_clause, pending_comma = True, False
            continue
        if tok == ",":
            pending_comma = True
            continue
        if tok in vocab.clause_breakers and not new_clause:
            current += 1
            new_clause = True
        out.tokens.append(tok)
        out.clause.append(current)
        out.comma_before.append(pending_comma)
        out.clause_start.append(new_clause)
        pending_comma = new_clause = False
    return out


def pseudo_negations(tokens: Sequence[str], vocab: Vocabulary) -> list[bool]:
    """Words inside a phrase that looks negative and is not ("no doubt", "not only")."""
    pseudo = [False] * len(tokens)
    for phrase, i in find_phrases(tokens, vocab.pseudo_negations):
        for k in range(i, min(len(tokens), i + len(phrase))):
            pseudo[k] = True
    return pseudo


def _continues_list(c: Clauses, j: int, joiners: frozenset[str]) -> bool:
    """After a comma, is this still a list ("no numbness, tingling or weakness")?"""
    for k in range(j, min(len(c.tokens), j + 3)):
        if c.clause[k] != c.clause[j]:
            return False
        if c.tokens[k] in joiners or (k > j and c.comma_before[k]):
            return True
    return False


def _negation_ends(c: Clauses, i: int, j: int, vocab: Vocabulary, language: Language) -> bool:
    """Does the negation cue at i stop before word j?"""
    if c.clause[j] != c.clause[i] or c.tokens[j] in vocab.negation_terminators:
        return True
    if c.comma_before[j] and not _continues_list(c, j, language.list_joiners):
        return True  # "not dizzy, arm feels weak": the comma ended the negated list
    return c.tokens[j - 1] in language.negation_joiners and c.tokens[j] in vocab.negation_breakers


def _needed(c: Clauses, i: int, vocab: Vocabulary, language: Language) -> bool:
    """ "I can't stand up WITHOUT tipping over": what follows is what happens, not a denial."""
    if c.tokens[i] not in vocab.needed_after_cannot:
        return False
    return any(
        c.tokens[k] == language.cannot_word and c.clause[k] == c.clause[i] for k in range(max(0, i - 3), i)
    )


def negations(c: Clauses, pseudo: Sequence[bool], vocab: Vocabulary, language: Language) -> list[bool]:
    """Words within the negation window after a negation cue, in its clause and list."""
    n = len(c.tokens)
    negated = [False] * n
    for i, tok in enumerate(c.tokens):
        if tok not in vocab.negation_cues or pseudo[i] or _needed(c, i, vocab, language):
            continue
        last = i
        for j in range(i + 1, min(n, i + 1 + vocab.negation_window)):
            if _negation_ends(c, i, j, vocab, language):
                break
            negated[j] = True
            last = j
        # "no diplopia, dysarthria, dysphagia OR FACIAL NUMBNESS": a list that goes on past the window is
        # negated up to its last item, two words past its "or" / "nor"
        joiner = None
        for k in range(i + 1, min(n, last + 9)):
            if k > last and _negation_ends(c, i, k, vocab, language):
                break
            if c.tokens[k] in ("or", "nor"):
                joiner = k
                break
        if joiner is not None:
            for j in range(last + 1, min(n, joiner + 3)):
                if _negation_ends(c, i, j, vocab, language):
                    break
                negated[j] = True
    # "Tingling? None. Numbness? None.": a one-word question answered by a denial on its own
    for i in range(1, n):
        answer_alone = c.clause_start[i] and (i + 1 == n or c.clause_start[i + 1])
        asked_alone = c.clause_start[i - 1]
        if answer_alone and asked_alone and c.tokens[i] in vocab.answer_denials:
            negated[i - 1] = True
    return negated


def denials_after(c: Clauses, negated: list[bool], vocab: Vocabulary) -> list[bool] | None:
    """ "Breathing easy", "my chest feels totally normal": the word before a denial word (past linking
    words like "feels", "totally") is denied, as "no trouble breathing" is. Only triage reads these
    ("walking feels good" still says the message is about walking); so is the word joined to it by
    "and" / "or" ("lips and tongue fine")."""
    denied: list[bool] | None = None
    for _, i in _denial_pairs(c, negated, vocab):
        denied = denied if denied is not None else [False] * len(c.tokens)
        denied[i] = True
        head = _head_before(c, i, vocab)
        if head is not None:
            denied[head] = True  # "the TINGLING in my feet is normal": the tingling is denied too
        if i >= 2 and c.tokens[i - 1] in ("and", "or") and c.clause[i - 2] == c.clause[i]:
            denied[i - 2] = True  # "lips and breathing are fine": both are denied
    return denied


def _denial_pairs(c: Clauses, negated: list[bool], vocab: Vocabulary) -> Iterator[tuple[int, int]]:
    """(denial word, the word it denies): ("ok", "breathing") in "breathing ok"."""
    for j, tok in enumerate(c.tokens):
        # "his lips AREN'T SWOLLEN": a state said not to be there denies what it is said of
        state = c.tokens[j + 1] if j + 1 < len(c.tokens) else ""
        not_state = tok in vocab.negation_cues and state in vocab.denied_states
        if (tok not in vocab.denial_after and not not_state) or negated[j]:
            continue
        nxt = j + 1
        if nxt < len(c.tokens) and c.clause[nxt] == c.clause[j] and c.tokens[nxt] in vocab.ask_after_state:
            continue  # "blood thinners: OK TO massage these bruises?" asks, it tells no state
        i = j - 1
        while i >= 0 and c.clause[i] == c.clause[j] and c.tokens[i] in vocab.denial_links:
            i -= 1
        # "can't BREATHE normally"; not a blocker that ends the clause before ("the left one isn't.
        # Breathing is fine")
        blocked = i > 0 and c.clause[i - 1] == c.clause[i] and c.tokens[i - 1] in vocab.denial_blockers
        same_clause = i >= 0 and c.clause[i] == c.clause[j] and not c.comma_before[i + 1]
        if same_clause and not blocked and not _asked(c, j, vocab):
            yield j, i


def _asked(c: Clauses, j: int, vocab: Vocabulary) -> bool:
    """Is word j in a clause, or a part of it after a comma, that opens as a question ("IS cola coloured
    pee normal?", "quick q, IS cola-coloured urine normal")?"""
    start = j
    while start > 0 and c.clause[start - 1] == c.clause[j]:
        if c.comma_before[start] and c.tokens[start] in vocab.denial_questions:
            return True
        start -= 1
    return c.tokens[start] in vocab.denial_questions


def _state_words(c: Clauses, negated: list[bool], vocab: Vocabulary) -> set[int]:
    """Where "ok", "fine", "good" tell how something is ("breathing ok", "her face fine"), not whether
    treatment is ok ("is massage ok", "would it be ok")."""
    return {
        j
        for j, i in _denial_pairs(c, negated, vocab)
        if c.tokens[i] not in vocab.scope_treatment_words and c.tokens[i] not in vocab.ask_subjects
    }


def _head_before(c: Clauses, i: int, vocab: Vocabulary) -> int | None:
    """The word a place phrase hangs on: "tingling" in "tingling in my feet", "pain" in "the pain in my
    chest"."""
    k = i - 1
    if k >= 0 and c.tokens[k] in vocab.denial_determiners:
        k -= 1
    if k >= 1 and c.tokens[k] in vocab.denial_prepositions and c.clause[k - 1] == c.clause[i]:
        return k - 1
    return None


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
    return len(phrase) > 1 and any(
        (i < d <= end or start <= d < i) and c.clause[d] == c.clause[i] for d in dates
    )


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
    if end < len(c.tokens) and c.tokens[end] == YEAR_TOKEN:
        return True  # "off the meds SINCE 2019": a date long past, not today
    last = i + 1 == len(c.tokens) or c.clause[i + 1] != c.clause[i]
    if last and c.tokens[i] in vocab.settled_at_end:
        return True
    before = c.tokens[i - 1] if i > 0 else ""
    if before.isdigit() and i > 1 and c.tokens[i - 2] in ("am", "is", "im"):
        return True  # "I'm 54 NOW": an age, not the problem back
    if before in vocab.medicine_words and c.tokens[i] in vocab.medicine_now:
        return True  # "off blood thinners NOW": the medicine's state today, not the problem back
    return i > 0 and (negated[i - 1] or before in vocab.denial_after or before in vocab.settled_before)


def history(c: Clauses, negated: list[bool], vocab: Vocabulary) -> list[bool] | None:
    """Words of each clause that dates what it tells in the past ("I had a mini-stroke in 2015", "a clot
    years ago"), unless the clause also says it is here now ("... and today my arm is weak again")."""
    n = len(c.tokens)
    dated = {c.clause[i] for _, i in find_phrases(c.tokens, vocab.history_cues)}
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
    dates = [i for p, i in find_phrases(c.tokens, vocab.history_cues) if vocab.date_words.intersection(p)] + [
        i for i, t in enumerate(c.tokens) if t == YEAR_TOKEN
    ]
    # "LAST TIME after the massage I had ...", "THE FIRST TIME I CAME I was sore for days": a clause that
    # opens with its date tells the whole story then, its "after the" and "for days" included
    opened = {c.clause[i] for _, i in find_phrases(c.tokens, vocab.history_cues) if c.clause_start[i]}
    present = {
        c.clause[i]
        for phrase, i in find_phrases(c.tokens, vocab.present_cues)
        if not negated[i]
        and not _settled_before(c, negated, i, vocab, i + len(phrase))
        and not _dated_event(c, i, phrase, dates, vocab.relative_present_cues)
        and not _asks_treatment(c, phrase, i, vocab)
        and not (c.clause[i] in opened and tuple(phrase) in vocab.relative_present_cues)
    }
    past = dated - present
    if not past:
        return None
    if any(c.clause[i] in present - dated for _, i in find_phrases(c.tokens, vocab.history_referents)):
        return None  # "I had migraines years ago. Now I've had ONE for 2 days": the old words tell what it is
    # a lasting condition stays present whatever date it was found ("factor V Leiden, found as a kid")
    return [c.clause[i] in past and c.tokens[i] not in vocab.lasting_conditions for i in range(n)]


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
    filler |= _state_words(c, negated, vocab)
    asking = {
        c.clause[i]
        for i, t in enumerate(c.tokens)
        if t in vocab.scope_ask_words and i not in filler and not _opener(c, i, vocab)
    } & treatment
    stable = {c.clause[i] for _, i in find_phrases(c.tokens, vocab.stable_cues) if not negated[i]}
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
    return [c.clause[i] in known for i in range(len(c.tokens))]


def stable_condition(
    c: Clauses, negated: list[bool], vocab: Vocabulary, known: list[bool] | None
) -> list[bool] | None:
    """A known condition told as lasting for years and as unchanged or known to a doctor ("numbness in
    both feet for years now, it hasn't changed, my doctor checks it every year"): the known words and
    those of the clauses saying it is stable; None when it is not told so."""
    if known is None:
        return None
    years = any(
        _years_follow(phrase, 1) or any(w in vocab.long_habit_words for w in phrase)
        for phrase, _ in _habits(c, vocab)
    )
    stable = {c.clause[i] for _, i in find_phrases(c.tokens, vocab.stable_cues) if not negated[i]}
    if not years or not stable:
        return None
    return [k or c.clause[i] in stable for i, k in enumerate(known)]


def _habits(c: Clauses, vocab: Vocabulary) -> list[tuple[Sequence[str], int]]:
    """The phrases telling a symptom is a habit, with where each starts; "for 15 years" is the three
    words themselves."""
    habits = list(find_phrases(c.tokens, vocab.habitual_cues))
    habits += [
        (tuple(c.tokens[i : i + 3]), i)
        for i, t in enumerate(c.tokens)
        if t == "for" and _years_follow(c.tokens, i + 1)
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


def _years_follow(tokens: Sequence[str], j: int) -> bool:
    """ "... since 10 year(s)": a number of years right after the word."""
    return j + 1 < len(tokens) and tokens[j].isdigit() and tokens[j + 1] in ("year", "years", "yrs", "yr")


def hypotheticals(c: Clauses, vocab: Vocabulary) -> list[bool]:
    """Words from a hypothetical cue ("what if", "in case") to the end of its clause, or to a word that
    brings the message back to the present ("thought it'd go, and NOW my speech is slurry")."""
    n = len(c.tokens)
    hypothetical = [False] * n
    for phrase, i in find_phrases(c.tokens, vocab.hypothetical_cues):
        j = i
        while j < n and c.clause[j] == c.clause[i]:
            if j >= i + len(phrase) and c.tokens[j] in vocab.hypothetical_enders:
                break
            hypothetical[j] = True
            j += 1
    return hypothetical


def _is_resolution(c: Clauses, i: int, after: int, vocab: Vocabulary) -> bool:
    n = len(c.tokens)
    while after + 1 < n and c.tokens[after] in vocab.degree_words:
        after += 1  # "my wee has gone REALLY dark", "gone a BIT numb"
    if after < n and c.clause[after] == c.clause[i] and c.tokens[after] in vocab.resolution_not_before:
        return False  # "all my muscles stopped WORKING", "the bruise has gone ALL the way down"
    # "asleep from yesterday UNTIL now, normal?"
    return not (i > 0 and c.clause[i - 1] == c.clause[i] and c.tokens[i - 1] in vocab.resolution_not_after)


def _habitually(c: Clauses, i: int, vocab: Vocabulary) -> bool:
    """Is the resolution at i what usually happens ("NORMALLY they're gone by the next morning")?"""
    j = i - 1
    while j >= 0 and c.clause[j] == c.clause[i]:
        if c.tokens[j] in vocab.resolution_habits:
            return True
        j -= 1
    return False


def resolutions(
    c: Clauses, negated: list[bool], pseudo: list[bool], hypothetical: list[bool], vocab: Vocabulary
) -> list[tuple[int, int]]:
    """(clause, position) of each live "went away", "is gone", "stopped"."""
    found: list[tuple[int, int]] = []
    for phrase, i in find_phrases(c.tokens, vocab.resolution_cues):
        if not _is_resolution(c, i, i + len(phrase), vocab) or _habitually(c, i, vocab):
            continue
        if not negated[i] and not pseudo[i] and not hypothetical[i]:
            found.append((c.clause[i], i))
    return found


def reactivations(
    c: Clauses, negated: list[bool], vocab: Vocabulary, language: Language
) -> list[tuple[int, int, bool]]:
    """(clause, position, strong) of each "came back" or "still"; "still" is weak (its clause only)."""
    found: list[tuple[int, int, bool]] = []
    for phrase, i in find_phrases(c.tokens, vocab.reactivation_cues):
        after = i + len(phrase)
        if after < len(c.tokens) and c.tokens[after] in vocab.denial_after:
            continue  # "the scan CAME BACK normal": a result, not the symptom back
        if not negated[i]:
            found.append((c.clause[i], i, tuple(phrase) not in language.weak_reactivations))
    return found


def _over_later_in_clause(msg: Message, c: int, start: int, pos: int) -> bool:
    """ "numb but it went away": over, unless "it came back" (or "still" between the two)."""
    return not any(
        (rc == c and (strong or start < rp < pos)) or (rc == c + 1 and strong)
        for rc, rp, strong in msg.reactivations
    )


def _over_in_next_clause(msg: Message, c: int, pos: int, fillers: frozenset[str]) -> bool:
    """ "The tingling. It went away": the next clause says it is over, with only filler words before
    (unless it "came back" there or in the clause after: "it went away, but it came back this morning")."""
    if any(rc in (c, c + 1, c + 2) and strong for rc, _, strong in msg.reactivations):
        return False
    first = next(i for i, cl in enumerate(msg.clause) if cl == c + 1)
    return all(msg.tokens[k] in fillers for k in range(first, pos))


def resolved(start: int, end: int, msg: Message, fillers: frozenset[str]) -> bool:
    """Is the symptom over ("the tingling I had is gone", "numb but it went away")?

    Not when it "came back", or is "still" there.
    """
    c = msg.clause[start]
    for cue_clause, pos in msg.resolution_cues:
        if cue_clause == c and pos > end:
            if _over_later_in_clause(msg, c, start, pos):
                return True
        elif cue_clause == c + 1 and _over_in_next_clause(msg, c, pos, fillers):
            return True
    return False
