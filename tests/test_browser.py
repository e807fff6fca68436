"""Every notebook opened in JupyterLab, in headless Chromium, as a learner would see it.

For each notebook: opening it changes nothing (the tab is not dirty) and shows every picture the file
holds and no error; Kernel → Restart Kernel and Run All Cells… replays it without an error and shows
the pictures again. In 01_quickstart, a changed prompt gets the short MissingRecordingError, not a
traceback, and closing the tab with Discard leaves the file as it was.

The server serves a temporary copy of notebooks/ without any key in its environment, so the
notebooks replay (tests/browser.py). Needs Debian's Chromium, /usr/bin/chromium: without it the
test is skipped, unless REQUIRE_BROWSER=1 (CI), then it fails. Screenshots for a human to look at
go to /tmp/browser-shots/<notebook>-*.png (not committed).
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import (
    CHROMIUM,
    NOTEBOOKS,
    NOTEBOOKS_DIR,
    SHOTS,
    STDERR,
    VIEWPORT,
    Facts,
    Lab,
    NotebookTab,
    chromium,
    clear_screenshots,
    differences,
    start_lab,
    stop_lab,
)

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, Page

SETTLE_SECONDS = 3  # after the notebook is shown: time for JupyterLab to change whatever it would change
ERROR_LINES = 12  # the most lines a learner's error may take


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


@pytest.fixture(scope="module")
def need_browser() -> None:
    missing = _missing_browser()
    if missing and os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1, but {missing}", pytrace=False)
    if missing:
        pytest.skip(f"no browser for the JupyterLab test: {missing}; set REQUIRE_BROWSER=1 to fail instead")


@pytest.fixture(scope="module")
def lab(need_browser: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
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


@pytest.mark.parametrize("name", NOTEBOOKS, ids=[Path(name).stem for name in NOTEBOOKS])
def test_notebook_in_jupyterlab(
    name: str, lab: Lab, page: Page, record_property: Callable[[str, object], None]
) -> None:
    facts = Facts.of(lab.root / name)
    clear_screenshots(name)
    tab = NotebookTab(page, lab, name)

    # 1. Opening shows what the file holds and changes nothing.
    started = time.monotonic()
    tab.open(facts)
    opened = time.monotonic() - started
    page.wait_for_timeout(SETTLE_SECONDS * 1000)
    state = tab.state()
    tab.screenshots("open", limit=1)
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
    shots = tab.screenshots("run")
    assert state.errors == [], f"error output after Restart and Run All in {name}: {state.errors}"
    assert state.prompts == [f"[{n}]:" for n in range(1, facts.code_cells + 1)], state.brief()

    # 3. 01 only: a prompt of one's own gets a short message in replay, and Discard leaves the file alone.
    if name == "01_quickstart.ipynb":
        check_changed_prompt(tab)
    # 3. 03 only: the upload button takes a photo of one's own, and the next cell uses it.
    if name == "03_conversational_editing.ipynb":
        check_upload(tab, lab.root / "my-photo.png")

    assert (lab.root / name).read_bytes() == lab.originals[name], f"JupyterLab changed {name} on disk"
    record_property("open_seconds", round(opened, 1))
    record_property("restart_run_all_seconds", round(ran, 1))
    print(
        f"{name}: open {opened:.1f} s, Restart and Run All {ran:.1f} s, screenshots {SHOTS}/"
        f"{Path(name).stem}-*.png ({len(shots) + 1})"
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
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(SHOTS / f"{Path(tab.name).stem}-changed-prompt.png"))
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
    deadline = time.monotonic() + 20
    while "my-photo.png" not in note.first.inner_text():
        assert time.monotonic() < deadline, f"the picker says {note.first.inner_text()!r}"
        time.sleep(0.2)
    cell = tab.code_cell("picker.image()")
    cell.scroll_into_view_if_needed()
    tab.watch_running()
    cell.locator(".cm-content").click()
    tab.page.keyboard.press("Control+Enter")
    tab.wait(lambda s: s.ran and not s.running and s.kernel == "idle", "running the photo cell", 60)
    assert "600×300 pixels" in cell.locator(".jp-OutputArea").inner_text()
    cell.screenshot(path=str(SHOTS / f"{Path(tab.name).stem}-uploaded.png"))
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
