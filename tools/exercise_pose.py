"""Forward kinematics for the exercise pictures: a pose (joint angles) becomes strokes to draw.

Units: the figure is 100 units tall standing; x grows to the right, y grows upward, the floor is y = 0.
Angles are degrees. A segment's direction is measured from straight up, positive turning clockwise on
the page: 0 up, 90 right, 180 down, 270 left. In a side view the figure faces right unless the pose says
`facing = "left"` (the whole picture is mirrored about the pose's x then).

No Pillow here: tests and the validator import this module without drawing anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

Point = tuple[float, float]

# Segment lengths, from standard body proportions (Drillis & Contini) for a figure 100 units tall.
SPINE = 30.0  # hip joint to the base of the neck
NECK = 9.0
HEAD_R = 7.5
UPPER_ARM = 18.5
FOREARM = 15.0
HAND = 6.5
THIGH = 24.5
SHIN = 27.0  # knee to the sole
HEEL = 3.0
TOE = 10.5
HIP_HALF = 4.5  # front view: half the distance between the hip joints
SHOULDER_HALF = 9.0  # front view: half the distance between the shoulders

LIMB_W = 5.5
TRUNK_W = 10.0

SIDE_KEYS = {
    "trunk",
    "back",
    "neck",
    "head",
    "shoulder_shift",
    "shoulder_near",
    "shoulder_far",
    "elbow_near",
    "elbow_far",
    "wrist_near",
    "wrist_far",
    "hip_near",
    "hip_far",
    "knee_near",
    "knee_far",
    "ankle_near",
    "ankle_far",
}
FRONT_KEYS = {
    "trunk",
    "neck",
    "head",
    "head_turn",
    "head_down",
    "mouth",
    "shoulder_lift",
    "shoulder_left",
    "shoulder_right",
    "elbow_left",
    "elbow_right",
    "wrist_left",
    "wrist_right",
    "hip_left",
    "hip_right",
    "knee_left",
    "knee_right",
}
SEGMENTS = ("arm", "forearm", "hand", "thigh", "shin", "foot")
# Joint ranges a patient can reach: a pose outside them is a typo (a knee bent the wrong way).
JOINT_RANGES = {
    "elbow": (-5.0, 160.0),
    "knee": (-5.0, 160.0),
    "hip": (-40.0, 150.0),
    "shoulder": (-80.0, 185.0),
    "ankle": (-50.0, 35.0),
    "wrist": (-80.0, 80.0),
    "neck": (-45.0, 50.0),
    "head": (-40.0, 40.0),
    "back": (-45.0, 60.0),
}


def unit(direction: float) -> Point:
    """The unit vector of a direction in degrees (0 up, clockwise positive)."""
    rad = math.radians(direction)
    return (math.sin(rad), math.cos(rad))


def along(start: Point, direction: float, length: float) -> Point:
    dx, dy = unit(direction)
    return (start[0] + dx * length, start[1] + dy * length)


@dataclass
class Figure:
    """What to draw for one pose: strokes behind the trunk, the trunk, the head, strokes in front."""

    back_strokes: list[list[Point]] = field(default_factory=list)
    trunk: list[Point] = field(default_factory=list)
    trunk_polygon: list[Point] = field(default_factory=list)
    front_strokes: list[list[Point]] = field(default_factory=list)
    head_center: Point = (0.0, 0.0)
    head_direction: float = 0.0
    face: str = "side"  # side: a nose bump; front: eyes and a mouth
    head_turn: float = 0.0
    head_down: float = 0.0
    mouth: float = 0.0
    points: dict[str, Point] = field(default_factory=dict)


def merged(start: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A later position repeats only what changes; everything else comes from the start."""
    result = dict(start)
    result.update(overrides)
    return result


def check_position(view: str, position: dict[str, Any], where: str) -> list[str]:
    """Problems with one position: unknown keys, wrong types, joints bent past what a body does."""
    problems: list[str] = []
    known = SIDE_KEYS if view == "side" else FRONT_KEYS
    overrides = {
        f"{seg}_{side}_{suffix}" for seg in SEGMENTS for side in _sides(view) for suffix in ("dir", "len")
    }
    for key, value in position.items():
        if key == "pelvis":
            if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
                problems.append(f"{where}.pelvis must be [x, y]")
        elif view == "side" and key in {
            f"{limb}_{side}_at" for limb in ("hand", "foot") for side in ("near", "far")
        }:
            if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
                problems.append(f"{where}.{key} must be [x, y]")
        elif key == "shoulder_shift":
            if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
                problems.append(f"{where}.shoulder_shift must be [forward, up]")
        elif key in known or key in overrides:
            if not _is_number(value):
                problems.append(f"{where}.{key} must be a number")
            else:
                problems.extend(_range_problem(key, float(value), where))
        else:
            problems.append(f"{where}.{key} is not a known {view}-view key")
    if "pelvis" not in position:
        problems.append(f"{where}.pelvis is missing")
    return problems


def _range_problem(key: str, value: float, where: str) -> list[str]:
    if key.endswith("_dir") or key.endswith("_len"):
        return []
    joint = key.split("_")[0]
    bounds = JOINT_RANGES.get(joint)
    if bounds and not bounds[0] <= value <= bounds[1]:
        return [f"{where}.{key} = {value:g} is outside {bounds[0]:g}..{bounds[1]:g}"]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sides(view: str) -> tuple[str, str]:
    return ("near", "far") if view == "side" else ("left", "right")


def build(view: str, position: dict[str, Any], facing: str = "right") -> Figure:
    """The figure for one position in a side or front view."""
    if view == "side" and facing == "left":
        axis = float(position["pelvis"][0])
        position = {k: [2 * axis - v[0], v[1]] if k.endswith("_at") else v for k, v in position.items()}
    figure = side_figure(position) if view == "side" else front_figure(position)
    if view == "side" and facing == "left":
        _mirror(figure, float(position["pelvis"][0]))
    return figure


def _num(position: dict[str, Any], key: str, default: float = 0.0) -> float:
    return float(position.get(key, default))


def _limb(
    position: dict[str, Any], start: Point, names: tuple[str, str, str], side: str, directions: list[float]
) -> list[Point]:
    """A chain of three segments from `start`; each direction may be overridden with <segment>_<side>_dir."""
    lengths = {"arm": UPPER_ARM, "forearm": FOREARM, "hand": HAND, "thigh": THIGH, "shin": SHIN}
    points = [start]
    for name, direction in zip(names, directions, strict=True):
        direction = _num(position, f"{name}_{side}_dir", direction)
        length = lengths.get(name, 0.0) * _num(position, f"{name}_{side}_len", 1.0)
        if length:
            points.append(along(points[-1], direction, length))
    return points


def _spine(position: dict[str, Any], pelvis: Point) -> tuple[list[Point], float]:
    """The spine in four pieces bent evenly by `back` (rounding forward is positive) around `trunk`."""
    trunk, bend, pieces = _num(position, "trunk"), _num(position, "back"), 4
    points = [pelvis]
    direction = trunk
    for index in range(pieces):
        direction = trunk + bend * ((index + 0.5) / pieces - 0.5)
        points.append(along(points[-1], direction, SPINE / pieces))
    return points, direction


def side_figure(position: dict[str, Any]) -> Figure:
    """A side view facing right: near limbs in front of the trunk, far limbs behind it."""
    pelvis = (float(position["pelvis"][0]), float(position["pelvis"][1]))
    spine, top_direction = _spine(position, pelvis)
    figure = Figure(trunk=[along(pelvis, _num(position, "trunk"), 2.0), *spine[1:]], face="side")
    neck_base = spine[-1]
    forward, up = (position.get("shoulder_shift") or [0.0, 0.0])[:2]
    shoulder = along(along(neck_base, top_direction, -3.0 + float(up)), top_direction + 90, float(forward))
    neck_direction = top_direction + _num(position, "neck")
    neck_top = along(neck_base, neck_direction, NECK)
    figure.head_direction = neck_direction + _num(position, "head")
    figure.head_center = along(neck_top, figure.head_direction, HEAD_R * 0.55)
    figure.points.update(pelvis=pelvis, neck_base=neck_base, shoulder=shoulder, head=figure.head_center)
    figure.points["chin"] = along(figure.head_center, figure.head_direction + 150, HEAD_R)
    figure.points["waist"] = spine[2]
    neck_stroke = [neck_base, neck_top]
    figure.front_strokes.append(neck_stroke)
    for side in ("far", "near"):
        arm = _side_arm(position, shoulder, top_direction, side)
        leg = _side_leg(position, pelvis, _num(position, "trunk"), side)
        target = figure.back_strokes if side == "far" else figure.front_strokes
        target.extend([leg, arm])
        _name_points(figure, side, arm, leg)
    return figure


def solve_two_links(
    start: Point, target: Point, first: float, second: float, clockwise: bool
) -> tuple[float, float]:
    """Directions of two segments from `start` whose end reaches `target` (or points at it, if too far).

    The joint between them bends clockwise (a knee) or counterclockwise (an elbow) on the page.
    """
    dx, dy = target[0] - start[0], target[1] - start[1]
    distance = min(max(math.hypot(dx, dy), abs(first - second) + 1e-6), first + second - 1e-6)
    toward = math.degrees(math.atan2(dx, dy))
    at_start = math.degrees(math.acos((first**2 + distance**2 - second**2) / (2 * first * distance)))
    at_joint = math.degrees(math.acos((first**2 + second**2 - distance**2) / (2 * first * second)))
    bend = 180.0 - at_joint
    if clockwise:
        return toward - at_start, toward - at_start + bend
    return toward + at_start, toward + at_start - bend


def _side_arm(position: dict[str, Any], shoulder: Point, trunk_direction: float, side: str) -> list[Point]:
    arm = trunk_direction + 180 - _num(position, f"shoulder_{side}")
    forearm = arm - _num(position, f"elbow_{side}")
    target = position.get(f"hand_{side}_at")
    if target is not None:
        arm, forearm = solve_two_links(
            shoulder, (float(target[0]), float(target[1])), UPPER_ARM, FOREARM, False
        )
    hand = forearm - _num(position, f"wrist_{side}")
    return _limb(position, shoulder, ("arm", "forearm", "hand"), side, [arm, forearm, hand])


def _side_leg(position: dict[str, Any], pelvis: Point, trunk_direction: float, side: str) -> list[Point]:
    thigh = trunk_direction + 180 - _num(position, f"hip_{side}")
    shin = thigh + _num(position, f"knee_{side}")
    target = position.get(f"foot_{side}_at")
    if target is not None:
        thigh, shin = solve_two_links(pelvis, (float(target[0]), float(target[1])), THIGH, SHIN, True)
    foot = _num(position, f"foot_{side}_dir", shin - 90 - _num(position, f"ankle_{side}"))
    leg = _limb(position, pelvis, ("thigh", "shin", "foot"), side, [thigh, shin, foot])
    sole = leg[-1]
    return [*leg[:-1], sole, along(sole, foot, -HEEL), along(sole, foot, TOE)]


def _name_points(figure: Figure, side: str, arm: list[Point], leg: list[Point]) -> None:
    names = {
        "elbow": arm[1],
        "wrist": arm[2],
        "hand": arm[-1],
        "knee": leg[1],
        "ankle": leg[2],
        "toe": leg[-1],
    }
    for name, point in names.items():
        figure.points[f"{name}_{side}"] = point


def front_figure(position: dict[str, Any]) -> Figure:
    """A front (or back) view: the picture's left and right limbs, a trunk drawn as a filled shape."""
    pelvis = (float(position["pelvis"][0]), float(position["pelvis"][1]))
    trunk = _num(position, "trunk")
    neck_base = along(pelvis, trunk, SPINE)
    lift = _num(position, "shoulder_lift")
    shoulders = {
        s: along(along(neck_base, trunk, -3.0 + lift), trunk + sign * 90, SHOULDER_HALF)
        for s, sign in (("left", -1), ("right", 1))
    }
    hips = {s: along(pelvis, trunk + sign * 90, HIP_HALF) for s, sign in (("left", -1), ("right", 1))}
    figure = Figure(face="front", head_turn=_num(position, "head_turn"), mouth=_num(position, "mouth"))
    figure.head_down = _num(position, "head_down")
    figure.trunk_polygon = [shoulders["left"], shoulders["right"], hips["right"], hips["left"]]
    neck_direction = trunk + _num(position, "neck")
    neck_length = NECK * (1.0 - 0.5 * _num(position, "head_down"))
    neck_top = along(neck_base, neck_direction, neck_length)
    figure.head_direction = neck_direction + _num(position, "head")
    figure.head_center = along(neck_top, figure.head_direction, HEAD_R * 0.55)
    figure.front_strokes.append([neck_base, neck_top])
    figure.points.update(pelvis=pelvis, neck_base=neck_base, head=figure.head_center)
    figure.points["chin"] = along(figure.head_center, figure.head_direction + 180, HEAD_R)
    for side, sign in (("left", -1), ("right", 1)):
        arm = _front_arm(position, shoulders[side], trunk, side, sign)
        leg = _front_leg(position, hips[side], trunk, side, sign)
        figure.front_strokes.extend([leg, arm])
        figure.points[f"shoulder_{side}"] = shoulders[side]
        _name_points(figure, side, arm, leg)
    return figure


def _front_arm(position: dict[str, Any], shoulder: Point, trunk: float, side: str, sign: int) -> list[Point]:
    """Abduction lifts the arm out to its side; elbow and wrist bend it back up toward the head."""
    arm = trunk + 180 - sign * _num(position, f"shoulder_{side}")
    forearm = arm - sign * _num(position, f"elbow_{side}")
    hand = forearm - sign * _num(position, f"wrist_{side}")
    return _limb(position, shoulder, ("arm", "forearm", "hand"), side, [arm, forearm, hand])


def _front_leg(position: dict[str, Any], hip: Point, trunk: float, side: str, sign: int) -> list[Point]:
    thigh = trunk + 180 - sign * _num(position, f"hip_{side}")
    shin = thigh + sign * _num(position, f"knee_{side}")
    leg = _limb(position, hip, ("thigh", "shin", "foot"), side, [thigh, shin, 0.0])
    sole = leg[-1]
    foot = _num(position, f"foot_{side}_dir", 90.0 * sign)
    return [*leg, along(sole, foot, 4.0)]


def _mirror(figure: Figure, axis: float) -> None:
    def flip(point: Point) -> Point:
        return (2 * axis - point[0], point[1])

    figure.back_strokes = [[flip(p) for p in stroke] for stroke in figure.back_strokes]
    figure.front_strokes = [[flip(p) for p in stroke] for stroke in figure.front_strokes]
    figure.trunk = [flip(p) for p in figure.trunk]
    figure.head_center = flip(figure.head_center)
    figure.head_direction = -figure.head_direction
    figure.points = {name: flip(p) for name, p in figure.points.items()}
