"""Show Gemini answers in a notebook: text as Markdown, each picture as a small image output.

``outputs(obj)`` is the pure part: it walks the answer (see helpers.parts) and yields what to display, as
``("text/markdown", str)`` or ``("image/jpeg" | "image/png", bytes)`` pairs; a stream is shown as it arrives.
``show(obj)`` hands those to IPython. Pictures are shown at most 512 px wide within 30 KB, while the full bytes stay
untouched in the response. Thought parts are hidden unless ``thoughts=True``. A blocked prompt, a finish reason other
than STOP or an empty answer is said in plain words, and nothing goes to stderr. What an answer can hold (an
undecodable picture, a stream cut off half-way, an unknown part) is said in the output; anything else is a bug, raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from helpers.images import encode, to_pil
from helpers.parts import Piece, Walk, walk
from helpers.reasons import problems

Output = tuple[str, Any]

#: A shown picture: its longer side and its largest encoded size (≤ 40 KB of notebook with base64).
SHOWN_SIDE = 512
SHOWN_BYTES = 30_000
_SOURCES = 8
_LABELS = {"user": "You", "model": "Gemini"}


def show(obj: Any, *, thoughts: bool = False) -> None:
    """Display an answer (response, stream, chat turn, chat or Interaction), or a picture, in the notebook; a stream as
    it arrives: each run of text once it is whole, each picture when its chunk comes."""
    from IPython import display as ipd

    for kind, value in outputs(obj, thoughts=thoughts):
        if kind == "text/markdown":
            ipd.display(ipd.Markdown(value))
        else:
            ipd.display(ipd.Image(data=value, format=kind.split("/")[1]))


def outputs(obj: Any, *, thoughts: bool = False) -> Iterator[Output]:
    """What ``show`` displays for ``obj``, in order (see the module docstring)."""
    if obj is None:
        yield _md(
            "Nothing to show: the value is None. Run the cell that calls Gemini and keep its "
            "result, e.g. `response = client.models.generate_content(...)`."
        )
        return
    if callable(getattr(obj, "getpixel", None)):  # a Pillow image, e.g. from load_image
        yield encode(obj, max_side=SHOWN_SIDE, max_bytes=SHOWN_BYTES)[::-1]
        return
    answer = walk(obj)
    text: list[str] = []
    label: tuple[int, str] | None = None
    shown = 0
    for part in answer:
        if part.role == "user" and answer.kind != "chat":
            continue
        if part.thought and not thoughts:
            continue
        if answer.kind == "chat" and label != (part.turn, part.role):
            yield from _flush(text)
            label = (part.turn, part.role)
            text.append(f"**{_LABELS.get(part.role, part.role.title())}**")
        shown += 1
        if part.text:
            text.append(("> 💭 " if part.thought else "") + _escape_dollars(part.text))
            continue
        yield from _flush(text)
        if part.data:
            yield from _picture(part)
        elif part.other:
            yield _md(f"_({part.other}: not shown)_")
    yield from _flush(text)
    if not answer.kind:
        yield _md(
            f"show() displays an answer from Gemini (a response, a stream, a chat turn, a chat or an "
            f"Interaction); it got a {type(answer.obj).__name__}."
        )
    elif answer.kind == "chat" and not shown:
        yield _md("The chat has no turns yet: send a message first with `chat.send_message(...)`.")
    yield from _notes(answer, thoughts)


def _notes(answer: Walk, thoughts: bool) -> Iterator[Output]:
    """What follows an answer's pieces: hidden thoughts, grounding, and any problem, in plain words."""
    hidden = 0 if thoughts else sum(1 for part in answer if part.thought and part.role != "user")
    if hidden:
        yield _md(f"_({hidden} thought part{'s' if hidden > 1 else ''} hidden; `show(..., thoughts=True)` shows them)_")
    for paragraph in dict.fromkeys(grounding(metadata) for metadata in answer.grounding):
        if paragraph:
            yield _md(paragraph)
    found = problems(answer)
    if found:
        yield _md("\n\n".join(f"⚠️ {sentence}" for sentence in found))


def _picture(part: Piece) -> Iterator[Output]:
    try:
        data, mime = encode(to_pil(part.data), max_side=SHOWN_SIDE, max_bytes=SHOWN_BYTES)
    except ValueError:
        yield _md(
            f"⚠️ A picture in the answer ({part.mime_type or 'unknown type'}, {len(part.data):,} bytes) "
            "could not be decoded, so it is not shown. Its bytes are still in the response."
        )
        return
    if part.thought:
        yield _md("💭 *A draft (thought) image, not part of the answer:*")
    yield mime, data


def grounding(metadata: Any) -> str:
    """One Markdown paragraph naming the searches and sources of a grounded answer ('' if none)."""
    searches = [q for q in getattr(metadata, "web_search_queries", None) or [] if isinstance(q, str) and q]
    links: dict[str, str] = {}
    for chunk in getattr(metadata, "grounding_chunks", None) or []:
        source = getattr(chunk, "web", None) or getattr(chunk, "retrieved_context", None)
        uri = getattr(source, "uri", None) or ""
        title = getattr(source, "title", None) or urlsplit(uri).hostname or uri
        if uri and uri not in links:
            links[uri] = f"[{_escape(title)}]({quote(uri, safe=':/?&=#%~+@,;')})" if uri.startswith("http") else title
    if not searches and not links:
        return ""
    sentences = ["Grounded with Google Search."]
    if searches:
        sentences.append("Searches: " + ", ".join(f"“{_escape(q)}”" for q in searches) + ".")
    listed = list(links.values())
    more = f", and {len(listed) - _SOURCES} more" if len(listed) > _SOURCES else ""
    sentences.append(("Sources: " + ", ".join(listed[:_SOURCES]) + more + ".") if listed else "No sources listed.")
    entry = getattr(metadata, "search_entry_point", None)
    if getattr(entry, "rendered_content", None):
        sentences.append(
            "Show the search suggestions too where you publish this (Google's terms ask it): "
            "their HTML is in `grounding_metadata.search_entry_point.rendered_content`."
        )
    return " ".join(sentences)


def _flush(text: list[str]) -> Iterator[Output]:
    if text:
        yield _md("\n\n".join(text))
        text.clear()


def _md(text: str) -> Output:
    return "text/markdown", text


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", " ".join(text.split()))


def _escape_dollars(text: str) -> str:
    """A pair of "$" would render as LaTeX math in JupyterLab and on GitHub ("$5 to $10")."""
    return re.sub(r"(?<!\\)\$", r"\\$", text)
