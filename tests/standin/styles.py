"""Visible styles and settings for stand-in pictures (Pillow only, deterministic, fast).

A setting changes the scene: `tint_for_setting` recolours the background before the characters
are drawn, `add_weather` draws snow / rain / leaves / stars on top. A style re-renders the
picture layer (background and characters, not the labels), so "watercolour", "pixel art" and
"pencil sketch" look different at a glance while the characters keep their shapes and colours.
"""

from __future__ import annotations

import functools
import math

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from .creatures import ellipse_points

RGB = tuple[int, int, int]
STYLE_NAMES = ("watercolour", "paper cut-out", "pixel art", "pencil sketch", "3D digital art", "oil painting", "comic")


def _noise(seed: bytes, size: int) -> bytes:
    import hashlib

    return hashlib.shake_256(seed).digest(size)


def _numbers(seed: bytes, count: int) -> list[float]:
    """`count` deterministic numbers in [0, 1)."""
    raw = _noise(seed, count * 2)
    return [(raw[2 * i] * 256 + raw[2 * i + 1]) / 65536 for i in range(count)]


def _smooth(width: int, height: int, cells: int, seed: bytes) -> Image.Image:
    cw, ch = cells, max(2, round(cells * height / width))
    small = Image.frombytes("L", (cw, ch), _noise(seed, cw * ch))
    return small.resize((width, height), Image.Resampling.BICUBIC)


# ---------------------------------------------------------------------------------------------
# Settings


def tint_for_setting(image: Image.Image, settings: tuple[str, ...], seed: bytes) -> Image.Image:
    """Recolour a background for winter (pale, snowy ground), autumn (warm), rain (grey), night (dark)."""
    w, h = image.size
    if "winter" in settings:
        image = Image.blend(image, Image.new("RGB", (w, h), (222, 232, 245)), 0.6)
        ground = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(ground)
        bumps = _numbers(seed + b"drifts", 8)
        points = [(x * w / 7, h * (0.72 + 0.05 * bumps[x])) for x in range(8)]
        draw.polygon([(0, h), *points, (w, h)], fill=255)
        ground = ground.filter(ImageFilter.GaussianBlur(max(2, w // 200)))
        image = Image.composite(Image.new("RGB", (w, h), (248, 250, 255)), image, ground)
    if "autumn" in settings:
        warm = ImageOps.colorize(image.convert("L"), black=(70, 25, 5), white=(255, 205, 120))
        image = Image.blend(image, warm, 0.55)
    if "rain" in settings:
        grey = ImageOps.colorize(image.convert("L"), black=(25, 30, 40), white=(170, 180, 195))
        image = Image.blend(image, grey, 0.7)
    if "night" in settings:
        image = ImageChops.multiply(image, Image.new("RGB", (w, h), (70, 85, 150)))
        draw = ImageDraw.Draw(image)
        values = _numbers(seed + b"stars", 3 * 90)
        short = min(w, h)
        for i in range(90):
            x, y, s = values[3 * i] * w, values[3 * i + 1] * h * 0.55, 1 + values[3 * i + 2] * short / 400
            draw.ellipse((x - s, y - s, x + s, y + s), fill=(255, 255, 235))
        mx, my, mr = w * 0.8, h * 0.24, short * 0.065
        for glow, colour in ((2.2, (60, 70, 110)), (1.6, (95, 105, 140))):
            draw.ellipse((mx - mr * glow, my - mr * glow, mx + mr * glow, my + mr * glow), fill=colour)
        draw.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=(250, 245, 215))
        draw.ellipse((mx - mr * 0.35, my - mr * 0.5, mx - mr * 0.05, my - mr * 0.2), fill=(225, 220, 190))
    if "autumn" in settings:  # leaves lying on the ground
        image = _leaves(image, seed + b"ground", 60, ground=True)
    return image


def add_weather(layer: Image.Image, settings: tuple[str, ...], seed: bytes, avoid: Image.Image | None = None) -> None:
    """Draw falling snow, rain streaks or leaves over everything (in place, on an RGBA layer).

    Leaves never land on the opaque parts of `avoid` (the characters' faces).
    """
    w, h = layer.size
    short = min(w, h)
    draw = ImageDraw.Draw(layer)
    if "winter" in settings:
        values = _numbers(seed + b"snow", 3 * 260)
        for i in range(260):
            x, y = values[3 * i] * w, values[3 * i + 1] * h
            s = short / 220 + values[3 * i + 2] * short / 130
            draw.ellipse((x - s, y - s, x + s, y + s), fill=(255, 255, 255, 235), outline=(200, 210, 230, 200))
    if "rain" in settings:
        values = _numbers(seed + b"rain", 3 * 240)
        for i in range(240):
            x, y = values[3 * i] * w * 1.1, values[3 * i + 1] * h
            length = short * (0.03 + 0.04 * values[3 * i + 2])
            draw.line((x, y, x - length * 0.3, y + length), fill=(215, 230, 255, 190), width=max(2, short // 400))
    if "autumn" in settings:
        _leaves(layer, seed + b"falling", 26, ground=False, avoid=avoid)


_LEAF_COLOURS = ((225, 95, 25), (200, 45, 30), (240, 170, 30), (150, 80, 35), (235, 130, 40))


def _leaves(image: Image.Image, seed: bytes, count: int, ground: bool, avoid: Image.Image | None = None) -> Image.Image:
    w, h = image.size
    short = min(w, h)
    draw = ImageDraw.Draw(image)
    values = _numbers(seed, 5 * count)
    for i in range(count):
        x = values[5 * i] * w
        y = (0.7 + 0.3 * values[5 * i + 1]) * h if ground else values[5 * i + 1] * h
        size = short * (0.012 + 0.014 * values[5 * i + 2])
        angle = values[5 * i + 3] * 180
        colour = _LEAF_COLOURS[int(values[5 * i + 4] * len(_LEAF_COLOURS))]
        fill = colour if image.mode == "RGB" else (*colour, 245)
        if avoid is not None and avoid.getpixel((min(w - 1, int(x)), min(h - 1, int(y))))[3]:
            continue  # not over a character's face
        draw.polygon(ellipse_points(x, y, size, size * 0.45, angle, n=12), fill=fill)
        a = math.radians(-angle)
        draw.line((x - size * math.cos(a), y - size * math.sin(a), x + size * math.cos(a), y + size * math.sin(a)),
                  fill=(90, 40, 10) if image.mode == "RGB" else (90, 40, 10, 255), width=max(1, short // 600))
    return image


# ---------------------------------------------------------------------------------------------
# Styles


def apply_style(image: Image.Image, style: str | None, seed: bytes, figures: Image.Image | None = None) -> Image.Image:
    """Re-render a picture in `style`; return RGB. None and "3D digital art" keep the default look.

    `image` is the RGB background; `figures` (RGBA, optional) the characters over it. They are
    styled separately where a style flattens colours, so a character keeps its colours and shape.
    """
    w, h = image.size
    figures = figures if figures is not None else Image.new("RGBA", (w, h), (0, 0, 0, 0))
    if style == "watercolour":
        soft = figures.resize((max(8, w // 3), max(8, h // 3)), Image.Resampling.BOX).resize((w, h), Image.Resampling.BICUBIC)
        return _watercolour(_over(_watercolour_wash(image), soft), seed)
    if style == "paper cut-out":
        return _paper_cut(image, figures, seed)
    if style == "pixel art":
        return _pixel_art(image, figures)
    if style == "pencil sketch":
        return _pencil(_over(image, figures), seed)
    if style == "oil painting":
        return _oil(_over(image, figures), seed)
    if style == "comic":
        return _comic(image, figures)
    return _over(image, figures)


def _over(image: Image.Image, figures: Image.Image) -> Image.Image:
    return Image.alpha_composite(image.convert("RGBA"), figures).convert("RGB")


def _shadow(figures: Image.Image, offset: int, strength: int) -> Image.Image:
    """A soft drop shadow (L, 255 = no shadow) of the figures, down and right."""
    alpha = ImageChops.offset(figures.getchannel("A"), offset, offset)
    alpha = alpha.filter(ImageFilter.GaussianBlur(max(1, offset * 0.7)))
    return alpha.point(lambda v: 255 - v * strength // 255)


def _paper(width: int, height: int, seed: bytes, low: int = 225) -> Image.Image:
    """A light paper texture (L): fine fibres over a faint blotchy tone."""
    fibre = _smooth(width, height, max(64, width // 3), seed + b"fibre").point(lambda v: low + (v * (255 - low)) // 255)
    tone = _smooth(width, height, 6, seed + b"tone").point(lambda v: 235 + v * 20 // 255)
    return ImageChops.multiply(fibre, tone)


def _watercolour_wash(image: Image.Image) -> Image.Image:
    """The background as a soft, pale wash."""
    w, h = image.size
    small = image.resize((max(8, w // 6), max(8, h // 6)), Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1.2))
    soft = ImageEnhance.Color(small.resize((w, h), Image.Resampling.BICUBIC)).enhance(1.2)
    return Image.blend(soft, Image.new("RGB", (w, h), (252, 249, 240)), 0.38)


def _watercolour(image: Image.Image, seed: bytes) -> Image.Image:
    """Pigment pooling at colour edges, an uneven wash and paper grain over everything."""
    w, h = image.size
    small = image.resize((max(8, w // 6), max(8, h // 6)), Image.Resampling.BOX)
    edges = small.convert("L").filter(ImageFilter.FIND_EDGES).resize((w, h), Image.Resampling.BICUBIC)
    edges = edges.point(lambda v: 255 - min(90, v * 2))
    washed = ImageChops.multiply(image, Image.merge("RGB", (edges, edges, edges)))
    blotch = _smooth(w, h, 14, seed + b"blotch").point(lambda v: 215 + v * 40 // 255)
    paper = ImageChops.multiply(_paper(w, h, seed, 215), blotch)
    return ImageChops.multiply(washed, Image.merge("RGB", (paper, paper, paper)))


def _quantized(image: Image.Image, colours: int, scale: int) -> Image.Image:
    """Flat colour regions with smooth outlines: palette from a small copy, applied at full size."""
    w, h = image.size
    small = image.resize((max(8, w // scale), max(8, h // scale)), Image.Resampling.BOX)
    smooth = small.filter(ImageFilter.GaussianBlur(0.8)).resize((w, h), Image.Resampling.BICUBIC)
    palette = small.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return smooth.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB")


def _paper_cut(image: Image.Image, figures: Image.Image, seed: bytes) -> Image.Image:
    w, h = image.size
    flat = _quantized(ImageEnhance.Color(image).enhance(1.3), 6, 8)
    # Brighter layers sit on top and cast a soft shadow down-right onto the layers below.
    height_map = flat.convert("L")
    offset = max(3, min(w, h) // 110)
    shifted = ImageChops.offset(height_map, offset, offset)
    shadow = ImageChops.subtract(shifted, height_map).point(lambda v: 255 if v > 6 else 0)
    shadow = shadow.filter(ImageFilter.GaussianBlur(offset * 0.6)).point(lambda v: 255 - v * 45 // 100)
    shadow = ImageChops.multiply(shadow, _shadow(figures, offset * 2, 150))
    out = ImageChops.multiply(flat, Image.merge("RGB", (shadow, shadow, shadow)))
    out = _over(out, figures)
    paper = _paper(w, h, seed, 200)
    return ImageChops.multiply(out, Image.merge("RGB", (paper, paper, paper)))


@functools.lru_cache(maxsize=8)
def _pixel_grid(width: int, height: int, block: int) -> Image.Image:
    grid = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(grid)
    for x in range(0, width, block):
        draw.line((x, 0, x, height), fill=222)
    for y in range(0, height, block):
        draw.line((0, y, width, y), fill=222)
    return Image.merge("RGB", (grid, grid, grid))


def _pixel_art(image: Image.Image, figures: Image.Image) -> Image.Image:
    w, h = image.size
    block = max(4, min(w, h) // 64)
    size = (max(4, w // block), max(4, h // block))
    small = ImageEnhance.Color(image.resize(size, Image.Resampling.BOX)).enhance(1.35)
    small = small.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).convert("RGB")
    sprites = figures.convert("RGBa").resize(size, Image.Resampling.BOX).convert("RGBA")
    alpha = sprites.getchannel("A").point(lambda v: 255 if v >= 110 else 0)
    opaque = sprites.convert("RGB")
    small = Image.composite(opaque, small, alpha)
    big = small.resize((size[0] * block, size[1] * block), Image.Resampling.NEAREST)
    out = Image.new("RGB", (w, h), (0, 0, 0))
    out.paste(big, (0, 0))
    return ImageChops.multiply(out, _pixel_grid(w, h, block))


@functools.lru_cache(maxsize=8)
def _hatching(width: int, height: int, gap: int) -> Image.Image:
    hatch = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(hatch)
    for x in range(-height, width, gap):
        draw.line((x, height, x + height, 0), fill=120, width=1)
    return hatch


def _pencil(image: Image.Image, seed: bytes) -> Image.Image:
    w, h = image.size
    grey = image.convert("L")
    small = grey.resize((max(8, w // 2), max(8, h // 2)), Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1))
    lines = small.filter(ImageFilter.FIND_EDGES).resize((w, h), Image.Resampling.BILINEAR)
    lines = lines.point(lambda v: 255 - min(240, v * 8))
    tone = grey.point(lambda v: 105 + v * 150 // 255)
    dark = grey.point(lambda v: 255 if v < 100 else 0).filter(ImageFilter.GaussianBlur(2))
    hatched = Image.composite(_hatching(w, h, max(5, min(w, h) // 110)), Image.new("L", (w, h), 255), dark)
    out = ImageChops.multiply(ImageChops.multiply(tone, lines), hatched)
    out = ImageChops.multiply(out, _paper(w, h, seed, 230))
    return ImageOps.colorize(out, black=(35, 35, 40), white=(250, 248, 242))


def _oil(image: Image.Image, seed: bytes) -> Image.Image:
    w, h = image.size
    small = image.resize((max(8, w // 4), max(8, h // 4)), Image.Resampling.BOX).filter(ImageFilter.ModeFilter(3))
    paint = small.resize((w, h), Image.Resampling.BICUBIC)
    paint = ImageEnhance.Contrast(ImageEnhance.Color(paint).enhance(1.5)).enhance(1.15)
    # Brush strokes: stretched noise, embossed into the paint as relief.
    strokes = Image.frombytes("L", (max(8, w // 3), max(8, h // 18)), _noise(seed + b"strokes", max(8, w // 3) * max(8, h // 18)))
    strokes = strokes.resize((w, h), Image.Resampling.BICUBIC).rotate(-20, resample=Image.Resampling.BILINEAR, expand=False,
                                                                     fillcolor=128)
    relief = strokes.filter(ImageFilter.EMBOSS)
    relief = Image.merge("RGB", (relief, relief, relief))
    return ImageChops.add(paint, relief.point(lambda v: v * 70 // 255), offset=-35)


@functools.lru_cache(maxsize=8)
def _dots(width: int, height: int, gap: int) -> Image.Image:
    dots = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(dots)
    r = gap * 0.28
    for row, y in enumerate(range(0, height + gap, gap)):
        for x in range(-gap, width + gap, gap):
            cx = x + (gap // 2 if row % 2 else 0)
            draw.ellipse((cx - r, y - r, cx + r, y + r), fill=190)
    return Image.merge("RGB", (dots, dots, dots))


def _dilate(mask: Image.Image, radius: int) -> Image.Image:
    """Grow a 0/255 mask by about `radius` pixels (a box blur and a threshold: fast)."""
    return mask.filter(ImageFilter.BoxBlur(radius)).point(lambda v: 255 if v > 20 else 0)


def _comic(image: Image.Image, figures: Image.Image) -> Image.Image:
    w, h = image.size
    thick = 5 if min(w, h) >= 700 else 3
    flat = _quantized(ImageEnhance.Color(image).enhance(1.6), 6, 8)
    flat = ImageEnhance.Contrast(flat).enhance(1.15)
    edges = flat.convert("L").filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v > 24 else 0)
    ink = Image.new("RGB", (w, h), (15, 15, 20))
    inked = Image.composite(ink, flat, _dilate(edges, thick // 2))
    inked = ImageChops.multiply(inked, _dots(w, h, max(6, min(w, h) // 90)))
    # Characters: bold colours inside a thick ink silhouette.
    alpha = figures.getchannel("A").point(lambda v: 255 if v > 100 else 0)
    outline = _dilate(alpha, thick // 2 + 2)
    inked = Image.composite(ink, inked, outline)
    bold = ImageEnhance.Color(figures.convert("RGB")).enhance(1.4).convert("RGBA")
    bold.putalpha(figures.getchannel("A"))
    return _over(inked, bold)
