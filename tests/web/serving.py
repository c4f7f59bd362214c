"""Running `pair-assistant serve` for real in a test: a free port, the command, and waiting
until it answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

START_SECONDS = 120
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command(port: int, *options: str) -> list[str]:
    """``pair-assistant serve`` on ``port`` of 127.0.0.1, from this Python's environment."""
    cli = Path(sys.executable).with_name("pair-assistant")
    return [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port), *options]


def wait_until_answering(
    server: subprocess.Popen[bytes], probe: Callable[[], T], why: Callable[[], str] = str
) -> T:
    """``probe()``'s result once it stops raising OSError (the server is up); fails if the
    server exits or takes too long, with ``why()`` (such as its output) as the message."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return probe()
        except OSError:
            assert server.poll() is None, f"the server stopped during start-up: {why()}"
            assert time.monotonic() < deadline, "the server did not answer in time"
            time.sleep(0.2)
