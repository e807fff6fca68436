"""Which mode a notebook runs in, the key for its client, and the client's HTTP options.

A notebook's setup cell is::

    key = helpers.find_key("01_quickstart")  # prints one line: the mode, the model, the key's source
    client = genai.Client(api_key=key, http_options=helpers.http_options())

Modes (``GENAI_NOTEBOOK_MODE``; unset means live when a key is found, else replay):

* live: your key, requests go to Gemini and are billed to you;
* replay: no key needed, each request gets the answer recorded in ``recordings/``;
* practice: no key needed, requests go to the stand-in API started on this machine (placeholder
  pictures labelled STAND-IN), so you can send prompts of your own;
* record: used by ``python -m tools.record`` to make the recordings.

Running the setup cell again switches mode cleanly, whatever ran before. The key is never
printed, logged or stored.
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers import models, replay
from helpers.errors import LearnerError

if TYPE_CHECKING:  # pragma: no cover
    from google.genai import types

MODES = ("live", "replay", "practice", "record")
KEY_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
RETRY_STATUS_CODES = (408, 429, 500, 502, 503, 504)
#: What the client sends as its key when none is needed (replay, practice).
NO_KEY = "no-key-needed"
PRACTICE_HOW = "%env GENAI_NOTEBOOK_MODE=practice"
KEY_HOW = (
    "put GEMINI_API_KEY=... in a .env file next to the notebooks (JupyterLab) or add the secret "
    "GEMINI_API_KEY under the key icon (Colab)"
)


class SetupError(LearnerError):
    """The setup cell could not prepare a working client; the message says what to do."""


@dataclass
class Session:
    notebook: str = ""
    mode: str = ""
    base_url: str | None = None  # practice: the stand-in on this machine
    server: Any = None


_session = Session()


def find_key(notebook: str) -> str:
    """Decide the mode for ``notebook``, prepare it, print one line, and return the key to use.

    In replay and practice mode the returned "key" is a placeholder: nothing that leaves this
    machine needs it. Raises SetupError, in a few lines, for a mode that cannot start.
    """
    notebook = Path(notebook).stem
    mode = _asked_mode()
    _check_environment()
    models.MODEL = models.chosen()
    retired = models.retired_message(models.MODEL)
    if retired and models.MODEL not in models.IMAGE_MODELS:
        raise SetupError(
            f"GEMINI_IMAGE_MODEL is {models.MODEL}, which no longer answers: {retired} "
            "Change or unset GEMINI_IMAGE_MODEL and run this cell again."
        )
    key, source, notes = (None, "", []) if mode in ("replay", "practice") else _lookup(mode == "live")
    mode = mode or ("live" if key else "replay")
    if mode == "practice":
        from standin.server import StandinServer
    if mode == "replay":
        replay.check_recording(notebook)
    if mode in ("live", "record") and not key:
        raise SetupError(
            f"{mode.capitalize()} mode needs a Gemini API key and none was found. "
            f"{' '.join(notes)} To add one, {KEY_HOW}, then run this cell again. Without a key: "
            "unset GENAI_NOTEBOOK_MODE to replay the recordings."
        )
    # Only now leave what ran before (an earlier run of this cell, another mode): a setup cell that
    # failed above keeps the previous mode, so no request slips out unrecorded.
    replay.stop()
    _stop_practice()
    _session.notebook, _session.mode = notebook, mode
    note = f" · note: {retired}" if retired else ""
    if mode == "replay":
        where = replay.start(notebook, "replay")
        why = "no key needed" if os.environ.get("GENAI_NOTEBOOK_MODE") else "no key found"
        if notes:
            why += f" ({' '.join(notes)})"
        print(f"Replay · {models.MODEL} · {why} · {where} · for your own prompts: a key, or {PRACTICE_HOW}{note}")
        return NO_KEY
    if mode == "practice":
        _session.server = StandinServer(notebook).start()
        _session.base_url = _session.server.url
        print(
            f"Practice · {models.MODEL} · no key needed · requests go to the stand-in API on this machine: "
            f"placeholder pictures labelled STAND-IN, not Gemini's{note}"
        )
        return NO_KEY
    assert key is not None
    _check_model(key)
    if mode == "record":
        where = replay.start(notebook, "record")
        print(f"Record · {models.MODEL} · key from {source} · {_server()} · {where}")
    else:
        print(f"Live · {models.MODEL} · key from {source} · {_server()}{note}")
    return key


def http_options() -> types.HttpOptions:
    """The client's HTTP options: retries on 408/429/5xx, and in practice mode the stand-in's address."""
    from google.genai import types

    retry = types.HttpRetryOptions(
        attempts=4,
        initial_delay=2.0,
        max_delay=30.0,
        exp_base=2.0,
        jitter=0.5,
        http_status_codes=list(RETRY_STATUS_CODES),
    )
    return types.HttpOptions(retry_options=retry, base_url=_session.base_url if _session.mode == "practice" else None)


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
    # Both key variables set: the SDK logs a warning to stderr at every client; this line says it instead.
    logging.getLogger("google_genai._api_client").addFilter(_drop_both_keys_warning)


def _drop_both_keys_warning(record: logging.LogRecord) -> bool:
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
    base = os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip()
    if not base:
        return "requests go to the Gemini API and are billed to your key"
    return f"requests go to {base} (GOOGLE_GEMINI_BASE_URL)"


def _check_model(key: str) -> None:
    """Ask the API about MODEL once, so a bad key or a gone model stops here in plain words."""
    from google import genai
    from google.genai import errors

    client = genai.Client(api_key=key, http_options=http_options())
    try:
        client.models.get(model=models.MODEL)
    except errors.ClientError as error:
        if error.code == 404:
            raise SetupError(_not_found(client)) from None
        if error.code in (400, 401, 403):
            raise SetupError(
                f"The API refused your key ({error.code} {error.status}: {error.message}). Check "
                "that it is a Gemini API key from https://aistudio.google.com/apikey, copied whole, "
                "then run this cell again."
            ) from None
        raise
    except errors.ServerError:
        return  # the first real call retries and reports
    except Exception as error:
        where = os.environ.get("GOOGLE_GEMINI_BASE_URL") or "the Gemini API"
        raise SetupError(
            f"Could not reach {where} ({type(error).__name__}: {error}). Check your internet "
            "connection (and any proxy), then run this cell again; or unset your key to replay."
        ) from None


def _not_found(client: Any) -> str:
    found = []
    try:
        for info in client.models.list():
            name = (info.name or "").removeprefix("models/")
            if models.looks_like_image_model(name, info.display_name or "", info.description or ""):
                found.append(name)
    except Exception:
        pass
    why = models.retired_message(models.MODEL) or ""
    listing = ", ".join(sorted(found)) or "none could be listed"
    return (
        f"The model {models.MODEL} does not answer for this key (404). {why} Image models your key can use: "
        f"{listing}. Set GEMINI_IMAGE_MODEL to one of them (or unset it for {models.DEFAULT}) and run this "
        "cell again."
    )


def _stop_practice() -> None:
    if _session.server is not None:
        _session.server.stop()
    _session.server = _session.base_url = None
