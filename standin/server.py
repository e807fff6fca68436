"""The loopback HTTP server: ``/v1`` and ``/v1beta`` (``models``, ``batches``, ``files`` with the resumable upload,
``interactions``) for any key; what comes back, ``standin.answers``; its shapes, ``standin.wire``, ``standin.store``::

    with StandinServer("01_quickstart", ipm=20) as server:    # that notebook's answers; 20 images a minute
        client = genai.Client(api_key="any", http_options=types.HttpOptions(base_url=server.url))
        server.queue_fault(429)   # the next request answers 429 RESOURCE_EXHAUSTED"""

from __future__ import annotations

import collections
import dataclasses
import gzip
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from helpers import models
from standin import answers, store, wire

_PATH = re.compile(r"^/(upload/)?(v1\w*)/(models|interactions|files|batches)(?:/([^/:]+))?(?:[:/](\w+))?/?$")
#: Faults besides HTTP statuses: a body cut short, a body that is not JSON, a stream cut mid-way.
FAULT_KINDS = ("truncated", "malformed", "cut-stream")


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass
class Settings:
    """Time and quotas, set by ``StandinServer(**settings)`` or ``python -m standin``; none by default (as recorded)."""

    latency: float = _setting(0.0, "seconds before each answer")
    latency_max: float | None = _setting(None, "with it, each latency is drawn uniformly from latency to this")
    seed: int = _setting(0, "seed of the latency draws (read when the server is made)")
    picture_seconds: float = _setting(0.0, "seconds to make a 1K picture (1024x1024 px); others by their pixels")
    rpm: int = _setting(0, "requests a minute per key (0: no quota)")
    ipm: int = _setting(0, "images a minute per key (0: no quota)")
    minute: float = _setting(60.0, "the quotas' window in seconds (tests shorten it)")
    batch_seconds: float = _setting(0.0, "seconds a batch takes: PENDING, RUNNING from half-way, then SUCCEEDED")
    background_seconds: float = _setting(1.0, "seconds a background interaction stays in_progress")
    file_ttl: float = _setting(48 * 3600.0, "seconds a file lives (the Files API keeps them 48 hours)")


class StandinServer:
    """The stand-in on 127.0.0.1 (port 0 picks a free one), served from a daemon thread; ``settings``: Settings."""

    def __init__(self, notebook: str | None = None, *, port: int = 0, **settings: Any) -> None:
        self.answers = answers.load(notebook)
        if unknown := set(self.answers.server) - {f.name for f in dataclasses.fields(Settings)}:
            raise answers.AnswersError(f"{notebook}: [server]: no setting {sorted(unknown)[0]!r}")
        self.port, self.settings = port, Settings(**{**self.answers.server, **settings})
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, parsed body) of every request
        self.interactions: dict[str, _Stored | None] = {}  # None: made with store=false (its id, to say why)
        self.store = store.Store(self.settings, self.stamp, self.respond)
        self._faults: collections.deque[int | str] = collections.deque()
        self._attempts: collections.Counter[str] = collections.Counter()
        self._buckets: dict[tuple[str, str], list[float]] = {}  # (key, "requests" | "images") -> [level, when]
        self._random, self._lock = random.Random(self.settings.seed), threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> StandinServer:
        if self._httpd is None:
            httpd = self._httpd = _Server(("127.0.0.1", self.port), _Handler)
            httpd.daemon_threads, httpd.standin = True, self  # type: ignore[attr-defined]
            threading.Thread(target=httpd.serve_forever, args=(0.1,), daemon=True, name="standin").start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def queue_fault(self, fault: int | str, times: int = 1) -> None:
        """Make the next ``times`` requests fail: an HTTP status (429, 500, 503, 400...) or one of FAULT_KINDS."""
        if not isinstance(fault, int) and fault not in FAULT_KINDS:
            raise ValueError(f"a fault is an HTTP status or one of {FAULT_KINDS}, not {fault!r}")
        with self._lock:
            self._faults.extend([fault] * times)

    def attempt(self, ask: wire.Ask) -> int:
        """How many times this very request has come, this one included."""
        with self._lock:
            self._attempts[ask.seed] += 1
            return self._attempts[ask.seed]

    def next_fault(self) -> int | str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def stamp(self, after: float = 0.0) -> str:
        """Now plus ``after`` seconds on the stand-in's clock: EPOCH, one second on a request (recordings repeat)."""
        return (wire.EPOCH + timedelta(seconds=len(self.requests) + after)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def pause(self) -> float:
        """This request's latency: ``latency``, or drawn from ``latency`` to ``latency_max`` (seeded)."""
        low, high = self.settings.latency, self.settings.latency_max
        with self._lock:
            return low if high is None else self._random.uniform(low, high)

    def picture_time(self, answer: Any) -> float:
        """How long the pictures in ``answer`` take to make: ``picture_seconds`` for each 1024×1024 pixels."""
        return self.settings.picture_seconds * wire.pixels(answer) / 1024**2 if self.settings.picture_seconds else 0

    def admit(self, key: str, model: str, images: int) -> None:
        """Take one request and ``images`` pictures from the key's quotas (429 saying when they are there): buckets of
        ``rpm`` and ``ipm`` that start full and refill at that many a ``minute`` (Google does not publish its own)."""
        s, now = self.settings, time.monotonic()
        with self._lock:
            wanted = [("requests", s.rpm, 1), ("images", s.ipm, images)]
            for what, limit, need in wanted:
                level, when = self._buckets.setdefault((key, what), [limit, now])
                self._buckets[key, what] = [level := min(limit, level + (now - when) * limit / s.minute), now]
                if limit and level < min(need, limit):
                    raise wire.quota(what, limit, model, (min(need, limit) - level) * s.minute / limit, s.minute)
            for what, limit, need in wanted:
                self._buckets[key, what][0] -= need if limit else 0

    def respond(self, model: models.ImageModel, request: Any, where: str) -> wire.Json:
        """One batch request's ``{"response"}``, or its ``{"error"}`` (it fails alone), as generateContent answers."""
        try:
            ask = wire.read_generate(model, request if isinstance(request, dict) else {}, self.store.fetch, where)
            return {"response": wire.generate_response(ask, answers.reply(self.answers, ask, self.attempt(ask)))}
        except wire.ApiError as error:
            return {"error": {"code": error.code, "message": error.message}}


#: A stored interaction: its body, every picture of the conversation so far, its context in tokens, when it is ready.
_Stored = collections.namedtuple("_Stored", "body images tokens ready")


def _nowhere(method: str, path: str) -> wire.ApiError:
    return wire.ApiError(404, "NOT_FOUND", f"Method not found: {method} {path} (stand-in Gemini API).")


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # sixteen requests at once queue up, none is refused (Python's default is 5)


class _Handler(BaseHTTPRequestHandler):
    """One connection; its requests come one after another, so each sets ``standin``, ``query``, ``key``, ``fault``."""

    protocol_version = "HTTP/1.1"
    server_version = "StandinGemini/2"
    disable_nagle_algorithm = True  # an answer leaves at once, not after the client's delayed ACK (40 ms)

    def log_message(self, format: str, *args: Any) -> None:
        """No request log on stderr."""

    def _serve(self) -> None:
        self.standin = standin = self.server.standin  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunk = "upload_id" in self.query  # an upload's bytes: not JSON, and its URL is its credential
        try:
            body = raw if chunk else json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        with standin._lock:
            standin.requests.append((self.command, url.path, body))
        time.sleep(standin.pause())
        self.fault = fault = standin.next_fault()
        self.key = str(self.headers.get("x-goog-api-key") or self.query.get("key") or "")
        try:
            if isinstance(fault, int):
                raise wire.fault(fault)
            if not (self.key or chunk):
                raise wire.fault(403)
            if not (chunk or isinstance(body, dict)):
                raise wire.invalid("Invalid JSON payload received. Expected an object.")
            if len(raw) > wire.MOST_BYTES and not chunk:
                raise wire.invalid(f"Request payload size exceeds the limit: {wire.MOST_BYTES} bytes.")
            if not (match := _PATH.match(url.path)):
                raise _nowhere(self.command, url.path)
            self._route(self.command, *match.groups(), body)
        except wire.ApiError as error:  # an upload's status says the session is over (else the SDK retries)
            self._json(error.code, error.body(), headers={"X-Goog-Upload-Status": "final"} if chunk else {})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_DELETE = _serve  # noqa: N815 (the names http.server calls)

    def _route(self, method: str, upload: str, version: str, kind: str, name: str, action: str, body: Any) -> None:
        files, name, query = self.standin.store, unquote(name or ""), self.query
        full, seen = f"{kind}/{name}", (kind, method, bool(name), action or "")
        if upload:
            self._upload(version, body)
        elif kind == "models":
            self._models(method, version, name, action, body)
        elif kind == "interactions":
            self._interaction(method, name, action or "", body)
        else:
            routes = {
                ("files", "GET", True, "download"): lambda: files.download(full),
                ("files", "GET", False, ""): lambda: wire.page(files.file_list(), query, "files", 10, 100),
                ("files", "GET", True, ""): lambda: files.file(full).resource,
                ("files", "DELETE", True, ""): lambda: files.delete(full),
                ("batches", "GET", False, ""): lambda: wire.page(files.batch_list(), query, "operations", 50, 1000),
                ("batches", "GET", True, ""): lambda: files.batch(full),
                ("batches", "POST", True, "cancel"): lambda: files.cancel(full),
                ("batches", "DELETE", True, ""): lambda: files.delete(full),
            }
            if seen not in routes:
                raise _nowhere(method, self.path.split("?")[0])
            if isinstance(found := routes[seen](), store.File):  # a file's bytes, downloaded
                return self._send(200, bytes(found.data), str(found.resource.get("mimeType")))
            self._json(200, found, self.fault)

    def _upload(self, version: str, body: Any) -> None:
        """Google's resumable upload, as google-genai's files.upload speaks it (``_api_client._upload_fd``)."""
        command, upload = self.headers.get("X-Goog-Upload-Command", ""), self.query.get("upload_id")
        if upload:
            offset = int(self.headers.get("X-Goog-Upload-Offset") or 0)
            made = self.standin.store.upload(upload, offset, body, "finalize" in command, version)
            self._json(200, made and {"file": made}, headers={"X-Goog-Upload-Status": "final" if made else "active"})
        elif self.headers.get("X-Goog-Upload-Protocol") != "resumable" or command != "start":
            raise wire.invalid("The stand-in takes resumable uploads only: X-Goog-Upload-Command: start first.")
        else:
            upload = self.standin.store.start_upload(wire.get(body, "file") or {})
            where = f"http://{self.headers.get('Host')}/upload/{version}/files?upload_id={upload}"
            headers = {"X-Goog-Upload-URL": where + "&upload_protocol=resumable", "X-Goog-Upload-Status": "active"}
            self._json(200, None, headers={**headers, "X-Goog-Upload-Chunk-Granularity": str(8 * 1024 * 1024)})

    def _models(self, method: str, version: str, name: str, action: str | None, body: Any) -> None:
        standin = self.standin
        if method == "GET" and not name:
            listed = [wire.model_resource(m) for m in wire.served_models()]
            return self._json(200, wire.page(listed, self.query, "models", 50, 1000))
        model = wire.find_model(name, version, action or "get")
        if method == "GET" and not action:
            self._json(200, wire.model_resource(model))
        elif action == "countTokens":
            ask = wire.read_generate(model, body, standin.store.fetch)
            pictures = len(ask.images + ask.earlier_images)  # counted as the usage counts the prompt
            self._json(200, {"totalTokens": ask.text_tokens + pictures * model.input_image_tokens})
        elif action == "batchGenerateContent":
            self._json(200, standin.store.create_batch(model, body), self.fault)
        elif action in ("generateContent", "streamGenerateContent"):
            ask = wire.read_generate(model, body, standin.store.fetch)
            reply = answers.reply(standin.answers, ask, standin.attempt(ask))
            standin.admit(self.key, model.id, sum("image" in p and not p.get("thought") for p in reply.parts))
            time.sleep(reply.delay)
            stream = action.startswith("stream")
            self._answer(wire.stream_chunks(ask, reply) if stream else wire.generate_response(ask, reply))
        else:
            raise wire.invalid(f"Unknown method {action!r}.")

    def _interaction(self, method: str, wanted: str, action: str, body: dict[str, Any]) -> None:
        """Create (POST), get (GET; ``?stream=true``: its events, after ``last_event_id``), delete, cancel."""
        standin, now, seen, query = self.standin, time.monotonic(), (method, bool(wanted), action), self.query
        if seen not in (("POST", False, ""), ("GET", True, ""), ("DELETE", True, ""), ("POST", True, "cancel")):
            raise _nowhere(method, self.path.split("?")[0])
        if wanted:
            if (stored := standin.interactions.get(wanted)) is None:
                raise wire.ApiError(404, "NOT_FOUND", f"Interaction {wanted} was not found.")
            if method == "DELETE":  # the SDK's delete reads any 200: the API's Empty, {}
                return self._json(200, standin.interactions.pop(wanted) and {})
            if action == "cancel" and stored.ready <= now:  # only a background one still running (the SDK's docs)
                said = f"Interaction {wanted} has already finished ({stored.body['status']}) and cannot be cancelled."
                raise wire.ApiError(400, "FAILED_PRECONDITION", said)
            if action == "cancel":
                stored = stored._replace(body=wire.view(stored.body, "cancelled"), ready=0)
                standin.interactions[wanted] = stored
            streamed, after = query.get("stream") == "true", query.get("last_event_id") or None
        else:
            stored, streamed, after = self._create(body, now), bool(body.get("stream")), None
        ready = stored.ready if wanted or stored.ready else None  # None: made now, paced as its pictures are made
        if not streamed:
            return self._answer(wire.view(stored.body, "in_progress") if stored.ready > now else stored.body, ready)
        events = wire.interaction_events(stored.body)
        if after not in (None, *(ids := [event["event_id"] for event in events])):
            raise wire.invalid(f"last_event_id {after!r} is not an event of interaction {stored.body['id']}.")
        self._answer([*events[ids.index(after) + 1 if after else 0 :], "[DONE]"], ready)

    def _create(self, body: dict[str, Any], now: float) -> _Stored:
        """A new interaction, kept unless ``store`` is false; a background one is ready ``background_seconds`` on."""
        standin = self.standin
        before = standin.interactions.get(previous := body.get("previous_interaction_id"))
        if previous in standin.interactions and before is None:
            said = f"Interaction {previous} was created with store=false, so it was not kept and cannot be continued:"
            raise wire.invalid(f"{said} send the whole conversation as input, or create it with store=true.")
        if previous and before is None:
            raise wire.ApiError(404, "NOT_FOUND", f"Interaction {previous} was not found (or was not stored).")
        if body.get("background") and body.get("store") is False:  # the stand-in's words: no real ones were found
            raise wire.invalid("background=true requires store=true: the interaction is kept until you get its result.")
        ask = wire.read_interaction(body, standin.store.fetch)
        # Server-side state: earlier pictures and turns stay on the server, counted as input (the docs say so).
        ask.earlier_images, ask.history_tokens = (list(before.images), before.tokens) if before else ([], 0)
        reply = answers.reply(standin.answers, ask, standin.attempt(ask))
        made = [p["image"] for p in reply.parts if "image" in p and not p.get("thought")]
        standin.admit(self.key, str(body.get("model")), len(made))
        time.sleep(reply.delay)
        identifier = "standin-" + wire.digest(ask.seed, previous, size=16)
        result, tokens = wire.interaction(ask, reply, identifier, previous), wire.context_tokens(ask, reply)
        ready = now + standin.settings.background_seconds if body.get("background") else 0.0
        stored = _Stored(result, [*ask.earlier_images, *ask.images, *made], ask.history_tokens + tokens, ready)
        standin.interactions[identifier] = stored if body.get("store", True) else None  # store=false: its id only
        return stored

    def _answer(self, payload: Any, ready: float | None = None) -> None:
        """An answer (a list: a stream's events), each picture once made (``picture_seconds``); with ``ready``
        (time.monotonic()), a stored interaction: its events but interaction.created once it is ready, unpaced."""
        if not isinstance(payload, list):
            time.sleep(self.standin.picture_time(payload) if ready is None else 0)
            return self._json(200, payload, self.fault)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, event in enumerate(payload):
            if self.fault == "cut-stream" and index == len(payload) // 2:
                self.close_connection = True
                return
            wait = self.standin.picture_time(event) if ready is None else max(0, ready - time.monotonic())
            time.sleep(0 if isinstance(event, dict) and event.get("event_type") == "interaction.created" else wait)
            data = f"data: {event if isinstance(event, str) else json.dumps(event)}\r\n\r\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _json(self, code: int, payload: Any, fault: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        if fault == "truncated":
            data = data[: len(data) // 2]
        elif fault == "malformed":
            data = b"<html><body>502 Bad Gateway</body></html>"
        self._send(code, data, "application/json; charset=UTF-8", headers, fault)

    def _send(self, code: int, data: bytes, kind: str, headers: dict | None = None, fault: Any = None) -> None:
        self.send_response(code)
        for name, value in {"Content-Type": kind, **(headers or {})}.items():
            self.send_header(name, value)
        if "gzip" in self.headers.get("Accept-Encoding", "") and fault is None and data:
            data = gzip.compress(data, compresslevel=1, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
