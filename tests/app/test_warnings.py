"""One set of warning lines: "when to call 911", "when to call us" and the fluid advice are written once
(bot/content/warnings.toml) and every aftercare, check-in, reminder and answer says them in those words."""

from __future__ import annotations

import html
import json
import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.answers import AnswerEngine
from bot.content import ContentError, fill_warnings, load_clinic, read_toml, warning_lines
from tests.support.harness import PATIENT_ID, STAFF_ID, Bot

PHONE = "(503) 899-0707"
# The files whose texts carry warning lines (red_flags.toml holds the triage rules' own reasons).
FILES = ("aftercare.toml", "reminders.toml", "texts.toml", "answers.toml")
# Phrases only the shared lines may hold: a list of 911 signs, the general "call us today" list (a topic
# may still name its own reason to call, such as a large bruise), the fluid advice.
OWN_COPY = re.compile(
    r"call 911</b> (for|if) [a-z]|call 911 (for|if) [a-z]|chest pain|numbness between|worst-ever|"
    r"numbness, tingling|tingling or weakness|easing (after|in) 3 days|glasses (of fluid )?a day|"
    r"limits your fluids",
    re.IGNORECASE,
)


def rendered(name: str) -> str:
    """A shared line as a patient reads it (the clinic's phone filled in)."""
    return warning_lines()[name].replace("{clinic_phone}", PHONE)


def strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_the_lines_say_what_clinical_guidance_section_2_says() -> None:
    lines = warning_lines()
    call_911 = lines["call_911"]
    # Any ONE stroke sign is enough (BE FAST), never "weakness with trouble speaking".
    assert "any one stroke sign" in call_911 and " with trouble speaking" not in call_911
    for sign in [
        "chest pain",
        "trouble breathing",
        "fainting",
        "swollen lip, tongue or throat",
        "drooping face",
        "weak or numb arm or leg",
        "trouble speaking, seeing, walking or keeping your balance",
        "sudden, worst-ever headache",
        "numbness between your legs",
        "new bladder or bowel trouble",
        "weakness in both legs",
        "After neck treatment, call 911 for double vision, slurred speech, trouble swallowing or feeling "
        "unsteady",
    ]:
        assert sign in call_911, sign
    groups = [lines[name] for name in lines if name.startswith("signs_")]
    assert all(group in lines["911_signs"] for group in groups)  # the list form says the same
    assert "{clinic_phone}" in lines["call_us"] and "3 days" in lines["call_us"]
    fluids = lines["fluids"]
    assert "unless your doctor limits your fluids" in fluids and "nothing needs flushing out" in fluids
    assert "toxin" not in fluids and "glasses" not in fluids
    assert all(len(line) < 600 and "\n" not in line for line in lines.values())


def grade_level(text: str) -> float:
    """Flesch-Kincaid grade (a rough syllable count is enough to catch a run-on sentence)."""
    words = re.findall(r"[A-Za-z']+", re.sub(r"<[^>]+>", "", text))
    sentences = max(len(re.findall(r"[.!?](\s|$)", text)), 1)
    syllables = sum(max(len(re.findall(r"[aeiouy]+", w.lower().rstrip("e"))), 1) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


@pytest.mark.parametrize("name", ["call_911", "call_us", "fluids"])
def test_the_lines_read_at_a_6th_to_8th_grade_level(name: str) -> None:
    assert grade_level(warning_lines()[name]) <= 8.5


def test_no_other_content_file_holds_its_own_copy() -> None:
    for name in FILES:
        raw = resources.files("bot.content").joinpath(name).read_text(encoding="utf-8")
        for text in strings(tomllib.loads(raw)):
            assert not OWN_COPY.search(text), f"{name} has its own warning line: {text[:80]!r}"


def test_every_text_that_names_911_signs_uses_the_shared_lines() -> None:
    lines = warning_lines()
    used = {"call_911": 0, "call_us": 0, "fluids": 0}
    for name in FILES:
        for text in strings(read_toml(name)):
            plain = re.sub(r"<[^>]+>", "", text).lower()
            if re.search(r"call 911 (for|if) (you )?[a-z]", plain):
                for group in (lines[key] for key in lines if key.startswith("signs_")):
                    assert group in text, f"{name}: {text[:80]!r} lacks {group!r}"
            if re.search(r"numbness, tingling|tingling or weakness", plain):
                assert lines["call_us"] in text, f"{name}: {text[:80]!r}"
            used = {key: count + (lines[key] in text) for key, count in used.items()}
    assert all(used.values()), used  # every shared line is used somewhere


async def test_aftercare_check_ins_and_answers_show_the_shared_lines(bot: Bot) -> None:
    number = await bot.enrolled_patient()
    await bot.send(f"/session {number} neck", STAFF_ID)
    aftercare = bot.telegram.last_text(PATIENT_ID)
    for name in ("call_us", "call_911", "fluids"):
        assert rendered(name) in aftercare, name

    await bot.tick(hours=24)
    worry = bot.telegram.sent(PATIENT_ID)[-1].button_data[3]
    await bot.press(worry, PATIENT_ID)
    checklist = bot.telegram.last_text(PATIENT_ID)
    assert rendered("call_911") in checklist and rendered("call_us") in checklist

    await bot.send("my neck is a bit sore today, is that normal?", PATIENT_ID)
    soreness = bot.telegram.last_text(PATIENT_ID)
    assert rendered("call_us") in soreness and rendered("call_911") in soreness
    await bot.send("how much water should I drink after a massage?", PATIENT_ID)
    assert rendered("fluids") in bot.telegram.last_text(PATIENT_ID)


def test_every_routine_answer_that_mentions_911_uses_the_shared_line() -> None:
    clinic = load_clinic()
    engine = AnswerEngine.load(clinic)
    call_911 = warning_lines()["call_911"]
    data = Path(__file__).parents[1] / "data" / "labelled_messages.jsonl"
    checked = 0
    for line in data.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        result = engine.answer(case["text"], case["hours_since_session"])
        plain = re.sub(r"<[^>]+>", "", html.unescape(result.reply)).lower()
        if result.urgency == "routine" and re.search(r"call 911 (for|if)", plain):
            assert call_911 in result.reply, case["text"]
            checked += 1
    assert checked > 20


def test_an_unknown_or_multi_line_warning_is_refused() -> None:
    with pytest.raises(ContentError, match="warn_nothing"):
        fill_warnings({"a": ["Call us {warn_nothing}"]}, warning_lines(), "test.toml")
    assert fill_warnings({"a": ["x {warn_fluids}"]}, warning_lines(), "t")["a"][0].startswith("x Drink")
