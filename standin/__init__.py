"""The stand-in API: a local server that speaks the Gemini REST API and draws labelled placeholders.

It lets every notebook run without a key: the recordings in ``recordings/`` were made against it, and practice mode
(``GENAI_NOTEBOOK_MODE=practice``) sends a learner's own prompts to it. Its core (``wire``, ``server``, ``draw``)
knows the wire format and no notebook; what it answers each notebook is data, one file per notebook in ``answers/``
(see ``standin.answers``)."""

from standin.server import StandinServer

__all__ = ["StandinServer"]
