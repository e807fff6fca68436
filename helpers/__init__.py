"""Shared helpers for the Gemini image-generation notebooks.

Only setup and display live here; every notebook calls the real SDK itself.
Heavy imports (google.genai, vcrpy, Pillow, IPython) are lazy, so
``import helpers`` stays cheap.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

__all__ = [
    "MODEL",
    "IMAGE_MODELS",
    "setup",
    "show",
    "load_image",
    "save_images",
    "finish_recording",
    "describe_grounding",
    "grid",
    "storyboard",
    "before_after",
    "make_grid",
    "make_storyboard",
    "make_before_after",
    "scenes",
    "export_story",
]

#: Current GA image models (late 2026). The seed used gemini-2.0-flash-exp, now retired.
IMAGE_MODELS = ("gemini-3.1-flash-image", "gemini-3-pro-image", "gemini-3.1-flash-lite-image")

#: The one model every notebook uses; override with GEMINI_IMAGE_MODEL.
MODEL: str = os.environ.get("GEMINI_IMAGE_MODEL", "").strip() or IMAGE_MODELS[0]

_LAZY = {
    "setup": "helpers.session",
    "finish_recording": "helpers.replay",
    "show": "helpers.display",
    "load_image": "helpers.images",
    "save_images": "helpers.images",
    "describe_grounding": "helpers.display",
    "grid": "helpers.gallery",
    "storyboard": "helpers.gallery",
    "before_after": "helpers.gallery",
    "make_grid": "helpers.gallery",
    "make_storyboard": "helpers.gallery",
    "make_before_after": "helpers.gallery",
    "scenes": "helpers.gallery",
    "export_story": "helpers.export",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
