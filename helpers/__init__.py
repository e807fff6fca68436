"""Shared helpers for the Gemini image-generation notebooks.

Notebooks build their client themselves with ``genai.Client(...)`` and call the SDK in view;
these helpers find the key (or start replay or practice), supply the client's retry options,
and show, save and lay out what comes back. Each name is loaded on first use, so
``import helpers`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "find_key": "helpers.session",
    "http_options": "helpers.session",
    "show": "helpers.display",
    "first_image": "helpers.reasons",
    "NoImageError": "helpers.reasons",
    "explain": "helpers.reasons",
    "reason_table": "helpers.reasons",
    "load_image": "helpers.images",
    "save_images": "helpers.images",
    "storyboard": "helpers.gallery",
    "before_after": "helpers.gallery",
    "grid": "helpers.gallery",
    "history": "helpers.gallery",
    "check_aspect": "helpers.images",
    "pick_photo": "helpers.upload",
    "cost_table": "helpers.cost",
    "text_accuracy": "helpers.ocr",
    "text_table": "helpers.ocr",
    "export_story": "helpers.export",
}

__all__ = ["MODEL", "models", *_NAMES]


def __getattr__(name: str) -> Any:
    if name == "MODEL":  # read each time: the setup cell may have changed it
        from helpers import models

        return models.MODEL
    if name == "models":  # the model table, e.g. helpers.models.get(MODEL).aspect_ratios
        return importlib.import_module("helpers.models")
    if name not in _NAMES:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
