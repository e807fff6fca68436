"""Recognise the SDK's response objects by shape, without importing the SDK or Pillow.

``show``, the gallery and the exporter accept responses, candidates, chat turns (Content),
parts, stream chunks and Pillow images; these checks tell them apart. They test attributes,
not classes, so they also accept look-alikes (test doubles, older or newer SDK versions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["as_list", "is_candidate", "is_content", "is_part", "is_pil_image", "is_response",
           "is_sequence", "is_thought"]


def is_response(obj: Any) -> bool:
    """True for a GenerateContentResponse (or a stream chunk)."""
    return hasattr(obj, "candidates") and hasattr(obj, "prompt_feedback")


def is_candidate(obj: Any) -> bool:
    """True for a Candidate (one answer of a response)."""
    return hasattr(obj, "content") and hasattr(obj, "finish_reason")


def is_content(obj: Any) -> bool:
    """True for a Content (a chat turn: role and parts)."""
    return hasattr(obj, "parts") and hasattr(obj, "role") and not is_response(obj)


def is_part(obj: Any) -> bool:
    """True for a Part (text, inline data, ...)."""
    return hasattr(obj, "inline_data") and hasattr(obj, "text")


def is_thought(part: Any) -> bool:
    """True for a thought part (thinking text or a draft image), not part of the answer."""
    return getattr(part, "thought", None) is True


def is_pil_image(obj: Any) -> bool:
    """True for a Pillow image."""
    return any(cls.__module__.startswith("PIL.") for cls in type(obj).__mro__) and hasattr(obj, "size")


def is_sequence(obj: Any) -> bool:
    """True for lists, tuples, generators and iterators (not strings, dicts or SDK models)."""
    if isinstance(obj, (str, bytes, bytearray, dict)) or hasattr(type(obj), "model_fields"):
        return False
    return isinstance(obj, Iterable)


def as_list(value: Any) -> list[Any]:
    """``value`` as a list; None and anything that is not a list or tuple become ``[]``."""
    return list(value) if isinstance(value, (list, tuple)) else []
