"""Save a story (pictures with their captions) as one self-contained HTML file.

``export_story`` writes a page that opens anywhere, offline: CSS inline, pictures embedded
as ``data:`` URIs (downscaled, JPEG for photos and PNG for drawings), every caption
HTML-escaped. It never overwrites a file. The scenes come from ``helpers.gallery.read_story``,
so the page shows the same pairing of text and pictures as ``helpers.storyboard``.

Pillow is imported inside the functions (through ``helpers.display``), so ``import helpers``
stays cheap.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["export_story"]

#: A style that reads well on screens and prints cleanly; no external fonts or files.
_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #f6f5f2; color: #222; font: 17px/1.55 Georgia, "Times New Roman", serif; }
main { max-width: 720px; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font: 600 1.9rem/1.25 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 0 1.5rem; }
figure { margin: 0 0 2.25rem; }
figure img { display: block; width: 100%; height: auto; border-radius: 6px; background: #ddd; }
figcaption { margin-top: 0.6rem; }
figcaption p, .ending p { margin: 0 0 0.6rem; }
.number { font: 600 0.8rem system-ui, sans-serif; color: #777; letter-spacing: 0.04em; }
footer { margin-top: 2.5rem; padding-top: 1rem; border-top: 1px solid #ccc; color: #666;
  font: 0.85rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
@media print { body { background: #fff; } figure { break-inside: avoid; } }
""".strip()


def export_story(
    story: Any,
    path: str | os.PathLike[str],
    *,
    title: str = "A story from Gemini",
    max_side: int = 640,
) -> Path:
    """Write ``story`` as a self-contained HTML page at ``path`` and return the path written.

    ``story`` is what ``helpers.storyboard`` accepts: a response, a list of responses or
    stream chunks (e.g. chat turns), a chat, or a list of ``(caption, image)`` tuples. Each
    picture is shown with the text that came before it; text after the last picture ends
    the page. Pictures are embedded downscaled so their longer side is at most
    ``max_side`` pixels. A footer names the model version when the responses carry one
    (e.g. ``gemini-3.1-flash-image (stand-in)``).

    ``.html`` is added to ``path`` if it has no ``.html``/``.htm`` ending; missing folders
    are created. An existing file is never overwritten: the page goes to ``name (2).html``,
    ``name (3).html`` … instead. Raises ``ValueError`` when the story has no pictures.
    """
    from helpers.gallery import NoImagesError, read_story

    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 16:
        raise ValueError(
            f"max_side must be a whole number of pixels (16 or more), e.g. max_side=640; got {max_side!r}."
        )
    if not isinstance(title, str):
        raise TypeError(f"title must be text, e.g. title='The lighthouse'; got {type(title).__name__}.")
    target = _target(path)
    story_read = read_story(story)
    if not story_read.scenes:
        reason = " ".join(story_read.problems) or (
            "The story has text but no images. Ask Gemini for the pictures explicitly and check "
            "that response_modalities includes IMAGE."
            if story_read.ending
            else "The story is empty."
        )
        raise NoImagesError(f"Nothing to export: there are no pictures. {reason}")
    figures = []
    for number, scene in enumerate(story_read.scenes, start=1):
        data, fmt = _embedded(scene.image, max_side, number)
        figures.append(_figure(number, scene.caption, data, fmt))
    page = _page(title, figures, story_read.ending, story_read.model_versions)
    return _write_new(target, page)


def _target(path: str | os.PathLike[str]) -> Path:
    """The file to write, with ``.html`` added if needed, or a clear error."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a file name (str or pathlib.Path), e.g. 'outputs/story.html'; got {type(path).__name__}."
        )
    target = Path(os.fsdecode(path)).expanduser()
    if not target.name or not str(path).strip():
        raise ValueError("path is empty. Pass a file name, e.g. export_story(response, 'outputs/story.html').")
    if target.is_dir():
        raise IsADirectoryError(
            f"{str(target)!r} is a folder. Pass a file name inside it, e.g. {str(target / 'story.html')!r}."
        )
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_name(target.name + ".html")
    return target


def _embedded(image: Any, max_side: int, number: int) -> tuple[bytes, str]:
    """A scene's picture re-encoded for the page: ``(bytes, "png" or "jpeg")``."""
    from helpers.display import display_bytes

    try:
        if isinstance(image, bytes):
            return display_bytes(image, max_side)
        from helpers.images import load_image

        buffer = io.BytesIO()
        load_image(image, max_side=max_side).save(buffer, format="PNG")
        return display_bytes(buffer.getvalue(), max_side)
    except FileNotFoundError:
        raise
    except (ValueError, TypeError) as error:
        raise ValueError(f"The picture of scene {number} cannot be exported: {error}") from None


def _paragraphs(text: str) -> str:
    """Escaped text as ``<p>`` paragraphs (blank lines split them), ``**bold**`` kept bold."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    out = []
    for block in blocks:
        escaped = html.escape(block, quote=True)
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped, flags=re.S)
        escaped = escaped.replace("\n", "<br>\n")
        out.append(f"<p>{escaped}</p>")
    return "\n".join(out)


def _figure(number: int, caption: str, data: bytes, fmt: str) -> str:
    """One scene: the picture as a data URI, then its caption."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as shown:
        width, height = shown.size
    alt_text = " ".join(re.sub(r"[*_#`]", "", caption).split())
    alt_text = f"Scene {number}" + (f": {alt_text[:150]}{'…' if len(alt_text) > 150 else ''}" if alt_text else "")
    uri = f"data:image/{fmt};base64,{base64.b64encode(data).decode('ascii')}"
    caption_html = _paragraphs(caption)
    return (
        f'<figure id="scene-{number}">\n'
        f'<img src="{uri}" alt="{html.escape(alt_text, quote=True)}" width="{width}" height="{height}">\n'
        f'<figcaption><div class="number">SCENE {number}</div>\n{caption_html}</figcaption>\n'
        "</figure>"
    )


def _page(title: str, figures: list[str], ending: str, versions: list[str]) -> str:
    """The whole HTML document."""
    heading = html.escape(title.strip() or "A story from Gemini")
    ending_html = f'<section class="ending">\n{_paragraphs(ending)}\n</section>\n' if ending else ""
    if versions:
        names = ", ".join(f"<code>{html.escape(version)}</code>" for version in versions)
        made = f"Text and pictures by {names}. "
    else:
        made = ""
    footer = (
        f"<footer>{made}Exported with <code>helpers.export_story</code>; pictures downscaled "
        "for sharing.</footer>"
    )
    body = "\n".join(figures)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{heading}</h1>\n{body}\n{ending_html}{footer}\n</main>\n</body>\n</html>\n"
    )


def _write_new(target: Path, text: str) -> Path:
    """Write ``text`` to ``target``, or ``name (2).html``, ``name (3).html`` … if it exists."""
    from helpers.images import write_new

    if target.parent.exists() and not target.parent.is_dir():
        raise NotADirectoryError(f"{str(target.parent)!r} is a file, not a folder. Choose another path.")
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_new(target.parent, target.stem, target.suffix.lstrip("."), text.encode("utf-8"))
