"""Loaded by a kernel whose PYTHONPATH starts here (tests/units/test_reliability.py): every network connection the
kernel opens is written, one a line, to the file named by NO_NETWORK_LOG, so a test can prove replay opened none."""

import os
import socket

_connect = socket.socket.connect


def _logged_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        with open(os.environ["NO_NETWORK_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{address!r}\n")
    return _connect(self, address)


socket.socket.connect = _logged_connect  # type: ignore[method-assign]
