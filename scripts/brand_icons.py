"""Draw each integration's brand icon: ``custom_components/<domain>/brand/icon[@2x].png``.

Home Assistant serves a custom integration's ``brand/`` images itself (the integration list,
the Add-integration dialog, device pages), so the icons show without the brands CDN. They
are our own drawings, not the vendors' logos: a coloured tile with a glyph of what the
integration talks to. Run ``.venv/bin/python scripts/brand_icons.py`` after changing them;
the PNG files are committed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
SCALE = 4  # drawn this many times larger, then scaled down: smooth edges
WHITE = (255, 255, 255, 255)

type Colour = tuple[int, int, int]
type Glyph = Callable[[ImageDraw.ImageDraw, float, Colour], None]


def bolt(draw: ImageDraw.ImageDraw, s: float, cx: float, cy: float, h: float) -> None:
    """Draw a lightning bolt of height ``h`` centred on (cx, cy), in units of ``s``."""
    w = h * 0.6
    points = [
        (cx + 0.10 * w, cy - h / 2),
        (cx - 0.45 * w, cy + 0.08 * h),
        (cx - 0.02 * w, cy + 0.08 * h),
        (cx - 0.12 * w, cy + h / 2),
        (cx + 0.45 * w, cy - 0.10 * h),
        (cx + 0.02 * w, cy - 0.10 * h),
    ]
    draw.polygon([(x * s, y * s) for x, y in points], fill=WHITE)


def bolted_box(draw: ImageDraw.ImageDraw, s: float, box: tuple[float, ...], radius: float) -> None:
    """Draw an outlined rounded box (fractions of the size) with a bolt in its middle."""
    left, top, right, bottom = box
    draw.rounded_rectangle(
        (left * s, top * s, right * s, bottom * s),
        radius=radius * s,
        outline=WHITE,
        width=int(0.05 * s),
    )
    bolt(draw, s, (left + right) / 2, (top + bottom) / 2, (bottom - top) * 0.6)


def battery(draw: ImageDraw.ImageDraw, s: float, _tile: Colour) -> None:
    """Draw a home battery: an upright cell with a terminal and a charge bolt."""
    bolted_box(draw, s, (0.34, 0.26, 0.66, 0.80), 0.05)
    draw.rectangle((0.44 * s, 0.20 * s, 0.56 * s, 0.26 * s), fill=WHITE)


def charger(draw: ImageDraw.ImageDraw, s: float, _tile: Colour) -> None:
    """Draw a wallbox: a tall box with a bolt, its cable curling down to a plug."""
    bolted_box(draw, s, (0.24, 0.18, 0.56, 0.70), 0.06)
    width = int(0.045 * s)
    draw.line([(0.56 * s, 0.60 * s), (0.70 * s, 0.60 * s)], fill=WHITE, width=width)
    draw.arc((0.58 * s, 0.60 * s, 0.82 * s, 0.84 * s), start=270, end=90, fill=WHITE, width=width)
    draw.rounded_rectangle((0.56 * s, 0.78 * s, 0.70 * s, 0.88 * s), radius=0.02 * s, fill=WHITE)


def sun(draw: ImageDraw.ImageDraw, s: float, _tile: Colour) -> None:
    """Draw solar: a sun over a panel."""
    draw.ellipse((0.38 * s, 0.16 * s, 0.62 * s, 0.40 * s), fill=WHITE)
    width = int(0.04 * s)
    for (x1, y1), (x2, y2) in (
        ((0.50, 0.05), (0.50, 0.11)),
        ((0.27, 0.28), (0.33, 0.28)),
        ((0.67, 0.28), (0.73, 0.28)),
        ((0.33, 0.11), (0.37, 0.15)),
        ((0.67, 0.11), (0.63, 0.15)),
    ):
        draw.line([(x1 * s, y1 * s), (x2 * s, y2 * s)], fill=WHITE, width=width)
    panel = [(0.26, 0.50), (0.74, 0.50), (0.84, 0.84), (0.16, 0.84)]
    draw.polygon([(x * s, y * s) for x, y in panel], outline=WHITE, width=int(0.04 * s))
    thin = int(0.025 * s)
    draw.line([(0.50 * s, 0.50 * s), (0.50 * s, 0.84 * s)], fill=WHITE, width=thin)
    draw.line([(0.21 * s, 0.67 * s), (0.79 * s, 0.67 * s)], fill=WHITE, width=thin)


def house(draw: ImageDraw.ImageDraw, s: float, tile: Colour) -> None:
    """Draw an energy site: a house with a bolt."""
    roof = [(0.50, 0.16), (0.86, 0.48), (0.14, 0.48)]
    draw.polygon([(x * s, y * s) for x, y in roof], fill=WHITE)
    draw.rectangle((0.24 * s, 0.46 * s, 0.76 * s, 0.84 * s), fill=WHITE)
    draw.rectangle((0.30 * s, 0.50 * s, 0.70 * s, 0.80 * s), fill=(*tile, 255))
    bolt(draw, s, 0.5, 0.65, 0.26)


ICONS: dict[str, tuple[Colour, Glyph]] = {
    "powervault": ((0, 121, 107), battery),
    "v2c_cloud": ((30, 110, 200), charger),
    "enphase_gateway": ((230, 110, 0), sun),
    "tesla_energy": ((190, 40, 45), house),
}


def draw_icon(colour: Colour, glyph: Glyph, size: int) -> Image.Image:
    """Return the icon at ``size`` pixels: a rounded tile in ``colour`` with the glyph."""
    big = size * SCALE
    tile = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=int(0.2 * big), fill=(*colour, 255))
    glyph(draw, big, colour)
    return tile.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write icon.png (256 px) and icon@2x.png (512 px) for each integration."""
    for domain, (colour, glyph) in ICONS.items():
        brand = REPO / "custom_components" / domain / "brand"
        brand.mkdir(exist_ok=True)
        for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
            draw_icon(colour, glyph, size).save(brand / name, optimize=True)
            print(brand / name)


if __name__ == "__main__":
    main()
