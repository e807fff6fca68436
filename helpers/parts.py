"""The one walk over what Gemini returns, turning it into a flat list of parts.

``walk(obj)`` accepts a response from ``generate_content`` or ``chat.send_message``, a stream
(the iterator from ``generate_content_stream``), a chat turn (``Content``), a chat (its history),
an ``Interaction`` from ``client.interactions.create``, a candidate, a part, or a list of any
of these. Iterating the walk yields :class:`Part` objects in order; a stream is read as it
arrives, its text pieces joined. While it walks it notes what the answer said about itself:
finish reasons, a blocked prompt, grounding, an Interaction's status. ``show``, the gallery,
the exporter and ``save_images`` all read answers through here, and nothing else parses the
SDK's objects. Objects are recognised by their attributes, so SDK versions that differ a
little (Colab ships an older one) still work.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Part:
    """One piece of an answer: text, an image (or other inline bytes), or something else."""

    text: str = ""
    data: bytes = b""
    mime_type: str = ""
    thought: bool = False
    role: str = "model"
    turn: int = 0  # which response, chat turn or interaction of the walked object it came from
    other: str = ""  # a part that is neither text nor bytes, in words ("function call get_weather")

    @property
    def is_image(self) -> bool:
        return bool(self.data) and (self.mime_type.startswith("image/") or sniff(self.data) is not None)


@dataclass
class Finish:
    """How one candidate (or an Interaction) ended."""

    reason: str = ""
    message: str = ""
    has_content: bool = False


@dataclass
class Walk:
    """Iterate it for the parts; afterwards its fields say how the answer ended."""

    obj: Any
    finishes: dict[tuple[int, int], Finish] = field(default_factory=dict)  # (turn, candidate) -> Finish
    block: tuple[str, str] | None = None  # a blocked prompt: reason, message
    grounding: list[Any] = field(default_factory=list)  # grounding_metadata objects, in order
    answers: int = 0  # responses, chunks or interactions seen
    kind: str = ""  # "response", "stream", "chat", "interaction", ...
    stream_error: BaseException | None = None  # a stream that failed half-way
    _parts: list[Part] | None = None

    def __iter__(self) -> Iterator[Part]:
        if self._parts is not None:
            yield from self._parts
            return
        collected: list[Part] = []
        for part in self._walk(self.obj, 0):
            collected.append(part)
            yield part
        self._parts = collected

    @property
    def parts(self) -> list[Part]:
        return list(self)

    def images(self, *, thoughts: bool = False) -> list[Part]:
        """The image parts, drafts (thought images) left out unless ``thoughts``."""
        return [p for p in self if p.is_image and p.role == "model" and (thoughts or not p.thought)]

    # -- the walk ---------------------------------------------------------------------------

    def _walk(self, obj: Any, turn: int) -> Iterator[Part]:
        if obj is None:
            self.kind = self.kind or "none"
        elif _is_response(obj):
            self.kind = self.kind or "response"
            yield from self._response(obj, turn)
        elif _is_interaction(obj):
            self.kind = self.kind or "interaction"
            yield from self._interaction(obj, turn)
        elif callable(getattr(obj, "get_history", None)):
            self.kind = self.kind or "chat"
            for index, content in enumerate(_list(obj.get_history())):
                yield from self._content(content, turn + index)
        elif hasattr(obj, "parts") and hasattr(obj, "role"):
            self.kind = self.kind or "turn"
            yield from self._content(obj, turn)
        elif hasattr(obj, "content") and hasattr(obj, "finish_reason"):
            self.kind = self.kind or "candidate"
            yield from self._candidate(obj, turn, 0)
        elif hasattr(obj, "inline_data") and hasattr(obj, "text"):
            self.kind = self.kind or "part"
            yield from _sdk_part(obj, "model", turn)
        elif isinstance(obj, (list, tuple)):
            self.kind = self.kind or "list"
            for index, item in enumerate(obj):
                yield from self._walk(item, turn + index)
        elif isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, dict)) and not hasattr(obj, "model_dump"):
            # (any other SDK object is a pydantic model, which iterates over its fields: not a stream)
            self.kind = self.kind or "stream"
            yield from _joined(self._stream(obj, turn))

    def _stream(self, chunks: Iterable[Any], turn: int) -> Iterator[Part]:
        try:
            for chunk in chunks:
                yield from self._walk(chunk, turn)
        except Exception as error:
            self.stream_error = error

    def _response(self, response: Any, turn: int) -> Iterator[Part]:
        self.answers += 1
        feedback = getattr(response, "prompt_feedback", None)
        reason = _name(getattr(feedback, "block_reason", None))
        if reason and reason != "BLOCKED_REASON_UNSPECIFIED":
            self.block = (reason, _text(getattr(feedback, "block_reason_message", None)))
        for position, candidate in enumerate(_list(getattr(response, "candidates", None))):
            index = getattr(candidate, "index", None)
            yield from self._candidate(candidate, turn, index if isinstance(index, int) else position)

    def _candidate(self, candidate: Any, turn: int, index: int) -> Iterator[Part]:
        finish = self.finishes.setdefault((turn, index), Finish())
        finish.reason = _name(getattr(candidate, "finish_reason", None)) or finish.reason
        finish.message = _text(getattr(candidate, "finish_message", None)) or finish.message
        metadata = getattr(candidate, "grounding_metadata", None)
        if metadata is not None:
            self.grounding.append(metadata)
        for part in self._content(getattr(candidate, "content", None), turn):
            if part.text or part.data or part.other:
                finish.has_content = finish.has_content or not part.thought
            yield part

    def _content(self, content: Any, turn: int) -> Iterator[Part]:
        role = _text(getattr(content, "role", None)) or "model"
        for part in _list(getattr(content, "parts", None)):
            yield from _sdk_part(part, role, turn)

    def _interaction(self, interaction: Any, turn: int) -> Iterator[Part]:
        self.answers += 1
        finish = self.finishes.setdefault((turn, 0), Finish())
        status = _name(getattr(interaction, "status", None)) or ""
        finish.reason = "STOP" if status.lower() == "completed" else status.upper()
        errors = [_text(getattr(e, "message", None)) or str(e) for e in _list(getattr(interaction, "errors", None))]
        finish.message = " ".join(e for e in errors if e)
        for step in _list(getattr(interaction, "steps", None)):
            kind = _name(getattr(step, "type", None)) or ""
            if kind == "thought":
                summary = " ".join(_text(getattr(c, "text", None)) for c in _list(getattr(step, "summary", None)))
                if summary.strip():
                    yield Part(text=summary.strip(), thought=True, turn=turn)
                continue
            role = "user" if kind == "user_input" else "model"
            for item in _list(getattr(step, "content", None)):
                part = _interaction_content(item, role, turn)
                if part is not None:
                    finish.has_content = finish.has_content or role == "model"
                    yield part
            if kind not in ("user_input", "model_output") and kind:
                yield Part(other=kind.replace("_", " "), role=role, turn=turn)


def walk(obj: Any) -> Walk:
    """Walk ``obj`` (see the module docstring); iterate the result for its parts."""
    return Walk(obj)


# -- pieces of the walk -------------------------------------------------------------------------

#: Part fields that carry something other than text or inline bytes, named for the learner.
_OTHER_FIELDS = (
    "function_call",
    "function_response",
    "executable_code",
    "code_execution_result",
    "file_data",
    "tool_call",
    "tool_response",
)


def _sdk_part(part: Any, role: str, turn: int) -> Iterator[Part]:
    if part is None:
        return
    thought = getattr(part, "thought", None) is True
    text = getattr(part, "text", None)
    blob = getattr(part, "inline_data", None)
    if isinstance(text, str) and text:
        yield Part(text=text, thought=thought, role=role, turn=turn)
    if blob is not None:
        data = getattr(blob, "data", None)
        yield Part(
            data=bytes(data) if isinstance(data, (bytes, bytearray)) else b"",
            mime_type=_mime(getattr(blob, "mime_type", None)),
            thought=thought,
            role=role,
            turn=turn,
            other="" if data else "an inline part with no data",
        )
    for name in _OTHER_FIELDS:
        value = getattr(part, name, None)
        if value is not None:
            label = getattr(value, "name", None) or getattr(value, "file_uri", None) or ""
            yield Part(other=f"{name.replace('_', ' ')} {label}".strip(), role=role, turn=turn)


def _interaction_content(item: Any, role: str, turn: int) -> Part | None:
    kind = _name(getattr(item, "type", None)) or ""
    if kind == "text":
        text = _text(getattr(item, "text", None))
        return Part(text=text, role=role, turn=turn) if text else None
    data = getattr(item, "data", None)
    if isinstance(data, str) and data:
        try:
            raw = base64.b64decode(
                data + "=" * (-len(data) % 4), altchars=b"-_" if "-" in data or "_" in data else None
            )
        except (binascii.Error, ValueError):
            return Part(other=f"{kind} content that is not valid base64", role=role, turn=turn)
        return Part(data=raw, mime_type=_mime(getattr(item, "mime_type", None)), role=role, turn=turn)
    uri = _text(getattr(item, "uri", None))
    return Part(other=f"{kind or 'content'} at {uri}" if uri else f"{kind or 'content'}", role=role, turn=turn)


def _joined(parts: Iterator[Part]) -> Iterator[Part]:
    """Join consecutive text pieces of a stream (chunks split text anywhere, mid-word too)."""
    pending: Part | None = None
    for part in parts:
        if (
            pending is not None
            and part.text
            and not part.data
            and (part.thought, part.role) == (pending.thought, pending.role)
        ):
            pending = Part(text=pending.text + part.text, thought=part.thought, role=part.role, turn=part.turn)
            continue
        if pending is not None:
            yield pending
            pending = None
        if part.text and not part.data:
            pending = part
        else:
            yield part
    if pending is not None:
        yield pending


# -- recognising SDK objects ---------------------------------------------------------------------


def _is_response(obj: Any) -> bool:
    return hasattr(obj, "candidates") and hasattr(obj, "prompt_feedback")


def _is_interaction(obj: Any) -> bool:
    return hasattr(obj, "steps") and hasattr(obj, "status")


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _name(value: Any) -> str:
    """The plain name of an SDK enum value or a string, e.g. "IMAGE_SAFETY"."""
    if value is None:
        return ""
    raw = getattr(value, "value", value)
    return str(raw if isinstance(raw, str) else getattr(value, "name", value))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _mime(value: Any) -> str:
    return value.split(";")[0].strip().lower() if isinstance(value, str) else ""


#: Leading bytes of image formats, for bytes that come with no useful MIME type.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"BM", "image/bmp"),
)


def sniff(data: bytes) -> str | None:
    """The image MIME type that ``data`` starts like, or None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
