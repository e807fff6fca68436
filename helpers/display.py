"""Show Gemini answers in a notebook: text as Markdown, images as small image outputs.

``show`` accepts a response, the chunks of a stream, or a chat, and never raises: problems
(a blocked prompt, a finish reason other than STOP, an empty answer) are said in plain
words with the reason's name. Images are displayed downscaled (JPEG for photos, PNG for
flat drawings) while the full bytes stay untouched in the response. A grounded answer
(Google Search) gets one sentence naming its searches and sources.

IPython and Pillow are imported inside the functions, so ``import helpers`` stays cheap.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpers.shapes import as_list as _list
from helpers.shapes import is_candidate as _is_candidate
from helpers.shapes import is_content as _is_content
from helpers.shapes import is_part as _is_part
from helpers.shapes import is_pil_image as _is_pil_image
from helpers.shapes import is_response as _is_response
from helpers.shapes import is_sequence as _is_sequence
from helpers.shapes import is_thought as _is_thought

__all__ = ["show", "describe_problems", "describe_grounding", "display_bytes"]

#: What each finish reason means and what to try, in plain words.
FINISH_HINTS: dict[str, str] = {
    "MAX_TOKENS": "the answer reached the output token limit and was cut off. Raise "
    "max_output_tokens in the config (or leave it unset), or ask for less.",
    "SAFETY": "the answer was stopped by the safety filters. Rephrase the prompt or use a "
    "different input image, then run the cell again.",
    "RECITATION": "the answer was stopped because it repeated existing material (such as "
    "copyrighted text) too closely. Ask for something more original.",
    "PROHIBITED_CONTENT": "the answer was stopped because it involved prohibited content. "
    "Change the request; running the same prompt again will not help.",
    "BLOCKLIST": "the answer contained blocked terms. Remove them from the request.",
    "SPII": "the answer would have contained sensitive personal information. Leave personal "
    "details out of the request.",
    "LANGUAGE": "the request used a language the model does not support here. Try English "
    "or another supported language.",
    "IMAGE_SAFETY": "the image was withheld by the image safety filters. Rephrase the prompt "
    "or use a different input image (avoid real people, violence, explicit content).",
    "IMAGE_PROHIBITED_CONTENT": "the image was withheld because it would show prohibited "
    "content. Change the request; running the same prompt again will not help.",
    "IMAGE_RECITATION": "the image was withheld because it resembled existing material (such "
    "as a copyrighted picture or character) too closely. Ask for something more original.",
    "IMAGE_OTHER": "the image could not be generated, for an unspecified reason. Run the cell "
    "again, or simplify the prompt.",
    "NO_IMAGE": "the model answered without an image. Ask for the picture explicitly, and "
    "check that response_modalities includes IMAGE.",
    "OTHER": "the model stopped for an unspecified reason. Run the cell again; if it "
    "happens again, rephrase the prompt.",
    "MALFORMED_FUNCTION_CALL": "the model wrote a function call that could not be used. "
    "Check the tool declarations and run the cell again.",
    "UNEXPECTED_TOOL_CALL": "the model tried to call a tool that is not enabled. Declare the "
    "tool in the config, or ask without it.",
    "TOO_MANY_TOOL_CALLS": "the model made too many tool calls in a row. Simplify the request.",
    "MISSING_THOUGHT_SIGNATURE": "an earlier model turn was sent back without its thought "
    "signature. Use client.chats (it keeps them), or pass earlier model parts unchanged.",
    "MALFORMED_RESPONSE": "the model produced an answer that could not be read. Run the cell "
    "again.",
}
_FINISH_DEFAULT = (
    "the model stopped for this reason. Run the cell again; if it happens again, rephrase the prompt."
)

#: What each prompt block reason means and what to try.
BLOCK_HINTS: dict[str, str] = {
    "SAFETY": "Rephrase the prompt (or use a different input image) so it stays clear of the "
    "safety categories, then run the cell again.",
    "PROHIBITED_CONTENT": "The request involves prohibited content; change it, since running "
    "the same prompt again will not help.",
    "BLOCKLIST": "The prompt contains blocked terms; remove them and run the cell again.",
    "IMAGE_SAFETY": "An input image was flagged by the safety filters; use a different image.",
    "OTHER": "No detailed reason was given; rephrase the prompt and run the cell again.",
}
_BLOCK_DEFAULT = "Rephrase the prompt and run the cell again."

_OK_REASONS = {"STOP", "FINISH_REASON_UNSPECIFIED"}
_EMPTY_HINT = "Run the cell again; if it keeps happening, simplify the prompt."

#: Part fields that carry something other than text or an inline image.
_OTHER_FIELDS = (
    "function_call",
    "function_response",
    "executable_code",
    "code_execution_result",
    "file_data",
    "tool_call",
    "tool_response",
    "audio_transcription",
)

#: Keep the crisp PNG unless it is more than this many times the size of the JPEG.
_PNG_TOLERANCE = 1.5

#: MIME types worth trying to decode as an image (besides every ``image/...``).
_MAYBE_IMAGE = {"", "application/octet-stream", "binary/octet-stream"}


# ---------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------


def show(obj: Any, *, thoughts: bool = False, max_side: int = 512) -> None:
    """Display a Gemini answer in the notebook: text, images, and any problem in plain words.

    ``obj`` is a response from ``client.models.generate_content`` / ``chat.send_message``,
    the stream from ``generate_content_stream`` / ``send_message_stream`` (each chunk is
    shown as it arrives), or a chat from ``client.chats.create`` (its turns, labelled).
    A single candidate, Content, Part or Pillow image is shown too.
    Thought parts are hidden unless ``thoughts=True``. A grounded candidate gets one
    paragraph after its parts naming the searches and sources (see ``describe_grounding``). Images are shown with their longer
    side at most ``max_side`` pixels; the response itself is never changed. ``show`` never
    raises: anything it cannot display is described in a sentence instead.
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 16:
        _say(
            f"show() needs max_side as a whole number of pixels (16 or more), e.g. "
            f"show(response, max_side=512); got {max_side!r}."
        )
        return
    view = _View(thoughts=bool(thoughts), max_side=max_side)
    try:
        view.show(obj)
    except Exception as error:  # last resort: show() must never break a notebook
        view.flush()
        _say(f"⚠️ show() could not display the rest of this ({type(error).__name__}: {error}).")


def describe_problems(response: Any) -> list[str]:
    """Plain-language sentences for what went wrong in a response, or ``[]`` if nothing did.

    Covers a blocked prompt (with its block reason), a finish reason other than STOP (with
    what it means and what to try, plus the finish message if any) and an empty answer.
    ``response`` may also be a list of stream chunks: blocks from any chunk count, the last
    finish reason of each candidate counts, and the answer is empty only if no chunk had
    content. A text-only answer is not a problem.
    """
    tally = _Tally()
    if _is_response(response):
        tally.add(response)
    elif isinstance(response, (list, tuple)):
        for chunk in response:
            if _is_response(chunk):
                tally.add(chunk)
    return tally.problems() if tally.responses else []


#: At most this many grounding sources are listed (the rest are counted).
GROUNDING_SOURCES = 8

#: Where the search suggestions HTML of a grounded answer is (Google's terms ask apps to show it).
_SEARCH_ENTRY_POINT = "candidate.grounding_metadata.search_entry_point.rendered_content"


def describe_grounding(candidate: Any) -> str | None:
    """One Markdown paragraph about a candidate's grounding, or None if it was not grounded.

    Says in plain words which searches Gemini ran (``web_search_queries``, and
    ``image_search_queries`` if any) and lists the sources it used as links (deduplicated,
    at most 8, the rest counted; "no sources listed" if none). The search suggestions HTML
    (``search_entry_point.rendered_content``) is not rendered, only mentioned. Partial
    metadata (None lists, chunks without ``web``) never raises.
    """
    metadata = getattr(candidate, "grounding_metadata", None)
    if metadata is None:
        return None
    searches = _unique_texts(getattr(metadata, "web_search_queries", None))
    image_searches = _unique_texts(getattr(metadata, "image_search_queries", None))
    kinds: set[str] = set()
    links: list[str] = []
    seen: set[str] = set()
    for chunk in _list(getattr(metadata, "grounding_chunks", None)):
        for kind in ("web", "image", "retrieved_context", "maps"):
            source = getattr(chunk, kind, None)
            if source is not None:
                break
        else:
            continue
        uri = _text_or_none(getattr(source, "uri", None)) or _text_or_none(getattr(source, "source_uri", None))
        title = (
            _text_or_none(getattr(source, "title", None))
            or _text_or_none(getattr(source, "domain", None))
            or _host(uri)
        )
        key = uri or title
        if not key or key in seen:
            continue
        seen.add(key)
        kinds.add(kind)
        links.append(_markdown_link(title or uri or "source", uri))
    if kinds and kinds <= {"maps"}:
        sentences = ["Grounded with Google Maps."]
    elif kinds and kinds <= {"retrieved_context"} and not searches:
        sentences = ["Grounded with retrieved documents."]
    else:
        sentences = ["Grounded with Google Search."]
    if searches:
        sentences.append("Searches: " + ", ".join(f'"{_escape_markdown(q)}"' for q in searches) + ".")
    if image_searches:
        sentences.append(
            "Image searches: " + ", ".join(f'"{_escape_markdown(q)}"' for q in image_searches) + "."
        )
    if links:
        listed = ", ".join(links[:GROUNDING_SOURCES])
        extra = len(links) - GROUNDING_SOURCES
        sentences.append(f"Sources: {listed}" + (f", and {extra} more." if extra > 0 else "."))
    else:
        sentences.append("Sources: no sources listed.")
    entry = getattr(metadata, "search_entry_point", None)
    if _text_or_none(getattr(entry, "rendered_content", None)):
        sentences.append(
            "Google's terms ask apps that use grounding to show the search suggestions too; "
            f"their HTML is in `{_SEARCH_ENTRY_POINT}`."
        )
    return " ".join(sentences)


#: Bytes a displayed JPEG aims at; quality steps down (85, 75, 65) until it fits.
DISPLAY_BUDGET = 40_000


def display_bytes(data: bytes, max_side: int = 512) -> tuple[bytes, str]:
    """Re-encode image bytes for display: ``(encoded bytes, "png" or "jpeg")``.

    The image is turned upright (EXIF), converted to RGB (transparency on white) and
    downscaled so the longer side is at most ``max_side``. It is encoded both as PNG and as
    JPEG (quality 85, lower for grainy photos, see DISPLAY_BUDGET); the PNG is kept unless it is more than 1.5 times the JPEG, so flat
    drawings stay crisp (no JPEG smudges around lines and lettering) and photos stay small
    (a photo's PNG is typically ten times its JPEG). Raises ``ValueError`` if the bytes
    are not a decodable image.
    """
    from PIL import Image, ImageOps

    from helpers.images import to_rgb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(bytes(data))) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened) or opened.copy()
            image = to_rgb(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ValueError(f"the image is too large to decode safely ({error})") from None
        except Exception as error:  # Pillow raises many kinds for damaged data
            raise ValueError(
                f"the bytes are not a readable image ({type(error).__name__}: {error})"
            ) from None
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    jpeg = _encode(image, format="JPEG", quality=85)
    for quality in (75, 65):  # grainy photos: keep the notebook small (≤ ~40 KB an image)
        if len(jpeg) <= DISPLAY_BUDGET:
            break
        jpeg = _encode(image, format="JPEG", quality=quality)
    budget = _PNG_TOLERANCE * len(jpeg)
    quick = _encode(image, format="PNG", compress_level=1)  # fast; photos are clear already
    if len(quick) > 3 * budget:
        return jpeg, "jpeg"
    png = _encode(image, format="PNG")
    if len(png) <= budget:
        return png, "png"
    return jpeg, "jpeg"


def _encode(image: Any, **options: Any) -> bytes:
    """Encode a Pillow image with the given save options."""
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------


@dataclass
class _CandidateState:
    """What the chunks of one candidate said so far."""

    finish_reason: str | None = None
    finish_message: str | None = None
    has_content: bool = False


@dataclass
class _Tally:
    """Collects block reasons, finish reasons and content from one response or a stream."""

    responses: int = 0
    block_reason: str | None = None
    block_message: str | None = None
    candidates: dict[int, _CandidateState] = field(default_factory=dict)

    def add(self, response: Any) -> None:
        """Take note of one response (or stream chunk)."""
        self.responses += 1
        feedback = getattr(response, "prompt_feedback", None)
        reason = _name(getattr(feedback, "block_reason", None))
        if reason and reason != "BLOCKED_REASON_UNSPECIFIED":
            self.block_reason = reason
            message = getattr(feedback, "block_reason_message", None)
            if isinstance(message, str) and message.strip():
                self.block_message = message.strip()
        for position, candidate in enumerate(_list(getattr(response, "candidates", None))):
            state = self.candidates.setdefault(_candidate_index(candidate, position), _CandidateState())
            finish = _name(getattr(candidate, "finish_reason", None))
            if finish:
                state.finish_reason = finish
            message = getattr(candidate, "finish_message", None)
            if isinstance(message, str) and message.strip():
                state.finish_message = message.strip()
            content = getattr(candidate, "content", None)
            parts = _list(getattr(content, "parts", None))
            if any(_has_payload(part) and not _is_thought(part) for part in parts):
                state.has_content = True

    def problems(self, *, empty_is_problem: bool = True) -> list[str]:
        """Sentences for every problem noted, in a stable order."""
        found: list[str] = []
        if self.block_reason:
            text = (
                f"⚠️ Gemini blocked the prompt (`{self.block_reason}`) and returned nothing. "
                f"{BLOCK_HINTS.get(self.block_reason, _BLOCK_DEFAULT)}"
            )
            if self.block_message:
                text += f" Reason given: “{self.block_message}”"
            found.append(text)
        if not self.candidates:
            if not self.block_reason and empty_is_problem:
                found.append(
                    "⚠️ The response is empty: Gemini returned no answer and gave no reason. "
                    + _EMPTY_HINT
                )
            return found
        several = len(self.candidates) > 1
        for index in sorted(self.candidates):
            state = self.candidates[index]
            label = f"Candidate {index + 1}: " if several else ""
            reason = state.finish_reason
            if reason and reason not in _OK_REASONS:
                hint = FINISH_HINTS.get(reason, _FINISH_DEFAULT)
                text = f"⚠️ {label}Gemini finished with `{reason}`: {hint}"
                if state.finish_message:
                    text += f" Gemini's message: “{state.finish_message}”"
                found.append(text)
            elif not state.has_content and empty_is_problem:
                found.append(f"⚠️ {label}The response is empty: the answer has no content. {_EMPTY_HINT}")
        return found


@dataclass
class _OneCandidate:
    """A stand-in response around a single candidate."""

    candidates: list[Any]
    prompt_feedback: Any = None


@dataclass
class _OneBlob:
    """A stand-in Blob for image bytes that do not come from a response."""

    data: bytes
    mime_type: str


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------


@dataclass
class _View:
    """Renders parts one by one, joining adjacent text and counting hidden thoughts."""

    thoughts: bool
    max_side: int
    hidden: int = 0
    _text: list[str] = field(default_factory=list)
    _text_is_thought: bool = False
    _heading: int | None = None
    _grounding_shown: set[str] = field(default_factory=set)

    # -- entry points ---------------------------------------------------------------

    def show(self, obj: Any) -> None:
        """Dispatch on what ``obj`` is and display it."""
        if obj is None:
            _say(
                "Nothing to show: the value is None. Check that the cell which called Gemini "
                "ran, and keep its result, e.g. `response = client.models.generate_content(...)`."
            )
        elif _is_response(obj):
            self.response(obj)
        elif callable(getattr(obj, "get_history", None)):
            self.chat(obj)
        elif _is_content(obj):
            self.turn(obj)
            self.finish()
        elif _is_candidate(obj):
            self.response(_OneCandidate(candidates=[obj]))
        elif _is_part(obj):
            self.parts([obj])
            self.finish()
        elif _is_pil_image(obj):
            self.pil_image(obj)
        elif _is_sequence(obj):
            self.sequence(obj, is_stream=not isinstance(obj, (list, tuple)))
        else:
            _say(
                "show() displays a response from `client.models.generate_content` or "
                "`chat.send_message`, a stream from `generate_content_stream` or "
                f"`send_message_stream`, or a chat from `client.chats.create`; it got a "
                f"{type(obj).__name__}."
            )

    def response(self, response: Any) -> None:
        """One complete response: every candidate's parts, then notices and problems."""
        tally = _Tally()
        tally.add(response)
        self.candidates(response, several=len(_list(getattr(response, "candidates", None))) > 1)
        self.finish(tally.problems())

    def sequence(self, items: Iterable[Any], *, is_stream: bool) -> None:
        """Stream chunks (shown as they arrive) or chat turns, then one summary."""
        tally = _Tally()
        count = 0
        several = False
        iterator: Iterator[Any] = iter(items)
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                break
            except Exception as error:  # a stream can fail half-way (network, quota)
                self.flush()
                _say(
                    f"⚠️ The stream stopped with an error after {count} chunk(s): "
                    f"{type(error).__name__}: {error}. Run the cell again."
                )
                self.finish(tally.problems(empty_is_problem=False))
                return
            count += 1
            if _is_response(item):
                tally.add(item)
                several = several or len(tally.candidates) > 1
                self.candidates(item, several=several)
            elif _is_content(item):
                self.turn(item)
            elif _is_part(item):
                self.parts([item])
            else:
                self.flush()
                _say(f"(an item of type {type(item).__name__} that show() cannot display)")
        if count == 0:
            self.finish(
                ["⚠️ The stream ended without sending anything. " + _EMPTY_HINT]
                if is_stream
                else ["Nothing to show: the list is empty."]
            )
            return
        self.finish(tally.problems() if tally.responses else [])

    def chat(self, chat: Any) -> None:
        """Every turn of a chat's history, labelled **You** / **Gemini**."""
        history = _list(chat.get_history())
        if not history:
            _say("The chat has no turns yet: send a message first with `chat.send_message(...)`.")
            return
        for content in history:
            self.turn(content)
        self.finish()

    # -- pieces -----------------------------------------------------------------------

    def candidates(self, response: Any, *, several: bool) -> None:
        """The parts of every candidate of one response, with a heading when there are several."""
        for position, candidate in enumerate(_list(getattr(response, "candidates", None))):
            content = getattr(candidate, "content", None)
            parts = _list(getattr(content, "parts", None))
            index = _candidate_index(candidate, position)
            if several and index != self._heading:
                self.flush()
                _say(f"**Candidate {index + 1}**")
                self._heading = index
            self.parts(parts)
            self.grounding(candidate)
        self.flush()

    def grounding(self, candidate: Any) -> None:
        """One Markdown block about a grounded candidate, after its parts (once per stream)."""
        text = describe_grounding(candidate)
        if text and text not in self._grounding_shown:
            self.flush()
            self._grounding_shown.add(text)
            _say(text)

    def turn(self, content: Any) -> None:
        """One chat turn: a small label, then its parts."""
        self.flush()
        role = getattr(content, "role", None)
        label = {"user": "You", "model": "Gemini"}.get(role or "", str(role or "Turn").title())
        _say(f"**{label}**")
        self.parts(_list(getattr(content, "parts", None)))
        self.flush()

    def parts(self, parts: list[Any]) -> None:
        """Display parts in order; adjacent text parts are joined.

        Within one response, separate text parts are separate paragraphs; across stream
        chunks, text continues where the previous chunk stopped (chunks split mid-sentence)."""
        text_before = False  # a text part of this same list came just before
        for part in parts:
            if part is None:
                continue
            thought = _is_thought(part)
            if thought and not self.thoughts:
                if _has_payload(part):
                    self.hidden += 1
                continue
            text = getattr(part, "text", None)
            blob = getattr(part, "inline_data", None)
            if isinstance(text, str) and blob is None:
                if text:
                    if self._text and self._text_is_thought != thought:
                        self.flush()
                    if text_before and self._text and not (self._text[-1][-1:].isspace() or text[:1].isspace()):
                        self._text.append("\n\n")
                    self._text.append(text)
                    self._text_is_thought = thought
                    text_before = True
                continue
            text_before = False
            if blob is not None:
                self.flush()
                self.blob(blob, thought=thought)
                continue
            other = _describe_other(part)
            if other:
                self.flush()
                _say(other)

    def blob(self, blob: Any, *, thought: bool) -> None:
        """An inline image as a small image output, or a sentence if it cannot be shown."""
        data = getattr(blob, "data", None)
        mime_type = getattr(blob, "mime_type", None)
        clean = mime_type.split(";")[0].strip().lower() if isinstance(mime_type, str) else ""
        if thought:
            _say("💭 *Thought image (a draft, not part of the answer):*")
        if not isinstance(data, (bytes, bytearray)) or not data:
            _say(f"(an inline {clean or 'data'} part with no data)")
            return
        if not (clean.startswith("image/") or clean in _MAYBE_IMAGE):
            _say(f"(an attachment of type {clean}, {len(data):,} bytes, not shown)")
            return
        try:
            shown, fmt = display_bytes(bytes(data), self.max_side)
        except ValueError:
            _say(
                f"⚠️ An image in the response ({clean or 'unknown type'}, {len(data):,} bytes) "
                "could not be decoded, so it is not shown. Its bytes are still in the response; "
                "run the cell again, or save them with `helpers.save_images(response, 'outputs')`."
            )
            return
        from IPython import display as ipd

        _emit(ipd.Image(data=shown, format=fmt))

    def pil_image(self, image: Any) -> None:
        """A Pillow image (e.g. from load_image), shown like a response image."""
        try:
            data = _encode(image, format="PNG")
        except Exception as error:  # e.g. a mode PNG cannot hold
            _say(f"(a {getattr(image, 'mode', '?')} image that cannot be shown: {error})")
            return
        self.blob(_OneBlob(data=data, mime_type="image/png"), thought=False)

    def flush(self) -> None:
        """Display the text collected so far as one Markdown output."""
        if not self._text:
            return
        # A "$" pair would render as LaTeX math in JupyterLab and on GitHub ("$5 to $10").
        text = re.sub(r"(?<!\\)\$", r"\\$", "".join(self._text))
        self._text = []
        if self._text_is_thought:
            quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
            text = "> 💭 *Thought:*\n>\n" + quoted
        _say(text)

    def finish(self, problems: list[str] | None = None) -> None:
        """Flush text, say how many thoughts were hidden, then list the problems."""
        self.flush()
        if self.hidden:
            noun = "thought part" if self.hidden == 1 else "thought parts"
            _say(f"_({self.hidden} {noun} hidden; `show(..., thoughts=True)` shows them)_")
            self.hidden = 0
        if problems:
            _say("\n\n".join(problems))


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def _emit(obj: Any) -> None:
    """Send one output to the notebook (IPython resolved at call time, for tests)."""
    from IPython import display as ipd

    ipd.display(obj)


def _say(markdown: str) -> None:
    """Display a Markdown output."""
    from IPython import display as ipd

    _emit(ipd.Markdown(markdown))
















def _has_payload(part: Any) -> bool:
    """True if a part carries something to show (not just a thought signature)."""
    if part is None:
        return False
    text = getattr(part, "text", None)
    if isinstance(text, str) and text:
        return True
    if getattr(part, "inline_data", None) is not None:
        return True
    return any(getattr(part, name, None) is not None for name in _OTHER_FIELDS)


def _describe_other(part: Any) -> str | None:
    """A one-line mention of a part that is neither text nor an inline image."""
    for name in _OTHER_FIELDS:
        value = getattr(part, name, None)
        if value is None:
            continue
        if name in ("function_call", "function_response"):
            return f"_({name.replace('_', ' ')} `{getattr(value, 'name', None) or '?'}`, not shown)_"
        if name == "executable_code":
            lines = len(str(getattr(value, "code", "") or "").splitlines())
            return f"_(code written by the model, {lines} line(s), not shown)_"
        if name == "code_execution_result":
            outcome = _name(getattr(value, "outcome", None)) or "unknown"
            return f"_(code execution result: {outcome}, not shown)_"
        if name == "file_data":
            uri = getattr(value, "file_uri", None) or "?"
            kind = getattr(value, "mime_type", None) or "file"
            return f"_(a {kind} file at {uri}, not shown)_"
        return f"_(a {name.replace('_', ' ')} part, not shown)_"
    return None


def _name(value: Any) -> str | None:
    """The plain name of an SDK enum value (or a string), e.g. ``"IMAGE_SAFETY"``."""
    if value is None:
        return None
    raw = getattr(value, "value", value)
    text = raw if isinstance(raw, str) else getattr(value, "name", str(value))
    return str(text) or None


def _candidate_index(candidate: Any, position: int) -> int:
    """A candidate's index, falling back to its position in the list."""
    index = getattr(candidate, "index", None)
    return index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else position


def _text_or_none(value: Any) -> str | None:
    """A stripped non-empty string, or None."""
    return value.strip() or None if isinstance(value, str) else None


def _unique_texts(values: Any) -> list[str]:
    """The non-empty strings of a list, stripped, without repeats, in order."""
    found: list[str] = []
    for value in _list(values):
        text = _text_or_none(value)
        if text and text not in found:
            found.append(text)
    return found


def _host(uri: str | None) -> str | None:
    """The host name of a web address, or None."""
    if not uri:
        return None
    from urllib.parse import urlsplit

    try:
        return urlsplit(uri).hostname or None
    except ValueError:
        return None


def _escape_markdown(text: str) -> str:
    """``text`` with Markdown's special characters escaped, on one line."""
    text = " ".join(text.split())
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def _markdown_link(title: str, uri: str | None) -> str:
    """``[title](uri)`` for http(s) addresses; just the title for anything else."""
    label = _escape_markdown(title)
    if not uri or not re.match(r"^https?://", uri, re.I):
        return label
    safe = uri.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{label}]({safe})"

