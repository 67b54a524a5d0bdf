"""``python -m bot demo``: a script in, a transcript out, on a virtual clock, with no network."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.demo import main
from bot.demo.driver import parse_wait
from bot.demo.transcript import plain_text

ROOT = Path(__file__).resolve().parents[2]
TOUR = ROOT / "examples" / "tour.txt"
TOUR_TRANSCRIPT = ROOT / "examples" / "tour-transcript.txt"
TOUR_START = "2026-03-02 09:00"  # a Monday
REGENERATE = (
    f'python -m bot demo --start "{TOUR_START}" --script examples/tour.txt > examples/tour-transcript.txt'
)
_STAMPED = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d\]")
_HEADER = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d)\] (bot -> (patient|staff)|patient:|staff:|press:|wait:)"
)


def run_demo(script: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--script", "-", *args], stdin=io.StringIO(script), stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert err.getvalue() == ""
    return out.getvalue()


def messages(transcript: str, audience: str) -> list[tuple[str, str]]:
    """(time, text) of every message to ``audience``: the lines after its header, up to the next one."""
    found: list[tuple[str, str]] = []
    lines = transcript.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[") and line.split("] ", 1)[-1].startswith(f"bot -> {audience}"):
            body = []
            for following in lines[i + 1 :]:
                if _STAMPED.match(following) or following.startswith(("#", "!", "  (")) or not following:
                    break
                body.append(following)
            found.append((line[1:17], "\n".join(body)))
    return found


def test_the_tour_runs_and_shows_a_week_of_the_bot() -> None:
    transcript = run_demo(TOUR.read_text(encoding="utf-8"), "--start", TOUR_START)
    assert "\n! " not in transcript, transcript
    staff = messages(transcript, "staff")
    patient = messages(transcript, "patient")
    assert staff[0][1].startswith("Patient #1 – Jane D. is enrolled.")
    assert any(text.startswith("[photo] Invite for #1") for _, text in staff)
    assert "buttons: [I agree, join]" in transcript
    assert any("EMERGENCY" in text and "buttons: [Handled]" in text for _, text in staff)
    assert "(toast) Marked as handled." in transcript
    assert re.search(r"\] bot -> staff \[edited\]\n.*EMERGENCY", transcript)
    assert any(text.startswith("Your aftercare") for _, text in patient)
    assert (
        "2026-03-03 10:00",
        "Hi Jane D., how are you feeling after your session yesterday?\n"
        "buttons: [Not sore] [A bit sore] [Very sore] [Something worrying]",
    ) in patient
    posture_days = {when[:10] for when, text in patient if text.startswith("Posture break")}
    assert posture_days == {"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"}
    exercise = [
        when
        for when, text in patient
        # The day's exercise of her home programme (the text routines for patients without one).
        if text.startswith(("Your exercise time", "[photo] Today's exercise"))
    ]
    assert exercise == [f"2026-03-0{day} 18:00" for day in range(3, 9)]
    # Nothing in quiet hours (9 PM to 8 AM), and everything in the order it happened.
    times = [m.group(1) for line in transcript.splitlines() if (m := _HEADER.match(line))]
    assert times == sorted(times)
    assert all("08:00" <= t[11:] < "21:00" for when, _ in patient for t in [when])


def test_the_published_tour_transcript_is_current() -> None:
    """examples/tour-transcript.txt is what the tour prints today (invite tokens aside)."""
    transcript = run_demo(TOUR.read_text(encoding="utf-8"), "--start", TOUR_START)

    def tokens_masked(text: str) -> str:
        return re.sub(r"start[= ][A-Za-z0-9_-]{20,}", "start=TOKEN", text)

    assert tokens_masked(transcript) == tokens_masked(TOUR_TRANSCRIPT.read_text(encoding="utf-8")), (
        f"the tour's transcript changed: regenerate it with\n  {REGENERATE}"
    )


def test_lines_that_cannot_be_carried_out_say_why_and_the_script_goes_on() -> None:
    transcript = run_demo(
        "\n".join(
            [
                "patient: /start {invite}",
                "staff:",
                "press: nothing-has-this-label",
                "press: (unclosed",
                "press:",
                "wait: soon",
                "wait: 3x",
                "staff: /myid",
            ]
        ),
        "--start",
        "2026-03-02 09:00",
    )
    assert "! {invite}: no invite link has been shown to staff yet" in transcript
    assert "! nothing to send" in transcript
    assert "! no button matches 'nothing-has-this-label'" in transcript
    assert "! press: '(unclosed' is not a valid pattern" in transcript
    assert "! press: needs part of a button's label" in transcript
    assert transcript.count("! wait: needs an amount of time") == 2
    assert "[2026-03-02 09:00] bot -> staff\nYour Telegram user id is 1001." in transcript


def test_a_bare_line_is_the_patient_and_buttons_of_either_chat_can_be_pressed() -> None:
    transcript = run_demo(
        "\n".join(
            [
                "hello there",
                "staff: /enroll Ann B.",
                "staff: /patient {patient}",
                "press: new invite",
                "press: ^(?!.*invite).*send",  # the staff card's confirmation, whatever it says
                "patient: /start {invite}",
                "press: agree",
                "press: not now",
            ]
        ),
        "--start",
        "2026-03-02 09:00",
    )
    assert "[2026-03-02 09:00] patient: hello there\n[2026-03-02 09:00] bot -> patient" in transcript
    assert "(staff pressed [🔗 New invite link])" in transcript
    assert "(patient pressed [I agree, join])" in transcript
    assert "You're all set" in transcript


def test_a_wait_delivers_what_falls_due_in_order_and_respects_quiet_hours() -> None:
    transcript = run_demo(
        "\n".join(
            [
                "staff: /enroll Jane D.",
                "patient: /start {invite}",
                "press: agree",
                "press: posture",
                "# Late evening: the session's check-in falls due the next morning, after quiet hours.",
                "staff: /session {patient} neck",
                "wait: 30h",
            ]
        ),
        "--start",
        "2026-03-02 20:30",
    )
    checkin = [when for when, text in messages(transcript, "patient") if "how are you feeling" in text]
    assert len(checkin) == 1 and checkin[0] >= "2026-03-03 08:00"
    postures = [when for when, text in messages(transcript, "patient") if text.startswith("Posture break")]
    assert postures and all("09:00" <= when[11:] <= "17:00" for when in postures)
    assert all(when[:10] == "2026-03-03" for when in postures)


def test_db_keeps_the_database_and_a_bad_start_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    run_demo("staff: /enroll Jane D.", "--db", str(database))
    assert database.stat().st_size > 0
    err = io.StringIO()
    code = main(["--start", "tomorrow"], stdin=io.StringIO(""), stdout=io.StringIO(), stderr=err)
    assert code == 2 and "YYYY-MM-DD HH:MM" in err.getvalue()


@pytest.mark.parametrize(
    ("amount", "minutes"), [("30m", 30), ("25h", 1500), ("3d", 4320), ("1d 2h", 1560), ("0m", 0)]
)
def test_wait_amounts(amount: str, minutes: int) -> None:
    delta = parse_wait(amount)
    assert delta is not None and delta.total_seconds() == minutes * 60


@pytest.mark.parametrize("amount", ["", "soon", "3x", "-2h", "2h and then some"])
def test_bad_wait_amounts(amount: str) -> None:
    assert parse_wait(amount) is None


def test_html_reads_as_plain_text() -> None:
    assert plain_text('<b>Hi</b> &amp; <a href="https://x.org">site</a> <code>1 &lt; 2</code>') == (
        "Hi & site (https://x.org) 1 < 2"
    )


def test_the_demo_runs_as_a_command_without_token_or_network(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--script", "-", "--start", "2026-03-02 09:00"],
        input="staff: /enroll Jane D.\npatient: /start {invite}\npress: agree\n",
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT), "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "[2026-03-02 09:00] bot -> patient\nYou're all set" in result.stdout
    assert list(tmp_path.iterdir()) == []  # the temporary database is gone


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_mode_reads_typed_lines_with_a_prompt() -> None:
    out = io.StringIO()
    code = main(
        ["--start", "2026-03-02 09:00"],
        stdin=Terminal("staff: /enroll Jane D.\npatient: /start {invite}\n"),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert code == 0
    assert text.startswith("ProCare demo:")
    assert text.count("demo> ") == 3  # two lines, then the end of input
    assert "bot -> patient\nHi Jane D.!" in text


def test_staff_buttons_and_edits_show_as_the_staff_member_sees_them() -> None:
    transcript = run_demo(
        "\n".join(
            [
                "staff: /enroll Jane D.",
                "patient: /start {invite}",
                "press: agree",
                "staff: /broadcast Closed on Monday.",
                "press: all active",
                "press: ^now$",
                "press: send",
            ]
        ),
        "--start",
        "2026-03-02 10:00",
    )
    assert "\n! " not in transcript
    assert "(staff pressed [📣 Send])" in transcript
    assert "bot -> patient\nClosed on Monday." in transcript
    assert re.search(r"bot -> staff \[edited\]\n.*Broadcast #1", transcript)  # its progress


def test_patient_is_the_newest_patient_number_not_a_broadcast_number() -> None:
    transcript = run_demo(
        "\n".join(
            [
                "staff: /enroll Ann B.",
                "patient: /start {invite}",
                "press: agree",
                "staff: /enroll Bob C.",
                "staff: /broadcast One.",
                "press: all active",
                "press: ^now$",
                "press: send",
                "staff: /broadcast Two.",
                "press: all active",
                "press: ^now$",
                "press: send",
                "staff: /broadcast Three.",
                "press: all active",
                "press: ^now$",
                "press: send",
                "staff: /patient {patient}",
            ]
        ),
        "--start",
        "2026-03-02 10:00",
    )
    assert "Broadcast #3" in transcript
    assert "(sent as: /patient 2)" in transcript
