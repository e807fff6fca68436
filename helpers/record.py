"""Record notebooks: ``python -m helpers.record [--stand-in] NOTEBOOK...``

For each notebook, in a scratch copy of its folder (so files it saves never collide):

1. run it top to bottom with nbclient in record mode, then a closing step that saves the cassette,
   only if every cell succeeded; the cassette replaces ``recordings/<notebook>.json``;
2. run it again in replay mode from that cassette, and write those outputs into the notebook
   (execution counts 1..n, stable metadata). Committed outputs are therefore exactly what replay,
   and nbval, produce.

``--stand-in`` starts the stand-in API (tests/standin) and points the kernel at it; without it a
real key (GEMINI_API_KEY / GOOGLE_API_KEY / .env) is required and requests go to Gemini.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from helpers.replay import SUFFIX, recordings_dir, repo_root

KERNEL = "python3"
CLOSING_STEP = "import helpers\nhelpers.finish_recording()"
ENV_DROP = ("GENAI_NOTEBOOK_MODE", "GENAI_RECORD_CASSETTE", "GENAI_RECORDINGS_DIR")
STANDIN_KEY = "stand-in-placeholder-key"


class RecordError(RuntimeError):
    """A notebook could not be recorded; the message says which cell and why."""


def _say(text: str) -> None:
    print(text, flush=True)


def start_standin() -> tuple[subprocess.Popen[str], str]:
    """Start the stand-in API in a child process; returns it and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.standin", "--port", "0"],
        cwd=repo_root(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise RecordError("The stand-in API did not start (run `python -m tests.standin` to see why).")
    return process, url


def _clean_env(extra: dict[str, str], drop: Sequence[str] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP and k not in drop}
    env.update(extra)
    return env


def _scratch_copy(notebook: Path, into: Path) -> Path:
    """Copy the notebook's folder (without saved outputs and checkpoints) into ``into``."""
    target = into / "notebooks"
    shutil.copytree(notebook.parent, target,
                    ignore=shutil.ignore_patterns("outputs", ".ipynb_checkpoints", "__pycache__"))
    return target / notebook.name


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return "\n".join(text[-12:]) if text else type(exc).__name__


def execute(path: Path, env: dict[str, str], *, closing: str | None, timeout: int) -> object:
    """Run the notebook at ``path`` in a fresh kernel with ``env``; returns the executed notebook.

    ``closing`` runs after the last cell and is not kept in the notebook."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, allow_errors=False,
                            record_timing=False, resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel(env=env):  # the kernel sees exactly this environment
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as exc:
                raise RecordError(f"{path.name}: cell {index + 1} failed:\n{_error_text(exc)}") from None
        if closing:
            nb.cells.append(nbformat.v4.new_code_cell(closing))  # nbclient runs cells of the notebook
            try:
                client.execute_cell(nb.cells[-1], len(nb.cells) - 1, store_history=False)
            except CellExecutionError as exc:
                raise RecordError(f"{path.name}: the closing step failed:\n{_error_text(exc)}") from None
            finally:
                nb.cells.pop()
    return nb


def normalize(nb: object) -> None:
    """Stable metadata, so recording twice gives the same bytes."""
    meta = nb.metadata  # type: ignore[attr-defined]
    meta["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    meta["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for key in ("widgets", "papermill", "execution"):
        meta.pop(key, None)
    for cell in nb.cells:  # type: ignore[attr-defined]
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)


def record_notebook(notebook: Path, *, standin_url: str | None, recordings: Path, timeout: int) -> Path:
    """Record one notebook; returns the cassette path. Raises RecordError, keeping the old files."""
    import nbformat

    stem = notebook.stem
    final = recordings / f"{stem}{SUFFIX}"
    recordings.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"record-{stem}-") as tmp:
        scratch = Path(tmp)
        cassette = scratch / f"{stem}{SUFFIX}"
        extra = {"GENAI_NOTEBOOK_MODE": "record", "GENAI_RECORD_CASSETTE": str(cassette)}
        if standin_url:
            extra["GOOGLE_GEMINI_BASE_URL"] = standin_url
            extra["GEMINI_API_KEY"] = os.environ.get("GEMINI_API_KEY") or STANDIN_KEY
        started = time.monotonic()
        execute(_scratch_copy(notebook, scratch / "record"), _clean_env(extra, ("GOOGLE_API_KEY",) if standin_url else ()),
                closing=CLOSING_STEP, timeout=timeout)
        if not cassette.exists():
            raise RecordError(f"{notebook.name}: no recording was written (does it call helpers.setup?)")
        shutil.move(str(cassette), final)
        _say(f"  recorded {notebook.name} → {final} ({final.stat().st_size / 1e3:.0f} KB, "
             f"{time.monotonic() - started:.1f} s)")
        replay_env = _clean_env({"GENAI_NOTEBOOK_MODE": "replay", "GENAI_RECORDINGS_DIR": str(recordings)},
                                ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"))
        nb = execute(_scratch_copy(notebook, scratch / "replay"), replay_env, closing=None, timeout=timeout)
    normalize(nb)
    nbformat.validate(nb)
    text = nbformat.writes(nb)  # type: ignore[arg-type]
    if not text.endswith("\n"):
        text += "\n"
    notebook.write_text(text, encoding="utf-8")
    _say(f"  wrote outputs → {notebook} ({notebook.stat().st_size / 1e3:.0f} KB)")
    return final


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.record", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks/NN_name.ipynb files")
    parser.add_argument("--stand-in", action="store_true",
                        help="record against the stand-in API (placeholder images, no key needed)")
    parser.add_argument("--recordings", type=Path, default=None,
                        help="folder for cassettes (default: the repository's recordings/)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    args = parser.parse_args(argv)

    missing = [str(p) for p in args.notebooks if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        parser.error(f"not a notebook file: {', '.join(missing)}")
    if not args.stand_in:
        from helpers.session import find_key

        if not find_key().key:
            parser.error("recording Gemini needs a key: set GEMINI_API_KEY (or put it in .env), "
                         "or add --stand-in to record against the stand-in API")
    recordings = (args.recordings or recordings_dir()).resolve()
    process, url = start_standin() if args.stand_in else (None, None)
    failures = 0
    try:
        if url:
            _say(f"Recording against the stand-in API at {url} (placeholder images, not Gemini)")
        else:
            _say("Recording against the Gemini API with your key (this costs money)")
        for notebook in args.notebooks:
            try:
                record_notebook(notebook.resolve(), standin_url=url, recordings=recordings,
                                timeout=args.timeout)
            except RecordError as exc:
                failures += 1
                _say(f"FAILED {exc}\n  (the previous recording and outputs of {notebook.name} are unchanged)")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
