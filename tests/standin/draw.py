"""Deterministic placeholder pictures for the stand-in API (Pillow only).

Each picture has a photo-like background (smooth multi-scale colour noise plus film grain, seeded
from a hash of the prompt, so a PNG is about as big as a real Gemini photo), a bold
"STAND-IN · not a Gemini image" banner, the prompt's key words, the model name and a simple
"subject" shape whose colour and shape come from the subject word (so a story's character looks
the same in every scene). An edit uses the input image as the background, tints it and captions
it with the instruction.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

BANNER = "STAND-IN · not a Gemini image"
GRAIN = 2  # film grain amplitude (± levels per channel); sets how photo-like the PNG size is
SHAPES = ("circle", "square", "triangle", "diamond", "hexagon", "star")

RGB = tuple[int, int, int]
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
    index: int = 0  # scene number (0-based), moves the subject and reseeds the details
    count: int = 1
    quoted: str | None = None  # text the prompt asks to see written
    draft: bool = False  # a thought "draft" image


@dataclass(frozen=True)
class Edit:
    """An edit of input images: the first is the background, others become insets."""

    width: int
    height: int
    model: str
    instruction: str
    sources: tuple[bytes, ...]  # encoded input images
    tint: RGB | None = None  # None: a hue from the instruction's hash
    subject: str | None = None  # a thing the instruction names: drawn small, as "added"


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
    """Add the same kind of film grain as the backgrounds to an existing picture."""
    width, height = image.size
    grain = Image.frombytes("RGB", (width, height), noise_bytes(seed + b"grain", width * height * 3))
    return _add_signed(image, grain, GRAIN * 2)


@functools.lru_cache(maxsize=64)
def _lut(span: int) -> list[int]:
    """Map 0..255 onto 0..span (three bands)."""
    return [v * span // 255 for v in range(256)] * 3


def _add_signed(image: Image.Image, noise: Image.Image, span: int) -> Image.Image:
    """Add `noise` (0..255 per channel) scaled to ±span/2 to `image`, clipping."""
    return ImageChops.add(image, noise.point(_lut(span)), offset=-(span // 2))


# ---------------------------------------------------------------------------------------------
# Subject


def subject_look(word: str) -> tuple[str, RGB]:
    """The shape and colour for a subject word (same word, same look)."""
    h = digest("subject", word.lower())
    r, g, b = colorsys.hsv_to_rgb(h[1] / 256, 0.65 + h[2] / 256 * 0.3, 0.75 + h[3] / 256 * 0.25)
    return SHAPES[h[0] % len(SHAPES)], (int(r * 255), int(g * 255), int(b * 255))


def _polygon(shape: str, cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    """Vertices of a regular shape centred on (cx, cy)."""
    if shape == "triangle":
        angles, radii = [-90, 30, 150], [r] * 3
    elif shape == "diamond":
        angles, radii = [-90, 0, 90, 180], [r, r * 0.75, r, r * 0.75]
    elif shape == "hexagon":
        angles, radii = list(range(0, 360, 60)), [r] * 6
    else:  # star
        angles = list(range(-90, 270, 36))
        radii = [r if i % 2 == 0 else r * 0.48 for i in range(10)]
    return [
        (cx + rad * math.cos(math.radians(a)), cy + rad * math.sin(math.radians(a)))
        for a, rad in zip(angles, radii)
    ]


def draw_subject(draw: ImageDraw.ImageDraw, word: str, cx: float, cy: float, r: float) -> None:
    """Draw the subject: a coloured shape with eyes (a 'character') and its name below."""
    shape, colour = subject_look(word)
    dark = tuple(c // 3 for c in colour)
    outline = max(2, int(r / 14))
    shadow = (cx + r * 0.12, cy + r * 0.12)
    for (x, y), fill, line in (
        (shadow, (0, 0, 0, 90), None),
        ((cx, cy), colour + (255,), dark + (255,)),
    ):
        if shape == "circle":
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=line, width=outline)
        elif shape == "square":
            draw.rounded_rectangle(
                (x - r * 0.85, y - r * 0.85, x + r * 0.85, y + r * 0.85),
                radius=r * 0.2,
                fill=fill,
                outline=line,
                width=outline,
            )
        else:
            draw.polygon(_polygon(shape, x, y, r), fill=fill, outline=line, width=outline)
    for side in (-1, 1):  # eyes
        ex, ey, er = cx + side * r * 0.28, cy - r * 0.05, r * 0.15
        draw.ellipse((ex - er, ey - er, ex + er, ey + er), fill=(255, 255, 255, 255))
        draw.ellipse((ex - er * 0.45, ey - er * 0.3, ex + er * 0.45, ey + er * 0.6), fill=(20, 20, 20, 255))
    size = max(12, int(r * 0.32))
    _text_block(draw, [printable(word)], int(cx), int(cy + r * 1.12), size, box=(0, 0, 0, 130))


# ---------------------------------------------------------------------------------------------
# Pictures


def to_png(image: Image.Image) -> bytes:
    """Encode as PNG (no metadata, so bytes depend only on the pixels)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # fast; photo-like data barely shrinks more
    return buffer.getvalue()


@_png_cache
def draw_scene(scene: Scene) -> bytes:
    """Draw one placeholder picture; return PNG bytes."""
    w, h = scene.width, scene.height
    seed = digest("background", scene.prompt)
    image = photo_background(w, h, seed, digest("detail", scene.prompt, scene.index))
    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    short = min(w, h)

    if scene.subject:
        if scene.count > 1:  # the character walks across the scenes
            cx = w * (0.25 + 0.5 * scene.index / (scene.count - 1))
        else:
            cx = w * 0.5
        draw_subject(draw, scene.subject, cx, h * 0.37, short * 0.14)

    size = max(14, short // 17)
    words = " ".join(scene.keywords) or "(no key words)"
    lines = _wrap(words, int(w * 0.86), size, max_lines=3)
    top = int(h * 0.64)
    if scene.quoted:
        quote_size = max(14, short // 14)
        top = _text_block(
            draw, _wrap(f"“{scene.quoted}”", int(w * 0.9), quote_size, 2), w // 2, int(h * 0.60),
            quote_size, fill=(255, 240, 160), box=(0, 0, 0, 170),
        ) + size // 3
    _text_block(draw, lines, w // 2, top, size)

    top = _banner(draw, w, h, "DRAFT · " + BANNER if scene.draft else BANNER)
    if scene.count > 1:  # a big scene number, top left
        r = short // 14
        cx, cy = short // 40 + r, top + short // 40 + r
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, 230), outline=(20, 20, 20, 255), width=3)
        face = font(int(r * 1.2))
        number = str(scene.index + 1)
        draw.text((cx - draw.textlength(number, font=face) / 2, cy - r * 0.62), number, font=face, fill=(20, 20, 20))
    facts = [scene.model, f"{w}×{h}"]
    if scene.caption:
        facts.insert(1, scene.caption)
    _footer(draw, w, h, "   ·   ".join(facts))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    return to_png(image)


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
    """Apply an edit visibly: input as background, a tint, insets, the instruction as caption."""
    w, h = edit.width, edit.height
    seed = digest("edit", edit.instruction, *[hashlib.sha256(s).hexdigest() for s in edit.sources])
    base = ImageOps.fit(open_image(edit.sources[0]), (w, h), Image.Resampling.BICUBIC)
    if edit.tint is not None:
        tint = edit.tint
    else:
        r, g, b = colorsys.hsv_to_rgb(seed[0] / 256, 0.7, 0.95)
        tint = (int(r * 255), int(g * 255), int(b * 255))
    # Tint: keep the luminance, pull the colour towards the tint.
    dark, light = tuple(c // 5 for c in tint), tuple(128 + c // 2 for c in tint)
    tinted = ImageOps.colorize(base.convert("L"), black=dark, white=light)
    image = add_grain(Image.blend(base, tinted, 0.6), seed)

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
    inputs = f"{len(edit.sources)} input image" + ("s" if len(edit.sources) > 1 else "")
    _footer(draw, w, h, "   ·   ".join([edit.model, "edited " + inputs, f"{w}×{h}"]))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    return to_png(image)
