"""Drift canary: ``python -m tools.canary [--skip-notebook]``. Needs a key; the notebook run costs a few cents.

With GEMINI_API_KEY (or GOOGLE_API_KEY) set, and GOOGLE_GEMINI_BASE_URL if the API is elsewhere, it (1) lists
the models and compares them with ``helpers/models.py`` (a current table model not listed, a listed image model
the table lacks, a deprecated or retired one still listed, the DEFAULT missing), and (2) runs
``notebooks/01_quickstart.ipynb`` live in a scratch copy: it must end with no error output and an image.
It prints a Markdown summary (appended to $GITHUB_STEP_SUMMARY too when set) and exits 1 on drift or failure,
0 when all is well. Without a key it prints one line saying it skipped, and exits 0. It never prints a key.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from helpers import models
from helpers.errors import plain
from helpers.session import KEY_NAMES, clean_environment

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_quickstart.ipynb"


class Listed(NamedTuple):
    """One model of the API's listing: its ID (without ``models/``), names and supported actions."""

    name: str
    display_name: str = ""
    description: str = ""
    actions: tuple[str, ...] = ()


def keys() -> list[str]:
    """The keys set in the environment, in the order the notebooks look for them."""
    return [os.environ[name].strip() for name in KEY_NAMES if os.environ.get(name, "").strip()]


def list_models(key: str) -> list[Listed]:
    """Every model the API lists for ``key`` (all pages), at GOOGLE_GEMINI_BASE_URL when that is set."""
    from google import genai
    from google.genai import types

    base = os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip() or None
    client = genai.Client(api_key=key, vertexai=False, http_options=types.HttpOptions(base_url=base))
    return [Listed((m.name or "").removeprefix("models/"), m.display_name or "", m.description or "",
                   tuple(m.supported_actions or ())) for m in client.models.list()]  # fmt: skip


def compare(listed: Iterable[Listed], table: Mapping[str, models.ImageModel]) -> list[str]:
    """One sentence per difference between the listing and ``table`` (and DEFAULT, RETIRED); [] when none.

    A deprecated table model no longer listed is as expected. An image model ``looks_like_image_model`` and
    serves generateContent (Imagen's ``predict`` models do not)."""
    found = {m.name.removeprefix("models/"): m for m in listed}
    drift = []
    if models.DEFAULT not in found:
        drift.append(f"The DEFAULT model `{models.DEFAULT}` is not listed, and every notebook uses it.")
    for entry in table.values():
        if entry.status != "deprecated" and entry.id not in found and entry.id != models.DEFAULT:
            drift.append(f"`{entry.id}` ({entry.name}, {entry.status} in the table) is not listed: retired since?")
        elif entry.status == "deprecated" and entry.id in found:
            drift.append(f"`{entry.id}` is deprecated in the table but still listed ({entry.notes})")
    for name, model in sorted(found.items()):
        image = models.looks_like_image_model(name, model.display_name, model.description)
        if name in models.RETIRED:
            drift.append(f"`{name}` is listed, but RETIRED says it shut down on {models.RETIRED[name].shut_down}.")
        elif name not in table and image and (not model.actions or "generateContent" in model.actions):
            drift.append(f"`{name}` ({model.display_name or 'no display name'}) is an image model the table lacks.")
    return drift


def run_notebook(notebook: Path = NOTEBOOK, *, timeout: int = 600) -> tuple[list[str], list[str]]:
    """Run ``notebook`` live in a scratch copy; return its problems ([] if none) and notes (time, images, stderr)."""
    from tools.record import copy_notebooks, execute

    kept = {name: os.environ[name] for name in (*KEY_NAMES, "GOOGLE_GEMINI_BASE_URL") if os.environ.get(name)}
    env = clean_environment(GENAI_NOTEBOOK_MODE="live", **kept)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="canary-") as tmp:
        folder = copy_notebooks(notebook.parent, Path(tmp) / "notebooks")
        try:
            nb = execute(folder / notebook.name, env, closing=None, timeout=timeout)
        except Exception as error:  # RecordError (a cell failed), a timeout, a kernel that died
            return [f"The notebook did not finish: {plain(str(error))}"], []
    found = [output for cell in nb.cells for output in cell.get("outputs", [])]
    problems = [f"Error output: {o.get('ename')}: {o.get('evalue')}" for o in found if o["output_type"] == "error"]
    images = sum(any(kind.startswith("image/") for kind in o.get("data", {})) for o in found)
    if not images:
        problems.append("The notebook showed no image.")
    if any(key in str(found) for key in keys()):
        problems.append("The notebook's outputs contain the API key.")
    notes = [f"Ran in {time.monotonic() - started:.0f} s, with {images} image output(s)."]
    stderr = [" ".join(plain(o["text"]).split())[:300] for o in found if o.get("name") == "stderr"]
    notes += [f"On stderr: `{text}`" for text in stderr if text]
    return problems, notes


def _bullet(problem: str) -> str:
    """A Markdown bullet for a problem; its further lines (a traceback) go into a code block."""
    first, _, rest = problem.strip().partition("\n")
    return f"- ❌ {first}" + (f"\n\n```\n{rest.strip()}\n```\n" if rest.strip() else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.canary", description=__doc__)
    parser.add_argument("--skip-notebook", action="store_true", help="only compare the listing (nothing billed)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a notebook cell may take (default 600)")
    args = parser.parse_args(argv)
    secrets = keys()
    if not secrets:
        print("Canary skipped: neither GEMINI_API_KEY nor GOOGLE_API_KEY is set.")
        return 0
    where = os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip() or "the Gemini API"
    lines = ["## Gemini drift canary\n", f"Against {where}; `helpers/models.py` as of {models.AS_OF}.\n"]
    lines.append("### Model listing\n")
    try:
        listed = list_models(secrets[0])
    except Exception as error:  # a refused key, no connection: report it, then go on
        drift = [f"Listing the models failed: {type(error).__name__}: {error}"]
    else:
        drift = compare(listed, models.IMAGE_MODELS)
        shown = ", ".join(f"`{m.name}`" for m in listed if models.looks_like_image_model(*m[:3])) or "none"
        lines.append(f"- {len(listed)} models listed; image models: {shown}.")
    lines += [_bullet(line) for line in drift] or ["- ✅ The listing matches the table."]
    lines.append(f"\n### `notebooks/{NOTEBOOK.name}`, live\n")
    problems, notes = ([], ["Skipped (--skip-notebook)."]) if args.skip_notebook else run_notebook(timeout=args.timeout)
    lines += [_bullet(problem) for problem in problems] + [f"- {'✅ ' if not problems else ''}{n}" for n in notes]
    failed = bool(drift or problems)
    good = "the listing matches the table" + ("." if args.skip_notebook else " and the quickstart runs live.")
    bad = "update `helpers/models.py` (and the notebooks), or look into the failure."
    lines.append(f"\n**Drift or failure**: {bad}" if failed else f"\n**All well**: {good}")
    text = "\n".join(lines) + "\n"
    for secret in secrets:
        text = text.replace(secret, "***")
    print(text, end="", flush=True)
    if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary, "a", encoding="utf-8") as file:
            file.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
