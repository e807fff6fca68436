"""helpers.replay: recording against the stand-in, then replaying with no network, forgiving a learner."""

from __future__ import annotations

import base64
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from google import genai
from google.genai import types
from PIL import Image

from helpers import matching, replay
from helpers.images import BYTES_PER_MEGAPIXEL, compact
from standin import StandinServer
from tests.support import photo_like, png

MODEL = "gemini-nano-banana-2.1"
KEY = "replay-test-key-" + "z" * 12
IMAGE = types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"])


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GENAI_RECORDINGS_DIR", str(tmp_path))
    monkeypatch.setenv("GENAI_RECORD_CASSETTE", str(tmp_path / "nb.json"))
    yield tmp_path
    while OPEN:
        OPEN.pop().stop()


OPEN: list[replay.Recording] = []


def start(mode: str) -> replay.Recording:
    recording = replay.Recording("nb", mode).start()
    OPEN.append(recording)
    return recording


def retrying(base_url: str | None = None, key: str = KEY) -> genai.Client:
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.05, max_delay=0.1)
    return genai.Client(api_key=key, http_options=types.HttpOptions(base_url=base_url, retry_options=retry))


def record(place: Path, calls) -> Path:
    with StandinServer("01_quickstart") as server:
        recording = start("record")
        calls(retrying(server.url), server)
        return recording.save(recorded_against="stand-in API", model=MODEL)


# -- what a recording holds -----------------------------------------------------------------------


def test_pixel_hash_ignores_the_encoding_and_normalize_is_idempotent() -> None:
    picture = Image.new("RGB", (8, 8), "blue")
    as_png, as_bmp = io.BytesIO(), io.BytesIO()
    picture.save(as_png, "PNG")
    picture.save(as_bmp, "BMP")
    assert matching.pixel_hash(as_png.getvalue()) == matching.pixel_hash(as_bmp.getvalue())
    urlsafe = base64.urlsafe_b64encode(as_png.getvalue()).decode()
    body = json.dumps(
        {
            "contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": urlsafe}}]}],
            "input": [
                {"type": "image", "mime_type": "image/png", "data": base64.b64encode(as_bmp.getvalue()).decode()}
            ],
        }
    )
    rules = matching.Rules()
    once = rules.body(body)
    assert rules.body(once) == once
    data = json.loads(once)
    assert data["contents"][0]["parts"][0]["inlineData"]["data"] == data["input"][0]["data"]
    assert data["input"][0]["data"].startswith(matching.HASH)


def test_no_key_and_no_loopback_port_reach_the_cassette(place: Path) -> None:
    def calls(client: genai.Client, server: StandinServer) -> None:
        client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)

    text = record(place, calls).read_text()
    assert KEY not in text and "x-goog-api-key" not in text.lower()
    assert '"uri": "http://127.0.0.1/v1/models' in text
    assert json.loads(text)["metadata"] == {"recorded_against": "stand-in API", "model": MODEL}


def test_big_pictures_are_stored_as_jpeg_at_their_own_size(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = photo_like(1024)
    assert len(photo) > BYTES_PER_MEGAPIXEL * 1.1
    stored, mime = compact(photo, "image/png")
    assert mime == "image/jpeg" and len(stored) <= BYTES_PER_MEGAPIXEL * 1.05
    assert Image.open(io.BytesIO(stored)).size == (1024, 1024)
    small = png()
    assert compact(small, "image/png") == (small, "image/png")


# -- replay ---------------------------------------------------------------------------------------


def test_replay_opens_no_socket_and_plays_a_cell_run_twice(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def calls(client: genai.Client, server: StandinServer) -> None:
        client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)

    record(place, calls)
    start("replay")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("replay opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    client = retrying()
    first = client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)
    again = client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)
    assert first.parts[0].text == again.parts[0].text and again.parts[1].inline_data.data


def test_a_retried_429_replays_as_it_was_recorded(place: Path) -> None:
    def calls(client: genai.Client, server: StandinServer) -> None:
        server.queue_fault(429)
        client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)

    statuses = [i["response"]["status"]["code"] for i in json.loads(record(place, calls).read_text())["interactions"]]
    assert statuses == [429, 200]
    start("replay")
    for _ in range(2):  # and again, as a learner re-running the cell
        assert retrying().models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE).parts


def test_a_chat_turn_sent_again_with_a_longer_history_gets_its_answer(place: Path) -> None:
    def calls(client: genai.Client, server: StandinServer) -> None:
        chat = client.chats.create(model=MODEL, config=IMAGE)
        chat.send_message("draw a red cat")
        chat.send_message("add a blue hat")

    record(place, calls)
    start("replay")
    client = retrying()  # kept in a variable: a collected client closes its connection
    chat = client.chats.create(model=MODEL, config=IMAGE)
    chat.send_message("draw a red cat")
    hat = chat.send_message("add a blue hat")
    again = chat.send_message("add a blue hat")  # the learner runs the cell again: history is longer now
    assert again.parts[0].text == hat.parts[0].text


def test_a_chat_resending_a_compacted_picture_still_matches(place: Path) -> None:
    big = photo_like(1024)

    def calls(client: genai.Client, server: StandinServer) -> None:
        chat = client.chats.create(model=MODEL, config=IMAGE)
        chat.send_message([types.Part.from_bytes(data=big, mime_type="image/png"), "add a blue hat"])
        chat.send_message("now a red scarf")

    record(place, calls)
    start("replay")
    client = retrying()
    chat = client.chats.create(model=MODEL, config=IMAGE)
    chat.send_message([types.Part.from_bytes(data=big, mime_type="image/png"), "add a blue hat"])
    assert chat.send_message("now a red scarf").parts


def test_an_unrecorded_request_is_a_short_message_naming_the_difference(place: Path) -> None:
    def calls(client: genai.Client, server: StandinServer) -> None:
        client.models.generate_content(model=MODEL, contents="a nano banana dish in a restaurant", config=IMAGE)

    record(place, calls)
    start("replay")
    client = retrying()
    with pytest.raises(replay.MissingRecordingError) as prompt:
        client.models.generate_content(model=MODEL, contents="a nano banana dish in a bistro", config=IMAGE)
    lines = prompt.value._render_traceback_()
    assert len(lines) <= 8
    assert "your prompt: “a nano banana dish in a bistro”" in lines[1]
    assert "recorded:    “a nano banana dish in a restaurant”" in lines[2]
    assert "record" not in " ".join(lines[3:]).replace("recorded", "")  # never advises re-recording
    assert "GENAI_NOTEBOOK_MODE=practice" in str(prompt.value) and ".env" in str(prompt.value)
    with pytest.raises(replay.MissingRecordingError, match=r"imageConfig is \{\"aspectRatio\": \"16:9\"\} here"):
        client.models.generate_content(
            model=MODEL,
            contents="a nano banana dish in a restaurant",
            config=types.GenerateContentConfig(
                response_modalities=["TEXT", "IMAGE"], image_config=types.ImageConfig(aspect_ratio="16:9")
            ),
        )
    with pytest.raises(replay.MissingRecordingError, match="no POST models/gemini-3-pro-image:generateContent"):
        client.models.generate_content(model="gemini-3-pro-image", contents="a nano banana dish in a restaurant")


def test_interactions_record_and_replay(place: Path) -> None:
    def calls(client: genai.Client, server: StandinServer) -> None:
        first = client.interactions.create(model=MODEL, input="a lighthouse", response_format=[{"type": "image"}])
        client.interactions.create(model=MODEL, input="make it night", previous_interaction_id=first.id)

    record(place, calls)
    start("replay")
    client = retrying()
    first = client.interactions.create(model=MODEL, input="a lighthouse", response_format=[{"type": "image"}])
    second = client.interactions.create(model=MODEL, input="make it night", previous_interaction_id=first.id)
    assert second.output_image.data and second.previous_interaction_id == first.id


def test_a_missing_recording_and_an_unsaved_run(place: Path) -> None:
    with pytest.raises(replay.MissingRecordingError, match="has no recording"):
        replay.Recording("nothing-here", "replay")
    start("record").stop()  # a failed record run: nothing is written
    assert not (place / "nb.json").exists()


def test_a_long_prompt_shows_the_part_that_differs(place: Path) -> None:
    """Both prompts cut to a window around the first difference, however long they are."""
    start_of = "A bakery ad banner. Headline in a bold serif: Fresh Bread Daily. Below it, smaller: Order by 9 am. "
    recorded = start_of + 'A rounded button at the bottom right that says "Order now". Warm colours, plenty of space.'
    mine = recorded.replace("Order now", "Buy today")

    def calls(client: genai.Client, server: StandinServer) -> None:
        client.models.generate_content(model=MODEL, contents=recorded, config=IMAGE)

    record(place, calls)
    start("replay")
    client = retrying()  # kept in a variable: a collected client closes its connection
    with pytest.raises(replay.MissingRecordingError) as caught:
        client.models.generate_content(model=MODEL, contents=mine, config=IMAGE)
    lines = caught.value._render_traceback_()
    assert '"Buy today"' in lines[1] and '"Order now"' in lines[2]
    assert lines[1].count("…") >= 1 and len(lines[1]) < 130


def test_the_window_around_a_difference() -> None:
    text = "x" * 200 + " the one word that changed " + "y" * 200
    mine, theirs = matching.window(text.replace("changed", "differs"), text)
    assert "differs" in mine and "changed" in theirs
    assert mine.startswith("…") and mine.endswith("…") and len(mine) < 120
    assert matching.window("short", "short") == ("short", "short")
    assert matching.window("add a boat", "add a red boat") == ("add a boat", "add a red boat")


def test_text_inside_multi_part_contents_is_the_prompt() -> None:
    body = json.dumps(
        {
            "contents": [
                {"role": "user", "parts": [{"inlineData": {"data": "x"}}, {"text": "first"}, {"text": "second"}]}
            ]
        }
    )
    assert matching.prompt(body) == "first second"


def test_replay_does_not_wait_before_a_recorded_retry(place: Path) -> None:
    """The recording holds what the retry got, so the client's backoff (2 s here) is skipped in replay only."""
    import time

    import tenacity.nap

    def calls(client: genai.Client, server: StandinServer) -> None:
        server.queue_fault(429)
        client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)

    record(place, calls)
    recording = start("replay")
    slow = genai.Client(
        api_key=KEY, http_options=types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=3, initial_delay=2))
    )
    began = time.monotonic()
    assert slow.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE).parts
    assert time.monotonic() - began < 1.5
    recording.stop()
    assert tenacity.nap.time is time  # waits are real again once replay ends


def test_a_poll_asked_once_more_than_recorded_gets_the_last_state(place: Path) -> None:
    """Answers play in the order recorded; then the last one again (a batch's state, a cell run again)."""

    def calls(client: genai.Client, server: StandinServer) -> None:
        server.queue_fault(503)
        client.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)

    record(place, calls)
    start("replay")
    once = genai.Client(api_key=KEY)  # no retries: each call is one request
    with pytest.raises(genai.errors.ServerError):
        once.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE)
    for _ in range(3):  # the 200, then the 200 again
        assert once.models.generate_content(model=MODEL, contents="a nano banana dish", config=IMAGE).parts


def test_upload_headers_are_kept_without_the_loopback_port_and_json_lines_are_compacted() -> None:
    from helpers.replay import _map_json, _no_port

    assert (
        _no_port("http://127.0.0.1:51234/upload/v1beta/files?upload_id=x")
        == "http://127.0.0.1/upload/v1beta/files?upload_id=x"
    )
    assert (
        _no_port("https://generativelanguage.googleapis.com/upload")
        == "https://generativelanguage.googleapis.com/upload"
    )
    photo = base64.b64encode(photo_like(1024)).decode()
    line = json.dumps({"key": "a", "response": {"inlineData": {"mimeType": "image/png", "data": photo}}})
    body = f"{line}\n{line}\n".encode()
    seen: list[str] = []
    _map_json(body, "application/jsonl", lambda data: seen.append(data["key"]) or data)
    assert seen == ["a", "a"]
    assert _map_json(b"not json\nat all", "text/plain", lambda data: data) == b"not json\nat all"


def test_a_request_method_in_small_letters_matches() -> None:
    """google-genai hands aiohttp (used for client.aio when it is installed, as in Colab) the method "post"."""
    from vcr.request import Request

    rules = matching.Rules()
    request = Request("post", "http://127.0.0.1:4321/v1/models/m:generateContent", b"{}", {})
    for step in rules.filters():
        request = step(request)
    assert request.method == "POST" and request.uri == "http://127.0.0.1/v1/models/m:generateContent"
