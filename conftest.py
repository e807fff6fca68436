"""Shared test setup.

Notebook replay (nbval) runs each notebook in its own kernel, which inherits this process's
environment: force replay mode and remove any key, so the suite never calls Gemini and never
needs a key, whatever the developer has set.
"""

from __future__ import annotations

import os

os.environ["GENAI_NOTEBOOK_MODE"] = "replay"
for _name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GENAI_RECORD_CASSETTE",
              "GENAI_RECORDINGS_DIR", "GEMINI_IMAGE_MODEL", "GOOGLE_GENAI_USE_VERTEXAI"):
    os.environ.pop(_name, None)
