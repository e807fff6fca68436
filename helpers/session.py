"""Session setup: mode, API key discovery, the client, and the one-line banner.

``client = helpers.setup("01_quickstart")`` is the only setup a notebook does.
The key is never printed, logged or stored.
"""

from __future__ import annotations

import contextlib
import getpass
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import helpers

if TYPE_CHECKING:  # pragma: no cover
    from google import genai

MODES = ("live", "replay", "record")
KEY_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
#: Status codes the client retries, with exponential backoff, a bounded number of times.
RETRY_STATUS_CODES = (408, 429, 500, 502, 503, 504)

_clients: dict[str, "genai.Client"] = {}  # keeps each client referenced (a collected Client closes)


class SetupError(RuntimeError):
    """setup() could not make a working client; the message says what to do."""


@dataclass(frozen=True)
class KeyInfo:
    """An API key and a description of where it came from (never the key itself)."""

    key: str | None
    source: str
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"KeyInfo(key={'<hidden>' if self.key else None}, source={self.source!r})"


def resolve_mode(value: str | None = None) -> str | None:
    """The mode asked for by GENAI_NOTEBOOK_MODE (or ``value``), or None when unset."""
    raw = os.environ.get("GENAI_NOTEBOOK_MODE", "") if value is None else value
    mode = raw.strip().lower()
    if not mode:
        return None
    if mode not in MODES:
        raise SetupError(
            f"GENAI_NOTEBOOK_MODE={raw!r} is not a mode. Use one of: live (calls Gemini with your key), "
            "replay (plays the recorded answers, no key needed), record (runs and records; "
            "prefer `python -m helpers.record`). Unset it to pick live or replay by whether a key is found."
        )
    return mode


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or importlib.util.find_spec("google.colab") is not None


def _dotenv_key() -> tuple[str | None, str | None]:
    from dotenv import dotenv_values, find_dotenv

    path = find_dotenv(usecwd=True)
    if not path:
        return None, None
    values = dotenv_values(path)
    for name in KEY_NAMES:
        if values.get(name):
            return values[name], f"{name} in {path}"
    return None, None


def _colab_key() -> tuple[str | None, str]:
    """A key from Colab Secrets, or None and a sentence saying why not."""
    try:
        from google.colab import userdata  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - any failure means: not usable here
        return None, "Colab Secrets could not be read here."
    problems = []
    for name in KEY_NAMES:
        try:
            value = userdata.get(name)
        except Exception as exc:  # noqa: BLE001 - SecretNotFoundError, NotebookAccessError, ...
            kind = type(exc).__name__
            if "Access" in kind:
                problems.append(
                    f"Colab Secrets has {name} but this notebook may not read it: open the key icon "
                    "in the left bar and switch on 'Notebook access' for it."
                )
            else:
                problems.append(f"Colab Secrets has no {name}.")
            continue
        if value:
            return value, f"{name} in Colab Secrets"
    hint = " Add a secret named GEMINI_API_KEY (key icon in the left bar) and allow notebook access."
    return None, " ".join(dict.fromkeys(problems)) + hint


def find_key(*, prompt: bool = False) -> KeyInfo:
    """Look for a key: GEMINI_API_KEY, GOOGLE_API_KEY, a .env file, Colab Secrets, then (if
    ``prompt``) a getpass prompt. Returns KeyInfo(None, ...) with notes when none is found."""
    for name in KEY_NAMES:
        value = os.environ.get(name, "").strip()
        if value:
            return KeyInfo(value, f"{name} environment variable")
    notes: list[str] = []
    value, where = _dotenv_key()
    if value:
        return KeyInfo(value.strip(), str(where))
    if in_colab():
        value, why = _colab_key()
        if value:
            return KeyInfo(value.strip(), why)
        notes.append(why)
    if prompt:
        try:
            typed = getpass.getpass("Gemini API key (input hidden): ").strip()
        except Exception:  # noqa: BLE001 - StdinNotImplementedError, EOFError: not interactive
            typed = ""
            notes.append("No one could be asked for a key (the session is not interactive).")
        if typed:
            return KeyInfo(typed, "typed at the prompt")
    return KeyInfo(None, "none", tuple(notes))


@contextlib.contextmanager
def _quiet_sdk_key_warning() -> Iterator[None]:
    """The SDK warns on stderr when both key variables are set; setup says which one it uses."""
    logger = logging.getLogger("google_genai._api_client")

    def drop(record: logging.LogRecord) -> bool:
        return "GOOGLE_API_KEY and GEMINI_API_KEY" not in str(record.msg)

    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def make_client(api_key: str) -> "genai.Client":
    """A Gemini API client (never Vertex AI) that retries 429/5xx with bounded backoff.

    The base URL is left to the SDK, so GOOGLE_GEMINI_BASE_URL works."""
    from google import genai
    from google.genai import types

    retry = types.HttpRetryOptions(
        attempts=4, initial_delay=2.0, max_delay=30.0, exp_base=2.0, jitter=0.5,
        http_status_codes=list(RETRY_STATUS_CODES),
    )
    with _quiet_sdk_key_warning():
        return genai.Client(api_key=api_key, vertexai=False,
                            http_options=types.HttpOptions(retry_options=retry))


def _server_words() -> str:
    base = os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip()
    if not base:
        return "requests go to the Gemini API and are billed to your key"
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    host = parts.hostname or base
    if host in ("127.0.0.1", "localhost", "::1"):
        return "requests go to a server on this machine (GOOGLE_GEMINI_BASE_URL), e.g. the stand-in API"
    return f"requests go to {host} (GOOGLE_GEMINI_BASE_URL)"


def check_model(client: "genai.Client", key: KeyInfo, model: str) -> None:
    """Ask the API about ``model`` once, turning a bad key or unknown model into a clear SetupError."""
    from google.genai import errors

    try:
        client.models.get(model=model)
    except errors.ClientError as exc:
        if exc.code == 404:
            raise SetupError(_model_not_found(client, model)) from None
        if exc.code in (400, 401, 403):
            raise SetupError(
                f"The API refused the key from {key.source} ({exc.code} {exc.status}: {exc.message}). "
                "Check that it is a Gemini API key from Google AI Studio (https://aistudio.google.com/apikey), "
                "copied whole, and that the Generative Language API is enabled for its project."
            ) from None
        raise
    except errors.ServerError:
        return  # the model call itself will retry and report


def _model_not_found(client: "genai.Client", model: str) -> str:
    found: list[str] = []
    try:
        for info in client.models.list():
            name = (info.name or "").removeprefix("models/")
            if "image" in name:
                found.append(name)
    except Exception:  # noqa: BLE001 - the listing is only a hint
        pass
    listing = ", ".join(sorted(found)) if found else "none found (the listing failed or was empty)"
    return (
        f"The model {model!r} is not available to this key (404). Image models this key can use: {listing}. "
        f"Set GEMINI_IMAGE_MODEL to one of them and run setup again "
        f"(the seed's gemini-2.0-flash-exp is retired)."
    )


def setup(notebook: str) -> "genai.Client":
    """Make the notebook's client and print one banner line.

    Mode comes from GENAI_NOTEBOOK_MODE (live | replay | record); when unset it is live if a key
    is found, else replay. In replay and record mode this also starts the notebook's recording.
    """
    from helpers import replay

    notebook = Path(notebook).stem
    asked = resolve_mode()
    model = helpers.MODEL
    if asked == "replay":
        key = KeyInfo(None, "not needed")
    else:
        key = find_key(prompt=(asked == "live" and is_interactive()))
    mode = asked or ("live" if key.key else "replay")

    if mode in ("live", "record") and not key.key:
        notes = " ".join(key.notes)
        raise SetupError(
            f"{mode.capitalize()} mode needs a Gemini API key and none was found. {notes} "
            "Set GEMINI_API_KEY in the environment or in a .env file next to the notebooks, "
            "or add it to Colab Secrets; or unset GENAI_NOTEBOOK_MODE to replay the recordings "
            "without a key.".replace("  ", " ")
        )

    if mode == "replay":
        client = make_client("replay-mode-no-key")
        source = replay.start(notebook, mode="replay", model=model)
        why = "no key needed" if asked == "replay" else "no key found, so replaying (set GEMINI_API_KEY to run live)"
        if key.notes:  # e.g. why Colab Secrets gave nothing
            why += " (" + " ".join(key.notes) + ")"
        banner = f"Replay · model {model} · {why} · {source}"
    else:
        assert key.key is not None
        client = make_client(key.key)
        check_model(client, key, model)
        if mode == "record":
            target = replay.start(notebook, mode="record", model=model)
            banner = f"Record · model {model} · key from {key.source} · {_server_words()} · {target}"
        else:
            banner = f"Live · model {model} · key from {key.source} · {_server_words()}"
    _clients[notebook] = client
    print(banner)
    return client


def is_interactive() -> bool:
    """True when someone can answer a prompt: a kernel that allows stdin, or a terminal."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:  # noqa: BLE001
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        return bool(getattr(shell.kernel, "_allow_stdin", False))
    return sys.stdin is not None and sys.stdin.isatty()
