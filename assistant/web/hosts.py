"""Which host the service answers as: the ``Host`` header checked, absolute URLs pinned.

A client chooses its ``Host`` header, so nothing built from it can be trusted: with
``public_url`` set every absolute URL (permalinks, the widget snippet, CSP lines) uses it,
and with ``trusted_hosts`` set a request addressed to any other host gets a 400. A Host
header that is not a host name at all (too long, empty labels) gets a 400 too, before
Flask tries to build URLs from it.

The check is WSGI middleware inside the proxy fix, so it sees the host the client asked
for after trusted proxies are taken into account. A refused request's ``Host`` is replaced
by a safe one, and a ``before_request`` hook turns the mark into the app's own error, so
the refusal has the JSON shape on the API and the error page elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, request

from assistant.config import Settings
from assistant.errors import PairError
from assistant.web import settings

MARK = "pair.bad_host"
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(rf"^(?:\[[0-9A-Fa-f:.]{{2,45}}\]|{_LABEL}(?:\.{_LABEL})*\.?)(?::[0-9]{{1,5}})?$")
MAX_HOST = 253


class BadHost(PairError):
    code = "bad_host"
    status = 400


class HostCheck:
    """WSGI middleware: mark requests whose ``Host`` is malformed or not trusted."""

    def __init__(self, app: Any, trusted: Iterable[str], fallback: str = "") -> None:
        self.app = app
        self.trusted = frozenset(trusted)
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST", "")
        problem = host_problem(host, self.trusted) if host or self.trusted else None
        if problem:
            environ[MARK] = problem
            environ["HTTP_HOST"] = self.fallback or _server_host(environ)
        return self.app(environ, start_response)


def host_problem(host: str, trusted: frozenset[str]) -> str | None:
    """Why a ``Host`` header is refused, or None."""
    if len(host) > MAX_HOST + 6 or not _HOST.match(host):
        return "the request's Host header is not a valid host name"
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if trusted and name.lower().rstrip(".") not in trusted:
        return "this service does not answer for that host name"
    return None


def _server_host(environ: dict[str, Any]) -> str:
    return f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"


def init_app(app: Flask, config: Settings) -> None:
    """Install the check (call before the proxy fix wraps the app) and its error hook."""
    fallback = config.public_url.split("://", 1)[1] if config.public_url else ""
    trusted = config.trusted_hosts
    app.wsgi_app = HostCheck(app.wsgi_app, trusted, fallback)  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_bad_host)


def _refuse_bad_host() -> None:
    problem = request.environ.get(MARK)
    if problem:
        raise BadHost(f"{problem}; use the service's published address")


def own_origin() -> str:
    """``scheme://host`` of this service: the public URL when set, else the request's."""
    return settings().public_url or f"{request.scheme}://{request.host}"


def base_url() -> str:
    """The service's root URL with a trailing slash, for building absolute links."""
    return own_origin() + "/"
