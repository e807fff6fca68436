"""Every notebook, replayed in a Colab-like runtime: Colab's Python 3.13 and its pinned kernel stack. Slow.

Slow (1 to 4 minutes, downloads about 100 MB the first time): it builds a virtual environment with
Python 3.13 and Colab's own versions of IPython 7, ipykernel 6, ipywidgets 7, ... (tests/data/colab-constraints.txt),
makes ``google.colab`` importable in the kernel (a fake whose Secrets hold nothing), puts a copy of this
repository where the install cell expects its clone (/content/gemini-image-notebooks), and runs each notebook
top to bottom in that kernel, without a key, so it replays its recording. The install cell's
``%pip install -e`` must upgrade google-genai but leave Colab's kernel stack alone.

Each notebook gets a runtime as fresh as Colab gives it: the environment is put back to its first state
(and checked) between notebooks. Without Python 3.13 the test is skipped; with REQUIRE_COLAB_ENV=1 it fails.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "tests" / "data" / "colab-constraints.txt"
CLONE = Path("/content/gemini-image-notebooks")  # where the notebooks' install cell expects the repository
OWNER_MARK = ".colab-test-owner"  # in CLONE: the process that made it

# Installed at Colab's versions (the constraints) before any notebook runs.
PREINSTALLED = (
    "ipython",
    "ipykernel",
    "traitlets",
    "tornado",
    "pyzmq",
    "ipywidgets",
    "notebook",
    "jupyter_client",
    "nbclient",
    "nbformat",
    "pillow",
    "matplotlib",
    "numpy",
    "python-dotenv",
    # also preinstalled in Colab, so the install cell's changes show as upgrades
    "httpx",
    "pydantic",
    "requests",
    "tenacity",
    "websockets",
    "google-auth",
    "anyio",
    "typing_extensions",
    "httpx2",
    "httpcore2",
    "truststore",
    "distro",
    "wrapt",
    "PyYAML",
)
# Colab's google-genai, kept out of the constraints file so that the install cell may upgrade it.
COLAB_GENAI = "google-genai==2.12.1"
# The install cell must leave these exactly at Colab's versions.
KERNEL_STACK = ("ipython", "ipykernel", "traitlets", "tornado", "pyzmq", "ipywidgets", "notebook", "jupyter_client")
GENAI_AT_LEAST = Version("3.6")
KERNEL_NAME = "colab-like-python3"
CELL_TIMEOUT = 600  # seconds; the install cell downloads
LOCAL_INDEX_NOISE = re.compile(r"WARNING: Location '[^']*' is ignored: it is neither a file nor a directory\.")

FAKE_COLAB = {
    "google/colab/__init__.py": '"""A stand-in for Colab\'s google.colab (tests/test_colab.py): only Secrets."""\n',
    "google/colab/userdata.py": '''"""Colab Secrets, empty: like a Colab notebook whose user saved no secret."""


class NotebookAccessError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Notebook does not have access to secret {key}")


class SecretNotFoundError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Secret {key} does not exist.")


def get(key: str) -> str:
    raise SecretNotFoundError(key)
''',
    # Colab's kernel has google.colab imported before the first cell; the install cell tests for it.
    "sitecustomize.py": "import google.colab  # noqa: F401\n",
}

# Runs in the Colab-like environment (its nbclient 0.10 and jupyter_client 7): executes one notebook,
# with a silent look at the kernel before the first cell and after the last.
RUNNER = r'''
import json, sys
import nbformat
from nbclient import NotebookClient

source, target, cwd, probes_path, kernel, timeout = sys.argv[1:7]
BEFORE = """
import json as _j, sys as _s, google as _g
_j.dump({"modules": sorted(_s.modules), "colab": "google.colab" in _s.modules, "google_path": list(_g.__path__),
         "executable": _s.executable}, open(%r, "w"))
"""
AFTER = """
import json as _j
import google.colab.userdata as _u, google.genai as _genai, helpers as _h
_j.dump({"genai": _genai.__version__, "genai_file": _genai.__file__, "helpers_file": _h.__file__,
         "userdata_file": _u.__file__}, open(%r, "w"))
"""
nb = nbformat.read(source, as_version=4)
client = NotebookClient(nb, kernel_name=kernel, timeout=int(timeout), allow_errors=True,
                        resources={"metadata": {"path": cwd}})


def silently(code):
    reply = client.wait_for_reply(client.kc.execute(code, silent=True, store_history=False))
    if reply is None or reply["content"]["status"] != "ok":
        content = reply["content"] if reply else {}
        sys.exit("probe failed: " + "\n".join(content.get("traceback", [str(content)])))


with client.setup_kernel():
    info = client.wait_for_reply(client.kc.kernel_info())
    nb.metadata["language_info"] = info["content"]["language_info"]
    silently(BEFORE % (probes_path + ".before"))
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
    silently(AFTER % (probes_path + ".after"))
nbformat.write(nb, target)
'''

# Runs in the Colab-like environment: the modules each named distribution installs.
MODULES_OF = r"""
import json, sys
from importlib.metadata import distribution

found = {}
for name in sys.argv[1:]:
    modules = set()
    for file in distribution(name).files or []:
        if file.suffix in (".py", ".so") and ".." not in file.parts:
            parts = [*file.parts[:-1], file.name.split(".")[0]]
            modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    found[name] = sorted(modules)
print(json.dumps(found))
"""


@dataclass
class Run:
    """One notebook's run and what it changed."""

    name: str
    seconds: float
    before: dict[str, str]
    after: dict[str, str]
    notebook: dict[str, Any]
    kernel_before: dict[str, Any]
    kernel_after: dict[str, Any]
    log: str
    problems: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, tuple[str | None, str | None]]:
        names = sorted(set(self.before) | set(self.after))
        return {n: (self.before.get(n), self.after.get(n)) for n in names if self.before.get(n) != self.after.get(n)}


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when REQUIRE_COLAB_ENV=1 asks for this test to run."""
    if os.environ.get("REQUIRE_COLAB_ENV") == "1":
        pytest.fail(f"REQUIRE_COLAB_ENV=1, but {reason}")
    pytest.skip(reason)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


def find_python313() -> str | None:
    """A Python 3.13 that runs (a pyenv shim for a version not selected does not)."""
    found = shutil.which("python3.13")
    pyenv = glob.glob("/root/.pyenv/versions/3.13*/bin/python")
    pyenv.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parents[1].name)], reverse=True)
    for candidate in ([found] if found else []) + pyenv:
        try:
            done = subprocess.run(
                [candidate, "-c", "import sys, venv; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and done.stdout.strip() == "(3, 13)":
            return candidate
    return None


def run(args: list[str], env: dict[str, str] | None = None, stderr: bool = True) -> str:
    """What the command printed (stdout, then stderr unless stderr=False); fail the test if it fails."""
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode:
        pytest.fail(f"{' '.join(args)} exited with {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr if stderr else done.stdout


def packages(python: Path, env: dict[str, str]) -> dict[str, str]:
    """pip's list of what is installed: canonical name -> version."""
    listed = run([str(python), "-m", "pip", "list", "--format=json"], env=env, stderr=False)
    return {canonical(p["name"]): p["version"] for p in json.loads(listed)}


def pip_quietly(python: Path, env: dict[str, str], *args: str) -> str:
    return run([str(python), "-m", "pip", *args, "-q", "--no-input"], env=env)


def restore(python: Path, env: dict[str, str], to: dict[str, str]) -> None:
    """Put the environment back to the packages `to` (after a notebook's install cell changed some)."""
    now = packages(python, env)
    extra = sorted(n for n in now if n not in to)
    if extra:
        pip_quietly(python, env, "uninstall", "-y", *extra)
    changed = sorted(f"{n}=={v}" for n, v in to.items() if now.get(n) != v)
    if changed:
        pip_quietly(python, env, "install", "--no-deps", *changed)
    assert packages(python, env) == to, "the environment could not be put back to its first state"


@contextmanager
def own_clone() -> Iterator[None]:
    """Own CLONE (marked with this process's id) for the test; remove it after."""
    if CLONE.exists():
        mark = CLONE / OWNER_MARK
        text = mark.read_text().strip() if mark.is_file() else ""
        if not text.isdigit() or int(text) == os.getpid() or _alive(int(text)):
            unavailable(f"{CLONE} already exists and is not this test's to replace")
        shutil.rmtree(CLONE)  # left behind by an earlier run of this test that died
    if shutil.which("git") is None:
        unavailable("git is not installed, so the repository's files cannot be listed")
    made_parent = not CLONE.parent.exists()
    try:
        CLONE.mkdir(parents=True)
    except OSError as error:
        unavailable(f"cannot create {CLONE}: {error}")
    try:
        (CLONE / OWNER_MARK).write_text(str(os.getpid()))
        yield
    finally:
        shutil.rmtree(CLONE, ignore_errors=True)
        if made_parent:
            shutil.rmtree(CLONE.parent, ignore_errors=True)


def fill_clone() -> None:
    """CLONE: a fresh copy of the repository's tracked files, their working-tree versions (the local clone)."""
    for entry in CLONE.iterdir():
        if entry.name == OWNER_MARK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    listed = run(["git", "-C", str(ROOT), "ls-files", "-z"]).split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (CLONE / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, CLONE / name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_environment(venv: Path, home: Path) -> dict[str, str]:
    """The runner's environment: no key, no GENAI_ setting, nothing of this process's Python or Jupyter."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "MPLBACKEND")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GEMINI", "GOOGLE", "GENAI_", "JUPYTER", "IPYTHON", "PYTEST")) and k not in dropped
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    for name, sub in (
        ("JUPYTER_PATH", "jupyter"),
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "matplotlib"),
    ):
        (home / sub).mkdir(exist_ok=True)
        env[name] = str(home / sub)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def build(python313: str, home: Path, timings: dict[str, float]) -> tuple[Path, dict[str, str]]:
    """The Colab-like environment: a venv, Colab's packages, a kernel spec with google.colab importable."""
    start = time.monotonic()
    venv = home / "venv"
    env = clean_environment(venv, home)
    run([python313, "-m", "venv", str(venv)], env=env)
    python = venv / "bin" / "python"
    pip_quietly(python, env, "install", "-c", str(CONSTRAINTS), "pip", "setuptools")
    pip_quietly(python, env, "install", "-c", str(CONSTRAINTS), *PREINSTALLED, COLAB_GENAI)
    timings["build the environment"] = time.monotonic() - start

    fake = home / "fake-colab"
    for name, text in FAKE_COLAB.items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(text)
    spec = Path(env["JUPYTER_PATH"]) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (Colab-like)",
                "language": "python",
                "env": {"PYTHONPATH": str(fake)},  # the kernel only: not the runner, not this test
            }
        )
    )
    # Colab ships matplotlib's font cache built; without it the first plot writes a note to stderr.
    run([str(python), "-c", "import matplotlib.font_manager"], env=env)
    # google.colab (a native namespace portion on PYTHONPATH) and google.genai must both import.
    check = run(
        [str(python), "-c", "import google.colab.userdata, google.genai; print(google.genai.__version__)"],
        env={**env, "PYTHONPATH": str(fake)},
    )
    assert check.strip() == COLAB_GENAI.split("==")[1], check
    return venv, env


def run_notebook(path: Path, venv: Path, env: dict[str, str], home: Path) -> Run:
    python = venv / "bin" / "python"
    before = packages(python, env)
    workdir = home / f"work-{path.stem}"
    shutil.copytree(ROOT / "notebooks", workdir, ignore=shutil.ignore_patterns("outputs", ".ipynb_checkpoints"))
    target, probes = home / f"{path.stem}.out.ipynb", home / f"{path.stem}.probe"
    start = time.monotonic()
    done = subprocess.run(
        [str(python), "-c", RUNNER, str(path), str(target), str(workdir), str(probes), KERNEL_NAME, str(CELL_TIMEOUT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        timeout=CELL_TIMEOUT * 3,
    )
    seconds = time.monotonic() - start
    log = done.stdout + done.stderr
    if done.returncode:
        pytest.fail(f"{path.name}: the runner exited with {done.returncode}:\n{log[-5000:]}")
    return Run(
        name=path.name,
        seconds=seconds,
        before=before,
        after=packages(python, env),
        notebook=json.loads(target.read_text()),
        kernel_before=json.loads(Path(f"{probes}.before").read_text()),
        kernel_after=json.loads(Path(f"{probes}.after").read_text()),
        log=log,
    )


def plain(text: str | list[Any]) -> str:
    """Text without terminal colours (nbformat stores a stream's text as a string or a list of lines)."""
    joined = text if isinstance(text, str) else "".join(plain(t) for t in text)
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", joined)


def install_cell(cells: list[dict[str, Any]]) -> int | None:
    return next((i for i, c in enumerate(cells) if "%pip install" in "".join(c["source"])), None)


def check(result: Run, pins: dict[str, str], venv: Path) -> list[str]:
    """What is wrong with one notebook's run, in words (and notes on what it printed to stderr)."""
    problems: list[str] = []
    cells = result.notebook["cells"]
    install = install_cell(cells)
    if install is None:
        problems.append("no cell runs %pip install: the Colab install cell is missing")
    if not result.kernel_before["colab"]:
        problems.append("google.colab was not imported in the kernel when the first cell ran")
    if result.kernel_before["executable"] != str(venv / "bin" / "python"):
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
    setup = install + 1 if install is not None else 2
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
    if not result.kernel_after["helpers_file"].startswith(str(CLONE)):
        problems.append(f"helpers came from {result.kernel_after['helpers_file']}, not from {CLONE}")
    return problems


def stale(result: Run, python: Path, env: dict[str, str]) -> list[str]:
    """Distributions the install cell replaced while the kernel had already imported them (Colab would warn)."""
    replaced = [name for name, (old, new) in result.changed().items() if old and new]
    if not replaced:
        return []
    modules = json.loads(run([str(python), "-c", MODULES_OF, *replaced], env=env, stderr=False))
    imported = set(result.kernel_before["modules"])
    return sorted(name for name, names in modules.items() if imported & set(names))


def without_local_noise(text: str) -> str:
    """Text without this machine's pip warnings about its local package indexes (Colab has none)."""
    kept = [line for line in text.splitlines() if not LOCAL_INDEX_NOISE.match(line.strip())]
    return "\n".join(line.rstrip("\r") for line in kept).strip()


def report(runs: list[Run], timings: dict[str, float], first: dict[str, str]) -> str:
    """What the runs did, for the log (-s): timings, what each install cell changed and printed."""
    lines = ["", "Colab-like runtime: " + ", ".join(f"{n}=={first.get(canonical(n))}" for n in KERNEL_STACK)]
    lines += [f"  {what}: {seconds:.1f} s" for what, seconds in timings.items()]
    for result in runs:
        lines.append(f"{result.name}: {result.seconds:.1f} s; the install cell changed:")
        lines += [f"    {n}: {a or '-'} -> {b or '-'}" for n, (a, b) in result.changed().items()]
        cells = result.notebook["cells"]
        install = install_cell(cells)
        for index, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                if output.get("name") in ("stdout", "stderr") and (index == install or output["name"] == "stderr"):
                    text = without_local_noise(plain(output["text"]))
                    if text:
                        lines.append(f"  {output['name']} of cell {index}: {text[:800]!r}")
        if result.stale:
            lines.append(f"  replaced while already imported in the kernel (Colab asks for a restart): {result.stale}")
        kernel_log = [line for line in result.log.splitlines() if line.strip()]
        if kernel_log:
            lines.append(f"  kernel and runner stderr ({len(kernel_log)} lines): {kernel_log[:3]}")
    return "\n".join(lines)


def test_notebooks_replay_in_a_colab_like_runtime() -> None:
    """Slow: builds a Python 3.13 venv with Colab's kernel stack and runs every notebook's cells in it."""
    python313 = find_python313()
    if python313 is None:
        unavailable("no Python 3.13 (Colab's Python) found: not python3.13 on PATH, nor /root/.pyenv/versions/3.13*")
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no notebooks found"
    pins = colab_pins()
    timings: dict[str, float] = {}
    with own_clone(), tempfile.TemporaryDirectory(prefix="colab-like-") as temp:
        home = Path(temp)
        venv, env = build(python313, home, timings)
        python = venv / "bin" / "python"
        first = packages(python, env)
        for name in KERNEL_STACK:
            assert first.get(canonical(name)) == pins[canonical(name)], f"{name}: the venv does not have Colab's pin"
        runs: list[Run] = []
        for path in notebooks:
            if runs:  # a fresh runtime for each notebook, as on Colab
                start = time.monotonic()
                restore(python, env, first)
                timings[f"restore before {path.stem}"] = time.monotonic() - start
            fill_clone()
            result = run_notebook(path, venv, env, home)
            timings[f"run {path.stem}"] = result.seconds
            result.problems = check(result, pins, venv)
            result.stale = stale(result, python, env)
            runs.append(result)
        print(report(runs, timings, first))
    problems = [f"{r.name}: {p}" for r in runs for p in r.problems]
    assert not problems, "\n\n".join(problems)
