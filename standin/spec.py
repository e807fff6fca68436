"""The records an answers file (format: ``standin.answers``) is read into, strictly: ``parse`` makes ``Answers``, or an
``AnswersError`` naming the file, the entry and the key (``nb.toml, answer 3 ("Using…"): unknown key 'parst'``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from PIL import ImageColor


class AnswersError(ValueError):
    """An answers file that does not follow the format (in ``parse``: a value's, its file and entry added later)."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Thought:  # thinking text, sent only when a request asks for thoughts
    thought: str


@dataclass(frozen=True)
class Data:  # JSON text: the answer to a request for JSON that follows a schema
    json: str


@dataclass(frozen=True)
class EditSpec:  # what an edit adds, changes or removes, in words; empty: the generic "asked: <words>"
    add: str = ""
    change: str = ""
    remove: str = ""


@dataclass(frozen=True)
class ImageSpec:  # one picture: a scene (image), an edit, text set in a font (render), bars or compose
    image: str = ""  # a scene's caption, or the title of bars and compose
    colour: str = ""
    characters: tuple[str, ...] = ()
    style: str = ""
    edit: EditSpec | None = None
    render: str | bool = ""  # the text; True: what the request quotes, else what the edited picture showed
    lang: str = ""  # only where the script alone does not say (Japanese or Chinese Han)
    bars: tuple[tuple[str, float], ...] = ()
    compose: bool = False
    note: str = ""
    typo: tuple[str, ...] = ()  # (right, wrong): one deliberate, labelled mistake
    thought: bool = False  # a draft


Part = Text | Thought | Data | ImageSpec


@dataclass(frozen=True)
class Grounding:
    queries: tuple[str, ...] = ()
    sources: tuple[tuple[str, ...], ...] = ()  # (title, uri)


@dataclass(frozen=True)
class Answer:  # one entry: what the request whose last user turn is ``prompt`` gets
    prompt: str
    parts: tuple[Part, ...] = ()
    finish: str = "STOP"
    finish_message: str = ""
    block: str = ""
    shape: str = ""
    status: int = 0
    message: str = ""
    fail_first: int = 0  # with status: only the first N attempts fail
    delay: float = 0.0
    grounding: Grounding | None = None


def normal(prompt: str) -> str:
    """A prompt with its whitespace normalised, as entries are matched."""
    return " ".join(prompt.split())


def short(prompt: str, limit: int = 70) -> str:
    words = normal(prompt)
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass
class Answers:  # one notebook's answers (none: every request gets the generic rules)
    entries: tuple[Answer, ...] = ()
    colours: dict[str, str] = field(default_factory=dict)
    server: dict[str, float] = field(default_factory=dict)  # [server]: settings of this notebook's stand-in

    def find(self, prompt: str) -> Answer | None:
        """The entry for exactly this prompt (whitespace normalised), if any."""
        wanted = normal(prompt)
        return next((e for e in self.entries if normal(e.prompt) == wanted), None)


# -- readers: each returns the value or raises AnswersError("must be …") ------------------------------------

_KINDS = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}
Reader = Callable[[Any], Any]


def _check(ok: bool, value: Any, wanted: str) -> None:
    if not ok:
        raise AnswersError(f"must be {wanted}, not {_KINDS.get(type(value), type(value).__name__)} ({value!r})")


def _reader(ok: Callable[[Any], bool], wanted: str, make: Reader = lambda v: v) -> Reader:
    """A reader: ``make(value)`` when ``ok(value)``, else the problem "must be ``wanted``, not …"."""
    return lambda value: _check(ok(value), value, wanted) or make(value)


def _is_colour(value: Any) -> bool:
    try:
        return isinstance(value, str) and bool(ImageColor.getrgb(value))
    except ValueError:
        return False


def _strings(size: int = 0) -> Reader:
    def ok(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(s, str) for s in v) and len(v) == (size or len(v))

    return _reader(ok, f"a list of {size} strings" if size else "a list of strings", tuple)


_string = _reader(lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string")
_seconds = _reader(lambda v: type(v) in (int, float) and 0 <= v <= 600, "a number of seconds (0 to 600)", float)
_reason = _reader(lambda v: isinstance(v, str) and re.fullmatch("[A-Z][A-Z_]*", v) is not None, "a reason in CAPITALS")
_shape = _reader(lambda v: v in ("no-candidates", "no-content", "no-parts"), "no-candidates, no-content or no-parts")
_colour = _reader(_is_colour, 'a colour ("#rrggbb" or a name)')
_sources = _reader(lambda v: isinstance(v, list) and all(_strings(2)(s) for s in v), "a list of [title, uri]", tuple)
_json = _reader(lambda v: isinstance(v, dict | list), "a table or a list", lambda v: json.dumps(v, ensure_ascii=False))
_bars = _reader(
    lambda v: isinstance(v, list) and v != [] and all(_is_bar(p) for p in v),
    "a list of [label, number]",
    lambda v: tuple((label, float(n)) for label, n in v),
)


def _is_bar(pair: Any) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) and type(pair[1]) in (int, float)


def _record(cls: type, table: Any, readers: Mapping[str, Reader]) -> Any:
    """``cls`` from a TOML table, each value through its reader; unknown keys are refused."""
    _check(isinstance(table, dict), table, "a table")
    if unknown := [key for key in table if key not in readers]:
        raise AnswersError(f"unknown key {unknown[0]!r} (known: {', '.join(readers)})")
    if needed := [f.name for f in fields(cls) if f.default is MISSING is f.default_factory and f.name not in table]:
        raise AnswersError(f"has no {needed[0]!r}")
    values = {}
    for key, value in table.items():
        try:
            values[key] = readers[key](value)
        except AnswersError as bad:
            said = str(bad)
            where = f"{key!r} " if said.startswith("must") else "" if key == "parts" else f"in {key!r}: "
            raise AnswersError(where + said) from None
    return cls(**values)


def _table(cls: type, **readers: Reader) -> Reader:
    return lambda table: _record(cls, table, {f.name: readers[f.name] for f in fields(cls)})


_PICTURE: dict[str, Reader] = {"image": _string, "colour": _colour, "characters": _strings(), "style": _string}
_PICTURE["edit"] = _table(EditSpec, add=_string, change=_string, remove=_string)
_PICTURE.update(render=lambda v: v if v is True else _string(v), lang=lambda v: v if v == "" else _string(v))
_PICTURE.update(bars=_bars, compose=_reader(lambda v: v is True, "true"), note=_string, typo=_strings(2))
_PICTURE["thought"] = _reader(lambda v: isinstance(v, bool), "true or false")


def _part(table: Any) -> Part:
    _check(isinstance(table, dict), table, "a table")
    if "text" in table:
        return _record(Text, table, {"text": _string})
    if isinstance(table.get("thought"), str):
        return _record(Thought, table, {"thought": _string})
    if "json" in table:
        return _record(Data, table, {"json": _json})
    spec: ImageSpec = _record(ImageSpec, table, _PICTURE)
    if spec.edit is not None and not (spec.edit.add or spec.edit.change or spec.edit.remove):
        raise AnswersError("in 'edit': say add, change or remove")
    kinds = [kind for kind in ("edit", "render", "bars", "compose") if getattr(spec, kind)]
    if len(kinds) > 1:
        raise AnswersError(f"is {' and '.join(kinds)} at once: a picture is one of them")
    if not kinds and not spec.image:
        raise AnswersError("needs one of text, thought, image, edit, render, bars, compose, json")
    return spec


def _parts(value: Any) -> tuple[Part, ...]:
    _check(isinstance(value, list), value, "a list of tables")
    made = []
    for number, table in enumerate(value, start=1):
        try:
            made.append(_part(table))
        except AnswersError as bad:
            raise AnswersError(f"part {number}: {bad}") from None
    return tuple(made)


_ANSWER: dict[str, Reader] = {"prompt": _string, "parts": _parts, "finish": _reason, "finish_message": _string}
_ANSWER.update(block=_reason, shape=_shape, message=_string)
_ANSWER["status"] = _reader(lambda v: type(v) is int and 400 <= v <= 599, "an integer from 400 to 599")
_ANSWER["fail_first"] = _reader(lambda v: type(v) is int and 1 <= v <= 100, "an integer from 1 to 100")
_ANSWER.update(delay=_seconds, grounding=_table(Grounding, queries=_strings(), sources=_sources))


def _label(number: int, table: Any) -> str:
    prompt = short(table["prompt"], 26) if isinstance(table, dict) and isinstance(table.get("prompt"), str) else ""
    return f'answer {number} ("{prompt}")' if prompt else f"answer {number}"


def _answer(table: Any, colours: Mapping[str, str]) -> Answer:
    _check(isinstance(table, dict), table, "a table")
    entry: Answer = _record(Answer, table, _ANSWER)
    if not (entry.parts or entry.status or entry.block or entry.shape or entry.finish != "STOP"):
        raise AnswersError("says nothing: give parts, finish, block, shape or status")
    for number, part in enumerate(entry.parts, start=1):
        if unknown := [c for c in getattr(part, "characters", ()) if c not in colours]:
            raise AnswersError(f"part {number}: character {unknown[0]!r} has no colour in [characters]")
    return entry


def parse(data: Mapping[str, Any], source: str = "answers") -> Answers:
    """Answers from a parsed answers file; AnswersError names ``source``, the entry and the key."""
    try:
        if unknown := [key for key in data if key not in ("characters", "answer", "server")]:
            raise AnswersError(f"unknown key {unknown[0]!r} (known: characters, answer, server)")
        server = data.get("server", {})
        _check(isinstance(server, dict) and all(type(v) in (int, float) for v in server.values()), server, "numbers")
        colours = data.get("characters", {})
        _check(isinstance(colours, dict), colours, "a table of name = colour")
        for name, colour in colours.items():
            try:
                _colour(colour)
            except AnswersError as bad:
                raise AnswersError(f"in [characters]: {name!r} {bad}") from None
        _check(isinstance(data.get("answer", []), list), data.get("answer"), "a list of [[answer]] tables")
    except AnswersError as bad:
        raise AnswersError(f"{source}: {bad}") from None
    entries: list[Answer] = []
    for number, table in enumerate(data.get("answer", []), start=1):
        try:
            entries.append(entry := _answer(table, colours))
            if same := next((i for i, e in enumerate(entries[:-1], 1) if normal(e.prompt) == normal(entry.prompt)), 0):
                raise AnswersError(f"the same prompt as answer {same}")
        except AnswersError as bad:
            raise AnswersError(f"{source}, {_label(number, table)}: {bad}") from None
    return Answers(tuple(entries), dict(colours), dict(data.get("server", {})))
