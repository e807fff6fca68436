"""Watching work as it happens: a stream's chunks as they arrive, and a progress bar for many requests.

* ``arrivals(stream)`` passes a stream's chunks on unchanged (to ``helpers.show``, say) and notes when each
  arrived and what it held; ``.table()`` shows that, ``.first("picture")`` says when the first picture came.
* ``progress(total, "pictures")`` is ``tqdm.auto.tqdm(total=total, desc="pictures")`` with one difference: in a
  notebook, the widget's id is made from the description instead of by chance, so a notebook run and saved
  again holds the same output (no diff in git), and running the cell again replaces the old bar. In your own
  project, ``from tqdm.auto import tqdm`` does the rest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpers.parts import walk


@dataclass
class Arrivals:
    """A stream's chunks, passed on as they come, each noted with the seconds since the first was asked for."""

    stream: Iterable[Any]
    noted: list[tuple[float, str]] = field(default_factory=list)  # (seconds, what the chunk held)

    def __iter__(self) -> Iterator[Any]:
        started = time.perf_counter()
        for chunk in self.stream:
            self.noted.append((time.perf_counter() - started, _held(chunk)))
            yield chunk

    def first(self, what: str) -> float | None:
        """Seconds until the first chunk holding ``what`` ("text" or "picture"); None if none did."""
        return next((seconds for seconds, held in self.noted if what in held), None)

    def table(self) -> None:
        """Show one row per chunk: when it arrived and what it held."""
        from IPython.display import Markdown, display

        rows = ["| chunk | arrived after | held |", "|---:|---:|---|"]
        rows += [f"| {n} | {seconds:.2f} s | {held} |" for n, (seconds, held) in enumerate(self.noted, start=1)]
        display(Markdown("\n".join(rows)))


def arrivals(stream: Iterable[Any]) -> Arrivals:
    """``stream`` (from ``generate_content_stream``), its chunks noted as they arrive; iterate it once."""
    return Arrivals(stream)


def _held(chunk: Any) -> str:
    """What one chunk held, in words: its text's length, its pictures' sizes, how the answer ended."""
    answer = walk(chunk)
    said = []
    for piece in answer:
        if piece.text:
            said.append(f"text, {len(piece.text)} characters" + (" (thinking)" if piece.thought else ""))
        elif piece.is_image:
            said.append(f"a picture, {len(piece.data) / 1000:,.0f} KB" + (" (a draft)" if piece.thought else ""))
    finish = next((f.reason for f in answer.finishes.values() if f.reason), "")
    usage = getattr(getattr(chunk, "usage_metadata", None), "total_token_count", None)
    if finish:
        said.append(f"finish reason {finish}" + (f", usage ({usage:,} tokens in all)" if usage else ""))
    return "; ".join(said) or "nothing"


#: The bar shown for each description, by its widget id: a cell run again replaces its bar.
_SHOWN: dict[str, Any] = {}


def progress(total: int, description: str) -> Any:
    """A tqdm.auto progress bar of ``total`` steps, labelled ``description``; call ``.update(1)`` per step."""
    import hashlib

    from tqdm import notebook
    from tqdm.auto import tqdm

    if not issubclass(tqdm, notebook.tqdm):  # not in a notebook: tqdm's text bar
        return tqdm(total=total, desc=description)
    model_id = hashlib.sha256(f"progress:{description}".encode()).hexdigest()[:32]
    if model_id in _SHOWN:
        old = _SHOWN.pop(model_id).container
        for widget in (old, *old.children):
            widget.close()

    class Bar(tqdm):  # type: ignore[misc, valid-type]
        def status_printer(self, _file: Any, total: Any = None, desc: Any = None, ncols: Any = None) -> Any:
            """tqdm.notebook's widgets, the box with the stable id."""
            bar = notebook.IProgress(min=0, max=total or 1)
            return notebook.TqdmHBox(children=[notebook.HTML(desc or ""), bar, notebook.HTML()], model_id=model_id)

    _SHOWN[model_id] = Bar(total=total, desc=description)
    return _SHOWN[model_id]
