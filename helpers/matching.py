"""How replay finds a request's recorded answer, and what it says when there is none.

vcrpy compares requests after its filters ran on them, with the matchers named in ``match_on``:

* the filters (:meth:`Rules.filters`): the method in capitals (google-genai hands aiohttp, used when installed,
  "post"), the loopback port dropped (the stand-in's port changes every run), every header but Content-Type dropped
  (the key header never reaches a cassette), and every request picture replaced by a hash of its pixels (a chat
  resends earlier pictures, perhaps re-encoded);
* the ``turn`` matcher (:meth:`Rules.same_turn`, registered with vcrpy): the same body; or, when no recorded request
  has this body, the same last turn (a chat turn sent again with a longer history, as when a learner runs a cell twice);
* :func:`explain` says what differs when nothing matches: the part of the prompt that differs,
  however long it is, or the setting, or the earlier turns.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from helpers.parts import decode_base64

HASH = "pixels-sha256:"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@lru_cache(maxsize=512)
def pixel_hash(data: bytes) -> str:
    """A hash of a picture's pixels (so a PNG and its re-encoding as PNG agree), else of its bytes."""
    import hashlib

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            rgb = image.convert("RGB")
            return HASH + hashlib.sha256(f"{rgb.size}".encode() + rgb.tobytes()).hexdigest()
    except Exception:
        return HASH + hashlib.sha256(b"bytes:" + data).hexdigest()


def _digest(text: str) -> str:
    """The pixel hash of base64 picture data; of the text itself when it is not base64."""
    import hashlib

    try:
        return pixel_hash(decode_base64(text))
    except ValueError:
        return HASH + hashlib.sha256(text.encode()).hexdigest()


def pictures_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict of a parsed REST body that holds picture data: ``inlineData`` parts and Interaction content."""
    if isinstance(node, dict):
        mime = node.get("mimeType") or node.get("mime_type") or ""
        if isinstance(node.get("data"), str) and str(mime).startswith("image"):
            yield node
        for value in node.values():
            yield from pictures_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from pictures_in(item)


class Rules:
    """How one recording compares requests; it learns, while recording, which stored picture stands for
    which picture the API sent (a stored copy may be re-encoded, and a chat sends back what it got)."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # pixel hash of a picture as sent -> of the picture as stored
        self.recorded: list[Any] = []  # the cassette's requests, for the turn matcher (replay only)

    def filters(self) -> tuple[Callable[[Any], Any], ...]:
        """vcrpy's before_record_request filters, in order. Each is idempotent (vcrpy runs them often)."""
        return (_plain_request, self._hash_pictures)

    def _hash_pictures(self, request: Any) -> Any:
        request.body = self.body(request.body)
        return request

    def body(self, body: bytes | str | None) -> bytes | str | None:
        """Canonical JSON, every request picture replaced by its pixel hash; a body that is not JSON as it is."""
        try:
            data = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError):
            return body
        for node in pictures_in(data):
            if not node["data"].startswith(HASH):
                digest = _digest(node["data"])
                node["data"] = self.aliases.get(digest, digest)
            for name in ("mimeType", "mime_type"):
                if name in node:
                    node[name] = "image/*"
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def same_turn(self, sent: Any, recorded: Any) -> bool:
        """vcrpy matcher: the same body, or the same last turn when no recorded request has this very body."""
        if sent.body == recorded.body:
            return True
        if any(other.body == sent.body for other in self.recorded):
            return False
        return turn(sent.body) == turn(recorded.body)


def _plain_request(request: Any) -> Any:
    """The method in capitals, no loopback port, no header but Content-Type (why: the module docstring)."""
    request.method = request.method.upper()
    parts = urlsplit(request.uri)
    if parts.hostname in LOOPBACK:
        request.uri = urlunsplit(parts._replace(netloc=parts.hostname))
    request.headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
    return request


def turn(body: Any) -> str:
    """A request without its history: the last turn of ``contents``, no previous_interaction_id."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return str(body)
    if isinstance(data, dict):
        if isinstance(data.get("contents"), list):
            data["contents"] = data["contents"][-1:]
        data.pop("previous_interaction_id", None)
    return json.dumps(data, sort_keys=True)


# -- saying what differs --------------------------------------------------------------------------


def prompt(body: Any) -> str:
    """The words of the last turn of a request body, every text part of it, joined."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return ""
    if not isinstance(data, dict):
        return ""
    source = data["contents"][-1:] if isinstance(data.get("contents"), list) else data.get("input")
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


def explain(sent: Any, recorded: list[Any]) -> list[str]:
    """Lines saying how ``sent`` differs from the closest of the ``recorded`` requests (same method and path)."""
    import difflib

    if not recorded:
        return [f"  the recording has no {sent.method} {sent.path.split('/', 2)[-1]}"]
    mine = prompt(sent.body)
    closest = max(recorded, key=lambda r: difflib.SequenceMatcher(None, prompt(r.body), mine).ratio())
    theirs = prompt(closest.body)
    if theirs != mine:
        shown_mine, shown_theirs = window(mine, theirs)
        return [f"  your prompt: “{shown_mine}”", f"  recorded:    “{shown_theirs}”"]
    if _pictures(sent.body) != _pictures(closest.body):
        return ["  same prompt, another picture: a picture you sent is not the recorded one (your own photo?)"]
    return [f"  same prompt, other settings: {first_difference(json.loads(closest.body), json.loads(sent.body))}"]


def _pictures(body: Any) -> list[str]:
    return [node["data"] for node in pictures_in(json.loads(turn(body)))]


def window(mine: str, theirs: str, *, context: int = 30, width: int = 110) -> tuple[str, str]:
    """Both texts cut to where they differ, with ``context`` characters around it and "…" for the rest."""
    import difflib

    changes = [
        op for op in difflib.SequenceMatcher(None, mine, theirs, autojunk=False).get_opcodes() if op[0] != "equal"
    ]
    if not changes:
        return mine, theirs
    (_, a_start, a_end, b_start, b_end), last = changes[0], changes[-1]
    if max(last[2] - a_start, last[4] - b_start) <= width - 2 * context:  # the whole difference fits
        a_end, b_end = last[2], last[4]

    def cut(text: str, start: int, end: int) -> str:
        low, high = max(0, start - context), min(len(text), max(end, start) + context, start + width - context)
        return ("…" if low else "") + text[low:high] + ("…" if high < len(text) else "")

    return cut(mine, a_start, a_end), cut(theirs, b_start, b_end)


def first_difference(recorded: Any, sent: Any, path: str = "") -> str:
    """Where two parsed request bodies first differ, in words (their prompts aside)."""
    if isinstance(recorded, dict) and isinstance(sent, dict):
        for name in sorted(set(recorded) | set(sent)):
            if name in ("contents", "input") and path == "":
                continue
            if recorded.get(name) != sent.get(name):
                return first_difference(recorded.get(name), sent.get(name), f"{path}.{name}".lstrip("."))
        return "the earlier turns differ"
    return f"{path} is {json.dumps(sent)} here, {json.dumps(recorded)} in the recording"
