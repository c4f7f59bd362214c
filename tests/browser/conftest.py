"""Browser fixtures: the real app (`pair-assistant serve`), host pages on other origins, Chromium.

The app listens on 127.0.0.1; the allowed host page on 127.0.0.2 and a host that is not on
the allowlist on 127.0.0.3 (all loopback on Linux), so every check crosses origins.
Without Chromium the tests skip, unless PAIR_REQUIRE_BROWSER=1 (CI) makes them fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, ClassVar
from urllib.request import urlopen

import pytest

from assistant.config import Settings
from assistant.search.engine import Engine

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HOSTILE_CSS = """
* { font-family: "Comic Sans MS", cursive !important; color: #f0f !important;
    letter-spacing: 3px !important; }
button, iframe, div { display: inline !important; position: static !important;
    background: lime !important; border: 9px dotted red !important; width: 10px !important;
    height: 10px !important; padding: 30px !important; font-size: 40px !important; }
body * { transform: rotate(3deg) !important; visibility: visible !important; }
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("PAIR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PAIR_REQUIRE_BROWSER=1 requires the browser tests to run)")
    pytest.skip(reason)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Sites:
    app: str
    host: str
    refused: str


class _HostHandler(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, tuple[str, str, dict[str, str]]]] = {}

    def do_GET(self) -> None:
        found = self.pages.get(self.path.split("?")[0])
        if found is None:
            self.send_error(404)
            return
        kind, text, headers = found
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is for test results."""


def host_page(app: str, css: str = "") -> str:
    link = f'<link rel="stylesheet" href="{css}">' if css else ""
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Trust intranet</title>{link}</head>
<body><header><a href="#news">Skip to news</a></header>
<main><h1>Trust intranet</h1><p id="news">Staff news and links.</p></main>
<script src="{app}/widget/v2.js" data-title="Ask the PAIR evidence" data-theme="nhs"
  data-position="bottom-right" defer></script>
</body></html>"""


def _host_csp(app: str) -> dict[str, str]:
    """A locked-down intranet: only the two lines /embed/setup tells hosts to add."""
    policy = (
        f"default-src 'self'; script-src 'self' {app}; frame-src {app}; style-src 'self'; "
        "object-src 'none'; base-uri 'none'"
    )
    return {"Content-Security-Policy": policy}


def _start(target: Any) -> None:
    threading.Thread(target=target, daemon=True).start()


ADMIN_EMAIL = "admin@trust.nhs.uk"
ADMIN_PASSWORD = "a long administrator passphrase"


@contextmanager
def serve_app(settings: Settings, port: int, allowed: str) -> Iterator[None]:
    """The real `pair-assistant serve` (waitress) in its own process, as in production,
    on its own SQLite database with one administrator account."""
    instance = tempfile.mkdtemp(prefix="pair-instance-")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PAIR_CORPUS_DIR": str(settings.corpus_dir),
        "PAIR_INDEX_DIR": str(settings.index_dir),
        "PAIR_INSTANCE_DIR": instance,
        "PAIR_EMBED_ALLOWED_ORIGINS": allowed,
        "PAIR_RATE_LIMIT": "600/minute",
    }
    cli = Path(sys.executable).with_name("pair-assistant")
    for command in (["db", "upgrade"], ["users", "add", ADMIN_EMAIL, "--role", "admin"]):
        subprocess.run(
            [str(cli), *command], env=env, input=ADMIN_PASSWORD, text=True, check=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
            yield
        finally:
            process.terminate()
            try:  # gunicorn waits for open keep-alive connections of a browser still running
                process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            shutil.rmtree(instance, ignore_errors=True)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    for _ in range(600):  # at most about a minute
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app server exited: {log.read().decode()[-2000:]}")
        try:
            with urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the app server did not start within a minute")


@pytest.fixture(scope="session")
def sites(browser: Any, settings: Settings, engine: Engine) -> Iterator[Sites]:
    host_port, app_port = free_port("127.0.0.2"), free_port("127.0.0.1")
    s = Sites(
        app=f"http://127.0.0.1:{app_port}",
        host=f"http://127.0.0.2:{host_port}",
        refused=f"http://127.0.0.3:{host_port}",
    )
    headers = _host_csp(s.app)
    _HostHandler.pages = {
        "/host.html": ("text/html; charset=utf-8", host_page(s.app), headers),
        "/hostile.html": ("text/html; charset=utf-8", host_page(s.app, "/hostile.css"), headers),
        "/hostile.css": ("text/css", HOSTILE_CSS, {}),
    }
    hosts = [
        ThreadingHTTPServer((ip, host_port), _HostHandler) for ip in ("127.0.0.2", "127.0.0.3")
    ]
    for h in hosts:
        _start(h.serve_forever)
    try:
        with serve_app(settings, app_port, s.host):
            yield s
    finally:
        for h in hosts:
            h.shutdown()
            h.server_close()


def chromium_session() -> Iterator[Any]:
    """Chromium under Playwright, for the one session-wide ``browser`` fixture
    (tests/conftest.py) that the browser and security suites share: Playwright's sync API
    allows one running instance per process."""
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        _unavailable("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
