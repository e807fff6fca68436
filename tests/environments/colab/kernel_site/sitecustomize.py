"""On the Colab-like kernel's PYTHONPATH (tests/environments/test_colab.py): as in Colab, google.colab is
already imported when the first cell runs (the notebooks' install cell tests for it)."""

import google.colab  # noqa: F401
