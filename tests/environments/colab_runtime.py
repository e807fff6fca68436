"""A Colab-like runtime for tests/environments/test_colab.py: Colab's Python 3.13 and pinned kernel stack, cached.

The fresh runtime (a virtual environment with Colab's versions of the packages in PREINSTALLED, and matplotlib's
font cache built, as Colab ships it) is built once into ``~/.cache/gemini-image-notebooks/colab-venv-<hash>``
(``$XDG_CACHE_HOME`` is honoured), keyed by the hash of the constraints file, the package list, Colab's
google-genai and the Python version. It is built in a temporary folder beside it and renamed into place, under a
lock (other test processes wait, then reuse it), and reused while it is valid: its record (fresh.json) matches,
its kernel stack is at Colab's pins, and every file is as built (size and modification time).

Notebooks never run in the cache itself: each run gets a hard-linked copy (pip and Python replace files rather
than write into them), and :meth:`FreshRuntime.verify` checks afterwards that the cache is still as built.

The programs that run inside the runtime are real files in colab/: runner.py (runs one notebook with its
nbclient), probe_before.py and probe_after.py (what the kernel imported), modules_of.py, and kernel_site/ (the
fake ``google.colab`` and the sitecustomize that imports it, on the kernel's PYTHONPATH only).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "colab"
CONSTRAINTS = PROGRAMS / "colab-constraints.txt"
KERNEL_SITE = PROGRAMS / "kernel_site"  # the kernel's PYTHONPATH: google.colab (fake) and sitecustomize
CLONE_IN_NOTEBOOKS = "/content/gemini-image-notebooks"  # where the notebooks' install cell puts its clone
FORMAT = 2  # of the cache's layout and record; part of its key

# Installed at Colab's versions (the constraints) in the fresh runtime.
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
    # Colab has these too: with aiohttp installed, google-genai's client.aio uses it instead of httpx (07, 10)
    "tqdm",
    "aiohttp",
)
# Colab's google-genai, kept out of the constraints file so that the install cell may upgrade it.
COLAB_GENAI = "google-genai==2.12.1"
# The install cell must leave these exactly at Colab's versions.
KERNEL_STACK = ("ipython", "ipykernel", "traitlets", "tornado", "pyzmq", "ipywidgets", "notebook", "jupyter_client")
KERNEL_NAME = "colab-like-python3"
CELL_TIMEOUT = 600  # seconds; the install cell downloads
#: What pip prints when it cannot download (no network, no DNS, the index unreachable).
NETWORK_TROUBLE = re.compile(
    r"Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|"
    r"Network is unreachable|Max retries exceeded|ConnectTimeoutError|ReadTimeoutError|ProxyError|"
    r"No matching distribution found|Could not find a version that satisfies"
)


class UnavailableError(Exception):
    """The runtime cannot be had on this machine (no network to download it): the test skips, or fails in CI."""


class RunError(Exception):
    """A command in the runtime failed; the message holds what it printed."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_pins() -> dict[str, str]:
    """Canonical name -> version, from the constraints file."""
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


def find_python313() -> tuple[str, str] | None:
    """A Python 3.13 that runs (a pyenv shim for a version not selected does not), and its full version."""
    found = shutil.which("python3.13")
    pyenv = glob.glob("/root/.pyenv/versions/3.13*/bin/python")
    pyenv.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parents[1].name)], reverse=True)
    for candidate in ([found] if found else []) + pyenv:
        try:
            done = subprocess.run(
                [candidate, "-c", "import platform, venv; print(platform.python_version())"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and done.stdout.strip().startswith("3.13."):
            return candidate, done.stdout.strip()
    return None


def index_url() -> str:
    """The package index pip installs from: PIP_INDEX_URL, pip's configured index-url, else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60
    ).stdout
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(".index-url"):
            return value.strip().strip("'\"")
    return "https://pypi.org/simple/"


def pypi_unreachable(timeout: float = 10) -> str:
    """Why pip's index cannot be reached ('' when it can): one request, before anything downloads."""
    index = index_url().rstrip("/")
    try:
        with urllib.request.urlopen(f"{index}/pip/", timeout=timeout) as answer:
            answer.read(1)
    except (urllib.error.URLError, OSError) as error:
        return f"PyPI cannot be reached ({index}: {getattr(error, 'reason', error)})"
    return ""


def run(args: list[str], env: dict[str, str] | None = None, *, stderr: bool = True, timeout: float = 900) -> str:
    """What the command printed (stdout, then stderr unless stderr=False); RunError if it fails.

    UnavailableError when it failed for want of a download (pip without a network)."""
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode:
        printed = done.stdout + done.stderr
        if trouble := NETWORK_TROUBLE.search(printed):
            raise UnavailableError(f"PyPI cannot be reached: {' '.join(args[:4])}... failed ({trouble.group(0)})")
        raise RunError(f"{' '.join(args)} exited with {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr if stderr else done.stdout


def packages(python: Path, env: dict[str, str]) -> dict[str, str]:
    """What is installed, as pip lists it: canonical name -> version (colab/packages.py)."""
    return json.loads(run([str(python), str(PROGRAMS / "packages.py")], env=env, stderr=False))


def clean_environment(venv: Path, home: Path) -> dict[str, str]:
    """The runtime's environment: no key, no GENAI_ setting, nothing of this process's Python or Jupyter."""
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
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def manifest(folder: Path) -> dict[str, list[int]]:
    """Every file and link under ``folder``: relative path -> [size, modification time in ns]."""
    found = {}
    for top, _, names in os.walk(folder):
        for name in names:
            stat = os.lstat(path := os.path.join(top, name))
            found[os.path.relpath(path, folder)] = [stat.st_size, stat.st_mtime_ns]
    return found


def link_copy(source: Path, target: Path) -> None:
    """A copy of the folder ``source`` whose files are hard links (a real copy across file systems)."""
    try:
        shutil.copytree(source, target, symlinks=True, copy_function=os.link)
    except shutil.Error:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the file ``path`` (across processes: xdist workers, other test sessions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gemini-image-notebooks"


@dataclass
class FreshRuntime:
    """The cached fresh runtime: ``root``/venv, ``root``/matplotlib, ``root``/fresh.json."""

    root: Path
    packages: dict[str, str]
    files: dict[str, list[int]]
    built: bool = False  # by this process (a cold cache)
    seconds: float = 0.0  # to build it or check it

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    def verify(self) -> list[str]:
        """What differs in the cache from when it was built: added, removed or changed files (a few)."""
        now = manifest(self.venv)
        added_or_removed = sorted(set(now) ^ set(self.files))
        return (added_or_removed + sorted(k for k in now if k in self.files and now[k] != self.files[k]))[:10]


def cache_key(python_version: str) -> tuple[str, dict[str, Any]]:
    key = {
        "format": FORMAT,
        "constraints": hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest(),
        "packages": list(PREINSTALLED),
        "colab_genai": COLAB_GENAI,
        "python": python_version,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16], key


def fresh_runtime(python313: str, python_version: str) -> FreshRuntime:
    """The cached fresh runtime, built first if it is missing or not valid (under a lock)."""
    start = time.monotonic()
    digest, key = cache_key(python_version)
    final = cache_root() / f"colab-venv-{digest}"
    with locked(final.with_name(final.name + ".lock")):
        for leftover in final.parent.glob(f"{final.name}.*-*"):  # a build or a removal that died half-way
            shutil.rmtree(leftover, ignore_errors=True)
        found = _load(final, key)
        built = found is None
        if found is None:
            if final.exists():
                final.rename(aside := final.with_name(f"{final.name}.invalid-{os.getpid()}"))
                shutil.rmtree(aside, ignore_errors=True)
            _build(python313, final, key)
            found = _load(final, key)
            if found is None:
                raise RunError(f"{final} was built but does not check out")
    found.built, found.seconds = built, time.monotonic() - start
    return found


def _load(final: Path, key: dict[str, Any]) -> FreshRuntime | None:
    """The runtime in ``final`` if it is valid: same key, a Python that runs, Colab's pins, files as built."""
    try:
        record = json.loads((final / "fresh.json").read_text())
    except (OSError, ValueError):
        return None
    if record.get("key") != key:
        return None
    pins, listed = colab_pins(), record["packages"]
    if any(listed.get(canonical(name)) != pins[canonical(name)] for name in KERNEL_STACK):
        return None
    runtime = FreshRuntime(final, listed, record["files"])
    if runtime.verify():
        return None
    python = runtime.venv / "bin" / "python"
    if subprocess.run([str(python), "-c", "pass"], capture_output=True, timeout=60).returncode:
        return None
    return runtime


def _build(python313: str, final: Path, key: dict[str, Any]) -> None:
    """Build the runtime in a temporary folder beside ``final``, then rename it into place."""
    final.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{final.name}.building-", dir=final.parent))
    try:
        with tempfile.TemporaryDirectory(prefix="colab-build-home-") as home:
            venv, python = building / "venv", building / "venv" / "bin" / "python"
            env = clean_environment(building / "venv", Path(home)) | {"MPLCONFIGDIR": str(building / "matplotlib")}
            run([python313, "-m", "venv", str(venv)], env=env)
            pip = [str(python), "-m", "pip", "install", "-q", "--no-input", "-c", str(CONSTRAINTS)]
            run([*pip, "pip", "setuptools"], env=env)
            run([*pip, *PREINSTALLED, COLAB_GENAI], env=env)
            # Colab ships matplotlib's font cache built; without it the first plot writes a note to stderr.
            run([str(python), "-c", "import matplotlib.font_manager"], env=env)
            # google.colab (a native namespace portion on PYTHONPATH) and google.genai must both import.
            check = run(
                [str(python), "-c", "import google.colab.userdata, google.genai; print(google.genai.__version__)"],
                env={**env, "PYTHONPATH": str(KERNEL_SITE)},
            )
            if check.strip() != COLAB_GENAI.split("==")[1]:
                raise RunError(f"the fresh runtime imports google-genai {check.strip()}, not {COLAB_GENAI}")
            listed = packages(python, env)
        _relocate(venv, building, final)
        record = {"key": key, "packages": listed, "files": manifest(venv)}
        (building / "fresh.json").write_text(json.dumps(record, indent=1, sort_keys=True))
        building.rename(final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _relocate(venv: Path, built: Path, final: Path) -> None:
    """Scripts in bin/ name the folder they were built in (shebangs, activate): make them name ``final``."""
    old, new = str(built).encode(), str(final).encode()
    for script in (venv / "bin").iterdir():
        if script.is_file() and not script.is_symlink() and old in (data := script.read_bytes()):
            script.write_bytes(data.replace(old, new))


# -- one notebook in a copy of a runtime ----------------------------------------------------------


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
    venv: Path
    clone: Path
    stale: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, tuple[str | None, str | None]]:
        names = sorted(set(self.before) | set(self.after))
        return {n: (self.before.get(n), self.after.get(n)) for n in names if self.before.get(n) != self.after.get(n)}

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k not in ("venv", "clone")}
        return data | {"venv": str(self.venv), "clone": str(self.clone)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        return cls(**(data | {"venv": Path(data["venv"]), "clone": Path(data["clone"])}))


def repository_files() -> list[str]:
    """The files a clone would hold: tracked ones, and new ones not ignored (the working tree, as in a commit)."""
    listed = run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


def fill_clone(clone: Path) -> None:
    """``clone``: a copy of the repository's files, as the install cell's ``git clone`` would make."""
    for name in repository_files():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)


def with_clone_at(notebook: dict[str, Any], clone: Path) -> dict[str, Any]:
    """The notebook with its install cell's clone path (/content/gemini-image-notebooks) replaced by ``clone``."""
    changed = json.loads(json.dumps(notebook))
    cell = changed["cells"][install_cell(changed["cells"])]
    source = "".join(cell["source"])
    assert f'"{CLONE_IN_NOTEBOOKS}"' in source, f"the install cell does not name {CLONE_IN_NOTEBOOKS}:\n{source}"
    cell["source"] = source.replace(f'"{CLONE_IN_NOTEBOOKS}"', json.dumps(str(clone)))
    return changed


def install_cell(cells: list[dict[str, Any]]) -> int:
    found = [i for i, c in enumerate(cells) if "%pip install" in "".join(c["source"])]
    assert found, "no cell runs %pip install: the Colab install cell is missing"
    return found[0]


def run_notebook(path: Path, fresh: FreshRuntime, source_venv: Path, before: dict[str, str], work: Path) -> Run:
    """Run the notebook at ``path`` in a hard-linked copy of ``source_venv``, in folder ``work``.

    The kernel starts in ``work``/content, where the install cell finds its clone (a copy of this
    repository's files) at ``work``/content/gemini-image-notebooks."""
    venv, home, content = work / "venv", work / "home", work / "content"
    link_copy(source_venv, venv)
    python = venv / "bin" / "python"
    env = clean_environment(venv, home)
    shutil.rmtree(home / "matplotlib")
    shutil.copytree(fresh.root / "matplotlib", home / "matplotlib")  # a real copy: matplotlib writes in place
    spec = Path(env["JUPYTER_PATH"]) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    kernel = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab-like)",
        "language": "python",
        "env": {"PYTHONPATH": str(KERNEL_SITE)},  # the kernel only: not the runner, not this test
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))
    clone = content / CLONE_IN_NOTEBOOKS.rsplit("/", 1)[1]
    fill_clone(clone)
    source, target, probes = work / path.name, work / f"{path.stem}.out.ipynb", work / f"{path.stem}.probe"
    source.write_text(json.dumps(with_clone_at(json.loads(path.read_text()), clone)))
    start = time.monotonic()
    args = [str(source), str(target), str(content), str(probes), KERNEL_NAME, str(CELL_TIMEOUT)]
    done = subprocess.run(
        [str(python), str(PROGRAMS / "runner.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=content,
        timeout=CELL_TIMEOUT * 3,
    )
    seconds, log = time.monotonic() - start, done.stdout + done.stderr
    if done.returncode:
        raise RunError(f"{path.name}: the runner exited with {done.returncode}:\n{log[-5000:]}")
    result = Run(
        name=path.name,
        seconds=seconds,
        before=before,
        after=json.loads(Path(f"{probes}.packages").read_text()),
        notebook=json.loads(target.read_text()),
        kernel_before=json.loads(Path(f"{probes}.before").read_text()),
        kernel_after=json.loads(Path(f"{probes}.after").read_text()),
        log=log,
        venv=venv,
        clone=clone,
    )
    replaced = [name for name, (old, new) in result.changed().items() if old and new]
    if replaced:  # distributions the install cell replaced while the kernel had already imported them
        modules = json.loads(run([str(python), str(PROGRAMS / "modules_of.py"), *replaced], env=env, stderr=False))
        imported = set(result.kernel_before["modules"])
        result.stale = sorted(name for name, names in modules.items() if imported & set(names))
    return result
