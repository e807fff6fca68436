"""Tests for helpers.export: a story as one self-contained HTML file."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
from google.genai import types
from PIL import Image

from helpers.export import export_story
from tests.support import encode, photo_like

pytestmark = pytest.mark.usefixtures("quiet")

RED, BLUE = (200, 40, 40), (40, 90, 200)






def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    """A tiny solid-colour PNG."""
    return encode(Image.new("RGB", size, color))




def response(*parts: types.Part, finish: str = "STOP", version: str | None = None) -> types.GenerateContentResponse:
    """A one-candidate model response."""
    return types.GenerateContentResponse(
        candidates=[types.Candidate(content=types.Content(role="model", parts=list(parts)), finish_reason=finish)],
        model_version=version,
    )


def picture(data: bytes, **extra: Any) -> types.Part:
    """An inline PNG part."""
    return types.Part(inline_data=types.Blob(mime_type="image/png", data=data), **extra)


def story() -> types.GenerateContentResponse:
    """Two scenes with awkward captions, a thought, and text after the last picture."""
    return response(
        types.Part(text="Scene 1: <b>bold</b> & \"quoted\" café 猫"),
        picture(png(RED)),
        types.Part(text="secret planning", thought=True),
        types.Part(text="**Scene 2:** <script>alert(1)</script>"),
        picture(png(BLUE)),
        types.Part(text="The end <i>really</i>."),
        version="gemini-3.1-flash-image (stand-in)",
    )


def images_in(page: str) -> list[bytes]:
    """The decoded bytes of every <img> in the page."""
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert all(src.startswith("data:image/") for src in sources)
    return [base64.b64decode(src.split(",", 1)[1]) for src in sources]


def test_page_is_self_contained_with_escaped_captions(tmp_path: Path) -> None:
    path = export_story(story(), tmp_path / "story.html", title="Fox & <friends>")
    page = path.read_text(encoding="utf-8")
    assert path == tmp_path / "story.html"
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<title>Fox &amp; &lt;friends&gt;</title>" in page
    assert "Scene 1: &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; café 猫" in page
    assert "<b>bold" not in page and "<script>" not in page and "&lt;script&gt;" in page
    assert "<strong>Scene 2:</strong>" in page  # **bold** is kept as bold, safely
    assert "secret planning" not in page
    assert page.index("scene-1") < page.index("scene-2") < page.index("The end &lt;i&gt;really")
    assert "gemini-3.1-flash-image (stand-in)" in page.split("<footer>")[1]
    decoded = images_in(page)
    assert page.count("data:image/") == 2 and len(decoded) == 2
    assert [Image.open(io.BytesIO(d)).convert("RGB").getpixel((3, 3)) for d in decoded] == [RED, BLUE]
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_never_overwrites(tmp_path: Path) -> None:
    first = export_story(story(), tmp_path / "out" / "story.html")
    before = first.read_bytes()
    second = export_story(story(), tmp_path / "out" / "story.html")
    third = export_story(story(), tmp_path / "out" / "story.html")
    assert first.name == "story.html" and second.name == "story (2).html" and third.name == "story (3).html"
    assert first.read_bytes() == before == second.read_bytes()


def test_html_suffix_is_added_and_folders_are_checked(tmp_path: Path) -> None:
    assert export_story(story(), str(tmp_path / "deep" / "tale")).name == "tale.html"
    with pytest.raises(IsADirectoryError, match="is a folder. Pass a file name inside it"):
        export_story(story(), tmp_path)
    with pytest.raises(TypeError, match="path must be a file name"):
        export_story(story(), 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_side must be a whole number"):
        export_story(story(), tmp_path / "x.html", max_side=0)


def test_no_pictures_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Nothing to export: there are no pictures.*text but no images"):
        export_story(response(types.Part(text="Only words.")), tmp_path / "s.html")
    with pytest.raises(ValueError, match="NO_IMAGE"):
        export_story(response(types.Part(text="No."), finish="NO_IMAGE"), tmp_path / "s.html")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_pairs_and_pil_images_without_model_version(tmp_path: Path) -> None:
    pairs = [("A red one", Image.new("RGBA", (900, 300), (*RED, 255))), ("A blue one", png(BLUE))]
    page = export_story(pairs, tmp_path / "p.html", max_side=300).read_text(encoding="utf-8")
    widths = [Image.open(io.BytesIO(d)).size for d in images_in(page)]
    assert widths == [(300, 100), (64, 48)]
    assert 'width="300" height="100"' in page
    assert "Text and pictures by" not in page


def test_photo_size_is_reasonable(tmp_path: Path) -> None:
    photos = [photo_like() for _ in range(2)]
    parts = [part for data in photos for part in (types.Part(text="A photo."), picture(data))]
    path = export_story(response(*parts), tmp_path / "photos.html")
    assert path.stat().st_size < 2 * 60_000
    for decoded in images_in(path.read_text(encoding="utf-8")):
        assert max(Image.open(io.BytesIO(decoded)).size) == 640
