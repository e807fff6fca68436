"""What went wrong in an answer, in plain words: blocked prompts, finish reasons, empty answers.

``problems(walk)`` reads what a :class:`helpers.parts.Walk` found and returns one sentence
per problem, naming the API's reason (``IMAGE_SAFETY``, ``NO_IMAGE``...) and what to try.
``first_image`` uses the same sentences when it has no picture to give; ``explain(error)`` does the
same for API faults (quota, outage, bad key, retired model, timeout); ``reason_table()`` shows every
reason the installed SDK knows.
"""

from __future__ import annotations

import re
from typing import Any

from helpers.errors import LearnerError
from helpers.parts import Piece, Walk, walk

#: What each finish reason means and what to try.
FINISH_HINTS: dict[str, str] = {
    "MAX_TOKENS": "the answer reached the output token limit and was cut off. Raise max_output_tokens "
    "in the config (or leave it unset), or ask for less.",
    "SAFETY": "the safety filters stopped the answer. Rephrase the prompt or use another input image.",
    "RECITATION": "the answer repeated existing material (such as copyrighted text) too closely. "
    "Ask for something more original.",
    "LANGUAGE": "the request used a language the model does not support here. Try another language.",
    "BLOCKLIST": "the answer contained blocked terms. Remove them from the request.",
    "PROHIBITED_CONTENT": "the request involves prohibited content. Change it; asking again will not help.",
    "SPII": "the answer would have held sensitive personal information. Leave personal details out.",
    "IMAGE_SAFETY": "the image safety filters withheld the picture. Rephrase the prompt, crop or change "
    "the input image (real people, violence and explicit content are the usual triggers), and try again.",
    "IMAGE_PROHIBITED_CONTENT": "the picture would show prohibited content. Change the request; asking "
    "again will not help.",
    "IMAGE_RECITATION": "the picture resembled existing material (a copyrighted image or character) too "
    "closely. Ask for something more original.",
    "IMAGE_OTHER": "the picture could not be made, for no stated reason. Run the cell again or simplify the prompt.",
    "NO_IMAGE": 'the model answered without a picture. Ask for the picture explicitly ("draw...", '
    '"generate an image of...") and check that response_modalities includes IMAGE.',
    "MALFORMED_FUNCTION_CALL": "the model wrote a function call that could not be used. Check the tools.",
    "UNEXPECTED_TOOL_CALL": "the model called a tool that is not enabled. Declare it, or ask without it.",
    "TOO_MANY_TOOL_CALLS": "the model made too many tool calls in a row. Simplify the request.",
    "MISSING_THOUGHT_SIGNATURE": "an earlier model turn came back without its thought signature. Use "
    "client.chats (it keeps them), or send earlier model parts back unchanged.",
    "MALFORMED_RESPONSE": "the model's answer could not be read. Run the cell again.",
    "OTHER": "the model stopped for no stated reason. Run the cell again; if it repeats, rephrase.",
    "FAILED": "the interaction failed. Run the cell again; if it repeats, simplify the request.",
    "INCOMPLETE": "the interaction ended before it was complete. Run the cell again or ask for less.",
    "CANCELLED": "the interaction was cancelled before it finished.",
    "IN_PROGRESS": "the interaction was still running when this answer ended. Read the rest later with "
    "client.interactions.get(id), or a cut stream's rest with get(id, stream=True, last_event_id=...).",
    "BUDGET_EXCEEDED": "the interaction ran out of its token budget. Ask for less.",
    "MODEL_ARMOR": "a Model Armor policy on your project stopped the answer: check the policy's settings.",
    "CONTINUATION": "the answer continues in a further call; the SDK fetches it for you (automatic continuation).",
}
_FINISH_DEFAULT = (
    "the model stopped for this reason (not described for image models in the docs checked). Run "
    "the cell again; if it repeats, rephrase the prompt."
)

#: What each block reason of a prompt means and what to try.
BLOCK_HINTS: dict[str, str] = {
    "SAFETY": "Rephrase the prompt (or use another input image) to stay clear of the safety categories.",
    "PROHIBITED_CONTENT": "The request involves prohibited content; change it, asking again will not help.",
    "BLOCKLIST": "The prompt contains blocked terms; remove them.",
    "IMAGE_SAFETY": "An input image was flagged by the safety filters; use another image.",
    "OTHER": "No reason was given; rephrase the prompt and run the cell again.",
    "MODEL_ARMOR": "A Model Armor policy on your project stopped the prompt: check the policy's settings.",
    "JAILBREAK": "The prompt read as an attempt to get round the safety rules: say plainly what you want.",
}
_FINE = {"", "STOP", "FINISH_REASON_UNSPECIFIED"}
_AGAIN = "Run the cell again; if it keeps happening, simplify the prompt."


def problems(answer: Walk) -> list[str]:
    """One sentence per problem of a walked answer (read to its end first), or [] when all is well."""
    found: list[str] = []
    if answer.block:
        reason, message = answer.block
        found.append(
            f"Gemini blocked the prompt (`{reason}`) and returned nothing. "
            f"{BLOCK_HINTS.get(reason, BLOCK_HINTS['OTHER'])}" + (f" It said: “{message}”" if message else "")
        )
    several = len({candidate for _, candidate in answer.finishes}) > 1
    for (_, candidate), finish in sorted(answer.finishes.items()):
        label = f"Candidate {candidate + 1}: " if several else ""
        if finish.reason not in _FINE:
            text = f"{label}Gemini finished with `{finish.reason}`: {FINISH_HINTS.get(finish.reason, _FINISH_DEFAULT)}"
            found.append(text + (f" It said: “{finish.message}”" if finish.message else ""))
        elif not finish.has_content:
            found.append(f"{label}The answer is empty: Gemini sent no text and no picture, and no reason. {_AGAIN}")
    if answer.answers and not answer.finishes and not answer.block:
        found.append(f"The answer is empty: Gemini returned no candidate and no reason. {_AGAIN}")
    if answer.stream_error is not None:
        error = answer.stream_error
        found.append(
            f"The stream stopped half-way with {type(error).__name__}: {str(error)[:200]}. "
            "What arrived before is shown above; run the cell again for the rest."
        )
    return found


class NoImageError(LearnerError):
    """An answer that holds no final picture; the message says why and what to try."""


def first_image(obj: Any) -> Piece:
    """The first final image of an answer (never a draft thought image), or NoImageError saying why."""
    answer = walk(obj)
    images = answer.images()
    if images:
        return images[0]
    reasons = problems(answer)
    drafts = answer.images(thoughts=True)
    if drafts:
        reasons.append(f"It holds {len(drafts)} draft (thought) image(s), which are not the answer.")
    if not reasons and answer.kind in ("", "none"):
        reasons.append(
            "first_image reads an answer from Gemini (a response, a stream, a chat turn, a chat or an "
            f"Interaction); it got {'None' if obj is None else 'a ' + type(obj).__name__}."
        )
    if not reasons:
        reasons.append("The answer has text only. Ask for a picture explicitly and keep IMAGE in response_modalities.")
    raise NoImageError("No picture came back. " + " ".join(reasons))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def reason_table() -> None:
    """Show every finish reason and block reason of the installed SDK, what it means and what to do."""
    from google.genai import types
    from IPython.display import Markdown, display

    rows = ["| reason | what it means, what to do |", "|---|---|"]
    for reason in types.FinishReason:
        if reason.name not in _FINE:
            rows.append(f"| finish `{reason.name}` | {_sentence(FINISH_HINTS.get(reason.name, _FINISH_DEFAULT))} |")
    for reason in types.BlockedReason:
        if reason.name != "BLOCKED_REASON_UNSPECIFIED":
            rows.append(f"| prompt blocked, `{reason.name}` | {BLOCK_HINTS.get(reason.name, BLOCK_HINTS['OTHER'])} |")
    display(Markdown("\n".join(rows)))


def explain(error: BaseException) -> str:
    """What an API fault (or a failed connection) means, in plain words, and what to do next: google.genai errors
    (ClientError, ServerError), the Interactions API's, timeouts, cut connections, damaged answers; else its name."""
    from helpers import models

    if isinstance(error, LearnerError):
        return str(error)
    code = getattr(error, "code", None) or getattr(error, "status_code", None)
    body = getattr(error, "body", None)
    details = getattr(error, "details", None) or (body if isinstance(body, dict) else {})
    inner = details.get("error", details) if isinstance(details, dict) else {}
    message = str(inner.get("message") or getattr(error, "message", None) or error)
    status = str(getattr(error, "status", None) or inner.get("status") or "")
    name = type(error).__name__
    if isinstance(code, int):
        head = f"{code} {status}".strip() + f": {message}"
        if code == 429:
            delay = next((d.get("retryDelay") for d in inner.get("details", []) if "retryDelay" in d), None)
            if "limit: 0" in message:
                return (
                    f"{head}\nYour key's tier has no quota for this model at all (limit: 0): image models "
                    "need a project with billing. Enable billing in Google AI Studio, then run the cell again."
                )
            wait = f"wait {delay}" if delay else "wait a minute"
            return (
                f"{head}\nYou sent more requests than your quota allows. {_sentence(wait)} and run the cell "
                "again; a client built with retry_options (the setup cell's) retries by itself, backing off."
            )
        if code >= 500:
            return (
                f"{head}\nGemini had a problem or is overloaded. It is not your request: wait a minute and run "
                "the cell again (a client built with retry_options, like the setup cell's, retries these by itself)."
            )
        if code == 404:
            gone = re.search(r"models/([\w.\-]+)", message)
            why = models.retired_message(gone.group(1)) if gone else None
            if not gone and type(error).__module__.startswith("google.genai._interactions"):  # an interaction's id
                why = "That interaction is not kept: deleted, made with store=False, or expired. Create a new one."
            return f"{head}\n" + (
                why
                or "That model is not available to your key: use the setup cell's MODEL, or list "
                "the models your key can use with client.models.list()."
            )
        if code in (401, 403) or "API key" in message or "API_KEY" in str(details):
            return (
                f"{head}\nThe API refused the key. Check that it is a Gemini API key from "
                "https://aistudio.google.com/apikey, copied whole, then run the setup cell again."
            )
        if "thought_signature" in message:
            return f"{head}\n{_sentence(FINISH_HINTS['MISSING_THOUGHT_SIGNATURE'])}"
        return f"{head}\nThe API refused the request as it was sent: change what the message names and try again."
    if "Timeout" in name:
        return (
            f"{name}: no answer within the client's timeout. Pictures can take a minute: raise "
            "HttpOptions(timeout=...) (milliseconds), or run the cell again."
        )
    if name in ("ConnectError", "APIConnectionError"):
        return f"{name}: the API could not be reached. Check your connection (and any proxy), then try again."
    if name in ("RemoteProtocolError", "ReadError"):
        return f"{name}: the connection dropped half-way through the answer. Run the cell again."
    if name == "JSONDecodeError":
        return (
            "The answer came back damaged (not the JSON the API sends): usually a proxy or a dropped "
            "connection. Run the cell again."
        )
    return f"{name}: {message}"
