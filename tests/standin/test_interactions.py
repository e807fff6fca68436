"""The Interactions API of the stand-in through the real SDK: streams (paced, with event ids, replayed and resumed),
delete and cancel, background interactions, store=false, JSON that follows a schema, thought summaries, Google Search
steps, JPEG pictures, the 2026-05 response_format beside the deprecated settings, and countTokens with pictures.

Wire shapes are those google-genai 3.6.1 parses (``google/genai/_gaos``: ``interactions.py`` for the methods,
``types/interactions/*`` for Interaction, steps and stream events)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from google import genai
from google.genai import _interactions, types

from standin import StandinServer, draw, rules, wire
from tests.standin import MODEL, NANO, images_of, opened
from tests.support import png

BACKGROUND = 1.0  # seconds a background interaction takes here (long enough for a loaded machine's requests)
JSON = {"type": "text", "mime_type": "application/json"}
SCENES = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "scenes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"number": {"type": "integer", "minimum": 1}, "caption": {"type": "string"}},
                "required": ["number", "caption"],
            },
        },
    },
    "required": ["title", "scenes"],
}
ANSWERS = """
[[answer]]
prompt = "Plan the recorded storyboard."
parts = [
  { text = "ignored when JSON is asked for" },
  { json = { title = "Pip", scenes = [{ number = 1, caption = "A beach" }] } },
]

[[answer]]
prompt = "Think hard about a kite."
parts = [{ thought = "Planning the kite: %s" }, { text = "Here is the kite." }, { image = "A kite" }]

[[answer]]
prompt = "A poster of the weather in Lisbon."
parts = [{ text = "Sunny, 21 °C." }, { image = "Lisbon, sunny" }]
grounding = { queries = ["Lisbon weather", "Lisbon forecast"], sources = [["A forecast", "https://example.org/f"]] }
""" % ("a long thought " * 120)
SEARCH = [{"type": "google_search"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandinServer]:
    path = tmp_path_factory.mktemp("answers") / "interactions.toml"
    path.write_text(ANSWERS, encoding="utf-8")
    with StandinServer(str(path), background_seconds=BACKGROUND) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: StandinServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def create(client: genai.Client, prompt: str = "a kite", **fields: Any) -> Any:
    return client.interactions.create(model=MODEL, input=prompt, **fields)


def refused(call: Any, error: type = _interactions.BadRequestError) -> str:
    with pytest.raises(error) as caught:
        call()
    return str(caught.value)


def picture_of(interaction: Any) -> bytes:
    return base64.b64decode(interaction.output_image.data)


# -- streams: paced, with event ids, replayed and resumed ------------------------------------------------


def test_a_stream_sends_text_first_then_the_picture_after_a_time_that_grows_with_its_size() -> None:
    """Only lower bounds, which a busy machine cannot break: a picture never comes before its time is up."""
    with StandinServer(picture_seconds=0.3) as server:
        client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
        list(create(client, stream=True))  # warm: fonts, the SDK's first parse
        took = {}
        for size in ("1K", "2K"):  # 2K has four times the pixels of 1K
            formats = [{"type": "text"}, {"type": "image", "aspect_ratio": "1:1", "image_size": size}]
            start = time.monotonic()
            got = [(time.monotonic() - start, event) for event in create(client, stream=True, response_format=formats)]
            deltas = [(when, event.delta.type) for when, event in got if event.event_type == "step.delta"]
            assert [kind for _, kind in deltas] == ["thought_signature", "text", "image"]
            took[size] = deltas[2][0]  # the text came before; the picture after its time
    assert took["1K"] >= 0.3 and took["2K"] >= 4 * 0.3, took


def test_every_event_has_its_own_id_and_the_last_event_repeats_no_steps(client: genai.Client) -> None:
    events = list(create(client, "a red kite", stream=True))
    ids = [event.event_id for event in events]
    assert all(ids) and len(set(ids)) == len(ids)
    assert [e.event_type for e in events][:2] == ["interaction.created", "step.start"]
    assert events[0].interaction.status == "in_progress" and events[0].interaction.id == events[-1].interaction.id
    assert events[-1].interaction.status == "completed" and events[-1].interaction.steps is None
    assert events[-1].interaction.usage.total_output_tokens > 0


def test_get_with_stream_replays_the_events_and_last_event_id_resumes_after_one(client: genai.Client) -> None:
    events = list(create(client, "a blue kite", stream=True))
    interaction_id = events[0].interaction.id
    replayed = list(client.interactions.get(interaction_id, stream=True))
    assert [e.model_dump() for e in replayed] == [e.model_dump() for e in events]
    resumed = list(client.interactions.get(interaction_id, stream=True, last_event_id=events[3].event_id))
    assert [e.event_id for e in resumed] == [e.event_id for e in events[4:]]
    said = refused(lambda: list(client.interactions.get(interaction_id, stream=True, last_event_id="nope")))
    assert "'nope' is not an event of interaction" in said


# -- delete and cancel ----------------------------------------------------------------------------------


def test_delete_answers_what_the_sdk_reads_and_the_interaction_is_gone(client: genai.Client) -> None:
    made = create(client, "a green kite", response_format=[{"type": "text"}])
    assert client.interactions.delete(made.id) is None
    assert f"Interaction {made.id} was not found" in refused(
        lambda: client.interactions.get(made.id), _interactions.NotFoundError
    )
    refused(lambda: client.interactions.delete(made.id), _interactions.NotFoundError)


def test_cancel_stops_a_background_interaction_in_progress(client: genai.Client) -> None:
    started = create(client, "a kite to cancel", background=True)
    cancelled = client.interactions.cancel(started.id)
    assert (cancelled.id, cancelled.status, cancelled.steps) == (started.id, "cancelled", None)
    time.sleep(BACKGROUND + 0.1)
    assert client.interactions.get(started.id).status == "cancelled"  # it never completes
    events = list(client.interactions.get(started.id, stream=True))
    assert [e.event_type for e in events] == ["interaction.created", "interaction.completed"]
    assert events[-1].interaction.status == "cancelled"


def test_cancel_of_a_finished_interaction_is_refused_saying_so(client: genai.Client) -> None:
    done = create(client, "a finished kite", response_format=[{"type": "text"}])
    said = refused(lambda: client.interactions.cancel(done.id))
    assert "FAILED_PRECONDITION" in said and f"Interaction {done.id} has already finished (completed)" in said
    refused(lambda: client.interactions.cancel("standin-nope"), _interactions.NotFoundError)


# -- background -------------------------------------------------------------------------------------------


def test_background_answers_at_once_in_progress_then_completed_with_its_steps(client: genai.Client) -> None:
    start = time.monotonic()
    started = create(client, "a kite in the background", background=True)
    assert time.monotonic() - start < BACKGROUND
    assert started.status == "in_progress" and started.steps is None and started.usage is None
    polled = client.interactions.get(started.id)
    assert polled.status == "in_progress" and polled.output_image is None
    time.sleep(max(0.0, start + BACKGROUND - time.monotonic()))
    done = client.interactions.get(started.id)
    while done.status == "in_progress" and time.monotonic() - start < BACKGROUND + 5:  # the server started later
        time.sleep(0.05)
        done = client.interactions.get(started.id)
    assert done.status == "completed" and [s.type for s in done.steps] == ["thought", "model_output"]
    assert opened(picture_of(done)).size == NANO.pixel_size("1:1") and done.usage.total_output_tokens > 0


def test_a_background_stream_sends_created_at_once_and_the_rest_when_ready(client: genai.Client) -> None:
    start, got = time.monotonic(), []
    for event in create(client, "a streamed background kite", background=True, stream=True):
        got.append((time.monotonic() - start, event.event_type))
    assert got[0][1] == "interaction.created" and got[0][0] < BACKGROUND
    assert got[1][0] >= BACKGROUND * 0.9 and got[-1][1] == "interaction.completed"


# -- store=false ------------------------------------------------------------------------------------------


def test_store_false_keeps_nothing_and_a_later_turn_naming_it_is_refused_saying_why(client: genai.Client) -> None:
    made = create(client, "an unstored kite", store=False)
    assert made.status == "completed" and picture_of(made)
    refused(lambda: client.interactions.get(made.id), _interactions.NotFoundError)
    said = refused(lambda: create(client, "make it blue", previous_interaction_id=made.id))
    assert f"Interaction {made.id} was created with store=false, so it was not kept" in said


def test_background_with_store_false_is_refused_saying_why(client: genai.Client, server: StandinServer) -> None:
    before = len(server.interactions)
    said = refused(lambda: create(client, "a kite", background=True, store=False))
    assert "background=true requires store=true" in said and len(server.interactions) == before


# -- JSON that follows a schema ---------------------------------------------------------------------------


def answered_json(interaction: Any, schema: Any) -> Any:
    data = json.loads(interaction.output_text)
    jsonschema.validate(data, schema)
    assert interaction.output_image is None
    return data


def test_a_schema_gets_placeholder_json_that_validates_with_the_count_the_prompt_asks(client: genai.Client) -> None:
    made = create(client, "Plan a storyboard in three scenes.", response_format={**JSON, "schema": SCENES})
    data = answered_json(made, SCENES)
    assert data == {"title": "stand-in", "scenes": [{"number": 1, "caption": "stand-in"}] * 3}
    assert (
        len(
            answered_json(create(client, "Plan a storyboard.", response_format={**JSON, "schema": SCENES}), SCENES)[
                "scenes"
            ]
        )
        == 1
    )


def test_an_answers_entry_gives_the_json_itself(client: genai.Client) -> None:
    made = create(client, "Plan the recorded storyboard.", response_format=[{**JSON, "schema": SCENES}])
    assert answered_json(made, SCENES) == {"title": "Pip", "scenes": [{"number": 1, "caption": "A beach"}]}


def test_the_legacy_response_mime_type_with_the_schema_in_response_format(client: genai.Client) -> None:
    made = create(
        client, "Plan a storyboard in 2 scenes.", response_mime_type="application/json", response_format=SCENES
    )
    assert len(answered_json(made, SCENES)["scenes"]) == 2


NODE = {"type": "object", "properties": {"name": {"type": "string"}, "kids": {"type": "array"}}, "required": ["name"]}
NODE["properties"]["kids"]["items"] = {"$ref": "#/$defs/node"}  # type: ignore[index]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "minItems": 3, "maxItems": 4},
        {"type": "object", "properties": {"n": {"type": "number", "exclusiveMinimum": 2}, "ok": {"type": "boolean"}}},
        {"type": "object", "properties": {"x": {"type": ["null", "integer"], "maximum": -2}, "y": {"type": "null"}}},
        {"type": "string", "minLength": 20, "maxLength": 21},
        {"type": "string", "format": "date-time"},
        {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        {"const": "fixed"},
        {"$defs": {"node": NODE}, "$ref": "#/$defs/node"},  # recursive: it stops where nothing more is required
    ],
)
def test_placeholders_validate_against_their_schema(schema: dict[str, Any]) -> None:
    jsonschema.validate(rules.placeholder(schema, 5), schema, format_checker=jsonschema.FormatChecker())


def test_placeholders_read_geminis_own_type_names_and_property_ordering() -> None:
    schema = {"type": "OBJECT", "properties": {"b": {"type": "INTEGER"}, "a": {"type": "STRING"}}}
    assert list(rules.placeholder({**schema, "propertyOrdering": ["a", "b"]}).items()) == [("a", "stand-in"), ("b", 0)]


# -- thoughts -----------------------------------------------------------------------------------------------


def test_thought_summaries_come_first_when_asked_for_and_the_thought_tokens_cover_them(client: genai.Client) -> None:
    plain = create(client, "a kite with thoughts")
    assert plain.steps[0].type == "thought" and plain.steps[0].signature and plain.steps[0].summary is None
    asked = create(client, "a kite with thoughts", generation_config={"thinking_summaries": "auto"})
    thought, output = asked.steps
    assert thought.type == "thought" and thought.signature and output.type == "model_output"
    assert thought.summary[0].text.startswith("Stand-in thought summary, not Gemini's: a kite with thoughts")
    assert asked.usage.total_thought_tokens == plain.usage.total_thought_tokens  # the level's, more than the summary
    long = create(client, "Think hard about a kite.", generation_config={"thinking_summaries": "auto"})
    said = long.steps[0].summary[0].text
    assert said.startswith("Planning the kite") and long.usage.total_thought_tokens == len(said) // 4
    none = create(client, "Think hard about a kite.", generation_config={"thinking_summaries": "none"})
    assert none.steps[0].summary is None and none.usage.total_thought_tokens == wire.THINKING_TOKENS["medium"]


def test_a_streamed_thought_summary_arrives_as_a_delta_before_the_output(client: genai.Client) -> None:
    events = list(
        create(client, "Think hard about a kite.", stream=True, generation_config={"thinking_summaries": "auto"})
    )
    deltas = [(e.index, e.delta.type) for e in events if e.event_type == "step.delta"]
    assert deltas == [(0, "thought_summary"), (0, "thought_signature"), (1, "text"), (1, "image")]


def test_count_tokens_counts_pictures_as_the_usage_does(client: genai.Client) -> None:
    picture = types.Part.from_bytes(data=png(), mime_type="image/png")
    contents = [picture, "x" * 40]
    counted = client.models.count_tokens(model=MODEL, contents=contents).total_tokens
    usage = client.models.generate_content(model=MODEL, contents=contents).usage_metadata
    assert counted == usage.prompt_token_count == 10 + NANO.input_image_tokens


# -- the 2026-05 response_format beside the deprecated settings ---------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"response_format": {"type": "image", "aspect_ratio": "16:9", "image_size": "2K", "mime_type": "image/jpeg"}},
        {
            "response_modalities": ["IMAGE"],
            "generation_config": {"image_config": {"aspect_ratio": "16:9", "image_size": "2K"}},
        },
    ],
    ids=["response_format", "deprecated"],
)
@pytest.mark.filterwarnings("ignore:warning. .. DEPRECATED:DeprecationWarning")  # the SDK's, for image_config
def test_image_settings_are_honoured_the_new_way_and_the_deprecated_way(
    client: genai.Client, fields: dict[str, Any]
) -> None:
    made = create(client, "a wide kite", **fields)
    assert not made.output_text and opened(picture_of(made)).size == NANO.pixel_size("16:9", "2K")


# -- Google Search: the call and its result, between the thought and the output -------------------------------


def test_google_search_steps_come_between_the_thought_and_the_output(client: genai.Client) -> None:
    made = create(client, "A poster of the weather in Lisbon.", tools=SEARCH)
    assert [s.type for s in made.steps] == ["thought", "google_search_call", "google_search_result", "model_output"]
    call, result = made.steps[1:3]
    assert call.arguments.queries == ["Lisbon weather", "Lisbon forecast"] and call.id and result.call_id == call.id
    suggestions = result.result[0].search_suggestions
    assert len(result.result) == 1 and "Lisbon weather" in suggestions and "Lisbon forecast" in suggestions
    assert made.output_text == "Sunny, 21 °C." and picture_of(made)
    cited = made.steps[3].content[0].annotations  # the sources, as URL citations on the text they back
    assert [(a.type, a.title, a.url, a.start_index, a.end_index) for a in cited] == [
        ("url_citation", "A forecast", "https://example.org/f", 0, len("Sunny, 21 °C."))
    ]
    assert [(c.type, c.count) for c in made.usage.grounding_tool_count] == [("google_search", 2)]


def test_a_streamed_search_sends_each_step_as_start_delta_stop_in_order(client: genai.Client) -> None:
    events = list(create(client, "A poster of the weather in Lisbon.", tools=SEARCH, stream=True))
    steps = [e for e in events if e.event_type.startswith("step.") and e.index in (1, 2)]
    assert [(e.event_type, e.index) for e in steps] == [
        *[("step.start", 1), ("step.delta", 1), ("step.stop", 1)],
        *[("step.start", 2), ("step.delta", 2), ("step.stop", 2)],
    ]
    call, result = steps[0].step, steps[3].step  # the ids come with the start, the rest as deltas
    assert (call.type, result.type) == ("google_search_call", "google_search_result")
    assert call.id.startswith("search-") and result.call_id == call.id
    queries, found = steps[1].delta, steps[4].delta
    assert (queries.type, queries.arguments.queries) == ("google_search_call", ["Lisbon weather", "Lisbon forecast"])
    assert found.type == "google_search_result" and "Lisbon forecast" in found.result[0].search_suggestions
    kinds = [e.delta.type for e in events if e.event_type == "step.delta"]
    assert kinds == ["thought_signature", "google_search_call", "google_search_result", "text", "image"]
    assert events[-1].interaction.usage.grounding_tool_count[0].count == 2


def test_no_search_steps_without_the_tool_or_when_the_answer_has_no_grounding(client: genai.Client) -> None:
    plain = create(client, "A poster of the weather in Lisbon.")
    assert [s.type for s in plain.steps] == ["thought", "model_output"] and plain.usage.grounding_tool_count is None
    generic = create(client, "a kite in the rain", tools=SEARCH)
    assert [s.type for s in generic.steps] == ["thought", "model_output"]


# -- JPEG pictures ------------------------------------------------------------------------------------------


def test_a_jpeg_asked_for_comes_back_as_jpeg_at_the_size_asked(client: genai.Client) -> None:
    formats = [{"type": "text"}, {"type": "image", "aspect_ratio": "16:9", "mime_type": "image/jpeg"}]
    made = create(client, "a kite as a JPEG", response_format=formats)
    image = opened(picture_of(made))
    assert made.output_image.mime_type == "image/jpeg" and image.format == "JPEG" and image.mode == "RGB"
    assert image.size == NANO.pixel_size("16:9") and draw.meta(picture_of(made)) == {}
    assert wire.pixels({"mime_type": "image/jpeg", "data": made.output_image.data}) == image.width * image.height
    streamed = [
        e.delta
        for e in create(client, "a kite as a JPEG", response_format=formats, stream=True)
        if e.event_type == "step.delta" and e.delta.type == "image"
    ]
    assert [d.mime_type for d in streamed] == ["image/jpeg"] and streamed[0].data == made.output_image.data
    assert create(client, "a kite as a PNG").output_image.mime_type == "image/png"
    said = refused(lambda: create(client, response_format=[{"type": "image", "mime_type": "image/webp"}]))
    assert "Unsupported image mime_type 'image/webp'" in said


def test_a_jpeg_sent_back_is_edited_keeping_its_shape(client: genai.Client) -> None:
    formats = [{"type": "image", "aspect_ratio": "16:9", "mime_type": "image/jpeg"}]
    jpeg = picture_of(create(client, "a kite to edit", response_format=formats))
    sent = {"type": "image", "mime_type": "image/jpeg", "data": base64.b64encode(jpeg).decode()}
    edited = picture_of(create(client, [{"type": "text", "text": "add a hat"}, sent]))
    assert opened(edited).size == NANO.pixel_size("16:9") and draw.meta(edited)["changes"] == ["asked: add a hat"]
    contents = [types.Part.from_bytes(data=jpeg, mime_type="image/jpeg"), "add a hat"]
    again = images_of(client.models.generate_content(model=MODEL, contents=contents))
    assert opened(again[0]).size == NANO.pixel_size("16:9") and draw.meta(again[0])["changes"] == ["asked: add a hat"]
