"""Every notebook runs live against an independent imitation of today's Gemini API that words its answers
its own way (an intro sentence, Markdown steps, one picture fewer than asked), with the default model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imitation import Imitation
from tests.live import NOTEBOOKS, check_ran_live, run_live


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_live_against_an_independent_imitation(name: str, tmp_path: Path) -> None:
    with Imitation() as server:
        check_ran_live(run_live(name, server.url, tmp_path))
        assert any(r["path"].endswith(":generateContent") for r in server.requests)
