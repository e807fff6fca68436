"""Answers as data: what the stand-in says back to the exact requests a notebook makes. Each notebook has one small
file, ``standin/answers/<notebook>.toml``, read (strictly, see ``standin.spec``) when the server starts. An
``[[answer]]`` applies only to the request whose last user turn is exactly its ``prompt`` (text parts joined with
spaces, whitespace normalised); any other request, such as a learner's changed prompt, gets the generic rules
(``standin.rules``)::

    [characters]              # a colour each named character keeps, in every picture
    Pip = "#2f9e44"

    [[answer]]
    prompt = "Tell a three-scene story about Pip. Draw one image per scene."
    parts = [
      { text = "Scene 1: Pip hatches on a moonlit beach." },
      { image = "Pip hatches on a moonlit beach", characters = ["Pip"], colour = "#284b8c" },
    ]

    [[answer]]
    prompt = "Add a small red fishing boat on the water."
    parts = [{ text = "I added a boat." }, { edit = { add = "a small red fishing boat on the water" } }]

A part is ``{ text = ... }``, ``{ thought = "..." }`` (thinking text, sent only when thoughts are asked for; else a
placeholder is), ``{ json = ... }`` (a table or a list: the text of a request for JSON with a schema, else placeholder
values that follow it) or a picture, one of: ``image`` (a scene and its caption) with ``colour``, ``characters``,
``style``; ``edit = { add | change | remove = "..." }`` (the picture being edited, whole, with its list of changes
updated: a removal drops what was added); ``render`` (text set in a font chosen by its script: a string, or ``true`` for
what the request quotes or, if it quotes nothing, what the edited picture was asked to show; ``typo = [right, wrong]``
makes one labelled mistake); ``bars = [[label, value], ...]``; ``compose = true`` (the request's pictures side by side).
Any picture may have ``note`` (a red STAND-IN sticker) and ``thought = true`` (a draft). An answer may also set
``finish`` (a finish reason), ``finish_message``, ``block`` (a block reason: no candidates), ``shape`` ("no-candidates",
"no-content", "no-parts"), ``status`` and ``message`` (an HTTP error instead; with ``fail_first = N`` only for the first
N attempts), ``delay`` (seconds) and ``grounding = { queries = [...], sources = [[title, uri], ...] }``. A ``[server]``
table sets this notebook's stand-in (``batch_seconds = 2``: the fields of ``standin.server.Settings``)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from standin import draw, rules, wire
from standin.spec import Answer, Answers, AnswersError, Data, Grounding, Part, Text, Thought, parse, short

__all__ = ["ANSWERS_DIR", "Answers", "AnswersError", "load", "parse", "reply"]
ANSWERS_DIR = Path(__file__).parent / "answers"


def load(notebook: str | None) -> Answers:
    """The answers of ``notebook`` (e.g. "01_quickstart", or a path to a .toml file); none if it has no file."""
    path = Path(str(notebook)) if str(notebook).endswith(".toml") else ANSWERS_DIR / f"{notebook}.toml"
    if not notebook or not path.is_file():
        if str(notebook).endswith(".toml"):
            raise AnswersError(f"{notebook}: no such answers file")
        return Answers()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AnswersError(f"{path.name}: not valid TOML: {error}") from None
    return parse(data, path.name)


def reply(answers: Answers, ask: wire.Ask, attempt: int = 1) -> wire.Reply:
    """The reply to ``ask``: its entry, else the generic rules; ApiError for an entry's status (with ``fail_first = N``,
    only while ``attempt``, how often this very request came, is at most N: a retrying client gets through)."""
    entry: Answer = answers.find(ask.prompt) or rules.generic(ask)
    if entry.status and (not entry.fail_first or attempt <= entry.fail_first):
        raise wire.fault(entry.status, entry.message)
    if entry.block:
        return wire.Reply(block=entry.block)
    parts = [made for part in entry.parts if (made := _part(part, ask, answers.colours)) is not None]
    if ask.include_thoughts and not any("text" in p and p.get("thought") for p in parts):
        parts.insert(0, {"text": f"Stand-in thought summary, not Gemini's: {short(ask.prompt)}", "thought": True})
    if ask.schema is not None:  # one JSON text: the entry's, else placeholders; no other text
        given = next((p.json for p in entry.parts if isinstance(p, Data)), None)
        made = given or json.dumps(rules.placeholder(ask.schema, rules.count(ask.prompt)), ensure_ascii=False)
        pictures = [p for p in parts if "image" in p and not p.get("thought")]
        parts = [*(p for p in parts if p.get("thought")), {"text": made}, *pictures]
    grounding = _grounding(entry.grounding) if ask.search and entry.grounding else None
    return wire.Reply(parts, entry.finish, entry.finish_message, "", grounding, entry.shape, entry.delay)


def _part(part: Part, ask: wire.Ask, colours: dict[str, str]) -> dict[str, Any] | None:
    if isinstance(part, Thought):
        return {"text": part.thought, "thought": True} if ask.include_thoughts else None
    if isinstance(part, Text | Data):
        return {"text": getattr(part, "text", None) or part.json} if "TEXT" in ask.modalities else None
    if "IMAGE" not in ask.modalities or (part.thought and not ask.include_thoughts):
        return None
    latest = (ask.images or ask.earlier_images)[-1:]  # the picture an edit starts from
    shown = draw.meta(latest[0]) if latest else {}
    changes: list[str] = []
    if part.render is True:
        text = rules.quoted(ask.prompt) or [str(line) for line in shown.get("text", [])]
        part = replace(part, render="\n".join(text), image=part.image or short(ask.prompt))
    if part.edit is not None:
        if not latest:  # nothing to edit: a picture that says what was asked
            part = replace(part, edit=None, image=f"Stand-in edit, no picture sent: {short(ask.prompt)}")
        else:
            changes = rules.changed([str(c) for c in shown.get("changes", [])], part.edit, ask.prompt)
    inputs = ask.images if part.compose else latest
    picture = draw.picture(part, ask.pixel_size(), inputs, colours, asked=ask.prompt, changes=changes)
    return {"image": picture, "thought": part.thought}


def _grounding(spec: Grounding) -> dict[str, Any]:
    chips = "".join(f'<a class="chip" href="https://www.google.com/search?q={q}">{q}</a>' for q in spec.queries)
    return {
        "webSearchQueries": list(spec.queries),
        "groundingChunks": [{"web": {"uri": uri, "title": title}} for title, uri in spec.sources],
        "searchEntryPoint": {"renderedContent": f'<div class="standin-search">{chips}</div>'},
    }
