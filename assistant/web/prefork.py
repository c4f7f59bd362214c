"""``pair-assistant serve``: the production server, one process or several.

Where the platform can fork, gunicorn runs ``workers`` processes of ``threads`` threads
each (the ``gthread`` worker). The app, the index and the question encoder are loaded once
in the parent before forking (``preload``), so the workers share the read-only index
pages copy-on-write and one process's GIL no longer caps the throughput. Without fork
(Windows), or with ``--server waitress``, waitress serves from one process, as before.

Each worker checks for a newer index build on its own and switches without dropping
requests (see :mod:`assistant.search.engine`). Rate-limit counters are per process unless
``PAIR_RATE_LIMIT_STORAGE`` names a shared store.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from assistant.config import Settings

log = logging.getLogger(__name__)
SERVERS = ("auto", "gunicorn", "waitress")


def worker_count(settings: Settings, requested: int | None) -> int:
    """Workers to run: the option, else the setting, where 0 means one per core."""
    count = settings.workers if requested is None else requested
    return count if count > 0 else (os.cpu_count() or 1)


def choose_server(server: str) -> str:
    """gunicorn where it can run (fork and the package), otherwise waitress."""
    if server != "auto":
        return server
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "waitress"
    return "gunicorn" if hasattr(os, "fork") else "waitress"


def serve(app: Flask, settings: Settings, host: str, port: int, workers: int, server: str) -> None:
    """Serve ``app`` (already preloaded) until stopped."""
    if choose_server(server) == "waitress":
        from assistant.web.server import create_server

        create_server(app, settings, host, port).run()
        return
    if workers > 1 and settings.rate_limit_storage.startswith("memory://"):
        log.warning(
            "%d workers each count rate limits on their own; set PAIR_RATE_LIMIT_STORAGE "
            "to a shared store (redis://...) to count them together",
            workers,
        )
    _gunicorn(app, _gunicorn_options(settings, host, port, workers)).run()


def _gunicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        "preload_app": True,
        # a worker that stops answering for this long is replaced
        "timeout": 60,
        "graceful_timeout": 30,
        # the same limits waitress is given (assistant/web/server.py); a client that
        # trickles its request is cut off by the reverse proxy, as gunicorn has no
        # whole-request deadline
        "keepalive": min(settings.channel_timeout, 5),
        "worker_connections": settings.connection_limit,
        "limit_request_line": min(settings.max_header_bytes, 8190),
        "limit_request_field_size": settings.max_header_bytes,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "pair-assistant",
        "control_socket_disable": True,  # no control socket in the user's home folder
        # no per-worker temporary heartbeat files on slow disks
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }


def _gunicorn(app: Flask, options: dict[str, Any]) -> Any:
    """gunicorn run from Python with an app object instead of an import string."""
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    return Application()
