"""Tests for helpers.lint: a good fixture repository passes, each rule catches its bad case."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from helpers import lint as L

ROOT = Path(__file__).resolve().parents[1]
REPO, BRANCH = "o/r", "main"
NAMES = ["01_first_steps", "02_edit_images", "03_story_time"]
# Built by concatenation so no key-shaped literal sits in this file.
FAKE_KEY = "AIza" + "x" * 35


def colab(name: str) -> str:
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{name}.ipynb"


def make_notebook(stem: str, next_stem: str | None) -> nbformat.NotebookNode:
    nn = stem[:2]
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    cells = [
        v4.new_markdown_cell(
            f"# {nn} \u00b7 Title {nn}\n\n[![Open In Colab]({badge})]({colab(stem)})\n\n"
            "You will build a picture; it costs about USD 0.04 live."
        ),
        v4.new_code_cell(
            'import sys\nif "google.colab" in sys.modules:\n'
            f"    %pip install -q git+https://github.com/{REPO}@{BRANCH}"
        ),
        v4.new_code_cell(f'import helpers\nclient = helpers.setup("{stem}")'),
        v4.new_markdown_cell("## Make a picture\n\nYou ask for an image; `we` in code is fine, so is https://x.org/we."),
        v4.new_code_cell("print('hello')"),
        v4.new_code_cell(""),  # an empty cell keeps no execution count
    ]
    nxt = f"Next: [{next_stem}]({next_stem}.ipynb)." if next_stem else "What's next: try your own prompts."
    cells.append(v4.new_markdown_cell(f"## What's next\n\n{nxt}"))
    cells[1].execution_count = 1
    cells[2].execution_count = 2
    cells[2].outputs = [v4.new_output("stream", name="stdout", text="Mode: replay\n")]
    cells[4].execution_count = 3
    cells[4].outputs = [
        v4.new_output("stream", name="stdout", text="hello\n"),
        v4.new_output("display_data", data={"text/plain": "<Figure>"}),
    ]
    for i, cell in enumerate(cells):
        cell.id = f"{stem[:2]}-cell-{i}"
    return v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def write_nb(root: Path, stem: str, nb) -> Path:
    path = root / "notebooks" / f"{stem}.ipynb"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_nb(root: Path, stem: str) -> dict:
    return json.loads((root / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))


def write_readme(root: Path, names: list[str]) -> None:
    rows = "\n".join(f"| {n[:2]} | [{n}](notebooks/{n}.ipynb) | [colab]({colab(n)}) |" for n in names)
    (root / "README.md").write_text(f"# Notebooks\n\n| # | Notebook | Colab |\n|---|---|---|\n{rows}\n", encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.genai-notebooks]\nrepo = "{REPO}"\nbranch = "{BRANCH}"\n', encoding="utf-8"
    )
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "01_first_steps.yaml").write_text("interactions: []\n", encoding="utf-8")
    for i, stem in enumerate(NAMES):
        write_nb(tmp_path, stem, make_notebook(stem, NAMES[i + 1] if i + 1 < len(NAMES) else None))
    write_readme(tmp_path, NAMES)
    return tmp_path


def problems_for(root: Path, needle: str) -> list[str]:
    return [p for p in L.lint(root) if needle in p]


def assert_reported(root: Path, path: str, *fragments: str) -> list[str]:
    problems = L.lint(root)
    hits = [p for p in problems if p.startswith(path) and all(f in p for f in fragments)]
    assert hits, f"expected a problem for {path} with {fragments}, got {problems}"
    return hits


# ---------------------------------------------------------------- the good case


def test_good_repo_has_no_problems(repo: Path) -> None:
    assert L.lint(repo) == []


def test_cli_clean_and_dirty(repo: Path) -> None:
    run = [sys.executable, "-m", "helpers.lint", str(repo)]
    ok = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip() == "lint: 3 notebooks, no problems"
    (repo / "README.md").unlink()
    bad = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == ["README.md: missing (it must index the notebooks)"]


def test_rules_are_small_functions() -> None:
    assert L.RULES and all(callable(r) for r in L.RULES)
    assert len(L.RULES) == len(L.REPO_RULES) + len(L.NOTEBOOK_RULES)


# ---------------------------------------------------------------- 1. names


def test_bad_name(repo: Path) -> None:
    shutil.copy(repo / "notebooks" / "03_story_time.ipynb", repo / "notebooks" / "4_Bad-Name.ipynb")
    assert_reported(repo, "notebooks/4_Bad-Name.ipynb: ", "NN_snake_name")


def test_numbers_may_skip_a_planned_notebook(repo: Path) -> None:
    (repo / "notebooks" / "02_edit_images.ipynb").unlink()
    readme = repo / "README.md"
    readme.write_text(readme.read_text().replace("notebooks/02_edit_images.ipynb", ""))
    problems = [p for p in L.lint(repo) if "numbers" in p]
    assert problems == []


def test_numbers_must_start_at_01(repo: Path) -> None:
    (repo / "notebooks" / "01_first_steps.ipynb").unlink()
    assert_reported(repo, "notebooks/: ", "must start at 01")


def test_numbers_must_be_unique(repo: Path) -> None:
    shutil.copy(repo / "notebooks" / "02_edit_images.ipynb", repo / "notebooks" / "02_other.ipynb")
    assert_reported(repo, "notebooks/: ", "number 02", "02_edit_images.ipynb", "02_other.ipynb")


def test_no_notebooks(repo: Path) -> None:
    shutil.rmtree(repo / "notebooks")
    assert_reported(repo, "notebooks/: ", "no notebooks")


# ---------------------------------------------------------------- 2. README index


def test_readme_must_link_every_notebook(repo: Path) -> None:
    write_readme(repo, NAMES[:2])
    assert_reported(repo, "README.md: ", "notebooks/03_story_time.ipynb")


def test_readme_mention_without_link_is_not_enough(repo: Path) -> None:
    write_readme(repo, NAMES[:2])
    with (repo / "README.md").open("a", encoding="utf-8") as f:
        f.write("\nSee notebooks/03_story_time.ipynb\n")
    assert_reported(repo, "README.md: ", "does not link notebooks/03_story_time.ipynb")


def test_readme_links_missing_notebook(repo: Path) -> None:
    with (repo / "README.md").open("a", encoding="utf-8") as f:
        f.write("\n[old](notebooks/09_gone.ipynb) and [other](https://github.com/x/y/blob/main/notebooks/z.ipynb)\n")
    hits = assert_reported(repo, "README.md: ", "notebooks/09_gone.ipynb", "does not exist")
    assert len(hits) == 1  # other repositories' notebooks are none of our business


def test_readme_missing(repo: Path) -> None:
    (repo / "README.md").unlink()
    assert_reported(repo, "README.md: ", "missing")


# ---------------------------------------------------------------- 3. Colab badge


def test_badge_wrong_branch(repo: Path) -> None:
    nb = read_nb(repo, "02_edit_images")
    nb["cells"][0]["source"] = nb["cells"][0]["source"].replace("/blob/main/", "/blob/dev/")
    write_nb(repo, "02_edit_images", nb)
    hits = assert_reported(repo, "notebooks/02_edit_images.ipynb: cell 1: ", "Open-in-Colab", colab("02_edit_images"))
    assert problems_for(repo, "/blob/dev/notebooks/02_edit_images.ipynb does not match")
    assert hits


def test_badge_missing(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][0]["source"] = "# 01 \u00b7 Title\n\nNo badge here."
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 1: ", "Open-in-Colab")


def test_other_colab_url_must_match(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][3]["source"] += f"\n\nOpen [in Colab]({colab('02_edit_images')})."
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 4: ", "does not match", "02_edit_images")


def test_pyproject_settings_missing(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert_reported(repo, "pyproject.toml: ", "repo and branch")


# ---------------------------------------------------------------- 4. template


def _edit_cell(repo: Path, stem: str, index: int, new_source: str, cell_type: str | None = None) -> None:
    nb = read_nb(repo, stem)
    nb["cells"][index]["source"] = new_source
    if cell_type == "markdown":
        cell = nb["cells"][index]
        for key in ("outputs", "execution_count"):
            cell.pop(key, None)
        cell["cell_type"] = "markdown"
    write_nb(repo, stem, nb)


def test_title_number_must_match(repo: Path) -> None:
    nb = read_nb(repo, "02_edit_images")
    nb["cells"][0]["source"] = nb["cells"][0]["source"].replace("# 02 \u00b7", "# 03 \u00b7", 1)
    write_nb(repo, "02_edit_images", nb)
    assert_reported(repo, "notebooks/02_edit_images.ipynb: cell 1: ", "title number 03", "file number 02")


def test_title_needs_middle_dot(repo: Path) -> None:
    nb = read_nb(repo, "02_edit_images")
    nb["cells"][0]["source"] = nb["cells"][0]["source"].replace("# 02 \u00b7", "# 02 -", 1)
    write_nb(repo, "02_edit_images", nb)
    assert_reported(repo, "notebooks/02_edit_images.ipynb: cell 1: ", "NN \u00b7 Title")


def test_install_cell_required(repo: Path) -> None:
    _edit_cell(repo, "01_first_steps", 1, "%pip install helpers")
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 2: ", "install")


def test_install_cell_points_at_the_repo(repo: Path) -> None:
    _edit_cell(repo, "01_first_steps", 1, 'import sys\nif "google.colab" in sys.modules:\n    %pip install git+https://github.com/someone/fork@main')
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 2: ", "someone/fork", f"expected github.com/{REPO}@{BRANCH}")


def test_setup_cell_needs_own_stem(repo: Path) -> None:
    _edit_cell(repo, "02_edit_images", 2, 'import helpers\nclient = helpers.setup("01_first_steps")')
    assert_reported(repo, "notebooks/02_edit_images.ipynb: cell 3: ", 'helpers.setup("02_edit_images")')


def test_last_cell_says_whats_next(repo: Path) -> None:
    _edit_cell(repo, "03_story_time", 6, "## The end\n\nThat is all.")
    assert_reported(repo, "notebooks/03_story_time.ipynb: cell 7: ", "what's next")


def test_last_cell_links_next_notebook(repo: Path) -> None:
    _edit_cell(repo, "01_first_steps", 6, "## What's next\n\nThe next notebook edits images.")
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 7: ", "02_edit_images.ipynb")


def test_last_cell_must_be_markdown(repo: Path) -> None:
    nb = read_nb(repo, "03_story_time")
    nb["cells"].append(v4.new_code_cell("", id="trailing-code"))
    write_nb(repo, "03_story_time", nb)
    assert_reported(repo, "notebooks/03_story_time.ipynb: cell 8: ", "Markdown")


def test_no_google_colab_import(repo: Path) -> None:
    _edit_cell(repo, "01_first_steps", 4, "from google.colab import userdata\nprint('hello')")
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 5: ", "imports google.colab")


def test_no_copied_helpers(repo: Path) -> None:
    _edit_cell(repo, "01_first_steps", 4, "from getpass import getpass\ndef get_key():\n    return getpass()\nprint('hello')")
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 5: ", "helper")


def test_def_without_key_or_display_is_fine(repo: Path) -> None:
    _edit_cell(repo, "01_first_steps", 4, "def double(x):\n    return 2 * x\nprint('hello')")
    assert L.lint(repo) == []


# ---------------------------------------------------------------- 5. second person


@pytest.mark.parametrize("text, word", [
    ("Now we draw a cat.", '"we"'),
    ("We'll edit it next.", "\"we'll\""),
    ("Let\u2019s add a hat.", "\"let's\""),
    ("Look at our result.", '"our"'),
    ("OUR model, WE'RE sure.", "\"we're\""),
])
def test_first_person_is_flagged(repo: Path, text: str, word: str) -> None:
    _edit_cell(repo, "02_edit_images", 3, f"## Section\n\n{text}")
    assert_reported(repo, "notebooks/02_edit_images.ipynb: cell 4: ", "first person", word)


def test_first_person_in_code_and_urls_is_ignored(repo: Path) -> None:
    text = (
        "## Section\n\nYour picture, yours to keep; `let's = 1`, ``our``, "
        "see https://example.com/we/our and [docs](https://example.com/lets).\n\n"
        "```python\n# we do this in code\n```\n"
    )
    _edit_cell(repo, "02_edit_images", 3, text)
    assert L.lint(repo) == []


def test_dollar_in_prose_is_flagged_but_not_in_code(repo: Path) -> None:
    for text in ("It costs $5 to $10.", "It costs \\$5 to \\$10."):
        _edit_cell(repo, "02_edit_images", 3, f"## Section\n\n{text}")
        assert_reported(repo, "notebooks/02_edit_images.ipynb: cell 4: ", '"$" in prose', "USD")
    _edit_cell(repo, "02_edit_images", 3, "## Section\n\nIt costs USD 5, or `echo $HOME`.")
    assert L.lint(repo) == []


# ---------------------------------------------------------------- 6. outputs


def test_error_output(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][4]["outputs"].append(v4.new_output("error", ename="ValueError", evalue="boom", traceback=[]))
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 5: ", "error output", "ValueError")


def test_stderr_output(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][4]["outputs"].append(v4.new_output("stream", name="stderr", text="warning\n"))
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 5: ", "stderr")


def test_execution_count_gap(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][4]["execution_count"] = 7
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 5: ", "execution_count 7, expected 3")


def test_execution_count_missing(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][2]["execution_count"] = None
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 3: ", "execution_count None, expected 2")


def test_notebook_saved_without_outputs(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"], cell["outputs"] = None, []
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: ", "run the record command")


# ---------------------------------------------------------------- 7. valid


def test_cell_without_id(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    del nb["cells"][3]["id"]
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 4: ", "no id")


def test_duplicate_cell_id(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][3]["id"] = nb["cells"][0]["id"]
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: cell 4: ", "repeats cell 1")


def test_old_nbformat(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: ", "nbformat 4.4", "4.5")


def test_schema_invalid(repo: Path) -> None:
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][4]["outputs"][0]["output_type"] = "bogus"
    write_nb(repo, "01_first_steps", nb)
    assert_reported(repo, "notebooks/01_first_steps.ipynb: ", "not a valid notebook")


def test_not_json(repo: Path) -> None:
    (repo / "notebooks" / "02_edit_images.ipynb").write_text("{not json", encoding="utf-8")
    assert_reported(repo, "notebooks/02_edit_images.ipynb: ", "notebook JSON")


# ---------------------------------------------------------------- 8. size


def test_notebook_too_big(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert L.MAX_NOTEBOOK_BYTES == 1_500_000
    monkeypatch.setattr(L, "MAX_NOTEBOOK_BYTES", 3000)
    nb = read_nb(repo, "02_edit_images")
    nb["cells"][4]["outputs"][1]["data"]["image/png"] = "iVBORw0KGgo" + "A" * 4000
    write_nb(repo, "02_edit_images", nb)
    assert_reported(repo, "notebooks/02_edit_images.ipynb: ", "over the 3,000-byte budget")


def test_recordings_too_big(repo: Path) -> None:
    assert L.MAX_RECORDINGS_BYTES == 15_000_000
    for name in ("a.yaml", "sub/b.yaml"):
        path = repo / "recordings" / name
        path.parent.mkdir(exist_ok=True)
        with path.open("wb") as f:
            f.truncate(7_600_000)  # sparse: cheap to make, counts by size
    assert_reported(repo, "recordings/: ", "15,200,", "over the 15,000,000-byte budget")


# ---------------------------------------------------------------- 9. secrets


def test_key_shaped_string_is_reported_without_the_key(repo: Path) -> None:
    (repo / "notes.txt").write_text(f"line one\nkey = '{FAKE_KEY}'\n", encoding="utf-8")
    nb = read_nb(repo, "01_first_steps")
    nb["cells"][4]["source"] = f"print('hello')\nKEY = \"{FAKE_KEY}\""
    write_nb(repo, "01_first_steps", nb)
    problems = L.lint(repo)
    hits = [p for p in problems if "key-shaped" in p]
    assert any(p.startswith("notes.txt:2: ") for p in hits), problems
    assert any(p.startswith("notebooks/01_first_steps.ipynb:") for p in hits), problems
    assert all(FAKE_KEY not in p and FAKE_KEY[4:] not in p for p in problems)


def test_cli_never_prints_the_key(repo: Path) -> None:
    (repo / "notes.txt").write_text(f"?key={FAKE_KEY}&alt=sse\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "helpers.lint", str(repo)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "notes.txt:1: key-shaped" in run.stdout
    assert FAKE_KEY not in run.stdout + run.stderr


def test_key_shaped_run_inside_base64_is_not_a_key(repo: Path) -> None:
    (repo / "blob.txt").write_text("iVBORw0KGgo" + FAKE_KEY + "QmCC\n", encoding="utf-8")
    assert L.lint(repo) == []


def test_walk_skips_outputs_and_caches(repo: Path) -> None:
    for folder in ("outputs", "__pycache__", ".git"):
        (repo / folder).mkdir(exist_ok=True)
        (repo / folder / "x.txt").write_text(FAKE_KEY, encoding="utf-8")
    assert L.lint(repo) == []


def test_git_repo_scans_tracked_and_unignored_files(repo: Path) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text(".env\n", encoding="utf-8")
    (repo / ".env").write_text(f"GEMINI_API_KEY={FAKE_KEY}\n", encoding="utf-8")  # ignored: fine
    assert L.lint(repo) == []
    (repo / "tracked.py").write_text(f"\n\nKEY = '{FAKE_KEY}'\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "tracked.py"], check=True)
    (repo / "untracked.md").write_text(FAKE_KEY, encoding="utf-8")
    problems = L.lint(repo)
    assert [p.split(": ")[0] for p in problems] == ["tracked.py:3", "untracked.md:1"], problems
    assert all(FAKE_KEY not in p for p in problems)


# ---------------------------------------------------------------- the real repository


def test_real_repository_is_clean() -> None:
    problems = L.lint(ROOT)
    assert problems == [], "\n".join(problems)
