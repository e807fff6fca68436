"""Tests for helpers.gallery: scenes, storyboard, before_after, figure_bytes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from google.genai import types
from IPython import display as ipd
from PIL import Image

from helpers.errors import LearnerError
from helpers.gallery import FIGURE_BYTES, FIGURE_WIDTH, before_after, grid, scenes, storyboard
from helpers.parts import walk
from helpers.reasons import NoImageError
from tests.support import blocked, noisy_photo, part, png, response, to_bytes

pytestmark = pytest.mark.usefixtures("quiet")

RED, GREEN, BLUE = png("red"), png("green"), png("blue")


def captions(story: Any) -> list[tuple[str, bytes]]:
    return [(caption, {RED: "red", GREEN: "green", BLUE: "blue"}.get(data, "?")) for caption, data in scenes(story)]


def only_image(shown: list[Any]) -> Image.Image:
    [output] = shown
    assert isinstance(output, ipd.Image) and len(output.data) <= FIGURE_BYTES
    picture = Image.open(io.BytesIO(output.data))
    assert picture.width <= FIGURE_WIDTH
    return picture


# -- scenes -----------------------------------------------------------------------------------


def test_a_caption_is_the_text_before_its_picture() -> None:
    story = response("Title page.", "Scene one.", RED, "Scene two.", GREEN)
    assert captions(story) == [("Title page. Scene one.", "red"), ("Scene two.", "green")]


def test_else_the_text_after_it_used_once() -> None:
    assert captions(response(RED, "red, said after", GREEN, "green, said after")) == [
        ("red, said after", "red"),
        ("green, said after", "green"),
    ]
    assert captions(response(RED, GREEN, "after green")) == [("", "red"), ("after green", "green")]


def test_captions_stay_within_their_response() -> None:
    story = [response("One.", RED), response(GREEN, "Two, after."), response("Three.", BLUE)]
    assert captions(story) == [("One.", "red"), ("Two, after.", "green"), ("Three.", "blue")]
    assert captions([response("No picture here."), response(RED)]) == [("", "red")]


def test_thoughts_and_the_learners_words_are_not_captions() -> None:
    story = response(part("I will draw red", thought=True), part(BLUE, thought=True), RED)
    assert captions(story) == [("", "red")]
    prompt = types.Content(role="user", parts=[types.Part(text="draw it"), part(BLUE)])
    assert captions([prompt, response(RED, "Done.")]) == [("Done.", "red")]


# -- storyboard and before_after -----------------------------------------------------------------


def test_a_storyboard_is_one_image_output(shown: list[Any]) -> None:
    photo = to_bytes(noisy_photo(1024), "JPEG", quality=90)
    long = "A very long caption that keeps going. " * 12 + "The end *of it*."
    story = [
        response(f"Scene {n}: the $5 cat.", photo if n == 1 else png(color))
        for n, color in enumerate(["red", "green", "blue", "orange"], start=1)
    ] + [response(long, RED)]
    storyboard(story, title="Pip's day")
    only_image(shown)


def test_before_after_takes_a_response_a_part_bytes_or_a_pillow_image(shown: list[Any]) -> None:
    first = walk(response(RED)).images()[0]
    before_after(response("before", RED), first)
    before_after(GREEN, Image.new("RGB", (300, 100), "blue"), labels=("Old", "New"), title="Edit")
    assert len(shown) == 2
    only_image(shown[:1])
    assert only_image(shown[1:]).width > only_image(shown[:1]).width * 0.8  # both figures are rendered


@pytest.mark.parametrize(
    ("story", "words"),
    [
        (blocked(), "`SAFETY`"),
        (response("Sorry.", finish=types.FinishReason.IMAGE_SAFETY), "`IMAGE_SAFETY`"),
        (response("Only words."), "text only"),
    ],
)
def test_a_storyboard_without_pictures_says_why(story: Any, words: str, shown: list[Any]) -> None:
    with pytest.raises(NoImageError) as caught:
        storyboard(story)
    assert isinstance(caught.value, LearnerError) and words in str(caught.value) and shown == []


def test_before_after_without_a_picture_says_why(shown: list[Any]) -> None:
    with pytest.raises(NoImageError, match=r"No picture came back.*`NO_IMAGE`"):
        before_after(RED, response("A poem.", finish=types.FinishReason.NO_IMAGE))
    assert shown == []


# -- grid and history ------------------------------------------------------------------------------


def test_a_grid_is_one_image_output_with_a_label_per_picture(shown: list[Any]) -> None:
    pictures = [RED, response("text", GREEN), Image.new("RGB", (30, 90), "blue")]
    grid(pictures, labels=["one", "two", "three"], title="Three")
    assert only_image(shown).width > only_image(shown).height


def test_history_shows_every_picture_of_a_chat_in_order(shown: list[Any]) -> None:
    from helpers.gallery import history

    class Chat:
        def get_history(self) -> list[types.Content]:
            return [
                types.Content(role="user", parts=[part(RED), part("make it green")]),
                types.Content(role="model", parts=[part("Done."), part(GREEN)]),
                types.Content(role="user", parts=[part("now blue")]),
                types.Content(role="model", parts=[part(BLUE)]),
            ]

    history(Chat())
    only_image(shown)
    with pytest.raises(NoImageError, match="no pictures yet"):
        history(type("Empty", (), {"get_history": lambda self: []})())


def test_a_long_title_is_wrapped_never_cut() -> None:
    """Every line of a figure's title fits inside the figure, however long the edit prompt."""
    from helpers.gallery import _board

    title = "Add a small red fishing boat on the water, in front of the houses, and keep everything else as it is."
    figure = _board([Image.new("RGB", (400, 300), "red")] * 2, ["Before", "After"], title, 2)
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)
    box = figure._suptitle.get_window_extent(renderer)
    assert figure._suptitle.get_text().replace("\n", " ") == title
    assert box.x0 >= 0 and box.x1 <= figure.bbox.width and "\n" in figure._suptitle.get_text()


def test_an_interaction_and_its_stream_give_the_same_scenes_files_and_page(tmp_path: Any) -> None:
    """show, the gallery, saving and export read an Interaction and the events of its stream through one walk."""
    from google import genai

    from helpers import display, export, images
    from standin import StandinServer

    with (
        StandinServer() as server,
        genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url)) as client,
    ):
        asked = {"model": "gemini-nano-banana-2.1", "input": "Tell a story in 3 scenes, a picture each."}
        whole = client.interactions.create(**asked, response_format=[{"type": "text"}, {"type": "image"}])
        events = list(
            client.interactions.create(**asked, response_format=[{"type": "text"}, {"type": "image"}], stream=True)
        )
    assert len(scenes(whole)) == 3 and scenes(events) == scenes(whole)
    assert [kind for kind, _ in display.outputs(events)] == [kind for kind, _ in display.outputs(whole)]
    saved = images.save_images(whole, tmp_path / "whole"), images.save_images(events, tmp_path / "stream")
    assert [p.read_bytes() for p in saved[0]] == [p.read_bytes() for p in saved[1]] and len(saved[0]) == 3
    pages = export.export_story(whole, tmp_path / "a.html"), export.export_story(events, tmp_path / "b.html")
    assert pages[0].read_text() == pages[1].read_text()
