"""What the stand-in answers: Gemini REST request in, Gemini REST response (or error) out.

No HTTP here: `generate()` reads a parsed `generateContent` body and returns an `Answer`, which
becomes one response (`Answer.whole()`) or a list of stream chunks (`Answer.chunks()`). Errors are
raised as `ApiError`, whose `body()` has the real error shape.

`Plan.read` decides what a request asks for (an edit, a story of N scenes, a character sheet,
a scene using a reference image, recipe steps, a labelled diagram, an infographic chart, a single
picture, or a text-only explanation); README.md in this folder lists the prompt phrasings.
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures
import html
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import charcode, creatures, draw, prompt, story

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
    turns: list["Turn"] = field(default_factory=list)  # every content, grouped in role runs, in order
    search: bool = False  # tools include Google Search


@dataclass
class Turn:
    """One turn of the conversation: a run of contents with the same role."""

    role: str
    texts: list[str]
    images: int


def _turns(contents: list[Json]) -> list[Turn]:
    turns: list[Turn] = []
    for content in contents:
        role = content.get("role") or "user"
        texts = [p["text"] for p in content["parts"] if isinstance(p.get("text"), str) and not p.get("thought")]
        images = sum(1 for p in content["parts"] if get(p, "inlineData") is not None and not p.get("thought"))
        if turns and turns[-1].role == role:
            turns[-1].texts += texts
            turns[-1].images += images
        else:
            turns.append(Turn(role, texts, images))
    return turns


def _wants_search(body: Json) -> bool:
    """True when `tools` has googleSearch (or google_search, or the older googleSearchRetrieval)."""
    tools = body.get("tools")
    if not isinstance(tools, list):
        return False
    return any(
        isinstance(tool, dict) and (get(tool, "googleSearch") is not None or get(tool, "googleSearchRetrieval") is not None)
        for tool in tools
    )


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
        turns=_turns(contents),
        search=_wants_search(body),
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
    grounding: Json | None = None  # groundingMetadata, on the (last) candidate

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
        if last and self.grounding:
            candidate["groundingMetadata"] = self.grounding
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

    plan = Plan.read(request, words, hero)
    wants_image = "IMAGE" in request.modalities and plan.shape != "explain"
    wants_text = "TEXT" in request.modalities
    if request.include_thoughts or kind == "thoughts":
        plan_text = f"**Planning the picture**\n\nStand-in thinking: draw {hero or 'the scene'} for: {summary}."
        answer.parts.append({"text": plan_text, "thought": True})
        answer.thought_tokens += text_tokens(plan_text)

    if not wants_image:
        if plan.shape == "explain":
            _add_text(answer, explain(request))
        elif plan.shape == "story":  # the story's words without its pictures
            for number, beat in enumerate(story.story_beats(plan.characters, plan.count, plan.thing, plan.settings, plan.place_goal), 1):
                _add_text(answer, f"Scene {number}: {beat}" + (f" {plan.retold}" if plan.retold else ""))
        elif plan.shape == "recipe":
            dish = prompt.dish(request.prompt)
            _add_text(answer, f"Ingredients: the usual ingredients for {dish}. (Stand-in recipe: generic steps, not a real recipe.)")
            for number, (_, sentence) in enumerate(story.recipe_steps(dish, plan.count), start=1):
                _add_text(answer, f"Step {number}: {sentence}")
        else:
            _add_text(answer, f"Stand-in answer (not Gemini) about: {summary}.")
        return _finish(answer, request, plan)

    sources = request.inputs or request.history_images[-1:]  # a chat edits its last image
    width, height, size_name = pixel_size(request.image_config, sources if plan.shape == "edit" else request.inputs)
    if kind == "thoughts":
        draft = _scene(request, plan, width // 2, height // 2, "draft", draft=True)
        answer.parts.append(_image_part(draw.draw_scene(draft), thought=True))
        answer.thought_tokens += IMAGE_TOKENS[size_name]
    say = (lambda text: _add_text(answer, text)) if wants_text else (lambda text: None)
    show = lambda png: _add_image(answer, png, size_name)  # noqa: E731

    if plan.shape == "edit":
        edit = draw.Edit(
            width, height, model.id, request.prompt, tuple(sources),
            tint=prompt.colour_in(request.prompt), subject=prompt.subject(words, strict=True),
            style=prompt.style_in(request.prompt), settings=tuple(prompt.settings_in(request.prompt)), chips=plan.chips,
        )
        say(f"Stand-in edit (not Gemini): applied “{request.prompt}” as a tint and caption.")
        show(draw.draw_edit(edit))
    elif plan.shape == "sheet":
        sheet = draw.Sheet(width, height, model.id, tuple(plan.characters),
                           tuple(story.describe(c) for c in plan.characters), plan.style, plan.chips, plan.reference)
        views = "; ".join(f"{c.name} ({story.describe(c)})" for c in plan.characters)
        say(f"Stand-in character sheet (not Gemini): {views}, drawn from the front, the side and the back.")
        show(draw.draw_sheet(sheet))
    elif plan.shape == "recipe":
        dish = prompt.dish(request.prompt)
        steps = story.recipe_steps(dish, plan.count)
        say(f"Ingredients: the usual ingredients for {dish}. (Stand-in recipe: {len(steps)} generic steps, not a real recipe.)")
        pictures = _draw_all(draw.draw_step, [
            draw.Step(width, height, model.id, dish, number, len(steps), action, story.ICONS.get(action, "plate"),
                      plan.style, plan.chips)
            for number, (action, _) in enumerate(steps, start=1)
        ])
        for number, ((_, sentence), png) in enumerate(zip(steps, pictures), start=1):
            say(f"Step {number}: {sentence}")
            show(png)
    elif plan.shape in ("diagram", "chart"):
        centre = None
        about = prompt.topic(request.prompt) or ""
        noun = next((w for w in reversed(prompt.keywords(about, 8)) if creatures.kind_of(w)), None)
        if noun:
            centre = draw.character_for(noun)
        diagram = draw.Diagram(
            width, height, model.id, plan.title, tuple(plan.labels), plan.cycle,
            tuple((b.label, b.text, b.value) for b in plan.bars), centre, plan.chips, plan.style,
            "infographic" if prompt.is_infographic(request.prompt) else "labelled diagram",
        )
        if plan.bars:
            say(f"Stand-in infographic (not Gemini): {plan.title}: " + "; ".join(f"{b.label} {b.text}" for b in plan.bars) + ".")
        else:
            numbered = not any(ch.isdigit() for label in plan.labels for ch in label)
            listed = ", ".join(f"{n} {label}" if numbered else label for n, label in enumerate(plan.labels, start=1))
            kind_name = "infographic" if prompt.is_infographic(request.prompt) else "labelled diagram"
            say(f"Stand-in {kind_name} (not Gemini) of {plan.title[:1].lower() + plan.title[1:]}: {listed}.")
        show(draw.draw_diagram(diagram))
    elif plan.shape == "story":
        label = "Step" if prompt.is_steps(request.prompt) and not prompt.is_retell(request.prompt) else "Scene"
        beats = story.story_beats(plan.characters, plan.count, plan.thing, plan.settings, plan.place_goal)
        pictures = _draw_all(draw.draw_scene, [
            _scene(request, plan, width, height, f"{label} {number} of {plan.count}", number - 1, plan.count,
                   beat=_short_beat(beat), prop=plan.thing if number > plan.count // 2 and not plan.place_goal else None)
            for number, beat in enumerate(beats, start=1)
        ])
        for number, (beat, png) in enumerate(zip(beats, pictures), start=1):
            say(f"{label} {number}: {beat}" + (f" {plan.retold}" if plan.retold else ""))
            show(png)
    else:
        beat = prompt.scene_phrase(request.prompt)
        if plan.reference is not None:
            who = ", ".join(f"{c.name} ({story.describe(c)})" for c in plan.characters if c.named) or "the subject"
            lead = f"{beat}. " if beat else ""
            say(f"{lead}(Stand-in new scene, not Gemini, drawn from your reference image: {who}; for: {summary}.)")
        else:
            where = ", ".join(x for x in (plan.place, plan.when) if x)
            look = ", ".join(([f"{plan.style} style"] if plan.style else []) + [prompt.SETTING_PHRASES[s] for s in plan.settings])
            say(f"Stand-in image for: {summary}." + (f" Set in {where}." if where else "") + (f" Look: {look}." if look else ""))
        prop = story.scene_prop(request.prompt, plan.characters) if plan.characters else None
        show(draw.draw_scene(_scene(request, plan, width, height, "Image 1", beat=beat, prop=prop)))
    return _finish(answer, request, plan)


_WORKERS = max(1, min(4, os.cpu_count() or 1))


def _draw_all(drawer: Callable[[Any], bytes], pictures: list[Any]) -> list[bytes]:
    """Draw several pictures at once (Pillow releases the GIL while it works); results in order."""
    if len(pictures) < 2 or _WORKERS == 1:
        return [drawer(picture) for picture in pictures]
    with concurrent.futures.ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="standin-draw") as pool:
        return list(pool.map(drawer, pictures))


def _short_beat(beat: str) -> str:
    """The first clause of a beat, for the picture."""
    return beat.split(", curious")[0].split(": ", 1)[-1].rstrip(".")


def _finish(answer: Answer, request: Request, plan: "Plan") -> Answer:
    if request.search:
        answer.grounding = grounding(request, plan, answer.parts)
    return _sign(answer)


# ---------------------------------------------------------------------------------------------
# Reading what to draw


_USES_SHEET = re.compile(
    r"\b(?:using|use|from|based on|with|follow(?:ing)?|per|like|match(?:ing)?)\s+(?:the|this|that|my|your|our)\s+"
    r"(?:\w+\s+)?(?:character |model |reference )?(?:sheet|turn-?around)",
    re.IGNORECASE,
)


@dataclass
class Plan:
    """What one request asks for: the shape of the answer and what goes in the pictures."""

    shape: str  # edit, sheet, recipe, diagram, chart, story, single, explain
    characters: list[story.Character]
    style: str | None = None
    settings: list[str] = field(default_factory=list)
    count: int = 1
    retold: str | None = None  # "Retold: Pip is braver; winter."
    thing: str | None = None
    place_goal: bool = False  # the thing is a place to reach ("the park"), not an object to find
    reference: bytes | None = None
    title: str = ""
    labels: list[str] = field(default_factory=list)
    bars: list[prompt.Bar] = field(default_factory=list)
    cycle: bool = False
    when: str | None = None
    place: str | None = None
    chips: tuple[str, ...] = ()
    seed: str = ""  # seeds the background: the prompt without style and setting words

    @classmethod
    def read(cls, request: Request, words: list[str], hero: str | None) -> "Plan":
        text = request.prompt
        earlier = earlier_user_texts(request)
        history_scenes = _history_scene_count(request)
        has_history = any(t.role == "model" for t in request.turns[:-1])
        references = request.inputs or request.history_images[-1:]
        reference = prompt.wants_reference(text) and bool(references)
        sheet = prompt.is_sheet(text) and not _USES_SHEET.search(text)
        recipe = prompt.is_recipe(text)
        bars = prompt.bars(text) if prompt.is_infographic(text) else []
        chart = len(bars) >= 2
        diagram = prompt.is_diagram(text) or (prompt.is_infographic(text) and not chart)
        count = prompt.scene_count(text)
        style_now, settings_now, changes = prompt.style_in(text), prompt.settings_in(text), prompt.traits(text)
        fresh = prompt.wants_new_image(text)
        continues = history_scenes > 0 and (
            prompt.is_retell(text) or (bool(settings_now or style_now or changes) and not fresh))
        new_kind = sheet or recipe or chart or diagram or count > 0

        if has_history and prompt.is_explain(text) and not new_kind:
            return cls("explain", [])
        if request.inputs and not reference and not new_kind:
            return cls("edit", [], chips=_chips(request))
        if request.history_images and not request.inputs and not (reference or new_kind or continues or fresh):
            return cls("edit", [], chips=_chips(request))

        # Style and settings carry over from earlier turns for character pictures.
        style = style_now or next((s for t in reversed(earlier) if (s := prompt.style_in(t))), None)
        seen = _coded_characters(references) if (reference or sheet) else []
        characters = story.find_characters(text, earlier, fallback=hero, seen=seen)
        plan = cls("single", characters, style=style, seed=prompt.scene_seed(text))
        plan.reference = references[0] if reference else None
        if sheet:
            plan.shape = "sheet"
            plan.characters = [c for c in characters][:2]
        elif recipe:
            plan.shape, plan.style = "recipe", style_now
            plan.count = prompt.step_count(text)
        elif chart or diagram:
            plan.shape, plan.style = ("chart" if chart else "diagram"), style_now
            plan.title = prompt.chart_title(text) if chart else (prompt.topic(text) or " ".join(words[:3]) or "diagram")
            plan.title = plan.title[:1].upper() + plan.title[1:]
            plan.bars = bars if chart else []
            plan.labels = [] if chart else prompt.diagram_labels(text)
            plan.cycle = re.search(r"\b(?:cycle|process|stages|loop|life ?cycle|steps)\b", text, re.IGNORECASE) is not None
        else:
            settings: list[str] = []
            for t in [*earlier, text]:
                settings += [s for s in prompt.settings_in(t) if s not in settings]
            plan.settings = settings
            plan.when, plan.place = prompt.time_and_place(
                text, frozenset(c.name.lower() for c in characters))
            if count or continues:
                plan.shape = "story"
                plan.count = count if count and prompt._STORY_COUNT.search(text) else history_scenes or count
                # Changes since the story was told (a chat keeps them: winter, then night).
                origin = _story_origin(earlier)
                since = [*earlier[origin + 1 :], text] if continues else [text]
                changes = [change for t in since for change in prompt.traits(t)]
                changed_settings = [s for s in settings if any(s in prompt.settings_in(t) for t in since)]
                changed_style = next((s for t in reversed(since) if (s := prompt.style_in(t))), None)
                plan.characters = story.with_traits(characters, changes)
                if prompt.is_retell(text) or continues:
                    plan.retold = story.retold(characters, changes, changed_settings, changed_style)
                plan.thing, plan.place_goal = story.story_goal(" ".join([*earlier, text]), characters)
                if continues:  # the same story: start from the same pictures
                    plan.seed = prompt.scene_seed(earlier[_story_origin(earlier)] if earlier else text)
        plan.chips = _chips(request, plan.when, plan.place)
        return plan


def _story_origin(texts: list[str]) -> int:
    """Index of the text that first told the latest story (not a retelling); else the last index."""
    tellings = [i for i, t in enumerate(texts) if prompt.scene_count(t) and not prompt.is_retell(t)]
    return tellings[-1] if tellings else len(texts) - 1


def _coded_characters(images: list[bytes]) -> list[story.Character]:
    """Characters coded on stand-in character sheets among the reference images."""
    found = []
    for data in images:
        try:
            character = charcode.read_code(draw.open_image(data))
        except (OSError, ValueError):
            character = None
        if character is not None and character.name not in {c.name for c in found}:
            found.append(character)
    return found


def earlier_user_texts(request: Request) -> list[str]:
    """Text of the user turns before the last one (and the system instruction), oldest first."""
    system = get(request.body, "systemInstruction") or {}
    texts = [p.get("text", "") for p in get(system, "parts", []) if isinstance(p, dict)]
    return texts + [" ".join(t.texts) for t in request.turns[:-1] if t.role != "model"]


_SCENE_TEXT = re.compile(r"^(?:Scene|Step) \d+:")


def _history_scene_count(request: Request) -> int:
    """How many scenes the latest story in the conversation had (0: none)."""
    for turn in reversed(request.turns[:-1]):
        if turn.role == "model":
            scenes = sum(1 for t in turn.texts if _SCENE_TEXT.match(t))
            if scenes >= 1 and turn.images >= 2:
                return min(prompt.MAX_SCENES, scenes)
    return 0


def _chips(request: Request, when: str | None = None, place: str | None = None) -> tuple[str, ...]:
    chips = []
    if when or place:
        chips.append("\n".join(x for x in (place, when) if x))
    if request.search:
        chips.append("grounded (stand-in sources)")
    return tuple(chips)


def explain(request: Request) -> str:
    """A text answer about the previous picture, built from the words of the earlier turns."""
    earlier = [t for t in earlier_user_texts(request) if t.strip() and not prompt.is_explain(t)]
    if not earlier:
        if request.inputs:
            return (f"Stand-in explanation (not Gemini): you sent {len(request.inputs)} image(s); the stand-in cannot"
                    f" see them, so it only echoes your question: {' '.join(prompt.keywords(request.prompt))}.")
        return f"Stand-in answer (not Gemini) about: {' '.join(prompt.keywords(request.prompt))}."
    shown = " ".join(next((t.texts for t in reversed(request.turns[:-1]) if t.role == "model" and t.images), []))
    scenes = len(re.findall(r"(?:^|\s)Scene \d+:", shown))
    origin = _story_origin(earlier)
    before = earlier[-1]
    if scenes:  # a story, maybe retold over several turns: its words start where it was first asked
        before = " ".join(earlier[origin:])
    words = prompt.keywords(before, 12)
    characters = story.find_characters(earlier[origin] if scenes else before, earlier[:origin])
    if scenes:
        what = f"a {scenes}-scene story about {story.names_of(characters)}"
        retold = re.search(r"Retold: ([^.]*)\.", shown)
        if retold:
            what += f", retold ({retold.group(1)})"
    elif prompt.is_sheet(before):
        what = "a character sheet showing " + " and ".join(c.name for c in characters) + " from the front, side and back"
    elif prompt.is_recipe(before):
        what = f"{prompt.step_count(before)} numbered recipe steps for {prompt.dish(before)}"
    elif prompt.is_infographic(before) and len(prompt.bars(before)) >= 2:
        what = f"an infographic bar chart of {prompt.chart_title(before).lower()} (" + ", ".join(
            f"{b.label} {b.text}" for b in prompt.bars(before)) + ")"
    elif prompt.is_diagram(before):
        what = f"a labelled diagram of {prompt.topic(before) or 'the topic'} with " + ", ".join(prompt.diagram_labels(before))
    else:
        what = "a picture of " + " ".join(words)
    sentences = [f"Stand-in explanation (not Gemini): I drew {what}."]
    when, place = prompt.time_and_place(before, frozenset(c.name.lower() for c in characters))
    if when or place:
        sentences.append("It is set in " + ", ".join(x for x in (place, when) if x) + ", because you asked for that time and place.")
    if not (prompt.is_diagram(before) or prompt.is_recipe(before) or prompt.is_infographic(before)):
        sentences += [f"{c.label[:1].upper() + c.label[1:]} is drawn as {story.describe(c)}, the same in every picture."
                      for c in characters if c.named or c.kind]
    style = next((s for t in reversed(earlier) if (s := prompt.style_in(t))), None) if scenes else prompt.style_in(before)
    settings = prompt.settings_in(before)
    if style or settings:
        sentences.append("The look follows your words: " + ", ".join(
            ([f"{style} style"] if style else []) + [prompt.SETTING_PHRASES[s] for s in settings]) + ".")
    sentences.append("Why: those are the key words of your request (" + ", ".join(words) + ").")
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------
# Grounding with (stand-in) search


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "topic"


def grounding(request: Request, plan: "Plan", parts: list[Json]) -> Json:
    """`groundingMetadata` in the real shape, pointing at clearly stand-in example.org sources."""
    words = prompt.keywords(request.prompt, 6)
    topics = []
    if plan.title:
        topics.append(plan.title.lower())
    topics.append(" ".join(words[:5]) or "general knowledge")
    if plan.place or plan.when:
        topics.append(" ".join(x for x in (plan.place, plan.when) if x))
    queries: list[str] = []
    for topic in topics:
        if topic not in queries:
            queries.append(topic)
    queries = queries[:3]
    chunks = [
        {"web": {"uri": f"https://example.org/standin/{_slug(q)}", "title": f"Stand-in source: {q}", "domain": "example.org"}}
        for q in queries
    ]
    supports = []
    for index, part in enumerate(parts):
        text = part.get("text")
        if not isinstance(text, str) or part.get("thought") or not text:
            continue
        sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
        supports.append({
            "segment": {"partIndex": index, "startIndex": 0, "endIndex": len(sentence.encode("utf-8")), "text": sentence},
            "groundingChunkIndices": [len(supports) % len(chunks)],
        })
    chips = "".join(
        f'<a class="chip" href="https://example.org/standin/search?q={_slug(q)}">{html.escape(q)}</a>' for q in queries)
    rendered = (
        '<div class="standin-search"><span>Stand-in search results (example.org placeholders, not Google)</span>'
        f"{chips}</div>"
    )
    metadata: Json = {"webSearchQueries": queries, "groundingChunks": chunks}
    if supports:
        metadata["groundingSupports"] = supports
    metadata["searchEntryPoint"] = {"renderedContent": rendered}
    return metadata


def _scene(
    request: Request,
    plan: "Plan",
    width: int,
    height: int,
    caption: str,
    index: int = 0,
    count: int = 1,
    draft: bool = False,
    beat: str | None = None,
    prop: str | None = None,
) -> draw.Scene:
    words = prompt.keywords(request.prompt)
    return draw.Scene(
        width=width,
        height=height,
        model=request.model.id,
        prompt=plan.seed or request.prompt,
        keywords=tuple(words),
        subject=prompt.subject(words),
        caption=caption,
        index=index,
        count=count,
        quoted=prompt.quoted_text(request.prompt),
        draft=draft,
        characters=tuple(plan.characters),
        style=plan.style,
        settings=tuple(plan.settings),
        beat=beat,
        chips=plan.chips,
        reference=plan.reference,
        prop=prop,
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
