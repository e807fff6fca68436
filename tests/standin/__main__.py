"""Run the stand-in Gemini API until SIGTERM or Ctrl+C.

    python -m tests.standin [--port N] [--latency SECONDS]

The first line on stdout is exactly the base URL (read by the record command); the second says
what it is.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import StandinServer


def main(argv: list[str] | None = None) -> int:
    """Serve until a signal; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.standin", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with StandinServer(port=args.port, latency=args.latency) as server:
        print(server.url, flush=True)
        print(
            "Stand-in Gemini API (placeholder images, not Gemini). Point the SDK at it with"
            f" GOOGLE_GEMINI_BASE_URL={server.url}. Ctrl+C stops it.",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
