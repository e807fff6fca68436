"""Every notebook opened in JupyterLab, in headless Chromium, as a learner would see it.

For each notebook: opening it changes nothing (the tab is not dirty) and shows every picture the file
holds and no error; Kernel → Restart Kernel and Run All Cells… replays it without an error, numbers the
prompts 1..n and shows the pictures again. Then the learner saves (Ctrl+S): the saved file must equal the
committed notebook, compared whole (sources, outputs with their image data, metadata, execution counts)
after tests/sanitize.cfg's substitutions on both sides, so a learner's run gives exactly the committed
outputs. In 01_quickstart, a changed prompt gets the short MissingRecordingError, not a traceback, and
closing the tab with Discard leaves the file as saved; in 03, the upload button takes a photo of one's own; in 09, the
studio is used with the mouse and keyboard in replay, then in practice mode (check_studio).

One test a notebook, spread over the xdist workers: each worker starts its own JupyterLab (serving a
temporary copy of notebooks/, with no GENAI_*, GEMINI_*, GOOGLE_* variable in its environment, so the
notebooks replay: tests/environments/browser.py) and its own Chromium, and gives each notebook a fresh
browser context. The JavaScript run in the page is in tests/environments/browser/*.js.

Needs Debian's Chromium, /usr/bin/chromium: without it the test is skipped, unless REQUIRE_BROWSER=1 (CI),
then it fails. On a failure, screenshots of the whole notebook (and the saved file, when it differs) are
left in /tmp/browser-shots/<notebook>-*.png for a human to look at (not committed); with STUDIO_SHOTS=1, also
the studio after each step of 09's check (09-studio-<mode>-vNN.png).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from helpers.session import clean_environment
from tests.environments.browser import (
    CHROMIUM,
    NOTEBOOKS,
    NOTEBOOKS_DIR,
    SHOTS,
    STDERR,
    VIEWPORT,
    Facts,
    Lab,
    NotebookTab,
    State,
    chromium,
    clear_screenshots,
    differences,
    lab_environment,
    notebook_differences,
    sanitized,
    sanitizers,
    start_lab,
    stop_lab,
)

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, Locator, Page

SETTLE_SECONDS = 0.5  # after the notebook is shown: time for JupyterLab to change whatever it would change
ERROR_LINES = 12  # the most lines a learner's error may take
SHOWN_DIFFERENCES = 5  # of a saved run that differs from the committed notebook


def _missing_browser() -> str:
    import platform

    recorded = json.loads((NOTEBOOKS_DIR / NOTEBOOKS[0]).read_text())
    version = recorded["metadata"]["language_info"]["version"]
    if version != platform.python_version():  # JupyterLab would rewrite language_info: a dirty tab
        return f"the notebooks were recorded on Python {version}, this is {platform.python_version()}"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (python -m pip install -r requirements.txt)"
    return ""


@pytest.fixture(scope="session")
def need_browser() -> None:
    missing = _missing_browser()
    if missing and os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1, but {missing}", pytrace=False)
    if missing:
        pytest.skip(f"no browser for the JupyterLab test: {missing}; set REQUIRE_BROWSER=1 to fail instead")


@pytest.fixture(scope="session")
def lab(need_browser: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """This worker's JupyterLab (session scope: the worker's browser tests share it)."""
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="session")
def browser(need_browser: None) -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def screenshots_on_failure(tab: NotebookTab) -> Iterator[None]:
    """On any failure inside, screenshots of the whole notebook go to SHOTS for a human to look at."""
    try:
        yield
    except BaseException:
        with suppress(Exception):
            tab.screenshots("failure")
        raise


def test_the_server_sees_no_key_nor_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A learner without a key: nothing named GENAI_*, GEMINI_*, GOOGLE_* reaches JupyterLab or its kernels."""
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GENAI_NOTEBOOK_MODE", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.setenv(name, "set-by-the-test")
    env = lab_environment(tmp_path)
    assert "set-by-the-test" not in env.values() and env == clean_environment(env)


@pytest.mark.parametrize("name", [pytest.param(n, id=Path(n).stem, marks=pytest.mark.heavy(rank=1)) for n in NOTEBOOKS])
def test_notebook_in_jupyterlab(
    name: str, lab: Lab, page: Page, record_property: Callable[[str, object], None]
) -> None:
    facts = Facts.of(lab.root / name)
    clear_screenshots(name)
    tab = NotebookTab(page, lab, name)
    with screenshots_on_failure(tab):
        # 1. Opening shows what the file holds and changes nothing.
        started = time.monotonic()
        tab.open(facts)
        opened = time.monotonic() - started
        state = settle(tab)
        if "jp-mod-dirty" in (tab.tab.get_attribute("class") or "") or state.dirty:
            pytest.fail(explain_dirty(tab), pytrace=False)
        assert state.images_shown(facts.images), f"{facts.images} pictures in the file; shown: {state.brief()}"
        assert state.errors == [], f"error output after opening {name}: {state.errors}"

        # 2. Restart Kernel and Run All Cells replays every cell, without an error.
        started = time.monotonic()
        state = tab.restart_and_run_all()
        ran = time.monotonic() - started
        if not state.errors:
            state = tab.wait(lambda s: s.images_shown(facts.images), f"{facts.images} pictures after running", 60)
        assert state.errors == [], f"error output after Restart and Run All in {name}: {state.errors}"
        assert state.prompts == [f"[{n}]:" for n in range(1, facts.code_cells + 1)], state.brief()

        # 3. Saved, a learner's run is the committed notebook (checked last, so that 4 runs today too).
        saved = tab.save()
        differs = learners_run_differs(name, saved)

        # 4. 01 only: a prompt of one's own gets a short message in replay, and Discard leaves the file alone.
        if name == "01_quickstart.ipynb":
            check_changed_prompt(tab)
        # 4. 03 only: the upload button takes a photo of one's own, and the next cell uses it.
        if name == "03_conversational_editing.ipynb":
            check_upload(tab, lab.root / "my-photo.png")
        # 4. 09 only: the studio, driven with the mouse and keyboard, in replay and then in practice mode.
        if name == "09_image_studio.ipynb":
            check_studio(tab)
        assert (lab.root / name).read_bytes() == saved, f"closing the tab changed {name} on disk after it was saved"

    record_property("open_seconds", round(opened, 1))
    record_property("restart_run_all_seconds", round(ran, 1))
    print(f"{name}: open {opened:.1f} s, Restart and Run All {ran:.1f} s")
    if differs:
        pytest.fail(differs, pytrace=False)


def settle(tab: NotebookTab) -> State:
    """Watch the freshly opened tab for SETTLE_SECONDS (JupyterLab may mark it dirty a moment later)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        state = tab.state()
        if state.dirty or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def learners_run_differs(name: str, saved: bytes) -> str:
    """'' when the saved run equals the committed notebook after sanitizing both; else the first differences."""
    rules = sanitizers()
    committed = sanitized(json.loads((NOTEBOOKS_DIR / name).read_text(encoding="utf-8")), rules)
    found = notebook_differences(committed, sanitized(json.loads(saved), rules))
    if not found:
        return ""
    copy = SHOTS / f"{Path(name).stem}-saved-after-run-all.ipynb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(saved)
    listing = "\n  ".join(found[:SHOWN_DIFFERENCES])
    return (
        f"{name}: saved after Restart and Run All in JupyterLab, a learner's run differs from the committed "
        f"notebook (after tests/sanitize.cfg) in {len(found)} place(s); the first {min(len(found), SHOWN_DIFFERENCES)}"
        f":\n  {listing}\nThe saved file: {copy}"
    )


def check_changed_prompt(tab: NotebookTab) -> None:
    """Replace "fancy restaurant" by "fancy bistro" in the first picture's cell, run it, read the error."""
    cell = tab.code_cell("nano banana dish")
    cell.scroll_into_view_if_needed()  # JupyterLab renders the editors of visible cells only
    editor = cell.locator(".cm-content")
    deadline = time.monotonic() + 20
    while not (source := editor.inner_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "generate_content" in source and "fancy restaurant" in source, source
    changed = source.replace("fancy restaurant", "fancy bistro")
    editor.click()
    tab.page.keyboard.press("Control+A")
    tab.page.keyboard.insert_text(changed)
    deadline = time.monotonic() + 10
    while editor.inner_text() != changed:
        assert time.monotonic() < deadline, f"the editor holds {editor.inner_text()!r}, not {changed!r}"
        time.sleep(0.1)

    tab.watch_running()
    tab.page.keyboard.press("Control+Enter")
    tab.wait(lambda s: s.ran and not s.running and s.kernel == "idle", "running the changed cell", 60)
    outputs = cell.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR}"]')
    assert outputs.count() == 1, f"the changed cell shows {outputs.count()} error outputs: {tab.state().brief()}"
    text = outputs.inner_text().strip()
    lines = text.splitlines()
    assert "MissingRecordingError" in text and "This request was not recorded" in text, text
    assert len(lines) <= ERROR_LINES, f"{len(lines)} lines:\n{text}"
    assert "Traceback" not in text and "site-packages" not in text, text

    dialog = tab.close_discarding()
    assert "Save" in dialog, dialog


def check_upload(tab: NotebookTab, photo: Path) -> None:
    """Choose a file with the photo picker's button, run the next cell, and see it use that file."""
    from PIL import Image

    Image.new("RGB", (600, 300), "purple").save(photo)
    picker = tab.code_cell("helpers.pick_photo")
    picker.scroll_into_view_if_needed()
    with tab.page.expect_file_chooser() as chooser:  # the button opens the browser's file dialog
        picker.locator(".widget-upload, button", has_text="Your photo").first.click()
    chooser.value.set_files(str(photo))
    note = picker.locator(".widget-html-content, .widget-html")
    wait_for_text(note.first, "my-photo.png", "the picker's note after choosing a file", 20)
    cell = tab.code_cell("picker.image()")
    cell.scroll_into_view_if_needed()
    tab.watch_running()
    cell.locator(".cm-content").click()
    tab.page.keyboard.press("Control+Enter")
    tab.wait(lambda s: s.ran and not s.running and s.kernel == "idle", "running the photo cell", 60)
    assert "600×300 pixels" in cell.locator(".jp-OutputArea").inner_text()
    tab.close_discarding()


def explain_dirty(tab: NotebookTab) -> str:
    """Save the dirty notebook through the UI (into the temporary copy) and say what JupyterLab changed."""
    path, original = tab.lab.root / tab.name, tab.lab.originals[tab.name]
    message = f"opening {tab.name} in JupyterLab marked its tab dirty (jp-mod-dirty) without any edit"
    try:
        tab.save_via_ui()
    except AssertionError as error:
        return f"{message}; saving it through the UI failed too: {error}"
    saved = path.read_text(encoding="utf-8")
    path.write_bytes(original)
    copy = SHOTS / f"{Path(tab.name).stem}-saved-by-jupyterlab.ipynb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(saved, encoding="utf-8")
    changes = differences(json.loads(original), json.loads(saved)) or ["nothing in the JSON: only its layout"]
    listing = "\n  ".join(changes[:40])
    return f"{message}. Saved through the UI ({copy}), the file differs from the committed one at:\n  {listing}"


#: What 09's own cells ask the studio for, in order: the browser types the same words, so replay has their answers.
STUDIO_PROMPT = "A cosy reading nook by a rainy window, warm lamp light, a sleeping cat"
STUDIO_EDITS = (
    "Make it night outside, with city lights blurred by the rain",
    "Add a steaming cup of tea on the windowsill",
)
STUDIO_BRANCH = ("16:9", "Paint it as a loose watercolour")


def check_studio(tab: NotebookTab) -> None:
    """09: in the studio, as a learner: Generate, edit twice, back to the first new version, a wider picture
    as a branch, Save; in replay first, then an unrecorded prompt, practice mode from the studio's button,
    and the same steps again on the stand-in API. Every step shows its picture; Save writes its file."""
    studio = tab.code_cell("helpers.studio(").locator(".jupyter-widgets").first
    studio.scroll_into_view_if_needed()
    made = len(studio.locator(".studio-strip button").all())  # versions the notebook's own cells made
    # The notebook's cells left the studio at 16:9: its first picture was asked for at 1:1.
    sequence = [(STUDIO_PROMPT, None, "1:1"), *((edit, None, None) for edit in STUDIO_EDITS)]
    sequence.append((STUDIO_BRANCH[1], made + 1, STUDIO_BRANCH[0]))
    saved = studio_steps(tab, studio, sequence, made, "replay")
    assert saved.endswith(".jpg") or saved.endswith(".png"), saved

    studio.locator(".studio-prompt textarea").fill("A castle made of cheese on a cracker hill")
    studio.locator("button", has_text="Generate").click()
    status = studio.locator(".studio-status")
    wait_for_text(status, "not recorded", "replay's word on an unrecorded prompt")
    studio.locator(".studio-practice", has_text="practice").click()
    wait_for_text(status, "Practice", "the switch to practice mode")
    made = len(studio.locator(".studio-strip button").all())
    sequence = [("A castle made of cheese on a cracker hill", None, None), ("Add a mouse knight", None, None)]
    sequence += [("Make it snow", None, None), ("Make the sky green", made + 1, "9:16")]
    studio_steps(tab, studio, sequence, made, "practice")
    view = studio.locator(".studio-view")
    assert "STAND-IN placeholder picture" in view.inner_text(), view.inner_text()
    assert tab.state().errors == [], tab.state().brief()


def studio_steps(tab: NotebookTab, studio: Locator, steps: list, made: int, mode: str) -> str:
    """Each step: (words, the version to go back to first or None, an aspect ratio to pick or None); the first step
    is a Generate, the others edits. Returns the path Save reports."""
    status = studio.locator(".studio-status")
    for number, (words, back_to, ratio) in enumerate(steps, start=made + 1):
        if back_to is not None:
            studio.locator(".studio-strip button", has_text=re.compile(rf"^v{back_to}\b")).click()
            wait_for_text(studio.locator(".studio-view"), f"v{back_to} (", f"v{back_to} on show again")
        if ratio is not None:
            studio.locator(".widget-dropdown select").nth(1).select_option(ratio)
        if number == made + 1:
            studio.locator(".studio-prompt textarea").fill(words)
            studio.locator("button", has_text="Generate").click()
        else:
            studio.locator(".studio-edit input").fill(words)
            studio.locator("button", has_text=re.compile(r"^\s*Edit\s*$")).click()
        wait_for_text(status, f"v{number} is ready", f"{mode}: v{number} ({words!r})")
        view = studio.locator(".studio-view")
        assert words in view.inner_text(), view.inner_text()
        pictures = view.locator("img")
        deadline = time.monotonic() + 20
        while not (pictures.count() and pictures.first.evaluate("i => i.complete && i.naturalWidth > 0")):
            assert time.monotonic() < deadline, f"{mode}: no picture shown for v{number}"
            time.sleep(0.2)
        if ratio is not None:
            width, height = pictures.first.evaluate("i => [i.naturalWidth, i.naturalHeight]")
            wide, tall = (int(n) for n in ratio.split(":"))
            assert abs(width / height - wide / tall) < 0.05, f"{mode}: v{number} is {width}×{height}, not {ratio}"
        if back_to is not None:
            strip = studio.locator(".studio-strip").inner_text()
            assert f"v{number} ← v{back_to}" in strip, strip
        if os.environ.get("STUDIO_SHOTS") == "1":  # each step's studio, for a human to look at
            SHOTS.mkdir(parents=True, exist_ok=True)
            studio.screenshot(path=str(SHOTS / f"09-studio-{mode}-v{number:02d}.png"))
    studio.locator("button", has_text="Save").click()
    wait_for_text(status, "Saved", f"{mode}: Save")
    path = status.inner_text().split(" as ", 1)[1].strip()
    assert (tab.lab.root / path).is_file(), f"{mode}: Save says {path}, which is not in {tab.lab.root}"
    return path


def wait_for_text(where: Locator, text: str, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in (said := where.inner_text()):
        assert time.monotonic() < deadline, f"{what}: {text!r} not within {timeout:.0f} s; it says {said!r}"
        time.sleep(0.2)
