"""Run by tests/environments/test_colab.py inside the Colab-like runtime (Colab's ipywidgets 7.7.1 and IPython): drive
helpers.studio against a stand-in server as a learner's clicks would, and print what it shows as one JSON object."""

import asyncio
import importlib.metadata
import io
import json
import tempfile
from pathlib import Path

from google import genai
from google.genai import types
from PIL import Image

from helpers.images import load_image
from helpers.studio import Studio
from standin import StandinServer


async def main() -> dict:
    with StandinServer() as server:
        retry = types.HttpRetryOptions(attempts=1)
        client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url, retry_options=retry))
        studio = Studio(client, "gemini-nano-banana-2.1")
        studio.folder = tempfile.mkdtemp()

        async def press(button: object) -> None:
            button.click()
            await studio.task

        studio.prompt.value = "A lighthouse"
        await press(studio.generate)
        studio.edit.value = "Make it night"
        await press(studio.apply)
        studio.strip.value = 1
        studio.aspect.value = "16:9"
        studio.edit.value = "Add a boat"
        await press(studio.apply)
        studio.save.click()
        saved = studio.status.value
        server.queue_fault(503)
        studio.edit.value = "Add a gull"
        await press(studio.apply)
        fault = studio.status.value
        photo = io.BytesIO()
        Image.new("RGB", (300, 200), "purple").save(photo, format="PNG")
        # What Colab's front end sends for a chosen file: its metadata, its bytes, then a new count, on which
        # ipywidgets 7 makes ``value`` (a dict by file name) from the other two.
        studio.upload.metadata = [{"name": "mine.png", "type": "image/png", "size": len(photo.getvalue())}]
        studio.upload.data = [photo.getvalue()]
        studio.upload._counter = 1
        (reference,) = studio.references()
        studio.model.value = "gemini-3.1-flash-lite-image"
        await client.aio.aclose()
    return {
        "ipywidgets": importlib.metadata.version("ipywidgets"),
        "strip": [label for label, _ in studio.strip.options],
        "parents": {n: v.parent for n, v in studio.versions.items()},
        "v3": list(load_image(studio.versions[3].picture).size),
        "view": [sorted(o.get("data", {})) for o in studio.view.outputs],
        "saved": saved,
        "saved_exists": Path(saved.split(" as ", 1)[-1]).is_file(),
        "fault": fault,
        "reference": list(load_image(reference.inline_data.data).size),
        "sizes": list(studio.size.options),
        "cost": studio.cost.value,
    }


print(json.dumps(asyncio.run(main())))
