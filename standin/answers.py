"""Answers as data: what the stand-in says back to each notebook's requests.

Each notebook has one small file, ``standin/answers/<notebook>.toml``; the stand-in started
for a notebook reads only that file. An ``[[answer]]`` applies when every phrase of its ``when``
appears in the last user message (case does not matter); the first that applies wins::

    [characters]              # a colour each named character keeps, in every picture
    Pip = "#3aa655"

    [[answer]]
    when = ["baby turtle", "four scenes"]
    parts = [
      { text = "Scene 1: Pip hatches on a moonlit beach." },
      { image = "Pip hatches on a moonlit beach", characters = ["Pip"], colour = "#284b8c" },
    ]

A part is ``{ text = ... }``, ``{ thought = ... }`` (thinking text, sent only when thoughts are
asked for) or a picture: ``image`` (its caption) with ``colour``, ``characters``, ``style``; or
``edit`` (drawn onto the request's latest picture), ``render`` (text set in a real font, with
``lang``), ``bars`` (``[[label, value], ...]``), ``compose = true`` (the request's pictures side
by side); ``note`` adds a red STAND-IN sticker saying something about the picture (such as a
deliberate mistake); ``thought = true`` makes a picture a draft. An answer may also set ``finish`` (a finish
reason), ``finish_message``, ``block`` (a block reason: no candidates), ``shape`` ("no-candidates",
"no-content", "no-parts": the empty answers the real API sends), ``status`` and ``message`` (an HTTP
error instead; with ``fail_first = N`` only for the first N attempts), ``delay`` (seconds before
answering) and ``grounding = { queries = [...], sources = [[title, uri], ...] }``.

Any other request gets the generic answer: one line of text and one labelled picture, or N of
each when it asks for N scenes, steps or pictures; a request holding a picture gets that picture
back with the prompt drawn on it as an edit. Nothing else is read from prompts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from standin import draw, wire

ANSWERS_DIR = Path(__file__).parent / "answers"
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_COUNT = re.compile(r"\b(\d+|" + "|".join(_NUMBERS) + r")\s+(?:\w+\s+)?(scenes|steps|images|pictures|panels)\b", re.I)


@dataclass
class Answers:
    """One notebook's answers (none: only the generic answer)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    colours: dict[str, str] = field(default_factory=dict)


def load(notebook: str | None) -> Answers:
    """The answers file of ``notebook`` (e.g. "01_quickstart"); an empty set when it has none."""
    path = ANSWERS_DIR / f"{notebook}.toml"
    if not notebook or not path.is_file():
        return Answers()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Answers(entries=list(data.get("answer", [])), colours=dict(data.get("characters", {})))


def _applies(entry: dict[str, Any], prompt: str) -> bool:
    phrases = entry.get("when", [])
    phrases = [phrases] if isinstance(phrases, str) else phrases
    return bool(phrases) and all(phrase.casefold() in prompt.casefold() for phrase in phrases)


def reply(answers: Answers, ask: wire.Ask, attempt: int = 1) -> wire.Reply:
    """The reply to ``ask``: its answers-file entry, else the generic answer. Raises ApiError for faults.

    ``attempt`` counts how often this very request came: an entry with ``fail_first = N`` answers its
    ``status`` to the first N attempts only, then normally (a retrying client gets through)."""
    entry = next((e for e in answers.entries if _applies(e, ask.prompt)), None) or generic(ask)
    if entry.get("status") and attempt <= int(entry.get("fail_first", 10**9)):
        raise wire.fault(int(entry["status"]), str(entry.get("message", "")))
    if entry.get("block"):
        return wire.Reply(block=str(entry["block"]))
    parts = [made for spec in entry.get("parts", []) if (made := _part(spec, ask, answers.colours)) is not None]
    return wire.Reply(
        parts=parts,
        finish=str(entry.get("finish", "STOP")),
        finish_message=str(entry.get("finish_message", "")),
        grounding=_grounding(entry["grounding"]) if ask.search and entry.get("grounding") else None,
        shape=str(entry.get("shape", "")),
        delay=float(entry.get("delay", 0)),
    )


def _part(spec: dict[str, Any], ask: wire.Ask, colours: dict[str, str]) -> dict[str, Any] | None:
    if isinstance(spec.get("thought"), str):
        return {"text": spec["thought"], "thought": True} if ask.include_thoughts else None
    if "text" in spec:
        return {"text": str(spec["text"])} if "TEXT" in ask.modalities else None
    if "IMAGE" not in ask.modalities or (spec.get("thought") and not ask.include_thoughts):
        return None
    inputs = ask.images if spec.get("compose") else (ask.images or ask.earlier_images[-1:])
    depth = len(ask.images) + len(ask.earlier_images)
    picture = draw.picture(spec, ask.pixel_size(), inputs, colours, depth)
    return {"image": picture, "thought": bool(spec.get("thought"))}


def _grounding(spec: dict[str, Any]) -> dict[str, Any]:
    sources = [{"web": {"uri": uri, "title": title}} for title, uri in spec.get("sources", [])]
    queries = list(spec.get("queries", []))
    chips = "".join(f'<a class="chip" href="https://www.google.com/search?q={q}">{q}</a>' for q in queries)
    return {
        "webSearchQueries": queries,
        "groundingChunks": sources,
        "searchEntryPoint": {"renderedContent": f'<div class="standin-search">{chips}</div>'},
    }


def generic(ask: wire.Ask) -> dict[str, Any]:
    """The answer for a request no answers-file entry covers."""
    words = " ".join(ask.prompt.split())
    short = words if len(words) <= 70 else words[:69].rsplit(" ", 1)[0] + "…"
    if ask.images or ask.earlier_images:
        return {"parts": [{"text": f"Stand-in edit (not Gemini): {short}"}, {"edit": short}]}
    match = _COUNT.search(words)
    count = min(8, int(_NUMBERS.get(match.group(1).lower(), match.group(1)))) if match else 1
    parts: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        label = f" ({number} of {count})" if count > 1 else ""
        parts += [{"text": f"Stand-in answer{label}, not Gemini's: {short}"}, {"image": f"{short}{label}"}]
    return {"parts": parts}
