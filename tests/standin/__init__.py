"""The stand-in Gemini API: a loopback server that answers like Gemini with placeholder images.

Used by the tests and by `python -m helpers.record --stand-in`; run by hand with
`python -m tests.standin [--port N]`. Every picture is labelled STAND-IN and every response's
`modelVersion` ends in "(stand-in)", so its output is never mistaken for Gemini's.
"""

from .server import StandinServer

__all__ = ["StandinServer"]
