"""Builders shared by the unit tests: pictures, SDK responses, a client on the stand-in."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from google import genai
from google.genai import types
from PIL import Image, ImageChops, ImageDraw, ImageFilter

MODEL = "gemini-nano-banana-2.1"


def to_bytes(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    """Encode a Pillow image to the bytes of a file."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    return to_bytes(Image.new("RGB", size, color))


def jpeg(color: str = "blue", size: tuple[int, int] = (64, 48)) -> bytes:
    return to_bytes(Image.new("RGB", size, color), "JPEG")


def drawing(side: int = 1024) -> Image.Image:
    """A flat drawing: filled shapes, lines and lettering on white (compresses far better as PNG)."""
    image = Image.new("RGB", (side, side), "white")
    pen = ImageDraw.Draw(image)
    pen.rectangle((side // 8, side // 8, side // 2, side // 2), fill="orange", outline="black", width=6)
    pen.ellipse((side // 2, side // 3, side - 40, side - 40), fill="teal", outline="black", width=6)
    pen.line((0, side - 10, side, 10), fill="black", width=8)
    pen.text((20, 20), "A flat drawing stays crisp", fill="black", font_size=side // 20)
    return image


def noisy_photo(side: int = 1024) -> Image.Image:
    """Photo-like and hard to compress: gradients under strong noise (Pillow only, no numpy)."""
    gradient = Image.linear_gradient("L").resize((side, side))
    channels = [
        ImageChops.add(gradient.rotate(90 * i), Image.effect_noise((side, side), 40 + 30 * i), scale=2)
        for i in range(3)
    ]
    return Image.merge("RGB", channels)


def huge_png(side: int) -> bytes:
    """A valid, blank, 1-bit ``side``×``side`` PNG built by hand (Pillow takes seconds to write one)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = (b"\x00" + b"\xff" * ((side + 7) // 8)) * side
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def part(item: Any, *, thought: bool = False) -> types.Part:
    """A text (str) or image (bytes) SDK part; a Part is passed through."""
    if isinstance(item, types.Part):
        return item
    if isinstance(item, str):
        return types.Part(text=item, thought=thought or None)
    mime = "image/jpeg" if item.startswith(b"\xff\xd8") else "image/png"
    return types.Part(inline_data=types.Blob(data=item, mime_type=mime), thought=thought or None)


def response(*items: Any, finish: Any = types.FinishReason.STOP, **candidate: Any) -> types.GenerateContentResponse:
    """A one-candidate response holding ``items`` (see :func:`part`)."""
    content = types.Content(role="model", parts=[part(i) for i in items])
    return types.GenerateContentResponse(
        candidates=[types.Candidate(content=content, finish_reason=finish, **candidate)]
    )


def blocked(reason: Any = types.BlockedReason.SAFETY, message: str | None = None) -> types.GenerateContentResponse:
    feedback = types.GenerateContentResponsePromptFeedback(block_reason=reason, block_reason_message=message)
    return types.GenerateContentResponse(prompt_feedback=feedback)


@contextmanager
def standin_client() -> Iterator[genai.Client]:
    """A google-genai client talking to a fresh stand-in server."""
    from standin import StandinServer

    with StandinServer() as server:
        yield genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def interaction(client: genai.Client, prompt: str = "a cat") -> Any:
    return client.interactions.create(model=MODEL, input=prompt, response_format=[{"type": "text"}, {"type": "image"}])


# -- used by tests/test_replay.py --------------------------------------------------------------


def photo_like_image(size: int = 1024, seed: int = 7) -> Image.Image:
    """Deterministic smooth colour fields plus fine grain: compresses like a photo (PNG ~1.4 MB at 1024²)."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (32, 32), rng.randbytes(32 * 32 * 3))
    smooth = small.resize((size, size), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(6))
    cells = max(size // 16, 1)
    detail = Image.frombytes("RGB", (cells, cells), rng.randbytes(cells * cells * 3))
    detail = detail.resize((size, size), Image.Resampling.BICUBIC).point(lambda v: v // 8)
    grain = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3)).point(lambda v: v // 64)
    return ImageChops.add(ImageChops.add(smooth, detail, offset=-16), grain, offset=-2)


def photo_like(size: int = 1024, seed: int = 7) -> bytes:
    """PNG bytes of :func:`photo_like_image`."""
    return to_bytes(photo_like_image(size, seed))
