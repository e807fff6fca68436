"""helpers.session: mode, key discovery order (env, .env, Colab Secrets, prompt), banner, client."""

from __future__ import annotations

import sys
import types as pytypes
from pathlib import Path
from typing import Iterator

import pytest
from google.genai import errors

import helpers
from helpers import replay, session
from tests.standin import StandinServer

GEMINI = "gemini-" + "key-" + "a" * 10
GOOGLE = "google-" + "key-" + "b" * 10


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GENAI_NOTEBOOK_MODE", "GOOGLE_GEMINI_BASE_URL",
                 "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENAI_RECORDINGS_DIR", str(tmp_path / "recordings"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(session, "in_colab", lambda: "google.colab" in sys.modules)
    yield tmp_path
    replay.stop()


def fake_colab(monkeypatch: pytest.MonkeyPatch, secrets: dict[str, object]) -> None:
    """Install a fake google.colab.userdata whose get() returns or raises per secret."""

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
    userdata.SecretNotFoundError = SecretNotFoundError  # type: ignore[attr-defined]
    userdata.NotebookAccessError = NotebookAccessError  # type: ignore[attr-defined]
    colab = pytypes.ModuleType("google.colab")
    colab.userdata = userdata  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)
    return None


# ----------------------------------------------------------------------------- mode


@pytest.mark.parametrize("raw, mode", [("", None), ("live", "live"), (" Replay ", "replay"), ("RECORD", "record")])
def test_resolve_mode(raw: str, mode: str | None) -> None:
    assert session.resolve_mode(raw) == mode


def test_bad_mode_lists_the_three() -> None:
    with pytest.raises(session.SetupError) as caught:
        session.resolve_mode("playback")
    assert all(word in str(caught.value) for word in ("'playback'", "live", "replay", "record"))


def test_model_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    assert helpers.MODEL in helpers.IMAGE_MODELS
    monkeypatch.setenv("GEMINI_IMAGE_MODEL", "gemini-3-pro-image")
    try:
        assert importlib.reload(helpers).MODEL == "gemini-3-pro-image"
    finally:
        monkeypatch.delenv("GEMINI_IMAGE_MODEL")
        importlib.reload(helpers)


# ----------------------------------------------------------------------------- key order


def test_key_order_environment_first(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean / ".env").write_text(f"GEMINI_API_KEY=from-dotenv-{'c' * 8}\n")
    fake_colab(monkeypatch, {"GEMINI_API_KEY": "from-colab"})
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    assert session.find_key() == session.KeyInfo(GEMINI, "GEMINI_API_KEY environment variable")
    monkeypatch.delenv("GEMINI_API_KEY")
    assert session.find_key() == session.KeyInfo(GOOGLE, "GOOGLE_API_KEY environment variable")


def test_key_from_dotenv_before_colab(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean / ".env").write_text("# my key\nGOOGLE_API_KEY = from-dotenv\n")
    fake_colab(monkeypatch, {"GEMINI_API_KEY": "from-colab"})
    key = session.find_key()
    assert key.key == "from-dotenv" and key.source.startswith("GOOGLE_API_KEY in ") and ".env" in key.source


def test_key_from_colab_secrets(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_colab(monkeypatch, {"GEMINI_API_KEY": "from-colab"})
    assert session.find_key() == session.KeyInfo("from-colab", "GEMINI_API_KEY in Colab Secrets")


def test_colab_secret_missing_or_not_shared_is_explained(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_colab(monkeypatch, {})
    key = session.find_key()
    assert key.key is None and "no GEMINI_API_KEY" in " ".join(key.notes)
    access_error = type("NotebookAccessError", (Exception,), {})
    fake_colab(monkeypatch, {"GEMINI_API_KEY": access_error})
    key = session.find_key()
    assert key.key is None and "Notebook access" in " ".join(key.notes)


def test_prompt_only_when_asked(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(session.getpass, "getpass", lambda text: asked.append(text) or "typed-key")
    assert session.find_key().key is None and asked == []
    assert session.find_key(prompt=True) == session.KeyInfo("typed-key", "typed at the prompt")

    def refuse(text: str) -> str:
        raise EOFError

    monkeypatch.setattr(session.getpass, "getpass", refuse)
    assert session.find_key(prompt=True).key is None


def test_key_never_in_repr() -> None:
    assert GEMINI not in repr(session.KeyInfo(GEMINI, "x"))


# ----------------------------------------------------------------------------- setup


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer() as running:
        yield running


def test_no_key_and_no_mode_means_replay(clean: Path) -> None:
    with pytest.raises(replay.MissingRecordingError, match="no recording"):
        session.setup("01_quickstart")


def test_replay_without_key_says_why_and_how_to_go_live(clean: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (clean / "recordings").mkdir()
    (clean / "recordings" / "01_quickstart.json").write_text('{"interactions": [], "version": 1}\n')
    fake_colab(monkeypatch, {})
    session.setup("01_quickstart")
    banner = capsys.readouterr().out
    assert banner.startswith("Replay · model gemini-3.1-flash-image · no key found, so replaying")
    assert "set GEMINI_API_KEY to run live" in banner and "Colab Secrets has no GEMINI_API_KEY" in banner
    assert banner.count("\n") == 1


def test_live_without_key_explains_every_way(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "live")
    monkeypatch.setattr(session, "is_interactive", lambda: False)
    with pytest.raises(session.SetupError) as caught:
        session.setup("01_quickstart")
    assert all(word in str(caught.value) for word in ("GEMINI_API_KEY", ".env", "Colab Secrets", "replay"))


def test_live_banner_names_key_source_never_the_key(clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE)  # both set: the SDK would warn on stderr
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")  # would silently switch to Vertex
    client = session.setup("01_quickstart")
    out, err = capsys.readouterr()
    assert out.startswith("Live · model gemini-3.1-flash-image · key from GEMINI_API_KEY environment variable")
    assert "server on this machine" in out
    assert GEMINI not in out and GOOGLE not in out and err == ""
    assert client.vertexai is False
    reply = client.models.generate_content(model=helpers.MODEL, contents="A kite")
    assert reply.parts


def test_client_retries_server_errors(clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    client = session.make_client("test-key")
    server.queue_fault(503)
    assert client.models.generate_content(model=helpers.MODEL, contents="A boat").parts
    options = client._api_client._http_options.retry_options
    assert options.attempts == 4 and 429 in options.http_status_codes


def test_unknown_model_lists_image_models(clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    monkeypatch.setattr(helpers, "MODEL", "gemini-2.0-flash-exp")
    with pytest.raises(session.SetupError) as caught:
        session.setup("01_quickstart")
    message = str(caught.value)
    assert "gemini-2.0-flash-exp" in message and "GEMINI_IMAGE_MODEL" in message
    assert all(name in message for name in helpers.IMAGE_MODELS)
    assert GEMINI not in message


def test_rejected_key_is_explained(clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    server.queue_fault(400)
    with pytest.raises(session.SetupError) as caught:
        session.setup("01_quickstart")
    assert "GEMINI_API_KEY environment variable" in str(caught.value) and GEMINI not in str(caught.value)


def test_record_mode_needs_a_key(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENAI_NOTEBOOK_MODE", "record")
    with pytest.raises(session.SetupError, match="Record mode needs a Gemini API key"):
        session.setup("01_quickstart")


def test_sdk_errors_still_raise_normally(clean: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
    client = session.make_client("test-key")
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="no-such-model", contents="x")
    assert caught.value.code == 404
