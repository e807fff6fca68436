"""An independent imitation of today's Gemini REST API (stdlib and Pillow only), to prove notebooks run live.

Real wire shapes, worded unlike the project's stand-in: an intro sentence, Markdown, one picture fewer than
asked for. Also the Files API (the resumable upload, get, list, delete, download of a batch's result file) and
the Batch API (``batchGenerateContent`` with inline requests or a JSON-lines file; get, list, cancel, delete),
whose batches go PENDING → RUNNING → SUCCEEDED as time passes. And the Interactions API ("steps" schema): create
(stream, store, background, previous_interaction_id, google_search, JSON and image response formats, thought
summaries), get (or its events replayed, resumable after an ``event_id``), cancel and delete.
``python -m tests.imitation [--first-attempt-status 429] [--batch-seconds 1] [--background-seconds 0.5]
[--event-delay 0]`` prints the URL, serves until killed.
"""

import argparse
import base64
import contextlib
import datetime
import gzip
import hashlib
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageDraw, ImageFont

MODELS: dict[str, tuple[str, str, bool]] = {  # id -> displayName, description, makes images
    "gemini-nano-banana-2.1": ("Nano Banana 2.1", "Gemini image generation and editing model", True),
    "gemini-3-pro-image": ("Nano Banana Pro", "Gemini 3 Pro image generation and editing model", True),
    "gemini-3.1-flash-lite-image": ("Nano Banana 2 Lite", "Fast, low-cost Gemini image model", True),
    "gemini-3.5-flash": ("Gemini 3.5 Flash", "Fast multimodal model with text output", False),
}
RESOURCES = {
    model: {
        "name": f"models/{model}",
        "displayName": display,
        "description": description,
        "supportedGenerationMethods": ["generateContent", "countTokens", "batchGenerateContent"],
    }
    for model, (display, description, _) in MODELS.items()
}
RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),  # pixel sizes at 1K
    "2:3": (848, 1264),
    "3:2": (1264, 848),
    "3:4": (896, 1200),
    "4:3": (1200, 896),
    "4:5": (928, 1152),
    "5:4": (1152, 928),
    "9:16": (768, 1376),
    "16:9": (1376, 768),
    "21:9": (1584, 672),
    "1:4": (512, 2048),
    "4:1": (2048, 512),
    "1:8": (384, 3072),
    "8:1": (3072, 384),
}
SCALES, MAX_SIDE = {"512": 0.5, "1K": 1.0, "2K": 2.0, "4K": 4.0}, 2048
NUMBERS = {
    word: n
    for n, word in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"], 1
    )
}
NOUNS = {"scene": "Scene", "step": "Step", "image": "Image", "picture": "Picture", "panel": "Panel"}
INTRO = "Sure! Here's what I made for you."
IMAGE_TOKENS, INPUT_IMAGE_TOKENS, EARLIER_TOKENS, THOUGHT_TOKENS = 1120, 258, 32, 96
STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
TRANSIENT = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
}
URL_SOURCE = "https://example.com/imitation/source"  # cited by a searched interaction
GRPC = {400: 3, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 503: 14}  # a batch's per-request google.rpc.Status
ROUTE = re.compile(
    r"(?P<side>/upload|/download)?/(?P<version>v1|v1beta|v1alpha)/(?P<collection>models|interactions|files|batches)"
    r"(?:/(?P<name>[^:/]+))?(?:[:/](?P<verb>\w+))?"  # interactions/{id}/cancel: the SDK's slash, not a colon
)
REQUEST_FIELDS = {  # the top-level fields of a GenerateContentRequest, camelCase
    "model",
    "contents",
    "systemInstruction",
    "tools",
    "toolConfig",
    "safetySettings",
    "generationConfig",
    "cachedContent",
}
BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
EPOCH = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)  # every timestamp counts from here, so answers repeat
JSON = "application/json; charset=UTF-8"


class ApiError(Exception):
    """An error answer in Google's shape: ``{"error": {"code", "message", "status", "details"?}}``."""

    def __init__(
        self,
        code: int,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        kind: str | None = None,
    ) -> None:
        error = {"code": code, "message": message, "status": kind or STATUS[code]}
        self.code, self.body = code, {"error": error | ({"details": details} if details else {})}
        self.message, self.headers = message, headers or {}

    def status(self) -> dict[str, Any]:
        """The same error as a ``google.rpc.Status`` (a gRPC code), as a batch reports one request's failure."""
        return {"code": GRPC[self.code], "message": self.message}


class Reply:
    """An answer sent as it is, with headers of its own: a file's bytes, or one step of a resumable upload."""

    def __init__(self, data: bytes, headers: dict[str, str] | None = None, kind: str = JSON) -> None:
        self.data, self.headers, self.kind = data, headers or {}, kind


def unbase64(data: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not (``ValueError`` when it is not base64)."""
    data = data.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)


def b64(data: bytes) -> str:
    """Standard, padded base64 text, as Gemini sends pictures and signatures."""
    return base64.b64encode(data).decode()


def digest(*parts: object) -> bytes:
    """A stable hash of anything printable: the seed of every 'random' choice, so answers repeat."""
    return hashlib.sha256(repr(parts).encode()).digest()


def ident(*parts: object) -> str:
    """A resource id like Google's: 16 lowercase letters and digits, stable for the same ``parts``."""
    return base64.b32encode(digest(*parts)[:10]).decode().lower()


def stamp(seconds: float) -> str:
    """An RFC 3339 timestamp ``seconds`` after the imitation's fixed epoch."""
    return (EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def camel(name: str) -> str:
    """A field name in camelCase, as proto JSON accepts it spelled either way: image_config → imageConfig."""
    return re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), name)


def camelize(value: Any) -> Any:
    """Every key of a JSON value in camelCase: a JSON-lines request may spell fields the proto way (snake_case)."""
    if isinstance(value, dict):
        return {camel(k): camelize(v) for k, v in value.items()}
    return [camelize(v) for v in value] if isinstance(value, list) else value


def paged(items: list[Any], query: dict[str, list[str]], field: str) -> dict[str, Any]:
    """One page of ``items`` under ``field``, with an opaque ``nextPageToken`` while more remain."""
    start = int(unbase64(query["pageToken"][0])) if "pageToken" in query else 0
    end = start + max(1, min(1000, int(query.get("pageSize", ["50"])[0])))
    return {field: items[start:end]} | ({"nextPageToken": b64(str(end).encode())} if end < len(items) else {})


def known(model: str, version: str) -> str:
    """The model id, or the real 404 for a retired or unknown one."""
    if model not in MODELS:
        raise ApiError(
            404,
            f"models/{model} is not found for API version {version}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods.",
        )
    return model


def wanted(prompt: str) -> tuple[int | None, str]:
    """How many pictures the prompt asks for, and their name: "at least four scenes" → (4, "scene")."""
    words = re.findall(r"\d+(?::\d+)+|[a-z0-9]+", prompt.lower())  # an aspect ratio like 16:9 stays one word
    for i, word in enumerate(words):
        if (noun := word.removesuffix("s")) in NOUNS:
            for before in reversed(words[max(0, i - 3) : i]):
                if 0 < (count := int(before) if before.isdigit() else NUMBERS.get(before, 0)) <= 12:
                    return count, noun
    return None, "picture"


def draw(size: tuple[int, int], seed: bytes, edit: bool, jpeg: bool = False) -> bytes:
    """A flat PNG (or JPEG): a solid colour, three rectangles, the word IMITATION, a magenta frame for an edit."""
    (width, height), image = size, Image.new("RGB", size, (64 + seed[0] // 2, 64 + seed[1] // 2, 128))
    pen = ImageDraw.Draw(image)
    for k in range(3):
        x, y = seed[3 + k] * width // 320, seed[6 + k] * height // 320
        pen.rectangle((x, y, x + width // 4, y + height // 4), fill=(seed[9 + k], seed[12 + k], seed[15 + k]))
    font = ImageFont.load_default(size=max(10, min(size) // 8))
    pen.text((width // 2, height // 2), "IMITATION", fill="white", font=font, anchor="mm")
    if edit:
        pen.rectangle((0, 0, width - 1, height - 1), outline=(255, 0, 170), width=max(4, min(size) // 24))
    if jpeg:
        image.save(out := io.BytesIO(), "JPEG", quality=85)
    else:
        image.save(out := io.BytesIO(), "PNG", compress_level=1)
    return out.getvalue()


def compose(
    model: str, prompt: str, kinds: set[str], edit: bool, ratio: Any, size: Any, jpeg: bool = False
) -> list[Any]:
    """Markdown strings and PNGs or JPEGs (at most 2048 px a side): an intro, a heading per picture, one too few."""
    (count, noun), quote = wanted(prompt), " ".join(prompt.split()[:6]) or "your idea"
    if "image" not in kinds:
        return [
            (
                f"{INTRO}\n\nYou asked about *“{quote}”*. Here is my take:\n\n- **Idea:** keep it simple."
                "\n- **Detail:** one clear subject in flat colours.\n\nShall I go further?"
            )
        ]
    if size is not None and (size not in SCALES or (size == "512" and model == "gemini-nano-banana-2.1")):
        raise ApiError(400, f"Unsupported image size: {size}. Supported for models/{model}: 1K, 2K, 4K.")
    if (ratio := ratio or "1:1") not in RATIOS:
        raise ApiError(400, f"Unsupported aspect ratio: {ratio}. Supported: {', '.join(RATIOS)}.")
    scale = min(SCALES[size or "1K"], MAX_SIDE / max(RATIOS[ratio]))  # at most 2048 px on a side
    (width, height), seed, pieces = RATIOS[ratio], digest(model, prompt, ratio, size), list[Any]()
    for k in range(1, (count - 1 if count and count >= 2 else 1) + 1):
        heading = f"**Step {k}.** " if noun == "step" else f"### {NOUNS[noun]} {k}\n\n"
        if "text" in kinds and count is None:
            pieces.append(
                f"{INTRO} I applied *“{quote}”* and framed the change in **magenta**."
                if edit
                else f"{INTRO} I drew *“{quote}”* in **flat colours**."
            )
        elif "text" in kinds:
            pieces.append(f"{INTRO}\n\n{heading}*“{quote}”*." if k == 1 else f"{heading}Part {k}.")
        pieces.append(draw((round(width * scale), round(height * scale)), digest(seed, k, edit), edit, jpeg))
    return pieces


def prompt_tokens(contents: list[dict[str, Any]]) -> int:
    """Tokens of every text (four characters a token) and inline picture in ``contents``."""
    parts = [part for content in contents for part in content.get("parts") or []]
    return sum(len(p.get("text", "")) // 4 + 1 + INPUT_IMAGE_TOKENS * ("inlineData" in p) for p in parts)


def generate(model: str, body: dict[str, Any]) -> dict[str, Any]:
    """A ``GenerateContentResponse`` for a camelCase ``generateContent`` body."""
    contents, config = body["contents"], body.get("generationConfig") or {}
    makes_images, picture = MODELS[model][2], config.get("imageConfig") or {}
    modalities = config.get("responseModalities") or ["TEXT", "IMAGE"]
    kinds = {m.lower() for m in modalities} if makes_images else {"text"}
    turn_start = True  # an earlier model turn (consecutive model contents) must return its signatures
    for c, content in enumerate(contents if makes_images else [], 1):
        for p, part in enumerate(content.get("parts") or [] if content.get("role") == "model" else [], 1):
            if (turn_start or "inlineData" in part) and not part.get("thoughtSignature"):
                raise ApiError(
                    400, f"Image part is missing a thought_signature in content position {c}, part position {p}."
                )
            turn_start = False
        turn_start = turn_start or content.get("role") != "model"
    parts = contents[-1].get("parts") or []
    prompt = " ".join(part["text"] for part in parts if "text" in part and not part.get("thought"))
    edit = bool([unbase64(part["inlineData"]["data"]) for part in parts if "inlineData" in part])
    pieces = compose(model, prompt, kinds, edit, picture.get("aspectRatio"), picture.get("imageSize"))
    seed = digest(model, body)  # the first part and every picture carry a thought signature
    out: list[dict[str, Any]] = [
        {"inlineData": {"mimeType": "image/png", "data": b64(p)}} if isinstance(p, bytes) else {"text": p}
        for p in pieces
    ]
    for i in {0} | {i for i, part in enumerate(out) if "inlineData" in part}:
        out[i]["thoughtSignature"] = b64(digest(seed, i)[:24])
    text_out = sum(len(p) // 4 + 1 for p in pieces if isinstance(p, str))
    image_out, prompt_count = IMAGE_TOKENS * sum("inlineData" in p for p in out), prompt_tokens(contents)
    candidate = {"content": {"role": "model", "parts": out}, "finishReason": "STOP", "index": 0}
    if any("googleSearch" in tool for tool in body.get("tools") or []):
        candidate["groundingMetadata"] = {
            "webSearchQueries": [" ".join(prompt.split()[:6])],
            "groundingChunks": [
                {"web": {"uri": f"https://imitation.invalid/{k}", "title": f"Source {k}"}} for k in (1, 2)
            ],
            "searchEntryPoint": {"renderedContent": '<div class="imitation-search">Imitation search</div>'},
        }
    details = [{"modality": m, "tokenCount": n} for m, n in (("TEXT", text_out), ("IMAGE", image_out)) if n]
    usage = {
        "promptTokenCount": prompt_count,
        "candidatesTokenCount": text_out + image_out,
        "totalTokenCount": prompt_count + text_out + image_out + THOUGHT_TOKENS,
        "thoughtsTokenCount": THOUGHT_TOKENS,
        "candidatesTokensDetails": details,
    }
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": base64.urlsafe_b64encode(seed[:15]).decode(),
    }


def stream(answer: dict[str, Any], sse: bool) -> Any:
    """The answer in chunks: texts halved, pictures whole, finish and usage last (SSE text when ``sse``)."""
    whole, top = answer["candidates"][0], {key: answer[key] for key in ("modelVersion", "responseId")}
    cut = [(p, (t := p.get("text", ""))[: len(t) // 2], t[len(t) // 2 :]) for p in whole["content"]["parts"]]
    parts = [q for p, a, b in cut for q in ([p | {"text": a}, {"text": b}] if a else [p])]  # texts in halves
    out = [{"candidates": [{"content": {"role": "model", "parts": [p]}, "index": 0}], **top} for p in parts]
    last = whole | {"content": {"role": "model", "parts": [{"text": ""}]}}
    out.append({"candidates": [last], "usageMetadata": answer["usageMetadata"], **top})
    return "".join(f"data: {json.dumps(chunk)}\r\n\r\n" for chunk in out) if sse else out


def fill(schema: Any, root: Any, name: str = "value") -> Any:
    """A placeholder valid against a JSON schema: an enum's first value, every property and ``required`` key,
    two items (within ``minItems``/``maxItems``), local ``$ref``s followed, the first of ``anyOf``/``oneOf``."""
    schema = schema if isinstance(schema, dict) else {}
    if ref := schema.get("$ref"):
        target = root
        for key in filter(None, ref.removeprefix("#").split("/")):
            target = target[key]
        return fill(target, root, name)
    if "enum" in schema or "const" in schema:
        return schema["enum"][0] if "enum" in schema else schema["const"]
    if options := schema.get("anyOf") or schema.get("oneOf"):
        return fill(next((o for o in options if o.get("type") != "null"), options[0]), root, name)
    if "allOf" in schema:
        return fill({k: v for part in schema["allOf"] for k, v in part.items()}, root, name)
    kind = schema.get("type") or ("object" if "properties" in schema else "array" if "items" in schema else "string")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    if kind == "object":
        props = schema.get("properties") or {}
        keys = [*props, *(key for key in schema.get("required") or [] if key not in props)]
        return {key: fill(props.get(key), root, key) for key in keys}
    if kind == "array":
        count = min(max(2, schema.get("minItems", 0)), schema.get("maxItems", 100))
        return [fill(schema.get("items"), root, name) for _ in range(count)]
    if kind in ("integer", "number"):
        value = min(max(1, schema.get("minimum", 1)), schema.get("maximum", 1e9))
        return int(value) if kind == "integer" else float(value)
    return {"boolean": True, "null": None}.get(kind, f"sample {name}")


def step_events(index: int, step: dict[str, Any]) -> list[dict[str, Any]]:
    """One step streamed: ``step.start`` with the step's bulk left out, a ``step.delta`` per piece, ``step.stop``."""
    kind, deltas = step["type"], list[dict[str, Any]]()
    if kind == "thought":
        head = {"type": "thought"}
        deltas = [{"type": "thought_summary", "content": c} for c in step.get("summary", [])]
        deltas.append({"type": "thought_signature", "signature": step["signature"]})
    elif kind == "model_output":
        head, deltas = step | {"content": []}, step["content"]
    else:  # google_search_call (its arguments come as a delta) or google_search_result (its result likewise)
        bulk = "arguments" if kind == "google_search_call" else "result"
        head, deltas = step | {bulk: {} if bulk == "arguments" else []}, [{"type": kind, bulk: step[bulk]}]
    return [
        {"event_type": "step.start", "index": index, "step": head},
        *({"event_type": "step.delta", "index": index, "delta": delta} for delta in deltas),
        {"event_type": "step.stop", "index": index},
    ]


def interaction_events(interaction: dict[str, Any]) -> list[dict[str, Any]]:
    """A streamed create: created, each step (start, deltas, stop), completed; each with its own ``event_id``."""
    brief = {key: interaction[key] for key in ("id", "model", "created")}
    done = brief | {key: interaction[key] for key in ("status", "updated", "usage")}
    events: list[dict[str, Any]] = [
        {"event_type": "interaction.created", "interaction": brief | {"status": "in_progress"}},
        *(event for index, step in enumerate(interaction["steps"]) for event in step_events(index, step)),
        {"event_type": "interaction.completed", "interaction": done},
    ]
    return [event | {"event_id": f"evt_{ident(interaction['id'], k)}"} for k, event in enumerate(events)]


def sse(event: dict[str, Any]) -> str:
    """One event as Server-Sent Events text."""
    return f"event: {event['event_type']}\ndata: {json.dumps(event)}\n\n"


def user_steps(given: Any) -> list[dict[str, Any]]:
    """The ``user_input`` step(s) an ``input`` makes: a text, content blocks, or steps given as they are."""
    blocks = [b for b in (given if isinstance(given, list) else [given]) if b is not None]
    if any(isinstance(b, dict) and b.get("type") == "user_input" for b in blocks):
        return [b for b in blocks if isinstance(b, dict)]
    return [
        {"type": "user_input", "content": [{"type": "text", "text": b} if isinstance(b, str) else b for b in blocks]}
    ]


class Imitation:
    """A live imitation of the Gemini REST API on 127.0.0.1 (a context manager); ``requests`` logs requests.

    ``first_attempt_status`` (429, 500 or 503) fails the first sight of each distinct request (method, path,
    body), a step of a resumable upload included: the SDK's upload loop sends a step again when its answer has no
    ``x-goog-upload-status`` header, as a transient error's has not (after a real 1 s wait). A download is never
    failed so: the SDK sends it once, with no retry. ``latency`` seconds are slept before each answer.
    ``batch_seconds`` is how long a batch takes: PENDING when created, RUNNING after a fifth of it, then
    SUCCEEDED (its answers are made then, once). ``background_seconds`` is how long a background interaction
    stays ``in_progress``; ``event_delay`` seconds pass between two streamed interaction events."""

    def __init__(
        self,
        *,
        first_attempt_status: int | None = None,
        latency: float = 0.0,
        batch_seconds: float = 1.0,
        background_seconds: float = 0.5,
        event_delay: float = 0.0,
    ) -> None:
        self.first_attempt_status, self.latency, self.url = first_attempt_status, latency, ""
        self.batch_seconds, self.background_seconds, self.event_delay = batch_seconds, background_seconds, event_delay
        self.requests: list[dict[str, Any]] = []
        self._seen, self._interactions = set[bytes](), dict[str, dict[str, Any]]()
        self._files, self._uploads = dict[str, dict[str, Any]](), dict[str, dict[str, Any]]()
        self._batches = dict[str, dict[str, Any]]()
        self._count, self._serial, self._lock = 0, 0, threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads, self._server.imitation = True, self  # type: ignore[attr-defined]

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, method: str, path: str, raw: bytes, headers: dict[str, str]) -> Any:
        """Log one request and answer it: JSON-able data, SSE text (a ``str``, or an iterator of paced pieces of
        it) or a ``Reply``; raises on errors.

        A step of a resumable upload (``upload_id`` in the query) carries the file's bytes, logged as ``None``."""
        url = urlsplit(path)
        query, match = parse_qs(url.query), ROUTE.fullmatch(url.path)
        upload_id = query.get("upload_id", [None])[0]
        body: Any = json.loads(raw) if raw and not upload_id else None  # invalid JSON: a 400 from the handler
        with self._lock:
            self.requests.append({"method": method, "path": path, "body": body, "headers": headers})
            first = (key := digest(method, path, raw)) not in self._seen
            self._seen.add(key)
        time.sleep(self.latency)
        if not headers.get("x-goog-api-key") and not upload_id:  # the session URL is the upload's credential
            raise ApiError(
                403,
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to "
                "call this API.",
            )
        if first and (code := self.first_attempt_status) and not (match and match["verb"] == "download"):
            retry = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]
            raise ApiError(code, TRANSIENT[code], retry if code == 429 else None)
        if match is None:
            raise ApiError(404, "Not found.")
        side, version, collection, name, verb = match.groups()
        if (side, collection, method, name) == ("/upload", "files", "POST", None):
            return self.upload_step(upload_id, raw, headers) if upload_id else self.start_upload(body, headers, version)
        if collection == "files":
            return self.files(method, name, verb, query)
        if collection == "batches":
            return self.batch_call(method, name, verb, query)
        if collection == "interactions":
            return self.interaction_call(method, name, verb, query, body or {}, version)
        if collection == "models" and (method, name) == ("GET", None):
            return paged(list(RESOURCES.values()), query, "models")
        if collection == "models" and known(name, version) and (method, verb) == ("GET", None):
            return RESOURCES[name]
        if collection == "models" and (method, verb) == ("POST", "countTokens"):
            return {"totalTokens": prompt_tokens(body.get("contents") or [])}
        if collection == "models" and (method, verb) in {
            ("POST", "generateContent"),
            ("POST", "streamGenerateContent"),
        }:
            answer = generate(name, body)
            return answer if verb == "generateContent" else stream(answer, query.get("alt") == ["sse"])
        if collection == "models" and (method, verb) == ("POST", "batchGenerateContent"):
            return self.create_batch(name, body or {}, version)
        raise ApiError(404, "Not found.")

    # The Files API: a resumable upload in two steps, then get, list, delete, and download of generated files.

    def start_upload(self, body: dict[str, Any] | None, headers: dict[str, str], version: str) -> Reply:
        """Step one (``X-Goog-Upload-Command: start``): open a session, named by the ``x-goog-upload-url`` header."""
        if headers.get("x-goog-upload-protocol") != "resumable" or headers.get("x-goog-upload-command") != "start":
            raise ApiError(400, "Only resumable uploads are accepted here: send X-Goog-Upload-Command: start.")
        file = camelize((body or {}).get("file") or {})  # the SDK sends this body in snake_case
        size = int(headers.get("x-goog-upload-header-content-length") or file.get("sizeBytes") or 0)
        mime = headers.get("x-goog-upload-header-content-type") or file.get("mimeType")
        if not mime:
            raise ApiError(400, "Upload has no MIME type: set X-Goog-Upload-Header-Content-Type.")
        if (name := file.get("name")) and not re.fullmatch(r"files/[a-z0-9][a-z0-9-]{0,39}", name):
            raise ApiError(400, f"Invalid file name {name!r}: lowercase letters, digits and dashes, at most 40.")
        with self._lock:
            if name in self._files:
                raise ApiError(409, f"A file named {name} already exists.")
            self._serial += 1
            session = ident("upload", self._serial)
            self._uploads[session] = {"size": size, "mime": mime, "data": bytearray(), "file": file}
        url = f"{self.url}/upload/{version}/files?upload_id={session}&upload_protocol=resumable"
        return Reply(b"", {"x-goog-upload-url": url, "x-goog-upload-status": "active"})

    def upload_step(self, session: str, raw: bytes, headers: dict[str, str]) -> Reply:
        """Step two: the bytes at ``X-Goog-Upload-Offset``; with ``finalize``, the file (status ``final``).

        A refusal carries ``x-goog-upload-status: final`` too, so the SDK does not send it again."""
        final = {"x-goog-upload-status": "final"}
        commands = {c.strip() for c in headers.get("x-goog-upload-command", "").split(",")}
        with self._lock:
            if (upload := self._uploads.get(session)) is None:
                raise ApiError(404, f"Upload session {session} is unknown or already finished.", headers=final)
            if int(headers.get("x-goog-upload-offset") or 0) != len(upload["data"]):
                raise ApiError(400, f"Upload offset should be {len(upload['data'])}.", headers=final)
            upload["data"] += raw
            if "finalize" not in commands:
                return Reply(b"", {"x-goog-upload-status": "active"})
            del self._uploads[session]
            if len(upload["data"]) != upload["size"]:
                raise ApiError(
                    400, f"Upload declared {upload['size']} bytes but sent {len(upload['data'])}.", headers=final
                )
            file = self.store(
                upload["file"].get("name"), bytes(upload["data"]), upload["mime"], upload["file"].get("displayName")
            )
        return Reply(json.dumps({"file": file}, indent=2).encode(), final)

    def store(self, name: str | None, data: bytes, mime: str, display: str | None, made: bool = False) -> Any:
        """Keep a file (uploaded, or ``made`` by a batch, then downloadable) and return its ``File`` resource."""
        with self._lock:
            self._serial += 1
            name, created = name or f"files/{ident('file', self._serial)}", stamp(60 * self._serial)
            file = {
                "name": name,
                **({"displayName": display} if display else {}),
                "mimeType": mime,
                "sizeBytes": str(len(data)),
                "createTime": created,
                "updateTime": created,
                "expirationTime": stamp(60 * self._serial + 48 * 3600),  # files are kept two days
                "sha256Hash": b64(hashlib.sha256(data).hexdigest().encode()),
                "uri": f"{self.url}/v1beta/{name}",
                **({"downloadUri": f"{self.url}/download/v1beta/{name}:download?alt=media"} if made else {}),
                "state": "ACTIVE",
                "source": "GENERATED" if made else "UPLOADED",
            }
            self._files[name] = {"file": file, "data": data}
            return file

    def stored(self, name: str) -> dict[str, Any]:
        """A kept file and its bytes, or Google's 403 for a file that is not there (or not yours)."""
        if (kept := self._files.get(name)) is None:
            raise ApiError(
                403, f"You do not have permission to access the File {name.removeprefix('files/')} or it may not exist."
            )
        return kept

    def files(self, method: str, name: str | None, verb: str | None, query: dict[str, list[str]]) -> Any:
        """``files.list``, ``get``, ``delete``, and the bytes of a generated file (``:download?alt=media``)."""
        if (method, name) == ("GET", None):
            with self._lock:
                return paged([kept["file"] for kept in self._files.values()], query, "files")
        kept = self.stored(f"files/{name}")
        if (method, verb) == ("GET", None):
            return kept["file"]
        if (method, verb) == ("DELETE", None):
            with self._lock:
                self._files.pop(f"files/{name}", None)
            return {}
        if (method, verb) == ("GET", "download"):
            if kept["file"]["source"] != "GENERATED":
                raise ApiError(400, f"Only files the API made can be downloaded; files/{name} was uploaded.")
            return Reply(kept["data"], kind="application/octet-stream")
        raise ApiError(404, "Not found.")

    # The Batch API: a batch is an Operation-like resource whose ``metadata.state`` moves on as time passes.

    def create_batch(self, model: str, body: dict[str, Any], version: str) -> dict[str, Any]:
        """Queue inline requests (with their ``metadata``) or a JSON-lines file's ``{"key", "request"}`` lines."""
        batch, jobs = body.get("batch") or {}, list[dict[str, Any]]()
        source = batch.get("inputConfig") or {}
        if source.get("fileName"):
            text = self.stored(source["fileName"])["data"].decode("utf-8", "replace")
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError:
                    item = None
                if not isinstance(item, dict):  # answered with an error of its own, like a bad request
                    item = {"request": f"line {number} is not a JSON object"}
                jobs.append({"tag": {"key": item.get("key")}, "request": item.get("request")})
        else:
            for item in (source.get("requests") or {}).get("requests") or []:
                jobs.append({"tag": {"metadata": item["metadata"]} if "metadata" in item else {}, **item})
        if not jobs:
            raise ApiError(400, "The batch has no requests: give inline requests or a JSON-lines file of them.")
        with self._lock:
            self._serial += 1
            bid = ident("batch", self._serial)
            self._batches[bid] = {
                "name": f"batches/{bid}",
                "model": model,
                "version": version,
                "displayName": batch.get("displayName"),
                "jobs": jobs,
                "from_file": bool(source.get("fileName")),
                "minute": 60 * self._serial,
                "began": time.monotonic(),
                "ended": None,  # "BATCH_STATE_SUCCEEDED" or "BATCH_STATE_CANCELLED" once it has
                "output": None,
            }
            return self.batch_view(self._batches[bid])

    def answer_one(self, model: str, version: str, request: Any) -> dict[str, Any]:
        """One batched request's ``{"response": ...}``, or ``{"error": google.rpc.Status}`` when it fails."""
        try:
            if not isinstance(request, dict):
                raise ApiError(400, f"Invalid request: {request or 'no request field'}.")
            if unknown := [field for field in request if camel(field) not in REQUEST_FIELDS]:
                raise ApiError(
                    400,
                    f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at 'request': Cannot find field.",
                )
            request = camelize(request)
            if not request.get("contents"):
                raise ApiError(400, "* GenerateContentRequest.contents: contents is not specified")
            model = known(str(request.get("model") or model).removeprefix("models/"), version)
            return {"response": generate(model, request)}
        except ApiError as error:
            return {"error": error.status()}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            return {"error": ApiError(400, f"Invalid request: {error!r}").status()}

    def batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        """The batch as the API shows it now; the moment it is due, its requests are answered (once)."""
        with self._lock:
            elapsed, jobs = time.monotonic() - batch["began"], batch["jobs"]
            if batch["ended"] is None and elapsed >= self.batch_seconds:
                answers = [self.answer_one(batch["model"], batch["version"], job.get("request")) for job in jobs]
                results = [job["tag"] | answer for job, answer in zip(jobs, answers, strict=True)]
                if batch["from_file"]:
                    lines = "".join(json.dumps(result) + "\n" for result in results).encode()
                    made = self.store(
                        f"files/batch-{batch['name'].split('/')[1]}", lines, "application/jsonl", None, True
                    )
                    batch["output"] = {"responsesFile": made["name"]}
                else:
                    batch["output"] = {"inlinedResponses": {"inlinedResponses": results}}
                failed = sum("error" in result for result in results)
                batch["stats"] = {"successfulRequestCount": str(len(jobs) - failed), "failedRequestCount": str(failed)}
                batch["ended"] = "BATCH_STATE_SUCCEEDED"
            state = batch["ended"] or (
                "BATCH_STATE_PENDING" if elapsed < self.batch_seconds / 5 else "BATCH_STATE_RUNNING"
            )
            moved = {"BATCH_STATE_PENDING": 0, "BATCH_STATE_RUNNING": 1}.get(state, 2)  # seconds, on the fixed clock
            stats = batch.get("stats", {}) if batch["ended"] else {"pendingRequestCount": str(len(jobs))}
            metadata = {
                "@type": BATCH_TYPE,
                "name": batch["name"],
                "model": f"models/{batch['model']}",
                **({"displayName": batch["displayName"]} if batch["displayName"] else {}),
                "createTime": stamp(batch["minute"]),
                "updateTime": stamp(batch["minute"] + moved),
                **({"endTime": stamp(batch["minute"] + moved)} if batch["ended"] else {}),
                "batchStats": {"requestCount": str(len(jobs)), **stats},
                "state": state,
                **({"output": batch["output"]} if batch["output"] else {}),
            }
            done = {"done": True} if batch["ended"] else {}
            answer = {"response": {"@type": OUTPUT_TYPE, **batch["output"]}} if batch["output"] else {}
            return {"name": batch["name"], "metadata": metadata, **done, **answer}

    def batch_call(self, method: str, name: str | None, verb: str | None, query: dict[str, list[str]]) -> Any:
        """``batches.list``, ``get``, ``cancel`` (a batch not yet done becomes CANCELLED) and ``delete``."""
        if (method, name) == ("GET", None):
            with self._lock:
                return paged([self.batch_view(batch) for batch in list(self._batches.values())], query, "operations")
        with self._lock:
            if (batch := self._batches.get(str(name))) is None:
                raise ApiError(404, f"Batch batches/{name} was not found (never made, or deleted).")
            if (method, verb) == ("GET", None):
                return self.batch_view(batch)
            if (method, verb) == ("POST", "cancel"):
                if self.batch_view(batch)["metadata"]["state"] != "BATCH_STATE_SUCCEEDED":
                    batch["ended"] = "BATCH_STATE_CANCELLED"
                return {}
            if (method, verb) == ("DELETE", None):
                del self._batches[str(name)]
                return {}
        raise ApiError(404, "Not found.")

    # The Interactions API: an interaction is kept (unless store=false) with its events; one in the background
    # is answered at once but shows its steps only after ``background_seconds``, unless cancelled first.

    def interact(self, body: dict[str, Any], version: str) -> Any:
        """Create an ``Interaction`` in the "steps" schema; SSE pieces when ``stream`` is true. Only the request's
        own tools, system instruction and generation config apply: a chained turn inherits none of them."""
        model = known(str(body.get("model") or "").removeprefix("models/"), version)
        store, background = body.get("store", True) is not False, bool(body.get("background"))
        if background and not store:
            raise ApiError(400, "background=true needs a stored interaction; store=false keeps nothing to poll.")
        if (previous := body.get("previous_interaction_id")) and previous not in self._interactions:
            raise ApiError(404, f"Interaction {previous} was not found.")
        blocks = body["input"] if isinstance(body.get("input"), list) else [body.get("input")]
        steps = [b["content"] for b in blocks if isinstance(b, dict) and b.get("type") == "user_input"]
        blocks = (steps[-1] if isinstance(steps[-1], list) else [steps[-1]]) if steps else blocks
        prompt = " ".join(b if isinstance(b, str) else b.get("text", "") for b in blocks if b)
        pictures = sum(isinstance(b, dict) and b.get("type") == "image" for b in blocks)
        formats = body.get("response_format") or []
        formats = [  # a bare JSON schema (no output type) asks for JSON text
            f if f.get("type") in {"text", "image", "audio", "video"} else {"type": "text", "schema": f}
            for f in (formats if isinstance(formats, list) else [formats])
        ]
        kinds = {f.get("type") for f in formats} or set(body.get("response_modalities") or ["text", "image"])
        kinds = kinds if MODELS[model][2] else {"text"}
        config = body.get("generation_config") or {}
        image = next((f for f in formats if f.get("type") == "image"), None) or config.get("image_config") or {}
        ratio, size, jpeg = image.get("aspect_ratio"), image.get("image_size"), image.get("mime_type") == "image/jpeg"
        text = next((f for f in formats if f.get("type") == "text"), {})
        if text.get("mime_type") == "application/json" or "schema" in text:
            schema = text.get("schema") or {"type": "object", "properties": {"answer": {"type": "string"}}}
            pieces = [json.dumps(fill(schema, schema), ensure_ascii=False)]
            pieces += compose(model, prompt, {"image"}, pictures > 0, ratio, size, jpeg) if "image" in kinds else []
        else:
            pieces = compose(model, prompt, kinds, pictures > 0, ratio, size, jpeg)
            pieces += ["Let me know if you'd like any changes!"] if {"text", "image"} <= kinds else []  # output_text
        mime = "image/jpeg" if jpeg else "image/png"
        content = [
            {"type": "text", "text": p} if isinstance(p, str) else {"type": "image", "mime_type": mime, "data": b64(p)}
            for p in pieces
        ]
        searched = any(isinstance(t, dict) and t.get("type") == "google_search" for t in body.get("tools") or [])
        cited = next((c for c in content if c["type"] == "text"), None) if searched else None
        if cited is not None:  # the sources, as URL citations on the first text (the SDK's URLCitation)
            where = {"start_index": 0, "end_index": len(cited["text"])}
            cited["annotations"] = [{"type": "url_citation", "url": URL_SOURCE, "title": "Imitation source"} | where]
        text_out = sum(len(p) // 4 + 1 for p in pieces if isinstance(p, str))
        image_out = IMAGE_TOKENS * sum(isinstance(p, bytes) for p in pieces)
        # Server-side state: the earlier turns are not resent, so they cost only a small constant.
        tokens_in = len(prompt) // 4 + 1 + INPUT_IMAGE_TOKENS * pictures + EARLIER_TOKENS * bool(previous)
        by_kind = [{"modality": m, "tokens": n} for m, n in (("text", text_out), ("image", image_out)) if n]
        usage = {
            "total_input_tokens": tokens_in,
            "total_output_tokens": text_out + image_out,
            "total_thought_tokens": THOUGHT_TOKENS,
            "total_tokens": tokens_in + text_out + image_out + THOUGHT_TOKENS,
            "output_tokens_by_modality": by_kind,
            **({"grounding_tool_count": [{"type": "google_search", "count": 1}]} if searched else {}),
        }
        quote = " ".join(prompt.split()[:6]) or "your idea"
        with self._lock:
            self._count += 1
            iid, stamp = f"imi_{self._count:06d}", "2026-12-01T00:00:00Z"  # fixed, so answers repeat
            thought = {"type": "thought", "signature": b64(digest(iid)[:24])}
            if config.get("thinking_summaries") == "auto":
                thought["summary"] = [
                    {"type": "text", "text": f"**Reading the request**\n\nI'll keep *{quote}* simple."}
                ]
            found = [{"search_suggestions": f'<div class="imitation-search">{quote}</div>'}]
            search = [
                {"type": "google_search_call", "id": f"gs_{ident(iid)}", "arguments": {"queries": [quote]}},
                {"type": "google_search_result", "call_id": f"gs_{ident(iid)}", "result": found},
            ]
            interaction = {
                "id": iid,
                "status": "completed",
                "model": model,
                "created": stamp,
                "updated": stamp,
                **({"previous_interaction_id": previous} if previous else {}),
                "steps": [thought, *(search if searched else []), {"type": "model_output", "content": content}],
                "usage": usage,
            }
            record = {
                "done": interaction,
                "events": interaction_events(interaction),
                "user": user_steps(body.get("input")),
                "input": body.get("input"),
                "due": time.monotonic() + self.background_seconds * background,
                "cancelled": False,
            }
            if store:
                self._interactions[iid] = record
        return self.replay(record, None) if body.get("stream") else self.view(record, user=False)

    def state(self, record: dict[str, Any]) -> str:
        """The status now: cancelled, still in progress (in the background), or completed."""
        return (
            "cancelled" if record["cancelled"] else "in_progress" if time.monotonic() < record["due"] else "completed"
        )

    def view(self, record: dict[str, Any], user: bool, with_input: bool = False) -> dict[str, Any]:
        """The interaction as shown now: no model steps nor usage until completed; the ``user_input`` steps first
        when read back (``user``), as a create's answer has only the model's steps."""
        done, state = record["done"], self.state(record)
        shown = {key: value for key, value in done.items() if key != "usage" or state == "completed"}
        steps = (record["user"] if user else []) + (done["steps"] if state == "completed" else [])
        return shown | {"status": state, "steps": steps} | ({"input": record["input"]} if with_input else {})

    def replay(self, record: dict[str, Any], after: str | None) -> Iterator[str]:
        """The interaction's events as SSE pieces, from the one after ``after`` (an ``event_id``), each when due."""
        ids = [event["event_id"] for event in record["events"]]
        if after is not None and after not in ids:
            raise ApiError(400, f"last_event_id {after} names no event of interaction {record['done']['id']}.")
        events = record["events"][ids.index(after) + 1 if after else 0 :]

        def pieces() -> Iterator[str]:
            for n, event in enumerate(events):
                time.sleep(self.event_delay if n else 0)
                while event["event_type"] != "interaction.created" and self.state(record) == "in_progress":
                    time.sleep(0.01)
                if event["event_type"] != "interaction.created" and record["cancelled"]:
                    iid, kind = record["done"]["id"], "interaction.status_update"
                    yield sse(
                        {
                            "event_type": kind,
                            "interaction_id": iid,
                            "status": "cancelled",
                            "event_id": f"evt_{ident(iid, 'cancelled')}",
                        }
                    )
                    break
                yield sse(event)
            yield "data: [DONE]\n\n"

        return pieces()

    def interaction_call(
        self, method: str, name: str | None, verb: str | None, query: dict[str, list[str]], body: Any, version: str
    ) -> Any:
        """``interactions.create``, ``get`` (``stream=true`` replays its events, resumed after ``last_event_id``),
        ``cancel`` (a background one still in progress) and ``delete``."""
        if (method, name) == ("POST", None):
            return self.interact(body, version)
        with self._lock:
            if (record := self._interactions.get(str(name))) is None:
                raise ApiError(404, f"Interaction {name} was not found.")

        def arg(key: str) -> str | None:  # the SDK sends snake_case; the REST reference spells it camelCase
            return (query.get(key) or query.get(camel(key)) or [None])[0]

        if (method, verb) == ("GET", None):
            streamed, after = arg("stream") == "true", arg("last_event_id")
            if after and not streamed:
                raise ApiError(400, "last_event_id can be used only with stream=true.")
            return self.replay(record, after) if streamed else self.view(record, True, arg("include_input") == "true")
        if (method, verb) == ("DELETE", None):
            with self._lock:
                self._interactions.pop(str(name), None)
            return {}
        if (method, verb) == ("POST", "cancel"):
            with self._lock:
                if (state := self.state(record)) != "in_progress":
                    raise ApiError(
                        400,
                        f"Interaction {name} is {state}: only one in progress can be cancelled.",
                        kind="FAILED_PRECONDITION",
                    )
                record["cancelled"] = True
            return self.view(record, user=True)
        raise ApiError(404, "Not found.")


class _Handler(BaseHTTPRequestHandler):
    """Hands each HTTP request to the owning ``Imitation``; writes JSON (gzipped when asked), SSE or raw bytes."""

    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        """Stay quiet: no access log on stderr."""

    def handle(self) -> None:
        """Serve the connection's requests; a client that hangs up (during or after a stream) is no error."""
        with contextlib.suppress(ConnectionError):
            super().handle()

    def do_GET(self) -> None:
        """Run the request through the imitation and send the answer (also serves POST and DELETE)."""
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {key.lower(): value for key, value in self.headers.items()}
        imitation: Imitation = self.server.imitation  # type: ignore[attr-defined]
        extra: dict[str, str] = {}
        try:
            status, result = 200, imitation.handle(self.command, self.path, raw, headers)
        except ApiError as error:
            status, result, extra = error.code, error.body, error.headers
        except Exception as error:
            status, result = 400, ApiError(400, f"Invalid JSON payload received: {error!r}").body
        if isinstance(result, Iterator):  # paced SSE: each piece its own chunk, written as it comes
            self.send_response(status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in result:  # a client that drops the stream ends it here (a ConnectionError; see handle)
                data = piece.encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        if isinstance(result, Reply):
            extra, kind, data, plain = result.headers, result.kind, result.data, True
        elif isinstance(result, str):
            kind, data, plain = "text/event-stream", result.encode(), True
        else:
            kind, data, plain = JSON, json.dumps(result, ensure_ascii=False, indent=2).encode(), False
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for header, value in extra.items():
            self.send_header(header, value)
        if "gzip" in headers.get("accept-encoding", "") and not plain:
            data = gzip.compress(data, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_DELETE = do_GET  # noqa: N815 - the stdlib's handler names


def main() -> None:
    """Serve until killed, printing the URL as the first line of stdout."""
    parser = argparse.ArgumentParser(description="An imitation of the Gemini REST API.")
    parser.add_argument("--first-attempt-status", type=int, choices=sorted(TRANSIENT))
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--batch-seconds", type=float, default=1.0)
    parser.add_argument("--background-seconds", type=float, default=0.5)
    parser.add_argument("--event-delay", type=float, default=0.0)
    with Imitation(**vars(parser.parse_args())) as imitation:
        print(imitation.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
