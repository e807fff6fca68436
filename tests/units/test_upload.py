"""helpers.upload: the photo picker reads ipywidgets 8 and 7 uploads, and falls back to its sample."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from helpers.images import ImageInputError
from helpers.upload import PhotoPicker, pick_photo, uploaded
from tests.support import png, to_bytes

pytestmark = pytest.mark.usefixtures("quiet")
SAMPLE = Path(__file__).resolve().parents[2] / "notebooks" / "assets" / "harbour.jpg"


def chosen(name: str, data: bytes) -> tuple[dict[str, Any], ...]:
    """What ipywidgets 8 puts in FileUpload.value after one file is chosen."""
    return (
        {
            "name": name,
            "type": "image/jpeg",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
        },
    )


def test_nothing_chosen_reads_as_none() -> None:
    assert uploaded(()) is None and uploaded({}) is None and uploaded(None) is None


def test_ipywidgets_8_shape_a_tuple_of_dicts_with_a_memoryview() -> None:
    value = ({"name": "cat.png", "type": "image/png", "size": 3, "content": memoryview(b"abc")},)
    assert uploaded(value) == ("cat.png", b"abc")


def test_ipywidgets_7_shape_a_dict_by_file_name() -> None:
    value = {"cat.png": {"metadata": {"name": "cat.png", "type": "image/png"}, "content": b"abc"}}
    assert uploaded(value) == ("cat.png", b"abc")


def test_the_sample_is_used_until_a_photo_is_chosen(shown: list[Any]) -> None:
    picker = pick_photo(SAMPLE)
    assert shown == [picker]
    assert "harbour.jpg" in picker.note.value
    assert picker.image().size == (1024, 768)
    wide = Image.new("RGB", (3000, 1000), "teal")
    picker.button.value = chosen("mine.jpg", to_bytes(wide, "JPEG"))
    assert "mine.jpg" in picker.note.value  # the note follows the button
    photo = picker.image()
    assert photo.size == (1024, 341) and photo.getpixel((10, 10))[1] > 100


def test_a_chosen_file_that_is_no_picture_is_a_short_error() -> None:
    picker = PhotoPicker(SAMPLE)
    picker.button.value = chosen("notes.png", b"not a picture")
    with pytest.raises(ImageInputError, match="not a picture"):
        picker.image()
    picker.button.value = chosen("ok.png", png())
    assert picker.image().size == (64, 48)


def test_the_picker_has_the_same_widget_id_every_run(shown: list[Any]) -> None:
    """A notebook run and saved again holds the same widget output: no diff in git; a re-run replaces the picker."""
    first = pick_photo(SAMPLE)
    model_id = first.box.model_id
    again = pick_photo(SAMPLE)
    assert again.box.model_id == model_id and first.box.comm is None  # the first one was closed
    assert pick_photo(SAMPLE.with_name("mug.jpg")).box.model_id != model_id
