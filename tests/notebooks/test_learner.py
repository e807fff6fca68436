"""What a learner does besides running a notebook top to bottom, each in a real kernel on a scratch copy:
change a prompt in replay, practise prompts of their own on the stand-in, read an interaction's pictures,
copy the setup cell into a project of their own and drop helpers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from helpers.session import clean_environment
from standin import StandinServer
from tools.record import copy_notebooks, execute

ROOT = Path(__file__).resolve().parents[2]


def source(cell: Any) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def outputs_text(cell: Any) -> str:
    """Everything a cell showed as text: streams, Markdown and plain reprs, errors by name and value."""
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            texts.append(output["text"])
        elif output["output_type"] == "error":
            texts.append(f"{output['ename']}: {output['evalue']}")
        else:
            data = output.get("data", {})
            texts.append(data.get("text/markdown") or data.get("text/plain") or "")
    return "\n".join(t if isinstance(t, str) else "".join(t) for t in texts)


def run(tmp_path: Path, name: str, cells: list[str], env: dict[str, str]) -> Any:
    """Run the given cell sources, in order, as notebooks/``name`` in a scratch copy (errors kept as outputs)."""
    folder = copy_notebooks(ROOT / "notebooks", tmp_path / "notebooks")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text) for text in cells])
    path = folder / name
    nbformat.write(nb, path)
    return execute(path, env, closing=None, timeout=300, allow_errors=True)


def cells_of(name: str) -> list[str]:
    notebook = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    return [source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def find(cells: list[str], snippet: str) -> str:
    [found] = [cell for cell in cells if snippet in cell]
    return found


# -- 05: a changed prompt in replay, then the check: never new words against an old picture ----------


def test_a_failed_call_leaves_the_check_on_the_old_picture_and_its_own_words(tmp_path: Path) -> None:
    cells = cells_of("05_text_rendering.ipynb")
    changed = find(cells, "HEADLINE, DETAIL, BUTTON =").replace("Fresh Bread Daily", "Sourdough Saturdays")
    check = find(cells, 'checks["ad banner"] = helpers.text_accuracy')
    first = find(cells, "HEADLINE, DETAIL")
    nb = run(tmp_path, "05_text_rendering.ipynb", [cells[1], first, changed, check], clean_environment())
    assert "MissingRecordingError" in outputs_text(nb.cells[2])  # the learner's edit has no recording
    assert "character error rate 0.0%" in outputs_text(nb.cells[3]), outputs_text(nb.cells[3])


# -- practice mode follows the learner's words -------------------------------------------------------


def test_practice_sets_the_headline_you_typed(tmp_path: Path) -> None:
    cells = cells_of("05_text_rendering.ipynb")
    changed = find(cells, "HEADLINE, DETAIL, BUTTON =").replace("Fresh Bread Daily", "Sourdough Saturdays")
    changed = changed.replace("Order by 9 am, collect at noon", "Order by Friday, collect on Saturday")
    check = find(cells, 'checks["ad banner"] = helpers.text_accuracy') + "\nprint(f'CER={checks[\"ad banner\"].cer}')"
    nb = run(
        tmp_path,
        "05_text_rendering.ipynb",
        [cells[1], changed, check],
        clean_environment(GENAI_NOTEBOOK_MODE="practice"),
    )
    assert outputs_text(nb.cells[0]).startswith("Practice · ")
    rate = float(re.search(r"CER=([\d.]+)", outputs_text(nb.cells[2])).group(1))
    assert rate <= 0.05, outputs_text(nb.cells[2])


# -- 01: every picture of an interaction, from its steps --------------------------------------------


def test_an_interactions_pictures_are_read_from_its_steps(tmp_path: Path) -> None:
    cells = cells_of("01_quickstart.ipynb")
    check = (
        "items = [i for s in interaction.steps if s.type == 'model_output' for i in s.content if i.type == 'image']\n"
        "assert len(pictures) == len(items) >= 1, (len(pictures), len(items))\n"
        "assert all(p.startswith((b'\\x89PNG', b'\\xff\\xd8\\xff')) for p in pictures)\n"
        "print('read', len(pictures))"
    )
    nb = run(
        tmp_path,
        "01_quickstart.ipynb",
        [*cells[1:], check],
        clean_environment(),
    )
    assert [o for c in nb.cells for o in c.outputs if o["output_type"] == "error"] == []
    assert "read 1" in outputs_text(nb.cells[-1])
    prose = "".join(source(c) for c in json.loads((ROOT / "notebooks/01_quickstart.ipynb").read_text())["cells"])
    assert "b64decode(interaction.output_image)" not in prose and "only the *last* image" in prose


# -- copy the setup cell into your own project, drop helpers ----------------------------------------


def test_the_setup_and_sdk_only_cells_run_without_helpers_and_keep_retrying(tmp_path: Path) -> None:
    """The setup cell with its helpers lines dropped, 01's first call and its SDK-only cell, as a plain script:
    against the stand-in, whose first answer is a 429, the client's retry options in view carry it through."""
    cells = cells_of("01_quickstart.ipynb")
    setup = "\n".join(line for line in cells[1].splitlines() if "helpers" not in line and "mode = " not in line)
    setup = setup.replace("mode.key", 'os.environ["GEMINI_API_KEY"]').replace("mode.model", '"gemini-nano-banana-2.1"')
    call = "\n".join(line for line in find(cells, "nano banana dish").splitlines() if "helpers" not in line)
    script = "import os\n" + "\n\n".join([setup, call, find(cells, "part.as_image()")])
    assert "import helpers" not in script and "retry_options=retry" in script
    (tmp_path / "mine.py").write_text(script)
    with StandinServer("01_quickstart") as server:
        server.queue_fault(429)
        done = subprocess.run(
            [sys.executable, "mine.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_environment(GEMINI_API_KEY="a-key-of-my-own", GOOGLE_GEMINI_BASE_URL=server.url),
        )
        sent = [path for method, path, body in server.requests if path.endswith(":generateContent")]
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(sent) == 2  # the 429, then the retry the options in view made
    saved = list((tmp_path / "outputs" / "01_quickstart").glob("dish-*.png"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"\x89PNG") and "saved outputs/" in done.stdout


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in set(os.environ) - set(clean_environment()):
        monkeypatch.delenv(name)


# -- 03 in practice mode: pictures that agree with the edits -----------------------------------------


def test_practice_edits_agree_with_their_words_and_keep_the_photos_shape(tmp_path: Path) -> None:
    """03's four chat edits in practice mode, then one more at 21:9: the removed boat is no longer listed, and the
    photo inside each picture keeps the sample's shape (padded, never stretched)."""
    from PIL import Image

    from standin.draw import meta

    cells = cells_of("03_conversational_editing.ipynb")
    keep = (
        "import pathlib\n"
        "wide = chat.send_message('Make it a wide banner.', config=types.GenerateContentConfig("
        "response_modalities=['TEXT', 'IMAGE'], image_config=types.ImageConfig(aspect_ratio='21:9')))\n"
        "for n, answer in enumerate([*versions, wide], start=1):\n"
        "    pathlib.Path(f'v{n}.png').write_bytes(helpers.first_image(answer).data)\n"
    )
    run_cells = [
        cells[1],
        find(cells, "pick_photo"),
        find(cells, "photo = picker.image()"),
        find(cells, "edits = ["),
        keep,
    ]
    nb = run(tmp_path, "03_conversational_editing.ipynb", run_cells, clean_environment(GENAI_NOTEBOOK_MODE="practice"))
    assert [o for c in nb.cells for o in c.outputs if o["output_type"] == "error"] == []
    folder = tmp_path / "notebooks"
    listed = [meta((folder / f"v{n}.png").read_bytes())["changes"] for n in range(1, 6)]
    assert any("boat" in change for change in listed[2]) and not any("boat" in change for change in listed[3])
    with Image.open(folder / "v5.png") as wide:
        assert abs(wide.width / wide.height - 21 / 9) < 0.05
    x0, y0, x1, y1 = meta((folder / "v5.png").read_bytes())["box"]
    assert abs((x1 - x0) / (y1 - y0) - 1024 / 768) < 0.02  # the sample's 4:3, not the canvas's 21:9
