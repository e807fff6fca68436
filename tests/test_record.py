"""The record command end to end: record notebook 01 through the stand-in with a fake key-shaped
key into a temporary folder, check the key is nowhere, replay it, and check a failing notebook
keeps the previous recording."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from helpers import record

ROOT = Path(__file__).resolve().parents[1]
FAKE_KEY = "AIza" + "Sy" + "Fake" + "0" * 29  # key-shaped; built so the repo holds no literal key


def _run_record(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpers.record", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENAI_", "GEMINI_", "GOOGLE_"))}
    env.update(extra)
    return env


def _text_outputs(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                found.append(output["text"])
            for kind in ("text/plain", "text/markdown"):
                if kind in output.get("data", {}):
                    found.append(output["data"][kind])
    return found


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("record")
    (work / "notebooks").mkdir()
    notebook = work / "notebooks" / "01_quickstart.ipynb"
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", notebook)
    result = _run_record("--stand-in", "--recordings", str(work / "recordings"), str(notebook),
                         env=_env(GEMINI_API_KEY=FAKE_KEY))
    return {"work": work, "notebook": notebook, "result": result}


def test_record_writes_cassette_and_outputs(recorded: dict[str, object]) -> None:
    result = recorded["result"]
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stdout + result.stderr
    work = Path(str(recorded["work"]))
    cassette = work / "recordings" / "01_quickstart.json"
    data = json.loads(cassette.read_text())
    assert data["metadata"]["recorded_against"] == "stand-in API"
    assert len(data["interactions"]) == 3  # restaurant, lighthouse, story
    nb = nbformat.read(recorded["notebook"], as_version=4)
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/jpeg" in o.get("data", {})
              or "image/png" in o.get("data", {})]
    assert len(images) == 6


def test_fake_key_is_nowhere(recorded: dict[str, object]) -> None:
    result = recorded["result"]
    assert isinstance(result, subprocess.CompletedProcess)
    assert FAKE_KEY not in result.stdout + result.stderr
    work = Path(str(recorded["work"]))
    files = [p for p in work.rglob("*") if p.is_file()]
    assert len(files) >= 2
    for path in files:
        assert FAKE_KEY.encode() not in path.read_bytes(), path


def test_recording_replays_to_the_same_outputs(recorded: dict[str, object]) -> None:
    work = Path(str(recorded["work"]))
    notebook = Path(str(recorded["notebook"]))
    env = _env(GENAI_NOTEBOOK_MODE="replay", GENAI_RECORDINGS_DIR=str(work / "recordings"))
    scratch = work / "replay"
    scratch.mkdir()
    nb = record.execute(shutil.copy(notebook, scratch / notebook.name) and scratch / notebook.name,
                        env, closing=None, timeout=300)
    assert _text_outputs(nb) == _text_outputs(nbformat.read(notebook, as_version=4))


def test_committed_notebook_is_what_record_writes(recorded: dict[str, object]) -> None:
    """The committed 01 came from the record command: recording it again changes no byte."""
    notebook = Path(str(recorded["notebook"]))
    assert notebook.read_bytes() == (ROOT / "notebooks" / "01_quickstart.ipynb").read_bytes()
    cassette = Path(str(recorded["work"])) / "recordings" / "01_quickstart.json"
    assert cassette.read_bytes() == (ROOT / "recordings" / "01_quickstart.json").read_bytes()


def test_failed_run_keeps_previous_recording(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "recordings").mkdir()
    old = tmp_path / "recordings" / "07_broken.json"
    old.write_text('{"interactions": [], "version": 1}\n')
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('import helpers\nclient = helpers.setup("07_broken")'),
        nbformat.v4.new_code_cell('raise ValueError("boom in cell two")'),
    ])
    path = tmp_path / "notebooks" / "07_broken.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    result = _run_record("--stand-in", "--recordings", str(tmp_path / "recordings"), str(path), env=_env())
    assert result.returncode == 1
    assert "cell 2 failed" in result.stdout and "boom in cell two" in result.stdout
    assert old.read_text() == '{"interactions": [], "version": 1}\n'
    assert path.read_bytes() == before


def test_record_without_key_or_stand_in_refuses(tmp_path: Path) -> None:
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    result = _run_record(str(path), env=_env())
    assert result.returncode == 2 and "--stand-in" in result.stderr


@pytest.fixture(scope="module")
def standin_url() -> Iterator[str]:
    process, url = record.start_standin()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
def test_notebook_runs_live_against_a_gemini_compatible_server(name: str, standin_url: str, tmp_path: Path) -> None:
    """Live mode: a key and GOOGLE_GEMINI_BASE_URL, no mode set, no recordings involved."""
    notebook = Path(shutil.copy(ROOT / "notebooks" / name, tmp_path / name))
    env = _env(GEMINI_API_KEY=FAKE_KEY, GOOGLE_GEMINI_BASE_URL=standin_url,
               GENAI_RECORDINGS_DIR=str(tmp_path / "no-recordings-here"))
    nb = record.execute(notebook, env, closing=None, timeout=300)
    banner = nb.cells[2].outputs[0]["text"]
    assert banner.startswith("Live · model gemini-3.1-flash-image · key from GEMINI_API_KEY environment variable")
    assert FAKE_KEY not in json.dumps(nb)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"]
    images = [o for o in outputs if "image/jpeg" in o.get("data", {}) or "image/png" in o.get("data", {})]
    assert len(images) >= 4
    if name == "01_quickstart.ipynb":
        saved = sorted(p.name for p in (tmp_path / "outputs" / "01_quickstart").iterdir())
        assert saved == ["lighthouse-1.png"]  # live gives the original PNG; replay the stored JPEG
