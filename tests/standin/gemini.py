"""What the stand-in answers: Gemini REST request in, Gemini REST response (or error) out.

No HTTP here: `generate()` reads a parsed `generateContent` body and returns an `Answer`, which
becomes one response (`Answer.whole()`) or a list of stream chunks (`Answer.chunks()`). Errors are
raised as `ApiError`, whose `body()` has the real error shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from typing import Any

from . import draw, prompt

Json = dict[str, Any]

DOCS = "https://ai.google.dev/gemini-api/docs"


# ---------------------------------------------------------------------------------------------
# Errors


class ApiError(Exception):
    """An error answer: HTTP `code`, gRPC `status`, `message` and optional `details`."""

    def __init__(self, code: int, status: str, message: str, details: list[Json] | None = None):
        super().__init__(f"{code} {status}: {message}")
        self.code, self.status, self.message, self.details = code, status, message, details

    def body(self) -> Json:
        """The JSON body, as the real API sends it."""
        error: Json = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(message: str) -> ApiError:
    """400 INVALID_ARGUMENT."""
    return ApiError(400, "INVALID_ARGUMENT", message)


def permission_denied() -> ApiError:
    """403 for a request without any API key (the real API's wording)."""
    return ApiError(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity)."
        " Please use API Key or other form of API consumer identity to call this API.",
    )


def model_not_found(name: str, version: str, method: str) -> ApiError:
    """404 for an unknown model, naming it like the real API does."""
    return ApiError(
        404,
        "NOT_FOUND",
        f"models/{name} is not found for API version {version}, or is not supported for {method}."
        " Call ListModels to see the list of available models and their supported methods.",
    )


def not_found(path: str) -> ApiError:
    """404 for a path the stand-in does not serve."""
    return ApiError(404, "NOT_FOUND", f"Method not found: {path} (stand-in Gemini API).")


def fault(code: int) -> ApiError:
    """The error a queued fault answers with (see `StandinServer.queue_fault`)."""
    if code == 400:
        return ApiError(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                }
            ],
        )
    if code == 403:
        return permission_denied()
    if code == 429:
        return ApiError(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}],
        )
    if code == 500:
        return ApiError(
            500,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in"
            " https://developers.generativeai.google/guide/troubleshooting",
        )
    if code == 503:
        return ApiError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
    if code == 504:
        return ApiError(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")
    raise ValueError(f"no stand-in fault for HTTP {code}; use one of {sorted(FAULT_CODES)}")


FAULT_CODES = frozenset({400, 403, 429, 500, 503, 504})
RESPONSE_KINDS = frozenset({"blocked", "no_image", "image_safety", "empty", "thoughts"})


# ---------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class Model:
    """A model the stand-in knows."""

    id: str
    display_name: str
    makes_images: bool
    input_token_limit: int = 65536
    output_token_limit: int = 32768

    def resource(self) -> Json:
        """The `models/{id}` resource, as GET models returns it."""
        kind = "image generation" if self.makes_images else "text"
        return {
            "name": f"models/{self.id}",
            "version": "stand-in",
            "displayName": self.display_name,
            "description": f"Stand-in for {self.display_name} ({kind}): placeholder output, not Gemini.",
            "inputTokenLimit": self.input_token_limit,
            "outputTokenLimit": self.output_token_limit,
            "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
            "temperature": 1.0,
            "maxTemperature": 2.0,
            "topP": 0.95,
            "topK": 64,
            "thinking": True,
        }


MODELS: dict[str, Model] = {
    m.id: m
    for m in (
        Model("gemini-3.1-flash-image", "Gemini 3.1 Flash Image", True),
        Model("gemini-3-pro-image", "Gemini 3 Pro Image", True),
        Model("gemini-3.1-flash-lite-image", "Gemini 3.1 Flash-Lite Image", True),
        Model("gemini-3.1-flash", "Gemini 3.1 Flash", False, 1048576, 65536),
    )
}


def find_model(name: str, version: str, method: str) -> Model:
    """Return the known model `name` (with or without `models/`), else raise the 404."""
    name = name.removeprefix("models/")
    if name not in MODELS:
        raise model_not_found(name, version, method)
    return MODELS[name]


# ---------------------------------------------------------------------------------------------
# Sizes and tokens

ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}
IMAGE_SIZES = {"1K": 1, "2K": 2, "4K": 4}
IMAGE_TOKENS = {"1K": 1290, "2K": 1680, "4K": 2520}  # output tokens per generated image
INPUT_IMAGE_TOKENS = 258


def text_tokens(text: str) -> int:
    """A rough token count for text (about four characters a token)."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def pixel_size(image_config: Json, inputs: list[bytes]) -> tuple[int, int, str]:
    """Width, height and size name for `imageConfig` (input images set the default ratio)."""
    ratio = get(image_config, "aspectRatio")
    size = get(image_config, "imageSize") or "1K"
    if size not in IMAGE_SIZES:
        raise invalid_argument(
            f"Invalid image size '{size}'. Supported values are: {', '.join(IMAGE_SIZES)}."
        )
    if ratio is None:
        ratio = "1:1"
        if inputs:  # like the real API: keep the input's shape
            width, height = draw.image_size(inputs[0])
            ratio = min(ASPECT_RATIOS, key=lambda r: abs(math.log(_ratio(r) * height / width)))
    if ratio not in ASPECT_RATIOS:
        raise invalid_argument(
            f"Unsupported aspect ratio '{ratio}'. Supported values are: {', '.join(ASPECT_RATIOS)}."
        )
    width, height = ASPECT_RATIOS[ratio]
    scale = IMAGE_SIZES[size]
    return width * scale, height * scale, size


def _ratio(name: str) -> float:
    """'16:9' -> 16/9."""
    w, h = name.split(":")
    return int(w) / int(h)


# ---------------------------------------------------------------------------------------------
# Reading the request


@dataclass
class Request:
    """The parts of a generateContent body the stand-in uses."""

    model: Model
    body: Json
    prompt: str  # text of the last turn
    history_text: str  # all text, for token counts
    inputs: list[bytes]  # images of the last turn
    history_images: list[bytes]  # images of earlier turns, newest last
    modalities: set[str]
    image_config: Json
    include_thoughts: bool


def get(obj: Any, name: str, default: Any = None) -> Any:
    """`obj[name]` for a camelCase REST field, also accepting its snake_case spelling.

    The real API parses JSON either way, and the SDK sends some nested fields in snake_case
    (e.g. `thinkingConfig.include_thoughts`).
    """
    if not isinstance(obj, dict):
        return default
    if name in obj:
        return obj[name]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return obj.get(snake, default)


def decode_image_data(data: str, where: str) -> bytes:
    """Decode request base64 (the SDK sends URL-safe base64; plain clients send standard)."""
    try:
        text = data.replace("+", "-").replace("/", "_").strip()
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError, AttributeError):
        raise invalid_argument(
            f"Invalid value at '{where}' (TYPE_BYTES), Base64 decoding failed."
        ) from None


def read_request(model: Model, body: Json) -> Request:
    """Check and read a generateContent body; raise ApiError like the real API."""
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise invalid_argument("* GenerateContentRequest.contents: contents is not specified\n")
    texts: list[str] = []
    images: list[tuple[int, bytes]] = []
    for c_index, content in enumerate(contents):
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
            raise invalid_argument(
                f"* GenerateContentRequest.contents[{c_index}].parts: contents.parts must not be empty.\n"
            )
        for p_index, part in enumerate(content["parts"]):
            if not isinstance(part, dict):
                raise invalid_argument(f"Invalid value at 'contents[{c_index}].parts[{p_index}]'.")
            if isinstance(part.get("text"), str) and not part.get("thought"):
                texts.append(part["text"])
            inline = get(part, "inlineData")
            if isinstance(inline, dict) and not part.get("thought"):
                where = f"contents[{c_index}].parts[{p_index}].inline_data.data"
                images.append((c_index, decode_image_data(get(inline, "data", ""), where)))
    _check_signatures(model, contents)

    last = len(contents) - 1
    last_text = " ".join(
        p["text"] for p in contents[-1]["parts"] if isinstance(p.get("text"), str) and not p.get("thought")
    )
    config = get(body, "generationConfig") or {}
    modalities = {str(m).upper() for m in get(config, "responseModalities") or []}
    if not modalities:
        modalities = {"TEXT", "IMAGE"} if model.makes_images else {"TEXT"}
    if "IMAGE" in modalities and not model.makes_images:
        raise invalid_argument(
            "The requested combination of response modalities (" + ", ".join(sorted(modalities))
            + f") is not supported by the model models/{model.id}."
        )
    system = get(body, "systemInstruction") or {}
    texts += [p.get("text", "") for p in get(system, "parts", []) if isinstance(p, dict)]
    return Request(
        model=model,
        body=body,
        prompt=last_text.strip(),
        history_text=" ".join(texts),
        inputs=[data for index, data in images if index == last],
        history_images=[data for index, data in images if index != last],
        modalities=modalities,
        image_config=get(config, "imageConfig") or {},
        include_thoughts=bool(get(get(config, "thinkingConfig"), "includeThoughts")),
    )


def _check_signatures(model: Model, contents: list[Json]) -> None:
    """Gemini 3 rule: earlier model turns must send back their thought signatures.

    An image part, or the first part of a model turn, without `thoughtSignature` is refused
    (positions are 1-based, as in the real message). A turn is a run of consecutive
    `role: "model"` contents: a streamed chat keeps one content per chunk.
    """
    if not model.id.startswith("gemini-3"):
        return
    previous_role = None
    for c_index, content in enumerate(contents[:-1]):
        role, starts_turn = content.get("role"), content.get("role") != previous_role
        previous_role = role
        if role != "model":
            continue
        for p_index, part in enumerate(content["parts"]):
            is_image = get(part, "inlineData") is not None
            first = starts_turn and p_index == 0
            if (is_image or first) and not get(part, "thoughtSignature"):
                kind = "Image part" if is_image else "Part"
                raise invalid_argument(
                    f"{kind} is missing a thought_signature in content position {c_index + 1},"
                    f" part position {p_index + 1}. For more information, see {DOCS}/thought-signatures"
                )


# ---------------------------------------------------------------------------------------------
# The answer


@dataclass
class Answer:
    """A model answer before it is shaped as one response or as stream chunks."""

    model: Model
    response_id: str
    parts: list[Json] = field(default_factory=list)
    finish_reason: str | None = "STOP"
    finish_message: str | None = None
    has_candidate: bool = True
    has_content: bool = True
    block_reason: str | None = None
    prompt_tokens: dict[str, int] = field(default_factory=dict)  # by modality
    output_tokens: dict[str, int] = field(default_factory=dict)  # by modality
    thought_tokens: int = 0

    def usage(self) -> Json:
        """`usageMetadata` with per-modality details."""
        prompt_total = sum(self.prompt_tokens.values())
        output_total = sum(self.output_tokens.values())
        usage: Json = {"promptTokenCount": prompt_total}
        if output_total:
            usage["candidatesTokenCount"] = output_total
        usage["totalTokenCount"] = prompt_total + output_total + self.thought_tokens
        usage["promptTokensDetails"] = _details(self.prompt_tokens)
        if output_total:
            usage["candidatesTokensDetails"] = _details(self.output_tokens)
        if self.thought_tokens:
            usage["thoughtsTokenCount"] = self.thought_tokens
        return usage

    def _candidate(self, parts: list[Json] | None, last: bool) -> Json:
        candidate: Json = {}
        if self.has_content and parts is not None:
            content: Json = {"role": "model"}
            if parts:
                content["parts"] = parts
            candidate["content"] = content
        if last and self.finish_reason:
            candidate["finishReason"] = self.finish_reason
        if last and self.finish_message:
            candidate["finishMessage"] = self.finish_message
        candidate["index"] = 0
        return candidate

    def _envelope(self, candidate: Json | None, last: bool) -> Json:
        response: Json = {}
        if candidate is not None:
            response["candidates"] = [candidate]
        if self.block_reason:
            response["promptFeedback"] = {"blockReason": self.block_reason}
        if last:
            response["usageMetadata"] = self.usage()
        response["modelVersion"] = f"{self.model.id} (stand-in)"
        response["responseId"] = self.response_id
        return response

    def whole(self) -> Json:
        """The non-streaming `GenerateContentResponse`."""
        candidate = self._candidate(self.parts, last=True) if self.has_candidate else None
        return self._envelope(candidate, last=True)

    def chunks(self) -> list[Json]:
        """Stream chunks: long text split in two, an image whole, finish and usage on the last."""
        if not self.has_candidate or not self.parts:
            return [self.whole()]
        pieces: list[Json] = []
        for part in self.parts:
            text = part.get("text")
            if isinstance(text, str) and text.count(" ") >= 3 and not part.get("thought"):
                cut = text.index(" ", len(text) // 2) + 1 if " " in text[len(text) // 2 :] else len(text)
                pieces.append({**part, "text": text[:cut]})
                if text[cut:]:
                    signature = _signature(self.response_id, len(self.parts) + len(pieces))
                    pieces.append({**part, "text": text[cut:], "thoughtSignature": signature})
            else:
                pieces.append(part)
        return [
            self._envelope(self._candidate([piece], last=i == len(pieces) - 1), last=i == len(pieces) - 1)
            for i, piece in enumerate(pieces)
        ]


def _details(tokens: dict[str, int]) -> list[Json]:
    """[{"modality": "TEXT", "tokenCount": n}, ...] for non-zero counts."""
    return [{"modality": m, "tokenCount": n} for m, n in tokens.items() if n]


def response_id(model: Model, body: Json) -> str:
    """A deterministic id for this request."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(draw.digest("id", model.id, canonical, size=16)).decode().rstrip("=")


def _signature(response_id_: str, index: int) -> str:
    """A short deterministic `thoughtSignature` (standard base64, as the API sends)."""
    return base64.b64encode(b"standin:" + draw.digest("sig", response_id_, index, size=24)).decode()


def _image_part(png: bytes, thought: bool = False) -> Json:
    part: Json = {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode()}}
    if thought:
        part["thought"] = True
    return part


def generate(model: Model, body: Json, kind: str | None = None) -> Answer:
    """Answer a generateContent body (optionally shaped by a queued response `kind`)."""
    request = read_request(model, body)
    answer = Answer(model=model, response_id=response_id(model, body))
    answer.prompt_tokens = {
        "TEXT": text_tokens(request.history_text),
        "IMAGE": INPUT_IMAGE_TOKENS * (len(request.inputs) + len(request.history_images)),
    }
    words = prompt.keywords(request.prompt)
    hero = prompt.subject(words)
    summary = " ".join(words) or "(an empty prompt)"

    if kind == "blocked":
        answer.has_candidate, answer.block_reason, answer.finish_reason = False, "SAFETY", None
        return answer
    if kind == "image_safety":
        answer.finish_reason = "IMAGE_SAFETY"
        answer.finish_message = (
            "Unable to show the generated image. The image was filtered out because it violated"
            " Google's Generative AI Prohibited Use policy. (stand-in IMAGE_SAFETY response)"
        )
        return answer
    if kind == "empty":
        answer.has_content = False
        return answer
    if kind == "no_image":
        answer.finish_reason = "NO_IMAGE"
        _add_text(answer, f"I could not make an image of: {summary}. (Stand-in NO_IMAGE response.)")
        return _sign(answer)

    wants_image = "IMAGE" in request.modalities
    wants_text = "TEXT" in request.modalities
    if request.include_thoughts or kind == "thoughts":
        plan = f"**Planning the picture**\n\nStand-in thinking: draw {hero or 'the scene'} for: {summary}."
        answer.parts.append({"text": plan, "thought": True})
        answer.thought_tokens += text_tokens(plan)

    if not wants_image:
        _add_text(answer, f"Stand-in answer (not Gemini) about: {summary}.")
        return _sign(answer)

    sources = request.inputs or request.history_images[-1:]  # a chat edits its last image
    width, height, size_name = pixel_size(request.image_config, sources)
    if kind == "thoughts":
        draft = _scene(request, words, hero, width // 2, height // 2, "draft", draft=True)
        answer.parts.append(_image_part(draw.draw_scene(draft), thought=True))
        answer.thought_tokens += IMAGE_TOKENS[size_name]

    scenes = prompt.scene_count(request.prompt)
    if sources and not scenes:
        edit = draw.Edit(
            width, height, model.id, request.prompt, tuple(sources),
            tint=prompt.colour_in(request.prompt), subject=prompt.subject(words, strict=True),
        )
        if wants_text:
            _add_text(answer, f"Stand-in edit (not Gemini): applied “{request.prompt}” as a tint and caption.")
        _add_image(answer, draw.draw_edit(edit), size_name)
    elif scenes:
        label = "Step" if prompt.is_steps(request.prompt) else "Scene"
        who = f"the {hero}" if hero else "it"
        for number in range(1, scenes + 1):
            if wants_text:
                beat = _beat(number, scenes, label)
                _add_text(
                    answer,
                    f"{label} {number}: {who}, {beat}. (Stand-in {label.lower()} {number} of {scenes} for: {summary}.)",
                )
            caption = f"{label} {number} of {scenes}"
            scene = _scene(request, words, hero, width, height, caption, number - 1, scenes)
            _add_image(answer, draw.draw_scene(scene), size_name)
    else:
        if wants_text:
            _add_text(answer, f"Stand-in image for: {summary}.")
        _add_image(answer, draw.draw_scene(_scene(request, words, hero, width, height, "Image 1")), size_name)
    return _sign(answer)


def _beat(number: int, count: int, label: str) -> str:
    """A few words for scene `number` of `count` (so the scene texts differ)."""
    if label == "Step":
        return "first" if number == 1 else "last" if number == count else "next"
    if number == 1:
        return "at the beginning"
    if number == count:
        return "at the end"
    return "things change" if number < count - 1 or count == 3 else "the turning point"


def _scene(
    request: Request,
    words: list[str],
    hero: str | None,
    width: int,
    height: int,
    caption: str,
    index: int = 0,
    count: int = 1,
    draft: bool = False,
) -> draw.Scene:
    return draw.Scene(
        width=width,
        height=height,
        model=request.model.id,
        prompt=request.prompt,
        keywords=tuple(words),
        subject=hero,
        caption=caption,
        index=index,
        count=count,
        quoted=prompt.quoted_text(request.prompt),
        draft=draft,
    )


def _add_text(answer: Answer, text: str) -> None:
    answer.parts.append({"text": text})
    answer.output_tokens["TEXT"] = answer.output_tokens.get("TEXT", 0) + text_tokens(text)


def _add_image(answer: Answer, png: bytes, size_name: str) -> None:
    answer.parts.append(_image_part(png))
    answer.output_tokens["IMAGE"] = answer.output_tokens.get("IMAGE", 0) + IMAGE_TOKENS[size_name]


def _sign(answer: Answer) -> Answer:
    """Give every part a `thoughtSignature`."""
    for index, part in enumerate(answer.parts):
        part["thoughtSignature"] = _signature(answer.response_id, index)
    return answer


def count_tokens(model: Model, body: Json) -> Json:
    """A `countTokens` answer (same rough counts as usageMetadata)."""
    inner = get(body, "generateContentRequest") or body
    request = read_request(model, {**inner, "contents": inner.get("contents")})
    images = len(request.inputs) + len(request.history_images)
    details = _details({"TEXT": text_tokens(request.history_text), "IMAGE": INPUT_IMAGE_TOKENS * images})
    return {"totalTokens": sum(d["tokenCount"] for d in details), "promptTokensDetails": details}
