"""Tests for helpers.export: a story as one self-contained HTML page."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from helpers.export import PICTURE_BYTES, PICTURE_SIDE, export_story
from helpers.reasons import NoImageError
from tests.support import noisy_photo, png, response, to_bytes

pytestmark = pytest.mark.usefixtures("quiet")

URI = re.compile(r'<img src="data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)" alt="Scene (\d)">')


def story() -> list:
    return [
        response("Pip wakes up. <script>alert('hi')</script> & **smiles**", to_bytes(noisy_photo(1024))),
        response(png("green"), 'Pip "eats" breakfast.'),
    ]


def test_a_story_is_one_html_page_with_its_pictures_inside(tmp_path: Path) -> None:
    path = export_story(story(), tmp_path / "out" / "pip.html", title="Pip & <friends>")
    assert re.fullmatch(r"pip-[0-9a-f]{8}\.html", path.name) and list(path.parent.iterdir()) == [path]
    page = path.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp;" in page
    assert "<strong>smiles</strong>" in page and "Pip &quot;eats&quot; breakfast." in page
    assert "<h1>Pip &amp; &lt;friends&gt;</h1>" in page and "http" not in page  # nothing to fetch
    found = URI.findall(page)
    assert [(mime, number) for mime, _, number in found] == [("image/jpeg", "1"), ("image/png", "2")]
    for _, data, _ in found:
        picture = base64.b64decode(data)
        assert len(picture) <= PICTURE_BYTES and max(Image.open(io.BytesIO(picture)).size) <= PICTURE_SIDE


def test_the_same_story_exported_twice_is_the_same_file(tmp_path: Path) -> None:
    pip = story()
    first = export_story(pip, tmp_path / "pip.html")
    again = export_story(pip, tmp_path / "pip.html")
    assert first == again and list(tmp_path.iterdir()) == [first]
    other = export_story(pip, tmp_path / "pip.html", title="Another title")
    assert other != first and len(list(tmp_path.iterdir())) == 2


def test_a_story_without_pictures_cannot_be_exported(tmp_path: Path) -> None:
    with pytest.raises(NoImageError, match="no pictures to export"):
        export_story([response("Only words.")], tmp_path / "pip.html")
    assert list(tmp_path.iterdir()) == []
