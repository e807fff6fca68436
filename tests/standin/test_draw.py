"""The stand-in's pictures: labels, determinism, fonts by script, text read back, edit layout, metadata."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image, ImageChops

from helpers.ocr import text_accuracy
from standin import answers, draw
from standin.spec import EditSpec, ImageSpec
from tests.standin import NANO, ask, opened
from tests.support import png, to_bytes

SIZE = (640, 480)
SPECS = {
    "scene": ImageSpec("A lighthouse at dawn", colour="#f2a97e", style="watercolour", characters=("Pip",)),
    "render": ImageSpec(render="The water cycle\n1 Evaporation → 2 Condensation", colour="#e7f5ff"),
    "bars": ImageSpec("Planets", bars=(("Mercury", 4879.0), ("Earth", 12742.0))),
    "draft": ImageSpec("A draft", thought=True),
    "edit": ImageSpec(edit=EditSpec(add="a blue hat")),
    "compose": ImageSpec("Together", compose=True),
}


def draw_spec(name: str, size: tuple[int, int] = SIZE) -> bytes:
    inputs = [png("#cc3344", (300, 200)), png("#3344cc", (200, 200))]
    return draw.picture(SPECS[name], size, inputs, {"Pip": "#2f9e44"}, asked="add a hat", changes=["added: a hat"])


def badge_is_dark(image: Image.Image) -> bool:
    """The STAND-IN badge (a dark panel, bottom right): sample its right margin, clear of the white text."""
    unit = min(image.size) / 100
    pad, text = round(unit * 1.5), draw.font(round(unit * 3.2), bold=True).size
    width, height = image.size
    top, bottom = height - text - 3 * pad, height - pad
    region = image.convert("L").crop((width - 2 * pad + 2, top + pad, width - pad - 2, bottom - pad))
    return region.getextrema()[1] < 90


def edited(photo: bytes, size: tuple[int, int], changes: list[str], asked: str = "make it blue") -> bytes:
    return draw.picture(ImageSpec(edit=EditSpec(change="x")), size, [photo], {}, asked=asked, changes=changes)


# -- every picture ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_every_picture_is_labelled_and_deterministic(name: str) -> None:
    data = draw_spec(name)
    image = opened(data)
    assert image.format == "PNG" and image.size == SIZE
    assert badge_is_dark(image)
    assert draw_spec(name) == data


@pytest.mark.parametrize("ratio", ["1:8", "21:9", "9:16", "4:1"])
@pytest.mark.parametrize("name", ["scene", "edit", "render"])
def test_the_badge_is_on_table_sized_pictures_too(ratio: str, name: str) -> None:
    assert badge_is_dark(opened(draw_spec(name, NANO.pixel_size(ratio, "1K"))))


def test_different_specs_give_different_pictures() -> None:
    assert len({draw_spec(name) for name in SPECS}) == len(SPECS)


def test_characters_keep_their_colour() -> None:
    colours = {"Pip": "#2f9e44", "crab": "#e8590c"}
    image = opened(draw.picture(ImageSpec("Pip meets a crab", characters=("Pip", "crab")), (900, 600), [], colours))
    unit, ground = min(image.size) / 100, image.height * 0.86
    for index, name in enumerate(["Pip", "crab"]):
        x = image.width * (index + 1) / 3
        assert image.getpixel((round(x), round(ground - unit * 13 * 0.2))) == draw.colour(colours[name])


def test_colour_falls_back_to_a_steady_colour() -> None:
    assert draw.colour("#102030") == (16, 32, 48) and draw.colour("red") == (255, 0, 0)
    assert draw.colour("not a colour", "Pip") == draw.colour(None, "Pip") != draw.colour(None, "Pop")


# -- text: fonts by script, read back ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Fresh bread", ""),
        ("欢迎光临", "zh"),
        ("ようこそ 東京", "ja"),
        ("مرحبا بكم", "ar"),
        ("स्वागत है", "hi"),
        ("שלום", "he"),
    ],
)
def test_the_script_picks_the_font(text: str, lang: str) -> None:
    assert draw.script(text) == lang


@pytest.mark.parametrize(("lang", "text"), [("zh", "水循环\n蒸发 → 凝结"), ("ar", "خبز طازج"), ("hi", "हर दिन")])
def test_text_in_another_script_is_set_in_its_noto_font(lang: str, text: str) -> None:
    found = next((p for n in draw._SCRIPT_FONTS[lang] if (p := draw._font_file(n.partition("#")[0]))), None)
    if found is None or "Noto" not in found:
        pytest.skip(f"no Noto font for {lang} is installed (.ci/run installs them)")
    assert draw.font(40, lang=draw.script(text)).path == found
    picture = draw.picture(ImageSpec(render=text), SIZE, [], {})
    assert picture != draw.picture(ImageSpec(render=text, lang="en"), SIZE, [], {})  # not Latin's tofu


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (.ci/run installs it)")
@pytest.mark.parametrize("ratio", ["16:9", "1:1"])
def test_quoted_text_reads_back_with_tesseract(ratio: str) -> None:
    prompt = (
        'A poster. Headline: "Harbour Days Festival". Below it: "Saturday 14 June, 10 am to 6 pm" and “Free entry”.'
    )
    reply = answers.reply(answers.Answers(), ask(prompt, aspect_ratio=ratio, modalities={"IMAGE"}))
    check = text_accuracy("Harbour Days Festival\nSaturday 14 June, 10 am to 6 pm\nFree entry", reply.parts[0]["image"])
    assert check.cer is not None and check.cer <= 0.05, check


# -- edits: the photo whole, the strip apart, the list in the picture ---------------------------------------


@pytest.mark.parametrize("ratio", ["4:3", "1:1", "21:9", "9:16", "1:4"])
@pytest.mark.parametrize("shape", [(1024, 768), (600, 900), (1600, 900)])
def test_an_edit_keeps_the_whole_photo_unstretched_and_clear_of_labels(ratio: str, shape: tuple[int, int]) -> None:
    photo = Image.effect_noise(shape, 60).convert("RGB")
    size = NANO.pixel_size(ratio, "1K")
    data = edited(to_bytes(photo), size, ["asked: one", "asked: two"])
    result, (x0, y0, x1, y1) = opened(data), draw.meta(data)["box"]
    assert result.size == size and 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
    assert abs((x1 - x0) / (y1 - y0) - shape[0] / shape[1]) < 0.01  # letterboxed, never stretched or cropped
    fitted = photo.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS)
    assert ImageChops.difference(result.crop((x0, y0, x1, y1)), fitted).getbbox() is None  # nothing drawn on it
    assert badge_is_dark(result)


@pytest.mark.parametrize("ratio", ["4:3", "21:9", "9:16", "1:8"])
def test_the_strip_never_writes_into_the_label_row(ratio: str) -> None:
    size = NANO.pixel_size(ratio, "1K")
    unit = min(size) / 100
    area, strip = draw._layout(size, 4 / 3, unit)
    assert area[2] <= strip[0] or area[3] <= strip[1]  # photo area and strip do not overlap
    image = Image.new("RGB", size, draw._STRIP)
    changes = [f"changed: thing number {n} of a long list → something else entirely, in words" for n in range(30)]
    draw._strip(image, strip, "a very long request " * 20, changes, ["STAND-IN: a note"], unit)
    labels = (strip[0], strip[3] - draw._label_height(unit), strip[2], strip[3])
    assert image.crop(labels).getcolors() == [(image.crop(labels).width * image.crop(labels).height, draw._STRIP)]
    assert image.crop(strip).getcolors(2**20) != image.crop(labels).getcolors()  # and the strip holds text


def test_edits_start_from_the_stored_photo_so_nothing_drifts_over_turns() -> None:
    photo = to_bytes(Image.effect_noise((1024, 768), 60).convert("RGB"), "JPEG")
    size = NANO.pixel_size("4:3", "1K")
    turns, changes = [photo], []
    for words in ("add a boat", "snow on the hills", "golden light", "remove the boat"):
        changes = [*changes, f"asked: {words}"]
        turns.append(edited(turns[-1], size, changes, words))
    boxes = [draw.meta(t)["box"] for t in turns[1:]]
    assert len({tuple(b) for b in boxes}) == 1
    regions = [opened(t).crop(tuple(b)) for t, b in zip(turns[1:], boxes, strict=True)]
    assert all(ImageChops.difference(regions[0], r).getbbox() is None for r in regions[1:])  # pixel for pixel
    assert draw.meta(turns[-1])["changes"] == changes


def test_metadata_round_trip_and_pictures_without_it() -> None:
    edit = edited(png("teal", (400, 300)), SIZE, ["added: a boat"])
    assert draw.meta(edit) == {"box": draw.meta(edit)["box"], "changes": ["added: a boat"]}
    text = draw.picture(ImageSpec(render="Hello\nthere"), SIZE, [], {})
    assert draw.meta(text) == {"text": ["Hello", "there"]}
    assert draw.meta(edited(text, SIZE, ["asked: x"]))["text"] == ["Hello", "there"]  # kept through edits
    assert draw.meta(png()) == {} and draw.meta(b"not a picture") == {} and draw.meta(draw_spec("scene")) == {}
