"""helpers.ocr: reading a picture's text back with Tesseract, and saying how to install what is missing."""

from __future__ import annotations

import shutil
import sys
from typing import Any

import pytest
from IPython import display as ipd
from PIL import Image

from helpers.ocr import text_accuracy, text_table
from standin import draw
from standin.spec import ImageSpec

pytestmark = [
    pytest.mark.usefixtures("quiet"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (.ci/run installs it)"),
]
TEXT = "Fresh Bread Daily\nOrder by 9 am, collect at noon"


def sign(text: str, lang: str = "", size: tuple[int, int] = (1376, 768)) -> bytes:
    return draw.picture(ImageSpec(render=text, lang=lang), size, [], {})


def test_exact_text_reads_back_with_no_error_and_the_badge_is_not_counted() -> None:
    check = text_accuracy(TEXT, sign(TEXT))
    assert check.cer == 0.0 and check.differences == []
    assert "1376x768" in check.around  # other text in the picture (the stand-in's size label), read but not counted
    assert str(check).startswith("Text check (English): character error rate 0.0%")


def test_one_typo_is_found_and_named() -> None:
    check = text_accuracy(TEXT, sign(TEXT.replace("Daily", "Dialy")))
    assert 0 < check.cer < 0.1
    assert check.differences == [("Daily", "Dialy")]


@pytest.mark.parametrize(
    ("lang", "code", "text"),
    [
        ("zh", "chi_sim", "欢迎光临\n新鲜面包每天出炉"),
        ("ar", "ara", "مرحبا بكم\nخبز طازج كل يوم"),
        ("hi", "hin", "स्वागत है\nहर दिन ताज़ी रोटी"),
    ],
)
def test_other_scripts(lang: str, code: str, text: str) -> None:
    check = text_accuracy(text, sign(text, lang), lang=code)
    if check.problem:
        pytest.skip(check.problem)
    assert check.cer is not None and check.cer <= 0.1, check


def test_a_blank_picture_has_every_character_missing() -> None:
    check = text_accuracy(TEXT, Image.new("RGB", (800, 400), "white"))
    assert check.cer == 1.0 and check.differences[0][1] == ""


def test_missing_tesseract_or_language_data_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = text_accuracy(TEXT, sign(TEXT), lang="xyz")
    assert missing.cer is None and "!apt-get install -y tesseract-ocr tesseract-ocr-xyz" in missing.problem
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nowhere/tesseract")
    check = text_accuracy(TEXT, sign(TEXT), lang="chi_sim")
    assert "Tesseract is not installed" in check.problem and "tesseract-ocr-chi-sim" in check.problem
    assert "not made" in str(check)
    monkeypatch.setitem(sys.modules, "pytesseract", None)
    assert "pip install pytesseract" in text_accuracy(TEXT, sign(TEXT)).problem


def test_the_table_has_a_row_per_picture(shown: list[Any]) -> None:
    text_table({"ad": text_accuracy(TEXT, sign(TEXT)), "none": text_accuracy(TEXT, sign(TEXT), lang="xyz")})
    [table] = shown
    assert isinstance(table, ipd.Markdown)
    assert "| ad | English | 0.0% | 0 |" in table.data and "| none | xyz | not checked | – |" in table.data
