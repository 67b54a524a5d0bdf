"""Rules of home exercise programmes (programme.toml), checked against the exercise library at start-up,
and the patient texts of programmes in each language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.content import (
    ContentError,
    read_toml,
    require_str,
    require_table,
)
from bot.exercise_library import Dose, ExerciseLibrary

WHERE = "bot/content/programme.toml"
MAX_PRESET_NAME = 8  # preset names travel in button data


@dataclass(frozen=True)
class DosePreset:
    name: str
    label: str
    reps: float
    hold: float
    sets: int

    def apply(self, dose: Dose) -> Dose:
        """The exercise's own dose, made gentler or more by this preset (never below 1)."""

        def scaled(value: int | None, factor: float) -> int | None:
            return None if value is None else max(1, round(value * factor))

        return Dose(
            reps=scaled(dose.reps, self.reps),
            hold_seconds=scaled(dose.hold_seconds, self.hold),
            sets=None if dose.sets is None else max(1, dose.sets + self.sets),
            per_day=dose.per_day,
            each_side=dose.each_side,
        )


@dataclass(frozen=True)
class ProgrammeRules:
    gentle_days: int
    max_exercises: int
    default_preset: str
    min_default: int
    max_default: int
    general: tuple[str, ...]
    first_picks: Mapping[str, tuple[str, ...]]
    presets: Mapping[str, DosePreset]

    def pick_defaults(self, areas: Iterable[str]) -> list[str]:
        """A new programme for these treated areas: the areas take turns (first pick of each, then
        the second...) up to ``max_default``; the general set fills it up to ``min_default`` (or up
        to ``max_default`` when no area has exercises, as after a session with no areas named)."""
        lists = [self.first_picks.get(area, ()) for area in dict.fromkeys(areas)]
        picked: list[str] = []
        for turn in range(max((len(picks) for picks in lists), default=0)):
            for picks in lists:
                if turn < len(picks) and picks[turn] not in picked and len(picked) < self.max_default:
                    picked.append(picks[turn])
        target = self.min_default if picked else self.max_default
        for exercise in self.general:
            if len(picked) >= target:
                break
            if exercise not in picked:
                picked.append(exercise)
        return picked


def _ids(value: object, where: str, library: ExerciseLibrary) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(f"{where} must be a list of exercise ids")
    unknown = [v for v in value if library.get(v) is None]
    if unknown:
        raise ContentError(f"{where}: unknown exercise(s) {', '.join(unknown)}")
    return tuple(value)


def _number(data: Mapping[str, Any], key: str, where: str, low: float, high: float) -> Any:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ContentError(f"{where}: '{key}' must be a number from {low} to {high}")
    return value


def _presets(data: Mapping[str, Any]) -> dict[str, DosePreset]:
    presets: dict[str, DosePreset] = {}
    for name, table in require_table(data, "presets", WHERE).items():
        where = f"{WHERE} [presets.{name}]"
        if not isinstance(table, dict) or not name.isidentifier() or len(name) > MAX_PRESET_NAME:
            raise ContentError(f"{where} must be a table with a short plain name")
        sets = _number(table, "sets", where, -5, 5)
        if not isinstance(sets, int):
            raise ContentError(f"{where}: 'sets' must be a whole number")
        presets[name] = DosePreset(
            name,
            require_str(table, "label", where),
            float(_number(table, "reps", where, 0.1, 5)),
            float(_number(table, "hold", where, 0.1, 5)),
            sets,
        )
    return presets


def load_programme_rules(library: ExerciseLibrary, areas: Iterable[str]) -> ProgrammeRules:
    data = read_toml("programme.toml")
    defaults = require_table(data, "defaults", WHERE)
    picks = require_table(defaults, "areas", WHERE)
    known_areas = set(areas)
    unknown_areas = sorted(set(picks) - known_areas)
    if unknown_areas:
        raise ContentError(f"{WHERE}: [defaults.areas] has unknown area(s) {', '.join(unknown_areas)}")
    presets = _presets(data)
    default_preset = require_str(data, "default_preset", WHERE)
    if default_preset not in presets:
        raise ContentError(f"{WHERE}: 'default_preset' must be one of {', '.join(presets)}")
    rules = ProgrammeRules(
        gentle_days=int(_number(data, "gentle_days", WHERE, 0, 14)),
        max_exercises=int(_number(data, "max_exercises", WHERE, 1, 10)),
        default_preset=default_preset,
        min_default=int(_number(defaults, "min", WHERE, 0, 10)),
        max_default=int(_number(defaults, "max", WHERE, 1, 10)),
        general=_ids(defaults.get("general"), f"{WHERE} [defaults] general", library),
        first_picks={
            area: _ids(value, f"{WHERE} [defaults.areas] {area}", library) for area, value in picks.items()
        },
        presets=presets,
    )
    if rules.min_default > rules.max_default or rules.max_default > rules.max_exercises:
        raise ContentError(f"{WHERE}: needs min <= max <= max_exercises")
    return rules
