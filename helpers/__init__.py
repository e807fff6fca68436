"""Shared helpers for the Gemini image-generation notebooks.

Notebooks build their client themselves with ``genai.Client(...)`` and call the SDK in view; these
helpers choose the mode (live with your key; replay or practice without one), and show, save,
lay out, check and price what comes back. Layers, each importing only those below it:

1. ``errors``, ``models``: the learner's error type and the model table (the stand-in reads it too);
2. ``parts``, ``reasons``, ``images``: the one walk over an answer, what went wrong, the pictures;
3. ``matching``, ``replay``, ``session``: the mode, its recording or its practice server;
4. ``display``, ``gallery``, ``export``, ``upload``, ``cost``, ``ocr``, ``watch``, ``studio``: what notebooks call.

Heavy libraries (google-genai, vcrpy, Pillow, matplotlib, IPython) are imported inside functions,
so ``import helpers`` stays cheap.
"""

from __future__ import annotations

from helpers import models
from helpers.cost import cost_table
from helpers.display import show
from helpers.export import export_story
from helpers.gallery import before_after, grid, history, storyboard
from helpers.images import check_aspect, load_image, save_images, saved_images
from helpers.ocr import text_accuracy, text_table
from helpers.reasons import NoImageError, explain, first_image, reason_table
from helpers.session import choose_mode
from helpers.studio import studio
from helpers.upload import pick_photo
from helpers.watch import arrivals, progress

__all__ = [
    "NoImageError",
    "arrivals",
    "before_after",
    "check_aspect",
    "choose_mode",
    "cost_table",
    "explain",
    "export_story",
    "first_image",
    "grid",
    "history",
    "load_image",
    "models",
    "pick_photo",
    "progress",
    "reason_table",
    "save_images",
    "saved_images",
    "show",
    "storyboard",
    "studio",
    "text_accuracy",
    "text_table",
]
