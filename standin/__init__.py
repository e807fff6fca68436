"""The stand-in API: a local server that speaks the Gemini REST API and draws labelled placeholders, so notebooks run
without a key (recordings, practice mode). Its core (``wire``, ``server``, ``draw``) knows the wire and no notebook;
what it answers each notebook is data, one file per notebook in ``answers/`` (see ``standin.answers``)."""

from standin.server import StandinServer

__all__ = ["StandinServer"]
