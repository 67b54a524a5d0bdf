"""`python -m bot ask` names the language of each message and answers the way the bot would."""

from __future__ import annotations

import io
import json

import pytest

from bot.ask_cli import main

NOTICE = "This assistant reads only English and Spanish. In an emergency call 911."


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_json_names_the_language_and_keeps_english_answers() -> None:
    code, out = run(["is it normal to be sore", "--hours-since-session", "20", "--json"])
    assert code == 0
    obj = json.loads(out)
    assert (obj["language"], obj["topic"], obj["urgency"]) == ("en", "soreness", "routine")
    assert NOTICE not in obj["reply"]


def test_another_language_gets_the_notice_in_that_language_and_english() -> None:
    code, out = run(["у меня болит спина после массажа", "--json"])
    assert code == 0
    obj = json.loads(out)
    assert (obj["language"], obj["topic"], obj["rule"]) == ("ru", "other_language", "language.ru")
    assert obj["reply"].startswith("Этот помощник понимает только английский и испанский языки.")
    assert NOTICE in obj["reply"]
    assert set(obj) == {"language", "topic", "urgency", "reply", "rule", "category", "evidence", "variant"}


def test_plain_text_shows_the_language_and_a_red_flag_first() -> None:
    code, out = run(["I have chest pain, очень больно"])
    assert code == 0
    assert out.startswith("urgency:  emergency\n")
    assert "language: en (English)\n" in out
    assert "Call 911 now." in out

    code, out = run(["我胸口痛，呼吸困难"])
    assert "language: zh (Chinese)\n" in out and "本助手只能看懂英语和西班牙语。" in out


def test_lang_forces_the_language() -> None:
    code, out = run(["is it normal to be sore", "--lang", "ko", "--json"])
    assert code == 0
    obj = json.loads(out)
    assert obj["language"] == "ko" and obj["reply"].startswith("이 도우미는")

    code, out = run(["chest pain", "--lang", "RU", "--json"])
    obj = json.loads(out)
    assert (obj["language"], obj["urgency"]) == ("ru", "emergency")  # English words still triaged
    assert obj["reply"].startswith("<b>Call 911 now") and "Этот помощник" in obj["reply"]


def test_jsonl_lines_name_their_language_and_may_force_one() -> None:
    stdin = "\n".join(
        json.dumps(item, ensure_ascii=False)
        for item in [
            {"text": "tôi bị đau lưng sau khi mát xa"},
            {"text": "is it normal to be sore", "hours_since_session": 30},
            {"text": "is it normal to be sore", "language": "so"},
            {"text": "sore", "language": "xx"},
            {"text": "sore", "language": 7},
        ]
    )
    code, out = run(["--jsonl"], stdin)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row.get("language") for row in rows[:3]] == ["vi", "en", "so"]
    assert rows[0]["reply"].startswith("Trợ lý này") and rows[2]["reply"].startswith("Caawiyahan")
    assert all("error" in row and "line" in row["error"] for row in rows[3:])

    code, out = run(["--jsonl", "--lang", "ar"], json.dumps({"text": "sore"}))
    assert json.loads(out)["language"] == "ar"


@pytest.mark.parametrize("argv", [["sore", "--lang", "xx"], ["sore", "--lang", ""], ["sore", "--lang"]])
def test_an_unknown_language_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(argv)
    assert code == 2 and out == ""
    err = capsys.readouterr().err.strip()
    assert err.startswith("python -m bot ask: error:") and "\n" not in err


def test_spanish_is_answered_in_spanish() -> None:
    code, out = run(["tengo dolor en el pecho y me falta el aire", "--json"])
    assert code == 0
    obj = json.loads(out)
    assert (obj["language"], obj["urgency"], obj["rule"]) == ("es", "emergency", "emergency.chest_pain")
    assert obj["reply"].startswith("<b>Llame al 911 ahora.</b>")
    assert NOTICE not in obj["reply"]

    _, out = run(["is it normal to be sore", "--lang", "es", "--json"])
    assert json.loads(out)["language"] == "es"
