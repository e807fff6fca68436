"""Several pictures as one image output: a storyboard, a before/after pair.

Figures are drawn with matplotlib's object API on an Agg canvas (never pyplot, so nothing shows twice and no global
state changes), then encoded like every other picture here. ``scenes`` pairs each final picture of an answer with its
text; the exporter uses it too.
"""

from __future__ import annotations

import io
import re
import textwrap
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from helpers.images import encode, picture_of, to_pil
from helpers.parts import Walk, walk
from helpers.reasons import NoImageError, problems

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from PIL import Image as PILImage

#: A shown figure: at most this wide, and this many bytes (a storyboard of six stays ≤ 150 KB of notebook).
FIGURE_WIDTH = 1000
FIGURE_BYTES = 110_000
CAPTION_LINES = 5
_DRAW_SIDE = 640  # pictures are drawn from copies this large: plenty for a figure cell


def scenes(story: Any) -> list[tuple[str, bytes]]:
    """Each final picture of ``story`` with its caption: the text before it in the same turn,
    else the text right after it. ``story`` is anything ``show`` accepts (a list of responses too)."""
    answer = story if isinstance(story, Walk) else walk(story)
    parts = [p for p in answer if p.role == "model" and not p.thought and (p.text or p.is_image)]
    found: list[tuple[str, bytes]] = []
    taken: set[int] = set()  # texts already used as the caption after a picture
    for index, part in enumerate(parts):
        if not part.is_image:
            continue
        before = []
        for position in range(index - 1, -1, -1):
            earlier = parts[position]
            if earlier.is_image or earlier.turn != part.turn or position in taken:
                break
            before.insert(0, earlier.text)
        after = ""
        if not before and index + 1 < len(parts) and parts[index + 1].text and parts[index + 1].turn == part.turn:
            after = parts[index + 1].text
            taken.add(index + 1)
        found.append((" ".join(before) or after, part.data))
    return found


def storyboard(story: Any, *, title: str = "", columns: int | None = None) -> None:
    """Show every picture of a story with its caption under it as one image (rows of up to 3)."""
    answer = walk(story)  # walked once: a stream cannot be read twice
    pairs = scenes(answer)
    if not pairs:
        raise NoImageError(
            "No pictures to lay out. "
            + (" ".join(problems(answer)) or "The answer holds text only: ask for a picture in each scene.")
        )
    columns = columns or (2 if len(pairs) == 4 else 3)
    _show(_board([to_pil(data) for _, data in pairs], [caption for caption, _ in pairs], title, columns))


def before_after(before: Any, after: Any, *, labels: Sequence[str] = ("Before", "After"), title: str = "") -> None:
    """Show two pictures side by side (each a response, chat turn, Part, bytes or Pillow image)."""
    _show(_board([picture_of(before), picture_of(after)], list(labels), title, 2))


def grid(pictures: Sequence[Any], *, labels: Sequence[str] = (), title: str = "", columns: int = 4) -> None:
    """Show several pictures (answers, Parts, bytes or Pillow images) in rows, each with its label, as one image."""
    _show(_board([picture_of(p) for p in pictures], list(labels), title, columns))


def history(chat: Any, *, title: str = "The chat's pictures, in order") -> None:
    """Show every picture of a chat in order, each under the words of the turn that asked for it."""
    pictures, captions, asked = [], [], ""
    for part in walk(chat):
        if part.role == "user" and part.text:
            asked = part.text
        if part.is_image and not part.thought:
            pictures.append(to_pil(part.data))
            captions.append(f"{len(pictures)}. " + ("the picture you sent" if part.role == "user" else asked))
    if not pictures:
        raise NoImageError("The chat holds no pictures yet: send a message that asks for one first.")
    _show(_board(pictures, captions, title, min(4, len(pictures))))


def _caption(text: str, width: int) -> str:
    """Plain text (no Markdown) wrapped to ``width``, whole sentences up to CAPTION_LINES lines."""
    plain = " ".join(re.sub(r"[*_#`>]+", "", text).split())
    lines = textwrap.wrap(plain, width)
    if len(lines) <= CAPTION_LINES:
        return "\n".join(lines)
    sentences = re.split(r"(?<=[.!?])\s+", plain)
    kept = ""
    for sentence in sentences:
        if len(textwrap.wrap(f"{kept} {sentence}".strip(), width)) > CAPTION_LINES:
            break
        kept = f"{kept} {sentence}".strip()
    if not kept:  # one very long sentence: end at a word, visibly
        kept = " ".join(" ".join(lines[:CAPTION_LINES]).split()[:-1]) + " …"
    return "\n".join(textwrap.wrap(kept, width))


def _board(pictures: list[PILImage.Image], captions: list[str], title: str, columns: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = max(1, min(columns, len(pictures)))
    rows = -(-len(pictures) // columns)
    cell = 3.2  # inches
    shapes = [p.height / p.width for p in pictures]
    wrapped = [_caption(c, 46) for c in captions] + [""] * (len(pictures) - len(captions))
    lines = max((w.count("\n") + 1 for w in wrapped if w), default=0)
    row_height = cell * min(max(shapes), 1.6) + lines * 0.17 + 0.15
    # The title wrapped to the figure's width (about 8 characters an inch at 13 points), never cut.
    heading = "\n".join(textwrap.wrap(" ".join(title.split()), max(20, int(columns * cell * 8))))
    title_height = 0.12 + 0.26 * (heading.count("\n") + 1) if heading else 0
    figure = Figure(figsize=(columns * cell, rows * row_height + title_height), layout="constrained")
    FigureCanvasAgg(figure)
    if heading:
        figure.suptitle(heading, fontsize=13, fontweight="bold", parse_math=False)
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= len(pictures):
            continue
        picture = pictures[index].copy()
        picture.thumbnail((_DRAW_SIDE, _DRAW_SIDE))
        ax.imshow(picture)
        ax.set_anchor("N")
        if wrapped[index]:  # centred under the picture
            style = {"ha": "center", "va": "top", "fontsize": 9, "linespacing": 1.3, "parse_math": False}
            ax.text(0.5, -0.02, wrapped[index], transform=ax.transAxes, **style)
    return figure


def _show(figure: Figure) -> None:
    from IPython import display as ipd

    data, mime = figure_bytes(figure)
    ipd.display(ipd.Image(data=data, format=mime.split("/")[1]))


def figure_bytes(figure: Figure) -> tuple[bytes, str]:
    """A figure rendered at most FIGURE_WIDTH px wide, encoded within FIGURE_BYTES: (bytes, MIME type). Nothing reaches
    stderr (nbval compares it): matplotlib's warnings about glyphs and font caches are muted."""
    import logging

    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            buffer = io.BytesIO()
            dpi = min(110.0, FIGURE_WIDTH / figure.get_figwidth())
            figure.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    finally:
        logger.setLevel(level)
    return encode(to_pil(buffer.getvalue()), max_bytes=FIGURE_BYTES)
