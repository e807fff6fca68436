"""Drawing a story's characters: simple, friendly creatures built from Pillow shapes.

A character's look (kind, body colour, accessories, size) comes from its name and description
(see `story.Character`), so the same character looks the same in every scene, request and chat.
`draw_character` draws one in a view ("front", "side" or "back") at a centre and size; the caller
writes the name under it.

Kinds are templates: ears, muzzle, tail and extras (shell, wings, mane...). An unknown thing
(a lighthouse, a teapot) is drawn as a plain geometric token instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import ImageDraw

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Kind:
    """How one kind of creature is drawn."""

    colour: RGB  # its natural colour, used when the prompt names none
    ears: str | None = None  # pointed, round, long, floppy, tufts, horns, small, big
    muzzle: str | None = None  # small, long, round, beak, trunk, pig
    tail: str | None = None  # thin, bushy, puff, short, fish, spiky
    extras: tuple[str, ...] = ()  # shell, wings, fins, antenna, spikes, mane, stripes, patches, whiskers, hair, quills
    body: str = "round"  # round, egg, box, person, fish, wide
    face: RGB | None = None  # a lighter face/muzzle patch colour


_PERSON = Kind((70, 110, 190), ears="small", extras=("hair",), body="person")
KINDS: dict[str, Kind] = {
    "cat": Kind((150, 150, 160), ears="pointed", muzzle="small", tail="thin", extras=("whiskers",)),
    "dog": Kind((185, 135, 85), ears="floppy", muzzle="round", tail="short", face=(235, 215, 185)),
    "fox": Kind((230, 120, 40), ears="pointed", muzzle="long", tail="bushy", face=(250, 245, 235)),
    "wolf": Kind((130, 135, 145), ears="pointed", muzzle="long", tail="bushy", face=(220, 220, 225)),
    "bear": Kind((135, 90, 55), ears="round", muzzle="round", face=(200, 165, 120)),
    "panda": Kind((245, 245, 245), ears="round", muzzle="round", extras=("patches",)),
    "koala": Kind((150, 155, 165), ears="big", muzzle="round"),
    "mouse": Kind((165, 165, 175), ears="big", muzzle="small", tail="thin", extras=("whiskers",)),
    "hamster": Kind((220, 170, 110), ears="round", muzzle="small", face=(250, 240, 225)),
    "rabbit": Kind((235, 230, 225), ears="long", muzzle="small", tail="puff", extras=("whiskers",)),
    "bird": Kind((70, 130, 220), muzzle="beak", tail="short", extras=("wings",), body="egg"),
    "owl": Kind((150, 110, 70), ears="tufts", muzzle="beak", extras=("wings", "bigeyes"), body="egg", face=(235, 215, 170)),
    "penguin": Kind((40, 45, 60), muzzle="beak", extras=("wings",), body="egg", face=(250, 250, 250)),
    "duck": Kind((250, 215, 60), muzzle="beak", tail="short", extras=("wings",), body="egg"),
    "chick": Kind((250, 220, 70), muzzle="beak", extras=("wings",), body="egg"),
    "turtle": Kind((70, 150, 80), muzzle=None, tail="short", extras=("shell",), body="wide"),
    "frog": Kind((80, 170, 70), extras=("frogeyes",), body="wide", face=(200, 230, 150)),
    "fish": Kind((250, 150, 40), tail="fish", extras=("fins",), body="fish"),
    "whale": Kind((70, 110, 180), tail="fish", extras=("fins",), body="fish", face=(200, 215, 235)),
    "dragon": Kind((200, 60, 50), ears="horns", muzzle="round", tail="spiky", extras=("wings", "spikes")),
    "dinosaur": Kind((90, 170, 90), muzzle="round", tail="spiky", extras=("spikes",)),
    "elephant": Kind((150, 155, 165), ears="big", muzzle="trunk"),
    "lion": Kind((220, 170, 70), ears="round", muzzle="round", tail="thin", extras=("mane",), face=(245, 215, 150)),
    "tiger": Kind((240, 140, 40), ears="round", muzzle="round", tail="thin", extras=("stripes", "whiskers"), face=(250, 245, 235)),
    "monkey": Kind((140, 95, 60), ears="round", muzzle="round", tail="thin", face=(230, 195, 150)),
    "pig": Kind((245, 170, 185), ears="pointed", muzzle="pig", tail="thin"),
    "cow": Kind((245, 245, 240), ears="horns", muzzle="pig", tail="thin", extras=("patches",)),
    "sheep": Kind((240, 240, 235), ears="floppy", muzzle="small", extras=("wool",)),
    "horse": Kind((150, 95, 55), ears="pointed", muzzle="long", tail="bushy", extras=("mane",)),
    "unicorn": Kind((245, 240, 250), ears="pointed", muzzle="long", tail="bushy", extras=("horn", "mane")),
    "deer": Kind((170, 115, 70), ears="pointed", muzzle="long", tail="puff", extras=("antlers",)),
    "hedgehog": Kind((140, 100, 70), ears="small", muzzle="small", extras=("quills",), face=(230, 200, 160)),
    "squirrel": Kind((190, 100, 50), ears="pointed", muzzle="small", tail="bushy"),
    "raccoon": Kind((140, 140, 150), ears="pointed", muzzle="small", tail="bushy", extras=("mask",)),
    "otter": Kind((120, 85, 55), ears="small", muzzle="round", tail="thin", extras=("whiskers",), face=(210, 180, 140)),
    "bee": Kind((245, 200, 40), extras=("stripes", "wings", "antenna"), body="egg"),
    "snail": Kind((200, 175, 130), extras=("snailshell", "antenna"), body="wide"),
    "robot": Kind((170, 180, 195), extras=("antenna",), body="box"),
    "snowman": Kind((250, 250, 255), muzzle="carrot", body="egg"),
    "person": _PERSON,
}
ALIASES = {
    "kitten": "cat", "kitty": "cat", "puppy": "dog", "pup": "dog", "bunny": "rabbit", "hare": "rabbit",
    "tortoise": "turtle", "toad": "frog", "goldfish": "fish", "dino": "dinosaur", "t-rex": "dinosaur",
    "cub": "bear", "teddy": "bear", "piglet": "pig", "duckling": "duck", "chicken": "chick", "hen": "chick",
    "lamb": "sheep", "pony": "horse", "fawn": "deer", "bot": "robot", "android": "robot", "parrot": "bird",
    "robin": "bird", "sparrow": "bird", "ape": "monkey", "chimp": "monkey", "mice": "mouse", "rat": "mouse",
    "kid": "person", "child": "person", "girl": "person", "boy": "person", "woman": "person",
    "man": "person", "lady": "person", "knight": "person", "princess": "person", "prince": "person",
    "wizard": "person", "witch": "person", "astronaut": "person", "pirate": "person", "chef": "person",
    "detective": "person", "explorer": "person", "farmer": "person", "queen": "person", "king": "person",
    "grandma": "person", "grandpa": "person", "student": "person", "scientist": "person", "dancer": "person",
}
ACCESSORIES = {
    "scarf": "scarf", "hat": "hat", "tophat": "hat", "cap": "cap", "beanie": "cap", "bonnet": "cap",
    "crown": "crown", "tiara": "crown", "glasses": "glasses", "spectacles": "glasses", "goggles": "glasses",
    "sunglasses": "glasses", "bow": "bowtie", "bowtie": "bowtie", "tie": "bowtie", "cape": "cape",
    "cloak": "cape", "backpack": "backpack", "rucksack": "backpack", "satchel": "backpack", "bag": "backpack",
    "umbrella": "umbrella", "helmet": "helmet", "necklace": "necklace", "collar": "necklace",
    "boots": "boots", "wellies": "boots", "shoes": "boots", "sneakers": "boots",
}


@dataclass(frozen=True)
class Character:
    """A character's look: same name and description, same drawing (see `story.find_characters`)."""

    name: str  # "Pip", or the noun for an unnamed one ("fox")
    kind: str | None  # a KINDS template, or None (a geometric token / generic creature)
    colour: RGB
    accessories: tuple[tuple[str, RGB], ...] = ()
    scale: float = 1.0
    named: bool = True
    noun: str | None = None  # the word the prompt used for its kind ("turtle", "kitten")
    traits: tuple[str, ...] = ()  # this request's changes ("braver"); not part of the look

    @property
    def label(self) -> str:
        """How text refers to it: "Pip", "the fox"."""
        return self.name if self.named else f"the {self.name}"


def kind_of(word: str) -> str | None:
    """The template name for a noun ("kitten" -> "cat"), else None."""
    word = word.lower()
    if word in KINDS:
        return word
    if word in ALIASES:
        return ALIASES[word]
    if word.endswith("s") and word[:-1] in KINDS:
        return word[:-1]
    return None


def darker(colour: RGB, factor: float = 0.45) -> RGB:
    return tuple(int(c * factor) for c in colour)  # type: ignore[return-value]


def lighter(colour: RGB, amount: float = 0.45) -> RGB:
    return tuple(int(c + (255 - c) * amount) for c in colour)  # type: ignore[return-value]


def _fill(colour: RGB, alpha: int = 255) -> tuple[int, int, int, int]:
    return (*colour, alpha)


class _Pen:
    """Shapes with a dark outline in one place (centre, radii), for readable drawing code."""

    def __init__(self, draw: ImageDraw.ImageDraw, r: float, outline: RGB) -> None:
        self.draw, self.r, self.outline = draw, r, _fill(outline)
        self.width = max(2, int(r / 16))

    def ellipse(self, x: float, y: float, rx: float, ry: float, fill: RGB | tuple[int, ...], line: bool = True) -> None:
        fill = fill if len(fill) == 4 else _fill(fill)  # type: ignore[arg-type]
        self.draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=fill,
                          outline=self.outline if line else None, width=self.width)

    def polygon(self, points: list[tuple[float, float]], fill: RGB | tuple[int, ...], line: bool = True) -> None:
        fill = fill if len(fill) == 4 else _fill(fill)  # type: ignore[arg-type]
        self.draw.polygon(points, fill=fill, outline=self.outline if line else None, width=self.width)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: RGB, radius: float = 0) -> None:
        self.draw.rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=_fill(fill), outline=self.outline,
                                    width=self.width)

    def line(self, points: list[tuple[float, float]], fill: RGB, width: float | None = None) -> None:
        self.draw.line(points, fill=_fill(fill), width=int(width or self.width), joint="curve")


def ellipse_points(cx: float, cy: float, rx: float, ry: float, degrees: float, n: int = 28) -> list[tuple[float, float]]:
    """A rotated ellipse as a polygon (positive degrees tilt the right end up)."""
    a = math.radians(-degrees)
    out = []
    for i in range(n):
        t = 2 * math.pi * i / n
        x, y = rx * math.cos(t), ry * math.sin(t)
        out.append((cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)))
    return out


def star_points(cx: float, cy: float, r: float, points: int = 5) -> list[tuple[float, float]]:
    out = []
    for i in range(points * 2):
        rad = r if i % 2 == 0 else r * 0.45
        a = math.radians(-90 + i * 180 / points)
        out.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return out


@dataclass(frozen=True)
class Figure:
    """Where the parts of a drawn character are (for the caller's labels)."""

    top: float
    bottom: float


def draw_character(
    draw: ImageDraw.ImageDraw,
    kind_name: str | None,
    colour: RGB,
    accessories: tuple[tuple[str, RGB], ...],
    cx: float,
    cy: float,
    r: float,
    view: str = "front",
    traits: tuple[str, ...] = (),
    hair: RGB = (70, 45, 30),
    skin: RGB = (240, 200, 160),
) -> Figure:
    """Draw a creature of `kind_name` centred on (cx, cy), about 2r tall; return its extent.

    The body centre, (cx, cy + 0.3r) in the front view, is always plain body colour.
    """
    kind = KINDS.get(kind_name or "", None) or Kind(colour, ears="small")
    pen = _Pen(draw, r, darker(colour, 0.35))
    side, back = view == "side", view == "back"
    acc = dict(accessories)
    face_colour = kind.face or lighter(colour, 0.25)
    person = kind.body == "person"
    head_colour = skin if person else lighter(colour, 0.3) if "shell" in kind.extras else colour
    # Geometry: body ellipse and head circle.
    bx, by = cx, cy + 0.30 * r
    brx, bry = 0.62 * r, 0.55 * r
    hx, hy, hr = cx, cy - 0.42 * r, 0.46 * r
    if kind.body == "wide":
        brx, bry = 0.8 * r, 0.5 * r
        hy, hr = cy - 0.3 * r, 0.4 * r
    elif kind.body == "egg":
        brx, bry = 0.66 * r, 0.68 * r
        by = cy + 0.2 * r
        hy, hr = cy - 0.5 * r, 0.44 * r
    elif kind.body == "fish":
        brx, bry = 0.9 * r, 0.55 * r
        by = cy + 0.3 * r
        hx, hy, hr = cx, cy + 0.3 * r, 0  # no separate head
    if side:
        brx *= 1.12
        hx += 0.38 * r if kind.body != "fish" else 0
    facing = 1  # side view faces right

    # Ground shadow.
    pen.ellipse(cx, cy + 0.95 * r, 0.8 * r, 0.12 * r, (0, 0, 0, 70), line=False)

    # Behind the body: cape, wings, fins, tail.
    if "cape" in acc and not back:
        c = acc["cape"]
        pen.polygon([(bx - 0.45 * r, by - 0.5 * r), (bx + 0.45 * r, by - 0.5 * r), (bx + 0.85 * r, by + 0.7 * r),
                     (bx - 0.85 * r, by + 0.7 * r)], c)
    if "wings" in kind.extras:
        wing = darker(colour, 0.8)
        for s in ((-1,) if side else (-1, 1)):
            wx = bx + s * brx * 0.95
            pts = [(wx, by - 0.35 * r), (wx + s * 0.55 * r, by - 0.75 * r), (wx + s * 0.45 * r, by + 0.1 * r),
                   (wx, by + 0.3 * r)]
            if kind_name in ("bird", "owl", "penguin", "duck", "chick"):
                pts = [(wx - s * 0.1 * r, by - 0.3 * r), (wx + s * 0.22 * r, by), (wx - s * 0.05 * r, by + 0.4 * r)]
            pen.polygon(pts, (200, 230, 255, 200) if kind_name == "bee" else _fill(wing))
    if kind.tail and not back:
        _tail(pen, kind.tail, colour, bx - brx * (0.9 if side else 0.75), by + 0.25 * r, r, -1, face_colour)
    if "fins" in kind.extras:
        pen.polygon([(bx - 0.1 * r, by - bry * 0.9), (bx + 0.3 * r, by - bry * 1.5), (bx + 0.4 * r, by - bry * 0.8)],
                    darker(colour, 0.8))

    # Legs and feet.
    if kind.body not in ("fish",) and kind_name != "snail":
        foot = darker(colour, 0.75) if not person else (60, 50, 45)
        if "boots" in acc:
            foot = acc["boots"]
        for s in ((-0.25, 0.3) if side else (-1, 1)):
            fx = bx + s * 0.32 * r if not side else bx + s * r
            pen.ellipse(fx, cy + 0.85 * r, 0.2 * r, 0.13 * r, foot)

    # Body.
    if person:
        pen.polygon([(bx - 0.38 * r, by - 0.5 * r), (bx + 0.38 * r, by - 0.5 * r), (bx + 0.6 * r, by + 0.55 * r),
                     (bx - 0.6 * r, by + 0.55 * r)], colour)
    elif kind.body == "box":
        pen.rect(bx - brx * 0.85, by - bry * 0.9, bx + brx * 0.85, by + bry * 0.9, colour, radius=0.12 * r)
    elif "shell" in kind.extras:
        pen.ellipse(bx, by + 0.05 * r, brx, bry, colour)  # the shell
        if not back:
            pen.ellipse(bx, by + 0.05 * r, brx * 0.72, bry * 0.66, colour, line=False)
        line_colour = darker(colour, 0.6)
        for a in range(0, 360, 60):  # a ring of shell plates, leaving the centre plain
            px = bx + brx * 0.62 * math.cos(math.radians(a))
            py = by + 0.05 * r + bry * 0.6 * math.sin(math.radians(a))
            pen.ellipse(px, py, 0.12 * r, 0.1 * r, line_colour, line=False)
    else:
        pen.ellipse(bx, by, brx, bry, colour)
    if "wool" in kind.extras:
        for i in range(10):
            a = math.radians(i * 36)
            pen.ellipse(bx + brx * 0.9 * math.cos(a), by + bry * 0.9 * math.sin(a), 0.16 * r, 0.16 * r, colour)
    if "snailshell" in kind.extras:
        sx = bx - (0.1 * r if not side else 0.25 * r)
        pen.ellipse(sx, by - 0.35 * r, 0.5 * r, 0.5 * r, darker(colour, 0.7))
        pen.ellipse(sx + 0.05 * r, by - 0.35 * r, 0.28 * r, 0.28 * r, darker(colour, 0.55))
    if "stripes" in kind.extras:
        for dy in (-0.25, 0.05, 0.35) if kind_name == "bee" else (-0.3, 0.42):
            y = by + dy * bry * 2 * 0.55
            half = brx * math.sqrt(max(0.0, 1 - ((y - by) / bry) ** 2)) * 0.92
            pen.line([(bx - half, y), (bx + half, y)], (30, 30, 30), width=0.1 * r)
    if "patches" in kind.extras and kind_name == "cow":
        pen.ellipse(bx - 0.3 * r, by - 0.15 * r, 0.16 * r, 0.12 * r, (40, 40, 40), line=False)
        pen.ellipse(bx + 0.35 * r, by + 0.3 * r, 0.13 * r, 0.1 * r, (40, 40, 40), line=False)
    if "quills" in kind.extras:
        for i in range(9):
            a = math.radians(200 + i * 17.5)
            x0, y0 = bx + brx * math.cos(a), by + bry * math.sin(a)
            pen.polygon([(x0 - 0.08 * r, y0), (x0 + 0.08 * r, y0),
                         (bx + (brx + 0.28 * r) * math.cos(a), by + (bry + 0.28 * r) * math.sin(a))], darker(colour, 0.6))
    if "spikes" in kind.extras and not side:
        for i in range(3):
            y = by - bry * 0.7 + i * 0.3 * r
            pen.polygon([(bx + brx - 0.05 * r, y), (bx + brx + 0.18 * r, y + 0.1 * r), (bx + brx - 0.02 * r, y + 0.22 * r)],
                        darker(colour, 0.7))
    if back and "backpack" in acc:
        pen.rect(bx - 0.32 * r, by - 0.35 * r, bx + 0.32 * r, by + 0.35 * r, acc["backpack"], radius=0.08 * r)
    if back and "cape" in acc:
        c = acc["cape"]
        pen.polygon([(bx - 0.4 * r, by - 0.5 * r), (bx + 0.4 * r, by - 0.5 * r), (bx + 0.75 * r, by + 0.65 * r),
                     (bx - 0.75 * r, by + 0.65 * r)], c)
    if back and kind.tail:
        _tail(pen, kind.tail, colour, bx, by + 0.35 * r, r * 0.9, 0, face_colour)
    if back and "wings" in kind.extras and kind_name not in ("bird", "owl", "penguin", "duck", "chick"):
        for s in (-1, 1):
            pen.polygon([(bx, by - 0.3 * r), (bx + s * 0.7 * r, by - 0.7 * r), (bx + s * 0.5 * r, by + 0.1 * r)],
                        darker(colour, 0.8))

    # Arms (front view: at the sides, so the body centre stays plain).
    if kind.body not in ("fish", "wide", "egg") and kind_name != "snail":
        arm = colour if not person else skin
        for s in ((1,) if side else (-1, 1)):
            ax = bx + s * brx * 0.95 if not side else bx + 0.1 * r
            pen.ellipse(ax, by - 0.05 * r, 0.14 * r, 0.24 * r, arm)
    if "backpack" in acc and not back:
        strap = acc["backpack"]
        for s in ((-1, 1) if not side else ()):
            pen.line([(bx + s * 0.22 * r, by - 0.5 * r), (bx + s * 0.3 * r, by + 0.15 * r)], strap, width=0.08 * r)
        if side:
            pen.rect(bx - brx * 1.05, by - 0.3 * r, bx - brx * 0.55, by + 0.3 * r, strap, radius=0.06 * r)

    if kind.body == "fish":
        if not back:
            ex = bx + (0.45 * r if side else 0.35 * r)
            _eye(pen, ex, by - 0.12 * r, 0.13 * r)
            if not side:
                _eye(pen, bx - 0.35 * r, by - 0.12 * r, 0.13 * r)
            pen.line([(bx + 0.55 * r, by + 0.15 * r), (bx + 0.7 * r, by + 0.12 * r)], darker(colour, 0.35))
        _accessories_head(pen, acc, bx, by - 0.3 * r, 0.5 * r, side, back)
        return Figure(top=cy - 0.6 * r, bottom=cy + r)

    # Scarf sits between body and head.
    if "scarf" in acc:
        c = acc["scarf"]
        pen.ellipse(hx if side else cx, hy + hr * 0.95, hr * 0.95, 0.13 * r, c)
        if not side:
            tail_x = cx + (0.2 * r if not back else -0.1 * r)
            pen.polygon([(tail_x, hy + hr), (tail_x + 0.16 * r, hy + hr), (tail_x + 0.22 * r, hy + hr + 0.45 * r),
                         (tail_x + 0.04 * r, hy + hr + 0.45 * r)], c)
        else:
            pen.polygon([(hx - hr * 0.8, hy + hr * 0.9), (hx - hr * 1.5, hy + hr * 1.3), (hx - hr * 1.4, hy + hr * 1.55),
                         (hx - hr * 0.6, hy + hr * 1.1)], c)
    if "necklace" in acc:
        pen.draw.arc((cx - hr * 0.7, hy + hr * 0.3, cx + hr * 0.7, hy + hr * 1.4), 20, 160, fill=_fill(acc["necklace"]),
                     width=max(2, int(0.06 * r)))

    # Mane, ears, horns behind the head.
    if "mane" in kind.extras:
        mane = darker(colour, 0.7) if kind_name != "unicorn" else (240, 150, 200)
        if kind_name == "lion":
            for i in range(12):
                a = math.radians(i * 30)
                pen.ellipse(hx + hr * 1.05 * math.cos(a), hy + hr * 1.05 * math.sin(a), hr * 0.35, hr * 0.35, mane)
        else:
            pen.ellipse(hx - (0.3 * hr if side else 0), hy - hr * 0.5, hr * 0.5, hr * 0.65, mane)
    _ears(pen, kind.ears, colour if not person else skin, hx, hy, hr, side, kind_name)
    if "antlers" in kind.extras:
        for s in ((-1, 1) if not side else (-1,)):
            x = hx + s * hr * 0.45
            pen.line([(x, hy - hr * 0.8), (x + s * hr * 0.3, hy - hr * 1.6), (x + s * hr * 0.6, hy - hr * 1.9)],
                     (120, 80, 40), width=0.07 * r)
            pen.line([(x + s * hr * 0.3, hy - hr * 1.6), (x + s * hr * 0.05, hy - hr * 1.95)], (120, 80, 40), width=0.07 * r)

    # Head.
    if kind.body == "box":
        pen.rect(hx - hr * 0.9, hy - hr * 0.8, hx + hr * 0.9, hy + hr * 0.8, colour, radius=0.1 * r)
        pen.line([(hx, hy - hr * 0.8), (hx, hy - hr * 1.3)], darker(colour, 0.5))
        pen.ellipse(hx, hy - hr * 1.35, hr * 0.14, hr * 0.14, (230, 60, 60))
    else:
        pen.ellipse(hx, hy, hr, hr, head_colour)
    if person:  # hair
        if back:
            pen.ellipse(hx, hy, hr * 0.98, hr * 0.98, hair)
        else:
            pen.draw.chord((hx - hr, hy - hr, hx + hr, hy + hr * 0.35), 180, 360, fill=_fill(hair),
                           outline=pen.outline, width=pen.width)
    if "horn" in kind.extras:
        pen.polygon([(hx - hr * 0.15, hy - hr * 0.85), (hx + hr * 0.15, hy - hr * 0.85), (hx, hy - hr * 1.7)], (250, 215, 80))
    if "antenna" in kind.extras and kind.body != "box":
        for s in ((-1, 1) if not side else (1,)):
            pen.line([(hx + s * hr * 0.3, hy - hr * 0.8), (hx + s * hr * 0.6, hy - hr * 1.5)], (40, 40, 40))
            pen.ellipse(hx + s * hr * 0.6, hy - hr * 1.5, hr * 0.12, hr * 0.12, (40, 40, 40))

    if not back:
        _face(pen, kind, kind_name, colour, face_colour, hx, hy, hr, r, side, traits)
    _accessories_head(pen, acc, hx, hy, hr, side, back)
    if any(t.startswith("brave") for t in traits) and not back:  # a gold star badge on the chest
        pen.polygon(star_points(bx - 0.3 * r if not side else bx - 0.1 * r, by - 0.2 * r, 0.22 * r), (250, 205, 40))
    top = hy - hr * (1.9 if kind.ears in ("long", "horns") or "hat" in acc or "antlers" in kind.extras else 1.2)
    return Figure(top=top, bottom=cy + r)


def _eye(pen: _Pen, x: float, y: float, size: float, closed: bool = False, big: bool = False) -> None:
    if closed:
        pen.draw.arc((x - size, y - size * 0.6, x + size, y + size * 0.6), 10, 170, fill=(20, 20, 20, 255),
                     width=max(2, int(size / 3)))
        return
    if big:
        pen.ellipse(x, y, size * 1.5, size * 1.5, (250, 240, 200))
    pen.ellipse(x, y, size, size, (255, 255, 255), line=False)
    pen.ellipse(x + size * 0.12, y + size * 0.1, size * 0.55, size * 0.6, (20, 20, 20), line=False)
    pen.ellipse(x + size * 0.3, y - size * 0.2, size * 0.18, size * 0.18, (255, 255, 255), line=False)


def _face(pen: _Pen, kind: Kind, kind_name: str | None, colour: RGB, face: RGB, hx: float, hy: float, hr: float,
          r: float, side: bool, traits: tuple[str, ...]) -> None:
    closed = any(t.startswith(("sleep", "tired")) for t in traits)
    big = "bigeyes" in kind.extras
    eye = hr * (0.24 if big else 0.2)
    if "patches" in kind.extras and kind_name == "panda":
        for s in ((1,) if side else (-1, 1)):
            ex = hx + (s * hr * 0.38 if not side else hr * 0.4)
            pen.ellipse(ex, hy - hr * 0.02, hr * 0.27, hr * 0.22, (30, 30, 30), line=False)
    if "mask" in kind.extras:
        pen.ellipse(hx + (hr * 0.3 if side else 0), hy - hr * 0.05, hr * (0.6 if side else 0.85), hr * 0.25, (40, 40, 45), line=False)
    if kind.face and kind.muzzle not in ("beak",) and not side and kind_name not in ("owl",):
        pen.ellipse(hx, hy + hr * 0.35, hr * 0.55, hr * 0.45, face, line=False)
    if kind_name == "owl" and not side:
        pen.ellipse(hx, hy + hr * 0.05, hr * 0.85, hr * 0.7, face, line=False)
    if "frogeyes" in kind.extras:
        for s in ((1,) if side else (-1, 1)):
            ex = hx + (s * hr * 0.5 if not side else hr * 0.35)
            pen.ellipse(ex, hy - hr * 0.75, hr * 0.32, hr * 0.32, colour)
            _eye(pen, ex, hy - hr * 0.75, hr * 0.22, closed)
    else:
        for s in ((1,) if side else (-1, 1)):
            ex = hx + (s * hr * 0.38 if not side else hr * 0.45)
            _eye(pen, ex, hy - hr * 0.05, eye, closed, big)
    # Muzzle, nose, beak, trunk.
    mx = hx + (hr * 0.85 if side else 0)
    my = hy + hr * 0.38
    if kind.muzzle == "beak":
        if side:
            pen.polygon([(hx + hr * 0.8, hy + hr * 0.05), (hx + hr * 1.35, hy + hr * 0.25), (hx + hr * 0.8, hy + hr * 0.42)], (245, 160, 40))
        else:
            pen.polygon([(hx - hr * 0.18, hy + hr * 0.22), (hx + hr * 0.18, hy + hr * 0.22), (hx, hy + hr * 0.55)], (245, 160, 40))
        return
    if kind.muzzle == "carrot":
        tip = hx + hr * (1.5 if side else 0.5)
        pen.polygon([(hx, hy + hr * 0.1), (tip, hy + hr * 0.3), (hx, hy + hr * 0.42)], (240, 130, 30))
        return
    if kind.muzzle == "trunk":
        if side:
            pen.line([(hx + hr * 0.7, hy + hr * 0.2), (hx + hr * 1.3, hy + hr * 0.6), (hx + hr * 1.35, hy + hr * 1.2)],
                     colour, width=hr * 0.35)
        else:
            pen.line([(hx, hy + hr * 0.2), (hx, hy + hr * 0.9), (hx + hr * 0.25, hy + hr * 1.25)], colour, width=hr * 0.35)
        return
    if kind.muzzle == "long" and side:
        pen.polygon([(hx + hr * 0.55, hy), (hx + hr * 1.45, hy + hr * 0.35), (hx + hr * 0.55, hy + hr * 0.6)], face)
        pen.ellipse(hx + hr * 1.42, hy + hr * 0.35, hr * 0.1, hr * 0.09, (25, 25, 25), line=False)
    elif kind.muzzle == "long":
        pen.polygon([(hx - hr * 0.35, hy + hr * 0.15), (hx + hr * 0.35, hy + hr * 0.15), (hx, hy + hr * 0.75)], face)
        pen.ellipse(hx, hy + hr * 0.66, hr * 0.1, hr * 0.08, (25, 25, 25), line=False)
    elif kind.muzzle in ("round", "pig"):
        snout = lighter(colour, 0.3) if kind.muzzle == "pig" else face
        pen.ellipse(mx, my, hr * (0.3 if side else 0.32), hr * 0.22, snout)
        if kind.muzzle == "pig":
            for s in (-1, 1):
                pen.ellipse(mx + s * hr * 0.1, my, hr * 0.05, hr * 0.07, darker(colour, 0.5), line=False)
        else:
            pen.ellipse(mx + (hr * 0.15 if side else 0), my - hr * 0.08, hr * 0.1, hr * 0.07, (25, 25, 25), line=False)
    elif kind.muzzle == "small":
        pen.polygon([(mx - hr * 0.08, my - hr * 0.08), (mx + hr * 0.08, my - hr * 0.08), (mx, my + hr * 0.02)], (230, 120, 140))
    if "whiskers" in kind.extras:
        for s in ((1,) if side else (-1, 1)):
            for dy in (-0.05, 0.07):
                pen.line([(mx + s * hr * 0.15, my + hr * dy), (mx + s * hr * 0.75, my + hr * (dy * 2.5))], (40, 40, 40),
                         width=max(1, hr * 0.03))
    # Mouth: a smile, or a frown when sad.
    sad = any(t.startswith(("sad", "grump", "angr")) for t in traits)
    happy = any(t.startswith(("happ", "cheer", "joy")) for t in traits)
    mw = hr * (0.3 if happy else 0.2)
    mouth_y = my + hr * (0.12 if kind.muzzle in ("round", "pig") else 0.08)
    box = (mx - mw, mouth_y - mw * 0.6, mx + mw, mouth_y + mw * 0.6)
    if sad:
        pen.draw.arc((box[0], box[1] + mw * 0.8, box[2], box[3] + mw * 0.8), 200, 340, fill=(25, 25, 25, 255),
                     width=max(2, int(hr * 0.05)))
    else:
        pen.draw.arc(box, 20, 160, fill=(25, 25, 25, 255), width=max(2, int(hr * 0.05)))


def _ears(pen: _Pen, ears: str | None, colour: RGB, hx: float, hy: float, hr: float, side: bool, kind_name: str | None) -> None:
    if not ears:
        return
    inner = lighter(colour, 0.45)
    sides = (-1,) if side else (-1, 1)
    for s in sides:
        if ears == "pointed":
            x = hx + s * hr * 0.55 - (hr * 0.15 if side else 0)
            pts = [(x - hr * 0.32, hy - hr * 0.55), (x + hr * 0.32, hy - hr * 0.55), (x + s * hr * 0.12, hy - hr * 1.35)]
            pen.polygon(pts, colour)
            pen.polygon([(x - hr * 0.15, hy - hr * 0.65), (x + hr * 0.15, hy - hr * 0.65), (x + s * hr * 0.08, hy - hr * 1.1)],
                        inner, line=False)
        elif ears == "round":
            pen.ellipse(hx + s * hr * 0.7, hy - hr * 0.7, hr * 0.3, hr * 0.3,
                        (30, 30, 30) if kind_name == "panda" else colour)
        elif ears == "big":
            pen.ellipse(hx + s * hr * (0.95 if kind_name == "elephant" else 0.75), hy - hr * (0.1 if kind_name == "elephant" else 0.65),
                        hr * 0.5, hr * (0.6 if kind_name == "elephant" else 0.48), colour)
            pen.ellipse(hx + s * hr * (0.95 if kind_name == "elephant" else 0.75), hy - hr * (0.1 if kind_name == "elephant" else 0.65),
                        hr * 0.3, hr * 0.35, inner, line=False)
        elif ears == "long":
            pen.ellipse(hx + s * hr * 0.35, hy - hr * 1.35, hr * 0.2, hr * 0.7, colour)
            pen.ellipse(hx + s * hr * 0.35, hy - hr * 1.35, hr * 0.1, hr * 0.5, (240, 170, 185), line=False)
        elif ears == "floppy":
            pen.ellipse(hx + s * hr * 0.9, hy + hr * 0.1, hr * 0.25, hr * 0.55, darker(colour, 0.75))
        elif ears == "tufts":
            x = hx + s * hr * 0.55
            pen.polygon([(x - hr * 0.2, hy - hr * 0.7), (x + hr * 0.2, hy - hr * 0.7), (x + s * hr * 0.3, hy - hr * 1.2)], colour)
        elif ears == "horns":
            x = hx + s * hr * 0.45
            pen.polygon([(x - hr * 0.12, hy - hr * 0.75), (x + hr * 0.12, hy - hr * 0.75), (x + s * hr * 0.25, hy - hr * 1.45)],
                        (240, 230, 200))
        elif ears == "small":
            pen.ellipse(hx + s * hr * 0.95, hy + hr * 0.05, hr * 0.14, hr * 0.2, colour)


def _tail(pen: _Pen, tail: str, colour: RGB, x: float, y: float, r: float, direction: int, tip: RGB) -> None:
    d = direction or 1
    if tail == "thin":
        pen.line([(x, y), (x + d * 0.45 * r, y - 0.2 * r), (x + d * 0.55 * r, y - 0.6 * r)], darker(colour, 0.85),
                 width=0.09 * r)
    elif tail == "bushy":
        if direction == 0:  # seen from behind: hanging down the back
            pen.polygon(ellipse_points(x, y + 0.25 * r, 0.2 * r, 0.42 * r, 0), colour)
            pen.ellipse(x, y + 0.6 * r, 0.13 * r, 0.1 * r, tip)
        else:
            tx, ty = x + d * 0.5 * r, y - 0.3 * r
            pen.polygon(ellipse_points(tx, ty, 0.52 * r, 0.2 * r, 35 * d), colour)
            tip_x, tip_y = tx + d * 0.4 * r * math.cos(math.radians(35)), ty - 0.4 * r * math.sin(math.radians(35))
            pen.polygon(ellipse_points(tip_x, tip_y, 0.14 * r, 0.12 * r, 35 * d), tip)
    elif tail == "puff":
        pen.ellipse(x + d * 0.05 * r, y, 0.16 * r, 0.16 * r, lighter(colour, 0.5))
    elif tail == "short":
        pen.polygon([(x, y - 0.1 * r), (x + d * 0.3 * r, y + 0.05 * r), (x, y + 0.15 * r)], colour)
    elif tail == "fish":
        pen.polygon([(x, y - 0.25 * r), (x + d * 0.55 * r, y - 0.6 * r), (x + d * 0.55 * r, y + 0.2 * r)],
                    darker(colour, 0.85))
    elif tail == "spiky":
        pen.polygon([(x, y - 0.2 * r), (x + d * 0.9 * r, y + 0.35 * r), (x, y + 0.25 * r)], colour)


def _accessories_head(pen: _Pen, acc: dict[str, RGB], hx: float, hy: float, hr: float, side: bool, back: bool) -> None:
    if "glasses" in acc and not back:
        c = acc["glasses"]
        for s in ((1,) if side else (-1, 1)):
            ex = hx + (s * hr * 0.38 if not side else hr * 0.45)
            pen.draw.ellipse((ex - hr * 0.26, hy - hr * 0.3, ex + hr * 0.26, hy + hr * 0.2), outline=_fill(c),
                             width=max(3, int(hr * 0.09)))
        if not side:
            pen.line([(hx - hr * 0.12, hy - hr * 0.08), (hx + hr * 0.12, hy - hr * 0.08)], c, width=hr * 0.07)
    if "bowtie" in acc and not back:
        c, y = acc["bowtie"], hy + hr * 1.05
        x = hx if not side else hx - hr * 0.2
        pen.polygon([(x, y), (x - hr * 0.35, y - hr * 0.2), (x - hr * 0.35, y + hr * 0.2)], c)
        pen.polygon([(x, y), (x + hr * 0.35, y - hr * 0.2), (x + hr * 0.35, y + hr * 0.2)], c)
        pen.ellipse(x, y, hr * 0.09, hr * 0.09, c)
    if "hat" in acc:
        c = acc["hat"]
        pen.rect(hx - hr * 0.95, hy - hr * 0.85, hx + hr * 0.95, hy - hr * 0.68, c, radius=hr * 0.05)
        pen.rect(hx - hr * 0.55, hy - hr * 1.65, hx + hr * 0.55, hy - hr * 0.8, c, radius=hr * 0.06)
        pen.line([(hx - hr * 0.55, hy - hr * 0.92), (hx + hr * 0.55, hy - hr * 0.92)], lighter(c, 0.6), width=hr * 0.12)
    if "cap" in acc:
        c = acc["cap"]
        pen.draw.chord((hx - hr * 0.9, hy - hr * 1.2, hx + hr * 0.9, hy + hr * 0.1), 180, 360, fill=_fill(c),
                       outline=pen.outline, width=pen.width)
        pen.ellipse(hx, hy - hr * 1.2, hr * 0.16, hr * 0.16, lighter(c, 0.5))
    if "helmet" in acc:
        c = acc["helmet"]
        pen.draw.chord((hx - hr * 1.02, hy - hr * 1.1, hx + hr * 1.02, hy + hr * 0.5), 180, 360, fill=_fill(c),
                       outline=pen.outline, width=pen.width)
    if "crown" in acc:
        c = acc["crown"]
        base = hy - hr * 0.8
        pts = [(hx - hr * 0.55, base), (hx - hr * 0.55, base - hr * 0.5), (hx - hr * 0.28, base - hr * 0.22),
               (hx, base - hr * 0.6), (hx + hr * 0.28, base - hr * 0.22), (hx + hr * 0.55, base - hr * 0.5),
               (hx + hr * 0.55, base)]
        pen.polygon(pts, c)
    if "umbrella" in acc and not back:
        c = acc["umbrella"]
        ux = hx + hr * 1.6
        pen.line([(ux, hy - hr * 1.3), (ux, hy + hr * 1.7)], (60, 50, 40), width=hr * 0.08)
        pen.draw.pieslice((ux - hr * 1.3, hy - hr * 2.3, ux + hr * 1.3, hy - hr * 0.3), 180, 360, fill=_fill(c),
                          outline=pen.outline, width=pen.width)


def draw_token(draw: ImageDraw.ImageDraw, shape: str, colour: RGB, cx: float, cy: float, r: float) -> None:
    """A geometric token for a subject that is not a creature (a lighthouse, a teapot)."""
    dark = darker(colour, 0.33)
    outline = max(2, int(r / 14))
    for (x, y), fill, line in (((cx + r * 0.12, cy + r * 0.12), (0, 0, 0, 90), None), ((cx, cy), _fill(colour), _fill(dark))):
        if shape == "circle":
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=line, width=outline)
        elif shape == "square":
            draw.rounded_rectangle((x - r * 0.85, y - r * 0.85, x + r * 0.85, y + r * 0.85), radius=r * 0.2, fill=fill,
                                   outline=line, width=outline)
        else:
            draw.polygon(_polygon(shape, x, y, r), fill=fill, outline=line, width=outline)


def _polygon(shape: str, cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    """Vertices of a regular shape centred on (cx, cy)."""
    if shape == "triangle":
        angles, radii = [-90, 30, 150], [r] * 3
    elif shape == "diamond":
        angles, radii = [-90, 0, 90, 180], [r, r * 0.75, r, r * 0.75]
    elif shape == "hexagon":
        angles, radii = list(range(0, 360, 60)), [r] * 6
    else:  # star
        return star_points(cx, cy, r)
    return [(cx + rad * math.cos(math.radians(a)), cy + rad * math.sin(math.radians(a))) for a, rad in zip(angles, radii)]
