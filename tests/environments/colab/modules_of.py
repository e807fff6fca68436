"""Runs in the Colab-like environment: prints, as JSON, the modules each named distribution installs.

python modules_of.py NAME...
"""

import json
import sys
from importlib.metadata import distribution


def modules_of(name: str) -> list[str]:
    modules = set()
    for file in distribution(name).files or []:
        if file.suffix in (".py", ".so") and ".." not in file.parts:
            parts = [*file.parts[:-1], file.name.split(".")[0]]
            modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(modules)


if __name__ == "__main__":
    print(json.dumps({name: modules_of(name) for name in sys.argv[1:]}))
