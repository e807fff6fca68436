"""The record command end to end: record notebook 01 against the stand-in with a fake key-shaped key into a
temporary copy, replay it, find the key nowhere, and keep the old recording when a cell fails."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.session import clean_environment
from tools.record import copy_notebooks

ROOT = Path(__file__).resolve().parents[2]
FAKE_KEY = "AIza" + "Sy" + "Fake" + "0" * 29  # key-shaped; assembled so no file here holds one


def run_record(*args: str, key: str = FAKE_KEY) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.record", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=clean_environment(GEMINI_API_KEY=key),
        timeout=600,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("record")
    copy_notebooks(ROOT / "notebooks", work / "notebooks")
    result = run_record(
        "--stand-in", "--recordings", str(work / "recordings"), str(work / "notebooks" / "01_quickstart.ipynb")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (work / "log.txt").write_text(result.stdout + result.stderr)
    return work


def test_record_then_replay_gives_the_committed_bytes(recorded: Path) -> None:
    cassette = recorded / "recordings" / "01_quickstart.json"
    assert cassette.read_bytes() == (ROOT / "recordings" / "01_quickstart.json").read_bytes()
    assert (recorded / "notebooks" / "01_quickstart.ipynb").read_bytes() == (
        ROOT / "notebooks" / "01_quickstart.ipynb"
    ).read_bytes()
    assert json.loads(cassette.read_text())["metadata"]["recorded_against"] == "stand-in API"


def test_the_fake_key_is_nowhere(recorded: Path) -> None:
    for path in [*recorded.rglob("*.json"), *recorded.rglob("*.ipynb"), recorded / "log.txt"]:
        assert FAKE_KEY not in path.read_text(), path


def test_a_failing_cell_keeps_the_old_recording_and_outputs(recorded: Path) -> None:
    notebook = recorded / "notebooks" / "01_quickstart.ipynb"
    before = notebook.read_bytes(), (recorded / "recordings" / "01_quickstart.json").read_bytes()
    broken = nbformat.read(notebook, as_version=4)
    assert broken.cells[5].cell_type == "code"
    broken.cells[5].source = "raise RuntimeError('this cell fails')"
    nbformat.write(broken, recorded / "broken.ipynb")
    shutil.copy(recorded / "broken.ipynb", recorded / "notebooks" / "01_quickstart.ipynb")
    result = run_record("--stand-in", "--recordings", str(recorded / "recordings"), str(notebook))
    assert result.returncode == 1 and "cell 6 failed" in result.stdout and "unchanged" in result.stdout
    assert (recorded / "recordings" / "01_quickstart.json").read_bytes() == before[1]
    notebook.write_bytes(before[0])


def test_recording_gemini_without_a_key_is_refused() -> None:
    result = run_record(str(ROOT / "notebooks" / "01_quickstart.ipynb"), key="")
    assert result.returncode == 2 and "needs a key" in result.stderr
