"""What answers cost: their token counts, priced with the model table (``helpers/models.py``).

``usage(answer)`` reads the token counts of a response (``usage_metadata``) or an Interaction
(``usage``); ``cost_table({"label": answer, ...})`` shows them side by side with their price in US
dollars, at the prices of the table and the date they were checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helpers import models


@dataclass(frozen=True)
class Usage:
    """Token counts of one answer."""

    input: int = 0  # everything the model read, pictures included
    cached: int = 0  # of which the server already held (an Interaction's history)
    text: int = 0  # text written
    image: int = 0  # picture tokens written
    thoughts: int = 0

    def usd(self, model: models.ImageModel) -> float | None:
        """The price in US dollars, or None when the table has no published text price for ``model``."""
        if model.usd_per_million_input_tokens is None or model.usd_per_million_text_tokens is None:
            return None
        return (
            self.input * model.usd_per_million_input_tokens
            + (self.text + self.thoughts) * model.usd_per_million_text_tokens
            + self.image * model.usd_per_million_image_tokens
        ) / 1e6


def _by_modality(details: Any, modality: str) -> int:
    total = 0
    for item in details or []:
        name = getattr(getattr(item, "modality", None), "value", getattr(item, "modality", ""))
        if str(name).upper() == modality:
            total += getattr(item, "token_count", None) or getattr(item, "tokens", None) or 0
    return total


def usage(answer: Any) -> Usage:
    """The token counts of a generate_content response, a chat turn's response or an Interaction."""
    meta = getattr(answer, "usage_metadata", None)
    if meta is not None:
        written = meta.candidates_tokens_details
        image = _by_modality(written, "IMAGE")
        return Usage(
            input=meta.prompt_token_count or 0,
            cached=meta.cached_content_token_count or 0,
            text=(meta.candidates_token_count or 0) - image,
            image=image,
            thoughts=meta.thoughts_token_count or 0,
        )
    meta = getattr(answer, "usage", None)
    if meta is not None:
        image = _by_modality(meta.output_tokens_by_modality, "IMAGE")
        return Usage(
            input=meta.total_input_tokens or 0,
            cached=meta.total_cached_tokens or 0,
            text=(meta.total_output_tokens or 0) - image,
            image=image,
            thoughts=meta.total_thought_tokens or 0,
        )
    return Usage()


def cost_table(answers: Mapping[str, Any], *, model: str | None = None) -> None:
    """Show the token counts and price of each answer, one row each, with a total."""
    from IPython.display import Markdown, display

    entry = models.get(model or models.MODEL)
    rows = ["| | input tokens | of which cached | text out | image out | thinking | USD |", "|---|" + "---:|" * 6]
    totals = Usage()
    for label, answer in answers.items():
        counts = usage(answer)
        totals = Usage(*(a + b for a, b in zip(vars(totals).values(), vars(counts).values(), strict=True)))
        rows.append(_row(label, counts, entry))
    rows.append(_row("**total**", totals, entry))
    display(
        Markdown(
            "\n".join(rows) + f"\n\nPrices of `{entry.id}` in `helpers/models.py`, checked {models.AS_OF}; "
            "cached input is priced like any input here (caching discounts are not modelled)."
        )
    )


def _row(label: str, counts: Usage, entry: models.ImageModel) -> str:
    price = counts.usd(entry)
    money = f"{price:.4f}" if price is not None else "n/a"
    return (
        f"| {label} | {counts.input:,} | {counts.cached:,} | {counts.text:,} | {counts.image:,} | "
        f"{counts.thoughts:,} | {money} |"
    )
