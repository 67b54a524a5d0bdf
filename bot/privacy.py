"""What a patient can see and erase: /mydata renders everything stored about them, in plain words."""

from __future__ import annotations

from typing import Protocol

from bot.aftercare import area_labels
from bot.clock import from_db
from bot.content import Content
from bot.db import Patient, PrefsStore, PrivacyStore
from bot.patient_settings import SettingsScreens, clock_time, window_text
from bot.reminders import zone_of

MESSAGE_LIMIT = 4000


class MyDataStore(PrefsStore, PrivacyStore, Protocol):
    """What /mydata reads: the patient's settings and everything stored about them."""


async def my_data(db: MyDataStore, content: Content, patient: Patient, default_timezone: str) -> list[str]:
    """The /mydata report, split into messages that each fit Telegram's limit."""
    texts = content.texts
    prefs = await db.prefs(patient.id, default_timezone)
    data = await db.patient_export(patient.id)
    zone = zone_of(prefs)
    view = SettingsScreens(content.reminders, texts.clinic_fields())
    off = content.reminders.render("settings.off", texts.clinic_fields())

    def day(text: str) -> str:
        return from_db(text).astimezone(zone).strftime("%b %d, %Y")

    def when(text: str) -> str:
        moment = from_db(text).astimezone(zone)
        return moment.strftime("%a %b %d, ") + clock_time(moment.time())

    def areas_text(stored: str) -> str:
        labels = area_labels(tuple(a for a in stored.split(",") if a), content.aftercare)
        return f" ({', '.join(labels)})" if labels else ""

    answer_labels = {
        (step.name, answer.key): answer.label
        for step in content.reminders.steps.values()
        for answer in step.answers
    }
    sections: list[tuple[str, list[str]]] = [
        (
            "privacy.mydata_sessions",
            [
                texts.render(
                    "privacy.mydata_session_line",
                    date=day(r["session_at"]),
                    areas=areas_text(r["areas"]),
                )
                for r in data["sessions"]
            ],
        ),
        (
            "privacy.mydata_upcoming",
            [
                texts.render(
                    "privacy.mydata_upcoming_line",
                    when=when(r["due_at"]),
                    what=texts.render(f"staff.kind_{r['kind']}"),
                )
                for r in data["upcoming"]
            ],
        ),
        (
            "privacy.mydata_checkins",
            [
                texts.render(
                    "privacy.mydata_checkin_line",
                    date=day(r["answered_at"]),
                    answer=answer_labels.get((r["step"], r["answer"]), r["answer"]),
                )
                for r in data["checkins"]
            ],
        ),
        (
            "privacy.mydata_questions",
            [
                texts.render(
                    "privacy.mydata_question_line", topic=r["topic"].replace("_", " "), count=r["count"]
                )
                for r in data["questions"]
            ],
        ),
        (
            "privacy.mydata_responses",
            [
                texts.render(
                    "privacy.mydata_response_line",
                    what=texts.render(f"staff.kind_{r['kind']}"),
                    response=r["response"],
                    count=r["count"],
                )
                for r in data["responses"]
            ],
        ),
        (
            "privacy.mydata_alerts",
            [
                texts.render("privacy.mydata_alert_line", date=day(r["created_at"]), category=r["category"])
                for r in data["alerts"]
            ],
        ),
    ]
    profile = texts.render(
        "privacy.mydata_profile",
        number=patient.id,
        name=patient.display_name,
        joined=patient.joined_at.astimezone(zone).strftime("%b %d, %Y") if patient.joined_at else "–",
        status=texts.render(f"staff.status_{patient.status}"),
        timezone=view.zone_label(prefs.timezone),
        quiet=window_text(prefs.quiet_start, prefs.quiet_end),
        posture=window_text(prefs.work_start, prefs.work_end) if prefs.posture_on else off,
        exercise=clock_time(prefs.exercise_time) if prefs.exercise_on else off,
    )
    blocks = [texts.render("privacy.mydata_header") + "\n" + profile]
    for title, lines in sections:
        blocks.append("\n".join([texts.render(title), *(lines or [texts.render("privacy.mydata_none")])]))
    blocks.append(texts.render("privacy.mydata_footer"))
    return pack(blocks, MESSAGE_LIMIT)


def pack(blocks: list[str], limit: int) -> list[str]:
    """Join blocks into as few messages as fit ``limit``; a block too long on its own is cut by lines."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.splitlines():
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces
