"""tools.lint: the repository passes, and each rule catches what it is for (on a small fixture repository)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools import lint

ROOT = Path(__file__).resolve().parents[2]


def test_the_repository_is_clean() -> None:
    assert lint.lint(ROOT) == []


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository's notebooks, template, README and settings: clean to start with."""
    for name in ("notebooks", "tools", "recordings"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("outputs", "__pycache__", ".*"))
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    assert lint.lint(tmp_path) == []
    return tmp_path


def edit(repo: Path, change: Callable[[dict[str, Any]], None], name: str = "01_quickstart.ipynb") -> list[str]:
    path = repo / "notebooks" / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return lint.lint(repo)


def set_source(index: int, text: str) -> Callable[[dict[str, Any]], None]:
    return lambda nb: nb["cells"][index].update(source=text)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (set_source(0, "# 1 · Quick\n"), "the title must be '# 01 · Title'"),
        (set_source(0, "# 01 · Quick\n**You will build**"), "needs the Open-in-Colab badge"),
        (set_source(1, "!pip install helpers"), "cell 2: must be the template's Colab install cell"),
        (set_source(2, "import helpers\nclient = helpers.setup()"), "cell 3: must be the template's setup cell"),
        (lambda nb: nb["cells"].pop(), "last cell: must be '## What's next'"),
        (lambda nb: nb["cells"][5].update(source="import google.colab"), "belongs in helpers/"),
        (lambda nb: nb["cells"][3].update(source="Now we draw a picture."), "'we': write to the learner"),
        (lambda nb: nb["cells"][3].update(source="It costs $5 to $10."), "'$' in prose"),
        (
            lambda nb: nb["cells"][3].update(source="As notebook 12 shows."),
            "mentions notebook 12, which does not exist",
        ),
        (
            lambda nb: nb["cells"][5]["outputs"].append({"output_type": "stream", "name": "stderr", "text": "warn"}),
            "writes to stderr",
        ),
        (lambda nb: nb["cells"][5].update(execution_count=9), "execution count 9, expected 3"),
        (
            lambda nb: nb["cells"][5]["outputs"].append(
                {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}
            ),
            "has an error output",
        ),
        (lambda nb: nb["metadata"].update(language_info={"name": "python"}), "metadata.language_info lacks"),
        (lambda nb: nb["cells"][0].pop("id"), "every cell needs an id"),
    ],
)
def test_each_notebook_rule_catches_its_problem(
    repo: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    problems = edit(repo, change)
    assert any(expected in line for line in problems), problems


def test_display_code_is_shown_once_in_01_and_nowhere_else(repo: Path) -> None:
    code = "from IPython.display import display"
    flagged = edit(repo, set_source(4, code), "02_interleaved_story.ipynb")  # cell 5 of 02 is code...
    assert any("02_interleaved" in line and "belongs in helpers/" in line for line in flagged)
    allowed = edit(repo, set_source(5, code), "01_quickstart.ipynb")  # ...and cell 6 of 01
    assert not any("01_quickstart" in line and "belongs in helpers/" in line for line in allowed)


def test_the_calls_a_notebook_announces_are_the_calls_it_makes(repo: Path) -> None:
    def miscount(nb: dict[str, Any]) -> None:
        source = "".join(nb["cells"][0]["source"])
        nb["cells"][0]["source"] = source.replace(
            "**Cost when you run it live:** 25 calls", "**Cost when you run it live:** 24 calls"
        )

    problems = edit(repo, miscount, "06_reference_images_and_settings.ipynb")
    assert any("says 24 calls, the recording holds 25" in line for line in problems), problems


def test_coming_soon_mentions_are_allowed(repo: Path) -> None:
    assert edit(repo, set_source(3, "Notebook 12 (coming soon) shows it.")) == []


def test_repository_rules(repo: Path) -> None:
    (repo / "notebooks" / "1_bad.ipynb").write_text((repo / "notebooks" / "01_quickstart.ipynb").read_text())
    shutil.copy(repo / "notebooks" / "04_world_knowledge.ipynb", repo / "notebooks" / "04_again.ipynb")
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\n[gone](notebooks/12_gone.ipynb)\n")
    problems = "\n".join(lint.lint(repo))
    assert "1_bad.ipynb: name it NN_snake_case.ipynb" in problems
    assert "number 04 is taken by" in problems
    assert "no link to notebooks/04_again.ipynb" in problems
    assert "links notebooks/12_gone.ipynb, which does not exist" in problems


def test_a_key_shaped_string_is_found_even_inside_image_data(repo: Path) -> None:
    fake = "AIza" + "Sy" + "Q" * 33
    (repo / "notes.txt").write_text(f"key = {fake}\n")
    (repo / "image.txt").write_text("iVBORw0KGgo" + fake + "AAAA\n")  # secret scanners flag this too
    problems = lint.lint(repo)
    assert any(line.startswith("notes.txt:1: a key-shaped string") for line in problems)
    assert any(line.startswith("image.txt:1: a key-shaped string") for line in problems)
    assert fake not in "\n".join(problems)


def test_the_command_prints_and_exits() -> None:
    result = subprocess.run([sys.executable, "-m", "tools.lint"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("lint: ") and "no problems" in result.stdout
