"""The records an answers file is read into, strictly: an unknown key or a wrong type fails at once.

``parse(data, source)`` turns one parsed TOML file into :class:`Answers`; an :class:`AnswersError` names the file, the
entry (its number and prompt, shortened) and the key, e.g. ``02_interleaved_story.toml, answer 3 ("Using the
character…"): unknown key 'parst' (known: …)``. The format itself is described in ``standin.answers``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from PIL import ImageColor


class AnswersError(ValueError):
    """An answers file that does not follow the format."""


class _FieldError(Exception):
    """One value's problem, before the file and the entry are known."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Thought:
    """Thinking text, sent only when a request asks for thoughts."""

    thought: str


@dataclass(frozen=True)
class EditSpec:
    """What an edit adds, changes or removes, in words; empty: the generic "asked: <words>"."""

    add: str = ""
    change: str = ""
    remove: str = ""


@dataclass(frozen=True)
class ImageSpec:
    """One picture: a scene (``image``), an ``edit``, text set in a font (``render``), ``bars`` or ``compose``."""

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


Part = Text | Thought | ImageSpec


@dataclass(frozen=True)
class Grounding:
    queries: tuple[str, ...] = ()
    sources: tuple[tuple[str, ...], ...] = ()  # (title, uri)


@dataclass(frozen=True)
class Answer:
    """One entry: what the request whose last user turn is ``prompt`` gets."""

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


@dataclass
class Answers:
    """One notebook's answers (none: every request gets the generic rules)."""

    entries: tuple[Answer, ...] = ()
    colours: dict[str, str] = field(default_factory=dict)
    server: dict[str, float] = field(default_factory=dict)  # [server]: settings of this notebook's stand-in

    def find(self, prompt: str) -> Answer | None:
        """The entry for exactly this prompt (whitespace normalised), if any."""
        wanted = normal(prompt)
        return next((e for e in self.entries if normal(e.prompt) == wanted), None)


# -- readers: each returns the value or raises _FieldError("must be …") ------------------------------------

_KINDS = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}
Reader = Callable[[Any], Any]


def _check(ok: bool, value: Any, wanted: str) -> None:
    if not ok:
        raise _FieldError(f"must be {wanted}, not {_KINDS.get(type(value), type(value).__name__)} ({value!r})")


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
    for key in table:
        if key not in readers:
            raise _FieldError(f"unknown key {key!r} (known: {', '.join(readers)})")
    for needed in (f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING):
        if needed not in table:
            raise _FieldError(f"has no {needed!r}")
    values = {}
    for key, value in table.items():
        try:
            values[key] = readers[key](value)
        except _FieldError as bad:
            said = str(bad)
            where = f"{key!r} " if said.startswith("must") else "" if key == "parts" else f"in {key!r}: "
            raise _FieldError(where + said) from None
    return cls(**values)


def _table(cls: type, **readers: Reader) -> Reader:
    return lambda table: _record(cls, table, {f.name: readers[f.name] for f in fields(cls)})


_PICTURE: dict[str, Reader] = {"image": _string, "colour": _colour, "characters": _strings(), "style": _string}
_PICTURE["edit"] = _table(EditSpec, add=_string, change=_string, remove=_string)
_PICTURE["render"] = lambda v: v if v is True else _string(v)
_PICTURE["lang"] = lambda v: v if v == "" else _string(v)  # "": by the text's script
_PICTURE.update(bars=_bars, compose=_reader(lambda v: v is True, "true"), note=_string, typo=_strings(2))
_PICTURE["thought"] = _reader(lambda v: isinstance(v, bool), "true or false")


def _part(table: Any) -> Part:
    _check(isinstance(table, dict), table, "a table")
    if "text" in table:
        return _record(Text, table, {"text": _string})
    if isinstance(table.get("thought"), str):
        return _record(Thought, table, {"thought": _string})
    spec: ImageSpec = _record(ImageSpec, table, _PICTURE)
    if spec.edit is not None and not (spec.edit.add or spec.edit.change or spec.edit.remove):
        raise _FieldError("in 'edit': say add, change or remove")
    kinds = [kind for kind in ("edit", "render", "bars", "compose") if getattr(spec, kind)]
    if len(kinds) > 1:
        raise _FieldError(f"is {' and '.join(kinds)} at once: a picture is one of them")
    if not kinds and not spec.image:
        raise _FieldError("needs one of text, thought, image, edit, render, bars, compose")
    return spec


def _parts(value: Any) -> tuple[Part, ...]:
    _check(isinstance(value, list), value, "a list of tables")
    made = []
    for number, table in enumerate(value, start=1):
        try:
            made.append(_part(table))
        except _FieldError as bad:
            raise _FieldError(f"part {number}: {bad}") from None
    return tuple(made)


_ANSWER: dict[str, Reader] = {"prompt": _string, "parts": _parts, "finish": _reason, "finish_message": _string}
_ANSWER.update(block=_reason, shape=_shape)
_ANSWER["status"] = _reader(lambda v: type(v) is int and 400 <= v <= 599, "an integer from 400 to 599")
_ANSWER["message"] = _string
_ANSWER["fail_first"] = _reader(lambda v: type(v) is int and 1 <= v <= 100, "an integer from 1 to 100")
_ANSWER.update(delay=_seconds, grounding=_table(Grounding, queries=_strings(), sources=_sources))


def _label(number: int, table: Any) -> str:
    prompt = normal(table.get("prompt", "")) if isinstance(table, dict) and isinstance(table.get("prompt"), str) else ""
    short = prompt if len(prompt) <= 26 else prompt[:25].rsplit(" ", 1)[0] + "…"
    return f'answer {number} ("{short}")' if short else f"answer {number}"


def _answer(table: Any, colours: Mapping[str, str]) -> Answer:
    _check(isinstance(table, dict), table, "a table")
    entry: Answer = _record(Answer, table, _ANSWER)
    if not (entry.parts or entry.status or entry.block or entry.shape or entry.finish != "STOP"):
        raise _FieldError("says nothing: give parts, finish, block, shape or status")
    for number, part in enumerate(entry.parts, start=1):
        if unknown := [c for c in getattr(part, "characters", ()) if c not in colours]:
            raise _FieldError(f"part {number}: character {unknown[0]!r} has no colour in [characters]")
    return entry


def parse(data: Mapping[str, Any], source: str = "answers") -> Answers:
    """Answers from a parsed answers file; AnswersError names ``source``, the entry and the key."""
    try:
        if unknown := [key for key in data if key not in ("characters", "answer", "server")]:
            raise _FieldError(f"unknown key {unknown[0]!r} (known: characters, answer, server)")
        server = data.get("server", {})
        _check(isinstance(server, dict) and all(type(v) in (int, float) for v in server.values()), server, "numbers")
        colours = data.get("characters", {})
        _check(isinstance(colours, dict), colours, "a table of name = colour")
        for name, colour in colours.items():
            try:
                _colour(colour)
            except _FieldError as bad:
                raise _FieldError(f"in [characters]: {name!r} {bad}") from None
        _check(isinstance(data.get("answer", []), list), data.get("answer"), "a list of [[answer]] tables")
    except _FieldError as bad:
        raise AnswersError(f"{source}: {bad}") from None
    entries: list[Answer] = []
    for number, table in enumerate(data.get("answer", []), start=1):
        try:
            entries.append(entry := _answer(table, colours))
            if same := next((i for i, e in enumerate(entries[:-1], 1) if normal(e.prompt) == normal(entry.prompt)), 0):
                raise _FieldError(f"the same prompt as answer {same}")
        except _FieldError as bad:
            raise AnswersError(f"{source}, {_label(number, table)}: {bad}") from None
    return Answers(tuple(entries), dict(colours), dict(data.get("server", {})))


def image_spec(table: Mapping[str, Any]) -> ImageSpec:
    """An ImageSpec from a table written as in an answers file's parts (AnswersError if it is not one)."""
    try:
        part = _part(dict(table))
    except _FieldError as bad:
        raise AnswersError(f"picture: {bad}") from None
    if not isinstance(part, ImageSpec):
        raise AnswersError("picture: a text part is not a picture")
    return part
