"""Deterministic placeholder pictures for the stand-in API (Pillow only).

Each scene has a photo-like background (smooth multi-scale colour noise plus film grain, seeded
from a hash of the prompt without its style and setting words, so a PNG is about as big as a real
Gemini photo), a bold "STAND-IN · not a Gemini image" banner, the prompt's key words, the model
name, and its characters (see creatures.py) with their names under them, the same in every scene.
Settings (winter, night, rain, autumn) and styles (watercolour, pixel art...) come from styles.py;
labels (style, time and place, "grounded") stack in the top-right corner.

Other pictures: an edit (the input image tinted / restyled, captioned with the instruction), a
character sheet (front, side, back on a plain background, with a code strip, see charcode.py), a
recipe step (big step number, dish name, a kitchen picture), a labelled diagram and a bar chart.

Same inputs give byte-identical PNGs with the same Pillow (bundled font, no system fonts, no
`effect_noise`, which uses the C library's unseeded `rand()`).
"""

from __future__ import annotations

import collections
import colorsys
import functools
import hashlib
import io
import math
import threading
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from . import charcode, creatures, styles
from .creatures import Character

BANNER = "STAND-IN · not a Gemini image"
GRAIN = 2  # film grain amplitude (± levels per channel); sets how photo-like the PNG size is
SHAPES = ("circle", "square", "triangle", "diamond", "hexagon", "star")

RGB = creatures.RGB
_K = TypeVar("_K")


@dataclass(frozen=True)
class Scene:
    """What one placeholder picture shows."""

    width: int
    height: int
    model: str
    prompt: str  # seeds the background (the whole prompt text)
    keywords: tuple[str, ...]
    subject: str | None
    caption: str = ""  # e.g. "Scene 2 of 4"; shown in the footer
    index: int = 0  # scene number (0-based), moves the characters and reseeds the details
    count: int = 1
    quoted: str | None = None  # text the prompt asks to see written
    draft: bool = False  # a thought "draft" image
    characters: tuple[Character, ...] = ()  # drawn instead of the subject word when given
    style: str | None = None  # see styles.STYLE_NAMES
    settings: tuple[str, ...] = ()  # winter, autumn, rain, night
    beat: str | None = None  # a story beat, written over the key words
    chips: tuple[str, ...] = ()  # labels stacked in the top-right corner (time and place, grounded)
    reference: bytes | None = None  # an input image shown as a small "reference" inset
    prop: str | None = None  # a thing the first character has (a kite), drawn small beside it, labelled


@dataclass(frozen=True)
class Edit:
    """An edit of input images: the first is the background, others become insets."""

    width: int
    height: int
    model: str
    instruction: str
    sources: tuple[bytes, ...]  # encoded input images
    tint: RGB | None = None  # None: a hue from the instruction's hash (unless a style/setting applies)
    subject: str | None = None  # a thing the instruction names: drawn small, as "added"
    style: str | None = None
    settings: tuple[str, ...] = ()
    chips: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """A character sheet: each character from the front, side and back on a plain background."""

    width: int
    height: int
    model: str
    characters: tuple[Character, ...]
    descriptions: tuple[str, ...]  # "a small green turtle with a red scarf", one per character
    style: str | None = None
    chips: tuple[str, ...] = ()
    reference: bytes | None = None


@dataclass(frozen=True)
class Step:
    """One recipe step: a big step number, the dish name, a kitchen picture and the action."""

    width: int
    height: int
    model: str
    dish: str
    number: int
    count: int
    action: str  # "Heat the pan"
    icon: str  # board, pan, pot, bowl, spoon, herbs, plate, tin, oven, rack
    style: str | None = None
    chips: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagram:
    """A labelled diagram (callouts with arrows around the topic) or, with `bars`, a bar chart."""

    width: int
    height: int
    model: str
    title: str
    labels: tuple[str, ...] = ()
    cycle: bool = False  # arrows from label to label (a cycle) instead of towards the centre
    bars: tuple[tuple[str, str, float], ...] = ()  # (label, number as written, value)
    centre: Character | None = None  # drawn in the middle of a diagram (a creature or a token)
    chips: tuple[str, ...] = ()
    style: str | None = None
    subtitle: str = "labelled diagram"


class _PngCache:
    """A small thread-safe cache of drawn PNGs, bounded by total bytes (chats resend requests)."""

    def __init__(self, max_bytes: int = 96 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: collections.OrderedDict[object, bytes] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, draw: Callable[[_K], bytes]) -> Callable[[_K], bytes]:
        """Decorate a one-argument drawing function."""

        @functools.wraps(draw)
        def cached(key: _K) -> bytes:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
            png = draw(key)
            with self._lock:
                self._items[key] = png
                while sum(map(len, self._items.values())) > self.max_bytes and len(self._items) > 1:
                    self._items.popitem(last=False)
            return png

        cached.cache_clear = self.clear  # type: ignore[attr-defined]
        return cached

    def clear(self) -> None:
        """Forget everything (tests use it to draw again)."""
        with self._lock:
            self._items.clear()


_png_cache = _PngCache()


def digest(*parts: object, size: int = 32) -> bytes:
    """Return a deterministic hash of `parts` (any values with a stable `str`)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:size]


def noise_bytes(seed: bytes, size: int) -> bytes:
    """Return `size` deterministic pseudo-random bytes."""
    return hashlib.shake_256(seed).digest(size)


# ---------------------------------------------------------------------------------------------
# Text


@functools.lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font at `size` pixels (the same on every machine)."""
    face = ImageFont.load_default(size=max(8, size))
    if not isinstance(face, ImageFont.FreeTypeFont):
        raise RuntimeError("the stand-in needs Pillow built with FreeType (pip wheels are)")
    return face


@functools.lru_cache(maxsize=1024)
def _has_glyph(char: str) -> bool:
    """True when the bundled font draws `char` (missing glyphs render as the .notdef box)."""
    return char.isspace() or _glyph_pixels(char) != _glyph_pixels("\uffff")


@functools.lru_cache(maxsize=1024)
def _glyph_pixels(char: str) -> bytes:
    """The pixels of `char` drawn alone at 32 px."""
    image = Image.new("L", (64, 64))
    ImageDraw.Draw(image).text((8, 8), char, font=font(32), fill=255)
    return image.tobytes()


def printable(text: str) -> str:
    """Make `text` drawable with the bundled font: accents stripped, other scripts marked.

    A run of characters the font lacks (CJK, emoji...) becomes "[non-Latin text]", one becomes "?".
    """
    out: list[str] = []
    missing = 0
    for char in text + " ":
        if not _has_glyph(char):
            base = unicodedata.normalize("NFKD", char)[:1]
            fallback = {"×": "x", "–": "-", "—": "-", "…": "..."}.get(char)
            if base and base != char and _has_glyph(base):
                char = base
            elif fallback:
                char = fallback
            else:
                missing += 1
                continue
        if missing:
            out.append("?" if missing == 1 else "[non-Latin text]")
            missing = 0
        out.append(char)
    return "".join(out)[:-1]


def _text_block(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    centre_x: int,
    top: int,
    size: int,
    fill: RGB = (255, 255, 255),
    box: tuple[int, int, int, int] | None = (0, 0, 0, 150),
) -> int:
    """Draw centred `lines` on a translucent box; return the y below the block."""
    face = font(size)
    gap = size // 4
    widths = [int(draw.textlength(line, font=face)) for line in lines]
    height = len(lines) * (size + gap) - gap
    pad = size // 2
    if box is not None and lines:
        width = max(widths)
        draw.rounded_rectangle(
            (centre_x - width // 2 - pad, top - pad // 2, centre_x + width // 2 + pad, top + height + pad),
            radius=pad,
            fill=box,
        )
    y = top
    for line, width in zip(lines, widths):
        draw.text((centre_x - width // 2, y), line, font=face, fill=fill)
        y += size + gap
    return top + height + pad


def _wrap(text: str, width_px: int, size: int, max_lines: int = 3) -> list[str]:
    """Word-wrap `text` to lines at most `width_px` wide at font `size` ("..." if cut short)."""
    face = font(size)
    lines: list[str] = []
    for word in printable(text).split():
        while face.getlength(word) > width_px and len(word) > 1:  # an over-long word: cut it
            word = word[:-1]
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and face.getlength(trial) <= width_px:
            lines[-1] = trial
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and face.getlength(lines[-1] + " ...") > width_px:
            lines[-1] = lines[-1].rsplit(" ", 1)[0] if " " in lines[-1] else lines[-1][:-1]
        lines[-1] += " ..."
    return lines or [""]


def _banner(draw: ImageDraw.ImageDraw, width: int, height: int, label: str = BANNER) -> int:
    """The bold yellow STAND-IN banner across the top; return the y below it."""
    size = max(12, min(width // 20, height // 12))
    band = int(size * 1.9)
    draw.rectangle((0, 0, width, band), fill=(255, 213, 0, 235))
    draw.rectangle((0, band, width, band + max(2, size // 10)), fill=(20, 20, 20, 255))
    face = font(size)
    text_width = draw.textlength(label, font=face)
    if text_width > width * 0.94:  # long label on a narrow picture: shrink to fit
        face = font(int(size * width * 0.94 / text_width))
        text_width = draw.textlength(label, font=face)
    draw.text(
        ((width - text_width) / 2, (band - face.size) / 2 - face.size * 0.1),
        label,
        font=face,
        fill=(15, 15, 15),
        stroke_width=max(1, size // 28),
        stroke_fill=(15, 15, 15),
    )
    return band + max(2, size // 10)


def _footer(draw: ImageDraw.ImageDraw, width: int, height: int, text: str) -> None:
    """A small line of facts (model, scene, size) along the bottom."""
    size = max(10, min(width, height) // 42)
    face = font(size)
    text = printable(text)
    text_width = draw.textlength(text, font=face)
    y = height - size - size // 2
    draw.rectangle((0, y - size // 3, width, height), fill=(10, 10, 10, 255))
    draw.text(((width - text_width) / 2, y), text, font=face, fill=(235, 235, 235))


# ---------------------------------------------------------------------------------------------
# Background


def _hue(seed: bytes) -> float:
    """A base hue in [0, 1) from a seed."""
    return seed[0] / 256


def photo_background(width: int, height: int, seed: bytes, detail_seed: bytes | None = None) -> Image.Image:
    """A smooth, photo-like RGB background: colour fields, blobs, texture, vignette and grain.

    `seed` sets the palette and the large shapes; `detail_seed` (default `seed`) the smaller ones,
    so the scenes of one story share a palette but differ in detail. The smooth layers are mixed
    at a quarter of the size and enlarged once (fast); only the grain is full size.
    """
    detail_seed = detail_seed or seed
    w, h = max(8, width // 4), max(8, height // 4)
    hue = _hue(seed)
    # Large colour fields in HSV around one hue, with a sky-to-ground brightness slope.
    cells_w, cells_h = 4, max(2, round(4 * height / width))
    raw = noise_bytes(seed + b"fields", cells_w * cells_h * 3)
    hsv = bytearray()
    for i in range(cells_w * cells_h):
        row = i // cells_w
        r_h, r_s, r_v = raw[3 * i : 3 * i + 3]
        hue_i = (hue + (r_h - 128) / 256 * 0.22) % 1.0
        sat = 0.25 + r_s / 255 * 0.45
        val = 0.85 - 0.45 * row / max(1, cells_h - 1) + (r_v - 128) / 255 * 0.25
        hsv += bytes((int(hue_i * 255), int(sat * 255), int(max(0.1, min(1.0, val)) * 255)))
    fields = Image.frombytes("HSV", (cells_w, cells_h), bytes(hsv)).convert("RGB")
    image = fields.resize((w, h), Image.Resampling.BICUBIC)

    # Colour blobs, then grey texture in two octaves (photos vary in brightness more than hue).
    image = _add_signed(image, _smooth_noise("RGB", w, h, 9, detail_seed + b"blobs"), 56)
    for cells, amplitude, tag in ((48, 40, b"texture"), (160, 22, b"fine")):
        layer = _smooth_noise("L", w, h, cells, detail_seed + tag)
        image = _add_signed(image, Image.merge("RGB", (layer, layer, layer)), amplitude)

    # A soft vignette, as lenses give.
    shade = Image.radial_gradient("L").resize((w, h), Image.Resampling.BILINEAR)
    shade = shade.point(lambda v: 255 - max(0, v - 150) // 2)
    image = ImageChops.multiply(image, Image.merge("RGB", (shade, shade, shade)))
    return add_grain(image.resize((width, height), Image.Resampling.BICUBIC), detail_seed)


def _smooth_noise(mode: str, width: int, height: int, cells: int, seed: bytes) -> Image.Image:
    """Random values on a `cells`-wide grid, smoothly enlarged to `width` x `height`."""
    cw, ch = cells, max(2, round(cells * height / width))
    small = Image.frombytes(mode, (cw, ch), noise_bytes(seed, cw * ch * len(mode)))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def add_grain(image: Image.Image, seed: bytes) -> Image.Image:
    """Add the same kind of film grain as the backgrounds to an existing picture.

    The grain is a window, placed by `seed`, into one larger noise field per picture size
    (cached: hashing fresh noise for every picture was a tenth of the drawing time).
    """
    width, height = image.size
    x, y = seed[0] % _GRAIN_SLACK, seed[1] % _GRAIN_SLACK
    grain = _grain_field(width, height).crop((x, y, x + width, y + height))
    return _add_signed(image, grain, GRAIN * 2)


_GRAIN_SLACK = 97


@functools.lru_cache(maxsize=4)
def _grain_field(width: int, height: int) -> Image.Image:
    size = (width + _GRAIN_SLACK, height + _GRAIN_SLACK)
    return Image.frombytes("RGB", size, noise_bytes(b"stand-in grain", size[0] * size[1] * 3))


@functools.lru_cache(maxsize=64)
def _lut(span: int) -> list[int]:
    """Map 0..255 onto 0..span (three bands)."""
    return [v * span // 255 for v in range(256)] * 3


def _add_signed(image: Image.Image, noise: Image.Image, span: int) -> Image.Image:
    """Add `noise` (0..255 per channel) scaled to ±span/2 to `image`, clipping."""
    return ImageChops.add(image, noise.point(_lut(span)), offset=-(span // 2))


# ---------------------------------------------------------------------------------------------
# Subject and characters


def subject_look(word: str) -> tuple[str, RGB]:
    """The token shape and colour for a subject word (same word, same look).

    A creature word ("fox", "kitten") gets its natural colour; any other word a hashed one.
    """
    h = digest("subject", word.lower())
    kind = creatures.kind_of(word)
    if kind and kind != "person":
        return SHAPES[h[0] % len(SHAPES)], creatures.KINDS[kind].colour
    r, g, b = colorsys.hsv_to_rgb(h[1] / 256, 0.65 + h[2] / 256 * 0.3, 0.75 + h[3] / 256 * 0.25)
    return SHAPES[h[0] % len(SHAPES)], (int(r * 255), int(g * 255), int(b * 255))


def character_for(word: str) -> Character:
    """An unnamed character for a bare subject word: a creature if it is one, else a token."""
    kind = creatures.kind_of(word)
    return Character(word, kind, subject_look(word)[1], named=False, noun=word)


def _figure(draw: ImageDraw.ImageDraw, character: Character, cx: float, cy: float, r: float, view: str = "front") -> None:
    """Draw a character's body (no name) at (cx, cy), size r."""
    r *= character.scale
    if any(t.startswith(("bigger", "taller")) for t in character.traits):
        r *= 1.15
    elif any(t.startswith(("smaller", "shorter", "tinier")) for t in character.traits):
        r *= 0.85
    if character.kind is None and not character.named:
        creatures.draw_token(draw, subject_look(character.name)[0], character.colour, cx, cy, r)
        return
    h = digest("person", character.name.lower())
    hair = ((70, 45, 30), (30, 25, 25), (200, 150, 60), (160, 70, 30), (90, 60, 40))[h[0] % 5]
    skin = ((240, 200, 160), (200, 150, 110), (150, 100, 70), (250, 215, 185), (120, 80, 55))[h[1] % 5]
    creatures.draw_character(draw, character.kind, character.colour, character.accessories, cx, cy, r, view,
                             character.traits, hair=hair, skin=skin)


def _name_tag(draw: ImageDraw.ImageDraw, character: Character, cx: float, y: float, size: int) -> None:
    """The character's name under it (and what a retelling changed)."""
    text = printable(character.name)
    if character.traits:
        text += " · " + ", ".join(character.traits)
    _text_block(draw, [text], int(cx), int(y), size, box=(0, 0, 0, 150))


def draw_subject(draw: ImageDraw.ImageDraw, word: str, cx: float, cy: float, r: float) -> None:
    """Draw a subject word as a creature or token, with its name below."""
    character = character_for(word)
    _figure(draw, character, cx, cy, r)
    _name_tag(draw, character, cx, cy + r * 1.12, max(12, int(r * 0.32)))


# ---------------------------------------------------------------------------------------------
# Labels


def _chips(draw: ImageDraw.ImageDraw, width: int, top: int, short: int, chips: tuple[str, ...]) -> int:
    """Labels stacked in the top-right corner ("style: watercolour", "grounded ...").

    A two-line chip is a caption box (place, then time), drawn larger, its first line bold.
    """
    y = top + short // 50
    for chip in chips:
        lines = chip.split("\n")
        caption = len(lines) > 1
        size = max(12, short // (24 if caption else 34))
        face = font(size)
        widths = [draw.textlength(printable(line), font=face) for line in lines]
        box_w, box_h = max(widths) + size, len(lines) * (size + size // 4) + size // 2
        x1 = width - short // 50
        x0 = x1 - box_w
        draw.rounded_rectangle((x0, y, x1, y + box_h), radius=size // 3, fill=(255, 252, 238, 240),
                               outline=(30, 30, 30, 255), width=max(1, size // (8 if caption else 10)))
        for i, line in enumerate(lines):
            bold = max(1, size // 22) if caption and i == 0 else 0
            draw.text((x0 + size / 2, y + size / 4 + i * (size + size // 4)), printable(line), font=face, fill=(20, 20, 20),
                      stroke_width=bold, stroke_fill=(20, 20, 20))
        y += box_h + size // 3
    return y


def _number_badge(draw: ImageDraw.ImageDraw, number: int, cx: float, cy: float, r: float) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, 235), outline=(20, 20, 20, 255),
                 width=max(3, int(r / 12)))
    face = font(int(r * 1.2))
    text = str(number)
    draw.text((cx - draw.textlength(text, font=face) / 2, cy - r * 0.62), text, font=face, fill=(20, 20, 20))


def _inset(overlay: Image.Image, data: bytes, x: int, y: int, size: int, label: str) -> None:
    """A small copy of an input image with a white border and a label under it."""
    draw = ImageDraw.Draw(overlay)
    thumb = ImageOps.contain(open_image(data), (size, size), Image.Resampling.BICUBIC)
    x += size - thumb.width
    y += size - thumb.height
    border = max(3, size // 40)
    draw.rectangle((x - border, y - border, x + thumb.width + border, y + thumb.height + border), fill=(255, 255, 255, 255),
                   outline=(20, 20, 20, 255), width=1)
    overlay.paste(thumb.convert("RGBA"), (x, y))
    tag = max(12, size // 9)
    face = font(tag)
    tw = draw.textlength(label, font=face)
    draw.rectangle((x, y + thumb.height - tag - tag // 2, x + tw + tag, y + thumb.height), fill=(20, 20, 20, 230))
    draw.text((x + tag / 2, y + thumb.height - tag - tag // 4), label, font=face, fill=(255, 255, 255))


def _style_chip(style: str | None) -> tuple[str, ...]:
    return (f"style: {style}",) if style else ()


# ---------------------------------------------------------------------------------------------
# Pictures


def to_png(image: Image.Image) -> bytes:
    """Encode as PNG (no metadata, so bytes depend only on the pixels)."""
    buffer = io.BytesIO()
    # Fast: photo-like data barely shrinks more; run-length matching beats full deflate on grain.
    image.save(buffer, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return buffer.getvalue()


def _finish(art: Image.Image, overlay: Image.Image) -> bytes:
    return to_png(Image.alpha_composite(art.convert("RGBA"), overlay).convert("RGB"))


def character_layout(width: int, height: int, index: int, scenes: int, count: int) -> tuple[list[float], float, float]:
    """x of each of `count` characters in scene `index` of `scenes`, their centre y and size r.

    They walk left to right across a story's scenes; a character's body centre, (x, y + 0.3 r·scale),
    is plain body colour in the default style.
    """
    w, h = width, height
    short = min(w, h)
    r = short * (0.17, 0.17, 0.14, 0.11)[min(count, 3)]
    travel = (0.25, 0.5) if count <= 1 else (0.34, 0.32)
    base = w * (travel[0] + travel[1] * index / (scenes - 1)) if scenes > 1 else w * 0.5
    spacing = r * 2.5
    xs = [base + (i - (count - 1) / 2) * spacing for i in range(count)]
    shift = max(0.0, r * 1.25 - xs[0]) if xs else 0.0
    shift -= max(0.0, xs[-1] - (w - r * 1.25)) if xs else 0.0
    return [x + shift for x in xs], h * 0.37, r


@_png_cache
def draw_scene(scene: Scene) -> bytes:
    """Draw one placeholder picture; return PNG bytes."""
    w, h = scene.width, scene.height
    seed = digest("background", scene.prompt)
    art = photo_background(w, h, seed, digest("detail", scene.prompt, scene.index))
    art = styles.tint_for_setting(art, scene.settings, digest("setting", scene.prompt, scene.index))
    figures = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    fig_draw = ImageDraw.Draw(figures)
    short = min(w, h)
    cast = list(scene.characters) or ([character_for(scene.subject)] if scene.subject else [])
    xs, cy, r = character_layout(w, h, scene.index, scene.count, len(cast))
    for character, cx in zip(cast, xs):
        _figure(fig_draw, character, cx, cy, r)
    prop_at = None
    if scene.prop and cast:
        side = 1 if xs[-1] < w * 0.75 else -1
        prop_at = (xs[-1] + side * r * 1.25, cy + r * 0.45, r * 0.32)
        creatures.draw_token(fig_draw, subject_look(scene.prop)[0], subject_look(scene.prop)[1], *prop_at)
    weather = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    styles.add_weather(weather, scene.settings, digest("weather", scene.prompt, scene.index), avoid=figures)
    if scene.style == "pixel art":  # snowflakes become pixels too; other styles would smudge them
        art = styles.apply_style(art, scene.style, seed, Image.alpha_composite(figures, weather))
    else:
        art = Image.alpha_composite(styles.apply_style(art, scene.style, seed, figures).convert("RGBA"), weather)

    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for character, cx in zip(cast, xs):
        _name_tag(draw, character, cx, cy + r * 1.12, max(12, int(r * (0.32 if len(cast) == 1 else 0.36))))
    if prop_at is not None and scene.prop:
        px, py, pr = prop_at
        _text_block(draw, [printable(scene.prop)], int(px), int(py + pr * 1.2), max(11, int(r * 0.2)), box=(0, 0, 0, 130))

    size = max(14, short // (17 if not cast else 21))
    text_cx, text_w = (w // 2, int(w * 0.86)) if scene.reference is None else (int(w * 0.38), int(w * 0.62))
    top = int(h * (0.64 if not cast else 0.66))
    if scene.quoted:
        quote_size = max(14, short // 14)
        top = _text_block(
            draw, _wrap(f"“{scene.quoted}”", int(w * 0.9), quote_size, 2), w // 2, int(h * 0.60),
            quote_size, fill=(255, 240, 160), box=(0, 0, 0, 170),
        ) + size // 3
    if scene.beat:
        beat_size = max(14, short // 26)
        top = _text_block(draw, _wrap(scene.beat, text_w, beat_size, 3), text_cx, top, beat_size,
                          fill=(255, 250, 225), box=(0, 0, 0, 170)) + beat_size // 3
        size = max(12, short // 34)
    words = " ".join(scene.keywords) or "(no key words)"
    _text_block(draw, _wrap(words, text_w, size, 2 if scene.beat else 3), text_cx, top, size)

    top = _banner(draw, w, h, "DRAFT · " + BANNER if scene.draft else BANNER)
    if scene.count > 1:  # a big scene number, top left
        badge = short // 14
        _number_badge(draw, scene.index + 1, short // 40 + badge, top + short // 40 + badge, badge)
    _chips(draw, w, top, short, _style_chip(scene.style) + scene.chips)
    if scene.reference is not None:
        inset = int(short * 0.26)
        footer = max(10, short // 42) * 2
        _inset(overlay, scene.reference, w - inset - short // 40, h - footer - inset - short // 40, inset, "reference")
    facts = [scene.model, f"{w}×{h}"]
    if scene.caption:
        facts.insert(1, scene.caption)
    _footer(draw, w, h, "   ·   ".join(facts))
    return _finish(art, overlay)


def _plain_background(width: int, height: int, colour: RGB = (246, 246, 241), grid: RGB = (228, 230, 234)) -> Image.Image:
    """A light, plain background with a faint grid (sheets, diagrams, charts)."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    step = max(16, min(width, height) // 16)
    for x in range(0, width, step):
        draw.line((x, 0, x, height), fill=grid)
    for y in range(0, height, step):
        draw.line((0, y, width, y), fill=grid)
    return image


def _title(draw: ImageDraw.ImageDraw, width: int, top: int, short: int, title: str, subtitle: str = "") -> int:
    """A dark title (and a grey subtitle) under the banner; return the y below."""
    size = max(16, short // 16)
    lines = _wrap(title, int(width * 0.9), size, 2)
    y = top + short // 40
    for line in lines:
        face = font(size)
        draw.text(((width - draw.textlength(line, font=face)) / 2, y), line, font=face, fill=(25, 25, 30))
        y += size + size // 4
    if subtitle:
        sub = max(12, short // 34)
        face = font(sub)
        text = printable(subtitle)
        draw.text(((width - draw.textlength(text, font=face)) / 2, y), text, font=face, fill=(90, 90, 100))
        y += sub + sub // 2
    return y


@_png_cache
def draw_sheet(sheet: Sheet) -> bytes:
    """A character sheet: front, side and back of each character, labelled, on a plain background."""
    w, h = sheet.width, sheet.height
    short = min(w, h)
    art = _plain_background(w, h)
    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = _banner(draw, w, h)
    names = " & ".join(c.name for c in sheet.characters) or "character"
    top = _title(draw, w, top, short, f"{names} · character sheet", "; ".join(sheet.descriptions))
    rows = max(1, len(sheet.characters[:2]))
    bottom = h - max(10, short // 42) * 2 - short // 8
    row_h = (bottom - top) / rows
    figures = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    fig_draw = ImageDraw.Draw(figures)
    label_size = max(12, short // 30)
    for row, character in enumerate(sheet.characters[:2]):
        r = min(w / 6.4, row_h * (0.4 if rows == 1 else 0.34)) / max(1.0, character.scale)
        cy = top + row_h * row + row_h * 0.46
        for column, view in enumerate(("front", "side", "back")):
            cx = w * (1 + 2 * column) / 6
            _figure(fig_draw, character, cx, cy, r, view)
            _text_block(draw, [view], int(cx), int(cy + r * 1.15), label_size, fill=(255, 255, 255), box=(30, 30, 40, 220))
    art = styles.apply_style(art, sheet.style, digest("sheet", names), figures)
    # Colour swatches: body and accessories, with their names.
    y = bottom + short // 40
    swatches = []
    for character in sheet.characters[:2]:
        swatches.append((f"{character.name}", character.colour))
        swatches += [(f"{character.name}'s {name}", colour) for name, colour in character.accessories]
    swatch = max(14, short // 22)
    face = font(max(11, short // 40))
    coded = bool(sheet.characters) and charcode.draw_code(draw, w, h, sheet.characters[0], max(10, short // 48))
    right = charcode._geometry(w, h)[1] - short // 30 if coded else w
    x = short // 30
    for label, colour in swatches[:6]:
        if x + swatch * 2 + draw.textlength(printable(label), font=face) > right:
            break
        draw.rounded_rectangle((x, y, x + swatch, y + swatch), radius=swatch // 5, fill=(*colour, 255),
                               outline=(30, 30, 30, 255), width=2)
        draw.text((x + swatch + swatch // 4, y + swatch // 5), printable(label), font=face, fill=(30, 30, 30))
        x += swatch + swatch // 2 + int(draw.textlength(printable(label), font=face)) + swatch // 2
    _chips(draw, w, top, short, _style_chip(sheet.style) + sheet.chips)
    if sheet.reference is not None:
        inset = int(short * 0.2)
        _inset(overlay, sheet.reference, w - inset - short // 40, bottom - inset, inset, "reference")
    _footer(draw, w, h, "   ·   ".join([sheet.model, "character sheet: front, side, back", f"{w}×{h}"]))
    return _finish(art, overlay)


_FOOD = ((200, 50, 35), (230, 120, 30), (235, 190, 60), (150, 90, 45), (90, 150, 60), (240, 225, 190))


def _kitchen(draw: ImageDraw.ImageDraw, icon: str, cx: float, cy: float, r: float, food: RGB, seed: bytes) -> None:
    """A simple kitchen picture for a recipe step."""
    pen = creatures._Pen(draw, r, (40, 35, 30))
    metal, dark, wood = (185, 190, 198), (55, 58, 64), (175, 120, 70)
    values = [b / 255 for b in noise_bytes(seed, 48)]
    if icon == "board":
        pen.rect(cx - r * 1.1, cy - r * 0.55, cx + r * 1.1, cy + r * 0.6, wood, radius=r * 0.12)
        for i in range(9):
            x, y = cx - r * 0.8 + values[i] * r * 1.1, cy - r * 0.3 + values[i + 9] * r * 0.6
            pen.rect(x, y, x + r * 0.16, y + r * 0.16, (food, (240, 200, 60), (90, 160, 60))[i % 3], radius=r * 0.03)
        pen.polygon([(cx + r * 0.45, cy - r * 0.35), (cx + r * 1.0, cy - r * 0.35), (cx + r * 1.0, cy - r * 0.15),
                     (cx + r * 0.45, cy - r * 0.2)], metal)
        pen.rect(cx + r * 0.15, cy - r * 0.36, cx + r * 0.47, cy - r * 0.2, dark, radius=r * 0.04)
    elif icon in ("pan", "pot"):
        for i in range(5):  # flames
            fx = cx - r * 0.6 + i * r * 0.3
            pen.polygon([(fx - r * 0.1, cy + r * 0.75), (fx + r * 0.1, cy + r * 0.75), (fx, cy + r * (0.45 + 0.1 * (i % 2)))],
                        (245, 130, 30))
        if icon == "pan":
            pen.line([(cx + r * 0.8, cy), (cx + r * 1.5, cy - r * 0.15)], dark, width=r * 0.14)
            pen.ellipse(cx, cy, r * 0.9, r * 0.45, dark)
            pen.ellipse(cx, cy - r * 0.05, r * 0.72, r * 0.32, food)
            for i in range(4):
                pen.ellipse(cx - r * 0.4 + values[i] * r * 0.8, cy - r * 0.15 + values[i + 4] * r * 0.2, r * 0.1, r * 0.07,
                            (250, 240, 220))
        else:
            pen.rect(cx - r * 0.8, cy - r * 0.45, cx + r * 0.8, cy + r * 0.45, metal, radius=r * 0.12)
            pen.ellipse(cx, cy - r * 0.45, r * 0.8, r * 0.16, food)
            for i in range(6):
                pen.ellipse(cx - r * 0.6 + values[i] * r * 1.2, cy - r * 0.47, r * 0.06, r * 0.04, (255, 255, 255))
            for i in range(3):
                x = cx - r * 0.4 + i * r * 0.4
                pen.line([(x, cy - r * 0.7), (x + r * 0.1, cy - r * 0.9), (x, cy - r * 1.1)], (240, 240, 240), width=r * 0.05)
    elif icon in ("bowl", "spoon", "herbs"):
        pen.draw.chord((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), 0, 180, fill=(235, 235, 240, 255), outline=pen.outline,
                       width=pen.width)
        pen.ellipse(cx, cy, r * 0.95, r * 0.2, food)
        if icon == "herbs":
            for i in range(7):
                pen.ellipse(cx - r * 0.7 + i * r * 0.23, cy - r * 0.1 - values[i] * r * 0.2, r * 0.12, r * 0.06, (60, 150, 60))
        pen.line([(cx + r * 0.2, cy + r * 0.05), (cx + r * 0.9, cy - r * 0.85)], wood, width=r * 0.1)
        pen.ellipse(cx + r * 0.2, cy + r * 0.02, r * 0.14, r * 0.09, wood)
    elif icon == "plate":
        pen.ellipse(cx, cy, r * 1.05, r * 0.6, (245, 245, 245))
        pen.ellipse(cx, cy, r * 0.7, r * 0.38, (230, 230, 235))
        pen.ellipse(cx, cy - r * 0.05, r * 0.5, r * 0.26, food)
        for i in range(5):
            pen.ellipse(cx - r * 0.3 + values[i] * r * 0.6, cy - r * 0.12 + values[i + 5] * r * 0.1, r * 0.08, r * 0.05,
                        (70, 150, 60))
    elif icon == "tin":
        pen.polygon([(cx - r * 0.9, cy - r * 0.35), (cx + r * 0.9, cy - r * 0.35), (cx + r * 0.75, cy + r * 0.45),
                     (cx - r * 0.75, cy + r * 0.45)], metal)
        pen.ellipse(cx, cy - r * 0.35, r * 0.85, r * 0.12, food)
    elif icon == "oven":
        pen.rect(cx - r, cy - r * 0.8, cx + r, cy + r * 0.8, (215, 215, 220), radius=r * 0.08)
        pen.rect(cx - r * 0.75, cy - r * 0.4, cx + r * 0.75, cy + r * 0.6, (60, 40, 30), radius=r * 0.06)
        pen.rect(cx - r * 0.6, cy - r * 0.25, cx + r * 0.6, cy + r * 0.45, (245, 150, 50), radius=r * 0.04)
        pen.ellipse(cx, cy + r * 0.2, r * 0.45, r * 0.15, food)
        for i in range(4):
            pen.ellipse(cx - r * 0.6 + i * r * 0.4, cy - r * 0.6, r * 0.08, r * 0.08, dark)
    else:  # rack
        for i in range(6):
            pen.line([(cx - r, cy - r * 0.3 + i * r * 0.12), (cx + r, cy - r * 0.3 + i * r * 0.12)], metal, width=r * 0.03)
        pen.rect(cx - r * 0.6, cy - r * 0.35, cx + r * 0.6, cy + r * 0.15, food, radius=r * 0.15)


@_png_cache
def draw_step(step: Step) -> bytes:
    """One recipe step: big step number, dish name, a kitchen picture, the action."""
    w, h = step.width, step.height
    short = min(w, h)
    seed = digest("dish", step.dish)
    art = photo_background(w, h, seed, digest("step", step.dish, step.number))
    art = Image.blend(art, Image.new("RGB", (w, h), (246, 236, 214)), 0.55)
    h_food = digest("food", step.dish)
    food = next((c for word, c in _colour_words(step.dish)), _FOOD[h_food[0] % len(_FOOD)])
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    _kitchen(ImageDraw.Draw(layer), step.icon, w * 0.56, h * 0.56, short * 0.22, food, digest("icon", step.dish, step.number))
    art = styles.apply_style(art, step.style, seed, layer)

    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = _banner(draw, w, h)
    badge = short * 0.13
    _number_badge(draw, step.number, short // 30 + badge, top + short // 30 + badge, badge)
    dish_size = max(18, short // 11)
    dish_name = printable(step.dish[:1].upper() + step.dish[1:])
    lines = _wrap(dish_name, int(w - (short // 30 + 2 * badge) - short // 15), dish_size, 2)
    x_left = short // 30 + 2 * badge + short // 30
    y = top + short // 30
    for line in lines:
        draw.text((x_left, y), line, font=font(dish_size), fill=(25, 20, 15), stroke_width=max(1, dish_size // 18),
                  stroke_fill=(255, 250, 235))
        y += dish_size + dish_size // 5
    draw.text((x_left, y), f"Step {step.number} of {step.count}", font=font(max(12, short // 28)), fill=(70, 60, 50))
    _text_block(draw, _wrap(step.action, int(w * 0.8), max(16, short // 16), 2), w // 2, int(h * 0.8), max(16, short // 16))
    _chips(draw, w, int(y + short // 20), short, _style_chip(step.style) + step.chips)
    _footer(draw, w, h, "   ·   ".join([step.model, f"Step {step.number} of {step.count}: {step.dish}", f"{w}×{h}"]))
    return _finish(art, overlay)


def _colour_words(text: str) -> list[tuple[str, RGB]]:
    from .prompt import COLOURS

    return [(word, COLOURS[word]) for word in text.lower().split() if word in COLOURS]


_PALETTE = ((52, 120, 200), (230, 120, 40), (60, 160, 90), (200, 60, 90), (140, 90, 190), (40, 160, 170),
            (215, 170, 40), (120, 120, 130))


def _arrow(draw: ImageDraw.ImageDraw, start: tuple[float, float], end: tuple[float, float], colour: tuple[int, ...],
           width: int) -> None:
    """A straight arrow from start to end, head at end."""
    (x0, y0), (x1, y1) = start, end
    angle = math.atan2(y1 - y0, x1 - x0)
    head = width * 4
    base = (x1 - head * math.cos(angle), y1 - head * math.sin(angle))
    draw.line((x0, y0, *base), fill=colour, width=width)
    left = (base[0] + head * 0.55 * math.sin(angle), base[1] - head * 0.55 * math.cos(angle))
    right = (base[0] - head * 0.55 * math.sin(angle), base[1] + head * 0.55 * math.cos(angle))
    draw.polygon([(x1, y1), left, right], fill=colour)


def _box_edge(cx: float, cy: float, half_w: float, half_h: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


@_png_cache
def draw_diagram(diagram: Diagram) -> bytes:
    """A labelled diagram (numbered callouts with arrows) or a bar chart (`bars`)."""
    if diagram.bars:
        return _draw_chart(diagram)
    w, h = diagram.width, diagram.height
    short = min(w, h)
    art = _plain_background(w, h)
    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = _banner(draw, w, h)
    top = _title(draw, w, top, short, diagram.title, diagram.subtitle + (" · a cycle" if diagram.cycle else ""))
    footer = max(10, short // 42) * 2
    cx, cy = w / 2, (top + h - footer) / 2
    rx, ry = w * 0.34, (h - footer - top) * 0.36
    hub = short * 0.12
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    if diagram.centre is not None:
        _figure(ImageDraw.Draw(layer), diagram.centre, cx, cy - hub * 0.2, hub * 0.9)
    art = styles.apply_style(art, diagram.style, digest("diagram", diagram.title), layer)
    if diagram.centre is None or (diagram.centre.kind is None and not diagram.centre.named):
        draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=(255, 255, 255, 220) if diagram.centre is None else None,
                     outline=(60, 60, 70, 255), width=max(2, short // 200))
        hub_size = max(12, short // 34)
        hub_lines = _wrap(diagram.title, int(hub * 1.7), hub_size, 3)
        _text_block(draw, hub_lines, int(cx), int(cy - len(hub_lines) * hub_size * 0.62), hub_size, fill=(25, 25, 30),
                    box=None)
    labels = diagram.labels[:8]
    size = max(13, short // 30)
    face = font(size)
    boxes = []
    for i, label in enumerate(labels):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(labels))
        bx, by = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        numbered = not any(ch.isdigit() for text in labels for ch in text)
        lines = _wrap(f"{i + 1}  {label}" if numbered else label, int(w * 0.26), size, 2)
        bw = max(draw.textlength(line, font=face) for line in lines) / 2 + size * 0.6
        bh = (len(lines) * (size + size // 4)) / 2 + size * 0.35
        bx = min(max(bx, bw + short / 60), w - bw - short / 60)
        boxes.append((bx, by, bw, bh, lines, _PALETTE[i % len(_PALETTE)]))
    arrow_w = max(3, short // 170)
    for i, (bx, by, bw, bh, _, colour) in enumerate(boxes):
        if diagram.cycle and len(boxes) > 1:
            nx, ny, nw, nh, _, _ = boxes[(i + 1) % len(boxes)]
            start = _box_edge(bx, by, bw + 6, bh + 6, nx, ny)
            end = _box_edge(nx, ny, nw + 8, nh + 8, bx, by)
            _arrow(draw, start, end, (*colour, 255), arrow_w)
        else:
            start = _box_edge(bx, by, bw, bh, cx, cy)
            dist = math.hypot(cx - start[0], cy - start[1]) or 1
            end = (cx + (start[0] - cx) * hub * 1.08 / dist, cy + (start[1] - cy) * hub * 1.08 / dist)
            _arrow(draw, start, end, (*colour, 255), arrow_w)
    for bx, by, bw, bh, lines, colour in boxes:
        draw.rounded_rectangle((bx - bw, by - bh, bx + bw, by + bh), radius=size // 2, fill=(255, 255, 255, 245),
                               outline=(*colour, 255), width=max(3, short // 220))
        y = by - bh + size * 0.35
        for line in lines:
            draw.text((bx - draw.textlength(line, font=face) / 2, y), line, font=face, fill=(20, 20, 25))
            y += size + size // 4
    _chips(draw, w, top, short, _style_chip(diagram.style) + diagram.chips)
    _footer(draw, w, h, "   ·   ".join([diagram.model, f"diagram: {len(labels)} labels", f"{w}×{h}"]))
    return _finish(art, overlay)


def _draw_chart(diagram: Diagram) -> bytes:
    """A horizontal bar chart; labels and numbers exactly as the prompt wrote them."""
    w, h = diagram.width, diagram.height
    short = min(w, h)
    art = _plain_background(w, h, grid=(238, 239, 242))
    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = _banner(draw, w, h)
    top = _title(draw, w, top, short, diagram.title, "infographic · numbers as given in the prompt")
    footer = max(10, short // 42) * 2
    bars = diagram.bars[:8]
    biggest = max(value for _, _, value in bars) or 1.0
    size = max(13, short // 28)
    face = font(size)
    label_w = max(draw.textlength(printable(label), font=face) for label, _, _ in bars)
    x0 = short // 20 + min(label_w, w * 0.3) + size
    number_w = max(draw.textlength(printable(text), font=face) for _, text, _ in bars)
    x_max = w - short // 20 - number_w - size
    area_top, area_bottom = top + short // 30, h - footer - short // 14
    row = (area_bottom - area_top) / len(bars)
    bar_h = min(row * 0.62, short * 0.09)
    draw.line((x0, area_top, x0, area_bottom), fill=(60, 60, 70, 255), width=max(2, short // 300))
    for i, (label, text, value) in enumerate(bars):
        y = area_top + row * i + (row - bar_h) / 2
        x1 = x0 + max(2.0, (x_max - x0) * value / biggest)
        colour = _PALETTE[i % len(_PALETTE)]
        draw.rectangle((x0, y, x1, y + bar_h), fill=(*colour, 255), outline=(30, 30, 35, 255))
        label = printable(label)
        while draw.textlength(label, font=face) > w * 0.3 and len(label) > 3:
            label = label[:-2] + "…"
        draw.text((x0 - size / 2 - draw.textlength(label, font=face), y + (bar_h - size) / 2), label, font=face,
                  fill=(20, 20, 25))
        draw.text((x1 + size / 2, y + (bar_h - size) / 2), printable(text), font=face, fill=(20, 20, 25))
    art = styles.apply_style(art, diagram.style, digest("chart", diagram.title))
    _chips(draw, w, top, short, _style_chip(diagram.style) + diagram.chips)
    _footer(draw, w, h, "   ·   ".join([diagram.model, f"infographic: {len(bars)} bars", f"{w}×{h}"]))
    return _finish(art, overlay)


def open_image(data: bytes) -> Image.Image:
    """Decode an input image to RGB, upright (EXIF rotation applied)."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            backdrop = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(backdrop, image)
        return image.convert("RGB")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of an encoded image (after EXIF rotation), without decoding pixels."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # Orientation: rotated 90°
            return height, width
        return width, height


@_png_cache
def draw_edit(edit: Edit) -> bytes:
    """Apply an edit visibly: input as background, a tint / style / setting, insets, the instruction."""
    w, h = edit.width, edit.height
    seed = digest("edit", edit.instruction, *[hashlib.sha256(s).hexdigest() for s in edit.sources])
    base = ImageOps.fit(open_image(edit.sources[0]), (w, h), Image.Resampling.BICUBIC)
    if edit.tint is not None or not (edit.style or edit.settings):
        if edit.tint is not None:
            tint = edit.tint
        else:
            r, g, b = colorsys.hsv_to_rgb(seed[0] / 256, 0.7, 0.95)
            tint = (int(r * 255), int(g * 255), int(b * 255))
        # Tint: keep the luminance, pull the colour towards the tint.
        dark, light = tuple(c // 5 for c in tint), tuple(128 + c // 2 for c in tint)
        tinted = ImageOps.colorize(base.convert("L"), black=dark, white=light)
        base = Image.blend(base, tinted, 0.6)
    else:
        tint = (60, 60, 70)
    if edit.settings:
        base = styles.tint_for_setting(base, edit.settings, seed)
        weather = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        styles.add_weather(weather, edit.settings, seed)
        base = Image.alpha_composite(base.convert("RGBA"), weather).convert("RGB")
    base = styles.apply_style(base, edit.style, seed)
    image = add_grain(base, seed) if edit.style in (None, "3D digital art") else base

    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    short = min(w, h)
    top = _banner(draw, w, h)
    # The instruction in a tint-coloured band under the banner (covers an earlier edit's band).
    size = max(14, short // 24)
    lines = _wrap(f"EDIT: {edit.instruction}" if edit.instruction else "EDIT", int(w * 0.9), size, 2)
    band = 2 * size + size // 4 + size
    draw.rectangle((0, top, w, top + band), fill=tuple(c // 3 for c in tint) + (255,))
    _text_block(draw, lines, w // 2, top + size // 2 + (size + size // 4) * (2 - len(lines)) // 2, size, box=None)

    inset = short // 4
    x = w - inset - short // 30
    for number, source in enumerate(edit.sources[1:4], start=2):
        thumb = ImageOps.fit(open_image(source), (inset, inset), Image.Resampling.BICUBIC)
        y = top + band + short // 30 + (number - 2) * (inset + short // 40)
        draw.rectangle((x - 4, y - 4, x + inset + 4, y + inset + 4), fill=(255, 255, 255, 255))
        overlay.paste(thumb.convert("RGBA"), (x, y))
        _text_block(draw, [f"input {number}"], x + inset // 2, y + inset - short // 20, short // 40)

    if edit.subject:
        draw_subject(draw, edit.subject, w * 0.14, h * 0.74, short * 0.07)
    _chips(draw, w, top + band, short, _style_chip(edit.style) + edit.chips)
    inputs = f"{len(edit.sources)} input image" + ("s" if len(edit.sources) > 1 else "")
    _footer(draw, w, h, "   ·   ".join([edit.model, "edited " + inputs, f"{w}×{h}"]))
    return _finish(image, overlay)
