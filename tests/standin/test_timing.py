"""Time that can be measured on the stand-in: streams paced by picture size, latency fixed or drawn (seeded),
per-key quotas of requests and images a minute answering 429 with RetryInfo, and the same from ``python -m standin``.
Delays are kept small; each bound is checked with time.monotonic on the client side."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from standin import StandinServer
from tests.standin import MODEL, image_config

ROOT = Path(__file__).resolve().parents[2]
IMAGE_ONLY = types.GenerateContentConfig(response_modalities=["IMAGE"])


def client_on(server: StandinServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def arrivals(chunks: Any) -> list[tuple[float, str]]:
    """When each stream chunk arrived, and what it held ("text" or "image")."""
    return [(time.monotonic(), "image" if c.parts[0].inline_data else "text") for c in chunks]


def test_a_stream_sends_text_first_then_each_picture_after_a_time_that_grows_with_its_size() -> None:
    with StandinServer(picture_seconds=0.2) as server:
        client = client_on(server)
        stream = client.models.generate_content_stream
        list(stream(model=MODEL, contents="a kite", config=IMAGE_ONLY))  # warm: fonts, the SDK's first parse
        gaps = {}
        for size in ("1K", "2K"):  # 2K has four times the pixels of 1K
            got = arrivals(stream(model=MODEL, contents="a kite", config=image_config("1:1", size)))
            assert [kind for _, kind in got] == ["text", "text", "image"]
            gaps[size] = got[2][0] - got[0][0]  # the text does not wait for the picture
        start = time.monotonic()
        client.models.generate_content(model=MODEL, contents="a kite", config=image_config("1:1"))
        whole = time.monotonic() - start
    assert 0.18 <= gaps["1K"] < 0.2 + 0.25 and 0.78 <= gaps["2K"] < 0.8 + 0.3, gaps
    assert 3 < gaps["2K"] / gaps["1K"] < 5
    assert whole >= 0.2  # a whole answer waits for its pictures too


def test_interaction_stream_events_carry_event_ids_and_the_picture_is_paced() -> None:
    with StandinServer(picture_seconds=0.2) as server:
        events, client = [], client_on(server)
        for event in client.interactions.create(model=MODEL, input="a kite", stream=True):
            events.append((time.monotonic(), event))
    ids = [event.event_id for _, event in events]
    assert all(ids) and len(set(ids)) == len(ids)
    kinds = [getattr(event, "delta", None) and event.delta.type for _, event in events]
    picture = kinds.index("image")
    assert events[picture][0] - events[0][0] >= 0.18  # after the text and the events before it


def test_latency_fixed_or_drawn_from_a_seeded_range() -> None:
    with StandinServer(latency=0.15) as server:
        client, start = client_on(server), time.monotonic()
        client.models.get(model=MODEL)
        assert time.monotonic() - start >= 0.15
    servers = [StandinServer(latency=0.01, latency_max=0.05, seed=seed) for seed in (7, 7, 8)]  # not started
    draws = [[server.pause() for _ in range(3)] for server in servers]
    assert draws[0] == draws[1] != draws[2]
    assert all(0.01 <= d <= 0.05 for d in draws[0] + draws[2]) and len(set(draws[0])) == 3


def retry_delay(error: errors.APIError) -> str:
    return next(d["retryDelay"] for d in error.details["error"]["details"] if "retryDelay" in d)


def with_retries(call: Callable[[], Any], refusals: list[errors.APIError]) -> float:
    """Call until it succeeds, waiting what each 429's RetryInfo says; when the successful attempt began."""
    while True:
        began = time.monotonic()
        try:
            call()
            return began
        except errors.ClientError as error:
            if error.code != 429:
                raise
            refusals.append(error)
            time.sleep(float(retry_delay(error).removesuffix("s")))


def test_images_a_minute_pace_a_retrying_client_to_the_quota() -> None:
    """20 images a (shortened) minute, 40 one-picture requests: no call fails; the first 20 go through at once (the
    bucket starts full), then one every twentieth of a minute as it refills: never sooner, and the last within 10 %
    of the quota's bound (a minute after the first). The minute is long enough that a slow machine's requests
    (tens of milliseconds each) are never what paces them."""
    minute, refusals = 4.0, []
    with StandinServer(ipm=20, minute=minute) as server:
        client, warm = (
            client_on(server),
            genai.Client(api_key="warm", http_options=types.HttpOptions(base_url=server.url)),
        )
        warm.models.generate_content(
            model=MODEL, contents="a kite", config=IMAGE_ONLY
        )  # another key: the quota is per key
        starts = [
            with_retries(
                lambda: client.models.generate_content(model=MODEL, contents="a kite", config=IMAGE_ONLY), refusals
            )
            for _ in range(40)
        ]
    due = [(n - 19) * minute / 20 for n in range(20, 40)]  # when the n-th request's picture is in the bucket
    early = [when - (start - starts[0]) for start, when in zip(starts[20:], due, strict=True)]
    assert refusals and max(early) <= 0.01, early
    assert minute * 0.99 <= starts[-1] - starts[0] <= minute * 1.1, starts[-1] - starts[0]
    error = refusals[0]
    assert (error.code, error.status) == (429, "RESOURCE_EXHAUSTED") and "limit: 20, model: " + MODEL in error.message
    assert re.fullmatch(r"\d\.\d{3}s", retry_delay(error))  # a shortened minute: milliseconds; else whole seconds
    assert error.details["error"]["details"][0]["@type"] == "type.googleapis.com/google.rpc.QuotaFailure"


def test_requests_a_minute_are_counted_per_key_and_say_whole_seconds() -> None:
    text = types.GenerateContentConfig(response_modalities=["TEXT"])
    with StandinServer(rpm=2) as server:
        client = client_on(server)
        for _ in range(2):
            client.models.generate_content(model=MODEL, contents="a kite", config=text)
        with pytest.raises(errors.ClientError) as caught:
            client.models.generate_content(model=MODEL, contents="a kite", config=text)
        other = genai.Client(api_key="another", http_options=types.HttpOptions(base_url=server.url))
        assert other.models.generate_content(model=MODEL, contents="a kite", config=text).text
    assert caught.value.code == 429 and "limit: 2," in caught.value.message
    assert re.fullmatch(r"(29|30)s", retry_delay(caught.value))  # one request's worth refills in half a minute


def test_python_m_standin_takes_the_timing_and_quota_options() -> None:
    command = [sys.executable, "-m", "standin", "--rpm", "1", "--latency", "0.01", "--latency-max", "0.02"]
    command += ["--ipm", "5", "--picture-seconds", "0", "--batch-seconds", "1", "--file-ttl", "60", "--exit-with-stdin"]
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = process.stdout.readline().decode().strip()
        body = json.dumps(
            {"contents": [{"parts": [{"text": "a kite"}]}], "generationConfig": {"responseModalities": ["TEXT"]}}
        )
        codes = []
        for _ in range(2):
            request = urllib.request.Request(
                f"{url}/v1beta/models/{MODEL}:generateContent", body.encode(), {"x-goog-api-key": "k"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    codes.append(response.status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
        assert codes == [200, 429]
        process.stdin.close()
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        process.wait()
