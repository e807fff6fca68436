"""Sentences that once taught the wrong thing, and the pictures they name: each stays true."""

from __future__ import annotations

import json
from pathlib import Path

from tools import assets

ROOT = Path(__file__).resolve().parents[2]


def text(name: str) -> str:
    notebook = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"])


def test_08s_harmless_edit_names_what_its_picture_holds() -> None:
    """The edit asks about "the two people on the quay": the picture it sends is the sample drawn with two people."""
    source = text("08_safety_and_errors.ipynb")
    assert 'quay = helpers.load_image("assets/quay.jpg")' in source
    assert 'contents=[quay, "Edit this photo so the two people on the quay shake hands."]' in source
    assert "exactly two people" in (assets.quay.__doc__ or "")


def test_08_points_only_at_what_exists() -> None:
    source = text("08_safety_and_errors.ipynb")
    for claim in ("the model table notes which", "first notebook was written for", "that tripped the filter"):
        assert claim not in source
    assert "not stated in the documentation checked" in source  # C2PA: said as unverified


def test_05_does_not_promise_exact_text() -> None:
    assert "the model sets exactly what you quote" not in text("05_text_rendering.ipynb")
