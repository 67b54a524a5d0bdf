"""Language detection on labelled messages, the notices' checks, and routing to the engines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentError, load_clinic, read_toml
from bot.multilingual import (
    ENGLISH,
    NOTICES_FILE,
    REQUIRED_NOTICES,
    ForeignNotices,
    LanguageRouter,
    MessageLanguage,
    build_router,
    load_engines,
)

DATA = Path(__file__).parents[1] / "data"
PHONE = "(503) 899-0707"


def labelled(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def detector() -> MessageLanguage:
    return MessageLanguage()


@pytest.fixture(scope="module")
def router() -> LanguageRouter:
    return build_router(load_engines(load_clinic()), PHONE)


def test_the_development_set(detector: MessageLanguage) -> None:
    """languages_dev was used to tune the thresholds: 206/207 when written; the one miss is Vietnamese
    typed without its marks ("toi bi dau lung qua"), which reads as English (the patient's language)."""
    items = labelled("languages_dev.jsonl")
    misses = [
        (item["text"], item["language"], got)
        for item in items
        if (got := detector.detect(item["text"], item.get("patient", ENGLISH))) != item["language"]
    ]
    assert len(items) >= 200
    assert len(misses) <= 1, misses
    # English and Spanish messages are never read as another language: that would cost the patient
    # their answer.
    assert not [miss for miss in misses if miss[1] in ("en", "es")]
    assert set(Counter(item["language"] for item in items)) >= REQUIRED_NOTICES


def test_no_message_of_the_english_sets_is_read_as_another_language(detector: MessageLanguage) -> None:
    names = sorted(path.name for path in DATA.glob("*_messages.jsonl") if not path.name.startswith("es_"))
    texts = [item["text"] for name in names for item in labelled(name)]
    assert len(texts) > 3000
    assert [text for text in texts if detector.detect(text) != ENGLISH] == []


@pytest.mark.parametrize(("patient", "most"), [("es", 416), ("en", 414)])
def test_the_spanish_sets_are_read_as_spanish(detector: MessageLanguage, patient: str, most: int) -> None:
    """A Spanish patient's messages all; an English patient's all but two (short ones without a Spanish
    cue word, such as "me desmayé", keep the patient's language)."""
    texts = [
        item["text"]
        for name in ("es_dev_messages.jsonl", "es_holdout_messages.jsonl")
        for item in labelled(name)
    ]
    assert len(texts) == 416
    assert sum(detector.detect(text, patient) == "es" for text in texts) >= most


@pytest.mark.parametrize(
    "text", ["ok", "OK!", "7/10", "👍", "🙏🙏", "123", "", "   ", "si", "no", "k", "idk"]
)
@pytest.mark.parametrize("patient", ["en", "es"])
def test_short_and_wordless_messages_keep_the_patients_language(
    detector: MessageLanguage, text: str, patient: str
) -> None:
    assert detector.detect(text, patient) == patient


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("thanks!!", "en"),
        ("swollen", "en"),  # lingua alone says German
        ("suicidal", "en"),  # lingua alone says Spanish
        ("gracias", "es"),  # a Spanish word is Spanish: the bot answers in Spanish and offers to switch
        ("me duele", "es"),
        ("sí", "es"),
        ("Mahadsanid!", "so"),  # one long word lingua is sure of
        ("Merci beaucoup !", "fr"),
        ("Salamat po!", "en"),  # too short and lingua unsure: the patient's language
    ],
)
def test_short_messages_by_their_words(detector: MessageLanguage, text: str, language: str) -> None:
    assert detector.detect(text, ENGLISH) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I have chest pain, очень больно", "en"),  # mostly English
        ("у меня болит back после session", "ru"),  # mostly Russian
        ("Thank you! 谢谢", "en"),
        ("按摩以后 my neck 很痛很痛", "zh"),  # a Han character weighs as a few letters
        ("マッサージの後 neck が痛い", "ja"),  # kana make Han characters Japanese
        ("не відчуваю ніг", "uk"),  # letters only Ukrainian has
        ("Dr. Nguyễn said to ice it, for how long?", "en"),
        ("đau quá", "vi"),  # letters only Vietnamese has, however short
        ("ጀርባዬን ያመኛል", "am"),
    ],
)
def test_scripts_and_mixed_messages(detector: MessageLanguage, text: str, language: str) -> None:
    assert detector.detect(text) == language


def test_every_code_has_a_name_and_the_required_ones_a_notice(router: LanguageRouter) -> None:
    notices = router.notices
    for code in MessageLanguage.codes():
        assert notices.name(code) != code
    english = "This assistant reads only English and Spanish. In an emergency call 911. "
    english += f"To talk to us, call {PHONE}."
    for code in REQUIRED_NOTICES:
        notice = notices.notice(code)
        assert notice.endswith(f"\n\n{english}")
        assert notice.count(PHONE) == 2 + (code == "zh")  # Chinese: Simplified and Traditional
        assert notice.count("911") >= 2 and len(notice) < 4096
    assert notices.notice("th") == english  # no Thai text: the English alone
    assert router.name("ru") == "Russian"


def notices_data(**changes: Any) -> dict[str, Any]:
    data = read_toml(NOTICES_FILE)
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if value is None:
            del data[section][name]
        elif name:
            data[section][name] = value
        else:
            data[section] = value
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"notices__ru": None}, "[notices] is missing ru"),
        ({"names__vi": None}, "[names] has no 'vi'"),
        ({"notices__ko": "전화하세요 {clinic_name}"}, "only {clinic_phone} may be used, not clinic_name"),
        ({"notices__ko": "전화하세요 {patient}"}, "unknown placeholder(s) patient"),
        ({"notices__ko": "  "}, "'ko' must be a non-empty string"),
        ({"english": ""}, "'english' must be a non-empty string"),
        ({"notices": "ru"}, "missing table [notices]"),
        ({"extra": {"a": "b"}}, "unknown key(s) extra"),
    ],
)
def test_bad_notices_stop_start_up_naming_file_and_key(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ContentError) as caught:
        ForeignNotices.from_data(notices_data(**changes), MessageLanguage.codes(), PHONE)
    assert "bot/content/foreign_notices.toml" in str(caught.value)
    assert message in str(caught.value)


def test_the_router_reads_each_message_with_the_engine_of_its_language(router: LanguageRouter) -> None:
    english = router.read("is it normal to be sore after a massage", hours_since_session=20)
    assert (english.language, english.foreign, english.answer.topic) == ("en", False, "soreness")
    assert router.replies(english) == [english.answer.reply]

    russian = router.read("у меня болит спина после массажа")
    assert (russian.language, russian.foreign, russian.needs_notice_only) == ("ru", True, True)
    assert router.replies(russian) == [router.notice("ru")]

    mixed = router.read("у меня chest pain и трудно дышать")
    assert (mixed.language, mixed.answer.urgency, mixed.needs_notice_only) == ("ru", "emergency", False)
    assert router.replies(mixed) == [mixed.answer.reply, router.notice("ru")]

    forced = router.read("is it normal to be sore", language="ko")
    assert (forced.language, forced.needs_notice_only) == ("ko", True)
    assert ENGLISH in router.supported


def test_an_english_engine_is_required() -> None:
    notices = ForeignNotices.from_data(read_toml(NOTICES_FILE), MessageLanguage.codes(), PHONE)
    with pytest.raises(ValueError, match="English"):
        LanguageRouter(MessageLanguage(), {}, notices)


@pytest.mark.parametrize(
    "text", ["a" * 4096, "🙂" * 1000, "\u202e\u0000\u200b", "<b>bold</b> & <script>", "ǅ", "у" * 4096]
)
def test_odd_input_is_read_without_fuss(detector: MessageLanguage, text: str) -> None:
    assert detector.detect(text, "es") in MessageLanguage.codes()
