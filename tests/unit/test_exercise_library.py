"""The exercise library's start-up checks, the default programme rule and the dose presets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError, load_content
from bot.content.programme import DosePreset
from bot.exercise_library import (
    LIBRARY_FOLDER,
    MAX_PICTURE_BYTES,
    Dose,
    load_library,
    picture_size,
)
from bot.programmes import caption, dose_text, of_the_day
from tests.support.pictures import gif_bytes, write_png

AREAS = ("neck", "shoulders", "upper_back", "low_back", "hips", "legs", "arms", "head_jaw")

GOOD = """
name = "Chin tuck"
areas = ["neck"]
dose = { reps = 10, hold_seconds = 5, sets = 1, per_day = 3, each_side = false }
steps = ["Sit tall.", "Slide your chin back."]
cautions = ["Keep it small."]
sources = ["S45"]
picture = "chin_tuck.png"

[es]
name = "Retracción de barbilla"
steps = ["Siéntese derecho.", "Lleve la barbilla hacia atrás."]
cautions = ["Hágalo pequeño."]

[pose]
anything = "is the picture script's business"
"""


def library_with(tmp_path: Path, text: str = GOOD, name: str = "chin_tuck") -> Path:
    (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    return tmp_path


def refusal(folder: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_library(AREAS, folder)
    return str(caught.value)


def test_a_good_exercise_loads_with_its_picture_by_reference(tmp_path: Path) -> None:
    write_png(tmp_path / "pictures" / "chin_tuck.png", 400, 600)
    library = load_library(AREAS, library_with(tmp_path))
    exercise = library.get("chin_tuck")
    assert exercise is not None and exercise.areas == ("neck",)
    assert exercise.dose == Dose(reps=10, hold_seconds=5, sets=1, per_day=3, each_side=False)
    assert exercise.words("es").name == "Retracción de barbilla" and exercise.words("fr").name == "Chin tuck"
    assert (
        exercise.picture.path == tmp_path / "pictures" / "chin_tuck.png"
        and len(exercise.picture.sha256) == 64
    )
    assert [e.id for e in library.for_area("neck")] == ["chin_tuck"] and library.for_area("hips") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('areas = ["neck"]', 'areas = ["neck", "elbow"]'), "unknown area(s) elbow"),
        (('sources = ["S45"]\n', ""), "missing sources"),
        (('steps = ["Sit tall.", "Slide your chin back."]', 'steps = ["Sit tall."]'), "has 1 steps"),
        (
            ('steps = ["Sit tall.", "Slide your chin back."]', "steps = ['a', 'b', 'c', 'd', 'e']"),
            "has 5 steps",
        ),
        (('picture = "chin_tuck.png"', 'picture = "other.png"'), "picture other.png is missing"),
        (('picture = "chin_tuck.png"', 'picture = "chin_tuck.jpg"'), "must be a .png or .gif"),
        (('picture = "chin_tuck.png"', 'picture = "../secret.png"'), "must be a file name"),
        (("reps = 10", "reps = -1"), "dose 'reps' must be a whole number"),
        (("each_side = false", "each_side = false, speed = 3"), "unknown key(s) speed"),
        (('name = "Chin tuck"\n', 'name = "Chin tuck"\nname = "twice"\n'), "not valid TOML"),
        (('steps = ["Siéntese derecho.", "Lleve la barbilla hacia atrás."]', "steps = ['uno']"), "[es]"),
    ],
)
def test_a_broken_exercise_stops_start_up_naming_it_and_the_problem(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    write_png(tmp_path / "pictures" / "chin_tuck.png")
    assert change[0] in GOOD
    message = refusal(library_with(tmp_path, GOOD.replace(change[0], change[1], 1)))
    assert message.startswith("bot/content/exercises/chin_tuck.toml") and problem in message


@pytest.mark.parametrize(
    ("width", "height", "padding", "problem"),
    [
        (399, 800, 0, "is 399x800 px (at least 400 px on its shorter side)"),
        (800, 120, 0, "is 800x120 px"),
        (400, 400, MAX_PICTURE_BYTES, "KB (at most 300 KB)"),
    ],
)
def test_a_picture_too_small_or_too_heavy_stops_start_up(
    tmp_path: Path, width: int, height: int, padding: int, problem: str
) -> None:
    write_png(tmp_path / "pictures" / "chin_tuck.png", width, height, padding=padding)
    message = refusal(library_with(tmp_path))
    assert "chin_tuck.toml: picture chin_tuck.png" in message and problem in message


def test_a_picture_that_is_not_an_image_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "chin_tuck.png").write_bytes(b"not a picture at all, just text" * 3)
    assert "is neither a PNG nor a GIF" in refusal(library_with(tmp_path))


def test_an_animation_is_a_gif_checked_like_a_picture(tmp_path: Path) -> None:
    write_png(tmp_path / "pictures" / "chin_tuck.png")
    (tmp_path / "pictures" / "chin_tuck.gif").write_bytes(gif_bytes(480, 480))
    moving = GOOD.replace(
        'picture = "chin_tuck.png"', 'picture = "chin_tuck.png"\nanimation = "chin_tuck.gif"'
    )
    exercise = load_library(AREAS, library_with(tmp_path, moving)).get("chin_tuck")
    assert exercise is not None and exercise.animation is not None and exercise.picture_alone.animated
    still = GOOD.replace(
        'picture = "chin_tuck.png"', 'picture = "chin_tuck.png"\nanimation = "chin_tuck.png"'
    )
    assert "animation chin_tuck.png must be a .gif" in refusal(library_with(tmp_path, still))
    (tmp_path / "pictures" / "chin_tuck.gif").write_bytes(gif_bytes(480, 300))
    assert "chin_tuck.gif is 480x300 px" in refusal(library_with(tmp_path, moving))


def test_gif_size_comes_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "move.gif"
    path.write_bytes(gif_bytes(640, 480))
    assert picture_size(path) == (640, 480)


def test_an_empty_or_missing_library_stops_start_up(tmp_path: Path) -> None:
    assert "no exercises found" in refusal(tmp_path)
    assert "no exercises found" in refusal(tmp_path / "nowhere")


def test_a_bad_file_name_is_refused(tmp_path: Path) -> None:
    write_png(tmp_path / "pictures" / "chin_tuck.png")
    assert "short id" in refusal(library_with(tmp_path, name="Chin-Tuck"))


def test_the_shipped_library_loads_and_every_caption_fits() -> None:
    content = load_content()
    assert len(content.exercises) >= 3
    for exercise in content.exercises.exercises.values():
        assert exercise.picture.path.parent == LIBRARY_FOLDER / "pictures"
        assert exercise.words("es") is not exercise.words("en"), f"{exercise.id} has no Spanish"
        for preset in content.programme.presets.values():
            text = caption(content.patient_texts("es"), exercise, preset, "es")
            assert len(text) <= 1024


def test_default_programmes_spread_across_areas() -> None:
    rules = load_content().programme
    for areas in [(), ("neck",), ("neck", "shoulders"), tuple(AREAS), ("legs",), ("unknown",)]:
        picked = rules.pick_defaults(areas)
        assert rules.min_default <= len(picked) <= rules.max_default, areas
        assert len(set(picked)) == len(picked)
    neck = rules.first_picks["neck"][0]
    shoulders = rules.first_picks["shoulders"][0]
    assert rules.pick_defaults(("neck", "shoulders"))[:2] == [neck, shoulders]


def test_presets_scale_a_dose_and_never_go_below_one() -> None:
    dose = Dose(reps=10, hold_seconds=5, sets=1, per_day=3)
    assert DosePreset("gentler", "Gentler", 0.5, 0.5, -1).apply(dose) == Dose(5, 2, 1, 3)
    assert DosePreset("more", "More", 1.5, 1.0, 1).apply(dose) == Dose(15, 5, 2, 3)
    assert DosePreset("tiny", "Tiny", 0.1, 0.1, -5).apply(Dose(reps=1, hold_seconds=1, sets=1)) == Dose(
        1, 1, 1
    )


def test_dose_reads_naturally_in_english_and_spanish() -> None:
    content = load_content()
    hold = Dose(reps=1, hold_seconds=30, sets=3, per_day=1, each_side=True)
    assert dose_text(content.texts, hold) == "Hold 30 seconds, 3 sets, each side, once a day"
    assert (
        dose_text(content.patient_texts("es"), hold)
        == "Sostenga 30 segundos, 3 series, de cada lado, una vez al día"
    )
    assert dose_text(content.texts, Dose(reps=1)) == "Once"


def test_exercises_of_the_day_take_turns() -> None:
    from datetime import date, timedelta

    first = date(2026, 3, 2)
    assert sorted(of_the_day(3, first + timedelta(days=n)) for n in range(3)) == [0, 1, 2]
