"""The stand-in's Files API through google-genai: the resumable upload, get, list (paginated), delete, expiry, and an
uploaded picture used by its URI in generateContent and Interactions. ``models.list`` paginates too."""

from __future__ import annotations

import base64
import hashlib
import io
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from standin import StandinServer
from tests.standin import MODEL, NANO, images_of, opened, texts_of
from tests.support import png

PHOTO = png("green", (300, 200))


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


@pytest.fixture
def sdk(server: StandinServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def upload(sdk: genai.Client, data: bytes = PHOTO, mime: str = "image/png", **config: str) -> types.File:
    return sdk.files.upload(file=io.BytesIO(data), config={"mime_type": mime, **config})


def refused(call: object, code: int) -> errors.APIError:
    with pytest.raises(errors.APIError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    return caught.value


def test_upload_makes_an_active_file_that_get_returns(sdk: genai.Client, server: StandinServer) -> None:
    made = upload(sdk, display_name="harbour photo")
    assert made.name.startswith("files/") and len(made.name) == len("files/") + 12
    assert (made.mime_type, made.size_bytes, made.display_name) == ("image/png", len(PHOTO), "harbour photo")
    assert (made.state, made.source) == (types.FileState.ACTIVE, types.FileSource.UPLOADED)
    assert made.uri == f"https://generativelanguage.googleapis.com/v1/{made.name}"  # Google's host: no port
    assert made.expiration_time - made.create_time == timedelta(hours=48)
    assert base64.b64decode(made.sha256_hash).decode() == hashlib.sha256(PHOTO).hexdigest()
    assert sdk.files.get(name=made.name) == made
    start, chunk = [(path, body) for _, path, body in server.requests if path.startswith("/upload/")]
    assert start == (
        "/upload/v1/files",
        {"file": {"display_name": "harbour photo", "mime_type": "image/png", "size_bytes": len(PHOTO)}},
    )
    assert chunk == ("/upload/v1/files", PHOTO)  # the bytes, at the URL the start answered in X-Goog-Upload-URL


def test_upload_from_a_path_and_in_two_chunks(sdk: genai.Client, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PHOTO)
    assert upload(sdk, path.read_bytes()).size_bytes == sdk.files.upload(file=path).size_bytes == len(PHOTO)
    big = bytes(range(256)) * 36 * 1024  # 9 MiB: the SDK sends 8 MiB, then the rest with "upload, finalize"
    made = upload(sdk, big, "application/octet-stream")
    assert (
        made.size_bytes == len(big) and base64.b64decode(made.sha256_hash).decode() == hashlib.sha256(big).hexdigest()
    )


def test_names_repeat_run_to_run() -> None:
    def names() -> list[str]:
        with StandinServer() as running:
            client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=running.url))
            return [upload(client).name, upload(client).name]

    first = names()
    assert first == names() and first[0] != first[1]


def test_delete_then_get_is_refused_as_the_files_api_refuses(sdk: genai.Client) -> None:
    made = upload(sdk)
    sdk.files.delete(name=made.name)
    gone = refused(lambda: sdk.files.get(name=made.name), 403)
    assert gone.status == "PERMISSION_DENIED"
    assert gone.message == f"You do not have permission to access the File {made.name[6:]} or it may not exist."
    refused(lambda: sdk.files.delete(name=made.name), 403)


def test_a_file_expires_after_file_ttl(sdk: genai.Client, server: StandinServer) -> None:
    server.settings.file_ttl = 0.3
    made = upload(sdk)
    assert made.expiration_time - made.create_time == timedelta(seconds=0.3)
    assert sdk.files.get(name=made.name).name == made.name
    time.sleep(0.4)
    refused(lambda: sdk.files.get(name=made.name), 403)
    assert list(sdk.files.list()) == []


def test_list_is_paginated_newest_first(sdk: genai.Client, server: StandinServer) -> None:
    made = [upload(sdk, png(colour)).name for colour in ("red", "green", "blue")]
    pager = sdk.files.list(config={"page_size": 2})
    assert [f.name for f in pager.page] == made[::-1][:2]
    assert [f.name for f in pager] == made[::-1]
    assert [path for method, path, _ in server.requests if method == "GET"] == ["/v1/files", "/v1/files"]


def test_models_list_is_paginated(sdk: genai.Client, server: StandinServer) -> None:
    listed = [m.name for m in sdk.models.list(config={"page_size": 2})]
    assert listed == [m.name for m in sdk.models.list()] and len(listed) == 3
    assert sum(path == "/v1/models" for _, path, _ in server.requests) == 3  # two pages, then one


def test_an_uploaded_picture_is_an_input_picture(sdk: genai.Client) -> None:
    made = upload(sdk)
    by_uri = sdk.models.generate_content(
        model=MODEL, contents=[types.Part.from_uri(file_uri=made.uri, mime_type="image/png"), "add a kite"]
    )
    inline = sdk.models.generate_content(
        model=MODEL, contents=[types.Part.from_bytes(data=PHOTO, mime_type="image/png"), "add a kite"]
    )
    assert texts_of(by_uri) == ["Stand-in edit (not Gemini): add a kite"]
    assert images_of(by_uri) == images_of(inline) and opened(images_of(by_uri)[0]).size == NANO.pixel_size("3:2")
    result = sdk.interactions.create(
        model=MODEL,
        input=[{"type": "text", "text": "add a kite"}, {"type": "image", "uri": made.uri, "mime_type": "image/png"}],
    )
    assert result.output_text == "Stand-in edit (not Gemini): add a kite"


def test_an_unknown_or_deleted_file_uri_is_refused(sdk: genai.Client) -> None:
    elsewhere = types.Part.from_uri(file_uri="https://example.org/cat.png", mime_type="image/png")
    bad = refused(lambda: sdk.models.generate_content(model=MODEL, contents=[elsewhere, "add a kite"]), 400)
    assert bad.message == "Invalid or unsupported file uri: https://example.org/cat.png"
    made = upload(sdk)
    sdk.files.delete(name=made.name)
    deleted = types.Part.from_uri(file_uri=made.uri, mime_type="image/png")
    refused(lambda: sdk.models.generate_content(model=MODEL, contents=[deleted, "add a kite"]), 403)


def test_an_uploaded_file_cannot_be_downloaded(sdk: genai.Client) -> None:
    made = upload(sdk)
    assert "Only generated files can be downloaded" in refused(lambda: sdk.files.download(file=made.name), 400).message
