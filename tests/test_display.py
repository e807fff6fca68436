"""Tests for helpers.display: show() on every response shape, streams and chats."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from google.genai import types
from IPython import display as ipd
from PIL import Image, ImageDraw

from helpers.display import describe_grounding, describe_problems, display_bytes, show
from tests.support import b64, encode, photo_like

pytestmark = pytest.mark.usefixtures("quiet")

SAMPLES = Path(__file__).parent / "data" / "api-samples"


# ---------------------------------------------------------------------------------------
# Fixtures and builders
# ---------------------------------------------------------------------------------------






def kinds(outputs: list[Any]) -> list[str]:
    """'md' or 'img:<format>' for each output."""
    result = []
    for out in outputs:
        if isinstance(out, ipd.Markdown):
            result.append("md")
        elif isinstance(out, ipd.Image):
            result.append(f"img:{out.format}")
        else:
            result.append(type(out).__name__)
    return result


def texts(outputs: list[Any]) -> list[str]:
    """The Markdown text of each Markdown output."""
    return [out.data for out in outputs if isinstance(out, ipd.Markdown)]






def rest(body: dict[str, Any]) -> types.GenerateContentResponse:
    """An SDK response from a REST JSON body (camelCase), the way the SDK builds it."""
    return types.GenerateContentResponse._from_response(response=body, kwargs={})


def candidate(parts: list[dict[str, Any]] | None, finish: str | None = "STOP", **extra: Any) -> dict[str, Any]:
    """A REST candidate; ``parts=None`` gives content without parts."""
    content: dict[str, Any] = {"role": "model"}
    if parts is not None:
        content["parts"] = parts
    body: dict[str, Any] = {"content": content, **extra}
    if finish:
        body["finishReason"] = finish
    return body


def answer(parts: list[dict[str, Any]] | None, finish: str | None = "STOP", **extra: Any) -> types.GenerateContentResponse:
    """A one-candidate response."""
    return rest({"candidates": [candidate(parts, finish, **extra)]})


SMALL_PNG = encode(Image.new("RGB", (64, 48), (200, 40, 40)))


def image_part(data: bytes = SMALL_PNG, mime: str = "image/png", **extra: Any) -> dict[str, Any]:
    """A REST inlineData part."""
    return {"inlineData": {"mimeType": mime, "data": b64(data)}, **extra}




def flat_drawing(size: int = 1024) -> bytes:
    """A PNG like a flat illustration: a few solid shapes and lines."""
    image = Image.new("RGB", (size, size), (250, 245, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 200, 800, 800), fill=(240, 180, 40), outline=(0, 0, 0), width=12)
    draw.rectangle((100, 850, 900, 950), fill=(60, 120, 200))
    draw.line((0, 0, size, size), fill=(0, 0, 0), width=8)
    return encode(image)


# ---------------------------------------------------------------------------------------
# The recorded sample shapes
# ---------------------------------------------------------------------------------------


def test_text_and_image_sample(shown: list[Any]) -> None:
    response = rest(json.loads((SAMPLES / "response_text_and_image.json").read_text()))
    image_bytes = response.candidates[0].content.parts[1].inline_data.data
    before = response.model_dump()

    show(response)

    assert kinds(shown) == ["md", "img:png"]
    assert texts(shown) == ["Here is a cat wearing a small wizard hat."]
    assert response.model_dump() == before
    assert response.candidates[0].content.parts[1].inline_data.data == image_bytes
    assert describe_problems(response) == []


def test_prompt_blocked_sample(shown: list[Any]) -> None:
    response = rest(json.loads((SAMPLES / "response_prompt_blocked.json").read_text()))
    show(response)
    assert kinds(shown) == ["md"]
    (message,) = texts(shown)
    assert "blocked the prompt" in message and "SAFETY" in message and "Rephrase" in message


def sse_chunks() -> list[dict[str, Any]]:
    """The JSON bodies of the recorded stream's ``data:`` lines."""
    lines = (SAMPLES / "stream_response.sse").read_text().splitlines()
    return [json.loads(line[len("data:") :]) for line in lines if line.startswith("data:")]


def test_stream_sample_is_shown_as_chunks_arrive(shown: list[Any]) -> None:
    events: list[str] = []

    def stream() -> Iterator[types.GenerateContentResponse]:
        for number, body in enumerate(sse_chunks(), start=1):
            events.append(f"chunk {number}: {len(shown)} outputs so far")
            yield rest(body)

    show(stream())

    assert kinds(shown) == ["md", "img:png"]
    assert texts(shown) == ["Scene 1: a lighthouse at dawn."]
    # each chunk's parts were displayed before the next chunk was requested
    assert events == ["chunk 1: 0 outputs so far", "chunk 2: 1 outputs so far", "chunk 3: 2 outputs so far"]


def test_stream_problems_come_once_at_the_end(shown: list[Any]) -> None:
    bodies = sse_chunks()
    bodies[-1]["candidates"][0]["finishReason"] = "IMAGE_SAFETY"
    show(iter([rest(body) for body in bodies]))
    assert kinds(shown) == ["md", "img:png", "md"]
    assert "IMAGE_SAFETY" in texts(shown)[-1]


def test_stream_that_fails_half_way_is_reported(shown: list[Any]) -> None:
    def stream() -> Iterator[types.GenerateContentResponse]:
        yield rest(sse_chunks()[0])
        raise ConnectionError("connection reset")

    show(stream())
    assert kinds(shown) == ["md", "md"]
    assert "ConnectionError" in texts(shown)[-1] and "connection reset" in texts(shown)[-1]


def test_empty_stream_and_empty_list(shown: list[Any]) -> None:
    show(iter([]))
    show([])
    assert "stream ended" in texts(shown)[0]
    assert "empty" in texts(shown)[1]


def test_list_of_chunks_is_accepted(shown: list[Any]) -> None:
    chunks = [rest(body) for body in sse_chunks()]
    show(chunks)
    assert kinds(shown) == ["md", "img:png"]
    assert describe_problems(chunks) == []


# ---------------------------------------------------------------------------------------
# Finish reasons, blocks, empty answers
# ---------------------------------------------------------------------------------------

FINISH_REASONS = [
    "MAX_TOKENS",
    "SAFETY",
    "RECITATION",
    "PROHIBITED_CONTENT",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
    "IMAGE_OTHER",
    "NO_IMAGE",
    "OTHER",
]


@pytest.mark.parametrize("reason", FINISH_REASONS)
def test_every_finish_reason_is_named_in_plain_words(shown: list[Any], reason: str) -> None:
    show(answer([{"text": "Partial answer."}], reason))
    assert kinds(shown) == ["md", "md"]
    message = texts(shown)[-1]
    assert reason in message
    assert message.startswith("⚠️")
    assert len(message) > len(reason) + 60  # an explanation, not just the name


@pytest.mark.parametrize("reason", FINISH_REASONS)
def test_finish_reason_without_content(shown: list[Any], reason: str) -> None:
    show(rest({"candidates": [{"finishReason": reason, "finishMessage": "Unable to show the generated image."}]}))
    (message,) = texts(shown)
    assert reason in message
    assert "Unable to show the generated image." in message
    assert "empty" not in message


def test_no_image_says_what_to_try(shown: list[Any]) -> None:
    show(answer([{"text": "A cat is a small mammal."}], "NO_IMAGE"))
    message = texts(shown)[-1]
    assert "without an image" in message and "response_modalities" in message and "IMAGE" in message


def test_text_only_answer_is_not_a_problem(shown: list[Any]) -> None:
    show(answer([{"text": "Just words."}]))
    assert texts(shown) == ["Just words."]


@pytest.mark.parametrize("reason", ["SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY"])
def test_every_block_reason(shown: list[Any], reason: str) -> None:
    response = rest({"promptFeedback": {"blockReason": reason, "blockReasonMessage": "Flagged."}})
    show(response)
    (message,) = texts(shown)
    assert f"blocked the prompt (`{reason}`)" in message
    assert "Flagged." in message


@pytest.mark.parametrize(
    "body",
    [
        {"candidates": [{"finishReason": "STOP"}]},  # candidate without content
        {"candidates": [{"content": {"role": "model"}, "finishReason": "STOP"}]},  # content without parts
        {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}}]},  # nothing in the parts
        {"candidates": [{}]},
    ],
    ids=["no-content", "no-parts", "empty-text", "bare-candidate"],
)
def test_empty_candidates_are_said(shown: list[Any], body: dict[str, Any]) -> None:
    show(rest(body))
    (message,) = texts(shown)
    assert "response is empty" in message and "Run the cell again" in message


def test_no_candidates_and_no_feedback(shown: list[Any]) -> None:
    show(rest({"usageMetadata": {"promptTokenCount": 3}}))
    (message,) = texts(shown)
    assert "response is empty" in message


def test_parts_none_and_content_none_never_raise(shown: list[Any]) -> None:
    response = types.GenerateContentResponse(
        candidates=[
            types.Candidate(content=types.Content(role="model", parts=None)),
            types.Candidate(content=None, index=1),
        ]
    )
    show(response)
    assert all("response is empty" in text for text in texts(shown)[-1:])
    assert "Candidate 1" in texts(shown)[0]


# ---------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------


def test_thought_parts_are_hidden_and_counted(shown: list[Any]) -> None:
    response = answer(
        [
            {"text": "Planning the composition…", "thought": True},
            image_part(thought=True),
            {"text": "", "thought": True, "thoughtSignature": "c2ln"},  # signature only: not counted
            {"text": "Here it is."},
            image_part(),
        ]
    )
    show(response)
    assert kinds(shown) == ["md", "img:png", "md"]
    assert texts(shown)[0] == "Here it is."
    assert texts(shown)[-1] == "_(2 thought parts hidden; `show(..., thoughts=True)` shows them)_"


def test_thought_parts_are_shown_on_request(shown: list[Any]) -> None:
    response = answer([{"text": "Planning…", "thought": True}, image_part(thought=True), {"text": "Done."}])
    show(response, thoughts=True)
    assert kinds(shown) == ["md", "md", "img:png", "md"]
    assert "Thought" in texts(shown)[0] and "Planning…" in texts(shown)[0]
    assert "draft" in texts(shown)[1]
    assert texts(shown)[-1] == "Done."


def test_adjacent_text_parts_are_joined(shown: list[Any]) -> None:
    show(answer([{"text": "Once upon "}, {"text": "a time."}, image_part(), {"text": "The end."}]))
    assert kinds(shown) == ["md", "img:png", "md"]
    assert texts(shown) == ["Once upon a time.", "The end."]


def test_other_part_kinds_get_a_mention(shown: list[Any]) -> None:
    show(
        answer(
            [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"executableCode": {"language": "PYTHON", "code": "print(1)\nprint(2)"}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
                {"fileData": {"fileUri": "https://example.com/f", "mimeType": "video/mp4"}},
            ]
        )
    )
    assert kinds(shown) == ["md"] * 4
    assert "get_weather" in texts(shown)[0]
    assert "2 line" in texts(shown)[1]
    assert "OUTCOME_OK" in texts(shown)[2]
    assert "video/mp4" in texts(shown)[3]


def test_undecodable_image_is_said(shown: list[Any]) -> None:
    show(answer([image_part(b"\x89PNG\r\n\x1a\n broken")]))
    (message,) = texts(shown)
    assert "could not be decoded" in message


def test_inline_data_without_bytes_and_odd_mime_types(shown: list[Any]) -> None:
    response = types.GenerateContentResponse(
        candidates=[
            types.Candidate(
                content=types.Content(
                    role="model",
                    parts=[
                        types.Part(inline_data=types.Blob(mime_type="image/png", data=None)),
                        types.Part(inline_data=types.Blob(mime_type="audio/wav", data=b"RIFF")),
                        types.Part(inline_data=types.Blob(mime_type="image/x-made-up", data=SMALL_PNG)),
                        types.Part(inline_data=types.Blob(mime_type=None, data=SMALL_PNG)),
                    ],
                ),
                finish_reason=types.FinishReason.STOP,
            )
        ]
    )
    show(response)
    assert kinds(shown) == ["md", "md", "img:png", "img:png"]
    assert "no data" in texts(shown)[0]
    assert "audio/wav" in texts(shown)[1]


def test_two_candidates_get_headings(shown: list[Any]) -> None:
    response = rest(
        {
            "candidates": [
                candidate([{"text": "First."}], index=0),
                candidate([{"text": "Second."}, image_part()], "IMAGE_OTHER", index=1),
            ]
        }
    )
    show(response)
    assert kinds(shown) == ["md", "md", "md", "md", "img:png", "md"]
    assert texts(shown)[:4] == ["**Candidate 1**", "First.", "**Candidate 2**", "Second."]
    assert texts(shown)[-1].startswith("⚠️ Candidate 2:") and "IMAGE_OTHER" in texts(shown)[-1]


# ---------------------------------------------------------------------------------------
# Images: size and format
# ---------------------------------------------------------------------------------------


def test_photo_like_image_is_shown_as_small_jpeg(shown: list[Any]) -> None:
    data = photo_like()
    assert len(data) > 1_000_000  # like a real 1K photo from Gemini
    response = answer([image_part(data)])

    show(response)

    (output,) = shown
    assert output.format == "jpeg"
    assert len(output.data) <= 40_000
    with Image.open(io.BytesIO(output.data)) as image:
        assert max(image.size) <= 512 and image.size == (512, 512)
    assert response.candidates[0].content.parts[0].inline_data.data == data


def test_flat_drawing_is_shown_as_png() -> None:
    encoded, fmt = display_bytes(flat_drawing(), 512)
    assert fmt == "png"
    with Image.open(io.BytesIO(encoded)) as image:
        assert image.size == (512, 512)


def test_display_bytes_respects_max_side_and_keeps_small_images() -> None:
    wide = encode(Image.new("RGB", (1600, 400), (10, 200, 10)))
    encoded, _ = display_bytes(wide, 256)
    with Image.open(io.BytesIO(encoded)) as image:
        assert image.size == (256, 64)
    encoded, _ = display_bytes(SMALL_PNG, 512)
    with Image.open(io.BytesIO(encoded)) as image:
        assert image.size == (64, 48)


def test_display_bytes_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="not a readable image"):
        display_bytes(b"nope", 512)


def test_max_side_is_used_by_show(shown: list[Any]) -> None:
    show(answer([image_part(encode(Image.new("RGB", (300, 200))))]), max_side=100)
    with Image.open(io.BytesIO(shown[0].data)) as image:
        assert image.size == (100, 67)


# ---------------------------------------------------------------------------------------
# Chats and other inputs
# ---------------------------------------------------------------------------------------


def history() -> list[types.Content]:
    """A two-turn chat history with a user image and a hidden thought."""
    return [
        types.Content(
            role="user",
            parts=[types.Part(text="Make the background blue"), types.Part.from_bytes(data=SMALL_PNG, mime_type="image/png")],
        ),
        types.Content(
            role="model",
            parts=[types.Part(text="thinking", thought=True), types.Part(text="Done:"), types.Part.from_bytes(data=SMALL_PNG, mime_type="image/png")],
        ),
    ]


def test_chat_like_object_shows_labelled_turns(shown: list[Any]) -> None:
    show(SimpleNamespace(get_history=history))
    assert kinds(shown) == ["md", "md", "img:png", "md", "md", "img:png", "md"]
    assert texts(shown) == [
        "**You**",
        "Make the background blue",
        "**Gemini**",
        "Done:",
        "_(1 thought part hidden; `show(..., thoughts=True)` shows them)_",
    ]


def test_real_chat_object(shown: list[Any]) -> None:
    from google import genai

    client = genai.Client(api_key="test-key-not-real")
    chat = client.chats.create(model="gemini-3.1-flash-image", history=history())
    show(chat)
    assert texts(shown)[:2] == ["**You**", "Make the background blue"]
    assert "**Gemini**" in texts(shown)


def test_empty_chat(shown: list[Any]) -> None:
    show(SimpleNamespace(get_history=lambda: []))
    assert "no turns yet" in texts(shown)[0]


@pytest.mark.parametrize("value", [None, 42, "some text", {"candidates": []}, object()])
def test_anything_else_gets_a_sentence(shown: list[Any], value: Any) -> None:
    show(value)
    (message,) = texts(shown)
    assert message.endswith(".") and "Traceback" not in message


def test_bad_max_side_gets_a_sentence(shown: list[Any]) -> None:
    show(answer([{"text": "x"}]), max_side=0)
    assert "max_side" in texts(shown)[0]


def test_describe_problems_is_pure() -> None:
    response = answer([{"text": "cut"}], "MAX_TOKENS", finishMessage="Too long.")
    before = response.model_dump()
    (problem,) = describe_problems(response)
    assert "MAX_TOKENS" in problem and "max_output_tokens" in problem and "Too long." in problem
    assert response.model_dump() == before
    assert describe_problems(None) == []


def test_single_candidate_part_list_of_parts_and_pil_image(shown: list[Any]) -> None:
    response = answer([{"text": "Look:"}, image_part()], "NO_IMAGE")
    first = response.candidates[0]

    show(first)  # a Candidate: its parts and its finish reason
    assert kinds(shown) == ["md", "img:png", "md"] and "NO_IMAGE" in texts(shown)[-1]

    shown.clear()
    show(first.content.parts[1])  # one Part
    assert kinds(shown) == ["img:png"]

    shown.clear()
    show(first.content.parts)  # a list of Parts
    assert kinds(shown) == ["md", "img:png"]

    shown.clear()
    show(Image.new("RGB", (900, 300), (0, 90, 200)))  # e.g. what load_image returned
    assert kinds(shown) == ["img:png"]
    with Image.open(io.BytesIO(shown[0].data)) as image:
        assert image.size == (512, 171)


# ---------------------------------------------------------------------------------------
# Grounding with Google Search
# ---------------------------------------------------------------------------------------


def grounded(**metadata: Any) -> types.GenerateContentResponse:
    """A one-candidate answer with the given REST groundingMetadata."""
    return answer([{"text": "It is sunny."}, image_part()], groundingMetadata=metadata)


def web(uri: str | None, title: str | None) -> dict[str, Any]:
    """A REST grounding chunk from the web."""
    return {"web": {key: value for key, value in (("uri", uri), ("title", title)) if value}}


def test_describe_grounding_names_searches_and_sources() -> None:
    response = grounded(
        webSearchQueries=["weather Paris", "weather Paris", "eiffel *tower*"],
        groundingChunks=[
            web("https://meteo.example/paris", "Météo [Paris]"),
            web("https://meteo.example/paris", "Météo [Paris]"),  # a duplicate
            web("https://news.example/a b(1)", None),  # no title: the host name stands in
            web("javascript:alert(1)", "Not a link"),
        ],
        searchEntryPoint={"renderedContent": "<div class='chip'>weather Paris</div>"},
    )
    text = describe_grounding(response.candidates[0])
    assert text == (
        'Grounded with Google Search. Searches: "weather Paris", "eiffel \\*tower\\*". '
        "Sources: [Météo \\[Paris\\]](https://meteo.example/paris), "
        "[news.example](https://news.example/a%20b%281%29), Not a link. "
        "Google's terms ask apps that use grounding to show the search suggestions too; their HTML "
        "is in `candidate.grounding_metadata.search_entry_point.rendered_content`."
    )
    assert "<div" not in text


def test_describe_grounding_lists_at_most_eight_sources() -> None:
    chunks = [web(f"https://site{n}.example/", f"Site {n}") for n in range(11)]
    text = describe_grounding(grounded(groundingChunks=chunks).candidates[0])
    assert text is not None
    assert "[Site 7](https://site7.example/)" in text and "Site 8" not in text
    assert text.endswith("and 3 more.")


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"webSearchQueries": None, "groundingChunks": None},
        {"webSearchQueries": [], "groundingChunks": [{}, {"web": {}}, {"retrievedContext": {}}]},
        {"searchEntryPoint": {}},
    ],
    ids=["empty", "none-lists", "chunks-without-web", "entry-point-without-html"],
)
def test_describe_grounding_with_partial_metadata(metadata: dict[str, Any]) -> None:
    text = describe_grounding(grounded(**metadata).candidates[0])
    assert text == "Grounded with Google Search. Sources: no sources listed."


def test_describe_grounding_without_grounding_and_odd_inputs() -> None:
    assert describe_grounding(answer([{"text": "hi"}]).candidates[0]) is None
    assert describe_grounding(None) is None
    assert describe_grounding(SimpleNamespace(grounding_metadata=SimpleNamespace(grounding_chunks=[None, 3]))) == (
        "Grounded with Google Search. Sources: no sources listed."
    )


def test_show_adds_one_grounding_block_after_the_parts(shown: list[Any]) -> None:
    response = grounded(
        webSearchQueries=["weather Paris"],
        groundingChunks=[web("https://meteo.example/paris", "Météo")],
    )
    show(response)
    assert kinds(shown) == ["md", "img:png", "md"]
    assert texts(shown)[-1].startswith('Grounded with Google Search. Searches: "weather Paris".')

    shown.clear()
    body = {"candidates": [candidate([{"text": "Sunny."}], None)]}
    final = {"candidates": [candidate([image_part()], "STOP", groundingMetadata={"webSearchQueries": ["q"]})]}
    show(iter([rest(body), rest(final), rest(final)]))  # repeated in later chunks: shown once
    assert kinds(shown) == ["md", "img:png", "md", "img:png"]
    assert sum("Grounded with Google Search" in t for t in texts(shown)) == 1


def test_text_parts_of_one_response_are_paragraphs_but_stream_chunks_continue(shown: list[Any]) -> None:
    show(answer([{"text": "Ingredients: eggs."}, {"text": "Step 1: crack them."}]))
    assert texts(shown) == ["Ingredients: eggs.\n\nStep 1: crack them."]
    shown.clear()
    show([answer([{"text": "Once up"}], finish=None), answer([{"text": "on a time."}])])
    assert texts(shown)[:2] == ["Once up", "on a time."]  # shown as they arrive, nothing inserted


def test_dollar_signs_are_not_math(shown: list[Any]) -> None:
    show(answer([{"text": "Costs $5 to $10, or \\$3."}]))
    assert texts(shown) == ["Costs \\$5 to \\$10, or \\$3."]
