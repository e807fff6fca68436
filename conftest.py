"""Shared test setup.

Notebook replay (nbval) runs each notebook in its own kernel, which inherits this process's
environment: force replay mode and remove any key, so the suite never calls Gemini and never
needs a key, whatever the developer has set.

Spreading over xdist workers (``-n 3 --dist loadfile --no-loadscope-reorder`` in pyproject.toml):
a test file is one unit of work, which one worker runs whole (the cells of a notebook, for nbval, stay
together in one kernel), except in the files listed in SPREAD, where each test (one notebook's live,
browser or Colab-like run, marked ``heavy(rank)``) is a unit of its own. Heavy tests are handed out first,
lowest rank first, so that long tests start early and short ones fill the end: 0, the Colab-like install
(which builds the cached runtime when it is missing); 1, JupyterLab; 2, the other Colab-like runs (which need
that install, done by then); 3, live. Three workers on two cores: a third of the suite's time is spent
waiting (kernels starting, servers answering, retries), and a third worker fills it.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from pathlib import Path
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
    gc.collect()  # what an earlier test left (an unclosed socket) warns now, before this test, and is not its own
    recwarn.clear()
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


#: Test files whose tests are handed to the xdist workers one by one (each runs one notebook for a long time);
#: the tests in them are marked ``heavy(rank)``. Every other file goes to one worker whole.
SPREAD = (
    "tests/environments/test_browser.py",
    "tests/environments/test_colab.py",
    "tests/notebooks/test_live.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy(rank): a slow test for one notebook, handed out early (lowest rank first); see SPREAD"
    )


@pytest.hookimpl(optionalhook=True)  # an xdist hook: still valid with -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``, except that each test of the files in SPREAD is a unit of work of its own."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SpreadHeavyTests(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return nodeid if file in SPREAD else file

    return SpreadHeavyTests(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Heavy tests first, lowest rank first (the rest keeps its order): long tests start early, short ones
    fill the end. The scheduler hands work out in this order (``--no-loadscope-reorder``)."""
    root = Path(str(config.rootpath))
    for item in items:
        path = Path(str(item.path))
        where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        if item.get_closest_marker("heavy") and where not in SPREAD:
            raise pytest.UsageError(f"{item.nodeid} is marked heavy, but {where} is not in conftest.SPREAD")

    def rank(item: pytest.Item) -> float:
        mark = item.get_closest_marker("heavy")
        return float(mark.kwargs.get("rank", 0)) if mark else float("inf")

    items.sort(key=rank)
