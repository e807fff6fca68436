"""What the package promises: the Python range, nothing that would replace Colab's own packages, public
names that notebooks use, and a repository that explains itself."""

from __future__ import annotations

import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import helpers

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: Colab pins these for its runtime; installing the collection there must not replace them.
COLAB_CORE = {"ipython", "ipykernel", "traitlets", "tornado", "pyzmq", "ipywidgets", "notebook", "jupyter-client"}


def test_the_python_range_is_google_genais() -> None:
    assert PROJECT["requires-python"] == metadata.metadata("google-genai")["Requires-Python"] == ">=3.11"
    readme = (ROOT / "README.md").read_text()
    assert "Python 3.11 to 3.13" in readme and "3.10" not in readme


def test_the_package_asks_for_none_of_colabs_core_packages() -> None:
    names = {re.split(r"[<>=!~\[ ]", requirement)[0].lower() for requirement in PROJECT["dependencies"]}
    assert not names & COLAB_CORE, names & COLAB_CORE


def test_every_public_name_is_used_by_a_notebook() -> None:
    sources = " ".join(p.read_text() for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    unused = [name for name in helpers.__all__ if f"helpers.{name}" not in sources]
    assert unused == []


def test_the_repository_points_at_nothing_outside_it() -> None:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in listed:
        path = ROOT / name
        if path.suffix in (".md", ".py", ".toml", ".yml", ".ipynb", ".txt", ".cfg") and path.is_file():
            text = path.read_text(errors="ignore")
            assert "../" + "shared" not in text and "DESIGN" + ".md" not in text, name
