"""The independent Gemini imitation (tests/imitation.py) answers the real google-genai SDK correctly."""

import base64
import gzip
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from google import genai
from google.genai import errors, types
from google.genai._interactions import NotFoundError
from PIL import Image

from tests.imitation import Imitation

MODEL = "gemini-nano-banana-2.1"


def make_client(url: str) -> genai.Client:
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.1, max_delay=0.2)
    options = types.HttpOptions(base_url=url, retry_options=retry)
    return genai.Client(api_key="imitation-key", http_options=options)


@pytest.fixture(scope="module")
def imitation() -> Iterator[Imitation]:
    with Imitation() as server:
        yield server


@pytest.fixture(scope="module")
def client(imitation: Imitation) -> genai.Client:
    return make_client(imitation.url)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).size


def test_text_and_image_image_only_text_only(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="A lighthouse at dawn")
    parts = response.parts or []
    assert parts[0].text.startswith("Sure! Here's what I made for you.") and "lighthouse" in parts[0].text
    assert parts[0].thought_signature and parts[1].thought_signature
    assert png_size(parts[1].inline_data.data) == (1024, 1024) and response.model_version == MODEL
    assert response.usage_metadata.candidates_tokens_details[-1].token_count == 1120
    config = types.GenerateContentConfig(response_modalities=["IMAGE"])
    parts = client.models.generate_content(model=MODEL, contents="A red fox", config=config).parts or []
    assert [p.text for p in parts] == [None] and parts[0].inline_data.mime_type == "image/png"
    config = types.GenerateContentConfig(response_modalities=["TEXT"])
    response = client.models.generate_content(model=MODEL, contents="Describe a red fox", config=config)
    assert "*“Describe a red fox”*" in response.text
    assert all(p.inline_data is None for p in response.parts)


def test_four_scenes_give_three_pictures_with_markdown(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="Tell a story in four scenes about a fox")
    kinds = ["image" if p.inline_data else p.text.split("### ")[1][:7] for p in response.parts]
    assert kinds == ["Scene 1", "image", "Scene 2", "image", "Scene 3", "image"]
    steps = client.models.generate_content(model=MODEL, contents="Show at least four steps to fold a crane")
    assert [p.text.split("**")[1] for p in steps.parts if p.text] == ["Step 1.", "Step 2.", "Step 3."]


def test_chat_sends_signatures_back_and_missing_ones_fail(imitation: Imitation, client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    for message in ["Draw a cat", "Make it blue", "Add a hat"]:
        assert chat.send_message(message).parts[1].inline_data
    history = imitation.requests[-1]["body"]["contents"]
    assert [c["role"] for c in history] == ["user", "model"] * 2 + ["user"]
    assert all("thoughtSignature" in part for part in history[1]["parts"])
    bare = [
        types.Content(role=role, parts=[types.Part(text=text)])
        for role, text in [("user", "Draw a cat"), ("model", "Here it is."), ("user", "Make it blue")]
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=bare)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "missing a thought_signature in content position 2, part position 1" in caught.value.message


def test_stream_matches_the_whole_answer(client: genai.Client) -> None:
    whole = client.models.generate_content(model=MODEL, contents="A kite over a beach")
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="A kite over a beach"))
    assert "".join(c.text or "" for c in chunks) == whole.text and len(chunks) == 4
    assert [bool(p.inline_data) for c in chunks for p in c.parts] == [False, False, True, False]
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP and chunks[-1].usage_metadata
    chat = client.chats.create(model=MODEL)
    for message in ["Draw a kite", "Make it green"]:
        assert sum(bool(p.inline_data) for c in chat.send_message_stream(message) for p in c.parts) == 1


def test_aspect_ratio_size_and_edit(client: genai.Client) -> None:
    config = types.GenerateContentConfig(image_config=types.ImageConfig(aspect_ratio="16:9", image_size="4K"))
    image = client.models.generate_content(model=MODEL, contents="A wide valley", config=config).parts[1]
    width, height = png_size(image.inline_data.data)
    assert width == 2048 and abs(width / height - 16 / 9) < 0.02
    edit = types.Part.from_bytes(data=image.inline_data.data, mime_type="image/png")
    edited = client.models.generate_content(model=MODEL, contents=[edit, "Make the sky pink"]).parts[1]
    corner = Image.open(io.BytesIO(edited.inline_data.data)).convert("RGB").getpixel((1, 1))
    assert corner == (255, 0, 170)
    tiny = types.GenerateContentConfig(image_config=types.ImageConfig(image_size="512"))
    with pytest.raises(errors.ClientError, match="Unsupported image size: 512"):
        client.models.generate_content(model=MODEL, contents="x", config=tiny)


def test_retired_model_404_models_key_and_gzip(imitation: Imitation, client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-3.1-flash-image", contents="A cat")
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    assert "models/gemini-3.1-flash-image is not found for API version v1" in caught.value.message
    names = [m.name for m in client.models.list(config={"page_size": 2})]
    assert "models/gemini-nano-banana-2.1" in names and len(names) == 4
    assert client.models.get(model="gemini-3-pro-image").display_name == "Nano Banana Pro"
    assert client.models.count_tokens(model=MODEL, contents="four words right here").total_tokens > 0
    with pytest.raises(urllib.error.HTTPError) as no_key:
        urllib.request.urlopen(f"{imitation.url}/v1beta/models")
    assert json.loads(no_key.value.read())["error"]["status"] == "PERMISSION_DENIED"
    request = urllib.request.Request(
        f"{imitation.url}/v1beta/models/{MODEL}", headers={"x-goog-api-key": "k", "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request) as reply:
        assert reply.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(reply.read()))["displayName"] == "Nano Banana 2.1"


def test_first_attempt_429_is_retried() -> None:
    with Imitation(first_attempt_status=429) as server:
        retrying = make_client(server.url)  # kept in a variable: a collected client closes its connection
        response = retrying.models.generate_content(model=MODEL, contents="A boat")
        assert response.parts[1].inline_data
        assert [r["path"] for r in server.requests] == [f"/v1/models/{MODEL}:generateContent"] * 2
        no_retry = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
        with pytest.raises(errors.ClientError) as caught:  # without retry options the SDK does not retry
            no_retry.models.generate_content(model=MODEL, contents="Another boat")
        assert caught.value.code == 429 and caught.value.details["error"]["details"][0]["retryDelay"] == "1s"


def test_interactions_chain_and_stream(client: genai.Client) -> None:
    formats = [{"type": "text"}, {"type": "image", "aspect_ratio": "4:3"}]
    first = client.interactions.create(model=MODEL, input="Draw a cat, describe it", response_format=formats)
    assert first.status == "completed" and first.id.startswith("imi_") and first.output_text
    assert png_size(base64.b64decode(first.output_image.data)) == (1200, 896)
    second = client.interactions.create(model=MODEL, input="Make it blue", previous_interaction_id=first.id)
    assert second.output_image and second.usage.total_input_tokens < 50  # earlier pictures are not resent
    events = list(client.interactions.create(model=MODEL, input="Draw a dog", stream=True))
    assert events[0].event_type == "interaction.created" and events[-1].event_type == "interaction.completed"
    assert [e.delta.type for e in events if e.event_type == "step.delta"] == ["text", "image", "text"]
    with pytest.raises(NotFoundError):
        client.interactions.create(model=MODEL, input="x", previous_interaction_id="imi_unknown")
