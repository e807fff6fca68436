"""helpers.replay: request normalization, response compaction, and a record → replay round trip
in-process against the stand-in API (chat, stream, missing recording, no network in replay)."""

from __future__ import annotations

import base64
import io
import json
import socket
from pathlib import Path
from typing import Iterator

import pytest
from google.genai import types
from PIL import Image

from helpers import replay, session
from tests.standin import StandinServer
from tests.support import photo_like_image as photo_like

FAKE_KEY = "AIza" + "Sy" + "x" * 33  # key-shaped, built so no literal key sits in the repo
MODEL = "gemini-3.1-flash-image"


def _png(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()




class FakeRequest:
    def __init__(self, body: bytes, path: str = f"/v1beta/models/{MODEL}:generateContent") -> None:
        self.body = body
        self.path = path
        self.uri = f"http://127.0.0.1:43210{path}"
        self.headers = {"x-goog-api-key": FAKE_KEY, "Content-Type": "application/json", "user-agent": "sdk"}


def _request_with_image(data: str, text: str = "Make it blue") -> bytes:
    return json.dumps({"contents": [{"role": "user", "parts": [
        {"inlineData": {"mimeType": "image/png", "data": data}}, {"text": text}]}]}).encode()


# ----------------------------------------------------------------------------- unit


def test_normalize_body_hashes_pixels_whatever_the_encoding() -> None:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    png = _png(image)
    standard = base64.b64encode(png).decode()
    urlsafe = base64.urlsafe_b64encode(png).decode().rstrip("=")
    other_encoder = base64.b64encode(_png(image.copy(), "BMP")).decode()
    bodies = [replay.normalize_body(_request_with_image(d)) for d in (standard, urlsafe, other_encoder)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert replay.HASH_PREFIX.encode() in bodies[0]
    assert standard.encode() not in bodies[0]
    assert replay.normalize_body(bodies[0]) == bodies[0]  # idempotent
    different = replay.normalize_body(_request_with_image(base64.b64encode(_png(
        Image.new("RGB", (40, 30), (0, 0, 200)))).decode()))
    assert different != bodies[0]


def test_normalize_body_is_canonical_and_leaves_non_json_alone() -> None:
    a = replay.normalize_body(b'{"b": 1, "a": [1, 2]}')
    b = replay.normalize_body(b'{"a":[1,2],"b":1}')
    assert a == b == b'{"a":[1,2],"b":1}'
    assert replay.normalize_body(b"not json") == b"not json"
    assert replay.normalize_body(None) is None


def test_before_record_request_keeps_only_content_type_and_drops_loopback_port() -> None:
    request = replay.before_record_request(FakeRequest(b"{}"))
    assert request.headers == {"Content-Type": "application/json"}
    assert request.uri == f"http://127.0.0.1/v1beta/models/{MODEL}:generateContent"
    google = "https://generativelanguage.googleapis.com:443/v1/models"
    assert replay._stable_uri(google) == google


def test_compact_image_keeps_small_images_and_shrinks_photos() -> None:
    flat = _png(Image.new("RGB", (1024, 1024), (30, 120, 200)))
    assert replay.compact_image(flat, "image/png") == (flat, "image/png")
    photo = _png(photo_like())
    assert len(photo) > 500_000
    data, mime = replay.compact_image(photo, "image/png")
    assert mime == "image/jpeg"
    assert len(base64.b64encode(data)) <= replay.IMAGE_BUDGET
    roomy, _ = replay.compact_image(photo, "image/png", budget=250_000)
    with Image.open(io.BytesIO(roomy)) as image:
        assert image.size == (1024, 1024)  # quality drops before size does


def test_compact_body_handles_json_and_server_sent_events() -> None:
    photo = base64.b64encode(_png(photo_like(1024))).decode()
    payload = {"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": photo}}]}}]}
    small = replay.compact_body(json.dumps(payload).encode(), "application/json")
    assert b"image/jpeg" in small and len(small) < len(photo) / 3
    sse = ("data: " + json.dumps(payload) + "\n\n").encode()
    out = replay.compact_body(sse, "text/event-stream")
    assert out.startswith(b"data: ") and out.endswith(b"\n\n")


def test_describe_request_names_model_and_prompt() -> None:
    body = json.dumps({"contents": [{"role": "user", "parts": [{"text": "A red fox  in the snow"}]}]}).encode()
    assert replay.describe_request(FakeRequest(body)) == (MODEL, "A red fox in the snow")


# ----------------------------------------------------------------------------- round trip


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_IMAGE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENAI_RECORDINGS_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    replay.stop()


def _calls(client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The same requests in record and in replay; returns what came back."""
    config = types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"])
    first = client.models.generate_content(model=MODEL, contents="A lighthouse at dawn", config=config)
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="A red kite", config=config))
    chat = client.chats.create(model=MODEL, config=config)
    turn1 = chat.send_message("Draw a small green robot")
    turn2 = chat.send_message("Now give the robot a yellow hat")
    images = [p.inline_data.data for r in (first, turn1, turn2) for p in r.parts if p.inline_data]
    images += [p.inline_data.data for c in chunks for p in (c.parts or []) if p.inline_data]
    texts = [p.text for r in (first, turn1, turn2) for p in r.parts if p.text]
    return {"images": images, "texts": texts, "chunks": len(chunks)}


def test_record_then_replay_round_trip(server: StandinServer, env: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "record")
    client = session.setup("99_round_trip")
    recorded = _calls(client)
    path = replay.finish_recording()
    assert path == env / "99_round_trip.json"
    text = path.read_text()
    assert FAKE_KEY not in text and "x-goog-api-key" not in text.lower()
    cassette = json.loads(text)
    assert cassette["metadata"]["recorded_against"] == "stand-in API"
    assert len(cassette["interactions"]) == 4  # models.get in setup is made before recording starts
    for item in cassette["interactions"]:
        body = item["response"]["body"]["string"]
        assert len(body) < 1.2 * replay.IMAGE_BUDGET + 20_000  # one photo-like 1K image each, compacted

    # Replay: no server address, no key, no sockets.
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.delenv("GOOGLE_GEMINI_BASE_URL")
    opened: list[object] = []
    real_connect = socket.socket.connect

    def spy(self: socket.socket, address: object) -> None:
        opened.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    capsys.readouterr()
    client = session.setup("99_round_trip")
    banner = capsys.readouterr().out
    assert banner.startswith("Replay · model gemini-3.1-flash-image") and "stand-in API" in banner
    replayed = _calls(client)
    assert opened == []
    assert replayed["texts"] == recorded["texts"]
    assert replayed["chunks"] == recorded["chunks"]
    # Replay gives back what the recording holds: re-encoded JPEGs of the same pictures.
    assert len(replayed["images"]) == len(recorded["images"]) == 4
    for got in replayed["images"]:
        assert len(got) * 4 / 3 <= replay.IMAGE_BUDGET
    # Running the same cell again in replay plays its answer again.
    again = client.models.generate_content(
        model=MODEL, contents="A lighthouse at dawn",
        config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]))
    assert [p.text for p in again.parts if p.text] == replayed["texts"][:1]

    with pytest.raises(replay.MissingRecordingError) as caught:
        client.models.generate_content(model=MODEL, contents="A purple elephant on a unicycle")
    message = str(caught.value)
    for words in ("99_round_trip", MODEL, "A purple elephant on a unicycle",
                  "python -m helpers.record --stand-in notebooks/99_round_trip.ipynb", "GEMINI_API_KEY"):
        assert words in message
    assert capsys.readouterr().err == ""


def test_replay_without_recording_says_how_to_record(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    with pytest.raises(replay.MissingRecordingError, match=r"python -m helpers\.record --stand-in notebooks/42_nothing"):
        session.setup("42_nothing")


def test_failed_record_run_writes_nothing(server: StandinServer, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "record")
    client = session.setup("98_failed")
    client.models.generate_content(model=MODEL, contents="A cat")
    replay.stop()  # the kernel ends without the closing step: nothing is saved
    assert not (env / "98_failed.json").exists()


def test_key_in_query_is_never_recorded(server: StandinServer, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some clients send the key as ?key=...; the cassette keeps neither it nor the header."""
    import httpx2

    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "record")
    session.setup("97_query_key")
    with httpx2.Client() as raw:
        reply = raw.post(f"{server.url}/v1beta/models/{MODEL}:generateContent?key={FAKE_KEY}",
                         json={"contents": [{"role": "user", "parts": [{"text": "A fox"}]}]},
                         headers={"x-goog-api-key": FAKE_KEY})
    assert reply.status_code == 200
    path = replay.finish_recording()
    assert path is not None
    text = path.read_text()
    assert FAKE_KEY not in text and "key=" not in text and ":generateContent" in text
