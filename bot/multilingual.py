"""Which language a patient wrote in, which engine answers it, and the notice for a language we do not read.

The script decides first (Hangul is Korean, kana Japanese, Han Chinese, Ethiopic Amharic...), weighing
each script's letters, so a message "mostly in English" stays English. Latin, Cyrillic and Arabic text
goes to lingua (an offline detector, restricted to the languages patients of an East Portland clinic
write in) and is believed over the patient's own language only when the text is long enough and lingua
is sure: "ok", "gracias", "7/10" or an emoji keep the language the patient uses.

Nothing here keeps or logs the text; a :class:`Reading` holds only codes and the engine's answer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.answers import Answer, AnswerEngine
from bot.content import ClinicProfile, ContentError, check_template, placeholders, read_toml, require_str

ENGLISH = "en"
SPANISH = "es"
NOTICES_FILE = "foreign_notices.toml"
EMERGENCY = "emergency"
ESCALATED = frozenset({EMERGENCY, "urgent"})

# Scripts one language owns here: no model needed. (code point ranges, language)
_SCRIPT_LANGUAGES: dict[str, str] = {
    "hangul": "ko",
    "kana": "ja",
    "han": "zh",
    "ethiopic": "am",
    "devanagari": "hi",
    "thai": "th",
    "hebrew": "he",
    "greek": "el",
    "armenian": "hy",
    "georgian": "ka",
}
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"),  # Vietnamese letters with two marks
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0E00, 0x0E7F, "thai"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "hangul"),
    (0x1200, 0x139F, "ethiopic"),
    (0x3040, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0xFF66, 0xFF9F, "kana"),
)
# One Han, kana or Hangul character says about as much as three letters of an alphabet.
_SYLLABIC_WEIGHT = {"han": 3, "kana": 3, "hangul": 3}

# The languages lingua tells apart within a script: the clinic's neighbourhood, and the neighbours that
# would otherwise be mistaken for them. Latin needs lingua's full models (short English is otherwise
# read as German or Somali); within Cyrillic and Arabic script its small models suffice, and the full
# ones would double the memory.
_LINGUA_LANGUAGES: dict[str, tuple[Language, ...]] = {
    "latin": (
        Language.ENGLISH,
        Language.SPANISH,
        Language.VIETNAMESE,
        Language.SOMALI,
        Language.TAGALOG,
        Language.FRENCH,
        Language.PORTUGUESE,
        Language.ROMANIAN,
        Language.GERMAN,
    ),
    "cyrillic": (Language.RUSSIAN, Language.UKRAINIAN),
    "arabic": (Language.ARABIC, Language.PERSIAN),
}
_FULL_MODELS = frozenset({"latin"})

# A Latin-script message is read as another language than the patient's only when lingua is sure:
# that language has at least this share of lingua's confidence and MARGIN times the next one's, and
# the message has enough letters and words.
SWITCH_CONFIDENCE = 0.2  # to the other supported language (English <-> Spanish)
FOREIGN_CONFIDENCE = 0.55  # to a language the bot does not read
MARGIN = 1.5
MIN_LETTERS = 8
MIN_WORDS = 2
MIN_FOREIGN_WORDS = 3
# The share of a message's words that makes it English ("mostly English"), Spanish, or Vietnamese
# typed without its marks (word lists in bot/content/language_cues.toml).
ENGLISH_SHARE = 0.34
SPANISH_SHARE = 0.5
VIETNAMESE_SHARE = 0.6
# A message of one or two words is read as a language the bot does not read only when lingua is this
# sure and it has this many letters ("Mahadsanid!", "Merci beaucoup": a notice; "idk", "swollen": not).
SHORT_FOREIGN_CONFIDENCE = 0.85
CUES_FILE = "language_cues.toml"
# The start of a message tells its language as well as the whole of it does, and a 4,096-character
# message costs lingua several milliseconds.
DETECT_CHARS = 600
_VIETNAMESE_LETTERS = re.compile(r"[đơư\u1ea0-\u1ef9]", re.IGNORECASE)
# Letters only Ukrainian (or only Russian) has among the two.
# Marks only Spanish writes among these languages.
_SPANISH_MARKS = re.compile(r"[¿¡ñÑ]")
_UKRAINIAN_LETTERS = re.compile(r"[іїєґ]", re.IGNORECASE)
_RUSSIAN_LETTERS = re.compile(r"[ыэъё]", re.IGNORECASE)

_WORD = re.compile(r"[^\W\d_]+")


def _script(char: str) -> str | None:
    code = ord(char)
    for low, high, name in _SCRIPT_RANGES:
        if low <= code <= high:
            return name if char.isalpha() or name in _SYLLABIC_WEIGHT else None
    return None


def script_weights(text: str) -> dict[str, int]:
    """Letters of each script in the text (Han, kana and Hangul weighed as a few letters each)."""
    weights: dict[str, int] = {}
    for char in text:
        name = _script(char)
        if name is not None:
            weights[name] = weights.get(name, 0) + _SYLLABIC_WEIGHT.get(name, 1)
    return weights


def _only(text: str, script: str) -> str:
    """The text with every letter of other scripts blanked out (digits and punctuation kept)."""
    return "".join(" " if (name := _script(char)) is not None and name != script else char for char in text)


def _code(language: Language) -> str:
    return str(language.iso_code_639_1.name).lower()


@dataclass(frozen=True)
class LanguageCues:
    """Words that tell a short or mixed message's language where lingua cannot (language_cues.toml)."""

    english: frozenset[str]
    spanish: frozenset[str]
    vietnamese_unmarked: frozenset[str]

    @classmethod
    def load(cls) -> LanguageCues:
        data = read_toml(CUES_FILE)
        where = f"bot/content/{CUES_FILE}"
        lists = {key: frozenset(require_str(data, key, where).lower().split()) for key in cls.__annotations__}
        unknown = sorted(set(data) - set(lists))
        if unknown:
            raise ContentError(f"{where}: unknown key(s) {', '.join(unknown)}")
        for key, words in lists.items():
            if any(not _WORD.fullmatch(word) for word in words):
                raise ContentError(f"{where}: '{key}' must hold words of letters only")
        return cls(**lists)

    def share(self, words: list[str], cue_words: frozenset[str]) -> float:
        return sum(1 for word in words if word in cue_words) / len(words) if words else 0.0


class MessageLanguage:
    """Detects the language of one message. Built once at start-up.

    lingua's models (about 1.5 s of work) load on a thread of their own, which lingua runs without
    holding the GIL: the bot starts and answers meanwhile, and only a message that needs them before
    they are ready waits for them.
    """

    def __init__(self, cues: LanguageCues | None = None) -> None:
        self._cues = cues if cues is not None else LanguageCues.load()
        self._lingua: dict[str, LanguageDetector] = {}
        self._loaded = threading.Event()
        threading.Thread(target=self._load_models, name="language-models", daemon=True).start()

    def _load_models(self) -> None:
        try:
            for script, languages in _LINGUA_LANGUAGES.items():
                builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
                if script not in _FULL_MODELS:
                    builder = builder.with_low_accuracy_mode()
                self._lingua[script] = builder.build()
        finally:
            self._loaded.set()

    def _model(self, script: str) -> LanguageDetector:
        """lingua's detector for a script, once its models have loaded."""
        self._loaded.wait()
        return self._lingua[script]

    @staticmethod
    def codes() -> frozenset[str]:
        """Every language code :meth:`detect` can return."""
        modelled = {_code(language) for languages in _LINGUA_LANGUAGES.values() for language in languages}
        return frozenset(modelled | set(_SCRIPT_LANGUAGES.values()) | {"ja"})

    def detect(self, text: str, prior: str = ENGLISH) -> str:
        """The ISO 639-1 code of the language most of the text is in; ``prior`` (the patient's own
        language) when the text is too short or too mixed to tell, or has no letters at all."""
        text = text[:DETECT_CHARS]
        weights = script_weights(text)
        latin = weights.get("latin", 0)
        others = [(weight, name) for name, weight in weights.items() if name != "latin"]
        if others:
            weight, script = max(others)
            if weight > latin:
                return self._by_script(script, weights, _only(text, script))
        if latin == 0:
            return prior
        return self._latin(_only(text, "latin"), prior)

    def _by_script(self, script: str, weights: Mapping[str, int], text: str) -> str:
        if script in ("han", "kana") and "kana" in weights:
            return "ja"  # Japanese writes with Han characters too; kana are its own
        if script in _SCRIPT_LANGUAGES:
            return _SCRIPT_LANGUAGES[script]
        if script == "cyrillic":
            ukrainian, russian = _UKRAINIAN_LETTERS.search(text), _RUSSIAN_LETTERS.search(text)
            if ukrainian and not russian:
                return "uk"
            if russian and not ukrainian:
                return "ru"
        found = self._model(script).detect_language_of(text)
        return _code(found if found is not None else _LINGUA_LANGUAGES[script][0])

    def _latin(self, text: str, prior: str) -> str:
        words = [word.lower() for word in _WORD.findall(text)]
        cues = self._cues
        if not words:
            return prior
        if sum(1 for word in words if _VIETNAMESE_LETTERS.search(word)) * 2 >= len(words):
            return "vi"
        if cues.share(words, cues.english) >= ENGLISH_SHARE:
            return ENGLISH
        if cues.share(words, cues.spanish) >= SPANISH_SHARE or _SPANISH_MARKS.search(text):
            return SPANISH
        if (
            len(words) >= MIN_FOREIGN_WORDS
            and cues.share(words, cues.vietnamese_unmarked) >= VIETNAMESE_SHARE
        ):
            return "vi"
        letters = sum(map(len, words))
        if letters < MIN_LETTERS:
            return prior
        values = {
            _code(v.language): v.value for v in self._model("latin").compute_language_confidence_values(text)
        }
        return self._weigh(values, prior, short=len(words) < MIN_FOREIGN_WORDS)

    @staticmethod
    def _weigh(values: Mapping[str, float], prior: str, *, short: bool) -> str:
        """lingua's confidence against the prior: another language must be clearly ahead."""
        ranked = sorted(values.items(), key=lambda item: -item[1])
        if not ranked:
            return prior
        (top, confidence), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        if top == prior:
            return prior
        if top not in (ENGLISH, SPANISH):
            needed = SHORT_FOREIGN_CONFIDENCE if short else FOREIGN_CONFIDENCE
            if confidence >= needed and confidence >= MARGIN * runner_up:
                return top
        # Between the languages the bot reads only they count ("tengo dolor": Portuguese first, Spanish
        # next). One or two words switch only by the cue words ("suicidal" is Spanish to lingua).
        other = SPANISH if prior == ENGLISH else ENGLISH
        if not short and values.get(other, 0.0) >= max(SWITCH_CONFIDENCE, MARGIN * values.get(prior, 0.0)):
            return other
        return prior


# The languages the clinic promised a notice in (issue 13); start-up refuses content without them.
REQUIRED_NOTICES = frozenset({"ru", "uk", "vi", "zh", "ko", "ar", "so", "tl", "ja"})
NOTICE_PLACEHOLDERS = frozenset({"clinic_phone"})


@dataclass(frozen=True)
class ForeignNotices:
    """The notice for each language the bot does not read, rendered once, and every language's name."""

    names: Mapping[str, str]
    notices: Mapping[str, str]  # code -> the whole notice (the language's own text, then the English)
    english: str

    @classmethod
    def load(cls, codes: Iterable[str], clinic_phone: str) -> ForeignNotices:
        """Read and check foreign_notices.toml; ``clinic_phone`` is already safe HTML."""
        return cls.from_data(read_toml(NOTICES_FILE), codes, clinic_phone)

    @classmethod
    def from_data(cls, data: Mapping[str, object], codes: Iterable[str], clinic_phone: str) -> ForeignNotices:
        where = f"bot/content/{NOTICES_FILE}"
        unknown = sorted(set(data) - {"english", "names", "notices"})
        if unknown:
            raise ContentError(f"{where}: unknown key(s) {', '.join(unknown)}")
        values = {"clinic_phone": clinic_phone}
        english = _notice_text(dict(data), "english", where).format_map(values)
        names = _strings(data, "names", where)
        texts = _strings(data, "notices", where)
        for code in sorted(set(codes) | set(texts)):
            if code not in names:
                raise ContentError(f"{where}: [names] has no '{code}'")
        missing = sorted(REQUIRED_NOTICES - set(texts))
        if missing:
            raise ContentError(f"{where}: [notices] is missing {', '.join(missing)}")
        notices = {
            code: _notice_text(texts, code, f"{where} [notices]").format_map(values) + "\n\n" + english
            for code in texts
        }
        return cls(names=names, notices=notices, english=english)

    def notice(self, code: str) -> str:
        """The notice for a message in ``code``: in that language and English, or English alone."""
        return self.notices.get(code, self.english)

    def name(self, code: str) -> str:
        return self.names.get(code, code)


def _strings(data: Mapping[str, object], key: str, where: str) -> dict[str, str]:
    table = data.get(key)
    if not isinstance(table, dict):
        raise ContentError(f"{where}: missing table [{key}]")
    return {code: require_str(table, code, f"{where} [{key}]") for code in table}


def _notice_text(table: Mapping[str, object], key: str, where: str) -> str:
    text = check_template(require_str(dict(table), key, where), NOTICE_PLACEHOLDERS, f"{where} '{key}'")
    unknown = sorted(placeholders(text) - NOTICE_PLACEHOLDERS)
    if unknown:
        raise ContentError(f"{where} '{key}': only {{clinic_phone}} may be used, not {', '.join(unknown)}")
    return text


@dataclass(frozen=True)
class Reading:
    """What the bot makes of one message: its language, and the answer of the engine that read it.

    ``foreign``: the message is in a language the bot does not read. Its answer is the English
    engine's (mixed-in English words still find red flags); unless that answer escalates, the patient
    gets the notice of :meth:`LanguageRouter.notice` instead of it.
    """

    language: str
    answer: Answer
    foreign: bool

    @property
    def needs_notice_only(self) -> bool:
        return self.foreign and self.answer.urgency not in ESCALATED


class LanguageRouter:
    """Detects the language of each message and hands it to the engine of that language.

    ``engines`` holds one answer engine per language the bot reads (``{"en": ..., "es": ...}``); English
    is required, and also reads every message in a language without an engine.
    """

    def __init__(
        self, detector: MessageLanguage, engines: Mapping[str, AnswerEngine], notices: ForeignNotices
    ) -> None:
        if ENGLISH not in engines:
            raise ValueError("the English answer engine is required")
        self._detector = detector
        self._engines = dict(engines)
        self.notices = notices

    @property
    def supported(self) -> frozenset[str]:
        """The languages the bot reads and answers in."""
        return frozenset(self._engines)

    def detect(self, text: str, patient_language: str = ENGLISH) -> str:
        prior = patient_language if patient_language in self._engines else ENGLISH
        return self._detector.detect(text, prior)

    def read(
        self,
        text: str,
        patient_language: str = ENGLISH,
        hours_since_session: float | None = None,
        *,
        language: str | None = None,
    ) -> Reading:
        """Detect the message's language (or take ``language`` as given) and answer it.

        A message read by another engine is read in English too, as a safety net: an emergency the
        English engine finds ("tengo chest pain", English words in Russian) wins over a calmer answer.
        Only an emergency, and only English: each engine's urgent tier is tuned to its own language and
        reads the other's words as noise (the Spanish engine takes English "fever with chills" for an
        emergency; the English engine two Spanish routine questions of 227 for urgent).
        """
        code = language or self.detect(text, patient_language)
        engine = self._engines.get(code)
        english = self._engines[ENGLISH]
        answer = (engine or english).answer(text, hours_since_session)
        if engine is not english and answer.urgency != EMERGENCY:
            safety_net = english.answer(text, hours_since_session)
            if safety_net.urgency == EMERGENCY:
                answer = safety_net
        return Reading(code, answer, foreign=engine is None)

    def notice(self, code: str) -> str:
        return self.notices.notice(code)

    def replies(self, reading: Reading) -> list[str]:
        """What the patient is sent, in order: the answer; the notice; or a red-flag answer and the notice."""
        if reading.needs_notice_only:
            return [self.notice(reading.language)]
        if reading.foreign:
            return [reading.answer.reply, self.notice(reading.language)]
        return [reading.answer.reply]

    def name(self, code: str) -> str:
        """The English name of a language, for staff ("Russian")."""
        return self.notices.name(code)


def load_engines(clinic: ClinicProfile) -> dict[str, AnswerEngine]:
    """One answer engine per language the bot reads, from validated content."""
    return {language: AnswerEngine.load(clinic, language=language) for language in (ENGLISH, SPANISH)}


def build_router(engines: Mapping[str, AnswerEngine], clinic_phone: str) -> LanguageRouter:
    """The router with its detector and checked notices (start-up: lingua's models load here, once)."""
    detector = MessageLanguage()
    return LanguageRouter(detector, engines, ForeignNotices.load(MessageLanguage.codes(), clinic_phone))
