"""Placeholder pictures (``picture``), flat, legible and labelled STAND-IN: a scene (a caption, characters in the
colours they keep), text in a font for its script, bars, the input pictures side by side, or an edit (the picture fitted
whole beside a strip saying what was asked and the changes so far). Each keeps JSON in a ``standin`` PNG chunk
(``meta``): its text; for an edit, the changes and the photo's box, where the next edit starts. It reads no prompt."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps, PngImagePlugin

from standin.spec import ImageSpec

BADGE = "STAND-IN · placeholder, not Gemini"
Box = tuple[int, int, int, int]
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
_SCRIPT_FONTS = {  # language -> font files to look for, best first ("file#n": face n of a collection)
    "zh": ("NotoSansCJK-Regular.ttc#2", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf"),
    "ja": ("NotoSansCJK-Regular.ttc#0", "NotoSansCJKjp-Regular.otf"),
    "ko": ("NotoSansCJK-Regular.ttc#1", "NotoSansCJKkr-Regular.otf"),
    "ar": ("NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf", "DejaVuSans.ttf"),
    "he": ("NotoSansHebrew-Regular.ttf", "DejaVuSans.ttf"),
    "hi": ("NotoSansDevanagari-Regular.ttf", "Lohit-Devanagari.ttf"),
}
_SCRIPTS = {  # language -> its characters; kana before Han, so Japanese is not taken for Chinese
    "ja": "\u3040-\u30ff",
    "ko": "\u1100-\u11ff\uac00-\ud7af",
    "zh": "\u3400-\u4dbf\u4e00-\u9fff",
    "ar": "\u0600-\u06ff\u0750-\u077f",
    "he": "\u0590-\u05ff",
    "hi": "\u0900-\u097f",
}
_RTL = {"ar", "he", "fa", "ur"}
_STRIP, _LETTERBOX, _INK = (247, 246, 242), (52, 52, 52), (25, 25, 25)


@cache
def _font_file(name: str) -> str | None:
    mpl = importlib.util.find_spec("matplotlib")
    fonts = [Path(p) / "mpl-data/fonts/ttf" for p in (mpl.submodule_search_locations or [])[:1]] if mpl else []
    found = [file for place in (*_FONT_DIRS, *fonts) if place.is_dir() for file in sorted(place.rglob(name))[:1]]
    return str(found[0]) if found else None


@lru_cache(maxsize=256)
def font(size: int, *, bold: bool = False, lang: str = "") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font for ``lang`` (Latin when empty) at ``size`` px; Pillow's own font if none is installed."""
    names = _SCRIPT_FONTS.get(lang[:2], ()) + (("DejaVuSans-Bold.ttf",) if bold else ()) + ("DejaVuSans.ttf",)
    for file, _, face in (name.partition("#") for name in names):
        if path := _font_file(file):
            return ImageFont.truetype(path, max(6, size), index=int(face or 0))
    return ImageFont.load_default(max(6, size))


def script(text: str) -> str:
    """The language whose font draws ``text``, by the first non-Latin script found in it ("" for Latin)."""
    return next((lang for lang, chars in _SCRIPTS.items() if re.search(f"[{chars}]", text)), "")


def colour(value: Any, fallback_seed: str = "") -> tuple[int, int, int]:
    """A colour from "#rrggbb" or a name; a steady one picked from ``fallback_seed`` otherwise."""
    if isinstance(value, str) and value:
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError:
            pass
    hue = int(hashlib.sha256(fallback_seed.encode()).hexdigest()[:4], 16) % 360
    return ImageColor.getrgb(f"hsl({hue}, 45%, 55%)")[:3]  # type: ignore[return-value]


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=False))  # type: ignore[return-value]


def _background(size: tuple[int, int], base: tuple[int, int, int]) -> Image.Image:
    top, bottom = _mix(base, (255, 255, 255), 0.55), _mix(base, (0, 0, 0), 0.1)
    strip = Image.new("RGB", (1, 256))
    strip.putdata([_mix(top, bottom, y / 255) for y in range(256)])
    return strip.resize(size, Image.Resampling.BILINEAR)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: Any, width: float) -> list[str]:
    """Lines of ``text`` that fit ``width`` px (by words; by characters for scripts without spaces)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        joiner = " " if " " in paragraph.strip() else ""
        line = ""
        for word in paragraph.split(" ") if joiner else list(paragraph):
            trial = f"{line}{joiner}{word}" if line else word
            if draw.textlength(trial, font=face) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _label_height(unit: float) -> int:
    return font(round(unit * 3.2), bold=True).size + 3 * round(unit * 1.5)


def _label(image: Image.Image, box: Box, unit: float) -> None:
    """The STAND-IN badge (bottom right of ``box``) and the picture's pixel size (bottom left)."""
    draw, face, pad = ImageDraw.Draw(image, "RGBA"), font(round(unit * 3.2), bold=True), round(unit * 1.5)
    width = draw.textlength(BADGE, font=face)
    panel = (box[2] - width - 3 * pad, box[3] - face.size - 3 * pad, box[2] - pad, box[3] - pad)
    draw.rounded_rectangle(panel, radius=pad, fill=(20, 20, 20, 215))
    draw.text((panel[0] + pad, panel[1] + pad * 0.8), BADGE, font=face, fill="white")
    where = (box[0] + pad * 2, box[3] - (small := font(round(unit * 2.6))).size - 2 * pad)
    draw.text(where, f"{image.width}×{image.height}", font=small, fill=(30, 30, 30, 200))


def _caption(image: Image.Image, text: str, unit: float) -> None:
    face, margin = font(round(unit * 5), bold=True, lang=script(text)), round(unit * 4)
    lines = _wrap(draw := ImageDraw.Draw(image, "RGBA"), text, face, image.width - 4 * margin)[:3]
    box = (margin, margin, image.width - margin, margin * 2 + len(lines) * round(face.size * 1.25))
    draw.rounded_rectangle(box, radius=margin // 2, fill=(255, 255, 255, 225))
    for row, line in enumerate(lines):
        draw.text((image.width / 2, margin * 1.5 + row * face.size * 1.25), line, font=face, fill=_INK, anchor="ma")


def _characters(image: Image.Image, names: list[str], colours: dict[str, str], unit: float) -> None:
    draw = ImageDraw.Draw(image)
    ground, body, head, line = image.height * 0.86, unit * 13, unit * 13 * 0.55, max(1, round(unit * 0.6))
    for index, name in enumerate(names):
        x, cy = image.width * (index + 1) / (len(names) + 1), ground - body * 1.75
        dark = _mix(fill := colour(colours.get(name), name), (0, 0, 0), 0.35)
        draw.ellipse((x - body * 0.8, ground - body * 1.5, x + body * 0.8, ground), fill, dark, line)
        draw.ellipse((x - head, cy - head, x + head, cy + head), fill, dark, line)
        for side in (-1, 1):
            ex = x + side * head * 0.4
            draw.ellipse((ex - head * 0.2, cy - head * 0.3, ex + head * 0.2, cy + head * 0.1), fill="white")
            draw.ellipse((ex - head * 0.08, cy - head * 0.15, ex + head * 0.08, cy + head * 0.01), fill="black")
        tag, stroke = font(round(unit * 3.4), bold=True), max(1, round(unit * 0.4))
        draw.text((x, ground - body * 0.75), name, "white", tag, "mm", stroke_width=stroke, stroke_fill=dark)


def _scene(spec: ImageSpec, size: tuple[int, int], colours: Mapping[str, str]) -> Image.Image:
    subject, unit = spec.image or "a picture", min(size) / 100
    image = _background(size, base := colour(spec.colour, subject))
    draw, seed = ImageDraw.Draw(image), int(hashlib.sha256(subject.encode()).hexdigest()[:6], 16)
    sun_x, sun_y, r = size[0] * (0.15 + (seed % 70) / 100), size[1] * 0.3, unit * 9
    draw.ellipse((sun_x - r, sun_y - r, sun_x + r, sun_y + r), fill=_mix(base, (255, 250, 220), 0.8))
    (w, h), shade = size, _mix(base, (0, 0, 0), 0.3)
    draw.polygon([(0, h), (0, h * 0.78), (w * 0.35, h * 0.7), (w * 0.7, h * 0.8), (w, h * 0.72), (w, h)], fill=shade)
    _characters(image, list(spec.characters), dict(colours), unit)
    _caption(image, subject, unit)
    if spec.style:
        _sticker(image, spec.style, unit, (size[0] - unit * 4, unit * 20), right=True)
    return image


def _sticker(image: Image.Image, text: str, unit: float, at: Sequence[float], right: bool = False, fill=None) -> None:
    draw, face, pad = ImageDraw.Draw(image), font(round(unit * 4.2), bold=True), unit * 1.8
    width = draw.textlength(text, font=face)
    x = at[0] - width - 2 * pad if right else at[0]
    box = (round(x), round(at[1]), round(x + width + 2 * pad), round(at[1] + face.size + 2 * pad))
    draw.rounded_rectangle(box, radius=round(pad), fill=fill or (255, 61, 127))
    draw.text((x + pad, at[1] + pad * 0.9), text, font=face, fill="white")


def _text(lines: list[str], size: tuple[int, int], fill: str, lang: str, reserve: float) -> Image.Image:
    """Text in fonts chosen by its script, sized to fit above the labels: a short first line is the headline."""
    image, unit = _background(size, colour(fill or "#f3e9d2")), min(size) / 100
    width, top, bottom = size[0] - unit * 12, unit * 5, size[1] - unit * (11 + reserve)
    draw, headline, scale = ImageDraw.Draw(image), len(lines[0]) <= 100, 2.0
    while True:  # start large, shrink the type until the text fits, as a designer would
        rows: list[tuple[str, Any, str]] = []
        for index, line in enumerate(lines):
            big, code = index == 0 and headline, lang or script(line)
            face = font(round(unit * scale * (8 if big else 5)), bold=big and code[:2] not in _SCRIPT_FONTS, lang=code)
            rows += [(piece, face, code) for piece in _wrap(draw, line, face, width)]
        height = sum(face.size * 1.35 for _, face, _ in rows)
        widest = max(draw.textlength(piece, font=face) for piece, face, _ in rows)
        if (height <= bottom - top and widest <= width) or scale < 0.2:
            break
        scale *= 0.9
    y = top + max(0.0, (bottom - top - height) / 2)
    for piece, face, code in rows:
        options = {"direction": "rtl", "language": code} if code in _RTL else {}
        draw.text((size[0] / 2, y), piece, font=face, fill=_INK, anchor="ma", **options)
        y += face.size * 1.35
    return image


def _typo(lines: list[str], typo: Sequence[str]) -> tuple[list[str], bool]:
    """``lines`` with the first whole word ``typo[0]`` misspelt as ``typo[1]``; whether it was there."""
    for index, line in enumerate(lines if typo else []):
        wrong = re.sub(rf"\b{re.escape(typo[0])}\b", typo[1], line, count=1)
        if wrong != line:
            return [*lines[:index], wrong, *lines[index + 1 :]], True
    return lines, False


def _bars(spec: ImageSpec, size: tuple[int, int]) -> Image.Image:
    image, unit = _background(size, colour(spec.colour or "#dce8f5")), min(size) / 100
    draw, top, bottom = ImageDraw.Draw(image), size[1] * 0.3, size[1] * 0.85
    width, highest = (size[0] - unit * 16) / max(1, len(spec.bars)), max((v for _, v in spec.bars), default=1) or 1
    face = font(round(unit * 3.6), bold=True)
    for index, (label, value) in enumerate(spec.bars):
        x = unit * 8 + index * width
        y = bottom - (bottom - top) * value / highest
        draw.rectangle((x + width * 0.15, y, x + width * 0.85, bottom), fill=colour(None, label))
        draw.text((x + width / 2, y - unit), f"{value:,.0f}", font=face, fill=_INK, anchor="md")
        draw.text((x + width / 2, bottom + unit), label, font=face, fill=_INK, anchor="ma")
    _caption(image, spec.image or "A chart", unit)
    return image


def _compose(spec: ImageSpec, size: tuple[int, int], inputs: list[bytes], colours: Mapping[str, str]) -> Image.Image:
    """The input pictures side by side (cropped to square tiles) on a scene: a placeholder for "put these together"."""
    image, unit = _scene(replace(spec, characters=()), size, colours), min(size) / 100
    cell = round(min(size[0] / max(1, len(inputs)) - unit * 4, size[1] * 0.45))
    for index, data in enumerate(inputs):
        with Image.open(io.BytesIO(data)) as source:
            tile = ImageOps.fit(source.convert("RGB"), (cell, cell))
        x = round((size[0] - len(inputs) * (cell + unit * 2)) / 2 + index * (cell + unit * 2))
        image.paste(ImageOps.expand(tile, border=max(2, round(unit)), fill="white"), (x, round(size[1] * 0.4)))
    return image


def meta(data: bytes) -> dict[str, Any]:
    """What a stand-in picture says about itself (its ``standin`` PNG text chunk); {} for any other picture."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = json.loads(getattr(image, "text", {}).get("standin", "{}"))
    except (OSError, ValueError, SyntaxError):
        return {}
    return found if isinstance(found, dict) else {}


def _photo(data: bytes) -> Image.Image:
    """The picture an edit starts from: a stand-in edit's photo (its stored box), else the whole picture."""
    box = meta(data).get("box")
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    if isinstance(box, list) and len(box) == 4 and all(type(v) is int for v in box):
        if 0 <= box[0] < box[2] <= image.width and 0 <= box[1] < box[3] <= image.height:
            return image.crop(tuple(box))
    return image


def _fit(area: Box, ratio: float) -> Box:
    """The largest box of shape ``ratio`` centred in ``area``."""
    aw, ah = area[2] - area[0], area[3] - area[1]
    w, h = (aw, max(1, round(aw / ratio))) if aw / ah <= ratio else (max(1, round(ah * ratio)), ah)
    x, y = area[0] + (aw - w) // 2, area[1] + (ah - h) // 2
    return x, y, x + w, y + h


def _layout(size: tuple[int, int], ratio: float, unit: float) -> tuple[Box, Box]:
    """(area for the photo, the strip): the strip below or beside, whichever leaves the photo larger."""
    w, h = size
    low = round(unit * 4 + 5 * round(unit * 3.7) + _label_height(unit))  # 2 lines of request, 3 of changes
    side = round(max(font(round(unit * 3.2), bold=True).getlength(BADGE) + unit * 24, w * 0.25))
    below = min(max(low, h - round(w / ratio)), round(h * 0.6))
    beside = min(max(side, w - round(h * ratio)), round(w * 0.6))
    options = [((0, 0, w, h - below), (0, h - below, w, h)), ((0, 0, w - beside, h), (w - beside, 0, w, h))]
    return max(options, key=lambda o: (lambda a, b, c, d: (c - a) * (d - b))(*_fit(o[0], ratio)))  # equal: below


def _strip(image: Image.Image, box: Box, asked: str, changes: list[str], notes: list[str], unit: float) -> None:
    """What was asked (two lines at most), notes, then the latest changes that fit, above the labels."""
    draw, margin, line = ImageDraw.Draw(image), round(unit * 2), round(unit * 3.7)  # line: a line of text
    width = box[2] - box[0] - 2 * margin
    bold, face = font(round(unit * 2.8), bold=True), font(round(unit * 2.6))
    head = _wrap(draw, "Stand-in edit: " + " ".join(asked.split()), bold, width)
    head = head if len(head) <= 2 else [head[0], head[1] + " …"]
    room = (box[3] - box[1] - 2 * margin - _label_height(unit)) // line - len(head) - len(notes)
    items = [_wrap(draw, f"• {change}", face, width)[:2] for change in changes]
    kept: list[list[str]] = []
    for item in reversed(items):  # the latest first; one line kept for "… and N earlier"
        if sum(map(len, kept)) + len(item) + (len(kept) + 1 < len(items)) > room:
            break
        kept.insert(0, item)
    rows = [(text, bold, _INK) for text in head] + [(text, bold, (201, 42, 42)) for text in notes]
    if len(kept) < len(items):
        rows.append((f"… and {len(items) - len(kept)} earlier change(s)", face, (90, 90, 90)))
    rows += [(text, face, (60, 60, 60)) for item in kept for text in item]
    for row, (text, style, fill) in enumerate(rows):
        draw.text((box[0] + margin, box[1] + margin + row * line), text, font=style, fill=fill)


def _edit(source: bytes, size: tuple[int, int], asked: str, changes: list[str], notes: list[str]) -> tuple:
    """The edit picture and the photo's box in it."""
    photo, unit = _photo(source), min(size) / 100
    area, strip = _layout(size, photo.width / photo.height, unit)
    box, image = _fit(area, photo.width / photo.height), Image.new("RGB", size, _STRIP)
    ImageDraw.Draw(image).rectangle((area[0], area[1], area[2] - 1, area[3] - 1), fill=_LETTERBOX)
    shape = (box[2] - box[0], box[3] - box[1])
    image.paste(photo if photo.size == shape else photo.resize(shape, Image.Resampling.LANCZOS), box[:2])
    _strip(image, strip, asked, changes, notes, unit)
    return image, box, strip


def picture(spec: ImageSpec, size: Sequence[int], inputs: list[bytes], colours: dict, *, asked="", changes=()) -> bytes:
    """The PNG for one picture of an answer, at ``size``. ``inputs`` are the pictures it may use (an edit
    uses the last); for an edit, ``asked`` is the request's words and ``changes`` the list so far."""
    return _picture(spec, tuple(size), tuple(inputs), tuple(colours.items()), asked, tuple(changes))  # type: ignore


@lru_cache(maxsize=8)  # the same picture asked again (a retry, a request sent twice) is drawn once
def _picture(spec: ImageSpec, size: Any, inputs: Any, colours: Any, asked: str, changes: Any) -> bytes:
    colours, unit, notes = dict(colours), min(size) / 100, [f"STAND-IN: {spec.note}"] if spec.note else []
    info, labels = {}, (0, 0, *size)
    if spec.edit is not None and inputs:
        kept = {k: v for k, v in meta(inputs[-1]).items() if k == "text"}
        notes += ["DRAFT (thought image)"] if spec.thought else []
        image, box, labels = _edit(inputs[-1], size, asked, list(changes), notes)
        info, notes = {**kept, "box": list(box), "changes": list(changes)}, []
    elif isinstance(spec.render, str) and spec.render.strip():
        lines = spec.render.split("\n")
        shown, mistaken = _typo(lines, spec.typo)
        notes += ["STAND-IN: one deliberate typo"] if mistaken else []
        image, info = _text(shown, size, spec.colour, spec.lang, 9 * len(notes)), {"text": lines}
    elif spec.bars:
        image = _bars(spec, size)
    elif spec.compose and inputs:
        image = _compose(spec, size, inputs, colours)
    else:
        image = _scene(spec, size, colours)
    if spec.thought and not info.get("box"):
        _sticker(image, "DRAFT (thought image)", unit, (unit * 4, size[1] * 0.45), fill=(90, 90, 90))
    for row, note in enumerate(notes):  # e.g. a deliberate mistake, said on the picture
        _sticker(image, note, unit, (unit * 4, size[1] - unit * (19 + 9 * row)), fill=(201, 42, 42))
    _label(image, labels, unit)
    return _png(image, info)


def _png(image: Image.Image, info: dict[str, Any]) -> bytes:
    chunk = PngImagePlugin.PngInfo()
    if info:
        chunk.add_itxt("standin", json.dumps(info, ensure_ascii=False, sort_keys=True))
    image.save(buffer := io.BytesIO(), format="PNG", compress_level=3, pnginfo=chunk)
    return buffer.getvalue()
