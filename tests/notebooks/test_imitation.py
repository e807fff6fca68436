"""The independent Gemini imitation (tests/imitation.py) answers the real google-genai SDK correctly."""

import asyncio
import base64
import gzip
import io
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import jsonschema  # nbformat's dependency
import pytest
from google import genai
from google.genai import errors, types
from google.genai._interactions import BadRequestError, NotFoundError
from PIL import Image
from pydantic import BaseModel, Field

from tests.imitation import Imitation

MODEL = "gemini-nano-banana-2.1"
BATCH_SECONDS = 0.4  # how long the imitation's batches take here (PENDING, RUNNING after a fifth, SUCCEEDED)
BACKGROUND_SECONDS = 0.8  # how long a background interaction stays in progress here (a loaded machine polls late)


def make_client(url: str) -> genai.Client:
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.1, max_delay=0.2)
    options = types.HttpOptions(base_url=url, retry_options=retry)
    return genai.Client(api_key="imitation-key", http_options=options)


@pytest.fixture(scope="module")
def imitation() -> Iterator[Imitation]:
    with Imitation(batch_seconds=BATCH_SECONDS, background_seconds=BACKGROUND_SECONDS) as server:
        yield server


@pytest.fixture(scope="module")
def client(imitation: Imitation) -> genai.Client:
    return make_client(imitation.url)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).size


def test_text_and_image_image_only_text_only(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="A lighthouse at dawn")
    parts = response.parts or []
    assert parts[0].text.startswith("Sure! Here's what I made for you.") and "lighthouse" in parts[0].text
    assert parts[0].thought_signature and parts[1].thought_signature
    assert png_size(parts[1].inline_data.data) == (1024, 1024) and response.model_version == MODEL
    assert response.usage_metadata.candidates_tokens_details[-1].token_count == 1120
    config = types.GenerateContentConfig(response_modalities=["IMAGE"])
    parts = client.models.generate_content(model=MODEL, contents="A red fox", config=config).parts or []
    assert [p.text for p in parts] == [None] and parts[0].inline_data.mime_type == "image/png"
    config = types.GenerateContentConfig(response_modalities=["TEXT"])
    response = client.models.generate_content(model=MODEL, contents="Describe a red fox", config=config)
    assert "*“Describe a red fox”*" in response.text
    assert all(p.inline_data is None for p in response.parts)


def test_four_scenes_give_three_pictures_with_markdown(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="Tell a story in four scenes about a fox")
    kinds = ["image" if p.inline_data else p.text.split("### ")[1][:7] for p in response.parts]
    assert kinds == ["Scene 1", "image", "Scene 2", "image", "Scene 3", "image"]
    steps = client.models.generate_content(model=MODEL, contents="Show at least four steps to fold a crane")
    assert [p.text.split("**")[1] for p in steps.parts if p.text] == ["Step 1.", "Step 2.", "Step 3."]


def test_chat_sends_signatures_back_and_missing_ones_fail(imitation: Imitation, client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    for message in ["Draw a cat", "Make it blue", "Add a hat"]:
        assert chat.send_message(message).parts[1].inline_data
    history = imitation.requests[-1]["body"]["contents"]
    assert [c["role"] for c in history] == ["user", "model"] * 2 + ["user"]
    assert all("thoughtSignature" in part for part in history[1]["parts"])
    bare = [
        types.Content(role=role, parts=[types.Part(text=text)])
        for role, text in [("user", "Draw a cat"), ("model", "Here it is."), ("user", "Make it blue")]
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=bare)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "missing a thought_signature in content position 2, part position 1" in caught.value.message


def test_stream_matches_the_whole_answer(client: genai.Client) -> None:
    whole = client.models.generate_content(model=MODEL, contents="A kite over a beach")
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="A kite over a beach"))
    assert "".join(c.text or "" for c in chunks) == whole.text and len(chunks) == 4
    assert [bool(p.inline_data) for c in chunks for p in c.parts] == [False, False, True, False]
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP and chunks[-1].usage_metadata
    chat = client.chats.create(model=MODEL)
    for message in ["Draw a kite", "Make it green"]:
        assert sum(bool(p.inline_data) for c in chat.send_message_stream(message) for p in c.parts) == 1


def test_aspect_ratio_size_and_edit(client: genai.Client) -> None:
    config = types.GenerateContentConfig(image_config=types.ImageConfig(aspect_ratio="16:9", image_size="4K"))
    image = client.models.generate_content(model=MODEL, contents="A wide valley", config=config).parts[1]
    width, height = png_size(image.inline_data.data)
    assert width == 2048 and abs(width / height - 16 / 9) < 0.02
    edit = types.Part.from_bytes(data=image.inline_data.data, mime_type="image/png")
    edited = client.models.generate_content(model=MODEL, contents=[edit, "Make the sky pink"]).parts[1]
    corner = Image.open(io.BytesIO(edited.inline_data.data)).convert("RGB").getpixel((1, 1))
    assert corner == (255, 0, 170)
    tiny = types.GenerateContentConfig(image_config=types.ImageConfig(image_size="512"))
    with pytest.raises(errors.ClientError, match="Unsupported image size: 512"):
        client.models.generate_content(model=MODEL, contents="x", config=tiny)


def test_retired_model_404_models_key_and_gzip(imitation: Imitation, client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-3.1-flash-image", contents="A cat")
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    assert "models/gemini-3.1-flash-image is not found for API version v1" in caught.value.message
    names = [m.name for m in client.models.list(config={"page_size": 2})]
    assert "models/gemini-nano-banana-2.1" in names and len(names) == 4
    assert client.models.get(model="gemini-3-pro-image").display_name == "Nano Banana Pro"
    assert client.models.count_tokens(model=MODEL, contents="four words right here").total_tokens > 0
    with pytest.raises(urllib.error.HTTPError) as no_key:
        urllib.request.urlopen(f"{imitation.url}/v1beta/models")
    assert json.loads(no_key.value.read())["error"]["status"] == "PERMISSION_DENIED"
    request = urllib.request.Request(
        f"{imitation.url}/v1beta/models/{MODEL}", headers={"x-goog-api-key": "k", "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request) as reply:
        assert reply.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(reply.read()))["displayName"] == "Nano Banana 2.1"


def test_first_attempt_429_is_retried() -> None:
    with Imitation(first_attempt_status=429) as server:
        retrying = make_client(server.url)  # kept in a variable: a collected client closes its connection
        response = retrying.models.generate_content(model=MODEL, contents="A boat")
        assert response.parts[1].inline_data
        assert [r["path"] for r in server.requests] == [f"/v1/models/{MODEL}:generateContent"] * 2
        no_retry = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
        with pytest.raises(errors.ClientError) as caught:  # without retry options the SDK does not retry
            no_retry.models.generate_content(model=MODEL, contents="Another boat")
        assert caught.value.code == 429 and caught.value.details["error"]["details"][0]["retryDelay"] == "1s"


def test_interactions_chain_and_stream(client: genai.Client) -> None:
    formats = [{"type": "text"}, {"type": "image", "aspect_ratio": "4:3"}]
    first = client.interactions.create(model=MODEL, input="Draw a cat, describe it", response_format=formats)
    assert first.status == "completed" and first.id.startswith("imi_") and first.output_text
    assert png_size(base64.b64decode(first.output_image.data)) == (1200, 896)
    second = client.interactions.create(model=MODEL, input="Make it blue", previous_interaction_id=first.id)
    assert second.output_image and second.usage.total_input_tokens < 50  # earlier pictures are not resent
    events = list(client.interactions.create(model=MODEL, input="Draw a dog", stream=True))
    assert events[0].event_type == "interaction.created" and events[-1].event_type == "interaction.completed"
    deltas = [e.delta.type for e in events if e.event_type == "step.delta"]
    assert deltas == ["thought_signature", "text", "image", "text"]
    with pytest.raises(NotFoundError):
        client.interactions.create(model=MODEL, input="x", previous_interaction_id="imi_unknown")


def write_lines(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def wait_until_ended(client: genai.Client, job: types.BatchJob) -> tuple[types.BatchJob, list[str]]:
    """Poll a batch just created until it ends; the states it showed, each once, in order."""
    states, deadline = [job.state.name], time.monotonic() + 10
    while time.monotonic() < deadline:
        job = client.batches.get(name=job.name)
        states += [job.state.name] if states[-1] != job.state.name else []
        if job.done:
            return job, states
        time.sleep(0.02)
    raise AssertionError(f"batch {job.name} did not end: {states}")


def test_files_upload_get_list_download_delete(client: genai.Client, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "requests.jsonl", [{"key": "a", "request": {"contents": []}}])
    uploaded = client.files.upload(file=path, config={"mime_type": "jsonl", "display_name": "my requests"})
    assert uploaded.name.startswith("files/") and uploaded.display_name == "my requests"
    assert (uploaded.mime_type, uploaded.size_bytes) == ("jsonl", path.stat().st_size)
    assert uploaded.state == types.FileState.ACTIVE and uploaded.source == types.FileSource.UPLOADED
    assert client.files.get(name=uploaded.name).size_bytes == path.stat().st_size
    assert uploaded.name in [f.name for f in client.files.list(config={"page_size": 1})]
    upload = client.aio.files.upload(file=str(path), config={"mime_type": "jsonl"})
    with ThreadPoolExecutor(1) as thread:  # its own event loop: a browser test's may be running in this process
        again = thread.submit(asyncio.run, upload).result()
    assert again.name != uploaded.name and again.size_bytes == uploaded.size_bytes
    with pytest.raises(errors.ClientError, match="Only files the API made can be downloaded"):
        client.files.download(file=uploaded.name)
    client.files.delete(name=uploaded.name)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=uploaded.name)
    assert caught.value.code == 403 and "or it may not exist" in caught.value.message


def test_inline_batch_goes_pending_running_succeeded_with_results_by_key(client: genai.Client) -> None:
    tiny = types.GenerateContentConfig(image_config=types.ImageConfig(image_size="512"))
    requests = [
        {"contents": "Draw three pictures of a fox", "metadata": {"key": "foxes"}},
        {"contents": "Describe a fox", "config": {"response_modalities": ["TEXT"]}, "metadata": {"key": "words"}},
        {"contents": "A tiny fox", "config": tiny, "metadata": {"key": "tiny"}},
    ]
    job = client.batches.create(model=MODEL, src=requests, config={"display_name": "foxes"})
    assert job.name.startswith("batches/") and job.state == types.JobState.JOB_STATE_PENDING
    assert (job.display_name, job.model, job.dest) == ("foxes", f"models/{MODEL}", None)
    job, states = wait_until_ended(client, job)
    assert states == ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"]
    assert job.end_time and job.create_time < job.end_time
    results = {r.metadata["key"]: r for r in job.dest.inlined_responses}
    assert list(results) == ["foxes", "words", "tiny"]
    parts = results["foxes"].response.parts
    assert parts[0].text.startswith("Sure! Here's what I made for you.")
    assert sum(bool(p.inline_data) for p in parts) == 2  # one picture fewer than asked
    assert "*“Describe a fox”*" in results["words"].response.text
    assert results["tiny"].response is None and results["tiny"].error.code == 3  # INVALID_ARGUMENT
    assert "Unsupported image size: 512" in results["tiny"].error.message
    assert job.name in [b.name for b in client.batches.list(config={"page_size": 1})]


def test_file_batch_gives_a_bad_line_an_error_of_its_own(client: genai.Client, tmp_path: Path) -> None:
    wide = {"response_modalities": ["TEXT", "IMAGE"], "image_config": {"aspect_ratio": "16:9"}}
    lines = [
        {"key": "wide", "request": {"contents": [{"parts": [{"text": "A wide valley"}]}], "generation_config": wide}},
        {"key": "bad", "request": {"contents": [{"parts": [{"text": "A cat"}]}], "image_config": {"image_size": "2K"}}},
        {"key": "text", "request": {"contents": [{"parts": [{"text": "Name a cat"}]}]}},
    ]
    uploaded = client.files.upload(file=write_lines(tmp_path / "batch.jsonl", lines), config={"mime_type": "jsonl"})
    job = client.batches.create(model=MODEL, src=uploaded.name)
    job, states = wait_until_ended(client, job)
    assert states[-1] == "JOB_STATE_SUCCEEDED" and job.dest.file_name.startswith("files/batch-")
    result = client.files.get(name=job.dest.file_name)
    assert result.source == types.FileSource.GENERATED and result.download_uri
    results = {line["key"]: line for line in map(json.loads, client.files.download(file=result).splitlines())}
    assert list(results) == ["wide", "bad", "text"]
    picture = next(p for p in results["wide"]["response"]["candidates"][0]["content"]["parts"] if "inlineData" in p)
    assert png_size(base64.b64decode(picture["inlineData"]["data"])) == (1376, 768)
    assert results["bad"] == {
        "key": "bad",
        "error": {
            "code": 3,
            "message": "Invalid JSON payload received. Unknown name \"image_config\" at 'request': Cannot find field.",
        },
    }
    assert "response" in results["text"]


def test_cancel_then_delete_a_batch(client: genai.Client) -> None:
    job = client.batches.create(model=MODEL, src=[{"contents": "A slow fox", "metadata": {"key": "fox"}}])
    client.batches.cancel(name=job.name)
    time.sleep(BATCH_SECONDS + 0.05)  # past the moment it would have succeeded
    cancelled = client.batches.get(name=job.name)
    assert cancelled.state == types.JobState.JOB_STATE_CANCELLED and cancelled.dest is None
    client.batches.delete(name=job.name)
    with pytest.raises(errors.ClientError) as caught:
        client.batches.get(name=job.name)
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    assert job.name not in [b.name for b in client.batches.list()]


def test_files_and_batches_come_through_a_first_attempt_429(tmp_path: Path) -> None:
    """Every distinct request is refused once, the upload's second step included (the SDK's upload loop sends it
    again after 1 s when the answer has no x-goog-upload-status); the download alone is not (the SDK never
    retries it). ``max_delay`` caps tenacity's jitter (1 s by default) to keep the test short."""
    with Imitation(first_attempt_status=429, batch_seconds=0.2) as server:
        retry = types.HttpRetryOptions(attempts=4, initial_delay=0.1, max_delay=0.2)
        retrying = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url, retry_options=retry))
        line = {"key": "k1", "request": {"contents": [{"parts": [{"text": "A boat"}]}]}}
        uploaded = retrying.files.upload(file=write_lines(tmp_path / "in.jsonl", [line]), config={"mime_type": "jsonl"})
        from_file = retrying.batches.create(model=MODEL, src=uploaded.name)
        inline = retrying.batches.create(model=MODEL, src=[{"contents": "A ship", "metadata": {"key": "k2"}}])
        done, _ = wait_until_ended(retrying, from_file)
        assert json.loads(retrying.files.download(file=done.dest.file_name))["response"]["candidates"]
        done, _ = wait_until_ended(retrying, inline)
        assert done.dest.inlined_responses[0].response.parts[1].inline_data
        assert len(list(retrying.batches.list())) == 2
        retrying.batches.cancel(name=inline.name)  # already over: it stays SUCCEEDED
        assert retrying.batches.get(name=inline.name).state == types.JobState.JOB_STATE_SUCCEEDED
        retrying.batches.delete(name=inline.name)
        with pytest.raises(errors.ClientError, match="404"):
            retrying.batches.get(name=inline.name)
    sent = Counter((r["method"], r["path"]) for r in server.requests)
    downloads = [path for _, path in sent if path.endswith(":download?alt=media")]
    assert [sent[("GET", path)] for path in downloads] == [1]
    assert all(n >= 2 for (_, path), n in sent.items() if path not in downloads), sent
    assert [n for (_, path), n in sent.items() if "upload_id=" in path] == [2]  # the upload's second step


def types_of(steps: list[object] | None) -> list[str]:
    return [step.type for step in steps or []]


def test_interaction_events_have_ids_and_a_get_replays_them_resuming_after_one(client: genai.Client) -> None:
    events = list(client.interactions.create(model=MODEL, input="Draw a heron", stream=True))
    ids = [e.event_id for e in events]
    assert all(ids) and len(set(ids)) == len(ids) == 10
    interaction_id = events[0].interaction.id
    replayed = list(client.interactions.get(interaction_id, stream=True))
    assert [e.model_dump() for e in replayed] == [e.model_dump() for e in events]
    resumed = list(client.interactions.get(interaction_id, stream=True, last_event_id=ids[4]))
    assert [e.event_id for e in resumed] == ids[5:] and resumed[-1].interaction.usage.total_tokens
    with pytest.raises(BadRequestError, match="names no event"):
        list(client.interactions.get(interaction_id, stream=True, last_event_id="evt_unknown"))
    with pytest.raises(BadRequestError, match="only with stream=true"):
        client.interactions.get(interaction_id, last_event_id=ids[4])


def test_events_are_paced_by_event_delay() -> None:
    with Imitation(event_delay=0.04) as server:
        paced = make_client(server.url)
        start = time.monotonic()
        arrivals = [time.monotonic() for _ in paced.interactions.create(model=MODEL, input="Draw a wren", stream=True)]
    assert len(arrivals) == 10 and arrivals[-1] - start >= 9 * 0.04  # nine pauses on the server
    assert arrivals[-1] - arrivals[0] >= 0.2  # the first event came long before the last: not all at once


def test_get_shows_user_input_steps_first_and_delete_removes_it(client: genai.Client) -> None:
    created = client.interactions.create(model=MODEL, input="Draw an owl")
    assert types_of(created.steps) == ["thought", "model_output"]  # a create answers with the model's steps only
    got = client.interactions.get(created.id)
    assert types_of(got.steps) == ["user_input", "thought", "model_output"] and got.status == "completed"
    assert got.steps[0].content[0].text == "Draw an owl" and got.output_text == created.output_text
    assert got.input is None and client.interactions.get(created.id, include_input=True).input == "Draw an owl"
    assert client.interactions.delete(created.id) is None  # the SDK reads the empty JSON object as nothing
    with pytest.raises(NotFoundError) as caught:
        client.interactions.get(created.id)
    assert caught.value.body["error"] == {
        "code": 404,
        "message": f"Interaction {created.id} was not found.",
        "status": "NOT_FOUND",
    }
    with pytest.raises(NotFoundError):
        client.interactions.create(model=MODEL, input="Again", previous_interaction_id=created.id)
    with pytest.raises(NotFoundError):
        client.interactions.delete(created.id)


def test_store_false_keeps_nothing(client: genai.Client) -> None:
    unstored = client.interactions.create(model=MODEL, input="Draw a moth", store=False)
    assert unstored.status == "completed" and unstored.output_image
    with pytest.raises(NotFoundError):
        client.interactions.get(unstored.id)
    with pytest.raises(NotFoundError):
        client.interactions.create(model=MODEL, input="Make it green", previous_interaction_id=unstored.id)
    with pytest.raises(BadRequestError) as caught:
        client.interactions.create(model=MODEL, input="Draw a moth", background=True, store=False)
    assert caught.value.body["error"]["status"] == "INVALID_ARGUMENT" and "store=false" in caught.value.message


def test_background_is_in_progress_then_completed(client: genai.Client) -> None:
    started = client.interactions.create(model=MODEL, input="Draw a fern", background=True)
    assert started.status == "in_progress" and started.steps == [] and started.usage is None
    polled = client.interactions.get(started.id)
    assert polled.status == "in_progress" and types_of(polled.steps) == ["user_input"]
    time.sleep(BACKGROUND_SECONDS)
    done = client.interactions.get(started.id)
    assert done.status == "completed" and types_of(done.steps) == ["user_input", "thought", "model_output"]
    assert done.output_image and done.usage.total_output_tokens > 1120
    start = time.monotonic()
    events = list(client.interactions.create(model=MODEL, input="Draw a fern", background=True, stream=True))
    assert events[0].interaction.status == "in_progress" and events[-1].interaction.status == "completed"
    assert time.monotonic() - start >= BACKGROUND_SECONDS * 0.9  # the steps came when the answer was ready


def test_cancel_a_background_interaction_but_not_a_completed_one(client: genai.Client) -> None:
    started = client.interactions.create(model=MODEL, input="Draw a slow snail", background=True)
    cancelled = client.interactions.cancel(started.id)
    assert cancelled.status == "cancelled" and types_of(cancelled.steps) == ["user_input"]
    time.sleep(BACKGROUND_SECONDS)
    assert client.interactions.get(started.id).status == "cancelled"  # it never completes
    events = list(client.interactions.get(started.id, stream=True))
    assert [e.event_type for e in events] == ["interaction.created", "interaction.status_update"]
    assert events[-1].status == "cancelled"
    finished = client.interactions.create(model=MODEL, input="Draw a quick snail")
    for done in (finished, started):
        with pytest.raises(BadRequestError) as caught:
            client.interactions.cancel(done.id)
        assert caught.value.body["error"]["status"] == "FAILED_PRECONDITION"
    with pytest.raises(NotFoundError):
        client.interactions.cancel("imi_unknown")


def test_google_search_steps_come_before_the_output(client: genai.Client) -> None:
    found = client.interactions.create(
        model=MODEL, input="Draw today's weather in Lisbon as an icon", tools=[{"type": "google_search"}]
    )
    assert types_of(found.steps) == ["thought", "google_search_call", "google_search_result", "model_output"]
    call, result = found.steps[1], found.steps[2]
    assert call.arguments.queries == ["Draw today's weather in Lisbon as"] and call.id == result.call_id
    assert result.result[0].search_suggestions.startswith("<div") and found.output_image
    assert found.usage.grounding_tool_count[0].type == "google_search"
    cited = found.steps[3].content[0].annotations[0]
    assert (cited.type, cited.title, cited.start_index) == ("url_citation", "Imitation source", 0) and cited.url
    chained = client.interactions.create(model=MODEL, input="Now for Porto", previous_interaction_id=found.id)
    assert types_of(chained.steps) == ["thought", "model_output"]  # tools are not inherited


class Leaf(BaseModel):
    label: str
    weight: float


class Plant(BaseModel):
    name: str
    kind: Literal["tree", "shrub"]
    leaves: list[Leaf] = Field(min_length=3, max_length=4)
    height: int | None = None


def test_json_response_format_follows_the_schema_and_makes_no_picture(client: genai.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["calm", "bold"]}, "maxItems": 1},
            "panels": {
                "type": "array",
                "minItems": 4,
                "items": {
                    "type": "object",
                    "properties": {"n": {"type": "integer", "minimum": 1}, "ok": {"type": "boolean"}},
                    "required": ["n", "caption"],
                },
            },
        },
        "required": ["title", "panels"],
    }
    for given in (schema, Plant.model_json_schema()):  # a pydantic schema: $defs, $ref, anyOf with null
        answer = client.interactions.create(
            model=MODEL,
            input="Plan a comic",
            response_format={"type": "text", "mime_type": "application/json", "schema": given},
        )
        jsonschema.validate(value := json.loads(answer.output_text), given)
        assert answer.output_image is None and types_of(answer.steps) == ["thought", "model_output"]
    assert len(Plant.model_validate(value).leaves) == 3
    listed = client.interactions.create(
        model=MODEL,
        input="Plan a comic and draw its cover",
        response_format=[{"type": "text", "mime_type": "application/json", "schema": schema}, {"type": "image"}],
    )
    assert [c.type for c in listed.steps[-1].content] == ["text", "image"]
    assert len(json.loads(listed.steps[-1].content[0].text)["panels"]) == 4


def test_image_response_format_sets_size_and_jpeg(client: genai.Client) -> None:
    wide = {"type": "image", "aspect_ratio": "21:9", "image_size": "2K", "mime_type": "image/jpeg"}
    answer = client.interactions.create(model=MODEL, input="A long beach", response_format=wide)
    picture = base64.b64decode(answer.output_image.data)
    assert answer.output_image.mime_type == "image/jpeg" and picture.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(picture)).size == (2048, 869) and answer.output_text == ""
    default = client.interactions.create(model=MODEL, input="A bay", response_format={"type": "image"})
    assert default.output_image.mime_type == "image/png"
    assert png_size(base64.b64decode(default.output_image.data)) == (1024, 1024)


def test_thought_summaries_when_asked_and_not_inherited(client: genai.Client) -> None:
    thinking = {"thinking_summaries": "auto", "thinking_level": "high"}
    first = client.interactions.create(model=MODEL, input="Draw a maze", generation_config=thinking)
    thought = first.steps[0]
    assert thought.type == "thought" and thought.signature and "Draw a maze" in thought.summary[0].text
    usage = first.usage
    assert usage.total_thought_tokens > 0
    assert usage.total_tokens == usage.total_input_tokens + usage.total_output_tokens + usage.total_thought_tokens
    events = list(client.interactions.create(model=MODEL, input="Draw a maze", generation_config=thinking, stream=True))
    assert [e.delta.type for e in events if e.event_type == "step.delta" and e.index == 0] == [
        "thought_summary",
        "thought_signature",
    ]
    second = client.interactions.create(model=MODEL, input="Make it round", previous_interaction_id=first.id)
    assert second.steps[0].signature and second.steps[0].summary is None  # generation_config is not inherited
    assert second.usage.total_thought_tokens > 0


def test_every_interactions_call_comes_through_a_first_attempt_429() -> None:
    """The Interactions client retries create, get (streamed too), cancel and delete alike. Unlike
    ``generate_content`` it retries even without retry options (5 attempts, from 0.5 s: the SDK's defaults)."""
    with Imitation(first_attempt_status=429, background_seconds=5) as server:  # cancelled long before
        retry = types.HttpRetryOptions(attempts=4, initial_delay=0.05, max_delay=0.1, http_status_codes=[429, 500, 503])
        retrying = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url, retry_options=retry))
        made = retrying.interactions.create(model=MODEL, input="A boat")
        events = list(retrying.interactions.create(model=MODEL, input="A boat", stream=True))
        assert retrying.interactions.get(made.id).output_image
        streamed = events[0].interaction.id
        assert len(list(retrying.interactions.get(streamed, stream=True))) == len(events) == 10
        assert len(list(retrying.interactions.get(streamed, stream=True, last_event_id=events[1].event_id))) == 8
        slow = retrying.interactions.create(model=MODEL, input="A slow boat", background=True)
        assert retrying.interactions.cancel(slow.id).status == "cancelled"
        retrying.interactions.delete(made.id)
        bare = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))
        assert bare.interactions.create(model=MODEL, input="A ship").status == "completed"
    sent = Counter((r["method"], r["path"], json.dumps(r["body"], sort_keys=True)) for r in server.requests)
    assert len(sent) == 9 and set(sent.values()) == {2}, sent  # each distinct request twice: refused, then sent again
