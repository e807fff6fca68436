"""Errors a learner can cause or fix, shown in a few lines instead of a traceback through the SDK."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class LearnerError(Exception):
    """An error whose message says what happened and what to do.

    IPython (JupyterLab and Colab) shows an exception through its ``_render_traceback_`` when it has one, so the
    learner reads the message alone, not dozens of frames of google-genai, httpx and vcrpy."""

    def _render_traceback_(self) -> list[str]:
        lines = str(self).splitlines() or [""]
        return [f"\x1b[1;31m{type(self).__name__}\x1b[0m: {lines[0]}", *lines[1:]]


def plain(text: str) -> str:
    """``text`` without terminal colours (tracebacks and error outputs carry them)."""
    return _ANSI.sub("", text)
