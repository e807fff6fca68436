"""Run silently in the Colab-like kernel before the first cell (runner.py): what the kernel has imported."""

import json
import sys

import google

json.dump(
    {
        "modules": sorted(sys.modules),
        "colab": "google.colab" in sys.modules,
        "google_path": list(google.__path__),
        "executable": sys.executable,
    },
    open(OUT, "w"),  # noqa: F821 - OUT is given by runner.py
)
