"""Draw the sample pictures in notebooks/assets/: ``python -m tools.assets``.

The notebooks need pictures to edit and to use as references even when you bring none of your own.
These are drawn here with Pillow (no photo of anyone, nothing under someone else's licence), so the
collection can ship them. Drawing is deterministic: running this again writes the same files.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ASSETS = Path(__file__).resolve().parents[1] / "notebooks" / "assets"


def _grain(image: Image.Image, seed: int, strength: int = 10) -> Image.Image:
    """A little film grain, so the picture compresses (and is edited) like a photo, not a flat drawing."""
    rng = random.Random(seed)
    noise = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height)).point(
        lambda v: 128 + (v - 128) * strength // 128
    )
    return Image.composite(image, image.point(lambda v: min(255, v + 12)), noise.point(lambda v: 255 if v > 128 else 0))


def _houses(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    *,
    count: int,
    left: int,
    step: int,
    width: int,
    base: int,
    tallest: tuple[int, int],
) -> list[tuple[int, int]]:
    """A row of houses in random colours and heights, with red roofs; returns each one's left edge and top."""
    placed = []
    roof, overhang = (40, 6) if width > 70 else (26, 4)
    for index in range(count):
        x = left + index * step
        top = base - rng.randint(*tallest)
        colour = rng.choice([(232, 196, 120), (214, 110, 90), (240, 232, 214), (120, 160, 200), (200, 150, 190)])
        draw.rectangle([x, top, x + width, base], fill=colour, outline=(70, 60, 55), width=2)
        draw.polygon(
            [(x - overhang, top), (x + width // 2, top - roof), (x + width + overhang, top)], fill=(150, 70, 50)
        )
        placed.append((x, top))
    return placed


def harbour() -> Image.Image:
    """A small harbour at midday: sky, hills, houses, a quay and calm water."""
    image = Image.new("RGB", (1024, 768))
    draw = ImageDraw.Draw(image)
    for y in range(768):  # sky, then water
        t = y / 767
        draw.line(
            [(0, y), (1023, y)],
            fill=(120 + int(80 * t), 170 + int(50 * t), 230)
            if y < 430
            else (40 + int(30 * t), 110 + int(40 * t), 150 + int(30 * t)),
        )
    draw.polygon([(0, 430), (0, 300), (260, 250), (520, 320), (780, 240), (1024, 300), (1024, 430)], fill=(86, 128, 80))
    for x, top in _houses(draw, random.Random(3), count=9, left=60, step=102, width=84, base=430, tallest=(70, 120)):
        for wx in (x + 14, x + 52):  # windows
            draw.rectangle([wx, top + 20, wx + 18, top + 44], fill=(60, 80, 110))
    draw.rectangle([0, 430, 1023, 452], fill=(150, 140, 125))  # the quay
    for x in range(0, 1024, 64):  # ripples
        for y in range(480, 768, 36):
            draw.line([(x + (y % 72), y), (x + (y % 72) + 30, y)], fill=(170, 210, 230), width=2)
    return _grain(image.filter(ImageFilter.SMOOTH), seed=1)


def mug() -> Image.Image:
    """A product shot: a blue mug on a white table."""
    image = Image.new("RGB", (768, 768), (246, 246, 244))
    draw = ImageDraw.Draw(image)
    draw.ellipse([170, 560, 600, 640], fill=(215, 215, 212))  # shadow
    draw.rectangle([230, 250, 530, 600], fill=(40, 90, 170))
    draw.ellipse([230, 560, 530, 640], fill=(40, 90, 170))
    draw.ellipse([230, 210, 530, 290], fill=(30, 70, 140), outline=(25, 55, 110), width=4)
    draw.ellipse([470, 320, 650, 510], outline=(40, 90, 170), width=34)
    draw.rectangle([230, 290, 530, 600], fill=(40, 90, 170))
    draw.rectangle([280, 300, 300, 560], fill=(90, 140, 210))  # highlight
    return _grain(image.filter(ImageFilter.SMOOTH_MORE), seed=2, strength=6)


def robot() -> Image.Image:
    """A character: a small orange robot with round eyes, standing."""
    image = Image.new("RGB", (768, 768), (236, 240, 246))
    draw = ImageDraw.Draw(image)
    orange, dark = (236, 124, 48), (120, 60, 30)
    draw.rounded_rectangle([264, 330, 504, 600], radius=30, fill=orange, outline=dark, width=6)  # body
    draw.rounded_rectangle([284, 140, 484, 320], radius=40, fill=orange, outline=dark, width=6)  # head
    for x in (334, 434):
        draw.ellipse([x - 32, 200, x + 32, 264], fill="white", outline=dark, width=4)
        draw.ellipse([x - 12, 220, x + 12, 244], fill=(30, 30, 30))
    draw.line([(384, 140), (384, 90)], fill=dark, width=6)
    draw.ellipse([368, 70, 400, 102], fill=(250, 210, 60))
    for x in (300, 430):
        draw.rectangle([x, 600, x + 40, 690], fill=dark)
    draw.rectangle([344, 400, 424, 470], fill=(250, 210, 60), outline=dark, width=4)
    return _grain(image, seed=3, strength=4)


def watercolour() -> Image.Image:
    """A style reference: soft overlapping washes of colour on paper."""
    image = Image.new("RGB", (768, 768), (250, 246, 236))
    rng = random.Random(4)
    for _ in range(22):
        layer = Image.new("L", image.size, 0)
        x, y, r = rng.randint(0, 768), rng.randint(0, 768), rng.randint(80, 220)
        ImageDraw.Draw(layer).ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(110, 180))
        colour = Image.new(
            "RGB",
            image.size,
            rng.choice([(90, 150, 200), (230, 140, 120), (240, 200, 110), (140, 190, 140), (180, 140, 200)]),
        )
        image = Image.composite(colour, image, layer.filter(ImageFilter.GaussianBlur(30)))
    return _grain(image, seed=5, strength=8)


def _person(draw: ImageDraw.ImageDraw, x: int, feet: int, coat: tuple, skin: tuple, hair: tuple, facing: int) -> None:
    """A simple standing figure, about 300 px tall, turned towards ``facing`` (-1 left, 1 right); no face."""
    dark = tuple(max(0, c - 60) for c in coat)
    draw.ellipse([x - 62, feet - 10, x + 62, feet + 12], fill=(110, 104, 96))  # shadow on the stones
    for side in (-1, 1):  # legs and shoes
        draw.rounded_rectangle(
            [x + side * 22 - 13, feet - 128, x + side * 22 + 13, feet - 8], radius=8, fill=(50, 55, 70)
        )
        draw.ellipse(
            [x + side * 22 - 16 + facing * 8, feet - 18, x + side * 22 + 18 + facing * 8, feet + 2], fill=(35, 30, 30)
        )
    draw.rounded_rectangle([x - 48, feet - 250, x + 48, feet - 110], radius=26, fill=coat, outline=dark, width=3)
    for side in (-1, 1):  # arms hanging at the sides
        draw.rounded_rectangle([x + side * 50 - 13, feet - 240, x + side * 50 + 13, feet - 140], radius=12, fill=dark)
        draw.ellipse([x + side * 50 - 12, feet - 150, x + side * 50 + 12, feet - 126], fill=skin)
    draw.rectangle([x - 11, feet - 268, x + 11, feet - 246], fill=skin)  # neck
    draw.ellipse([x - 34, feet - 332, x + 34, feet - 262], fill=skin)  # head
    draw.chord([x - 36, feet - 336, x + 36, feet - 280], 180, 360, fill=hair)  # hair
    draw.ellipse(
        [x + facing * 30 - 7, feet - 304, x + facing * 30 + 7, feet - 288], fill=skin
    )  # an ear, to turn the head


def quay() -> Image.Image:
    """A harbour quay with exactly two people standing on it, a few steps apart, turned to each other."""
    image = Image.new("RGB", (1024, 768))
    draw = ImageDraw.Draw(image)
    for y in range(420):  # sky, then water
        t = y / 419
        draw.line(
            [(0, y), (1023, y)],
            fill=(130 + int(70 * t), 175 + int(45 * t), 232) if y < 230 else (50, 120 + int(40 * t), 160),
        )
    draw.polygon([(0, 230), (0, 150), (300, 110), (560, 170), (840, 120), (1024, 160), (1024, 230)], fill=(90, 130, 84))
    _houses(
        draw, random.Random(6), count=12, left=20, step=84, width=62, base=230, tallest=(40, 70)
    )  # across the water
    for x in range(0, 1024, 56):  # ripples
        for y in range(260, 420, 30):
            draw.line([(x + (y % 60), y), (x + (y % 60) + 26, y)], fill=(170, 210, 230), width=2)
    draw.rectangle([0, 420, 1023, 767], fill=(168, 160, 146))  # the quay, paved with stone slabs
    for row, y in enumerate(range(440, 768, 54)):
        draw.line([(0, y), (1023, y)], fill=(140, 132, 120), width=3)
        for x in range(-60 + (row % 2) * 60, 1024, 120):
            draw.line([(x, y), (x, y + 54)], fill=(140, 132, 120), width=3)
    draw.rectangle([0, 420, 1023, 438], fill=(120, 112, 100))  # the quay's edge
    for x in (90, 930):  # bollards
        draw.rounded_rectangle([x - 20, 400, x + 20, 470], radius=12, fill=(45, 45, 50))
    _person(draw, 400, 700, coat=(196, 60, 52), skin=(226, 184, 150), hair=(70, 45, 30), facing=1)
    _person(draw, 640, 700, coat=(52, 96, 170), skin=(150, 104, 78), hair=(30, 28, 28), facing=-1)
    return _grain(image.filter(ImageFilter.SMOOTH), seed=6)


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    pictures = {"harbour": harbour, "mug": mug, "robot": robot, "watercolour": watercolour, "quay": quay}
    for name, draw in pictures.items():
        path = ASSETS / f"{name}.jpg"
        draw().save(path, "JPEG", quality=85, optimize=True)
        print(f"{path.relative_to(ASSETS.parents[1])}: {path.stat().st_size / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
