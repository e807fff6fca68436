"""Several pictures as ONE image output: grids, storyboards and before/after pairs.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure`` on the Agg
canvas, never pyplot), so nothing appears on its own and no global figure state is kept.
``make_grid``, ``make_storyboard`` and ``make_before_after`` return the Figure (to adjust
or save); ``grid``, ``storyboard`` and ``before_after`` display it as one PNG (a JPEG when
the PNG would be large) and return None. ``scenes`` and ``read_story`` pair each image of
an answer with the text that came before it; ``helpers.export`` uses them too.

Images may be Pillow images, image bytes, file paths, SDK Parts/Blobs, or whole
responses (their non-thought images, in order). Rendering is deterministic: the same
input gives the same bytes (fixed style, DejaVu Sans, no software tag in the PNG).
matplotlib is imported inside the functions, so ``import helpers`` stays cheap.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from helpers.shapes import as_list as _list
from helpers.shapes import is_candidate as _is_candidate
from helpers.shapes import is_content as _is_content
from helpers.shapes import is_part as _is_part
from helpers.shapes import is_pil_image as _is_pil
from helpers.shapes import is_response as _is_response
from helpers.shapes import is_sequence as _is_iterable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from PIL import Image as PILImage

__all__ = [
    "Scene",
    "Story",
    "NoImagesError",
    "make_grid",
    "grid",
    "make_storyboard",
    "storyboard",
    "make_before_after",
    "before_after",
    "scenes",
    "read_story",
    "figure_bytes",
]

#: What a scene's picture is kept as until it is drawn: encoded bytes, a Pillow image or a file.
SceneImage = Union[bytes, "PILImage.Image", Path]

#: Widest PNG/JPEG a displayed figure may be, in pixels.
MAX_WIDTH = 800
#: Sharpest rendering used for small figures (dots per inch).
MAX_DPI = 120.0
#: A rendered PNG larger than this is displayed as a JPEG instead (keeps notebooks small).
PNG_LIMIT = 120_000
#: JPEG quality for large figures.
JPEG_QUALITY = 85
#: Longest caption drawn under a storyboard picture, in characters (longer ones end in "…").
CAPTION_CHARS = 200
#: Pictures are drawn from a copy at most this many pixels on the longer side.
DRAW_MAX_SIDE = 1024

_CAPTION_PT = 9.5
_TITLE_PT = 10.5
_LINE_IN = 1.2 / 72  # inches per point of font size, per line of text
_CAPTION_SPACING = 1.25  # line spacing of captions (room under each row is sized with it)
_CHARS_PER_IN_PER_PT = 72 / 0.6  # DejaVu Sans averages ~0.6 em per character
_ASPECT_RANGE = (0.35, 1.8)  # row heights follow the pictures' shape within these bounds

#: The style every figure here is drawn with, on top of matplotlib's built-in defaults
#: (``rcdefaults``), so a notebook's own style settings never change these figures.
_STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.size": 10.0,
    "axes.titlesize": _TITLE_PT,
    "axes.labelsize": _CAPTION_PT,
    "axes.titlepad": 4.0,
    "axes.labelpad": 5.0,
    "figure.titlesize": 13.0,
    "figure.titleweight": "bold",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "text.color": "#222222",
    "text.usetex": False,
    "figure.constrained_layout.w_pad": 0.06,
    "figure.constrained_layout.h_pad": 0.06,
    "figure.constrained_layout.wspace": 0.03,
    "figure.constrained_layout.hspace": 0.03,
}


class NoImagesError(ValueError):
    """The input holds no images to draw; the message says why and what to try."""


@dataclass(frozen=True)
class Scene:
    """One picture of a story and the text that came before it (``caption``, may be empty)."""

    caption: str
    image: SceneImage


@dataclass(frozen=True)
class Story:
    """A story read from responses: its scenes in order, trailing text, and where it came from.

    ``ending`` is the text after the last picture (all the text if there is no picture);
    ``model_versions`` lists each distinct ``model_version`` of the responses, in order;
    ``problems`` says in plain words what went wrong (blocked prompt, finish reason other
    than STOP), filled only when the story has no pictures.
    """

    scenes: list[Scene]
    ending: str = ""
    model_versions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Reading stories
# ---------------------------------------------------------------------------------------


def read_story(story: Any) -> Story:
    """Read ``story`` into scenes: each picture paired with the text since the previous one.

    ``story`` is a response from ``generate_content``/``chat.send_message``, a list of
    responses (chat turns) or stream chunks, a chat (its model turns), a Candidate or
    Content, or a list of ``(caption, image)`` tuples. Thought parts (thinking text and
    draft images) are skipped; user turns are skipped. In a list, a plain string is text
    and a Pillow image, bytes or ``pathlib.Path`` is a picture. Raises ``TypeError`` for
    anything else. A story without pictures is returned with no scenes (not an error).
    """
    reader = _StoryReader()
    reader.take(story, top=True)
    return reader.result()


def scenes(story: Any) -> list[tuple[str, PILImage.Image]]:
    """The ``(caption, image)`` pairs of a story, in order, as RGB Pillow images.

    Captions are the text that came before each picture (since the previous one), with
    surrounding whitespace removed; see ``read_story`` for what ``story`` may be. Thought
    parts are skipped. Raises ``ValueError`` if a picture cannot be decoded.
    """
    return [
        (scene.caption, _load(scene.image, max_side=8192, what=f"the picture of scene {number}"))
        for number, scene in enumerate(read_story(story).scenes, start=1)
    ]


@dataclass
class _StoryReader:
    """Walks responses, turns and parts, collecting scenes and the text between them."""

    found: list[Scene] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    new_paragraph: bool = False

    def take(self, obj: Any, *, top: bool = False) -> None:
        """Add whatever ``obj`` is to the story."""
        if obj is None:
            if top:
                raise TypeError(
                    "Got None instead of a story. Pass what generate_content or chat.send_message "
                    "returned, e.g. storyboard(response); check that the cell that called Gemini ran."
                )
            return
        if _is_response(obj):
            self.response(obj)
        elif callable(getattr(obj, "get_history", None)):
            for content in _list(obj.get_history()):
                self.content(content)
        elif _is_candidate(obj):
            self.content(getattr(obj, "content", None))
        elif _is_content(obj):
            self.content(obj)
        elif _is_part(obj):
            self.part(obj)
        elif isinstance(obj, str):
            if top:
                raise TypeError(
                    "Got a string instead of a story. Pass a response, a list of responses, or a "
                    "list of (caption, image) tuples; for an image file use pathlib.Path(...)."
                )
            self.text(obj)
        elif _is_pair(obj):
            caption, image = obj
            self.text(caption or "")
            self.picture(_picture_source(image, what="the image of a (caption, image) tuple"))
        elif _is_image_source(obj):
            self.picture(_picture_source(obj, what="an image in the story"))
        elif _is_iterable(obj):
            for item in obj:
                self.take(item)
        else:
            raise TypeError(
                "A story is a response from generate_content or chat.send_message, a list of "
                "responses or stream chunks, a chat, or a list of (caption, image) tuples; got "
                f"a {type(obj).__name__}."
            )

    def response(self, response: Any) -> None:
        """Every candidate's parts of one response (or stream chunk)."""
        self.responses.append(response)
        version = getattr(response, "model_version", None)
        if isinstance(version, str) and version.strip() and version.strip() not in self.versions:
            self.versions.append(version.strip())
        for candidate in _list(getattr(response, "candidates", None)):
            self.content(getattr(candidate, "content", None), check_role=False)
            if getattr(candidate, "finish_reason", None) is not None:
                self.new_paragraph = True  # a complete turn ended; the next text starts afresh

    def content(self, content: Any, *, check_role: bool = True) -> None:
        """The parts of one turn; a user's turn (the prompt) is skipped."""
        if content is None or (check_role and getattr(content, "role", None) == "user"):
            return
        for part in _list(getattr(content, "parts", None)):
            self.part(part)
        if check_role:
            self.new_paragraph = True

    def part(self, part: Any) -> None:
        """One part: text, a picture, or something else (ignored)."""
        if part is None or getattr(part, "thought", None) is True:
            return
        text = getattr(part, "text", None)
        if isinstance(text, str):
            self.text(text)
        data = _blob_bytes(getattr(part, "inline_data", None))
        if data is not None:
            self.picture(data)

    def text(self, text: str) -> None:
        """Text that will caption the next picture (or end the story)."""
        if not text:
            return
        if self.new_paragraph and "".join(self.pending).strip():
            self.pending.append("\n\n")
        self.new_paragraph = False
        self.pending.append(text)

    def picture(self, image: SceneImage) -> None:
        """A picture: it takes the pending text as its caption."""
        self.found.append(Scene(caption="".join(self.pending).strip(), image=image))
        self.pending = []
        self.new_paragraph = False

    def result(self) -> Story:
        """The story read so far."""
        problems: list[str] = []
        if not self.found and self.responses:
            from helpers.display import describe_problems

            problems = describe_problems(self.responses)
        return Story(
            scenes=list(self.found),
            ending="".join(self.pending).strip(),
            model_versions=list(self.versions),
            problems=problems,
        )


# ---------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------


def make_grid(
    images: Any,
    titles: Sequence[str | None] | None = None,
    cols: int = 3,
    size: float = 3.0,
) -> Figure:
    """A Figure with the images in a grid, ``cols`` to a row, each cell ``size`` inches wide.

    ``images`` is a list of Pillow images, image bytes, file paths, SDK Parts, or responses
    (each adds its non-thought images, in order); one response or image works too.
    ``titles`` (optional) gives one title per image, in the same order. Rows are added as
    needed; when there are fewer images than ``cols``, the grid is as wide as the images.
    Axes are off and unused cells are hidden. Raises ``NoImagesError`` (a ``ValueError``)
    when there is nothing to draw and ``ValueError`` when the titles do not match.
    """
    cols = _check_count(cols, "cols", "make_grid(images, cols=3)")
    size = _check_size(size, "make_grid(images, size=3.0)")
    sources = _grid_sources(images)
    if not sources:
        raise NoImagesError(
            "No images to put in a grid: the input holds no pictures. If it is a response, "
            "show(response) says why (e.g. a finish reason such as NO_IMAGE)."
        )
    labels = _check_labels(titles, len(sources), "titles", "image", "make_grid(images, titles=[...])")
    with _style():
        pictures = [_load(source, DRAW_MAX_SIDE, f"image {n}") for n, source in enumerate(sources, 1)]
        cols = min(cols, len(pictures))
        rows = math.ceil(len(pictures) / cols)
        chars = _chars_per_line(size, _TITLE_PT)
        wrapped = [_wrap(_drawable(_plain(label)), chars, max_lines=2) for label in labels]
        heights, rooms = [], []
        for row in range(rows):
            cells = range(row * cols, min((row + 1) * cols, len(pictures)))
            lines = max((_lines(wrapped[i]) for i in cells), default=0)
            rooms.append((lines * _TITLE_PT * _LINE_IN + 0.1) if lines else 0.0)
            heights.append(_picture_width(size) * _row_aspect([pictures[i] for i in cells]))
        figure = _new_figure(cols * size, sum(heights) + sum(rooms))
        axes = figure.subplots(rows, cols, squeeze=False, gridspec_kw={"height_ratios": heights})
        for index, ax in enumerate(axes.flat):
            if index >= len(pictures):
                ax.set_visible(False)
                continue
            ax.imshow(pictures[index])
            ax.set_axis_off()
            ax.set_anchor("N")
            if wrapped[index]:
                ax.set_title(wrapped[index], parse_math=False)
    return figure


def make_storyboard(
    story: Any,
    captions: Sequence[str | None] | None = None,
    cols: int = 2,
    size: float = 3.2,
    title: str | None = None,
) -> Figure:
    """A Figure with a story's pictures in order, each with its caption underneath.

    ``story`` is a response, a list of responses or stream chunks (e.g. chat turns), a
    chat, or a list of ``(caption, image)`` tuples (see ``read_story``). From a response,
    each picture is captioned with the text that came before it; ``captions`` replaces
    them (one per picture). Captions are wrapped to the picture's width and cut at about
    200 characters with "…"; simple Markdown (``**bold**``, headings) is shown as plain
    text. ``title`` goes on top. Raises ``NoImagesError`` (a ``ValueError``) when the
    story has no pictures.
    """
    cols = _check_count(cols, "cols", "make_storyboard(response, cols=2)")
    size = _check_size(size, "make_storyboard(response, size=3.2)")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be text, e.g. title='The lighthouse'; got {type(title).__name__}.")
    read = read_story(story)
    if not read.scenes:
        raise NoImagesError(_no_pictures_message(read))
    texts = [scene.caption for scene in read.scenes]
    if captions is not None:
        texts = _check_labels(captions, len(read.scenes), "captions", "picture", "make_storyboard(response, captions=[...])")
    with _style():
        pictures = [
            _load(scene.image, DRAW_MAX_SIDE, f"the picture of scene {n}")
            for n, scene in enumerate(read.scenes, start=1)
        ]
        cols = min(cols, len(pictures))
        rows = math.ceil(len(pictures) / cols)
        chars = _chars_per_line(size, _CAPTION_PT)
        wrapped = [_wrap(_trim(_drawable(_plain(text))), chars) for text in texts]
        heights, rooms = [], []
        for row in range(rows):
            cells = range(row * cols, min((row + 1) * cols, len(pictures)))
            lines = max((_lines(wrapped[i]) for i in cells), default=0)
            rooms.append((lines * _CAPTION_PT * _LINE_IN * _CAPTION_SPACING + 0.2) if lines else 0.05)
            heights.append(_picture_width(size) * _row_aspect([pictures[i] for i in cells]))
        title_text = _wrap(_drawable(_plain(title or "")), _chars_per_line(cols * size, 13.0), max_lines=2)
        title_room = (_lines(title_text) * 13.0 * _LINE_IN + 0.15) if title_text else 0.0
        figure = _new_figure(cols * size, sum(heights) + sum(rooms) + title_room)
        axes = figure.subplots(rows, cols, squeeze=False, gridspec_kw={"height_ratios": heights})
        for index, ax in enumerate(axes.flat):
            if index >= len(pictures):
                ax.set_visible(False)
                continue
            _picture_with_label(ax, pictures[index], wrapped[index])
        if title_text:
            figure.suptitle(title_text, parse_math=False)
    return figure


def make_before_after(
    before: Any,
    after: Any,
    labels: tuple[str, str] = ("Before", "After"),
    size: float = 4.0,
) -> Figure:
    """A Figure with two pictures side by side, titled with ``labels``.

    ``before`` and ``after`` are each a Pillow image, image bytes, a file path, an SDK
    Part, or a response (its first non-thought image), e.g. the photo you sent and the
    edited answer. Each picture gets ``size`` inches of width. Raises ``NoImagesError``
    (a ``ValueError``) if either holds no picture.
    """
    size = _check_size(size, "make_before_after(before, after, size=4.0)")
    if (
        not isinstance(labels, (tuple, list))
        or len(labels) != 2
        or not all(label is None or isinstance(label, str) for label in labels)
    ):
        raise ValueError(
            f"labels must be two strings, e.g. labels=('Photo', 'Edited'); got {labels!r}."
        )
    sources = []
    for name, value in (("before", before), ("after", after)):
        found = _grid_sources(value, name=name)
        if not found:
            raise NoImagesError(
                f"The {name!r} side holds no picture. Pass an image, or a response that contains "
                "one; show(response) says why a response has none (e.g. NO_IMAGE)."
            )
        sources.append(found[0])
    with _style():
        pictures = [_load(source, DRAW_MAX_SIDE, f"the {name!r} picture") for source, name in zip(sources, ("before", "after"))]
        chars = _chars_per_line(size, _TITLE_PT)
        wrapped = [_wrap(_drawable(_plain(label or "")), chars, max_lines=2) for label in labels]
        lines = max(_lines(text) for text in wrapped)
        title_room = (lines * _TITLE_PT * _LINE_IN + 0.1) if lines else 0.0
        figure = _new_figure(2 * size, _picture_width(size) * _row_aspect(pictures) + title_room)
        for ax, picture, label in zip(figure.subplots(1, 2, squeeze=True), pictures, wrapped):
            ax.imshow(picture)
            ax.set_axis_off()
            if label:
                ax.set_title(label, parse_math=False)
    return figure


# ---------------------------------------------------------------------------------------
# Displayers
# ---------------------------------------------------------------------------------------


def grid(
    images: Any,
    titles: Sequence[str | None] | None = None,
    cols: int = 3,
    size: float = 3.0,
) -> None:
    """Display images in a grid as one image output (see ``make_grid``).

    When there are no images, a sentence saying so is displayed instead.
    """
    try:
        figure = make_grid(images, titles=titles, cols=cols, size=size)
    except NoImagesError as error:
        _say(f"⚠️ {error}")
        return
    _display_figure(figure)


def storyboard(
    story: Any,
    captions: Sequence[str | None] | None = None,
    cols: int = 2,
    size: float = 3.2,
    title: str | None = None,
) -> None:
    """Display a story's pictures with their captions as one image output (see ``make_storyboard``).

    When the story has no pictures, a sentence saying why (and what to try) is displayed
    instead.
    """
    try:
        figure = make_storyboard(story, captions=captions, cols=cols, size=size, title=title)
    except NoImagesError as error:
        _say(f"⚠️ {error}")
        return
    _display_figure(figure)


def before_after(
    before: Any,
    after: Any,
    labels: tuple[str, str] = ("Before", "After"),
    size: float = 4.0,
) -> None:
    """Display two pictures side by side as one image output (see ``make_before_after``)."""
    try:
        figure = make_before_after(before, after, labels=labels, size=size)
    except NoImagesError as error:
        _say(f"⚠️ {error}")
        return
    _display_figure(figure)


def figure_bytes(figure: Figure, max_width: int = MAX_WIDTH) -> tuple[bytes, str]:
    """Render ``figure`` for display: ``(bytes, "png" or "jpeg")``, at most ``max_width`` px wide.

    The resolution is at most 120 dpi and lower for wide figures (the figure's dpi is set
    to it). The PNG carries no
    software tag, so the same figure gives the same bytes; a PNG over PNG_LIMIT (photos) is
    re-encoded as a JPEG (quality 85, stepping down to 55 until it fits) to keep notebooks small.
    """
    if isinstance(max_width, bool) or not isinstance(max_width, int) or max_width < 50:
        raise ValueError(f"max_width must be a whole number of pixels (50 or more); got {max_width!r}.")
    from PIL import Image

    dpi = min(MAX_DPI, (max_width - 0.5) / max(figure.get_figwidth(), 0.01))
    buffer = io.BytesIO()
    with _style():
        figure.set_dpi(dpi)
        figure.draw_without_rendering()  # constrained layout settles on a second pass
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    png = buffer.getvalue()
    if len(png) <= PNG_LIMIT:
        return png, "png"
    with Image.open(io.BytesIO(png)) as rendered:
        rgb = rendered.convert("RGB")
    for quality in (JPEG_QUALITY, 75, 65, 55):  # keep a storyboard near PNG_LIMIT: notebooks stay small
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= PNG_LIMIT:
            break
    return out.getvalue(), "jpeg"


def _display_figure(figure: Figure) -> None:
    """Show a figure as one image output (IPython resolved at call time, for tests)."""
    from IPython import display as ipd

    data, fmt = figure_bytes(figure)
    figure.clear()
    ipd.display(ipd.Image(data=data, format=fmt))


def _say(markdown: str) -> None:
    """Display one Markdown output."""
    from IPython import display as ipd

    ipd.display(ipd.Markdown(markdown))


# ---------------------------------------------------------------------------------------
# Drawing helpers
# ---------------------------------------------------------------------------------------


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence warnings and matplotlib's logger (it would print through Python's last resort).

    Nothing may reach stderr: nbval compares it, and matplotlib warns about missing
    glyphs, font cache building and the like.
    """
    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib's defaults plus this module's style, quietly (see ``_quiet``)."""
    with _quiet():
        import matplotlib

        with matplotlib.rc_context():
            matplotlib.rcdefaults()
            matplotlib.rcParams.update(_STYLE)
            matplotlib.rcParams["font.sans-serif"] = list(_fonts()[0])
            yield


def _new_figure(width: float, height: float) -> Figure:
    """A Figure with constrained layout on its own Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _picture_with_label(ax: Axes, picture: PILImage.Image, label: str) -> None:
    """Draw a picture with its caption underneath (as the x label, so layout makes room)."""
    ax.imshow(picture)
    ax.set_anchor("N")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if label:
        ax.set_xlabel(label, parse_math=False, linespacing=_CAPTION_SPACING)


def _picture_width(size: float) -> float:
    """How wide a picture in a cell ``size`` inches wide is drawn (the layout's padding aside)."""
    return max(size - 0.14, 0.3)


def _row_aspect(pictures: list[PILImage.Image]) -> float:
    """Height/width of the tallest picture in a row, within sensible bounds."""
    aspect = max(picture.height / max(picture.width, 1) for picture in pictures)
    return min(max(aspect, _ASPECT_RANGE[0]), _ASPECT_RANGE[1])


def _chars_per_line(width_in: float, points: float) -> int:
    """About how many characters of text fit across ``width_in`` inches."""
    return max(12, int(width_in * _CHARS_PER_IN_PER_PT / points))


def _plain(text: str) -> str:
    """Text with simple Markdown removed (headings, bold, code marks), whitespace collapsed."""
    text = re.sub(r"(?m)^\s{0,3}#{1,6}\s+", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text, flags=re.S)
    text = text.replace("`", "")
    return " ".join(text.split())


#: Fonts used after DejaVu Sans (bundled with matplotlib) for scripts it lacks, if installed.
_FALLBACK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Noto Sans JP",
    "Noto Sans SC",
    "Noto Sans KR",
    "Noto Sans Arabic",
    "Noto Sans Devanagari",
    "Noto Sans Hebrew",
    "Noto Sans Thai",
)


@lru_cache(maxsize=1)
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """The font families to draw text with, and every character they can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    families = ("DejaVu Sans",) + tuple(name for name in _FALLBACK_FONTS if name in installed)
    covered: set[int] = set()
    for family in families:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
            covered.update(FT2Font(path).get_charmap())
        except Exception:  # an unreadable font file: draw without it
            continue
    return families, frozenset(covered)


def _drawable(text: str) -> str:
    """``text`` without characters the fonts lack (emoji, unsupported scripts would be boxes)."""
    if not text:
        return text
    with _quiet():
        covered = _fonts()[1]
    kept = "".join(char for char in text if ord(char) in covered or char.isspace())
    kept = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(kept.split()))
    if any(char.isalnum() for char in text) and not any(char.isalnum() for char in kept):
        return "(text in a script the installed fonts cannot draw)"
    return kept


def _trim(text: str, limit: int = CAPTION_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ending in "…"."""
    if len(text) <= limit:
        return text
    short = textwrap.shorten(text, width=limit, placeholder="…")
    if short == "…":  # one very long word
        short = text[: limit - 1] + "…"
    return short


def _wrap(text: str, width: int, max_lines: int | None = None) -> str:
    """``text`` wrapped to lines of at most ``width`` characters (at most ``max_lines``)."""
    if not text:
        return ""
    return textwrap.fill(text, width=width, max_lines=max_lines, placeholder="…")


def _lines(text: str) -> int:
    """Number of lines in wrapped text (0 for none)."""
    return text.count("\n") + 1 if text else 0


def _no_pictures_message(read: Story) -> str:
    """Why a story has no pictures, and what to try."""
    if read.problems:
        return "No pictures for a storyboard. " + " ".join(read.problems)
    if read.ending:
        return (
            "No pictures for a storyboard: the answer has text but no images. Ask for the "
            "pictures explicitly (e.g. “draw one image for each scene”) and check that the "
            "config's response_modalities includes IMAGE."
        )
    return (
        "No pictures for a storyboard: the story is empty. Pass the response of a call that "
        "returned images, e.g. storyboard(response)."
    )


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


def _grid_sources(images: Any, name: str = "images") -> list[SceneImage]:
    """Every picture in ``images`` (one item or a list of them), in order."""
    if images is None:
        raise TypeError(
            f"{name} is None. Pass images (Pillow images, bytes, file paths, Parts) or a response, "
            "e.g. grid([image1, image2]) or grid(response)."
        )
    items = [images] if _is_single(images) else _as_list(images, name)
    sources: list[SceneImage] = []
    for position, item in enumerate(items):
        what = name if items == [images] else f"{name}[{position}]"
        if item is None:
            raise TypeError(f"{what} is None; pass an image (or leave it out of the list).")
        if _is_part(item):
            data = None if getattr(item, "thought", None) is True else _blob_bytes(getattr(item, "inline_data", None))
            if data is None:
                raise ValueError(
                    f"{what} is a Part without a picture (e.g. text or a thought). Pass image "
                    "parts only, or the whole response to take all of its pictures."
                )
            sources.append(data)
        elif isinstance(item, str) or _is_image_source(item):
            sources.append(_picture_source(item, what=what))
        elif _is_response(item) or _is_candidate(item) or _is_content(item) or callable(getattr(item, "get_history", None)):
            sources.extend(scene.image for scene in read_story(item).scenes)
        else:
            raise TypeError(
                f"{what} is a {type(item).__name__}, not an image. Pass Pillow images, image bytes, "
                "file paths, image Parts, or responses."
            )
    return sources


def _as_list(images: Any, name: str) -> list[Any]:
    """``images`` as a list, or a clear error if it is not a collection of images."""
    if _is_iterable(images):
        return list(images)
    raise TypeError(
        f"{name} must be an image, a response, or a list of them; got a {type(images).__name__}."
    )


def _picture_source(image: Any, *, what: str) -> SceneImage:
    """A picture as bytes, a Pillow image or a Path (loaded when drawn)."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return bytes(image)
    if isinstance(image, (str, os.PathLike)):
        return Path(os.fsdecode(image))
    if _is_pil(image):
        return image
    if _is_part(image):
        data = _blob_bytes(getattr(image, "inline_data", None))
        if data is not None:
            return data
    else:
        data = _blob_bytes(image) or _sdk_image_bytes(image)
        if data is not None:
            return data
    raise TypeError(
        f"{what} is a {type(image).__name__} without picture data. Pass a Pillow image, image "
        "bytes, a file path, or an image Part."
    )


def _load(source: SceneImage, max_side: int, what: str) -> PILImage.Image:
    """Open a picture as an RGB Pillow image, turning failures into a clear ValueError."""
    from helpers.images import load_image

    try:
        return load_image(source, max_side=max_side)
    except FileNotFoundError:
        raise
    except (ValueError, TypeError) as error:
        raise ValueError(f"{what[:1].upper()}{what[1:]} cannot be drawn: {error}") from None


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def _blob_bytes(blob: Any) -> bytes | None:
    """The bytes of an inline image Blob, or None if it is not a picture."""
    if blob is None:
        return None
    data = getattr(blob, "data", None)
    if not isinstance(data, (bytes, bytearray)) or not data:
        return None
    mime = getattr(blob, "mime_type", None)
    clean = mime.split(";")[0].strip().lower() if isinstance(mime, str) else ""
    raw = bytes(data)
    looks_like_image = raw.startswith(_IMAGE_MAGIC) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP")
    if clean.startswith("image/") or (clean in ("", "application/octet-stream") and looks_like_image):
        return raw
    return None


def _sdk_image_bytes(image: Any) -> bytes | None:
    """The bytes of a ``google.genai.types.Image`` (e.g. from ``part.as_image()``), if any."""
    data = getattr(image, "image_bytes", None)
    return bytes(data) if isinstance(data, (bytes, bytearray)) and data else None




def _is_image_source(obj: Any) -> bool:
    """True for anything that is one picture by itself."""
    return (
        isinstance(obj, (bytes, bytearray, memoryview, os.PathLike))
        or _is_pil(obj)
        or (hasattr(obj, "data") and hasattr(obj, "mime_type") and not _is_part(obj))
        or _sdk_image_bytes(obj) is not None
    )


def _is_single(obj: Any) -> bool:
    """True for one image or one response-like object (not a list of them)."""
    return (
        isinstance(obj, str)
        or _is_image_source(obj)
        or _is_part(obj)
        or _is_response(obj)
        or _is_candidate(obj)
        or _is_content(obj)
        or callable(getattr(obj, "get_history", None))
    )


def _is_pair(obj: Any) -> bool:
    """True for a ``(caption, image)`` tuple (the image may be a path given as a string)."""
    return isinstance(obj, tuple) and len(obj) == 2 and (obj[0] is None or isinstance(obj[0], str))














def _check_count(value: Any, name: str, example: str) -> int:
    """A whole number of at least 1, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more, e.g. {example}; got {value!r}.")
    return value


def _check_size(value: Any, example: str) -> float:
    """A panel size in inches between 0.5 and 20, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= value <= 20:
        raise ValueError(
            f"size is the width of each picture in inches, a number from 0.5 to 20, e.g. {example}; "
            f"got {value!r}."
        )
    return float(value)


def _check_labels(
    labels: Sequence[str | None] | None, count: int, name: str, noun: str, example: str
) -> list[str]:
    """One text per picture (``""`` for None), or a clear error."""
    if labels is None:
        return [""] * count
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"{name} must be a list of strings, one per {noun}, e.g. {example}.")
    if len(labels) != count:
        raise ValueError(
            f"Got {len(labels)} {name} for {count} {noun}{'s' if count != 1 else ''}: pass exactly "
            f"one per {noun}, in the same order (None for none), or leave {name} out."
        )
    texts = []
    for position, label in enumerate(labels):
        if label is not None and not isinstance(label, str):
            raise TypeError(f"{name}[{position}] is a {type(label).__name__}; each must be a string or None.")
        texts.append(label or "")
    return texts
