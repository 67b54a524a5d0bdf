"""Content is data, checked at start-up: every text renders, fits Telegram, and follows the wording rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.aftercare import compose_aftercare
from bot.content import (
    TEXT_KEYS,
    ContentError,
    Texts,
    load_clinic,
    load_content,
    placeholders,
    read_toml,
)
from bot.demo.telegram import MAX_TEXT, html_error
from bot.visits import ALL_KINDS

SAMPLE_VALUES = {
    "area": "head and jaw",
    "suggestion": "lower back, shoulders",
    "minutes": 10,
    "added": "lower back",
    "tips": "• Lower back: short walks every hour or so.",
    "who": "Patient #123456 – &lt;Jane&gt; &amp; D.",
    "line": "👋 Patient #123456 – Jane D. joined.",
    "figures": "sent 1,234 of 5,000, 2 failed, 3 waiting until 8:00 AM (quiet hours)",
    "patients": "5,000 patients",
    "lines": "📣 Broadcast #3: sent 10 of 40\n<i>Closed on Monday</i>",
    "preview": "Closed on Monday for the holiday, back on Tuesday at 8:00 AM",
    "until": "Tue Mar 03, 8:00 AM",
    "name": "<Jane> & D." + "x" * 50,
    "number": 123456,
    "link": "https://t.me/procare_clinic_bot?start=" + "A" * 32,
    "expires": "Mar 09, 2026",
    "max_length": 64,
    "areas": "neck, shoulders, upper back, lower back, hips, legs, arms, head and jaw",
    "unknown": "elbowz",
    "known": "neck, shoulders",
    "admins": "1, 2, 3",
    "staff": "4, 5, 6",
    "bot_username": "procare_clinic_bot",
    "user_id": 123456789,
    "urgency_label": "URGENT",
    "category": "possible blood clot",
    "worry": "numbness between the legs, bladder or bowel changes, or weak legs",
    "button": "I've called 911 / help is here",
    "advice": "call the clinic today.",
    "time": "Mon Mar 02, 09:00",
    "handler": "Sam & <Co>",
    "clinic_booking_url": "https://example.org/book",
    "status": "active",
    "timezone": "Pacific (Los Angeles)",
    "quiet": "9:00 PM–8:00 AM",
    "last_session": "Mon Mar 02 (neck, shoulders)",
    "done": 12,
    "upcoming": "\n".join(["• Tue Mar 03, 9:00 AM – soreness check-in"] * 12),
    "visit_plan": "Next visit: Wednesday, Dec 9 at 3:00 PM\nCare plan: weekly, next due Wed Dec 16",
    "when": "Tue Mar 03, 9:00 AM",
    "what": "posture break",
    "first": 1,
    "last": 8,
    "total": "1,200",
    "query": "jan & <co>",
    "date": "Mar 02",
    "step": "follow up",
    "answer": "Still very sore",
    "sessions": "\n".join(["• Mon Mar 02 (neck, shoulders, upper back)"] * 3),
    "checkins": "\n".join(["• Mar 03: follow up – Still very sore"] * 5),
    "alerts": "\n".join(["• Mar 03 10:00: urgent – check-in: soreness getting worse"] * 5),
    "length": 5000,
    "limit": 4000,
    "days": 90,
    "count": "1,200",
    "text": "<b>Closed</b> & " + "x" * 3990,
    "id": 12,
    "sent": "1,000",
    "blocked": "3",
    "failed": "0",
    "cancelled": "0",
    "enrolled": 1200,
    "active": 1100,
    "invited": 40,
    "checkin_rate": "80% (80/100)",
    "done_rate": "50% (50/100)",
    "topics": "\n".join(["• soreness: 120"] * 14),
    "topic": "soreness",
    "audience": "session in the last 30 days",
    "urgency": "urgent",
    "joined": "Mar 02, 2026",
    "posture": "9:00 AM–5:00 PM",
    "exercise": "7:00 PM",
    "response": "done",
    "chat_id": -1001234567890,
    # Home exercise programmes.
    "steps": "1. Sit tall.\n2. Slide your chin straight back.\n3. Hold, then relax.",
    "cautions": "Keep it small & pain-free.",
    "dose": "Hold 5 seconds, 10 times, 3 times a day",
    "seconds": 5,
    "position": 2,
    "preset": "Gentler",
    "names": "Chin tuck, Doorway chest stretch, Shoulder-blade squeeze, Hip flexor stretch",
    "possible": 35,
    "rate": "51%",
}


@pytest.fixture(scope="module")
def content():  # type: ignore[no-untyped-def]
    return load_content()


@pytest.mark.parametrize("key", sorted(TEXT_KEYS))
def test_every_text_renders_as_valid_html_within_limits(content, key: str) -> None:  # type: ignore[no-untyped-def]
    text = content.texts.render(key, **{name: SAMPLE_VALUES[name] for name in TEXT_KEYS[key]})
    assert text.strip()
    assert len(text) <= MAX_TEXT
    assert html_error(text) is None, text
    assert "{" not in text and "}" not in text


def test_aftercare_for_every_area_combination_fits(content) -> None:  # type: ignore[no-untyped-def]
    every = tuple(area.key for area in content.aftercare.areas)
    for areas in [(), *((a,) for a in every), every]:
        text = compose_aftercare(content.aftercare, content.texts.clinic_fields(), areas)
        assert len(text) <= MAX_TEXT and html_error(text) is None
        # No "flush toxins" claim; the only flushing it speaks of is the shared "nothing needs flushing out".
        denial = text.lower().replace("nothing needs flushing out", "")
        assert "toxin" not in denial and "flush" not in denial
        assert "911" in text and content.clinic.phone in text
        assert not re.search(r"\d+\s*(mg|ml|tablet|pill)", text, re.I)


def test_default_clinic_profile_is_the_first_clinic() -> None:
    clinic = load_clinic()
    assert clinic.name == "ProCare Chiropractic Clinic"
    assert clinic.phone == "(503) 899-0707"
    assert "Portland, OR 97216" in clinic.address


def test_clinic_override_with_hours_and_booking(tmp_path: Path) -> None:
    profile = tmp_path / "clinic.toml"
    profile.write_text(
        'name = "Eastside & Co"\naddress = "1 Main St"\nphone = "555-0100"\n'
        'booking_url = "https://example.org/book"\nhours = ["Mon-Fri 8-6", "Sat 9-1"]\nservices = []\n'
    )
    content = load_content(profile)
    card = content.texts.render("contact.card")
    assert "Eastside &amp; Co" in card and "https://example.org/book" in card and "Sat 9-1" in card


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "X"\n', "address"),
        ('name = "X"\naddress = "Y"\nphone = ""\nbooking_url = ""\nhours = []\nservices = []\n', "phone"),
        ("name = [", "not valid TOML"),
    ],
)
def test_broken_clinic_profile_is_named(tmp_path: Path, text: str, problem: str) -> None:
    profile = tmp_path / "clinic.toml"
    profile.write_text(text)
    with pytest.raises(ContentError, match=problem):
        load_clinic(profile)


def test_texts_reject_unknown_placeholders_and_missing_keys() -> None:
    clinic = load_clinic()
    templates = {key: "ok" for key in TEXT_KEYS}
    Texts(templates, clinic)  # complete and plain: fine
    assert placeholders("Hi {name}, call {clinic_phone}") == {"name", "clinic_phone"}
    with pytest.raises(ContentError, match="bad placeholder"):
        placeholders("Hi {0}")
    data = read_toml("texts.toml")
    del data["stop"]["done"]
    with pytest.raises(ContentError, match=r"missing: stop\.done"):
        Texts.from_data(data, clinic)
    data = read_toml("texts.toml")
    data["start"]["enrolled"] = "Hi {nmae}"
    with pytest.raises(ContentError, match="unknown placeholder"):
        Texts.from_data(data, clinic)
    data = read_toml("texts.toml")
    data["start"]["surprise"] = "Hi"
    with pytest.raises(ContentError, match="not a text the bot uses"):
        Texts.from_data(data, clinic)


def test_every_reminder_text_renders_within_limits(content) -> None:  # type: ignore[no-untyped-def]
    from bot.content.reminders import REMINDER_KEYS

    reminders = content.reminders
    clinic = content.texts.clinic_fields()
    values = {
        "timezone": "Pacific (Los Angeles)",
        "quiet": "9:00 PM–8:00 AM",
        "posture": "on",
        "exercise": "off",
        "paused": "not paused",
        "start": "9:00 AM",
        "end": "5:00 PM",
        "every": 90,
        "time": "7:00 PM",
        "until": "Thu Mar 05",
        "days": 14,
    }
    for key, allowed in REMINDER_KEYS.items():
        text = reminders.render(key, clinic, **{name: values[name] for name in allowed})
        assert len(text) <= MAX_TEXT and html_error(text) is None, key
    for step in reminders.steps:
        text = reminders.question(step, clinic, name="<Jo> & Co", when="yesterday")
        assert "&lt;Jo&gt;" in text and html_error(text) is None
    for text in (*reminders.posture_tips, *reminders.exercise_routines):
        assert len(text) < 1000 and html_error(text) is None
        assert not re.search(r"\d+\s*(mg|ml|tablet|pill)", text, re.I)


def test_reminder_content_is_checked(content) -> None:  # type: ignore[no-untyped-def]
    from bot.content.reminders import ReminderContent

    data = read_toml("reminders.toml")
    data["checkin"]["first"]["answers"][2]["next"] = "never"
    with pytest.raises(ContentError, match="unknown step"):
        ReminderContent.from_data(data)
    data = read_toml("reminders.toml")
    data["checkin_timing"]["follow_up_hours"] = 12
    with pytest.raises(ContentError, match="must increase"):
        ReminderContent.from_data(data)
    data = read_toml("reminders.toml")
    data["settings_choices"]["zones"].append(["Mars/Base", "Mars"])
    with pytest.raises(ContentError, match="unknown time zone"):
        ReminderContent.from_data(data)
    data = read_toml("reminders.toml")
    del data["posture"]["caution"]
    with pytest.raises(ContentError, match=r"missing: posture\.caution"):
        ReminderContent.from_data(data)


async def test_every_outbox_kind_has_a_label(tmp_path: Path) -> None:
    """The patient card and /mydata name each waiting message by its kind; a missing label crashed them."""
    from tests.support.harness import make_settings, running_bot

    async with running_bot(make_settings(tmp_path)) as bot:
        kinds = set(bot.services.scheduler.dispatcher._renderers)
    assert kinds == {
        "aftercare",
        "checkin",
        "posture",
        "exercise",
        "broadcast",
        *(k.value for k in ALL_KINDS),
    }
    assert {f"staff.kind_{kind}" for kind in kinds} <= set(TEXT_KEYS)


async def test_migrations_run_once_to_the_latest_schema(tmp_path: Path) -> None:
    from bot.db import MIGRATIONS, Database
    from bot.renderers import OUTBOX_KINDS

    db = Database(tmp_path / "m.sqlite3", kinds=OUTBOX_KINDS)
    await db.open()
    assert await db.schema_version() == len(MIGRATIONS)
    await db.close()
    await db.open()  # opening again runs nothing twice (a second CREATE TABLE would fail)
    assert await db.schema_version() == len(MIGRATIONS)
    await db.close()


def test_every_staff_command_has_a_menu_line_and_a_help_line() -> None:
    """The one declaration of the staff commands is checked against the menus and /help at start-up."""
    import dataclasses

    from bot.content import ContentError, Menus
    from bot.handlers.commands import check_commands

    content = load_content()
    check_commands(content)
    menus = content.menus
    without_stats = Menus(menus.patient, tuple(e for e in menus.staff if e[0] != "stats"), menus.admin)
    with pytest.raises(ContentError, match="lacks /stats"):
        check_commands(dataclasses.replace(content, menus=without_stats))
    without_staff = Menus(menus.patient, menus.staff, ())
    with pytest.raises(ContentError, match="lacks /staff"):
        check_commands(dataclasses.replace(content, menus=without_staff))


def test_every_answer_topic_has_a_human_name_for_stats() -> None:
    """/stats shows topics by name; a topic the engine can pick without one would show its raw key."""
    from bot.answers.schema import TOPICS

    assert {f"topic_names.{topic}" for topic in TOPICS} <= set(TEXT_KEYS)
