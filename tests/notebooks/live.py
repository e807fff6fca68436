"""Running a notebook live (a key, real SDK calls) against a local server that speaks the Gemini API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from helpers.session import clean_environment
from tools.record import copy_notebooks, execute

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KEY = "live-test-key-not-a-real-one"
#: On the kernel's PYTHONPATH when asked: its sitecustomize.py makes tenacity's waits a hundredth as long.
FAST_RETRIES = Path(__file__).resolve().parent / "fast_retries"


def run_live(name: str, base_url: str, tmp_path: Path, *, fast_retries: bool = False) -> Any:
    """Run notebooks/``name`` in a fresh kernel in live mode against ``base_url``; returns it executed.

    With ``fast_retries`` the kernel loads fast_retries/sitecustomize.py: the client's retries happen as
    configured, but tenacity sleeps a hundredth of each wait."""
    folder = copy_notebooks(ROOT / "notebooks", tmp_path / "notebooks")
    env = clean_environment(GENAI_NOTEBOOK_MODE="live", GEMINI_API_KEY=KEY, GOOGLE_GEMINI_BASE_URL=base_url)
    if fast_retries:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAST_RETRIES), env.get("PYTHONPATH")]))
    return execute(folder / name, env, closing=None, timeout=300)


def outputs(nb: Any) -> list[dict[str, Any]]:
    return [output for cell in nb.cells for output in cell.get("outputs", [])]


def check_ran_live(nb: Any) -> None:
    """No error, nothing on stderr, the banner says Live, and every shown answer has a picture or text."""
    found = outputs(nb)
    assert not [o for o in found if o.get("output_type") == "error"]
    assert not [o for o in found if o.get("name") == "stderr"], [o["text"] for o in found if o.get("name") == "stderr"]
    banner = next(o["text"] for o in found if o.get("output_type") == "stream")
    assert banner.startswith("Live · gemini-nano-banana-2.1 · key from GEMINI_API_KEY"), banner
    assert KEY not in str(found)
    assert [o for o in found if any(k.startswith("image/") for k in o.get("data", {}))]
