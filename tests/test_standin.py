"""Tests of the stand-in Gemini API (tests/standin), driven by the real google-genai SDK.

Everything runs against one loopback server per module; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types
from PIL import Image, ImageStat

from tests.standin import StandinServer, draw, gemini

MODEL = "gemini-3.1-flash-image"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


@pytest.fixture(scope="module")
def client(server: StandinServer) -> genai.Client:
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=server.url))


@pytest.fixture(autouse=True)
def _fresh(server: StandinServer) -> None:
    server.clear()


def image_of(part: types.Part) -> Image.Image:
    assert part.inline_data is not None and part.inline_data.data is not None
    assert part.inline_data.mime_type == "image/png"
    image = Image.open(io.BytesIO(part.inline_data.data))
    image.load()
    return image


def kinds(response: types.GenerateContentResponse) -> list[str]:
    """'text' / 'image' / 'thought' for each part."""
    out = []
    for part in response.parts or []:
        out.append("thought" if part.thought else "image" if part.inline_data else "text")
    return out


def raw(
    server: StandinServer, path: str, body: Any = None, key: str | None = "test-key", data: bytes | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """A plain HTTP call (no SDK): status, body bytes, headers."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["x-goog-api-key"] = key
    if body is not None:
        data = json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


# --------------------------------------------------------------------------------------------
# generateContent


def test_text_then_image_with_signatures_and_usage(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="A cat wearing a small wizard hat")
    assert kinds(response) == ["text", "image"]
    text = response.parts[0].text
    assert text.startswith("Stand-in image for:") and "cat" in text and "wizard" in text
    assert image_of(response.parts[1]).size == (1024, 1024)
    assert all(part.thought_signature for part in response.parts)
    candidate = response.candidates[0]
    assert candidate.content.role == "model"
    assert candidate.finish_reason == types.FinishReason.STOP and candidate.index == 0
    assert "stand-in" in response.model_version and response.model_version.startswith(MODEL)
    assert response.response_id
    usage = response.usage_metadata
    by_modality = {d.modality.value: d.token_count for d in usage.candidates_tokens_details}
    assert by_modality["IMAGE"] == 1290 and by_modality["TEXT"] > 0
    assert usage.candidates_token_count == sum(by_modality.values())
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert usage.prompt_tokens_details[0].modality.value == "TEXT"


def test_raw_response_uses_rest_field_names(server: StandinServer) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "A lighthouse"}]}]}
    status, data, headers = raw(server, f"/v1beta/models/{MODEL}:generateContent", body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    payload = json.loads(data)
    assert set(payload) == {"candidates", "usageMetadata", "modelVersion", "responseId"}
    parts = payload["candidates"][0]["content"]["parts"]
    assert set(parts[1]["inlineData"]) == {"mimeType", "data"}
    base64.b64decode(parts[1]["inlineData"]["data"], validate=True)  # standard alphabet
    assert {"promptTokenCount", "candidatesTokenCount", "totalTokenCount", "promptTokensDetails",
            "candidatesTokensDetails"} <= set(payload["usageMetadata"])
    assert server.requests == [body]


def test_json_is_gzipped_when_accepted(server: StandinServer) -> None:
    request = urllib.request.Request(
        server.url + "/v1beta/models", headers={"x-goog-api-key": "k", "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(response.read()))["models"]


def test_image_only(client: genai.Client) -> None:
    config = types.GenerateContentConfig(response_modalities=["IMAGE"])
    response = client.models.generate_content(model=MODEL, contents="A red bicycle", config=config)
    assert kinds(response) == ["image"]
    assert response.parts[0].thought_signature


def test_text_only_modality_and_text_model(client: genai.Client) -> None:
    config = types.GenerateContentConfig(response_modalities=["TEXT"])
    response = client.models.generate_content(model=MODEL, contents="Name a colour", config=config)
    assert kinds(response) == ["text"]
    response = client.models.generate_content(model="gemini-3.1-flash", contents="Name a colour")
    assert kinds(response) == ["text"]
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(
            model="gemini-3.1-flash",
            contents="Draw a cat",
            config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
        )
    assert raised.value.code == 400 and raised.value.status == "INVALID_ARGUMENT"


def test_include_thoughts_adds_a_thought_part(client: genai.Client) -> None:
    config = types.GenerateContentConfig(
        response_modalities=["TEXT"], thinking_config=types.ThinkingConfig(include_thoughts=True)
    )
    response = client.models.generate_content(model=MODEL, contents="A teapot", config=config)
    assert kinds(response) == ["thought", "text"]
    assert response.usage_metadata.thoughts_token_count > 0


def test_aspect_ratio_sets_pixel_size(client: genai.Client) -> None:
    config = types.GenerateContentConfig(
        response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="16:9")
    )
    response = client.models.generate_content(model=MODEL, contents="A wide beach", config=config)
    assert image_of(response.parts[0]).size == (1344, 768)


def test_image_sizes_scale_each_side() -> None:
    assert gemini.pixel_size({"aspectRatio": "21:9", "imageSize": "2K"}, []) == (3072, 1344, "2K")
    assert gemini.pixel_size({"aspectRatio": "3:4", "imageSize": "4K"}, []) == (3456, 4736, "4K")
    assert gemini.pixel_size({}, [])[:2] == (1024, 1024)


def test_unknown_aspect_ratio_is_400_naming_allowed_values(client: genai.Client) -> None:
    config = types.GenerateContentConfig(image_config=types.ImageConfig(aspect_ratio="7:3"))
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model=MODEL, contents="A bridge", config=config)
    assert raised.value.code == 400 and raised.value.status == "INVALID_ARGUMENT"
    assert "7:3" in raised.value.message and "16:9" in raised.value.message


def test_same_request_same_bytes_other_prompt_other_bytes(server: StandinServer) -> None:
    path = f"/v1beta/models/{MODEL}:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "A quiet harbour at dusk"}]}]}
    first = raw(server, path, body)[1]
    draw.draw_scene.cache_clear()  # really draw it again
    second = raw(server, path, body)[1]
    assert first == second
    other = {"contents": [{"role": "user", "parts": [{"text": "A busy market at noon"}]}]}
    image = lambda data: json.loads(data)["candidates"][0]["content"]["parts"][1]["inlineData"]["data"]  # noqa: E731
    assert image(raw(server, path, other)[1]) != image(first)


def test_photo_like_png_size() -> None:
    words = ("photorealistic", "cat", "wizard", "hat")
    png = draw.draw_scene(draw.Scene(1024, 1024, MODEL, "a photo of a cat", words, "cat"))
    assert 500_000 < len(png) < 2_500_000


def test_story_gives_interleaved_scenes_with_the_same_character(client: genai.Client) -> None:
    prompt = "Tell a short story in scenes about a brave little fox who finds a lantern"
    response = client.models.generate_content(model=MODEL, contents=prompt)
    assert kinds(response) == ["text", "image"] * 4
    texts = [part.text for part in response.parts if part.text]
    assert [t.split(":")[0] for t in texts] == ["Scene 1", "Scene 2", "Scene 3", "Scene 4"]
    images = [image_of(part).convert("RGB") for part in response.parts if part.inline_data]
    assert len({img.tobytes() for img in images}) == 4
    _, colour = draw.subject_look("fox")
    for index, img in enumerate(images):  # the fox's body has the same colour in every scene
        x = int(1024 * (0.25 + 0.5 * index / 3))
        assert img.getpixel((x, int(1024 * 0.37 + 1024 * 0.14 * 0.3))) == colour


def test_edit_uses_the_input_image_and_applies_the_instruction(
    client: genai.Client, server: StandinServer
) -> None:
    source = Image.new("RGB", (64, 48), (200, 200, 200))
    response = client.models.generate_content(
        model=MODEL, contents=[source, "Make the background blue"]
    )
    assert kinds(response) == ["text", "image"]
    edited = image_of(response.parts[1]).convert("RGB")
    assert edited.size == (1184, 864)  # the input's 4:3 shape
    red, green, blue = ImageStat.Stat(edited.crop((0, 400, 1184, 700))).mean
    assert blue > red + 30 and blue > green + 30
    assert "inlineData" in server.requests[-1]["contents"][0]["parts"][0]


def test_request_images_accept_url_safe_and_standard_base64(server: StandinServer) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (250, 250, 250)).save(buffer, "PNG")
    for encode in (base64.urlsafe_b64encode, base64.b64encode):
        body = {
            "contents": [{"role": "user", "parts": [
                {"inlineData": {"mimeType": "image/png", "data": encode(buffer.getvalue()).decode()}},
                {"text": "Add a red hat"},
            ]}],
            "generationConfig": {"responseModalities": ["IMAGE"]},
        }
        status, data, _ = raw(server, f"/v1/models/{MODEL}:generateContent", body)
        assert status == 200, data


# --------------------------------------------------------------------------------------------
# Streaming


def test_stream_sends_whole_image_in_one_chunk_and_finishes_last(client: genai.Client) -> None:
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="A lighthouse"))
    assert len(chunks) >= 3
    image_chunks = [c for c in chunks if any(p.inline_data for p in c.parts or [])]
    assert len(image_chunks) == 1
    assert image_of(image_chunks[0].parts[0]).size == (1024, 1024)
    *rest, last = chunks
    assert last.candidates[0].finish_reason == types.FinishReason.STOP
    assert last.usage_metadata.total_token_count > 1290
    assert all(c.candidates[0].finish_reason is None and c.usage_metadata is None for c in rest)
    assert all("stand-in" in c.model_version for c in chunks)


def test_stream_wire_format_is_sse(server: StandinServer) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "A lighthouse"}]}],
            "generationConfig": {"responseModalities": ["TEXT"]}}
    status, data, headers = raw(server, f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse", body)
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = [e for e in data.decode().split("\n\n") if e]
    assert all(e.startswith("data: {") and "\n" not in e for e in events)
    assert json.loads(events[-1][6:])["candidates"][0]["finishReason"] == "STOP"


# --------------------------------------------------------------------------------------------
# Models and errors


def test_list_and_get_models(client: genai.Client) -> None:
    names = [model.name for model in client.models.list()]
    for model in ("gemini-3.1-flash-image", "gemini-3-pro-image", "gemini-3.1-flash-lite-image", "gemini-3.1-flash"):
        assert f"models/{model}" in names
    model = client.models.get(model="gemini-3-pro-image")
    assert model.name == "models/gemini-3-pro-image" and model.display_name
    assert "generateContent" in model.supported_actions


def test_unknown_model_is_404_naming_it(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model="gemini-2.0-flash-exp", contents="hi")
    assert raised.value.code == 404 and raised.value.status == "NOT_FOUND"
    assert "models/gemini-2.0-flash-exp is not found" in raised.value.message
    with pytest.raises(errors.ClientError) as raised:
        client.models.get(model="no-such-model")
    assert raised.value.code == 404


def test_missing_key_is_403_and_query_key_works(server: StandinServer) -> None:
    status, data, _ = raw(server, "/v1beta/models", key=None)
    assert status == 403
    assert json.loads(data)["error"]["status"] == "PERMISSION_DENIED"
    status, _, _ = raw(server, "/v1beta/models?key=abc", key=None)
    assert status == 200


def test_malformed_json_is_400(server: StandinServer) -> None:
    status, data, _ = raw(server, f"/v1beta/models/{MODEL}:generateContent", data=b"{not json")
    error = json.loads(data)["error"]
    assert status == 400 and error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"


# --------------------------------------------------------------------------------------------
# Chats and thought signatures


def test_chat_over_two_turns(client: genai.Client, server: StandinServer) -> None:
    chat = client.chats.create(model=MODEL)
    first = chat.send_message("Draw a green frog on a lily pad")
    second = chat.send_message("Make it night time")
    assert kinds(first) == kinds(second) == ["text", "image"]
    assert "Make it night time" in second.parts[0].text
    assert len(chat.get_history()) == 4
    sent_back = server.requests[-1]["contents"][1]
    assert sent_back["role"] == "model"
    assert all(part.get("thoughtSignature") for part in sent_back["parts"])


def test_streamed_chat_over_two_turns(client: genai.Client) -> None:
    config = types.GenerateContentConfig(response_modalities=["TEXT"])
    chat = client.chats.create(model=MODEL, config=config)
    for message in ("Describe a lighthouse keeper", "Now describe the lighthouse itself"):
        parts = [part for chunk in chat.send_message_stream(message) for part in chunk.parts or []]
        assert parts and all(part.thought_signature for part in parts)


def test_signature_rule_treats_consecutive_model_contents_as_one_turn() -> None:
    png = base64.b64encode(draw.to_png(Image.new("RGB", (8, 8)))).decode()
    contents = [
        {"role": "user", "parts": [{"text": "Draw a frog"}]},
        {"role": "model", "parts": [{"text": "Here ", "thoughtSignature": "c2ln"}]},
        {"role": "model", "parts": [{"text": "it is."}]},  # a later stream chunk
        {"role": "model", "parts": [{"inlineData": {"mimeType": "image/png", "data": png}, "thoughtSignature": "c2ln"}]},
        {"role": "user", "parts": [{"text": "Make it blue"}]},
    ]
    model = gemini.MODELS[MODEL]
    assert gemini.read_request(model, {"contents": contents}).prompt == "Make it blue"
    del contents[1]["parts"][0]["thoughtSignature"]
    with pytest.raises(gemini.ApiError, match="content position 2, part position 1"):
        gemini.read_request(model, {"contents": contents})


def test_model_image_without_signature_is_400(server: StandinServer) -> None:
    png = base64.b64encode(draw.to_png(Image.new("RGB", (8, 8)))).decode()
    body = {"contents": [
        {"role": "user", "parts": [{"text": "Draw a frog"}]},
        {"role": "model", "parts": [
            {"text": "Here it is.", "thoughtSignature": "c2ln"},
            {"inlineData": {"mimeType": "image/png", "data": png}},
        ]},
        {"role": "user", "parts": [{"text": "Make it blue"}]},
    ]}
    status, data, _ = raw(server, f"/v1beta/models/{MODEL}:generateContent", body)
    error = json.loads(data)["error"]
    assert status == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith(
        "Image part is missing a thought_signature in content position 2, part position 2."
    )
    assert "https://ai.google.dev/gemini-api/docs/thought-signatures" in error["message"]


# --------------------------------------------------------------------------------------------
# Fault injection


@pytest.mark.parametrize(
    ("code", "error_type", "status"),
    [
        (400, errors.ClientError, "INVALID_ARGUMENT"),
        (429, errors.ClientError, "RESOURCE_EXHAUSTED"),
        (500, errors.ServerError, "INTERNAL"),
        (503, errors.ServerError, "UNAVAILABLE"),
    ],
)
def test_queued_faults(
    client: genai.Client, server: StandinServer, code: int, error_type: type[errors.APIError], status: str
) -> None:
    server.queue_fault(code)
    with pytest.raises(error_type) as raised:
        client.models.generate_content(model=MODEL, contents="A kite")
    assert raised.value.code == code and raised.value.status == status
    details = raised.value.details["error"].get("details", [])
    if code == 429:
        assert details == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]
    if code == 400:
        assert details[0]["reason"] == "API_KEY_INVALID"
    assert kinds(client.models.generate_content(model=MODEL, contents="A kite")) == ["text", "image"]


def test_unknown_fault_or_kind_is_refused(server: StandinServer) -> None:
    with pytest.raises(ValueError):
        server.queue_fault(418)
    with pytest.raises(ValueError):
        server.queue_response("nonsense")


def test_queued_blocked(client: genai.Client, server: StandinServer) -> None:
    server.queue_response("blocked")
    response = client.models.generate_content(model=MODEL, contents="Something")
    assert response.candidates is None and response.parts is None
    assert response.prompt_feedback.block_reason == types.BlockedReason.SAFETY


def test_queued_no_image(client: genai.Client, server: StandinServer) -> None:
    server.queue_response("no_image")
    response = client.models.generate_content(model=MODEL, contents="A horse")
    assert response.candidates[0].finish_reason == types.FinishReason.NO_IMAGE
    assert kinds(response) == ["text"]


def test_queued_image_safety(client: genai.Client, server: StandinServer) -> None:
    server.queue_response("image_safety")
    response = client.models.generate_content(model=MODEL, contents="A horse")
    candidate = response.candidates[0]
    assert candidate.finish_reason == types.FinishReason.IMAGE_SAFETY
    assert candidate.content.parts is None and response.parts is None
    server.queue_response("image_safety")  # the SDK drops finishMessage; the wire has it
    body = {"contents": [{"role": "user", "parts": [{"text": "A horse"}]}]}
    wire = json.loads(raw(server, f"/v1beta/models/{MODEL}:generateContent", body)[1])["candidates"][0]
    assert wire["finishMessage"] and wire["content"] == {"role": "model"}


def test_queued_empty(client: genai.Client, server: StandinServer) -> None:
    server.queue_response("empty")
    response = client.models.generate_content(model=MODEL, contents="A horse")
    assert response.candidates[0].content is None and response.parts is None


def test_queued_thoughts(client: genai.Client, server: StandinServer) -> None:
    server.queue_response("thoughts")
    response = client.models.generate_content(model=MODEL, contents="A horse")
    assert kinds(response) == ["thought", "thought", "text", "image"]
    draft = response.parts[1]
    assert draft.inline_data and image_of(draft).size == (512, 512)


def test_queued_kind_in_a_stream(client: genai.Client, server: StandinServer) -> None:
    server.queue_response("blocked")
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="Something"))
    assert len(chunks) == 1 and chunks[0].prompt_feedback.block_reason == types.BlockedReason.SAFETY


def test_latency_and_loopback_only() -> None:
    with pytest.raises(ValueError):
        StandinServer(host="0.0.0.0")
    with StandinServer(latency=0.2) as slow:
        started = time.perf_counter()
        status, _, _ = raw(slow, "/v1/models")
        assert status == 200 and time.perf_counter() - started >= 0.2
    with pytest.raises(RuntimeError):
        slow.url


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_prints_url_first_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.standin"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert "not Gemini" in process.stdout.readline()
        request = urllib.request.Request(url + "/v1beta/models", headers={"x-goog-api-key": "k"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert "models/gemini-3.1-flash-image" in response.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0 and stderr == ""
