"""Record and replay a notebook's API traffic with vcrpy, one cassette per notebook.

* Requests match on method, path and body. Inline request images are replaced by a hash of their
  pixels before matching and storing (chats resend earlier images; the SDK sends URL-safe base64).
* The key header and any ``key=`` query parameter never reach a cassette; only Content-Type is kept.
* Response images larger than :data:`IMAGE_BUDGET` characters of base64 are stored re-encoded as
  JPEG (the stored mimeType says so); replay gives back exactly what the cassette holds.
* Replay (``record_mode="none"``) opens no connection; an unrecorded request raises
  :class:`MissingRecordingError` naming the notebook, model, prompt and the command that records it.
* Record mode writes the cassette only when :func:`finish_recording` runs (the record command runs
  it after every cell succeeded), so a failed run leaves the old recording alone.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

#: Largest stored response image, in characters of base64 (≈ 82 KB of image bytes). A collection of
#: a dozen notebooks with ~60 images must fit the 15 MB budget for all recordings.
IMAGE_BUDGET = 110_000
HASH_PREFIX = "pixels-sha256:"
SUFFIX = ".json"
STANDIN_MARK = "stand-in"


class MissingRecordingError(RuntimeError):
    """Replay mode met a request that the notebook's recording does not hold."""


@dataclass
class _State:
    notebook: str | None = None
    mode: str | None = None
    model: str | None = None
    path: Path | None = None
    context: Any = None
    cassette: Any = None
    aliases: dict[str, str] = field(default_factory=dict)  # original pixel hash -> stored pixel hash


_state = _State()


def repo_root() -> Path:
    """The repository folder holding helpers/, notebooks/ and recordings/."""
    return Path(__file__).resolve().parents[1]


def recordings_dir() -> Path:
    """Where cassettes live: GENAI_RECORDINGS_DIR, else the repository's recordings/."""
    override = os.environ.get("GENAI_RECORDINGS_DIR", "").strip()
    return Path(override) if override else repo_root() / "recordings"


def cassette_path(notebook: str) -> Path:
    return recordings_dir() / f"{Path(notebook).stem}{SUFFIX}"


def record_command(notebook: str) -> str:
    return f"python -m helpers.record --stand-in notebooks/{Path(notebook).stem}.ipynb"


# --------------------------------------------------------------------------- request side


def _b64decode(text: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


_pixel_hashes: dict[bytes, str] = {}  # sha256 of the encoded bytes -> pixel hash


def pixel_hash(data: bytes) -> str:
    """A hash of an image's pixels (so re-encoding does not change it), or of its bytes.

    Remembered by a digest of the bytes: vcrpy runs the request hook on a fresh copy several
    times per request, and a chat resends every earlier image each turn."""
    key = hashlib.sha256(data).digest()
    known = _pixel_hashes.get(key)
    if known is None:
        if len(_pixel_hashes) > 512:
            _pixel_hashes.clear()
        known = _pixel_hashes[key] = _decode_and_hash(data)
    return known


def _decode_and_hash(data: bytes) -> str:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgb = image.convert("RGBA") if "A" in image.getbands() else image.convert("RGB")
            digest = hashlib.sha256(f"{rgb.mode}{rgb.size}".encode() + rgb.tobytes())
    except Exception:  # noqa: BLE001 - not an image Pillow reads: hash the bytes
        digest = hashlib.sha256(b"bytes:" + data)
    return HASH_PREFIX + digest.hexdigest()


def _walk_inline(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("inlineData", "inline_data") and isinstance(value, dict):
                visit(value)
            else:
                _walk_inline(value, visit)
    elif isinstance(node, list):
        for item in node:
            _walk_inline(item, visit)


def normalize_body(body: bytes | str | None) -> bytes | str | None:
    """Canonical JSON with every inline image replaced by its pixel hash. Idempotent."""
    if not body:
        return body
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body

    def visit(inline: dict[str, Any]) -> None:
        value = inline.get("data")
        if isinstance(value, str) and not value.startswith(HASH_PREFIX):
            try:
                digest = pixel_hash(_b64decode(value))
            except ValueError:
                digest = HASH_PREFIX + hashlib.sha256(value.encode()).hexdigest()
            inline["data"] = _state.aliases.get(digest, digest)
            # The pixels say it all; the stored copy of a model image may be a re-encoded JPEG.
            for name in ("mimeType", "mime_type"):
                if name in inline:
                    inline[name] = "image/*" if str(inline[name]).startswith("image/") else inline[name]

    _walk_inline(data, visit)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _body_matcher(r1: Any, r2: Any) -> None:
    if r1.body != r2.body:
        raise AssertionError("the request bodies differ")


def describe_request(request: Any) -> tuple[str, str]:
    """(model, first words of the prompt) of a recorded or live request, for messages."""
    path = getattr(request, "path", "") or ""
    model = path.rsplit("/models/", 1)[-1].split(":", 1)[0] if "/models/" in path else "?"
    words = ""
    try:
        data = json.loads(request.body or b"{}")
        texts = [part.get("text", "") for content in data.get("contents", [])[-1:]
                 for part in content.get("parts", []) if isinstance(part, dict)]
        words = " ".join(" ".join(texts).split()[:12])
    except (ValueError, TypeError, AttributeError, IndexError):
        pass
    return model, words or "(no text)"


def _missing(request: Any) -> MissingRecordingError:
    model, words = describe_request(request)
    notebook = _state.notebook or "?"
    return MissingRecordingError(
        f"No recording of this request in {_display_path(_state.path)} (model {model}, prompt "
        f"\"{words}…\"). Replay can only answer the requests that notebook {notebook} made when it "
        f"was recorded: undo your change, or run the notebook from the top (Restart & Run All). "
        f"To try your own prompts, set GEMINI_API_KEY for live mode; to record this notebook again "
        f"run: {record_command(notebook)}  (placeholder pictures from the stand-in API), or the same "
        f"command without --stand-in and with GEMINI_API_KEY set (real Gemini)."
    )


def _display_path(path: Path | None) -> str:
    if path is None:
        return "the recording"
    try:
        return str(path.resolve().relative_to(repo_root()))
    except ValueError:
        return str(path)


def _check_recorded(request: Any) -> None:
    """In replay: raise a clear error for an unrecorded request; replay a fully played one again."""
    from vcr.matchers import requests_match

    cassette = _state.cassette
    matches = [index for index, (stored, _) in enumerate(cassette.data)
               if requests_match(request, stored, cassette._match_on)]
    if not matches:
        raise _missing(request)
    if all(cassette.play_counts[index] for index in matches):
        # The learner ran a cell again: play its answers again, in order.
        for index in matches:
            del cassette.play_counts[index]


def _stable_uri(uri: str) -> str:
    """Drop the port of a loopback server (the stand-in's changes every run)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if parts.hostname in ("127.0.0.1", "localhost", "::1") and parts.port:
        return urlunsplit(parts._replace(netloc=parts.hostname))
    return uri


def before_record_request(request: Any) -> Any:
    request.uri = _stable_uri(request.uri)
    request.body = normalize_body(request.body)
    request.headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
    if _state.mode == "replay" and _state.cassette is not None:
        _check_recorded(request)
    return request


# --------------------------------------------------------------------------- response side


def compact_image(raw: bytes, mime: str, budget: int = IMAGE_BUDGET) -> tuple[bytes, str]:
    """The image itself if its base64 fits ``budget``, else a JPEG that does (quality, then size)."""
    if len(raw) * 4 / 3 <= budget:
        return raw, mime
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as source:
        image = source.convert("RGB")
    scale = 1.0
    while True:
        sized = image if scale == 1.0 else image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
        for quality in (85, 75, 65, 55):
            buffer = io.BytesIO()
            sized.save(buffer, format="JPEG", quality=quality, optimize=True)
            data = buffer.getvalue()
            if len(data) * 4 / 3 <= budget:
                return data, "image/jpeg"
        scale *= 0.8


def _compact_json(data: Any) -> Any:
    def visit(inline: dict[str, Any]) -> None:
        value, mime = inline.get("data"), inline.get("mimeType") or inline.get("mime_type")
        if not isinstance(value, str) or not str(mime or "").startswith("image/"):
            return
        raw = _b64decode(value)
        new, new_mime = compact_image(raw, str(mime))
        if new is raw:
            return
        _state.aliases[pixel_hash(raw)] = pixel_hash(new)
        inline["data"] = base64.b64encode(new).decode("ascii")
        inline["mimeType" if "mimeType" in inline else "mime_type"] = new_mime

    _walk_inline(data, visit)
    return data


def compact_body(body: bytes, content_type: str) -> bytes:
    """Re-encode oversized images in a JSON or server-sent-events response body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    if "event-stream" in content_type:
        lines = []
        for line in text.split("\n"):
            if line.startswith("data:"):
                try:
                    payload = _compact_json(json.loads(line[5:]))
                    line = "data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
                except ValueError:
                    pass
            lines.append(line)
        return "\n".join(lines).encode("utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        return body
    return json.dumps(_compact_json(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = {k: v for k, v in response.get("headers", {}).items() if k.lower() == "content-type"}
    content_type = " ".join(" ".join(v) if isinstance(v, list) else str(v) for v in headers.values())
    body = response.get("body", {}).get("string")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, bytes) and body:
        response["body"]["string"] = compact_body(body, content_type)
    response["headers"] = headers
    return response


# --------------------------------------------------------------------------- cassettes


def _vcr() -> Any:
    import vcr

    recorder = vcr.VCR(
        serializer="json",
        match_on=("method", "path", "genai_body"),
        filter_headers=["x-goog-api-key", "authorization"],
        filter_query_parameters=["key"],
        decode_compressed_response=True,
        before_record_request=before_record_request,
        before_record_response=before_record_response,
    )
    recorder.register_matcher("genai_body", _body_matcher)
    return recorder


def recorded_source(path: Path) -> str:
    """'stand-in API', 'Gemini API' or another description, read from the recording itself."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unknown source"
    meta = data.get("metadata") or {}
    if meta.get("recorded_against"):
        return str(meta["recorded_against"])
    marked = any(STANDIN_MARK in _text(item.get("response", {}).get("body", {}).get("string"))
                 for item in data.get("interactions", []))
    return "stand-in API" if marked else "Gemini API"


def _text(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body if isinstance(body, str) else ""


def start(notebook: str, *, mode: str, model: str) -> str:
    """Enter the notebook's cassette (replay or record); returns words for the setup banner."""
    stop()
    recorder = _vcr()
    if mode == "replay":
        path = cassette_path(notebook)
        if not path.exists():
            raise MissingRecordingError(
                f"Notebook {notebook} has no recording at {_display_path(path)}, so it cannot replay. "
                f"Set GEMINI_API_KEY to run it live, or record it: {record_command(notebook)}"
            )
        context = recorder.use_cassette(str(path), record_mode="none")
    elif mode == "record":
        target = os.environ.get("GENAI_RECORD_CASSETTE", "").strip()
        path = Path(target) if target else cassette_path(notebook)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()  # a fresh recording; the record command writes to a temporary path
        context = recorder.use_cassette(str(path), record_mode="all", drop_unused_requests=True)
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(f"mode must be 'replay' or 'record', not {mode!r}")
    _state.notebook, _state.mode, _state.model, _state.path = notebook, mode, model, path
    _state.aliases = {}
    _state.context = context
    _state.cassette = context.__enter__()
    if mode == "replay":
        source = recorded_source(path)
        short = f"{path.parent.name}/{path.name}"
        if "stand-in" in source:
            return f"answers from {short}, recorded from the stand-in API (placeholder pictures, not Gemini's)"
        return f"answers from {short}, recorded from the {source}"
    return "the recording is written when the notebook finishes (helpers.finish_recording())"


def finish_recording() -> Path | None:
    """Save the recording of a record-mode run (call after the last cell). Returns its path."""
    if _state.mode != "record" or _state.cassette is None:
        stop()
        return None
    cassette, path = _state.cassette, _state.path
    marked = any(STANDIN_MARK in _text(response.get("body", {}).get("string")) for response in cassette.responses)
    against = "stand-in API" if marked else _server_name()
    cassette.get_metadata("recorded_against", against)
    cassette.get_metadata("model", _state.model)
    stop(save=True)
    return path


def _server_name() -> str:
    base = os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip()
    if not base:
        return "Gemini API"
    from urllib.parse import urlsplit

    return f"server at {urlsplit(base).hostname}"


def stop(*, save: bool = False) -> None:
    """Leave the active cassette. A recording is saved only with ``save=True`` (finish_recording)."""
    context, cassette = _state.context, _state.cassette
    _state.context = _state.cassette = None
    _state.mode = None
    if context is None:
        return
    cassette.dirty = save  # vcrpy saves on exit only a dirty cassette
    context.__exit__(None, None, None)
