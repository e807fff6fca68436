"""Tests of the stand-in Gemini API (tests/standin), driven by the real google-genai SDK.

Everything runs against one loopback server per module; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import concurrent.futures
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
from PIL import Image, ImageChops, ImageStat

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


# --------------------------------------------------------------------------------------------
# Stories, characters, styles, recipes, diagrams, grounding (pictures that reflect the request)

from tests.standin import prompt, story  # noqa: E402

PIP = "Pip, a small green baby turtle with a red scarf"
GREEN, RED, GREY = prompt.COLOURS["green"], prompt.COLOURS["red"], prompt.COLOURS["grey"]


def images_in(response: types.GenerateContentResponse) -> list[Image.Image]:
    return [image_of(part).convert("RGB") for part in response.parts or [] if part.inline_data and not part.thought]


def texts_in(response: types.GenerateContentResponse) -> list[str]:
    return [part.text for part in response.parts or [] if part.text and not part.thought]


def body_colour(image: Image.Image, index: int = 0, scenes: int = 1, count: int = 1, which: int = 0,
                scale: float = 1.0) -> tuple[int, int, int]:
    """The colour at a character's body centre (plain body colour in the default style)."""
    xs, cy, r = draw.character_layout(image.width, image.height, index, scenes, count)
    return image.getpixel((int(xs[which]), int(cy + 0.3 * r * scale)))


def colour_mask(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 0) -> Image.Image:
    """255 where a pixel is within `tolerance` of `colour` on every channel, else 0."""
    difference = ImageChops.difference(image, Image.new("RGB", image.size, colour))
    masks = [band.point(lambda v: 255 if v <= tolerance else 0) for band in difference.split()]
    return ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])


def share(image: Image.Image, box: tuple[int, int, int, int], colour: tuple[int, int, int], tolerance: int = 0) -> float:
    """Fraction of the pixels in `box` within `tolerance` of `colour`."""
    mask = colour_mask(image.crop(box), colour, tolerance)
    return mask.histogram()[255] / (mask.width * mask.height)


def mean(image: Image.Image, box: tuple[int, int, int, int]) -> list[float]:
    return ImageStat.Stat(image.crop(box)).mean


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Tell a 5-scene story about a fox", 5),
        ("Tell the story of Pip in six scenes", 6),
        ("A story with at least four scenes", 4),
        ("A six-panel comic about a cat", 6),
        ("Tell a story about a fox", 4),
        ("A story in 12 scenes", 8),
        ("A cat in a hat", 0),
        ("Draw two images of a cat", 0),
    ],
)
def test_scene_count_phrasings(text: str, count: int) -> None:
    assert prompt.scene_count(text) == count


def test_characters_come_from_names_and_descriptions() -> None:
    (pip,) = story.find_characters(f"Tell a story about {PIP}, who finds a kite.")
    assert (pip.name, pip.kind, pip.colour, pip.accessories, pip.scale) == ("Pip", "turtle", GREEN, (("scarf", RED),), 0.85)
    pip2, sky = story.find_characters("A small green turtle named Pip wearing a red scarf meets a blue bird called Sky.")
    assert (pip2.name, pip2.kind, pip2.colour, pip2.accessories) == ("Pip", "turtle", GREEN, (("scarf", RED),))
    assert (sky.name, sky.kind, sky.colour) == ("Sky", "bird", prompt.COLOURS["blue"])
    # A later turn that only names Pip finds the description in earlier turns.
    assert story.find_characters("Now draw Pip flying a kite", [f"Draw {PIP}"]) == [pip]
    # Places, sentence-initial verbs and proper adjectives are not characters.
    names = [c.name for c in story.find_characters("Write about Pip and Luna visiting Mount Fuji in Tokyo with a Gemini theme")]
    assert names == ["Pip", "Luna"]
    (fox,) = story.find_characters("Tell a short story about a brave little fox who finds a lantern")
    assert (fox.name, fox.named, fox.colour) == ("fox", False, draw.subject_look("fox")[1])
    assert story.describe(pip) == "a small green turtle with a red scarf"


def test_character_code_round_trip_and_no_false_reads() -> None:
    from tests.standin import charcode

    (pip,) = story.find_characters(f"{PIP} and blue glasses")
    assert charcode.decode(charcode.encode(pip)) == pip
    assert charcode.read_code(draw.photo_background(1024, 1024, b"x" * 32)) is None
    assert charcode.read_code(Image.new("RGB", (1024, 1024), (0, 0, 0))) is None


def test_prompt_heuristics_for_recipes_diagrams_charts_and_captions() -> None:
    recipe = "step by step recipe for shakshuka, an image for each step"
    assert (prompt.is_recipe(recipe), prompt.dish(recipe), prompt.step_count(recipe)) == (True, "shakshuka", 5)
    assert prompt.step_count("a 6-step recipe for banana bread") == 6 and prompt.step_count("in 12 steps") == 8
    water = "labelled diagram of the water cycle: evaporation, condensation, precipitation, collection"
    assert prompt.topic(water) == "the water cycle"
    assert prompt.diagram_labels(water) == ["evaporation", "condensation", "precipitation", "collection"]
    assert prompt.diagram_labels("A diagram of a flower showing the petal, stem, leaf and roots") == [
        "petal", "stem", "leaf", "roots"]
    bars = prompt.bars("An infographic: Mercury 4,879 km, Venus 12,104 km, Earth 12,742 km and Mars 6,779 km")
    assert [(b.label, b.text, b.value) for b in bars] == [
        ("Mercury", "4,879 km", 4879), ("Venus", "12,104 km", 12104), ("Earth", "12,742 km", 12742), ("Mars", "6,779 km", 6779)]
    assert prompt.time_and_place("A street scene in Edo-period Tokyo around 1800") == ("around 1800", "Edo-period Tokyo")
    assert prompt.style_in("a watercolor, no, a papercut picture") == "paper cut-out"
    assert prompt.settings_in("set it in winter, at night, in the rain, in autumn") == ["winter", "night", "rain", "autumn"]
    assert prompt.traits("Retell it but make Pip braver") == [("Pip", "braver")]
    assert prompt.is_explain("Explain what you drew and why") and not prompt.is_explain("Draw a cat and explain it")
    assert prompt.scene_count("Draw Pip in a new scene: Pip swims. Then write one sentence of the story.") == 0
    assert prompt.scene_count("Tell a four-scene story about Pip. Draw one image per scene.") == 4
    assert prompt.diagram_labels("An infographic of the weather in Lisbon for the next three days") == [
        "Day 1", "Day 2", "Day 3"]


def test_story_has_n_scenes_naming_the_character_who_looks_the_same(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL, contents=f"Tell a 5-scene story about {PIP}, who finds a lost kite.")
    assert kinds(response) == ["text", "image"] * 5
    texts = texts_in(response)
    assert [t.split(":")[0] for t in texts] == [f"Scene {n}" for n in range(1, 6)]
    assert all(t.split(": ", 1)[1].startswith("Pip") for t in texts) and "kite" in texts[-1]
    images = images_in(response)
    assert len({img.tobytes() for img in images}) == 5
    kite = draw.subject_look("kite")[1]
    for index, img in enumerate(images):  # green body, red scarf, in every scene; the kite once found
        assert body_colour(img, index, 5, scale=0.85) == GREEN
        xs, cy, r = draw.character_layout(1024, 1024, index, 5, 1)
        assert share(img, (int(xs[0] - r), int(cy - r), int(xs[0] + r), int(cy + r)), RED) > 0.01
        assert (share(img, (0, int(cy), 1024, int(cy + r)), kite) > 0.002) == (index >= 2)


def test_character_is_the_same_in_another_request_and_a_later_chat_turn(client: genai.Client) -> None:
    single = images_in(client.models.generate_content(model=MODEL, contents=f"{PIP}, on a hill"))[0]
    chat = client.chats.create(model=MODEL)
    chat.send_message(f"Draw {PIP}, reading a book")
    later = chat.send_message("Now draw Pip flying a kite")  # names Pip only
    assert kinds(later) == ["text", "image"]
    for image in (single, images_in(later)[0]):
        assert body_colour(image, scale=0.85) == GREEN
        assert share(image, (312, 150, 712, 560), RED) > 0.005


def test_two_named_characters_are_both_drawn(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL, contents=f"A 2-scene story: {PIP}, meets Luna, a grey owl with round glasses, at the beach")
    assert kinds(response) == ["text", "image"] * 2
    assert all("Pip" in text for text in texts_in(response)) and "Luna" in texts_in(response)[0]
    for index, image in enumerate(images_in(response)):
        assert body_colour(image, index, 2, count=2, which=0, scale=0.85) == GREEN
        assert body_colour(image, index, 2, count=2, which=1) == GREY


def test_character_sheet_then_a_scene_using_it_as_reference(client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    sheet_response = chat.send_message(f"Make a character sheet (turnaround) for {PIP}")
    assert kinds(sheet_response) == ["text", "image"]
    assert "front, the side and the back" in texts_in(sheet_response)[0]
    sheet = images_in(sheet_response)[0]
    assert min(mean(sheet, (0, 150, 60, 800))) > 225  # plain light background
    for third in range(3):  # Pip three times: front, side, back
        assert share(sheet, (third * 341, 250, third * 341 + 341, 800), GREEN) > 0.03

    scene_response = chat.send_message("Using the character sheet, draw Pip reading under a tree")
    assert "reference image" in texts_in(scene_response)[0]
    scene = images_in(scene_response)[0]
    assert body_colour(scene, scale=0.85) == GREEN
    inset = scene.crop((700, 700, 1000, 960))  # bottom right: a small copy of the sheet
    assert min(ImageStat.Stat(inset).median) > 200

    # In a new request, the sheet alone tells who Pip is (its character code), even downscaled as JPEG.
    small = io.BytesIO()
    sheet.resize((512, 512), Image.Resampling.LANCZOS).save(small, "JPEG", quality=80)
    response = client.models.generate_content(model=MODEL, contents=[
        types.Part.from_bytes(data=small.getvalue(), mime_type="image/jpeg"),
        "Using the character sheet, draw the same Pip in a new scene: Pip builds a sandcastle."
        " Then write one sentence of the story."])
    assert kinds(response) == ["text", "image"]  # one scene, though the prompt says "story"
    text = texts_in(response)[0]
    assert text.startswith("Pip builds a sandcastle.") and "Pip (a small green turtle with a red scarf)" in text
    assert body_colour(images_in(response)[0], scale=0.85) == GREEN

    # An input image with reference words: a new scene (not an edit) with the image as an inset.
    magenta = Image.new("RGB", (300, 300), (230, 0, 230))
    response = client.models.generate_content(
        model=MODEL, contents=[magenta, f"Keep the character consistent: draw {PIP}, at the beach"])
    image = images_in(response)[0]
    assert body_colour(image, scale=0.85) == GREEN
    assert share(image, (700, 700, 1000, 960), (230, 0, 230), 2) > 0.4
    assert share(image, (0, 100, 500, 400), (230, 0, 230), 60) < 0.05  # not a tinted copy of the input


def test_retelling_in_a_chat_says_what_changed_and_shows_it(client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    told = chat.send_message(f"Tell a 2-scene story about {PIP}, who finds a lost kite.")
    winter = chat.send_message("Retell it, but make Pip braver and set it in winter")
    night = chat.send_message("Now set it at night")
    assert kinds(winter) == kinds(night) == ["text", "image"] * 2
    assert all(t.endswith("Retold: Pip is braver; winter.") for t in texts_in(winter))
    assert "Pip, braver now" in texts_in(winter)[1]
    assert all(t.endswith("Retold: Pip is braver; winter; at night.") for t in texts_in(night))
    restyled = chat.send_message("Restyle the same story as pixel art, one image per scene. Keep Pip exactly as before.")
    assert kinds(restyled) == ["text", "image"] * 2
    assert texts_in(restyled)[0].endswith("Retold: Pip is braver; winter; at night; pixel art style.")
    for before, snowy, dark in zip(images_in(told), images_in(winter), images_in(night)):
        assert body_colour(snowy, 0 if before is images_in(told)[0] else 1, 2, scale=0.85) is not None
        assert min(mean(snowy, (0, 780, 100, 900))) > 225 > min(mean(before, (0, 780, 100, 900)))  # snowy ground
        assert sum(mean(dark, (0, 100, 1024, 300))) < sum(mean(snowy, (0, 100, 1024, 300))) - 150  # night sky


def test_styles_and_settings_visibly_change_the_picture(client: genai.Client) -> None:
    looks = ["", "watercolour", "paper cut-out", "pixel art", "pencil sketch", "oil painting", "comic style",
             "3d digital art", "in the rain", "in autumn"]

    def picture(words: str) -> tuple[Image.Image, str]:
        response = client.models.generate_content(model=MODEL, contents=f"{PIP}, flying a kite on a hill, {words}")
        return images_in(response)[0], texts_in(response)[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # the server draws in parallel too
        pictures = dict(zip(looks, pool.map(picture, looks)))
    default, _ = pictures[""]
    art = (0, 120, 1024, 900)

    def changed(image: Image.Image, box: tuple[int, int, int, int] = art) -> float:
        return sum(ImageStat.Stat(ImageChops.difference(image.crop(box), default.crop(box))).mean) / 3

    for words, style in (("watercolour", "watercolour"), ("paper cut-out", "paper cut-out"), ("pixel art", "pixel art"),
                         ("pencil sketch", "pencil sketch"), ("oil painting", "oil painting"), ("comic style", "comic")):
        image, text = pictures[words]
        assert f"Look: {style} style." in text
        assert changed(image) > 12, style
        if style == "pencil sketch":  # grey
            spread = ImageChops.difference(*image.crop((0, 120, 700, 300)).split()[0::2])  # red vs blue
            assert max(spread.getextrema()) < 16
        else:  # Pip keeps his colour
            assert max(abs(a - b) for a, b in zip(body_colour(image, scale=0.85), GREEN)) < 60, style
        if style == "pixel art":  # flat 16-pixel blocks
            block = image.crop((321, 161, 335, 175))
            assert all(low == high for low, high in block.getextrema())
    same, text = pictures["3d digital art"]  # the default look, labelled
    assert "Look: 3D digital art style." in text and changed(same, (0, 300, 1024, 900)) < 1
    rain, text = pictures["in the rain"]
    assert "Look: in the rain." in text and changed(rain) > 12
    red, green, blue = mean(pictures["in autumn"][0], art)
    assert red > blue + 40  # warm


def test_recipe_gives_numbered_steps_naming_the_dish(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL, contents="step by step recipe for shakshuka, an image for each step")
    assert kinds(response) == ["text"] + ["text", "image"] * 5
    texts = texts_in(response)
    assert texts[0].startswith("Ingredients") and "shakshuka" in texts[0]
    assert [t.split(":")[0] for t in texts[1:]] == [f"Step {n}" for n in range(1, 6)]
    assert sum("shakshuka" in t for t in texts[1:]) >= 4
    images = images_in(response)
    assert len({img.tobytes() for img in images}) == 5
    assert share(images[0], (40, 110, 230, 300), (255, 255, 255), 25) > 0.3  # the big white step-number disc


def test_labelled_diagram_and_infographic_bars(client: genai.Client) -> None:
    water = "labelled diagram of the water cycle: evaporation, condensation, precipitation, collection"
    response = client.models.generate_content(model=MODEL, contents=water)
    text = texts_in(response)[0]
    assert "1 evaporation, 2 condensation, 3 precipitation, 4 collection" in text
    diagram = images_in(response)[0]
    assert min(mean(diagram, (0, 120, 100, 900))) > 220  # plain light background
    for colour in draw._PALETTE[:4]:  # four coloured callouts and arrows
        assert share(diagram, (0, 120, 1024, 940), colour) > 0.001

    planets = "An infographic of planet diameters: Mercury 4,879 km, Venus 12,104 km, Earth 12,742 km, Mars 6,779 km"
    response = client.models.generate_content(model=MODEL, contents=planets)
    assert "Mercury 4,879 km; Venus 12,104 km; Earth 12,742 km; Mars 6,779 km" in texts_in(response)[0]
    chart = images_in(response)[0]
    widths = []
    for colour in draw._PALETTE[:4]:
        left, _, right, _ = colour_mask(chart.crop((0, 200, 1024, 940)), colour).getbbox()
        widths.append(right - left)
    for width, value in zip(widths, (4879, 12104, 12742, 6779)):
        assert width / widths[2] == pytest.approx(value / 12742, abs=0.02)


def test_time_and_place_caption_then_text_only_explanation(client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    response = chat.send_message("A street scene in Edo-period Tokyo around 1800")
    assert "Set in Edo-period Tokyo, around 1800." in texts_in(response)[0]
    assert share(images_in(response)[0], (600, 100, 1024, 260), (255, 252, 238), 14) > 0.05  # the caption box
    answer = chat.send_message("Explain what you drew and why")
    assert kinds(answer) == ["text"]
    assert "Edo-period Tokyo" in answer.text and "1800" in answer.text and "Stand-in" in answer.text

    chat = client.chats.create(model=MODEL)
    chat.send_message("labelled diagram of the water cycle: evaporation, condensation, precipitation, collection")
    answer = chat.send_message(
        "Why did you put those labels there?", config=types.GenerateContentConfig(response_modalities=["TEXT"]))
    assert kinds(answer) == ["text"] and "evaporation" in answer.text and "condensation" in answer.text


def test_google_search_grounding_metadata_through_the_sdk(client: genai.Client) -> None:
    config = types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())])
    response = client.models.generate_content(
        model=MODEL, contents="A street scene in Edo-period Tokyo around 1800", config=config)
    metadata = response.candidates[0].grounding_metadata
    assert metadata.web_search_queries and all(isinstance(q, str) and q for q in metadata.web_search_queries)
    web = metadata.grounding_chunks[0].web
    assert web.uri.startswith("https://example.org/standin/") and web.title.startswith("Stand-in source: ")
    assert web.domain == "example.org"
    support = metadata.grounding_supports[0]
    text = response.parts[support.segment.part_index].text
    assert support.segment.start_index == 0 and text[: support.segment.end_index] == support.segment.text
    assert support.grounding_chunk_indices == [0]
    assert "example.org" in metadata.search_entry_point.rendered_content
    assert "google.com" not in metadata.search_entry_point.rendered_content
    # The picture says it is grounded; without the tool there is no metadata.
    plain = client.models.generate_content(model=MODEL, contents="A street scene in Edo-period Tokyo around 1800")
    assert plain.candidates[0].grounding_metadata is None
    grounded_image, plain_image = images_in(response)[0], images_in(plain)[0]
    assert grounded_image.crop((600, 100, 1024, 400)).tobytes() != plain_image.crop((600, 100, 1024, 400)).tobytes()


def test_grounding_on_the_wire_snake_case_and_streams(server: StandinServer, client: genai.Client) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "The water cycle: evaporation, condensation"}]}],
            "tools": [{"google_search": {}}], "generationConfig": {"responseModalities": ["TEXT"]}}
    status, data, _ = raw(server, f"/v1beta/models/{MODEL}:generateContent", body)
    metadata = json.loads(data)["candidates"][0]["groundingMetadata"]
    assert status == 200 and set(metadata) == {"webSearchQueries", "groundingChunks", "groundingSupports", "searchEntryPoint"}
    assert set(metadata["groundingSupports"][0]["segment"]) == {"partIndex", "startIndex", "endIndex", "text"}
    config = types.GenerateContentConfig(response_modalities=["TEXT"], tools=[types.Tool(google_search=types.GoogleSearch())])
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="The water cycle", config=config))
    assert chunks[-1].candidates[0].grounding_metadata.grounding_chunks
    assert all(c.candidates[0].grounding_metadata is None for c in chunks[:-1])


def test_new_pictures_are_deterministic(server: StandinServer) -> None:
    path = f"/v1beta/models/{MODEL}:generateContent"
    text = f"{PIP}, and Luna, a grey owl, in winter at night, comic style, in Edo-period Tokyo around 1800"
    body = {"contents": [{"role": "user", "parts": [{"text": text}]}], "tools": [{"googleSearch": {}}]}
    first = raw(server, path, body)[1]
    draw.draw_scene.cache_clear()
    assert raw(server, path, body)[1] == first
