"""The props around the figure: floor, mat, chair, wall, door frame, desk, towel (figure units)."""

from __future__ import annotations

from typing import Any

from exercise_canvas import PROP, PROP_FILL, Canvas


def draw_prop(canvas: Canvas, prop: dict[str, Any], viewport: tuple[float, float, float, float]) -> None:
    kind = prop["kind"]
    drawers = {
        "floor": _floor,
        "mat": _mat,
        "chair": _chair,
        "wall": _wall,
        "backdrop": _backdrop,
        "door_frame": _door_frame,
        "doorway": _doorway,
        "desk": _desk,
        "towel_roll": _towel_roll,
        "pad": _pad,
        "stool": _stool,
    }
    drawers[kind](canvas, prop, viewport)


PROP_KINDS = {
    "floor",
    "mat",
    "chair",
    "wall",
    "backdrop",
    "door_frame",
    "doorway",
    "desk",
    "towel_roll",
    "pad",
    "stool",
}
LINE = 1.6


def _floor(canvas: Canvas, prop: dict[str, Any], viewport: tuple[float, float, float, float]) -> None:
    y = float(prop.get("y", 0.0))
    canvas.polygon(
        [
            (viewport[0] - 50, y),
            (viewport[2] + 50, y),
            (viewport[2] + 50, y - 30),
            (viewport[0] - 50, y - 30),
        ],
        PROP_FILL,
        None,
    )
    canvas.stroke([(viewport[0] - 50, y), (viewport[2] + 50, y)], LINE, PROP)


def _mat(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    x0, x1, h = float(prop["x0"]), float(prop["x1"]), float(prop.get("height", 2.0))
    canvas.polygon([(x0, 0), (x1, 0), (x1, h), (x0, h)], PROP_FILL, PROP, LINE)


def _chair(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    """Side view: x is the back edge of the seat; the seat reaches `depth` toward where the chair faces."""
    x, seat = float(prop["x"]), float(prop.get("seat", 24.0))
    sign = -1.0 if prop.get("facing", "right") == "left" else 1.0
    depth, back = float(prop.get("depth", 20.0)), float(prop.get("back", 30.0))
    front = x + sign * depth
    canvas.stroke([(x + sign * 1.5, 0), (x + sign * 1.5, seat)], LINE * 1.4, PROP)
    canvas.stroke([(front - sign * 1.5, 0), (front - sign * 1.5, seat)], LINE * 1.4, PROP)
    if back > 0:
        canvas.stroke([(x, seat), (x - sign * 3.0, seat + back)], LINE * 2.2, PROP)
    canvas.stroke([(x, seat), (front, seat)], LINE * 2.2, PROP)


def _stool(canvas: Canvas, prop: dict[str, Any], viewport: tuple[float, float, float, float]) -> None:
    """A chair seen from the front: a seat and two legs."""
    x0, x1, seat = float(prop["x0"]), float(prop["x1"]), float(prop.get("seat", 24.0))
    canvas.stroke([(x0 + 1.5, 0), (x0 + 1.5, seat)], LINE * 1.4, PROP)
    canvas.stroke([(x1 - 1.5, 0), (x1 - 1.5, seat)], LINE * 1.4, PROP)
    canvas.stroke([(x0, seat), (x1, seat)], LINE * 2.2, PROP)
    if prop.get("back"):
        top = seat + float(prop["back"])
        canvas.polygon(
            [(x0 + 3, seat + 8), (x1 - 3, seat + 8), (x1 - 3, top), (x0 + 3, top)], PROP_FILL, PROP, LINE
        )


def _wall(canvas: Canvas, prop: dict[str, Any], viewport: tuple[float, float, float, float]) -> None:
    """A wall seen edge-on at x; its mass lies on `side` (left or right) of the line."""
    x = float(prop["x"])
    thick = 6.0 if prop.get("side", "left") == "right" else -6.0
    top = viewport[3] + 20
    canvas.polygon([(x, 0), (x + thick, 0), (x + thick, top), (x, top)], PROP_FILL, None)
    canvas.stroke([(x, 0), (x, top)], LINE, PROP)


def _backdrop(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    """A wall behind a figure seen from the front."""
    x0, x1, top = float(prop["x0"]), float(prop["x1"]), float(prop.get("top", 110.0))
    canvas.polygon([(x0, 0), (x1, 0), (x1, top), (x0, top)], PROP_FILL, None)


def _door_frame(canvas: Canvas, prop: dict[str, Any], viewport: tuple[float, float, float, float]) -> None:
    """A door frame seen from the side: one post, drawn as a narrow upright."""
    x, width = float(prop["x"]), float(prop.get("width", 4.0))
    top = min(float(prop.get("top", 112.0)), viewport[3] + 20)
    canvas.polygon(
        [(x - width / 2, 0), (x + width / 2, 0), (x + width / 2, top), (x - width / 2, top)],
        PROP_FILL,
        PROP,
        LINE,
    )


def _doorway(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    """A door frame seen from the front: two posts and the top."""
    x0, x1, top, w = float(prop["x0"]), float(prop["x1"]), float(prop.get("top", 110.0)), 4.0
    for x in (x0, x1):
        canvas.polygon(
            [(x - w, 0), (x, 0), (x, top), (x - w, top)]
            if x == x0
            else [(x, 0), (x + w, 0), (x + w, top), (x, top)],
            PROP_FILL,
            PROP,
            LINE,
        )
    canvas.polygon(
        [(x0 - w, top), (x1 + w, top), (x1 + w, top + w), (x0 - w, top + w)], PROP_FILL, PROP, LINE
    )


def _desk(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    x0, x1, top = float(prop["x0"]), float(prop["x1"]), float(prop.get("top", 42.0))
    canvas.stroke([(x0 + 2, 0), (x0 + 2, top)], LINE * 1.4, PROP)
    canvas.stroke([(x1 - 2, 0), (x1 - 2, top)], LINE * 1.4, PROP)
    canvas.polygon([(x0, top), (x1, top), (x1, top - 2.5), (x0, top - 2.5)], PROP_FILL, PROP, LINE)


def _towel_roll(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    center, radius = (float(prop["x"]), float(prop["y"])), float(prop.get("r", 2.5))
    canvas.disc(center, radius + LINE / 2, PROP)
    canvas.disc(center, radius - LINE / 2, PROP_FILL)


def _pad(canvas: Canvas, prop: dict[str, Any], _: tuple[float, float, float, float]) -> None:
    """A folded towel or cushion lying on the floor (under a knee, say)."""
    x0, x1, y, h = (
        float(prop["x0"]),
        float(prop["x1"]),
        float(prop.get("y", 0.0)),
        float(prop.get("height", 2.5)),
    )
    canvas.polygon([(x0, y), (x1, y), (x1, y + h), (x0, y + h)], PROP_FILL, PROP, LINE)
