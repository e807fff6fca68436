"""Your own photo: an upload button (ipywidgets FileUpload) that falls back to a sample picture.

``pick_photo("assets/harbour.jpg")`` shows the button in JupyterLab and in Colab; ``.image()`` then
gives your upload, prepared by ``load_image``, or the sample when you chose nothing. ipywidgets 8
(JupyterLab) and 7.7.1 (Colab) keep an upload in different shapes; both are read here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.images import load_image

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage


def uploaded(value: Any) -> tuple[str, bytes] | None:
    """The first file of a FileUpload's value: ``(name, bytes)``, or None when nothing was chosen.

    ipywidgets 8: a tuple of dicts with "name" and "content" (a memoryview).
    ipywidgets 7: a dict of file name -> {"metadata": {...}, "content": bytes}.
    """
    if isinstance(value, dict):
        for name, entry in value.items():
            return str(name), bytes(entry.get("content", b""))
        return None
    for entry in value or ():
        return str(entry.get("name", "upload")), bytes(entry.get("content", b""))
    return None


#: The picker shown for each sample, by its widget id: a cell run again replaces its picker.
_SHOWN: dict[str, PhotoPicker] = {}


class PhotoPicker:
    """An upload button and a line saying which photo the next cell will use.

    Its box has a widget id made from the sample's name, not a random one, so a notebook saved after a
    run holds the same output as before (no diff in git), and a cell run again replaces the old picker."""

    def __init__(self, sample: str | os.PathLike[str]) -> None:
        import hashlib

        import ipywidgets as widgets

        self.sample = Path(sample)
        self.model_id = hashlib.sha256(f"pick_photo:{self.sample.as_posix()}".encode()).hexdigest()[:32]
        if self.model_id in _SHOWN:
            _SHOWN.pop(self.model_id).close()
        self.button = widgets.FileUpload(accept="image/*", multiple=False, description="Your photo")
        self.note = widgets.HTML(self._words())
        self.button.observe(lambda _: setattr(self.note, "value", self._words()), names="value")
        self.box = widgets.HBox([self.button, self.note], model_id=self.model_id)
        _SHOWN[self.model_id] = self

    def close(self) -> None:
        """Close the widgets (the front end drops them)."""
        for widget in (self.box, self.button, self.note):
            widget.close()

    def _words(self) -> str:
        chosen = uploaded(self.button.value)
        return f"using <b>{chosen[0]}</b>" if chosen else f"no photo chosen: using the sample <b>{self.sample.name}</b>"

    def image(self, *, max_side: int = 1024) -> PILImage.Image:
        """The photo you uploaded, else the sample, upright, RGB and at most ``max_side`` pixels a side."""
        chosen = uploaded(self.button.value)
        return load_image(chosen[1] if chosen else self.sample, max_side=max_side)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)


def pick_photo(sample: str | os.PathLike[str]) -> PhotoPicker:
    """Show an upload button; the returned picker's ``.image()`` is your photo, or ``sample``."""
    from IPython.display import display

    picker = PhotoPicker(sample)
    display(picker)
    return picker
