"""A notebook's recording: one vcrpy cassette, entered inside the kernel to replay or to record.

* Requests are compared by method, path and the ``turn`` matcher, after the filters of :mod:`helpers.matching`
  (pictures hashed by pixels, the key header and ``key=`` dropped).
* A response picture over its budget (80 KB a megapixel) is stored re-encoded by the one encoder
  (:func:`helpers.images.compact`), at its own pixel size; the stored MIME type says so.
* Replay plays each request's answers in order and, once all are played, the last one again (a cell run twice); a
  request it has no answer for raises :class:`MissingRecordingError`, a few lines saying what differs and the ways
  on. Replay never opens a connection, and a retry does not wait first (the recording already holds what it got).
* Record mode writes the cassette only in :meth:`Recording.save`, which the record command runs after every cell
  succeeded, so a failed run keeps the old recording.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from helpers.errors import LearnerError
from helpers.images import compact
from helpers.matching import LOOPBACK, Rules, explain, pictures_in, pixel_hash
from helpers.parts import decode_base64

#: How to go on without a recording, in the words the replay message and the banner use.
KEY_HOW = "add GEMINI_API_KEY to a .env file next to the notebooks (JupyterLab) or to Colab Secrets (the key icon)"
PRACTICE_HOW = "%env GENAI_NOTEBOOK_MODE=practice"


#: Where google-genai waits before a retry: tenacity's sleep, and the Interactions client's own retry loop.
#: Each calls ``time.sleep`` through its module's global ``time``; in replay, that global waits no time.
_SLEEPERS = ("tenacity.nap", "google.genai._gaos.utils.retries")


class _NoWaits:
    """The time module, except that ``sleep`` returns at once."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        """Return at once: replay already holds what the wait was for."""


class MissingRecordingError(LearnerError):
    """Replay met a request that the notebook's recording does not hold."""


def recordings_dir() -> Path:
    """GENAI_RECORDINGS_DIR, else the repository's recordings/."""
    override = os.environ.get("GENAI_RECORDINGS_DIR", "").strip()
    return Path(override) if override else Path(__file__).resolve().parents[1] / "recordings"


def recording_path(notebook: str) -> Path:
    """The notebook's recording, or MissingRecordingError saying what to do without one."""
    path = recordings_dir() / f"{notebook}.json"
    if not path.is_file():
        raise MissingRecordingError(
            f"Notebook {notebook} has no recording at {path}, so it cannot replay. "
            f"Use your own key ({KEY_HOW}), or practise on the stand-in: {PRACTICE_HOW}."
        )
    return path


def recorded_against(path: Path) -> str:
    """What a recording says it was made against ("stand-in API", "Gemini API"), from its metadata."""
    try:
        return str((json.loads(path.read_text(encoding="utf-8")).get("metadata") or {})["recorded_against"])
    except (OSError, ValueError, KeyError, TypeError):
        return "an unknown source"


class Recording:
    """One notebook's cassette, entered until :meth:`stop` (or :meth:`save` in record mode)."""

    def __init__(self, notebook: str, mode: str) -> None:
        if mode not in ("replay", "record"):
            raise ValueError(f"a recording replays or records, not {mode!r}")
        self.notebook, self.mode = notebook, mode
        self.rules = Rules()
        if mode == "replay":
            self.path = recording_path(notebook)
        else:
            self.path = Path(os.environ.get("GENAI_RECORD_CASSETTE") or recordings_dir() / f"{notebook}.json")
        self._context: Any = None
        self._cassette: Any = None
        self._waits: list[tuple[Any, Any]] = []  # (module, its own time) while replay skips retry waits

    def start(self) -> Recording:
        """Enter the cassette: from now on this process's HTTP goes through it."""
        import vcr

        recorder = vcr.VCR(
            serializer="sorted-json",
            match_on=("method", "path", "turn"),
            decode_compressed_response=True,
            filter_headers=["x-goog-api-key", "authorization"],
            filter_query_parameters=["key"],
            before_record_request=self.rules.filters(),
            before_record_response=self._compact,
        )
        recorder.register_matcher("turn", self.rules.same_turn)
        recorder.register_serializer("sorted-json", SortedJson)
        if self.mode == "replay":
            config = recorder.get_merged_config(path=str(self.path), record_mode="none")
            self._context = _replay_cassette_class().use(**config)
            self._skip_waits()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.unlink(missing_ok=True)
            self._context = recorder.use_cassette(str(self.path), record_mode="all", drop_unused_requests=True)
        self._cassette = self._context.__enter__()
        self.rules.recorded = self._cassette.requests if self.mode == "replay" else []
        return self

    def save(self, *, recorded_against: str, model: str) -> Path:
        """Record mode: write the cassette (with what it was recorded against and the model), and leave it."""
        if self.mode != "record" or self._cassette is None:
            raise RuntimeError("only a recording started in record mode can be saved")
        self._cassette.get_metadata("recorded_against", recorded_against)
        self._cassette.get_metadata("model", model)
        self.stop(save=True)
        return self.path

    def _skip_waits(self) -> None:
        for name in _SLEEPERS:
            try:
                module = importlib.import_module(name)
            except ImportError:  # another SDK version: it waits, nothing worse
                continue
            if getattr(module, "time", None) is time:
                self._waits.append((module, module.time))
                module.time = _NoWaits()

    def stop(self, *, save: bool = False) -> None:
        """Leave the cassette; a recording is written only with ``save=True``."""
        while self._waits:
            module, own = self._waits.pop()
            module.time = own
        context, cassette = self._context, self._cassette
        self._context = self._cassette = None
        if context is not None:
            cassette.dirty = save
            context.__exit__(None, None, None)

    def _compact(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy's before_record_response: only the headers the SDK reads, oversized pictures re-encoded."""
        headers = {k: _no_port(v) for k, v in response.get("headers", {}).items() if k.lower() in KEPT_HEADERS}
        body = response.get("body", {}).get("string")
        if isinstance(body, str):
            body = body.encode()
        if body:
            kind = " ".join(str(v) for v in headers.values())
            response["body"]["string"] = _map_json(body, kind, self._compact_pictures)
        response["headers"] = headers
        return response

    def _compact_pictures(self, data: Any) -> Any:
        for node in pictures_in(data):
            mime_key = "mimeType" if "mimeType" in node else "mime_type"
            raw = decode_base64(node["data"])
            stored, stored_mime = compact(raw, str(node[mime_key]))
            if stored is not raw:  # a chat will send the original back: match it to the stored copy
                self.rules.aliases[pixel_hash(raw)] = pixel_hash(stored)
                node["data"], node[mime_key] = base64.b64encode(stored).decode("ascii"), stored_mime
        return data


#: Response headers a recording keeps: the body's type, and what the Files API's resumable upload reads next.
KEPT_HEADERS = ("content-type", "x-goog-upload-url", "x-goog-upload-status")


class SortedJson:
    """vcrpy's JSON cassette format, its exchanges sorted by request (method, address, body), stably: requests sent
    at once (``client.aio``) are written in one order whatever order they finished in, and the answers to one
    request keep the order they came in (a 429, then its retry's answer)."""

    @staticmethod
    def deserialize(text: str) -> Any:
        return json.loads(text)

    @staticmethod
    def serialize(data: dict[str, Any]) -> str:
        def order(exchange: dict[str, Any]) -> tuple[str, str, str]:
            request = exchange["request"]
            return request["method"], request["uri"], str(request["body"])

        return json.dumps({**data, "interactions": sorted(data.get("interactions", []), key=order)}, indent=4) + "\n"


def _no_port(value: Any) -> Any:
    """A loopback address without its port (the stand-in's changes every run); anything else as it is."""
    if isinstance(value, list):
        return [_no_port(item) for item in value]
    for host in LOOPBACK:
        value = re.sub(rf"(https?://{re.escape(host)}):\d+", r"\1", value) if isinstance(value, str) else value
    return value


def _map_json(body: bytes, content_type: str, change: Any) -> bytes:
    """``change`` applied to a JSON body, to each event of a server-sent-events body, or to each line of JSON
    lines (a batch's result file); any other body as it is."""
    text = body.decode("utf-8", "replace")
    lines = text.split("\n")
    if "event-stream" in content_type:
        for index, line in enumerate(lines):
            if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
                with contextlib.suppress(ValueError):  # an event that is not JSON stays as it is
                    lines[index] = "data: " + json.dumps(change(json.loads(line[5:])), ensure_ascii=False)
        return "\n".join(lines).encode()
    with contextlib.suppress(ValueError):  # not one JSON document: perhaps JSON lines
        return json.dumps(change(json.loads(text)), ensure_ascii=False).encode()
    try:
        return "\n".join(
            json.dumps(change(json.loads(line)), ensure_ascii=False) if line.strip() else line for line in lines
        ).encode()
    except ValueError:
        return body


def _replay_cassette_class() -> type:
    from vcr.cassette import Cassette
    from vcr.errors import UnhandledHTTPRequestError

    class ReplayCassette(Cassette):
        """Plays a request's answers in the order recorded; once all are played, the last one again (a cell run
        twice, a poll that asks once more than recorded); explains a request it has no answer for."""

        def can_play_response_for(self, request: Any) -> bool:
            try:
                self.responses_of(request)
            except UnhandledHTTPRequestError:
                raise _missing(self.filter_request(request), self.requests) from None
            return True

        def play_response(self, request: Any) -> Any:
            try:
                return super().play_response(request)
            except UnhandledHTTPRequestError:
                return self.responses_of(request)[-1]

    return ReplayCassette


def _missing(sent: Any, recorded: list[Any]) -> MissingRecordingError:
    same_place = [r for r in recorded if (r.method, r.path) == (sent.method, sent.path)]
    lines = ["This request was not recorded, so replay has no answer for it.", *explain(sent, same_place)]
    if not same_place:
        others = sorted({r.path.rsplit("/", 1)[-1].split(":")[0] for r in recorded})
        lines[-1] += f"; it holds requests to {', '.join(others)}" if others else ""
    lines += [
        "Ways on:",
        "  · undo your change and run the cell again;",
        f"  · use your own key: {KEY_HOW}, then run the setup cell again;",
        f"  · or, without a key, practise on the stand-in API on this machine: run {PRACTICE_HOW}, "
        "then the setup cell again (placeholder pictures).",
    ]
    return MissingRecordingError("\n".join(lines))
