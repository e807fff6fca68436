"""Every notebook, replayed in a Colab-like runtime: Colab's Python 3.13 and its pinned kernel stack, no key.

The runtime (tests/environments/colab_runtime.py) is a virtual environment with Python 3.13, Colab's own versions
of IPython 7, ipykernel 6, ipywidgets 7, ... (colab/colab-constraints.txt) and Colab's google-genai 2.12.1, whose
kernel has ``google.colab`` imported (colab/kernel_site: a fake whose Secrets hold nothing). It is built once and
cached in ~/.cache/gemini-image-notebooks/colab-venv-<hash> (the first build downloads about 100 MB); every run
works on a hard-linked copy, and the cache is checked to be as built afterwards.

Each notebook runs top to bottom in that kernel (colab/runner.py) without a key, so it replays its recording. The
only change made to a notebook: in its install cell the clone's path, /content/gemini-image-notebooks, is replaced
by a temporary folder holding a copy of this repository's files (as the cell's ``git clone`` would), so runs
cannot collide and nothing is written outside the temporary folders and the cache.

The install cell is the same in every notebook (tools/lint.py checks it). It runs for real once, in
01_quickstart on a fresh copy of the runtime: its ``%pip install -e`` must upgrade google-genai to >= 3.6, leave
Colab's kernel stack at its pins, and replace nothing the kernel had already imported (Colab would ask for a
restart). The other notebooks run, one test each and spread over the xdist workers, on copies of the runtime as
01's install cell left it (made once a session, shared by the workers): their install cell must change nothing.
Every notebook: no error, nothing on stderr outside the install cell, a setup line that says it replays,
google-genai >= 3.6 in the kernel, helpers from the clone.

Without Python 3.13, or when PyPI cannot be reached, the tests skip; with REQUIRE_COLAB_ENV=1 (CI) they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest
from packaging.version import Version

from helpers.errors import plain as without_colours
from tests.environments.colab_runtime import (
    COLAB_GENAI,
    KERNEL_STACK,
    ROOT,
    FreshRuntime,
    Run,
    RunError,
    UnavailableError,
    canonical,
    clean_environment,
    colab_pins,
    find_python313,
    fresh_runtime,
    install_cell,
    link_copy,
    locked,
    pypi_unreachable,
    run_notebook,
)

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIRST = NOTEBOOKS[0] if NOTEBOOKS else ""  # its install cell runs on the fresh runtime
GENAI_AT_LEAST = Version("3.6")
LOCAL_INDEX_NOISE = re.compile(r"WARNING: Location '[^']*' is ignored: it is neither a file nor a directory\.")


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when REQUIRE_COLAB_ENV=1 asks for this test to run."""
    if os.environ.get("REQUIRE_COLAB_ENV") == "1":
        pytest.fail(f"REQUIRE_COLAB_ENV=1, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fresh() -> FreshRuntime:
    """The cached fresh runtime (built when missing: the first time, or after the constraints change)."""
    found = find_python313()
    if found is None:
        unavailable("no Python 3.13 (Colab's Python) found: not python3.13 on PATH, nor /root/.pyenv/versions/3.13*")
    if reason := pypi_unreachable():  # the install cells download, and so does building the runtime
        unavailable(reason)
    try:
        return fresh_runtime(*found)
    except UnavailableError as error:
        unavailable(str(error))


@pytest.fixture(scope="session")
def installed(fresh: FreshRuntime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """FIRST's run on a fresh copy of the runtime: the install cell for real. Once a session, for every worker.

    The first worker to need it runs it, under a lock, in the session's shared temporary folder; the others
    wait and read what it left (``run``, or ``error`` or ``unavailable``); the venv it left is their runtime."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    work, record = shared / "colab-installed", shared / "colab-installed.json"
    with locked(shared / "colab-installed.lock"):
        if not record.exists():
            shutil.rmtree(work, ignore_errors=True)
            try:
                outcome = {"run": run_notebook(ROOT / "notebooks" / FIRST, fresh, fresh.venv, fresh.packages, work)}
                outcome["run"] = outcome["run"].to_json()
            except UnavailableError as error:
                outcome = {"unavailable": str(error)}
            except RunError as error:
                outcome = {"error": str(error)}
            record.write_text(json.dumps(outcome))
        outcome = json.loads(record.read_text())
    if "unavailable" in outcome:
        unavailable(outcome["unavailable"])
    return outcome


@pytest.mark.parametrize(
    "name", [pytest.param(n, id=Path(n).stem, marks=pytest.mark.heavy(rank=0 if n == FIRST else 2)) for n in NOTEBOOKS]
)
def test_notebook_in_a_colab_like_runtime(
    name: str, fresh: FreshRuntime, installed: dict[str, Any], tmp_path: Path
) -> None:
    if "error" in installed:
        pytest.fail(f"{FIRST} on a fresh runtime (its install cell for real): {installed['error']}", pytrace=False)
    first = Run.from_json(installed["run"])
    if name == FIRST:
        result = first
    else:
        try:
            result = run_notebook(ROOT / "notebooks" / name, fresh, first.venv, first.after, tmp_path)
        except UnavailableError as error:
            unavailable(str(error))
        except RunError as error:
            pytest.fail(str(error), pytrace=False)
    problems = check(result, colab_pins(), first_run=name == FIRST)
    if name == "09_image_studio.ipynb":
        problems += studio_as_committed(result)
    print(report(result, fresh))
    if not problems and name != FIRST:
        shutil.rmtree(result.venv, ignore_errors=True)  # hard links to the cache; the rest stays for a look
    if changed := fresh.verify():
        problems.append(f"the cached runtime {fresh.root} changed during the run (it must stay as built): {changed}")
    assert not problems, f"{name} in a Colab-like runtime:\n\n" + "\n\n".join(problems)


def test_the_studio_on_colabs_ipywidgets_7(installed: dict[str, Any], tmp_path: Path) -> None:
    """helpers.studio driven like the unit tests do, in the runtime as 01's install cell left it (ipywidgets 7.7.1):
    a picture, an edit, a 16:9 branch, Save, a 503 said in the studio, an upload in ipywidgets 7's shape, the menus."""
    if "error" in installed:
        pytest.fail(f"{FIRST} on a fresh runtime (its install cell for real): {installed['error']}", pytrace=False)
    first = Run.from_json(installed["run"])
    venv = tmp_path / "venv"
    link_copy(first.venv, venv)
    env = clean_environment(venv, tmp_path / "home") | {"PYTHONDONTWRITEBYTECODE": "1"}
    driver = ROOT / "tests" / "environments" / "colab" / "studio_driver.py"
    done = subprocess.run([str(venv / "bin" / "python"), str(driver)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["ipywidgets"] == colab_pins()["ipywidgets"] and shown["ipywidgets"].startswith("7.")
    assert shown["strip"] == ["v1", "v2 ← v1", "v3 ← v1"] and shown["parents"] == {"1": None, "2": 1, "3": 1}
    assert shown["v3"][0] / shown["v3"][1] == pytest.approx(16 / 9, abs=0.05)
    assert ["text/markdown", "text/plain"] in shown["view"]
    assert any("image/png" in kinds or "image/jpeg" in kinds for kinds in shown["view"])
    assert shown["saved"].startswith("Saved v3 as ") and shown["saved_exists"]
    assert shown["fault"].startswith("503") and shown["reference"] == [300, 200] and shown["sizes"] == ["1K"]
    assert shown["cost"].startswith("3 calls")


def plain(text: str | list[Any]) -> str:
    """Text without terminal colours (nbformat stores a stream's text as a string or a list of lines)."""
    return without_colours(text) if isinstance(text, str) else "".join(plain(t) for t in text)


def check(result: Run, pins: dict[str, str], *, first_run: bool) -> list[str]:
    """What is wrong with one notebook's run, in words."""
    problems: list[str] = []
    cells = result.notebook["cells"]
    install = install_cell(cells)
    if not result.kernel_before["colab"]:
        problems.append("google.colab was not imported in the kernel when the first cell ran")
    if result.kernel_before["executable"] != str(result.venv / "bin" / "python"):
        problems.append(f"the kernel ran {result.kernel_before['executable']}, not the Colab-like venv's Python")
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                trace = plain("\n".join(output.get("traceback", [])))
                head = "".join(cell["source"]).strip().split("\n", 1)[0][:60]
                problems.append(
                    f"cell {index} ({head!r}) raised {output['ename']}: {output['evalue']}\n{trace[-2500:]}"
                )
            elif output.get("name") == "stderr" and index != install:
                problems.append(f"cell {index} wrote to stderr: {plain(output['text'])[:500]!r}")
    setup = install + 1
    printed = plain([o.get("text", "") for o in cells[setup].get("outputs", []) if o.get("name") == "stdout"])
    if "replay" not in printed.lower():
        problems.append(f"the setup cell (cell {setup}) did not say it replays: {printed[:300]!r}")
    for name in map(canonical, KERNEL_STACK):
        if result.after.get(name) != pins[name]:
            problems.append(f"{name} is {result.after.get(name)} after the run, Colab has {pins[name]}")
    genai = result.after.get("google-genai")
    if genai is None or Version(genai) < GENAI_AT_LEAST:
        problems.append(f"google-genai is {genai} after the run, the notebooks need >= {GENAI_AT_LEAST}")
    if Version(result.kernel_after["genai"]) < GENAI_AT_LEAST:
        problems.append(
            f"the kernel imported google-genai {result.kernel_after['genai']} (an old one, imported "
            "before the install cell?)"
        )
    if not result.kernel_after["helpers_file"].startswith(str(result.clone) + os.sep):
        problems.append(f"helpers came from {result.kernel_after['helpers_file']}, not from {result.clone}")
    if first_run:
        colab_genai = COLAB_GENAI.split("==")[1]
        if result.changed().get("google-genai", (None, None))[0] != colab_genai:
            problems.append(f"the install cell did not upgrade Colab's google-genai {colab_genai}: {result.changed()}")
        if result.stale:
            problems.append(
                "the install cell replaced what the kernel had already imported (Colab would ask for a restart): "
                f"{result.stale}"
            )
    elif changed := result.changed():
        problems.append(f"the install cell changed an environment it had already been run in: {changed}")
    return problems


def studio_as_committed(result: Run) -> list[str]:
    """09 on Colab's ipywidgets 7: the cells that drive the studio (Generate, two edits, back to v1, 16:9, Save)
    print what they print in the committed notebook, made with ipywidgets 8."""
    if not result.after.get("ipywidgets", "").startswith("7."):
        return [f"ipywidgets is {result.after.get('ipywidgets')} in the Colab-like runtime, not Colab's 7.x"]
    committed = json.loads((ROOT / "notebooks" / result.name).read_text(encoding="utf-8"))["cells"]
    problems = []
    for ran, kept in zip(result.notebook["cells"], committed, strict=True):
        if "studio." not in "".join(kept["source"]):
            continue
        printed = [plain(o["text"]) for o in ran.get("outputs", []) if o.get("name") == "stdout"]
        expected = [plain(o["text"]) for o in kept.get("outputs", []) if o.get("name") == "stdout"]
        if printed != expected:
            problems.append(f"with ipywidgets 7 the studio's cell printed {printed!r}, not {expected!r}")
    return problems


def without_local_noise(text: str) -> str:
    """Text without this machine's pip warnings about its local package indexes (Colab has none)."""
    kept = [line for line in text.splitlines() if not LOCAL_INDEX_NOISE.match(line.strip())]
    return "\n".join(line.rstrip("\r") for line in kept).strip()


def report(result: Run, fresh: FreshRuntime) -> str:
    """What the run did, for the log (-s): timings, what the install cell changed and printed."""
    state = "built" if fresh.built else "reused"
    lines = [f"Colab-like runtime {fresh.root.name} ({state} in {fresh.seconds:.1f} s)"]
    lines.append(f"{result.name}: {result.seconds:.1f} s; the install cell changed:")
    lines += [f"    {n}: {a or '-'} -> {b or '-'}" for n, (a, b) in result.changed().items()]
    cells = result.notebook["cells"]
    install = install_cell(cells)
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output.get("name") in ("stdout", "stderr") and (index == install or output["name"] == "stderr"):
                if text := without_local_noise(plain(output["text"])):
                    lines.append(f"  {output['name']} of cell {index}: {text[:800]!r}")
    if result.stale:
        lines.append(f"  replaced while already imported in the kernel (Colab asks for a restart): {result.stale}")
    kernel_log = [line for line in result.log.splitlines() if line.strip()]
    if kernel_log:
        lines.append(f"  kernel and runner stderr ({len(kernel_log)} lines): {kernel_log[:3]}")
    return "\n".join(lines)
