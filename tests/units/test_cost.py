"""helpers.cost: token counts from responses and Interactions, priced with the model table."""

from __future__ import annotations

from typing import Any

import pytest
from google import genai
from google.genai import types
from IPython import display as ipd

from helpers import models
from helpers.cost import Usage, cost_table, usage
from standin import StandinServer

pytestmark = pytest.mark.usefixtures("quiet")
NANO = models.IMAGE_MODELS["gemini-nano-banana-2.1"]


def test_a_response_and_an_interaction_are_read_alike() -> None:
    with StandinServer() as server:
        client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
        response = client.models.generate_content(model=NANO.id, contents="a red cat")
        interaction = client.interactions.create(model=NANO.id, input="a red cat")
    for counts in (usage(response), usage(interaction)):
        assert counts.image == NANO.tokens_per_image["1K"] and counts.text > 0 and counts.thoughts > 0
        assert counts.input > 0 and counts.cached == 0
    assert usage("not an answer") == Usage()


def test_the_price_uses_the_table() -> None:
    counts = Usage(input=1_000_000, text=1_000_000, image=1_000_000, thoughts=0)
    assert counts.usd(NANO) == pytest.approx(1.5 + 7.5 + 30)
    assert Usage(image=1120).usd(NANO) == pytest.approx(NANO.usd_per_image("1K"))
    assert Usage(image=1).usd(models.IMAGE_MODELS["gemini-3-pro-image"]) is None  # no published text price


def test_the_table_has_a_row_each_and_a_total(shown: list[Any]) -> None:
    answers = {"one": _Answer(Usage(input=10, image=1120)), "two": _Answer(Usage(input=20, image=1120, thoughts=5))}
    cost_table(answers, model=NANO.id)
    cost_table(answers, model=NANO.id, uploaded={"one": 150_000, "two": 0})
    [table, sent] = shown
    assert isinstance(table, ipd.Markdown)
    lines = table.data.splitlines()
    assert lines[2].startswith("| one | 10 |") and lines[4].startswith("| **total** | 30 | 0 | 0 | 2,240 | 5 |")
    assert models.AS_OF in table.data and "no discount for implicit cache hits" in table.data
    lines = sent.data.splitlines()
    assert lines[0].startswith("| | uploaded | input tokens |") and lines[2].startswith("| one | 150 KB | 10 |")
    assert lines[4].startswith("| **total** | 150 KB | 30 |")


def test_a_model_the_table_does_not_know_gets_no_made_up_price(shown: list[Any]) -> None:
    with pytest.raises(models.UnknownModelError, match="holds no facts about gemini-9-imaginary"):
        cost_table({"one": _Answer(Usage(input=10))}, model="gemini-9-imaginary")
    assert shown == []


class _Answer:
    """Something with an Interaction's usage fields."""

    def __init__(self, counts: Usage) -> None:
        modality = types.ModalityTokenCount(modality=types.MediaModality.IMAGE, token_count=counts.image)
        self.usage_metadata = types.GenerateContentResponseUsageMetadata(
            prompt_token_count=counts.input,
            candidates_token_count=counts.text + counts.image,
            candidates_tokens_details=[modality],
            thoughts_token_count=counts.thoughts,
        )


def test_rows_of_several_answers_their_time_and_a_batch_discount(shown: list[Any]) -> None:
    one, two = _Answer(Usage(input=10, image=1120)), _Answer(Usage(input=20, image=1120))
    cost_table(
        {"one by one": [one, two], "batch": [one, two]},
        model=NANO.id,
        seconds={"one by one": 12.34, "batch": 80.0},
        discount={"batch": 0.5},
    )
    lines = shown[0].data.splitlines()
    assert lines[0].startswith("| | took | input tokens |")
    full = Usage(input=30, image=2240).usd(NANO)
    assert lines[2] == f"| one by one | 12.34 s | 30 | 0 | 0 | 2,240 | 0 | {full:.4f} |"
    assert lines[3] == f"| batch | 80.00 s | 30 | 0 | 0 | 2,240 | 0 | {full / 2:.4f} |"
    assert lines[4].startswith("| **total** | 92.34 s | 60 |") and lines[4].endswith(f"| {full * 1.5:.4f} |")
    assert "with the discounts given" in shown[0].data
