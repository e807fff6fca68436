"""A character's look as a small black-and-white code strip, drawn on character sheets.

A notebook may send a character sheet back as a reference image in a *new* request that only says
"draw Pip at the beach". The sheet's code strip carries Pip's look (name, kind, colours, size,
accessories), so the stand-in draws the same Pip. The strip is 4 rows of 8-px cells (at 1024 px
wide), in a fixed place relative to the image size, with a marker byte and a CRC-16: it survives
PNG re-encoding, JPEG and downscaling to half size, and never decodes from an ordinary picture.
"""

from __future__ import annotations

import binascii

from PIL import Image, ImageDraw

from .creatures import ACCESSORIES, KINDS, RGB, Character

ROWS, COLUMNS = 4, 44
MARKER = 0xA7
_NAME_CHARS = " ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-'"
_NAME_LENGTH = 10
_KINDS = sorted(KINDS)
_ACCESSORIES = sorted(set(ACCESSORIES.values()))
_SCALES = (1.0, 0.85, 1.15)


def _bits(value: int, width: int) -> list[int]:
    return [(value >> (width - 1 - i)) & 1 for i in range(width)]


def _int(bits: list[int]) -> int:
    value = 0
    for bit in bits:
        value = value * 2 + bit
    return value


def _colour_bits(colour: RGB) -> list[int]:
    return [b for c in colour for b in _bits(c, 8)]


def _crc(bits: list[int]) -> int:
    padded = bits + [0] * (-len(bits) % 8)
    return binascii.crc_hqx(bytes(_int(padded[i : i + 8]) for i in range(0, len(padded), 8)), 0)


def encode(character: Character) -> list[int] | None:
    """The bits for a character, or None when it cannot be coded (odd name characters...)."""
    name = character.name
    if len(name) > _NAME_LENGTH or any(c not in _NAME_CHARS for c in name):
        return None
    bits = _bits(MARKER, 8) + [int(character.named)]
    for char in name.ljust(_NAME_LENGTH):
        bits += _bits(_NAME_CHARS.index(char), 6)
    kind = _KINDS.index(character.kind) + 1 if character.kind in _KINDS else 0
    bits += _bits(kind, 6)
    bits += _bits(_SCALES.index(character.scale) if character.scale in _SCALES else 0, 2)
    bits += _colour_bits(character.colour)
    accessories = list(character.accessories[:2]) + [("", (0, 0, 0))] * (2 - len(character.accessories[:2]))
    for accessory, colour in accessories:
        bits += _bits(_ACCESSORIES.index(accessory) + 1 if accessory in _ACCESSORIES else 0, 4) + _colour_bits(colour)
    bits += _bits(_crc(bits), 16)
    return bits + [0] * (ROWS * COLUMNS - len(bits))


def decode(bits: list[int]) -> Character | None:
    """The character in `bits`, or None when the marker or checksum does not match."""
    if _int(bits[:8]) != MARKER:
        return None
    named = bool(bits[8])
    at = 9
    name = "".join(_NAME_CHARS[_int(bits[at + 6 * i : at + 6 * i + 6])] for i in range(_NAME_LENGTH)).rstrip()
    at += 6 * _NAME_LENGTH
    kind_index = _int(bits[at : at + 6])
    scale_index = _int(bits[at + 6 : at + 8])
    at += 8
    colour = tuple(_int(bits[at + 8 * i : at + 8 * i + 8]) for i in range(3))
    at += 24
    accessories = []
    for _ in range(2):
        index = _int(bits[at : at + 4])
        acc_colour = tuple(_int(bits[at + 4 + 8 * i : at + 12 + 8 * i]) for i in range(3))
        at += 28
        if index:
            if index > len(_ACCESSORIES):
                return None
            accessories.append((_ACCESSORIES[index - 1], acc_colour))
    if _int(bits[at : at + 16]) != _crc(bits[:at]) or not name or kind_index > len(_KINDS) or scale_index >= len(_SCALES):
        return None
    kind = _KINDS[kind_index - 1] if kind_index else None
    return Character(name, kind, colour, tuple(accessories), _SCALES[scale_index], named,  # type: ignore[arg-type]
                     noun=kind if kind != "person" else "character")


def _geometry(width: int, height: int) -> tuple[float, float, float]:
    """Cell size and top-left corner of the strip: bottom right, above the footer."""
    cell = width / 128
    footer = max(10, min(width, height) // 42) * 2
    x0 = width - width * 0.03 - COLUMNS * cell
    y0 = height - footer - min(width, height) * 0.03 - ROWS * cell
    return cell, x0, y0


def draw_code(draw: ImageDraw.ImageDraw, width: int, height: int, character: Character, label_size: int) -> bool:
    """Draw the strip for `character` (with a white quiet zone and a label); False if it cannot be coded."""
    bits = encode(character)
    if bits is None:
        return False
    cell, x0, y0 = _geometry(width, height)
    pad = cell
    draw.rectangle((x0 - pad, y0 - pad, x0 + COLUMNS * cell + pad, y0 + ROWS * cell + pad), fill=(255, 255, 255, 255),
                   outline=(120, 120, 120, 255))
    for i, bit in enumerate(bits):
        if bit:
            x, y = x0 + (i % COLUMNS) * cell, y0 + (i // COLUMNS) * cell
            draw.rectangle((round(x), round(y), round(x + cell) - 1, round(y + cell) - 1), fill=(0, 0, 0, 255))
    from .draw import font  # late: draw imports this module's users

    draw.text((x0 - pad, y0 - pad - label_size * 1.3), "stand-in character code", font=font(label_size), fill=(90, 90, 100))
    return True


def read_code(image: Image.Image) -> Character | None:
    """The character coded on a (possibly re-encoded or resized) stand-in character sheet, else None."""
    width, height = image.size
    if width < 200 or height < 200:
        return None
    grey = image.convert("L")
    cell, x0, y0 = _geometry(width, height)
    bits = []
    for i in range(ROWS * COLUMNS):
        x = x0 + (i % COLUMNS + 0.5) * cell
        y = y0 + (i // COLUMNS + 0.5) * cell
        bits.append(1 if grey.getpixel((min(width - 1, int(x)), min(height - 1, int(y)))) < 128 else 0)
    return decode(bits)
