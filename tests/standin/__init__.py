"""Tests of the stand-in API (``standin``): the wire, the answers files and rules, the pictures, files, batches, time.

Small readers shared by the modules live here; pictures to send come from ``tests.support``.
"""

from __future__ import annotations

import io
from typing import Any

from google.genai import types
from PIL import Image

from helpers import models
from standin import wire

MODEL = "gemini-nano-banana-2.1"
NANO = models.IMAGE_MODELS[MODEL]


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def images_of(response: types.GenerateContentResponse) -> list[bytes]:
    return [p.inline_data.data for p in response.parts or [] if p.inline_data is not None]


def texts_of(response: types.GenerateContentResponse) -> list[str]:
    return [p.text for p in response.parts or [] if p.text is not None]


def ask(prompt: str = "a cat", **fields: Any) -> wire.Ask:
    """What a request asks for, without the wire: a prompt and any Ask field."""
    return wire.Ask(model=NANO, prompt=prompt, **fields)


def image_config(ratio: str | None = None, size: str | None = None, **more: Any) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(image_config=types.ImageConfig(aspect_ratio=ratio, image_size=size), **more)
