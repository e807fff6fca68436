"""An image studio made of ipywidgets: type, Generate, edit in words, go back to any version and branch, Save.

``studio(client, MODEL, retry=retry)`` shows it. Each call is ``client.aio.models.generate_content`` as an asyncio
task on the kernel's loop (the kernel stays free; Cancel cancels it). A version keeps its whole conversation, so an
edit of an older one is a branch. Faults are said in the words of ``show`` and ``explain``, and nothing made is lost.
A cell can do what a click does: set ``studio.prompt.value``, ``studio.generate.click()``, ``await studio.task``.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import models
from helpers.cost import Usage, usage
from helpers.display import outputs
from helpers.images import encode, load_image, sniff, write_by_content
from helpers.parts import walk
from helpers.reasons import explain, problems
from helpers.replay import MissingRecordingError
from helpers.session import SESSION
from helpers.upload import uploaded

SAMPLES = Path(__file__).resolve().parents[1] / "notebooks" / "assets"
REFERENCE_SIDE, REFERENCE_BYTES = 1024, 400_000  # a reference picture, as sent
#: The box's widget id, made from its name, not by chance: a notebook saved after a run is the same file (no git diff).
WIDGET_ID = "da0daaba4b156961c049ab4b85b6d0bc"  # the first 32 hex digits of sha256(b"studio")
_SHOWN: dict[str, Studio] = {}  # the studio on show: a cell run again replaces it


@dataclass
class Version:
    """One picture the studio made, and the conversation that made it."""

    number: int
    parent: int | None  # the version it was edited from; None for a new picture
    asked: str  # your prompt or edit
    contents: list[Any]  # the conversation up to and including the answer: what an edit of it sends first
    response: Any
    stand_in: bool = False  # drawn by the stand-in API (practice mode, or a stand-in recording)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def picture(self) -> bytes:  # the answer's first picture: what Save writes
        return walk(self.response).images()[0].data


class Studio:
    """The widgets, the versions made so far and the task under way (see the module docstring)."""

    folder = "outputs/studio"  # where Save writes

    def __init__(self, client: Any, model: str, *, retry: Any = None, earlier: Studio | None = None) -> None:
        import ipywidgets as w

        self.client, self.retry = client, retry
        self.versions: dict[int, Version] = {}
        self.spent: list[Usage] = []  # one per answered call
        self.task: Any = None  # the asyncio.Task of the call under way (asyncio is imported then: it is slow to)
        self.last_code = ""
        choices = [model, *(m.id for m in models.IMAGE_MODELS.values() if m.status != "deprecated" and m.id != model)]
        wide = w.Layout(width="98%")
        self.prompt = w.Textarea(placeholder="Describe a picture, then press Generate", layout=wide)
        self.model = w.Dropdown(description="model", options=choices, value=model)
        self.aspect = w.Dropdown(description="aspect", layout=w.Layout(width="150px"))
        self.size = w.Dropdown(description="size", layout=w.Layout(width="150px"))
        self.generate = w.Button(description="Generate", button_style="primary", icon="paint-brush")
        self.cancel = w.Button(description="Cancel", icon="stop", disabled=True)
        self.edit = w.Text(placeholder="Change the shown version in words, then press Edit", layout=wide)
        self.apply = w.Button(description="Edit", icon="pencil", disabled=True)
        self.strip = w.ToggleButtons(options=[], description="versions")
        self.view = w.Output()  # the version on show, as helpers.show shows an answer
        self.sample = w.Dropdown(
            description="reference", options=[("none", "")] + [(p.name, str(p)) for p in sorted(SAMPLES.glob("*.jpg"))]
        )
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Your picture")
        self.save = w.Button(description="Save", icon="save", disabled=True)
        self.show_code = w.ToggleButton(description="Code of the last call", icon="code", layout=w.Layout(width="auto"))
        self.code = w.HTML(layout=w.Layout(display="none"))
        self.practice = w.Button(description="Switch to practice mode", layout=w.Layout(display="none"))
        self.status, self.cost = w.HTML(), w.HTML()
        for name in ("prompt", "edit", "status", "strip", "view", "cost", "code", "practice"):  # for tests and CSS
            getattr(self, name).add_class(f"studio-{name}")
        self.model.observe(self._fit_settings, names="value")
        self.strip.observe(lambda _: self._show(), names="value")
        self.show_code.observe(lambda _: self._code_shown(), names="value")
        self.generate.on_click(lambda _: self._start(self.prompt.value, None))
        self.apply.on_click(lambda _: self._edit())
        self.cancel.on_click(lambda _: self.task.cancel() if self.task else None)
        self.save.on_click(lambda _: self._save())
        self.practice.on_click(lambda _: self._to_practice())
        self._fit_settings()
        if earlier is not None:  # its cell run again: the new studio goes on with what the old one made
            earlier.box.close()
            self.versions, self.spent = earlier.versions, earlier.spent
            self._list_versions()
        self._count()
        self.box = w.VBox([
            self.prompt,
            w.HBox([self.model, self.aspect, self.size, self.generate, self.cancel]),
            w.HBox([self.sample, self.upload]),
            self.status, self.practice, self.strip, self.view,
            w.HBox([self.edit, self.apply]),
            w.HBox([self.save, self.show_code, self.cost]),
            self.code,
        ], model_id=WIDGET_ID)  # fmt: skip

    def config(self) -> Any:
        """The call's settings: text and pictures, at the chosen aspect ratio and size."""
        from google.genai import types

        image = types.ImageConfig(aspect_ratio=self.aspect.value, image_size=self.size.value)
        return types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"], image_config=image)

    def references(self) -> list[Any]:
        """The reference pictures a new picture is sent with: your upload, else the chosen sample, as Parts."""
        from google.genai import types

        chosen = uploaded(self.upload.value)
        source = chosen[1] if chosen else self.sample.value
        if not source:
            return []
        data, mime = encode(load_image(source, max_side=REFERENCE_SIDE), max_bytes=REFERENCE_BYTES)
        return [types.Part.from_bytes(data=data, mime_type=mime)]

    def _start(self, words: str, parent: Version | None) -> None:
        import asyncio

        if self.task is not None and not self.task.done():
            return
        if not words.strip():
            self._say("Type what to draw first" if parent is None else "Type what to change first.")
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop()
        self._busy(True)  # at once, so a second click cannot start a second call
        self.task = loop.create_task(self._call(words.strip(), parent))

    def _edit(self) -> None:
        shown = self.versions.get(self.strip.value)
        if shown is None:
            return self._say("Make a picture first (Generate): Edit changes the version on show.")
        self._start(self.edit.value, shown)

    async def _call(self, words: str, parent: Version | None) -> None:
        import asyncio

        number = len(self.versions) + 1
        settings = {"model": self.model.value, "aspect_ratio": self.aspect.value, "image_size": self.size.value}
        self._say(f'<i class="fa fa-spinner fa-spin"></i> Making v{number}… (Cancel stops waiting)')
        try:
            references = [] if parent else self.references()
            contents = [*parent.contents, words] if parent else [words, *references]
            self._write_code(number, words, parent, len(references), settings)
            response = await self.client.aio.models.generate_content(
                model=settings["model"], contents=contents, config=self.config()
            )
        except asyncio.CancelledError:
            return self._say("Cancelled. Your versions are all kept (a live request already sent may be billed).")
        except MissingRecordingError:
            self.practice.layout.display = ""
            return self._say(
                "This request was not recorded, so replay has no answer for it. Switch to practice mode (the "
                "stand-in API on this machine, placeholder pictures), or add your key and run the setup cell again."
            )
        except Exception as error:
            return self._say(html.escape(explain(error)).replace("\n", "<br>"))
        finally:
            self._busy(False)
        self.spent.append(usage(response))
        self._count()
        answer = walk(response)
        if not answer.images():
            found = problems(answer) or ["The answer has no picture. Ask for one plainly, or Generate again."]
            return self._say(html.escape(" ".join(found)) + " Your versions are all kept.")
        from google.genai import types

        turn = types.UserContent(parts=[types.Part.from_text(text=words), *references])
        history = [*(parent.contents if parent else []), turn, response.candidates[0].content]
        stand_in = SESSION.mode == "practice" or "stand-in" in (response.model_version or "")
        origin = parent.number if parent else None
        self.versions[number] = Version(number, origin, words, history, response, stand_in, settings)
        self._list_versions()
        self._say(f"v{number} is ready.")

    def _show(self) -> None:
        version = self.versions.get(self.strip.value)
        if version is None:
            return
        from IPython.display import Image, Markdown

        origin = f"edited from v{version.parent}" if version.parent else "new"
        label = "**STAND-IN placeholder picture, not Gemini's.** " if version.stand_in else ""
        settings = f"{version.settings['aspect_ratio']}, {version.settings['image_size']}"
        self.view.outputs = ()  # set in the kernel: works from a task, where `with view:` would not
        self.view.append_display_data(Markdown(f"{label}**v{version.number}** ({origin}, {settings}): {version.asked}"))
        for kind, value in outputs(version.response):  # what helpers.show would show, in the same words
            shown = Markdown(value) if kind == "text/markdown" else Image(data=value, format=kind.split("/")[1])
            self.view.append_display_data(shown)
        self.apply.disabled = self.save.disabled = False

    def _list_versions(self) -> None:  # the strip: a button a version, saying which it was edited from
        self.strip.options = [(f"v{n}" + (f" ← v{v.parent}" if v.parent else ""), n) for n, v in self.versions.items()]
        self.strip.value = max(self.versions, default=None)

    def _busy(self, busy: bool) -> None:
        self.generate.disabled = busy
        self.apply.disabled = busy or not self.versions
        self.cancel.disabled = not busy

    def _say(self, sentence: str) -> None:
        self.status.value = sentence

    def _count(self) -> None:
        calls, model = len(self.spent), models.IMAGE_MODELS.get(self.model.value)
        usd = sum((u.usd(model) or 0.0) for u in self.spent) if model else 0.0
        billed = "billed to your key" if SESSION.mode == "live" else "nothing billed here"
        self.cost.value = f"{calls} call{'s' * (calls != 1)} · USD {usd:.3f} at live prices ({billed})"

    def _fit_settings(self, _: Any = None) -> None:
        """Only what the chosen model takes (from the model table), keeping the current choice when it can."""
        entry = models.IMAGE_MODELS.get(self.model.value)
        ratios, sizes = (list(entry.pixels), list(entry.sizes)) if entry else (["1:1"], ["1K"])
        for picker, options, default in ((self.aspect, ratios, "1:1"), (self.size, sizes, "1K")):
            keep = picker.value if picker.value in options else (default if default in options else options[0])
            picker.options, picker.value = options, keep

    def _write_code(self, number: int, words: str, parent: Version | None, references: int, settings: dict) -> None:
        if parent:  # the shown version's conversation, then your words: an edit
            contents = f"[*studio.versions[{parent.number}].contents, {words!r}]"
        else:
            contents = f"[{words!r}" + (", *studio.references()]" if references else "]")
        what = f"an edit of v{parent.number}" if parent else "with your reference picture" if references else "new"
        self.last_code = (
            f"# v{number} as the studio asked for it ({what}); await works in a notebook cell\n"
            "response = await client.aio.models.generate_content(\n"
            f"    model={settings['model']!r},\n    contents={contents},\n"
            '    config=types.GenerateContentConfig(\n        response_modalities=["TEXT", "IMAGE"],\n'
            f"        image_config=types.ImageConfig(aspect_ratio={settings['aspect_ratio']!r}, "
            f"image_size={settings['image_size']!r}),\n    ),\n)\nhelpers.show(response)"
        )
        self._code_shown()

    def _code_shown(self) -> None:
        self.code.value = f"<pre>{html.escape(self.last_code or '# no call yet')}</pre>"
        self.code.layout.display = "" if self.show_code.value else "none"

    def _save(self) -> None:
        version = self.versions.get(self.strip.value)
        if version is None:
            return
        extension = (sniff(version.picture) or "image/png").split("/")[1].replace("jpeg", "jpg")
        try:
            path = write_by_content(self.folder, f"studio-v{version.number}", extension, version.picture)
        except Exception as error:
            return self._say(html.escape(explain(error)))
        self._say(f"Saved v{version.number} as {html.escape(path.as_posix())}")

    def _to_practice(self) -> None:
        """Replay has no answer: go on against the stand-in API on this machine (the versions stay)."""
        from google import genai
        from google.genai import types

        asked = os.environ.get("GENAI_NOTEBOOK_MODE")
        os.environ["GENAI_NOTEBOOK_MODE"] = "practice"
        try:
            with contextlib.redirect_stdout(io.StringIO()) as said:
                mode = SESSION.start(SESSION.notebook or "09_image_studio")
        except Exception as error:  # it did not start: the mode it had goes on, and the studio says why
            del os.environ["GENAI_NOTEBOOK_MODE"]
            os.environ.update({} if asked is None else {"GENAI_NOTEBOOK_MODE": asked})
            return self._say(html.escape(explain(error)))
        self.client = genai.Client(api_key=mode.key, http_options=types.HttpOptions(retry_options=self.retry))
        self.practice.layout.display = "none"
        self._say(html.escape(said.getvalue().strip()) + ". Press Generate or Edit again.")
        self._count()

    def _ipython_display_(self) -> None:
        """The box, with words in place of the widget where widgets cannot run (GitHub's viewer, say)."""
        from IPython.display import display

        view = {"version_major": 2, "version_minor": 0, "model_id": WIDGET_ID}
        words = "The image studio: a widget; run the notebook to use it."
        display({"application/vnd.jupyter.widget-view+json": view, "text/plain": words}, raw=True)


def studio(client: Any, model: str, *, retry: Any = None) -> Studio:
    """Show an image studio calling ``client`` (see the module docstring); ``retry`` is for practice mode's client."""
    from IPython.display import display

    made = _SHOWN[WIDGET_ID] = Studio(client, model, retry=retry, earlier=_SHOWN.get(WIDGET_ID))
    display(made)
    return made
