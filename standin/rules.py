"""The generic rules: what a request no answers entry covers gets. They read only what it plainly says.

* Text it quotes ("…", “…”, «…», 「…」) or marks with ``exactly this text:`` (the rest of that line) is set in the
  picture as given: the first string as the headline, the rest as lines below.
* A count of pictures ("three scenes", "5 steps", "four pictures", "6 panels") gives that many (≤ 8).
* A request that holds a picture (or whose conversation does) is an edit: the picture comes back whole, with "asked:
  <words>" added to its list of changes. Several pictures in one request are references: they come back side by side.
* Anything else gets one labelled picture whose caption is the prompt.
* JSON asked for with a schema gets placeholders that follow it (``placeholder``): an array of objects, the count above.
The aspect ratio and size a request sets are honoured by ``standin.wire``. Nothing else is read."""

from __future__ import annotations

import math
import re
from typing import Any

from standin import wire
from standin.spec import Answer, EditSpec, ImageSpec, Part, Text, short

_QUOTES = re.compile(r'"([^"]+)"|“([^”]+)”|«([^»]+)»|「([^」]+)」')
_MARKED = re.compile(r"exactly this text:[ \t]*([^\n]+)", re.IGNORECASE)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_COUNT = re.compile(r"\b(\d+|" + "|".join(_NUMBERS) + r")\s+(?:\w+\s+)?(scenes|steps|images|pictures|panels)\b", re.I)
MOST_PICTURES = 8
_FORMATS = {"date-time": "2026-12-01T00:00:00Z", "date": "2026-12-01", "time": "00:00:00"}  # the stand-in's epoch


def quoted(prompt: str) -> list[str]:
    """The text ``prompt`` quotes or marks with "exactly this text:", in order, whitespace normalised."""
    found = [(m.start(), next(g for g in m.groups() if g)) for m in _QUOTES.finditer(prompt)]
    for marked in _MARKED.finditer(prompt):
        rest = marked.group(1).strip()
        if not _QUOTES.search(rest):  # quotes on the marked line are found above
            found.append((marked.start(1), rest))
    return [" ".join(text.split()) for _, text in sorted(found) if text.strip()]


def count(prompt: str) -> int:
    """How many pictures ``prompt`` asks for: 1 unless it names a count of scenes, steps, pictures…"""
    if not (match := _COUNT.search(prompt)):
        return 1
    return max(1, min(MOST_PICTURES, int(_NUMBERS.get(word := match.group(1).lower(), word))))


def placeholder(schema: Any, count: int = 1) -> Any:
    """A value that validates against JSON ``schema`` and says nothing; ``count``: items of an array of objects."""
    top = schema if isinstance(schema, dict) else {}
    defs = {**top.get("$defs", {}), **top.get("definitions", {})}

    def value(s: Any, depth: int) -> Any:  # from depth 6 on (a recursive schema), only what is required
        s, deep = s if isinstance(s, dict) else {}, depth > 5
        if "$ref" in s or "const" in s or s.get("enum") or s.get("anyOf") or s.get("oneOf"):
            known = s.get("enum") or s.get("anyOf") or s.get("oneOf") or [defs.get(str(s.get("$ref")).split("/")[-1])]
            return s["const"] if "const" in s else known[0] if s.get("enum") else value(known[0], depth + 1)
        kind = s.get("type") or ("object" if "properties" in s else "array" if "items" in s else "string")
        kind = str(next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind).lower()
        if kind == "object":
            fields = s.get("properties", {})
            names = s.get("required", []) if deep else s.get("propertyOrdering", list(fields))
            return {name: value(fields[name], depth + 1) for name in names if name in fields}
        if kind == "array":
            least = s.get("minItems", 0)
            item = value(s.get("items"), depth + 1) if least or not deep else None
            many = min(max(least, count if isinstance(item, dict) and not deep else 1), s.get("maxItems", 99))
            return [item] * (least if deep else many)
        if kind in ("number", "integer"):
            low = max(0, s.get("minimum", 0), s.get("exclusiveMinimum", -1) + 1)
            number = min(low, s.get("maximum", low), s.get("exclusiveMaximum", low + 1) - 1)
            return math.ceil(number) if kind == "integer" else number
        if kind == "string":
            size = min(max(8, s.get("minLength", 0)), s.get("maxLength", 99))
            return _FORMATS.get(s.get("format"), ("stand-in" * (size // 8 + 1))[:size])
        return {"boolean": False}.get(kind)

    return value(schema, 0)


def changed(before: list[str], edit: EditSpec | None, asked: str) -> list[str]:
    """The list of changes after ``edit``: a removal drops what was added, else it is listed."""
    after = list(before)
    if edit is None or not (edit.add or edit.change or edit.remove):
        return [*after, f"asked: {short(asked, 160)}"]
    if edit.remove:
        kept = [c for c in after if c.casefold() != f"added: {edit.remove}".casefold()]
        after = kept if len(kept) < len(after) else [*after, f"removed: {edit.remove}"]
    if edit.change:
        after.append(f"changed: {edit.change}")
    if edit.add:
        after.append(f"added: {edit.add}")
    return after


def generic(ask: wire.Ask) -> Answer:
    words = short(ask.prompt)
    if "IMAGE" not in ask.modalities:
        return Answer(ask.prompt, (Text(f"Stand-in answer, not Gemini's: {words}"),))
    if len(ask.images) > 1:  # several pictures in one turn: references, shown side by side
        return Answer(ask.prompt, (Text(f"Stand-in answer, not Gemini's: {words}"), ImageSpec(words, compose=True)))
    if ask.images or ask.earlier_images:
        return Answer(ask.prompt, (Text(f"Stand-in edit (not Gemini): {words}"), ImageSpec(edit=EditSpec())))
    total = count(ask.prompt)
    parts: list[Part] = []
    for number in range(1, total + 1):
        label = f" ({number} of {total})" if total > 1 else ""
        picture = ImageSpec(render=True) if quoted(ask.prompt) else ImageSpec(image=f"{words}{label}")
        parts += [Text(f"Stand-in answer{label}, not Gemini's: {words}"), picture]
    return Answer(ask.prompt, tuple(parts))
