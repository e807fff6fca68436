"""Which mode a notebook runs in. One object, ``SESSION``, owns the mode, the key, the recording and the
practice server; ``choose_mode`` starts it and ``SESSION.reset()`` leaves it.

A notebook's setup cell is::

    mode = helpers.choose_mode("01_quickstart")  # prints one line: live, replay or practice, and the model
    client = genai.Client(api_key=mode.key, http_options=types.HttpOptions(retry_options=...))
    MODEL = mode.model

Modes (``GENAI_NOTEBOOK_MODE``; unset means live when a key is found, else replay):

* live: your key; requests go to Gemini and are billed to you. The API is asked once about the
  model, so a bad key or a retired model stops the setup cell in plain words;
* replay: no key needed; this process's HTTP goes through the notebook's recording (vcrpy), so each
  request gets its recorded answer and nothing leaves the machine;
* practice: no key needed; the stand-in API runs on this machine (``python -m standin`` as a child
  process) and ``GOOGLE_GEMINI_BASE_URL`` points the client there: placeholder pictures labelled
  STAND-IN, for prompts of your own;
* record: used by ``python -m tools.record`` to make the recordings.

Running the setup cell again switches mode cleanly; a setup that fails keeps the mode it found.
The key is never printed, logged or stored.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import models
from helpers.errors import LearnerError
from helpers.replay import KEY_HOW, PRACTICE_HOW, Recording, recorded_against, recording_path

MODES = ("live", "replay", "practice", "record")
KEY_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
#: What the client sends as its key when none is needed (replay, practice).
NO_KEY = "no-key-needed"
BASE_URL = "GOOGLE_GEMINI_BASE_URL"  # the SDK sends requests there instead of to Google when it is set
#: Variables that choose a key, a mode, a server or a model: what a clean environment leaves out.
SETTING_PREFIXES = ("GENAI_", "GEMINI_", "GOOGLE_")


class SetupError(LearnerError):
    """The setup cell could not prepare a working client; the message says what to do."""


@dataclass(frozen=True)
class Mode:
    """What the setup cell needs to build its client: the mode's name, the key to send, the model to ask."""

    name: str
    key: str
    model: str


class Practice:
    """The stand-in API on 127.0.0.1, as a child process that ends when this one closes its stdin (or ends)."""

    def __init__(self, notebook: str) -> None:
        import subprocess
        import tempfile

        command = [sys.executable, "-m", "standin", "--answers", notebook, "--port", "0", "--exit-with-stdin"]
        self.errors = tempfile.TemporaryFile(mode="w+")  # what it says if it cannot start (not a pipe: it never fills)
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True
            )
        except OSError as error:
            raise SetupError(f"The stand-in API did not start ({error}). Run this cell again.") from None
        self.url = (self.process.stdout.readline() if self.process.stdout else "").strip()
        if not self.url.startswith("http://"):
            self.stop()
            self.errors.seek(0)
            said = " ".join(self.errors.read().split())[-400:]
            raise SetupError(
                "The stand-in API did not start" + (f": {said}" if said else " (it printed no address)") + ". Check "
                "that this collection is installed (pip install -e .), then run this cell again."
            )

    def stop(self) -> None:
        import subprocess

        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.process.stdout:
            self.process.stdout.close()
        self.errors.close()


class Session:
    """The notebook's mode and what it holds: a recording (replay, record) or a practice server."""

    def __init__(self) -> None:
        self.notebook = ""
        self.mode = ""
        self.model = models.DEFAULT
        self.recording: Recording | None = None
        self.practice: Practice | None = None
        self._base_url_before: str | None = None

    def start(self, notebook: str) -> Mode:
        """Decide the mode for ``notebook``, leave the previous one, enter this one, print one line."""
        notebook = Path(notebook).stem
        asked = _asked_mode()
        _check_environment()
        model = models.chosen()
        retired = models.retired_message(model)
        if retired and model not in models.IMAGE_MODELS:
            raise SetupError(
                f"GEMINI_IMAGE_MODEL is {model}, which no longer answers: {retired} "
                "Change or unset GEMINI_IMAGE_MODEL and run this cell again."
            )
        key, source, notes = (None, "", []) if asked in ("replay", "practice") else _lookup(asked == "live")
        mode = asked or ("live" if key else "replay")
        if mode in ("live", "record") and not key:
            raise SetupError(
                f"{mode.capitalize()} mode needs a Gemini API key and none was found. {' '.join(notes)} "
                f"To add one, {KEY_HOW}, then run this cell again. Without a key: unset GENAI_NOTEBOOK_MODE "
                "to replay the recordings."
            )
        if mode == "replay":
            recording_path(notebook)  # no recording: say so now, and keep the mode that works
        previous = (self.notebook, self.mode, self.model)
        self.reset()  # only now leave what ran before: a setup cell that failed above changed nothing
        try:
            self._enter(notebook, mode, key, model)
        except SetupError:
            self.reset()
            if previous[1] in ("replay", "practice"):  # back to where it was: nothing leaks to the network
                self._enter(previous[0], previous[1], None, previous[2])
            raise
        note = f" · note: {retired}" if retired else ""
        print(self._banner(source, notes) + note)
        return Mode(mode, key if key and mode in ("live", "record") else NO_KEY, model)

    def _enter(self, notebook: str, mode: str, key: str | None, model: str) -> None:
        if mode in ("live", "record"):
            assert key is not None
            _check_model(key, model)
        if mode in ("replay", "record"):
            self.recording = Recording(notebook, mode).start()
        if mode == "practice":
            self.practice = Practice(notebook)
            self._base_url_before = os.environ.get(BASE_URL)
            os.environ[BASE_URL] = self.practice.url
        self.notebook, self.mode, self.model = notebook, mode, model

    def _banner(self, source: str, notes: list[str]) -> str:
        model = self.model
        if self.mode == "replay" and self.recording is not None:
            against = recorded_against(self.recording.path)
            what = " (placeholder pictures, not Gemini's)" if "stand-in" in against else ""
            extra = f" · {' '.join(notes)}" if notes else ""
            return (
                f"Replay · {model} · answers from recordings/{self.recording.path.name}, recorded from the "
                f"{against}{what} · for your own prompts: a key, or {PRACTICE_HOW}{extra}"
            )
        if self.mode == "practice":
            return (
                f"Practice · {model} · no key needed · requests go to the stand-in API on this machine: "
                "placeholder pictures labelled STAND-IN, not Gemini's"
            )
        if self.mode == "record":
            return f"Record · {model} · key from {source} · {_server()} · saved when the notebook has run to the end"
        return f"Live · {model} · key from {source} · {_server()}"

    def save_recording(self, recorded_against: str) -> Path | None:
        """Record mode: save the recording (the record command runs this once every cell succeeded)."""
        path: Path | None = None
        if self.mode == "record" and self.recording is not None:
            path = self.recording.save(recorded_against=recorded_against, model=self.model)
            self.recording = None
        self.reset()
        return path

    def reset(self) -> None:
        """Leave the mode: the recording is left unsaved, the practice server stopped, the base URL restored."""
        if self.recording is not None:
            self.recording.stop()
            self.recording = None
        if self.practice is not None:
            self.practice.stop()
            self.practice = None
            if self._base_url_before is None:
                os.environ.pop(BASE_URL, None)
            else:
                os.environ[BASE_URL] = self._base_url_before
        self.notebook, self.mode = "", ""


SESSION = Session()


def choose_mode(notebook: str) -> Mode:
    """Choose the mode for ``notebook`` (live with a key, else replay; or GENAI_NOTEBOOK_MODE), enter it and
    print one line saying which, with the model and where the key came from (never the key).

    Returns what the client needs: ``.key`` (a placeholder in replay and practice: nothing that leaves
    this machine needs one) and ``.model``. Raises SetupError, in a few lines, for a mode that cannot start.
    """
    return SESSION.start(notebook)


def clean_environment(environ: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """``environ`` (this process's by default) without any key, mode, server or model setting, plus ``extra``."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if not k.startswith(SETTING_PREFIXES)} | extra


# -- pieces ---------------------------------------------------------------------------------------


def _asked_mode() -> str:
    raw = os.environ.get("GENAI_NOTEBOOK_MODE", "").strip().lower()
    if raw and raw not in MODES:
        raise SetupError(
            f"GENAI_NOTEBOOK_MODE={raw!r} is not a mode. Use live (your key), replay (the "
            "recordings), practice (the stand-in API on this machine), or unset it."
        )
    return raw


def _check_environment() -> None:
    if os.environ.get("GOOGLE_GENAI_USE_VERTEXAI", "").strip().lower() in ("1", "true", "yes"):
        raise SetupError(
            "GOOGLE_GENAI_USE_VERTEXAI is set, so the client would call Vertex AI, not the Gemini "
            "API these notebooks use. Run %env GOOGLE_GENAI_USE_VERTEXAI= and this cell again."
        )
    import logging

    # Both key variables set: the SDK logs a warning to stderr at every client; the banner names the key used.
    logging.getLogger("google_genai._api_client").addFilter(_drop_both_keys_warning)


def _drop_both_keys_warning(record: Any) -> bool:
    return "GOOGLE_API_KEY and GEMINI_API_KEY" not in str(record.msg)


def _lookup(ask: bool) -> tuple[str | None, str, list[str]]:
    """A key and where it came from (never the key in words), or None and notes saying why not."""
    for name in KEY_NAMES:
        if os.environ.get(name, "").strip():
            return os.environ[name].strip(), f"{name} in the environment", []
    from dotenv import dotenv_values, find_dotenv

    path = find_dotenv(usecwd=True)
    values = dotenv_values(path) if path else {}
    for name in KEY_NAMES:
        if (values.get(name) or "").strip():
            return str(values[name]).strip(), f"{name} in {Path(path).name}", []
    notes: list[str] = []
    if "google.colab" in sys.modules:
        key, note = _colab_secret()
        if key:
            return key, "Colab Secrets", []
        notes.append(note)
    if ask and _interactive():
        try:
            import getpass

            typed = getpass.getpass("Gemini API key (input hidden): ").strip()
        except Exception:
            typed = ""
        if typed:
            return typed, "the prompt", []
    return None, "", notes


def _colab_secret() -> tuple[str | None, str]:
    try:
        from google.colab import userdata  # type: ignore[import-not-found]
    except ImportError:
        return None, "Colab Secrets could not be read."
    for name in KEY_NAMES:
        try:
            value = userdata.get(name)
        except Exception as error:
            if "Access" in type(error).__name__:
                return None, (
                    f"Colab Secrets has {name}, but this notebook may not read it: switch on "
                    "'Notebook access' for it under the key icon."
                )
            continue
        if value:
            return str(value).strip(), ""
    return None, "Colab Secrets has no GEMINI_API_KEY."


def _interactive() -> bool:
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
    except ImportError:
        kernel = None
    return bool(getattr(kernel, "_allow_stdin", False)) if kernel is not None else sys.stdin.isatty()


def _server() -> str:
    base = os.environ.get(BASE_URL, "").strip()
    if not base:
        return "requests go to the Gemini API and are billed to your key"
    return f"requests go to {base} ({BASE_URL})"


def _check_model(key: str, model: str) -> None:
    """Ask the API about ``model`` once, so a bad key or a gone model stops here in plain words."""
    from google import genai
    from google.genai import errors, types

    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.5, http_status_codes=[408, 429, 500, 502, 503, 504])
    client = genai.Client(api_key=key, http_options=types.HttpOptions(retry_options=retry))
    try:
        client.models.get(model=model)
    except errors.ClientError as error:
        if error.code == 404:
            raise SetupError(_not_found(client, model)) from None
        if error.code in (400, 401, 403):
            raise SetupError(
                f"The API refused your key ({error.code} {error.status}: {error.message}). Check that it is a Gemini "
                "API key from https://aistudio.google.com/apikey, copied whole, then run this cell again."
            ) from None
        raise
    except errors.ServerError:
        return  # the first real call retries and reports
    except Exception as error:
        where = os.environ.get(BASE_URL) or "the Gemini API"
        raise SetupError(
            f"Could not reach {where} ({type(error).__name__}: {error}). Check your internet "
            "connection (and any proxy), then run this cell again; or unset your key to replay."
        ) from None


def _not_found(client: Any, model: str) -> str:
    found = []
    try:
        for info in client.models.list():
            name = (info.name or "").removeprefix("models/")
            if models.looks_like_image_model(name, info.display_name or "", info.description or ""):
                found.append(name)
    except Exception:
        pass
    why = models.retired_message(model) or ""
    listing = ", ".join(sorted(found)) or "none could be listed"
    return (
        f"The model {model} does not answer for this key (404). {why} Image models your key can use: {listing}. "
        f"Set GEMINI_IMAGE_MODEL to one of them (or unset it for {models.DEFAULT}) and run this cell again."
    )
