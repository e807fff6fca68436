"""helpers.models: the one table of model facts holds together, and its answers about old IDs."""

from __future__ import annotations

import re

import pytest

from helpers import models


def test_the_default_is_the_recommended_model_and_the_env_overrides_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert models.DEFAULT == "gemini-nano-banana-2.1" == models.chosen()
    assert models.IMAGE_MODELS[models.DEFAULT].status == "recommended"
    monkeypatch.setenv("GEMINI_IMAGE_MODEL", "models/gemini-3-pro-image")
    assert models.chosen() == "gemini-3-pro-image"


@pytest.mark.parametrize("entry", list(models.IMAGE_MODELS.values()), ids=lambda e: e.id)
def test_every_entry_is_complete_and_sourced(entry: models.ImageModel) -> None:
    assert entry.sources and all(source.strip() for source in entry.sources)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", entry.since)
    assert set(entry.tokens_per_image) == set(entry.sizes)
    for ratio, (width, height) in entry.pixels.items():
        wide, high = (int(n) for n in ratio.split(":"))
        assert abs((width / height) / (wide / high) - 1) < 0.05, ratio  # the live sizes are rounded
        assert entry.pixel_size(ratio, entry.sizes[-1]) >= (width, height)
    if entry.status == "deprecated":
        assert entry.replacement in models.IMAGE_MODELS


def test_nano_banana_facts() -> None:
    nano = models.IMAGE_MODELS["gemini-nano-banana-2.1"]
    assert len(nano.aspect_ratios) == 14 and {"1:4", "4:1", "1:8", "8:1"} <= set(nano.aspect_ratios)
    assert nano.sizes == ("1K", "2K", "4K") and nano.thinking_levels == ("minimal", "medium", "high")
    assert nano.pixel_size("16:9", "4K") == (5504, 3072)
    assert nano.usd_per_image("1K") == pytest.approx(0.0336)
    with pytest.raises(ValueError, match="512"):
        nano.pixel_size("1:1", "512")


def test_old_ids_are_named_with_their_replacement() -> None:
    assert "shut down on 2025-11-14; use gemini-nano-banana-2.1" in models.retired_message("gemini-2.0-flash-exp")
    assert "deprecated" in models.retired_message("gemini-3.1-flash-image")
    assert models.retired_message("gemini-nano-banana-2.1") is None
    for retired in models.RETIRED.values():
        assert retired.replacement in models.IMAGE_MODELS and retired.id not in models.IMAGE_MODELS


def test_image_models_are_found_whatever_their_names() -> None:
    assert models.looks_like_image_model("models/gemini-nano-banana-2.1")
    assert models.looks_like_image_model("models/gemini-9-painter", "Nano Banana 9")
    assert models.looks_like_image_model("models/x", "", "Gemini image generation model")
    assert not models.looks_like_image_model("models/gemini-3.5-flash", "Gemini 3.5 Flash", "Fast text model")


def test_a_model_the_table_does_not_know_gets_a_note_and_no_facts() -> None:
    assert models.get("models/gemini-3-pro-image").id == "gemini-3-pro-image"
    with pytest.raises(models.UnknownModelError) as caught:
        models.get("gemini-9-imaginary")
    message = str(caught.value)
    assert "holds no facts about gemini-9-imaginary" in message and models.DEFAULT in message
    assert len(caught.value._render_traceback_()) == 1
