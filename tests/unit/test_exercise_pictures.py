"""The exercise library (bot/content/exercises/) and its pictures drawn from data.

Every exercise file is checked key by key, its pictures are checked on disk, and the drawing script is
run into a temporary folder: a picture that differs from a fresh draw means someone edited a pose (or a
picture) without redrawing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "bot" / "content"
EXERCISES = CONTENT / "exercises"
PICTURES = EXERCISES / "pictures"
TOOLS = ROOT / "tools"
MINIMUM_EXERCISES = 16
MAX_PICTURE_BYTES = 300 * 1024
MIN_SHORT_SIDE = 400

sys.path.insert(0, str(TOOLS))
import exercise_pose  # noqa: E402


def exercise_files() -> list[Path]:
    return sorted(EXERCISES.glob("*.toml"))


def load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def known_areas() -> set[str]:
    return set(tomllib.loads((CONTENT / "aftercare.toml").read_text(encoding="utf-8"))["areas"])


def known_concerns() -> set[str]:
    return set(tomllib.loads((CONTENT / "exercise_concerns.toml").read_text(encoding="utf-8"))["concerns"])


EXERCISE_IDS = [p.stem for p in exercise_files()]


def test_the_library_covers_what_the_clinic_treats() -> None:
    exercises = [load(p) for p in exercise_files()]
    assert len(exercises) >= MINIMUM_EXERCISES
    covered = {area for exercise in exercises for area in exercise["areas"]}
    assert covered == known_areas()


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_an_exercise_has_every_key_with_the_right_type(exercise_id: str) -> None:
    exercise = load(EXERCISES / f"{exercise_id}.toml")
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", exercise_id)
    assert isinstance(exercise["name"], str) and exercise["name"].strip()
    assert exercise["areas"] and set(exercise["areas"]) <= known_areas()
    assert set(exercise.get("concerns", [])) <= known_concerns()
    dose = exercise["dose"]
    assert set(dose) == {"reps", "hold_seconds", "sets", "per_day", "each_side"}
    for key in ("reps", "sets", "per_day"):
        assert isinstance(dose[key], int) and 1 <= dose[key] <= 30, key
    assert isinstance(dose["hold_seconds"], int) and 0 <= dose["hold_seconds"] <= 120
    assert isinstance(dose["each_side"], bool)
    assert exercise["sources"] and all(s.startswith("clinical-guidance §3") for s in exercise["sources"])
    assert exercise["picture"] == f"{exercise_id}.png"
    assert exercise.get("animation", f"{exercise_id}.gif") == f"{exercise_id}.gif"


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_steps_and_cautions_are_short_and_in_english_and_spanish(exercise_id: str) -> None:
    exercise = load(EXERCISES / f"{exercise_id}.toml")
    spanish = exercise["es"]
    assert isinstance(spanish["name"], str) and spanish["name"].strip()
    assert 2 <= len(exercise["steps"]) <= 4
    assert len(spanish["steps"]) == len(exercise["steps"])
    assert exercise["cautions"] and len(spanish["cautions"]) == len(exercise["cautions"])
    for line in [*exercise["steps"], *exercise["cautions"], *spanish["steps"], *spanish["cautions"]]:
        assert isinstance(line, str) and 0 < len(line) <= 160, line
        # The dose is shown from `dose` (staff may change it), so the steps carry no numbers.
        assert not re.search(r"\d", line), line


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_every_exercise_has_a_pose_a_body_can_take(exercise_id: str) -> None:
    exercise = load(EXERCISES / f"{exercise_id}.toml")
    draw = _drawing_module()
    assert draw.check_pose(exercise_id, exercise.get("pose")) == []


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_pictures_exist_and_fit_telegram(exercise_id: str) -> None:
    exercise = load(EXERCISES / f"{exercise_id}.toml")
    names = [exercise["picture"], *([exercise["animation"]] if "animation" in exercise else [])]
    for name in names:
        path = PICTURES / name
        assert path.is_file(), f"{name} is missing: run python tools/draw_exercises.py"
        assert path.stat().st_size <= MAX_PICTURE_BYTES
        with Image.open(path) as image:
            assert image.format == ("PNG" if name.endswith(".png") else "GIF")
            assert min(image.size) >= MIN_SHORT_SIDE
            if name.endswith(".gif"):
                assert 2 <= getattr(image, "n_frames", 1) <= 6


def test_every_picture_belongs_to_an_exercise() -> None:
    used = set()
    for path in exercise_files():
        exercise = load(path)
        used.add(exercise["picture"])
        used.update([exercise["animation"]] if "animation" in exercise else [])
    assert {p.name for p in PICTURES.iterdir()} == used


def test_redrawing_gives_the_same_bytes(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(TOOLS / "draw_exercises.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    drawn = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in PICTURES.iterdir()}
    assert drawn.keys() == committed.keys()
    assert [name for name in drawn if drawn[name] != committed[name]] == []


def test_check_mode_reports_a_stale_picture(tmp_path: Path) -> None:
    stale = tmp_path / "chin_tuck.png"
    stale.write_bytes((PICTURES / "chin_tuck.png").read_bytes() + b"\0")
    script = str(TOOLS / "draw_exercises.py")
    command = [sys.executable, script, "--check", "--only", "chin_tuck", "--out", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "chin_tuck.png differs from a fresh draw" in result.stdout
    stale.write_bytes((PICTURES / "chin_tuck.png").read_bytes())
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0


def test_a_knee_bent_the_wrong_way_is_refused() -> None:
    problems = exercise_pose.check_position("side", {"pelvis": [50, 50], "knee_near": -40}, "x.toml [pose]")
    assert problems == ["x.toml [pose].knee_near = -40 is outside -5..160"]
    assert exercise_pose.check_position("side", {"pelvis": [50, 50], "tail": 3}, "x")[0].startswith("x.tail")
    assert exercise_pose.check_position("front", {"knee_left": 10}, "x") == ["x.pelvis is missing"]


def test_the_bot_never_needs_pillow() -> None:
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py")]
    assert not [s for s in sources if re.search(r"^\s*(from|import) PIL\b", s, re.MULTILINE)]


def _drawing_module() -> Any:
    import draw_exercises

    return draw_exercises
