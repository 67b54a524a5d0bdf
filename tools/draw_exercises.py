"""Draw every exercise picture from the pose in its bot/content/exercises/<id>.toml.

    python tools/draw_exercises.py            # (re)write every picture in bot/content/exercises/pictures/
    python tools/draw_exercises.py --check    # exit 1 if a committed picture differs from a fresh draw
    python tools/draw_exercises.py --out DIR  # write the pictures to DIR instead
    python tools/draw_exercises.py --only chin_tuck --preview /tmp/p   # also a PNG strip of each GIF's frames

The pictures are committed; the bot only sends the files and never needs Pillow. The bytes are the
same on every run (fixed drawing order, fixed palette, no metadata), so a test can redraw and compare.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exercise_pose as kin
from exercise_canvas import ARROW, BODY, FACE, FAR, GHOST, SIZE, WHITE, Canvas, palette_image
from exercise_props import PROP_KINDS, draw_prop

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "bot" / "content" / "exercises"
DEFAULT_VIEWPORT = (0.0, -4.0, 160.0, 116.0)
FRAME_MS = 900


# --- the figure and the arrows -----------------------------------------------------------------------


HALO = 0.9  # figure units of white around a near limb
HALO_FROM_ROOT = 6.0  # no edge where the limb joins the trunk


def draw_figure(canvas: Canvas, figure: kin.Figure, ghost: bool) -> None:
    """Far limbs, trunk, head, near limbs: the same order for every picture."""
    far = GHOST if ghost else FAR
    body = GHOST if ghost else BODY
    for stroke in figure.back_strokes:
        canvas.stroke(stroke, kin.LIMB_W, far)
    if figure.trunk:
        canvas.stroke(figure.trunk, kin.TRUNK_W, body)
    if figure.trunk_polygon:
        canvas.polygon(figure.trunk_polygon, body, body, kin.LIMB_W * 0.6)
    neck, *limbs = figure.front_strokes
    canvas.stroke(neck, kin.LIMB_W, body)
    canvas.disc(figure.head_center, kin.HEAD_R, body)
    if figure.face == "side":
        nose = kin.along(
            kin.along(figure.head_center, figure.head_direction + 90, kin.HEAD_R * 0.9),
            figure.head_direction,
            -1.0,
        )
        canvas.disc(nose, 1.9, body)
    if not ghost:
        _draw_face(canvas, figure)
    for stroke in limbs:
        if not ghost:
            # A thin white edge keeps a limb readable where it crosses the trunk or another limb.
            canvas.stroke(_trim_start(stroke, HALO_FROM_ROOT), kin.LIMB_W + 2 * HALO, WHITE)
        canvas.stroke(stroke, kin.LIMB_W, body)


def _draw_face(canvas: Canvas, figure: kin.Figure) -> None:
    center, direction = figure.head_center, figure.head_direction
    if figure.face == "side":
        eye = kin.along(kin.along(center, direction + 90, kin.HEAD_R * 0.45), direction, kin.HEAD_R * 0.15)
        canvas.disc(eye, 0.9, FACE)
        return
    turn, down = figure.head_turn * 3.0, figure.head_down * 2.5
    for side in (-1, 1):
        eye = kin.along(kin.along(center, direction + 90, side * 2.6 + turn), direction, 1.0 - down)
        canvas.disc(eye, 0.9, FACE)
    mouth_center = kin.along(kin.along(center, direction + 90, turn), direction, -3.4 - down)
    if down > 1.5:
        return
    if figure.mouth > 0:
        height = 0.6 + figure.mouth * 2.6
        x, y = canvas.px(kin.along(mouth_center, direction, -height / 2 + 0.4))
        rx, ry = 1.6 * canvas.scale, height / 2 * canvas.scale
        canvas.draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=FACE)
    else:
        ends = [kin.along(mouth_center, direction + 90, d) for d in (-1.6, 1.6)]
        canvas.stroke(ends, 0.8, FACE)


def _bezier(a: kin.Point, b: kin.Point, bend: float) -> list[kin.Point]:
    length = math.dist(a, b)
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    if length == 0:
        return [a, b]
    normal = ((b[1] - a[1]) / length, -(b[0] - a[0]) / length)
    control = (mid[0] + normal[0] * bend * length, mid[1] + normal[1] * bend * length)
    steps = 24
    return [
        (
            (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * control[0] + t * t * b[0],
            (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * control[1] + t * t * b[1],
        )
        for t in (i / steps for i in range(steps + 1))
    ]


def _trim(path: list[kin.Point], gap: float) -> list[kin.Point]:
    """Drop `gap` units from each end of a path so the arrow does not touch the body."""
    return _trim_start(_trim_start(path, gap)[::-1], gap)[::-1]


def arrow_path(arrow: dict[str, Any], start: kin.Figure, end: kin.Figure) -> list[kin.Point]:
    """The arrow's line in figure units: a point's way from start to end, an arc, or a given path."""
    dx, dy = (float(v) for v in arrow.get("offset", [0.0, 0.0]))
    kind = arrow.get("kind", "move")
    if kind == "move":
        a, b = start.points[arrow["point"]], end.points[arrow["point"]]
        path = _bezier((a[0] + dx, a[1] + dy), (b[0] + dx, b[1] + dy), float(arrow.get("curve", 0.0)))
        return _trim(path, float(arrow.get("gap", 1.5)))
    if kind == "arc":
        around = arrow["around"]
        cx, cy = end.points[around] if isinstance(around, str) else (float(around[0]), float(around[1]))
        first, last, radius = float(arrow["from"]), float(arrow["to"]), float(arrow["radius"])
        steps = max(8, int(abs(last - first) / 5))
        return [
            kin.along((cx + dx, cy + dy), first + (last - first) * i / steps, radius)
            for i in range(steps + 1)
        ]
    return [(float(x) + dx, float(y) + dy) for x, y in arrow["points"]]


ARROW_HEAD = (5.0, 3.4)  # length and half-width, figure units
ARROW_W = 2.0


def draw_arrow(canvas: Canvas, path: list[kin.Point], both_ends: bool) -> None:
    """A line with a head at its end (and at its start too if `both_ends`)."""
    body = _trim_start(path[::-1], ARROW_HEAD[0] * 0.6)[::-1]
    if both_ends:
        body = _trim_start(body, ARROW_HEAD[0] * 0.6)
    canvas.stroke(body, ARROW_W, ARROW)
    for way in [path, path[::-1]] if both_ends else [path]:
        _arrow_head(canvas, way)


def _arrow_head(canvas: Canvas, way: list[kin.Point]) -> None:
    tip, before = way[-1], way[0]
    for point in reversed(way[:-1]):
        if math.dist(point, tip) >= ARROW_HEAD[0]:
            before = point
            break
    length = math.dist(before, tip) or 1.0
    ux, uy = (tip[0] - before[0]) / length, (tip[1] - before[1]) / length
    base = (tip[0] - ux * ARROW_HEAD[0], tip[1] - uy * ARROW_HEAD[0])
    half = ARROW_HEAD[1]
    corners = [tip, (base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)]
    canvas.draw.polygon([canvas.px(p) for p in corners], fill=ARROW)


def _trim_start(path: list[kin.Point], gap: float) -> list[kin.Point]:
    """The path without its first `gap` units."""
    remaining = gap
    while len(path) > 2 and math.dist(path[0], path[1]) <= remaining:
        remaining -= math.dist(path[0], path[1])
        path = path[1:]
    d = math.dist(path[0], path[1]) or 1.0
    t = min(remaining / d, 0.9)
    return [
        (path[0][0] + (path[1][0] - path[0][0]) * t, path[0][1] + (path[1][1] - path[0][1]) * t),
        *path[1:],
    ]


# --- a pose into pictures ----------------------------------------------------------------------------


def positions(pose: dict[str, Any]) -> list[dict[str, Any]]:
    """Start, any positions between, end; each later one repeats only what changes from the start."""
    start = pose["start"]
    return [start, *(kin.merged(start, p) for p in pose.get("between", [])), kin.merged(start, pose["end"])]


def render(pose: dict[str, Any], frame: int | None) -> Image.Image:
    """The overlay picture (frame None: start faint, end solid) or one frame of the animation."""
    view, facing = pose.get("view", "side"), pose.get("facing", "right")
    viewport = tuple(float(v) for v in pose.get("viewport", DEFAULT_VIEWPORT))
    canvas = Canvas(viewport)  # type: ignore[arg-type]
    for prop in pose.get("props", []):
        if not prop.get("front"):
            draw_prop(canvas, prop, viewport)  # type: ignore[arg-type]
    figures = [kin.build(view, p, facing) for p in positions(pose)]
    if frame is None:
        draw_figure(canvas, figures[0], ghost=True)
        draw_figure(canvas, figures[-1], ghost=False)
    else:
        draw_figure(canvas, figures[frame], ghost=False)
    for prop in pose.get("props", []):
        if prop.get("front"):
            draw_prop(canvas, prop, viewport)  # type: ignore[arg-type]
    for arrow in pose.get("arrows", []):
        if frame is None or arrow.get("in_animation", True):
            draw_arrow(
                canvas, arrow_path(arrow, figures[0], figures[-1]), bool(arrow.get("both_ends", False))
            )
    return canvas.final().quantize(palette=palette_image(), dither=Image.Dither.NONE)


def picture_bytes(pose: dict[str, Any], name: str) -> bytes:
    """The file's bytes: a PNG overlay, or a GIF with one frame per position (and back again)."""
    import io

    out = io.BytesIO()
    if name.endswith(".png"):
        render(pose, None).save(out, format="PNG", optimize=True)
    else:
        count = len(positions(pose))
        order = (
            list(range(count)) + list(range(count - 2, 0, -1))
            if pose.get("return", True)
            else list(range(count))
        )
        frames = [render(pose, i) for i in order]
        frames[0].save(
            out,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=FRAME_MS,
            loop=0,
            optimize=False,
            disposal=1,
        )
    return out.getvalue()


def exercise_files() -> list[Path]:
    return sorted(EXERCISES.glob("*.toml"))


def pictures_of(exercise: dict[str, Any]) -> list[str]:
    names = [exercise["picture"]]
    if exercise.get("animation"):
        names.append(exercise["animation"])
    return names


def check_pose(exercise_id: str, pose: Any) -> list[str]:
    """Problems with a pose, each naming the exercise and the key."""
    where = f"{exercise_id}.toml [pose]"
    if not isinstance(pose, dict):
        return [f"{where} is missing"]
    problems = []
    view = pose.get("view", "side")
    if view not in ("side", "front", "back"):
        problems.append(f"{where} view = {view!r} (side, front or back)")
        return problems
    if not isinstance(pose.get("start"), dict) or not isinstance(pose.get("end"), dict):
        return [*problems, f"{where} needs [pose.start] and [pose.end]"]
    kin_view = "side" if view == "side" else "front"
    for index, position in enumerate(positions(pose)):
        problems.extend(kin.check_position(kin_view, position, f"{where} position {index}"))
    for prop in pose.get("props", []):
        if prop.get("kind") not in PROP_KINDS:
            problems.append(f"{where} props: unknown kind {prop.get('kind')!r}")
    return problems


def draw_all(out_dir: Path, only: set[str], preview: Path | None) -> dict[str, bytes]:
    drawn: dict[str, bytes] = {}
    for path in exercise_files():
        exercise = tomllib.loads(path.read_text(encoding="utf-8"))
        if only and path.stem not in only:
            continue
        problems = check_pose(path.stem, exercise.get("pose"))
        if problems:
            raise SystemExit("\n".join(problems))
        pose = dict(exercise["pose"])
        pose["view"] = "side" if pose.get("view", "side") == "side" else "front"
        for name in pictures_of(exercise):
            drawn[name] = picture_bytes(pose, name)
            if preview is not None and name.endswith(".gif"):
                _write_strip(pose, preview / f"{Path(name).stem}_frames.png")
    return drawn


def _write_strip(pose: dict[str, Any], target: Path) -> None:
    """The frames of an animation side by side, to look at in an image viewer."""
    frames = [render(pose, i).convert("RGB") for i in range(len(positions(pose)))]
    strip = Image.new("RGB", (SIZE[0] * len(frames), SIZE[1]), WHITE)
    for index, frame in enumerate(frames):
        strip.paste(frame, (SIZE[0] * index, 0))
    target.parent.mkdir(parents=True, exist_ok=True)
    strip.save(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed pictures; write nothing"
    )
    parser.add_argument(
        "--out", type=Path, default=EXERCISES / "pictures", help="where to write the pictures"
    )
    parser.add_argument("--only", action="append", default=[], help="draw only this exercise id (repeatable)")
    parser.add_argument("--preview", type=Path, help="also write each GIF's frames as one PNG strip here")
    args = parser.parse_args(argv)
    drawn = draw_all(args.out, set(args.only), args.preview)
    if args.check:
        stale = [
            n
            for n, data in drawn.items()
            if not (args.out / n).is_file() or (args.out / n).read_bytes() != data
        ]
        for name in stale:
            print(f"{name} differs from a fresh draw: run python tools/draw_exercises.py")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in drawn.items():
        (args.out / name).write_bytes(data)
    print(f"drew {len(drawn)} pictures in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
