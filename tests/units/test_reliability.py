"""The reliability matrix: each fault a user can meet, and what they see. README.md lists the same rows.

API faults go through the stand-in and the real SDK; what the user sees is what ``helpers.show``,
``helpers.first_image``, ``helpers.explain`` or ``helpers.load_image`` say. Every row asserts the
words a learner reads, so a fault that became a traceback, or silence, fails here.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types
from PIL import Image

import helpers
from helpers.display import outputs
from helpers.errors import LearnerError
from helpers.images import ImageInputError, SaveError
from helpers.session import SESSION, clean_environment
from standin import StandinServer, answers
from tests.support import huge_png, png, to_bytes

ROOT = Path(__file__).resolve().parents[2]
MODEL = "gemini-nano-banana-2.1"
FAKE_KEY = "AIza" + "Sy" + "Reliability" + "0" * 22
FINE = {"STOP", "FINISH_REASON_UNSPECIFIED"}

#: Each row: the fault tried, and what the user sees. README.md's reliability table has the same rows.
MATRIX = {
    "finish reason other than STOP (each one)": "`show` and `first_image` name the reason and what to try",
    "prompt blocked (each block reason)": "the block reason and what to change; no crash on `parts=None`",
    "empty candidate, content without parts, no candidate": "“The answer is empty…” and to run again",
    "thought parts only (draft image, thinking text)": "no draft is taken for the result: “…draft (thought) image(s)…”",
    "429 twice, then success": "the retrying client gets the picture; nothing lost",
    "500 / 503 until retries run out": "`explain`: Gemini had a problem, wait and run again",
    "answer slower than the client's timeout": "`explain`: no answer within the timeout; raise the timeout",
    "truncated or malformed body": "`explain`: the answer came back damaged, run again",
    "stream cut off midway": "what arrived is shown, then “The stream stopped half-way…”",
    "RGBA, CMYK, palette, 16-bit, EXIF-rotated input": "an upright RGB picture, ready to send",
    "12000×12000 input, zero-byte file, text file named .png": "a short `ImageInputError` saying what to do",
    "missing path, a folder, a URL": "a short `ImageInputError` naming the path or how to download",
    "saving into a folder that cannot be written": "a short `SaveError`; nothing else is lost",
    "an edited cell in replay": "a few lines: what differs, and the ways on; no network",
    "replay inside the kernel": "no socket is opened",
    "a fake key in practice mode, in errors and in tracebacks": "the key is never shown",
}


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_left(server: StandinServer) -> Iterator[None]:
    yield
    while server.next_fault() is not None:  # a test that failed early leaves none for the next
        pass


def answer(server: StandinServer, entry: dict[str, Any], *, thoughts: bool = False) -> Any:
    server.answers = answers.parse({"answer": [{"prompt": "matrix", **entry}]})
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
    config = (
        types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True)) if thoughts else None
    )
    return client.models.generate_content(model=MODEL, contents="matrix", config=config)


def seen(obj: Any) -> str:
    return "\n".join(value for kind, value in outputs(obj) if kind == "text/markdown")


def no_picture(obj: Any) -> str:
    with pytest.raises(helpers.NoImageError) as caught:
        helpers.first_image(obj)
    return str(caught.value)


def test_the_readme_lists_the_matrix() -> None:
    readme = (ROOT / "README.md").read_text()
    for fault, result in MATRIX.items():
        assert f"| {fault} | {result} |" in readme, fault


# -- API faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [r.name for r in types.FinishReason if r.name not in FINE])
def test_every_finish_reason_is_said(server: StandinServer, reason: str) -> None:
    response = answer(server, {"finish": reason, "parts": [{"text": "Some words."}]})
    assert f"`{reason}`" in seen(response) and f"`{reason}`" in no_picture(response)


@pytest.mark.parametrize("reason", [r.name for r in types.BlockedReason if r.name != "BLOCKED_REASON_UNSPECIFIED"])
def test_every_block_reason_is_said(server: StandinServer, reason: str) -> None:
    response = answer(server, {"block": reason})
    assert response.parts is None
    assert f"blocked the prompt (`{reason}`)" in seen(response) and reason in no_picture(response)


@pytest.mark.parametrize("shape", ["no-content", "no-parts", "no-candidates"])
def test_empty_answers_are_said(server: StandinServer, shape: str) -> None:
    response = answer(server, {"shape": shape, "parts": [{"text": "lost"}]})
    assert "The answer is empty" in seen(response) and "empty" in no_picture(response)


def test_thought_parts_only_are_not_the_result(server: StandinServer) -> None:
    response = answer(server, {"parts": [{"thought": "Planning."}, {"image": "draft", "thought": True}]}, thoughts=True)
    assert "1 draft (thought) image(s), which are not the answer" in no_picture(response)
    assert "thought parts hidden" in seen(response)


def test_429_twice_then_success_loses_nothing(server: StandinServer) -> None:
    server.answers = answers.Answers()
    server.queue_fault(429, times=2)
    retry = setup_retry_options().model_copy(update={"initial_delay": 0.05})  # the notebooks' own, waiting less
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url, retry_options=retry))
    response = client.models.generate_content(model=MODEL, contents="a boat")
    assert helpers.first_image(response).data


def setup_retry_options() -> types.HttpRetryOptions:
    """The retry options every notebook's setup cell builds (tools/template.ipynb, which lint holds them to)."""
    template = json.loads((ROOT / "tools" / "template.ipynb").read_text())
    [line] = [line for line in template["cells"][2]["source"] if line.startswith("retry = ")]
    return eval(line.removeprefix("retry = "), {"types": types})


def once(server: StandinServer, **options: Any) -> genai.Client:
    return genai.Client(
        api_key="k",
        http_options=types.HttpOptions(
            base_url=server.url, retry_options=types.HttpRetryOptions(attempts=2, initial_delay=0.05), **options
        ),
    )


@pytest.mark.parametrize("code", [500, 503])
def test_outages_are_explained(server: StandinServer, code: int) -> None:
    server.answers = answers.Answers()
    server.queue_fault(code, times=2)
    client = once(server)  # kept in a variable: a collected client closes its connection
    with pytest.raises(errors.ServerError) as caught:
        client.models.generate_content(model=MODEL, contents="a boat")
    assert "Gemini had a problem or is overloaded" in helpers.explain(caught.value)


def test_a_gone_interaction_is_said_apart_from_an_unknown_model(server: StandinServer) -> None:
    from google.genai import _interactions

    server.answers = answers.Answers()
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
    made = client.interactions.create(model=MODEL, input="a boat", response_format={"type": "image"})
    client.interactions.delete(made.id)
    with pytest.raises(_interactions.NotFoundError) as caught:
        client.interactions.get(made.id)
    assert "That interaction is not kept: deleted, made with store=False" in helpers.explain(caught.value)
    with pytest.raises(_interactions.NotFoundError) as caught:
        client.interactions.create(model="gemini-0-nothing", input="a boat")
    assert "That interaction is not kept" not in (said := helpers.explain(caught.value)) and "model" in said


def test_a_slow_answer_is_explained(server: StandinServer) -> None:
    server.answers = answers.parse({"answer": [{"prompt": "slow", "delay": 2.5, "parts": [{"text": "late"}]}]})
    client = genai.Client(
        api_key="k",
        http_options=types.HttpOptions(
            base_url=server.url, timeout=1000, retry_options=types.HttpRetryOptions(attempts=1)
        ),
    )
    with pytest.raises(Exception) as caught:  # the SDK lets httpx2's timeout through, unwrapped
        client.models.generate_content(model=MODEL, contents="slow")
    assert "no answer within the client's timeout" in helpers.explain(caught.value)


@pytest.mark.parametrize("fault", ["truncated", "malformed"])
def test_a_damaged_body_is_explained(server: StandinServer, fault: str) -> None:
    server.answers = answers.Answers()
    server.queue_fault(fault)
    client = once(server)
    with pytest.raises(json.JSONDecodeError) as caught:
        client.models.generate_content(model=MODEL, contents="a boat")
    assert "came back damaged" in helpers.explain(caught.value)


def test_a_cut_stream_shows_what_arrived(server: StandinServer) -> None:
    cut = {"prompt": "cut", "parts": [{"text": "One two three four five six."}, {"image": "x"}]}
    server.answers = answers.parse({"answer": [cut]})
    server.queue_fault("cut-stream")
    client = once(server)
    shown = seen(client.models.generate_content_stream(model=MODEL, contents="cut"))
    assert "One two" in shown and "The stream stopped half-way" in shown


# -- inputs ---------------------------------------------------------------------------------------


def rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return to_bytes(Image.new("RGB", (80, 40), "red"), "JPEG", exif=exif)


@pytest.mark.parametrize(
    "source",
    [
        to_bytes(Image.new("RGBA", (40, 40), (255, 0, 0, 0))),
        to_bytes(Image.new("CMYK", (40, 40)), "JPEG"),
        to_bytes(Image.new("P", (40, 40))),
        to_bytes(Image.new("I;16", (40, 40))),
        rotated(),
    ],
    ids=["RGBA", "CMYK", "palette", "16-bit", "EXIF-rotated"],
)
def test_unusual_inputs_become_rgb(source: bytes) -> None:
    picture = helpers.load_image(source)
    assert picture.mode == "RGB" and picture.size in ((40, 40), (40, 80))


def test_unusable_inputs_are_short_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("not a picture")
    cases = {
        huge_png(12000): "too large",
        str(tmp_path / "empty.png"): "is empty",
        str(tmp_path / "notes.png"): "not a picture",
        str(tmp_path / "gone.png"): "does not exist",
        str(tmp_path): "is a folder",
        "https://example.org/cat.png": "web address",
    }
    for source, words in cases.items():
        with pytest.raises(ImageInputError, match=words) as caught:
            helpers.load_image(source)
        assert len(caught.value._render_traceback_()) <= 3


def test_saving_where_nothing_can_be_written_is_a_short_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    response = types.GenerateContentResponse(
        candidates=[
            types.Candidate(
                content=types.Content(role="model", parts=[types.Part.from_bytes(data=png(), mime_type="image/png")])
            )
        ]
    )
    with pytest.raises(SaveError, match="Could not write"):
        helpers.save_images(response, tmp_path / "a-file" / "inside")
    assert helpers.save_images(response, tmp_path / "ok")  # the answer is still there to save elsewhere


# -- replay and secrets ---------------------------------------------------------------------------


def test_an_edited_cell_in_replay_is_a_short_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    client = genai.Client(api_key=helpers.choose_mode("01_quickstart").key)
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("replay opened a connection"))
    with pytest.raises(LearnerError) as caught:
        client.models.generate_content(model=MODEL, contents="Create a picture of a nano banana dish in a bistro")
    assert len(caught.value._render_traceback_()) <= 8
    SESSION.reset()


def test_replay_inside_the_kernel_opens_no_socket(tmp_path: Path) -> None:
    from tools.record import copy_notebooks, execute

    spy = Path(__file__).parent / "no_network"  # its sitecustomize logs every connection the kernel opens
    folder = copy_notebooks(ROOT / "notebooks", tmp_path / "notebooks")
    env = clean_environment(
        NO_NETWORK_LOG=str(tmp_path / "connections.txt"), PYTHONPATH=os.pathsep.join([str(spy), *sys.path])
    )
    execute(folder / "01_quickstart.ipynb", env, closing=None, timeout=300)  # calls generate_content and interactions
    assert not (tmp_path / "connections.txt").exists(), (tmp_path / "connections.txt").read_text()


def test_a_fake_key_is_never_shown(
    server: StandinServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "practice")
    client = genai.Client(api_key=helpers.choose_mode("08_safety_and_errors").key)
    client.models.generate_content(model=MODEL, contents="a boat")
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "live")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    server.queue_fault(400)
    with pytest.raises(LearnerError) as caught:
        helpers.choose_mode("08_safety_and_errors")
    SESSION.reset()
    words = str(caught.value) + "".join(traceback.format_exception(caught.value))
    server.answers = answers.parse({"answer": [{"prompt": "boom", "status": 400}]})
    live = genai.Client(api_key=FAKE_KEY, http_options=types.HttpOptions(base_url=server.url))
    try:
        live.models.generate_content(model=MODEL, contents="boom")
    except errors.APIError as error:
        words += helpers.explain(error) + "".join(traceback.format_exception(error))
    assert FAKE_KEY not in words + capsys.readouterr().out
    SESSION.reset()
