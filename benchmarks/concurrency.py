"""Many prompts at once, quotas, retries and streams, against the stand-in API (figures, not a test).

1. 16 prompts at 1 s latency: one after another, then with ``client.aio`` under an ``asyncio.Semaphore`` of 4, 8, 16.
   Goal: >= 10x at 16.
2. A quota of 20 images a window (shortened to 6 s), 40 prompts at concurrency 8, a retrying client: with
   ``aiolimiter.AsyncLimiter(20, 6)`` (goal: no 429, within 10 % of the quota's bound), with the same rate and no
   burst (``AsyncLimiter(1, 0.3)``), and with no limiter. The stand-in counts every attempt; 429s = attempts - answers.
3. A 429 on the first attempt of every request, a client retrying 4 times: are all 16 pictures back?
4. A story in three scenes (text and a picture a scene, 1 s to draw a picture): first text and first picture in a
   stream against the whole response.

    python benchmarks/concurrency.py            # about 75 s
    python benchmarks/concurrency.py --quick    # every wait a quarter as long
    python benchmarks/concurrency.py --json     # also print every figure as JSON

Exits 1 when part 3 lost a picture. See benchmarks/README.md for what is measured and the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time

from aiolimiter import AsyncLimiter
from google import genai
from google.genai import types

from standin import StandinServer

MODEL = "gemini-nano-banana-2.1"
IMAGE = types.GenerateContentConfig(response_modalities=["IMAGE"])
BOTH = types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"])
RETRY = types.HttpRetryOptions(attempts=4, initial_delay=0.2, http_status_codes=[408, 429, 500, 502, 503, 504])
COLOURS = ["red", "blue", "green", "yellow", "orange", "purple", "white", "black"]
THINGS = ["kite", "boat", "teapot", "bicycle", "umbrella"]
PROMPTS = [f"A small watercolour of a {colour} {thing}, no text." for thing in THINGS for colour in COLOURS]
STORY = "Tell a story about a lighthouse keeper's cat in three scenes, with one picture per scene."
GOAL, QUOTA, TOLERANCE = 10.0, 20, 0.10


def client_for(server: StandinServer, retry: types.HttpRetryOptions | None = None) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url, retry_options=retry))


def attempts(server: StandinServer) -> int:
    """generateContent requests the stand-in received (every attempt, the client's retries included)."""
    return sum(path.endswith(":generateContent") for _, path, _ in server.requests)


async def run(client: genai.Client, prompts: list[str], width: int, limiter: AsyncLimiter | None = None) -> dict:
    """Every prompt under a semaphore of ``width`` (1: one after another); its wall time, pictures and failures."""
    gate = asyncio.Semaphore(width)

    async def one(prompt: str) -> int:
        async with gate:
            if limiter is not None:
                await limiter.acquire()
            answer = await client.aio.models.generate_content(model=MODEL, contents=prompt, config=IMAGE)
        return sum(part.inline_data is not None for part in answer.parts or [])

    start = time.perf_counter()
    got = await asyncio.gather(*(one(p) for p in prompts), return_exceptions=True)
    seconds = time.perf_counter() - start
    failed = [type(g).__name__ for g in got if isinstance(g, BaseException)]
    pictures = sum(g for g in got if isinstance(g, int))
    return {"seconds": seconds, "pictures": pictures, "failed": len(failed), "errors": failed}


def speedup(scale: float) -> dict:
    latency = 1.0 * scale
    with StandinServer(latency=latency) as server:
        client = client_for(server)
        asyncio.run(run(client, PROMPTS[-1:], 1))  # warm up: the first picture loads fonts
        runs = {width: asyncio.run(run(client, PROMPTS[:16], width)) for width in (1, 4, 8, 16)}
    times = {width: result["seconds"] for width, result in runs.items()}
    ratios = {width: times[1] / seconds for width, seconds in times.items()}
    print(f"1. 16 prompts, {latency:g} s latency each:")
    for width, seconds in times.items():
        label = "sequential" if width == 1 else f"concurrency {width:2}"
        print(f"   {label:15} {seconds:6.2f} s  {ratios[width]:5.1f}x  {runs[width]['pictures']} pictures")
    print(f"   goal >= {GOAL:g}x at 16: {'met' if ratios[16] >= GOAL else 'NOT met'}")
    return {"latency_s": latency, "seconds": times, "speedup": ratios, "goal_met": ratios[16] >= GOAL}


def quota(scale: float, count: int = 40, width: int = 8) -> dict:
    latency, window = 1.0 * scale, 6.0 * scale
    # The quota's bound, the bucket starting full: QUOTA at once, then one every window / QUOTA (or the semaphore's
    # waves, if slower); the last answer `latency` later. Without the burst: one every window / QUOTA from the start.
    burst = max(max(0, count - QUOTA) * window / QUOTA, (-(-count // width) - 1) * latency) + latency
    paced = (count - 1) * window / QUOTA + latency
    print(f"2. {count} prompts at concurrency {width}, quota {QUOTA} images / {window:g} s, {latency:g} s latency:")
    print(f"   quota's bound {burst:.2f} s (bucket starts full), {paced:.2f} s paced without a burst")
    report: dict = {"bound_s": burst, "paced_bound_s": paced, "window_s": window}
    limiters = {
        f"AsyncLimiter({QUOTA}, {window:g})": (AsyncLimiter(QUOTA, window), burst),  # QUOTA at once, then paced
        f"AsyncLimiter(1, {window / QUOTA:g})": (AsyncLimiter(1, window / QUOTA), paced),  # same rate, no burst
        "no limiter": (None, burst),
    }
    for name, (limiter, bound) in limiters.items():
        with StandinServer(latency=latency, ipm=QUOTA, minute=window) as server:
            result = asyncio.run(run(client_for(server, RETRY), PROMPTS[:count], width, limiter))
            result["429s"] = attempts(server) - (count - result["failed"])  # every other attempt was refused
        result |= {"bound_s": bound, "within_bound": result["seconds"] <= bound * (1 + TOLERANCE)}
        print(
            f"   {name:22} {result['seconds']:6.2f} s = {result['seconds'] / bound:.2f}x its bound "
            f"({'within' if result['within_bound'] else 'OVER'} 10 %), {result['429s']:2} 429s, "
            f"{result['pictures']} of {count} pictures, {result['failed']} lost"
        )
        report[name] = result
    return report


def first_attempts(scale: float, count: int = 16) -> dict:
    with StandinServer(latency=1.0 * scale) as server:
        server.queue_fault(429, times=count)  # all `count` first attempts arrive before any retry can
        result = asyncio.run(run(client_for(server, RETRY), PROMPTS[:count], count))
        sent = [json.dumps(body, sort_keys=True) for _, path, body in server.requests if "generateContent" in path]
    result["attempts"] = attempts(server)
    result["each_sent_twice"] = all(sent.count(s) == 2 for s in set(sent)) and len(set(sent)) == count
    print(
        f"3. 429 on each first attempt, {count} prompts at concurrency {count}, retrying client: "
        f"{result['pictures']} of {count} pictures in {result['seconds']:.2f} s, {result['failed']} lost, "
        f"{result['attempts']} attempts (each prompt twice: {result['each_sent_twice']})"
    )
    return result


def stream_or_whole(scale: float) -> dict:
    latency, picture = 1.0 * scale, 1.0 * scale
    with StandinServer(latency=latency, picture_seconds=picture) as server:
        client = client_for(server)
        start, first = time.perf_counter(), {}
        for chunk in client.models.generate_content_stream(model=MODEL, contents=STORY, config=BOTH):
            for part in chunk.parts or []:
                kind = "picture" if part.inline_data is not None else "text" if part.text else None
                if kind:
                    first.setdefault(kind, time.perf_counter() - start)
        streamed = time.perf_counter() - start
        start = time.perf_counter()
        whole = client.models.generate_content(model=MODEL, contents=STORY, config=BOTH)
        seconds = time.perf_counter() - start
    pictures = sum(part.inline_data is not None for part in whole.parts or [])
    print(f"4. a story in three scenes, {latency:g} s latency, {picture:g} s a picture ({pictures} pictures):")
    print(f"   stream: first text {first.get('text', float('nan')):.2f} s, first picture ", end="")
    print(f"{first.get('picture', float('nan')):.2f} s, last chunk {streamed:.2f} s")
    print(f"   whole response: {seconds:.2f} s")
    return {"first_text_s": first.get("text"), "first_picture_s": first.get("picture"), "stream_s": streamed,
            "whole_s": seconds, "pictures": pictures}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="every latency, window and drawing time a quarter")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args(argv)
    random.seed(0)  # the SDK's retry jitter draws from `random`
    scale = 0.25 if args.quick else 1.0
    report = {"scale": scale, "speedup": speedup(scale), "quota": quota(scale)}
    report |= {"first_attempt_429": first_attempts(scale), "stream": stream_or_whole(scale)}
    if args.json:
        print(json.dumps(report, indent=2))
    return 1 if report["first_attempt_429"]["failed"] else 0  # the one check: nothing lost to 429s


if __name__ == "__main__":
    sys.exit(main())
