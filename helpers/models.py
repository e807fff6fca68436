"""The image models: one table of facts, each with its source and the date it was checked.

Notebooks, the stand-in API and the tests read these facts from here; nothing else hard-codes
a model fact. Checked on 2026-12-01 against the Gemini API changelog and deprecations page, the
image generation guide and, where Google publishes nothing, third-party measurements (marked).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from helpers.errors import LearnerError

AS_OF = "2026-12-01"

CHANGELOG = "https://ai.google.dev/gemini-api/docs/changelog"
DEPRECATIONS = "https://ai.google.dev/gemini-api/docs/deprecations"
IMAGE_GUIDE = "https://ai.google.dev/gemini-api/docs/image-generation"
CACHING = "https://ai.google.dev/gemini-api/docs/caching"
BATCH_COOKBOOK = "https://github.com/google-gemini/cookbook/blob/main/quickstarts/Batch_mode.ipynb"
BATCH_GUIDE = "https://ai.google.dev/gemini-api/docs/batch-api"

#: The Batch API's price, as a share of the standard one, and its target time (BATCH_GUIDE, checked 2026-12-06:
#: "50% of the standard cost", a target turnaround of 24 hours, inline requests under 20 MB in all).
BATCH_PRICE_SHARE = 0.5
BATCH_TARGET_HOURS = 24
BATCH_INLINE_BYTES = 20_000_000

#: Pixel sizes at 1K, as the live API returns them (2K and 4K are twice and four times these).
_PIXELS_14 = {
    "1:1": (1024, 1024),
    "2:3": (848, 1264),
    "3:2": (1264, 848),
    "3:4": (896, 1200),
    "4:3": (1200, 896),
    "4:5": (928, 1152),
    "5:4": (1152, 928),
    "9:16": (768, 1376),
    "16:9": (1376, 768),
    "21:9": (1584, 672),
    "1:4": (512, 2064),
    "4:1": (2064, 512),
    "1:8": (352, 2928),
    "8:1": (2928, 352),
}
_PIXELS_10 = {ratio: size for ratio, size in _PIXELS_14.items() if ratio not in ("1:4", "4:1", "1:8", "8:1")}
_SCALE = {"512": 0.5, "1K": 1, "2K": 2, "4K": 4}


@dataclass(frozen=True)
class ImageModel:
    """What one image model accepts and costs."""

    id: str
    name: str
    status: str  # "recommended", "available" or "deprecated"
    since: str  # the day it became generally available
    pixels: dict[str, tuple[int, int]]  # aspect ratio -> width, height at 1K
    sizes: tuple[str, ...]  # accepted image_size values
    max_input_images: int
    thinking_levels: tuple[str, ...]  # accepted thinking_level values; () when it cannot be set
    tokens_per_image: dict[str, int]  # output tokens billed for one image, by size
    usd_per_million_image_tokens: float
    search_grounding: bool
    sources: tuple[str, ...]
    usd_per_million_input_tokens: float | None = None  # None: no published price found
    usd_per_million_text_tokens: float | None = None  # text and thinking output
    notes: str = ""
    replacement: str | None = None  # for a deprecated model
    input_image_tokens: int = 560  # stand-in's estimate per input image (Google publishes none for these)
    #: Implicit caching discounts repeated input from this many input tokens on. The caching page (CACHING,
    #: updated 2026-10-13) gives 4,096 for Gemini 3.x models and names no image model: unverified for these.
    cache_min_tokens: int = 4096
    #: Whether the Batch API (models/{id}:batchGenerateContent) takes this model; None: not confirmed. The stand-in
    #: refuses a batch only for False. Source: BATCH_COOKBOOK's model choices (checked 2026-12-01); Google's
    #: batch-mode guide names no image model, and no model page checked says either way.
    batch: bool | None = None

    @property
    def aspect_ratios(self) -> tuple[str, ...]:
        return tuple(self.pixels)

    def pixel_size(self, aspect_ratio: str = "1:1", image_size: str = "1K") -> tuple[int, int]:
        """Width and height of an image of this ratio and size (ValueError for a refused one)."""
        if aspect_ratio not in self.pixels:
            raise ValueError(f"{self.id} has no aspect ratio {aspect_ratio!r}; it has {', '.join(self.pixels)}")
        if image_size not in self.sizes:
            raise ValueError(f"{self.id} has no image size {image_size!r}; it has {', '.join(self.sizes)}")
        width, height = self.pixels[aspect_ratio]
        scale = _SCALE[image_size]
        return round(width * scale), round(height * scale)

    def usd_per_image(self, image_size: str = "1K") -> float:
        """The price of one output image of this size, in US dollars."""
        return self.tokens_per_image[image_size] * self.usd_per_million_image_tokens / 1e6


@dataclass(frozen=True)
class Retired:
    """A model ID that no longer answers, and what to use instead."""

    id: str
    shut_down: str
    replacement: str
    source: str = field(default=DEPRECATIONS)


IMAGE_MODELS: dict[str, ImageModel] = {
    model.id: model
    for model in (
        ImageModel(
            id="gemini-nano-banana-2.1",
            name="Nano Banana 2.1",
            status="recommended",
            since="2026-10-06",
            pixels=_PIXELS_14,
            sizes=("1K", "2K", "4K"),
            max_input_images=14,
            thinking_levels=("minimal", "medium", "high"),
            tokens_per_image={"1K": 1120, "2K": 1680, "4K": 3780},
            usd_per_million_image_tokens=30.0,
            usd_per_million_input_tokens=1.5,
            usd_per_million_text_tokens=7.5,
            search_grounding=True,
            sources=(
                f"{CHANGELOG} (2026-10-06: GA; migrate from gemini-3.1-flash-image)",
                "third-party measurements, Oct 2026: pixel sizes, 512 refused, 14 input images, "
                "thinking levels, USD 0.0336 / 0.0504 / 0.1134 per 1K / 2K / 4K image",
                "LiteLLM's day-0 price list, Oct 2026: USD 1.50 / 7.50 per million input / text output tokens",
            ),
            notes="The ID has no 'image' in it. 512 is refused. Thinking cannot be switched off.",
            batch=None,  # not confirmed: no Google page found names it for the Batch API
        ),
        ImageModel(
            id="gemini-3-pro-image",
            name="Nano Banana Pro",
            status="available",
            since="2026-05-28",
            pixels=_PIXELS_10,
            sizes=("1K", "2K", "4K"),
            max_input_images=14,
            thinking_levels=(),
            tokens_per_image={"1K": 1120, "2K": 1120, "4K": 2000},
            usd_per_million_image_tokens=120.0,
            search_grounding=True,
            sources=(
                f"{CHANGELOG} (2026-05-28: GA)",
                f"{IMAGE_GUIDE} (sizes, tokens, 14 input images)",
                "third-party price lists: USD 0.134 per 1K/2K image, 0.24 per 4K",
            ),
            notes="Thinking is always on and has no level to set.",
            batch=True,  # one of BATCH_COOKBOOK's batch model choices
        ),
        ImageModel(
            id="gemini-3.1-flash-lite-image",
            name="Nano Banana 2 Lite",
            status="available",
            since="2026-06-30",
            pixels=_PIXELS_14,
            sizes=("1K",),
            max_input_images=14,
            thinking_levels=("minimal", "high"),
            tokens_per_image={"1K": 1120},
            usd_per_million_image_tokens=30.0,
            search_grounding=False,
            sources=(
                f"{CHANGELOG} (2026-06-30: GA)",
                "ai.google.dev/gemini-api/docs/models/"
                "gemini-3.1-flash-lite-image (1K only, no search grounding; June 2026)",
                "third-party price lists: about USD 0.034 per image",
            ),
            notes="1K only; no Google Search grounding.",
            batch=True,  # one of BATCH_COOKBOOK's batch model choices
        ),
        ImageModel(
            id="gemini-3.1-flash-image",
            name="Nano Banana 2",
            status="deprecated",
            since="2026-05-28",
            pixels=_PIXELS_14,
            sizes=("512", "1K", "2K", "4K"),
            max_input_images=14,
            thinking_levels=("minimal", "high"),
            tokens_per_image={"512": 747, "1K": 1120, "2K": 1680, "4K": 2520},
            usd_per_million_image_tokens=60.0,
            search_grounding=True,
            replacement="gemini-nano-banana-2.1",
            sources=(
                f"{CHANGELOG} (2026-10-06: deprecated, migrate to gemini-nano-banana-2.1)",
                "third-party release notes report its shutdown on 2026-10-29 (not confirmed by Google)",
            ),
            notes="Deprecated on 2026-10-06; a shutdown on 2026-10-29 is reported.",
            batch=None,  # not confirmed: not among BATCH_COOKBOOK's choices, and no docs page found
        ),
    )
}

RETIRED: dict[str, Retired] = {
    item.id: item
    for item in (
        Retired("gemini-2.0-flash-exp", "2025-11-14", "gemini-nano-banana-2.1"),
        Retired("gemini-2.0-flash-exp-image-generation", "2025-11-14", "gemini-nano-banana-2.1"),
        Retired("gemini-2.0-flash-preview-image-generation", "2025-11-14", "gemini-nano-banana-2.1"),
        Retired("gemini-2.5-flash-image-preview", "2026-01-15", "gemini-nano-banana-2.1"),
        Retired("gemini-3.1-flash-image-preview", "2026-06-25", "gemini-nano-banana-2.1"),
        Retired("gemini-3-pro-image-preview", "2026-06-25", "gemini-3-pro-image"),
    )
}

DEFAULT = "gemini-nano-banana-2.1"


def chosen() -> str:
    """The model asked for by GEMINI_IMAGE_MODEL, else the recommended one."""
    return os.environ.get("GEMINI_IMAGE_MODEL", "").strip().removeprefix("models/") or DEFAULT


class UnknownModelError(LearnerError):
    """A model the table holds no facts about: nothing is made up for it."""


def get(model_id: str) -> ImageModel:
    """The table's entry for ``model_id``; UnknownModelError, naming the models it knows, for any other."""
    model_id = model_id.removeprefix("models/")
    if model_id not in IMAGE_MODELS:
        raise UnknownModelError(
            f"helpers/models.py holds no facts about {model_id} (checked {AS_OF}), so its aspect ratios, sizes "
            f"and prices are unknown here. Use one of {', '.join(IMAGE_MODELS)}, or add {model_id} to the "
            "table with a source for each fact."
        )
    return IMAGE_MODELS[model_id]


def retired_message(model_id: str) -> str | None:
    """A sentence for a model ID that is retired or deprecated, naming its replacement; else None."""
    model_id = model_id.removeprefix("models/")
    if model_id in RETIRED:
        item = RETIRED[model_id]
        return f"{model_id} was shut down on {item.shut_down}; use {item.replacement} (source: {item.source})."
    entry = IMAGE_MODELS.get(model_id)
    if entry is not None and entry.status == "deprecated":
        return f"{model_id} is deprecated: {entry.notes} Use {entry.replacement} ({CHANGELOG})."
    return None


def looks_like_image_model(name: str, display_name: str = "", description: str = "") -> bool:
    """True for a listed model that makes images, whatever its ID (nano-banana IDs say no "image")."""
    if name.removeprefix("models/") in IMAGE_MODELS:
        return True
    words = f"{name} {display_name} {description}".lower()
    return any(word in words for word in ("image", "banana"))
