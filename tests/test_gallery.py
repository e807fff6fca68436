"""Tests for helpers.gallery: grids, storyboards and before/after figures as one image output."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from google.genai import types
from IPython import display as ipd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from helpers import gallery
from tests.support import photo_like_image
from helpers.gallery import (
    NoImagesError,
    before_after,
    figure_bytes,
    grid,
    make_before_after,
    make_grid,
    make_storyboard,
    read_story,
    scenes,
    storyboard,
)

RED, GREEN, BLUE, GOLD, GREY = (200, 40, 40), (40, 160, 70), (40, 90, 200), (220, 180, 40), (90, 90, 90)


# ---------------------------------------------------------------------------------------
# Fixtures and builders
# ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quiet(quiet: None) -> Any:
    """Quiet (see conftest), and no figure ever reaches pyplot's registry."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> bytes:
    """A tiny solid-colour PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def text(value: str, **extra: Any) -> types.Part:
    """A text part."""
    return types.Part(text=value, **extra)


def picture(color: tuple[int, int, int], size: tuple[int, int] = (64, 64), **extra: Any) -> types.Part:
    """An inline PNG part."""
    return types.Part(inline_data=types.Blob(mime_type="image/png", data=png(color, size)), **extra)


def response(*parts: types.Part, finish: str | None = "STOP", version: str | None = None) -> types.GenerateContentResponse:
    """A one-candidate model response."""
    return types.GenerateContentResponse(
        candidates=[
            types.Candidate(content=types.Content(role="model", parts=list(parts)), finish_reason=finish)
        ],
        model_version=version,
    )


def story_response() -> types.GenerateContentResponse:
    """Texts, pictures and thoughts interleaved; more texts than pictures."""
    return response(
        text("Intro. "),
        text("**Scene 1:** the fox wakes."),
        picture(RED),
        text("Planning the next panel", thought=True),
        picture(GREY, thought=True),
        text("Scene 2: the river."),
        picture(BLUE),
        text("The end."),
    )


def visible(figure: Figure) -> list[Any]:
    """The axes that are shown."""
    return [ax for ax in figure.axes if ax.get_visible()]


def colour(ax: Any) -> tuple[int, ...]:
    """The colour of the middle pixel of the picture drawn in ``ax``."""
    array = ax.images[0].get_array()
    height, width = array.shape[:2]
    return tuple(int(v) for v in array[height // 2, width // 2][:3])


def label(ax: Any) -> str:
    """An axes' caption with line breaks undone."""
    return " ".join(ax.get_xlabel().split())


def photo_like(size: int = 512) -> Image.Image:
    """A photo-like picture (see tests.support)."""
    return photo_like_image(size)

# ---------------------------------------------------------------------------------------
# Grid
# ---------------------------------------------------------------------------------------


def test_grid_size_axes_and_hidden_cells() -> None:
    figure = make_grid([png(c) for c in (RED, GREEN, BLUE, GOLD)], cols=3, size=2.0)
    assert isinstance(figure, Figure) and isinstance(figure.canvas, FigureCanvasAgg)
    assert tuple(figure.get_size_inches()) == pytest.approx((6.0, 2 * (2.0 - 0.14)))
    assert len(figure.axes) == 6 and len(visible(figure)) == 4
    assert not any(ax.axison for ax in visible(figure))
    assert [colour(ax) for ax in visible(figure)] == [RED, GREEN, BLUE, GOLD]


def test_grid_is_as_wide_as_its_images_when_there_are_fewer_than_cols() -> None:
    figure = make_grid([png(RED), png(BLUE)], cols=4, size=2.5)
    assert figure.get_figwidth() == pytest.approx(5.0)
    assert len(visible(figure)) == 2


def test_grid_titles_in_order() -> None:
    figure = make_grid([png(RED), png(GREEN), png(BLUE)], titles=["red", None, "$5 **blue**"])
    assert [ax.get_title() for ax in visible(figure)] == ["red", "", "$5 blue"]
    assert figure.get_figheight() > 3.0 - 0.14  # room for the titles


def test_grid_takes_responses_parts_bytes_pil_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "gold.png"
    path.write_bytes(png(GOLD))
    images = [
        story_response(),  # its two answer pictures, not the thought draft
        picture(GREEN),
        Image.new("RGB", (40, 40), GREY),
        path,
        str(path),
        bytearray(png(RED)),
    ]
    figure = make_grid(images, cols=4)
    assert [colour(ax) for ax in visible(figure)] == [RED, BLUE, GREEN, GREY, GOLD, GOLD, RED]


def test_single_response_or_image_is_accepted() -> None:
    assert len(visible(make_grid(story_response()))) == 2
    assert len(visible(make_grid(png(RED)))) == 1


def test_mismatched_titles_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"Got 3 titles for 4 images: pass exactly one per image"):
        make_grid([png(RED)] * 4, titles=["a", "b", "c"])
    with pytest.raises(TypeError, match="list of strings"):
        make_grid([png(RED)], titles="one")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cols": 0}, "cols must be a whole number of 1 or more"),
        ({"cols": 2.5}, "cols must be a whole number"),
        ({"size": "big"}, "size is the width of each picture in inches"),
        ({"size": 0.1}, "from 0.5 to 20"),
    ],
)
def test_bad_layout_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_grid([png(RED)], **kwargs)


def test_bad_images_say_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"images\[1\] is a int, not an image"):
        make_grid([png(RED), 42])
    with pytest.raises(ValueError, match=r"images\[0\] is a Part without a picture"):
        make_grid([text("hello")])
    with pytest.raises(TypeError, match="images is None"):
        make_grid(None)
    with pytest.raises(ValueError, match="Image 1 cannot be drawn"):
        make_grid([b"not an image"])
    with pytest.raises(FileNotFoundError, match="No image file"):
        make_grid([tmp_path / "missing.png"])
    with pytest.raises(NoImagesError, match="No images to put in a grid"):
        make_grid([])


# ---------------------------------------------------------------------------------------
# Reading stories
# ---------------------------------------------------------------------------------------


def test_scenes_pair_each_image_with_the_text_before_it() -> None:
    pairs = scenes(story_response())
    assert [caption for caption, _ in pairs] == ["Intro. **Scene 1:** the fox wakes.", "Scene 2: the river."]
    assert [image.getpixel((5, 5)) for _, image in pairs] == [RED, BLUE]
    assert all(image.mode == "RGB" for _, image in pairs)
    read = read_story(story_response())
    assert read.ending == "The end." and read.problems == []


def test_fewer_images_than_texts_and_image_first() -> None:
    read = read_story(response(picture(RED), text("a"), text("b"), picture(BLUE), text("c"), text("d")))
    assert [scene.caption for scene in read.scenes] == ["", "ab"]
    assert read.ending == "cd"


def test_chat_turns_start_new_paragraphs_and_stream_chunks_join() -> None:
    turns = [
        response(text("Sure, here is the plan."), version="m (stand-in)"),
        response(text("Scene one."), picture(RED), version="m (stand-in)"),
        response(text("Scene two."), picture(BLUE), version="other"),
    ]
    read = read_story(turns)
    assert [scene.caption for scene in read.scenes] == ["Sure, here is the plan.\n\nScene one.", "Scene two."]
    assert read.model_versions == ["m (stand-in)", "other"]

    chunks = [response(text("Once up"), finish=None), response(text("on a time"), finish=None), response(picture(RED))]
    assert [scene.caption for scene in read_story(chunks).scenes] == ["Once upon a time"]


def test_user_turns_are_skipped_in_a_chat_history() -> None:
    class Chat:
        """Shaped like the SDK's chat: only get_history()."""

        def get_history(self) -> list[types.Content]:
            """A user turn with an input picture, then the model's answer."""
            return [
                types.Content(role="user", parts=[text("Draw a fox"), picture(GREY)]),
                types.Content(role="model", parts=[text("A fox."), picture(RED)]),
            ]

    assert [(c, i.getpixel((1, 1))) for c, i in scenes(Chat())] == [("A fox.", RED)]


def test_caption_image_pairs_and_plain_lists() -> None:
    pairs = [("First", Image.new("RGB", (30, 20), RED)), (None, png(BLUE))]
    assert [caption for caption, _ in scenes(pairs)] == ["First", ""]
    mixed = ["Text before", Image.new("RGB", (30, 20), GREEN), "after"]
    read = read_story(mixed)
    assert [scene.caption for scene in read.scenes] == ["Text before"] and read.ending == "after"


def test_bad_stories_say_what_to_pass() -> None:
    with pytest.raises(TypeError, match="Got None instead of a story"):
        read_story(None)
    with pytest.raises(TypeError, match="Got a string instead of a story"):
        read_story("a fox")
    with pytest.raises(TypeError, match="got a int"):
        read_story([3])


# ---------------------------------------------------------------------------------------
# Storyboard
# ---------------------------------------------------------------------------------------


def test_storyboard_captions_read_back_in_order() -> None:
    figure = make_storyboard(story_response(), title="The fox")
    assert [label(ax) for ax in visible(figure)] == ["Intro. Scene 1: the fox wakes.", "Scene 2: the river."]
    assert [colour(ax) for ax in visible(figure)] == [RED, BLUE]
    assert figure.get_suptitle() == "The fox"
    assert figure.get_figwidth() == pytest.approx(2 * 3.2)


def test_storyboard_layout_and_caption_override() -> None:
    story = [(f"Scene {n}", png(c)) for n, c in enumerate((RED, GREEN, BLUE), start=1)]
    figure = make_storyboard(story, captions=["one", None, "three"], cols=2, size=2.0)
    assert len(figure.axes) == 4 and len(visible(figure)) == 3
    assert [label(ax) for ax in visible(figure)] == ["one", "", "three"]
    assert figure.get_figwidth() == pytest.approx(4.0)
    with pytest.raises(ValueError, match="Got 2 captions for 3 pictures"):
        make_storyboard(story, captions=["a", "b"])


def test_long_captions_are_wrapped_and_trimmed_with_an_ellipsis() -> None:
    long = "The fox walks along the river bank at dawn. " * 12
    figure = make_storyboard([(long, png(RED)), ("Costs $5 and $10 🦊 today", png(BLUE))], size=3.0)
    first, second = (ax.get_xlabel() for ax in visible(figure))
    assert first.endswith("…") and len(" ".join(first.split())) <= 200
    assert "\n" in first and max(len(line) for line in first.splitlines()) <= 40
    assert " ".join(second.split()) == "Costs $5 and $10 today"  # no math mode, no emoji box


def test_storyboard_without_pictures() -> None:
    with pytest.raises(NoImagesError, match="text but no images"):
        make_storyboard(response(text("Only words.")))
    with pytest.raises(ValueError, match="NO_IMAGE"):
        make_storyboard(response(text("Sorry."), finish="NO_IMAGE"))
    with pytest.raises(NoImagesError, match="the story is empty"):
        make_storyboard([])


def test_storyboard_displays_a_message_when_there_are_no_pictures(shown: list[Any]) -> None:
    storyboard(response(text("Only words."), finish="NO_IMAGE"))
    assert len(shown) == 1 and isinstance(shown[0], ipd.Markdown)
    assert "No pictures for a storyboard" in shown[0].data and "NO_IMAGE" in shown[0].data


# ---------------------------------------------------------------------------------------
# Before / after
# ---------------------------------------------------------------------------------------


def test_before_after_labels_and_size() -> None:
    figure = make_before_after(png(GREY), story_response(), labels=("Photo", "Edited"), size=3.0)
    assert [ax.get_title() for ax in visible(figure)] == ["Photo", "Edited"]
    assert [colour(ax) for ax in visible(figure)] == [GREY, RED]  # a response gives its first picture
    assert figure.get_figwidth() == pytest.approx(6.0)


def test_before_after_errors() -> None:
    with pytest.raises(ValueError, match="labels must be two strings"):
        make_before_after(png(RED), png(BLUE), labels=("only one",))
    with pytest.raises(NoImagesError, match="'after' side holds no picture"):
        make_before_after(png(RED), response(text("no picture")))


# ---------------------------------------------------------------------------------------
# Displaying
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        lambda: grid([png(RED), png(BLUE), png(GREEN)], titles=["a", "b", "c"]),
        lambda: storyboard(story_response(), title="A fox"),
        lambda: before_after(png(RED), png(BLUE)),
    ],
    ids=["grid", "storyboard", "before_after"],
)
def test_each_displayer_shows_exactly_one_image(shown: list[Any], draw: Any) -> None:
    assert draw() is None
    assert len(shown) == 1 and isinstance(shown[0], ipd.Image) and shown[0].format == "png"
    with Image.open(io.BytesIO(shown[0].data)) as image:
        assert image.width <= 1000


def test_png_is_deterministic_and_untagged() -> None:
    first, fmt = figure_bytes(make_storyboard(story_response(), title="Same"))
    second, _ = figure_bytes(make_storyboard(story_response(), title="Same"))
    assert fmt == "png" and first == second
    assert b"Matplotlib" not in first and b"Software" not in first


def test_notebook_style_settings_do_not_change_the_figure() -> None:
    plain, _ = figure_bytes(make_grid([png(RED), png(BLUE)], titles=["a", "b"]))
    with matplotlib.rc_context({"font.size": 30, "figure.facecolor": "black", "axes.titlesize": 40}):
        styled, _ = figure_bytes(make_grid([png(RED), png(BLUE)], titles=["a", "b"]))
    assert styled == plain


def test_wide_figures_stay_within_max_width() -> None:
    data, _ = figure_bytes(make_grid([png(RED)] * 5, cols=5, size=4.0))
    with Image.open(io.BytesIO(data)) as image:
        assert gallery.MAX_WIDTH - 100 < image.width <= gallery.MAX_WIDTH


def test_large_photo_figures_are_displayed_as_jpeg(shown: list[Any]) -> None:
    photos = [photo_like() for _ in range(6)]
    grid(photos, cols=3, size=3.3)
    (output,) = shown
    assert output.format == "jpeg" and len(output.data) < gallery.PNG_LIMIT
    with Image.open(io.BytesIO(output.data)) as image:
        assert image.format == "JPEG" and image.width <= gallery.MAX_WIDTH
