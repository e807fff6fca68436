"""Placeholder pictures: flat, legible, and labelled STAND-IN so nobody takes them for Gemini's.

``picture(spec, size, inputs, colours)`` draws what one answers-file entry describes: a scene
(a caption naming its subject, characters in the colours they keep), an edit drawn onto the
input picture, given text set in a real font, bars for given numbers, or the input pictures
composed side by side. No prompt is read here; the spec says everything.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

BADGE = "STAND-IN · placeholder, not Gemini"
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
_SCRIPT_FONTS = {  # language -> font files to look for, best first ("file#n": face n of a collection)
    "zh": ("NotoSansCJK-Regular.ttc#2", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf"),
    "ja": ("NotoSansCJK-Regular.ttc#0", "NotoSansCJKjp-Regular.otf"),
    "ko": ("NotoSansCJK-Regular.ttc#1", "NotoSansCJKkr-Regular.otf"),
    "ar": ("NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf", "DejaVuSans.ttf"),
    "he": ("NotoSansHebrew-Regular.ttf", "DejaVuSans.ttf"),
    "hi": ("NotoSansDevanagari-Regular.ttf", "Lohit-Devanagari.ttf"),
}
_RTL = {"ar", "he", "fa", "ur"}


@cache
def _font_file(name: str) -> str | None:
    spec = importlib.util.find_spec("matplotlib")
    places = [*_FONT_DIRS] + (
        [Path(spec.submodule_search_locations[0]) / "mpl-data/fonts/ttf"]
        if spec and spec.submodule_search_locations
        else []
    )
    for place in places:
        if place.is_dir():
            found = next(iter(sorted(place.rglob(name))), None)
            if found:
                return str(found)
    return None


@lru_cache(maxsize=256)
def font(size: int, *, bold: bool = False, lang: str = "") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font for ``lang`` (Latin when empty) at ``size`` px; Pillow's own font if none is installed."""
    names = _SCRIPT_FONTS.get(lang[:2], ()) + (("DejaVuSans-Bold.ttf",) if bold else ()) + ("DejaVuSans.ttf",)
    for name in names:
        file, _, face = name.partition("#")
        path = _font_file(file)
        if path:
            return ImageFont.truetype(path, max(6, size), index=int(face or 0))
    return ImageFont.load_default(max(6, size))


def colour(value: Any, fallback_seed: str = "") -> tuple[int, int, int]:
    """A colour from "#rrggbb" or a name; a steady one picked from ``fallback_seed`` otherwise."""
    from PIL import ImageColor

    if isinstance(value, str) and value:
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError:
            pass
    hue = int(hashlib.sha256(fallback_seed.encode()).hexdigest()[:4], 16) % 360
    r, g, b = ImageColor.getrgb(f"hsl({hue}, 45%, 55%)")[:3]
    return r, g, b


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=False))  # type: ignore[return-value]


def _background(size: tuple[int, int], base: tuple[int, int, int]) -> Image.Image:
    top, bottom = _mix(base, (255, 255, 255), 0.55), _mix(base, (0, 0, 0), 0.1)
    strip = Image.new("RGB", (1, 256))
    strip.putdata([_mix(top, bottom, y / 255) for y in range(256)])
    return strip.resize(size, Image.Resampling.BILINEAR)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: Any, width: int) -> list[str]:
    """Lines of ``text`` that fit ``width`` px (by words; by characters for scripts without spaces)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ") if " " in paragraph.strip() else list(paragraph)
        joiner = " " if " " in paragraph.strip() else ""
        line = ""
        for word in words:
            trial = f"{line}{joiner}{word}" if line else word
            if draw.textlength(trial, font=face) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], fill: tuple[int, ...], radius: int) -> None:
    draw.rounded_rectangle(box, radius=radius, fill=fill)


def _label(image: Image.Image, text: str, size: tuple[int, int], unit: float) -> None:
    """The STAND-IN badge (bottom right) and the pixel size (bottom left)."""
    draw = ImageDraw.Draw(image, "RGBA")
    face = font(round(unit * 3.2), bold=True)
    width = draw.textlength(text, font=face)
    pad = round(unit * 1.5)
    box = (size[0] - width - 3 * pad, size[1] - face.size - 3 * pad, size[0] - pad, size[1] - pad)
    _panel(draw, box, (20, 20, 20, 215), pad)
    draw.text((box[0] + pad, box[1] + pad * 0.8), text, font=face, fill="white")
    small = font(round(unit * 2.6))
    draw.text((pad * 2, size[1] - small.size - 2 * pad), f"{size[0]}×{size[1]}", font=small, fill=(30, 30, 30, 200))


def _caption(image: Image.Image, text: str, unit: float, lang: str = "") -> None:
    draw = ImageDraw.Draw(image, "RGBA")
    face = font(round(unit * 5), bold=True, lang=lang)
    margin = round(unit * 4)
    lines = _wrap(draw, text, face, image.width - 4 * margin)[:3]
    height = len(lines) * round(face.size * 1.25)
    _panel(draw, (margin, margin, image.width - margin, margin * 2 + height), (255, 255, 255, 225), margin // 2)
    for row, line in enumerate(lines):
        draw.text(
            (image.width / 2, margin * 1.5 + row * face.size * 1.25), line, font=face, fill=(25, 25, 25), anchor="ma"
        )


def _characters(image: Image.Image, names: list[str], colours: dict[str, str], unit: float) -> None:
    draw = ImageDraw.Draw(image)
    ground = image.height * 0.86
    body = unit * 13
    for index, name in enumerate(names):
        x = image.width * (index + 1) / (len(names) + 1)
        fill = colour(colours.get(name), name)
        dark = _mix(fill, (0, 0, 0), 0.35)
        draw.ellipse(
            (x - body * 0.8, ground - body * 1.5, x + body * 0.8, ground),
            fill=fill,
            outline=dark,
            width=max(1, round(unit * 0.6)),
        )
        head = body * 0.55
        cy = ground - body * 1.75
        draw.ellipse(
            (x - head, cy - head, x + head, cy + head), fill=fill, outline=dark, width=max(1, round(unit * 0.6))
        )
        for side in (-1, 1):
            ex = x + side * head * 0.4
            draw.ellipse((ex - head * 0.2, cy - head * 0.3, ex + head * 0.2, cy + head * 0.1), fill="white")
            draw.ellipse((ex - head * 0.08, cy - head * 0.15, ex + head * 0.08, cy + head * 0.01), fill="black")
        tag = font(round(unit * 3.4), bold=True)
        draw.text(
            (x, ground - body * 0.75),
            name,
            font=tag,
            fill="white",
            anchor="mm",
            stroke_width=max(1, round(unit * 0.4)),
            stroke_fill=dark,
        )


def _scene(spec: dict[str, Any], size: tuple[int, int], colours: dict[str, str]) -> Image.Image:
    subject = str(spec.get("image") or "a picture")
    base = colour(spec.get("colour"), subject)
    image = _background(size, base)
    unit = min(size) / 100
    draw = ImageDraw.Draw(image)
    seed = int(hashlib.sha256(subject.encode()).hexdigest()[:6], 16)
    sun_x = size[0] * (0.15 + (seed % 70) / 100)
    draw.ellipse(
        (sun_x - unit * 9, size[1] * 0.3 - unit * 9, sun_x + unit * 9, size[1] * 0.3 + unit * 9),
        fill=_mix(base, (255, 250, 220), 0.8),
    )
    hill = _mix(base, (0, 0, 0), 0.3)
    draw.polygon(
        [
            (0, size[1]),
            (0, size[1] * 0.78),
            (size[0] * 0.35, size[1] * 0.7),
            (size[0] * 0.7, size[1] * 0.8),
            (size[0], size[1] * 0.72),
            (size[0], size[1]),
        ],
        fill=hill,
    )
    _characters(image, list(spec.get("characters") or []), colours, unit)
    _caption(image, subject, unit)
    if spec.get("style"):
        _sticker(image, str(spec["style"]), unit, (size[0] - unit * 4, unit * 20), anchor="right")
    return image


def _sticker(
    image: Image.Image,
    text: str,
    unit: float,
    where: tuple[float, float],
    *,
    anchor: str = "left",
    fill: tuple[int, int, int] = (255, 61, 127),
) -> None:
    draw = ImageDraw.Draw(image)
    face = font(round(unit * 4.2), bold=True)
    width = draw.textlength(text, font=face)
    pad = unit * 1.8
    x = where[0] - width - 2 * pad if anchor == "right" else where[0]
    _panel(
        draw,
        (round(x), round(where[1]), round(x + width + 2 * pad), round(where[1] + face.size + 2 * pad)),
        fill,
        round(pad),
    )
    draw.text((x + pad, where[1] + pad * 0.9), text, font=face, fill="white")


def _edit(spec: dict[str, Any], size: tuple[int, int], inputs: list[bytes], depth: int) -> Image.Image:
    """The latest input picture, with the edit written on it and marked, so before and after differ."""
    with Image.open(io.BytesIO(inputs[-1])) as source:
        image = ImageOps.fit(source.convert("RGB"), size, Image.Resampling.LANCZOS)
    unit = min(size) / 100
    accent = colour(spec.get("colour") or "#ff3d7f")
    draw = ImageDraw.Draw(image, "RGBA")
    seed = int(hashlib.sha256(str(spec["edit"]).encode()).hexdigest()[:8], 16)
    cx, cy, r = size[0] * (0.2 + (seed % 60) / 100), size[1] * (0.35 + (seed // 60 % 35) / 100), unit * 10
    draw.ellipse(
        (cx - r, cy - r, cx + r, cy + r), fill=(*accent, 150), outline=(255, 255, 255, 255), width=max(2, round(unit))
    )
    draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline=(*accent, 255), width=max(3, round(unit * 1.5)))
    face = font(round(unit * 4.2), bold=True)
    lines = _wrap(draw, f"EDIT: {spec['edit']}", face, round(size[0] * 0.8))[:3]
    top = size[1] * (0.08 + (depth % 6) * 0.13)  # the n-th picture of a conversation: its own row
    for row, line in enumerate(lines):
        _sticker(image, line, unit, (unit * 4, top + row * (face.size + unit * 4.5)), fill=accent)
    return image


def _text(spec: dict[str, Any], size: tuple[int, int]) -> Image.Image:
    """Given text set in a real font: the first line as a headline, the rest wrapped below."""
    lang = str(spec.get("lang") or "")
    image = _background(size, colour(spec.get("colour") or "#f3e9d2"))
    draw = ImageDraw.Draw(image)
    unit = min(size) / 100
    rtl = lang[:2] in _RTL
    options = {"direction": "rtl", "language": lang} if rtl else {}
    scale = 2.0
    while True:  # start large, shrink the type until the text fits, as a designer would
        rows: list[tuple[str, Any]] = []
        for index, line in enumerate(str(spec["render"]).split("\n")):
            face = font(round(unit * scale * (8 if index == 0 else 5)), bold=index == 0, lang=lang)
            rows += [(piece, face) for piece in _wrap(draw, line, face, round(size[0] - unit * 16))]
        height = sum(face.size * 1.35 for _, face in rows)
        widest = max(draw.textlength(piece, font=face) for piece, face in rows)
        if (height <= size[1] - unit * 24 and widest <= size[0] - unit * 16) or scale < 0.3:
            break
        scale *= 0.85
    top = max(unit * 6, (size[1] - height) / 2 - unit * 4)
    for piece, face in rows:
        draw.text((size[0] / 2, top), piece, font=face, fill=(25, 25, 25), anchor="ma", **options)
        top += face.size * 1.35
    return image


def _bars(spec: dict[str, Any], size: tuple[int, int]) -> Image.Image:
    image = _background(size, colour(spec.get("colour") or "#dce8f5"))
    draw = ImageDraw.Draw(image)
    unit = min(size) / 100
    bars = [(str(label), float(value)) for label, value in spec["bars"]]
    top, bottom = size[1] * 0.3, size[1] * 0.85
    width = (size[0] - unit * 16) / max(1, len(bars))
    highest = max((v for _, v in bars), default=1) or 1
    face = font(round(unit * 3.6), bold=True)
    for index, (label, value) in enumerate(bars):
        x = unit * 8 + index * width
        y = bottom - (bottom - top) * value / highest
        draw.rectangle((x + width * 0.15, y, x + width * 0.85, bottom), fill=colour(None, label))
        draw.text((x + width / 2, y - unit), f"{value:,.0f}", font=face, fill=(25, 25, 25), anchor="md")
        draw.text((x + width / 2, bottom + unit), label, font=face, fill=(25, 25, 25), anchor="ma")
    _caption(image, str(spec.get("image") or "A chart"), unit)
    return image


def _compose(spec: dict[str, Any], size: tuple[int, int], inputs: list[bytes], colours: dict[str, str]) -> Image.Image:
    """The input pictures side by side on a scene: a placeholder for 'put these together'."""
    image = _scene({**spec, "characters": []}, size, colours)
    unit = min(size) / 100
    cell = round(min(size[0] / max(1, len(inputs)) - unit * 4, size[1] * 0.45))
    for index, data in enumerate(inputs):
        with Image.open(io.BytesIO(data)) as source:
            tile = ImageOps.fit(source.convert("RGB"), (cell, cell))
        x = round((size[0] - len(inputs) * (cell + unit * 2)) / 2 + index * (cell + unit * 2))
        image.paste(ImageOps.expand(tile, border=max(2, round(unit)), fill="white"), (x, round(size[1] * 0.4)))
    return image


def picture(
    spec: dict[str, Any], size: tuple[int, int], inputs: list[bytes], colours: dict[str, str], depth: int = 0
) -> bytes:
    """The PNG for one image spec of an answers file, at ``size``; ``inputs`` are the request's pictures,
    ``depth`` how many pictures the conversation holds (so successive edit notes do not overlap)."""
    if spec.get("edit") and inputs:
        image = _edit(spec, size, inputs, depth)
    elif spec.get("render"):
        image = _text(spec, size)
    elif spec.get("bars"):
        image = _bars(spec, size)
    elif spec.get("compose") and inputs:
        image = _compose(spec, size, inputs, colours)
    else:
        image = _scene(spec, size, colours)
    unit = min(size) / 100
    if spec.get("thought"):
        _sticker(image, "DRAFT (thought image)", unit, (unit * 4, size[1] * 0.45), fill=(90, 90, 90))
    if spec.get("note"):  # e.g. a deliberate mistake, said on the picture so nobody takes it for Gemini's
        _sticker(image, f"STAND-IN: {spec['note']}", unit, (unit * 4, size[1] - unit * 19), fill=(201, 42, 42))
    _label(image, BADGE, size, unit)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
