"""The REST shapes of the stand-in through the real google-genai SDK: parts, sizes, refusals, usage, thought
signatures, chats, streams, models, keys and faults, gzip, Interactions, answer fields, and ``python -m standin``.

Tests that look at what reached the server, or queue faults, use this module's ``server`` and ``sdk``; the
others use the ``client`` fixture of conftest.py. Nothing leaves 127.0.0.1 and nothing needs a key.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import _interactions, errors, types

from helpers import models
from standin import StandinServer, draw, wire
from standin.spec import ImageSpec
from tests.standin import MODEL, NANO, ask, image_config, images_of, opened, texts_of
from tests.support import png

ROOT = Path(__file__).resolve().parents[2]
TEXT_ONLY = types.GenerateContentConfig(response_modalities=["TEXT"])
IMAGE_ONLY = types.GenerateContentConfig(response_modalities=["IMAGE"])


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


@pytest.fixture(scope="module")
def sdk(server: StandinServer) -> genai.Client:
    """A client on this module's ``server``, for tests that look at what reached it."""
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


@pytest.fixture(scope="module")
def retrying(server: StandinServer) -> genai.Client:
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.05, max_delay=0.1)
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url, retry_options=retry))


@pytest.fixture(autouse=True)
def _no_leftover_faults(server: StandinServer) -> Iterator[None]:
    yield
    while server.next_fault() is not None:  # a test that queued more faults than it used leaves none behind
        pass


def modality_tokens(details: list[types.ModalityTokenCount] | None, modality: str) -> int:
    return sum(d.token_count or 0 for d in details or [] if d.modality is not None and d.modality.value == modality)


def raw(
    server: StandinServer, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP request (no SDK): status, headers (lower-case names) and the undecoded body."""
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# -- generateContent: parts, sizes, validation, usage ----------------------------------------------------


def test_text_and_image_by_default(sdk: genai.Client, server: StandinServer) -> None:
    response = sdk.models.generate_content(model=MODEL, contents="a cat")
    assert texts_of(response) and len(images_of(response)) == 1
    assert response.parts[1].inline_data.mime_type == "image/png"
    assert opened(images_of(response)[0]).size == NANO.pixel_size("1:1", "1K")
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.model_version == f"{MODEL} (stand-in)"
    method, path, body = server.requests[-1]
    assert (method, path) == ("POST", f"/v1/models/{MODEL}:generateContent")
    assert body["contents"][0]["parts"][0]["text"] == "a cat"


def test_image_only_has_no_text_parts(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="a cat", config=IMAGE_ONLY)
    assert texts_of(response) == [] and len(images_of(response)) == 1


def test_text_only_has_no_images(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="a cat", config=TEXT_ONLY)
    assert images_of(response) == [] and texts_of(response)
    assert modality_tokens(response.usage_metadata.candidates_tokens_details, "IMAGE") == 0


@pytest.mark.parametrize(("ratio", "size"), [("16:9", "1K"), ("1:8", "1K"), ("21:9", "1K"), ("4:3", "2K")])
def test_pixel_size_follows_the_model_table(client: genai.Client, ratio: str, size: str) -> None:
    config = image_config(ratio, size, response_modalities=["IMAGE"])
    response = client.models.generate_content(model=MODEL, contents="a lighthouse", config=config)
    assert opened(images_of(response)[0]).size == NANO.pixel_size(ratio, size)


def test_4k_pixel_size_without_drawing() -> None:
    assert ask(aspect_ratio="16:9", image_size="4K").pixel_size() == NANO.pixel_size("16:9", "4K") == (5504, 3072)


def test_image_size_512_is_refused_naming_the_supported_sizes(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents="a cat", config=image_config(size="512"))
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "'512'" in caught.value.message and "1K, 2K, 4K" in caught.value.message


@pytest.mark.parametrize(("model", "ratio"), [(MODEL, "7:5"), ("gemini-3-pro-image", "1:8")])
def test_unknown_aspect_ratio_is_refused(client: genai.Client, model: str, ratio: str) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=model, contents="a cat", config=image_config(ratio))
    assert caught.value.code == 400 and f"'{ratio}'" in caught.value.message and "16:9" in caught.value.message


def test_more_than_max_input_images_is_refused(client: genai.Client) -> None:
    pictures = [types.Part.from_bytes(data=png(), mime_type="image/png") for _ in range(NANO.max_input_images + 1)]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=[*pictures, "put these together"])
    assert caught.value.code == 400 and f"at most {NANO.max_input_images}" in caught.value.message


def test_thinking_level_outside_the_models_levels_is_refused(client: genai.Client) -> None:
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW))
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents="a cat", config=config)
    assert caught.value.code == 400 and "'low'" in caught.value.message
    assert ", ".join(NANO.thinking_levels) in caught.value.message


def test_thinking_level_in_the_models_levels_is_accepted(client: genai.Client) -> None:
    config = types.GenerateContentConfig(
        response_modalities=["TEXT"], thinking_config=types.ThinkingConfig(thinking_level="MINIMAL")
    )
    response = client.models.generate_content(model=MODEL, contents="a cat", config=config)
    assert response.usage_metadata.thoughts_token_count == wire.THINKING_TOKENS["minimal"]


@pytest.mark.parametrize("model", [m.id for m in wire.served_models()])
def test_every_served_model_answers_a_request_that_sets_no_thinking_level(client: genai.Client, model: str) -> None:
    """Regression: the default level was 'medium', which gemini-3.1-flash-lite-image (minimal, high) refused."""
    assert texts_of(client.models.generate_content(model=model, contents="a cat", config=TEXT_ONLY))


@pytest.mark.parametrize("size", ["1K", "2K"])
def test_image_tokens_are_images_times_tokens_per_image(client: genai.Client, size: str) -> None:
    config = image_config("1:1", size)
    usage = client.models.generate_content(model=MODEL, contents="tell it in two scenes", config=config).usage_metadata
    assert modality_tokens(usage.candidates_tokens_details, "IMAGE") == 2 * NANO.tokens_per_image[size]
    assert usage.total_token_count == (
        usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    )


def test_count_tokens(client: genai.Client) -> None:
    assert client.models.count_tokens(model=MODEL, contents="x" * 40).total_tokens == 10


# -- thought signatures and chats --------------------------------------------------------------------


def test_every_image_part_and_the_first_part_carry_a_thought_signature(client: genai.Client) -> None:
    parts = client.models.generate_content(model=MODEL, contents="tell it in three scenes").parts
    assert len(parts) == 6 and parts[0].thought_signature
    assert all(p.thought_signature for p in parts if p.inline_data is not None)
    assert not any(p.thought_signature for p in parts[1:] if p.text is not None)


def test_chat_over_three_turns_resends_pictures(sdk: genai.Client, server: StandinServer) -> None:
    chat = sdk.chats.create(model=MODEL, config=image_config("1:1"))
    replies = [chat.send_message(text) for text in ("a cat", "make it blue", "now add a hat")]
    assert all(len(images_of(r)) == 1 for r in replies)
    assert texts_of(replies[1])[0].startswith("Stand-in edit")
    sent = [modality_tokens(r.usage_metadata.prompt_tokens_details, "IMAGE") for r in replies]
    assert sent == [0, NANO.input_image_tokens, 2 * NANO.input_image_tokens]
    assert len(server.requests[-1][2]["contents"]) == 5
    assert images_of(replies[2])[0] != images_of(replies[1])[0]


def test_hand_built_history_without_signatures_is_refused(client: genai.Client) -> None:
    first = client.models.generate_content(model=MODEL, contents="a cat", config=image_config("1:1"))
    stripped = [types.Part(text=p.text, inline_data=p.inline_data) for p in first.parts]
    history = [
        types.Content(role="user", parts=[types.Part(text="a cat")]),
        types.Content(role="model", parts=stripped),
        types.Content(role="user", parts=[types.Part(text="make it blue")]),
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=history)
    assert caught.value.code == 400 and "missing a thought_signature" in caught.value.message
    assert "content position 2, part position 1" in caught.value.message
    history[1] = first.candidates[0].content  # with its signatures, the same history is accepted
    assert images_of(client.models.generate_content(model=MODEL, contents=history, config=IMAGE_ONLY))


def test_edit_of_an_earlier_turns_picture_keeps_its_shape(client: genai.Client) -> None:
    """Regression: with no aspect ratio, an edit of the previous turn's 16:9 picture came back square."""
    first = client.models.generate_content(model=MODEL, contents="a cat", config=image_config("16:9"))
    history = [
        types.Content(role="user", parts=[types.Part(text="a cat")]),
        first.candidates[0].content,
        types.Content(role="user", parts=[types.Part(text="make it blue")]),
    ]
    edited = client.models.generate_content(model=MODEL, contents=history, config=IMAGE_ONLY)
    assert opened(images_of(edited)[0]).size == NANO.pixel_size("16:9")


def test_edit_of_an_input_picture_keeps_its_shape(client: genai.Client) -> None:
    source = draw.picture(ImageSpec("a beach"), NANO.pixel_size("16:9"), [], {})
    picture = types.Part.from_bytes(data=source, mime_type="image/png")
    edited = images_of(client.models.generate_content(model=MODEL, contents=[picture, "add a boat"]))[0]
    assert opened(edited).size == opened(source).size and edited != source


# -- streaming ---------------------------------------------------------------------------------------


def test_stream_splits_text_sends_images_whole_and_finishes_last(sdk: genai.Client, server: StandinServer) -> None:
    config = image_config("1:1")
    chunks = list(sdk.models.generate_content_stream(model=MODEL, contents="tell it in two scenes", config=config))
    assert server.requests[-1][1] == f"/v1/models/{MODEL}:streamGenerateContent"
    whole = sdk.models.generate_content(model=MODEL, contents="tell it in two scenes", config=config)
    parts = [p for c in chunks for p in c.parts]
    assert len(chunks) == len(parts) > len(whole.parts)  # one part a chunk; each text comes in two
    assert "".join(p.text or "" for p in parts) == "".join(texts_of(whole))
    assert [p.inline_data.data for p in parts if p.inline_data] == images_of(whole)
    assert all(opened(p.inline_data.data).size == (1024, 1024) for p in parts if p.inline_data)
    assert [c.candidates[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + [types.FinishReason.STOP]
    assert [c.usage_metadata is not None for c in chunks] == [False] * (len(chunks) - 1) + [True]


# -- models ------------------------------------------------------------------------------------------


def test_models_list_holds_exactly_the_non_deprecated_table_models(client: genai.Client) -> None:
    listed = [m.name for m in client.models.list()]
    expected = [f"models/{m.id}" for m in models.IMAGE_MODELS.values() if m.status != "deprecated"]
    assert listed == expected and f"models/{models.DEFAULT}" in listed
    assert client.models.get(model=MODEL).display_name == NANO.name


@pytest.mark.parametrize("model", ["gemini-3.1-flash-image", "gemini-2.0-flash-exp"])
def test_deprecated_or_retired_model_is_not_found(client: genai.Client, model: str) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.get(model=model)
    assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
    assert caught.value.message.startswith(f"models/{model} is not found for API version v1, or is not supported for")
    assert "Call ListModels to see the list of available models" in caught.value.message
    with pytest.raises(errors.ClientError, match=f"models/{model} is not found .* generateContent"):
        client.models.generate_content(model=model, contents="a cat")


# -- keys and faults ---------------------------------------------------------------------------------


def test_no_key_is_403_permission_denied(server: StandinServer) -> None:
    status, _, body = raw(
        server, "POST", f"/v1/models/{MODEL}:generateContent", {"contents": [{"parts": [{"text": "x"}]}]}
    )
    assert status == 403 and json.loads(body)["error"]["status"] == "PERMISSION_DENIED"
    status, _, _ = raw(server, "GET", "/v1/models?key=anything")
    assert status == 200


def test_a_429_once_then_success_with_a_retrying_client(retrying: genai.Client, server: StandinServer) -> None:
    before = len(server.requests)
    server.queue_fault(429)
    assert texts_of(retrying.models.generate_content(model=MODEL, contents="a cat", config=TEXT_ONLY))
    assert len(server.requests) - before == 2


def test_a_429_without_retry_options_raises_client_error_at_once(sdk: genai.Client, server: StandinServer) -> None:
    before = len(server.requests)
    server.queue_fault(429)
    with pytest.raises(errors.ClientError) as caught:
        sdk.models.generate_content(model=MODEL, contents="a cat")
    assert (caught.value.code, caught.value.status, len(server.requests) - before) == (429, "RESOURCE_EXHAUSTED", 1)
    assert caught.value.details["error"]["details"][0]["retryDelay"] == "7s"


def test_503_five_times_exhausts_three_attempts_as_server_error(retrying: genai.Client, server: StandinServer) -> None:
    before = len(server.requests)
    server.queue_fault(503, times=5)
    with pytest.raises(errors.ServerError) as caught:
        retrying.models.generate_content(model=MODEL, contents="a cat")
    assert (caught.value.code, caught.value.status) == (503, "UNAVAILABLE")
    assert len(server.requests) - before == 3


@pytest.mark.parametrize("kind", ["truncated", "malformed"])
def test_truncated_or_malformed_body_raises_json_decode_error_and_is_not_retried(
    retrying: genai.Client, server: StandinServer, kind: str
) -> None:
    """Observed: a 200 whose body is half a JSON object or an HTML page makes the SDK raise a bare
    json.JSONDecodeError (not an errors.APIError), and even a retrying client does not retry it."""
    before = len(server.requests)
    server.queue_fault(kind)
    with pytest.raises(json.JSONDecodeError):
        retrying.models.generate_content(model=MODEL, contents="a cat", config=TEXT_ONLY)
    assert len(server.requests) - before == 1


def test_cut_stream_delivers_the_first_chunks_then_raises_remote_protocol_error(
    retrying: genai.Client, server: StandinServer
) -> None:
    """Observed: the chunks before the cut arrive; then the transport's RemoteProtocolError (httpx2, unwrapped)
    is raised from the iterator, and the stream is not retried."""
    before = len(server.requests)
    server.queue_fault("cut-stream")
    got: list[types.GenerateContentResponse] = []
    with pytest.raises(Exception) as caught:  # the transport's own class, asserted below
        for chunk in retrying.models.generate_content_stream(
            model=MODEL, contents="tell it in two scenes", config=image_config("1:1")
        ):
            got.append(chunk)
    assert type(caught.value).__name__ == "RemoteProtocolError"
    assert "incomplete chunked read" in str(caught.value)
    assert len(got) == 3 and got[-1].candidates[0].finish_reason is None  # 6 chunks, cut after half
    assert len(server.requests) - before == 1


# -- gzip and determinism ----------------------------------------------------------------------------


def test_gzip_when_asked(server: StandinServer) -> None:
    status, headers, body = raw(server, "GET", "/v1/models", headers={"x-goog-api-key": "k", "Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip" and body[:2] == b"\x1f\x8b"
    assert int(headers["content-length"]) == len(body)
    assert json.loads(gzip.decompress(body))["models"]
    _, plain_headers, plain = raw(server, "GET", "/v1/models", headers={"x-goog-api-key": "k"})
    assert "content-encoding" not in plain_headers and json.loads(plain) == json.loads(gzip.decompress(body))


def test_gzip_through_urllib(server: StandinServer) -> None:
    request = urllib.request.Request(
        f"{server.url}/v1beta/models/{MODEL}", headers={"x-goog-api-key": "k", "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(response.read()))["name"] == f"models/{MODEL}"


def test_the_same_request_twice_gives_byte_identical_answers(server: StandinServer) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "a cat"}]}],
        "generationConfig": {"imageConfig": {"aspectRatio": "1:1"}},
    }
    first = raw(server, "POST", f"/v1/models/{MODEL}:generateContent", body, {"x-goog-api-key": "k"})
    second = raw(server, "POST", f"/v1/models/{MODEL}:generateContent", body, {"x-goog-api-key": "other"})
    assert first[0] == 200 and first[2] == second[2]
    assert json.loads(first[2])["responseId"]
    changed = {**body, "contents": [{"role": "user", "parts": [{"text": "a dog"}]}]}
    third = raw(server, "POST", f"/v1/models/{MODEL}:generateContent", changed, {"x-goog-api-key": "k"})
    assert json.loads(third[2])["responseId"] != json.loads(first[2])["responseId"]


# -- interactions ------------------------------------------------------------------------------------


def interaction_picture(result: Any) -> bytes:
    return base64.b64decode(result.output_image.data)


def test_interaction_with_text_and_image(sdk: genai.Client, server: StandinServer) -> None:
    result = sdk.interactions.create(
        model=MODEL,
        input="a cat",
        response_format=[{"type": "text"}, {"type": "image", "aspect_ratio": "16:9", "image_size": "1K"}],
    )
    assert server.requests[-1][1] == "/v1/interactions"
    assert result.status == "completed" and result.output_text.startswith("Stand-in answer")
    assert result.output_image.mime_type == "image/png"
    assert opened(interaction_picture(result)).size == NANO.pixel_size("16:9")
    assert sdk.interactions.get(result.id).id == result.id


def test_chained_interaction_edits_the_previous_picture(sdk: genai.Client, server: StandinServer) -> None:
    first = sdk.interactions.create(
        model=MODEL, input="a red fox", response_format=[{"type": "text"}, {"type": "image", "aspect_ratio": "4:3"}]
    )
    chain, bodies = [first], []
    for text in ("make it blue", "add a hat"):
        chain.append(sdk.interactions.create(model=MODEL, input=text, previous_interaction_id=chain[-1].id))
        bodies.append(server.requests[-1][2])
    pictures = [interaction_picture(r) for r in chain]
    assert len(set(pictures)) == 3 and {opened(p).size for p in pictures} == {NANO.pixel_size("4:3")}
    assert chain[1].output_text.startswith("Stand-in edit") and chain[1].previous_interaction_id == first.id
    # The server's history grows each turn and counts as input (the docs say so); implicit caching discounts
    # none of it below the model's minimum (4,096 tokens), and these short chains stay below it.
    inputs = [r.usage.total_input_tokens for r in chain]
    assert inputs[0] < inputs[1] < inputs[2] < NANO.cache_min_tokens
    assert [r.usage.total_cached_tokens for r in chain] == [0, 0, 0]
    assert all(len(json.dumps(b)) < 300 and "data" not in json.dumps(b) for b in bodies)  # history stays server-side


def test_implicit_caching_counts_the_earlier_turns_from_the_minimum_on(sdk: genai.Client) -> None:
    """Both ways, a chat's resent history and a chained interaction's stored one, once the input reaches it."""
    long = "word " * (NANO.cache_min_tokens * 4 // 5)  # about as many tokens as the minimum, in one turn
    chat = sdk.chats.create(model=MODEL, config=types.GenerateContentConfig(response_modalities=["TEXT"]))
    chat.send_message(long)
    again = chat.send_message("and again")
    first = sdk.interactions.create(model=MODEL, input=long, response_format=[{"type": "text"}])
    then = sdk.interactions.create(model=MODEL, input="and again", previous_interaction_id=first.id)
    assert again.usage_metadata.cached_content_token_count >= NANO.cache_min_tokens * 0.9
    assert then.usage.total_cached_tokens >= NANO.cache_min_tokens * 0.9
    assert first.usage.total_cached_tokens == 0


def test_unknown_previous_interaction_is_not_found(client: genai.Client) -> None:
    with pytest.raises(_interactions.NotFoundError) as caught:
        client.interactions.create(model=MODEL, input="make it blue", previous_interaction_id="standin-nope")
    assert caught.value.status_code == 404 and "standin-nope" in str(caught.value)


def test_streamed_interaction_delivers_events(client: genai.Client) -> None:
    events = list(
        client.interactions.create(
            model=MODEL, input="a dog", stream=True, response_format=[{"type": "text"}, {"type": "image"}]
        )
    )
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    assert kinds.count("step.start") == kinds.count("step.stop") == 2
    deltas = [e.delta for e in events if e.event_type == "step.delta"]
    assert [d.type for d in deltas] == ["thought_signature", "text", "image"]  # the thought step's signature first
    assert opened(base64.b64decode(deltas[2].data)).size == (1024, 1024)
    assert events[-1].interaction.status == "completed"


def test_interaction_ids_are_deterministic(client: genai.Client) -> None:
    def chain(on: genai.Client) -> list[str]:
        first = on.interactions.create(model=MODEL, input="a cow", response_format=[{"type": "text"}])
        return [
            first.id,
            on.interactions.create(
                model=MODEL, input="a moo", previous_interaction_id=first.id, response_format=[{"type": "text"}]
            ).id,
        ]

    with StandinServer() as other:
        elsewhere = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=other.url))
        ids = chain(elsewhere)
    assert ids == chain(client) and ids[0] != ids[1] and all(i.startswith("standin-") for i in ids)


# -- answer fields on the wire ----------------------------------------------------------------------

ODD_ANSWERS = """
[[answer]]
prompt = "a blocked prompt"
block = "PROHIBITED_CONTENT"

[[answer]]
prompt = "an unsafe picture"
finish = "IMAGE_SAFETY"
finish_message = "The picture was withheld."
parts = [{ text = "I can't draw that." }]

[[answer]]
prompt = "quota please"
status = 429
message = "Quota exceeded for this stand-in."

[[answer]]
prompt = "break the server"
status = 500

[[answer]]
prompt = "think first"
parts = [
  { thought = "Planning the picture." },
  { image = "A draft", thought = true },
  { text = "Here it is." },
  { image = "The final picture", characters = ["Pip"] },
]

[[answer]]
prompt = "weather"
parts = [{ text = "Sunny." }]
grounding = { queries = ["weather today"], sources = [["Example", "https://example.org/w"]] }

[characters]
Pip = "#2f9e44"
"""


@pytest.fixture
def odd_server(tmp_path: Path) -> Iterator[StandinServer]:
    """A stand-in reading ODD_ANSWERS from a file of its own."""
    (tmp_path / "odd.toml").write_text(ODD_ANSWERS, encoding="utf-8")
    with StandinServer(str(tmp_path / "odd.toml")) as running:
        yield running


@pytest.fixture
def odd(odd_server: StandinServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=odd_server.url))


def test_block_entry_gives_prompt_feedback_and_no_candidates(odd: genai.Client) -> None:
    response = odd.models.generate_content(model=MODEL, contents="a blocked prompt")
    assert response.candidates is None and response.parts is None
    assert response.prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    chunks = list(odd.models.generate_content_stream(model=MODEL, contents="a blocked prompt"))
    assert len(chunks) == 1 and chunks[0].prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    failed = odd.interactions.create(model=MODEL, input="a blocked prompt")
    assert failed.status == "failed"


def test_finish_entry_gives_finish_reason_and_a_finish_message_the_sdk_drops(
    odd: genai.Client, odd_server: StandinServer
) -> None:
    """Observed: finishMessage is on the wire, but google-genai 3.6.1's Gemini API converter
    (models._Candidate_from_mldev) does not copy it, so candidate.finish_message stays None."""
    candidate = odd.models.generate_content(model=MODEL, contents="an unsafe picture").candidates[0]
    assert candidate.finish_reason == types.FinishReason.IMAGE_SAFETY
    assert candidate.finish_message is None
    body = {"contents": [{"role": "user", "parts": [{"text": "an unsafe picture"}]}]}
    _, _, sent = raw(odd_server, "POST", f"/v1/models/{MODEL}:generateContent", body, {"x-goog-api-key": "k"})
    assert json.loads(sent)["candidates"][0]["finishMessage"] == "The picture was withheld."
    assert odd.interactions.create(model=MODEL, input="an unsafe picture").status == "incomplete"


def test_status_entry_gives_an_http_error(odd: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        odd.models.generate_content(model=MODEL, contents="quota please")
    assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert caught.value.message == "Quota exceeded for this stand-in."
    with pytest.raises(errors.ServerError) as server_side:
        odd.models.generate_content(model=MODEL, contents="break the server")
    assert (server_side.value.code, server_side.value.status) == (500, "INTERNAL")


def test_thoughts_are_sent_only_when_asked_for(odd: genai.Client) -> None:
    plain = odd.models.generate_content(model=MODEL, contents="think first")
    assert [p.thought for p in plain.parts] == [None, None] and len(images_of(plain)) == 1
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    parts = odd.models.generate_content(model=MODEL, contents="think first", config=config).parts
    assert [bool(p.thought) for p in parts] == [True, True, False, False]
    assert [bool(p.thought_signature) for p in parts] == [False, False, True, True]  # answer's first part, its image


def test_grounding_only_with_google_search(odd: genai.Client) -> None:
    plain = odd.models.generate_content(model=MODEL, contents="weather")
    assert plain.candidates[0].grounding_metadata is None
    search = types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())])
    grounding = (
        odd.models.generate_content(model=MODEL, contents="weather", config=search).candidates[0].grounding_metadata
    )
    assert grounding.web_search_queries == ["weather today"]
    assert grounding.grounding_chunks[0].web.uri == "https://example.org/w"
    assert "weather today" in grounding.search_entry_point.rendered_content


# -- python -m standin -----------------------------------------------------------------------------


def standin_process(*args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "standin", *args]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_practice_mode_process_prints_its_url_serves_and_exits_when_stdin_closes() -> None:
    process = standin_process("--answers", "01_quickstart", "--port", "0", "--exit-with-stdin")
    try:
        url = process.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(f"{url}/v1beta/models/{MODEL}", headers={"x-goog-api-key": "k"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["name"] == f"models/{MODEL}"
        process.stdin.close()  # the kernel closed the pipe, or died
        assert process.wait(timeout=20) == 0
        assert process.stdout.read() == b"" and process.stderr.read() == b""  # quietly
    finally:
        process.kill()
        process.wait()


def test_a_broken_answers_file_stops_the_process_at_once_with_its_message(tmp_path: Path) -> None:
    broken = tmp_path / "nb.toml"
    broken.write_text('[[answer]]\nprompt = "x"\nparts = [{ text = 3 }]\n', encoding="utf-8")
    process = standin_process("--answers", str(broken), "--exit-with-stdin")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and out == b""
    assert (
        err.decode().strip()
        == "python -m standin: nb.toml, answer 1 (\"x\"): part 1: 'text' must be a non-empty string, not an integer (3)"
    )
