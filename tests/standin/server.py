"""A loopback HTTP server that speaks the Gemini REST API and draws placeholder images.

    with StandinServer() as server:
        client = genai.Client(api_key="any", http_options=types.HttpOptions(base_url=server.url))
        server.queue_fault(429)          # the next request answers 429 RESOURCE_EXHAUSTED
        server.queue_response("blocked") # the next generate request is blocked by safety

Serves `/v1` and `/v1beta` (and `/v1alpha`): `models`, `models/{m}`, `models/{m}:generateContent`,
`models/{m}:streamGenerateContent` (SSE with `?alt=sse`, else a JSON array) and
`models/{m}:countTokens`. Any non-empty key (`x-goog-api-key` header or `key=` query) is accepted.
"""

from __future__ import annotations

import collections
import json
import re
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import gemini

_ROUTE = re.compile(r"^/(v1|v1beta|v1alpha)/models(?:/([^/:]+))?(?::([A-Za-z]+))?/?$")


class StandinServer:
    """The stand-in Gemini API on 127.0.0.1, served from a daemon thread.

    Args:
        host: a loopback address to bind (only loopback is allowed).
        port: 0 picks a free port; see `.url` after `start()`.
        latency: seconds to wait before answering each request.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the stand-in binds only to loopback, not {host!r}")
        self.host, self.port, self.latency = host, port, latency
        self.requests: list[Any] = []  # parsed JSON bodies of POST requests, in order
        self.calls: list[str] = []  # "METHOD /path" of every request, in order
        self._lock = threading.Lock()
        self._faults: collections.deque[int] = collections.deque()
        self._kinds: collections.deque[str] = collections.deque()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for `HttpOptions(base_url=...)`, e.g. "http://127.0.0.1:54321"."""
        if self._httpd is None:
            raise RuntimeError("the stand-in server is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> "StandinServer":
        """Bind and serve in a daemon thread; return self."""
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self.host, self.port), _Handler, standin=self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="standin-gemini", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and any open keep-alive connections."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "StandinServer":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- fault injection ------------------------------------------------------------------------

    def queue_fault(self, code: int, times: int = 1) -> None:
        """Make the next `times` requests (of any kind) answer HTTP `code`.

        400 API_KEY_INVALID, 403 PERMISSION_DENIED, 429 RESOURCE_EXHAUSTED (with RetryInfo),
        500 INTERNAL, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED.
        """
        gemini.fault(code)  # raises ValueError for an unknown code
        with self._lock:
            self._faults.extend([code] * times)

    def queue_response(self, kind: str, times: int = 1) -> None:
        """Shape the next `times` generate requests' answers.

        "blocked" (no candidates, promptFeedback.blockReason SAFETY), "no_image" (finishReason
        NO_IMAGE, text only), "image_safety" (finishReason IMAGE_SAFETY, finishMessage, no parts),
        "empty" (a candidate without content), "thoughts" (thought text + draft image + answer).
        """
        if kind not in gemini.RESPONSE_KINDS:
            raise ValueError(f"unknown response kind {kind!r}; use one of {sorted(gemini.RESPONSE_KINDS)}")
        with self._lock:
            self._kinds.extend([kind] * times)

    def clear(self) -> None:
        """Forget queued faults and responses and the recorded requests."""
        with self._lock:
            self._faults.clear()
            self._kinds.clear()
            self.requests.clear()
            self.calls.clear()

    def _next_fault(self) -> int | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _next_kind(self) -> str | None:
        with self._lock:
            return self._kinds.popleft() if self._kinds else None

    def _record(self, call: str, body: Any = None, has_body: bool = False) -> None:
        with self._lock:
            self.calls.append(call)
            if has_body:
                self.requests.append(body)


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its StandinServer and can drop open connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], standin: StandinServer):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.standin = standin
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        """Shut down keep-alive connections so their handler threads end."""
        with self.connections_lock:
            for connection in list(self.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent (a client hanging up mid-response is normal)."""


class _Handler(BaseHTTPRequestHandler):
    """One connection: routes Gemini REST calls to `gemini`."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "StandinGemini/1"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        """No request logs on stderr."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    # -- routing --------------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        standin = self.server.standin
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        raw = self._read_body()
        try:
            body = json.loads(raw) if raw.strip() else None
            parsed = True
        except (json.JSONDecodeError, UnicodeDecodeError):
            body, parsed = None, False
        standin._record(f"{method} {url.path}", body, has_body=method == "POST" and parsed)
        if standin.latency:
            time.sleep(standin.latency)
        try:
            fault = standin._next_fault()
            if fault is not None:
                raise gemini.fault(fault)
            if not (self.headers.get("x-goog-api-key") or query.get("key", [""])[0]):
                raise gemini.permission_denied()
            if not parsed:
                raise gemini.invalid_argument(
                    "Invalid JSON payload received. Unexpected token.\n" + raw[:40].decode("utf-8", "replace")
                )
            self._route(method, url.path, query, body)
        except gemini.ApiError as error:
            self._send_json(error.code, error.body())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # a stand-in bug: answer like the API would, never crash
            self._send_json(500, gemini.ApiError(500, "INTERNAL", f"Stand-in error: {error!r}").body())

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        match = _ROUTE.match(path)
        if not match:
            raise gemini.not_found(path)
        version, name, action = match.group(1), match.group(2), match.group(3)
        name = unquote(name) if name else None
        if method == "GET" and name is None and action is None:
            self._send_json(200, _list_models(query))
        elif method == "GET" and name is not None and action is None:
            self._send_json(200, gemini.find_model(name, version, "getModel").resource())
        elif method == "POST" and name is not None and action in ("generateContent", "streamGenerateContent"):
            model = gemini.find_model(name, version, action)
            if not isinstance(body, dict):
                raise gemini.invalid_argument("Invalid JSON payload received. Expected an object.")
            answer = gemini.generate(model, body, self.server.standin._next_kind())
            if action == "generateContent":
                self._send_json(200, answer.whole())
            elif query.get("alt", [""])[0] == "sse":
                self._send_sse(answer.chunks())
            else:
                self._send_json(200, answer.chunks())
        elif method == "POST" and name is not None and action == "countTokens":
            model = gemini.find_model(name, version, action)
            self._send_json(200, gemini.count_tokens(model, body if isinstance(body, dict) else {}))
        else:
            raise gemini.not_found(f"{method} {path}")

    # -- I/O ------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, code: int, payload: Any) -> None:
        """A JSON answer, gzipped when the client accepts it (as Gemini does)."""
        data = json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            data = _gzip(data)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Origin, X-Origin, Referer")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_sse(self, chunks: list[Any]) -> None:
        """Server-sent events, one `data: {json}` event per chunk, chunked transfer encoding."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            event = b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


def _gzip(data: bytes) -> bytes:
    """Gzip fast: run-length matching is 3x quicker than deflate on base64 image data, and smaller."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31, 9, zlib.Z_RLE)  # wbits 31: a gzip header, mtime 0
    return packer.compress(data) + packer.flush()


def _list_models(query: dict[str, list[str]]) -> dict[str, Any]:
    """GET models, with `pageSize` / `pageToken` paging."""
    models = [model.resource() for model in gemini.MODELS.values()]
    start = int(query.get("pageToken", ["0"])[0] or 0)
    size = int(query.get("pageSize", ["50"])[0] or 50)
    page: dict[str, Any] = {"models": models[start : start + size]}
    if start + size < len(models):
        page["nextPageToken"] = str(start + size)
    return page
