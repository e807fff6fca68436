"""Shared test setup.

Notebook replay (nbval) runs each notebook in its own kernel, which inherits this process's
environment: force replay mode and remove any key, so the suite never calls Gemini and never
needs a key, whatever the developer has set.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ["GENAI_NOTEBOOK_MODE"] = "replay"
for _name in (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "GENAI_RECORD_CASSETTE",
    "GENAI_RECORDINGS_DIR",
    "GENAI_RECORDED_AGAINST",
    "GEMINI_IMAGE_MODEL",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_API_VERSION",
):
    os.environ.pop(_name, None)


@pytest.fixture
def quiet(
    capsys: pytest.CaptureFixture[str], recwarn: pytest.WarningsRecorder, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """The test writes nothing to stderr, raises no warning and logs no warning (nbval compares stderr)."""
    caplog.set_level(logging.DEBUG)
    yield
    assert capsys.readouterr().err == ""
    assert [str(w.message) for w in recwarn] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Everything the helpers display (IPython.display.display), in order."""
    from IPython import display as ipd

    outputs: list[Any] = []
    monkeypatch.setattr(ipd, "display", lambda obj, **_: outputs.append(obj))
    return outputs


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A google-genai client talking to a stand-in server of its own, for the tests of one module."""
    from tests.support import standin_client

    with standin_client() as made:
        yield made
