"""The Gemini REST wire format, knowing no notebook: ``read_generate`` and ``read_interaction`` read a request into
an :class:`Ask`; ``generate_response``, ``stream_chunks``, ``interaction`` and ``interaction_events`` shape a
:class:`Reply` (``standin.answers``) as the real API does, with signatures, usage, and sizes from ``helpers.models``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from helpers import models

Json = dict[str, Any]
Fetch = Callable[[str], tuple[str, bytes]]  # a file URI -> its MIME type and bytes (``standin.store``)
DOCS = "https://ai.google.dev/gemini-api/docs"
THINKING_TOKENS = {"minimal": 40, "low": 120, "medium": 320, "high": 900}
MOST_BYTES = 20 * 1024 * 1024  # a request body, inline pictures and a batch's inline requests included (the docs)
EPOCH = datetime(2026, 12, 1, tzinfo=UTC)  # where the stand-in's clock starts


class ApiError(Exception):  # an error answer, with the real body's shape
    def __init__(self, code: int, status: str, message: str, details: list[Json] | None = None) -> None:
        super().__init__(f"{code} {status}: {message}")
        self.code, self.status, self.message, self.details = code, status, message, details or []

    def body(self) -> Json:
        details = {"details": self.details} if self.details else {}
        return {"error": {"code": self.code, "message": self.message, "status": self.status, **details}}


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


_RPC = "type.googleapis.com/google.rpc."
_FAULTS: dict[int, tuple[str, str, list[Json]]] = {  # what the real API says for each status
    400: ("INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        {"@type": _RPC + "ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]),
    403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). "
          "Please use API Key or other form of API consumer identity to call this API.", []),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", [
        {"@type": _RPC + "RetryInfo", "retryDelay": "7s"}]),
    500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
          "https://developers.generativeai.google/guide/troubleshooting", []),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later.", []),
    504: ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", []),
}  # fmt: skip


def fault(code: int, message: str = "") -> ApiError:
    """The error the real API sends for ``code`` (429 with its retry delay, 5xx, a bad key...)."""
    status, text, details = _FAULTS.get(code, ("UNKNOWN", f"Stand-in fault {code}.", []))
    return ApiError(code, status, message or text, details)


def quota(what: str, limit: int, model: str, wait: float, minute: float) -> ApiError:
    """A spent quota, worded as the real 429 (metric names are the stand-in's). RetryInfo says when a slot frees: whole
    seconds as the real one, rounded up; in a shortened minute (tests), milliseconds, as the Duration format allows."""
    metric = f"generativelanguage.googleapis.com/generate_content_{what}_per_minute"
    said = "You exceeded your current quota, please check your plan and billing details. * Quota exceeded for metric: "
    said += f"{metric}, limit: {limit}, model: {model}\nPlease retry in {wait:.6f}s."
    violation = {"@type": _RPC + "QuotaFailure", "violations": [{"quotaMetric": metric, "quotaValue": str(limit)}]}
    delay = f"{math.ceil(wait)}s" if minute >= 60 else f"{max(wait, 0.001):.3f}s"
    return ApiError(429, "RESOURCE_EXHAUSTED", said, [violation, {"@type": _RPC + "RetryInfo", "retryDelay": delay}])


def page(items: list[Json], query: dict[str, str], field: str, size: int, most: int) -> Json:
    """One page of a list method (``pageSize``, ``pageToken``; ``nextPageToken`` while more remain)."""
    try:
        start = int(base64.b64decode(query.get("pageToken") or "MA=="))
        size = min(int(query.get("pageSize") or size), most)
    except ValueError:
        raise invalid("Invalid page token or page size.") from None
    body: Json = {field: items[start : start + size]}
    if start + size < len(items):
        body["nextPageToken"] = b64(str(start + size).encode())
    return body


def pixels(node: Any) -> int:
    """The pixels of an answer's pictures (PNG or JPEG), from their headers."""
    if isinstance(node, dict) and str(get(node, "mimeType")).startswith("image/") and isinstance(node.get("data"), str):
        with Image.open(io.BytesIO(base64.b64decode(node["data"]))) as image:
            return image.width * image.height
    return sum(map(pixels, node.values() if isinstance(node, dict) else node)) if isinstance(node, dict | list) else 0


def served_models() -> list[models.ImageModel]:
    """The image models the stand-in answers for: the table's, less the deprecated ones."""
    return [m for m in models.IMAGE_MODELS.values() if m.status != "deprecated"]


def find_model(name: str, version: str, method: str) -> models.ImageModel:
    if model := next((m for m in served_models() if m.id == (name := name.removeprefix("models/"))), None):
        return model
    said = f"models/{name} is not found for API version {version}, or is not supported for {method}. Call ListModels "
    raise ApiError(404, "NOT_FOUND", said + "to see the list of available models and their supported methods.")


def model_resource(model: models.ImageModel) -> Json:
    made = {"name": f"models/{model.id}", "version": "stand-in", "displayName": model.name}
    made["description"] = f"Stand-in for {model.name}, an image generation model: placeholder pictures."
    methods = ["generateContent", "streamGenerateContent", "countTokens"]  # batch: None (not confirmed) assumes yes
    methods += [] if model.batch is False else ["batchGenerateContent"]
    made.update(inputTokenLimit=131072, outputTokenLimit=32768, thinking=True, supportedGenerationMethods=methods)
    return made


@dataclass
class Ask:  # what one request asks for, whichever API it came through
    model: models.ImageModel
    prompt: str = ""  # the text of the last user turn
    images: list[bytes] = field(default_factory=list)  # pictures of the last user turn
    earlier_images: list[bytes] = field(default_factory=list)  # pictures of earlier turns, oldest first
    modalities: set[str] = field(default_factory=lambda: {"TEXT", "IMAGE"})
    aspect_ratio: str | None = None
    image_size: str = "1K"
    thinking_level: str = ""  # as asked; "" when the request sets none (the model's default, always accepted)
    include_thoughts: bool = False
    search: bool = False
    mime_type: str = "image/png"  # of the pictures that come back (an Interaction's response_format may ask for JPEG)
    schema: Any = None  # the JSON schema an Interaction's text must follow (response_format), if any
    text_tokens: int = 0
    history_tokens: int = 0  # of the input, the earlier turns (a chat's resent history, an interaction's stored one)
    seed: str = ""  # what makes this request's ids and signatures its own

    def pixel_size(self) -> tuple[int, int]:
        shown = self.images or self.earlier_images[-1:]  # an edit of an earlier turn's picture keeps its shape
        if self.aspect_ratio or not shown:  # like the API: the ratio asked, else the input picture's shape, else square
            return self.model.pixel_size(self.aspect_ratio or "1:1", self.image_size)
        with Image.open(io.BytesIO(shown[0])) as image:
            shape = image.width / image.height
        ratio = min(self.model.pixels, key=lambda r: abs(int(r.split(":")[0]) / int(r.split(":")[1]) - shape))
        return self.model.pixel_size(ratio, self.image_size)


def get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for a camelCase field, also accepting its snake_case spelling (the API takes both)."""
    if not isinstance(obj, dict):
        return default
    return obj[name] if name in obj else obj.get("".join("_" + c.lower() if c.isupper() else c for c in name), default)


def decode_data(text: Any, where: str) -> bytes:
    try:
        cleaned = str(text).strip().replace("-", "+").replace("_", "/")
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"Invalid value at '{where}' (TYPE_BYTES), Base64 decoding failed.") from None


def _check_image_config(ask: Ask) -> Ask:
    m, level, many, values = ask.model, ask.thinking_level, len(ask.images), "Supported values are:"
    most = f"{m.id} accepts at most {m.max_input_images} input images per request."
    if ask.aspect_ratio not in (None, *m.pixels):
        raise invalid(f"Unsupported aspect ratio '{ask.aspect_ratio}' for {m.id}. {values} {', '.join(m.pixels)}.")
    if ask.image_size not in m.sizes:
        raise invalid(f"Invalid image size '{ask.image_size}' for {m.id}. {values} {', '.join(m.sizes)}.")
    if many > m.max_input_images:  # the pictures sent with this turn: reference images
        raise invalid(f"Too many images in the request: {many}. {most}")
    if level and m.thinking_levels and level not in m.thinking_levels:
        raise invalid(f"Thinking level '{level}' is not supported by {m.id}. {values} {', '.join(m.thinking_levels)}.")
    if ask.mime_type not in ("image/png", "image/jpeg"):
        raise invalid(f"Unsupported image mime_type '{ask.mime_type}'. {values} image/png, image/jpeg.")
    return ask


#: The fields of a GenerateContentRequest google-genai 3.6.1 may send (models._GenerateContentConfig_to_mldev).
_REQUEST = {"model", "contents", "generationConfig", "systemInstruction", "tools", "toolConfig", "safetySettings"}
_REQUEST |= {"cachedContent", "labels", "serviceTier", "store", "continuationToken"}


def check_fields(body: Json, where: str = "") -> None:
    """Refuse, as the API's JSON parser does, a field a GenerateContentRequest has not (an SDK ``config``, say, or an
    ``image_config`` out of ``generationConfig``); ``where``: its path, "" at the top."""
    for name in [n for n in body if re.sub("_([a-z])", lambda m: m.group(1).upper(), n) not in _REQUEST][:1]:
        said = f'Invalid JSON payload received. Unknown name "{name}"' + (f" at '{where}'" if where else "")
        violation = {**({"field": where} if where else {}), "description": said + ": Cannot find field."}
        bad = [{"@type": _RPC + "BadRequest", "fieldViolations": [violation]}]
        raise ApiError(400, "INVALID_ARGUMENT", violation["description"], bad)


def read_generate(model: models.ImageModel, body: Json, fetch: Fetch, where: str = "") -> Ask:
    """Check a generateContent body as the API does and read what it asks for; ``fetch`` reads ``fileData``
    parts (an uploaded picture is an input picture like inline data); ``where``: the body's path in a batch."""
    check_fields(body, where)
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise invalid("* GenerateContentRequest.contents: contents is not specified\n")
    texts, images = [], []
    for c, content in enumerate(contents):
        parts = content.get("parts") if isinstance(content, dict) else None
        if not isinstance(parts, list) or not parts:
            raise invalid(f"* GenerateContentRequest.contents[{c}].parts: contents.parts must not be empty.\n")
        for p, part in enumerate(parts):
            if part.get("thought"):
                continue
            if isinstance(part.get("text"), str):
                texts.append((c, part["text"]))
            inline, file = get(part, "inlineData"), get(part, "fileData")
            if isinstance(inline, dict):
                images.append((c, decode_data(get(inline, "data", ""), f"contents[{c}].parts[{p}].inline_data.data")))
            if isinstance(file, dict) and (got := fetch(str(get(file, "fileUri", ""))))[0].startswith("image/"):
                images.append((c, got[1]))
    _check_signatures(contents)
    last = len(contents) - 1
    config = get(body, "generationConfig") or {}
    image_config, thinking = get(config, "imageConfig") or {}, get(config, "thinkingConfig") or {}
    ask = Ask(
        model=model,
        prompt=" ".join(t for c, t in texts if c == last).strip(),
        images=[d for c, d in images if c == last],
        earlier_images=[d for c, d in images if c != last],
        modalities={str(m).upper() for m in get(config, "responseModalities") or []} or {"TEXT", "IMAGE"},
        aspect_ratio=get(image_config, "aspectRatio"),
        image_size=get(image_config, "imageSize") or "1K",
        thinking_level=str(get(thinking, "thinkingLevel") or "").lower(),
        include_thoughts=bool(get(thinking, "includeThoughts")),
        search=any(get(t, "googleSearch") is not None for t in body.get("tools") or [] if isinstance(t, dict)),
        text_tokens=sum(max(1, len(t) // 4) for _, t in texts),
        history_tokens=sum(max(1, len(t) // 4) for c, t in texts if c != last)
        + sum(1 for c, _ in images if c != last) * model.input_image_tokens,
        seed=json.dumps(body, sort_keys=True),
    )
    return _check_image_config(ask)


def _check_signatures(contents: list[Json]) -> None:
    """Gemini 3 image models: each earlier model turn's image parts and first part keep their signature."""
    for c, content in enumerate(contents[:-1]):
        if content.get("role") != "model":
            continue
        starts = c == 0 or contents[c - 1].get("role") != "model"  # the first content of a model turn
        for p, part in enumerate(content["parts"]):
            is_image = get(part, "inlineData") is not None
            if (is_image or (starts and p == 0)) and not part.get("thought") and not get(part, "thoughtSignature"):
                said = f"{'Image part' if is_image else 'Part'} is missing a thought_signature in content position"
                refer = f"Please refer to {DOCS}/thought-signatures#model-behavior for more details."
                raise invalid(f"{said} {c + 1}, part position {p + 1}. {refer}")


def read_interaction(body: Json, fetch: Fetch) -> Ask:
    """Check an interactions.create body (snake_case) and read what it asks for (an image's ``uri`` by ``fetch``)."""
    if not isinstance(body.get("model"), str):
        raise invalid("model is required.")
    model = find_model(body["model"], "v1", "interactions")
    texts, images = [], []

    def collect(node: Any) -> None:
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, list):
            list(map(collect, node))
        elif isinstance(node, dict):
            if node.get("type") == "image" and (node.get("data") or node.get("uri")):
                data = node.get("data")
                images.append(decode_data(data, "input.content.data") if data else fetch(str(node["uri"]))[1])
            elif isinstance(node.get("text"), str):
                texts.append(node["text"])
            collect(node.get("content"))

    collect(body.get("input"))
    formats = body.get("response_format") or []
    formats = formats if isinstance(formats, list) else [formats]
    if body.get("response_mime_type") == "application/json":  # the legacy shape: response_format is the schema
        formats = [{"type": "text", "mime_type": "application/json", "schema": formats[0] if formats else {}}]
    kinds = {str(f.get("type", "")): f for f in formats if isinstance(f, dict)}  # text, image... -> its settings
    text, image = kinds.get("text", {}), kinds.get("image", {})
    modalities = {kind.upper() for kind in kinds} | {str(m).upper() for m in body.get("response_modalities") or []}
    legacy = (config := body.get("generation_config") or {}).get("image_config") or {}  # deprecated, still read
    ask = Ask(
        model=model,
        prompt=" ".join(texts).strip(),
        images=images,
        modalities=modalities or {"TEXT", "IMAGE"},
        aspect_ratio=image.get("aspect_ratio") or legacy.get("aspect_ratio"),
        image_size=image.get("image_size") or legacy.get("image_size") or "1K",
        thinking_level=str(config.get("thinking_level") or "").lower(),
        include_thoughts=str(config.get("thinking_summaries")).lower() == "auto",  # "none" or unset: no summary
        search=any(isinstance(t, dict) and t.get("type") == "google_search" for t in body.get("tools") or []),
        mime_type=image.get("mime_type") or "image/png",
        schema=text.get("schema", {}) if text.get("mime_type") == "application/json" else None,
        text_tokens=max(1, len(" ".join(texts)) // 4),
        seed=json.dumps(body, sort_keys=True),
    )
    return _check_image_config(ask)


@dataclass
class Reply:  # what comes back, before it is shaped for one API or the other
    parts: list[Json] = field(default_factory=list)  # {"text"} / {"thought"} / {"image": bytes, "thought"?}
    finish: str = "STOP"
    finish_message: str = ""
    block: str = ""
    grounding: Json | None = None
    shape: str = ""  # "no-candidates", "no-content" or "no-parts": the empty answers the real API sends
    delay: float = 0.0  # seconds to wait before answering (slower than a client's timeout, say)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def digest(*values: Any, size: int = 12) -> str:
    return hashlib.sha256("|".join(map(str, values)).encode()).hexdigest()[:size]


def _usage(ask: Ask, reply: Reply) -> dict[str, int]:
    said = sum(max(1, len(p["text"]) // 4) for p in reply.parts if "text" in p and p.get("thought"))
    u = {"prompt_text": ask.text_tokens, "thoughts": max(THINKING_TOKENS.get(ask.thinking_level, 320), said)}
    u["prompt_images"] = (len(ask.images) + len(ask.earlier_images)) * ask.model.input_image_tokens
    u["text"] = sum(max(1, len(p["text"]) // 4) for p in reply.parts if "text" in p and not p.get("thought"))
    per_image = ask.model.tokens_per_image.get(ask.image_size, 1120)
    u["image"] = sum("image" in p and not p.get("thought") for p in reply.parts) * per_image
    return u


def cached_tokens(ask: Ask, total_input: int) -> int:
    """Implicit caching: the earlier turns, from the model's minimum input on (a hit is likely, not sure: assumed)."""
    return ask.history_tokens if total_input >= ask.model.cache_min_tokens else 0


def context_tokens(ask: Ask, reply: Reply) -> int:
    """What one turn adds to a conversation's context, counted as a chat counts it when resent."""
    made = sum("image" in p and not p.get("thought") for p in reply.parts)
    return ask.text_tokens + _usage(ask, reply)["text"] + (len(ask.images) + made) * ask.model.input_image_tokens


def generate_response(ask: Ask, reply: Reply) -> Json:
    """A whole GenerateContentResponse."""
    return _chunk(ask, reply, _rest_parts(ask, reply), last=True)


def stream_chunks(ask: Ask, reply: Reply) -> list[Json]:
    """The same answer as stream chunks: text split in two, each picture whole, usage on the last."""
    parts = _rest_parts(ask, reply)
    if not parts or reply.block:
        return [generate_response(ask, reply)]
    pieces: list[Json] = []
    for part in parts:
        text = part.get("text")
        if isinstance(text, str) and " " in text.strip() and not part.get("thought"):
            cut = text.index(" ", len(text) // 2) + 1 if " " in text[len(text) // 2 :] else len(text)
            pieces += [{**part, "text": text[:cut]}] + ([{"text": text[cut:]}] if text[cut:] else [])
        else:
            pieces.append(part)
    return [_chunk(ask, reply, [piece], last=i == len(pieces) - 1) for i, piece in enumerate(pieces)]


def _rest_parts(ask: Ask, reply: Reply) -> list[Json]:
    """Reply parts as REST parts; each picture and the first part of the answer carry a signature."""
    parts: list[Json] = []
    for part in reply.parts:
        picture = {"inlineData": {"mimeType": "image/png", "data": b64(part["image"])}} if "image" in part else {}
        rest: Json = picture or {"text": part["text"]}
        if part.get("thought"):
            rest["thought"] = True
        elif "image" in part or not any("thoughtSignature" in p for p in parts):
            rest["thoughtSignature"] = b64(f"standin-{digest(ask.seed, len(parts))}".encode())
        parts.append(rest)
    return parts


def _chunk(ask: Ask, reply: Reply, parts: list[Json], *, last: bool) -> Json:
    response: Json = {}
    if reply.block and reply.shape != "no-candidates":
        response["promptFeedback"] = {"blockReason": reply.block}
    elif reply.shape != "no-candidates":
        shapes: dict[str, Json] = {"no-parts": {"content": {"role": "model"}}, "no-content": {}}
        candidate = shapes.get(reply.shape, {"content": {"role": "model", "parts": parts}} if parts else {})
        if last:
            candidate["finishReason"] = reply.finish
            extra = {"finishMessage": reply.finish_message, "groundingMetadata": reply.grounding}
            candidate.update({key: value for key, value in extra.items() if value})
        response["candidates"] = [{**candidate, "index": 0}]
    if last:
        u = _usage(ask, reply)
        prompt, output = u["prompt_text"] + u["prompt_images"], u["text"] + u["image"]
        response["usageMetadata"] = {
            "promptTokenCount": prompt,
            **({"cachedContentTokenCount": cached} if (cached := cached_tokens(ask, prompt)) else {}),
            "candidatesTokenCount": output,
            "thoughtsTokenCount": u["thoughts"],
            "totalTokenCount": prompt + output + u["thoughts"],
            "promptTokensDetails": _by_modality(TEXT=u["prompt_text"], IMAGE=u["prompt_images"]),
            "candidatesTokensDetails": _by_modality(TEXT=u["text"], IMAGE=u["image"]),
        }
    response["modelVersion"] = f"{ask.model.id} (stand-in)"
    response["responseId"] = digest("response", ask.seed, size=22)
    return response


def _by_modality(key: str = "tokenCount", **tokens: int) -> list[Json]:
    return [{"modality": modality, key: n} for modality, n in tokens.items() if n]


def interaction(ask: Ask, reply: Reply, interaction_id: str, previous: str | None) -> Json:
    """A completed Interaction ("steps" schema); its input counts the stored history, as the docs say."""
    content = [_content(part, ask.mime_type) for part in reply.parts if not part.get("thought")]
    sent, u = {"text": ask.text_tokens, "image": len(ask.images) * ask.model.input_image_tokens}, _usage(ask, reply)
    total_input, output = sent["text"] + sent["image"] + ask.history_tokens, u["text"] + u["image"]
    status = "failed" if reply.block else "completed" if reply.finish == "STOP" else "incomplete"
    body: Json = {"id": interaction_id, "status": status, "model": ask.model.id}
    body.update(created="2026-12-01T00:00:00Z", updated="2026-12-01T00:00:00Z")
    body["steps"] = [{"type": "thought", "signature": b64(f"standin-{interaction_id}".encode())}]
    if summary := [{"type": "text", "text": p["text"]} for p in reply.parts if p.get("thought") and "text" in p]:
        body["steps"][0]["summary"] = summary  # asked for (thinking_summaries); drafts stay out, as image latents may
    if grounding := reply.grounding:  # the google_search tool was given and used: its call, then its result
        call = {"type": "google_search_call", "id": "search-" + digest(interaction_id, size=8)}
        call["arguments"] = {"queries": grounding["webSearchQueries"]}
        suggestions = [{"search_suggestions": grounding["searchEntryPoint"]["renderedContent"]}]
        body["steps"] += [call, {"type": "google_search_result", "call_id": call["id"], "result": suggestions}]
        if texts := [item for item in content if item["type"] == "text"]:  # the sources: URLCitations on the text
            cited = [{"url": c["web"]["uri"], "title": c["web"]["title"]} for c in grounding["groundingChunks"]]
            span = {"type": "url_citation", "start_index": 0, "end_index": len(texts[0]["text"])}
            texts[0]["annotations"] = [{**span, **source} for source in cited]
    body["steps"].append({"type": "model_output", "content": content})
    usage = {"total_input_tokens": total_input, "total_cached_tokens": cached_tokens(ask, total_input)}
    usage.update(total_output_tokens=output, total_thought_tokens=u["thoughts"])
    usage["total_tokens"] = total_input + output + u["thoughts"]
    usage["input_tokens_by_modality"] = _by_modality("tokens", **sent)
    if grounding:  # billed by the search query
        usage["grounding_tool_count"] = [{"type": "google_search", "count": len(grounding["webSearchQueries"])}]
    body["usage"] = {**usage, "output_tokens_by_modality": _by_modality("tokens", text=u["text"], image=u["image"])}
    if previous:
        body["previous_interaction_id"] = previous
    if body["status"] != "completed":
        body["errors"] = [{"code": reply.finish or reply.block, "message": reply.finish_message or reply.block}]
    return body


def _content(part: Json, mime_type: str) -> Json:
    """A reply's part as an Interaction's content; a picture (drawn as PNG) in ``mime_type`` (JPEG: RGB, quality 85)."""
    if "text" in part:
        return {"type": "text", "text": part["text"]}
    data = part["image"]
    if mime_type == "image/jpeg":
        with Image.open(io.BytesIO(data)) as image:
            image.convert("RGB").save(buffer := io.BytesIO(), format="JPEG", quality=85)
        data = buffer.getvalue()
    return {"type": "image", "mime_type": mime_type, "data": b64(data)}


_EMPTY = {"arguments": {}, "result": []}  # a search step's fields: sent as deltas, empty (as required) in its start


def interaction_events(body: Json) -> list[Json]:
    """The events ``stream=True`` sends, each with an ``event_id``: each step's start (its type and id), its pieces as
    deltas (ThoughtSummaryDelta, GoogleSearchCallDelta...) and its stop; the last event's interaction has no steps."""
    events = [{"event_type": "interaction.created", "interaction": view(body, "in_progress")}]
    for index, step in enumerate(body.get("steps", [])):
        summary = [{"type": "thought_summary", "content": item} for item in step.get("summary", [])]
        deltas = [*step.get("content", []), *summary]
        deltas += [{"type": "thought_signature", "signature": step["signature"]}] if "signature" in step else []
        start = {key: _EMPTY.get(key, step[key]) for key in ("type", "id", "call_id", *_EMPTY) if key in step}
        deltas += [{"type": step["type"], key: step[key]} for key in _EMPTY if key in step]
        events.append({"event_type": "step.start", "index": index, "step": start})
        events += [{"event_type": "step.delta", "index": index, "delta": delta} for delta in deltas]
        events.append({"event_type": "step.stop", "index": index})
    events.append({"event_type": "interaction.completed", "interaction": view(body, body["status"])})
    return [{**event, "event_id": digest(body["id"], n, size=16)} for n, event in enumerate(events)]


def view(body: Json, said: str) -> Json:
    """``body`` without its steps, as ``said``: in_progress or cancelled (then without usage and errors too)."""
    dropped = ("steps",) if said == body["status"] else ("steps", "usage", "errors")
    return {**{key: value for key, value in body.items() if key not in dropped}, "status": said}
