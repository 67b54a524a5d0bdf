"""The home exercise library (bot/content/exercises/<id>.toml and its pictures), loaded and checked once.

Every exercise names the body areas it serves (the keys of aftercare.toml's [areas]), a default dose,
2-4 short steps, cautions, its sources and a picture. Start-up stops with one line naming the exercise
and the problem if any of that is wrong, the picture included: it must be a PNG or GIF of at most
300 KB and at least 400 px on its shorter side. The size is read from the file's header (no imaging
library at run time); the file's hash is kept so Telegram's copy can be reused until the picture is
redrawn. The pictures themselves are never held in memory: they are opened when sent.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content import ContentError, parse_toml
from bot.messages import Picture

LIBRARY_FOLDER = Path(__file__).parent / "content" / "exercises"
PICTURES = "pictures"
MAX_PICTURE_BYTES = 300 * 1024
MIN_PICTURE_SIDE = 400
MIN_STEPS, MAX_STEPS = 2, 4
# Exercise ids travel in button data (64 bytes at most), so they are short and plain.
EXERCISE_ID = re.compile(r"^[a-z0-9_]{1,30}$")
DOSE_NUMBERS = ("reps", "hold_seconds", "sets", "per_day")
REQUIRED = ("name", "areas", "dose", "steps", "cautions", "sources", "picture")


@dataclass(frozen=True)
class Dose:
    """How much of an exercise: any of the numbers may be absent (a hold needs no reps)."""

    reps: int | None = None
    hold_seconds: int | None = None
    sets: int | None = None
    per_day: int | None = None
    each_side: bool = False


@dataclass(frozen=True)
class Wording:
    """What a patient reads about an exercise, in one language."""

    name: str
    steps: tuple[str, ...]
    cautions: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    id: str
    areas: tuple[str, ...]
    concerns: tuple[str, ...]
    dose: Dose
    sources: tuple[str, ...]
    picture: Picture
    wording: Mapping[str, Wording] = field(default_factory=dict)
    # A GIF for movements easier to follow moving; albums take photos only, so ``picture`` stays.
    animation: Picture | None = None

    @property
    def picture_alone(self) -> Picture:
        """What to show when the exercise is shown on its own: the animation if it has one."""
        return self.animation or self.picture

    @property
    def name(self) -> str:
        return self.wording["en"].name

    def words(self, language: str = "en") -> Wording:
        """The exercise in ``language``, or in English when it has no translation."""
        return self.wording.get(language) or self.wording["en"]


@dataclass(frozen=True)
class ExerciseLibrary:
    exercises: Mapping[str, Exercise]

    def get(self, exercise_id: str) -> Exercise | None:
        return self.exercises.get(exercise_id)

    def for_area(self, area: str) -> list[Exercise]:
        return [e for e in self.exercises.values() if area in e.areas]

    def __len__(self) -> int:
        return len(self.exercises)


def picture_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk or a GIF's logical screen; ValueError otherwise."""
    with path.open("rb") as file:
        head = file.read(32)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    if head[:6] in {b"GIF87a", b"GIF89a"} and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return int(width), int(height)
    raise ValueError("is neither a PNG nor a GIF")


def file_sha256(path: Path) -> str:
    """The file's hash, read in chunks (a picture is never held whole in memory)."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def check_picture(path: Path, where: str) -> Picture:
    """The picture of an exercise, if it is one a patient can use; ContentError naming it otherwise."""
    if path.suffix.lower() not in {".png", ".gif"}:
        raise ContentError(f"{where}: picture {path.name} must be a .png or .gif file")
    if not path.is_file():
        raise ContentError(f"{where}: picture {path.name} is missing from {PICTURES}/")
    size = path.stat().st_size
    if size > MAX_PICTURE_BYTES:
        raise ContentError(f"{where}: picture {path.name} is {size // 1024} KB (at most 300 KB)")
    try:
        width, height = picture_size(path)
    except ValueError as exc:
        raise ContentError(f"{where}: picture {path.name} {exc}") from exc
    if min(width, height) < MIN_PICTURE_SIDE:
        raise ContentError(
            f"{where}: picture {path.name} is {width}x{height} px "
            f"(at least {MIN_PICTURE_SIDE} px on its shorter side)"
        )
    return Picture(path.name, path, file_sha256(path), animated=path.suffix.lower() == ".gif")


def _texts(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A string or a list of non-empty strings, as a tuple."""
    value = table.get(key)
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v.strip() for v in values)
    ):
        raise ContentError(f"{where}: '{key}' must be a non-empty string or list of strings")
    return tuple(v.strip() for v in values)


def _wording(table: Mapping[str, Any], where: str) -> Wording:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ContentError(f"{where}: 'name' must be a non-empty string")
    steps = _texts(table, "steps", where)
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise ContentError(f"{where}: has {len(steps)} steps (it needs {MIN_STEPS} to {MAX_STEPS})")
    return Wording(name.strip(), steps, _texts(table, "cautions", where))


def _dose(value: object, where: str) -> Dose:
    if not isinstance(value, dict):
        raise ContentError(f"{where}: 'dose' must be a table")
    unknown = set(value) - {*DOSE_NUMBERS, "each_side"}
    if unknown:
        raise ContentError(f"{where}: dose has unknown key(s) {', '.join(sorted(unknown))}")
    numbers: dict[str, int | None] = {}
    for key in DOSE_NUMBERS:
        number = value.get(key)
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 0):
            raise ContentError(f"{where}: dose '{key}' must be a whole number, 0 or more")
        numbers[key] = number or None
    if numbers["reps"] is None and numbers["hold_seconds"] is None:
        raise ContentError(f"{where}: dose needs 'reps' or 'hold_seconds'")
    each_side = value.get("each_side", False)
    if not isinstance(each_side, bool):
        raise ContentError(f"{where}: dose 'each_side' must be true or false")
    return Dose(**numbers, each_side=each_side)


def load_exercise(path: Path, areas: Iterable[str]) -> Exercise:
    """One exercise file, checked; ContentError naming the file and the problem otherwise."""
    exercise_id = path.stem
    where = f"bot/content/exercises/{path.name}"
    if not EXERCISE_ID.match(exercise_id):
        raise ContentError(f"{where}: the file name must be a short id of a-z, 0-9 and _")
    data = parse_toml(path.read_text(encoding="utf-8"), where)
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ContentError(f"{where}: missing {', '.join(missing)}")
    exercise_areas = _texts(data, "areas", where)
    unknown = sorted(set(exercise_areas) - set(areas))
    if unknown:
        raise ContentError(f"{where}: unknown area(s) {', '.join(unknown)} (see aftercare.toml [areas])")
    concerns = _texts(data, "concerns", where) if "concerns" in data else ()
    wording = {"en": _wording(data, where)}
    for language, table in data.items():
        if isinstance(table, dict) and len(language) == 2 and language != "en":
            wording[language] = _wording(table, f"{where} [{language}]")
    animation = data.get("animation")
    return Exercise(
        id=exercise_id,
        areas=exercise_areas,
        concerns=concerns,
        dose=_dose(data["dose"], where),
        sources=_texts(data, "sources", where),
        picture=_picture(data, "picture", path, where),
        wording=wording,
        animation=_picture(data, "animation", path, where) if animation is not None else None,
    )


def _picture(data: Mapping[str, Any], key: str, path: Path, where: str) -> Picture:
    name = data[key]
    if not isinstance(name, str) or "/" in name or "\\" in name or not name.strip():
        raise ContentError(f"{where}: '{key}' must be a file name in {PICTURES}/")
    picture = check_picture(path.parent / PICTURES / name, where)
    if key == "animation" and not picture.animated:
        raise ContentError(f"{where}: animation {name} must be a .gif file")
    return picture


def load_library(areas: Iterable[str], folder: Path = LIBRARY_FOLDER) -> ExerciseLibrary:
    """Every exercise in ``folder``, in file-name order; an empty library is a mistake too."""
    known = tuple(areas)
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        raise ContentError(f"bot/content/exercises: no exercises found in {folder}")
    return ExerciseLibrary({path.stem: load_exercise(path, known) for path in files})
