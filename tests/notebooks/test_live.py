"""Every notebook runs live (a fake key, the real SDK and its retries) against tests/imitation.py, an independent
imitation of today's Gemini API that words its answers its own way (an intro sentence, Markdown steps, one picture
fewer than asked) and answers the first attempt of every request with a 429: the notebook completes, with no error
and nothing on stderr, shows its pictures, never shows the key, and its client's retry options carry each request
through (requests came again after their 429).

One live run a notebook. The live run against the stand-in API is not repeated here: recording
(``python -m tools.record --stand-in``, tests/notebooks/test_record.py) is itself a live run of every notebook
against the stand-in.

The waits are shortened, nothing else: the notebooks' setup cell builds the client with ``types.HttpRetryOptions``
(exponential backoff with jitter, about 2 s before the first retry), unchanged. In the test's kernel only,
tests/notebooks/fast_retries/sitecustomize.py makes tenacity's default sleep (and the Interactions client's own
retry loop) wait a hundredth of what it is asked; the retries themselves, their count and their order, are real.
``time.sleep`` itself is not patched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imitation import Imitation
from tests.notebooks.live import FAST_RETRIES, NOTEBOOKS, check_ran_live, run_live


@pytest.mark.parametrize("name", [pytest.param(n, id=Path(n).stem, marks=pytest.mark.heavy(rank=3)) for n in NOTEBOOKS])
def test_notebook_runs_live_against_an_imitation_that_answers_each_first_attempt_with_429(
    name: str, tmp_path: Path
) -> None:
    with Imitation(first_attempt_status=429) as server:
        check_ran_live(run_live(name, server.url, tmp_path, fast_retries=True))
    sent = [(r["method"], r["path"], json.dumps(r["body"], sort_keys=True)) for r in server.requests]
    assert len(sent) > len(set(sent)), "no request came again after its 429"  # 08 also sends some once on purpose
    assert any(r["path"].endswith(":generateContent") for r in server.requests), "no generateContent call"


def test_fast_retries_shorten_the_sdks_waits_only() -> None:
    """The kernels' sitecustomize makes the two retry loops' 1 s sleep a short one, and leaves time alone."""
    probe = (
        "import time, sitecustomize, tenacity.nap, google.genai._gaos.utils.retries as r\n"
        "start = time.monotonic(); tenacity.nap.sleep(1.0); r.time.sleep(1.0); short = time.monotonic() - start\n"
        "start = time.monotonic(); time.sleep(0.2); plain = time.monotonic() - start\n"
        "print(sitecustomize.__file__, short < 0.2, plain >= 0.2, r.time.time() > 0, time.sleep.__module__)"
    )
    env = os.environ | {"PYTHONPATH": str(FAST_RETRIES)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.split() == [str(FAST_RETRIES / "sitecustomize.py"), "True", "True", "True", "time"], done.stdout
