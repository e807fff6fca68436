"""Save a story, its pictures with their captions, as one self-contained HTML page.

The page opens anywhere, offline: inline CSS, pictures embedded as ``data:`` URIs (through the one encoder), every
caption escaped. It is named by its content, like ``save_images``: export the same story again and you get the same
file, not a pile of copies.
"""

from __future__ import annotations

import base64
import html
import os
import re
from pathlib import Path
from typing import Any

from helpers.gallery import scenes
from helpers.images import encode, to_pil, write_by_content
from helpers.reasons import NoImageError

PICTURE_SIDE = 720
PICTURE_BYTES = 90_000

_CSS = """
body { margin: 0; background: #f6f5f2; color: #222; font: 17px/1.55 Georgia, serif; }
main { max-width: 720px; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font: 600 1.9rem/1.25 system-ui, sans-serif; }
figure { margin: 0 0 2.25rem; }
img { display: block; width: 100%; height: auto; border-radius: 6px; }
figcaption { margin-top: 0.6rem; }
footer { margin-top: 2.5rem; border-top: 1px solid #ccc; color: #666; font: 0.85rem system-ui, sans-serif; }
""".strip()


def export_story(story: Any, path: str | os.PathLike[str], *, title: str = "A story from Gemini") -> Path:
    """Write ``story`` (anything ``storyboard`` accepts) as an HTML page; returns the file written.

    ``path`` names the folder and the start of the file name: ``outputs/pip.html`` writes
    ``outputs/pip-<8 hex digits>.html``, the digits taken from the page's content."""
    pairs = scenes(story)
    if not pairs:
        raise NoImageError("The story has no pictures to export; show(...) it to see why.")
    figures = []
    for number, (caption, data) in enumerate(pairs, start=1):
        shown, mime = encode(to_pil(data), max_side=PICTURE_SIDE, max_bytes=PICTURE_BYTES)
        uri = f"data:{mime};base64,{base64.b64encode(shown).decode('ascii')}"
        text = html.escape(caption)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text).replace("\n", "<br>")
        figures.append(f'<figure><img src="{uri}" alt="Scene {number}"><figcaption>{text}</figcaption></figure>')
    heading = html.escape(title)
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{heading}</title>\n'
        f"<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n<h1>{heading}</h1>\n"
        + "\n".join(figures)
        + "\n<footer>Exported with helpers.export_story; pictures downscaled for sharing.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )
    target = Path(path)
    return write_by_content(target.parent, target.stem, "html", page.encode("utf-8"))
