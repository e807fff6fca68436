"""helpers.studio driven without a browser, as a test can: set a widget's ``.value``, click its buttons, await the task.

Against the stand-in API (its own server per test): a picture, two edits, a branch at another aspect ratio and Save;
menus that follow the model table; reference pictures; faults, a refusal and Cancel said in the studio with every
version kept; the code of the last call, run as it is shown; replay without an answer, then practice mode.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import datetime
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import types

import helpers
from helpers import session
from helpers.images import check_aspect, load_image
from helpers.reasons import FINISH_HINTS
from helpers.session import SESSION, SetupError
from helpers.studio import WIDGET_ID, Studio
from standin import StandinServer
from tests.support import jpeg

pytestmark = pytest.mark.usefixtures("quiet")
MODEL = "gemini-nano-banana-2.1"
NO_RETRY = types.HttpRetryOptions(attempts=1)
SOME_DAY = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


class Kernel:
    """An event loop running in a thread of its own, as a kernel's runs its cells and widget callbacks: one a test,
    so the clients' connections live on it and are closed on it. (Not this thread's: a browser test before this
    one in the same worker leaves Playwright's loop in it.)"""

    def __init__(self) -> None:
        self.thread = concurrent.futures.ThreadPoolExecutor(1)
        self.loop = asyncio.new_event_loop()

    def run(self, work: Any) -> Any:
        return self.thread.submit(self.loop.run_until_complete, work).result()

    def close(self) -> None:
        for client in CLIENTS:
            self.run(client.aio.aclose())
        CLIENTS.clear()
        self.thread.submit(self.loop.close).result()
        self.thread.shutdown()


CLIENTS: list[genai.Client] = []
KERNEL: list[Kernel] = []


@pytest.fixture(autouse=True)
def kernel() -> Iterator[None]:
    KERNEL.append(Kernel())
    yield
    KERNEL.pop().close()


def on_the_loop(work: Any) -> Any:
    """Run a coroutine on the test's kernel loop; its result."""
    return KERNEL[-1].run(work)


def client(url: str | None = None) -> genai.Client:
    made = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=url, retry_options=NO_RETRY))
    CLIENTS.append(made)
    return made


def made(server: StandinServer, tmp_path: Path) -> Studio:
    studio = Studio(client(server.url), MODEL)
    studio.folder = str(tmp_path / "saved")
    return studio


def run(studio: Studio, button: Any) -> None:
    """Click ``button`` inside the test's event loop (as in a kernel) and wait for the call it starts."""

    async def click() -> None:
        button.click()
        if studio.task is not None:
            await studio.task

    on_the_loop(click())


def generate(studio: Studio, prompt: str) -> None:
    studio.prompt.value = prompt
    run(studio, studio.generate)


def edit(studio: Studio, words: str) -> None:
    studio.edit.value = words
    run(studio, studio.apply)


def test_a_picture_two_edits_and_a_branch_at_another_ratio(server: StandinServer, tmp_path: Path) -> None:
    studio = made(server, tmp_path)
    generate(studio, "A cosy reading nook, a sleeping cat")
    edit(studio, "Make it night")
    edit(studio, "Add a cup of tea")
    studio.strip.value = 1
    studio.aspect.value = "16:9"
    edit(studio, "Paint it as a watercolour")

    assert [(v.number, v.parent) for v in studio.versions.values()] == [(1, None), (2, 1), (3, 2), (4, 1)]
    assert [label for label, _ in studio.strip.options] == ["v1", "v2 ← v1", "v3 ← v2", "v4 ← v1"]
    assert studio.strip.value == 4 and studio.status.value == "v4 is ready."
    # Each version's conversation: its ancestors' turns, then its own question and answer (a branch skips v2, v3).
    assert [len(v.contents) for v in studio.versions.values()] == [2, 4, 6, 4]
    branch = studio.versions[4].contents
    assert branch[:2] == studio.versions[1].contents and branch[2].parts[0].text == "Paint it as a watercolour"
    assert check_aspect(load_image(studio.versions[4].picture), "16:9")
    assert check_aspect(load_image(studio.versions[3].picture), "1:1")
    assert "v4" in str(studio.view.outputs) and "STAND-IN placeholder picture" in str(studio.view.outputs)
    assert studio.cost.value.startswith("4 calls · USD 0.")

    run(studio, studio.save)
    saved = sorted((tmp_path / "saved").iterdir())
    assert [p.name[:9] for p in saved] == ["studio-v4"] and saved[0].read_bytes() == studio.versions[4].picture
    assert saved[0].as_posix() in studio.status.value
    run(studio, studio.save)  # the same picture again: the same file, named by its content
    assert sorted((tmp_path / "saved").iterdir()) == saved


def test_the_menus_offer_what_the_chosen_model_takes(server: StandinServer, tmp_path: Path) -> None:
    studio = made(server, tmp_path)
    assert tuple(studio.size.options) == helpers.models.get(MODEL).sizes and studio.size.value == "1K"
    studio.aspect.value, studio.size.value = "21:9", "4K"
    studio.model.value = "gemini-3.1-flash-lite-image"  # 1K only
    assert tuple(studio.size.options) == ("1K",) and studio.size.value == "1K" and studio.aspect.value == "21:9"
    studio.model.value = "gemini-3-pro-image"  # ten ratios: no 8:1
    studio.aspect.value = "4:3"
    assert list(studio.aspect.options) == list(helpers.models.get("gemini-3-pro-image").pixels)
    assert "gemini-3.1-flash-image" not in studio.model.options  # deprecated: not offered


def test_a_reference_picture_goes_with_a_new_picture_and_an_upload_wins(server: StandinServer, tmp_path: Path) -> None:
    studio = made(server, tmp_path)
    studio.sample.value = next(value for label, value in studio.sample.options if label == "harbour.jpg")
    generate(studio, "The same harbour in autumn")
    first_turn = studio.versions[1].contents[0]
    assert [bool(p.inline_data) for p in first_turn.parts] == [False, True]
    assert load_image(first_turn.parts[1].inline_data.data).size == (1024, 768)
    assert "*studio.references()" in studio.last_code

    photo = jpeg("purple", (300, 200))
    studio.upload.value = (
        {
            "name": "mine.jpg",
            "type": "image/jpeg",
            "size": len(photo),
            "content": memoryview(photo),
            "last_modified": SOME_DAY,
        },
    )
    (part,) = studio.references()
    assert load_image(part.inline_data.data).size == (300, 200)  # the upload, not the sample
    edit(studio, "Add falling leaves")  # an edit sends no reference again: it is in the conversation
    assert [bool(p.inline_data) for p in studio.versions[2].contents[2].parts] == [False]


def test_faults_and_refusals_are_said_in_the_studio_and_nothing_is_lost(server: StandinServer, tmp_path: Path) -> None:
    studio = made(server, tmp_path)
    generate(studio, "A lighthouse")
    server.queue_fault(429)
    edit(studio, "Make it night")
    assert studio.status.value.startswith("429 RESOURCE_EXHAUSTED") and "quota" in studio.status.value
    server.queue_fault(503)
    generate(studio, "A second lighthouse")
    assert "503" in studio.status.value and "wait a minute" in studio.status.value
    assert list(studio.versions) == [1] and studio.strip.value == 1  # what was made is still there, on show
    assert not studio.generate.disabled and not studio.apply.disabled and studio.cancel.disabled
    edit(studio, "Make it night")  # and the studio goes on
    assert list(studio.versions) == [1, 2]


def test_an_answer_without_a_picture_gets_shows_words(tmp_path: Path) -> None:
    answers = tmp_path / "refuse.toml"
    answers.write_text('[[answer]]\nprompt = "A refused picture"\nfinish = "NO_IMAGE"\nparts = [{ text = "No." }]\n')
    with StandinServer(str(answers)) as server:
        studio = made(server, tmp_path)
        generate(studio, "A refused picture")
    assert "`NO_IMAGE`" in studio.status.value and FINISH_HINTS["NO_IMAGE"][:40] in studio.status.value
    assert studio.versions == {} and studio.strip.options == ()


def test_empty_words_and_an_edit_of_nothing_say_what_to_do(server: StandinServer, tmp_path: Path) -> None:
    studio = made(server, tmp_path)
    generate(studio, "   ")
    assert studio.task is None and "Type what to draw" in studio.status.value
    edit(studio, "Make it night")
    assert studio.task is None and "Make a picture first" in studio.status.value


def test_cancel_stops_the_wait_and_keeps_every_version(tmp_path: Path) -> None:
    with StandinServer(latency=0.0) as server:
        studio = made(server, tmp_path)
        generate(studio, "A lighthouse")
        server.settings.latency = 5.0

        async def cancelled() -> float:
            studio.edit.value = "Make it night"
            studio.apply.click()
            assert studio.cancel.disabled is False and studio.generate.disabled is True
            await asyncio.sleep(0.3)
            started = time.perf_counter()
            studio.cancel.click()
            assert studio.task is not None
            await studio.task
            return time.perf_counter() - started

        assert on_the_loop(cancelled()) < 1.0
    assert studio.status.value.startswith("Cancelled.") and list(studio.versions) == [1]
    assert studio.cancel.disabled and not studio.generate.disabled


def test_the_code_of_the_last_call_runs_as_shown_and_makes_the_same_picture(
    server: StandinServer, tmp_path: Path
) -> None:
    studio = made(server, tmp_path)
    generate(studio, "A lighthouse")
    studio.strip.value = 1
    studio.aspect.value = "4:3"
    edit(studio, "Make it night")
    studio.show_code.value = True
    assert studio.code.layout.display == "" and "ImageConfig(aspect_ratio=&#x27;4:3&#x27;" in studio.code.value
    code = compile(studio.last_code, "<studio>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    shown: list[Any] = []
    space = {"client": studio.client, "types": types, "studio": studio, "helpers": _Helpers(shown)}
    on_the_loop(eval(code, space))
    assert helpers.parts.walk(space["response"]).images()[0].data == studio.versions[2].picture
    assert shown == [space["response"]]


class _Helpers:
    """``helpers`` as the pasted code sees it, with ``show`` noted instead of displayed."""

    def __init__(self, shown: list[Any]) -> None:
        self.show = shown.append


def test_replay_without_an_answer_offers_practice_mode_and_goes_on_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    helpers.choose_mode("09_image_studio")
    try:
        studio = Studio(client(), MODEL, retry=NO_RETRY)
        generate(studio, "A castle made of cheese")
        assert "not recorded" in studio.status.value and studio.practice.layout.display == ""
        studio.practice.click()
        CLIENTS.append(studio.client)  # practice mode's client, made by the studio: closed with the others
        assert SESSION.mode == "practice" and studio.practice.layout.display == "none"
        assert studio.status.value.startswith("Practice · ")
        generate(studio, "A castle made of cheese")
        assert list(studio.versions) == [1] and studio.versions[1].stand_in
        assert "STAND-IN placeholder picture" in str(studio.view.outputs)
    finally:
        SESSION.reset()


def test_shown_again_it_replaces_the_old_studio_and_keeps_what_it_made(
    server: StandinServer, tmp_path: Path, shown: list[Any]
) -> None:
    first = helpers.studio(client(server.url), MODEL)
    assert first.box.model_id == WIDGET_ID
    generate(first, "A lighthouse")
    edit(first, "Make it night")
    second = helpers.studio(client(server.url), MODEL)  # the cell run again
    assert shown == [first, second] and second.box.model_id == WIDGET_ID
    assert first.box.comm is None and second.box.comm is not None  # the first was closed
    assert list(second.versions) == [1, 2] and second.strip.value == 2 and second.cost.value.startswith("2 calls")
    assert "Make it night" in str(second.view.outputs)
    edit(second, "Add a boat")
    assert second.versions[3].parent == 2


def test_practice_mode_that_cannot_start_is_said_and_replay_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    helpers.choose_mode("09_image_studio")
    try:

        def broken(notebook: str) -> None:
            raise SetupError("The stand-in API did not start (it printed no address). Run this cell again.")

        monkeypatch.setattr(session, "Practice", broken)
        studio = Studio(client(), MODEL)
        studio.practice.click()
        assert studio.status.value.startswith("The stand-in API did not start")
        assert SESSION.mode == "replay" and os.environ["GENAI_NOTEBOOK_MODE"] == "replay"
    finally:
        SESSION.reset()
