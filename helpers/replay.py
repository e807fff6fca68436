"""Record and replay a notebook's API traffic with vcrpy: one cassette per notebook.

* Requests match on method, path and body. Request images are replaced by a hash of their
  pixels before matching and storing (chats resend earlier pictures; re-encoding keeps the hash).
* Only the Content-Type header is kept: the key header and any ``key=`` parameter never reach a
  cassette.
* A response picture is stored as a JPEG when it is over its budget (80 KB a megapixel), at its
  own pixel size; the stored MIME type says so. Replay gives back what the cassette holds.
* Replay forgives a learner: a cell run again plays its answers again; a chat turn sent again
  with a longer history gets the answer recorded for that turn; anything else raises
  :class:`MissingRecordingError`, a few lines saying what differs and the ways on. Replay never
  opens a connection.
* Record mode writes the cassette only in :func:`finish_recording`, which the record command
  runs after every cell succeeded, so a failed run keeps the old recording.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from helpers.errors import LearnerError

HASH = "pixels-sha256:"
BYTES_PER_MEGAPIXEL = 80_000


class MissingRecordingError(LearnerError):
    """Replay met a request that the notebook's recording does not hold."""


@dataclass
class _State:
    notebook: str = ""
    mode: str = ""
    path: Path | None = None
    context: Any = None
    cassette: Any = None
    aliases: dict[str, str] = field(default_factory=dict)  # pixel hash sent -> pixel hash stored


_state = _State()


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def recordings_dir() -> Path:
    """GENAI_RECORDINGS_DIR, else the repository's recordings/."""
    override = os.environ.get("GENAI_RECORDINGS_DIR", "").strip()
    return Path(override) if override else repo_root() / "recordings"


# -- request images -------------------------------------------------------------------------------

_hashes: dict[bytes, str] = {}  # sha256 of encoded bytes -> pixel hash (vcrpy runs hooks many times)


def pixel_hash(data: bytes) -> str:
    """A hash of a picture's pixels (so a PNG and its re-encoding as PNG agree), else of its bytes."""
    digest = hashlib.sha256(data).digest()
    if digest not in _hashes:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                rgb = image.convert("RGB")
                _hashes[digest] = HASH + hashlib.sha256(f"{rgb.size}".encode() + rgb.tobytes()).hexdigest()
        except Exception:
            _hashes[digest] = HASH + hashlib.sha256(b"bytes:" + data).hexdigest()
    return _hashes[digest]


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64 (the SDK sends URL-safe, responses use standard)."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def _images(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    """Call ``visit`` on every dict holding picture data: ``inlineData`` parts and Interaction content."""
    if isinstance(node, dict):
        mime = node.get("mimeType") or node.get("mime_type") or ""
        if isinstance(node.get("data"), str) and str(mime).startswith("image"):
            visit(node)
        for value in node.values():
            _images(value, visit)
    elif isinstance(node, list):
        for item in node:
            _images(item, visit)


def normalize_body(body: bytes | str | None) -> bytes | str | None:
    """Canonical JSON with every request picture replaced by its pixel hash. Idempotent."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return body

    def visit(node: dict[str, Any]) -> None:
        if not node["data"].startswith(HASH):
            try:
                digest = pixel_hash(_b64decode(node["data"]))
            except (binascii.Error, ValueError):
                digest = HASH + hashlib.sha256(node["data"].encode()).hexdigest()
            node["data"] = _state.aliases.get(digest, digest)
        for name in ("mimeType", "mime_type"):
            if name in node:
                node[name] = "image/*"

    _images(data, visit)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- matching, and forgiving ----------------------------------------------------------------------


def _turn_key(body: Any) -> str:
    """The request without its history: the last turn of ``contents``, no previous_interaction_id."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return str(body)
    if isinstance(data, dict):
        if isinstance(data.get("contents"), list):
            data["contents"] = data["contents"][-1:]
        data.pop("previous_interaction_id", None)
    return json.dumps(data, sort_keys=True)


def _prompt(body: Any) -> str:
    """The words of the last turn of a request body."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return ""
    source = data.get("contents", [{}])[-1:] if isinstance(data.get("contents"), list) else data.get("input")
    words: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, str):
            words.append(node)
        elif isinstance(node, dict):
            collect(node.get("text"))
            collect(node.get("parts") or node.get("content"))
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(source)
    return " ".join(" ".join(words).split())


def before_record_request(request: Any) -> Any:
    """vcrpy's request hook: stable, key-free, pictures hashed; in replay, matched or explained."""
    parts = urlsplit(request.uri)
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):  # the stand-in's port changes every run
        request.uri = urlunsplit(parts._replace(netloc=parts.hostname))
    request.body = normalize_body(request.body)
    request.headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
    if _state.mode == "replay" and _state.cassette is not None:
        recorded = [r for r in _state.cassette.requests if (r.method, r.path) == (request.method, request.path)]
        if not any(r.body == request.body for r in recorded):
            key = _turn_key(request.body)
            same_turn = [r for r in recorded if _turn_key(r.body) == key]
            if not same_turn:
                raise _missing(request, recorded)
            request.body = same_turn[0].body  # the same turn, sent again with a longer history
    return request


def _missing(request: Any, recorded: list[Any]) -> MissingRecordingError:
    from helpers.session import KEY_HOW, PRACTICE_HOW

    mine = _prompt(request.body)
    lines = ["This request was not recorded, so replay has no answer for it."]
    if not recorded:
        others = sorted({r.path.rsplit("/", 1)[-1].split(":")[0] for r in _state.cassette.requests})
        lines.append(
            f"  the recording has no {request.method} {request.path.split('/', 2)[-1]}"
            + (f"; it holds requests to {', '.join(others)}" if others else "")
        )
    else:
        closest = max(recorded, key=lambda r: difflib.SequenceMatcher(None, _prompt(r.body), mine).ratio())
        theirs = _prompt(closest.body)
        if theirs != mine:
            lines += [f"  your prompt: “{_clip(mine)}”", f"  recorded:    “{_clip(theirs)}”"]
        else:
            difference = _first_difference(json.loads(closest.body), json.loads(request.body))
            lines.append(f"  same prompt, other settings: {difference}")
    lines += [
        "Ways on:",
        "  · undo your change and run the cell again;",
        f"  · use your own key: {KEY_HOW}, then run the setup cell again;",
        f"  · or, without a key, practise on the stand-in API on this machine: run {PRACTICE_HOW}, "
        "then the setup cell again (placeholder pictures).",
    ]
    return MissingRecordingError("\n".join(lines))


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_difference(recorded: Any, sent: Any, path: str = "") -> str:
    """Where two parsed request bodies first differ, in words."""
    if isinstance(recorded, dict) and isinstance(sent, dict):
        for name in sorted(set(recorded) | set(sent)):
            if name in ("contents", "input") and path == "":
                continue
            if recorded.get(name) != sent.get(name):
                return _first_difference(recorded.get(name), sent.get(name), f"{path}.{name}".lstrip("."))
        return "the earlier turns differ"
    return f"{path} is {json.dumps(sent)} here, {json.dumps(recorded)} in the recording"


def _cassette_class() -> type:
    from vcr.cassette import Cassette
    from vcr.errors import UnhandledHTTPRequestError

    class ReplayCassette(Cassette):
        """Plays a request's answers in order; once all are played, from the start again (a re-run)."""

        def can_play_response_for(self, request: Any) -> bool:
            if super().can_play_response_for(request):
                return True
            try:
                self.responses_of(request)
            except UnhandledHTTPRequestError:
                return False
            self.rewind()
            return super().can_play_response_for(request)

    return ReplayCassette


# -- response pictures ----------------------------------------------------------------------------


def compact_image(raw: bytes, mime: str) -> tuple[bytes, str]:
    """The picture itself when within 80 KB a megapixel (and its base64 shows no key shape), else a
    re-encoding of the same size that fits."""
    from helpers.images import encode, key_shaped, to_pil

    try:
        picture = to_pil(raw)
    except ValueError:
        return raw, mime
    budget = max(BYTES_PER_MEGAPIXEL, int(BYTES_PER_MEGAPIXEL * picture.width * picture.height / 1e6))
    if len(raw) <= budget and not key_shaped(raw):
        return raw, mime
    return encode(picture, max_bytes=budget, keep_size=True)


def _compact_json(data: Any) -> Any:
    def visit(node: dict[str, Any]) -> None:
        mime_key = "mimeType" if "mimeType" in node else "mime_type"
        raw = _b64decode(node["data"])
        new, new_mime = compact_image(raw, str(node[mime_key]))
        if new is not raw:
            _state.aliases[pixel_hash(raw)] = pixel_hash(new)
            node["data"], node[mime_key] = base64.b64encode(new).decode("ascii"), new_mime

    _images(data, visit)
    return data


def compact_body(body: bytes, content_type: str) -> bytes:
    """Oversized pictures re-encoded, in a JSON or server-sent-events body."""
    text = body.decode("utf-8", "replace")
    if "event-stream" not in content_type:
        try:
            return json.dumps(_compact_json(json.loads(text)), ensure_ascii=False).encode()
        except ValueError:
            return body
    lines = []
    for line in text.split("\n"):
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            try:
                line = "data: " + json.dumps(_compact_json(json.loads(line[5:])), ensure_ascii=False)
            except ValueError:
                pass
        lines.append(line)
    return "\n".join(lines).encode()


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = {k: v for k, v in response.get("headers", {}).items() if k.lower() == "content-type"}
    body = response.get("body", {}).get("string")
    if isinstance(body, str):
        body = body.encode()
    if body:
        response["body"]["string"] = compact_body(body, " ".join(str(v) for v in headers.values()))
    response["headers"] = headers
    return response


# -- cassettes ------------------------------------------------------------------------------------


def check_recording(notebook: str) -> Path:
    """The notebook's recording, or MissingRecordingError saying what to do without one."""
    path = recordings_dir() / f"{notebook}.json"
    if not path.is_file():
        from helpers.session import PRACTICE_HOW

        raise MissingRecordingError(
            f"Notebook {notebook} has no recording at {path}, so it cannot replay. "
            f"Use your own key, or practise on the stand-in: {PRACTICE_HOW}."
        )
    return path


def start(notebook: str, mode: str) -> str:
    """Enter the notebook's cassette in "replay" or "record" mode; returns words for the banner."""
    import vcr

    stop()
    recorder = vcr.VCR(
        serializer="json",
        match_on=("method", "path", "body"),
        decode_compressed_response=True,
        filter_headers=["x-goog-api-key", "authorization"],
        filter_query_parameters=["key"],
        before_record_request=before_record_request,
        before_record_response=before_record_response,
    )
    if mode == "replay":
        path = check_recording(notebook)
        config = recorder.get_merged_config(path=str(path), record_mode="none")
        context = _cassette_class().use(**config)
    else:
        path = Path(os.environ.get("GENAI_RECORD_CASSETTE") or recordings_dir() / f"{notebook}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        context = recorder.use_cassette(str(path), record_mode="all", drop_unused_requests=True)
    _state.notebook, _state.mode, _state.path, _state.aliases = notebook, mode, path, {}
    _state.context, _state.cassette = context, context.__enter__()
    if mode == "record":
        return "the recording is saved when the notebook has run to the end"
    against = _metadata(path).get("recorded_against", "an unknown source")
    what = " (placeholder pictures, not Gemini's)" if "stand-in" in against else ""
    return f"answers from recordings/{path.name}, recorded from the {against}{what}"


def _metadata(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("metadata") or {})
    except (OSError, ValueError):
        return {}


def finish_recording() -> Path | None:
    """Save a record-mode run's cassette (the record command calls this after the last cell)."""
    if _state.mode != "record" or _state.cassette is None:
        stop()
        return None
    path = _state.path
    from helpers import models

    against = os.environ.get("GENAI_RECORDED_AGAINST", "").strip() or "Gemini API"
    _state.cassette.get_metadata("recorded_against", against)
    _state.cassette.get_metadata("model", models.MODEL)
    stop(save=True)
    return path


def stop(*, save: bool = False) -> None:
    """Leave the active cassette; a recording is written only with ``save=True``."""
    context, cassette = _state.context, _state.cassette
    _state.context = _state.cassette = None
    _state.mode = ""
    if context is not None:
        cassette.dirty = save
        context.__exit__(None, None, None)
