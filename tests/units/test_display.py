"""Tests for helpers.display: outputs() for every kind of answer, and show()."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from google import genai
from google.genai import types
from IPython import display as ipd
from PIL import Image

from helpers import display
from helpers.display import SHOWN_BYTES, SHOWN_SIDE, outputs, show
from tests.support import (
    MODEL,
    blocked,
    drawing,
    interaction,
    jpeg,
    noisy_photo,
    part,
    png,
    response,
    to_bytes,
)

pytestmark = pytest.mark.usefixtures("quiet")

RED, BLUE = png("red"), jpeg("blue")


def kinds(obj: Any, **options: Any) -> list[str]:
    return ["md" if kind == "text/markdown" else kind for kind, _ in outputs(obj, **options)]


def texts(obj: Any, **options: Any) -> list[str]:
    return [value for kind, value in outputs(obj, **options) if kind == "text/markdown"]


def pictures(obj: Any) -> list[Image.Image]:
    return [Image.open(io.BytesIO(value)) for kind, value in outputs(obj) if kind.startswith("image/")]


# -- outputs() --------------------------------------------------------------------------------


def test_markdown_and_pictures_come_in_order_with_adjacent_text_joined() -> None:
    got = list(outputs(response("Here is", "your cat:", RED, "and a dog:", BLUE)))
    assert [kind for kind, _ in got] == ["text/markdown", "image/png", "text/markdown", "image/png"]
    assert got[0][1] == "Here is\n\nyour cat:" and got[2][1] == "and a dog:"


def test_thoughts_are_hidden_with_a_count_unless_asked_for() -> None:
    answer = response(part("Let me plan", thought=True), part(BLUE, thought=True), "Done", RED)
    assert kinds(answer) == ["md", "image/png", "md"]
    assert texts(answer) == ["Done", "_(2 thought parts hidden; `show(..., thoughts=True)` shows them)_"]
    shown = texts(answer, thoughts=True)
    assert shown[0] == "> 💭 Let me plan" and shown[1].startswith("💭 *A draft (thought) image")
    assert kinds(answer, thoughts=True) == ["md", "md", "image/png", "md", "image/png"]


def test_dollar_signs_are_escaped_once() -> None:
    assert texts(response("It costs $5 to $10, not \\$20.")) == ["It costs \\$5 to \\$10, not \\$20."]


def test_a_grounded_answer_names_its_searches_and_links_its_sources() -> None:
    chunks = [
        types.GroundingChunk(web=types.GroundingChunkWeb(uri=f"https://example.com/{n}", title=f"Site *{n}*"))
        for n in range(10)
    ]
    chunks.append(chunks[0])
    metadata = types.GroundingMetadata(web_search_queries=["banana bread recipe"], grounding_chunks=chunks)
    *_, paragraph = texts(response("Bake it.", grounding_metadata=metadata))
    assert paragraph.startswith("Grounded with Google Search. Searches: “banana bread recipe”.")
    assert "[Site \\*0\\*](https://example.com/0)" in paragraph and paragraph.count("example.com/0)") == 1
    assert "[Site \\*7\\*](https://example.com/7), and 2 more." in paragraph


def test_problems_come_last_in_plain_words() -> None:
    assert texts(response("Sorry.", finish=types.FinishReason.IMAGE_SAFETY))[-1].startswith(
        "⚠️ Gemini finished with `IMAGE_SAFETY`: the image safety filters withheld the picture."
    )
    [only] = texts(blocked())
    assert only.startswith("⚠️ Gemini blocked the prompt (`SAFETY`)")


def test_a_chat_labels_its_turns(client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    assert texts(chat) == ["The chat has no turns yet: send a message first with `chat.send_message(...)`."]
    chat.send_message("draw a cat")
    got = list(outputs(chat))
    assert [kind.split("/")[0] for kind, _ in got] == ["text", "text", "image"]
    assert got[0][1] == "**You**\n\ndraw a cat" and got[1][1].startswith("**Gemini**\n\nStand-in answer")


def test_a_stream_and_an_interaction(client: genai.Client) -> None:
    stream = client.models.generate_content_stream(model=MODEL, contents="draw a cat")
    got = list(outputs(stream))
    assert [kind.split("/")[0] for kind, _ in got] == ["text", "image"]
    assert got[0][1] == "Stand-in answer, not Gemini's: draw a cat"
    assert [kind.split("/")[0] for kind, _ in outputs(interaction(client))] == ["text", "image"]


def test_a_stream_that_fails_half_way_shows_what_arrived_and_says_why() -> None:
    def chunks() -> Iterator[types.GenerateContentResponse]:
        yield response("Once up", finish=None)
        yield response("on", finish=None)
        raise TimeoutError("read timed out")

    assert texts(chunks()) == [
        "Once upon",
        "⚠️ The stream stopped half-way with TimeoutError: read timed out. "
        "What arrived before is shown above; run the cell again for the rest.",
    ]


def test_none_and_unsupported_values_are_explained() -> None:
    assert texts(None)[0].startswith("Nothing to show: the value is None.")
    for value, name in (
        (42, "int"),
        ({"text": "hi"}, "dict"),
        (types.GenerateImagesResponse(), "GenerateImagesResponse"),
    ):
        assert texts(value) == [
            f"show() displays an answer from Gemini (a response, a stream, a chat turn, a chat "
            f"or an Interaction); it got a {name}."
        ]


def test_parts_that_are_not_text_or_pictures_are_named() -> None:
    call = types.Part(function_call=types.FunctionCall(name="get_weather", args={}))
    assert texts(response(call)) == ["_(function call get_weather: not shown)_"]


# -- pictures ---------------------------------------------------------------------------------


def test_a_noisy_photo_is_shown_small() -> None:
    photo = to_bytes(noisy_photo(1024))
    assert len(photo) > 1_000_000
    [(mime, data)] = [o for o in outputs(response(photo)) if o[0] != "text/markdown"]
    assert mime == "image/jpeg" and len(data) <= SHOWN_BYTES and len(base64.b64encode(data)) <= 40_000
    assert max(Image.open(io.BytesIO(data)).size) <= SHOWN_SIDE == 512


def test_a_wide_picture_keeps_its_shape_and_a_small_one_its_size() -> None:
    [wide, small] = pictures(response(to_bytes(noisy_photo(600).resize((1600, 400))), RED))
    assert wide.size == (512, 128) and small.size == (64, 48)


def test_a_flat_drawing_stays_png() -> None:
    [(mime, data)] = list(outputs(response(to_bytes(drawing(1024)))))
    assert mime == "image/png" and len(data) <= SHOWN_BYTES and Image.open(io.BytesIO(data)).size == (512, 512)


def test_an_undecodable_picture_gives_a_sentence() -> None:
    broken = types.Part.from_bytes(data=b"\x89PNG\r\n\x1a\n and then nothing", mime_type="image/png")
    assert texts(response("look", broken)) == [
        "look",
        "⚠️ A picture in the answer (image/png, 25 bytes) could not "
        "be decoded, so it is not shown. Its bytes are still in the response.",
    ]


# -- show() -----------------------------------------------------------------------------------


def test_show_displays_markdown_and_images(shown: list[Any]) -> None:
    show(response("A cat:", RED))
    assert [type(o) for o in shown] == [ipd.Markdown, ipd.Image]
    assert shown[0].data == "A cat:" and shown[1].format == "png"


def test_show_lets_a_bug_surface(shown: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """What an answer can hold is said in the output (tests above); a bug in the helpers is raised, not hidden."""

    def broken(obj: Any, **_: Any) -> Iterator[Any]:
        raise RuntimeError("surprise")
        yield

    monkeypatch.setattr(display, "outputs", broken)
    with pytest.raises(RuntimeError, match="surprise"):
        show(response("hi"))
    assert shown == []


def test_show_of_odd_values_is_quiet(shown: list[Any]) -> None:
    for value in (None, 42, response(), blocked()):
        show(value)
    assert len(shown) == 4 and all(isinstance(o, ipd.Markdown) for o in shown)


def test_show_displays_a_stream_as_it_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run of text once it is whole, each picture as soon as its chunk comes: before the next chunk is read."""
    read: list[str] = []
    shown: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(ipd, "display", lambda obj, **_: shown.append((type(obj).__name__, list(read))))

    def chunks() -> Iterator[types.GenerateContentResponse]:
        for name, chunk in [
            ("1", response("Once up", finish=None)),
            ("2", response("on a time", finish=None)),
            ("3", response(RED, finish=None)),
            ("4", response("The end.")),
        ]:
            read.append(name)
            yield chunk

    show(chunks())
    assert shown == [("Markdown", ["1", "2", "3"]), ("Image", ["1", "2", "3"]), ("Markdown", ["1", "2", "3", "4"])]
