"""``python -m standin [--answers NOTEBOOK] [--port N] [--exit-with-stdin] [--rpm N] ...``: serve the stand-in API.
Prints its URL, then serves until interrupted (``--exit-with-stdin``: until stdin ends); point the SDK at it with
``GOOGLE_GEMINI_BASE_URL=<url>`` and any key. The other options, Settings' fields, override the ``[server]`` table."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading

from standin.server import Settings, StandinServer
from standin.spec import AnswersError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    parser.add_argument("--answers", help="a notebook's answers (e.g. 01_quickstart) or a .toml file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--exit-with-stdin", action="store_true", help="serve until stdin reaches end of file")
    for f in dataclasses.fields(Settings):  # --latency, --rpm, --ipm...: only those given override [server]
        kind, flag = int if isinstance(f.default, int) else float, "--" + f.name.replace("_", "-")
        parser.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=f.metadata["help"])
    args = parser.parse_args(argv)
    settings = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings) if hasattr(args, f.name)}
    try:
        server = StandinServer(args.answers, port=args.port, **settings).start()
    except AnswersError as error:
        parser.exit(2, f"python -m standin: {error}\n")
    print(server.url, flush=True)
    try:
        while sys.stdin.buffer.read1(65536) if args.exit_with_stdin else not threading.Event().wait():
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
