"""Every notebook runs live (a key, the real SDK) against the stand-in API with its answers file."""

from __future__ import annotations

from pathlib import Path

import pytest

from standin import StandinServer
from tests.live import NOTEBOOKS, check_ran_live, run_live


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_live_against_the_stand_in(name: str, tmp_path: Path) -> None:
    with StandinServer(Path(name).stem) as server:
        check_ran_live(run_live(name, server.url, tmp_path))
