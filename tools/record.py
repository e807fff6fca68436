"""Record notebooks: ``python -m tools.record [--stand-in] NOTEBOOK...``

For each notebook, in a scratch copy of its folder (so files it saves never collide):

1. run it top to bottom with nbclient in record mode, then a closing step that saves the
   cassette; only when every cell succeeded does it replace ``recordings/<notebook>.json``;
2. run it again in replay mode from that cassette and write those outputs into the notebook,
   with execution counts 1..n and the metadata JupyterLab writes, so the committed outputs are
   exactly what replay and nbval produce, and opening the notebook changes nothing.

With a key (GEMINI_API_KEY, GOOGLE_API_KEY or .env) requests go to Gemini and cost money.
``--stand-in`` starts the stand-in API with the notebook's answers file instead (no key needed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.errors import plain
from helpers.replay import recordings_dir
from helpers.session import KEY_NAMES, clean_environment

KERNEL = "python3"
CLOSING_STEP = (
    "import os\nfrom helpers.session import SESSION\n"
    "SESSION.save_recording(os.environ.get('GENAI_RECORDED_AGAINST') or 'Gemini API')"
)
STANDIN_KEY = "stand-in-placeholder-key"


class RecordError(RuntimeError):
    """A notebook could not be recorded; the message says which cell and why."""


def copy_notebooks(source: Path, into: Path) -> Path:
    """A scratch copy of the folder of notebooks ``source`` (assets included, saved outputs left out)."""
    shutil.copytree(source, into, ignore=shutil.ignore_patterns("outputs", ".ipynb_checkpoints", "__pycache__"))
    return into


def _key_environment() -> dict[str, str]:
    """The maintainer's key, from the environment or a .env file, for a kernel that runs in a scratch folder."""
    from dotenv import dotenv_values, find_dotenv

    found = {name: os.environ[name] for name in KEY_NAMES if os.environ.get(name, "").strip()}
    if not found:
        values = dotenv_values(find_dotenv(usecwd=True) or os.devnull)
        found = {name: str(values[name]) for name in KEY_NAMES if (values.get(name) or "").strip()}
    return dict(list(found.items())[:1])


def _scratch(notebook: Path, into: Path) -> Path:
    return copy_notebooks(notebook.parent, into / "notebooks") / notebook.name


def execute(path: Path, env: dict[str, str], *, closing: str | None, timeout: int, allow_errors: bool = False) -> Any:
    """Run the notebook at ``path`` in a fresh kernel that sees exactly ``env``; return it executed.

    A cell that fails raises RecordError, unless ``allow_errors``: then its error is kept as its output."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The kernel's own stderr (ipykernel's "running over TCP" warning) is not the notebook's: drop it.
    with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
        info = client.wait_for_reply(client.kc.kernel_info())
        nb.metadata["language_info"] = info["content"]["language_info"]
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                text = plain(str(error)).strip()  # no terminal colours in the report
                raise RecordError(f"{path.name}: cell {index + 1} failed:\n{text[-1500:]}") from None
        if closing:
            nb.cells.append(nbformat.v4.new_code_cell(closing))
            try:
                client.execute_cell(nb.cells[-1], len(nb.cells) - 1, store_history=False)
            except CellExecutionError as error:
                raise RecordError(f"{path.name}: the closing step failed:\n{error}") from None
            finally:
                nb.cells.pop()
    return nb


def normalize(nb: Any) -> None:
    """The metadata JupyterLab writes for the pinned kernel; nothing that changes run to run."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    nb.metadata["kernelspec"] = {"display_name": spec.display_name, "language": spec.language, "name": KERNEL}
    for key in ("widgets", "papermill", "execution"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
        if "outputs" in cell:
            cell.outputs = _coalesced(cell.outputs)


def _coalesced(outputs: list[Any]) -> list[Any]:
    """Consecutive stream outputs of one name as one, as JupyterLab saves them (and nbval compares them)."""
    joined: list[Any] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] += output["text"]
        else:
            joined.append(output)
    return joined


def record(notebook: Path, *, stand_in: bool, recordings: Path, timeout: int) -> Path:
    """Record one notebook; returns its cassette. Raises RecordError, keeping the old files."""
    import nbformat

    from standin import StandinServer

    final = recordings / f"{notebook.stem}.json"
    recordings.mkdir(parents=True, exist_ok=True)
    server = StandinServer(notebook.stem).start() if stand_in else None
    try:
        with tempfile.TemporaryDirectory(prefix=f"record-{notebook.stem}-") as tmp:
            cassette = Path(tmp) / final.name
            extra = {"GENAI_NOTEBOOK_MODE": "record", "GENAI_RECORD_CASSETTE": str(cassette)}
            if server is not None:
                extra |= {
                    "GOOGLE_GEMINI_BASE_URL": server.url,
                    "GEMINI_API_KEY": STANDIN_KEY,
                    "GENAI_RECORDED_AGAINST": "stand-in API",
                }
            else:
                extra |= _key_environment()
                if os.environ.get("GOOGLE_GEMINI_BASE_URL"):
                    extra["GOOGLE_GEMINI_BASE_URL"] = os.environ["GOOGLE_GEMINI_BASE_URL"]
            started = time.monotonic()
            scratch = _scratch(notebook, Path(tmp) / "record")
            execute(scratch, clean_environment(**extra), closing=CLOSING_STEP, timeout=timeout)
            if not cassette.is_file():
                raise RecordError(f"{notebook.name}: no recording was written (does it call helpers.choose_mode?)")
            shutil.move(str(cassette), final)
            print(
                f"  recorded {notebook.name} → {final} ({final.stat().st_size / 1e3:.0f} KB, "
                f"{time.monotonic() - started:.1f} s)",
                flush=True,
            )
            replay_env = clean_environment(GENAI_NOTEBOOK_MODE="replay", GENAI_RECORDINGS_DIR=str(recordings))
            nb = execute(_scratch(notebook, Path(tmp) / "replay"), replay_env, closing=None, timeout=timeout)
    finally:
        if server is not None:
            server.stop()
    normalize(nb)
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    notebook.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    print(f"  wrote outputs → {notebook} ({notebook.stat().st_size / 1e3:.0f} KB)", flush=True)
    return final


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.record", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks/NN_name.ipynb files")
    parser.add_argument("--stand-in", action="store_true", help="record the stand-in API (no key, placeholders)")
    parser.add_argument("--recordings", type=Path, help="folder for cassettes (default: recordings/)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds a cell may take (default 900)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        parser.error(f"not a notebook file: {', '.join(missing)}")
    if not args.stand_in and not _key_environment():
        parser.error(
            "recording Gemini needs a key (GEMINI_API_KEY, or in .env); or add --stand-in to record the stand-in API"
        )
    print(
        "Recording the stand-in API (placeholder pictures, not Gemini)"
        if args.stand_in
        else "Recording the Gemini API with your key (this costs money)",
        flush=True,
    )
    failures = 0
    for notebook in args.notebooks:
        try:
            record(
                notebook.resolve(),
                stand_in=args.stand_in,
                recordings=(args.recordings or recordings_dir()).resolve(),
                timeout=args.timeout,
            )
        except RecordError as error:
            failures += 1
            print(f"FAILED {error}\n  (the old recording and outputs of {notebook.name} are unchanged)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
