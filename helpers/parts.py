"""The one walk over what Gemini returns, turning it into a flat list of pieces.

``walk(obj)`` accepts a response from ``generate_content`` or ``chat.send_message``, a stream (the iterator from
``generate_content_stream``), a chat turn (``Content``), a chat (its history), an ``Interaction`` from
``client.interactions.create`` or its stream of events (``stream=True``), a candidate, a part, or a list of any of
these. Iterating the walk yields :class:`Piece` objects in order; a stream is read as it arrives, its text pieces
joined, and what was read is kept, so a walk can be iterated again (a stream cannot). It also notes what the answer
said about itself: finish reasons, a blocked prompt, grounding, an Interaction's status. ``show``, the gallery, the
exporter and ``save_images`` all read answers through here, and nothing else parses the SDK's objects. Objects are
recognised by their attributes, so SDK versions that differ a little (Colab ships an older one) still work.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Piece:
    """One piece of an answer: text, an image (or other inline bytes), or something else. (Not the SDK's
    ``types.Part``: a piece is what the walk read out of one, with its role and turn.)"""

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


class Walk:
    """The pieces of an answer, read once and kept; iterate it (a stream is read as it arrives).

    What the answer said about itself (``finishes``, ``block``, ``grounding``, ``answers``, ``stream_error``) is known
    once it has been read to the end, so asking for it reads the rest first: never the half-read state of an answer."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.kind = _kind(obj)  # "response", "stream", "chat", "interaction", ...; "" for what it cannot read
        self._pieces: list[Piece] = []
        self._finishes: dict[tuple[int, int], Finish] = {}  # how each candidate ended, by (turn, candidate)
        self._block: tuple[str, str] | None = None  # a blocked prompt's reason and message
        self._grounding: list[Any] = []  # the grounding_metadata objects, in order
        self._answers = 0  # how many responses, stream chunks or interactions were read
        self._stream_error: BaseException | None = None  # the error a stream failed with half-way
        self._step_kinds: dict[int, str] = {}  # an Interaction stream's step types, by index
        self._source: Iterator[Piece] | None = self._walk(obj, 0)

    def __iter__(self) -> Iterator[Piece]:
        index = 0
        while True:
            if index < len(self._pieces):
                yield self._pieces[index]
                index += 1
                continue
            piece = next(self._source, None) if self._source is not None else None
            if piece is None:
                self._source = None
                return
            self._pieces.append(piece)

    def _read_to_end(self) -> Walk:
        for _ in self:
            pass
        return self

    @property
    def pieces(self) -> list[Piece]:
        return list(self._read_to_end()._pieces)

    @property
    def finishes(self) -> dict[tuple[int, int], Finish]:
        return self._read_to_end()._finishes

    @property
    def block(self) -> tuple[str, str] | None:
        return self._read_to_end()._block

    @property
    def grounding(self) -> list[Any]:
        return self._read_to_end()._grounding

    @property
    def answers(self) -> int:
        return self._read_to_end()._answers

    @property
    def stream_error(self) -> BaseException | None:
        return self._read_to_end()._stream_error

    def images(self, *, thoughts: bool = False) -> list[Piece]:
        """The image pieces, drafts (thought images) left out unless ``thoughts``."""
        return [p for p in self if p.is_image and p.role == "model" and (thoughts or not p.thought)]

    # -- the walk ---------------------------------------------------------------------------

    def _walk(self, obj: Any, turn: int) -> Iterator[Piece]:
        kind = _kind(obj)
        if kind == "event":
            yield from self._event(obj, turn)
        elif kind == "response":
            yield from self._response(obj, turn)
        elif kind == "interaction":
            yield from self._interaction(obj, turn)
        elif kind == "chat":
            for index, content in enumerate(_list(obj.get_history())):
                yield from self._content(content, turn + index)
        elif kind == "turn":
            yield from self._content(obj, turn)
        elif kind == "candidate":
            yield from self._candidate(obj, turn, 0)
        elif kind == "part":
            yield from _sdk_part(obj, "model", turn)
        elif kind == "list":
            for index, item in enumerate(obj):
                yield from self._walk(item, turn + index)
        elif kind == "stream":
            yield from _joined(self._stream(obj, turn))

    def _stream(self, chunks: Iterable[Any], turn: int) -> Iterator[Piece]:
        try:
            for chunk in chunks:
                yield from self._walk(chunk, turn)
        except Exception as error:  # a stream cut off half-way: keep what arrived, say why (reasons.problems)
            self._stream_error = error

    def _response(self, response: Any, turn: int) -> Iterator[Piece]:
        self._answers += 1
        feedback = getattr(response, "prompt_feedback", None)
        reason = _name(getattr(feedback, "block_reason", None))
        if reason and reason != "BLOCKED_REASON_UNSPECIFIED":
            self._block = (reason, _text(getattr(feedback, "block_reason_message", None)))
        for position, candidate in enumerate(_list(getattr(response, "candidates", None))):
            index = getattr(candidate, "index", None)
            yield from self._candidate(candidate, turn, index if isinstance(index, int) else position)

    def _candidate(self, candidate: Any, turn: int, index: int) -> Iterator[Piece]:
        finish = self._finishes.setdefault((turn, index), Finish())
        finish.reason = _name(getattr(candidate, "finish_reason", None)) or finish.reason
        finish.message = _text(getattr(candidate, "finish_message", None)) or finish.message
        metadata = getattr(candidate, "grounding_metadata", None)
        if metadata is not None:
            self._grounding.append(metadata)
        for piece in self._content(getattr(candidate, "content", None), turn):
            if piece.text or piece.data or piece.other:
                finish.has_content = finish.has_content or not piece.thought
            yield piece

    def _content(self, content: Any, turn: int) -> Iterator[Piece]:
        role = _text(getattr(content, "role", None)) or "model"
        for part in _list(getattr(content, "parts", None)):
            yield from _sdk_part(part, role, turn)

    def _interaction(self, interaction: Any, turn: int) -> Iterator[Piece]:
        self._answers += 1
        finish = self._finishes.setdefault((turn, 0), Finish())
        status = _name(getattr(interaction, "status", None)) or ""
        finish.reason = "STOP" if status.lower() == "completed" else status.upper()
        errors = [_text(getattr(e, "message", None)) or str(e) for e in _list(getattr(interaction, "errors", None))]
        finish.message = " ".join(e for e in errors if e)
        for step in _list(getattr(interaction, "steps", None)):
            kind = _name(getattr(step, "type", None)) or ""
            if kind == "thought":
                summary = " ".join(_text(getattr(c, "text", None)) for c in _list(getattr(step, "summary", None)))
                if summary.strip():
                    yield Piece(text=summary.strip(), thought=True, turn=turn)
                continue
            role = "user" if kind == "user_input" else "model"
            for item in _list(getattr(step, "content", None)):
                piece = _interaction_content(item, role, turn)
                if piece is not None:
                    finish.has_content = finish.has_content or role == "model"
                    yield piece
            if kind not in ("user_input", "model_output") and kind:
                yield Piece(other=kind.replace("_", " "), role=role, turn=turn)

    def _event(self, event: Any, turn: int) -> Iterator[Piece]:
        """One event of an Interaction stream: a step starts, a piece of it arrives, the interaction ends."""
        kind, index = _name(getattr(event, "event_type", None)), getattr(event, "index", 0)
        finish = self._finishes.setdefault((turn, 0), Finish())
        if kind == "step.start":
            self._step_kinds[index] = _name(getattr(getattr(event, "step", None), "type", None))
        elif kind == "step.delta":
            delta, thought = getattr(event, "delta", None), self._step_kinds.get(index) == "thought"
            what = _name(getattr(delta, "type", None))
            if what in ("text", "thought_summary"):  # a delta's text is kept as sent: spaces join chunks
                text = getattr(delta, "text", None) or getattr(getattr(delta, "content", None), "text", None)
                piece: Piece | None = Piece(text=text if isinstance(text, str) else "")
            else:
                piece = None if what == "thought_signature" else _interaction_content(delta, "model", turn)
            if piece is not None and (piece.text or piece.data or piece.other):
                piece = Piece(**{**vars(piece), "thought": thought or what == "thought_summary", "turn": turn})
                finish.has_content = finish.has_content or not piece.thought
                yield piece
        elif kind in ("interaction.created", "interaction.completed", "interaction.cancelled"):  # created: in progress
            self._answers += kind != "interaction.created"  # a stream cut before its end keeps IN_PROGRESS
            status = _name(getattr(getattr(event, "interaction", None), "status", None)) or kind.split(".")[1]
            finish.reason = "STOP" if status.lower() == "completed" else status.upper()
        elif kind == "error":
            finish.reason = "FAILED"
            finish.message = _text(getattr(getattr(event, "error", None), "message", None))


def walk(obj: Any) -> Walk:
    """Walk ``obj`` (see the module docstring); iterate the result for its pieces."""
    return obj if isinstance(obj, Walk) else Walk(obj)


def _kind(obj: Any) -> str:
    """What ``obj`` is, for the walk: "" for anything it cannot read."""
    if obj is None:
        return "none"
    if hasattr(obj, "event_type"):
        return "event"
    if hasattr(obj, "candidates") and hasattr(obj, "prompt_feedback"):
        return "response"
    if hasattr(obj, "steps") and hasattr(obj, "status"):
        return "interaction"
    if callable(getattr(obj, "get_history", None)):
        return "chat"
    if hasattr(obj, "parts") and hasattr(obj, "role"):
        return "turn"
    if hasattr(obj, "content") and hasattr(obj, "finish_reason"):
        return "candidate"
    if hasattr(obj, "inline_data") and hasattr(obj, "text"):
        return "part"
    if isinstance(obj, (list, tuple)):  # a list of an Interaction's events is a stream read into a list
        return "stream" if obj and hasattr(obj[0], "event_type") else "list"
    # Any other SDK object is a pydantic model, which iterates over its fields: not a stream.
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, dict)) and not hasattr(obj, "model_dump"):
        return "stream"
    return ""


# -- pieces of the walk -------------------------------------------------------------------------

#: Part fields that carry something other than text or inline bytes, named for the learner.
_OTHER_FIELDS = (
    "function_call function_response executable_code code_execution_result file_data tool_call tool_response"
).split()


def _sdk_part(part: Any, role: str, turn: int) -> Iterator[Piece]:
    thought = getattr(part, "thought", None) is True
    text = getattr(part, "text", None)
    blob = getattr(part, "inline_data", None)
    if isinstance(text, str) and text:
        yield Piece(text=text, thought=thought, role=role, turn=turn)
    if blob is not None:
        data = getattr(blob, "data", None)
        raw = bytes(data) if isinstance(data, (bytes, bytearray)) else b""
        mime, other = _mime(getattr(blob, "mime_type", None)), "" if data else "an inline part with no data"
        yield Piece(data=raw, mime_type=mime, thought=thought, role=role, turn=turn, other=other)
    for name in _OTHER_FIELDS:
        value = getattr(part, name, None)
        if value is not None:
            label = getattr(value, "name", None) or getattr(value, "file_uri", None) or ""
            yield Piece(other=f"{name.replace('_', ' ')} {label}".strip(), role=role, turn=turn)


def _interaction_content(item: Any, role: str, turn: int) -> Piece | None:
    kind = _name(getattr(item, "type", None)) or ""
    if kind == "text":
        text = _text(getattr(item, "text", None))
        return Piece(text=text, role=role, turn=turn) if text else None
    data = getattr(item, "data", None)
    if isinstance(data, str) and data:
        try:
            raw = decode_base64(data)
        except ValueError:
            return Piece(other=f"{kind} content that is not valid base64", role=role, turn=turn)
        return Piece(data=raw, mime_type=_mime(getattr(item, "mime_type", None)), role=role, turn=turn)
    uri = _text(getattr(item, "uri", None))
    kind = kind.replace("_", " ") or "content"  # a stream's delta names a step as the step does: "google search call"
    return Piece(other=f"{kind} at {uri}" if uri else kind, role=role, turn=turn)


def _joined(parts: Iterator[Piece]) -> Iterator[Piece]:
    """Join consecutive text pieces of a stream (chunks split text anywhere, mid-word too)."""
    pending: Piece | None = None
    for part in parts:
        same = pending is not None and (part.thought, part.role) == (pending.thought, pending.role)
        if same and part.text and not part.data:
            pending = Piece(text=pending.text + part.text, thought=part.thought, role=part.role, turn=part.turn)
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


# -- small readers ------------------------------------------------------------------------------


def decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not (the SDK sends URL-safe, the API standard); else ValueError."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except binascii.Error as error:
        raise ValueError(f"not base64 ({error})") from None


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
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"BM": "image/bmp"}


def sniff(data: bytes) -> str | None:
    """The image MIME type that ``data`` starts like, or None."""
    for magic, mime in _MAGIC.items():
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
