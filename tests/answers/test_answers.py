"""Unit tests of the answer engine: red flags, negation, typos, timing, replies, content checks."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from bot.answers import (
    MAX_REPLY_CHARS,
    MAX_REPLY_LINES,
    MIN_REPLY_LINES,
    ROUTINE_TOPICS,
    Answer,
    AnswerEngine,
    answer,
    packaged_topic_model,
)
from bot.answers.topic_model import TopicModel, closing_questions
from bot.content import ClinicProfile, ContentError, load_clinic, read_toml
from tests.answers.test_answer_quality import speaks_of

CLINIC = ClinicProfile(
    name="Test & Spine Clinic",
    address="1 Main St <Suite 2>",
    phone="(555) 010-0000",
    booking_url="",
    hours=(),
    services=("massage",),
)


@pytest.fixture(scope="module")
def engine() -> AnswerEngine:
    return AnswerEngine.load(CLINIC)


@pytest.fixture(scope="module")
def keyword_router() -> AnswerEngine:
    """The English content with its routine topics picked by the keyword rules ([routing] decided_by =
    "rules", as a language with few labelled messages of its own uses them). English itself lets the
    classifier pick (bot/content/answers.toml says why); the topic tests written for the keyword rules
    use this engine, and the labelled sets measure the classifier."""
    answers, red_flags = _content()
    answers["routing"]["decided_by"] = "rules"
    return AnswerEngine.from_data(answers, red_flags, CLINIC)


def ask(engine: AnswerEngine, text: str, hours: float | None = None) -> Answer:
    return engine.answer(text, hours)


def lines_of(reply: str) -> list[str]:
    return [line for line in reply.split("\n") if line.strip()]


HOME_REMEDY_WORDS = ("ice", "heat", "warm pack", "stretch", "water", "rest,", "walk", "ibuprofen", "bath")
DOSE = re.compile(r"\d+\s*(mg|ml|milligram|tablet|tab|pill|capsule)s?\b|\btake\s+\d", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------- red flags

EMERGENCY_CASES = {
    "emergency.stroke_signs": [
        "face drooping and slurred speech",
        "one side of my face went numb",
        "my words are coming out jumbled",
        "seeing double since this morning",
        "dizzy and can't walk straight",
        "room spinning and double vision",
        "worst headache of my life",
        "sudden severe headache out of nowhere",
        "my left arm and leg are weak",
        "the left side of my smile doesn't work",
        "my right arm and leg just went super heavy out of nowhere",
        "my mouth is go to one side when i talk and my hand left is no power",
        "he doesn't know what day it is",
        "everything went double, two of everything",
        "walking like I'm drunk and veering to the right",
    ],
    "emergency.dizziness_with_other_signs": [
        "still dizzy from the adjustment yesterday. This morning I vomited twice and I can't stand straight",
        "the room keeps spinning since my neck was done. Now my vision is blurry too",
        "woozy all evening after the massage. Had to hold onto the wall to get to bed",
    ],
    "emergency.epinephrine_used": [
        "I used my epipen 10 minutes ago and I feel fine now",
        "had to use my epi pen after the massage oil, all settled now, do I still need to do anything?",
    ],
    "emergency.sudden_confusion": [
        "since he came home he is confused",
        "I suddenly feel confused and disoriented",
    ],
    "emergency.neck_artery_warning": [
        "sharp pain on one side of my neck unlike anything before",
        "severe headache after my neck adjustment",
    ],
    "emergency.neck_artery_one_sided_with_headache": [
        "right side of my neck 9/10, nothing like my usual, headache on the same side, had my neck adjusted"
        " 3 days ago",
    ],
    "emergency.chest_pain": [
        "chest pain",
        "chest hurts rly bad",
        "pressure in my chest",
        "my chest feels tight",
        "I feel pressure in middle of chest like somebody sitting on me",
        "crushing feeling behind my breastbone",
    ],
    "emergency.leg_swelling_with_breathlessness": ["my calf is swollen and I'm short of breath"],
    "emergency.breathing": [
        "cant breath",
        "having trouble breathing",
        "short of breath",
        "coughing up blood",
        "I'm wheezing",
        "struggling to get air in",
    ],
    "emergency.allergic_reaction": [
        "my lips are swelling up",
        "throat feels like it's closing",
        "hives all over and my throat is itchy and tight",
        "my lips are puffing up after the oil",
    ],
    "emergency.cauda_equina": [
        "numb around my groin",
        "i can't pee since the adjustment",
        "both legs are weak",
        "wet myself and didnt notice",
        "i couldn't hold my pee and it just came out",
        "I don't feel the urge to pee anymore",
        "both my legs feel like jelly",
    ],
    "emergency.fainting": [
        "I fainted after the massage",
        "passed out in the shower",
        "keeled over in the kitchen",
    ],
    "emergency.muscle_breakdown": ["my pee is cola colored and my muscles are so sore"],
    "emergency.fever_with_stiff_neck": ["fever and a stiff neck", "temp 39.1 and my neck is stiff"],
    "emergency.self_harm": [
        "i want to kill myself",
        "I want to die of embarrassment lol",
        "thinking of ending my life",
        "everyone would be better off without me",
        "i've been thinking about ending things",
    ],
    "emergency.self_harm_other": [
        "my teenage son just told me he wants to kill himself",
        "my wife says she doesn't want to live",
        "my friend is talking about ending it",
        "my daughter has been self harming, what do I do",
    ],
    "emergency.extreme_weakness": [
        "my muscles are extremely weak all over",
        "can't lift my arms or legs, can barely hold my phone",
        "everything feels like jelly, I can hardly stand",
    ],
}

URGENT_CASES = {
    "urgent.limb_numbness": [
        "my hand went numb and is still numb",
        "numbnes in my fingers",
        "tingling down my arm",
        "pins and needles in my foot",
        "my right arm feels weak",
        "my left foot is kind of floppy, it slaps the floor when i walk",
        "I keep dropping my fork",
    ],
    "urgent.skin_reaction": ["hives on my back after the massage"],
    "urgent.fever": ["i have a fever", "temp is 100.8", "running a fever of 38.5"],
    "urgent.fever_measured_before_visit": ["my husband has 38.9 and is booked for friday, should he come?"],
    "urgent.possible_clot": ["my calf is swollen and warm"],
    "urgent.bruise_large_or_on_blood_thinners": [
        "huge bruise spreading",
        "bruise and I'm on warfarin",
        "i take eliquis and have a bruise",
    ],
    "urgent.infection_signs": ["the spot is red, hot and swollen"],
    "urgent.osteoporosis_new_pain": ["I have osteoporosis and a sharp new pain in my back"],
    "urgent.possible_fracture_older_age": [
        "I'm 81 and knocked my back on the sink, now there's a sharp new pain",
        "my dad is 90, he slipped on the step and his hip suddenly hurts",
    ],
    "urgent.back_pain_warning_signs": [
        "back pain worse at night",
        "every time I sneeze I get a stabbing pain in my back",
        "coughing sends a jolt down my spine",
        "my back only aches at rest",
    ],
    "urgent.headache_or_dizziness_lasting": ["headache for 2 days", "dizzy for 3 days now"],
    "urgent.pain_severe_or_worsening": ["the pain is severe", "headache getting worse", "pain is 9/10"],
    "urgent.pain_score_rising": [
        "my back pain was a 3 yesterday and it's a 6 today",
        "pain went from 2 to 5 overnight",
        "neck was a 4 after the session, now a 5 and climbing",
    ],
    "urgent.pain_score_not_easing": ["four days on and still a 5/10", "day 5 and the pain is still a 4"],
    "urgent.no_improvement_after_days": [
        "it's been 4 days and it feels the same as day one",
        "five days later and I wouldn't say it has improved",
    ],
    "urgent.soreness_not_easing": ["still sore 4 days later", "been a week and my back still hurts"],
    "urgent.near_fainting": ["I almost fainted in the car park"],
    "urgent.feeling_unwell": ["feeling really unwell since my massage, hot and cold all evening"],
    "urgent.not_clearly_improving": [
        "4 days since the massage and my back is still sore, maybe slightly less? hard to tell"
    ],
}


@pytest.mark.parametrize(
    ("rule_id", "text"), [(rule, text) for rule, texts in EMERGENCY_CASES.items() for text in texts]
)
def test_each_emergency_category_fires(engine: AnswerEngine, rule_id: str, text: str) -> None:
    result = ask(engine, text)
    assert (result.urgency, result.topic) == ("emergency", "red_flag"), text
    assert result.rule == rule_id, (text, result.rule, result.evidence)
    assert result.category
    assert result.evidence


@pytest.mark.parametrize(
    ("rule_id", "text"), [(rule, text) for rule, texts in URGENT_CASES.items() for text in texts]
)
def test_each_urgent_category_fires(engine: AnswerEngine, rule_id: str, text: str) -> None:
    result = ask(engine, text)
    assert (result.urgency, result.topic) == ("urgent", "red_flag"), text
    assert result.rule == rule_id, (text, result.rule, result.evidence)
    assert result.category


def test_every_rule_has_a_test_case(engine: AnswerEngine) -> None:
    covered = set(EMERGENCY_CASES) | set(URGENT_CASES) | {"urgent.soreness_not_improving"}
    covered |= {"urgent.vision_change", "urgent.possible_new_injury", "urgent.dark_urine"}
    assert set(engine.rule_ids) <= covered


def test_emergency_reply_leads_with_911_and_gives_no_home_remedies(engine: AnswerEngine) -> None:
    for rule, texts in EMERGENCY_CASES.items():
        if rule in ("emergency.self_harm", "emergency.self_harm_other"):
            continue
        for text in texts:
            reply = ask(engine, text).reply
            assert lines_of(reply)[0].startswith("<b>Call 911 now.</b>"), text
            lowered = reply.lower()
            assert not any(word in lowered for word in HOME_REMEDY_WORDS), (text, reply)
            assert engine.answer(text).reply == reply  # deterministic


def test_self_harm_reply_leads_with_988_and_mentions_911(engine: AnswerEngine) -> None:
    reply = ask(engine, "i dont want to live anymore").reply
    first = lines_of(reply)[0]
    assert "988" in first and "call or text" in first.lower()
    assert "911" in reply
    assert "Call 911 now" not in first


def test_urgent_reply_has_clinic_phone_after_hours_route_and_911_line(engine: AnswerEngine) -> None:
    for texts in URGENT_CASES.values():
        for text in texts:
            reply = ask(engine, text).reply
            # about the writer, or (issue 11) about the relative the message names: "... about him."
            assert re.match(
                r"<b>Please call the clinic today at \(555\) 010-0000( about \w+)?\.</b>", reply
            ), text
            assert re.search(r"urgent care or call (your|his|her|their) doctor today", reply)
            assert re.search(r"<b>Call 911( for \w+)?</b> if", reply)


# ---------------------------------------------------------------------------------- negation and resolution


@pytest.mark.parametrize(
    "text",
    [
        "no numbness, just sore",
        "no numbness or tingling, just achy",
        "the tingling I had is gone",
        "not dizzy anymore",
        "my arm was numb but now it's fine",
        "numbness went away after an hour, still a bit sore",
        "I don't have any numbness in my arm",
        "chest isn't hurting, just my upper back is sore",
        "no fever, can I use heat?",
        "i'm not numb or tingling, just exhausted",
        "no pain when I breathe, just a sore neck",
        "small bruise, not on any blood thinners",
    ],
)
def test_negated_or_resolved_symptoms_are_not_red_flags(engine: AnswerEngine, text: str) -> None:
    result = ask(engine, text)
    assert result.urgency == "routine", (text, result.rule, result.evidence)
    assert result.topic != "red_flag"
    assert result.category is None


def test_symptom_that_came_back_is_a_red_flag(engine: AnswerEngine) -> None:
    assert ask(engine, "the tingling went away but came back").urgency == "urgent"
    assert ask(engine, "my arm went numb and is still numb").urgency == "urgent"


def test_negation_ends_at_a_new_subject(engine: AnswerEngine) -> None:
    assert ask(engine, "no fever and my arm is numb").rule == "urgent.limb_numbness"
    assert ask(engine, "not dizzy, arm feels weak").rule == "urgent.limb_numbness"


def test_stroke_signs_that_passed_still_need_911(engine: AnswerEngine) -> None:
    result = ask(engine, "my face drooped for a few minutes but it's fine now")
    assert result.urgency == "emergency"


# ------------------------------------------------------------------------------------------------- overlaps


@pytest.mark.parametrize(
    ("text", "hours", "urgency", "topic"),
    [
        ("my neck is stiff", 20, "routine", "soreness"),
        ("fever and a stiff neck", None, "emergency", "red_flag"),
        ("a bit dizzy when I stood up", None, "routine", "fatigue"),
        ("dizzy and can't walk straight", None, "emergency", "red_flag"),
        ("headache", None, "routine", "headache"),
        ("worst headache of my life", None, "emergency", "red_flag"),
        ("headache for 2 days", None, "urgent", "red_flag"),
        ("bruise", None, "routine", "bruising"),
        ("huge bruise spreading", None, "urgent", "red_flag"),
        ("this soreness is killing me", None, "routine", "soreness"),
        ("dying to know when my next appointment is", None, "routine", "booking"),
        ("I want to die of embarrassment lol", None, "emergency", "red_flag"),
        # An overdose told in the past tense, and a face going to one side, are emergencies.
        ("I swallowed all the pills in the bottle", None, "emergency", "red_flag"),
        ("took the whole bottle of tylenol an hour ago", None, "emergency", "red_flag"),
        ("my mouth went sideways", None, "emergency", "red_flag"),
        ("half my face went sideways at lunch", None, "emergency", "red_flag"),
        ("I took all my pills this morning like the doctor said", None, "routine", "medication"),
    ],
)
def test_overlapping_wordings(
    engine: AnswerEngine, text: str, hours: float | None, urgency: str, topic: str
) -> None:
    result = ask(engine, text, hours)
    assert (result.urgency, result.topic) == (urgency, topic), (text, result.rule, result.evidence)


def test_a_jaw_shifting_sideways_is_not_a_stroke_sign(engine: AnswerEngine) -> None:
    assert ask(engine, "my jaw goes sideways when I open wide", None).urgency == "routine"


# ----------------------------------------------------------------------------------------- texting and typos


@pytest.mark.parametrize(
    ("text", "urgency", "topic"),
    [
        ("numbnes in my hand", "urgent", "red_flag"),
        ("cant breath", "emergency", "red_flag"),
        ("chest hurts rly bad", "emergency", "red_flag"),
        ("can i workout tmrw", "routine", "movement"),
        ("shud i use ice or heat", "routine", "heat_ice"),
        ("hedache after my session", "routine", "headache"),
        ("fevr 101 and stif neck", "emergency", "red_flag"),
        ("tinglng in my fingrs", "urgent", "red_flag"),
        ("Is It NORMAL to be SORE???", "routine", "soreness"),
        ("my back is soar", "routine", "soreness"),
    ],
)
def test_texting_style_and_typos(engine: AnswerEngine, text: str, urgency: str, topic: str) -> None:
    result = ask(engine, text)
    assert (result.urgency, result.topic) == (urgency, topic), (text, result.rule, result.evidence)


# ---------------------------------------------------------------------------------------- session awareness


@pytest.mark.parametrize(
    ("hours", "urgency", "rule", "phrase"),
    [
        (0.5, "routine", "topic.soreness/early", "less than an hour ago"),
        (1.2, "routine", "topic.soreness/early", "about an hour ago"),
        (30, "routine", "topic.soreness/early", "about 30 hours ago"),
        (50, "routine", "topic.soreness/mid", "about 2 days ago"),
        (100, "urgent", "urgent.soreness_not_easing/None", None),
        (24 * 8, "urgent", "urgent.soreness_not_easing/None", None),
    ],
)
def test_soreness_depends_on_hours_since_session(
    engine: AnswerEngine, hours: float, urgency: str, rule: str, phrase: str | None
) -> None:
    result = ask(engine, "my back is still sore", hours)
    assert (result.urgency, f"{result.rule}/{result.variant}") == (urgency, rule)
    if phrase:
        assert f"Your session was {phrase}." in result.reply


def test_session_30_hours_ago_reply_wording(engine: AnswerEngine) -> None:
    reply = ask(engine, "is it normal to be sore", 30).reply
    assert lines_of(reply)[0] == (
        "Your session was about 30 hours ago. "
        "Soreness like this is common and usually eases within 24-48 hours."
    )


def test_late_but_clearly_better_is_routine(engine: AnswerEngine) -> None:
    result = ask(engine, "still a bit sore but way better", 90)
    assert (result.urgency, result.rule, result.variant) == ("routine", "topic.soreness", "late_improving")
    assert "about 4 days ago" in result.reply


def test_stated_durations_without_session_time(engine: AnswerEngine) -> None:
    assert ask(engine, "sore since yesterday").urgency == "routine"
    assert ask(engine, "still sore 4 days later").rule == "urgent.soreness_not_easing"
    assert ask(engine, "been a week and my back still hurts").rule == "urgent.soreness_not_easing"
    assert ask(engine, "still sore 2 days later, normal?").urgency == "routine"
    assert ask(engine, "massage was on monday and it's friday and i'm still sore").urgency == "urgent"


def test_headache_lasting_depends_on_time(engine: AnswerEngine) -> None:
    assert ask(engine, "I have a headache", 30).urgency == "routine"
    assert ask(engine, "still have a headache", 30).rule == "urgent.headache_or_dizziness_lasting"
    assert ask(engine, "still have a headache", 10).urgency == "routine"


@pytest.mark.parametrize("topic_text", ["got a headache", "feeling tired", "small bruise on my arm"])
def test_session_line_on_session_aware_topics(engine: AnswerEngine, topic_text: str) -> None:
    reply = ask(engine, topic_text, 50).reply
    assert lines_of(reply)[0] == "Your session was about 2 days ago."
    assert "Your session" not in ask(engine, topic_text).reply


def test_fever_threshold_from_content(engine: AnswerEngine) -> None:
    assert ask(engine, "my temp is 100.4").rule == "urgent.fever"
    assert ask(engine, "my temp is 99.1").urgency == "routine"
    assert ask(engine, "temperature 38 C").rule == "urgent.fever"
    assert ask(engine, "temperature 37.5").urgency == "routine"


# ------------------------------------------------------------------------------------------ routine topics


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("is it normal to be sore", "soreness"),
        ("should i drink more water after a massage", "hydration"),
        ("can i go to the gym tomorrow", "movement"),
        ("heat or ice for a sore neck?", "heat_ice"),
        ("can I take ibuprofen for the soreness", "medication"),
        ("is it normal to bruise after deep tissue?", "bruising"),
        ("mild headache after the massage, normal?", "headache"),
        ("really tired after my massage", "fatigue"),
        ("how should my desk be set up", "posture"),
        ("i need to reschedule my appointment", "booking"),
        ("are you a real person?", "bot_help"),
        ("thanks!", "smalltalk"),
        ("do you take insurance", "out_of_scope"),
        ("👍", "smalltalk"),
    ],
)
def test_routine_topics(engine: AnswerEngine, text: str, topic: str) -> None:
    result = ask(engine, text)
    assert (result.urgency, result.topic, result.category) == ("routine", topic, None), result.rule
    assert result.rule == f"topic.{topic}"


def test_out_of_scope_is_honest_and_gives_the_clinic(engine: AnswerEngine) -> None:
    reply = ask(engine, "can you help with my taxes").reply
    assert "can't help with that here" in reply
    assert "(555) 010-0000" in reply


def test_medication_answers_never_dose(engine: AnswerEngine) -> None:
    for text in (
        "how much ibuprofen can i take",
        "can i take 2 advil with my tylenol",
        "can I take 800mg ibuprofen",
        "what's the max dose of tylenol",
    ):
        result = ask(engine, text)
        assert result.topic == "medication", text
        assert not DOSE.search(result.reply), result.reply
        assert "pharmacist" in result.reply


def test_medication_on_blood_thinners_goes_to_pharmacist_or_doctor(engine: AnswerEngine) -> None:
    result = ask(engine, "I'm on eliquis, can i take advil for the soreness?")
    assert (result.topic, result.rule, result.variant) == ("medication", "topic.medication", "blood_thinner")
    assert "pharmacist or doctor" in result.reply


def test_hydration_never_claims_water_flushes_toxins(engine: AnswerEngine) -> None:
    reply = ask(engine, "do I need to drink water to flush out the toxins?").reply.lower()
    reply = reply.replace("nothing needs flushing out", "")  # the shared fluid line says so
    assert "toxin" not in reply and "flush" not in reply
    assert "myth" in reply


def test_never_diagnoses_and_health_answers_end_with_escalation(engine: AnswerEngine) -> None:
    texts = ["sore neck", "headache", "bruise", "tired", "ice or heat?", "water?", "stretches?", "desk setup"]
    for text in texts:
        result = ask(engine, text, 20)
        lowered = result.reply.lower()
        assert "you have " not in lowered and "it's just" not in lowered and "it is just" not in lowered
        assert "automated assistant, not a clinician" in result.reply
        assert re.search(r"call (us|911)", lines_of(result.reply)[-1].lower()), text


def test_every_reply_is_short_html_with_allowed_tags_only(engine: AnswerEngine) -> None:
    texts = [text for texts in (*EMERGENCY_CASES.values(), *URGENT_CASES.values()) for text in texts]
    texts += ["hi", "", "sore", "water", "book", "bot?", "insurance", "gym", "ibuprofen", "posture", "tired"]
    for text in texts:
        reply = ask(engine, text, 20).reply
        assert len(reply) <= MAX_REPLY_CHARS
        assert MIN_REPLY_LINES <= len(lines_of(reply)) <= MAX_REPLY_LINES, (text, reply)
        assert not re.sub(r"</?[bi]>", "", reply).count("<"), reply
        assert "&amp;" not in reply or "&amp;amp;" not in reply


def test_clinic_profile_values_are_escaped(engine: AnswerEngine) -> None:
    reply = ask(engine, "where are you located").reply
    assert "1 Main St &lt;Suite 2&gt;" in reply
    assert "Test &amp; Spine Clinic" in ask(engine, "hi").reply


def test_patient_text_is_never_echoed(engine: AnswerEngine) -> None:
    marker = "<script>zqxj</script>"
    for text in (f"{marker} is it normal to be sore", f"chest pain {marker}", f"{marker}"):
        reply = ask(engine, text).reply
        assert "zqxj" not in reply and "<script>" not in reply


# ------------------------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "a" * 10_000,
        "sore " * 2_000,
        "😀🙏🔥" * 50,
        "\x00\x01\x02 chest\x07 pain \x1b[31m",
        "ألم في الرقبة بعد الجلسة",
        "שלום, כואב לי הגב",
        "\u202eniap tsehc\u202c",
        "🙂 no numbness 🙂 just sore 🙂",
        "1/0 NaN inf -1 " * 10,
        "..., ;;; !!! ???",
    ],
)
def test_never_raises_on_weird_input(engine: AnswerEngine, text: str) -> None:
    result = ask(engine, text, 20)
    assert result.urgency in ("emergency", "urgent", "routine")
    assert (result.topic == "red_flag") == (result.urgency != "routine")
    assert result.topic in ROUTINE_TOPICS or result.topic == "red_flag"
    assert 0 < len(result.reply) <= MAX_REPLY_CHARS


@pytest.mark.parametrize("hours", [None, -5, float("nan"), float("inf"), 0, 1e9])
def test_odd_hours_are_safe(engine: AnswerEngine, hours: float | None) -> None:
    result = engine.answer("is it normal to be sore", hours)
    assert result.topic in ("soreness", "red_flag")


def test_empty_message_gets_a_friendly_prompt(engine: AnswerEngine) -> None:
    result = ask(engine, "  ")
    assert (result.urgency, result.topic, result.rule) == ("routine", "bot_help", "input.empty")
    assert 3 <= len(lines_of(result.reply)) <= 6


def test_red_flag_in_a_very_long_message_is_found(engine: AnswerEngine) -> None:
    text = "my session was great and I feel relaxed. " * 200 + "but now I have chest pain"
    assert ask(engine, text).urgency == "emergency"


def test_module_level_answer_uses_the_packaged_content() -> None:
    result = answer("is it normal to be sore", 20)
    assert result.topic == "soreness"
    assert load_clinic().phone in result.reply or "Your session" in result.reply


# ------------------------------------------------------------------------------------- content validation


def _content() -> tuple[dict[str, Any], dict[str, Any]]:
    return copy.deepcopy(read_toml("answers.toml")), copy.deepcopy(read_toml("red_flags.toml"))


def test_packaged_content_loads() -> None:
    answers, red_flags = _content()
    AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_unknown_placeholder_is_rejected() -> None:
    answers, red_flags = _content()
    answers["topics"]["hydration"]["lines"][0] = "Call us at {clinic_fax}."
    with pytest.raises(ContentError, match=r"answers.toml.*hydration.*clinic_fax"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_session_placeholder_outside_session_line_is_rejected() -> None:
    answers, red_flags = _content()
    answers["topics"]["posture"]["watch"] = "Your session was {ago}."
    with pytest.raises(ContentError, match=r"posture.*\{ago\}"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_missing_topic_key_is_rejected() -> None:
    answers, red_flags = _content()
    del answers["topics"]["movement"]["lines"]
    with pytest.raises(ContentError, match=r"answers.toml.*topics.movement.*'lines'"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_missing_threshold_is_rejected() -> None:
    answers, red_flags = _content()
    del answers["thresholds"]["not_easing"]["hours"]
    with pytest.raises(ContentError, match=r"not_easing.*'hours'"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_rule_without_source_is_rejected() -> None:
    answers, red_flags = _content()
    del red_flags["rule"][0]["source"]
    with pytest.raises(ContentError, match=r"red_flags.toml.*'source'"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_rule_with_unknown_word_set_is_rejected() -> None:
    answers, red_flags = _content()
    red_flags["rule"][1]["any"].append("$nosuchset & arm")
    with pytest.raises(ContentError, match=r"nosuchset"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_disallowed_html_is_rejected() -> None:
    answers, red_flags = _content()
    answers["topics"]["booking"]["lines"][0] = '<a href="x">book</a>'
    with pytest.raises(ContentError, match=r"only <b> and <i>"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_too_many_lines_is_rejected() -> None:
    answers, red_flags = _content()
    answers["topics"]["hydration"]["lines"] += ["one more line", "and another"]
    with pytest.raises(ContentError, match=r"hydration renders \d+ lines"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_emergency_template_must_lead_with_911() -> None:
    answers, red_flags = _content()
    answers["red_flag_replies"]["emergency"][0] = "Please rest. {why}"
    with pytest.raises(ContentError, match=r"Call 911 now"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_clinic_hours_and_booking_url_are_used_when_set() -> None:
    clinic = ClinicProfile(
        name="C",
        address="A",
        phone="P",
        booking_url="https://example.test/book",
        hours=("Mon-Fri 9-5",),
        services=(),
    )
    reply = AnswerEngine.load(clinic).answer("how do I book?").reply
    assert "https://example.test/book" in reply
    assert "Mon-Fri 9-5" in reply


# ------------------------------------------------------------------------------------ figures of speech


@pytest.mark.parametrize(
    ("text", "hours", "topic"),
    [
        ("running 10 min late, traffic on 205 is killing me", 336, "booking"),
        ("My boss will murder me if I'm late back, how long is a standard session?", None, "booking"),
        ("I'm dying to know when my next appointment is", None, "booking"),
        ("feel like I got hit by a truck lol, is this normal", 6, "soreness"),
        ("woke up feeling like a 90 year old, how long does this last", 18, "soreness"),
        ("how do I turn the notifications back on, I muted you by accident", None, "bot_help"),
        ("my phone neck is terrible, im always looking down at it. any tips", None, "posture"),
        ("do bruises after deep tissue mean the therapist pressed too hard?", 26, "bruising"),
    ],
)
def test_figures_of_speech_are_not_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, topic: str
) -> None:
    result = ask(engine, text, hours)
    assert (result.urgency, result.topic) == ("routine", topic), (text, result.rule, result.evidence)


def test_idiom_subject_must_be_in_the_same_sentence(engine: AnswerEngine) -> None:
    result = ask(engine, "traffic was awful. my back is still killing me", 100)
    assert result.rule == "urgent.soreness_not_easing"


def test_a_general_question_late_is_not_lingering_soreness(engine: AnswerEngine) -> None:
    result = ask(
        engine, "how long is soreness supposed to last after deep tissue? asking before I book more", 240
    )
    assert (result.urgency, result.topic) == ("routine", "soreness")
    assert (
        ask(engine, "Still sore. barely any better if im honest. its been since friday", 80).urgency
        == "urgent"
    )


def test_general_topic_gives_way_unless_plainly_about_it(engine: AnswerEngine) -> None:
    assert ask(engine, "can I take ibuprofen for the soreness").topic == "medication"
    assert ask(engine, "heat or ice tonight? low back a bit sore", 10).topic == "heat_ice"
    assert ask(engine, "the muscles in my neck feel tender and tired today", 20).topic == "soreness"


def test_bot_help_names_the_commands(engine: AnswerEngine) -> None:
    reply = ask(engine, "how do I stop the reminders").reply
    for command in ("/settings", "/stop", "/start", "/privacy", "/help", "/contact"):
        assert command in reply
    assert "menu" not in reply
    assert 3 <= len(lines_of(reply)) <= 6


# ------------------------------------------------------------------------- wordings beyond the labelled sets

GAP_CLASS_CASES = [
    # temperature readings in any form, and someone else who had the treatment
    ("38.1 on the ear thermometer this morning", 40, "urgent.fever"),
    ("my partner has been at 39.1 since his adjustment", 20, "urgent.fever"),
    ("101 fever since last night", 30, "urgent.fever"),
    # comparisons of days and stated spans
    ("backs worse today than yesterday", 60, "urgent.pain_severe_or_worsening"),
    ("each day it hurts a little more than the last", None, "urgent.pain_severe_or_worsening"),
    ("hasnt eased at all since last weeks massage", 150, "urgent.soreness_not_improving"),
    (
        "dull headache every single day since my adjustment last week",
        None,
        "urgent.headache_or_dizziness_lasting",
    ),
    # plain and childish words for body functions; numbness by analogy
    (
        "my wee's gone dark brown and my legs are swollen and painful",
        40,
        "emergency.muscle_breakdown",
    ),
    ("poo came out and i didnt even feel it", 48, "emergency.cauda_equina"),
    ("between my legs feels like a local anaesthetic", None, "emergency.cauda_equina"),
    # analogies for a thunderclap headache, chest pain, extreme weakness; one side of the body
    ("headache like being hit with a bat, out of nowhere", 12, "emergency.stroke_signs"),
    ("feels like a knife in my chest", 48, "emergency.chest_pain"),
    ("like being stabbed in the ribs when i breathe in", None, "emergency.breathing"),
    ("all my muscles have just given up", None, "emergency.extreme_weakness"),
    ("cant grip my cup with my right hand and right leg is dragging", None, "emergency.stroke_signs"),
    # indirect self-harm followed by a routine question
    ("i think about just not waking up... anyway do i need more water", None, "emergency.self_harm"),
    ("got all my pills lined up for tonight", None, "emergency.self_harm"),
    # infection and a growing bruise
    ("my graze has gone red and oozy", 30, "urgent.infection_signs"),
    ("the bruise has grown and goes all down my side", 72, "urgent.bruise_large_or_on_blood_thinners"),
    ("bruise on my hip is about 10 cm across", 30, "urgent.bruise_large_or_on_blood_thinners"),
    # pleuritic chest pain in any wording, with slang around it
    ("stabbing under my left ribs every time I take a big breath", 30, "emergency.breathing"),
    ("my chest catches whenever i breathe deep, started s'arvo", 20, "emergency.breathing"),
    ("sharp pain in my back when I breathe in", 30, "emergency.breathing"),
    # extreme generalised weakness, not one numb limb; "stopped working" is not "stopped"
    ("couldn't get up off the loo, all of me has gone weak", 36, "emergency.extreme_weakness"),
    ("my muscles have just stopped working, I can't get up off the floor", 30, "emergency.extreme_weakness"),
    ("arms and legs have zero strength since this morning", 28, "emergency.extreme_weakness"),
    # numbness told as sleep, in any grammar; "until now" is not "now normal"
    ("my hand is sleeping from yesterday until now, normal?", 28, "urgent.limb_numbness"),
    ("the fingers is sleep since 2 day", 40, "urgent.limb_numbness"),
    ("pinky keeps going to sleep, 3 days now", 72, "urgent.limb_numbness"),
    # a relative's fever after THEIR treatment, even with a booking question
    ("my son had an adjustment monday, now he's 38.6, is thursday still ok?", None, "urgent.fever"),
    ("wife got adjusted two days ago, today she's feverish, can she still come?", None, "urgent.fever"),
    ("temp is 38,6 since the massage", 30, "urgent.fever"),
    # a measured fever of someone booked in is for the clinic today; a fever word alone, a reading
    # before a visit already cancelled, or the writer's own visit stays a booking question
    (
        "my mum's temp is 101.4 tonight and she has an appointment tomorrow",
        None,
        "urgent.fever_measured_before_visit",
    ),
    (
        "my boyfriend is at 38.7 this morning, still ok for him to come in at 3?",
        None,
        "urgent.fever_measured_before_visit",
    ),
    ("my daughter has a fever, she has a session booked monday, can she still come?", None, "topic.booking"),
    ("my kid is at 38.4 today, can I still come to my appointment?", None, "topic.booking"),
    ("my husband had 38.2 last week so he cancelled, can he rebook?", None, "topic.booking"),
    # an old, settled problem's "fine now" does not make today's lasting headache an improving one
    (
        "slipped a disc years ago, fine now. my headache since the neck adjustment won't go away",
        40,
        "urgent.headache_or_dizziness_lasting",
    ),
    (
        "had a clot in 2015, all cleared. dizzy since my adjustment 2 days ago",
        48,
        "urgent.headache_or_dizziness_lasting",
    ),
    # scarce urine is a nerve sign; scarce drinking with slightly darker urine is not
    ("i can barely pee since yesterday", 30, "emergency.cauda_equina"),
    ("it hardly comes out when I go, since the back adjustment", 30, "emergency.cauda_equina"),
    ("urine a bit darker, I've barely drunk anything since the massage, muscles fine", 20, "topic.hydration"),
    # a problem long ago that has healed, or a scan that came back normal, is history
    ("pinched nerve with tingling 3 yrs ago, all healed now, can I get adjusted?", None, "topic.history"),
    ("had sciatica years back, scan came back clear. ok to have deep tissue?", None, "topic.history"),
    # a bruise by how far it reaches; "gone all the way" is not "gone"
    ("the bruise has gone all the way from hip to knee", 48, "urgent.bruise_large_or_on_blood_thinners"),
    ("the bruise covers my whole thigh now", 48, "urgent.bruise_large_or_on_blood_thinners"),
]


@pytest.mark.parametrize(("text", "hours", "rule"), GAP_CLASS_CASES)
def test_wordings_beyond_the_labelled_sets(
    engine: AnswerEngine, text: str, hours: float | None, rule: str
) -> None:
    assert ask(engine, text, hours).rule == rule


# After about 72 hours a hedged "better?" is not clearly better; plainly better stays routine.
EVAL7_CLASS_CASES = [
    (
        "left side of my neck is killing me, 8/10, with a throbbing headache on that side; neck adjusted"
        " 2 days ago",
        48,
        "emergency",
    ),
    ("usual stiff neck after the adjustment, mild headache both sides", 20, "routine"),
    ("a bit of a stiff neck on the left after the adjustment, 3/10, no headache", 24, "routine"),
    ("it's not the normal soreness, it's severe", 20, "urgent"),
    ("can't sleep because of the pain in my hip", 20, "urgent"),
    ("can't sleep on my back because it's sore, should I use a pillow?", 20, "routine"),
    ("how do I know if the pain is severe enough to call?", 20, "routine"),
    ("about the same I think", 90, "urgent"),
    ("not sure it's any better", 80, "urgent"),
    ("maybe slightly less? hard to tell", 80, "urgent"),
    ("maybe slightly less? hard to tell", 30, "routine"),
    ("almost gone, just a tiny twinge", 80, "routine"),
    ("way better today, just a bit tender", 80, "routine"),
    ("it's hard to tell if I'm doing the stretches right", 96, "routine"),
    ("feeling shivery and unwell since the session", 20, "urgent"),
    ("alternating hot and cold packs on my shoulder, is that ok?", 20, "routine"),
    ("my son is feeling unwell, should I cancel his appointment?", None, "routine"),
]


@pytest.mark.parametrize(("text", "hours", "urgency"), EVAL7_CLASS_CASES)
def test_eval7_classes(engine: AnswerEngine, text: str, hours: float | None, urgency: str) -> None:
    assert ask(engine, text, hours).urgency == urgency


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("80 hours out and it's nearly gone, only the smallest twinge when I turn", "soreness"),
        ("Why did the chiropractor cross the road? To adjust to the other side 😂", "smalltalk"),
        ("what do you call a massage therapist who can't stop talking? a knead-y friend", "smalltalk"),
        ("Why did the chiropractor tell me to use ice?", "heat_ice"),
    ],
)
def test_eval7_topics(engine: AnswerEngine, text: str, topic: str) -> None:
    assert ask(engine, text, 80).topic == topic


ROUTINE_GAP_CASES = [
    ("a bruise on my hip about the size of a coin", 30, "bruising"),
    ("bruise is about 2 cm", 30, "bruising"),
    ("light purple patch on my back, not sore", 20, "bruising"),
    ("it's 101 degrees outside, should I still use a heat pack?", 20, "heat_ice"),
    ("my appointment is at 10:38, can I move it to 11", None, "booking"),
    ("my back is sire today", 18, "soreness"),
    ("my legs are sooore", 20, "soreness"),
    ("tender, like a deep bruise feeling", 20, "soreness"),
    ("Hello, my shoulder is little bit painful, it is normal? Thank you", 8, "soreness"),
    ("can I pick up my grandkids this weekend", 30, "movement"),
    ("small headache behind my eyes, long screen day", None, "headache"),
    ("I nearly died laughing at the receptionist's joke", 20, "smalltalk"),
    ("haha i nearly wet myself laughing", None, "smalltalk"),
    ("my daughter has a rash from her new soap, what cream should she use", None, "out_of_scope"),
    # soreness by analogy to a workout, and "worse before better" as a question
    ("my hamstrings feel like I ran a marathon haha", 20, "soreness"),
    ("feels like the day after leg day, walking fine just achy", 20, "soreness"),
    ("I feel like I should go to the gym, is that ok today?", 20, "movement"),
    ("does it usually feel worse before it feels better? bit stiff", 18, "soreness"),
    # hard negatives next to the red-flag classes
    ("no sharp pain when I breathe in, just a dull ache in my upper back", 24, "soreness"),
    ("so tired I can't be bothered getting off the couch lol", 8, "fatigue"),
    ("I fell asleep during the massage and my neck is a bit sore now", 6, "soreness"),
    ("my son has a fever so he'll miss his massage tomorrow, can we move it?", None, "booking"),
    ("small bruise on the back of my knee, no pain", 30, "bruising"),
    # medication, bruising, headache, booking and chat wordings
    ("Should I take a nurofen before my next massage so it hurts less?", None, "medication"),
    ("Bruised a bit on my thigh. Not on any meds. Should she go lighter next time?", 26, "bruising"),
    ("small headache, drank some water, feeling ok", 6, "headache"),
    ("do you take walk-ins?", None, "booking"),
    ("have a great weekend!", 6, "smalltalk"),
    ("haha you're a very polite robot", None, "smalltalk"),
    ("is this a robot?", None, "bot_help"),
]


@pytest.mark.parametrize(("text", "hours", "topic"), ROUTINE_GAP_CASES)
def test_routine_wordings_stay_routine(
    engine: AnswerEngine, text: str, hours: float | None, topic: str
) -> None:
    got = ask(engine, text, hours)
    assert (got.urgency, got.topic) == ("routine", topic)


def test_someone_elses_suicidal_thoughts_get_988_and_911_for_them(engine: AnswerEngine) -> None:
    result = ask(engine, "my teenage son just told me he wants to kill himself, I don't know who to call")
    assert (result.urgency, result.rule) == ("emergency", "emergency.self_harm_other")
    lines = lines_of(result.reply)
    assert "988" in lines[0] and "call or text" in lines[0].lower()
    assert "911" in lines[1] and "hurt himself" in lines[1]
    assert "stay with him" in result.reply.lower() and "they could" not in result.reply
    assert "harming yourself" not in result.reply  # spoken to the person who is worried, not as if about them


@pytest.mark.parametrize(
    ("text", "words", "not_words"),
    [
        ("my wife says she doesn't want to live anymore", ("stay with her", "hurt herself"), ("him",)),
        ("my dad keeps talking about ending it all", ("stay with him", "hurt himself"), ("her ",)),
        ("someone in my group chat is talking about suicide", ("stay with them", "hurt themselves"), ()),
    ],
)
def test_someone_elses_suicidal_thoughts_reply_names_that_person(
    engine: AnswerEngine, text: str, words: tuple[str, ...], not_words: tuple[str, ...]
) -> None:
    result = ask(engine, text)
    assert result.rule == "emergency.self_harm_other"
    for word in words:
        assert word in result.reply
    for word in not_words:
        assert word not in result.reply


def test_own_suicidal_thoughts_beside_someone_elses_get_the_first_person_reply(engine: AnswerEngine) -> None:
    result = ask(engine, "my friend is talking about ending it and honestly I want to die too")
    assert (result.urgency, result.rule) == ("emergency", "emergency.self_harm")


# ------------------------------------------------------------------------ topic classifier fallback


def test_topic_classifier_loads_from_content_and_knows_every_routine_topic() -> None:
    model = TopicModel.load(ROUTINE_TOPICS)
    assert model.topics == ROUTINE_TOPICS
    assert model.examples >= 1000
    assert packaged_topic_model() is packaged_topic_model()  # trained once per process


def test_topic_classifier_is_deterministic() -> None:
    a, b = TopicModel.load(ROUTINE_TOPICS), TopicModel.load(ROUTINE_TOPICS)
    for text in ("how much water after a massage", "can you remind me at 5pm", "💧💧", "thanks!!"):
        assert a.predict(text) == b.predict(text) == a.predict(text)
        assert a.log_scores(text) == b.log_scores(text)


@pytest.mark.parametrize(
    "text", ["", "   ", "💧💧💧", "🙏", "?!", "a" * 100_000, "sore " * 20_000, "\x00\u200b", "ñáé ü"]
)
def test_topic_classifier_handles_odd_text(text: str) -> None:
    prediction = packaged_topic_model().predict(text)
    assert prediction.topic in ROUTINE_TOPICS
    assert 0.0 < prediction.probability <= 1.0
    assert 0.0 <= prediction.margin <= 1.0


def test_topic_classifier_only_chooses_among_allowed_topics() -> None:
    model = packaged_topic_model()
    assert model.predict("how much water should I drink", ("booking", "posture")).topic in (
        "booking",
        "posture",
    )
    with pytest.raises(ValueError, match="no topic allowed"):
        model.predict("hi", ())


def test_topic_classifier_reads_typical_wordings() -> None:
    model = packaged_topic_model()
    assert model.predict("how many glasses of water should I have today").topic == "hydration"
    assert model.predict("can I book for next tuesday").topic == "booking"
    assert model.predict("thank you so much!").topic == "smalltalk"


def test_topic_classifier_never_escalates(engine: AnswerEngine) -> None:
    """The classifier only picks routine topics: red flags are decided by the rules alone, before it."""
    for text in ("chest pain", "my face is drooping", "i want to kill myself", "I have a fever of 39.5"):
        result = ask(engine, text)
        assert result.urgency == "emergency" or result.urgency == "urgent", text
        assert result.picked_by is None
    for text in ("what mattress should I buy", "💧💧?", "the long strokes were lovely, tell her thanks"):
        result = ask(engine, text, 4)
        assert result.urgency == "routine" and result.topic in ROUTINE_TOPICS
        assert result.picked_by in ("decisive", "rules", "classifier", "tie", "soreness", "courtesy")


def test_classifier_is_the_fallback_when_no_topic_rule_fires(keyword_router: AnswerEngine) -> None:
    result = ask(keyword_router, "💧💧 after a massage?", 2)
    assert result.picked_by == "classifier"
    assert result.topic == "hydration"


def test_english_topics_are_picked_by_the_classifier(engine: AnswerEngine) -> None:
    result = ask(engine, "can I take ibuprofen for the soreness", 20)
    assert (result.topic, result.picked_by) == ("medication", "classifier")
    # history and scope too: the classifier learnt them from the labelled sets
    history = "had a mini stroke in 2015, all clear since, is neck work ok for me?"
    assert ask(engine, history).topic == "history"


def test_with_keyword_rules_confident_rules_keep_the_decision(keyword_router: AnswerEngine) -> None:
    result = ask(keyword_router, "can I take ibuprofen for the soreness", 20)
    assert result.topic == "medication" and result.picked_by in ("decisive", "rules")


def test_what_picks_the_topics_is_content() -> None:
    answers, red_flags = _content()
    answers["routing"]["decided_by"] = "a coin"
    with pytest.raises(ContentError, match=r"routing.*'decided_by' must be one of classifier, rules"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_soreness_aware_fallback(keyword_router: AnswerEngine) -> None:
    # a body part with a pain score or an ache word, in the days after a session, is soreness ...
    result = ask(keyword_router, "my shoulders are a 3 today, were a 5 yesterday, walking helps", 30)
    assert (result.urgency, result.topic) == ("routine", "soreness")
    # ... but not when the session time is unknown or long past, nor when another topic clearly applies
    assert ask(keyword_router, "can I take ibuprofen for my sore back", 20).topic == "medication"


def test_a_bad_examples_file_is_rejected() -> None:
    with pytest.raises(ContentError, match="unknown topic"):
        TopicModel.from_jsonl('{"text": "hi", "topic": "nonsense"}', ROUTINE_TOPICS)
    with pytest.raises(ContentError, match="not valid JSON"):
        TopicModel.from_jsonl("{oops", ROUTINE_TOPICS)
    with pytest.raises(ContentError, match="too few examples"):
        TopicModel.from_jsonl('{"text": "hi", "topic": "smalltalk"}', ROUTINE_TOPICS)


def test_examples_file_holds_only_routine_topics_and_no_eval5_message() -> None:
    """eval5 is the unseen measure of generalisation: no example written for the classifier may copy it
    (the examples taken from the other labelled sets are used as they are)."""
    import json
    from importlib import resources
    from pathlib import Path

    raw = resources.files("bot.content").joinpath("topic_examples.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    assert {r["topic"] for r in rows} == set(ROUTINE_TOPICS)
    eval5 = Path(__file__).parents[1] / "data" / "eval5_messages.jsonl"
    shipped = {r["text"].strip().lower() for r in rows if r.get("from") in ("written", None)}
    for line in eval5.read_text(encoding="utf-8").splitlines():
        if line.strip():
            assert json.loads(line)["text"].strip().lower() not in shipped


# ------------------------------------------------------------------------------ pain scores over time


@pytest.mark.parametrize(
    ("text", "hours", "urgency"),
    [
        ("was a 4 after the session, now it's an 8", 30, "urgent"),
        ("it was a 3 this morning and now it's more like a 6", 20, "urgent"),
        ("a 4 today, a 6 last night", 30, "routine"),  # falling: the later score is lower
        ("went from a 5 down to a 2", 36, "routine"),
        ("my shoulder is about a 3 today", 24, "routine"),
        ("80 hours in, still a 6/10", None, "urgent"),  # not easing past 72 h
        ("still a 6/10", 30, "routine"),  # ... but not yet at 30 h
        ("I'd give the massage a 10, last time was a 7", 30, "routine"),  # a rating, not pain
    ],
)
def test_pain_scores_are_read_in_time_order(
    engine: AnswerEngine, text: str, hours: float | None, urgency: str
) -> None:
    result = ask(engine, text, hours)
    assert result.urgency == urgency, (text, result.rule, result.evidence)


def test_pain_score_evidence_names_the_scores(engine: AnswerEngine) -> None:
    result = ask(engine, "pain was a 3 yesterday, now it's a 7", 30)
    assert result.rule in ("urgent.pain_score_rising", "urgent.pain_severe_or_worsening")
    result = ask(engine, "pain was a 3 yesterday, now it's a 6", 30)
    assert (result.rule, result.evidence) == ("urgent.pain_score_rising", "pain score 3 -> 6")


@pytest.mark.parametrize(
    ("text", "hours", "urgency"),
    [
        ("I'm 80 and bumped my back on the door, now a sharp pain", None, "urgent"),
        ("I'm 80 and my back is a bit stiff after the session", 20, "routine"),
        ("I'm 45 and bumped my back on the door, it's a bit sore", None, "routine"),
        ("my temperature is at 99, I bumped my back and it's a bit sore", None, "routine"),
    ],
)
def test_older_age_needs_a_knock_and_new_sharp_pain(
    engine: AnswerEngine, text: str, hours: float | None, urgency: str
) -> None:
    result = ask(engine, text, hours)
    assert result.urgency == urgency, (text, result.rule, result.evidence)


def test_severe_dizziness_with_loss_of_balance_is_an_emergency(engine: AnswerEngine) -> None:
    for text in ("so dizzy I had to lie down on the floor", "the whole room is tilting and I can't stand up"):
        assert ask(engine, text, 4).urgency == "emergency", text
    # The room tilting with no fall and no other sign is dizziness: checked today, not 911 (issue 11).
    assert ask(engine, "the whole room is tilting when I stand", 4).urgency == "urgent"
    assert ask(engine, "a bit lightheaded for a second when I stood up", 2).urgency == "routine"


def test_a_recurring_headache_is_not_a_lasting_one(engine: AnswerEngine) -> None:
    result = ask(engine, "I get my usual tension headache on long screen days, is it my neck?", 200)
    assert (result.urgency, result.topic) == ("routine", "headache")
    assert ask(engine, "headache nonstop for 2 days, my usual one but it won't go", 60).urgency == "urgent"


@pytest.mark.parametrize(
    ("text", "hours", "topic"),
    [
        ("first adjustment on monday - will I be sore after?", None, "soreness"),
        ("please remind me to stretch at 5pm every day", None, "bot_help"),
        # Whether treatment helps headaches is a scope question (issue 11 item 6); a headache after a
        # session is the headache topic's, even when it asks whether another treatment would help.
        ("could massage help with my migraines?", None, "scope"),
        ("I've had a headache since my adjustment, would another massage help it?", 20, "headache"),
        ("does chiro help with vertigo? I get it sometimes when I roll over in bed", None, "scope"),
        ("tell me a joke", None, "smalltalk"),
        ("best anti-inflammatory smoothie recipe?", None, "out_of_scope"),
        ("which mattress brand is best for a bad back?", None, "out_of_scope"),
        ("hot yoga tomorrow, ok?", 20, "movement"),
        ("I can look over my shoulder again!! 🎉", 30, "smalltalk"),
        ("a little sore but I can finally touch my toes", 24, "soreness"),
    ],
)
def test_decisive_and_precedence_topics(
    keyword_router: AnswerEngine, text: str, hours: float | None, topic: str
) -> None:
    result = ask(keyword_router, text, hours)
    assert (result.urgency, result.topic) == ("routine", topic), (text, result.picked_by)


@pytest.mark.parametrize(
    ("text", "hours", "urgency"),
    [
        (
            "New-onset saddle anaesthesia and bilateral lower-limb paraesthesia after lumbar work.",
            20,
            "emergency",
        ),
        ("Dysphagia and dysarthria since cervical manipulation 2h ago", 2, "emergency"),
        ("Episode of syncope at home after the session", 6, "emergency"),
        ("Haemoptysis this morning", 24, "emergency"),
        ("Persistent paraesthesia L 4th/5th digits since yesterday's session. No weakness.", 26, "urgent"),
        ("Haematuria noted after the session", 20, "urgent"),
        (
            "Afebrile, no paraesthesia, no saddle anaesthesia, mild paraspinal soreness improving.",
            20,
            "routine",
        ),
        ("Small (2 cm) ecchymosis at treatment site, non-tender. No anticoagulant use.", 26, "routine"),
    ],
)
def test_clinical_vocabulary_is_read_as_plain_words(
    engine: AnswerEngine, text: str, hours: float, urgency: str
) -> None:
    assert engine.answer(text, hours).urgency == urgency


def test_one_sided_neck_pain_unlike_before_with_swallowing_is_an_emergency(engine: AnswerEngine) -> None:
    text = (
        "After neck treatment very strong pain only on left side of neck, is new, not like before,"
        " is difficult to swallow"
    )
    assert engine.answer(text, 10).urgency == "emergency"
    assert engine.answer(text.rsplit(",", 1)[0], 10).rule == "emergency.neck_artery_warning"
    calm = "my neck is little bit sore on left side after massage, same like always, is normal?"
    assert engine.answer(calm, 20).urgency == "routine"
    pressure = "I like strong pressure on the right side of my neck, can you tell my therapist?"
    assert engine.answer(pressure).urgency == "routine"


# ------------------------------------------------------------------------------ content as data


def test_plausible_age_limit_comes_from_the_content() -> None:
    answers, red_flags = _content()
    text = "I'm 80 and bumped my back on the door, now a sharp pain"
    result = AnswerEngine.from_data(answers, red_flags, CLINIC).answer(text)
    assert (result.rule, result.evidence) == (
        "urgent.possible_fracture_older_age",
        "age 80 + bumped + sharp + back",
    )
    answers["vocabulary"]["ranges"]["max_age"] = 79  # "80" can no longer be an age
    assert AnswerEngine.from_data(answers, red_flags, CLINIC).answer(text).urgency == "routine"


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("ranges", "body_temperature_c", [43, 34], r"ranges.*body_temperature_c.*lowest first"),
        ("ranges", "counted_day", [1], r"counted_day.*two numbers"),
        ("ranges", "max_age", 0, r"max_age.*positive number"),
        ("routing", "short_message_words", 0, r"short_message_words.*whole number"),
        ("routing", "general_topic_strong_hits", True, r"general_topic_strong_hits.*whole number"),
        ("routing", "weights", {"strong": 6, "keyword": 2}, r"weights.*strong_inactive"),
    ],
)
def test_bad_ranges_and_routing_weights_are_rejected(
    section: str, key: str, value: Any, message: str
) -> None:
    answers, red_flags = _content()
    table = answers["vocabulary"]["ranges"] if section == "ranges" else answers["routing"]
    table[key] = value
    with pytest.raises(ContentError, match=message):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_content_names_a_language_the_engine_reads() -> None:
    answers, red_flags = _content()
    answers["language"] = "xx"
    with pytest.raises(
        ContentError, match=r"answers.toml: unknown language 'xx' \(the engine reads en, es\)"
    ):
        AnswerEngine.from_data(answers, red_flags, CLINIC)
    del answers["language"]
    with pytest.raises(ContentError, match=r"'language'"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_emergency_reply_may_open_in_bold_but_not_with_stray_tag_letters() -> None:
    """The "Call 911 now" check strips a leading <b> tag, not any of the letters '<', 'b' and '>'."""
    answers, red_flags = _content()
    answers["red_flag_replies"]["emergency"][0] = "<b>Call 911 now.</b> {why}"
    AnswerEngine.from_data(answers, red_flags, CLINIC)
    answers["red_flag_replies"]["emergency"][0] = "bb>Call 911 now. {why}"
    with pytest.raises(ContentError, match=r"Call 911 now"):
        AnswerEngine.from_data(answers, red_flags, CLINIC)


def test_routing_policies_are_content_in_their_order() -> None:
    answers, red_flags = _content()
    answers["routing"]["decided_by"] = "rules"  # the policies steer the keyword rules
    text = "A bit sore around the tailbone area, sitting in the car was meh, walking feels good"
    result = AnswerEngine.from_data(answers, red_flags, CLINIC).answer(text, 24)
    assert (result.topic, result.picked_by) == ("soreness", "soreness")
    answers["routing"]["policies"].remove("sore_after_visit")  # the movement keywords now stand
    result = AnswerEngine.from_data(answers, red_flags, CLINIC).answer(text, 24)
    assert (result.topic, result.picked_by) == ("movement", "rules")
    for bad in (["tie", "tie"], ["tie", "guess"]):
        answers["routing"]["policies"] = bad
        with pytest.raises(ContentError, match=r"routing.*'policies' may list each of good_news_while_sore"):
            AnswerEngine.from_data(answers, red_flags, CLINIC)


# ------------------------------------------------------------------ issue 11: sharper triage, by class


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        # denials in everyday words: a swollen warm calf without breathlessness is urgent, with it 911
        (
            "right calf puffy and warm since the massage, breath is easy, chest totally normal",
            30,
            "urgent.possible_clot",
        ),
        (
            "right calf puffy and warm since the massage and I'm breathless on the stairs",
            30,
            "emergency.leg_swelling_with_breathlessness",
        ),
        (
            "calf swollen and red, heart is racing since this morning",
            30,
            "emergency.leg_swelling_with_breathlessness",
        ),
        # hives without airway signs: urgent; with any of them: 911
        ("welts all over my arms after the oil, lips fine, swallowing ok", 2, "urgent.skin_reaction"),
        ("welts all over my arms after the oil and my tongue feels thick", 2, "emergency.allergic_reaction"),
        ("hives from the lotion and now I feel like I might pass out", 2, "emergency.allergic_reaction"),
        # passed vs ongoing after neck work
        (
            "dizzy since the neck adjustment two days ago, nothing else",
            48,
            "urgent.headache_or_dizziness_lasting",
        ),
        ("dizzy since the neck adjustment and now I'm seeing double", 20, "emergency.stroke_signs"),
        (
            "headache from the neck work went away but came back and lasted all day, day two now",
            40,
            "urgent.headache_or_dizziness_lasting",
        ),
        # the right reason: muscle breakdown before the lower-back nerve rule
        (
            "both legs weak and puffy after the deep tissue and my pee is brown like tea",
            40,
            "emergency.muscle_breakdown",
        ),
        ("brown pee today but muscles feel fine, no soreness at all", 30, "urgent.dark_urine"),
    ],
)
def test_issue11_triage_classes(engine: AnswerEngine, text: str, hours: float, rule_id: str) -> None:
    assert engine.answer(text, hours).rule == rule_id


@pytest.mark.parametrize(
    "text",
    [
        "I had a TIA back in 2012, fully recovered. Is a neck adjustment safe for me?",
        "treated for a clot in my leg years ago, nothing since. who do I tell before a massage?",
        "my scans came back clear after the sciatica last year, do I need to mention it?",
    ],
)
def test_history_is_not_a_present_red_flag(engine: AnswerEngine, text: str) -> None:
    got = engine.answer(text)
    assert (got.urgency, got.topic) == ("routine", "history")
    assert "before treatment" in got.reply and "health form" in got.reply


def test_history_with_a_symptom_back_now_is_still_a_red_flag(engine: AnswerEngine) -> None:
    assert engine.answer("I had a stroke in 2015 and today my face is drooping again").urgency == "emergency"
    assert (
        engine.answer("had a clot years ago and my calf has been swollen since tuesday").urgency == "urgent"
    )


@pytest.mark.parametrize(
    "text",
    [
        "will massage cure my fibromyalgia for good?",
        "is spinal manipulation safe with osteoporosis?",
        "I'm 18 weeks pregnant, is deep tissue ok?",
    ],
)
def test_scope_questions_get_an_honest_scope_answer(engine: AnswerEngine, text: str) -> None:
    got = engine.answer(text)
    assert (got.urgency, got.topic) == ("routine", "scope")
    assert "can't promise" in got.reply and "{" not in got.reply


def test_urgent_allergy_reply_names_the_auto_injector(engine: AnswerEngine) -> None:
    reply = engine.answer("hives on my back after the oil, breathing fine", 2).reply
    assert "epinephrine auto-injector" in reply and "Call 911" in reply


@pytest.mark.parametrize(
    ("text", "person", "words"),
    [
        ("my dad's face is drooping since his adjustment", "he", ("Call 911 for him now.", "Stay with him")),
        (
            "my wife's calf is swollen and red since her massage, she's breathing fine",
            "she",
            ("about her.", "take her to urgent care", "if she gets"),
        ),
        (
            "my flatmate has had a pounding headache for two days since their neck work",
            "they",
            ("about them.", "call their doctor"),
        ),
    ],
)
def test_someone_elses_symptoms_are_answered_about_them(
    engine: AnswerEngine, text: str, person: str, words: tuple[str, ...]
) -> None:
    reply = engine.answer(text, 48).reply
    for word in words:
        assert word in reply
    assert "you get" not in reply and "your " not in reply.split("automated")[0].replace("your doctor", "")


def test_own_symptoms_told_with_a_relative_stay_about_the_writer(engine: AnswerEngine) -> None:
    reply = engine.answer("my wife says my face looks crooked and my mouth is drooping").reply
    assert reply.startswith("<b>Call 911 now.</b>")


@pytest.mark.parametrize(
    ("text", "not_reported"),
    [
        (
            "my pee is brown like cola and my thighs are swollen after the deep tissue",
            ("groin", "bladder", "bowel"),
        ),
        ("numb between my legs since the adjustment", ("bladder", "bowel", "both legs")),
        ("calf is red and hot since the massage", ("swollen", "short of breath")),
    ],
)
def test_red_flag_reply_gives_no_list_of_signs_not_reported(
    engine: AnswerEngine, text: str, not_reported: tuple[str, ...]
) -> None:
    reason = lines_of(engine.answer(text, 30).reply)[0].lower()
    assert not any(word in reason for word in not_reported), reason


# ------------------------------------------- issue 11, second round: routing and history by class


@pytest.mark.parametrize(
    ("text", "hours", "topic"),
    [
        # a symptom that has passed keeps its own topic, whatever else the words suggest
        ("felt a little dizzy getting off the table but that went away fast", 1, "fatigue"),
        ("my toes tingled for a minute on the drive home, gone now", 3, "soreness"),
        ("my shoulders look a bit red where he worked on them, no itch, fading already", 2, "soreness"),
        ("my pee is a really bright yellow today, is that from the session?", 6, "hydration"),
        (
            "got hives from a lotion at a spa once before, fine since. can you use something else on me?",
            None,
            "history",
        ),
        (
            "I had a clot in my leg years ago, treated, off the thinners now. is a leg massage ok?",
            None,
            "history",
        ),
        ("is the oil you use nut-free? I'm allergic to nuts", None, "scope"),
    ],
)
def test_second_round_routing_by_class(
    keyword_router: AnswerEngine, text: str, hours: float | None, topic: str
) -> None:
    got = ask(keyword_router, text, hours)
    assert (got.urgency, got.topic) == ("routine", topic)


@pytest.mark.parametrize(
    "text",
    [
        "had a TIA years back, cleared by the neurologist. my head still hurts since the neck adjustment"
        " 2 days ago",
        "my head has been sore ever since my neck was adjusted two days ago",
        "the GP cleared my old vertigo ages ago. since my neck adjustment two days ago I've been dizzy",
        # the old words name what is here now ("one"): not history
        "I had bad migraines as a teen. Since the neck adjustment 2 days ago I've had one that won't budge",
    ],
)
def test_a_lasting_headache_after_neck_work_is_urgent_beside_an_old_problem(
    engine: AnswerEngine, text: str
) -> None:
    got = ask(engine, text, 48)
    assert (got.urgency, got.rule) == ("urgent", "urgent.headache_or_dizziness_lasting")


def test_on_blood_thinners_since_a_clot_with_new_bruises_is_still_urgent(engine: AnswerEngine) -> None:
    got = ask(
        engine,
        "on eliquis since my clot in 2019 and now I have bruises after the massage I can't explain",
        24,
    )
    assert got.urgency == "urgent"


def test_urgent_reply_about_someone_else_agrees_past_an_adverb(engine: AnswerEngine) -> None:
    """ "if you also have" about a relative reads "if she also has", never "she alsoes have"."""
    reply = ask(engine, "my wife has a temperature of 38.8 since her massage").reply
    assert "if she also has a stiff neck" in reply
    assert "alsoes" not in reply


@pytest.mark.parametrize(
    ("text", "hours", "urgency"),
    [
        # A long-standing symptom named in a question about treatment is a known condition ...
        ("does chiro help with vertigo? I get it sometimes when I roll over in bed", None, "routine"),
        ("can chiro help my dizziness? I've had dizzy spells on and off since my teens", None, "routine"),
        # ... unless anything says it is happening now, or differently ...
        ("does chiro help vertigo? I get it sometimes but since my adjustment it won't stop", 24, "urgent"),
        ("can chiro help my vertigo? i get it sometimes, this time the room is spinning", None, "urgent"),
        ("I get dizzy sometimes, can massage help? This morning I almost fainted", None, "urgent"),
        # ... and it never sets an emergency aside.
        ("can chiro help vertigo? i get it sometimes, and my speech is slurred", None, "emergency"),
        ("Is massage safe? I get chest pain sometimes when I walk up stairs", None, "emergency"),
        # Confusion about advice is not the symptom; sudden confusion is.
        ("midwife says chiro is fine, mum says it's risky, I'm so confused. is it safe?", None, "routine"),
        ("I suddenly feel confused, my doctor told me to rest, is it safe to drive?", None, "emergency"),
        ("my dad is so confused since his massage, he doesn't know what day it is", 4, "emergency"),
    ],
)
def test_known_conditions_and_confusion_about_advice(
    engine: AnswerEngine, text: str, hours: float | None, urgency: str
) -> None:
    assert ask(engine, text, hours).urgency == urgency, text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        # A known condition told as lasting for years AND stable sets an emergency rule aside ...
        (
            "I've had numb hands for years now, it hasn't changed and my doctor knows. "
            "Can you still massage my arms, or should the therapist be careful?",
            None,
            "routine",
        ),
        # ... but not without the years, nor with anything new.
        ("Is massage safe? I get chest pain sometimes, my doctor knows", None, "emergency"),
        ("numb hands for years, unchanged, doctor knows, but today my face is drooping", None, "emergency"),
        # A pain told as lasting far longer than the time since the session predates the treatment.
        (
            "my knee has ached for four months, it is not getting any better, would massage help?",
            None,
            "routine",
        ),
        ("my back still hurts and it is not getting any better since my massage", 100, "urgent"),
        # A weekday ahead is not the time since the session ("a match on Saturday").
        (
            "after Monday's session my calf is a bit stiff, I have a match on Saturday, ok to play?",
            30,
            "routine",
        ),
        (
            "had the massage on monday, today is friday and my back is still sore, no better at all",
            100,
            "urgent",
        ),
        # A state said not to be there denies what it is said of; hives alone are urgent.
        (
            "itchy hives on my arms since the massage this morning, my lips aren't swollen, breathing fine",
            3,
            "urgent",
        ),
        # "gone really dark" is a change, not a passing.
        (
            "my pee has gone really dark and my thighs are swollen and agony since the deep tissue",
            40,
            "emergency",
        ),
        # Hypothetical and future: "say I felt...", "worried she'll be sore".
        ("Say I felt my chest go tight during a massage, what would the therapist do?", None, "routine"),
        (
            "my sister is worried she'll be in agony after her first massage, what should she expect?",
            None,
            "routine",
        ),
        # "nothing like my usual": the pain is unlike the usual, not denied.
        (
            "since the neck adjustment a sharp pain on the left side of my neck, nothing like my usual",
            20,
            "emergency",
        ),
        # Bumping into a door once is a knock; bumping into things again and again is clumsiness.
        ("my mum is 82 and has a new sharp pain in her back after bumping into a door", 72, "urgent"),
        ("my dad keeps bumping into things and his speech is off since this morning", None, "emergency"),
        # A dizziness that has not come back since is over.
        ("one wave of dizziness getting off the table, just that once, haven't had it since", 50, "routine"),
        ("still no less sore on day 4", 96, "urgent"),
    ],
)
def test_fifteenth_round_reading(engine: AnswerEngine, text: str, hours: float | None, expected: str) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Is it better to sleep on my back or my side after an adjustment?", "posture"),
        ("Does my health plan cover chiropractic?", "out_of_scope"),
        ("do you take aetna", "out_of_scope"),
        ("where can I buy the oil you use?", "out_of_scope"),
        ("can my elderly aunt have chiro, or is it too rough at 88?", "scope"),
        ("I had a slipped disc in 2012, healed, is deep work on my back ok?", "history"),
        ("a broken rib last season, fully cleared, ok to massage my back?", "history"),
        ("diagnosed with osteopenia last year after a bone scan, is cracking my back still safe?", "scope"),
        ("can I keep taking my cetirizine before my massage?", "medication"),
        ("how do I change my reminder time in this chat?", "bot_help"),
        ("does massage help sciatica? never mind. what time do you open on saturday", "booking"),
        ("my neck is a little stiff, is it ok to go to my dance class or should I rest it?", "movement"),
    ],
)
def test_fifteenth_round_topics(keyword_router: AnswerEngine, text: str, topic: str) -> None:
    answer = ask(keyword_router, text, None)
    assert (answer.urgency, answer.topic) == ("routine", topic), text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        # A relative's hives are checked the same day, like the writer's own.
        ("my mum has hives all over her legs, lips fine", 5, "urgent"),
        # "like nettle rash" is a simile: the rash came where the oil was.
        ("lumpy itchy skin where the oil was, like nettle rash, throat normal", 4, "urgent"),
        # "or anything" and an opening "ok so" ask nothing about treatment.
        (
            "ok so I have itchy welts where she put the cream, no swelling or anything, is this an allergy",
            4,
            "urgent",
        ),
        # "can't go up on tiptoe" is not "can't go on"; "hopeless with phones" is about a skill.
        ("my pee is cola coloured and my calves are so sore I can't go up on tiptoe", 48, "emergency"),
        ("I'm hopeless with phones, how do I change my reminder time?", None, "routine"),
        # A bad pain on one side of the neck after neck work, with a vision change: 911.
        ("she had her neck adjusted this morning, really bad pain on one side of her neck", 6, "emergency"),
        ("36 hours on and my head is still swimmy since the neck adjustment", 36, "urgent"),
        ("3/10 mon, 5 tue, 7 today. going the wrong way", 72, "urgent"),
        # "back in" needs a date; a date right after "after my ..." belongs to that event.
        ("pins and needles back in my left hand, not going away", 36, "urgent"),
        (
            "I had a clot after my knee operation 4 years ago, treated and cleared, is leg massage ok now?",
            None,
            "routine",
        ),
        (
            "had a heart attack in 2015, got stents, doing great, can I still get a hot stone massage?",
            None,
            "routine",
        ),
    ],
)
def test_sixteenth_round_reading(engine: AnswerEngine, text: str, hours: float | None, expected: str) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("good for frozen shoulder?", "scope"),
        ("can you see a 7 year old?", "scope"),
        ("stroke in 2016, all clear since.", "history"),
        ("is a heat pack ok tonight?", "heat_ice"),
        ("is a sauna alright after a massage?", "heat_ice"),
        ("do you sell the oil you use?", "out_of_scope"),
        ("book me tues am?", "booking"),
    ],
)
def test_sixteenth_round_topics(keyword_router: AnswerEngine, text: str, topic: str) -> None:
    answer = ask(keyword_router, text, None)
    assert (answer.urgency, answer.topic) == ("routine", topic), text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        # A change told with "gone" ("my voice has gone hoarse") leaves the throat before it live.
        (
            "my throat feels tight like it's closing and my voice has gone croaky since the massage",
            1,
            "emergency",
        ),
        ("itchy hives on my back and my breathing is getting harder", 2, "emergency"),
        ("my right eye has been blurry for an hour now, had my neck adjusted this morning", 4, "emergency"),
        ("worse today", 48, "urgent"),
        ("my hand tingled for a minute after, then normal", 3, "routine"),
        ("I'm allergic to lanolin, can I bring my own oil?", None, "routine"),
        ("temp is 38.6 since yesterday, I feel awful. my brother's wedding is this weekend", 40, "urgent"),
    ],
)
def test_seventeenth_round_reading(
    engine: AnswerEngine, text: str, hours: float | None, expected: str
) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        ("hives all over n my throats closing up", 1, "emergency.allergic_reaction"),
        (
            "my grandad's gone grey and sweaty and keeps saying his left arm aches, says his chest is fine",
            3,
            "emergency.chest_pain",
        ),
        (
            "left side of my neck has a sharp pain, way worse than my usual ache, since the adjustment",
            48,
            "emergency.neck_artery_warning",
        ),
        # an `unless` ("can't see me": an appointment) sets aside only what it explains
        ("the GP can't see me till friday. Now my face is drooping on the left", 5, "emergency.stroke_signs"),
        ("the doctor can't see me until next week and my face is drooping", 5, "emergency.stroke_signs"),
        # "breathing ok" tells how it is; it does not ask whether treatment is ok
        (
            "my son (12) came out in hives after the oil, breathing ok, no swelling on his face",
            2,
            "urgent.skin_reaction",
        ),
        (
            "I'm allergic to peanuts and I think she used an almond oil, now I've got hives on my arms",
            2,
            "urgent.skin_reaction",
        ),
        # check-in replies: a bare score before a time word, a short "still bad" on day 3
        ("8 today, it was 5 yesterday", 50, "urgent.pain_score_rising"),
        ("still bad tbh", 80, "urgent.soreness_not_easing"),
        (
            "the pins and needles in my foot went away last night, then came back this morning and won't go",
            30,
            "urgent.limb_numbness",
        ),
        # the improvement is told of the back, before the dizziness
        (
            "my back is better. thing is I've been dizzy since the adjustment 2 days ago, it isn't stopping",
            50,
            "urgent.headache_or_dizziness_lasting",
        ),
        (
            "can massage help this bruise? I'm on eliquis and it is huge",
            30,
            "urgent.bruise_large_or_on_blood_thinners",
        ),
    ],
)
def test_eighteenth_round_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert ask(engine, text, hours).rule == rule_id, text


def test_a_title_names_who_the_message_is_about(engine: AnswerEngine) -> None:
    answer = ask(
        engine,
        "I'm writing for Mr. Patel (80): he has had a temperature of 38.6 since yesterday's treatment",
        30,
    )
    assert answer.rule == "urgent.fever"
    assert speaks_of(answer.reply, "he")


def test_a_name_or_typo_does_not_pull_the_topic_away(engine: AnswerEngine) -> None:
    """Unknown words count as unknown words, not as a dozen unknown character n-grams."""
    assert ask(engine, "my xylophone-tango shoulder aches after the massage", 2).topic == "soreness"


def test_every_labelled_routine_message_is_a_classifier_example() -> None:
    """tools/sync_topic_examples.py adds a new set's routine messages once it has been measured."""
    import importlib.util

    path = Path(__file__).parents[2] / "tools" / "sync_topic_examples.py"
    spec = importlib.util.spec_from_file_location("sync_topic_examples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.missing_examples() == []


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("legs ache a bit after a hot day in the garden, no swelling, nothing red", 50, "routine"),
        ("had a dull headache this morning like after a long day at work, gone now", 5, "routine"),
        ("I bruise easily on xarelto, is deep tissue ok? no bruises right now", 96, "routine"),
        (
            "got light-headed and wobbly standing up after, passed in a minute, walking around normally now",
            4,
            "routine",
        ),
        ("my mechanic can't see me until next week, so can I book for Tuesday?", None, "routine"),
        ("see you at 4 today", 50, "routine"),
        ("it's day 2 now and my back is a lot looser", 48, "routine"),
        ("lower back a bit tight, spin class tonight at 6, ok to go?", 48, "routine"),
        ("totally breathless from running for the bus but made it! back feels great", 24, "routine"),
        ("I sit at a desk all day and by 3pm I'm stiff, any stretches?", 72, "routine"),
        ("dull headache since the session, honestly more annoying than painful", 5, "routine"),
        ("my son has a fever of 38.5, can I still come in tomorrow?", 30, "routine"),
        ("dad's temp is 38.4 and he feels awful", 30, "urgent"),
        ("mum had her first massage tuesday, now she's shivery and the thermometer said 38.6", 48, "urgent"),
        ("Grandpa feels really unwell since his session, hot and cold", 30, "urgent"),
        ("no rash, just my lips have gone big since the balm", 2, "emergency"),
        ("mum's gone grey and clammy and says she feels sick, no chest pain", 20, "emergency"),
        ("peee is dark like cola and my thighs are swollen and weak since the deep tissue", 40, "emergency"),
    ],
)
def test_eighteenth_round_reading(
    engine: AnswerEngine, text: str, hours: float | None, expected: str
) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        (
            "my back has ached for weeks and I've lost half a stone without trying",
            None,
            "urgent.back_pain_warning_signs",
        ),
        (
            "my wife says my spine looks more crooked than it used to, and it aches more every week",
            200,
            "urgent.back_pain_warning_signs",
        ),
        ("stiffer today than yesterday, the session was on monday", 50, "urgent.pain_severe_or_worsening"),
        # a question about the urine is not a denial of it; "my water" is the water passed
        (
            "is tea coloured wee normal? thighs swollen and aching since the sports massage",
            30,
            "emergency.muscle_breakdown",
        ),
        (
            "her water was dark brown this morning and her legs are swollen after the deep tissue",
            24,
            "emergency.muscle_breakdown",
        ),
        (
            "the skin is blotchy and stinging where the lotion went on, breathing fine",
            3,
            "urgent.skin_reaction",
        ),
        # someone who cannot be woken needs 911 for that, not the 988 line
        ("my husband is asleep on the sofa and won't wake up", None, "emergency.fainting"),
        # "like last time" compares; it does not date the numbness
        (
            "thought the numb patch on my shin would go like last time but it's there since friday",
            72,
            "urgent.limb_numbness",
        ),
        # what usually happens is not what happened
        (
            "migraine since yesterday's session, usually they're gone by the next morning, it is still going",
            30,
            "urgent.headache_or_dizziness_lasting",
        ),
        ("sudden massive headache and I threw up, neck adjusted this morning", 3, "emergency.stroke_signs"),
        ("thought it would pass, and now my words come out slurred", 30, "emergency.stroke_signs"),
        (
            "had a mini-stroke in 2019 and this feels the same, my words are slurring",
            5,
            "emergency.stroke_signs",
        ),
        ("stood up and went down in the car park, came round quick, feel shaky", 2, "emergency.fainting"),
        (
            "the rash from the oil was just itchy, but now I feel faint and my voice is hoarse",
            3,
            "emergency.allergic_reaction",
        ),
        (
            "bruise was the size of a coin yesterday. Now it is as big as my hand",
            48,
            "urgent.bruise_large_or_on_blood_thinners",
        ),
        (
            "headache was easing monday, then tuesday it was back and it's there all day",
            70,
            "urgent.headache_or_dizziness_lasting",
        ),
        (
            "my husband's headache from the adjustment is into its second day",
            48,
            "urgent.headache_or_dizziness_lasting",
        ),
        # what lying down does does not explain pain that grows day by day
        (
            "my knee is getting worse every day, and it's worse when I lie down",
            60,
            "urgent.pain_severe_or_worsening",
        ),
        # told as the same as a past stroke: that stroke, now
        (
            "had a mini-stroke in 2019 and this feels the same, my left arm is weak",
            5,
            "emergency.stroke_signs",
        ),
    ],
)
def test_nineteenth_round_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert ask(engine, text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        # a plain denial of the thought: the emotional-after-massage answer, with its own 988 line
        (
            "feeling weepy since the massage, not thinking of hurting myself, just emotional. normal?",
            4,
            "routine",
        ),
        ("I'm not going to hurt myself", None, "emergency"),
        ("not thinking of hurting myself but some nights I wish I was dead", 4, "emergency"),
        (
            "headache after saturday's session was gone by sunday morning. still worth mentioning?",
            40,
            "routine",
        ),
        ("can't feel any lump behind my knee, the hamstrings are just tight from the desk", 24, "routine"),
        (
            "upper back throbs a little when I lift my arm, breathing relaxed, a bit better each day",
            44,
            "routine",
        ),
        ("my pee is a normal colour, thighs just ache like after leg day", 24, "routine"),
        (
            "the physio told me to always check for numbness in the saddle area: none of that. back stiff",
            20,
            "routine",
        ),
        # durations of plans, not of symptoms: "skip it this week", "miss a week of training"
        ("legs and bladder normal, low back just tight. should I skip yoga this week?", 48, "routine"),
        (
            "calf tight but not red or swollen, I don't want to miss a week of training. ok to run?",
            22,
            "routine",
        ),
        # a stay in hospital years ago is not how long anything lasts now
        (
            "Years ago I had a torn artery in my neck, spent a week in hospital, all clear since. "
            "Is neck work ok for my stiff neck?",
            None,
            "routine",
        ),
        ("walking down the stairs sideways after the leg massage lol, already easing", 20, "routine"),
        (
            "no dizziness, and I can talk the hind legs off a donkey, so speech is fine. stiff neck though",
            30,
            "routine",
        ),
        (
            "my forearms are always tight from hairdressing. can you still work on them next week?",
            168,
            "routine",
        ),
        ("chest fine, breathing fine, shoulder blade pulls. ice it?", 15, "routine"),
        (
            "hamstrings tight since Monday's massage, nothing swollen or red. ok to run on saturday?",
            40,
            "routine",
        ),
        (
            "ribs a bit tender where he worked, worse when I lie on that side. best way to sleep?",
            12,
            "routine",
        ),
        ("calf sore after the massage: ice or hot water bottle?", 24, "routine"),
        ("the tingling lasted about ten minutes after the adjustment and hasn't come back", 50, "routine"),
        (
            "dark wee this morning, I barely drank yesterday. legs a little achy, nothing swollen",
            24,
            "routine",
        ),
        (
            "a clot in my leg 4 yrs ago, blood thinners all done now and scans clear. leg massage ok?",
            240,
            "routine",
        ),
        ("my legs get really stiff by the end of the day with MS. could massage help?", 168, "routine"),
    ],
)
def test_nineteenth_round_reading(
    engine: AnswerEngine, text: str, hours: float | None, expected: str
) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        # dizziness in one sentence, vomiting or unsteadiness in the next
        (
            "woozy since the neck adjustment this morning. I've been sick twice and I can't stand straight",
            6,
            "emergency.dizziness_with_other_signs",
        ),
        # "can't ... without" says what happens
        ("since the massage mum can't get up without toppling to one side", 4, "emergency.stroke_signs"),
        ("my wife keeps losing words mid sentence since her neck treatment", 20, "emergency.stroke_signs"),
        (
            "the numbness went, but now it's back in my cheek and my arm on the same side",
            3,
            "emergency.stroke_signs",
        ),
        # a question after "quick q," is still a question: nothing is denied
        (
            "quick q, is tea-coloured pee normal? my calves are swollen and rock hard",
            30,
            "emergency.muscle_breakdown",
        ),
        ("both arms extremely weak since the session, I can't hold a mug", 30, "emergency.extreme_weakness"),
        # the sentence before does not block a denial ("isn't. Breathing is fine")
        (
            "left calf swollen, hot and red, the right isn't. Breathing is fine and no chest pain",
            40,
            "urgent.possible_clot",
        ),
        # knowing the signs is not having them
        (
            "itchy hives on my back since the oil, I know the anaphylaxis signs and have none of them",
            5,
            "urgent.skin_reaction",
        ),
        (
            "hives since the massage, breathing fine, face normal, so I'm confused what caused it",
            20,
            "urgent.skin_reaction",
        ),
        # "when I help him dress" does not ask about treatment
        (
            "after his massage dad has a huge bruise on his thigh, very tender when I help him dress",
            30,
            "urgent.bruise_large_or_on_blood_thinners",
        ),
    ],
)
def test_twentieth_round_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert ask(engine, text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("since the session I can walk without falling over or wobbling, just stiff", 20, "routine"),
        ("I take bisoprolol for my heart and my back is aching after the massage. heat?", 10, "routine"),
        (
            "lower back sore since yesterday's adjustment, no numb feeling down there, toilet normal",
            24,
            "routine",
        ),
        # a stable condition "still" there, or there "since then"
        (
            "my father had a stroke 5 years ago, still a weak left hand that hasn't changed. "
            "Would massage help his shoulder?",
            None,
            "routine",
        ),
        (
            "I have neuropathy in my feet for years, not new, my doctor knows about it. "
            "Is a foot massage safe?",
            None,
            "routine",
        ),
        # the past, told from its start
        (
            "last time after the massage I got a red itchy patch, it went in a day. different oil on friday?",
            400,
            "routine",
        ),
        (
            "two weeks on and my back feels great. The first time I came I was sore for days. Book again?",
            336,
            "routine",
        ),
        # an arm that went dead lying face down on the table, and came back
        (
            "my hand went dead lying face down on the table, feeling came back once I shook it out. "
            "full grip now",
            5,
            "routine",
        ),
        (
            "on warfarin for years. Is deep tissue ok? I don't want to end up covered in bruises",
            None,
            "routine",
        ),
    ],
)
def test_twentieth_round_reading(engine: AnswerEngine, text: str, hours: float | None, expected: str) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        (
            "my husband says there's no feeling round his backside since his back was done",
            20,
            "emergency.cauda_equina",
        ),
        (
            "mum has wet herself twice today, which never happens. back adjusted yesterday",
            24,
            "emergency.cauda_equina",
        ),
        ("I don't want to be here any more", None, "emergency.self_harm"),
        ("been putting my sleeping tablets aside in a jar", None, "emergency.self_harm"),
        ("since the neck session my words are all muddled", 5, "emergency.stroke_signs"),
        ("the TV splits in two since the adjustment, shutting one eye fixes it", 3, "emergency.stroke_signs"),
        (
            "my pee is the colour of black tea and my legs are swollen and sore since the deep tissue",
            30,
            "emergency.muscle_breakdown",
        ),
        ("shoulder still just as bad on day 5", 120, "urgent.soreness_not_easing"),
        ("neck not better day 4, sharper if anything", 96, "urgent.soreness_not_easing"),
    ],
)
def test_twenty_first_round_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert ask(engine, text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("Dizziness? None. Numbness? Nope. Just sore calves. Normal?", 20, "routine"),
        ("Numbness? Yes, in my fingers since the massage", 20, "urgent"),
        (
            "Had shingles nerve pain in 2018, every scan since has been clear, a little numbness that "
            "hasn't changed in years. Anything I should tell the chiro?",
            None,
            "routine",
        ),
        (
            "my hands go numb like always with my carpal tunnel, zero change there. "
            "is feeling tired after a massage normal?",
            8,
            "routine",
        ),
        (
            "she had a clot in 2020 after her hip operation, treated, scans clear since. leg massage ok?",
            None,
            "routine",
        ),
        # "unsteady" is how dizziness feels: lasting giddiness is urgent, not 911
        (
            "felt a bit unsteady after Monday's adjustment. "
            "Now Wednesday and still giddy when I turn my head",
            56,
            "urgent",
        ),
    ],
)
def test_twenty_first_round_reading(
    engine: AnswerEngine, text: str, hours: float | None, expected: str
) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        ("nan suddenly wobbly on her feet and the room is spinning", 3, "emergency.stroke_signs"),
        # a limb "asleep and won't wake up" is numbness, not the 988 line
        ("my left arm has been asleep and won't wake up since the massage", 20, "urgent.limb_numbness"),
        (
            "husband's had the spins since his neck adjustment, 2 days now",
            48,
            "urgent.headache_or_dizziness_lasting",
        ),
        ("nope, it's worse now", 40, "urgent.pain_severe_or_worsening"),
        ("same as yday tbh, day 5", 120, "urgent.no_improvement_after_days"),
        (
            "on prednisolone for years. New sharp pain in my ribs since the massage",
            30,
            "urgent.osteoporosis_new_pain",
        ),
        (
            "on warfarin: ok to massage these new bruises on my arm?",
            40,
            "urgent.bruise_large_or_on_blood_thinners",
        ),
        (
            "headache since the neck adjustment two days ago, painkillers barely touch it",
            48,
            "urgent.headache_or_dizziness_lasting",
        ),
    ],
)
def test_twenty_second_round_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert ask(engine, text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("stood up and the room spun for a few seconds, then completely fine. common?", 3, "routine"),
        ("tender upper back, but breathing easily and pain-free on a deep breath", 24, "routine"),
        ("the parking fine nearly gave me a heart attack lol. legs a bit sore", 20, "routine"),
        ("day 2 and just a faint ache when I bend, can I lift my toddler?", 48, "routine"),
        ("I read about dark urine after massage so I checked: mine is pale, legs feel strong", 24, "routine"),
        ("the usual pregnancy back ache, worse after a day at work. heat pad ok?", 48, "routine"),
        ("sorry, cancelling Friday, my daughter came down with a fever", 100, "routine"),
        (
            "Had a clot in 2019 after my hip operation, treated and all clear since. Is leg massage ok?",
            None,
            "routine",
        ),
        ("my friend keeps joking I'll never hear the end of it, legs sore after the massage", 20, "routine"),
        # ... and what stays: a fever since the session, a real "won't wake up"
        ("my son came down with a fever after his massage yesterday", 20, "urgent"),
        (
            "back pain wakes me up at night and I've lost weight without trying. can massage help?",
            72,
            "urgent",
        ),
    ],
)
def test_twenty_second_round_reading(
    engine: AnswerEngine, text: str, hours: float | None, expected: str
) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        (
            "had to use my epipen, my tongue went massive, the therapist stopped straight away",
            1,
            "emergency.allergic_reaction",
        ),
        ("hives all over after the oil and I nearly passed out getting up", 1, "emergency.allergic_reaction"),
        (
            "neck adjusted yesterday. Headache is back, much worse, right side of my neck, and I threw up",
            30,
            "emergency.neck_artery_one_sided_with_headache",
        ),
        ("sudden pounding headache out of nowhere", 20, "emergency.stroke_signs"),
        ("the skin over my hip is hot and starting to break since the session", 40, "urgent.infection_signs"),
    ],
)
def test_twenty_third_round_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert ask(engine, text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("my friend says massage releases toxins, sounds like nonsense to me. stiff today", 20, "routine"),
        ("been taking it easy, ice, stretches, the lot. back much better", 30, "routine"),
        ("how much water is enough, 2 or 3 litres? legs a bit sore", 24, "routine"),
        ("is a hot stone massage ok for my arm with lymphoedema, managed by my physio", None, "routine"),
        ("broke my wrist in high school, healed. anything to avoid?", None, "routine"),
        ("three itchy spots after my last massage, gone within the hour, never came back", 300, "routine"),
        ("a bit teary after the session, not thinking of hurting myself, just emotional", 4, "routine"),
        (
            "my ankles swell by the end of the day, it's been like that for years, doctor says nothing "
            "sinister. can massage help?",
            None,
            "routine",
        ),
    ],
)
def test_twenty_third_round_reading(
    engine: AnswerEngine, text: str, hours: float | None, expected: str
) -> None:
    assert ask(engine, text, hours).urgency == expected, text


@pytest.mark.parametrize(
    ("text", "closing"),
    [
        ("Sore neck yesterday, heaps better today. Keep stretching?", "Keep stretching?"),
        ("Bruise on my arm. Ice it? Or heat?", "Ice it? Or heat?"),
        ("ice?", None),
        ("what do you call a masseur who can't stop talking? a knead-y friend", None),
        ("My back is sore after the session.", None),
        # a short remark after the questions leaves them closing the message
        (
            "Sore after Tuesday, much better now. Can I take naproxen for the rest? Not on other meds.",
            "Can I take naproxen for the rest?",
        ),
        ("Is deep tissue safe on blood thinners? I take apixaban", None),
    ],
)
def test_the_classifier_reads_the_closing_questions_again(text: str, closing: str | None) -> None:
    assert closing_questions(text) == closing


@pytest.mark.parametrize(
    ("text", "hours", "topic"),
    [
        # each read as what it tells (a headache, thanks) without the closing question's weight
        (
            "Small headache after the adjustment, gone now. Is ibuprofen ok if it comes back?",
            18,
            "medication",
        ),
        ("Husband's slight headache after his neck session. Is paracetamol alright?", 5, "medication"),
        ("thanks so much. where can I park?", None, "booking"),
    ],
)
def test_a_closing_question_steers_the_topic(
    engine: AnswerEngine, text: str, hours: float | None, topic: str
) -> None:
    assert ask(engine, text, hours).topic == topic


@pytest.mark.parametrize("text", ["hiya", "ok", "k", "nice one", "yes", "no", "ta", "okie"])
def test_a_short_chat_message_is_smalltalk_not_a_guess(engine: AnswerEngine, text: str) -> None:
    """The classifier's guess on one or two words is unsure; chat words the rules know settle it."""
    assert ask(engine, text, 20).topic == "smalltalk"


@pytest.mark.parametrize(
    ("text", "urgency", "topic"),
    [
        ("3", "routine", "soreness"),
        ("2/10 👍", "routine", "soreness"),
        ("9", "urgent", "red_flag"),
        ("8 😬", "urgent", "red_flag"),
    ],
)
def test_a_bare_score_after_a_session_is_read_as_a_pain_score(
    engine: AnswerEngine, text: str, urgency: str, topic: str
) -> None:
    answer = ask(engine, text, 24)
    assert (answer.urgency, answer.topic) == (urgency, topic)


def test_a_bare_number_with_no_recent_session_is_not_a_score(engine: AnswerEngine) -> None:
    assert ask(engine, "9").urgency == "routine"
    assert ask(engine, "9", 500).urgency == "routine"


def test_a_second_language_model_adds_its_counts_to_the_shared_ones() -> None:
    """Counting once and adding a language's examples gives the model trained on all of them."""
    from bot.answers import topic_model

    topics = ("soreness", "hydration")
    base = [(f"sore back {i}", "soreness") for i in range(6)] + [
        (f"drink water {i}", "hydration") for i in range(6)
    ]
    extra = [("me duele la espalda", "soreness"), ("tomar agua", "hydration")]
    counted = topic_model._count_features(base, topics)
    merged = TopicModel(
        (), topics, counted=topic_model._merged(counted, topic_model._count_features(extra, topics))
    )
    together = TopicModel(base + extra, topics)
    for text in ("me duele", "drink agua", "sore back"):
        assert merged.log_scores(text) == together.log_scores(text)
    assert topic_model._count_features(base, topics) == counted  # the shared counts were not changed
