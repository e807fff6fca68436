"""Runs in the Colab-like environment: what is installed, as pip lists it (canonical name -> version), as JSON.

    python packages.py

runner.py also calls ``installed()`` after the notebook's last cell (one process fewer than ``pip list``).
"""

import json
import re
from importlib.metadata import distributions


def installed() -> dict[str, str]:
    """Every distribution on sys.path, the first of each name (as pip list and imports see them)."""
    found: dict[str, str] = {}
    for dist in distributions():
        if name := dist.metadata["Name"]:
            found.setdefault(re.sub(r"[-_.]+", "-", name).lower(), dist.version)
    return dict(sorted(found.items()))


if __name__ == "__main__":
    print(json.dumps(installed()))
