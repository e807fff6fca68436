"""What answers cost: their token counts, priced with the model table (``helpers/models.py``).

``usage(answer)`` reads the token counts of a response (``usage_metadata``) or an Interaction
(``usage``); ``cost_table({"label": answer, ...}, model=MODEL)`` shows them side by side with their
price in US dollars, at the prices of the table and the date they were checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


#: Where each kind of answer keeps its token counts: a response's usage_metadata, an Interaction's usage.
#: Per field: input, of which cached, output (text and pictures), thinking, output by modality.
_COUNTS = {
    "usage_metadata": (
        "prompt_token_count",
        "cached_content_token_count",
        "candidates_token_count",
        "thoughts_token_count",
        "candidates_tokens_details",
    ),
    "usage": (
        "total_input_tokens",
        "total_cached_tokens",
        "total_output_tokens",
        "total_thought_tokens",
        "output_tokens_by_modality",
    ),
}


def usage(answer: Any) -> Usage:
    """The token counts of a generate_content response, a chat turn's response or an Interaction."""
    for where, (read, cached, written, thoughts, details) in _COUNTS.items():
        meta = getattr(answer, where, None)
        if meta is not None:
            image = _by_modality(getattr(meta, details, None), "IMAGE")
            return Usage(
                input=getattr(meta, read, None) or 0,
                cached=getattr(meta, cached, None) or 0,
                text=(getattr(meta, written, None) or 0) - image,
                image=image,
                thoughts=getattr(meta, thoughts, None) or 0,
            )
    return Usage()


def cost_table(
    answers: Mapping[str, Any],
    *,
    model: str,
    uploaded: Mapping[str, int] | None = None,
    seconds: Mapping[str, float] | None = None,
    discount: Mapping[str, float] | None = None,
) -> None:
    """Show the token counts and price of each row, with a total.

    A row is one answer, or a list of answers summed (the pictures of one way of working). ``model`` prices them (the
    setup cell's MODEL). Optional columns, by row label: ``uploaded`` (bytes the requests sent), ``seconds`` (how long
    the row took); ``discount``: the share of the price paid (the Batch API: 0.5)."""
    from IPython.display import Markdown, display

    entry = models.get(model)
    extra = {"uploaded": (uploaded, _kilobytes), "took": (seconds, _seconds)}
    extra = {name: pair for name, pair in extra.items() if pair[0]}
    head = [*extra, "input tokens", "of which cached", "text out", "image out", "thinking", "USD"]
    rows = ["| |" + "".join(f" {name} |" for name in head), "|---|" + "---:|" * len(head)]
    totals, total_usd = Usage(), 0.0  # the total is n/a when any row's price is
    for label, answer in answers.items():
        counts = _sum(usage(a) for a in (answer if isinstance(answer, list) else [answer]))
        totals = _sum([totals, counts])
        price = counts.usd(entry)
        price = None if price is None else price * (discount or {}).get(label, 1.0)
        total_usd = None if price is None or total_usd is None else total_usd + price
        cells = [format_(values.get(label)) for values, format_ in extra.values()]
        rows.append(_row(label, cells, counts, price))
    cells = [format_(sum(values.values())) for values, format_ in extra.values()]
    rows.append(_row("**total**", cells, totals, total_usd))
    note = (
        f"Prices of `{entry.id}` from `helpers/models.py`, checked {models.AS_OF}"
        + (", with the discounts given" if discount else "")
        + ". Cached input is priced like any input here: no discount for implicit cache hits on image models is "
        "published in the sources checked."
    )
    display(Markdown("\n".join(rows) + "\n\n" + note))


def _sum(counts: Iterable[Usage]) -> Usage:
    """Each count summed over ``counts`` (all zero when there are none)."""
    return Usage(*(sum(values) for values in zip(*(vars(c).values() for c in counts), strict=True)))


def _kilobytes(count: int | None) -> str:
    return "" if count is None else f"{count / 1000:,.0f} KB"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f} s"


def _row(label: str, cells: list[str], counts: Usage, price: float | None) -> str:
    money = f"{price:.4f}" if price is not None else "n/a"
    numbers = [f"{n:,}" for n in (counts.input, counts.cached, counts.text, counts.image, counts.thoughts)]
    return "| " + " | ".join([label, *cells, *numbers, money]) + " |"
