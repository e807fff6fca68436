"""Tests for helpers.images: load_image, to_rgb/to_pil, encode, save_images."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from google.genai import types
from PIL import Image

from helpers.errors import LearnerError
from helpers.images import ImageInputError, SaveError, encode, load_image, save_images, to_pil, write_by_content
from tests.support import drawing, huge_png, jpeg, noisy_photo, part, png, response, to_bytes

pytestmark = pytest.mark.usefixtures("quiet")


def size_of(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


# -- load_image: what comes out ---------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGBA", (40, 30), (255, 0, 0, 0)),
        Image.new("LA", (40, 30), (0, 0)),
        Image.new("P", (40, 30), 3),
    ],
    ids=["RGBA", "LA", "P"],
)
def test_transparent_pixels_come_out_white(image: Image.Image) -> None:
    options = {}
    if image.mode == "P":
        image.putpalette([255, 0, 0] * 4)
        options["transparency"] = 3
    data = to_bytes(image, "PNG", **options)
    loaded = load_image(data)
    assert (loaded.mode, loaded.size, loaded.getpixel((5, 5))) == ("RGB", (40, 30), (255, 255, 255))


def test_half_transparent_red_is_pink_on_white() -> None:
    loaded = load_image(Image.new("RGBA", (8, 8), (255, 0, 0, 128)))
    assert loaded.getpixel((1, 1)) == (255, 127, 127)


def test_cmyk_becomes_rgb() -> None:
    loaded = load_image(to_bytes(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG"))
    assert loaded.mode == "RGB" and loaded.getpixel((5, 5))[0] > 240 > 15 > max(loaded.getpixel((5, 5))[1:])


def test_sixteen_bit_keeps_its_brightness_and_float_is_scaled_to_eight_bits() -> None:
    deep = Image.linear_gradient("L").resize((64, 64)).point(lambda v: v * 200 + 1000, "I").convert("I;16")
    assert Image.open(io.BytesIO(to_bytes(deep))).mode == "I;16"
    loaded = load_image(to_bytes(deep))  # 16-bit 65535 is white: values 1000..52000 become about 4..202
    assert loaded.mode == "RGB"
    assert loaded.getpixel((0, 0))[0] == pytest.approx(1000 / 257, abs=2)
    assert loaded.getpixel((0, 63))[0] == pytest.approx(52000 / 257, abs=5)
    floating = Image.new("F", (8, 8), 0.25)
    floating.putpixel((0, 0), 1.0)
    loaded = load_image(to_bytes(floating, "TIFF"))
    assert loaded.mode == "RGB" and loaded.getpixel((0, 0)) == (255,) * 3 and loaded.getpixel((4, 4)) == (0,) * 3


def test_an_exif_rotated_photo_comes_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    sideways = Image.new("RGB", (80, 40), "white")
    sideways.paste((255, 0, 0), (0, 0, 40, 40))  # red on the left: on top once upright
    loaded = load_image(to_bytes(sideways, "JPEG", exif=exif))
    assert loaded.size == (40, 80) and loaded.getpixel((20, 10))[0] > 200 > loaded.getpixel((20, 10))[1]
    assert loaded.getpixel((20, 70)) == pytest.approx((255, 255, 255), abs=8)


def test_a_big_picture_is_downscaled_to_max_side(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(to_bytes(Image.new("RGB", (3000, 1500), "green"), "JPEG"))
    assert load_image(path).size == (2048, 1024)
    assert load_image(str(path), max_side=300).size == (300, 150)


def test_a_pillow_image_is_copied_not_changed() -> None:
    original = Image.new("RGBA", (50, 50), (0, 0, 255, 255))
    loaded = load_image(original, max_side=25)
    assert loaded is not original and loaded.size == (25, 25) and original.mode == "RGBA"
    rgb = Image.new("RGB", (10, 10))
    assert load_image(rgb) is not rgb


# -- load_image: what it refuses ---------------------------------------------------------------


def refusal(source: Any) -> ImageInputError:
    with pytest.raises(ImageInputError) as caught:
        load_image(source)
    error = caught.value
    lines = error._render_traceback_()
    assert isinstance(error, LearnerError) and len(lines) <= 3 and "ImageInputError" in lines[0]
    assert str(error) in "\n".join(lines).replace("\x1b[1;31mImageInputError\x1b[0m: ", "")
    return error


def test_a_huge_picture_is_too_large() -> None:
    assert "too large" in str(refusal(huge_png(12000)))


def test_files_that_are_not_pictures(tmp_path: Path) -> None:
    empty, text, cut = tmp_path / "empty.png", tmp_path / "notes.png", tmp_path / "cut.png"
    empty.write_bytes(b"")
    text.write_text("these are my notes, not a picture\n")
    cut.write_bytes(to_bytes(noisy_photo(64))[:400])
    assert "is empty (0 bytes)" in str(refusal(empty))
    assert "is not a picture Pillow can read" in str(refusal(text))
    assert "could not be decoded" in str(refusal(cut))
    assert "does not exist" in str(refusal(tmp_path / "missing.png"))
    assert "is a folder, not a file" in str(refusal(tmp_path))


def test_other_wrong_sources() -> None:
    assert "web address" in str(refusal("https://example.com/cat.png"))
    assert "bytes are empty" in str(refusal(b""))
    assert "not a int" in str(refusal(42))
    assert str(refusal(b"no picture here")).startswith("This image data is not a picture Pillow can read.")


# -- to_pil and encode ------------------------------------------------------------------------


def test_to_pil_decodes_to_rgb_or_raises_value_error() -> None:
    assert to_pil(to_bytes(Image.new("P", (4, 4)))).mode == "RGB"
    with pytest.raises(ValueError, match="not a readable image"):
        to_pil(b"garbage")


def test_encode_stays_within_max_bytes() -> None:
    photo = noisy_photo(1024)
    data, mime = encode(photo, max_bytes=50_000)
    assert mime == "image/jpeg" and len(data) <= 50_000 and max(size_of(data)) < 1024


def test_keep_size_keeps_the_pixel_size() -> None:
    data, mime = encode(noisy_photo(512), max_bytes=20_000, keep_size=True)
    assert mime == "image/jpeg" and size_of(data) == (512, 512)


def test_max_side_shrinks_and_a_flat_drawing_stays_png() -> None:
    data, mime = encode(drawing(1024), max_bytes=200_000, max_side=512)
    assert mime == "image/png" and size_of(data) == (512, 512)
    assert encode(drawing(400), max_bytes=200_000)[1] == "image/png"
    assert size_of(encode(noisy_photo(400), max_bytes=200_000, max_side=300)[0]) == (300, 300)
    small, _ = encode(Image.new("RGB", (100, 40)), max_bytes=10_000, max_side=300)
    assert size_of(small) == (100, 40)


# -- save_images --------------------------------------------------------------------------------

NAME = re.compile(r"^image-[0-9a-f]{8}\.(png|jpg)$")


def test_saved_files_are_named_by_their_content(tmp_path: Path) -> None:
    red, blue = png("red"), jpeg("blue")
    paths = save_images(response("two", red, blue), tmp_path / "out")
    assert [p.suffix for p in paths] == [".png", ".jpg"] and all(NAME.match(p.name) for p in paths)
    assert paths[0].read_bytes() == red and paths[1].read_bytes() == blue
    assert save_images(response(red, red), tmp_path / "out") == [paths[0], paths[0]]  # run again: same file
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_drafts_are_skipped_and_the_type_is_sniffed_without_a_mime_type(tmp_path: Path) -> None:
    bare = types.Part(inline_data=types.Blob(data=jpeg("green")))
    paths = save_images(response(part(png("gray"), thought=True), bare), tmp_path, prefix="my cat!")
    assert len(paths) == 1 and re.match(r"^my-cat-[0-9a-f]{8}\.jpg$", paths[0].name)
    assert list(tmp_path.iterdir()) == paths


def test_an_unwritable_folder_is_a_save_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a folder")
    with pytest.raises(SaveError) as caught:
        save_images(response(png()), tmp_path / "afile" / "sub")
    assert "Could not write into" in str(caught.value) and "afile" in str(caught.value)
    assert "Pick a folder you may write to" in str(caught.value) and len(caught.value._render_traceback_()) <= 3


def test_write_by_content_leaves_an_identical_file_alone(tmp_path: Path) -> None:
    path = write_by_content(tmp_path, "page", "html", b"<p>hi</p>")
    stamp = path.stat().st_mtime_ns
    assert write_by_content(tmp_path, "page", "html", b"<p>hi</p>") == path and path.stat().st_mtime_ns == stamp
    assert write_by_content(tmp_path, "page", "html", b"<p>bye</p>") != path


def test_check_aspect_says_whether_a_picture_has_the_asked_shape() -> None:
    from helpers.images import check_aspect

    wide = Image.new("RGB", (1376, 768))
    assert check_aspect(wide, "16:9") and not check_aspect(wide, "4:3")  # false when the shape is wrong
    assert check_aspect(wide, "16:9").ok and not check_aspect(wide, "4:3").ok
    assert str(check_aspect(wide, "16:9")) == "16:9: 1376×768, 1.792 wide per high, as asked"
    assert check_aspect(Image.new("RGB", (352, 2928)), "1:8").ok  # the live API's rounded 1:8
    assert "NOT as asked" in str(check_aspect(to_bytes(Image.new("RGB", (100, 100))), "16:9"))


def test_the_encoder_never_writes_a_key_shaped_base64(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import images

    real = images.key_shaped
    calls: list[int] = []

    def unlucky(data: bytes) -> bool:  # the first encoding of each picture "holds" a key shape
        calls.append(len(data))
        return len(calls) % 2 == 1 or real(data)

    monkeypatch.setattr(images, "key_shaped", unlucky)
    data, _ = images.encode(Image.new("RGB", (64, 64), "teal"), max_bytes=100_000)
    assert not real(data) and len(calls) >= 2
