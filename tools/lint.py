"""Notebook hygiene: a linter made of small rule functions (after tensorflow/docs' nblint).

Run it::

    python -m helpers.lint [ROOT]     # ROOT defaults to the repository root

It prints one problem a line as ``path: message`` (path relative to ROOT), or
``lint: N notebooks, no problems``, and exits 1 when anything is wrong.
``lint(root)`` returns the same lines as a list, for the tests.

Each rule is a function taking a :class:`Context` and returning messages.
``REPO_RULES`` look at the repository as a whole and return complete
``path: message`` lines; ``NOTEBOOK_RULES`` run once per ``notebooks/*.ipynb``
and return messages that :func:`lint` prefixes with the notebook's path.
Nothing here imports the rest of ``helpers``; nbformat is imported only when used.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

#: Budgets from DESIGN.md.
MAX_NOTEBOOK_BYTES = 1_500_000
MAX_RECORDINGS_BYTES = 15_000_000

NAME_RE = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
TITLE_RE = re.compile(r"^# (\d\d) \u00b7 \S")
COLAB_URL_RE = re.compile(r"https?://colab\.research\.google\.com/[^\s)\"'<>\]]*")
#: Colab-hosted assets (the badge image) are not notebook links.
COLAB_ASSET_PREFIX = "https://colab.research.google.com/assets/"
INSTALL_MARK_RE = re.compile(r"""["']google\.colab["']\s+in\s+sys\.modules""")
GITHUB_URL_RE = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?(?:@([\w./-]+))?(?=[\s\"'#/]|$)")
COLAB_IMPORT_RE = re.compile(
    r"^[ \t]*(?:import[ \t]+[^#\n]*\bgoogle\.colab\b"
    r"|from[ \t]+google\.colab\b"
    r"|from[ \t]+google[ \t]+import[ \t]+[^#\n]*\bcolab\b)",
    re.MULTILINE,
)
DEF_RE = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+", re.MULTILINE)
HELPER_SMELL_RE = re.compile(r"getpass|userdata|IPython\.display")
FIRST_PERSON_RE = re.compile(r"\b(?:let['\u2019]s|we['\u2019](?:ll|re)|we|our)\b", re.IGNORECASE)
NEXT_RE = re.compile(r"\bnext\b", re.IGNORECASE)

# Key-shaped strings: Google API keys are "AIza" + 35 URL-safe characters. A hit glued to
# key characters on BOTH sides sits inside a longer token (base64 image data in notebooks
# and cassettes holds such runs by chance), so only a hit delimited on at least one side
# counts. The pattern is assembled so this file never holds a key-shaped literal.
KEY_CHARS = rb"0-9A-Za-z_\-"
KEY_RE = re.compile(rb"(?=(AIza[" + KEY_CHARS + rb"]{35}))")
KEY_CHAR_RE = re.compile(rb"[" + KEY_CHARS + rb"]")
WALK_SKIP_DIRS = {".git", "__pycache__", "outputs", ".ipynb_checkpoints", ".pytest_cache", ".venv"}

RECORD_HINT = "run the record command (python -m helpers.record {path}, see README)"


@dataclass
class Context:
    """What a rule may look at. ``path``/``nb`` are None for repository-wide rules."""

    root: Path
    settings: dict[str, Any]
    notebooks: list[Path]
    path: Path | None = None
    nb: dict[str, Any] | None = None

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def cells(self) -> list[dict[str, Any]]:
        cells = (self.nb or {}).get("cells")
        return cells if isinstance(cells, list) else []

    def number(self, path: Path | None = None) -> int | None:
        """The notebook's NN, if its name starts with two digits and an underscore."""
        m = re.match(r"^(\d\d)_", (path or self.path).name)  # type: ignore[union-attr]
        return int(m.group(1)) if m else None


Rule = Callable[[Context], Iterable[str]]


# ---------------------------------------------------------------- small utilities


def source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def is_markdown(cell: dict[str, Any] | None) -> bool:
    return bool(cell) and cell.get("cell_type") == "markdown"  # type: ignore[union-attr]


def is_code(cell: dict[str, Any] | None) -> bool:
    return bool(cell) and cell.get("cell_type") == "code"  # type: ignore[union-attr]


_INLINE_LINK_RE = re.compile(r"\]\(\s*<?([^)\s>]+)")
_REF_LINK_RE = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]|$)", re.MULTILINE)
_HREF_RE = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def link_targets(markdown: str) -> list[str]:
    """Targets of Markdown inline/reference links and HTML hrefs."""
    return (
        _INLINE_LINK_RE.findall(markdown)
        + _REF_LINK_RE.findall(markdown)
        + _HREF_RE.findall(markdown)
    )


def _normalise_target(target: str) -> str:
    target = target.split("#", 1)[0].split("?", 1)[0]
    while target.startswith("./"):
        target = target[2:]
    return target


_FENCE_RE = re.compile(r"^[ \t]{0,3}(```|~~~).*?(?:^[ \t]{0,3}\1[^\n]*$|\Z)", re.MULTILINE | re.DOTALL)
_CODE_SPAN_RE = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)
_URL_RE = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|\]\([^)]*\)")


def prose(markdown: str) -> str:
    """Markdown with code blocks, code spans and URLs blanked out."""
    text = _FENCE_RE.sub(" ", markdown)
    text = _CODE_SPAN_RE.sub(" ", text)
    return _URL_RE.sub(" ", text)


def load_settings(root: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    settings = data.get("tool", {}).get("genai-notebooks", {})
    return settings if isinstance(settings, dict) else {}


def notebook_files(root: Path) -> list[Path]:
    folder = root / "notebooks"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith(".ipynb") and p.is_file())


def colab_url(settings: dict[str, Any], filename: str) -> str | None:
    repo, branch = settings.get("repo"), settings.get("branch")
    if not (isinstance(repo, str) and repo and isinstance(branch, str) and branch):
        return None
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{filename}"


# ---------------------------------------------------------------- repository rules


def rule_names(ctx: Context) -> list[str]:
    """1. Names match NN_snake_name.ipynb; numbers unique, starting at 01.

    Gaps are allowed: a number can be kept for a planned notebook (issues add them out of order)."""
    out: list[str] = []
    if not ctx.notebooks:
        return ["notebooks/: no notebooks found"]
    numbers: dict[int, list[str]] = {}
    for path in ctx.notebooks:
        if not NAME_RE.match(path.name):
            out.append(f"{ctx.rel(path)}: file name must look like NN_snake_name.ipynb (two digits, lowercase words joined by _)")
        n = ctx.number(path)
        if n is not None:
            numbers.setdefault(n, []).append(path.name)
    for n, names in sorted(numbers.items()):
        if len(names) > 1:
            out.append(f"notebooks/: number {n:02d} is used by more than one notebook: {', '.join(names)}")
    if numbers and 1 not in numbers:
        out.append("notebooks/: notebook numbers must start at 01 (the quickstart)")
    return out


def rule_readme_index(ctx: Context) -> list[str]:
    """2. README.md links every notebook as notebooks/NN_name.ipynb and no missing one."""
    readme = ctx.root / "README.md"
    if not readme.is_file():
        return ["README.md: missing (it must index the notebooks)"]
    text = readme.read_text(encoding="utf-8", errors="replace")
    targets = [_normalise_target(t) for t in link_targets(text)]
    out = [
        f"README.md: does not link notebooks/{p.name} (add it to the notebook index)"
        for p in ctx.notebooks
        if f"notebooks/{p.name}" not in targets
    ]
    existing = {p.name for p in ctx.notebooks}
    repo = ctx.settings.get("repo")
    seen: set[str] = set()
    for target in targets:
        m = re.search(r"(?:^|/)notebooks/([^/]+\.ipynb)$", target)
        if not m:
            continue
        local = target.startswith("notebooks/")
        ours = isinstance(repo, str) and repo and f"/{repo}/" in target
        if (local or ours) and m.group(1) not in existing and target not in seen:
            seen.add(target)
            out.append(f"README.md: links {target}, which does not exist")
    return out


def rule_settings(ctx: Context) -> list[str]:
    """The badge and install checks need [tool.genai-notebooks] repo and branch."""
    if colab_url(ctx.settings, "x.ipynb") is None:
        return ["pyproject.toml: [tool.genai-notebooks] needs string keys repo and branch"]
    return []


def rule_recordings_size(ctx: Context) -> list[str]:
    """8b. All files under recordings/ together stay within the budget."""
    folder = ctx.root / "recordings"
    if not folder.is_dir():
        return []
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    if total > MAX_RECORDINGS_BYTES:
        return [
            f"recordings/: {total:,} bytes in all, over the {MAX_RECORDINGS_BYTES:,}-byte budget "
            "(re-record with smaller images)"
        ]
    return []


def _files_to_scan(root: Path) -> list[Path]:
    """Files git tracks or would add (untracked, not ignored); a plain walk outside git."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True, text=True, timeout=30,
        )
        if inside.returncode == 0 and inside.stdout.strip() == "true":
            listed = subprocess.run(
                ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                capture_output=True, check=True, timeout=60,
            ).stdout
            names = sorted({n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n})
            return [root / n for n in names if (root / n).is_file()]
    except (OSError, subprocess.SubprocessError):
        pass
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in WALK_SKIP_DIRS)
        files.extend(Path(dirpath) / f for f in sorted(filenames))
    return files


def key_lines(data: bytes) -> list[int]:
    """Line numbers holding a key-shaped string (never the string itself)."""
    lines = []
    for m in KEY_RE.finditer(data):
        start, end = m.start(1), m.end(1)
        glued_before = start > 0 and KEY_CHAR_RE.match(data, start - 1) is not None
        glued_after = end < len(data) and KEY_CHAR_RE.match(data, end) is not None
        if glued_before and glued_after:
            continue  # inside a longer token, e.g. base64 image data
        line = data.count(b"\n", 0, start) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def rule_secrets(ctx: Context) -> list[str]:
    """9. No key-shaped string (AIza + 35) in any file git tracks or would add."""
    out = []
    for path in _files_to_scan(ctx.root):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"AIza" not in data:
            continue
        for line in key_lines(data):
            out.append(
                f"{ctx.rel(path)}:{line}: key-shaped string (AIza...) - remove it, and revoke the key if it is real"
            )
    return out


# ---------------------------------------------------------------- notebook rules


def rule_colab_badge(ctx: Context) -> list[str]:
    """3. First cell links the Colab URL of this very file; no other Colab URL disagrees."""
    expected = colab_url(ctx.settings, ctx.path.name)  # type: ignore[union-attr]
    if expected is None:
        return []  # reported once by rule_settings
    out = []
    cells = ctx.cells
    first = cells[0] if cells else None
    if not (is_markdown(first) and expected in link_targets(source(first))):  # type: ignore[arg-type]
        out.append(f"cell 1: needs an Open-in-Colab link to {expected}")
    for i, cell in enumerate(cells, 1):
        for url in COLAB_URL_RE.findall(source(cell)):
            if url != expected and not url.startswith(COLAB_ASSET_PREFIX):
                out.append(f"cell {i}: Colab URL {url} does not match this notebook (expected {expected})")
    return out


def rule_template(ctx: Context) -> list[str]:
    """4. Title, Colab-only install cell, setup cell, what's next; no copied helpers."""
    out: list[str] = []
    cells, path = ctx.cells, ctx.path
    assert path is not None
    n = ctx.number()
    if not cells:
        return ["notebook has no cells"]

    first = cells[0]
    m = TITLE_RE.match(source(first).lstrip("\n")) if is_markdown(first) else None
    if not m:
        out.append("cell 1: must be Markdown starting with '# NN \u00b7 Title' (NN, a middle dot U+00B7, the title)")
    elif n is not None and int(m.group(1)) != n:
        out.append(f"cell 1: title number {m.group(1)} does not match the file number {n:02d}")

    second = cells[1] if len(cells) > 1 else None
    if not (is_code(second) and INSTALL_MARK_RE.search(source(second))):  # type: ignore[arg-type]
        out.append('cell 2: must be the Colab-only install code cell (if "google.colab" in sys.modules: ...)')
    elif isinstance(ctx.settings.get("repo"), str):
        want_repo, want_branch = ctx.settings["repo"], ctx.settings.get("branch")
        for repo, ref in GITHUB_URL_RE.findall(source(second)):  # type: ignore[arg-type]
            if repo != want_repo or (ref and ref != want_branch):
                got = f"{repo}@{ref}" if ref else repo
                out.append(f"cell 2: installs helpers from github.com/{got}, expected github.com/{want_repo}@{want_branch}")

    third = cells[2] if len(cells) > 2 else None
    setup_re = re.compile(r"""helpers\.setup\(\s*(["'])""" + re.escape(path.stem) + r"""\1\s*[,)]""")
    if not (is_code(third) and setup_re.search(source(third))):  # type: ignore[arg-type]
        out.append(f'cell 3: must be a code cell calling helpers.setup("{path.stem}")')

    last = cells[-1]
    if not is_markdown(last) or not NEXT_RE.search(source(last)):
        out.append(f"cell {len(cells)}: the last cell must be Markdown saying what's next")
    elif n is not None:
        nxt = [p.name for p in ctx.notebooks if ctx.number(p) == n + 1]
        targets = [_normalise_target(t) for t in link_targets(source(last))]
        for name in nxt:
            if not any(t == name or t.endswith("/" + name) for t in targets):
                out.append(f"cell {len(cells)}: the what's-next cell must link the next notebook, {name}")

    for i, cell in enumerate(cells, 1):
        if not is_code(cell):
            continue
        src = source(cell)
        if COLAB_IMPORT_RE.search(src):
            out.append(f"cell {i}: imports google.colab; leave Colab specifics to helpers")
        if DEF_RE.search(src) and HELPER_SMELL_RE.search(src):
            out.append(f"cell {i}: defines a key/display helper; use the helpers package instead of copying code")
    return out


def rule_second_person(ctx: Context) -> list[str]:
    """5. Markdown speaks to the reader: no we / we'll / we're / let's / our."""
    out = []
    for i, cell in enumerate(ctx.cells, 1):
        if not is_markdown(cell):
            continue
        words = {w.lower().replace("\u2019", "'"): None for w in FIRST_PERSON_RE.findall(prose(source(cell)))}
        if words:
            quoted = ", ".join(f'"{w}"' for w in words)
            out.append(f'cell {i}: first person ({quoted}); write to the reader as "you"')
    return out


def rule_dollars(ctx: Context) -> list[str]:
    """5b. No "$" in Markdown prose: a pair renders as LaTeX math, and JupyterLab 4.6 does so even
    for the escaped ``\\$`` that GitHub and Colab accept. Write amounts as "USD 5"."""
    out = []
    for i, cell in enumerate(ctx.cells, 1):
        if is_markdown(cell) and "$" in prose(source(cell)):
            out.append(f'cell {i}: a "$" in prose (pairs render as math, even escaped, in JupyterLab); write "USD 5"')
    return out


def rule_outputs(ctx: Context) -> list[str]:
    """6. No error or stderr outputs; execution counts 1, 2, 3 ... in order."""
    out = []
    hint = RECORD_HINT.format(path=ctx.rel(ctx.path))  # type: ignore[arg-type]
    counted: list[tuple[int, Any]] = []
    for i, cell in enumerate(ctx.cells, 1):
        if not is_code(cell):
            continue
        outputs = cell.get("outputs") or []
        for o in outputs if isinstance(outputs, list) else []:
            kind = o.get("output_type") if isinstance(o, dict) else None
            if kind == "error":
                out.append(f"cell {i}: error output ({o.get('ename', 'error')}); fix the cell and {hint}")
            elif kind == "stream" and o.get("name") == "stderr":
                out.append(f"cell {i}: stderr output; notebooks must not write to stderr (nbval compares it)")
        if source(cell).strip():
            counted.append((i, cell.get("execution_count")))
    if counted and all(c is None for _, c in counted):
        out.append(f"no outputs: the notebook was saved without running; {hint}")
        return out
    for expected, (i, count) in enumerate(counted, 1):
        if count != expected:
            out.append(
                f"cell {i}: execution_count {count}, expected {expected} "
                f"(counts must run 1, 2, 3 ... in order; {hint})"
            )
            break
    return out


def rule_valid(ctx: Context) -> list[str]:
    """7. nbformat-valid, nbformat >= 4.5, every cell has a unique id."""
    import nbformat  # lazy: only the linter and the recorder need it

    out = []
    nb = ctx.nb or {}
    version = (nb.get("nbformat"), nb.get("nbformat_minor"))
    if not (isinstance(version[0], int) and isinstance(version[1], int) and version >= (4, 5)):
        out.append(f"nbformat {version[0]}.{version[1]}: must be 4.5 or later (cell ids)")
    ids: dict[Any, int] = {}
    for i, cell in enumerate(ctx.cells, 1):
        cid = cell.get("id") if isinstance(cell, dict) else None
        if not cid:
            out.append(f"cell {i}: has no id")
        elif cid in ids:
            out.append(f"cell {i}: id {cid!r} repeats cell {ids[cid]}'s")
        else:
            ids[cid] = i
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # validate() warns about (and repairs) what is reported above
        try:
            nbformat.validate(copy.deepcopy(nb))
        except nbformat.ValidationError as e:
            where = "/".join(str(p) for p in getattr(e, "absolute_path", []) or [])
            msg = " ".join(str(getattr(e, "message", e)).split())
            if len(msg) > 160:
                msg = msg[:157] + "..."
            out.append(f"not a valid notebook{' at ' + where if where else ''}: {msg}")
        except Exception as e:  # noqa: BLE001 - e.g. an unknown nbformat version
            out.append(f"not a valid notebook: {type(e).__name__}: {e}")
    return out


def rule_notebook_size(ctx: Context) -> list[str]:
    """8a. Each notebook stays within the size budget."""
    size = ctx.path.stat().st_size  # type: ignore[union-attr]
    if size > MAX_NOTEBOOK_BYTES:
        return [f"{size:,} bytes, over the {MAX_NOTEBOOK_BYTES:,}-byte budget (display smaller images)"]
    return []


REPO_RULES: list[Rule] = [
    rule_names,
    rule_readme_index,
    rule_settings,
    rule_recordings_size,
    rule_secrets,
]
NOTEBOOK_RULES: list[Rule] = [
    rule_colab_badge,
    rule_template,
    rule_second_person,
    rule_dollars,
    rule_outputs,
    rule_valid,
    rule_notebook_size,
]
RULES: list[Rule] = REPO_RULES + NOTEBOOK_RULES


# ---------------------------------------------------------------- driver


def lint(root: Path) -> list[str]:
    """All problems under ``root`` as ``path: message`` lines (empty when clean)."""
    root = Path(root).resolve()
    ctx = Context(root=root, settings=load_settings(root), notebooks=notebook_files(root))
    problems: list[str] = []
    for rule in REPO_RULES:
        problems.extend(rule(ctx))
    for path in ctx.notebooks:
        rel = ctx.rel(path)
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            problems.append(f"{rel}: cannot be read as notebook JSON ({e})")
            continue
        if not isinstance(nb, dict):
            problems.append(f"{rel}: is not a notebook (top level is not a JSON object)")
            continue
        nctx = Context(root=root, settings=ctx.settings, notebooks=ctx.notebooks, path=path, nb=nb)
        for rule in NOTEBOOK_RULES:
            problems.extend(f"{rel}: {msg}" for msg in rule(nctx))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.lint", description=__doc__.split("\n")[0])
    parser.add_argument(
        "root", nargs="?", type=Path, default=Path(__file__).resolve().parents[1],
        help="repository root (default: the parent of the helpers package)",
    )
    args = parser.parse_args(argv)
    problems = lint(args.root)
    count = len(notebook_files(Path(args.root).resolve()))
    for line in problems:
        print(line)
    if problems:
        print(f"lint: {count} notebooks, {len(problems)} problems", file=sys.stderr)
        return 1
    print(f"lint: {count} notebooks, no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
