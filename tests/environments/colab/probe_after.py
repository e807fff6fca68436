"""Run silently in the Colab-like kernel after the last cell (runner.py): which google-genai and helpers it used."""

import json

import google.colab.userdata
import google.genai

import helpers

json.dump(
    {
        "genai": google.genai.__version__,
        "genai_file": google.genai.__file__,
        "helpers_file": helpers.__file__,
        "userdata_file": google.colab.userdata.__file__,
    },
    open(OUT, "w"),  # noqa: F821 - OUT is given by runner.py
)
