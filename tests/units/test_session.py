"""helpers.session: the mode, key discovery (env, .env, Colab Secrets), the banner, switching modes."""

from __future__ import annotations

import logging
import os
import sys
import types as pytypes
from collections.abc import Iterator
from pathlib import Path

import pytest
from google import genai
from google.genai import types

import helpers
from helpers import replay, session
from helpers.errors import LearnerError
from helpers.session import SESSION
from standin import StandinServer

GEMINI = "gemini-test-key-" + "a" * 8
GOOGLE = "google-test-key-" + "b" * 8
PROMPT = "Create a picture of a nano banana dish in a fancy restaurant with a Gemini theme"


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in (
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GENAI_NOTEBOOK_MODE",
        "GOOGLE_GEMINI_BASE_URL",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GEMINI_IMAGE_MODEL",
        "GENAI_RECORDINGS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    yield tmp_path
    SESSION.reset()


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer("01_quickstart") as running:
        yield running


def fake_colab(monkeypatch: pytest.MonkeyPatch, secrets: dict[str, object]) -> None:
    """A fake google.colab.userdata whose get() returns a secret or raises like Colab does."""

    class SecretNotFoundError(Exception):
        pass

    class NotebookAccessError(Exception):
        pass

    def get(name: str) -> str:
        value = secrets.get(name, SecretNotFoundError)
        if isinstance(value, type) and issubclass(value, Exception):
            raise value(name)
        return str(value)

    userdata = pytypes.ModuleType("google.colab.userdata")
    userdata.get = get  # type: ignore[attr-defined]
    userdata.NotebookAccessError = NotebookAccessError  # type: ignore[attr-defined]
    colab = pytypes.ModuleType("google.colab")
    colab.userdata = userdata  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)


RETRY = types.HttpRetryOptions(attempts=4, initial_delay=0.1, http_status_codes=[408, 429, 500, 502, 503, 504])


def client() -> genai.Client:
    """What a notebook's setup cell does (with shorter retry waits)."""
    mode = helpers.choose_mode("01_quickstart")
    return genai.Client(api_key=mode.key, http_options=types.HttpOptions(retry_options=RETRY))


def ask(c: genai.Client) -> types.GenerateContentResponse:
    return c.models.generate_content(
        model=SESSION.model,
        contents=PROMPT,
        config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),
    )


# -- modes ----------------------------------------------------------------------------------------


def test_no_key_replays_and_says_so_in_one_line(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mode = helpers.choose_mode("01_quickstart")
    out = capsys.readouterr().out
    assert (mode.name, mode.key, mode.model) == ("replay", session.NO_KEY, "gemini-nano-banana-2.1")
    assert out.count("\n") == 1 and out.startswith("Replay · gemini-nano-banana-2.1 · answers from recordings/")
    assert "recorded from the stand-in API (placeholder pictures, not Gemini's)" in out
    assert "GENAI_NOTEBOOK_MODE=practice" in out
    assert ask(genai.Client(api_key=mode.key)).parts  # answered from the recording


def test_the_replay_line_is_the_same_whether_replay_was_asked_for_or_not(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A learner without a key (no GENAI_NOTEBOOK_MODE) prints what the committed notebooks hold."""
    helpers.choose_mode("01_quickstart")
    found = capsys.readouterr().out
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    helpers.choose_mode("01_quickstart")
    assert capsys.readouterr().out == found


def test_live_with_a_key_never_prints_it(
    clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    live = client()
    out = capsys.readouterr().out
    assert out.startswith("Live · gemini-nano-banana-2.1 · key from GEMINI_API_KEY in the environment")
    assert SESSION.mode == "live" and SESSION.recording is None
    assert GEMINI not in out
    assert ask(live).parts and server.requests[-1][1].endswith(":generateContent")


def test_key_order_environment_then_dotenv_then_colab(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_colab(monkeypatch, {"GEMINI_API_KEY": "from-colab"})
    (clean / ".env").write_text("GEMINI_API_KEY=from-dotenv\n")
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    assert session._lookup(False)[:2] == (GEMINI, "GEMINI_API_KEY in the environment")
    monkeypatch.delenv("GEMINI_API_KEY")
    assert session._lookup(False)[0] == GOOGLE
    monkeypatch.delenv("GOOGLE_API_KEY")
    assert session._lookup(False)[:2] == ("from-dotenv", "GEMINI_API_KEY in .env")
    (clean / ".env").unlink()
    assert session._lookup(False)[:2] == ("from-colab", "Colab Secrets")


def test_colab_secret_without_notebook_access_is_explained(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_colab(monkeypatch, {})
    fake = sys.modules["google.colab.userdata"]
    fake_colab(monkeypatch, {"GEMINI_API_KEY": fake.NotebookAccessError})  # type: ignore[attr-defined]
    helpers.choose_mode("01_quickstart")
    out = capsys.readouterr().out
    assert out.startswith("Replay") and "Notebook access" in out


def test_live_asked_without_a_key_is_a_short_error(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "live")
    with pytest.raises(session.SetupError) as caught:
        helpers.choose_mode("01_quickstart")
    assert ".env" in str(caught.value) and "Colab" in str(caught.value)
    assert isinstance(caught.value, LearnerError) and len(caught.value._render_traceback_()) <= 3


def test_unknown_mode_and_vertex_switch_are_refused(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "bogus")
    with pytest.raises(session.SetupError, match="practice"):
        helpers.choose_mode("01_quickstart")
    monkeypatch.delenv("GENAI_NOTEBOOK_MODE")
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    with pytest.raises(session.SetupError, match="Vertex AI"):
        helpers.choose_mode("01_quickstart")


# -- models ---------------------------------------------------------------------------------------


def test_retired_model_is_named_with_its_replacement_before_any_request(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_IMAGE_MODEL", "gemini-2.0-flash-exp")
    with pytest.raises(session.SetupError, match=r"use gemini-nano-banana-2\.1"):
        helpers.choose_mode("01_quickstart")


def test_a_404_lists_image_models_whatever_their_names(
    clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_IMAGE_MODEL", "gemini-3.1-flash-image")  # deprecated; the stand-in retired it
    with pytest.raises(session.SetupError) as caught:
        helpers.choose_mode("01_quickstart")
    message = str(caught.value)
    assert "does not answer for this key (404)" in message
    assert "gemini-nano-banana-2.1" in message.split("Image models your key can use:")[1]
    assert "Use gemini-nano-banana-2.1" in message


def test_a_refused_key_and_an_unreachable_server_are_explained(
    clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    server.queue_fault(400)
    with pytest.raises(session.SetupError, match="refused your key"):
        helpers.choose_mode("01_quickstart")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(session.SetupError, match="Could not reach"):
        helpers.choose_mode("01_quickstart")


# -- switching ------------------------------------------------------------------------------------


def test_practice_mode_sends_new_prompts_to_the_local_stand_in(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "practice")
    practice = client()
    assert capsys.readouterr().out.startswith("Practice · gemini-nano-banana-2.1 · no key needed")
    assert os.environ["GOOGLE_GEMINI_BASE_URL"] == SESSION.practice.url  # the SDK sends requests there
    assert SESSION.practice.url.startswith("http://127.0.0.1:")
    answer = practice.models.generate_content(model=SESSION.model, contents="A prompt nobody recorded")
    assert "Stand-in" in answer.parts[0].text and answer.parts[1].inline_data
    process = SESSION.practice.process
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "replay")
    client()
    assert SESSION.practice is None and process.poll() == 0  # the stand-in's process ended
    assert "GOOGLE_GEMINI_BASE_URL" not in os.environ


def test_rerunning_setup_after_replay_goes_live_cleanly(
    clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = client()
    with pytest.raises(replay.MissingRecordingError):
        recorded.models.generate_content(model=SESSION.model, contents="a changed prompt")
    (clean / ".env").write_text(f"GEMINI_API_KEY={GEMINI}\n")  # the learner adds a key...
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    live = client()  # ...and runs the setup cell again
    assert live.models.generate_content(model=SESSION.model, contents="a changed prompt").parts
    assert server.requests[-1][2]["contents"][0]["parts"][0]["text"] == "a changed prompt"


def test_a_failed_setup_keeps_the_previous_mode(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = client()
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "live")  # no key: this setup fails...
    with pytest.raises(session.SetupError):
        client()
    assert ask(recorded).parts  # ...and replay still answers, nothing went out


def test_both_key_variables_make_no_sdk_warning(
    clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    caplog.set_level(logging.WARNING)
    client()
    genai.Client(api_key="x")
    assert not [r for r in caplog.records if "GOOGLE_API_KEY and GEMINI_API_KEY" in r.getMessage()]


def test_a_refused_key_after_replay_goes_back_to_replay(
    clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = client()
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    server.queue_fault(400)
    with pytest.raises(session.SetupError, match="refused your key"):
        client()
    assert SESSION.mode == "replay" and ask(recorded).parts  # nothing left the machine unrecorded


def test_a_clean_environment_has_no_key_mode_or_server() -> None:
    environ = {"PATH": "/bin", "GEMINI_API_KEY": "k", "GOOGLE_GEMINI_BASE_URL": "u", "GENAI_NOTEBOOK_MODE": "live"}
    assert session.clean_environment(environ, GENAI_NOTEBOOK_MODE="replay") == {
        "PATH": "/bin",
        "GENAI_NOTEBOOK_MODE": "replay",
    }


def test_a_stand_in_that_cannot_start_says_why(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "practice")
    monkeypatch.setattr(session.sys, "executable", sys.executable + "-missing")
    with pytest.raises(session.SetupError, match="did not start"):
        client()
    monkeypatch.undo()
    assert SESSION.mode == ""
