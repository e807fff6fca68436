"""The stand-in Gemini API: a loopback HTTP server that answers like the real one, with placeholders.

    with StandinServer("01_quickstart") as server:    # that notebook's answers file
        client = genai.Client(api_key="any", http_options=types.HttpOptions(base_url=server.url))
        server.queue_fault(429)   # the next request answers 429 RESOURCE_EXHAUSTED

Serves ``/v1`` and ``/v1beta``: ``models`` (list and get), ``models/{m}:generateContent``,
``:streamGenerateContent`` (SSE with ``?alt=sse``), ``:countTokens`` and ``interactions`` (create,
chained with ``previous_interaction_id``, streamed with ``stream: true``; get). Any non-empty key
is accepted. What comes back is decided by ``standin.answers``; the wire shapes by ``standin.wire``.
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from standin import answers, wire

_MODELS = re.compile(r"^/(v1|v1beta|v1alpha)/models(?:/([^/:]+))?(?::(\w+))?/?$")
_INTERACTIONS = re.compile(r"^/(v1|v1beta|v1alpha)/interactions(?:/([\w-]+))?/?$")
#: Faults besides HTTP status codes: a body cut short, a body that is not JSON, a stream cut mid-way.
FAULT_KINDS = ("truncated", "malformed", "cut-stream")


class StandinServer:
    """The stand-in on 127.0.0.1 (port 0 picks a free one), served from a daemon thread."""

    def __init__(self, notebook: str | None = None, *, port: int = 0, latency: float = 0.0) -> None:
        self.answers = answers.load(notebook)
        self.port, self.latency = port, latency
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, parsed body) of every request
        self.interactions: dict[str, _Stored] = {}
        self._faults: collections.deque[int | str] = collections.deque()
        self._attempts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> StandinServer:
        if self._httpd is None:
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
            self._httpd.daemon_threads = True
            self._httpd.standin = self  # type: ignore[attr-defined]
            threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="standin"
            ).start()
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
        """Make the next ``times`` requests fail: an HTTP status (429, 500, 503, 504, 400, 403) or a
        kind from FAULT_KINDS."""
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


@dataclass
class _Stored:
    """A stored interaction: its body, every picture of the conversation so far, its context in tokens."""

    body: dict[str, Any]
    images: list[bytes]
    tokens: int


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StandinGemini/2"

    def log_message(self, format: str, *args: Any) -> None:
        """No request log on stderr."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        standin: StandinServer = self.server.standin  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        with standin._lock:
            standin.requests.append((method, url.path, body))
        if standin.latency:
            time.sleep(standin.latency)
        fault = standin.next_fault()
        try:
            if isinstance(fault, int):
                raise wire.fault(fault)
            if not (self.headers.get("x-goog-api-key") or parse_qs(url.query).get("key")):
                raise wire.fault(403)
            if body is None or not isinstance(body, dict):
                raise wire.invalid("Invalid JSON payload received. Expected an object.")
            self._route(standin, method, url, body, fault)
        except wire.ApiError as error:
            self._json(error.code, error.body())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _route(self, standin: StandinServer, method: str, url: Any, body: dict[str, Any], fault: Any) -> None:
        if match := _MODELS.match(url.path):
            version, name, action = match.group(1), unquote(match.group(2) or ""), match.group(3)
            if method == "GET" and not name:
                self._json(200, {"models": [wire.model_resource(m) for m in wire.served_models()]})
                return
            model = wire.find_model(name, version, action or "get")
            if method == "GET" and not action:
                self._json(200, wire.model_resource(model))
            elif action == "countTokens":
                self._json(200, {"totalTokens": wire.read_generate(model, body).text_tokens})
            elif action in ("generateContent", "streamGenerateContent"):
                ask = wire.read_generate(model, body)
                reply = answers.reply(standin.answers, ask, standin.attempt(ask))
                time.sleep(reply.delay)
                if action == "generateContent":
                    self._json(200, wire.generate_response(ask, reply), fault)
                else:
                    self._events([json.dumps(c) for c in wire.stream_chunks(ask, reply)], fault)
            else:
                raise wire.invalid(f"Unknown method {action!r}.")
        elif match := _INTERACTIONS.match(url.path):
            self._interaction(standin, method, match.group(2), body, fault)
        else:
            raise wire.ApiError(404, "NOT_FOUND", f"Method not found: {method} {url.path} (stand-in Gemini API).")

    def _interaction(
        self, standin: StandinServer, method: str, wanted: str | None, body: dict[str, Any], fault: Any
    ) -> None:
        if method == "GET":
            if wanted not in standin.interactions:
                raise wire.ApiError(404, "NOT_FOUND", f"Interaction {wanted} was not found.")
            self._json(200, standin.interactions[wanted].body)
            return
        previous = body.get("previous_interaction_id")
        if previous and previous not in standin.interactions:
            raise wire.ApiError(404, "NOT_FOUND", f"Interaction {previous} was not found (or was not stored).")
        before = standin.interactions.get(previous) if previous else None
        ask = wire.read_interaction(body)
        # Server-side state: earlier pictures and turns stay on the server, counted as input (the docs say so).
        ask.earlier_images = list(before.images) if before else []
        reply = answers.reply(standin.answers, ask, standin.attempt(ask))
        time.sleep(reply.delay)
        identifier = "standin-" + wire.digest(ask.seed, previous, size=16)
        ask.history_tokens = before.tokens if before else 0
        result = wire.interaction(ask, reply, identifier, previous)
        if body.get("store", True):
            made = [p["image"] for p in reply.parts if "image" in p and not p.get("thought")]
            standin.interactions[identifier] = _Stored(
                result,
                [*ask.earlier_images, *ask.images, *made],
                (before.tokens if before else 0) + wire.context_tokens(ask, reply),
            )
        if body.get("stream"):
            self._events([json.dumps(e) for e in wire.interaction_events(result)] + ["[DONE]"], fault)
        else:
            self._json(200, result, fault)

    # -- I/O --------------------------------------------------------------------------------

    def _json(self, code: int, payload: Any, fault: Any = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        if fault == "truncated":
            data = data[: len(data) // 2]
        elif fault == "malformed":
            data = b"<html><body>502 Bad Gateway</body></html>"
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        if "gzip" in self.headers.get("Accept-Encoding", "") and fault is None:
            data = gzip.compress(data, compresslevel=1, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _events(self, events: list[str], fault: Any = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, event in enumerate(events):
            if fault == "cut-stream" and index == len(events) // 2:
                self.close_connection = True
                return
            data = f"data: {event}\r\n\r\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
