"""What each word of a message is doing: its clause, and whether it is negated ("no numbness"),
hypothetical ("what if I get dizzy"), a set phrase that only looks negative ("no doubt"), or part of
something that has passed ("the tingling went away"). Each is one pass over the words."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.answers.language import Language
from bot.answers.normalise import find_phrases
from bot.answers.quantities import PainScore
from bot.answers.vocabulary import Vocabulary


@dataclass
class Clauses:
    """Words without punctuation, each with its clause and whether a comma or a new clause precedes it."""

    tokens: list[str]
    clause: list[int]
    comma_before: list[bool]
    clause_start: list[bool]
    questions: set[int] = dataclasses.field(default_factory=set)  # clauses that end with "?"


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
            if tok == "?" and out.tokens and not new_clause:
                out.questions.add(current)
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
        if tok in vocab.negation_subjects:
            _negate_to_state(c, negated, i, vocab, language)
    # "Tingling? None. Numbness? None.": a one-word question answered by a denial on its own; "stiff
    # neck? no, she can move it fine", "worst headache ever? no lol": a short question asked and answered
    for i in range(1, n):
        if not c.clause_start[i] or c.tokens[i] not in vocab.answer_denials or pseudo[i]:
            continue
        answer_alone = i + 1 == n or c.clause_start[i + 1]
        if answer_alone and c.clause_start[i - 1]:
            negated[i - 1] = True
        answer_ends = answer_alone or c.comma_before[i + 1] or c.tokens[i + 1] in vocab.answer_followers
        question = [k for k in range(i) if c.clause[k] == c.clause[i - 1]]
        if answer_ends and c.clause[i - 1] in c.questions and len(question) <= vocab.answered_question_words:
            for k in question:
                negated[k] = True
    return negated


def _negate_to_state(c: Clauses, negated: list[bool], i: int, vocab: Vocabulary, language: Language) -> None:
    """ "NOTHING in my mouth or face IS SWOLLEN": a negation that is the subject reaches the state after its
    verb, past the negation window."""
    for k in range(i + 1, min(len(c.tokens) - 1, i + 1 + vocab.negation_subject_reach)):
        stops = c.tokens[k] in vocab.negation_subject_stops
        if _negation_ends(c, i, k, vocab, language) or c.comma_before[k] or stops:
            return  # "nothing will come, and both my legs ARE tingling"
        if c.tokens[k] in vocab.state_verbs:
            for j in range(i + 1, k + 2):
                negated[j] = True
            return


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
            for k in _listed_before(c, i - 2, vocab):
                denied[k] = True  # "my LIPS, face and tongue are all normal"
    return denied


def _listed_before(c: Clauses, k: int, vocab: Vocabulary) -> Iterator[int]:
    """The items listed with commas before word k, each after a determiner ("MY LIPS, face and tongue";
    not "my arm is NUMB, face and tongue fine")."""
    while k >= 2 and c.comma_before[k] and c.clause[k - 1] == c.clause[k]:
        k -= 1
        if c.tokens[k - 1] not in vocab.denial_determiners or c.clause[k - 1] != c.clause[k]:
            return
        yield k


def _denial_pairs(c: Clauses, negated: list[bool], vocab: Vocabulary) -> Iterator[tuple[int, int]]:
    """(denial word, the word it denies): ("ok", "breathing") in "breathing ok"."""
    for j, tok in enumerate(c.tokens):
        # "his lips AREN'T SWOLLEN": a state said not to be there denies what it is said of
        state = c.tokens[j + 1] if j + 1 < len(c.tokens) else ""
        not_state = tok in vocab.negation_cues and state in vocab.denied_states
        # "fever NO, rash NO": a one-word answer ending its part of the list
        ended = j + 1 == len(c.tokens) or c.comma_before[j + 1] or c.clause[j + 1] != c.clause[j]
        answered = tok in vocab.answer_denials and ended and j > 0 and c.clause[j - 1] == c.clause[j]
        if (tok not in vocab.denial_after and not not_state and not answered) or negated[j]:
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
        # "lip swelling - no": a one-word answer may follow its item after a dash or comma
        same_clause = i >= 0 and c.clause[i] == c.clause[j] and (not c.comma_before[i + 1] or answered)
        compared = i >= 0 and c.tokens[i] in vocab.denial_comparisons  # "darker THAN normal"
        if same_clause and not blocked and not compared and not asked(c, j, vocab):
            yield j, i


def asked(c: Clauses | Message, j: int, vocab: Vocabulary) -> bool:
    """Is word j in a clause, or a part of it after a comma, that opens as a question ("IS cola coloured
    pee normal?", "quick q, IS cola-coloured urine normal")?"""
    start = j
    while start > 0 and c.clause[start - 1] == c.clause[j]:
        if c.comma_before[start] and c.tokens[start] in vocab.denial_questions:
            return True
        start -= 1
    return c.tokens[start] in vocab.denial_questions


def state_words(c: Clauses, negated: list[bool], vocab: Vocabulary) -> set[int]:
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
            after_comma = c.comma_before[j] and c.tokens[j] in vocab.hypothetical_enders_after_comma
            if j > i + len(phrase) and after_comma:
                break  # "thought it'd go, STILL here today"
            hypothetical[j] = True
            j += 1
    return hypothetical


def _is_resolution(c: Clauses, i: int, after: int, vocab: Vocabulary) -> bool:
    n = len(c.tokens)
    if c.tokens[i] in vocab.duration_resolution_openers:
        after = n  # "for a few minutes IN the car": a short duration, whatever follows it
    while after + 1 < n and c.tokens[after] in vocab.degree_words:
        after += 1  # "my wee has gone REALLY dark", "gone a BIT numb"
    told_on = after < n and c.clause[after] == c.clause[i] and not c.comma_before[after]
    # "went AWAY IN the car": where or when it went, not what it went into
    gone = after > 0 and c.tokens[after - 1] in vocab.resolution_gone_words
    placed = gone and told_on and c.tokens[after] in vocab.resolution_where_when
    if told_on and c.tokens[after] in vocab.resolution_not_before and not placed:
        return False  # "all my muscles stopped WORKING", "the bruise has gone ALL the way down"
    # "asleep from yesterday UNTIL now, normal?", "the FEELING (has) never came back"
    before = i - 1
    while before > 0 and c.clause[before] == c.clause[i] and c.tokens[before] in vocab.settled_links:
        before -= 1
    return not (
        before >= 0 and c.clause[before] == c.clause[i] and c.tokens[before] in vocab.resolution_not_after
    )


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
        coming = vocab.returning_verbs.intersection(phrase)
        if coming and vocab.returning_people.intersection(c.tokens[max(0, i - 2) : i]):
            continue  # "can I still COME BACK?": the patient coming back to the clinic
        to_normal = vocab.return_states.intersection(c.tokens[after + 1 : after + 3])
        if after < len(c.tokens) and c.tokens[after] in vocab.return_links and to_normal:
            continue  # "they're BACK to their normal level": over, not back
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
    return all(msg.tokens[k] in fillers or msg.tokens[k].isdigit() for k in range(first, pos))


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
