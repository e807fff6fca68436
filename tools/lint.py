"""Notebook hygiene, as small rule functions: ``python -m tools.lint [ROOT]``.

Prints one problem a line (``path: message``) and exits 1 when there is any. Notebook rules
check each ``notebooks/NN_name.ipynb`` against ``tools/template.ipynb`` (title, Colab badge of
this very file, the Colab and setup cells, "What's next"), the prose (second person, no "$"
pairs, no mention of a notebook that does not exist), the outputs (none an error or on stderr,
execution counts 1..n, pictures within budget) and the metadata JupyterLab writes. Repository
rules check the numbering, the README index, the size budgets and key-shaped strings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.images import KEY_SHAPE

MAX_NOTEBOOK_BYTES = 1_500_000
MAX_RECORDINGS_BYTES = 15_000_000
MAX_SHOWN_IMAGE = 150_000  # characters of base64 one shown picture or figure may take (a single picture: 40,000)
NAME = re.compile(r"^(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
FIRST_PERSON = re.compile(r"\b(?:let['’]s|we|we['’](?:ll|re|ve)|our|us)\b", re.IGNORECASE)
MENTION = re.compile(r"\b(?:notebook|notebooks)\s+(\d\d)\b|\[(\d\d) ·", re.IGNORECASE)
LANGUAGE_INFO_KEYS = (
    "codemirror_mode",
    "file_extension",
    "mimetype",
    "name",
    "nbconvert_exporter",
    "pygments_lexer",
    "version",
)


@dataclass
class Notebook:
    path: Path
    data: dict[str, Any]

    @property
    def cells(self) -> list[dict[str, Any]]:
        return list(self.data.get("cells") or [])

    def source(self, index: int) -> str:
        cells = self.cells
        return _text(cells[index].get("source")) if -len(cells) <= index < len(cells) else ""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _prose(markdown: str) -> str:
    """Markdown without code spans, code blocks and link targets."""
    markdown = re.sub(r"```.*?```", "", markdown, flags=re.S)
    markdown = re.sub(r"`[^`]*`", "", markdown)
    return re.sub(r"\]\([^)]*\)", "]", markdown)


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        settings = tomllib.loads((root / "pyproject.toml").read_text()).get("tool", {}).get("genai-notebooks", {})
        self.slug, self.branch = settings.get("repo", ""), settings.get("branch", "main")
        self.paths = sorted((root / "notebooks").glob("*.ipynb"))
        self.template = Notebook(root / "tools/template.ipynb", json.loads((root / "tools/template.ipynb").read_text()))

    def colab_url(self, name: str) -> str:
        return f"https://colab.research.google.com/github/{self.slug}/blob/{self.branch}/notebooks/{name}"

    def numbers(self) -> set[str]:
        return {m.group(1) for p in self.paths if (m := NAME.match(p.name))}


# -- notebook rules -------------------------------------------------------------------------------


def rule_template(repo: Repo, nb: Notebook) -> Iterator[str]:
    """Title, badge, the Colab and setup cells as in the template, and a closing "What's next"."""
    name = nb.path.stem
    first = nb.source(0)
    if not re.match(rf"^# {name[:2]} · \S", first):
        yield f"cell 1: the title must be '# {name[:2]} · Title'"
    if repo.colab_url(nb.path.name) not in first:
        yield f"cell 1: needs the Open-in-Colab badge linking {repo.colab_url(nb.path.name)}"
    for heading in ("**You will build**", "**You will learn**", "**Cost when you run it live:**"):
        if heading not in first:
            yield f"cell 1: says nothing under {heading}"
    if nb.source(1) != repo.template.source(1):
        yield "cell 2: must be the template's Colab install cell, unchanged (tools/template.ipynb)"
    if nb.source(2) != repo.template.source(2).replace("NN_name", name):
        yield f'cell 3: must be the template\'s setup cell with choose_mode("{name}") (tools/template.ipynb)'
    if not nb.source(-1).startswith("## What's next"):
        yield "last cell: must be '## What's next' with a link onward"
    # Display code is shown once, in 01 (the SDK-only way to look at a picture); after that, helpers.show.
    forbidden = r"google\.colab|getpass|^def " + ("" if name.startswith("01_") else r"|IPython\.display")
    for index, cell in enumerate(nb.cells[3:], start=4):
        if cell.get("cell_type") == "code" and re.search(forbidden, _text(cell.get("source")), re.M):
            yield f"cell {index}: display, key or helper code belongs in helpers/, not in a notebook"


def rule_prose(repo: Repo, nb: Notebook) -> Iterator[str]:
    """Second person; no "$" (JupyterLab renders a pair as math); no mention of a missing notebook."""
    numbers = repo.numbers()
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "markdown":
            continue
        prose = _prose(_text(cell.get("source")))
        if found := FIRST_PERSON.search(prose):
            yield f"cell {index}: '{found.group(0)}': write to the learner in the second person"
        if "$" in prose:
            yield f"cell {index}: '$' in prose renders as math in JupyterLab: write 'USD 5'"
        for match in MENTION.finditer(_text(cell.get("source"))):
            number = match.group(1) or match.group(2)
            after = _text(cell.get("source"))[match.end() : match.end() + 40]
            if number not in numbers and "coming soon" not in after:
                yield f"cell {index}: mentions notebook {number}, which does not exist (say '(coming soon)')"


def rule_outputs(repo: Repo, nb: Notebook) -> Iterator[str]:
    """Committed with outputs from the record command: no errors, no stderr, counts 1..n, small pictures."""
    count = 0
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        count += 1
        if cell.get("execution_count") != count:
            yield f"cell {index}: execution count {cell.get('execution_count')}, expected {count} (re-record it)"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                yield f"cell {index}: has an error output ({output.get('ename')})"
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                yield f"cell {index}: writes to stderr (nbval compares it): fix the warning"
            for mime, value in (output.get("data") or {}).items():
                if mime.startswith("image/") and len(_text(value)) > MAX_SHOWN_IMAGE:
                    size = len(_text(value))
                    yield f"cell {index}: a shown picture takes {size:,} characters (budget {MAX_SHOWN_IMAGE:,})"


def rule_metadata(repo: Repo, nb: Notebook) -> Iterator[str]:
    """Valid nbformat with cell ids, and the kernelspec and language_info JupyterLab writes."""
    import nbformat

    try:
        nbformat.validate(nbformat.from_dict(nb.data))
    except nbformat.ValidationError as error:
        yield f"not valid nbformat: {str(error).splitlines()[0]}"
    if any(not cell.get("id") for cell in nb.cells):
        yield "every cell needs an id (nbformat 4.5)"
    meta = nb.data.get("metadata", {})
    if meta.get("kernelspec", {}).get("display_name") != "Python 3 (ipykernel)":
        yield "metadata.kernelspec is not what JupyterLab writes: re-record the notebook"
    missing = [key for key in LANGUAGE_INFO_KEYS if key not in meta.get("language_info", {})]
    if missing:
        yield f"metadata.language_info lacks {', '.join(missing)}: re-record the notebook"
    if nb.path.stat().st_size > MAX_NOTEBOOK_BYTES:
        yield f"{nb.path.stat().st_size:,} bytes, over the {MAX_NOTEBOOK_BYTES:,}-byte budget"


CALLS = re.compile(r"\*\*Cost when you run it live:\*\* (?:about )?(\d+) calls?")


RETRIED = {408, 429, 500, 502, 503, 504}  # statuses the setup cell's client retries


def rule_counts(repo: Repo, nb: Notebook) -> Iterator[str]:
    """The number of calls the first cell announces is the number of calls the recording holds: every POST, less
    the failed attempts the client's retries made again (an answer of RETRIED followed by the same request)."""
    said = CALLS.search(nb.source(0))
    recording = repo.root / "recordings" / f"{nb.path.stem}.json"
    if said is None or not recording.is_file():
        return
    exchanges = json.loads(recording.read_text(encoding="utf-8")).get("interactions", [])
    posts = [(e["request"]["uri"], e["request"]["body"], e["response"]["status"]["code"]) for e in exchanges]
    posts = [p for e, p in zip(exchanges, posts, strict=True) if e["request"]["method"] == "POST"]
    calls = sum(
        1
        for n, (uri, body, status) in enumerate(posts)
        if not (status in RETRIED and (uri, body) in {p[:2] for p in posts[n + 1 :]})
    )
    if int(said.group(1)) != calls:
        yield f"cell 1: says {said.group(1)} calls, the recording holds {calls} (count them, then say so)"


NOTEBOOK_RULES: list[Callable[[Repo, Notebook], Iterator[str]]] = [
    rule_template,
    rule_prose,
    rule_outputs,
    rule_metadata,
    rule_counts,
]


# -- repository rules -----------------------------------------------------------------------------


def rule_names(repo: Repo) -> Iterator[str]:
    seen: dict[str, str] = {}
    for path in repo.paths:
        match = NAME.match(path.name)
        if not match:
            yield f"notebooks/{path.name}: name it NN_snake_case.ipynb"
        elif match.group(1) in seen:
            yield f"notebooks/{path.name}: number {match.group(1)} is taken by {seen[match.group(1)]}"
        else:
            seen[match.group(1)] = path.name
    if "01" not in seen:
        yield "notebooks/: the collection starts with 01"


def rule_readme(repo: Repo) -> Iterator[str]:
    readme = (repo.root / "README.md").read_text(encoding="utf-8")
    for path in repo.paths:
        if f"](notebooks/{path.name})" not in readme:
            yield f"README.md: the notebook index has no link to notebooks/{path.name}"
    for listed in re.findall(r"\]\(notebooks/([^)]+\.ipynb)\)", readme):
        if not (repo.root / "notebooks" / listed).is_file():
            yield f"README.md: links notebooks/{listed}, which does not exist"


def rule_budgets(repo: Repo) -> Iterator[str]:
    total = sum(p.stat().st_size for p in (repo.root / "recordings").glob("*.json"))
    if total > MAX_RECORDINGS_BYTES:
        yield f"recordings/: {total:,} bytes in all, over the {MAX_RECORDINGS_BYTES:,}-byte budget"


def tracked_files(root: Path) -> list[Path]:
    """Files git tracks or would add; every file when ``root`` is not a git work tree."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True
    )
    if listed.returncode != 0:
        return [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    return [root / name for name in listed.stdout.decode().split("\0") if name and (root / name).is_file()]


def rule_secrets(repo: Repo) -> Iterator[str]:
    """No key-shaped string (AIza + 35 characters) in any file git would commit, outputs and recordings
    included: not even by chance inside picture data, which secret scanners flag too (the encoder avoids it)."""
    for path in tracked_files(repo.root):
        data = path.read_bytes()
        for match in KEY_SHAPE.finditer(data):
            line = data.count(b"\n", 0, match.start()) + 1
            yield f"{path.relative_to(repo.root)}:{line}: a key-shaped string: remove it (and revoke it if real)"


REPO_RULES: list[Callable[[Repo], Iterator[str]]] = [rule_names, rule_readme, rule_budgets, rule_secrets]


def lint(root: Path) -> list[str]:
    """Every problem under ``root``, one line each (empty when clean)."""
    repo = Repo(root.resolve())
    problems = [line for rule in REPO_RULES for line in rule(repo)]
    for path in repo.paths:
        nb = Notebook(path, json.loads(path.read_text(encoding="utf-8")))
        problems += [f"notebooks/{path.name}: {message}" for rule in NOTEBOOK_RULES for message in rule(repo, nb)]
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parents[1]
    problems = lint(root)
    print("\n".join(problems) or f"lint: {len(Repo(root.resolve()).paths)} notebooks, no problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
