"""Check the text in a picture before you publish it: read it back with Tesseract and compare.

``text_accuracy(expected, picture, lang="eng")`` reads the picture with Tesseract (pytesseract), with its automatic
layout and, when that reads badly, again as one block of text, keeps the closer reading, and reports the character
error rate of your text (edits needed / characters expected) and the words that differ. Text the picture holds before
or after yours (a logo, a watermark, a badge) is not counted as an error; it is listed apart. Where Tesseract or a
language pack is missing, the check says how to install it instead of failing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from helpers.images import picture_of

#: Languages by Tesseract code (the Debian/Colab package of their data: see _install).
LANGUAGES = {
    "eng": "English",
    "chi_sim": "Simplified Chinese",
    "ara": "Arabic",
    "hin": "Hindi",
    "jpn": "Japanese",
    "kor": "Korean",
    "fra": "French",
    "deu": "German",
    "spa": "Spanish",
}
_NO_SPACES = {"chi_sim", "chi_tra", "jpn", "kor"}  # compared character by character


def _install(lang: str) -> str:
    pack = "tesseract-ocr-" + lang.replace("_", "-")
    return f"!apt-get install -y tesseract-ocr {pack} (Colab, Debian, Ubuntu), then run this cell again"


@dataclass(frozen=True)
class TextCheck:
    """The result of reading a picture's text back."""

    expected: str
    read: str = ""
    lang: str = "eng"
    errors: int = 0
    differences: list[tuple[str, str]] = field(default_factory=list)  # (expected, read); "" when missing
    around: str = ""  # other text read before or after yours
    problem: str = ""  # why no check could be made, and how to make one possible

    @property
    def cer(self) -> float | None:
        """Character error rate: 0.0 is perfect; None when the picture could not be read."""
        return None if self.problem else self.errors / max(1, len(_normal(self.expected, self.lang)))

    def __str__(self) -> str:
        if self.problem:
            return f"Text check ({LANGUAGES.get(self.lang, self.lang)}): not made. {self.problem}"
        words = "; ".join(f"“{a or '∅'}” → “{b or '∅'}”" for a, b in self.differences[:8]) or "none"
        more = f" (and {len(self.differences) - 8} more)" if len(self.differences) > 8 else ""
        return (
            f"Text check ({LANGUAGES.get(self.lang, self.lang)}): character error rate {self.cer:.1%}, "
            f"{self.errors} of {len(_normal(self.expected, self.lang))} characters. Differences: {words}{more}."
        )

    def _repr_markdown_(self) -> str:
        return str(self).replace("Text check", "**Text check**", 1)


def _normal(text: str, lang: str) -> str:
    text = " ".join(text.split())
    return text.replace(" ", "") if lang in _NO_SPACES else text


def _tokens(text: str, lang: str) -> list[str]:
    return list(_normal(text, lang)) if lang in _NO_SPACES else _normal(text, lang).split()


def _distance_within(expected: str, read: str) -> tuple[int, int, int]:
    """Edits to turn ``expected`` into the best-matching stretch of ``read``: (edits, start, end) of that stretch.
    Text of ``read`` before and after the stretch is free (a semi-global alignment)."""
    previous = [(0, j) for j in range(len(read) + 1)]  # (cost, where the stretch starts)
    for i, char in enumerate(expected, start=1):
        current = [(i, 0)]
        for j, other in enumerate(read, start=1):
            options = [
                (previous[j - 1][0] + (char != other), previous[j - 1][1]),
                (previous[j][0] + 1, previous[j][1]),
                (current[j - 1][0] + 1, current[j - 1][1]),
            ]
            current.append(min(options))
        previous = current
    end = min(range(len(read) + 1), key=lambda j: previous[j][0])
    return previous[end][0], previous[end][1], end


def _read(pytesseract: Any, image: Any, lang: str, layout: str) -> str:
    """Tesseract's reading, on one thread: its OpenMP threads make it several times slower on a small machine
    (four times here, on 2 cores), and a notebook reads one picture at a time anyway."""
    before = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        return str(pytesseract.image_to_string(image, lang=lang, config=layout, timeout=60))
    finally:
        if before is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = before


def text_accuracy(expected: str, picture: Any, *, lang: str = "eng") -> TextCheck:
    """Read ``picture`` (an answer, Part, bytes or image) with Tesseract and compare it with ``expected``."""
    import difflib

    try:
        import pytesseract
    except ImportError:
        return TextCheck(expected, lang=lang, problem="pytesseract is missing: %pip install pytesseract")
    image = picture_of(picture)
    mine = _normal(expected, lang)
    best: tuple[int, int, int, str] | None = None
    for layout in ("--psm 3", "--psm 6"):  # Tesseract's automatic layout, then the picture as one block
        try:
            read = _read(pytesseract, image, lang, layout)
        except pytesseract.TesseractNotFoundError:
            return TextCheck(expected, lang=lang, problem=f"Tesseract is not installed: {_install(lang)}.")
        except (pytesseract.TesseractError, RuntimeError) as error:
            if "language" in str(error).lower() or "traineddata" in str(error).lower():
                return TextCheck(expected, lang=lang, problem=f"Tesseract has no {lang} data: {_install(lang)}.")
            return TextCheck(expected, lang=lang, problem=f"Tesseract failed ({str(error).strip()[:120]}).")
        found = (*_distance_within(mine, _normal(read, lang)), read)
        if best is None or found[0] < best[0]:
            best = found
        if best[0] <= len(mine) * 0.1:  # close enough: no second reading needed
            break
    assert best is not None
    errors, start, end, read = best
    theirs = _normal(read, lang)
    around = (theirs[:start] + " … " + theirs[end:]).strip(" …")
    matcher = difflib.SequenceMatcher(None, _tokens(mine, lang), _tokens(theirs[start:end], lang), autojunk=False)
    joiner = "" if lang in _NO_SPACES else " "
    differences = [
        (joiner.join(matcher.a[i1:i2]), joiner.join(matcher.b[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
    return TextCheck(expected, read.strip(), lang, errors, differences, around)


def text_table(checks: Mapping[str, TextCheck]) -> None:
    """Show one row per checked picture: its language and character error rate."""
    from IPython.display import Markdown, display

    rows = ["| picture | language | character error rate | words that differ |", "|---|---|---:|---:|"]
    for label, check in checks.items():
        rate = f"{check.cer:.1%}" if check.cer is not None else "not checked"
        differing = len(check.differences) if not check.problem else "–"
        rows.append(f"| {label} | {LANGUAGES.get(check.lang, check.lang)} | {rate} | {differing} |")
    display(Markdown("\n".join(rows)))
