"""The drawing surface and the colours every exercise picture shares (Pillow, used only by the tools)."""

from __future__ import annotations

import exercise_pose as kin
from PIL import Image, ImageDraw

SIZE = (800, 600)
SUPERSAMPLE = 3
WHITE = (255, 255, 255)
BODY = (29, 58, 92)
FAR = (112, 138, 168)
GHOST = (200, 211, 224)
PROP = (134, 146, 160)
PROP_FILL = (230, 234, 239)
ARROW = (226, 112, 36)
FACE = (255, 255, 255)
INKS = (BODY, FAR, GHOST, PROP, PROP_FILL, ARROW)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def palette_image() -> Image.Image:
    """One fixed palette for every picture: each ink blended with white and with its neighbours."""
    colors: list[tuple[int, int, int]] = [WHITE]
    for ink in INKS:
        colors.extend(_mix(WHITE, ink, step / 15) for step in range(1, 16))
    for a, b in (
        (BODY, FAR),
        (BODY, GHOST),
        (BODY, PROP_FILL),
        (ARROW, BODY),
        (FAR, PROP_FILL),
        (PROP, PROP_FILL),
    ):
        colors.extend(_mix(a, b, step / 8) for step in range(1, 8))
    unique = list(dict.fromkeys(colors))
    flat = [channel for color in unique for channel in color]
    flat.extend([0] * (768 - len(flat)))
    image = Image.new("P", (1, 1))
    image.putpalette(flat)
    return image


class Canvas:
    """A supersampled drawing surface that takes figure units (y up) and draws in pixels (y down)."""

    def __init__(self, viewport: tuple[float, float, float, float]) -> None:
        x0, y0, x1, y1 = viewport
        width, height = SIZE[0] * SUPERSAMPLE, SIZE[1] * SUPERSAMPLE
        self.scale = min(width / (x1 - x0), height / (y1 - y0))
        self.left = x0 - (width / self.scale - (x1 - x0)) / 2
        self.top = y1 + (height / self.scale - (y1 - y0)) / 2
        self.image = Image.new("RGB", (width, height), WHITE)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, point: kin.Point) -> tuple[float, float]:
        return ((point[0] - self.left) * self.scale, (self.top - point[1]) * self.scale)

    def stroke(self, points: list[kin.Point], width: float, color: tuple[int, int, int]) -> None:
        """A polyline with round joints and round ends, `width` in figure units."""
        pixels = [self.px(p) for p in points]
        w = max(1, round(width * self.scale))
        if len(pixels) > 1:
            self.draw.line(pixels, fill=color, width=w, joint="curve")
        for x, y in (pixels[0], pixels[-1]) if len(pixels) > 1 else pixels:
            self.disc_px(x, y, w / 2, color)

    def disc_px(self, x: float, y: float, radius: float, color: tuple[int, int, int]) -> None:
        self.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)

    def disc(self, center: kin.Point, radius: float, color: tuple[int, int, int]) -> None:
        x, y = self.px(center)
        self.disc_px(x, y, radius * self.scale, color)

    def polygon(
        self,
        points: list[kin.Point],
        fill: tuple[int, int, int],
        outline: tuple[int, int, int] | None,
        width: float = 0.0,
    ) -> None:
        self.draw.polygon([self.px(p) for p in points], fill=fill)
        if outline is not None:
            self.stroke([*points, points[0]], width, outline)

    def final(self) -> Image.Image:
        return self.image.resize(SIZE, Image.Resampling.LANCZOS)
