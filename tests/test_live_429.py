"""Every notebook completes, losing nothing, against an independent imitation of the API that answers the
first attempt of every request with a 429: the client's retry options carry each request through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.imitation import Imitation
from tests.live import NOTEBOOKS, check_ran_live, run_live


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_survives_a_429_on_every_first_attempt(name: str, tmp_path: Path) -> None:
    with Imitation(first_attempt_status=429) as server:
        check_ran_live(run_live(name, server.url, tmp_path))
        sent = [(r["method"], r["path"], json.dumps(r["body"], sort_keys=True)) for r in server.requests]
        assert len(sent) > len(set(sent))  # requests came again after their 429 (08 also sends some once on purpose)
