"""Tests for helpers.images: load_image (prepare inputs) and save_images (write outputs)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from google.genai import types
from PIL import Image

from helpers.images import ImageInputError, extension_for, load_image, safe_prefix, save_images, write_new
from tests.support import b64, encode


pytestmark = pytest.mark.usefixtures("quiet")

# ---------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------






def response(parts: list[dict[str, Any]], **extra: Any) -> types.GenerateContentResponse:
    """An SDK response built from REST-shaped (camelCase) JSON, as the SDK itself does."""
    body = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}]}
    body.update(extra)
    return types.GenerateContentResponse._from_response(response=body, kwargs={})


PNG = encode(Image.new("RGB", (8, 6), (200, 30, 30)))
JPEG = encode(Image.new("RGB", (8, 6), (30, 30, 200)), "JPEG")
WEBP = encode(Image.new("RGB", (8, 6), (30, 200, 30)), "WEBP")


def image_part(data: bytes, mime: str = "image/png", **extra: Any) -> dict[str, Any]:
    """A REST inlineData part."""
    return {"inlineData": {"mimeType": mime, "data": b64(data)}, **extra}


# ---------------------------------------------------------------------------------------
# load_image: orientation, modes, size
# ---------------------------------------------------------------------------------------


def test_exif_orientation_6_is_applied(tmp_path: Path) -> None:
    raw = Image.new("RGB", (60, 40), (255, 0, 0))
    raw.paste((0, 0, 255), (30, 0, 60, 40))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    path = tmp_path / "phone.jpg"
    raw.save(path, "JPEG", exif=exif, quality=95)

    image = load_image(path)

    assert image.size == (40, 60)
    assert image.mode == "RGB"
    top, bottom = image.getpixel((20, 5)), image.getpixel((20, 55))
    assert top[0] > 200 and top[2] < 60  # the left (red) edge is now at the top
    assert bottom[2] > 200 and bottom[0] < 60


@pytest.mark.parametrize(
    ("mode", "colour"),
    [("RGBA", (10, 20, 30, 0)), ("LA", (10, 0))],
)
def test_transparent_pixels_become_white(mode: str, colour: tuple[int, ...]) -> None:
    source = Image.new(mode, (4, 4), colour)
    image = load_image(source)
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (255, 255, 255)


def test_half_transparent_rgba_is_composited_on_white() -> None:
    image = load_image(Image.new("RGBA", (2, 2), (0, 0, 0, 128)))
    assert all(120 <= channel <= 135 for channel in image.getpixel((0, 0)))


def test_palette_with_transparency_is_composited_on_white() -> None:
    source = Image.new("P", (4, 4), 1)
    source.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    source.putpixel((0, 0), 0)
    source.info["transparency"] = 0
    image = load_image(encode(source))  # through a real PNG file
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((1, 1)) == (255, 0, 0)


def test_cmyk_becomes_rgb() -> None:
    image = load_image(encode(Image.new("CMYK", (4, 4), (0, 255, 255, 0)), "JPEG"))
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((1, 1))
    assert red > 200 and green < 60 and blue < 60


def test_16_bit_grey_is_scaled_not_clipped() -> None:
    source = Image.new("I;16", (4, 2), 0)
    for x in range(4):
        source.putpixel((x, 1), 32896)
    source.putpixel((0, 0), 65535)
    image = load_image(encode(source))
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((1, 0)) == (0, 0, 0)
    assert all(126 <= channel <= 130 for channel in image.getpixel((0, 1)))


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "YCbCr", "I", "F"])
def test_other_modes_become_rgb(mode: str) -> None:
    image = load_image(Image.new(mode, (5, 3)))
    assert image.mode == "RGB"
    assert image.size == (5, 3)


def test_large_png_is_downscaled_keeping_aspect() -> None:
    image = load_image(Image.new("RGB", (5000, 3000), (1, 2, 3)))
    assert image.size == (2048, 1229)


def test_large_jpeg_file_is_downscaled_keeping_aspect(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (5000, 3000), (90, 120, 150)).save(path, "JPEG", quality=50)
    image = load_image(path)
    assert image.size == (2048, 1229)
    assert image.mode == "RGB"


def test_max_side_is_respected_for_portrait_images() -> None:
    image = load_image(Image.new("RGB", (300, 1000)), max_side=100)
    assert image.size == (30, 100)


def test_small_images_are_not_enlarged() -> None:
    assert load_image(Image.new("RGB", (20, 10))).size == (20, 10)


def test_bytes_str_and_path_inputs(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    path.write_bytes(PNG)
    for source in (PNG, bytearray(PNG), memoryview(PNG), str(path), path):
        image = load_image(source)
        assert image.size == (8, 6)
        assert image.getpixel((0, 0)) == (200, 30, 30)


def test_pil_input_is_not_modified_and_a_new_image_is_returned() -> None:
    source = Image.new("RGBA", (3000, 1000), (0, 0, 0, 0))
    image = load_image(source)
    assert image is not source
    assert source.mode == "RGBA" and source.size == (3000, 1000)
    assert image.size == (2048, 683)

    rgb = Image.new("RGB", (4, 4))
    assert load_image(rgb) is not rgb


def test_relative_paths_start_from_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cat.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)
    assert load_image("cat.png").size == (8, 6)


# ---------------------------------------------------------------------------------------
# load_image: errors
# ---------------------------------------------------------------------------------------


def test_missing_path_names_the_path_and_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as caught:
        load_image("images/missing.png")
    message = str(caught.value)
    assert "images/missing.png" in message
    assert os.getcwd() in message
    assert "notebook's folder" in message


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageInputError, match="folder"):
        load_image(tmp_path)


def test_text_file_is_refused_with_the_formats_that_work(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not an image")
    with pytest.raises(ImageInputError) as caught:
        load_image(path)
    message = str(caught.value)
    assert "notes.txt" in message
    for fmt in ("PNG", "JPEG", "WebP"):
        assert fmt in message


def test_truncated_png_is_refused(tmp_path: Path) -> None:
    noisy = Image.effect_noise((200, 200), 80).convert("RGB")
    data = encode(noisy)
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageInputError) as caught:
        load_image(path)
    message = str(caught.value)
    assert "cut.png" in message
    assert "damaged" in message and "PNG" in message


def test_empty_bytes_are_refused() -> None:
    with pytest.raises(ImageInputError, match="empty"):
        load_image(b"")


def test_random_bytes_are_refused() -> None:
    with pytest.raises(ImageInputError, match="PNG, JPEG"):
        load_image(b"definitely not an image")


@pytest.mark.parametrize("limit", [1000, 4000])  # error above 2x the limit, warning above 1x
def test_decompression_bombs_are_refused_quietly(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    with pytest.raises(ImageInputError, match="too large"):
        load_image(encode(Image.new("RGB", (80, 80))))  # 6400 pixels


def test_web_addresses_get_a_download_hint() -> None:
    with pytest.raises(ImageInputError, match="urlretrieve"):
        load_image("https://example.com/cat.png")


def test_wrong_types_say_what_works() -> None:
    with pytest.raises(TypeError, match="file path"):
        load_image(42)  # type: ignore[arg-type]


def test_bad_max_side_is_refused() -> None:
    with pytest.raises(ImageInputError, match="max_side"):
        load_image(PNG, max_side=0)


# ---------------------------------------------------------------------------------------
# save_images
# ---------------------------------------------------------------------------------------


def test_saves_images_in_order_with_extensions_and_skips_thoughts(tmp_path: Path) -> None:
    answer = response(
        [
            {"text": "Here you go.", "thoughtSignature": "c2ln"},
            image_part(WEBP, "image/png", thought=True),  # a draft: skipped
            image_part(PNG, "image/png"),
            {"text": "And another."},
            image_part(JPEG, "image/jpeg"),
            image_part(WEBP, "image/webp"),
        ]
    )
    before = answer.model_dump()

    paths = save_images(answer, tmp_path / "out" / "deep")

    assert [path.name for path in paths] == ["image-1.png", "image-2.jpg", "image-3.webp"]
    assert [path.read_bytes() for path in paths] == [PNG, JPEG, WEBP]
    assert all(path.parent == tmp_path / "out" / "deep" for path in paths)
    assert answer.model_dump() == before


def test_never_overwrites(tmp_path: Path) -> None:
    answer = response([image_part(PNG)])
    existing = tmp_path / "cat-1.png"
    existing.write_bytes(b"precious")

    second = save_images(answer, tmp_path, prefix="cat")
    third = save_images(answer, tmp_path, prefix="cat")

    assert existing.read_bytes() == b"precious"
    assert [p.name for p in second] == ["cat-1 (2).png"]
    assert [p.name for p in third] == ["cat-1 (3).png"]
    assert second[0].read_bytes() == PNG


@pytest.mark.parametrize(
    ("prefix", "stem"),
    [
        ("../x", "x"),
        ("a/b", "a-b"),
        ("héllo wörld", "hello-world"),
        ("", "image"),
        ("..", "image"),
        ("/etc/passwd", "etc-passwd"),
        ("..\\..\\win", "win"),
        ("my_cat--story  v2!", "my_cat-story-v2"),
        ("猫", "image"),
    ],
)
def test_unsafe_prefixes_stay_inside_the_folder(tmp_path: Path, prefix: str, stem: str) -> None:
    folder = tmp_path / "out"
    paths = save_images(response([image_part(PNG)]), folder, prefix=prefix)
    assert [p.name for p in paths] == [f"{stem}-1.png"]
    assert paths[0].parent == folder
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_prefix_is_at_most_60_characters() -> None:
    assert len(safe_prefix("x" * 200)) == 60
    assert safe_prefix("a" * 59 + "/b") == "a" * 59


def test_no_images_gives_an_empty_list(tmp_path: Path) -> None:
    blocked = types.GenerateContentResponse._from_response(
        response={"promptFeedback": {"blockReason": "SAFETY"}}, kwargs={}
    )
    assert save_images(blocked, tmp_path / "a") == []
    assert save_images(response([{"text": "only words"}]), tmp_path / "b") == []
    no_parts = types.GenerateContentResponse._from_response(
        response={"candidates": [{"content": {"role": "model"}, "finishReason": "STOP"}, {}]}, kwargs={}
    )
    assert save_images(no_parts, tmp_path / "c") == []
    assert not (tmp_path / "a").exists()


def test_stream_chunks_and_chat_history(tmp_path: Path) -> None:
    chunks = [
        response([{"text": "Scene 1"}]),
        response([image_part(PNG)]),
        response([image_part(JPEG, "image/jpeg")]),
    ]
    assert [p.name for p in save_images(chunks, tmp_path, prefix="story")] == ["story-1.png", "story-2.jpg"]

    history = [
        types.Content(role="user", parts=[types.Part.from_bytes(data=JPEG, mime_type="image/jpeg")]),
        types.Content(role="model", parts=[types.Part.from_bytes(data=PNG, mime_type="image/png")]),
    ]
    chat = SimpleNamespace(get_history=lambda: history)
    assert [p.name for p in save_images(chat, tmp_path, prefix="chat")] == ["chat-1.png"]


def test_mime_types_map_to_sensible_extensions() -> None:
    assert extension_for("image/png") == "png"
    assert extension_for("image/jpeg") == "jpg"
    assert extension_for("image/webp") == "webp"
    assert extension_for("image/x-weird", PNG) == "png"  # sniffed from the bytes
    assert extension_for(None, JPEG) == "jpg"
    assert extension_for("image/x-portable-anymap") == "portableanymap"[:10]
    assert extension_for("application/octet-stream") == "bin"


def test_non_image_inline_data_is_not_saved(tmp_path: Path) -> None:
    answer = response([image_part(b"RIFF....WAVEfmt ", "audio/wav"), image_part(PNG, "application/octet-stream")])
    assert [p.name for p in save_images(answer, tmp_path)] == ["image-1.png"]


def test_bad_arguments_say_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="generate_content"):
        save_images(None, tmp_path)
    with pytest.raises(TypeError, match="got int"):
        save_images(3, tmp_path)
    file = tmp_path / "file.txt"
    file.write_text("x")
    with pytest.raises(NotADirectoryError, match="folder"):
        save_images(response([image_part(PNG)]), file)


def test_single_candidate_and_content(tmp_path: Path) -> None:
    answer = response([image_part(PNG)])
    assert len(save_images(answer.candidates[0], tmp_path)) == 1
    assert len(save_images(answer.candidates[0].content, tmp_path)) == 1
    with pytest.raises(TypeError, match="got Part"):
        save_images(answer.candidates[0].content.parts[0], tmp_path)


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    first = write_new(tmp_path, "story", "html", b"one")
    second = write_new(tmp_path, "story", "html", b"two")
    assert (first.name, second.name) == ("story.html", "story (2).html")
    assert first.read_bytes() == b"one" and second.read_bytes() == b"two"
