"""Unit tests of the answer engine: red flags, negation, typos, timing, replies, content checks."""

from __future__ import annotations

import copy
import re
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
)
from bot.content import ClinicProfile, ContentError, load_clinic, read_toml

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
    ],
    "emergency.neck_artery_warning": [
        "sharp pain on one side of my neck unlike anything before",
        "severe headache after my neck adjustment",
    ],
    "emergency.chest_pain": [
        "chest pain",
        "chest hurts rly bad",
        "pressure in my chest",
        "my chest feels tight",
    ],
    "emergency.leg_swelling_with_breathlessness": ["my calf is swollen and I'm short of breath"],
    "emergency.breathing": [
        "cant breath",
        "having trouble breathing",
        "short of breath",
        "coughing up blood",
    ],
    "emergency.allergic_reaction": ["my lips are swelling up", "throat feels like it's closing"],
    "emergency.cauda_equina": [
        "numb around my groin",
        "i can't pee since the adjustment",
        "both legs are weak",
        "wet myself and didnt notice",
    ],
    "emergency.fainting": ["I fainted after the massage", "passed out in the shower"],
    "emergency.dark_urine_with_muscle_symptoms": ["my pee is cola colored and my muscles are so sore"],
    "emergency.fever_with_stiff_neck": ["fever and a stiff neck", "temp 39.1 and my neck is stiff"],
    "emergency.self_harm": [
        "i want to kill myself",
        "I want to die of embarrassment lol",
        "thinking of ending my life",
    ],
    "emergency.extreme_weakness": ["my muscles are extremely weak all over"],
}

URGENT_CASES = {
    "urgent.limb_numbness": [
        "my hand went numb and is still numb",
        "numbnes in my fingers",
        "tingling down my arm",
        "pins and needles in my foot",
        "my right arm feels weak",
    ],
    "urgent.fever": ["i have a fever", "temp is 100.8", "running a fever of 38.5"],
    "urgent.possible_clot": ["my calf is swollen and warm"],
    "urgent.bruise_large_or_on_blood_thinners": [
        "huge bruise spreading",
        "bruise and I'm on warfarin",
        "i take eliquis and have a bruise",
    ],
    "urgent.infection_signs": ["the spot is red, hot and swollen"],
    "urgent.osteoporosis_new_pain": ["I have osteoporosis and a sharp new pain in my back"],
    "urgent.back_pain_warning_signs": ["back pain worse at night"],
    "urgent.headache_or_dizziness_lasting": ["headache for 2 days", "dizzy for 3 days now"],
    "urgent.pain_severe_or_worsening": ["the pain is severe", "headache getting worse", "pain is 9/10"],
    "urgent.soreness_not_easing": ["still sore 4 days later", "been a week and my back still hurts"],
    "urgent.near_fainting": ["I almost fainted in the car park"],
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
        if rule == "emergency.self_harm":
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
            assert lines_of(reply)[0].startswith("<b>Please call the clinic today at (555) 010-0000.</b>"), (
                text
            )
            assert "urgent care or call your doctor today" in reply
            assert "<b>Call 911</b> if" in reply


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
    ],
)
def test_overlapping_wordings(
    engine: AnswerEngine, text: str, hours: float | None, urgency: str, topic: str
) -> None:
    result = ask(engine, text, hours)
    assert (result.urgency, result.topic) == (urgency, topic), (text, result.rule, result.evidence)


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
