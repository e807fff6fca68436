"""Builders shared by the unit tests: encoded images, photo-like pictures, base64."""

from __future__ import annotations

import base64
import io
import random
from typing import Any

from PIL import Image, ImageChops, ImageFilter


def encode(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    """Encode a Pillow image to bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    """Standard base64, as the REST API sends response images."""
    return base64.b64encode(data).decode()


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
    return encode(photo_like_image(size, seed))
