"""The aftercare message and the body areas staff can name in /session (aftercare.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.content import ContentError, check_template, read_toml, require_str, require_str_list


@dataclass(frozen=True)
class AreaAdvice:
    key: str
    label: str
    words: tuple[str, ...]
    tip: str


@dataclass(frozen=True)
class Aftercare:
    """The aftercare message (aftercare.toml) and the body areas staff can name in /session."""

    template: str
    sections: dict[str, str]
    general_movement: str
    movement_caution: str
    areas: tuple[AreaAdvice, ...]

    @classmethod
    def load(cls) -> Aftercare:
        return cls.from_data(read_toml("aftercare.toml"))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Aftercare:
        where = "bot/content/aftercare.toml"
        section_names = ("hydration", "soreness", "heat_cold", "when_to_call")
        template = check_template(
            require_str(data, "message", where), {*section_names, "movement"}, f"{where} message"
        )
        raw_sections = data.get("sections")
        if not isinstance(raw_sections, dict):
            raise ContentError(f"{where}: [sections] is missing")
        sections = {
            name: check_template(require_str(raw_sections, name, where), (), f"{where} {name}")
            for name in section_names
        }
        general = check_template(
            require_str(raw_sections, "general_movement", where), (), f"{where} general_movement"
        )
        caution = check_template(
            require_str(raw_sections, "movement_caution", where), (), f"{where} movement_caution"
        )
        for name in (*section_names, "general_movement", "movement_caution"):
            require_str_list(raw_sections, f"{name}_sources", where)
        raw_areas = data.get("areas")
        if not isinstance(raw_areas, dict) or not raw_areas:
            raise ContentError(f"{where}: [areas] is missing")
        areas: list[AreaAdvice] = []
        for key, table in raw_areas.items():
            area_where = f"{where} [areas.{key}]"
            if not isinstance(table, dict):
                raise ContentError(f"{area_where} must be a table")
            require_str_list(table, "sources", area_where)
            words = tuple(w.lower() for w in require_str_list(table, "words", area_where))
            areas.append(
                AreaAdvice(
                    key=key,
                    label=require_str(table, "label", area_where),
                    words=words,
                    tip=check_template(require_str(table, "tip", area_where), (), area_where),
                )
            )
        return cls(template, sections, general, caution, tuple(areas))
