"""``pair-assistant serve``: the production server, one process or several.

Where the platform can fork, gunicorn runs ``workers`` processes of ``threads`` threads
each (the ``gthread`` worker). The app, the index and the question encoder are loaded once
in the parent before forking (``preload``), so the workers share the read-only index
pages copy-on-write and one process's GIL no longer caps the throughput. Without fork
(Windows), or with ``--server waitress``, waitress serves from one process, as before.

Each worker checks for a newer index build on its own and switches without dropping
requests (see :mod:`assistant.search.engine`). Rate-limit counters are per process unless
``PAIR_RATE_LIMIT_STORAGE`` names a shared store.

``/metrics`` adds up what every worker counted: under gunicorn, prometheus-client runs in
its multiprocess mode, each worker writing its counters to files in a private folder that
``serve`` creates before the app is imported and deletes when the server stops; a worker
that exits is marked dead there. With JSON logs, gunicorn's own lines are JSON too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from assistant.config import Settings
from assistant.store.recorder import stop_all as stop_recording

log = logging.getLogger(__name__)
SERVERS = ("auto", "gunicorn", "waitress")
METRICS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus-client when it is imported
# how often a worker tells the master it is alive, at most (the master waits 60 s)
HEARTBEAT_SECONDS = 1.0


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

        # SIGTERM ends the process as Ctrl-C does, through the handlers registered with
        # atexit (which write the answer rows still queued), not at once
        signal.signal(signal.SIGTERM, _exit_on_term)
        create_server(app, settings, host, port).run()
        return
    if workers > 1 and settings.rate_limit_storage.startswith("memory://"):
        log.warning(
            "%d workers each count rate limits on their own; set PAIR_RATE_LIMIT_STORAGE "
            "to a shared store (redis://...) to count them together",
            workers,
        )
    _gunicorn(app, _gunicorn_options(settings, host, port, workers)).run()


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(0)


@contextmanager
def metrics_folder(shared: bool) -> Iterator[None]:
    """Multiprocess metrics (``shared``) in a new private folder, removed afterwards; or
    metrics kept in this process. Enter before :mod:`assistant.web.metrics` is imported."""
    if not shared:
        os.environ.pop(METRICS_FOLDER, None)
        yield
        return
    folder, owner = tempfile.mkdtemp(prefix="pair-metrics-"), os.getpid()
    os.environ[METRICS_FOLDER] = folder
    try:
        yield
    finally:
        if os.getpid() == owner:  # not in a worker leaving the stack it was forked in
            os.environ.pop(METRICS_FOLDER, None)
            shutil.rmtree(folder, ignore_errors=True)


def _worker_exited(server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: the worker's live gauges leave the sum."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def _worker_leaving(server: Any, worker: Any) -> None:
    """gunicorn's ``worker_exit`` hook: write the answer rows still queued, then leave now,
    with the exit status gunicorn chose.

    A worker inherits at fork the C++ thread pools the parent created (ONNX Runtime's,
    for the question encoder); their destructors, run as the interpreter shuts down, fail
    on threads the child never had and abort the worker (SIGABRT, "terminate called after
    throwing std::system_error"). Log lines are already written; nothing else is pending.
    """
    leaving = sys.exc_info()[1]
    code = leaving.code if isinstance(leaving, SystemExit) else 1
    stop_recording()  # os._exit below skips the handlers registered with atexit
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def _gunicorn_logger() -> type:
    """gunicorn's logger, writing its lines in the app's format (for JSON logs)."""
    from gunicorn.glogging import Logger

    class AppFormatLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            ours = next((h.formatter for h in logging.getLogger().handlers if h.formatter), None)
            for handler in self.error_log.handlers if ours else ():
                handler.setFormatter(ours)

    return AppFormatLogger


def _gunicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": _worker_class(),
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
        "child_exit": _worker_exited,
        "worker_exit": _worker_leaving,
    }
    if settings.log_format == "json":
        options["logger_class"] = _gunicorn_logger()
    return options


def _worker_class() -> type:
    """gunicorn's threaded worker, closing a kept-alive connection its client has closed
    where the poller saw it, instead of sending it to a request thread.

    A client that reads one answer and hangs up (most scripts; a proxy dropping an idle
    upstream connection) leaves its connection kept alive and then readable at its end:
    gunicorn hands it to a thread, which builds a request parser, finds no data and passes
    the connection back to the main loop to be closed, two hand-offs between threads for
    nothing (about 0.1 ms of CPU per such connection). A peek at the socket tells
    the end of the stream from a request that has arrived.
    """
    from gunicorn.workers.gthread import ThreadWorker

    class Worker(ThreadWorker):  # type: ignore[misc]
        _notified = -HEARTBEAT_SECONDS

        def notify(self) -> None:
            # the main loop runs several times per request; the master only needs to
            # hear from a worker within its timeout
            now = time.monotonic()
            if now - self._notified >= HEARTBEAT_SECONDS:
                self._notified = now
                super().notify()

        def handle(self, conn: Any) -> Any:
            # a new connection whose request has already arrived (most do) need not be
            # watched with a selector of its own before it is read
            # (gunicorn before 25 reads a new connection at once: no such attributes)
            fresh = not getattr(conn, "initialized", True) and not getattr(conn, "data_ready", True)
            if fresh and _has_data(conn.sock):
                conn.data_ready = True
            return super().handle(conn)

        def on_client_socket_readable(self, conn: Any, client: Any) -> None:
            if not _at_end(client):
                super().on_client_socket_readable(conn, client)
                return
            with getattr(self, "_lock", contextlib.nullcontext()):  # gunicorn < 24 has one
                self.poller.unregister(client)
                self.keepalived_conns.remove(conn)
            self.nr_conns -= 1
            conn.close()

    return Worker


def _has_data(client: socket.socket) -> bool:
    """Whether bytes from the client are waiting to be read (False when none are yet, at
    the end of the stream, or on an error, which the usual path then meets)."""
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except (OSError, ValueError):
        return False


def _at_end(client: socket.socket) -> bool:
    """Whether a readable socket has reached the end of its stream (or was reset)."""
    if isinstance(client, ssl.SSLSocket):  # unread plain text may wait inside TLS
        return False
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:  # reset by the client: nothing more to read
        return True


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
