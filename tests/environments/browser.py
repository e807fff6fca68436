"""JupyterLab in headless Chromium for tests/environments/test_browser.py: the server, the browser, what a page shows.

The server serves a copy of notebooks/ from a temporary folder, with its own settings, workspaces,
config, data, runtime and IPython folders, and an environment without any key or GENAI_*, GEMINI_*,
GOOGLE_* variable: every notebook replays its recording (helpers.replay finds recordings/ next to
the installed helpers, whatever the working folder). Its user settings switch off what would
reach the network or change files behind the test's back: the news and update checks (and their
"Would you like to get notified about official Jupyter news?" toast), the extension manager and
autosave.

Chromium is Debian's (/usr/bin/chromium; Playwright's own browsers are not downloaded), started
headless with a fresh profile; each test gets a fresh browser context.
"""

from __future__ import annotations

import configparser
import difflib
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from helpers.session import clean_environment
from tools.record import copy_notebooks

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, Locator, Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("/tmp/browser-shots")
SANITIZE = ROOT / "tests" / "sanitize.cfg"  # what nbval substitutes before comparing outputs
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
#: Environment variables the server and its kernels must not see: keys, modes, base URLs, models.
#: User settings, by plugin (JUPYTERLAB_SETTINGS_DIR/<package>/<plugin>.jupyterlab-settings).
SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}
STDERR = "application/vnd.jupyter.stderr"
#: Output MIME types JupyterLab shows as <div class="jp-RenderedImage"><img ...></div>.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")

#: JavaScript run in the page (each file is one function expression), in tests/environments/browser/.
SCRIPTS = Path(__file__).resolve().parent / "browser"
STATE_JS = (SCRIPTS / "state.js").read_text(encoding="utf-8")  # what the notebook panel shows
WATCH_JS = (SCRIPTS / "watch_running.js").read_text(encoding="utf-8")  # notes when a run is under way
SCROLL_JS = (SCRIPTS / "scroll.js").read_text(encoding="utf-8")  # scrolls the notebook, returns its extent


# -- the notebook files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What a notebook file holds, to compare with what JupyterLab shows."""

    cells: int
    code_cells: int
    images: int
    errors: int

    @classmethod
    def of(cls, path: Path) -> Facts:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        outputs = [o for c in code for o in c.get("outputs", [])]
        images = [o for o in outputs if any(k in IMAGE_TYPES for k in o.get("data", {}))]
        errors = [o for o in outputs if o["output_type"] == "error" or o.get("name") == "stderr"]
        return cls(len(nb["cells"]), len(code), len(images), len(errors))


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ, one line each ("/metadata/x: 1 -> 2")."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}/{key}"
            if key not in new:
                found.append(f"{where}: removed (was {_short(old[key])})")
            elif key not in old:
                found.append(f"{where}: added {_short(new[key])}")
            else:
                found += differences(old[key], new[key], where)
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new, strict=True))
        return [line for i, (a, b) in pairs for line in differences(a, b, f"{path}/{i}")]
    return [] if old == new else [f"{path or '/'}: {_short(old)} -> {_short(new)}"]


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the server -----------------------------------------------------------------------------------


@dataclass
class Lab:
    """A running JupyterLab serving ``root``."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    originals: dict[str, bytes] = field(default_factory=dict)  # notebook name -> bytes as copied

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        """The notebook in a reset workspace (only its tab open)."""
        return f"{self.base}/lab/tree/{quote(name)}?reset&token={self.token}"

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _request(self, path: str, method: str = "GET", timeout: float = 5) -> int:
        request = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lab_environment(work: Path) -> dict[str, str]:
    """This process's environment without keys or modes, with every Jupyter folder under ``work``."""
    env = clean_environment()
    folders = {
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
    }
    for name, folder in folders.items():
        (work / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(work / folder)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def write_settings(settings_dir: Path) -> None:
    for plugin, values in SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")


def start_lab(work: Path, timeout: float = 90) -> Lab:
    """Copy notebooks/ (without outputs/ and checkpoints) to ``work``/root and serve it; wait until it answers."""
    root = work / "root"
    copy_notebooks(NOTEBOOKS_DIR, root)
    env = lab_environment(work)
    write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=False",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = work / "jupyterlab.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        )
    lab = Lab(root, port, token, process, log, {p.name: p.read_bytes() for p in root.glob("*.ipynb")})
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{lab.log_tail()}")
        try:
            if lab._request("/api/status") == 200:
                return lab
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_lab(lab)
            raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{lab.log_tail()}")
        time.sleep(0.25)


def stop_lab(lab: Lab) -> None:
    """Ask the server to shut down (it stops its kernels); terminate it, then kill it, if it will not."""
    if lab.process.poll() is None:
        try:
            lab._request("/api/shutdown", method="POST")
        except (urllib.error.URLError, OSError):
            lab.process.terminate()
    for last_resort in (lab.process.terminate, lab.process.kill):
        try:
            lab.process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            last_resort()
    lab.process.wait(timeout=10)


# -- the browser ----------------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile (Playwright makes a temporary one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class State:
    """What the notebook panel shows at one moment (see STATE_JS)."""

    cells: int = 0
    prompts: list[str] = field(default_factory=list)
    images: list[int] = field(default_factory=list)  # naturalWidth of each output <img>, -1 while loading
    widget_images: list[int] = field(default_factory=list)  # the same, of the <img>s inside widgets
    errors: list[str] = field(default_factory=list)  # the text of each stderr / error output
    kernel: str = ""  # the toolbar's execution indicator: idle, busy, restarting, unknown...
    dirty: list[str] = field(default_factory=list)  # labels of the dirty tabs
    tabs: list[str] = field(default_factory=list)
    ran: bool = False  # a cell showed [*] since watch_running()

    @property
    def running(self) -> bool:
        return any("*" in prompt for prompt in self.prompts)

    def images_shown(self, count: int) -> bool:
        return len(self.images) == count and all(width > 0 for width in self.images)

    def brief(self) -> str:
        errors = [e[:300] for e in self.errors]
        return (
            f"cells={self.cells} kernel={self.kernel!r} prompts={self.prompts} images={self.images} "
            f"dirty={self.dirty} tabs={self.tabs} errors={errors}"
        )


class NotebookTab:
    """One notebook open in JupyterLab, seen and driven through the page as a learner would."""

    def __init__(self, page: Page, lab: Lab, name: str) -> None:
        self.page, self.lab, self.name = page, lab, name
        self.panel = page.locator(".jp-NotebookPanel")
        self.tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab").filter(
            has=page.locator(".lm-TabBar-tabLabel", has_text=re.compile(rf"^{re.escape(name)}$"))
        )

    def state(self) -> State:
        found = self.page.evaluate(STATE_JS, STDERR)
        return State(**found) if found else State()

    def wait(self, done: Callable[[State], bool], what: str, timeout: float) -> State:
        """Poll the page until ``done``; on timeout fail with what the page showed last."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if done(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: {what} not within {timeout:.0f} s; the page shows {state.brief()}")
            time.sleep(0.2)

    def open(self, facts: Facts, timeout: float = 120) -> State:
        """Open the notebook; wait until every cell is rendered, every image loaded and the kernel idle."""
        self.page.goto(self.lab.url(self.name), wait_until="domcontentloaded", timeout=timeout * 1000)
        self.panel.wait_for(state="visible", timeout=timeout * 1000)
        return self.wait(
            lambda s: s.cells == facts.cells and s.kernel == "idle" and s.images_shown(facts.images),
            f"all {facts.cells} cells, {facts.images} images and an idle kernel",
            timeout,
        )

    def watch_running(self) -> None:
        self.page.evaluate(WATCH_JS)

    def restart_and_run_all(self, timeout: float = 240) -> State:
        """Kernel → Restart Kernel and Run All Cells…, confirm, and wait until no cell is pending."""
        self.watch_running()
        self.page.locator(".lm-MenuBar-item", has_text="Kernel").click()
        self.page.locator(".lm-Menu-item", has_text="Restart Kernel and Run All Cells").click()
        dialog = self.page.locator(".jp-Dialog")
        dialog.wait_for(state="visible", timeout=30_000)
        assert "Restart" in dialog.inner_text(), dialog.inner_text()
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        dialog.wait_for(state="detached", timeout=30_000)
        return self.wait(lambda s: s.ran and not s.running and s.kernel == "idle", "Restart and Run All", timeout)

    def save(self, timeout: float = 30) -> bytes:
        """Ctrl+S, as a learner saves (the File menu's Save Notebook if the tab stays dirty); the bytes saved."""
        path = self.lab.root / self.name
        before = path.stat().st_mtime_ns
        self.panel.locator(".jp-Notebook").first.focus()
        self.page.keyboard.press("Escape")  # command mode: Ctrl+S is JupyterLab's, not the editor's
        self.page.keyboard.press("Control+s")
        try:
            self.wait(lambda s: not s.dirty and path.stat().st_mtime_ns != before, "saving with Ctrl+S", 10)
        except AssertionError:
            self.page.locator(".lm-MenuBar-item", has_text="File").click()
            self.page.locator(".lm-Menu-item", has_text=re.compile(r"^Save Notebook")).first.click()
            self.wait(lambda s: not s.dirty and path.stat().st_mtime_ns != before, "File → Save Notebook", timeout)
        return path.read_bytes()

    def save_via_ui(self, timeout: float = 30) -> None:
        """The toolbar's Save button (the file is the temporary copy); wait until the tab is clean."""
        self.panel.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="save"]').click()
        self.wait(lambda s: not s.dirty, "saving", timeout)

    def close_discarding(self, timeout: float = 30) -> str:
        """Close the tab; answer the "Save your work" dialog with Discard (or Don't Save). Returns its text."""
        self.tab.locator(".lm-TabBar-tabCloseIcon").click()
        dialog = self.page.locator(".jp-Dialog")
        dialog.wait_for(state="visible", timeout=timeout * 1000)
        text = dialog.inner_text()
        dialog.locator(".jp-Dialog-button").filter(has_text=re.compile(r"^\s*(Discard|Don.t Save)\s*$")).click()
        self.panel.wait_for(state="detached", timeout=timeout * 1000)
        return text

    def code_cell(self, containing: str) -> Locator:
        cells = self.panel.locator(".jp-CodeCell").filter(has=self.page.locator(".cm-content", has_text=containing))
        assert cells.count() >= 1, f"{self.name}: no code cell contains {containing!r}"
        return cells.first

    def screenshots(self, label: str, limit: int = 40) -> list[Path]:
        """Screenshots of the page, scrolling the notebook from top to bottom: SHOTS/<stem>-<label>-NN.png."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        stem = Path(self.name).stem
        _, height, visible = self.page.evaluate(SCROLL_JS, 0)
        step = max(1, int(visible * 0.9))
        paths: list[Path] = []
        for number, top in enumerate(range(0, max(1, height - visible + step), step)[:limit], start=1):
            self.page.evaluate(SCROLL_JS, top)
            self.page.wait_for_timeout(150)
            path = SHOTS / f"{stem}-{label}-{number:02d}.png"
            self.page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        self.page.evaluate(SCROLL_JS, 0)
        return paths


# -- a learner's saved run against the committed notebook ---------------------------------------------


def sanitizers(config: Path = SANITIZE) -> list[tuple[re.Pattern[str], str]]:
    """The regular expressions and replacements of tests/sanitize.cfg (nbval's format), in order."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config, encoding="utf-8")
    return [(re.compile(parser.get(s, "regex")), parser.get(s, "replace")) for s in parser.sections()]


def sanitized(value: Any, rules: list[tuple[re.Pattern[str], str]], key: str = "") -> Any:
    """``value`` (parsed JSON) with every string passed through ``rules``. A text that nbformat may store as a
    list of lines (a source, a stream's text, an output's data) becomes one string: the same text either way."""
    if isinstance(value, dict):
        return {k: sanitized(v, rules, "data" if key == "data" else k) for k, v in value.items()}
    if isinstance(value, list) and key in ("source", "text", "data") and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if isinstance(value, list):
        return [sanitized(item, rules) for item in value]
    if isinstance(value, str):
        for pattern, replacement in rules:
            value = pattern.sub(replacement, value)
    return value


def notebook_differences(committed: dict[str, Any], saved: dict[str, Any]) -> list[str]:
    """Where a saved notebook differs from the committed one, one readable entry each: the cell, the output,
    the field and a short diff. Both are compared whole: sources, outputs with image data, metadata, counts."""
    found = [f"notebook {line}" for line in differences(_without_cells(committed), _without_cells(saved))]
    old_cells, new_cells = committed.get("cells", []), saved.get("cells", [])
    if len(old_cells) != len(new_cells):
        found.append(f"notebook: {len(old_cells)} cells committed, {len(new_cells)} saved")
    for index, (old, new) in enumerate(zip(old_cells, new_cells, strict=False)):
        if old == new:
            continue
        head = _text(old.get("source", "")).strip().split("\n", 1)[0][:50]
        where = f"cell {index} ({old.get('cell_type')}, {head!r})"
        for key in sorted((set(old) | set(new)) - {"outputs"}):
            if old.get(key) != new.get(key):
                found.append(f"{where}, {key}:{_diff(old.get(key), new.get(key))}")
        outputs = old.get("outputs", []), new.get("outputs", [])
        if len(outputs[0]) != len(outputs[1]) and _merged_streams(outputs[0]) == _merged_streams(outputs[1]):
            found.append(
                f"{where}, outputs: the same text, in {len(outputs[0])} outputs committed and {len(outputs[1])} "
                "saved: JupyterLab merges consecutive stream outputs into one, the committed file has them apart"
            )
            continue
        for number in range(max(map(len, outputs))):
            a, b = (o[number] if number < len(o) else None for o in outputs)
            if a == b:
                continue
            kind = _kind(a or b or {})
            if a is None or b is None:
                found.append(
                    f"{where}, output {number} ({kind}): only in the {'saved' if a is None else 'committed'} file"
                )
                continue
            for key in sorted(set(a) | set(b)):
                old_value, new_value = a.get(key), b.get(key)
                if key == "data" and isinstance(old_value, dict) and isinstance(new_value, dict):
                    for mime in sorted(set(old_value) | set(new_value)):
                        if old_value.get(mime) != new_value.get(mime):
                            change = _diff(old_value.get(mime), new_value.get(mime), mime)
                            found.append(f"{where}, output {number} ({kind}), {mime}:{change}")
                elif old_value != new_value:
                    found.append(f"{where}, output {number} ({kind}), {key}:{_diff(old_value, new_value)}")
    return found


def _merged_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outputs with consecutive stream outputs of the same stream joined into one, as JupyterLab shows them."""
    merged: list[dict[str, Any]] = []
    for output in outputs:
        last = merged[-1] if merged else {}
        if output.get("output_type") == last.get("output_type") == "stream" and output.get("name") == last.get("name"):
            merged[-1] = last | {"text": _text(last.get("text", "")) + _text(output.get("text", ""))}
        else:
            merged.append(output)
    return merged


def _without_cells(nb: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in nb.items() if key != "cells"}


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _kind(output: dict[str, Any]) -> str:
    return " ".join(filter(None, [output.get("output_type"), output.get("name")]))


def _diff(old: Any, new: Any, mime: str = "", lines: int = 6) -> str:
    """A short diff: a few -/+ lines for text; sizes for pictures; the values for anything else."""
    if mime.startswith("image/") and isinstance(old, str) and isinstance(new, str):
        return f" a different picture ({len(old):,} base64 characters committed, {len(new):,} saved)"
    if isinstance(old, str | list) and isinstance(new, str | list) and not mime.endswith("json"):
        changed = [
            line[:160]
            for line in difflib.unified_diff(_text(old).splitlines(), _text(new).splitlines(), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))
        ]
        more = f"\n      ... {len(changed) - lines} more lines" if len(changed) > lines else ""
        return "".join(f"\n      {line}" for line in changed[:lines]) + more
    return f" {_short(old)} -> {_short(new)}"


def clear_screenshots(name: str) -> None:
    """Remove what an earlier run left in SHOTS for this notebook (screenshots, JupyterLab's saved copy)."""
    for old in (*SHOTS.glob(f"{Path(name).stem}-*.png"), *SHOTS.glob(f"{Path(name).stem}-*.ipynb")):
        old.unlink()
