"""The stand-in's Batch API through google-genai: inline requests and an input file, states over time, per-request
errors, results inline and in a result file, requests in the wrong shape, list (paginated), cancel, delete, the
20 MB limit and the models that take batches."""

from __future__ import annotations

import dataclasses
import http.client
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from helpers import models
from standin import StandinServer
from tests.standin import MODEL, NANO, images_of, opened

FAILING = '[[answer]]\nprompt = "this one fails"\nstatus = 429\nmessage = "Quota exceeded (stand-in)."\n'
WIDE = {"response_modalities": ["IMAGE"], "image_config": {"aspect_ratio": "16:9"}}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[StandinServer]:
    (tmp_path / "batch.toml").write_text(FAILING, encoding="utf-8")
    with StandinServer(str(tmp_path / "batch.toml"), batch_seconds=1.0) as running:
        yield running


@pytest.fixture
def sdk(server: StandinServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def finished(sdk: genai.Client, name: str) -> types.BatchJob:
    for _ in range(100):
        job = sdk.batches.get(name=name)
        if job.done:
            return job
        time.sleep(0.1)
    raise AssertionError(f"{name} did not finish")


def test_inline_batch_runs_pending_running_succeeded(sdk: genai.Client, server: StandinServer) -> None:
    assert NANO.batch is None  # not confirmed: the stand-in assumes the model takes batches
    made = sdk.batches.create(
        model=MODEL,
        src=[
            {"contents": "a red kite", "metadata": {"key": "kite"}, "config": WIDE},
            {"contents": "this one fails", "metadata": {"key": "bad"}},
        ],
        config={"display_name": "two kites"},
    )
    sent = server.requests[-1][2]["batch"]["inputConfig"]["requests"]["requests"]  # the SDK moved config into place
    assert sent[0]["request"]["generationConfig"]["imageConfig"] == {"aspectRatio": "16:9"}
    assert made.name.startswith("batches/") and len(made.name) == len("batches/") + 36
    assert (made.state, made.display_name, made.model) == (
        types.JobState.JOB_STATE_PENDING,
        "two kites",
        f"models/{MODEL}",
    )
    assert sdk.batches.get(name=made.name).state == types.JobState.JOB_STATE_PENDING
    time.sleep(0.6)
    assert sdk.batches.get(name=made.name).state == types.JobState.JOB_STATE_RUNNING
    time.sleep(0.5)
    done = sdk.batches.get(name=made.name)
    assert done.state == types.JobState.JOB_STATE_SUCCEEDED and done.end_time >= done.create_time
    kite, bad = done.dest.inlined_responses
    assert kite.metadata == {"key": "kite"} and opened(images_of(kite.response)[0]).size == NANO.pixel_size("16:9")
    assert bad.metadata == {"key": "bad"} and bad.response is None  # it failed alone
    assert (bad.error.code, bad.error.message) == (429, "Quota exceeded (stand-in).")
    assert sdk.batches.list().page[0].dest.inlined_responses is None  # list leaves inline responses out


def test_a_batch_from_a_file_writes_a_result_file(sdk: genai.Client) -> None:
    lines = [
        {
            "key": "a",
            "request": {
                "contents": [{"parts": [{"text": "a cat"}]}],
                "generation_config": {"imageConfig": {"aspectRatio": "16:9"}},
            },
        },
        {
            "key": "b",
            "request": {
                "contents": [{"parts": [{"text": "a dog"}]}],
                "config": {"image_config": {"aspect_ratio": "16:9"}},
            },
        },
        {
            "key": "c",
            "request": {"contents": [{"parts": [{"text": "a cow"}]}], "image_config": {"aspect_ratio": "16:9"}},
        },
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    source = sdk.files.upload(file=io.BytesIO(data), config={"mime_type": "application/jsonl"})
    done = finished(sdk, sdk.batches.create(model=MODEL, src=source.name).name)
    assert done.state == types.JobState.JOB_STATE_SUCCEEDED and done.dest.inlined_responses is None
    assert done.dest.file_name == "files/batch-" + done.name.removeprefix("batches/")
    result = sdk.files.get(name=done.dest.file_name)
    assert result.source == types.FileSource.GENERATED and result.download_uri
    answered = [json.loads(line) for line in sdk.files.download(file=done.dest.file_name).decode().splitlines()]
    assert [line["key"] for line in answered] == ["a", "b", "c"]
    picture = types.GenerateContentResponse.model_validate(answered[0]["response"])
    assert opened(images_of(picture)[0]).size == NANO.pixel_size("16:9")
    for line, name in zip(answered[1:], ("config", "image_config"), strict=True):  # each in the wrong place
        assert line["error"] == {
            "code": 400,
            "message": f"Invalid JSON payload received. Unknown name \"{name}\" at 'request': Cannot find field.",
        }


def test_an_inline_request_in_the_wrong_shape_refuses_the_batch(server: StandinServer) -> None:
    request = {"contents": [{"parts": [{"text": "a cat"}]}], "image_config": {"aspect_ratio": "16:9"}}
    body = {"batch": {"inputConfig": {"requests": {"requests": [{"request": request}]}}}}
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=10)
    connection.request(
        "POST", f"/v1beta/models/{MODEL}:batchGenerateContent", json.dumps(body), {"x-goog-api-key": "k"}
    )
    error = json.loads(connection.getresponse().read())["error"]
    connection.close()
    where = "batch.input_config.requests.requests[0].request"
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert (
        error["message"]
        == f"Invalid JSON payload received. Unknown name \"image_config\" at '{where}': Cannot find field."
    )
    assert error["details"][0]["fieldViolations"][0]["field"] == where


def test_list_cancel_delete(sdk: genai.Client, server: StandinServer) -> None:
    server.settings.batch_seconds = 60
    made = [sdk.batches.create(model=MODEL, src=[{"contents": f"kite {n}"}]).name for n in range(3)]
    assert [job.name for job in sdk.batches.list(config={"page_size": 2})] == made[::-1]
    assert sum(path == "/v1/batches" for _, path, _ in server.requests) == 2
    sdk.batches.cancel(name=made[1])
    cancelled = sdk.batches.get(name=made[1])
    assert cancelled.state == types.JobState.JOB_STATE_CANCELLED and cancelled.done
    sdk.batches.delete(name=made[1])
    with pytest.raises(errors.ClientError) as caught:
        sdk.batches.get(name=made[1])
    assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
    assert [job.name for job in sdk.batches.list()] == [made[2], made[0]]


def test_an_input_file_gone_before_the_batch_runs_fails_it(sdk: genai.Client) -> None:
    line = {"key": "a", "request": {"contents": [{"parts": [{"text": "a cat"}]}]}}
    source = sdk.files.upload(file=io.BytesIO(json.dumps(line).encode()), config={"mime_type": "application/jsonl"})
    made = sdk.batches.create(model=MODEL, src=source.name)
    sdk.files.delete(name=source.name)
    assert finished(sdk, made.name).state == types.JobState.JOB_STATE_FAILED


def test_inline_requests_over_20_mb_are_refused(sdk: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        sdk.batches.create(model=MODEL, src=[{"contents": "x" * (20 * 1024 * 1024)}])
    assert (
        caught.value.code == 400 and caught.value.message == "Request payload size exceeds the limit: 20971520 bytes."
    )


def test_a_model_without_batches_is_refused(sdk: genai.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(models.IMAGE_MODELS, MODEL, dataclasses.replace(NANO, batch=False))
    with pytest.raises(errors.ClientError) as caught:
        sdk.batches.create(model=MODEL, src=[{"contents": "a kite"}])
    assert caught.value.code == 400 and f"models/{MODEL}" in caught.value.message
    assert "batchGenerateContent" not in sdk.models.get(model=MODEL).supported_actions
