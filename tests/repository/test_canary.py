"""The drift canary (tools/canary.py) against the stand-in API, and its weekly workflow."""

from __future__ import annotations

import dataclasses
import random
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import models
from standin import StandinServer, wire
from tools import canary

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "canary.yml"
#: Shaped like a real key, made up at run time so that no key-shaped string sits in the repository.
FAKE_KEY = "AIza" + "Sy" + "".join(random.choices(string.ascii_letters + string.digits + "-_", k=33))
SERVED = wire.served_models


@pytest.fixture
def summary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment (no keys, no mode, no model override) and a $GITHUB_STEP_SUMMARY file."""
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GENAI_NOTEBOOK_MODE",
                 "GEMINI_IMAGE_MODEL", "GOOGLE_GENAI_USE_VERTEXAI"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return tmp_path / "summary.md"


@pytest.fixture
def server(summary: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandinServer]:
    """The stand-in (in this process, so patching ``wire.served_models`` changes what it lists) and the key."""
    with StandinServer("01_quickstart") as running:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", running.url)
        yield running


def run(capsys: pytest.CaptureFixture[str], summary: Path, *argv: str) -> tuple[int, str]:
    code = canary.main(list(argv))
    out, err = capsys.readouterr()
    written = summary.read_text(encoding="utf-8") if summary.exists() else ""
    assert FAKE_KEY not in out + err + written
    assert not written or written == out
    return code, out


def listed(*ids: str) -> list[canary.Listed]:
    return [canary.Listed(i, models.IMAGE_MODELS[i].name, "an image generation model") for i in ids]


CURRENT = [m.id for m in models.IMAGE_MODELS.values() if m.status != "deprecated"]


def test_all_well_lists_the_table_and_runs_the_quickstart(server, summary, capsys) -> None:
    code, out = run(capsys, summary)
    assert code == 0, out
    assert "- ✅ The listing matches the table." in out
    assert "image output(s)" in out and "❌" not in out
    assert "**All well**: the listing matches the table and the quickstart runs live." in out
    assert [r for r in server.requests if ":generateContent" in r[1] or "interactions" in r[1]]


def test_a_table_model_missing_from_the_listing_is_drift(server, summary, capsys, monkeypatch) -> None:
    monkeypatch.setattr(wire, "served_models", lambda: [m for m in SERVED() if m.id != "gemini-3-pro-image"])
    code, out = run(capsys, summary, "--skip-notebook")
    assert code == 1, out
    assert "- ❌ `gemini-3-pro-image` (Nano Banana Pro, available in the table) is not listed: retired since?" in out
    assert "**Drift or failure**" in out


def test_an_extra_image_model_in_the_listing_is_drift(server, summary, capsys, monkeypatch) -> None:
    extra = dataclasses.replace(models.IMAGE_MODELS["gemini-3-pro-image"], id="gemini-4-flash-image", name="NB 4")
    monkeypatch.setattr(wire, "served_models", lambda: [*SERVED(), extra])
    code, out = run(capsys, summary, "--skip-notebook")
    assert code == 1, out
    assert "- ❌ `gemini-4-flash-image` (NB 4) is an image model the table lacks." in out


def test_a_missing_default_is_drift_and_the_notebook_fails(server, summary, capsys, monkeypatch) -> None:
    monkeypatch.setattr(wire, "served_models", lambda: [m for m in SERVED() if m.id != models.DEFAULT])
    code, out = run(capsys, summary)
    assert code == 1, out
    assert f"- ❌ The DEFAULT model `{models.DEFAULT}` is not listed, and every notebook uses it." in out
    assert "- ❌ The notebook did not finish: 01_quickstart.ipynb: cell" in out and "SetupError" in out


def test_compare() -> None:
    table = models.IMAGE_MODELS
    others = [canary.Listed("gemini-3-flash", "Gemini 3 Flash", "text and code"),
              canary.Listed("imagen-4.0-generate-001", "Imagen 4", "makes images", ("predict",))]  # fmt: skip
    assert canary.compare(listed(*CURRENT) + others, table) == []
    notes = table["gemini-3.1-flash-image"].notes
    assert canary.compare(listed(*CURRENT, "gemini-3.1-flash-image"), table) == [
        f"`gemini-3.1-flash-image` is deprecated in the table but still listed ({notes})"
    ]
    retired = canary.Listed("models/gemini-3-pro-image-preview", "Nano Banana Pro Preview")
    assert canary.compare([*listed(*CURRENT), retired], table) == [
        "`gemini-3-pro-image-preview` is listed, but RETIRED says it shut down on 2026-06-25."
    ]
    banana = canary.Listed("gemini-nano-banana-3", "Nano Banana 3", "", ("generateContent",))
    assert canary.compare([*listed(*CURRENT), banana], table) == [
        "`gemini-nano-banana-3` (Nano Banana 3) is an image model the table lacks."
    ]


def test_without_a_key_it_skips(summary, capsys, monkeypatch) -> None:
    monkeypatch.setattr(canary, "list_models", lambda key: pytest.fail("listed models without a key"))
    code, out = run(capsys, summary)
    assert code == 0
    assert out == "Canary skipped: neither GEMINI_API_KEY nor GOOGLE_API_KEY is set.\n"


def test_the_key_never_appears_even_in_an_error(summary, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", FAKE_KEY)

    def refuse(key: str) -> list[canary.Listed]:
        raise RuntimeError(f"400 API key not valid: {key}")

    monkeypatch.setattr(canary, "list_models", refuse)
    code, out = run(capsys, summary, "--skip-notebook")
    assert code == 1
    assert "- ❌ Listing the models failed: RuntimeError: 400 API key not valid: ***" in out


def test_the_workflow_is_weekly_read_only_and_guarded_by_the_secret() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for needed in ("permissions:\n  contents: read", "schedule:", "- cron:", "workflow_dispatch:",
                   "${{ secrets.GEMINI_API_KEY }}", "::notice::", "python -m tools.canary", "timeout-minutes:",
                   "actions/checkout@v4.2.2", "actions/setup-python@v5.6.0", "persist-credentials: false",
                   'python-version: "3.11"', "-r requirements.txt"):  # fmt: skip
        assert needed in text, needed
    try:
        import yaml
    except ImportError:
        return
    data = yaml.safe_load(text)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    assert data["permissions"] == {"contents": "read"}
    (job,) = data["jobs"].values()
    steps = job["steps"]
    assert job["timeout-minutes"] <= 60
    canary_step = next(s for s in steps if s.get("run") == "python -m tools.canary")
    assert canary_step["env"] == {"GEMINI_API_KEY": "${{ secrets.GEMINI_API_KEY }}"} and "if" in canary_step
    assert all("GEMINI_API_KEY" not in str(s.get("env", "")) for s in steps if "pip install" in s.get("run", ""))
