"""``python -m standin [--answers NOTEBOOK] [--port N] [--latency S]``: serve the stand-in API.

Prints its URL on the first line, then serves until interrupted. Point the SDK at it with
``GOOGLE_GEMINI_BASE_URL=<url>`` and any key.
"""

from __future__ import annotations

import argparse
import threading

from standin.server import StandinServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    parser.add_argument("--answers", help="a notebook's answers file to use, e.g. 01_quickstart")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args()
    server = StandinServer(args.answers, port=args.port, latency=args.latency).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
